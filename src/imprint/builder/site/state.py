"""The site pass's incremental state: the record of each page the last pass made, kept
beside the cache manifest, and what a page is made from, so that an unchanged page is
neither laid out nor looked at again."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ...brand.templates import render
from ...renderers.html import ASSETS, site_assets
from ..cache import Manifest
from ..output import write_atomic
from ..project import Project
from .pages import Post, Written, href

STATE_FORMAT = 1


class Site:
    """One site pass: its inputs, what it wrote, and each page it made."""

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

    def render_page(self, template: str, **context: Any) -> str:
        return render(
            self.settings.templates,
            template,
            self.settings.user_cache_dir,
            brand=self.project.brand,
            **context,
        )

    def logo_src(self, page: Path) -> str | None:
        logo = next((n for n in self.assets if n.startswith("logo.")), None)
        if logo is not None:
            return href(self.out / "html" / ASSETS / logo, page)
        return self.project.brand.logo_data_url()


def order_digest(posts: list[Post], base: str) -> str:
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


def site_key(manifest: str, base: str) -> str:
    return hashlib.sha256(f"{manifest}{base}".encode()).hexdigest()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def read_state(path: Path) -> dict[str, Any]:
    """What the last site pass recorded; anything unreadable counts as nothing (the
    pass then lays out every page, and writes only those whose bytes differ)."""
    try:
        state = json.loads(_read(path) or b"{}")
    except ValueError:
        return {}
    return state if isinstance(state, dict) and state.get("format") == STATE_FORMAT else {}


def write_state(path: Path, manifest: Manifest, base: str, site: Site) -> None:
    """Record what this pass made, for the next one; written only if it changed."""
    data = json.dumps(
        {
            "format": STATE_FORMAT,
            "key": site_key(manifest.digest(saved=True), base),
            "order": site.order,
            "pages": dict(sorted(site.made.items())),
        },
        separators=(",", ":"),
    ).encode()
    if data != _read(path):
        write_atomic(path, data)
