"""EPUB 3 (ebooklib): cover, one content document, navigation, brand CSS and fonts.

The package is assembled with ebooklib and its zip is then rewritten with
fixed entry times (``output.normalise_zip``), so the same input always gives
the same bytes. Accessibility metadata is derived from the content
(``accessibility.py``); footnotes become EPUB 3 notes with back-links, and the
navigation document carries landmarks. The pieces are functions so that a
collection (many posts, one book) assembles its EPUB from the same parts.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import ClassVar

import lxml.html
from ebooklib import epub

from ..brand.cover import make_cover
from ..brand.fonts import Face, FontKit, faces_for
from ..brand.tokens import Brand
from ..config import user_cache_dir
from ..model import Document
from . import RenderContext, article_context, plain_excerpt
from .accessibility import audit, epub_properties
from .gated import ebooklib_opf
from .zips import normalise_zip

CHAPTER = "article.xhtml"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
STYLESHEET = "styles/article.css"
COVER = "media/cover.jpg"


def w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def toc_for(doc: Document, href: str, label: str | None = None) -> list:
    """The nav entries for one article: its title (or ``label``), with its top-level
    sections under it."""
    label = label or doc.title
    sections = [
        epub.Link(f"{href}#{h.id}", h.text, f"{href}-{h.id}") for h in doc.headings if h.level == 2
    ]
    if not sections:
        return [epub.Link(href, label, href)]
    return [(epub.Section(label, href), sections)]


_OUTSIDE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)


def epub_body(html: str) -> str:
    """The body as an EPUB content document needs it.

    * pandoc's endnotes become EPUB 3 notes: ``noteref`` links to the items of an
      ``endnotes`` list (EPUB Structural Semantics 1.1 deprecates ``endnote`` and
      ``footnote`` on the items; Ace by DAISY flags a ``footnote`` item without a
      matching role, and DPUB-ARIA deprecates ``doc-endnote``). pandoc already
      writes the section's role and the back-links;
    * links to pages of the post's own web site (``/docs/``, ``../about/``) have
      nothing to point at inside the book: the words stay, the link goes.
    """
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for link in root.xpath("//a[@href]"):
        href = link.get("href", "").strip()
        if href and not href.startswith("#") and not _OUTSIDE.match(href):
            del link.attrib["href"]
            link.tag = "span"
    if "footnote-ref" not in html:
        return _serialise(root)
    for ref in root.xpath('//a[@role="doc-noteref"]'):
        ref.set("epub:type", "noteref")
    for section in root.xpath('//*[@role="doc-endnotes"]'):
        section.set("epub:type", "endnotes")
    for link in root.xpath('//a[@role="doc-backlink"]'):
        link.set("aria-label", "Back to text")
    return _serialise(root)


def chapter_for(doc: Document, file_name: str, content: str) -> epub.EpubHtml:
    """One article's content document. MathML in it is put in the MathML namespace and
    declared in the manifest (the ``mathml`` property)."""
    chapter = epub.EpubHtml(
        title=doc.title,
        file_name=file_name,
        lang=doc.lang,
        direction=doc.dir if doc.dir == "rtl" else None,
    )
    if "<math" in content:
        content = re.sub(r"<math(?![^>]*\bxmlns=)(?=[\s>])", f'<math xmlns="{MATHML_NS}"', content)
        chapter.properties.append("mathml")
    chapter.content = content
    return chapter


def for_epub(doc: Document) -> Document:
    """The document with every fragment a chapter shows made fit by :func:`epub_body`:
    the excerpt and bios may carry site links and note references too."""
    return replace(
        doc,
        excerpt_html=epub_body(doc.excerpt_html),
        body_html=epub_body(doc.body_html),
        authors=tuple(replace(a, bio_html=epub_body(a.bio_html)) for a in doc.authors),
    )


def _serialise(root) -> str:
    parts = [lxml.html.tostring(child, encoding="unicode") for child in root]
    return (root.text or "") + "".join(parts)


def new_book(
    identifier: str, title: str, lang: str, direction: str, brand: Brand, rights: str | None = None
) -> epub.EpubBook:
    book = epub.EpubBook()
    book.set_identifier(identifier)
    book.set_title(title)
    book.set_language(lang)
    if direction == "rtl":
        book.set_direction("rtl")
    book.add_metadata("DC", "publisher", brand.name)
    if rights or brand.rights:
        book.add_metadata("DC", "rights", rights or brand.rights)
    return book


def add_accessibility(book: epub.EpubBook, docs: Sequence[Document], cover_images: int) -> None:
    for prop, value in epub_properties(audit(docs), extra_images=cover_images):
        book.add_metadata(None, "meta", value, {"property": prop})


def add_fonts_and_css(book: epub.EpubBook, brand: Brand, html: str) -> epub.EpubItem:
    """The brand stylesheet, with the web-font faces ``html`` uses embedded in the book."""
    kit = FontKit(brand, user_cache_dir())
    faces = faces_for(html)
    for face in faces:
        book.add_item(
            epub.EpubItem(
                uid=f"font-{face.key}",
                file_name=_font_path(kit, face),
                media_type="font/woff2",
                content=kit.data(face),
            )
        )
    css_text = kit.css(faces, lambda face: "../" + _font_path(kit, face)) + brand.stylesheet("epub")
    css = epub.EpubItem(
        uid="style", file_name=STYLESHEET, media_type="text/css", content=css_text.encode("utf-8")
    )
    book.add_item(css)
    return css


def _font_path(kit: FontKit, face: Face) -> str:
    return f"fonts/{kit.file_name(face)}"


def add_cover(book: epub.EpubBook, data: bytes, name: str, title: str) -> None:
    """``data`` (an image) as the book's cover image and cover page."""
    book.set_cover(name, data, create_page=True)
    cover_page = book.get_item_with_id("cover")
    cover_page.title = title
    book.guide.append({"type": "cover", "href": "cover.xhtml", "title": "Cover"})


