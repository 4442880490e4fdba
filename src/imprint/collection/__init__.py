"""Collections: many posts, one book (EPUB, PDF or DOCX), from a manifest.

``imprint collection MANIFEST`` reads the manifest (``manifest.py``), selects
and orders the posts (``select.py``), normalises each once, and renders the
book in each format (``epub.py``, ``pdf.py``, ``docx.py``). The posts are
normalised, and the PDF's articles laid out, in the worker pool, beside the
EPUB and the DOCX (``work.py``). Every problem in the manifest or the
selection is reported before anything is written; each output is written
atomically; an unchanged collection is not rebuilt.
"""

from __future__ import annotations

import functools
import hashlib
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..builder.cache import shared_key
from ..builder.output import write_atomic
from ..builder.project import Project
from ..builder.report import BuildReport, JobResult
from ..config import Settings, load_settings
from ..diagnostics import Diagnostic, collecting
from ..errors import ImprintError
from ..model import Document
from ..renderers import EPOCH_FALLBACK, RenderContext
from .manifest import Manifest, load_manifest
from .pdf import Book
from .select import select
from .work import Call, Piece, Runner

FORMATS = ("epub", "pdf", "docx")
SUFFIX = {"epub": ".epub", "pdf": ".pdf", "docx": ".docx"}
MANIFEST_SUFFIXES = (".toml", ".yml", ".yaml")


def moment_of(docs: Sequence[Document], ctx: RenderContext) -> datetime:
    """ "Now" for a collection: SOURCE_DATE_EPOCH, else its newest post's date."""
    if ctx.source_date_epoch is not None:
        return datetime.fromtimestamp(ctx.source_date_epoch, UTC)
    dates = [d.date for d in docs if d.date]
    return max(dates).astimezone(UTC) if dates else EPOCH_FALLBACK


def _whole(
    project: Project, fmt: str, manifest: Manifest, docs: Sequence[Document], moment: datetime
) -> bytes:
    """The EPUB or the DOCX of the collection (a job)."""
    ctx = project.render_context()
    if fmt == "epub":
        from .epub import collection_epub

        return collection_epub(manifest, docs, ctx, moment)
    from .docx import collection_docx

    return collection_docx(manifest, docs, ctx, moment)


@dataclass
class _Cache:
    """What each collection output was built from, so an unchanged one is skipped."""

    path: Path
    entries: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> _Cache:
        try:
            return cls(path, json.loads(path.read_text("utf-8")))
        except (OSError, ValueError):
            return cls(path)

    def save(self) -> None:
        write_atomic(self.path, json.dumps(self.entries, indent=1, sort_keys=True).encode())


def _key(manifest: Manifest, docs: Sequence[Document], shared: str, fmt: str) -> str:
    """Everything a collection output is made of: the manifest, each normalised post as
    a whole (text, bios, images), the format, and the key every build shares."""
    digest = hashlib.sha256()
    for part in (shared, fmt, manifest.digest, *(repr(doc) for doc in docs)):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def build_collection(
    manifest_path: Path,
    formats: Sequence[str] = FORMATS,
    out: Path | None = None,
    settings: Settings | None = None,
    force: bool = False,
    on_result: Callable[[JobResult], None] | None = None,
    jobs: int | None = None,
) -> BuildReport:
    """Build one collection in ``formats`` to ``out/collections/<manifest name>.<ext>``,
    with ``jobs`` worker processes (default: the project's worker count)."""
    started = time.perf_counter()
    settings = settings or load_settings()
    project = Project.open(settings)
    manifest = load_manifest(manifest_path)
    workers = jobs if jobs is not None else settings.worker_count
    report = BuildReport()
    with (
        Runner(project, formats, workers, settings) as runner,
        tempfile.TemporaryDirectory(prefix="imprint-collection-") as scratch,
    ):
        with collecting() as found:
            docs = select(manifest, project, runner.load_all)
        ctx = project.render_context()
        folder = (out or settings.out) / "collections"
        cache = _Cache.load(settings.cache_dir / "collections.json")
        shared = shared_key(project)
        moment = moment_of(docs, ctx)
        targets = {fmt: folder / f"{manifest.slug}{SUFFIX[fmt]}" for fmt in formats}
        keys = {fmt: _key(manifest, docs, shared, fmt) for fmt in formats}
        stale = [
            fmt
            for fmt in formats
            if force
            or not targets[fmt].is_file()
            or cache.entries.get(str(targets[fmt])) != keys[fmt]
        ]
        # one round of jobs for every stale format: the long DOCX first, then the EPUB,
        # then the PDF's parts, so the workers stay busy to the end
        calls: list[Call] = []
        spans: dict[str, slice] = {}
        book = Book(manifest, docs, ctx, moment, Path(scratch)) if "pdf" in stale else None
        for fmt in sorted(stale, key=("docx", "epub", "pdf").index):
            parts = (
                book.calls() if fmt == "pdf" and book else [(_whole, (fmt, manifest, docs, moment))]
            )
            spans[fmt] = slice(len(calls), len(calls) + len(parts))
            calls += parts
        more = None
        if book is not None:  # the PDF's sheets of page numbers are asked for on the way
            spans["pdf"] = slice(spans["pdf"].start, None)  # and come after all the rest
            more = functools.partial(_more_for, book, spans["pdf"].start)
        pieces = runner.run(calls, more)
        for fmt in formats:
            if fmt not in stale:
                result = JobResult(manifest.path, fmt, "skipped", targets[fmt])
            else:
                result = _finish(
                    fmt, pieces[spans[fmt]], book, runner, manifest, found, targets[fmt]
                )
                if result.status == "built":
                    cache.entries[str(targets[fmt])] = keys[fmt]
                    cache.save()
            report.add(result)
            if on_result is not None:
                on_result(result)
    report.seconds = time.perf_counter() - started
    return report


def _more_for(book: Book, first: int, index: int, piece: Piece) -> list[Call]:
    return book.more(index - first, piece) if index >= first else []


def _finish(
    fmt: str,
    pieces: list[Piece],
    book: Book | None,
    runner: Runner,
    manifest: Manifest,
    found: list[Diagnostic],
    target: Path,
) -> JobResult:
    """Write one format's output from its pieces (the PDF is numbered and joined first)."""
    begun = time.perf_counter()
    try:
        if fmt == "pdf" and book is not None:
            data, more = book.finish(runner, pieces)
            pieces = pieces + more
        elif pieces[0].error is not None:
            raise pieces[0].error
        else:
            data = pieces[0].value
    except ImprintError as exc:
        exc.located(manifest.path)
        return JobResult(
            manifest.path,
            fmt,
            "failed",
            target,
            str(exc),
            exc.exit_code,
            [d for p in pieces for d in p.found],
            sum(p.seconds for p in pieces) + time.perf_counter() - begun,
        )
    write_atomic(target, data)
    rendered = [d for p in pieces for d in p.found]
    return JobResult(
        manifest.path,
        fmt,
        "built",
        target,
        None,
        0,
        list(dict.fromkeys(found + rendered)),
        sum(p.seconds for p in pieces) + time.perf_counter() - begun,
        len(data),
        hashlib.sha256(data).hexdigest(),
    )


def manifests(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in MANIFEST_SUFFIXES)
