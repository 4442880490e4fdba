"""Round trip: ``imprint docx P.md`` then ``imprint import`` gives back P's Document
(title, authors, date, excerpt, bios, body words, headings, footnotes, table cells,
images by digest, math TeX without spaces)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import CONTENT, CORPUS
from .docx_roundtrip import differences, round_trip

pytestmark = pytest.mark.slow

# What does not come back, by post and field, and why.
EXCEPTIONS = {
    "mm-html-tags-and-formatting.md": {
        "body": "a raw HTML <q> quotation (its marks drawn by the browser) comes back as "
        "the quotation marks Word shows, which are then words' characters",
    },
    "pandoc-testsuite.md": {
        "math": "Word's equations come back in pandoc's spelling of TeX (\\wedge as \\land)",
    },
}


@pytest.mark.parametrize("post", sorted(CONTENT.glob("*.md")), ids=lambda p: p.name)
def test_content_posts_come_back_equal(post, settings, tmp_path):
    original, back, _ = round_trip(post, settings.with_overrides(content=CONTENT), tmp_path)
    assert differences(original, back) == []


def test_corpus_posts_come_back_equal(corpus, settings, tmp_path):
    posts = sorted(corpus.glob("*.md"))
    failed: dict[str, list[str]] = {}
    for index, post in enumerate(posts):
        original, back, _ = round_trip(post, settings, tmp_path / str(index))
        fields = differences(original, back)
        if fields:
            failed[post.name] = fields
    # every exception is listed, by field, with why; none is listed that passes
    assert failed == {name: list(fields) for name, fields in EXCEPTIONS.items()}
    assert len(posts) - len(failed) >= 0.9 * len(posts), failed


def test_corpus_is_there():
    assert CORPUS.is_dir()


def test_math_and_callouts_come_back_as_imprint_writes_them(settings, tmp_path):
    post = tmp_path / "2025-01-02-math.md"
    post.write_text(
        "---\ntitle: Math and Callouts\nauthor: Ada Editor\ndate: 2025-01-02\n---\n\n"
        "Energy is $E = mc^2$, and\n\n$$\\int_0^1 x\\,dx = \\frac{1}{2}$$\n\n"
        "::: {.callout-warning}\nMind the gap.\n:::\n\n"
        '::: {.callout-tip title="Read this"}\nA tip with its own title.\n:::\n',
        encoding="utf-8",
    )
    original, back, report = round_trip(post, settings.with_overrides(content=tmp_path), tmp_path)
    assert differences(original, back) == []
    text = Path(report.post).read_text(encoding="utf-8")
    assert "$E = mc^2$" in text or "$E = mc^{2}$" in text
    assert "$$" in text and "\\frac{1}{2}" in text
    assert "::: callout-warning" in text or "{.callout-warning}" in text
    # Word has one Callout style: a kind under its own title comes back as a note
    assert 'title="Read this"' in text and "callout-note" in text
