"""One PDF for a collection: title page, contents with page numbers, then each article.

Each article is laid out on its own, as a job of its own (``work.py``): its
pages carry the book's running head but no page number, so its layout does
not depend on where it falls in the book and the articles can be laid out at
the same time. The page numbers are set on sheets of their own, 64 numbers a
sheet, each made as soon as the book is sure to reach it. Once every
article's length is known, each starts on the next right-hand page; the
contents are set with those pages, the numbers laid over the articles' pages
as artifacts, and everything joined (``pdfmerge.py``). The articles wait in
a scratch folder, so memory holds one article's pages at a time, whatever the
size of the book.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pikepdf

from ..brand.templates import join_names
from ..brand.tokens import css_string
from ..builder.project import Project
from ..errors import ImprintError
from ..model import Document
from ..renderers import TAGGED_PDF, RenderContext, get_renderer
from .manifest import Manifest
from .pdfmerge import Joiner, Part
from .work import Call, Piece, Runner

if TYPE_CHECKING:
    from ..renderers.pdf import PdfRenderer


def _pdf() -> PdfRenderer:
    """The process's PDF renderer, typed as such: a collection uses its page and write."""
    return cast("PdfRenderer", get_renderer("pdf"))


FOLIO_SHEET = 64  # pages of page numbers per job: fixed, so the bytes are too


@dataclass(frozen=True, slots=True)
class Entry:
    title: str
    byline: str
    page: str


def _page_count(data: bytes) -> int:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def _front(
    project: Project, manifest: Manifest, entries: Sequence[Entry], lang: str, moment: datetime
) -> bytes:
    """Title page and contents (a job)."""
    ctx = project.render_context()
    logo = ctx.brand.logo.as_uri() if ctx.brand.logo else None
    page = ctx.template(
        "collection-front.html",
        manifest=manifest,
        entries=entries,
        lang=lang,
        logo_src=logo,
        modified=moment.isoformat(),
    )
    return _pdf().write(page, ctx, moment, f"{manifest.identifier}|front")


def _article(project: Project, doc: Document, book_title: str) -> tuple[bytes, int]:
    """One article's pages, with the book's running head and no page numbers, and how
    many there are (a job)."""
    ctx = project.render_context()
    renderer = _pdf()
    style = (
        f"@page {{ @top-left {{ content: {css_string(book_title)}; }}\n"
        "  @bottom-right { content: none; } }"
    )
    data = renderer.write(
        renderer.page(doc, ctx, style, in_book=True),
        ctx,
        ctx.moment(doc),
        f"{doc.identifier}|{doc.source_digest}|in-collection",
        doc,
    )
    return data, _page_count(data)


@dataclass(frozen=True, slots=True)
class Sheet:
    """Page numbers ``first`` to ``first + FOLIO_SHEET - 1``, a page each."""

    first: int
    data: bytes


def _folios(project: Project, sheet: int, lang: str, moment: datetime, seed: str) -> Sheet:
    """Sheet number ``sheet``: pages showing only their page numbers, where an article's
    page shows its number (a job). Which numbers a sheet holds is fixed, so a sheet
    can be made as soon as the book is known to reach it. Untagged: the numbers are
    laid over the articles as artifacts. A print-ready book keeps its bleed but draws
    no marks."""
    first, count = sheet * FOLIO_SHEET + 1, FOLIO_SHEET
    ctx = project.render_context()
    if ctx.pdf_standard != "x-4":
        ctx = replace(ctx, pdf_standard="none")
    none = " ".join(
        f"@{box} {{ content: none; }}" for box in ("top-left", "top-right", "bottom-left")
    )
    page = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        "<title>Page numbers</title><style>"
        f"@page {{ background: none; marks: none; {none}"
        " @bottom-right { content: counter(page); } }"
        f"@page :first {{ counter-reset: page {first}; {none}"
        " @bottom-right { content: counter(page); } }"
        "html, body { background: none; } .page + .page { break-before: page; }"
        "</style></head><body>" + '<div class="page"></div>' * count + "</body></html>"
    )
    return Sheet(first, _pdf().write(page, ctx, moment, f"{seed}|folios|{first}|{count}"))


