"""The preview's engine: which posts there are, what a change makes stale, and the warm
renderer that brings the open views up to date.

Rendering runs in one worker thread, one job at a time (WeasyPrint is not built for
threads). Background work runs in tasks the preview keeps until they are done.
"""

from __future__ import annotations

import asyncio
import io
import sys
import traceback
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...builder.jekyll_site import build_sources
from ...builder.project import SOURCE_SUFFIXES, Project, discover
from ...config import Settings
from ...diagnostics import collecting
from ...errors import ImprintError
from ...model import Document
from ...normalise.authors import REGISTRY_NAME
from ...normalise.metadata import clean_slug

VIEWS = ("html", "print")
DOWNLOADS = ("pdf", "epub", "docx")
PAGE_SCALE = 96 / 72  # CSS pixels per PDF point: pages at their printed size on screen


@dataclass
class Post:
    """One post's state: what was built from which generation of its inputs."""

    key: str
    path: Path
    generation: int = 1  # bumped on every change to the post or what it depends on
    deps: set[Path] = field(default_factory=set)  # files besides the post (images)
    doc: Document | None = None
    loaded: int = 0  # the generation ``doc``/``error`` belong to
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    html: bytes | None = None
    html_built: int = 0
    html_version: int = 0
    pages: list[bytes] = field(default_factory=list)
    pdf: bytes | None = None
    print_built: int = 0
    print_version: int = 0
    downloads: dict[str, tuple[int, bytes]] = field(default_factory=dict)

    def state(self) -> dict[str, Any]:
        return {
            "type": "state",
            "post": self.key,
            "error": self.error,
            "warnings": self.warnings,
            "html": self.html_version,
            "print": self.print_version,
            "pages": len(self.pages),
        }

    def record_fault(self, exc: BaseException) -> None:
        """Show a failure that is not the author's (a bug, a broken template) as the post's
        error, named by the traceback's last line; the whole traceback goes to stderr."""
        last = traceback.format_exception_only(exc)[-1].strip()
        self.error = f"{self.path}: unexpected error: {last}"
        traceback.print_exception(exc, file=sys.stderr)


@dataclass
class Viewer:
    """One open page: the post it shows (None: the post list) and its open views."""

    key: str | None
    views: frozenset[str]
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)


def post_keys(paths: list[Path], folder: Path | None) -> dict[str, Path]:
    """A URL-safe key per post, from its path inside the folder; unique."""
    keys: dict[str, Path] = {}
    for path in paths:
        name = path.relative_to(folder).with_suffix("") if folder else Path(path.stem)
        key = clean_slug("-".join(name.parts)) or "post"
        unique, n = key, 2
        while unique in keys:
            unique, n = f"{key}-{n}", n + 1
        keys[unique] = path
    return keys


