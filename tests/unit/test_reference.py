"""The manual's reference pages are generated from the code's tables of options: every key
of imprint.toml, brand.toml and a collection manifest has a line of documentation and
a row in its page, and the pages committed in docs/ are the ones the tables give."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from imprint.brand.options import BRAND_OPTIONS, BRAND_TABLES
from imprint.cli.reference import brand_page, config_page, manifest_page, reference_pages
from imprint.collection.manifest import MANIFEST_KEYS
from imprint.config import OPTIONS

DOCS = Path(__file__).resolve().parents[2] / "docs"
SENTENCE = re.compile(r"[^\n|]+ [^\n|]+\.")


def _section(page: str, heading: str) -> str:
    """The text of one ``## heading`` section of a page."""
    start = page.index(f"\n## {heading}\n")
    end = page.find("\n## ", start + 1)
    return page[start : end if end > 0 else None]


def _documented(page: str, heading: str, name: str, doc: str) -> bool:
    return f"| `{name}` |" in _section(page, heading) and doc in _section(page, heading)


def _keys():
    """Every key of every table, as (its table, its page's section, its name, its doc)."""
    for option in OPTIONS:
        section, _, name = option.key.partition(".")
        yield "imprint.toml", config_page, f"[{section}]", name, option.doc
    for option in BRAND_OPTIONS:
        head, _, name = option.key.partition(".")
        section = f"[{head}]" if name else "Top-level keys"
        yield "brand.toml", brand_page, section, name or head, option.doc
    for table in BRAND_TABLES:
        yield "brand.toml", brand_page, f"[{table.name}]", None, table.doc
    for entry in MANIFEST_KEYS:
        head, _, name = entry.key.rpartition(".")
        yield "manifest", manifest_page, f"[{head}]" if head else "Top-level keys", name, entry.doc


@pytest.mark.parametrize(
    "table, page, section, name, doc", list(_keys()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_key_has_a_description_in_its_generated_reference(table, page, section, name, doc):
    assert SENTENCE.fullmatch(doc or ""), f"{table}: {section} {name}: no description"
    text = page()
    if name is None:  # a table's own description opens its section
        assert doc in _section(text, section), (table, section)
    else:
        assert _documented(text, section, name, doc), f"{table}: {section} {name} not in page"


def test_the_tables_cover_every_key_the_readers_accept():
    """The manifest's reader takes its known keys from the table: no key is read that is
    not documented."""
    from imprint.collection import manifest

    documented = {k.key for k in MANIFEST_KEYS}
    assert (
        manifest._TOP
        | {f"posts.{k}" for k in manifest._POSTS}
        | {f"series.{k}" for k in manifest._SERIES}
        == documented
    )


def test_the_committed_reference_pages_are_current():
    for name, text in reference_pages().items():
        committed = DOCS / name
        assert committed.is_file(), f"docs/{name} missing: run make docs"
        assert committed.read_text(encoding="utf-8") == text, (
            f"docs/{name} is stale: run make docs (python -m imprint.cli.reference docs)"
        )