def _cover(
    project: Project, manifest: Manifest, docs: Sequence[Document], moment: datetime
) -> bytes:
    """A print-ready book's cover: the collection's cover image over the whole page and
    on into the bleed, scaled to cover the bleed box and centred on it (a job)."""
    from PIL import Image

    from ..brand.cover import make_cover
    from ..brand.tokens import PAGE_SIZES, css_points
    from ..model import Resource
    from ..source.resources import sniff
    from .epub import cover_text

    ctx = project.render_context()
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
    page = ctx.template(
        "collection-cover.html",
        manifest=manifest,
        image=image_name,
        size=f"{pixels[0] * scale:.3f}pt {pixels[1] * scale:.3f}pt",
        lang=manifest.lang or docs[0].lang,
        modified=moment.isoformat(),
    )
    return _pdf().write(
        page,
        ctx,
        moment,
        f"{manifest.identifier}|cover",
        resources=[Resource(image_name, media_type, data, "cover")],
    )


def _sources(pdf_bytes: bytes, docs: Sequence[Document], moment: datetime) -> bytes:
    """PDF/A-3: attach every article's Markdown source to the joined book."""
    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    for doc in docs:
        if not doc.source_bytes:
            continue
        name = (
            doc.source_path.name
            if doc.source_path.suffix.lower() in (".md", ".markdown")
            else f"{doc.slug}.md"
        )
        spec = pikepdf.AttachedFileSpec(
            pdf,
            doc.source_bytes,
            description=doc.title,
            filename=name,
            mime_type="text/markdown",
            relationship=pikepdf.Name.Source,
            creation_date=moment.strftime("D:%Y%m%d%H%M%SZ"),
            mod_date=moment.strftime("D:%Y%m%d%H%M%SZ"),
        )
        pdf.attachments[name] = spec
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def _starts(front_pages: int, counts: Sequence[int]) -> list[int]:
    """Each article's first page: the next right-hand (odd) page after what precedes it."""
    starts, last = [], front_pages
    for count in counts:
        start = last + 1 if last % 2 == 0 else last + 2
        starts.append(start)
        last = start + count - 1
    return starts


def _value(piece: Piece) -> Any:
    if piece.error is not None:
        raise piece.error
    return piece.value


