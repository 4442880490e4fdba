"""Headings: the title a post may open with, the level shift, and the outline.

The document title is the one level-1 heading in every output, so the post's
own headings are shifted to sit directly under it: a post that uses only
``###`` gets ``h2``; one that uses ``#`` for sections gets them as ``h2`` and
everything below one level down (``h6`` is as deep as HTML goes).
"""

from __future__ import annotations

import re

from lxml import etree

from ..diagnostics import warn
from ..errors import SourceError
from ..model import Heading
from ..source.post import Source
from .metadata import slug_from_path
from .tree import drop, inner_html, text_of

LEVELS = ("h1", "h2", "h3", "h4", "h5", "h6")


def take_title(root: etree._Element) -> tuple[str, str] | None:
    """Remove the first top-level ``h1``; return (inner HTML, plain text)."""
    for child in root:
        if child.tag == "h1":
            found = inner_html(child), text_of(child)
            drop(child)
            return found
    return None


def shift_headings(root: etree._Element, top: int = 2) -> int:
    """Move all headings so the highest sits at level ``top``; return the shift applied."""
    headings = [el for el in root.iter(*LEVELS)]
    if not headings:
        return 0
    highest = min(int(el.tag[1]) for el in headings)
    shift = top - highest
    if shift:
        for el in headings:
            el.tag = f"h{max(1, min(6, int(el.tag[1]) + shift))}"
    return shift


def outline(root: etree._Element, taken: set[str] | None = None) -> tuple[Heading, ...]:
    """Every heading with an id (one is given where pandoc or raw HTML left none).

    ``taken`` holds the ids already used on the page (excerpt, notes, bios);
    a new one avoids them as well as the ids in ``root``.
    """
    taken = set(taken or ()) | {el.get("id") for el in root.iter() if el.get("id")}
    found: list[Heading] = []
    for number, el in enumerate(root.iter(*LEVELS), start=1):
        ident = el.get("id")
        if not ident:
            base = re.sub(r"[^\w-]+", "-", text_of(el).lower()).strip("-") or "section"
            ident, n = base, 1
            while ident in taken:
                n += 1
                ident = f"{base}-{n}"
            el.set("id", ident)
            taken.add(ident)
        found.append(Heading(int(el.tag[1]), ident, text_of(el) or f"Section {number}"))
    return tuple(found)


def title_from_file_name(source: Source) -> str:
    """A title-less post's title from its file name's slug, as Jekyll makes it
    (``2013-01-11-no-yaml-title.md`` → "No Yaml Title"), with a warning.

    A post with nothing after its front matter is an error: there is nothing to publish.
    """
    where = source.body_line if source.meta else 1
    if not source.body.strip():
        raise SourceError(
            "no title and no text: the post is empty after its front matter", source.path, where
        )
    words = re.split(r"[-_\s]+", slug_from_path(source.path)[0])
    title = " ".join(w[:1].upper() + w[1:] for w in words if w) or "Untitled"
    warn(
        f"no title: using {title!r} from the file name; add 'title:' to the front matter "
        "or start the post with a '# Heading'",
        source.path,
        where,
    )
    return title
