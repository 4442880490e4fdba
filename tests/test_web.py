"""The web edition as a reader meets it: a built site served over HTTP and opened in a
real browser (Debian's chromium, driven by Playwright), checked by axe-core, searched
with Pagefind, and read by a feed reader; plus what a deploy relies on (hashed assets,
relative edition links, incremental rewrites)."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urljoin

import feedparser
import pytest
from lxml import etree

from .conftest import CONTENT, REFERENCE, require
from .tools import html_tree

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
BASE_URL = "https://example.org/briefs/"
TYPES = {
    ".pdf": "application/pdf",
    ".epub": "application/epub+zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _imprint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "imprint", *args],
        cwd=cwd,
        text=True,
        capture_output=True,
        timeout=600,
    )


def _project(root: Path, settings: str) -> Path:
    """The samples and the reference post, with ``settings`` as imprint.toml."""
    shutil.copytree(CONTENT, root / "content", ignore=shutil.ignore_patterns("collections"))
    if REFERENCE.is_file():
        shutil.copy(REFERENCE, root / "content")
    (root / "imprint.toml").write_text(settings, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = _project(
        tmp_path_factory.mktemp("web"), f'[site]\nbase_url = "{BASE_URL}"\npage_size = 2\n'
    )
    done = _imprint("build", cwd=root)
    assert done.returncode == 0, done.stderr
    return root / "build"


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    """The built site on a loopback HTTP server, as a team would preview a deploy."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".woff2": "font/woff2",
        ".epub": "application/epub+zip",
        ".docx": TYPES[".docx"],
    }

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser():
    require(CHROMIUM.is_file(), "Debian's chromium at /usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "Playwright for Python")
        raise
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _pages(site: Path) -> list[Path]:
    """Every page of the site: posts, index pages, topic pages, search."""
    return (
        sorted(site.glob("html/*.html"))
        + [site / "index.html"]
        + sorted(site.glob("page/*.html"))
        + sorted(site.rglob("tags/**/*.html"))
        + sorted(site.rglob("categories/**/*.html"))
        + [site / "search.html", site / "topics.html"]
    )


class _Visit:
    """One page opened in the browser, with what went wrong on the way."""

    def __init__(self, context, url: str):
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.requested: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("request", lambda r: self.requested.append(r.url))
        self.page.on(
            "response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}")
        )
        self.page.goto(url, wait_until="networkidle")


@pytest.mark.slow
def test_every_page_loads_cleanly_with_its_fonts_and_passes_axe(site, server, browser):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    pages = _pages(site)
    assert len(pages) >= 8
    context = browser.new_context()
    for path in pages:
        relative = path.relative_to(site).as_posix()
        visit = _Visit(context, server + relative)
        assert visit.errors == [], (relative, visit.errors)
        assert visit.failed == [], (relative, visit.failed)
        faces = visit.page.evaluate("""async () => { await document.fonts.ready;
            return Array.from(document.fonts).map(f => [f.family, f.status]); }""")
        used = [(family, status) for family, status in faces if status != "unloaded"]
        assert used and all(status == "loaded" for _, status in used), (relative, faces)
        assert {family.strip('"') for family, _ in used} >= {"Source Sans 3"}, relative
        if relative.startswith("html/"):
            assert "Source Serif 4" in {family.strip('"') for family, _ in used}, relative
        results = axe.run(visit.page)
        serious = [
            (v["id"], v["impact"])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], (relative, serious)
        visit.page.close()
    context.close()


@pytest.mark.slow
def test_a_second_page_loads_no_new_font_or_stylesheet(site, server, browser):
    context = browser.new_context()
    first = _Visit(context, server + "html/monsoon-grids.html")
    second = _Visit(context, server + "html/undersea-cables.html")
    shared = [u for u in second.requested if u.endswith((".css", ".woff2"))]
    assert shared and set(shared) <= set(first.requested), shared
    context.close()


