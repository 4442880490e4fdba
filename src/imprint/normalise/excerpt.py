"""The excerpt (standfirst): from the separator, the ``excerpt:`` field, or the first paragraph.

Order of preference, as Jekyll authors expect it:

1. the text before ``excerpt_separator`` (front matter; default ``<!--more-->``),
   which then leaves the body, so the standfirst appears once;
2. an explicit ``excerpt:`` field (``summary``, ``abstract`` and ``standfirst``
   are accepted too); the body stays whole;
3. the body's opening paragraph, which then leaves the body;
4. for a post that opens with a heading, its ``description``.

The separator itself never reaches any output: the first one splits, any
other standing on a line of its own is deleted.
"""

from __future__ import annotations

import re

from lxml import etree

from .tree import text_of

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def outside_fences(lines: list[str]) -> list[bool]:
    """For each line, whether it is Markdown text rather than inside a fenced code block."""
    flags: list[bool] = []
    fence: str | None = None
    for line in lines:
        match = _FENCE.match(line)
        if fence is None:
            flags.append(match is None)
            if match:
                fence = match[1]
        else:
            flags.append(False)
            if (
                match
                and match[1][0] == fence[0]
                and len(match[1]) >= len(fence)
                and not line.strip()[len(match[1]) :].strip()
            ):
                fence = None
    return flags


def split_at_separator(body: str, separator: str) -> tuple[str | None, str]:
    """(excerpt Markdown, body Markdown without any separator); excerpt None if absent.

    A separator inside a fenced code block is code, not a separator.
    """
    if not separator or separator not in body:
        return None, body
    lines = body.split("\n")
    text = outside_fences(lines)
    for index, line in enumerate(lines):
        if text[index] and separator in line:
            head, _, tail = line.partition(separator)
            excerpt = "\n".join([*lines[:index], head]).strip("\n")
            rest = [tail] + [
                ln
                for i, ln in enumerate(lines[index + 1 :], start=index + 1)
                if not (text[i] and ln.strip() == separator)
            ]
            return excerpt, "\n".join(rest)
    return None, body


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
