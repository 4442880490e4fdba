"""Collections: many posts, one book (EPUB, PDF or DOCX), from a manifest.

``imprint collection MANIFEST`` reads the manifest (``manifest.py``), selects
and orders the posts (``select.py``), normalises each once, and renders the
book in each format (``epub.py``, ``pdf.py``, ``docx.py``). Every problem in
the manifest or the selection is reported before anything is written; each
output is written atomically; an unchanged collection is not rebuilt.
"""

from __future__ import annotations

import hashlib
import json
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
from ..diagnostics import collecting
from ..errors import ImprintError
from ..model import Document
from ..renderers import EPOCH_FALLBACK, RenderContext
from .manifest import Manifest, load_manifest
from .select import select

FORMATS = ("epub", "pdf", "docx")
SUFFIX = {"epub": ".epub", "pdf": ".pdf", "docx": ".docx"}
MANIFEST_SUFFIXES = (".toml", ".yml", ".yaml")


def moment_of(docs: Sequence[Document], ctx: RenderContext) -> datetime:
    """"Now" for a collection: SOURCE_DATE_EPOCH, else its newest post's date."""
    if ctx.source_date_epoch is not None:
        return datetime.fromtimestamp(ctx.source_date_epoch, UTC)
    dates = [d.date for d in docs if d.date]
    return max(dates).astimezone(UTC) if dates else EPOCH_FALLBACK


def render(fmt: str, manifest: Manifest, docs: Sequence[Document], ctx: RenderContext) -> bytes:
    moment = moment_of(docs, ctx)
    if fmt == "epub":
        from .epub import collection_epub

        return collection_epub(manifest, docs, ctx, moment)
    if fmt == "pdf":
        from .pdf import collection_pdf

        return collection_pdf(manifest, docs, ctx, moment)
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


def build_collection(manifest_path: Path, formats: Sequence[str] = FORMATS,
                     out: Path | None = None, settings: Settings | None = None,
                     force: bool = False,
                     on_result: Callable[[JobResult], None] | None = None) -> BuildReport:
    """Build one collection in ``formats`` to ``out/collections/<manifest name>.<ext>``."""
    started = time.perf_counter()
    settings = settings or load_settings()
    project = Project.open(settings)
    manifest = load_manifest(manifest_path)
    with collecting() as found:
        docs = select(manifest, project)
    ctx = project.render_context()
    folder = (out or settings.out) / "collections"
    cache = _Cache.load(settings.cache_dir / "collections.json")
    shared = shared_key(project)
    report = BuildReport()
    for fmt in formats:
        target = folder / f"{manifest.slug}{SUFFIX[fmt]}"
        key = _key(manifest, docs, shared, fmt)
        if not force and cache.entries.get(str(target)) == key and target.is_file():
            result = JobResult(manifest.path, fmt, "skipped", target)
        else:
            begun = time.perf_counter()
            with collecting() as rendered:
                try:
                    data = render(fmt, manifest, docs, ctx)
                except ImprintError as exc:
                    exc.located(manifest.path)
                    data, error = None, (str(exc), exc.exit_code)
            if data is None:
                result = JobResult(manifest.path, fmt, "failed", target, error[0], error[1],
                                   list(rendered), time.perf_counter() - begun)
            else:
                write_atomic(target, data)
                cache.entries[str(target)] = key
                cache.save()
                result = JobResult(manifest.path, fmt, "built", target, None, 0,
                                   list(dict.fromkeys(found + rendered)),
                                   time.perf_counter() - begun, len(data),
                                   hashlib.sha256(data).hexdigest())
        report.results.append(result)
        if on_result is not None:
            on_result(result)
    report.seconds = time.perf_counter() - started
    return report


def manifests(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in MANIFEST_SUFFIXES)
