"""The author bio that posts end with, taken out of the body.

Think-tank and magazine posts close with a rule and a paragraph that opens
with the author's name in bold (``__Ha Chae Kyoun__ is a Visiting Fellow...``).
That block is the bio, not body text: it is removed from the body and carried
on the :class:`~imprint.model.Author`. It is only recognised when the bold
words are the name of a known author, so a closing ``**Update:**`` note stays
in the body.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from .authors import name_key
from .tree import outer_html, text_of


def _bold_name(paragraph: etree._Element) -> str | None:
    """The bold words a paragraph opens with, if it opens with bold words."""
    if paragraph.tag != "p" or (paragraph.text or "").strip():
        return None
    first = next(iter(paragraph), None)
    if first is None or first.tag not in ("strong", "b"):
        return None
    return text_of(first) or None


def take_trailing_bios(root: etree._Element, names: Iterable[str]) -> dict[str, str]:
    """Remove the bio block after the last top-level rule; return bio HTML by name key.

    The block is every element after the rule; all must be paragraphs and the
    first must open with a known author's name in bold. A paragraph that opens
    with another author's name starts that author's bio; others continue the
    current one.
    """
    known = {name_key(n) for n in names}
    children = list(root)
    rules = [i for i, child in enumerate(children) if child.tag == "hr"]
    if not rules or not known:
        return {}
    rule = rules[-1]
    block = children[rule + 1 :]
    if not block or any(child.tag != "p" for child in block):
        return {}
    opening = _bold_name(block[0])
    if opening is None or name_key(opening) not in known:
        return {}
    grouped: dict[str, list[etree._Element]] = {}
    current = name_key(opening)
    for paragraph in block:
        bold = _bold_name(paragraph)
        if bold is not None and name_key(bold) in known:
            current = name_key(bold)
        grouped.setdefault(current, []).append(paragraph)
    for child in children[rule:]:
        root.remove(child)
    return {key: outer_html(paragraphs) for key, paragraphs in grouped.items()}
