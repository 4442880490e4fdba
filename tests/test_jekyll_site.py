"""Small Jekyll sites of our own: what the two shared sites do not exercise.

Each test writes a site (``_config.yml``, ``_posts/``, ``_includes/``, ``_data/``,
``_authors/``, images) and builds its posts' web edition as ``imprint build`` does for
a site, then reads the HTML: bylines, bios, included text, links, images, warnings,
and the one line each refused post fails with.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import html as lxml_html
from PIL import Image

from imprint.builder.plan import BuildRequest, build
from imprint.config import load_settings

from .conftest import REPO

pytestmark = pytest.mark.slow


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def make_site(root: Path, files: dict[str, str | bytes]) -> Path:
    site = root / "site"
    for name, content in {"_config.yml": "title: Small\n", **files}.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return site


def build_site(site: Path, out: Path, content: Path | None = None):
    settings = load_settings(root=REPO).with_overrides(
        root=out / "project", out=out, site_root=site, content=content or site
    )
    report = build(BuildRequest([site / "_posts"], formats=("html",), out=out, settings=settings))
    pages = {r.source.name: lxml_html.fromstring(r.target.read_bytes()) for r in report.built}
    return report, pages


def _text(tree, xpath: str) -> str:
    return " ".join(" ".join(e.text_content().split()) for e in tree.xpath(xpath))


def _warnings(report) -> list[str]:
    return [str(w) for r in report._results for w in r.warnings]


def test_authors_from_data_and_collection(tmp_path: Path):
    site = make_site(
        tmp_path,
        {
            "_data/authors.yml": (
                "ada:\n  name: Ada Lovelace\n  bio: Ada wrote the first program.\n"
                "  avatar: /assets/ada.png\n  links:\n    - label: Web\n"
                "      url: https://example.org/ada\n"
            ),
            "_authors/jon-roberts.md": (
                "---\nname: jon-roberts\nfirst_name: Jon\nlast_name: Roberts\n---\n"
                "Jon runs the platform team.\n"
            ),
            "_authors/kim.md": "---\nfull_name: Kim Lee\nbio: Kim writes about data.\n---\n",
            "_posts/2024-01-02-one.md": "---\ntitle: One\nauthor: jon-roberts\n---\n\nText.\n",
            "_posts/2024-01-03-two.md": (
                "---\ntitle: Two\nauthors: [ada, kim]\n---\n\nMore text.\n"
            ),
        },
    )
    report, pages = build_site(site, tmp_path / "out")
    assert not report.failed, [r.error for r in report.failed]
    one, two = pages["2024-01-02-one.md"], pages["2024-01-03-two.md"]
    assert _text(one, "//p[@class='byline']//*[@class='authors']") == "Jon Roberts"
    assert "Jon runs the platform team." in _text(one, "//aside[@class='author-bio']")
    assert "Ada Lovelace" in _text(two, "//p[@class='byline']//*[@class='authors']")
    assert "Kim Lee" in _text(two, "//p[@class='byline']//*[@class='authors']")
    bios = _text(two, "//aside[@class='author-bio']")
    assert "Ada wrote the first program." in bios and "Kim writes about data." in bios


def test_liquid_includes_defaults_and_links(tmp_path: Path):
    site = make_site(
        tmp_path,
        {
            "_config.yml": (
                "title: Small\nbaseurl: /blog\nurl: https://example.org\nrepository: acme/tool\n"
                "permalink: /:year/:title/\n"
                "defaults:\n  - scope: {path: '', type: posts}\n"
                "    values: {team: Platform, image: /assets/cover.png}\n"
            ),
            "_includes/note.html": (
                '<p class="note">{{ include.kind }}: {{ include.text }} ({{ page.team }})</p>\n'
            ),
            "_includes/issues.md": (
                "{% for n in include.numbers %}[#{{ n }}](https://github.com/"
                "{{ site.repository }}/issues/{{ n }}) {% endfor %}\n"
            ),
            "assets/cover.png": _png(),
            "assets/chart.png": _png(),
            "_posts/2023-05-06-first.md": "---\ntitle: First\n---\n\nThe first post.\n",
            "_posts/2024-01-02-second.md": (
                "---\ntitle: Second\nissues: [2001, 2002]\n---\n\n"
                "See [the first]({% post_url 2023-05-06-first %}).\n\n"
                "Closed [#2001][] and [#2002][].\n\n"
                "{% for n in page.issues %}[#{{ n }}]: https://github.com/"
                "{{ site.repository }}/issues/{{ n }}\n{% endfor %}\n"
                '{% include note.html kind="Tip" text=page.title %}\n\n'
                "{% assign nums = '1037,1040' | split: ',' %}"
                "Fixed: {% include issues.md numbers=nums %}\n\n"
                "![chart]({{ site.baseurl }}/assets/chart.png)\n\n"
                "{% raw %}Keep {{ this }} as text.{% endraw %}\n\n"
                "{% gist 12345 %}Text {{ 'x' | plugin_filter }} stays.\n\n"
                "`{{ site.title }}` in code.\n"
            ),
        },
    )
    report, pages = build_site(site, tmp_path / "out")
    assert not report.failed, [r.error for r in report.failed]
    page = pages["2024-01-02-second.md"]
    body = _text(page, "//div[@class='body']")
    assert "Tip: Second (Platform)" in body  # include parameters and page defaults
    assert page.xpath("//a[text()='the first']/@href") == ["/blog/2023/first/"]
    issue_links = page.xpath("//div[@class='body']//a[starts-with(text(), '#')]/@href")
    assert issue_links == [
        f"https://github.com/acme/tool/issues/{n}" for n in (2001, 2002, 1037, 1040)
    ]
    assert "Keep {{ this }} as text." in body
    assert "Text x stays." in body
    assert "Small" in _text(page, "//div[@class='body']//code")  # Liquid in code, as Jekyll
    assert "{%" not in body and "{{ site" not in body
    assert len(page.xpath("//div[@class='body']//img")) == 1  # the baseurl image is shown
    assert page.xpath("//figure[@class='hero']//img")  # the defaults' cover image
    warnings = _warnings(report)
    assert sum("Liquid: unknown tag 'gist' rendered as nothing" in w for w in warnings) == 1
    assert sum("Liquid: unknown filter 'plugin_filter'" in w for w in warnings) == 1
    assert not [w for w in warnings if "image" in w and "chart" in w]


def test_site_root_paths_resolve_against_the_site_whatever_the_content_folder(tmp_path: Path):
    site = make_site(
        tmp_path,
        {
            "_config.yml": "title: Small\nbaseurl: /docs\n",
            "assets/a.png": _png(),
            "images/b.png": _png(),
            "_posts/2024-01-02-pictures.md": (
                "---\ntitle: Pictures\nimage: /docs/images/b.png\n---\n\nTwo pictures.\n\n"
                "![a](/assets/a.png)\n\n![b]({{ '/images/b.png' | relative_url }})\n"
            ),
        },
    )
    report, pages = build_site(site, tmp_path / "out", content=site / "_posts")
    assert not report.failed, [r.error for r in report.failed]
    page = pages["2024-01-02-pictures.md"]
    assert len(page.xpath("//div[@class='body']//img")) == 2
    assert page.xpath("//figure[@class='hero']//img")
    assert not [w for w in _warnings(report) if "image" in w and "alt" not in w], _warnings(report)


BOMBS = {
    "2024-02-01-loop.md": (
        "{% for i in (1..1000000000) %}{{ i }}{% endfor %}",
        "Liquid: loop iteration limit reached",
    ),
    "2024-02-02-recursion.md": (
        "{% include self.html %}",
        "Liquid: maximum context depth reached",
    ),
    "2024-02-03-passwd.md": (
        "{% include ../../etc/passwd %}",
        "Liquid: include '../../etc/passwd': outside its folder; refused",
    ),
    "2024-02-04-missing.md": (
        "Text.\n\n{% include nowhere.html %}",
        "Liquid: include 'nowhere.html': no such file in _includes/",
    ),
    "2024-02-05-output.md": (
        "{% assign s = 'aaaaaaaaaa' %}{% for i in (1..30) %}{% assign s = s | append: s %}"
        "{% endfor %}{{ s }}",
        "Liquid: local namespace limit reached",
    ),
}


def test_liquid_bombs_fail_their_post_alone_with_one_line(tmp_path: Path):
    posts = {
        f"_posts/{name}": f"---\ntitle: Bomb\n---\n\n{body}\n" for name, (body, _) in BOMBS.items()
    }
    site = make_site(
        tmp_path,
        {
            **posts,
            "_includes/self.html": "again {% include self.html %}",
            "_posts/2024-02-09-fine.md": "---\ntitle: Fine\n---\n\n{{ 1 | plus: 1 }} posts.\n",
        },
    )
    report, pages = build_site(site, tmp_path / "out")
    assert "2 posts." in _text(pages["2024-02-09-fine.md"], "//article")
    failed = {r.source.name: r.error for r in report.failed}
    assert set(failed) == set(BOMBS)
    for name, (_, expected) in BOMBS.items():
        error = failed[name]
        assert "\n" not in error.strip(), error
        assert f"{name}:" in error and f"source: {expected}" in error, error
    passwd = failed["2024-02-03-passwd.md"]
    assert passwd.startswith(str(site / "_posts" / "2024-02-03-passwd.md") + ":5:")


def test_ruby_dates_and_a_bad_date_with_a_dated_file_name(tmp_path: Path):
    dates = {
        "2016-03-23-zone.md": ("2016-03-23 11:00 EDT", "2016-03-23T11:00:00-04:00"),
        "2016-06-17-short-offset.md": ("2016-06-17 12:00-400", "2016-06-17T12:00:00-04:00"),
        "2017-10-23-words.md": ("2017-10-23 (optional)", "2017-10-23T00:00:00"),
        "2023-01-29-year-twice.md": (
            "2023-01-29 18:30:22 2023 -0800",
            "2023-01-29T18:30:22-08:00",
        ),
        "2019-05-01-unreadable.md": ("sometime in spring", "2019-05-01T00:00:00"),
    }
    site = make_site(
        tmp_path,
        {
            f"_posts/{name}": f"---\ntitle: Dated\ndate: {value}\n---\n\nText.\n"
            for name, (value, _) in dates.items()
        },
    )
    report, pages = build_site(site, tmp_path / "out")
    assert not report.failed, [r.error for r in report.failed]
    for name, (_, expected) in dates.items():
        shown = pages[name].xpath("//p[@class='byline']//time/@datetime")
        assert shown and shown[0].startswith(expected), (name, shown)
    warnings = _warnings(report)
    assert any(
        "2019-05-01-unreadable.md:3: warning: date: 'sometime in spring' is not a date" in w
        and "the file name's date is used" in w
        for w in warnings
    ), warnings


def test_outside_a_site_bodies_stay_untemplated(tmp_path: Path):
    post = tmp_path / "plain" / "post.md"
    post.parent.mkdir()
    post.write_text("---\ntitle: Plain\n---\n\nWrite `{{ x }}` and {% raw %} as they are.\n")
    settings = load_settings(root=REPO).with_overrides(root=tmp_path / "p", out=tmp_path / "o")
    report = build(BuildRequest([post], formats=("html",), out=tmp_path / "o", settings=settings))
    page = lxml_html.fromstring(report.built[0].target.read_bytes())
    assert "Write {{ x }} and {% raw %} as they are." in _text(page, "//article")


def test_an_edited_include_or_author_file_rebuilds_the_site_posts(tmp_path: Path):
    site = make_site(
        tmp_path,
        {
            "_includes/sign.html": "Signed by the team.",
            "_data/authors.yml": "ann:\n  name: Ann Lee\n",
            "_posts/2024-01-02-post.md": (
                "---\ntitle: Post\nauthor: ann\n---\n\nText.\n\n{% include sign.html %}\n"
            ),
        },
    )
    out = tmp_path / "out"
    first, _ = build_site(site, out)
    again, _ = build_site(site, out)
    assert len(first.built) == 1 and not again.built  # nothing changed: nothing built
    (site / "_includes" / "sign.html").write_text("Signed by the editors.", encoding="utf-8")
    edited, pages = build_site(site, out)
    assert len(edited.built) == 1
    assert "Signed by the editors." in _text(pages["2024-01-02-post.md"], "//article")
    (site / "_data" / "authors.yml").write_text("ann:\n  name: Ann Lee-Smith\n", encoding="utf-8")
    renamed, pages = build_site(site, out)
    assert len(renamed.built) == 1
    byline = _text(pages["2024-01-02-post.md"], "//p[@class='byline']//*[@class='authors']")
    assert byline == "Ann Lee-Smith"