def search_for(visit: _Visit, word: str) -> list[str]:
    """Search on the site's search page; the result links, once they are for ``word``."""
    visit.page.fill("#search-query", word)
    visit.page.wait_for_function(
        """word => document.getElementById('search-status').textContent
                   .includes(`“${word}”`)""",
        arg=word,
        timeout=30_000,
    )
    return visit.page.eval_on_selector_all(
        "#search-results h2 a", "links => links.map(a => a.getAttribute('href'))"
    )


@pytest.mark.slow
def test_search_finds_a_post_by_a_word_of_its_body(site, server, browser):
    context = browser.new_context()
    visit = _Visit(context, server + "search.html")
    found = search_for(visit, "substations")
    assert len(found) == 1 and found[0].endswith("html/monsoon-grids.html")
    # the chrome is not indexed: the publication's footer line finds nothing
    assert search_for(visit, "licensed") == []
    assert visit.errors == [] and visit.failed == []
    context.close()


@pytest.mark.slow
def test_every_edition_link_answers_with_its_file_over_http_and_from_disk(site, server, browser):
    context = browser.new_context()
    for page in sorted(site.glob("html/*.html")):
        links = html_tree(page).xpath("//ul[@class='editions']//a")
        assert [Path(a.get("href")).suffix for a in links] == [".pdf", ".epub", ".docx"]
        for link in links:
            href = link.get("href")
            assert not re.match(r"[a-z]+:", href) and not href.startswith("/")  # relative
            assert (page.parent / unquote(href)).resolve().is_file()  # works from file://
            answer = context.request.get(urljoin(server + "html/", href))
            assert answer.status == 200
            assert answer.headers["content-type"] == link.get("type") == TYPES[Path(href).suffix]
            assert len(answer.body()) > 1000
    context.close()


def test_the_reference_page_is_small_and_shares_hashed_assets(site):
    page = site / "html" / "rusi-south-korea-global-vision.html"
    require(page.is_file(), "the shared corpus's reference post")
    assert page.stat().st_size <= 60_000
    tree = html_tree(page)
    [sheet] = tree.xpath("//link[@rel='stylesheet']/@href")
    assert re.fullmatch(r"assets/screen\.[0-9a-f]{12}\.css", sheet)
    assert not tree.xpath("//style") and b"data:font" not in page.read_bytes()
    assert tree.xpath("//link[@rel='canonical']/@href") == [
        BASE_URL + "html/rusi-south-korea-global-vision.html"
    ]
    assert tree.xpath("//meta[@property='og:url']/@content") == tree.xpath(
        "//link[@rel='canonical']/@href"
    )
    css = (site / "html" / sheet).read_text(encoding="utf-8")
    for font in re.findall(r'url\("([^"]+)"\)', css):
        assert re.fullmatch(r"[A-Za-z0-9]+-(normal|italic)-\d+\.[0-9a-f]{12}\.woff2", font)
        assert (site / "html" / "assets" / font).is_file()


