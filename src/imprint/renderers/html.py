"""HTML: one standalone, semantic web page per post.

The page carries its stylesheet, the brand's web fonts (only the faces it
uses, see ``fontkit``) and its images inline as ``data:`` URLs, so the one
file can be published, mailed or archived as it is.
"""

from __future__ import annotations

import json
from typing import ClassVar

from ..brand.fonts import FontKit, faces_for
from ..config import user_cache_dir
from ..model import Document
from . import RenderContext, article_context, replace_media


def json_ld(doc: Document, publisher: str, description: str) -> str:
    """schema.org ``Article`` metadata, safe to place inside a ``<script>`` element."""
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": doc.title,
        "inLanguage": doc.lang,
        "identifier": doc.identifier,
        "publisher": {"@type": "Organization", "name": publisher},
    }
    if doc.subtitle:
        data["alternativeHeadline"] = doc.subtitle
    if description:
        data["description"] = description
    if doc.date:
        data["datePublished"] = doc.date.isoformat()
    if doc.authors:
        data["author"] = [
            {"@type": "Person", "name": a.name,
             **({"affiliation": {"@type": "Organization", "name": a.affiliation}}
                if a.affiliation else {}),
             **({"url": a.url} if a.url else {})}
            for a in doc.authors]
    if doc.tags or doc.categories:
        data["keywords"] = list(dict.fromkeys(doc.tags + doc.categories))
    text = json.dumps(data, ensure_ascii=False, indent=1)
    # "</script>" or "<!--" inside a string must not end or confuse the element
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


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
        context = article_context(doc)
        remote_image = doc.image.origin if doc.image and doc.image.origin.startswith(
            ("http://", "https://")) else None
        page = ctx.template("page.html", css=css, logo_src=brand.logo_data_url(),
                            json_ld=json_ld(doc, brand.name, str(context["description"])),
                            share_image=remote_image, **context)
        return replace_media(page, doc, lambda r: r.data_url).encode("utf-8")
