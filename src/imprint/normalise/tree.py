"""HTML fragments as lxml trees: parse pandoc's output once, edit, serialise."""

from __future__ import annotations

from html import escape

import lxml.html
from lxml import etree

from ..errors import SourceError
from ..source.characters import strip_control

BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "aside",
        "figure",
        "blockquote",
        "pre",
        "ul",
        "ol",
        "dl",
        "table",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "details",
        "header",
        "footer",
        "nav",
        "article",
        "main",
    }
)


MAX_DEPTH = 64  # element nesting renderers are given; WeasyPrint recurses per level


def parse(html: str) -> lxml.html.HtmlElement:
    """A fragment under a ``<div>`` root; HTML comments are dropped.

    libxml2 stops at 256 levels of nesting by default and silently drops the
    rest of the fragment, so the parser is told to go deeper (its own hard
    limit is 2048), and reaching that limit is an error rather than lost text.
    """
    parser = lxml.html.HTMLParser(huge_tree=True)
    html = strip_control(html or "")  # pandoc turns "&#27;" into the character itself
    root = lxml.html.fragment_fromstring(html, create_parent="div", parser=parser)
    if any("Excessive depth" in entry.message for entry in parser.error_log):
        raise SourceError("the post's HTML nests elements more than 2048 levels deep")
    for comment in root.xpath("//comment()"):
        drop(comment)
    return root


def flatten_deep(root: etree._Element, limit: int = MAX_DEPTH) -> int:
    """Keep only the words of elements nested deeper than ``limit``; return how many
    subtrees were flattened. Renderers (WeasyPrint above all) recurse per level and
    give up somewhere past a hundred."""
    flattened = 0
    stack: list[tuple[etree._Element, int]] = [(root, 0)]
    while stack:
        element, depth = stack.pop()
        children = [c for c in element if isinstance(c.tag, str)]
        if depth >= limit and children:
            words = " ".join(element.text_content().split())
            for child in list(element):
                element.remove(child)
            element.text = words
            flattened += 1
            continue
        stack.extend((child, depth + 1) for child in children)
    return flattened


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
