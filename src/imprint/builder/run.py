"""One build's run: posts planned against the cache manifest, their jobs sent to the
executor, and each result written, recorded and reported as it comes back.

A post is read and hashed here; if every output it needs is in the cache
(see :mod:`cache`) it costs nothing more. Otherwise it is normalised once
(one pandoc run) by a worker, and its Document feeds one render job per
stale format. The bytes come back here and are written through a temporary file
and a rename, so no output path ever holds half a file. A failing post,
format or worker is recorded and the rest of the build goes on.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..config import Settings
from ..diagnostics import Diagnostic
from ..errors import ImprintError
from ..model import Document
from ..renderers import get_renderer
from ..renderers.html import ASSETS, media_assets
from ..renderers.names import output_name, page_path
from ..source.post import read_bytes
from .cache import FileStamp, Keys, Manifest, card_digest, remove_output, source_id
from .executors import Executor
from .output import uninterrupted, write_atomic
from .pool import Outcome
from .project import Project
from .report import BuildReport, JobResult
from .request import BuildRequest, NormaliseJob, OnResult, PendingJob, PlannedPost, RenderJob


def manifest_path(settings: Settings, out: Path) -> Path:
    """Where the cache manifest of one output folder lives: in the project's cache, so
    the output folder holds outputs only (each recorded output is re-checked on disk)."""
    name = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:20]
    return settings.cache_dir / "builds" / f"{name}.json"


SAVE_EVERY = 2.0  # seconds between manifest saves while building
READ_AHEAD = 4  # posts being read or rendered at once, per worker
# longest first, so the slow PDFs do not end up alone at the end of a build
PRIORITY = {"pdf": 1, "docx": 2, "epub": 3, "html": 4}


def target_for(
    out: Path, doc: Document, fmt: str, flat: bool = False, permalinks: bool = False
) -> Path:
    """``out/<format>/<name>.<ext>`` (see :mod:`~imprint.renderers.names`), or
    ``out/<slug>.<ext>`` for a single export."""
    if flat:
        return out / f"{doc.slug}{get_renderer(fmt).suffix}"
    if fmt == "html":
        return out / fmt / page_path(doc, permalinks)
    return out / fmt / f"{output_name(doc)}{get_renderer(fmt).suffix}"


def index_card(doc: Document) -> dict[str, Any]:
    """What the site shows of a post besides its page (index entries, navigation, feed,
    sitemap); kept in the manifest for unchanged posts."""
    card = {
        "slug": doc.slug,
        "identifier": doc.identifier,
        "title": doc.title,
        "title_html": doc.title_html,
        "authors": list(doc.author_names),
        "lang": doc.lang,
        "dir": doc.dir,
        "date": doc.date.isoformat() if doc.date else None,
        "modified": doc.modified.isoformat() if doc.modified else None,
        "date_display": doc.date_display,
        "excerpt_html": doc.excerpt_html,
        "tags": list(doc.tags),
        "categories": list(doc.categories),
        "media": sorted(media_assets(doc)),
    }
    card["digest"] = card_digest(card)  # the site pass compares cards by it
    return card


class BuildRun:
    """The state of one build run; see :func:`~imprint.builder.plan.build`."""

    def __init__(self, project: Project, request: BuildRequest, out: Path):
        self.project, self.formats, self.out = project, list(request.formats), out
        self.site = not request.single_export
        self.force, self.flat = request.force, request.flat
        self.targets: Mapping[str, Path] = request.targets or {}
        self.on_result: OnResult | None = request.on_result
        self.on_document = request.on_document
        site = self.site
        self.report = BuildReport()
        where = manifest_path(project.settings, out)
        self.manifest = Manifest.load(where) if site else Manifest(where)
        self.keys = Keys(project) if site else None
        # output path (as the manifest writes it) -> the post that claimed it
        self.owners: dict[str, Path] = {}
        self.present: set[str] = set()  # outputs this build found as recorded, or wrote
        self.pending: dict[int, PendingJob] = {}  # by the executor's ticket
        # per post, from its normalised Document: the index card and the files it read
        self.cards: dict[str, tuple[dict[str, Any], list[FileStamp]]] = {}
        self._saved = time.monotonic()
        self._every = SAVE_EVERY

    # --- results --------------------------------------------------------------------------
    def record(self, result: JobResult) -> None:
        self.report.add(result)
        if self.on_result is not None:
            self.on_result(result, self.report.recorded(), self.report.planned)

    def fail_post(
        self,
        path: Path,
        formats: Iterable[str],
        error: str,
        code: int,
        warnings: list[Diagnostic] | None = None,
    ) -> None:
        for fmt in formats:
            self.record(
                JobResult(
                    path, fmt, "failed", error=error, exit_code=code, warnings=list(warnings or [])
                )
            )

    # --- planning ---------------------------------------------------------------------------
    def remove_deleted(self, sources: list[Path], left_out: Iterable[Path] = ()) -> None:
        """Outputs of posts whose source is gone, or that a site leaves out (a draft, say):
        only files the manifest says imprint wrote. (``sources``, just found, are not
        looked for again.)"""
        found = {source_id(p) for p in sources}
        gone = {source_id(p) for p in left_out}
        for source in [
            s
            for s in self.manifest.posts
            if s in gone or (s not in found and not os.path.exists(s))
        ]:
            for path in self.manifest.forget(source):
                if remove_output(path):
                    self.report.removed.append(path)

    def plan(self, sources: list[Path]) -> list[PlannedPost]:
        """The posts with something to build; a job whose output is fresh is recorded as
        skipped. An archive's unchanged posts cost a few system calls each: the source's
        stat against its recorded stamp, and each output's stat against its own."""
        chosen = {source_id(p) for p in sources}
        for source, other in self.manifest.posts.items():
            if source not in chosen:  # a post this build leaves alone still owns its files
                for output in other.outputs.values():
                    self.owners.setdefault(output.file.path, Path(source))
        posts: list[PlannedPost] = []
        trust = self.site and not self.force
        for path in sources:
            entry = self.manifest.posts.get(source_id(path))
            try:
                _, stamp = self.read(path, entry.source if entry else None)
            except ImprintError as exc:
                self.fail_post(path, self.formats, str(exc), exc.exit_code)
                continue
            keys = (
                self.keys.keys(path, stamp.sha256, self.formats)
                if self.keys
                else dict.fromkeys(self.formats, "")
            )
            stale = list(self.formats)
            if trust and entry and entry.dependencies_unchanged():
                stale = []
                for fmt in self.formats:
                    built = entry.fresh(fmt, keys[fmt])
                    if built is None:
                        stale.append(fmt)
                        continue
                    self.owners[built.file.path] = path
                    self.present.add(built.file.path)
                    self.report.unchanged(
                        path,
                        fmt,
                        built.file.path,
                        built.file.size,
                        built.file.sha256,
                        built.warnings,
                    )
            if stale:  # its bytes are read again when it is sent: an archive's are not held
                posts.append(PlannedPost(path, None, keys, stale, stamp))
        return posts

    def sources_changed(self, sources: list[Path]) -> bool:
        """Whether a post is new, or its file's size or time differs from the one recorded
        (by stat alone, and only up to the first): then this build surely has work."""
        posts = self.manifest.posts
        for path in sources:
            entry = posts.get(source_id(path))
            known = entry.source if entry else None
            if known is None:
                return True
            try:
                info = os.stat(path)
            except OSError:
                return True
            if info.st_size != known.size or info.st_mtime_ns != known.mtime_ns:
                return True
        return False

    def read(self, path: Path, known: FileStamp | None) -> tuple[bytes | None, FileStamp]:
        """A post's bytes and stamp; with a stamp whose size and time still hold, the
        stamp alone (an unchanged archive is not read again)."""
        try:
            info = path.stat()
        except OSError:
            info = None  # read_bytes says what is wrong
        if (
            info is not None
            and known is not None
            and not self.force
            and known.size == info.st_size
            and known.mtime_ns == info.st_mtime_ns
        ):
            return None, known
        raw = read_bytes(path)
        digest = hashlib.sha256(raw).hexdigest()
        if info is None or info.st_size != len(raw):
            return raw, FileStamp(str(path), len(raw), 0, digest)  # never trusted next time
        return raw, FileStamp(str(path), info.st_size, info.st_mtime_ns, digest)

    # --- running ------------------------------------------------------------------------------
    def run(self, executor: Executor, posts: list[PlannedPost]) -> None:
        """Run the jobs of ``posts`` (the list is consumed: a post done is let go).

        Posts are read a few at a time ahead of the workers, not all at once, so the
        Documents waiting for their renders (images and all) stay few however large
        the archive: memory follows the number of workers, not of posts."""
        waiting = deque(posts)
        posts.clear()
        ahead = READ_AHEAD * max(1, executor.workers) + 2
        open_jobs: dict[int, int] = {}  # id(post) -> its jobs not finished yet

        def send_more_posts() -> None:
            while waiting and len(open_jobs) < ahead:
                post = waiting.popleft()
                if not self.read_to_send(post):
                    continue
                ticket = executor.submit("normalise", post.path, post.raw)
                self.pending[ticket] = NormaliseJob(post)
                open_jobs[id(post)] = 1

        send_more_posts()
        for outcome in executor.results():
            job = self.pending.pop(outcome.ticket)
            post = job.post
            before = len(self.pending)
            if isinstance(job, NormaliseJob):
                post.raw = b""  # sent; the worker has it
                self.send_renders(executor, post, outcome)
            else:
                self.write_rendered(job, outcome)
            open_jobs[id(post)] += len(self.pending) - before - 1  # renders it submitted
            if open_jobs[id(post)] == 0:
                del open_jobs[id(post)]
                self.cards.pop(str(post.path), None)  # recorded in the manifest by now
            send_more_posts()
            if self.site and time.monotonic() - self._saved > self._every:
                began = time.monotonic()
                self.manifest.save()
                self._saved = time.monotonic()
                # an archive's manifest takes a while to write: keep that a small share
                self._every = max(SAVE_EVERY, 20 * (self._saved - began))

    def read_to_send(self, post: PlannedPost) -> bool:
        """The post's bytes, read again to be sent; False if it cannot be read now. If it
        changed since it was planned, it is built as it is now, under its new keys."""
        if post.raw is not None:
            return True
        try:
            post.raw, stamp = self.read(post.path, None)
        except ImprintError as exc:
            self.fail_post(post.path, post.stale, str(exc), exc.exit_code)
            return False
        if stamp.sha256 != post.stamp.sha256:
            post.keys = (
                self.keys.keys(post.path, stamp.sha256, self.formats)
                if self.keys
                else dict.fromkeys(self.formats, "")
            )
        post.stamp = stamp
        return True

    def send_renders(self, executor: Executor, post: PlannedPost, outcome: Outcome) -> None:
        """From a post's normalised Document: record its index card, write its images, and
        send one render job per stale format (or record why it failed)."""
        if not outcome.ok:
            self.fail_post(post.path, post.stale, _outcome_error(outcome, post.path, "reading"), 70)
            return
        doc, failure, found, files, cpu = outcome.value
        self.report.normalised += 1
        self.report.normalise_cpu_seconds += cpu
        if doc is None:
            self.fail_post(post.path, post.stale, failure[0], failure[1], found)
            return
        if self.on_document is not None:
            self.on_document(doc)
        if self.site:
            entry = self.manifest.entry(post.path)
            for fmt in post.stale:  # being rebuilt: not current until written again
                if entry is not None and fmt in entry.outputs:
                    entry.outputs[fmt].key = ""
                    self.manifest.changed(source_id(post.path))
            self.cards[str(post.path)] = (
                index_card(doc),
                [FileStamp.of(f) for f in files if f.is_file()],
            )
            if "html" in post.stale and self.project.settings.html_mode == "site":
                self.write_media(doc)
        for fmt in post.stale:
            target = self.targets.get(fmt) or target_for(
                self.out, doc, fmt, self.flat, self.project.settings.jekyll_permalinks
            )
            claimed = self.owners.setdefault(str(target), post.path)
            if claimed != post.path:
                self.record(
                    JobResult(
                        post.path,
                        fmt,
                        "failed",
                        target,
                        error=(
                            f"{post.path}: source: slug '{doc.slug}' is also the slug of "
                            f"{claimed}; "
                            "give one of them a 'slug:' in its front matter"
                        ),
                        exit_code=65,
                        warnings=found,
                    )
                )
                continue
            ticket = executor.submit("render", doc, fmt, priority=PRIORITY.get(fmt, 5))
            self.pending[ticket] = RenderJob(post, fmt, target, found)

    def write_rendered(self, job: RenderJob, outcome: Outcome) -> None:
        """Write a render job's bytes and record the output (or record why it failed)."""
        post, fmt, target, found = job.post, job.fmt, job.target, job.found
        if not outcome.ok:
            self.record(
                JobResult(
                    post.path,
                    fmt,
                    "failed",
                    target,
                    _outcome_error(outcome, post.path, f"rendering {fmt}"),
                    70,
                    found,
                    outcome.seconds,
                )
            )
            return
        data, failure, rendered, seconds, cpu = outcome.value
        warnings = list(dict.fromkeys(found + rendered))
        if failure is None and self.project.settings.strict and warnings:
            failure = (
                f"{post.path}: strict: {len(warnings)} warning(s) for {fmt}; nothing written",
                1,
            )
        if failure is not None:
            self.record(
                JobResult(
                    post.path, fmt, "failed", target, failure[0], failure[1], warnings, seconds
                )
            )
            return
        digest = hashlib.sha256(data).hexdigest()
        with uninterrupted():  # Ctrl-C here would leave a whole file the cache did not know
            write_atomic(target, data)
            if self.site:
                self.record_output(post, fmt, target, digest, warnings)
        self.record(
            JobResult(
                post.path, fmt, "built", target, None, 0, warnings, seconds, len(data), digest, cpu
            )
        )

    def write_media(self, doc: Document) -> None:
        """A site page's images, each once, under the name its bytes give it."""
        folder = self.out / "html" / ASSETS
        for name, data in media_assets(doc).items():
            if not (folder / name).is_file():
                write_atomic(folder / name, data)

    def record_output(
        self,
        post: PlannedPost,
        fmt: str,
        target: Path,
        digest: str,
        warnings: list[Diagnostic],
    ) -> None:
        """Record a written output and its warnings; drop the post's previous file if its
        path changed."""
        card, dependencies = self.cards[str(post.path)]
        entry = self.manifest.entry(post.path)
        previous = entry.outputs.get(fmt) if entry else None
        entry = self.manifest.record(post.path, fmt, post.keys[fmt], target, digest, warnings)
        self.present.add(entry.outputs[fmt].file.path)
        entry.card, entry.dependencies, entry.source = card, dependencies, post.stamp
        self.manifest.changed(source_id(post.path))
        if fmt == "html":
            entry.site = ""  # a new page: its site navigation is still to be filled in
        if previous is not None and Path(previous.file.path) != target:
            old = Path(previous.file.path)
            if self.owners.get(str(old), post.path) == post.path and remove_output(old):
                self.report.removed.append(old)


def _outcome_error(outcome: Outcome, path: Path, doing: str) -> str:
    """The report line for a job whose worker failed it (timeout, crash, memory, bug)."""
    if outcome.status == "error":
        return f"{path}: render: internal error while {doing}:\n{outcome.detail}"
    return (
        f"{path}: render: {doing}: the job {outcome.detail}"
        if outcome.status == "timeout"
        else f"{path}: render: {doing}: {outcome.detail}"
    )
