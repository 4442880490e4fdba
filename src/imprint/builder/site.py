"""The site a build leaves in the output folder, around the posts' own outputs.

After the jobs, :func:`finish` works from the cache manifest (so posts this
build skipped count as much as those it built):

* the brand's shared assets and every post's images under ``html/assets/``,
  named by their bytes; assets no page refers to any more are removed;
* each site page's navigation, between the markers the HTML renderer left:
  its other editions with their sizes, the previous and next posts by date, and
  its tags and categories;
* ``index.html``, paginated (``page/2.html`` …), and a page per tag and category;
* ``feed.xml`` (Atom, written with feedgen) and ``sitemap.xml``, when
  ``[site] base_url`` says where the site lives;
* the Pagefind search index (``pagefind/<shard>/``) and ``search.html``.

Every file is written only when its bytes change, through a temporary file and
a rename, so an unchanged site is left untouched and a reader never sees half
a file.

The pass costs what changed, not what the site holds: each index and topic page,
the feed, the sitemap and each search shard is recorded (in the build's cache,
beside the manifest) with a digest of what it is made from, and is laid out again
only when that digest changes or the file is not as it was left. A page's
navigation is likewise filled in again only when what it shows changes. Search is
indexed in stable shards, each post's page in the shard its name hashes to, and the
search page merges them; an edit re-indexes one shard of a few hundred pages.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..brand.templates import render
from ..config import FORMATS, __version__
from ..errors import ToolError
from ..normalise.metadata import clean_slug
from ..renderers.html import ASSETS, SITE_NAV, site_assets
from .cache import FileStamp, Manifest, card_digest
from .output import TMP_PREFIX, write_atomic, write_if_changed
from .project import Project

LOGGER = logging.getLogger("imprint.site")
INDEX_TEMPLATE = "index.html"
# by format: the link's type attribute (kept here so the index imports no renderer)
MEDIA_TYPES = {
    "html": "text/html",
    "pdf": "application/pdf",
    "epub": "application/epub+zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
LABELS = {"html": "Web page", "pdf": "PDF", "epub": "EPUB", "docx": "Word"}
ATOM_NS = "http://www.w3.org/2005/Atom"
SEARCH = "pagefind"  # the search index's folder: one Pagefind bundle per shard inside
# what a search shard that is not the first needs: its index, not Pagefind's scripts
SHARD_UI = ("*.js", "*.css", "wasm.*")
STATE_FORMAT = 1


@dataclass
class Post:
    """One post as the site sees it: its index card and its outputs on disk."""

    source: str
    card: dict[str, Any]
    files: dict[str, str]  # format -> its file (a string: an archive has tens of thousands)
    sizes: dict[str, int]

    @functools.cached_property
    def outputs(self) -> dict[str, Path]:
        """Format -> its file, for the posts a pass lays out anything of."""
        return {fmt: Path(file) for fmt, file in self.files.items()}

    @functools.cached_property
    def names(self) -> dict[str, str]:
        return {fmt: os.path.basename(file) for fmt, file in self.files.items()}

    def name(self, fmt: str) -> str:
        return self.names[fmt]

    @property
    def date(self) -> str:
        return self.card.get("date") or ""

    @functools.cached_property
    def card_digest(self) -> str:
        """Of the post's index card: made with the card (a card recorded before the
        digest was, is digested here)."""
        return self.card.get("digest") or card_digest(self.card)

    @functools.cached_property
    def digest(self) -> str:
        """Of what an index entry shows of the post (asked for once its page's size is
        final, after the navigation is filled in)."""
        sizes = self.sizes
        shown = "\x1f".join(
            [
                self.card_digest,
                *(
                    f"{fmt}\x1e{file}\x1e{human_size(sizes[fmt])}"
                    for fmt, file in self.files.items()
                ),
            ]
        )
        return hashlib.sha256(shown.encode()).hexdigest()


@dataclass
class Written:
    """What the site pass changed: for the report, and to know whether to re-index."""

    files: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    stamps: dict[Path, FileStamp] = field(default_factory=dict)  # rewritten HTML pages
    skipped: bool = False  # nothing to do: the site was as this build would make it
    rendered: list[Path] = field(default_factory=list)  # index, topic, feed pages laid out
    indexed: list[Path] = field(default_factory=list)  # search shards indexed anew
    saved: bool = False  # the manifest was written again after the pass


def _write(path: Path, data: bytes, written: Written) -> None:
    if write_if_changed(path, data):
        written.files.append(path)


def human_size(size: int) -> str:
    if size < 1000 * 1000:
        return f"{max(1, round(size / 1000))} KB"
    return f"{size / 1000 / 1000:.1f} MB"


def _posts(
    out: Path, manifest: Manifest, present: set[str] | frozenset[str] = frozenset()
) -> list[Post]:
    """Posts that still have outputs, newest first (title breaks ties). ``present``: files
    the build has just seen or written, not looked for again."""
    posts = []
    isfile = os.path.isfile
    for source, entry in manifest.posts.items():
        files = {}
        for fmt in FORMATS:
            built = entry.outputs.get(fmt)
            if built is not None and (built.file.path in present or isfile(built.file.path)):
                files[fmt] = built.file.path
        if files and entry.card:
            sizes = {fmt: entry.outputs[fmt].file.size for fmt in files}
            posts.append(Post(source, entry.card, files, sizes))
    posts.sort(key=lambda p: p.card["title"].casefold())
    undated = datetime.min.replace(tzinfo=UTC)
    posts.sort(
        key=lambda p: datetime.fromisoformat(p.date) if p.date else undated, reverse=True
    )  # stable: title breaks ties
    return posts


def _order(posts: list[Post], base: str) -> str:
    """A digest of what each post shows on other pages than its own, in site order: its
    place, its outputs' files (links, the search shard), its title (its neighbours'
    navigation), its dates (the sitemap) and its topics (which topic pages list it);
    and of ``base``, what every page depends on (settings, brand, versions). What a
    post shows in its own entries (excerpt, sizes) is not here: that changes only with
    its manifest entry, which the pass then knows was touched."""
    shown = [base]
    for post in posts:
        card = post.card
        shown.append(
            f"{post.source}\x1e{post.files}\x1e{card.get('title_html')}\x1e"
            f"{card.get('date')}\x1e{card.get('modified')}\x1e{card.get('tags')}\x1e"
            f"{card.get('categories')}"
        )
    return hashlib.sha256("\x1f".join(shown).encode()).hexdigest()


def _href(target: Path, page: Path) -> str:
    """A relative link from the page at ``page`` to ``target``, for any host and file://."""
    return quote(Path(os.path.relpath(target, page.parent)).as_posix())


