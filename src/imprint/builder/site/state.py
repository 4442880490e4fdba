"""The site pass's incremental state: the record of each page the last pass made, kept
beside the cache manifest, and what a page is made from, so that an unchanged page is
neither laid out nor looked at again."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...brand.templates import render
from ...renderers.html import ASSETS, site_assets
from ..cache import Manifest
from ..output import write_atomic
from ..project import Project
from .pages import Post, Written, href

STATE_FORMAT = 1
# a page as a pass left it: [digest of its inputs, size, mtime_ns] (a list: as JSON keeps it)
PageRecord = list[Any]


@dataclass
class LastPass:
    """What the last site pass recorded, beside the cache manifest."""

    key: str = ""  # of the manifest and settings it ran on: equal means nothing to do
    cross_page: str = ""  # its :func:`cross_page_digest`
    pages: dict[str, PageRecord] = field(default_factory=dict)  # by name under ``out``


class Site:
    """One site pass: its inputs, what it wrote, and the record of each page it made."""

    def __init__(
        self,
        out: Path,
        manifest: Manifest,
        project: Project,
        base: str = "",
        last: LastPass | None = None,
        present: set[str] | frozenset[str] = frozenset(),
    ):
        self.out, self.manifest, self.project = out, manifest, project
        self.settings = project.settings
        self.mode = self.settings.html_mode or "site"
        self.present = present
        self.posts: list[Post] = []  # filled in by lay_out
        self.written = Written()
        self.base = base  # a digest of what every page depends on
        self.last = last or LastPass()
        self.pages_made: dict[str, PageRecord] = {}  # this pass's record, for the next
        self.cross_page = ""  # see cross_page_digest
        # When what each post shows on other pages than its own is as at the last pass,
        # only the pages of posts changed since (the manifest's touched ones) can have
        # changed: the others are kept unread, if their files are as that pass left them.
        self.cross_page_unchanged = False
        self.index_pages: list[str] = []  # index and topic pages, relative to ``out``
        self.assets = site_assets(project.brand) if self.mode == "site" else {}
        self.stylesheet = out / "html" / ASSETS / next(iter(self.assets)) if self.assets else None

    def _name(self, page: Path) -> str:
        return page.relative_to(self.out).as_posix()

    def inputs_digest(self, page: Path, *inputs: Any) -> str:
        """A digest of what ``page`` is made from: ``inputs`` and what every page is."""
        return hashlib.sha256(repr((self.base, self._name(page), inputs)).encode()).hexdigest()

    def is_current(self, page: Path, digest: str | None = None) -> bool:
        """Whether ``page``'s file is as the last pass recorded it (and was made from
        inputs of ``digest``, if given). Records nothing."""
        last = self.last.pages.get(self._name(page))
        if not last or len(last) != 3 or digest not in (None, last[0]):
            return False
        try:
            info = page.stat()
        except OSError:
            return False
        return [info.st_size, info.st_mtime_ns] == last[1:]

    def keep(self, page: Path) -> None:
        """Record a current page (see :meth:`is_current`) for the next pass as it is."""
        name = self._name(page)
        self.pages_made[name] = self.last.pages[name]

    def record_laid_out(self, page: Path, digest: str) -> None:
        """Record a page just laid out (written, or found equal) from inputs of ``digest``."""
        info = page.stat()
        self.pages_made[self._name(page)] = [digest, info.st_size, info.st_mtime_ns]
        self.written.rendered.append(page)

    def may_have_moved(self, posts: list[Post]) -> bool:
        """Whether any of ``posts`` may show differently than at the last pass."""
        touched = self.manifest.touched
        return not self.cross_page_unchanged or any(post.source in touched for post in posts)

    def render_page(self, template: str, **context: Any) -> str:
        """The brand's ``template`` (or the project's own), filled in with ``context``."""
        return render(
            self.settings.templates,
            template,
            self.settings.user_cache_dir,
            brand=self.project.brand,
            **context,
        )

    def logo_src(self, page: Path) -> str | None:
        """The brand logo's address from ``page``: its asset, or a data: URL."""
        logo = next((n for n in self.assets if n.startswith("logo.")), None)
        if logo is not None:
            return href(self.out / "html" / ASSETS / logo, page)
        return self.project.brand.logo_data_url()


def cross_page_digest(posts: list[Post], base: str) -> str:
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


def pass_key(manifest: str, base: str) -> str:
    """The key of a pass over the manifest of digest ``manifest``, with ``base``."""
    return hashlib.sha256(f"{manifest}{base}".encode()).hexdigest()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def read_last_pass(path: Path) -> LastPass:
    """What the last site pass recorded; anything unreadable counts as nothing (the
    pass then lays out every page, and writes only those whose bytes differ)."""
    try:
        state = json.loads(_read(path) or b"{}")
    except ValueError:
        return LastPass()
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        return LastPass()
    return LastPass(state.get("key") or "", state.get("order") or "", state.get("pages") or {})


def write_pass_record(path: Path, manifest: Manifest, base: str, site: Site) -> None:
    """Record what this pass made, for the next one; written only if it changed."""
    data = json.dumps(
        {
            "format": STATE_FORMAT,
            "key": pass_key(manifest.digest(saved=True), base),
            "order": site.cross_page,
            "pages": dict(sorted(site.pages_made.items())),
        },
        separators=(",", ":"),
    ).encode()
    if data != _read(path):
        write_atomic(path, data)
