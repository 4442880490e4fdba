"""HTML: one standalone, semantic web page per post.

The page carries its stylesheet, the brand's web fonts (only the faces it
uses, see ``fontkit``) and its images inline as ``data:`` URLs, so the one
file can be published, mailed or archived as it is.
"""

from __future__ import annotations

from typing import ClassVar

from ..config import user_cache_dir
from ..fontkit import FontKit, faces_for
from ..model import Document
from . import RenderContext, article_context, replace_media


class HtmlRenderer:
    name: ClassVar[str] = "html"
    suffix: ClassVar[str] = ".html"
    media_type: ClassVar[str] = "text/html"

    def render(self, doc: Document, ctx: RenderContext) -> bytes:
        brand = ctx.brand
        kit = FontKit(brand, user_cache_dir())
        faces = faces_for(doc.title_html + doc.excerpt_html + doc.body_html +
                          "".join(a.bio_html for a in doc.authors))
        css = kit.css(faces, kit.data_url) + brand.stylesheet("screen")
        page = ctx.template("page.html", css=css, logo_src=brand.logo_data_url(),
                            **article_context(doc))
        return replace_media(page, doc, lambda r: r.data_url).encode("utf-8")