def rasterise(pdf: bytes, scale: float = PAGE_SCALE) -> list[bytes]:
    """Each page of a PDF as a PNG."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            image = page.render(scale=scale).to_pil()
            buffer = io.BytesIO()
            image.save(buffer, "PNG", compress_level=1)
            pages.append(buffer.getvalue())
            page.close()
        return pages
    finally:
        document.close()


class Preview:
    """The posts, their builds and the pages watching them."""

    def __init__(self, target: Path, settings: Settings) -> None:
        self.settings = settings
        self.target = target
        self.folder = target if target.is_dir() else None
        self.project: Project | None = None
        self.posts: dict[str, Post] = {}
        self.viewers: dict[str, Viewer] = {}
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="imprint-render")
        self.lock = asyncio.Lock()
        self.tasks: set[asyncio.Task[Any]] = set()
        self.closing = False
        self.scan()

    # --- what is watched ------------------------------------------------------------

    def scan(self) -> bool:
        """Find the posts again (a folder may gain or lose some); True if the list changed."""
        listed = build_sources([self.target], self.settings) if self.folder else None
        found = post_keys(listed[0] if listed else discover([self.target]), self.folder)
        known = {key: post.path for key, post in self.posts.items()}
        if found == known:
            return False
        self.posts = {key: self.posts.get(key) or Post(key, path) for key, path in found.items()}
        return True

    def roots(self) -> list[Path]:
        """Folders to watch: where the posts and their images live, the brand, templates."""
        content = self.settings.content.resolve()  # as Project.content_root, without
        # opening the brand, which may be broken until the author fixes it
        folders = {
            content if p.is_relative_to(content) else p.parent
            for p in (post.path.resolve() for post in self.posts.values())
        }
        if self.folder is not None:
            folders.add(self.folder.resolve())
        folders |= {self.settings.brand.resolve(), self.settings.templates.resolve()}
        return sorted(f for f in folders if f.is_dir())

    def mark_affected(self, changed: set[Path]) -> tuple[list[Post], bool]:
        """Bump the generation of the posts a set of changed files concerns; return them
        and whether the post list changed."""
        shared = [self.settings.brand.resolve(), self.settings.templates.resolve()]
        everything = any(
            p.name == REGISTRY_NAME or any(p.is_relative_to(s) for s in shared) for p in changed
        )
        if everything:
            self.project = None  # the brand, templates or author registry are read anew
        listed = (
            self.folder is not None
            and any(p.suffix.lower() in SOURCE_SUFFIXES for p in changed)
            and self.scan()
        )
        hit = [
            post
            for post in self.posts.values()
            if everything or post.path.resolve() in changed or post.deps & changed
        ]
        for post in hit:
            post.generation += 1
        return hit, listed

    # --- building (in the worker thread) ----------------------------------------------

    def current_project(self) -> Project:
        if self.project is None:
            self.project = Project.open(self.settings)
        return self.project

    def _load(self, post: Post) -> None:
        """Read the post for its current generation."""
        generation = post.generation
        with collecting() as found:
            try:
                project = self.current_project()
                doc, files = project.load_tracked(post.path)
            except ImprintError as exc:
                post.doc, post.error = None, str(exc)
            else:
                post.doc, post.error = doc, None
                post.deps = {f.resolve() for f in files}
        post.warnings = [str(w) for w in found]
        post.loaded = generation
        post.downloads.clear()

    def _render(self, post: Post, fmt: str) -> bytes | None:
        """One format of the loaded post; a failure becomes the post's error."""
        assert post.doc is not None
        with collecting() as found:
            try:
                data = self.current_project().render(post.doc, fmt)
            except ImprintError as exc:
                post.error = str(exc)
                data = None
        post.warnings = list(dict.fromkeys(post.warnings + [str(w) for w in found]))
        return data

    def _build_html(self, post: Post, generation: int) -> None:
        try:
            if post.loaded < generation:
                self._load(post)
            if post.doc is not None and (html := self._render(post, "html")) is not None:
                post.html, post.html_version = html, post.html_version + 1
        except Exception as exc:
            post.record_fault(exc)
        finally:
            post.html_built = generation  # built or failed: not tried again until a change

    def _build_print(self, post: Post, generation: int) -> None:
        try:
            if post.loaded < generation:
                self._load(post)
            if post.doc is not None and (pdf := self._render(post, "pdf")) is not None:
                post.pdf, post.pages = pdf, rasterise(pdf)
                post.downloads["pdf"] = (generation, pdf)
                post.print_version += 1
        except Exception as exc:
            post.record_fault(exc)
        finally:
            post.print_built = generation

    def _build_download(self, post: Post, fmt: str) -> bytes | None:
        generation = post.generation
        try:
            if post.loaded < generation:
                self._load(post)
            cached = post.downloads.get(fmt)
            if cached and cached[0] == generation:
                return cached[1]
            if post.doc is None:
                return None
            data = self._render(post, fmt)
        except Exception as exc:
            post.record_fault(exc)
            return None
        if data is not None:
            post.downloads[fmt] = (generation, data)
        return data

    # --- scheduling (on the event loop) -----------------------------------------------

    def open_views(self, key: str) -> set[str]:
        return {
            view for viewer in self.viewers.values() if viewer.key == key for view in viewer.views
        }

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``work`` in the background, holding the task until it is done (the event
        loop keeps only a weak reference) and reporting a failure to stderr."""
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            traceback.print_exception(exc, file=sys.stderr)

    async def run(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    async def refresh(self, post: Post) -> None:
        """Bring the post's open views up to date, the HTML first, then the print pages."""
        async with self.lock:
            while not self.closing:
                generation = post.generation
                views = self.open_views(post.key)
                if "html" in views and post.html_built < generation:
                    await self.run(self._build_html, post, generation)
                    self.tell(post)
                    continue  # a save meanwhile: the HTML again before the slower pages
                if "print" in views and post.print_built < generation:
                    await self.run(self._build_print, post, generation)
                    self.tell(post)
                    continue
                break

    async def download(self, post: Post, fmt: str) -> bytes | None:
        async with self.lock:
            return await self.run(self._build_download, post, fmt)

    async def brand_icon(self) -> tuple[bytes, str] | None:
        """The brand's logo and its media type, for the page's icon (as the site's pages
        have); None when the brand has no logo or cannot be read."""
        from ...brand.tokens import load_brand

        project = self.project
        try:
            brand = (
                project.brand
                if project
                else await asyncio.to_thread(load_brand, self.settings.brand)
            )
        except ImprintError:
            return None
        if brand.logo is None or not brand.logo.is_file():
            return None
        return brand.logo.read_bytes(), brand.logo_media_type

    def tell(self, post: Post) -> None:
        for viewer in self.viewers.values():
            if viewer.key == post.key:
                viewer.queue.put_nowait(post.state())

    def tell_list(self) -> None:
        for viewer in self.viewers.values():
            if viewer.key is None:
                viewer.queue.put_nowait({"type": "list"})

    async def watch(self, stop: asyncio.Event) -> None:
        import watchfiles

        ignore = watchfiles.DefaultFilter(
            ignore_dirs=(*watchfiles.DefaultFilter.ignore_dirs, ".imprint-cache")
        )
        async for changes in watchfiles.awatch(
            *self.roots(), watch_filter=ignore, stop_event=stop, step=20, debounce=400
        ):
            hit, listed = self.mark_affected({Path(path).resolve() for _, path in changes})
            if listed:
                self.tell_list()
            for post in hit:
                if self.open_views(post.key):
                    self.spawn(self.refresh(post))
