"""The excerpt (standfirst): from the separator, the ``excerpt:`` field, or the first paragraph.

Order of preference, as Jekyll authors expect it:

1. the text before ``excerpt_separator`` (front matter; default ``<!--more-->``),
   which then leaves the body, so the standfirst appears once;
2. an explicit ``excerpt:`` field (``summary``, ``abstract`` and ``standfirst``
   are accepted too); the body stays whole;
3. the body's opening paragraph, which then leaves the body.

The separator itself never reaches any output: the first one splits, any
other standing on a line of its own is deleted.
"""

from __future__ import annotations

from lxml import etree

from .tree import text_of


def split_at_separator(body: str, separator: str) -> tuple[str | None, str]:
    """(excerpt Markdown, body Markdown without any separator); excerpt None if absent."""
    if not separator or separator not in body:
        return None, body
    before, _, after = body.partition(separator)
    lines = [line for line in after.split("\n") if line.strip() != separator]
    return before.strip("\n"), "\n".join(lines)


def take_opening_paragraph(root: etree._Element) -> etree._Element | None:
    """Remove and return the body's first block if it is a paragraph with text."""
    if (root.text or "").strip():
        return None
    first = next(iter(root), None)
    if first is None or first.tag != "p" or not text_of(first):
        return None
    root.remove(first)
    if first.tail and first.tail.strip():
        root.text = (root.text or "") + first.tail
    first.tail = None
    return first
