"""Source lint: what makes a post less accessible or less findable, with its line.

These are warnings (``--strict`` makes them failures): an image without alt
text, an author without a bio, a post without a description, headings that
skip a level. Each names the file and the line where the author can fix it.
"""

from __future__ import annotations

import re

from ..diagnostics import warn
from ..model import Document
from ..source.post import Source

_IMG = re.compile(r"<img\b[^>]*>", re.I)


def _line_of(needle: str, source: Source) -> int:
    index = source.body.find(needle) if needle else -1
    return source.body_line + (source.body.count("\n", 0, index) if index >= 0 else 0)


def lint(doc: Document, source: Source) -> None:
    origins = {r.name: r.origin for r in doc.resources}
    for html in (doc.excerpt_html, doc.body_html, *(a.bio_html for a in doc.authors)):
        for tag in _IMG.findall(html):
            alt = re.search(r'\balt="([^"]*)"', tag)
            if alt is None or not alt.group(1).strip():
                src = re.search(r'\bsrc="([^"]*)"', tag)
                origin = origins.get(src.group(1), src.group(1)) if src else ""
                warn(
                    f"lint: image {origin or '(no source)'} has no alt text; describe it "
                    "for readers who cannot see it",
                    source.path,
                    _line_of(origin, source),
                    code="lint",
                )
    if doc.image is not None and not doc.image_alt:
        warn(
            "lint: the cover image has no alt text (add image_alt:)",
            source.path,
            source.line_of("image"),
            code="lint",
        )
    for author in doc.authors:
        if not author.bio_html:
            warn(
                f"lint: no bio for {author.name} (end the post with a bold-name bio, add "
                "bio: to the front matter, or add the author to _authors.yml)",
                source.path,
                source.line_of("author") or source.line_of("authors"),
                code="lint",
            )
    if not doc.description and not doc.excerpt_html:  # the excerpt serves where there is one
        warn(
            "lint: no description: add one for metadata and search results",
            source.path,
            1 if source.meta else None,
            code="lint",
        )
    if doc.date is None:
        warn(
            "lint: no date: the post is left out of the feed and listed last (add date:)",
            source.path,
            1 if source.meta else None,
            code="lint",
        )
    previous = 1
    for heading in doc.headings:
        if heading.level > previous + 1:
            warn(
                f"lint: heading '{heading.text[:60]}' skips from level {previous} to "
                f"{heading.level}",
                source.path,
                _line_of(heading.text[:30], source),
                code="lint",
            )
        previous = heading.level