class Book:
    """A collection's PDF, made of jobs.

    :meth:`calls` lays out the parts (run beside the other formats' jobs); :meth:`more`
    hears of each as it is done, keeps the articles in a scratch folder and asks for the
    sheets of page numbers the book is sure to reach by then; :meth:`finish` sets the
    contents with the real page numbers, makes any sheet still missing and joins it all.
    """

    def __init__(
        self,
        manifest: Manifest,
        docs: Sequence[Document],
        ctx: RenderContext,
        moment: datetime,
        scratch: Path,
    ):
        self.manifest, self.docs, self.ctx, self.moment = manifest, docs, ctx, moment
        self.lang = manifest.lang or docs[0].lang
        self.scratch = scratch
        self.parts = 2 if ctx.pdf_standard == "x-4" else 1  # the contents, the cover
        self.front_pages = 0
        self.article_pages = 0  # of the articles done so far
        self.sheets_asked = 0

    def _entries(self, starts: Sequence[int | None]) -> list[Entry]:
        return [
            Entry(doc.title, join_names(doc), str(start) if start else "000")
            for doc, start in zip(self.docs, starts, strict=True)
        ]

    def calls(self) -> list[Call]:
        """The contents with stand-in page numbers (for their length), the cover of a
        print-ready book, then every article."""
        calls: list[Call] = [
            (
                _front,
                (self.manifest, self._entries([None] * len(self.docs)), self.lang, self.moment),
            )
        ]
        if self.parts == 2:
            calls.append((_cover, (self.manifest, self.docs, self.moment)))
        return calls + [(_article, (doc, self.manifest.title)) for doc in self.docs]

    def _sheets_to(self, last_page: int) -> list[Call]:
        calls: list[Call] = []
        while self.sheets_asked * FOLIO_SHEET < last_page:
            calls.append(
                (_folios, (self.sheets_asked, self.lang, self.moment, self.manifest.identifier))
            )
            self.sheets_asked += 1
        return calls

    def more(self, index: int, piece: Piece) -> list[Call]:
        """Told that piece ``index`` of :meth:`calls` is done: the sheets of page numbers
        the book now surely reaches (its pages so far, blank ones left out)."""
        if piece.error is not None or isinstance(piece.value, Sheet):
            return []
        if index == 0:
            self.front_pages = _page_count(piece.value)
        elif index >= self.parts:
            data, pages = piece.value
            path = self.scratch / f"article-{index - self.parts + 1:05d}.pdf"
            path.write_bytes(data)  # the articles wait on disk, not in memory
            piece.value = (path, pages)
            self.article_pages += pages
        return self._sheets_to(self.front_pages + self.article_pages)

    def finish(self, runner: Runner, pieces: Sequence[Piece]) -> tuple[bytes, list[Piece]]:
        """The joined book from its pieces (those of :meth:`calls`, then the sheets), and
        the further pieces made for it (their warnings count too)."""
        _value(pieces[0])  # the stand-in contents: more() counted its pages
        cover = _value(pieces[1]) if self.parts == 2 else None
        articles = [_value(p) for p in pieces[self.parts : self.parts + len(self.docs)]]
        sheets = {s.first: s.data for s in map(_value, pieces[self.parts + len(self.docs) :])}
        counts = [pages for _, pages in articles]
        front_pages, made = self.front_pages, []
        for _ in range(3):  # the real numbers may move a line of the contents: set again
            starts = _starts(front_pages, counts)
            made = runner.run(
                [
                    (_front, (self.manifest, self._entries(starts), self.lang, self.moment)),
                    *self._sheets_to(starts[-1] + counts[-1] - 1),
                ]
            )
            front = _value(made[0])
            sheets.update({s.first: s.data for s in map(_value, made[1:])})
            settled, front_pages = front_pages, _page_count(front)
            if front_pages == settled:
                break
        else:
            raise ImprintError("the contents would not settle on a length", self.manifest.path)
        return self._join(front, cover, articles, starts, sheets), made

    def _join(
        self,
        front: bytes,
        cover: bytes | None,
        articles: Sequence[tuple[Path, int]],
        starts: Sequence[int],
        sheets: dict[int, bytes],
    ) -> bytes:
        ctx, manifest, folder = self.ctx, self.manifest, self.scratch
        joiner = Joiner(tagged=ctx.pdf_standard in TAGGED_PDF)
        if cover is not None:  # for the printer: the cover, then the title on a recto
            (folder / "cover.pdf").write_bytes(cover)
            joiner.add(0, Part(folder / "cover.pdf", manifest.title, bookmark=False))
        (folder / "front.pdf").write_bytes(front)
        joiner.add(0, Part(folder / "front.pdf", manifest.title, blank_before=True, bookmark=False))
        opened = {first: pikepdf.open(io.BytesIO(data)) for first, data in sheets.items()}
        try:
            for number, (doc, (path, pages), start) in enumerate(
                zip(self.docs, articles, starts, strict=True), start=1
            ):
                at = joiner.add(number, Part(path, doc.title, blank_before=True))
                for page in range(pages):
                    first = (start + page - 1) // FOLIO_SHEET * FOLIO_SHEET + 1
                    joiner.stamp(at + page, opened[first].pages[start + page - first])
            with pikepdf.open(folder / "front.pdf") as first_part:
                intents = first_part.Root.get("/OutputIntents")
                data = joiner.finish(
                    manifest.title, ", ".join(manifest.editors), self.lang, first_part, intents
                )
        finally:
            for sheet in opened.values():
                sheet.close()
        if ctx.pdf_standard.startswith("a-3"):
            data = _sources(data, self.docs, self.moment)
        return data
