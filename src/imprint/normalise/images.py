"""Images in the body: resolved once under the resource policy, named by content.

Each ``<img>`` that resolves gets ``src="media/<digest>.<ext>"``, the name
every renderer uses for it. One that cannot be had (missing, refused, offline)
is a warning, and its alt text stays in its place so no words are lost.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from ..diagnostics import warn
from ..errors import ResourceError
from ..model import Resource
from ..source.resources import Resolver
from .lines import Locator


def resolve_images(
    roots: list[etree._Element],
    resolver: Resolver,
    source: Path,
    text: str = "",
    first_line: int = 1,
) -> tuple[Resource, ...]:
    """Resolve every ``<img>`` in ``roots``; ``text`` (the Markdown, starting on the
    file's ``first_line``) locates each warning."""
    found: dict[str, Resource] = {}
    locator = Locator(text, first_line)
    for root in roots:
        for source_el in list(root.iter("source")):  # <picture> alternatives: the <img> stays
            source_el.getparent().remove(source_el)
        for img in list(root.iter("img")):
            ref = img.get("src") or ""
            for attr in ("srcset", "sizes", "loading", "decoding"):
                img.attrib.pop(attr, None)
            try:
                resource = resolver.resolve(ref, source.parent)
            except ResourceError as exc:
                warn(
                    f"image {exc.message}; its alt text is used instead", source, locator.line(ref)
                )
                _replace_with_alt(img)
                continue
            found.setdefault(resource.name, resource)
            img.set("src", resource.name)
            if img.get("alt") is None:
                img.set("alt", "")
    return tuple(found.values())


def _replace_with_alt(img: etree._Element) -> None:
    alt = (img.get("alt") or "").strip()
    figure = img.getparent()
    caption = figure.find("figcaption") if figure is not None and figure.tag == "figure" else None
    if (
        caption is not None
        and caption.get("aria-hidden") == "true"
        and " ".join(caption.text_content().split()) == " ".join(alt.split())
    ):
        # pandoc repeats the alt text as a caption hidden from screen readers; with the
        # picture gone the alt text stands in for both, once and readable by everyone
        figure.remove(caption)
    span = img.makeelement("span", {"class": "image-unavailable"})
    span.text = f"[{alt}]" if alt else "[image unavailable]"
    span.tail = img.tail
    img.getparent().replace(img, span)