@functools.lru_cache(maxsize=65536)
def _term_page(out: Path, kind: str, term: str) -> Path:
    return out / kind / f"{clean_slug(term) or 'untitled'}.html"


def _entries(posts: list[Post], page: Path) -> list[dict[str, Any]]:
    return [
        {
            **p.card,
            "links": {fmt: _href(path, page) for fmt, path in p.outputs.items()},
            "sizes": {fmt: human_size(size) for fmt, size in p.sizes.items()},
        }
        for p in posts
    ]


class Site:
    def __init__(
        self,
        out: Path,
        manifest: Manifest,
        project: Project,
        base: str = "",
        known: dict[str, list[Any]] | None = None,
        present: set[str] | frozenset[str] = frozenset(),
        order: str = "",
    ):
        self.out, self.manifest, self.project = out, manifest, project
        self.settings = project.settings
        self.mode = self.settings.html_mode or "site"
        self.present = present
        self.posts: list[Post] = []  # see run
        self.written = Written()
        # each page this pass made: [digest of its inputs, size, mtime_ns]; ``known``
        # is the record of the last pass, ``base`` what every page depends on
        self.base, self.known = base, known or {}
        # When what each post shows on other pages than its own (see _order) is as the
        # last pass left it (``order``), only the pages of posts changed since (the
        # manifest's touched ones) can have changed: the others are kept without being
        # looked at again, if their files are as that pass left them (see carry).
        self.last_order, self.order, self.settled = order, "", False
        self.made: dict[str, list[Any]] = {}
        self.index_pages: list[str] = []  # index and topic pages, relative to ``out``
        self.assets = site_assets(project.brand) if self.mode == "site" else {}
        self.stylesheet = out / "html" / ASSETS / next(iter(self.assets)) if self.assets else None

    def run(self, meanwhile: Callable[[], None] | None = None) -> Path:
        """Lay out what changed; the first index page. ``meanwhile`` is called once the
        rest is done, while the search index may still be in the making."""
        # Pagefind indexes each page's article alone, never the navigation filled in
        # below (a new file in its place; the index reads the one it was given), so it
        # starts first, from the manifest, and runs while the rest of the site is laid out
        search = self.start_search()
        try:
            self.posts = _posts(self.out, self.manifest, self.present)
            self.order = _order(self.posts, self.base)
            self.settled = self.last_order == self.order and bool(self.known)
            if self.mode == "site" and search is not None:
                self.write_assets()
                self.fill_navigation()
            index = self.write_indexes()
            self.write_feed_and_sitemap()
            if meanwhile is not None:
                meanwhile()
        finally:
            if search is not None:
                self.finish_search(*search)
        return index

    # --- the shared assets ------------------------------------------------------------------
    def write_assets(self) -> None:
        folder = self.out / "html" / ASSETS
        wanted = dict(self.assets)
        for post in self.posts:
            wanted.update(dict.fromkeys(post.card.get("media", []), b""))
        for name, data in self.assets.items():
            if not (folder / name).is_file():
                write_atomic(folder / name, data)
                self.written.files.append(folder / name)
        if folder.is_dir():
            for stale in folder.iterdir():
                if stale.name not in wanted and not stale.name.startswith(TMP_PREFIX):
                    stale.unlink()
                    self.written.removed.append(stale)

    # --- each page's navigation ------------------------------------------------------------------
    def nav(self, post: Post, newer: Post | None, older: Post | None) -> str:
        page = post.outputs["html"]
        editions = "".join(
            f'<li><a href="{_href(path, page)}" type="{MEDIA_TYPES[fmt]}">{LABELS[fmt]}</a> '
            f'<span class="size">{human_size(post.sizes[fmt])}</span></li>'
            for fmt, path in post.outputs.items()
            if fmt != "html"
        )
        parts = ['<nav class="site-nav" aria-label="This post elsewhere" data-pagefind-ignore>']
        if editions:
            parts.append(f'<p class="label">Download</p><ul class="editions">{editions}</ul>')
        terms = [
            (kind, term)
            for kind, field_ in (("tags", "tags"), ("categories", "categories"))
            for term in post.card.get(field_, [])
        ]
        if terms:
            links = "".join(
                f'<li><a rel="tag" href="{_href(_term_page(self.out, k, t), page)}">'
                f"{escape(t)}</a></li>"
                for k, t in terms
            )
            parts.append(f'<p class="label">Topics</p><ul class="terms">{links}</ul>')
        pager = []
        for rel, word, other in (("prev", "Previous", older), ("next", "Next", newer)):
            if other is not None:
                href = _href(other.outputs["html"], page)
                pager.append(
                    f'<li class="{rel}"><a rel="{rel}" href="{href}">'
                    f"{word}: {other.card['title_html']}</a></li>"
                )
        pager.append(f'<li><a href="{_href(self.out / INDEX_TEMPLATE, page)}">All posts</a></li>')
        pager.append(f'<li><a href="{_href(self.out / "search.html", page)}">Search</a></li>')
        parts.append(f'<ul class="pager">{"".join(pager)}</ul>')
        parts.append("</nav>")
        return "".join(parts)

    def fill_navigation(self) -> None:
        """Each page's navigation, laid out only where what it shows changed: the page's
        editions and sizes, its topics, and its neighbours' titles and pages."""
        start, end = SITE_NAV
        pages = [post for post in self.posts if "html" in post.files]
        for number, post in enumerate(pages):
            if self.settled and post.source not in self.manifest.touched:
                continue  # its page, its neighbours' names and titles: as last time
            entry = self.manifest.posts[post.source]
            newer = pages[number - 1] if number else None
            older = pages[number + 1] if number + 1 < len(pages) else None
            # what the navigation shows: the post's editions and sizes, its topics (in
            # its card), and its neighbours' pages and titles
            sizes = post.sizes
            shown = "\x1f".join(
                [
                    post.card_digest,
                    *(
                        f"{fmt}\x1e{file}\x1e{human_size(sizes[fmt])}"
                        for fmt, file in post.files.items()
                        if fmt != "html"
                    ),
                    *(
                        f"{p.files['html']}\x1e{p.card['title_html']}" if p else ""
                        for p in (newer, older)
                    ),
                ]
            )
            digest = hashlib.sha256(shown.encode()).hexdigest()
            if entry.site == digest:
                continue  # the page holds this navigation already
            page = post.outputs["html"]
            nav = self.nav(post, newer, older)
            text = page.read_text(encoding="utf-8")
            head, found, rest = text.partition(start)
            _, closed, tail = rest.partition(end)
            if not (found and closed):
                continue  # a standalone page: nothing to fill
            _write(page, f"{head}{start}{nav}{end}{tail}".encode(), self.written)
            built = entry.outputs["html"]
            built.file = FileStamp.of(page)
            post.sizes["html"] = built.file.size  # what the index pages show
            entry.site = digest
            self.manifest.changed(post.source)
            self.written.stamps[page] = built.file

    # --- index pages -------------------------------------------------------------------------
    def unchanged(self, page: Path, *inputs: Any) -> bool:
        """Whether ``page`` is as the last pass left it and made from the same
        ``inputs``; records the page for the next pass either way (see :meth:`made_page`)."""
        name = page.relative_to(self.out).as_posix()
        digest = hashlib.sha256(repr((self.base, name, inputs)).encode()).hexdigest()
        self.made[name] = [digest]
        return self.carry(page, digest)

    def moved(self, posts: list[Post]) -> bool:
        """Whether any of ``posts`` may show differently than at the last pass."""
        touched = self.manifest.touched
        return not self.settled or any(post.source in touched for post in posts)

    def carry(self, page: Path, digest: str | None = None) -> bool:
        """Keep ``page`` as the last pass recorded it, if its file is still as it was (and
        it was made from inputs of ``digest``, if given)."""
        name = page.relative_to(self.out).as_posix()
        known = self.known.get(name)
        if not known or len(known) != 3 or digest not in (None, known[0]):
            return False
        try:
            info = page.stat()
        except OSError:
            return False
        if [info.st_size, info.st_mtime_ns] != known[1:]:
            return False
        self.made[name] = known
        return True

    def made_page(self, page: Path) -> None:
        """Record the stamp of a page just laid out (written or found equal)."""
        name = page.relative_to(self.out).as_posix()
        info = page.stat()
        self.made[name] = [self.made[name][0], info.st_size, info.st_mtime_ns]
        self.written.rendered.append(page)

    def index_page(
        self, page: Path, posts: list[Post], title: str | None, pager: dict[str, str]
    ) -> None:
        brand = self.project.brand
        root = Path(os.path.relpath(self.out, page.parent)).as_posix()  # "." or ".."
        data = self._render(
            INDEX_TEMPLATE,
            version=__version__,
            lang=self.settings.lang,
            stylesheet=_href(self.stylesheet, page) if self.stylesheet else None,
            css=None if self.stylesheet else brand.stylesheet("screen"),
            logo_src=self._logo(page),
            posts=_entries(posts, page),
            heading=title,
            labels=LABELS,
            types=MEDIA_TYPES,
            pager=pager,
            search=_href(self.out / "search.html", page),
            home=f"{root}/index.html",
        )
        _write(page, data.encode("utf-8"), self.written)
        self.made_page(page)

    def _render(self, template: str, **context: Any) -> str:
        return render(
            self.settings.templates,
            template,
            self.settings.user_cache_dir,
            brand=self.project.brand,
            **context,
        )

    def _logo(self, page: Path) -> str | None:
        logo = next((n for n in self.assets if n.startswith("logo.")), None)
        if logo is not None:
            return _href(self.out / "html" / ASSETS / logo, page)
        return self.project.brand.logo_data_url()

    def write_indexes(self) -> Path:
        """The index (``index.html``, ``page/<n>.html``) and a page per tag and category
        (``tags/<tag>.html``, ``tags/<tag>/<n>.html``), each ``page_size`` posts long."""
        pages = self.paginated(self.posts, self.out / INDEX_TEMPLATE, self.out / "page", None)
        keep = set(pages)
        for kind, label in (("tags", "Tag"), ("categories", "Category")):
            terms: dict[Path, tuple[str, list[Post]]] = {}
            for post in self.posts:
                for term in post.card.get(kind, []):
                    terms.setdefault(_term_page(self.out, kind, term), (term, []))[1].append(post)
            for page, (term, posts) in sorted(terms.items()):
                keep.update(self.paginated(posts, page, page.with_suffix(""), f"{label}: {term}"))
        for folder in (self.out / "page", self.out / "tags", self.out / "categories"):
            for stale in sorted(folder.rglob("*.html")) if folder.is_dir() else []:
                if stale not in keep:
                    stale.unlink()
                    self.written.removed.append(stale)
            for empty in sorted(folder.glob("*/"), reverse=True) if folder.is_dir() else []:
                if empty.is_dir() and not any(empty.iterdir()):
                    empty.rmdir()
        self.index_pages = [p.relative_to(self.out).as_posix() for p in sorted(keep)]
        return pages[0]

    def paginated(
        self, posts: list[Post], first: Path, more: Path, title: str | None
    ) -> list[Path]:
        """``posts`` on ``first`` and, past ``page_size``, on ``more/2.html`` …"""
        size = self.settings.page_size
        chunks = [posts[i : i + size] for i in range(0, len(posts), size)] or [[]]
        pages = [first] + [more / f"{n}.html" for n in range(2, len(chunks) + 1)]
        for number, (page, chunk) in enumerate(zip(pages, chunks, strict=True)):
            heading = title if number == 0 else f"{title or 'Posts'}, page {number + 1}"
            if not self.moved(chunk) and self.carry(page):
                continue  # nothing on it changed since the last pass
            if self.unchanged(page, heading, number, len(pages), [p.digest for p in chunk]):
                continue  # the same posts, shown the same: not laid out again
            pager = {}
            if number > 0:
                pager["prev"] = _href(pages[number - 1], page)
            if number + 1 < len(pages):
                pager["next"] = _href(pages[number + 1], page)
            self.index_page(page, chunk, heading, pager)
        return pages

    # --- feed and sitemap ------------------------------------------------------------------
    def _url(self, path: Path) -> str:
        base = (self.settings.base_url or "").rstrip("/")
        return f"{base}/{quote(path.relative_to(self.out).as_posix())}"

    def write_feed_and_sitemap(self) -> None:
        feed, sitemap = self.out / "feed.xml", self.out / "sitemap.xml"
        if not self.settings.base_url:
            if self.posts:
                LOGGER.warning(
                    "feed.xml and sitemap.xml skipped: they need absolute links; "
                    "set [site] base_url in imprint.toml"
                )
            return
        latest = [p for p in self.posts if p.date][: self.settings.feed_size]
        shown = [
            (p.digest, p.sizes.get("pdf"), self._page_sha(p) if self.settings.feed_full else None)
            for p in latest
        ]
        if not self.unchanged(feed, shown):
            _write(feed, self.feed(), self.written)
            self.made_page(feed)
        if self.settled and self.carry(sitemap):
            return  # its pages, their names and dates: as last time
        pages = [
            (p.name("html"), p.card.get("modified") or p.date)
            for p in self.posts
            if "html" in p.files
        ]
        if not self.unchanged(sitemap, pages, self.index_pages):
            _write(sitemap, self.sitemap(), self.written)
            self.made_page(sitemap)

    def _page_sha(self, post: Post) -> str:
        return self.manifest.posts[post.source].outputs["html"].file.sha256

    def feed(self) -> bytes:
        from feedgen.feed import FeedGenerator

        brand = self.project.brand
        generator = FeedGenerator()
        generator.id(self._url(self.out / INDEX_TEMPLATE))
        generator.title(brand.series or brand.name)
        generator.author({"name": brand.name})
        generator.link(href=self._url(self.out / "feed.xml"), rel="self")
        generator.link(href=self._url(self.out / INDEX_TEMPLATE), rel="alternate")
        generator.language(self.settings.lang)
        generator.generator("imprint", __version__)
        latest = [p for p in self.posts if p.date][: self.settings.feed_size]
        newest = max((_moment(p) for p in latest), default=datetime.fromtimestamp(0, UTC))
        generator.updated(newest)
        for post in reversed(latest):  # feedgen puts the last added first
            entry = generator.add_entry()
            card = post.card
            entry.id(card.get("identifier") or self._url(next(iter(post.outputs.values()))))
            entry.title(card["title"])
            for name in card.get("authors", []):
                entry.author({"name": name})
            entry.published(datetime.fromisoformat(card["date"]))
            entry.updated(_moment(post))
            if "html" in post.outputs:
                entry.link(href=self._url(post.outputs["html"]), rel="alternate")
            if card.get("excerpt_html"):
                entry.summary(card["excerpt_html"], type="html")
            if self.settings.feed_full and "html" in post.outputs:
                entry.content(_article(post.outputs["html"]), type="html")
            if "pdf" in post.outputs:
                entry.link(
                    href=self._url(post.outputs["pdf"]),
                    rel="enclosure",
                    type=MEDIA_TYPES["pdf"],
                    length=str(post.sizes["pdf"]),
                )
            for term in card.get("tags", []) + card.get("categories", []):
                entry.category(term=term)
        return _with_link_attributes(generator.atom_str(pretty=True), self._links(latest))

    def _links(self, posts: list[Post]) -> dict[str, dict[str, str]]:
        """Each entry link's attributes, by its address."""
        links = {}
        for post in posts:
            if "html" in post.outputs:
                links[self._url(post.outputs["html"])] = {
                    "rel": "alternate",
                    "type": MEDIA_TYPES["html"],
                }
            if "pdf" in post.outputs:
                links[self._url(post.outputs["pdf"])] = {
                    "rel": "enclosure",
                    "type": MEDIA_TYPES["pdf"],
                    "length": str(post.sizes["pdf"]),
                }
        return links

    def sitemap(self) -> bytes:
        lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        ]
        newest = max((_moment(p) for p in self.posts if p.date), default=None)
        pages: list[tuple[Path, datetime | None]] = [
            (p.outputs["html"], _moment(p) if p.date else None)
            for p in self.posts
            if "html" in p.outputs
        ]
        for name in self.index_pages:
            pages.append((self.out / name, newest))
        for path, moment in pages:
            lastmod = f"<lastmod>{moment.isoformat()}</lastmod>" if moment else ""
            lines.append(f"<url><loc>{escape(self._url(path))}</loc>{lastmod}</url>")
        lines.append("</urlset>\n")
        return "\n".join(lines).encode("utf-8")

    # --- search -------------------------------------------------------------------------------
    def start_search(
        self,
    ) -> tuple[threading.Thread, list[Path], list[int], list[BaseException]] | None:
        """Start indexing, in a thread, the search shards (``pagefind/<n>/``) whose pages
        changed; :meth:`finish_search` waits for it. None: the site has no pages."""
        isfile, present = os.path.isfile, self.present
        # a page's article is what its cache key and the files it shows (its images, by
        # their bytes) say it is; its navigation is not indexed, so a neighbour's new
        # title does not index the shard again
        pages = [
            (
                os.path.basename(built.file.path),
                built.file.path,
                f"{built.key}|{'|'.join(d.sha256 for d in entry.dependencies)}",
            )
            for entry in self.manifest.posts.values()
            if entry.card
            and (built := entry.outputs.get("html")) is not None
            and (built.file.path in present or isfile(built.file.path))
        ]
        if not pages:
            return None
        count = shard_count(len(pages), self.settings.search_shard_size)
        shards: dict[int, list[tuple[str, str, str]]] = {}
        for page in pages:
            shards.setdefault(shard_of(page[0], count), []).append(page)
        order = sorted(shards)
        todo: list[tuple[Path, list[Path], bool]] = []
        for number in order:
            bundle = self.out / SEARCH / str(number)
            members = sorted((name, key) for name, _, key in shards[number])
            primary = number == order[0]  # the bundle with Pagefind's scripts
            if not self.unchanged(bundle / "pagefind-entry.json", primary, members):
                todo.append((bundle, sorted(Path(file) for _, file, _ in shards[number]), primary))
        failed: list[BaseException] = []

        def index() -> None:
            try:
                for bundle, files, primary in todo:
                    _pagefind(self.out, bundle, files, scripts=primary)
            except BaseException as exc:
                failed.append(exc)

        thread = threading.Thread(target=index, name="imprint-search", daemon=True)
        thread.start()
        return thread, [bundle for bundle, _, _ in todo], order, failed

    def finish_search(
        self,
        thread: threading.Thread,
        indexed: list[Path],
        order: list[int],
        failed: list[BaseException],
    ) -> None:
        """Wait for the shards being indexed; remove shards no longer made; write
        ``search.html``, which merges the shards."""
        thread.join()
        if failed:
            raise failed[0]
        for bundle in indexed:
            self.made_page(bundle / "pagefind-entry.json")
            self.written.files.append(bundle)
            self.written.indexed.append(bundle)
        folder = self.out / SEARCH
        wanted = {str(n) for n in order}
        for stale in sorted(folder.iterdir()) if folder.is_dir() else []:
            if stale.name not in wanted:  # a shard no longer made, or an older layout
                shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
                self.written.removed.append(stale)
        page = self.out / "search.html"
        data = self._render(
            "search.html",
            version=__version__,
            lang=self.settings.lang,
            stylesheet=_href(self.stylesheet, page) if self.stylesheet else None,
            css=None if self.stylesheet else self.project.brand.stylesheet("screen"),
            logo_src=self._logo(page),
            home="index.html",
            bundles=[f"{SEARCH}/{n}/" for n in order],
        )
        _write(page, data.encode("utf-8"), self.written)


