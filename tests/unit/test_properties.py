"""Property tests: whatever front matter and text a post holds, the normaliser raises
nothing but ImprintError (which the CLI turns into one clear line).

The example counts are bounded so the suite stays quick; no example database
is written (``database=None``), so a run leaves nothing in the checkout.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imprint.config import Settings
from imprint.diagnostics import collecting
from imprint.errors import ImprintError
from imprint.normalise import normalise
from imprint.normalise.authors import AuthorRegistry
from imprint.normalise.metadata import ALIASES, read_fields
from imprint.normalise.tree import parse
from imprint.source.post import parse_source
from imprint.source.resources import Policy, Resolver

PATH = Path("posts/2025-01-02-post.md")
SETTINGS = Settings()
FAST = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
WITH_PANDOC = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Keys the normaliser reads, so generated values land on the fields that matter.
KEYS = sorted(
    {key for keys in ALIASES.values() for key in keys}
    | {"author", "authors", "bio", "author_bio", "published", "draft", "header"}
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.dates(),
    st.datetimes(),
    st.sampled_from(
        [
            "3.0",
            "no",
            "10:00",
            "9999-12-31",
            "2/13/2022",
            "2025-13-45",
            "~",
            "",
            "<script>x</script>",
            "{{ site.baseurl }}/a.png",
            "../../etc/passwd",
            "CON",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["name", "bio", "url", "image"]) | st.text(max_size=8),
            inner,
            max_size=3,
        )
    ),
    max_leaves=10,
)
front_matter = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=12), values, max_size=8)

# Markdown and HTML pieces that have broken converters before, mixed with any text.
TOKENS = [
    "# ",
    "## ",
    "\n",
    "\n\n",
    "*",
    "_",
    "`",
    "```",
    "~~~",
    "[",
    "]",
    "(",
    ")",
    "![a](",
    "<",
    ">",
    "</",
    "<div>",
    "</div>",
    "<script>",
    "<img src=x onerror=y>",
    "<!--",
    "-->",
    "<!--more-->",
    "---",
    "...",
    "|",
    "|---|",
    "{: .x}",
    "{{ site.baseurl }}",
    "{% raw %}",
    "[^1]",
    "[^1]: n",
    "<<<<<<< a",
    "=======",
    ">>>>>>> b",
    "> ",
    "- ",
    "1. ",
    "    ",
    "\t",
    "\r\n",
    "\u200b",
    "\ufeff",
    "&amp;",
    "&#0;",
    "\\",
]
markdown = st.lists(st.sampled_from(TOKENS) | st.text(max_size=12), max_size=40).map("".join)


def _post(meta: dict, body: str) -> bytes:
    block = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) if meta else ""
    return f"---\n{block}---\n{body}".encode("utf-8", "surrogatepass")


def _read(raw: bytes) -> None:
    with collecting():  # warnings are expected; they are not the point here
        try:
            source = parse_source(raw, PATH)
            read_fields(source, SETTINGS, AuthorRegistry())
        except ImprintError:
            pass


@FAST
@given(front_matter)
@pytest.mark.slow
def test_any_front_matter_mapping(meta: dict) -> None:
    _read(_post(meta, "Body.\n"))


@FAST
@given(st.text(max_size=300))
def test_any_front_matter_text(block: str) -> None:
    _read(f"---\n{block}\n---\nBody.\n".encode("utf-8", "surrogatepass"))


@FAST
@given(st.binary(max_size=300) | markdown.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_file(raw: bytes) -> None:
    _read(raw)


@WITH_PANDOC
@given(meta=front_matter, body=markdown)
def test_any_post_through_the_whole_normaliser(tmp_path: Path, meta: dict, body: str) -> None:
    meta.setdefault("title", "A title")  # most examples should get past the title check
    resolver = Resolver(Policy(content_root=tmp_path, remote=False))
    with collecting():
        try:
            source = parse_source(_post(meta, body), tmp_path / "post.md")
            doc = normalise(source, SETTINGS, AuthorRegistry(), resolver)
        except ImprintError:
            return
    for fragment in (doc.title_html, doc.excerpt_html, doc.body_html):
        for element in parse(fragment).iter():  # as text, in code, they may well appear
            assert element.tag != "script"
            assert not [name for name in element.attrib if name.lower().startswith("on")]