def test_pages_link_neighbours_and_topics_and_the_index_is_paginated(site):
    posts = [html_tree(p) for p in sorted(site.glob("html/*.html"))]
    for tree in posts:
        assert tree.xpath("//nav[@class='site-nav']//a[@rel='prev' or @rel='next']")
    monsoon = html_tree(site / "html" / "monsoon-grids.html")
    assert monsoon.xpath("//a[@rel='prev']/@href") == ["undersea-cables.html"]
    assert monsoon.xpath("//a[@rel='next']/@href") == ["arctic-shipping.html"]
    assert monsoon.xpath("//a[@rel='tag']/@href") == [
        "../tags/solar.html",
        "../tags/climate-adaptation.html",
        "../tags/south-asia.html",
        "../categories/energy.html",
    ]
    sizes = monsoon.xpath("//ul[@class='editions']//span[@class='size']/text()")
    assert len(sizes) == 3 and all(re.fullmatch(r"\d+ KB|\d+\.\d MB", s) for s in sizes)
    # four posts, two to a page: the newest two here, the next two on page 2
    first = html_tree(site / "index.html")
    assert len(first.xpath("//li[@class='post']")) == 2
    assert first.xpath("//a[@rel='next']/@href") == ["page/2.html"]
    second = html_tree(site / "page" / "2.html")
    assert len(second.xpath("//li[@class='post']")) == 2
    assert second.xpath("//a[@rel='prev']/@href") == ["../index.html"]
    energy = html_tree(site / "categories" / "energy.html")
    assert [a.get("href") for a in energy.xpath("//li[@class='post']/h2/a")] == [
        "../html/monsoon-grids.html"
    ]
    for page in _pages(site):  # every relative link of every page leads to a file
        for href in html_tree(page).xpath("//a/@href | //link/@href | //img/@src"):
            if not re.match(r"[a-z]+:", href) and not href.startswith("#"):
                target = (page.parent / unquote(href.split("#")[0])).resolve()
                assert target.is_file(), (page.name, href)


