"""PDF: the article's HTML set for print by WeasyPrint, in this process.

WeasyPrint is imported once per process and the brand stylesheet (with its
``@font-face`` rules) is parsed once per brand and reused, so a warm worker
renders a post in a fraction of a cold start. WeasyPrint reads nothing on its
own: its URL fetcher serves the post's resolved images and the brand's own
font and logo files, and refuses everything else.
"""

from __future__ import annotations

import atexit
import functools
import gc
import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from html import escape as html_escape
from math import ceil
from typing import Any, ClassVar

from ..brand.fonts import PrintFace, PrintFonts
from ..brand.tokens import Brand, css_string
from ..diagnostics import warn
from ..errors import RenderError, out_of_memory
from ..model import Document, Resource
from . import TAGGED_PDF, RenderContext, article_context, gated, replace_media
from .gated import weasyprint_boxes
from .pdf_html import BASE_URL, page_footnotes, place_formulas, tag_formulas
from .pdf_x import print_ready

_EXCERPT_END = "imprint-excerpt-end"
VARIANTS = {
    "ua-1": "pdf/ua-1",
    "a-3a": "pdf/a-3a",  # tagged as PDF/UA-1 is, for archives
    "a-3b": "pdf/a-3b",
    "x-4": "pdf/x-4",
    "none": None,
}


@functools.cache
def _weasyprint() -> Any:
    """WeasyPrint, imported without its slow library search (and, in imprint's own
    processes, with the speed patches of :mod:`.gated`).

    WeasyPrint looks for each native library under several names through
    ``ctypes.util.find_library``, which on Linux runs ldconfig, gcc and ld for
    every name: some fifty processes, a good part of a cold ``imprint pdf``.
    The dynamic loader finds the same libraries by the sonames WeasyPrint also
    tries, so during the import a search answers "not found" at once. Should
    that leave WeasyPrint without a library, it is imported again the usual way.
    """
    import ctypes.util
    import sys

    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        import weasyprint
    except OSError:  # pragma: no cover - a system where only the search finds the libraries
        for name in [m for m in sys.modules if m.split(".")[0] == "weasyprint"]:
            del sys.modules[name]
        ctypes.util.find_library = search
        import weasyprint
    finally:
        ctypes.util.find_library = search
    if gated.speedups_wanted():
        gated.install_speedups()
    return weasyprint


class _Fetcher:
    """Builds WeasyPrint URL fetchers that serve only what the policy allows."""

    @staticmethod
    def make(
        doc: Document | None,
        brand: Brand,
        extra: Sequence[Resource] = (),
        fonts: PrintFonts | None = None,
    ) -> Any:
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        media = {BASE_URL + r.name: r for r in (*(doc.all_resources() if doc else ()), *extra)}
        media.update(
            {
                BASE_URL + f.name: Resource(f.name, "image/svg+xml", f.svg, f.tex)
                for f in (doc.formulas if doc else ())
                if f.svg is not None
            }
        )
        brand_files = {p.as_uri(): p for p in brand.font_files()}
        if brand.logo is not None:
            brand_files[brand.logo.as_uri()] = brand.logo
        print_faces = {_font_url(f): f for f in (fonts.faces if fonts else ())}

        class PolicyFetcher(URLFetcher):
            def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
                if url in media:
                    resource = media[url]
                    return URLFetcherResponse(
                        url, resource.data, {"Content-Type": resource.media_type}
                    )
                if url in brand_files:
                    return URLFetcherResponse(url, brand_files[url].read_bytes())
                if url in print_faces and fonts is not None:
                    return URLFetcherResponse(url, fonts.data(print_faces[url]))
                raise ValueError(f"{url[:80]} is not a resource of this post; refused")

        return PolicyFetcher(timeout=1, allow_redirects=False)


def _font_url(face: PrintFace) -> str:
    return f"{BASE_URL}fonts/{face.file_name}"


class _WarningsToDiagnostics(logging.Handler):
    """WeasyPrint logs problems (a refused URL, an unsupported rule) as warnings."""

    def __init__(self, where):
        super().__init__(logging.WARNING)
        self.where = where

    def emit(self, record: logging.LogRecord) -> None:
        warn(f"PDF: {record.getMessage()}", self.where, code="pdf")


def _label_width(page: Any, keyword: str) -> float | None:
    """The width of the text in the margin box ``keyword`` of a laid-out page, if it is
    one line of text; else None."""
    boxes = [b for b in page.children if getattr(b, "at_keyword", None) == keyword]
    if len(boxes) != 1 or len(boxes[0].children) != 1:
        return None
    pieces = boxes[0].children[0].children
    if not pieces:
        return None
    try:
        left = min(p.position_x for p in pieces)
        return float(max(p.position_x + p.margin_width() for p in pieces) - left)
    except (AttributeError, TypeError):
        return None


