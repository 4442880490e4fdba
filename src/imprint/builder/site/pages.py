"""What every part of the site pass shares: the posts as the site sees them, what the
pass wrote, links between pages, and writing a page only when its bytes change."""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ...config import FORMATS
from ...normalise.metadata import clean_slug
from ..cache import FileStamp, Manifest, card_digest
from ..output import write_if_changed

INDEX_TEMPLATE = "index.html"
# by format: the link's type attribute (kept here so the index imports no renderer)
MEDIA_TYPES = {
    "html": "text/html",
    "pdf": "application/pdf",
    "epub": "application/epub+zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
LABELS = {"html": "Web page", "pdf": "PDF", "epub": "EPUB", "docx": "Word"}


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


def write_page(path: Path, data: bytes, written: Written) -> None:
    """Write ``path`` if its bytes change, and note it in ``written``."""
    if write_if_changed(path, data):
        written.files.append(path)


def human_size(size: int) -> str:
    if size < 1000 * 1000:
        return f"{max(1, round(size / 1000))} KB"
    return f"{size / 1000 / 1000:.1f} MB"


def load_posts(
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


def href(target: Path, page: Path) -> str:
    """A relative link from the page at ``page`` to ``target``, for any host and file://."""
    return quote(Path(os.path.relpath(target, page.parent)).as_posix())


@functools.lru_cache(maxsize=65536)
def term_page(out: Path, kind: str, term: str) -> Path:
    return out / kind / f"{clean_slug(term) or 'untitled'}.html"