def test_feed_and_sitemap(site):
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo and feed.feed.title == "Policy Briefs"
    assert len(feed.entries) == 4  # every post (fewer than the default 20)
    newest = feed.entries[0]
    assert newest.title.startswith("Ice-Free Passages")
    assert [a.name for a in newest.authors] == ["Inès Okafor", "Mariana Quist"]
    assert newest.published == "2025-11-20T08:00:00+08:00"
    assert "Longer ice-free seasons" in newest.summary
    [enclosure] = newest.enclosures
    assert enclosure.href == BASE_URL + "pdf/arctic-shipping.pdf"
    assert enclosure.type == "application/pdf"
    assert int(enclosure.length) == (site / "pdf" / "arctic-shipping.pdf").stat().st_size
    sitemap = etree.parse(str(site / "sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = sitemap.xpath("//s:url/s:loc/text()", namespaces=ns)
    pages = [p for p in _pages(site) if p.name != "search.html"]
    assert sorted(urls) == sorted(BASE_URL + p.relative_to(site).as_posix() for p in pages)
    assert sitemap.xpath(
        "//s:url[s:loc='" + BASE_URL + "html/monsoon-grids.html']/s:lastmod/text()", namespaces=ns
    ) == ["2025-09-03T14:00:00+08:00"]


def test_without_a_base_url_the_feed_and_sitemap_are_skipped_with_one_warning(tmp_path):
    root = _project(tmp_path, "")
    done = _imprint("build", "--formats", "html", cwd=root)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "warning: feed.xml" in line]
    assert warnings == [
        "imprint: warning: feed.xml and sitemap.xml skipped: they need "
        "absolute links; set [site] base_url in imprint.toml"
    ]
    assert not (root / "build" / "feed.xml").exists()
    assert not (root / "build" / "sitemap.xml").exists()
    single = _imprint(
        "html",
        str(root / "content" / "2025-09-03-monsoon-grids.md"),
        "-o",
        str(tmp_path / "one.html"),
        cwd=root,
    )
    assert single.returncode == 0, single.stderr
    page = (tmp_path / "one.html").read_bytes()
    assert b"data:font/woff2" in page and b'rel="stylesheet"' not in page  # stands alone


@pytest.mark.slow
def test_one_edit_rewrites_its_page_and_what_lists_it_and_nothing_else(tmp_path):
    root = _project(tmp_path, f'[site]\nbase_url = "{BASE_URL}"\n')
    assert _imprint("build", cwd=root).returncode == 0
    out = root / "build"

    def stamps() -> dict[str, int]:
        return {
            p.relative_to(out).as_posix(): p.stat().st_mtime_ns
            for p in out.rglob("*")
            if p.is_file()
        }

    before = stamps()
    time.sleep(0.01)
    post = root / "content" / "2025-09-03-monsoon-grids.md"
    post.write_text(
        post.read_text(encoding="utf-8").replace(
            "are switched off", "are switched off, one by one,"
        ),
        encoding="utf-8",
    )
    done = _imprint("build", cwd=root)
    assert done.returncode == 0, done.stderr
    after = stamps()
    rewritten = {name for name in after if after[name] != before.get(name)}
    own = {f"{f}/monsoon-grids.{f}" for f in ("html", "pdf", "epub", "docx")}
    assert own <= rewritten
    # its sizes show on the index and its topic pages; the feed has its PDF's length
    lists = {
        "index.html",
        "tags/solar.html",
        "tags/climate-adaptation.html",
        "tags/south-asia.html",
        "categories/energy.html",
        "feed.xml",
        "report.json",
    }
    others = {n for n in rewritten - own - lists if not n.startswith("pagefind/")}
    assert others == set(), others
    assert any(n.startswith("pagefind/") for n in rewritten)  # the search index, anew
    assert not [n for n in os.listdir(out) if n.startswith(".imprint-")]


def test_a_full_feed_carries_each_article(tmp_path):
    root = _project(tmp_path, f'[site]\nbase_url = "{BASE_URL}"\nfeed_full = true\nfeed_size = 2\n')
    (root / "content" / REFERENCE.name).unlink(missing_ok=True)
    done = _imprint("build", "--formats", "html,pdf", cwd=root)
    assert done.returncode == 0, done.stderr
    feed = feedparser.parse((root / "build" / "feed.xml").read_bytes())
    assert [e.title[:14] for e in feed.entries] == ["Ice-Free Passa", "Monsoon Grids:"]
    [content] = feed.entries[1].content
    assert content.type == "text/html" and "substations in low-lying districts" in content.value
    assert "site-nav" not in content.value  # the article, not the page around it


def test_topic_pages_are_paginated_like_the_index(tmp_path):
    from bench.corpus import generate

    generate(CONTENT, tmp_path / "content", 4)  # the first sample twice: its tags twice
    (tmp_path / "imprint.toml").write_text("[site]\npage_size = 1\n", encoding="utf-8")
    done = _imprint("build", "--formats", "html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    site = tmp_path / "build"
    first = html_tree(site / "tags" / "infrastructure.html")
    assert len(first.xpath("//li[@class='post']")) == 1
    assert first.xpath("//a[@rel='next']/@href") == ["infrastructure/2.html"]
    second = html_tree(site / "tags" / "infrastructure" / "2.html")
    assert len(second.xpath("//li[@class='post']")) == 1
    assert second.xpath("//a[@rel='prev']/@href") == ["../infrastructure.html"]
    assert " ".join(second.xpath("string(//h1)").split()) == "Tag: infrastructure, page 2"
    for href in second.xpath("//a/@href | //link/@href"):  # its links work one level down
        if not re.match(r"[a-z]+:", href):
            assert (site / "tags" / "infrastructure" / unquote(href)).resolve().is_file(), href

    # one of the two posts gone: the second page goes too, and its empty folder
    sorted((tmp_path / "content").glob("2025-06-12-undersea-cables-*.md"))[-1].unlink()
    assert _imprint("build", "--formats", "html", cwd=tmp_path).returncode == 0
    assert not (site / "tags" / "infrastructure").exists()
    assert not html_tree(site / "tags" / "infrastructure.html").xpath("//a[@rel='next']")


@pytest.mark.slow
def test_search_in_shards_finds_every_post_and_an_edit_reindexes_one_shard(tmp_path, browser):
    """An archive's search index is in shards, merged by the search page: one edit lays
    out again only the pages that list the post and re-indexes only its shard, and the
    result equals a clean build byte for byte."""
    from bench.corpus import generate
    from imprint.builder.site import shard_count, shard_of

    root = tmp_path / "sharded"
    posts = generate(CONTENT, root / "content", 12)
    settings = f'[site]\nbase_url = "{BASE_URL}"\nsearch_shard_size = 4\n'
    (root / "imprint.toml").write_text(settings, encoding="utf-8")
    assert _imprint("build", "--formats", "html", cwd=root).returncode == 0
    site = root / "build"
    bundles = sorted((site / "pagefind").iterdir())
    assert shard_count(12, 4) == 4 and len(bundles) >= 2
    assert [b.name for b in bundles] == sorted(
        {str(shard_of(p.name, 4)) for p in site.glob("html/*.html")}
    )
    # every shard a whole Pagefind bundle: the search page opens each language from the
    # first shard that holds it
    assert all(
        (b / "pagefind-entry.json").is_file() and (b / "pagefind.js").is_file() for b in bundles
    )

    edited, own = posts[4], "monsoon-grids-00005.html"
    listing = {
        "index.html",
        "tags/solar.html",
        "tags/climate-adaptation.html",
        "tags/south-asia.html",
        "categories/energy.html",
        "feed.xml",
    }

    def edit(old: str, new: str) -> tuple[set[str], dict]:
        """Edit the post and build: the shards indexed anew, and the report."""
        before = {
            b.name: (b / "pagefind-entry.json").stat().st_mtime_ns
            for b in (site / "pagefind").iterdir()
        }
        time.sleep(0.01)
        text = edited.read_text(encoding="utf-8")
        edited.write_text(text.replace(old, new), encoding="utf-8")
        done = _imprint("build", "--formats", "html", cwd=root)
        assert done.returncode == 0, done.stderr
        after = {
            b.name: (b / "pagefind-entry.json").stat().st_mtime_ns
            for b in (site / "pagefind").iterdir()
        }
        report = json.loads((site / "report.json").read_text(encoding="utf-8"))
        assert report["site"]["indexed"] == [
            f"pagefind/{n}" for n in sorted(n for n in after if after[n] != before.get(n))
        ]
        return {n for n in after if after[n] != before.get(n)}, report

    # a word in its body: its shard alone is indexed again; the pages listing it show
    # nothing new (its excerpt and sizes are as they were), so none is laid out again
    shard = f"pagefind/{shard_of(own, 4)}/pagefind-entry.json"
    indexed, report = edit("are switched off", "are switched off by zymurgists")
    assert indexed == {str(shard_of(own, 4))}
    laid_out = set(report["site"]["laid_out"])  # relative to the output folder
    assert laid_out <= listing | {shard}
    # a new title: the pages that list it are laid out again, and no other
    indexed, report = edit("for Ministers (5)", "for Ministers Again (5)")
    laid_out = set(report["site"]["laid_out"])
    assert {"index.html", "categories/energy.html"} <= laid_out
    assert {n for n in laid_out if not n.startswith("pagefind/")} <= listing

    clean = tmp_path / "clean"  # the same project built from nothing
    shutil.copytree(root / "content", clean / "content")
    (clean / "imprint.toml").write_text(settings, encoding="utf-8")
    assert _imprint("build", "--formats", "html", "--force", cwd=clean).returncode == 0

    def files(out: Path) -> dict[str, bytes]:
        return {
            p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != "report.json"
        }

    incremental, fresh = files(site), files(clean / "build")
    assert sorted(incremental) == sorted(fresh)
    assert [n for n in fresh if incremental[n] != fresh[n]] == []

    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        context = browser.new_context()
        visit = _Visit(context, f"http://127.0.0.1:{httpd.server_address[1]}/search.html")
        for word, expected in (
            ("zymurgists", {own}),  # the edited post's new word
            ("substations", {f"monsoon-grids-{n:05d}.html" for n in (2, 5, 8, 11)}),
        ):
            found = {Path(href).name for href in search_for(visit, word)}
            assert found == expected, word
        assert len({shard_of(f"monsoon-grids-{n:05d}.html", 4) for n in (2, 5, 8, 11)}) > 1
        assert visit.errors == [] and visit.failed == []
        context.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
