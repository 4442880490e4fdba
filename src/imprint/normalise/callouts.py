"""Callouts: Quarto's ``::: {.callout-note}`` blocks and GitHub's ``> [!NOTE]`` alerts.

Both become one kind of block, which every format shows the same way::

    <aside class="callout callout-note" role="note" aria-label="Note">
      <p class="callout-title">Note</p>
      …the content…
    </aside>

The label is the ``title=`` a Quarto callout gives (or the heading it opens
with), else the kind's name. The stylesheets colour each kind from the brand
tokens; the DOCX sets the content in the ``Callout`` paragraph style.
"""

from __future__ import annotations

import re

from lxml import etree

from .tree import text_of

KINDS = {
    "note": "Note",
    "tip": "Tip",
    "warning": "Warning",
    "important": "Important",
    "caution": "Caution",
}
_QUARTO = re.compile(r"^callout-(" + "|".join(KINDS) + r")$")
_ALERT = re.compile(r"^\s*\[!(" + "|".join(KINDS) + r")\]\s*", re.IGNORECASE)
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _callout(element: etree._Element, kind: str, title: str | None) -> None:
    """Make ``element`` the callout block, in place."""
    label = " ".join((title or "").split()) or KINDS[kind]
    attributes = {"class": f"callout callout-{kind}", "role": "note", "aria-label": label}
    element.attrib.clear()
    element.attrib.update(attributes)
    element.tag = "aside"
    heading = etree.Element("p", {"class": "callout-title"})
    heading.text = label
    heading.tail = element.text
    element.text = None
    element.insert(0, heading)


def _quarto_kind(element: etree._Element) -> str | None:
    for name in (element.get("class") or "").split():
        match = _QUARTO.match(name)
        if match:
            return match[1]
    return None


def make_callouts(root: etree._Element) -> int:
    """Turn the callouts in ``root`` into ``aside`` blocks; return how many."""
    made = 0
    for element in list(root.iter("div", "section")):
        kind = _quarto_kind(element)
        if kind is None:
            continue
        title = element.get("title")
        first = next((c for c in element if isinstance(c.tag, str)), None)
        if (
            title is None
            and first is not None
            and first.tag in HEADINGS
            and not (element.text or "").strip()
        ):
            title = text_of(first)  # Quarto takes a callout's opening heading as its title
            element.text = (element.text or "") + (first.tail or "")
            element.remove(first)
        _callout(element, kind, title)
        made += 1
    for quote in list(root.iter("blockquote")):
        first = next((c for c in quote if isinstance(c.tag, str)), None)
        if first is None or first.tag != "p" or not first.text:
            continue
        match = _ALERT.match(first.text)
        if match is None:
            continue
        first.text = first.text[match.end() :]
        if not first.text and not len(first):
            quote.remove(first)  # the marker stood alone on its line
        _callout(quote, match[1].lower(), None)
        made += 1
    return made
