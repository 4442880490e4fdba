"""One PDF for a collection: title page, contents with page numbers, then each article.

Articles are laid out one at a time, each starting on a right-hand page with
its own running head and the book's continuous page numbers, and written to
a scratch folder; only then are the contents set (with the page each article
starts on) and everything joined (``pdfmerge.py``). Memory holds one
article's pages at a time, whatever the size of the collection.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pikepdf

from ..brand.templates import join_names
from ..brand.tokens import css_string
from ..model import Document
from ..renderers import RenderContext, get_renderer
from .manifest import Manifest
from .pdfmerge import Joiner, Part


@dataclass(frozen=True, slots=True)
class Entry:
    title: str
    byline: str
    page: str


def _page_count(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def _front(manifest: Manifest, docs: Sequence[Document], starts: Sequence[int | None],
           ctx: RenderContext, moment: datetime, lang: str, target: Path) -> int:
    renderer = get_renderer("pdf")
    entries = [Entry(doc.title, join_names(doc), str(start) if start else "000")
               for doc, start in zip(docs, starts, strict=True)]
    logo = ctx.brand.logo.as_uri() if ctx.brand.logo else None
    page = ctx.template("collection-front.html", manifest=manifest, entries=entries, lang=lang,
                        logo_src=logo, modified=moment.isoformat())
    target.write_bytes(renderer.write(page, ctx, moment, f"{manifest.identifier}|front"))
    return _page_count(target)


def _articles(manifest: Manifest, docs: Sequence[Document], ctx: RenderContext,
              front_pages: int, folder: Path) -> list[tuple[int, Path]]:
    """Lay out each article from its right-hand start page; return (start, file) pairs."""
    renderer = get_renderer("pdf")
    placed: list[tuple[int, Path]] = []
    last = front_pages
    for number, doc in enumerate(docs, start=1):
        start = last + 1 if last % 2 == 0 else last + 2  # odd pages are right-hand pages
        style = (f"@page :first {{ counter-reset: page {start}; }}\n"
                 f"@page {{ @top-left {{ content: {css_string(manifest.title)}; }}\n"
                 f"  @bottom-right {{ content: counter(page); }} }}")
        path = folder / f"article-{number:03d}.pdf"
        path.write_bytes(renderer.write(renderer.page(doc, ctx, style), ctx, ctx.moment(doc),
                                        f"{doc.identifier}|{doc.source_digest}|in-collection",
                                        doc))
        placed.append((start, path))
        last = start + _page_count(path) - 1
    return placed


def _cover(manifest: Manifest, docs: Sequence[Document], ctx: RenderContext,
           moment: datetime, target: Path) -> None:
    """A print-ready book's cover: the collection's cover image over the whole page and
    on into the bleed, scaled to cover the bleed box and centred on it."""
    import io

    from PIL import Image

    from ..brand.cover import make_cover
    from ..brand.tokens import PAGE_SIZES, css_points
    from ..model import Resource
    from ..source.resources import sniff
    from .epub import cover_text

    brand = ctx.brand
    if manifest.cover is not None:
        data = manifest.cover.read_bytes()
        kind = sniff(data)
        media_type = kind[0] if kind else "image/png"
    else:
        data, media_type = make_cover(cover_text(manifest, docs), brand), "image/jpeg"
    with Image.open(io.BytesIO(data)) as image:
        pixels = image.size
    width, height = (css_points(v) for v in PAGE_SIZES[brand.page_size.upper()])
    box = (width + 2 * brand.bleed_pt, height + 2 * brand.bleed_pt)
    scale = max(box[0] / pixels[0], box[1] / pixels[1])
    image_name = f"media/book-cover.{media_type.split('/')[1].split('+')[0]}"
    page = ctx.template("collection-cover.html", manifest=manifest, image=image_name,
                        size=f"{pixels[0] * scale:.3f}pt {pixels[1] * scale:.3f}pt",
                        lang=manifest.lang or docs[0].lang, modified=moment.isoformat())
    target.write_bytes(get_renderer("pdf").write(
        page, ctx, moment, f"{manifest.identifier}|cover",
        resources=[Resource(image_name, media_type, data, "cover")]))


def _sources(pdf_bytes: bytes, docs: Sequence[Document], moment: datetime) -> bytes:
    """PDF/A-3: attach every article's Markdown source to the joined book."""
    import io

    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    for doc in docs:
        if not doc.source_bytes:
            continue
        name = doc.source_path.name if doc.source_path.suffix.lower() in (".md", ".markdown") \
            else f"{doc.slug}.md"
        spec = pikepdf.AttachedFileSpec(pdf, doc.source_bytes, description=doc.title,
                                        filename=name, mime_type="text/markdown",
                                        relationship=pikepdf.Name.Source,
                                        creation_date=moment.strftime("D:%Y%m%d%H%M%SZ"),
                                        mod_date=moment.strftime("D:%Y%m%d%H%M%SZ"))
        pdf.attachments[name] = spec
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def collection_pdf(manifest: Manifest, docs: Sequence[Document], ctx: RenderContext,
                   moment: datetime) -> bytes:
    lang = manifest.lang or docs[0].lang
    with tempfile.TemporaryDirectory(prefix="imprint-collection-") as scratch:
        folder = Path(scratch)
        front = folder / "front.pdf"
        front_pages = _front(manifest, docs, [None] * len(docs), ctx, moment, lang, front)
        placed = _articles(manifest, docs, ctx, front_pages, folder)
        if _front(manifest, docs, [s for s, _ in placed], ctx, moment, lang, front) \
                != front_pages:  # the real numbers moved a line: lay the articles out again
            front_pages = _page_count(front)
            placed = _articles(manifest, docs, ctx, front_pages, folder)
            _front(manifest, docs, [s for s, _ in placed], ctx, moment, lang, front)

        joiner = Joiner(tagged=ctx.pdf_standard == "ua-1")
        if ctx.pdf_standard == "x-4":  # for the printer: the cover, then the title on a recto
            cover = folder / "cover.pdf"
            _cover(manifest, docs, ctx, moment, cover)
            joiner.add(0, Part(cover, manifest.title, bookmark=False))
        joiner.add(0, Part(front, manifest.title, blank_before=True, bookmark=False))
        for number, (doc, (_, path)) in enumerate(zip(docs, placed, strict=True), start=1):
            joiner.add(number, Part(path, doc.title, blank_before=True))
        with pikepdf.open(front) as first:
            intents = first.Root.get("/OutputIntents")
            data = joiner.finish(manifest.title, ", ".join(manifest.editors), lang, first,
                                 intents)
    if ctx.pdf_standard == "a-3b":
        data = _sources(data, docs, moment)
    return data
