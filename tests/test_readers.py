"""What readers see, in a real browser (Debian's chromium through Playwright): search in
every language of a site, pages that fit a phone, a tablet and a desktop, and the topics
page; axe-core on the search page. Screenshots go under the build for a person to see."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import CONTENT, require
from .test_web import _QuietHandler, _Visit, browser  # noqa: F401 (a fixture)

pytestmark = pytest.mark.slow

# a post per language, and a word of its body that only it holds
LANGUAGE_POSTS = {
    "osg-ko-metrics.md": ("ko", "측정"),
    "osg-ja-getting-paid.md": ("ja", "資金"),
    "osg-zh-hans-security.md": ("zh-hans", "安全"),
    "osg-fa-metrics.md": ("fa", "سنجه"),
}
ARABIC = """---
title: الكابلات البحرية والطاقة
author: Layla Haddad
date: 2025-03-04
lang: ar
description: موجز عن حماية الكابلات البحرية في البحر الأحمر.
---

تحمل الكابلات البحرية معظم حركة الإنترنت بين القارات، وتحتاج الموانئ إلى خطط لإصلاحها بسرعة.

## الإصلاح

تستغرق سفن الإصلاح أسابيع للوصول إلى موقع العطل.
"""
WIDTHS = (390, 768, 1280)


def _imprint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "imprint", *args],
        cwd=cwd,
        text=True,
        capture_output=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory, corpus) -> Path:
    """A site of the samples beside posts in Korean, Japanese, Chinese, Persian, Arabic."""
    root = tmp_path_factory.mktemp("world")
    shutil.copytree(CONTENT, root / "content", ignore=shutil.ignore_patterns("collections"))
    for name in LANGUAGE_POSTS:
        shutil.copy(corpus / name, root / "content" / name)
    (root / "content" / "2025-03-04-red-sea-cables.md").write_text(ARABIC, encoding="utf-8")
    done = _imprint("build", "--formats", "html", cwd=root)
    assert done.returncode == 0, done.stderr
    return root / "build"


@pytest.fixture(scope="module")
def served(world: Path):
    import functools
    import http.server
    import threading

    handler = functools.partial(_QuietHandler, directory=str(world))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def _search(visit: _Visit, word: str) -> list[str]:
    visit.page.fill("#search-query", word)
    visit.page.wait_for_function(
        """word => {
            const said = document.getElementById('search-status').textContent;
            return /result/.test(said) && said.includes(`“${word}”`);
        }""",
        arg=word,
        timeout=30_000,
    )
    return visit.page.eval_on_selector_all(
        "#search-results h2 a", "links => links.map(a => a.getAttribute('href'))"
    )


def test_a_word_in_each_language_finds_its_post_and_axe_passes(world, served, browser):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(locale="en-GB")
    visit = _Visit(context, served + "search.html")
    words = {**{v[1]: n for n, v in LANGUAGE_POSTS.items()}, "الكابلات": "red-sea-cables"}
    for word, post in words.items():
        found = _search(visit, word)
        slug = Path(post).stem if post.endswith(".md") else post
        assert any(slug in href for href in found), (word, found)
    first = visit.page.query_selector("#search-results li")
    assert first.query_selector("h2 a").inner_text().strip()  # the title
    assert first.query_selector(".excerpt mark") is not None  # the match, highlighted
    english = _search(visit, "substations")
    assert [h for h in english if h.endswith("monsoon-grids.html")], english
    byline = visit.page.query_selector("#search-results li .byline")
    assert byline is not None and byline.inner_text().strip()
    family = visit.page.eval_on_selector(
        "#search-results h2", "h => getComputedStyle(h).fontFamily"
    )
    assert "Source Sans 3" in family
    serious = [
        (v["id"], v["impact"])
        for v in Axe().run(visit.page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    assert visit.errors == [] and visit.failed == []
    context.close()


def test_pages_fit_a_phone_a_tablet_and_a_desktop(world, served, browser):  # noqa: F811
    topic = next(world.glob("tags/*.html"))
    pages = {
        "index": "index.html",
        "post": "html/rusi-south-korea-global-vision.html"
        if (world / "html/rusi-south-korea-global-vision.html").is_file()
        else "html/monsoon-grids.html",
        "topic": topic.relative_to(world).as_posix(),
        "search": "search.html",
        "topics": "topics.html",
    }
    shots = world / "proof"
    shots.mkdir(exist_ok=True)
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        for name, path in pages.items():
            visit = _Visit(context, served + path)
            overflow = visit.page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 0, (name, width, overflow)
            spilled = visit.page.evaluate("""() => [...document.querySelectorAll(
                    '.formats a, .editions li')].filter(b => {
                    const box = b.getBoundingClientRect();
                    return [...b.querySelectorAll('*')].some(c => {
                        const r = c.getBoundingClientRect();
                        return r.right > box.right + 0.5 || r.bottom > box.bottom + 0.5;
                    }) || b.getClientRects().length > 1;
                }).map(b => b.textContent.trim())""")
            assert spilled == [], (name, width, spilled)
            visit.page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=False)
            assert visit.errors == [], (name, width, visit.errors)
            visit.page.close()
        context.close()


def test_the_topics_page_lists_every_tag_and_category_with_its_count(world):
    from .tools import html_tree

    page = world / "topics.html"
    require(page.is_file(), "topics.html in the built site")
    tree = html_tree(page)
    listed = {
        a.get("href"): int(a.getparent().xpath("string(.//*[@class='count'])"))
        for a in tree.xpath("//main//li/a[@href]")
        if a.getparent().xpath(".//*[@class='count']")
    }
    topic_pages = {
        p.relative_to(world).as_posix()
        for p in [*world.glob("tags/*.html"), *world.glob("categories/*.html")]
    }
    assert set(listed) == topic_pages
    for href, count in listed.items():
        entries = html_tree(world / href).xpath("//li[@class='post']")
        assert count >= len(entries) > 0, href  # paginated pages hold at most the count
    for other in ("index.html", "search.html", "html/monsoon-grids.html"):
        links = html_tree(world / other).xpath("//a/@href")
        assert any(h.endswith("topics.html") for h in links), other


def test_the_web_proof_photographs_each_page_at_each_width(world, tmp_path):
    done = _imprint("proof", "--web", str(world), "-o", str(tmp_path / "proof"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shots = sorted(p.name for p in (tmp_path / "proof").glob("*.png"))
    for name in ("index", "post", "topic", "topics", "search"):
        for width in (390, 768, 1280):
            assert f"{name}-{width}.png" in shots
    from PIL import Image

    with Image.open(tmp_path / "proof" / "index-390.png") as shot:
        assert shot.width == 390  # a phone's width, the page no wider
