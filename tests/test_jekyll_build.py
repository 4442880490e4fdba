"""A Jekyll site as it is (issue 25): found upward from a path, its posts listed as Jekyll
lists them, output names that never collide, editions for the site's own layouts, and
warnings said once. Small sites are written here; the two real ones in ../shared/sites
are copied to a temporary folder before anything is built from them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import lxml.html
import pytest

from imprint.builder.jekyll_site import OUT_NAME, list_site, project_settings
from imprint.builder.plan import build
from imprint.builder.project import Project
from imprint.builder.request import BuildRequest
from imprint.cli import main
from imprint.cli.messages import warning_lines
from imprint.diagnostics import Diagnostic

from .conftest import REPO, require, require_tool

SITES = REPO.parent / "shared" / "sites"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def post(
    title: str, extra: str = "", body: str = "Opening words.\n\n## A section\n\nMore.\n"
) -> str:
    return f"---\ntitle: {title}\n{extra}---\n\n{body}"


CONFIG = """title: Small Site
description: A site for the tests
url: https://example.org
baseurl: /blog
lang: fr-FR
timezone: Europe/Paris
collections:
  guides:
    output: true
  notes:
    output: false
"""


@pytest.fixture
def small_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = write(
        tmp_path / "site",
        {
            "_config.yml": CONFIG,
            "README.md": "# The site's notes\n\nNot a post.\n",
            "about.md": post("About"),
            "LICENSE.md": "Licensed.\n",
            "_posts/2020-01-02-hello.md": post("Hello"),
            "_posts/news/2020-02-03-nested.md": post("Nested"),
            "_posts/notes.md": post("Not a post: no date in its name"),
            "_posts/2020-03-04-hidden.md": post("Hidden", "published: false\n"),
            "_posts/2999-01-01-later.md": post("Later"),
            "_posts/2020-04-05-dated-later.md": post("Dated later", "date: 2999-05-06 10:00\n"),
            "_drafts/idea.md": post("Idea"),
            "_guides/intro.md": post("Guide"),
            "_notes/one.md": post("Note"),
            # the site's own stylesheets and templates are not imprint's brand
            "styles/site.css": "body { color: red; }\n",
            "templates/base.html": "<html></html>\n",
        },
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the project is found from the path, not from here
    return site


def _pages(site: Path) -> list[str]:
    html = site / OUT_NAME / "html"
    return sorted(
        p.relative_to(html).as_posix() for p in html.rglob("*.html") if "assets" not in p.parts
    )


def _index_titles(site: Path) -> list[str]:
    tree = lxml.html.parse(str(site / OUT_NAME / "index.html"))
    return [h.text_content().strip() for h in tree.iterfind(".//li[@class='post']/h2")]


def test_a_site_is_found_upward_and_its_posts_listed_as_jekyll_lists_them(small_site, capsys):
    site = small_site
    assert main(["build", str(site), "--formats", "html"]) == 0
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert first == (
        f"imprint: Jekyll site 'Small Site' ({site}): 2 post(s); left out: 1 draft (--drafts), "
        "1 unpublished (--unpublished), 2 future (--future)"
    ), err
    # only _posts/ (subfolders too) with dated names: no README, page, licence or collection
    assert _pages(site) == ["2020-01-02-hello.html", "2020-02-03-nested.html"]
    assert sorted(_index_titles(site)) == ["Hello", "Nested"]
    index = lxml.html.parse(str(site / OUT_NAME / "index.html")).getroot()
    assert index.findtext(".//title") == "Small Site"  # the site's title names the index
    page = lxml.html.parse(str(site / OUT_NAME / "html" / "2020-01-02-hello.html")).getroot()
    assert page.get("lang") == "fr-FR"  # _config.yml's lang
    feed = (site / OUT_NAME / "feed.xml").read_text(encoding="utf-8")
    assert "https://example.org/blog/" in feed  # url + baseurl
    assert "Hidden" not in feed and "Later" not in feed

    # asked for, the drafts, unpublished and future posts are built too
    assert (
        main(["build", str(site), "--formats", "html", "--drafts", "--unpublished", "--future"])
        == 0
    )
    assert "6 post(s)" in capsys.readouterr().err.splitlines()[0]
    assert len(_pages(site)) == 6 and "Idea" in _index_titles(site)
    # and left out again, their pages and index entries go
    assert main(["build", str(site), "--formats", "html"]) == 0
    assert _pages(site) == ["2020-01-02-hello.html", "2020-02-03-nested.html"]
    assert sorted(_index_titles(site)) == ["Hello", "Nested"]


def test_a_named_collection_is_built_only_with_output_true(small_site, capsys):
    site = small_site
    write(site, {"imprint.toml": '[jekyll]\ncollections = ["guides", "notes"]\n'})
    settings = project_settings(site)
    assert settings.jekyll_collections == ("guides", "notes")
    listing = list_site(settings)
    assert [p.relative_to(site).as_posix() for p in listing.posts] == [
        "_posts/2020-01-02-hello.md",
        "_posts/news/2020-02-03-nested.md",
        "_guides/intro.md",
    ]
    assert main(["build", str(site), "--formats", "html"]) == 0
    assert "guides-intro.html" in _pages(site)
    assert "collection 'notes' is not built" in capsys.readouterr().err


def test_the_project_is_found_from_the_file_not_the_working_folder(tmp_path, monkeypatch):
    project = write(
        tmp_path / "briefs",
        {
            "imprint.toml": '[project]\nlang = "de-DE"\n',
            "content/x.md": post("Ein Beitrag", "date: 2024-01-02\n"),
        },
    )
    site = write(tmp_path / "site", {"_config.yml": CONFIG, "_posts/2020-01-02-hi.md": post("Hi")})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    for source, lang in (
        (project / "content/x.md", "de-DE"),
        (site / "_posts/2020-01-02-hi.md", "fr-FR"),
    ):
        out = tmp_path / f"{lang}.html"
        assert main(["html", str(source), "-o", str(out)]) == 0
        assert lxml.html.parse(str(out)).getroot().get("lang") == lang
    assert project_settings(site / "_posts").site_root == site.resolve()
    assert project_settings(project / "content" / "x.md").root == project.resolve()


def test_front_matter_defaults_and_a_post_permalink_give_the_url(tmp_path):
    site = write(
        tmp_path / "site",
        {
            "_config.yml": "permalink: pretty\ndefaults:\n"
            "  - scope: {path: _posts/news, type: posts}\n"
            "    values: {permalink: '/news/:year/:title/'}\n",
            "_posts/2020-01-02-plain.md": post("Plain"),
            "_posts/news/2020-02-03-scoped.md": post("Scoped"),
            "_posts/news/2020-03-04-own.md": post("Own", "permalink: /special/own-page/\n"),
            "_posts/2020-05-06-cat.md": post("Cat", "categories: [releases]\n"),
            # a folder above _posts/ is a category, one inside it is not (as Jekyll 4.3)
            "news/_posts/2020-06-07-above.md": post("Above"),
        },
    )
    project = Project.open(project_settings(site))
    urls = {p.name: project.load(p).url for p in sorted(site.rglob("_posts/**/*.md"))}
    assert urls == {
        "2020-01-02-plain.md": "/2020/01/02/plain/",
        "2020-02-03-scoped.md": "/news/2020/scoped/",
        "2020-03-04-own.md": "/special/own-page/",
        "2020-05-06-cat.md": "/releases/2020/05/06/cat/",
        "2020-06-07-above.md": "/news/2020/06/07/above/",
    }


def test_two_posts_with_one_slug_both_build_under_names_that_stay(tmp_path):
    site = write(
        tmp_path / "site",
        {
            "_config.yml": "title: Surveys\n",
            "_posts/2016-05-09-survey.md": post("Survey 2016"),
            "_posts/2017-05-03-survey.md": post("Survey 2017"),
        },
    )
    settings = project_settings(site)
    report = build(BuildRequest(None, ["html", "epub"], settings=settings))
    assert not report.failed, [r.error for r in report.failed]
    assert sorted(r.target.name for r in report.built) == [
        "2016-05-09-survey.epub",
        "2016-05-09-survey.html",
        "2017-05-03-survey.epub",
        "2017-05-03-survey.html",
    ]
    # a post's name depends on neither which other posts there are nor the order read
    (site / "_posts/2016-05-09-survey.md").unlink()
    report = build(BuildRequest(None, ["html", "epub"], settings=settings))
    assert _pages(site) == ["2017-05-03-survey.html"]
    assert [r.status for r in report.results] == ["skipped", "skipped"]


def test_permalinks_put_web_pages_where_the_site_has_them(tmp_path):
    site = write(
        tmp_path / "site",
        {
            "_config.yml": "permalink: pretty\n",
            "imprint.toml": "[jekyll]\npermalinks = true\n",
            "_posts/2020-01-02-first.md": post("First"),
            "_posts/2020-01-03-second.md": post("Second", "permalink: /pages/second.html\n"),
        },
    )
    report = build(BuildRequest(None, ["html"], settings=project_settings(site)))
    assert not report.failed, [r.error for r in report.failed]
    assert _pages(site) == ["2020/01/02/first/index.html", "pages/second.html"]
    for name in _pages(site):
        page = site / OUT_NAME / "html" / name
        tree = lxml.html.parse(str(page)).getroot()
        links = [e.get("href") for e in tree.iter("link", "a") if e.get("href")]
        local = [h for h in links if not re.match(r"[a-z]+:|#", h)]
        assert local and all((page.parent / h.split("#")[0]).exists() for h in local), local


def test_repeated_warnings_are_said_once_with_a_count_and_the_first_files():
    found = [Diagnostic("lint: no description: add one", f"p{n}.md", 1) for n in range(5)]
    found += [
        Diagnostic(f"lint: no bio for {name} (end the post with a bold-name bio)", f"p{n}.md", 3)
        for n, name in enumerate(["ann", "bob", "ann", "cy"])
    ]
    found.append(Diagnostic("lint: image a.png has no alt text", "one.md", 9))
    lines = warning_lines(found)
    assert lines == [
        "warning: lint: no description: add one (5 files: p0.md:1, p1.md:1, p2.md:1, "
        "and 2 more (--verbose lists them))",
        "warning: lint: no bio for [3 authors: ann; bob; cy] (end the post with a bold-name "
        "bio) (4 files: p0.md:3, p1.md:3, p2.md:3, and 1 more (--verbose lists them))",
        "one.md:9: warning: lint: image a.png has no alt text",
    ]
    assert "p4.md:1" in warning_lines(found, verbose=True)[0]


def test_toc_a_missing_date_and_the_excerpt_as_description(tmp_path, capsys):
    folder = write(
        tmp_path,
        {
            "toc.md": post(
                "With contents",
                "toc: true\ndate: 2024-01-02\n",
                "Opening words.\n\n## First part\n\nText.\n\n### Detail\n\nMore.\n",
            ),
            "undated.md": "---\ntitle: Undated\n---\n\n## Straight to a heading\n\nText.\n",
        },
    )
    assert main(["html", str(folder / "toc.md"), "-o", str(tmp_path / "toc.html")]) == 0
    nav = lxml.html.parse(str(tmp_path / "toc.html")).getroot().find(".//nav[@class='toc']")
    assert nav is not None
    targets = [a.get("href") for a in nav.iter("a")]
    page = lxml.html.parse(str(tmp_path / "toc.html")).getroot()
    assert [a.text for a in nav.iter("a")] == ["First part", "Detail"]
    assert all(page.get_element_by_id(t[1:]) is not None for t in targets)
    err = capsys.readouterr().err
    assert "no description" not in err and "no date" not in err  # the excerpt serves
    assert main(["epub", str(folder / "toc.md"), "-o", str(tmp_path / "toc.epub")]) == 0
    with zipfile.ZipFile(tmp_path / "toc.epub") as book:
        chapters = [book.read(n).decode() for n in book.namelist() if n.endswith(".xhtml")]
    assert any('<nav class="toc"' in c and "First part</a>" in c for c in chapters)
    capsys.readouterr()
    assert main(["html", str(folder / "undated.md"), "-o", str(tmp_path / "u.html")]) == 0
    err = capsys.readouterr().err
    assert f"{folder / 'undated.md'}:1: warning: lint: no date" in err
    assert "no description" in err


@pytest.mark.slow
def test_editions_go_into_the_site_incrementally(tmp_path, capsys):
    site = write(
        tmp_path / "site",
        {
            "_config.yml": "title: Editions\nbaseurl: /b\n",
            "_posts/2020-01-02-one.md": post("One"),
            "_posts/2020-01-03-two.md": post("Two", "published: false\n"),
        },
    )
    assert main(["build", str(site), "--editions", "--formats", "pdf,epub"]) == 0
    data = json.loads((site / "_data" / "editions.json").read_text(encoding="utf-8"))
    assert list(data) == ["_posts/2020-01-02-one.md"]
    entries = data["_posts/2020-01-02-one.md"]
    assert [e["format"] for e in entries] == ["pdf", "epub"]
    for entry in entries:
        placed = site / entry["url"].lstrip("/")
        assert placed.parent == site / "assets" / "editions"
        assert placed.stat().st_size == entry["size"]
    assert (site / "assets/editions/2020-01-02-one.pdf").read_bytes().startswith(b"%PDF")
    include = (site / "_includes" / "editions.html").read_text(encoding="utf-8")
    assert "site.data.editions[page.path]" in include and len(include.splitlines()) <= 10
    stamps = {p: p.stat().st_mtime_ns for p in (site / "assets/editions").iterdir()}
    capsys.readouterr()
    assert main(["build", str(site), "--editions", "--formats", "pdf,epub"]) == 0
    assert "0 built, 2 skipped" in capsys.readouterr().err
    assert {p: p.stat().st_mtime_ns for p in (site / "assets/editions").iterdir()} == stamps
    # a user's own include is never replaced
    (site / "_includes" / "editions.html").write_text("mine", encoding="utf-8")
    assert main(["build", str(site), "--editions", "--formats", "pdf,epub"]) == 0
    assert (site / "_includes" / "editions.html").read_text(encoding="utf-8") == "mine"


# --- the two real sites ------------------------------------------------------------------


def _copy_site(name: str, tmp_path: Path) -> Path:
    require((SITES / name / "_config.yml").is_file(), f"the shared site {name}")
    copy = tmp_path / name
    shutil.copytree(SITES / name, copy, ignore=shutil.ignore_patterns("_site", ".jekyll-cache"))
    return copy


def _jekyll_build(site: Path) -> Path:
    """Debian's Jekyll over the site. Its YAML loader refuses an unquoted value that starts
    with ':' (brew.sh's `permalink: :title`), and its Sass compiler brew.sh's newer
    stylesheet: the copy's values are quoted and that stylesheet left out, nothing else."""
    jekyll = require_tool("jekyll")
    config = site / "_config.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"^(\s*[a-z_]+): (:[^\"\n]*)$", r'\1: "\2"', text, flags=re.M))
    (site / "assets" / "css" / "style.scss").unlink(missing_ok=True)
    done = subprocess.run(
        [jekyll, "build", "--quiet"],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "JEKYLL_ENV": "production"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return site / "_site"


def _dated_pages(folder: Path) -> list[str]:
    """Pages at a post's dated permalink (both sites' permalinks start with the date)."""
    names = (p.relative_to(folder).as_posix() for p in folder.rglob("*.html"))
    return sorted(n for n in names if re.match(r"\d{4}/\d{2}/\d{2}/", n))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["brew.sh", "rust-blog-2018"])
def test_a_real_site_builds_every_post_jekyll_publishes(name, tmp_path, capsys):
    site = _copy_site(name, tmp_path)
    write(site, {"imprint.toml": "[jekyll]\npermalinks = true\n"})
    code = main(["build", str(site), "--formats", "html"])
    err = capsys.readouterr().err
    assert code == 0, err[-3000:]
    posts = len(list_site(project_settings(site)).posts)
    assert err.splitlines()[0].endswith(f"{posts} post(s)")
    summary = err.splitlines()[-1]
    assert f"{posts} built, 0 skipped, 0 failed" in summary, summary
    warning_count = sum(1 for line in err.splitlines() if "warning:" in line)
    assert warning_count <= posts / 4, err
    # the same posts, at the same addresses, as Jekyll publishes
    assert _pages(site) == _dated_pages(_jekyll_build(site))


@pytest.mark.slow
def test_one_real_post_in_all_four_formats(tmp_path):
    site = _copy_site("brew.sh", tmp_path)
    source = site / "_posts" / "2023-02-16-homebrew-4.0.0.md"
    require(source.is_file(), "brew.sh's 4.0.0 post")
    report = build(BuildRequest([source], settings=project_settings(source)))
    assert not report.failed, [r.error for r in report.failed]
    assert sorted(r.target.name for r in report.built) == [
        f"2023-02-16-homebrew-4-0-0.{ext}" for ext in ("docx", "epub", "html", "pdf")
    ]


@pytest.mark.slow
def test_editions_of_a_real_site_are_published_by_jekyll_with_its_pages(tmp_path, capsys):
    site = _copy_site("brew.sh", tmp_path)
    assert main(["build", str(site), "--editions"]) == 0, capsys.readouterr().err[-3000:]
    layout = site / "_layouts" / "post.html"
    text = layout.read_text(encoding="utf-8")
    layout.write_text(
        text.replace("{{ content }}", "{{ content }}\n{% include editions.html %}", 1)
    )
    built = _jekyll_build(site)
    pages = _dated_pages(built)
    assert len(pages) == len(list_site(project_settings(site)).posts)
    for name in pages:
        tree = lxml.html.parse(str(built / name)).getroot()
        links = [a.get("href") for a in tree.iterfind(".//ul[@class='editions']/li/a")]
        assert len(links) == 3, name
        for href in links:
            assert href.startswith("/assets/editions/")
            target = built / href.lstrip("/")
            assert target.is_file() and target.stat().st_size > 0, href
