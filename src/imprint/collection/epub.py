"""One EPUB 3 for a collection: cover, title page, contents, one document per article.

Each article keeps its own title, byline, date, standfirst and bio; its ids
are prefixed so notes and back-links work and nothing collides; images shared
by several posts are stored once. The package metadata names the editors as
creators, every article's authors as contributors, the series with the
collection's position in it (EPUB 3 ``belongs-to-collection``, and the
``calibre:series`` pair that older tools read), each article's identifier as
a ``dc:source``, and accessibility metadata drawn from all the articles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from ebooklib import epub

from ..brand.cover import CoverText, make_cover
from ..brand.templates import join_names
from ..model import Document
from ..renderers import RenderContext, article_context
from ..renderers.epub import (
    add_accessibility,
    add_cover,
    add_fonts_and_css,
    chapter_for,
    for_epub,
    new_book,
    toc_for,
    w3c,
    write_book,
)
from ..source.resources import sniff
from .ids import prefix_ids
from .manifest import Manifest


def with_prefix(doc: Document, prefix: str) -> Document:
    """The document with every id (and link to one) prefixed."""
    return replace(
        doc,
        excerpt_html=prefix_ids(doc.excerpt_html, prefix),
        body_html=prefix_ids(doc.body_html, prefix),
        references_html=prefix_ids(doc.references_html, prefix),
        authors=tuple(replace(a, bio_html=prefix_ids(a.bio_html, prefix)) for a in doc.authors),
        headings=tuple(replace(h, id=prefix + h.id) for h in doc.headings),
    )


def article_file(number: int) -> str:
    return f"article-{number:03d}.xhtml"


def cover_text(manifest: Manifest, docs: Sequence[Document]) -> CoverText:
    years = sorted({d.date.year for d in docs if d.date})
    span = (
        "" if not years else str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"
    )
    return CoverText(
        manifest.title, manifest.subtitle, manifest.editors, span, manifest.lang or docs[0].lang
    )


def collection_epub(
    manifest: Manifest, docs: Sequence[Document], ctx: RenderContext, moment: datetime
) -> bytes:
    brand = ctx.brand
    lang = manifest.lang or docs[0].lang
    book = new_book(manifest.identifier, manifest.title, lang, "ltr", brand, manifest.rights)
    for number, editor in enumerate(manifest.editors, start=1):
        book.add_author(editor, uid=f"editor{number}", role="edt")
    names = list(dict.fromkeys(name for doc in docs for name in doc.author_names))
    for number, name in enumerate(names, start=1):
        book.add_metadata("DC", "contributor", name, {"id": f"contributor{number}"})
        book.add_metadata(
            None,
            "meta",
            "aut",
            {"refines": f"#contributor{number}", "property": "role", "scheme": "marc:relators"},
        )
    dates = [d.date for d in docs if d.date]
    if dates:
        book.add_metadata("DC", "date", w3c(max(dates)))
    if manifest.description:
        book.add_metadata("DC", "description", manifest.description)
    for subject in dict.fromkeys(t for doc in docs for t in doc.tags + doc.categories):
        book.add_metadata("DC", "subject", subject)
    for doc in docs:
        book.add_metadata("DC", "source", doc.identifier)
    if manifest.series:
        book.add_metadata(
            None, "meta", manifest.series, {"property": "belongs-to-collection", "id": "series"}
        )
        book.add_metadata(
            None, "meta", "series", {"refines": "#series", "property": "collection-type"}
        )
        book.add_metadata(None, "meta", "", {"name": "calibre:series", "content": manifest.series})
        if manifest.series_number is not None:
            book.add_metadata(
                None,
                "meta",
                str(manifest.series_number),
                {"refines": "#series", "property": "group-position"},
            )
            book.add_metadata(
                None,
                "meta",
                "",
                {"name": "calibre:series_index", "content": str(manifest.series_number)},
            )
    add_accessibility(book, docs, cover_images=1)

    contents = []
    for number, doc in enumerate(docs, start=1):
        prefixed = for_epub(with_prefix(doc, f"a{number:03d}-"))
        contents.append((prefixed, ctx.template("epub-chapter.html", **article_context(prefixed))))
    title_page_html = ctx.template("partials/collection_title.html", manifest=manifest)
    css = add_fonts_and_css(book, brand, title_page_html + "".join(c for _, c in contents))

    if manifest.cover is not None:
        data = manifest.cover.read_bytes()
        kind = sniff(data)
        name = f"media/cover.{kind[1] if kind else 'png'}"
    else:
        data, name = make_cover(cover_text(manifest, docs), brand), "media/cover.jpg"
    add_cover(book, data, name, manifest.title)

    seen: set[str] = set()
    for doc in docs:
        for resource in doc.all_resources():
            if resource.name not in seen:  # a shared image is stored once
                seen.add(resource.name)
                book.add_item(
                    epub.EpubItem(
                        uid=f"media{len(seen)}",
                        file_name=resource.name,
                        media_type=resource.media_type,
                        content=resource.data,
                    )
                )

    title_page = epub.EpubHtml(title=manifest.title, file_name="titlepage.xhtml", lang=lang)
    title_page.content = title_page_html
    title_page.add_item(css)
    book.add_item(title_page)

    chapters, toc = [], [epub.Link("titlepage.xhtml", manifest.title, "titlepage")]
    for number, (doc, content) in enumerate(contents, start=1):
        href = article_file(number)
        chapter = chapter_for(doc, href, content)
        chapter.add_item(css)
        book.add_item(chapter)
        chapters.append(chapter)
        label = f"{doc.title} — {join_names(doc)}" if doc.authors else doc.title
        toc += toc_for(doc, href, label)
    book.toc = toc
    book.guide += [
        {"type": "titlepage", "href": "titlepage.xhtml", "title": manifest.title},
        {"type": "toc", "href": "nav.xhtml", "title": "Contents"},
        {"type": "bodymatter", "href": article_file(1), "title": docs[0].title},
    ]
    book.add_item(epub.EpubNcx())
    nav = epub.EpubNav(title="Contents")
    nav.add_item(css)
    book.add_item(nav)
    book.spine = ["cover", title_page, nav, *chapters]
    languages = {article_file(n): doc.lang for n, doc in enumerate(docs, start=1)}
    return write_book(book, moment, languages)