def shard_count(pages: int, size: int) -> int:
    """How many search shards ``pages`` pages are indexed in: a power of two, so that a
    shard holds at most ``size`` pages (and, past one shard, at least half as many).
    The count depends on the number of pages alone, so equal sites give equal shards."""
    if pages <= size:
        return 1
    return 2 ** math.ceil(math.log2(pages / size))


def shard_of(name: str, count: int) -> int:
    """The shard of the page named ``name``: stable while the shard count stays."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:12], 16) % count


def _pagefind(out: Path, bundle: Path, pages: list[Path], scripts: bool) -> None:
    """Index ``pages`` (their ``data-pagefind-body``: title, byline, excerpt, body) into a
    folder beside ``bundle``, then swap it in whole. ``scripts``: keep Pagefind's
    scripts and WebAssembly (the search page loads them from the first shard; the
    others need only their index)."""
    fresh = out / f"{TMP_PREFIX}pagefind"
    shutil.rmtree(fresh, ignore_errors=True)
    site, pattern = out, _shard_glob(out, pages)
    if pattern is None:  # names a glob cannot spell: the shard's pages, linked apart
        site, pattern = out / f"{TMP_PREFIX}pagefind-site", "html/*.html"
        shutil.rmtree(site, ignore_errors=True)
        (site / "html").mkdir(parents=True)
        for page in pages:  # at the same addresses as on the site
            try:
                os.link(page, site / "html" / page.name)
            except OSError:
                shutil.copyfile(page, site / "html" / page.name)
    command = [
        *_pagefind_command(),
        "--site",
        str(site),
        "--glob",
        pattern,
        "--output-path",
        str(fresh),
        "--silent",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolError(f"pagefind could not run: {exc}", out) from None
    finally:
        if site != out:
            shutil.rmtree(site, ignore_errors=True)
    if done.returncode != 0:
        shutil.rmtree(fresh, ignore_errors=True)
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise ToolError(f"pagefind failed: {lines[-1] if lines else done.returncode}", out)
    # Pagefind lists a multilingual site's languages in no fixed order: sort them, so
    # equal pages give an equal index
    entry = fresh / "pagefind-entry.json"
    if entry.is_file():
        data = json.loads(entry.read_text(encoding="utf-8"))
        entry.write_text(
            json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
            encoding="utf-8",
        )
    if not scripts:
        for pattern in SHARD_UI:
            for script in fresh.glob(pattern):
                script.unlink()
    old = out / f"{TMP_PREFIX}pagefind-old"
    shutil.rmtree(old, ignore_errors=True)
    if bundle.exists():
        bundle.rename(old)
    bundle.parent.mkdir(parents=True, exist_ok=True)
    fresh.rename(bundle)
    shutil.rmtree(old, ignore_errors=True)


@functools.cache
def _pagefind_command() -> list[str]:
    """Pagefind's binary, run directly (its ``python -m pagefind`` starts Python to find
    it), or that command where the binary is not where pagefind[bin] puts it."""
    try:
        from pagefind_bin import get_executable

        return [str(get_executable())]
    except (ImportError, OSError):
        return [sys.executable, "-m", "pagefind"]


GLOB_NAME = re.compile(r"[\w-]+\.html")  # what clean_slug makes: no glob syntax in it
GLOB_MAX = 100_000  # characters: a command-line argument may hold 128 KiB on Linux


def _shard_glob(out: Path, pages: list[Path]) -> str | None:
    """A glob naming exactly ``pages`` (``html/{a.html,b.html}``), so Pagefind reads them
    where they are, with nothing linked or copied; None if a name would need escaping."""
    folder = out / "html"
    names = [page.name for page in pages]
    if not names or any(
        page.parent != folder or not GLOB_NAME.fullmatch(page.name) for page in pages
    ):
        return None
    pattern = f"html/{{{','.join(names)}}}"
    return pattern if len(pattern) < GLOB_MAX else None


def _with_link_attributes(feed: bytes, links: dict[str, dict[str, str]]) -> bytes:
    """Put back the rel, type and length of entry links, which feedgen 1.0 drops."""
    from lxml import etree

    root = etree.fromstring(feed)
    for link in root.iterfind(f"{{{ATOM_NS}}}entry/{{{ATOM_NS}}}link"):
        for name, value in links.get(link.get("href", ""), {}).items():
            link.set(name, value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _moment(post: Post) -> datetime:
    return datetime.fromisoformat(post.card.get("modified") or post.card["date"])


def _article(page: Path) -> str:
    """The ``<article>`` of a built page, for a full-content feed."""
    import lxml.html

    tree = lxml.html.fromstring(page.read_bytes())
    found = tree.find(".//article")
    return lxml.html.tostring(found, encoding="unicode") if found is not None else ""


def finish(
    out: Path,
    manifest: Manifest,
    project: Project,
    shared: str,
    present: set[str] | frozenset[str] = frozenset(),
    meanwhile: Callable[[Written], None] | None = None,
) -> tuple[Path, Written]:
    """Everything around the posts' outputs; see the module's docstring. ``meanwhile``
    is given what the pass wrote, once only the search index may still be in the making
    (the build prepares its report then).

    The manifest is saved here, after the pass (the build saves it before only when it
    is interrupted). The site is
    a function of the manifest (every post's card and outputs), the settings and
    ``shared`` (the brand, templates and versions, see
    :func:`~imprint.builder.cache.shared_key`). When those are what they were after
    the last site pass, and its pages are there, there is nothing to do: an archive's
    no-op build does not lay out its index pages again. Otherwise each page is laid out
    again only if what it is made from changed (see :meth:`Site.unchanged`).
    """
    record = manifest.path.with_suffix(".site")
    state = _read_state(record)
    base = f"|{project.settings!r}|{shared}|{out}"
    # nothing touched and the manifest as the last pass saw it: the site is as it was
    if (
        not manifest.touched
        and _site_key(manifest.digest(), base) == state.get("key")
        and (out / INDEX_TEMPLATE).is_file()
    ):
        return out / INDEX_TEMPLATE, Written(skipped=True)
    site = Site(
        out,
        manifest,
        project,
        hashlib.sha256(base.encode()).hexdigest(),
        state.get("pages"),
        present,
        state.get("order", ""),
    )

    def settle() -> None:  # while Pagefind indexes, if it does
        site.written.saved = manifest.save()  # the pages' new sizes and navigation digests
        if meanwhile is not None:
            meanwhile(site.written)

    index = site.run(settle)
    data = json.dumps(
        {
            "format": STATE_FORMAT,
            "key": _site_key(manifest.digest(saved=True), base),
            "order": site.order,
            "pages": dict(sorted(site.made.items())),
        },
        separators=(",", ":"),
    ).encode()
    if data != _read(record):
        write_atomic(record, data)
    return index, site.written


def _site_key(manifest: str, base: str) -> str:
    return hashlib.sha256(f"{manifest}{base}".encode()).hexdigest()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _read_state(path: Path) -> dict[str, Any]:
    """What the last site pass recorded; anything unreadable counts as nothing (the
    pass then lays out every page, and writes only those whose bytes differ)."""
    try:
        state = json.loads(_read(path) or b"{}")
    except ValueError:
        return {}
    return state if isinstance(state, dict) and state.get("format") == STATE_FORMAT else {}
