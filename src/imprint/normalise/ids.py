"""Element ids: one element each, across everything a post's outputs put on one page.

pandoc makes heading ids unique among themselves, but a post's raw HTML brings
ids of its own (``<hr id="bar">`` three times in pandoc's test suite), and a
heading called "Footnotes" gets the id pandoc also gives its footnotes
section. Browsers shrug; WeasyPrint warns "Anchor defined twice" and EPUB
validation fails. The first element to claim an id keeps it, so the links that
pandoc wrote (footnotes, outline) still land where they should; later claimants
get ``-2``, ``-3``…
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Sequence

from lxml import etree


def make_unique(roots: Sequence[etree._Element]) -> set[str]:
    """Rename repeated ids in ``roots`` (in priority order); return every id in use."""
    claimed = {el.get("id") for root in roots for el in root.iter() if el.get("id")}
    taken: set[str] = set()
    for root in roots:
        for element in root.iter():
            ident = element.get("id")
            if ident is None:
                continue
            # an id holds no whitespace (HTML) and is never empty
            wanted = re.sub(r"\s+", "-", ident.strip())
            if not wanted:
                del element.attrib["id"]
                continue
            if wanted in taken:
                number = 2
                while f"{wanted}-{number}" in taken or f"{wanted}-{number}" in claimed:
                    number += 1
                wanted = f"{wanted}-{number}"
            if wanted != ident:
                element.set("id", wanted)
            taken.add(wanted)
    return taken


def drop_dead_fragments(roots: Sequence[etree._Element], ids: set[str]) -> list[str]:
    """Unlink ``href="#x"`` where no element has id ``x``; return those targets.

    A theme's ``#top`` or a heading link copied from another page leads nowhere
    here: WeasyPrint warns about it and EPUB checkers reject it. The words stay.
    A bare ``#`` is a link to the page itself and stays.
    """
    dead: list[str] = []
    for root in roots:
        for link in root.iter("a"):
            href = link.get("href") or ""
            if href.startswith("#") and len(href) > 1 and urllib.parse.unquote(href[1:]) not in ids:
                del link.attrib["href"]
                dead.append(href)
    return list(dict.fromkeys(dead))