class PdfRenderer:
    name: ClassVar[str] = "pdf"
    suffix: ClassVar[str] = ".pdf"
    media_type: ClassVar[str] = "application/pdf"

    def __init__(self) -> None:
        self._styles: dict[str, tuple[Any, Any]] = {}  # brand digest -> (CSS, FontConfiguration)
        self._heads: dict[tuple[str, str, str], str | None] = {}  # see running_heads
        # A FontConfiguration removes its temporary font folder when it is collected; left
        # to interpreter shutdown, its module may be torn down first ("Exception ignored
        # in FontConfiguration.__del__") and the folder stays. Drop it while all is alive.
        atexit.register(self._release)
        os.register_at_fork(after_in_child=self._forget_inherited)

    def _forget_inherited(self) -> None:
        """In a process just forked: the stylesheets and their fonts are the parent's, and
        so is the temporary folder of font faces a FontConfiguration deletes when it is
        collected. Let go of them without deleting anything (the folder is the parent's
        to remove); this process sets up its own on first use."""
        for _, fonts in self._styles.values():
            weasyprint_boxes.forget_font_folder(fonts)
        self._styles = {}

    def _release(self) -> None:
        if not self._styles:
            return
        self._styles.clear()
        # the configuration sits in reference cycles with its stylesheet; the process
        # may have set its objects aside from the collector on the way out (cli.run)
        gc.unfreeze()
        gc.collect()

    def _stylesheet(self, ctx: RenderContext) -> tuple[Any, Any]:
        """The brand's print stylesheet and its fonts: the static print instances of its
        variable fonts (``brand.fonts.PrintFonts``), so WeasyPrint never pins one."""
        brand = ctx.brand
        key = brand.digest
        if key not in self._styles:
            weasyprint = _weasyprint()
            from weasyprint.text.fonts import FontConfiguration

            print_fonts = PrintFonts(brand, ctx.user_cache_dir)
            faces = print_fonts.css(
                lambda f: _font_url(f) if isinstance(f, PrintFace) else f.as_uri()
            )
            fonts = FontConfiguration()
            css = weasyprint.CSS(
                string=brand.stylesheet("print", font_faces=faces),
                font_config=fonts,
                url_fetcher=_Fetcher.make(None, brand, fonts=print_fonts),
            )
            self._styles = {key: (css, fonts)}  # one brand per process at a time
        return self._styles[key]

    def running_heads(self, ctx: RenderContext, doc: Document) -> str:
        """Page rules fixing the running heads' widths: the brand's label (left) its
        own width, the title and page number (right) the rest, so WeasyPrint need not
        share each line out again on every page. Measured once per process, brand and
        language, from the second PDF on; a wide or wrapping label, or a right-to-left
        page, keeps WeasyPrint's own sharing."""
        if doc.dir == "rtl":
            return ""
        key = (ctx.brand.digest, ctx.pdf_standard, doc.lang)
        if key not in self._heads:
            if self._heads and next(iter(self._heads))[0] != key[0]:
                self._heads.clear()  # one brand per process at a time, as _stylesheet
            self._heads[key] = None  # the first PDF: not measured yet
        elif self._heads[key] is None:
            self._heads[key] = self._measure_heads(ctx, doc.lang)
        return self._heads[key] or ""

    def _measure_heads(self, ctx: RenderContext, lang: str) -> str:
        weasyprint = _weasyprint()
        css, fonts = self._stylesheet(ctx)
        sheets = [css]
        if ctx.pdf_standard == "x-4":
            sheets.append(weasyprint.CSS(string=ctx.brand.print_css()))
        probe = (
            f'<html lang="{html_escape(lang)}"><body><p>a</p>'
            '<p style="break-before: page">b</p></body></html>'
        )
        try:
            pages = (
                weasyprint.HTML(
                    string=probe, base_url=BASE_URL, url_fetcher=_Fetcher.make(None, ctx.brand)
                )
                .render(stylesheets=sheets, font_config=fonts)
                .pages
            )
            page = weasyprint_boxes.page_box(pages[-1])
            if page is None:
                return ""
            line = float(page.width)
        except Exception:
            return ""
        rules = []
        for side in ("top", "bottom"):
            width = _label_width(page, f"@{side}-left")
            if width is not None and 0 < width <= line / 3:
                width = ceil(width * 1000) / 1000  # never narrower than the label
                rules.append(
                    f"@{side}-left {{ width: {width}px; }} "
                    f"@{side}-right {{ width: calc(100% - {width}px); }}"
                )
        return f"@page {{ {' '.join(rules)} }}" if rules else ""

    @staticmethod
    def preload() -> None:
        """Import WeasyPrint (fork-safe: no fonts or stylesheets are loaded yet)."""
        _weasyprint()

    def warm(self, ctx: RenderContext) -> None:
        """Parse the brand stylesheet and load its fonts now, before the first job's clock."""
        self._stylesheet(ctx)

    @staticmethod
    def _attachments(doc: Document, ctx: RenderContext, moment: datetime) -> list[Any]:
        """PDF/A-3 lets an archive keep the source with its rendition: attach the post."""
        if not ctx.pdf_standard.startswith("a-3") or not doc.source_bytes:
            return []
        from weasyprint import Attachment

        name = doc.source_path.name if doc.source_path.suffix else f"{doc.slug}.md"
        if not name.lower().endswith((".md", ".markdown")):
            name = f"{doc.slug}.md"  # .qmd and friends: the archive's MIME type is Markdown
        return [
            Attachment(
                string=doc.source_bytes,
                name=name,
                relationship="Source",
                description=f"Markdown source of “{doc.title}”",
                created=doc.date or moment,
                modified=moment,
                url_fetcher=_Fetcher.make(None, ctx.brand),
            )
        ]

    def page(
        self, doc: Document, ctx: RenderContext, page_style: str = "", in_book: bool = False
    ) -> str:
        """The print HTML of ``doc``; ``page_style`` adds page rules (a collection's
        page numbering and running heads); ``in_book`` leaves out the brand's masthead
        and series label, since the book's own running head and title page stand there."""
        moment = ctx.moment(doc)
        logo = ctx.brand.logo.as_uri() if ctx.brand.logo else None
        # the excerpt may call notes too (a citation in the opening paragraph)
        excerpt, _, body = page_footnotes(
            f'{doc.excerpt_html}<hr class="{_EXCERPT_END}">{doc.body_html}'
        ).partition(f'<hr class="{_EXCERPT_END}">')
        doc = replace(doc, excerpt_html=excerpt.strip(), body_html=body.strip())
        if doc.formulas:
            drawn = {(f.tex, f.display): f for f in doc.formulas}
            doc = replace(
                doc,
                excerpt_html=place_formulas(doc.excerpt_html, drawn),
                body_html=place_formulas(doc.body_html, drawn),
                authors=tuple(
                    replace(a, bio_html=place_formulas(a.bio_html, drawn)) for a in doc.authors
                ),
            )
        context = article_context(doc)
        page = ctx.template(
            "print.html",
            logo_src=logo,
            modified=moment.isoformat(),
            running_title=css_string(str(context["short_title"])),
            page_style=page_style,
            in_book=in_book,
            **context,
        )
        return replace_media(page, doc, lambda r: BASE_URL + r.name)

    def render(self, doc: Document, ctx: RenderContext) -> bytes:
        moment = ctx.moment(doc)
        data = self.write(
            self.page(doc, ctx, self.running_heads(ctx, doc)),
            ctx,
            moment,
            f"{doc.identifier}|{doc.source_digest}",
            doc,
            self._attachments(doc, ctx, moment),
        )
        if ctx.pdf_standard in TAGGED_PDF and any(f.svg for f in doc.formulas):
            data = tag_formulas(data, {f.tex for f in doc.formulas if f.svg})
        return data

    def write(
        self,
        page: str,
        ctx: RenderContext,
        moment: datetime,
        seed: str,
        doc: Document | None = None,
        attachments: list[Any] | None = None,
        resources: Sequence[Resource] = (),
    ) -> bytes:
        """Lay out ``page`` with the brand's print stylesheet and write the PDF.

        ``doc`` supplies the images the page may fetch (and ``resources`` more of them,
        at ``media/…`` names); ``seed`` makes the PDF's file identifier stable for the
        same input.
        """
        weasyprint = _weasyprint()
        css, fonts = self._stylesheet(ctx)
        identifier = hashlib.md5(f"{seed}|{ctx.brand.digest}".encode()).digest()
        where = doc.source_path if doc else None
        handler = _WarningsToDiagnostics(where)
        logger = logging.getLogger("weasyprint")
        logger.addHandler(handler)
        # fontTools stamps the fonts it instantiates (a system fallback font that is
        # variable) with "now" unless told otherwise; the caller's value is put back
        previous_epoch = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
        try:
            html = weasyprint.HTML(
                string=page, base_url=BASE_URL, url_fetcher=_Fetcher.make(doc, ctx.brand, resources)
            )
            stylesheets = [css]
            if ctx.pdf_standard == "x-4":  # bleed and marks around every page
                stylesheets.append(weasyprint.CSS(string=ctx.brand.print_css()))
            data = html.write_pdf(
                stylesheets=stylesheets,
                font_config=fonts,
                pdf_identifier=identifier,
                pdf_variant=VARIANTS[ctx.pdf_standard],
                attachments=attachments or [],
                **ctx.options.get("pdf", {}),
            )
        except MemoryError:
            raise out_of_memory("the PDF", where) from None
        except Exception as exc:  # WeasyPrint raises many kinds; all mean "no PDF"
            raise RenderError(f"PDF: {type(exc).__name__}: {exc}", where) from exc
        finally:
            logger.removeHandler(handler)
            if previous_epoch is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = previous_epoch
        if ctx.pdf_standard == "x-4":  # the callers locate a RenderError
            return print_ready(data, ctx.brand.bleed_pt, identifier)
        return data
