"""DOCX: pandoc's Word writer, fed the document's HTML and a brand reference doc.

The one format that asks pandoc for its own output. Its input is the same HTML
fragment the other formats use (pandoc reads footnotes, figures and tables back
from it), wrapped so the excerpt and bios land in the ``Excerpt`` and
``Author Bio`` paragraph styles. Headings move up one level: in Word the title
is the ``Title`` paragraph and sections are ``Heading 1``, as the navigation
pane expects. Core properties are written by imprint, not left to pandoc.

Where the page holds only the markup :mod:`docx_ast` knows (most posts), pandoc
is handed the tree its HTML reader would have made of the page, as JSON, and
skips reading HTML: the same bytes, in two thirds of the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import ClassVar
from xml.sax.saxutils import escape

import lxml.html

from ..brand.docx import reference_path
from ..brand.docx_fonts import embed_fonts
from ..model import Document
from ..normalise.tree import inner_html
from ..source.pandoc import TAB_STOP, ask_resident, convert
from . import RenderContext, article_context, plain_excerpt, replace_media
from .docx_ast import page_json
from .epub import w3c
from .zips import normalise_zip

CORE = "docProps/core.xml"


def core_xml(
    title: str,
    creators: Sequence[str],
    created: datetime,
    modified: datetime,
    *,
    subject: str = "",
    keywords: Sequence[str] = (),
    description: str = "",
    lang: str = "",
    identifier: str = "",
) -> bytes:
    """``docProps/core.xml``: written by imprint so every date is the post's own."""
    fields = [
        ("dc:title", title),
        ("dc:subject", subject),
        ("dc:creator", "; ".join(creators)),
        ("cp:keywords", ", ".join(dict.fromkeys(keywords))),
        ("dc:description", description),
        ("dc:language", lang),
        ("dc:identifier", identifier),
        ("cp:lastModifiedBy", "imprint"),
    ]
    parts = [f"<{tag}>{escape(value)}</{tag}>" for tag, value in fields if value]
    parts.append(f'<dcterms:created xsi:type="dcterms:W3CDTF">{w3c(created)}</dcterms:created>')
    parts.append(f'<dcterms:modified xsi:type="dcterms:W3CDTF">{w3c(modified)}</dcterms:modified>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        "<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        + "".join(parts)
        + "</cp:coreProperties>"
    ).encode("utf-8")


def core_properties(doc: Document, ctx: RenderContext) -> bytes:
    return core_xml(
        doc.title,
        doc.author_names,
        doc.date or ctx.moment(doc),
        ctx.moment(doc),
        subject=doc.description or "",
        keywords=doc.tags + doc.categories,
        description=plain_excerpt(doc),
        lang=doc.lang,
        identifier=doc.identifier,
    )


def pandoc_docx(
    html: str, reference: Path, lang: str, shift: int = 0, timeout: float = 120.0
) -> bytes:
    """pandoc's Word writer over an HTML page, styled by a reference document (by the
    resident pandoc: see pandoc_worker.lua, job "docx")."""
    args = [
        "--from=html",
        "--to=docx",
        f"--reference-doc={reference}",
        f"--metadata=lang:{lang}",
        "--output=-",
    ]
    if shift:
        args.append(f"--shift-heading-level-by={shift}")
    request = {"job": "docx", "reference": str(reference), "lang": lang, "shift": shift}
    tree = page_json(html.expandtabs(TAB_STOP))  # as the command line reads it
    if tree is not None:  # pandoc's reading of the page, made here: a quarter of the time
        answer = ask_resident({**request, "job": "docx-json"}, tree, timeout)
        if answer is not None:
            return answer
    return convert(request, html, args, timeout=timeout)


def custom_styles(html: str) -> str:
    """Blocks with a paragraph style of their own in Word: callouts are ``Callout``."""
    if "callout" not in html:
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for aside in root.xpath("//aside[contains(concat(' ', @class, ' '), ' callout ')]"):
        aside.tag = "div"
        aside.set("data-custom-style", "Callout")
        for title in aside.xpath("./p[@class='callout-title']"):
            strong = lxml.html.Element("strong")
            strong.text, title.text = title.text, None
            title.append(strong)
    return inner_html(root)


def docx_page(doc: Document, ctx: RenderContext) -> str:
    """The HTML page pandoc's Word writer is given for ``doc`` (images carried in it)."""
    context = article_context(doc)
    context["body_html"] = custom_styles(doc.body_html)
    page = ctx.template("docx.html", **context)
    return replace_media(page, doc, lambda r: r.data_url)


class DocxRenderer:
    name: ClassVar[str] = "docx"
    suffix: ClassVar[str] = ".docx"
    media_type: ClassVar[str] = (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )

    def render(self, doc: Document, ctx: RenderContext) -> bytes:
        reference = reference_path(ctx.brand, ctx.cache_dir)
        data = pandoc_docx(docx_page(doc, ctx), reference, doc.lang, shift=-1, timeout=ctx.timeout)
        parts = {**embed_fonts(data, ctx.brand), CORE: core_properties(doc, ctx)}
        return normalise_zip(data, ctx.moment(doc), replace=parts)
