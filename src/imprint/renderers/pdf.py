"""PDF: the article's HTML set for print by WeasyPrint, in this process.

WeasyPrint is imported once per process and the brand stylesheet (with its
``@font-face`` rules) is parsed once per brand and reused, so a warm worker
renders a post in a fraction of a cold start. WeasyPrint reads nothing on its
own: its URL fetcher serves the post's resolved images and the brand's own
font and logo files, and refuses everything else.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from typing import Any, ClassVar

from ..brand import Brand
from ..diagnostics import warn
from ..errors import RenderError
from ..model import Document
from . import RenderContext, article_context, pdf_fonts, replace_media

BASE_URL = "https://imprint.invalid/"


@functools.cache
def _weasyprint() -> Any:
    """WeasyPrint, imported without its slow library search, and with pinned fonts.

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
    pdf_fonts.install()
    return weasyprint


class _Fetcher:
    """Builds WeasyPrint URL fetchers that serve only what the policy allows."""

    @staticmethod
    def make(doc: Document | None, brand: Brand) -> Any:
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        media = {BASE_URL + r.name: r for r in (doc.all_resources() if doc else ())}
        brand_files = {p.as_uri(): p for p in brand.font_files()}
        if brand.logo is not None:
            brand_files[brand.logo.as_uri()] = brand.logo

        class PolicyFetcher(URLFetcher):
            def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
                if url in media:
                    resource = media[url]
                    return URLFetcherResponse(url, resource.data,
                                              {"Content-Type": resource.media_type})
                if url in brand_files:
                    return URLFetcherResponse(url, brand_files[url].read_bytes())
                raise ValueError(f"{url[:80]} is not a resource of this post; refused")

        return PolicyFetcher(timeout=1, allow_redirects=False)


class _WarningsToDiagnostics(logging.Handler):
    """WeasyPrint logs problems (a refused URL, an unsupported rule) as warnings."""

    def __init__(self, doc: Document):
        super().__init__(logging.WARNING)
        self.doc = doc

    def emit(self, record: logging.LogRecord) -> None:
        warn(f"PDF: {record.getMessage()}", self.doc.source_path, code="pdf")


class PdfRenderer:
    name: ClassVar[str] = "pdf"
    suffix: ClassVar[str] = ".pdf"
    media_type: ClassVar[str] = "application/pdf"

    def __init__(self) -> None:
        self._styles: dict[str, tuple[Any, Any]] = {}  # brand digest -> (CSS, FontConfiguration)

    def _stylesheet(self, brand: Brand) -> tuple[Any, Any]:
        key = brand.digest
        if key not in self._styles:
            weasyprint = _weasyprint()
            from weasyprint.text.fonts import FontConfiguration

            fonts = FontConfiguration()
            css = weasyprint.CSS(string=brand.stylesheet("print", lambda p: p.as_uri()),
                                 font_config=fonts, url_fetcher=_Fetcher.make(None, brand))
            self._styles = {key: (css, fonts)}  # one brand per process at a time
        return self._styles[key]

    @staticmethod
    def preload() -> None:
        """Import WeasyPrint (fork-safe: no fonts or stylesheets are loaded yet)."""
        _weasyprint()

    def warm(self, ctx: RenderContext) -> None:
        """Parse the brand stylesheet and load its fonts now, before the first job's clock."""
        self._stylesheet(ctx.brand)

    def render(self, doc: Document, ctx: RenderContext) -> bytes:
        weasyprint = _weasyprint()
        pdf_fonts.use_cache(ctx.user_cache_dir / "fonts" if ctx.user_cache_dir else None)
        css, fonts = self._stylesheet(ctx.brand)
        moment = ctx.moment(doc)
        logo = ctx.brand.logo.as_uri() if ctx.brand.logo else None
        page = ctx.template("print.html", logo_src=logo, modified=moment.isoformat(),
                            **article_context(doc))
        page = replace_media(page, doc, lambda r: BASE_URL + r.name)
        identifier = hashlib.md5(  # noqa: S324 - a file identifier, not security
            f"{doc.identifier}|{doc.source_digest}|{ctx.brand.digest}".encode()).digest()
        handler = _WarningsToDiagnostics(doc)
        logger = logging.getLogger("weasyprint")
        logger.addHandler(handler)
        # fontTools stamps the fonts it instantiates with "now" unless told otherwise
        previous_epoch = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
        try:
            html = weasyprint.HTML(string=page, base_url=BASE_URL,
                                   url_fetcher=_Fetcher.make(doc, ctx.brand))
            return html.write_pdf(stylesheets=[css], font_config=fonts,
                                  pdf_identifier=identifier,
                                  **ctx.options.get("pdf", {}))
        except Exception as exc:  # WeasyPrint raises many kinds; all mean "no PDF"
            raise RenderError(f"PDF: {type(exc).__name__}: {exc}", doc.source_path) from exc
        finally:
            logger.removeHandler(handler)
            if previous_epoch is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = previous_epoch