def cover_of(doc: Document, brand: Brand) -> tuple[bytes, str]:
    """The post's hero image, or a cover made from the brand."""
    if doc.image is not None:
        return doc.image.data, doc.image.name.replace("media/", "media/cover-")
    return make_cover(doc, brand), COVER


NAV_NAME = "EPUB/nav.xhtml"
_XHTML = "{http://www.w3.org/1999/xhtml}"
_EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def labelled_nav(nav: bytes, book_lang: str, languages: dict[str, str]) -> bytes:
    """The navigation document with ids that say what each list is (``toc``,
    ``landmarks``) and, on each entry whose article is in another language than the
    book, that language and its direction, so a reader voices and lays it out right.
    ``languages`` maps an article's file name to its language."""
    from lxml import etree

    from ..model import RTL_LANGUAGES

    root = etree.fromstring(nav)
    for element in root.iter(f"{_XHTML}nav"):
        kind = element.get(_EPUB_TYPE)
        if kind:
            element.set("id", kind)
    book_dir = "rtl" if book_lang.split("-")[0].lower() in RTL_LANGUAGES else "ltr"
    for item in root.iter(f"{_XHTML}li"):
        link = item.find(f"{_XHTML}a")
        if link is None:
            link = item.find(f"{_XHTML}span")
        href = link.get("href", "") if link is not None else ""
        lang = languages.get(href.split("#")[0])
        if not lang or lang == book_lang:
            continue
        item.set("lang", lang)
        item.set(_XML_LANG, lang)
        direction = "rtl" if lang.split("-")[0].lower() in RTL_LANGUAGES else "ltr"
        if direction != book_dir:
            item.set("dir", direction)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def write_book(
    book: epub.EpubBook, moment: datetime, languages: dict[str, str] | None = None
) -> bytes:
    """The book as a reproducible EPUB; ``languages`` (article file -> language) marks
    the navigation entries of articles in another language than the book's."""
    buffer = io.BytesIO()
    # ebooklib only stores here (level 0): normalise_zip compresses once, at the end
    # the book's language on the OPF package element (ebooklib_opf)
    writer = ebooklib_opf.writer_class()(
        buffer,
        book,
        {
            "mtime": moment.astimezone(UTC),
            "epub2_guide": False,
            "compresslevel": 0,
            "epub3_landmark": True,
            "landmark_title": "Landmarks",
            "epub3_pages": False,
            "raise_exceptions": True,
        },
    )
    writer.process()
    writer.write()
    import zipfile

    data = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as written:
        nav = written.read(NAV_NAME) if NAV_NAME in written.namelist() else None
    fixed = {NAV_NAME: labelled_nav(nav, book.language, languages or {})} if nav else {}
    return normalise_zip(data, moment, first="mimetype", replace=fixed)


class EpubRenderer:
    name: ClassVar[str] = "epub"
    suffix: ClassVar[str] = ".epub"
    media_type: ClassVar[str] = "application/epub+zip"

    def render(self, doc: Document, ctx: RenderContext) -> bytes:
        brand = ctx.brand
        book = new_book(doc.identifier, doc.title, doc.lang, doc.dir, brand)
        for number, author in enumerate(doc.authors, start=1):
            book.add_author(author.name, uid=f"creator{number}")
        if doc.date:
            book.add_metadata("DC", "date", w3c(doc.date))
        description = doc.description or plain_excerpt(doc)
        if description:
            book.add_metadata("DC", "description", description)
        for subject in dict.fromkeys(doc.tags + doc.categories):
            book.add_metadata("DC", "subject", subject)
        add_accessibility(book, [doc], cover_images=1)

        content = ctx.template("epub-chapter.html", **article_context(for_epub(doc)))
        css = add_fonts_and_css(book, brand, content)
        add_cover(book, *cover_of(doc, brand), doc.title)
        for number, resource in enumerate(doc.all_resources(), start=1):
            book.add_item(
                epub.EpubItem(
                    uid=f"media{number}",
                    file_name=resource.name,
                    media_type=resource.media_type,
                    content=resource.data,
                )
            )

        chapter = chapter_for(doc, CHAPTER, content)
        chapter.add_item(css)
        book.add_item(chapter)
        book.guide.append({"type": "bodymatter", "href": CHAPTER, "title": doc.title})

        book.toc = toc_for(doc, CHAPTER)
        book.add_item(epub.EpubNcx())  # for EPUB 2 reading systems; EPUB 3 uses the nav
        nav = epub.EpubNav(title="Contents")
        nav.add_item(css)
        book.add_item(nav)
        book.guide.insert(1, {"type": "toc", "href": "nav.xhtml", "title": "Contents"})
        book.spine = ["cover", chapter, nav]
        return write_book(book, ctx.moment(doc))
