"""normalise end to end on small posts: excerpt, bios, headings, title, notes and images."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from imprint.config import Settings
from imprint.diagnostics import collecting
from imprint.errors import SourceError
from imprint.model import Document, Heading
from imprint.normalise import normalise
from imprint.normalise.authors import AuthorRegistry
from imprint.source.post import parse_source
from imprint.source.resources import Policy, Resolver

from ..tools import png

SETTINGS = Settings()


@pytest.fixture
def make(tmp_path: Path):
    """Normalise post text written into a fresh content root."""

    def run(text: str, registry: AuthorRegistry | None = None) -> Document:
        source = parse_source(text.encode("utf-8"), tmp_path / "post.md")
        resolver = Resolver(Policy(content_root=tmp_path, remote=False))
        return normalise(source, SETTINGS, registry or AuthorRegistry(), resolver)

    return run


def post(front: str, body: str) -> str:
    return f"---\n{front}\n---\n{body}"


@pytest.mark.parametrize(
    ("front", "body"),
    [
        ("title: T\nexcerpt_separator: <excerpt/>", "Intro words.\n<excerpt/>\n\nRest of body.\n"),
        ("title: T", "Intro words.\n\n<!--more-->\n\nRest of body.\n"),
        ("title: T", "Intro words.\n<!--more-->\nRest of body.\n\n<!--more-->\n"),
    ],
)
def test_excerpt_from_separator(make, front: str, body: str) -> None:
    doc = make(post(front, body))
    assert doc.excerpt_html == "<p>Intro words.</p>"
    assert doc.body_html == "<p>Rest of body.</p>"
    for html in (doc.excerpt_html, doc.body_html):
        assert "excerpt" not in html and "more" not in html


def test_custom_separator_replaces_the_default(make) -> None:
    doc = make(post("title: T\nexcerpt_separator: '[cut]'", "One.\n\n<!--more-->\n\nTwo.\n"))
    assert doc.excerpt_html == "<p>One.</p>"  # the default marker is only a comment now
    assert doc.body_html == "<p>Two.</p>"


@pytest.mark.parametrize("key", ["excerpt", "summary", "standfirst"])
def test_excerpt_field_keeps_the_body_whole(make, key: str) -> None:
    doc = make(post(f"title: T\n{key}: Given *summary*.", "First para.\n\nSecond para.\n"))
    assert doc.excerpt_html == "<p>Given <em>summary</em>.</p>"
    assert doc.body_html == "<p>First para.</p>\n<p>Second para.</p>"


def test_opening_paragraph_becomes_the_excerpt(make) -> None:
    doc = make(post("title: T", "First *para*.\n\nSecond para.\n"))
    assert doc.excerpt_html == "<p>First <em>para</em>.</p>"
    assert doc.body_html == "<p>Second para.</p>"


def test_no_excerpt_when_the_body_opens_with_a_heading(make) -> None:
    doc = make(post("title: T", "## Section\n\nText.\n"))
    assert doc.excerpt_html == ""
    assert "Text." in doc.body_html


BIO_BODY = "First para.\n\nSecond para.\n\n---\n\n{bold} is a fellow at RUSI.\n"


@pytest.mark.parametrize("bold", ["__Ha Chae Kyoun__", "**Ha Chae Kyoun**", "**Ha Chae Kyoun:**"])
def test_trailing_bio_moves_to_the_author(make, bold: str) -> None:
    doc = make(post("title: T\nauthor: Ha Chae Kyoun", BIO_BODY.format(bold=bold)))
    (author,) = doc.authors
    assert author.name == "Ha Chae Kyoun"
    assert "is a fellow at RUSI." in author.bio_html
    assert author.bio_html.startswith("<p><strong>Ha Chae Kyoun")
    assert doc.body_html == "<p>Second para.</p>"
    assert "<hr" not in doc.body_html


def test_update_note_after_a_rule_stays_in_the_body(make) -> None:
    doc = make(
        post(
            "title: T\nauthor: Ha Chae Kyoun",
            BIO_BODY.format(bold="**Update:**").replace("is a fellow", "we fixed"),
        )
    )
    assert "<hr" in doc.body_html
    assert "<strong>Update:</strong> we fixed at RUSI." in doc.body_html
    assert doc.authors[0].bio_html == ""


def test_two_authors_two_bios(make) -> None:
    body = "One.\n\nTwo.\n\n---\n\n**Ann One** is A.\n\nShe also writes.\n\n**Bob Two** is B.\n"
    doc = make(post("title: T\nauthors: [Ann One, Bob Two]", body))
    ann, bob = doc.authors
    assert ann.bio_html == "<p><strong>Ann One</strong> is A.</p>\n<p>She also writes.</p>"
    assert bob.bio_html == "<p><strong>Bob Two</strong> is B.</p>"
    assert doc.body_html == "<p>Two.</p>"


def test_bio_from_front_matter(make) -> None:
    doc = make(post("title: T\nauthor: Ann One\nbio: Ann *writes* books.", "One.\n\nTwo.\n"))
    assert doc.authors[0].bio_html == "<p>Ann <em>writes</em> books.</p>"
    assert doc.body_html == "<p>Two.</p>"


def test_bio_from_registry_and_trailing_bio_wins(make, tmp_path: Path) -> None:
    (tmp_path / "_authors.yml").write_text(
        "jane:\n  name: Jane Roe\n  affiliation: RUSI\n  bio: Jane's **registry** bio.\n"
    )
    registry = AuthorRegistry.load(tmp_path / "_authors.yml")
    doc = make(post("title: T\nauthor: Jane Roe", "One.\n\nTwo.\n"), registry)
    (jane,) = doc.authors
    assert jane.bio_html == "<p>Jane\u2019s <strong>registry</strong> bio.</p>"
    assert jane.affiliation == "RUSI"
    doc = make(
        post("title: T\nauthor: Jane Roe", "One.\n\n---\n\n**Jane Roe** wrote this.\n"), registry
    )
    assert doc.authors[0].bio_html == "<p><strong>Jane Roe</strong> wrote this.</p>"


def test_registry_author_named_only_by_the_trailing_bio(make, tmp_path: Path) -> None:
    (tmp_path / "_authors.yml").write_text(
        "jane:\n  name: Jane Roe\n  bio: Registry.\nzed:\n  name: Zed Unused\n  bio: Never.\n"
    )
    registry = AuthorRegistry.load(tmp_path / "_authors.yml")
    doc = make(post("title: T", "One.\n\nTwo.\n\n---\n\n**Jane Roe** is here.\n"), registry)
    assert [(a.name, a.bio_html) for a in doc.authors] == [
        ("Jane Roe", "<p><strong>Jane Roe</strong> is here.</p>")
    ]


@pytest.mark.parametrize(
    ("text", "levels"),
    [
        (post("title: T", "Intro.\n\n### Only\n\nText.\n"), [2]),
        (post("title: T", "Intro.\n\n#### Deep\n\n###### Deepest\n"), [2, 4]),
        (post("title: T", "Intro.\n\n# Section\n\n## Sub\n\n### Subsub\n"), [2, 3, 4]),
        ("# The Title\n\nIntro.\n\n## Section\n\n### Sub\n", [2, 3]),
        ("# The Title\n\nIntro.\n\n# Part\n\n## Sub\n", [2, 3]),
        (post("title: T", "Intro.\n\n# A\n\n###### F\n"), [2, 6]),  # h7 does not exist
    ],
)
def test_heading_shift(make, text: str, levels: list[int]) -> None:
    doc = make(text)
    assert [h.level for h in doc.headings] == levels
    assert [int(tag) for tag in re.findall(r"<h(\d)", doc.body_html)] == levels


def test_outline_levels_and_ids(make) -> None:
    body = "Intro.\n\n# Why it matters\n\n## Costs {#costs}\n\n# Why it matters\n"
    doc = make(post("title: T", body))
    assert doc.headings == (
        Heading(2, "why-it-matters", "Why it matters"),
        Heading(3, "costs", "Costs"),
        Heading(2, "why-it-matters-1", "Why it matters"),
    )
    for heading in doc.headings:
        assert f'id="{heading.id}"' in doc.body_html


def test_title_from_the_first_heading(make) -> None:
    doc = make("# From *the* Heading\n\nFirst para.\n\nSecond.\n")
    assert doc.title == "From the Heading"
    assert doc.title_html == "From <em>the</em> Heading"
    assert "<h1" not in doc.body_html and "From" not in doc.body_html
    assert doc.excerpt_html == "<p>First para.</p>"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Just text, no heading.\n", 1),
        ("---\nauthor: Ann\n---\nJust text.\n", 4),
        ("---\nauthor: Ann\n---\n## Only a section\n\nText.\n", 4),
    ],
)
def test_no_title_comes_from_the_file_name_with_a_warning(tmp_path, text: str, line: int) -> None:
    path = tmp_path / "2013-01-11-no-yaml_title.md"
    source = parse_source(text.encode("utf-8"), path)
    resolver = Resolver(Policy(content_root=tmp_path, remote=False))
    with collecting() as warnings:
        doc = normalise(source, SETTINGS, AuthorRegistry(), resolver)
    assert doc.title == doc.title_html == "No Yaml Title"
    assert "Text" in doc.body_html or "Just text" in doc.excerpt_html
    (warning,) = [w for w in warnings if "no title" in w.message]
    assert warning.line == line and "'No Yaml Title'" in warning.message


@pytest.mark.parametrize("text", ["", "\n\n", "---\nauthor: Ann\n---\n", "---\na: b\n---\n  \n"])
def test_an_empty_post_without_title_is_an_error(make, text: str) -> None:
    with pytest.raises(SourceError, match="no title and no text"):
        make(text)


def test_title_with_markdown(make) -> None:
    doc = make(post('title: "*with* **Markdown**"', "Body.\n"))
    assert doc.title == "with Markdown"
    assert "<em>with</em>" in doc.title_html
    assert "<strong>Markdown</strong>" in doc.title_html


def test_pandoc_title_block(make) -> None:
    doc = make("% A Title\n% Ann One; Bob Two\n% 2025-05-08\n\nFirst.\n\nSecond.\n")
    assert doc.title == "A Title"
    assert doc.author_names == ("Ann One", "Bob Two")
    assert doc.date_display == "8 May 2025"
    assert doc.body_html == "<p>Second.</p>"


def test_footnotes_once(make) -> None:
    doc = make(post("title: T", "Intro.\n\nClaim[^a].\n\n[^a]: The source.\n"))
    assert doc.body_html.count("The source.") == 1
    assert doc.body_html.count('id="footnotes"') == 1
    assert 'href="#fn1"' in doc.body_html
    assert "The source." not in doc.excerpt_html


def test_missing_image_warns_and_keeps_alt(make, tmp_path: Path) -> None:
    with collecting() as warnings:
        doc = make(post("title: T", "Intro.\n\n![A missing chart](missing.png)\n"))
    assert "[A missing chart]" in doc.body_html
    assert "<img" not in doc.body_html and doc.resources == ()
    (warning,) = [w for w in warnings if w.code != "lint"]
    assert "missing.png" in warning.message and warning.path == str(tmp_path / "post.md")
    assert warning.line == 6  # the image's own line in the file


def test_missing_figure_image_says_its_alt_once(make) -> None:
    with collecting():
        doc = make(post("title: T", "Intro.\n\n![Traffic graph](missing.png)\n"))
    assert doc.body_html.count("Traffic graph") == 1
    assert "[Traffic graph]" in doc.body_html and "<figcaption" not in doc.body_html


@pytest.mark.parametrize("ref", ["chart.png", "/img/chart.png", "./img/../chart.png"])
def test_local_image_resolved(make, tmp_path: Path, ref: str) -> None:
    (tmp_path / "img").mkdir()
    for place in (tmp_path / "chart.png", tmp_path / "img" / "chart.png"):
        place.write_bytes(png())
    with collecting() as warnings:
        doc = make(post("title: T", f"Intro.\n\n![A chart]({ref})\n"))
    assert [w for w in warnings if w.code != "lint"] == []
    srcs = re.findall(r'src="([^"]+)"', doc.body_html)
    assert len(srcs) == 1 and re.fullmatch(r"media/[0-9a-f]{16}\.png", srcs[0])
    (resource,) = doc.resources
    assert (resource.name, resource.data, resource.media_type) == (srcs[0], png(), "image/png")
    assert 'alt="A chart"' in doc.body_html


def test_title_from_heading_with_a_separator(make) -> None:
    doc = make("# The Title\n\nIntro words.\n\n<!--more-->\n\nRest.\n")
    assert (doc.title, doc.excerpt_html, doc.body_html) == (
        "The Title",
        "<p>Intro words.</p>",
        "<p>Rest.</p>",
    )


def test_separator_inside_a_code_block_is_text(make) -> None:
    doc = make(post("title: T", "Intro.\n\n```html\n<!--more-->\n```\n\nRest.\n"))
    for html in (doc.title_html, doc.excerpt_html, doc.body_html):
        assert "IMPRINTPIECE" not in html
    assert "Rest." in doc.body_html and "Rest." not in doc.excerpt_html


def test_metadata_typography(make) -> None:
    front = (
        'title: "Zero\u200bwidth"\nsubtitle: "It\'s  --  \\"quoted\\""\n'
        'author:\n  name: " Ann\\n One "\n  affiliation: Ann\'s---Lab'
    )
    doc = make(post(front, "Body.\n"))
    assert doc.title == "Zerowidth"
    assert doc.subtitle == "It\u2019s \u2013 \u201cquoted\u201d"
    assert (doc.authors[0].name, doc.authors[0].affiliation) == ("Ann One", "Ann\u2019s\u2014Lab")
