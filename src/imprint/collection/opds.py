"""An OPDS 1.2 catalogue of what an output folder holds: ``OUT/opds/catalog.xml``.

The root is a navigation feed leading to acquisition feeds: every post, each
collection (the book itself, then its articles), and each author. An entry has
the title, authors, date, excerpt as summary, language, the cover and a thumbnail,
and acquisition links to the EPUB (``application/epub+zip``) and the PDF.

It is made from the files in the output folder and nothing else: posts from the
build's record of that folder (the cards the site index shows), collections from
``OUT/collections/*.epub``, and each book's cover from inside its EPUB. So every link
points at a file that exists. With ``[site] base_url`` the links are absolute (the
output folder published at that URL); without it they are relative to the feed.

``imprint build``, ``imprint collection`` and ``imprint archive`` (and the API's
``build``) each write it last, so whatever ran last, it lists what the folder then
holds. Each feed is dated from its newest entry, an empty one from the catalogue's.
It costs what changed: the catalogue is not made again while the build's record and
the collections are as they were, and an EPUB read once (its metadata, its cover and
the thumbnail made of it) is not read again while its file is unchanged. A folder with
no book in it has no catalogue.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from urllib.parse import quote, urljoin

from lxml import etree

from ..builder.cache import Manifest
from ..builder.output import write_atomic, write_if_changed
from ..builder.plan import manifest_path
from ..config import Settings, __version__
from .opds_known import Known, inputs_digest, read_epub

FOLDER = "opds"
CATALOG = "catalog.xml"
ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/terms/"
OPDS = "http://opds-spec.org/2010/catalog"
NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
ACQUIRE = "http://opds-spec.org/acquisition"
IMAGE = "http://opds-spec.org/image"
THUMBNAIL = "http://opds-spec.org/image/thumbnail"
BOOK_TYPES = {"epub": "application/epub+zip", "pdf": "application/pdf"}
THUMBNAIL_PX = 240
_ID_SPACE = uuid.UUID("6f1c5a2e-4b0e-5d8a-9c1f-0f3b6c1d2e47")  # imprint's OPDS ids


@dataclass
class Book:
    """One catalogue entry: a post or a collection."""

    key: str  # the slug; collections are prefixed "collection:"
    title: str
    authors: list[str]
    date: str | None  # ISO 8601
    summary: str
    lang: str
    identifier: str
    files: dict[str, Path]  # "epub", "pdf" -> the file
    cover: tuple[str, bytes] | None = None  # (media type, bytes) from the EPUB
    sources: list[str] = field(default_factory=list)  # a collection's article identifiers
    images: list[str] | None = None  # cover, its type, thumbnail, its type: as last made


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def _posts(out: Path, settings: Settings, known: Known) -> list[Book]:
    books = []
    for entry in Manifest.load(manifest_path(settings, out)).posts.values():
        files = {
            fmt: Path(entry.outputs[fmt].file.path)
            for fmt in BOOK_TYPES
            if fmt in entry.outputs and Path(entry.outputs[fmt].file.path).is_file()
        }
        card = entry.card
        if "epub" not in files or not card:
            continue  # the catalogue offers books: a post without its EPUB is not one
        meta = known.read(files["epub"])
        books.append(
            Book(
                card["slug"],
                card["title"],
                list(card["authors"]),
                card["date"],
                _text(card.get("excerpt_html", "")) or meta["description"],
                card["lang"],
                meta["identifier"],
                files,
                meta["cover"],
                images=meta["images"],
            )
        )
    return books


def _collections(out: Path, known: Known) -> list[Book]:
    books = []
    for epub in sorted((out / "collections").glob("*.epub")):
        meta = known.read(epub)
        files = {"epub": epub}
        if epub.with_suffix(".pdf").is_file():
            files["pdf"] = epub.with_suffix(".pdf")
        books.append(
            Book(
                f"collection:{epub.stem}",
                meta["title"],
                meta["creators"],
                meta["date"],
                meta["description"],
                meta["lang"],
                meta["identifier"],
                files,
                meta["cover"],
                meta["sources"],
                meta["images"],
            )
        )
    return books


def _newest(books: list[Book], fallback: str) -> str:
    dates = sorted(_instant(b.date) for b in books if b.date)
    return dates[-1] if dates else fallback


def _instant(value: str) -> str:
    """An Atom date (RFC 3339, UTC) from an ISO 8601 date or date-time."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _slug(text: str) -> str:
    ascii_ = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{ascii_[:60]}-{digest}" if ascii_ else digest


