"""HTML: one standalone, semantic web page per post.

The page carries its stylesheet and images inline (``data:`` URLs), so the
one file can be published, mailed or archived as it is.
"""

from __future__ import annotations

from typing import ClassVar

from ..model import Document
from . import RenderContext, article_context, replace_media


class HtmlRenderer:
    name: ClassVar[str] = "html"
    suffix: ClassVar[str] = ".html"
    media_type: ClassVar[str] = "text/html"

    def render(self, doc: Document, ctx: RenderContext) -> bytes:
        brand = ctx.brand
        page = ctx.template("page.html", css=brand.stylesheet("screen"),
                            logo_src=brand.logo_data_url(), **article_context(doc))
        return replace_media(page, doc, lambda r: r.data_url).encode("utf-8")
