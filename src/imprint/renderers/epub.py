"""EPUB 3 (ebooklib): one content document, a navigation document, the brand CSS.

The package is assembled with ebooklib, then its zip is rewritten with fixed
entry times (``output.normalise_zip``) so that the same input always gives
the same bytes.
"""

from __future__ import annotations

import io
import re
from datetime import UTC
from typing import ClassVar

from ebooklib import epub

from ..model import Document
from ..output import normalise_zip
from . import RenderContext, article_context, plain_excerpt

CHAPTER = "article.xhtml"
STYLESHEET = "styles/article.css"


_LINK = re.compile(r'(<a\b[^>]*?)\shref="([^"]*)"')
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def offline_links(html: str) -> str:
    """Drop the target of links to the post's old site (``/docs/``, ``../about``).

    Inside a book they lead nowhere, and EPUB checkers reject them as missing
    files; the words stay, as a link without a target. Fragments and absolute
    URLs are kept.
    """
    def fix(match: re.Match[str]) -> str:
        target = match[2]
        return match[0] if target.startswith("#") or _SCHEME.match(target) else match[1]

    return _LINK.sub(fix, html)


def w3c(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def toc_for(doc: Document, href: str) -> list:
    """The nav entries for one article: its title, with its top-level sections under it."""
    sections = [epub.Link(f"{href}#{h.id}", h.text, f"{href}-{h.id}")
                for h in doc.headings if h.level == 2]
    if not sections:
        return [epub.Link(href, doc.title, href)]
    return [(epub.Section(doc.title, href), sections)]


class EpubRenderer:
    name: ClassVar[str] = "epub"
    suffix: ClassVar[str] = ".epub"
    media_type: ClassVar[str] = "application/epub+zip"

    def render(self, doc: Document, ctx: RenderContext) -> bytes:
        brand = ctx.brand
        moment = ctx.moment(doc)
        book = epub.EpubBook()
        book.set_identifier(doc.identifier)
        book.set_title(doc.title)
        book.set_language(doc.lang)
        if doc.dir == "rtl":
            book.set_direction("rtl")
        for number, author in enumerate(doc.authors, start=1):
            book.add_author(author.name, uid=f"creator{number}")
        if doc.date:
            book.add_metadata("DC", "date", w3c(doc.date))
        description = doc.description or plain_excerpt(doc)
        if description:
            book.add_metadata("DC", "description", description)
        book.add_metadata("DC", "publisher", brand.name)
        if brand.rights:
            book.add_metadata("DC", "rights", brand.rights)
        for subject in dict.fromkeys(doc.tags + doc.categories):
            book.add_metadata("DC", "subject", subject)

        css = epub.EpubItem(uid="style", file_name=STYLESHEET, media_type="text/css",
                            content=brand.stylesheet("epub").encode("utf-8"))
        book.add_item(css)
        for number, resource in enumerate(doc.all_resources(), start=1):
            book.add_item(epub.EpubItem(uid=f"media{number}", file_name=resource.name,
                                        media_type=resource.media_type, content=resource.data))

        chapter = epub.EpubHtml(title=doc.title, file_name=CHAPTER, lang=doc.lang,
                                direction=doc.dir if doc.dir == "rtl" else None)
        chapter.content = offline_links(ctx.template("epub-chapter.html", **article_context(doc)))
        chapter.add_item(css)
        book.add_item(chapter)

        book.toc = toc_for(doc, CHAPTER)
        book.add_item(epub.EpubNcx())  # for EPUB 2 reading systems; EPUB 3 uses the nav
        book.add_item(epub.EpubNav())
        book.spine = [chapter]

        buffer = io.BytesIO()
        epub.write_epub(buffer, book, {"mtime": moment.astimezone(UTC), "epub2_guide": False,
                                       "raise_exceptions": True})
        return normalise_zip(buffer.getvalue(), moment, first="mimetype")