class Catalogue:
    """The feeds of one output folder, as bytes by file name under ``OUT/opds/``."""

    def __init__(self, out: Path, settings: Settings):
        self.out = out.resolve()
        self.folder = self.out / FOLDER
        self.base_url = settings.base_url
        self.fallback = _instant(
            datetime.fromtimestamp(settings.source_date_epoch or 0, UTC).isoformat()
        )
        self.brand = settings.brand
        self.feeds: dict[str, bytes] = {}
        self.images: dict[str, bytes] = {}
        self.kept: set[str] = set()  # images an earlier catalogue made, as they are
        self.books = 0

    # --- links ----------------------------------------------------------------------------
    def href(self, target: Path) -> str:
        """A link from a feed in OUT/opds/ to ``target`` under OUT."""
        relative = target.resolve().relative_to(self.out).as_posix()
        if self.base_url:
            return urljoin(
                self.base_url if self.base_url.endswith("/") else self.base_url + "/",
                quote(relative),
            )
        return quote(os.path.relpath(self.out / relative, self.folder).replace(os.sep, "/"))

    def feed_href(self, name: str) -> str:
        return self.href(self.folder / name)

    # --- XML ------------------------------------------------------------------------------
    @staticmethod
    def _sub(parent, tag: str, text: str | None = None, ns: str = ATOM, **attrs):
        element = etree.SubElement(
            parent, f"{{{ns}}}{tag}", {k: v for k, v in attrs.items() if v is not None}
        )
        if text is not None:
            element.text = text
        return element

    def _feed(
        self, name: str, title: str, kind: str, updated: str, up: str | None = CATALOG
    ) -> etree._Element:
        feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM, "dc": DC, "opds": OPDS})
        self._sub(feed, "id", f"urn:uuid:{uuid.uuid5(_ID_SPACE, name)}")
        self._sub(feed, "title", title)
        self._sub(feed, "updated", updated)
        self._sub(self._sub(feed, "author"), "name", "imprint")
        self._sub(feed, "generator", "imprint", version=__version__)
        self._sub(feed, "link", rel="self", href=self.feed_href(name), type=kind)
        self._sub(feed, "link", rel="start", href=self.feed_href(CATALOG), type=NAVIGATION)
        if up is not None:
            self._sub(feed, "link", rel="up", href=self.feed_href(up), type=NAVIGATION)
        return feed

    def _save(self, name: str, feed: etree._Element) -> None:
        self.feeds[name] = etree.tostring(
            feed, xml_declaration=True, encoding="utf-8", pretty_print=True
        )

    def _images(self, book: Book) -> tuple[str, str, str, str] | None:
        """Write the cover and its thumbnail beside the feeds; their links and types."""
        if book.images is not None and all(
            (self.folder / name).is_file() for name in book.images[::2]
        ):
            self.kept.update(book.images[::2])  # made from this very EPUB before
            cover, cover_type, thumb, thumb_type = book.images
            return self.feed_href(cover), cover_type, self.feed_href(thumb), thumb_type
        if book.cover is None and book.images is not None:  # its images were removed
            book.cover = read_epub(book.files["epub"])["cover"]
        if book.cover is None:
            return None
        from PIL import Image

        media_type, data = book.cover
        stem = _slug(book.key)
        suffix = {
            "image/png": ".png",
            "image/jpeg": ".jpg",
            "image/gif": ".gif",
            "image/webp": ".webp",
            "image/svg+xml": ".svg",
        }.get(media_type, ".img")
        cover = f"covers/{stem}{suffix}"
        self.images[cover] = data
        try:
            with Image.open(io.BytesIO(data)) as image:
                rgb = image.convert("RGB")
                rgb.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX * 3 // 2))
                small = io.BytesIO()
                rgb.save(small, "JPEG", quality=82, optimize=True)
        except (OSError, ValueError):  # an image Pillow cannot read: the cover serves as both
            book.images = [cover, media_type, cover, media_type]
            return (self.feed_href(cover), media_type, self.feed_href(cover), media_type)
        thumb = f"covers/{stem}-thumbnail.jpg"
        self.images[thumb] = small.getvalue()
        book.images = [cover, media_type, thumb, "image/jpeg"]
        return self.feed_href(cover), media_type, self.feed_href(thumb), "image/jpeg"

    def _entry(self, feed: etree._Element, book: Book) -> None:
        entry = self._sub(feed, "entry")
        self._sub(entry, "title", book.title)
        self._sub(entry, "id", book.identifier or f"urn:uuid:{uuid.uuid5(_ID_SPACE, book.key)}")
        self._sub(entry, "updated", _instant(book.date) if book.date else self.fallback)
        for name in book.authors:
            self._sub(self._sub(entry, "author"), "name", name)
        if book.date:
            self._sub(entry, "issued", book.date[:10], ns=DC)
        if book.lang:
            self._sub(entry, "language", book.lang, ns=DC)
        if book.summary:
            self._sub(entry, "summary", book.summary, type="text")
        images = self._images(book)
        if images is not None:
            cover, cover_type, thumb, thumb_type = images
            self._sub(entry, "link", rel=IMAGE, href=cover, type=cover_type)
            self._sub(entry, "link", rel=THUMBNAIL, href=thumb, type=thumb_type)
        for fmt, path in sorted(book.files.items()):
            self._sub(entry, "link", rel=ACQUIRE, href=self.href(path), type=BOOK_TYPES[fmt])

    def acquisition(
        self, name: str, title: str, books: list[Book], up: str = CATALOG, newest_first: bool = True
    ) -> str:
        feed = self._feed(name, title, ACQUISITION, _newest(books, self.fallback), up)
        if newest_first:
            books = sorted(books, key=lambda b: (b.date or "", b.title), reverse=True)
        for book in books:
            self._entry(feed, book)
        self._save(name, feed)
        return name

    def navigation(
        self,
        name: str,
        title: str,
        links: list[tuple[str, str, str, str]],
        updated: str,
        up: str | None = CATALOG,
    ) -> None:
        """``links``: (title, summary, feed file, its type) per entry."""
        feed = self._feed(name, title, NAVIGATION, updated, up)
        for entry_title, summary, target, kind in links:
            entry = self._sub(feed, "entry")
            self._sub(entry, "title", entry_title)
            self._sub(entry, "id", f"urn:uuid:{uuid.uuid5(_ID_SPACE, 'entry:' + target)}")
            self._sub(entry, "updated", updated)
            self._sub(entry, "content", summary, type="text")
            self._sub(entry, "link", rel="subsection", href=self.feed_href(target), type=kind)
        self._save(name, feed)


