"""HTML: one semantic web page per post, standalone or as a page of a site.

A *standalone* page carries its stylesheet, the brand's web fonts (only the
faces it uses, see ``brand.fonts``) and its images inline as ``data:`` URLs, so
the one file can be published, mailed or archived as it is.

A *site* page links them instead: the stylesheet, every font cut and the logo
are files under ``assets/`` beside the page, named by a digest of their bytes
(:func:`site_assets`), so every page of a site shares them and a deploy can
cache them for good; each image is a file there too (:func:`media_assets`).
Between the :data:`SITE_NAV` markers the page leaves room for what only the
whole site knows (its other editions with their sizes, the previous and next
posts, its tags), which the builder fills in.
"""

from __future__ import annotations

import hashlib
import json
from typing import ClassVar

from ..brand.fonts import FACES, FontKit, faces_for
from ..brand.tokens import Brand
from ..config import user_cache_dir
from ..model import Document
from . import RenderContext, article_context, replace_media
from .names import page_path


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
            {
                "@type": "Person",
                "name": a.name,
                **(
                    {"affiliation": {"@type": "Organization", "name": a.affiliation}}
                    if a.affiliation
                    else {}
                ),
                **({"url": a.url} if a.url else {}),
            }
            for a in doc.authors
        ]
    if doc.tags or doc.categories:
        data["keywords"] = list(dict.fromkeys(doc.tags + doc.categories))
    text = json.dumps(data, ensure_ascii=False, indent=1)
    # "</script>" or "<!--" inside a string must not end or confuse the element
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


ASSETS = "assets"  # beside the pages, in build/html/
SITE_NAV = ("<!-- imprint:site -->", "<!-- /imprint:site -->")
_SITE_ASSETS: dict[str, dict[str, bytes]] = {}  # brand digest -> assets, per process


def hashed(stem: str, data: bytes, suffix: str) -> str:
    """``stem.<digest>.suffix``: a name that changes exactly when the bytes do."""
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:12]}{suffix}"


def site_assets(brand: Brand) -> dict[str, bytes]:
    """What every site page shares, by its path under ``assets/``: the screen
    stylesheet (with the brand's web fonts) first, then the font cuts and the logo."""
    if brand.digest not in _SITE_ASSETS:
        kit = FontKit(brand, user_cache_dir())
        fonts = {
            face: hashed(kit.file_name(face).removesuffix(".woff2"), kit.data(face), ".woff2")
            for face in FACES
        }
        css = (kit.css(FACES, lambda face: fonts[face]) + brand.stylesheet("screen")).encode()
        assets = {hashed("screen", css, ".css"): css}
        assets.update({name: kit.data(face) for face, name in fonts.items()})
        if brand.logo is not None:
            logo = brand.logo.read_bytes()
            assets[hashed("logo", logo, brand.logo.suffix.lower())] = logo
        _SITE_ASSETS[brand.digest] = assets
    return _SITE_ASSETS[brand.digest]


def media_assets(doc: Document) -> dict[str, bytes]:
    """A post's images as site assets: their names are digests of their bytes already."""
    return {media_name(r.name): r.data for r in doc.all_resources()}


def media_name(resource_name: str) -> str:
    return resource_name.removeprefix("media/")


class HtmlRenderer:
    name: ClassVar[str] = "html"
    suffix: ClassVar[str] = ".html"
    media_type: ClassVar[str] = "text/html"

    def render(self, doc: Document, ctx: RenderContext) -> bytes:
        brand = ctx.brand
        context = article_context(doc)
        remote_image = (
            doc.image.origin
            if doc.image and doc.image.origin.startswith(("http://", "https://"))
            else None
        )
        common = {
            "json_ld": json_ld(doc, brand.name, str(context["description"])),
            "share_image": remote_image,
            **context,
        }
        if ctx.html_mode == "site":
            assets = list(site_assets(brand))
            logo = next((a for a in assets if a.startswith("logo.")), None)
            where = page_path(doc, ctx.permalinks)
            shared = "../" * where.count("/") + ASSETS  # html/assets/, from the page
            canonical = ctx.base_url.rstrip("/") + f"/html/{where}" if ctx.base_url else None
            page = ctx.template(
                "page.html",
                site=True,
                stylesheet=f"{shared}/{assets[0]}",
                canonical=canonical,
                logo_src=f"{shared}/{logo}" if logo else None,
                site_nav=SITE_NAV,
                **common,
            )
            return replace_media(page, doc, lambda r: f"{shared}/{media_name(r.name)}").encode(
                "utf-8"
            )
        kit = FontKit(brand, user_cache_dir())
        faces = faces_for(
            doc.title_html
            + doc.excerpt_html
            + doc.body_html
            + "".join(a.bio_html for a in doc.authors)
        )
        css = kit.css(faces, kit.data_url) + brand.stylesheet("screen")
        page = ctx.template("page.html", css=css, logo_src=brand.logo_data_url(), **common)
        return replace_media(page, doc, lambda r: r.data_url).encode("utf-8")
