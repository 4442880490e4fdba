"""What a document offers readers of assistive technology, derived from its content.

EPUB Accessibility metadata must describe the publication as it is, not as a
template hopes it is: an EPUB with images declares the visual access mode;
``alternativeText`` is claimed only when every image has alt text; conformance
to WCAG 2.2 AA is claimed only when nothing found here stands against it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..model import Document

CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


@dataclass(frozen=True, slots=True)
class Audit:
    images: int  # images in the content (the cover is counted by the renderer)
    images_without_alt: int
    heading_skips: tuple[str, ...]  # e.g. "h2 → h4 at 'Results'"
    has_tables: bool
    has_notes: bool
    languages_declared: bool

    @property
    def all_images_described(self) -> bool:
        return self.images_without_alt == 0

    @property
    def meets_wcag_aa(self) -> bool:
        return self.all_images_described and not self.heading_skips and self.languages_declared


def _html_of(doc: Document) -> str:
    parts = [doc.excerpt_html, doc.body_html, *(a.bio_html for a in doc.authors)]
    if doc.image is not None:
        parts.append(f'<img alt="{doc.image_alt}">' if doc.image_alt else "<img>")
    return "\n".join(parts)


def audit(docs: Iterable[Document]) -> Audit:
    images = missing = 0
    skips: list[str] = []
    tables = notes = False
    declared = True
    for doc in docs:
        html = _html_of(doc)
        for tag in _IMG.findall(html):
            images += 1
            alt = _ALT.search(tag)
            if alt is None or not (alt.group(1) or alt.group(2) or "").strip():
                missing += 1
        previous = 1  # the document title
        for heading in doc.headings:
            if heading.level > previous + 1:
                skips.append(f"h{previous} → h{heading.level} at '{heading.text[:40]}'")
            previous = heading.level
        tables = tables or "<table" in doc.body_html
        notes = notes or 'role="doc-endnotes"' in doc.body_html
        declared = declared and bool(doc.lang)
    return Audit(images, missing, tuple(skips), tables, notes, declared)


def epub_properties(found: Audit, extra_images: int = 0) -> list[tuple[str, str]]:
    """(property, value) pairs of schema.org accessibility metadata for an OPF."""
    visual = found.images + extra_images > 0
    props: list[tuple[str, str]] = [("schema:accessMode", "textual")]
    if visual:
        props.append(("schema:accessMode", "visual"))
        props.append(("schema:accessModeSufficient", "textual,visual"))
    if not visual or found.all_images_described:
        props.append(("schema:accessModeSufficient", "textual"))
    features = [
        "tableOfContents",
        "readingOrder",
        "structuralNavigation",
        "displayTransformability",
    ]
    if found.images and found.all_images_described:
        features.append("alternativeText")
    props += [("schema:accessibilityFeature", f) for f in features]
    props.append(("schema:accessibilityHazard", "none"))
    props.append(("schema:accessibilitySummary", summary(found, visual)))
    if found.meets_wcag_aa:
        props.append(("dcterms:conformsTo", CONFORMS_TO))
    return props


def summary(found: Audit, visual: bool) -> str:
    parts = ["Reflowable text with a navigable table of contents and headings in reading order."]
    if visual and found.all_images_described:
        parts.append("Every image has a text alternative.")
    elif found.images_without_alt:
        parts.append(f"{found.images_without_alt} image(s) lack a text alternative.")
    if found.meets_wcag_aa:
        parts.append("Meets WCAG 2.2 Level AA as far as automated checks can tell.")
    return " ".join(parts)