def catalogue(
    out: Path, settings: Settings, publisher: str, known: Known | None = None
) -> Catalogue:
    """Every feed of the catalogue of ``out`` (not yet written)."""
    cat = Catalogue(out, settings)
    known = known or Known({})
    posts = _posts(cat.out, settings, known)
    collections = _collections(cat.out, known)
    everything = posts + collections
    updated = _newest(everything, cat.fallback)
    cat.fallback = updated  # an empty feed, or an undated entry: the newest entry's date
    top = [
        (
            "All posts",
            f"{len(posts)} post(s), newest first",
            cat.acquisition("posts.xml", f"{publisher}: all posts", posts),
            ACQUISITION,
        )
    ]
    by_identifier = {b.identifier: b for b in posts}
    for book in collections:
        members = [by_identifier[s] for s in book.sources if s in by_identifier]
        # the book, then its articles in the book's order
        name = cat.acquisition(
            f"{_slug(book.key)}.xml", book.title, [book, *members], newest_first=False
        )
        top.append((book.title, book.summary or f"{len(members)} article(s)", name, ACQUISITION))
    authors = sorted({a for b in posts for a in b.authors}, key=str.casefold)
    author_links = [
        (
            author,
            f"Posts by {author}",
            cat.acquisition(
                f"author-{_slug(author)}.xml",
                f"Posts by {author}",
                [b for b in posts if author in b.authors],
                "authors.xml",
            ),
            ACQUISITION,
        )
        for author in authors
    ]
    cat.navigation("authors.xml", f"{publisher}: by author", author_links, updated)
    top.append(("By author", f"{len(authors)} author(s)", "authors.xml", NAVIGATION))
    cat.navigation(CATALOG, publisher, top, updated, up=None)
    for book in everything:  # the images each EPUB gave, for the next catalogue
        known.used[str(book.files["epub"])]["images"] = book.images
    cat.books = len(everything)
    return cat


def write_catalogue(out: Path, settings: Settings) -> Path:
    """Write ``OUT/opds/``: the feeds and the covers; remove feeds and covers from an
    earlier catalogue that this one no longer has. Returns the root feed's path. With
    nothing changed since the last catalogue, nothing is read or written; with no book
    in ``out``, there is no catalogue."""
    from ..brand.tokens import load_brand

    out = out.resolve()
    publisher = load_brand(settings.brand).name
    record = manifest_path(settings, out).with_suffix(".opds")
    try:
        state = json.loads(record.read_bytes())
    except (OSError, ValueError):
        state = {}
    key = inputs_digest(out, settings, publisher)
    folder = out / FOLDER
    if state.get("key") == key and (state.get("books") == 0 or (folder / CATALOG).is_file()):
        return folder / CATALOG
    known = Known(state.get("catalogue", {}))
    cat = catalogue(out, settings, publisher, known)
    if not cat.books:
        shutil.rmtree(folder, ignore_errors=True)  # a folder without books has no catalogue
    else:
        written = {**cat.feeds, **cat.images}
        for name, data in written.items():
            write_if_changed(cat.folder / name, data)
        for old in [*cat.folder.glob("*.xml"), *cat.folder.glob("covers/*")]:
            name = old.relative_to(cat.folder).as_posix()
            if name not in written and name not in cat.kept:
                old.unlink(missing_ok=True)
    data = json.dumps({"key": key, "books": cat.books, "catalogue": known.used}).encode()
    write_atomic(record, data)
    return cat.folder / CATALOG
