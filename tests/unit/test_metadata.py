"""read_fields and its helpers: titles, authors, dates, lang, identifiers, slugs, lists."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from imprint.config import Settings
from imprint.diagnostics import collecting
from imprint.errors import SourceError
from imprint.normalise.authors import AuthorRegistry, AuthorSpec
from imprint.normalise.metadata import Fields, clean_slug, read_fields, slug_from_path, title_block
from imprint.source.post import parse_source

SETTINGS = Settings()

REGISTRY_YAML = """\
ha-chae-kyoun:
  name: Ha Chae Kyoun
  affiliation: RUSI
  url: https://example.org/ha
  bio: Ha Chae Kyoun is a **Visiting Fellow**.
jane: Jane is the registry's shorthand bio.
"""


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> AuthorRegistry:
    path = tmp_path_factory.mktemp("registry") / "_authors.yml"
    path.write_text(REGISTRY_YAML, encoding="utf-8")
    return AuthorRegistry.load(path)


def fields(
    front: str,
    name: str = "post.md",
    registry: AuthorRegistry | None = None,
    settings: Settings = SETTINGS,
) -> Fields:
    source = parse_source(f"---\n{front}\n---\nBody\n".encode(), Path(name))
    return read_fields(source, settings, registry or AuthorRegistry())


def source_error(front: str, name: str = "post.md") -> SourceError:
    with pytest.raises(SourceError) as caught:
        fields(front, name)
    return caught.value


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("title: Plain words", "Plain words"),
        ("title: 2024", "2024"),
        ("title: 3.10", "3.10"),
        ("title: '  padded  '", "padded"),
        ("title: >-\n  folded\n  title", "folded title"),
        ("author: x", None),  # no title: the first '#' heading will be asked for
    ],
)
def test_title(front: str, expected: str | None) -> None:
    assert fields(front).title_md == expected


@pytest.mark.parametrize("front", ["title: [a, b]", "title:\n  en: A\n  ko: B"])
def test_title_of_the_wrong_shape_is_an_error_at_its_line(front: str) -> None:
    err = source_error(f"lang: en\n{front}")
    assert err.line == 3
    assert err.path == Path("post.md")
    assert "title: expected text" in err.message


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("author: Ann One", [AuthorSpec("Ann One")]),
        ("author: [Ann One, Bob Two]", [AuthorSpec("Ann One"), AuthorSpec("Bob Two")]),
        ("authors:\n  - Ann One\n  - Bob Two", [AuthorSpec("Ann One"), AuthorSpec("Bob Two")]),
        (
            "author:\n  name: Ann One\n  bio: Writes.\n  affiliation: Uni\n  url: https://a.example",
            [AuthorSpec("Ann One", "Writes.", "Uni", "https://a.example")],
        ),
        (
            "authors:\n  - name: Ann One\n  - name: Bob Two\n    bio: B.",
            [AuthorSpec("Ann One"), AuthorSpec("Bob Two", "B.")],
        ),
        ("authors: [Ann One]\nauthor: Ignored", [AuthorSpec("Ann One")]),
        ("title: No byline", []),
    ],
)
def test_author_shapes(front: str, expected: list[AuthorSpec]) -> None:
    assert list(fields(front).authors) == expected


@pytest.mark.parametrize("written", ["Ha Chae Kyoun", "ha-chae-kyoun", "HA  CHAE KYOUN"])
def test_registry_fills_bio_and_affiliation(registry: AuthorRegistry, written: str) -> None:
    (author,) = fields(f"author: {written}", registry=registry).authors
    assert author == AuthorSpec(
        "Ha Chae Kyoun", "Ha Chae Kyoun is a **Visiting Fellow**.", "RUSI", "https://example.org/ha"
    )


def test_registry_shorthand_entry(registry: AuthorRegistry) -> None:
    (author,) = fields("author: jane", registry=registry).authors
    assert (author.name, author.bio_md) == ("jane", "Jane is the registry's shorthand bio.")


@pytest.mark.parametrize("key", ["author_bio", "bio", "author-bio"])
def test_front_matter_bio_beats_registry_and_goes_to_first_author(
    registry: AuthorRegistry, key: str
) -> None:
    front = f"authors: [Ha Chae Kyoun, Bob Two]\n{key}: Own *bio*."
    first, second = fields(front, registry=registry).authors
    assert first.bio_md == "Own *bio*."
    assert first.affiliation == "RUSI"  # the rest still comes from the registry
    assert second.bio_md == ""


def test_author_mapping_keeps_its_spelling_of_the_name(registry: AuthorRegistry) -> None:
    (author,) = fields("author:\n  name: ha chae kyoun", registry=registry).authors
    assert (author.name, author.affiliation) == ("ha chae kyoun", "RUSI")


def test_unparseable_date_names_file_line_and_value() -> None:
    err = source_error("title: T\ndate: 2025-13-45", name="posts/p.md")
    assert (err.path, err.line) == (Path("posts/p.md"), 3)
    assert "'2025-13-45'" in err.message
    assert str(err).startswith("posts/p.md:3: source: date: '2025-13-45' is not a date")


@pytest.mark.parametrize(
    ("front", "name", "expected"),
    [
        ("title: T", "2025-05-08-slug.md", datetime(2025, 5, 8, tzinfo=ZoneInfo("UTC"))),
        ("date: 2024-01-02", "2025-05-08-slug.md", datetime(2024, 1, 2, tzinfo=ZoneInfo("UTC"))),
        ("pubDate: May 8, 2025", "post.md", datetime(2025, 5, 8, tzinfo=ZoneInfo("UTC"))),
        ("title: T", "post.md", None),
    ],
)
def test_date_sources(front: str, name: str, expected: datetime | None) -> None:
    assert fields(front, name).date == expected


def test_date_uses_the_project_zone() -> None:
    moment = fields("date: 2025-05-08 09:00", settings=Settings(timezone="Asia/Seoul")).date
    assert moment is not None and moment.utcoffset().total_seconds() == 9 * 3600


@pytest.mark.parametrize("front", ["date: ~", "date:"])
def test_null_date_is_no_date(front: str) -> None:
    assert fields(f"title: T\n{front}").date is None


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("title: T", "en-GB"),
        ("lang: ko", "ko"),
        ("locale: en_US", "en-US"),
        ("language: zh-Hant-TW", "zh-Hant-TW"),
    ],
)
def test_lang(front: str, expected: str) -> None:
    with collecting() as warnings:
        assert fields(front).lang == expected
    assert warnings == []


@pytest.mark.parametrize("bad", ["'not a lang!'", "e", "english_please_x"])
def test_bad_lang_falls_back_with_a_warning(bad: str) -> None:
    with collecting() as warnings:
        assert fields(f"title: T\nlang: {bad}").lang == "en-GB"
    (warning,) = warnings
    assert (warning.path, warning.line) == ("post.md", 3)
    assert "lang:" in warning.message and "en-GB" in warning.message


def test_identifier_is_a_stable_uuid_of_the_slug() -> None:
    one = fields("title: T", "2025-05-08-alpha.md").identifier
    assert one == fields("title: U", "alpha.md").identifier
    assert one == f"urn:uuid:{uuid.UUID(one.removeprefix('urn:uuid:'))}"
    assert one != fields("title: T", "beta.md").identifier


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("identifier: isbn:978-0-00-000000-0", "isbn:978-0-00-000000-0"),
        (
            "identifier: urn:uuid:12345678-1234-1234-1234-1234567890ab",
            "urn:uuid:12345678-1234-1234-1234-1234567890ab",
        ),
        (
            "uuid: 12345678-1234-1234-1234-1234567890AB",
            "urn:uuid:12345678-1234-1234-1234-1234567890ab",
        ),
    ],
)
def test_given_identifier(front: str, expected: str) -> None:
    assert fields(front).identifier == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("2013-07-25-jekyll-1-0-4-released.markdown", ("jekyll-1-0-4-released", "2013-07-25")),
        ("posts/my-post/index.md", ("my-post", None)),
        ("posts/my-post/_index.md", ("my-post", None)),
        ("posts/my-post/README.md", ("my-post", None)),
        ("posts/2025-05-08-bundle/index.qmd", ("bundle", "2025-05-08")),
        ("plain.md", ("plain", None)),
    ],
)
def test_slug_from_path(path: str, expected: tuple[str, str | None]) -> None:
    assert slug_from_path(Path(path)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("../../etc/passwd", "etc-passwd"),
        ("CON", "con-post"),
        ("nul", "nul-post"),
        ("LPT1", "lpt1-post"),
        ("My  Post 🎉 here!", "my-post-here"),
        ("Ünïcödé Tïtle", "ünïcödé-tïtle"),
        ("a/b\\c:d*e?f", "a-b-c-d-e-f"),
        ("---", ""),
        ("x" * 100, "x" * 80),
        ("x" * 500, "x" * 80),
        ("", ""),
        ("Cafe\u0301 cre\u0300me", "café-crème"),  # NFD and NFC give one slug
        ("🎉🚀✨", ""),
        (" . ", ""),
        ("-" * 10 + "a" + "." * 10, "a"),
    ],
)
def test_clean_slug(text: str, expected: str) -> None:
    assert clean_slug(text) == expected


@pytest.mark.parametrize(
    ("front", "name", "expected"),
    [
        ("slug: ../../etc/passwd", "post.md", "etc-passwd"),
        ("slug: 'My Post 🎉'", "post.md", "my-post"),
        ("slug: '🎉'", "fallback.md", "fallback"),
        ("title: T", "CON.md", "con-post"),
        ("title: T", "🎉.md", "post"),
    ],
)
def test_slug_field(front: str, name: str, expected: str) -> None:
    assert fields(front, name).slug == expected


@pytest.mark.parametrize(
    ("front", "tags", "categories"),
    [
        ("tags: [a, b, a]\ncategories: [x]", ("a", "b"), ("x",)),
        ("tags: a, b\ncategories: 'x, y'", ("a", "b"), ("x", "y")),
        ("keywords: solo\ncategory: Long Name", ("solo",), ("Long Name",)),
        ("tags: 'two words'", ("two words",), ()),
    ],
)
def test_tags_and_categories(
    front: str, tags: tuple[str, ...], categories: tuple[str, ...]
) -> None:
    got = fields(front)
    assert (got.tags, got.categories) == (tags, categories)


@pytest.mark.parametrize(
    ("front", "expected"), [("categories: a b", ("a", "b")), ("tags: a b", ("a", "b"))]
)
def test_space_separated_lists(front: str, expected: tuple[str, ...]) -> None:
    got = fields(front)
    assert (got.tags or got.categories) == expected


@pytest.mark.parametrize(
    ("front", "published"),
    [
        ("version: 3.0\npublished: no", False),
        ("published: yes", True),
        ("published: false", False),
        ("draft: true", False),
        ("draft: no", True),
        ("title: T", True),
    ],
)
def test_published(front: str, published: bool) -> None:
    with collecting() as warnings:
        assert fields(front).published is published
    assert warnings == []


def test_published_nonsense_warns_and_keeps_default() -> None:
    with collecting() as warnings:
        assert fields("published: maybe").published is True
    assert [w.line for w in warnings] == [2]


@pytest.mark.parametrize(
    ("body", "meta", "rest"),
    [
        (
            "% Title\n% A; B\n% 2025-05-08\n\nBody\n",
            {"title": "Title", "author": ["A", "B"], "date": "2025-05-08"},
            "\nBody\n",
        ),
        ("% Long\n  title\n% A\n\nBody", {"title": "Long title", "author": ["A"]}, "\nBody"),
        ("%\n% A\n\nBody", {"author": ["A"]}, "\nBody"),
        ("% Only a title\nBody", {"title": "Only a title"}, "Body"),
        ("No block\n% Title\n", {}, "No block\n% Title\n"),
    ],
)
def test_title_block(body: str, meta: dict[str, object], rest: str) -> None:
    assert title_block(body) == (meta, rest)


@pytest.mark.parametrize("letter", ["한", "\U00010330", "é"])  # 3, 4 and 2 bytes in UTF-8
def test_slug_fits_a_file_name_in_bytes(letter: str) -> None:
    slug = clean_slug(letter * 300)
    assert 0 < len(slug.encode("utf-8")) <= 150 and set(slug) == {letter}
