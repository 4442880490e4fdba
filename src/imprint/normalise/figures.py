"""Numbered figures and tables, and ``@fig:x`` / ``@tbl:x`` references to them.

An image with a caption (a pandoc figure) and a table with a caption are
numbered per post, in order: "Figure 1: …", "Table 1: …". A ``{#fig:x}`` or
``{#tbl:x}`` label gives the figure or table its id, and ``@fig:x`` in the text
becomes "Figure 1", linked to it. A reference to a label the post lacks is a
warning, and the label stays in the text, marked with "?".

pandoc reads ``@fig:x`` as a citation (which citeproc would try to resolve), so
the Markdown's references are escaped first, outside code; the escaped
``@fig:x`` reaches the HTML as plain text, where it is replaced.
"""

from __future__ import annotations

import re

from lxml import etree

from ..diagnostics import warn
from ..source.post import Source
from .lines import Locator

_LABEL = r"(?:fig|tbl):[\w.:-]*\w"
_CODE_OR_REFERENCE = re.compile(
    r"(?P<fence>^(?P<mark>`{3,}|~{3,})[^\n]*\n.*?^(?P=mark)[ \t]*$)"
    r"|(?P<code>(?P<ticks>`+).+?(?P=ticks))"
    rf"|(?<![\w\\@])@(?P<ref>{_LABEL})",
    re.MULTILINE | re.DOTALL,
)
_REFERENCE = re.compile(rf"@({_LABEL})")
_CODE = {"code", "pre", "kbd", "samp", "script", "style"}
NAMES = {"fig": "Figure", "tbl": "Table"}


def protect_references(markdown: str) -> str:
    """Escape ``@fig:x`` and ``@tbl:x`` outside code so pandoc leaves them as text."""

    def swap(match: re.Match[str]) -> str:
        return f"\\@{match['ref']}" if match["ref"] else match[0]

    return _CODE_OR_REFERENCE.sub(swap, markdown) if "@" in markdown else markdown


def _label(element: etree._Element, text: str) -> None:
    """Put ``text`` in front of a caption's content."""
    label = etree.Element("span", {"class": "label"})
    label.text = text
    label.tail = " " + (element.text or "").lstrip()
    element.text = None
    element.insert(0, label)


def number_figures(body: etree._Element) -> dict[str, str]:
    """Number captioned figures and tables in ``body``; return each label's name."""
    counts = {"fig": 0, "tbl": 0}
    names: dict[str, str] = {}
    for element in body.iter("figure", "table"):
        kind = "fig" if element.tag == "figure" else "tbl"
        caption = element.find("figcaption" if kind == "fig" else "caption")
        if caption is None or not "".join(caption.itertext()).strip():
            continue
        counts[kind] += 1
        name = f"{NAMES[kind]} {counts[kind]}"
        caption.attrib.pop("aria-hidden", None)  # the number is for every reader
        _label(caption, f"{name}:")
        identifier = element.get("id") or ""
        if identifier.startswith(f"{kind}:"):
            names[identifier] = name
    return names


def _link(name: str | None, label: str) -> etree._Element:
    if name is None:
        missing = etree.Element("strong", {"class": "missing-reference"})
        missing.text = f"{label}?"
        return missing
    link = etree.Element("a", {"href": f"#{label}", "class": "cross-reference"})
    link.text = name
    return link


def _text_slots(root: etree._Element):
    """(element, attribute) for every text and tail outside code, in document order."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        inside_code = element.tag in _CODE or any(a.tag in _CODE for a in element.iterancestors())
        if not inside_code and element.text and "@" in element.text:
            yield element, "text"
        if (
            element is not root
            and element.tail
            and "@" in element.tail
            and not any(a.tag in _CODE for a in element.iterancestors())
        ):
            yield element, "tail"


def link_references(trees: list[etree._Element], names: dict[str, str], source: Source) -> None:
    """Replace ``@fig:x`` / ``@tbl:x`` text with links to what they name."""
    if not _REFERENCE.search(source.body):
        return  # nothing to look for in the trees
    locator = Locator(source.body, source.body_line)
    for tree in trees:
        for element, slot in list(_text_slots(tree)):
            text = getattr(element, slot)
            parts = _REFERENCE.split(text)
            if len(parts) == 1:
                continue
            setattr(element, slot, parts[0])
            # new nodes go after the text's owner: as first children for .text, else after
            parent, index = (
                (element, 0)
                if slot == "text"
                else (element.getparent(), element.getparent().index(element) + 1)
            )
            for label, after in zip(parts[1::2], parts[2::2], strict=True):
                name = names.get(label)
                if name is None:
                    warn(
                        f"reference @{label}: the post has no figure or table with this label",
                        source.path,
                        locator.line(f"@{label}"),
                    )
                node = _link(name, label)
                node.tail = after
                parent.insert(index, node)
                index += 1
