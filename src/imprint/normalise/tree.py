"""HTML fragments as lxml trees: parse pandoc's output once, edit, serialise."""

from __future__ import annotations

from html import escape

import lxml.html
from lxml import etree

BLOCK_TAGS = frozenset({"p", "div", "section", "aside", "figure", "blockquote", "pre", "ul",
                        "ol", "dl", "table", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
                        "details", "header", "footer", "nav", "article", "main"})


def parse(html: str) -> lxml.html.HtmlElement:
    """A fragment under a ``<div>`` root; HTML comments are dropped."""
    root = lxml.html.fragment_fromstring(html or "", create_parent="div")
    for comment in root.xpath("//comment()"):
        drop(comment)
    return root


def drop(element: etree._Element) -> None:
    """Remove an element but keep the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def inner_html(element: etree._Element) -> str:
    """The HTML inside ``element`` (its text and children), without the element itself."""
    parts = [escape(element.text, quote=False)] if element.text else []
    parts += [lxml.html.tostring(child, encoding="unicode") for child in element]
    return "".join(parts).strip()


def outer_html(elements: list[etree._Element]) -> str:
    return "\n".join(lxml.html.tostring(e, encoding="unicode").strip() for e in elements)


def text_of(element: etree._Element) -> str:
    return " ".join(element.text_content().split())
