"""Identifiers made unique across a book: every post numbers its footnotes from 1.

Each article's ids get a prefix of its own (``a03-fn1``) and its internal
links follow, so notes and back-links work in every article and no two
elements in the book, or in one combined document, share an id.
"""

from __future__ import annotations

import lxml.html

from ..normalise.tree import inner_html


def prefix_ids(html: str, prefix: str) -> str:
    if not html or ("id=" not in html and 'href="#' not in html):
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        ident = element.get("id")
        if ident:
            element.set("id", prefix + ident)
        for attr in ("href", "aria-describedby", "aria-labelledby", "for"):
            value = element.get(attr)
            if not value:
                continue
            if attr == "href":
                if value.startswith("#") and len(value) > 1:
                    element.set(attr, "#" + prefix + value[1:])
            else:
                element.set(attr, " ".join(prefix + part for part in value.split()))
    return inner_html(root)
