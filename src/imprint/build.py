"""Builds: plan jobs (document × format), run them in warm workers, write atomically, report.

Each post is normalised once (one pandoc run), in a worker; its Document then
feeds one render job per format. Workers import WeasyPrint and parse the
brand's stylesheet once, then serve many jobs. A failing post or format is
recorded and the rest of the build goes on; outputs are written by this
process only, each through a temporary file and a rename.
"""

from __future__ import annotations

import hashlib
import logging
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from .config import FORMATS, Settings, load_settings
from .diagnostics import Diagnostic, collecting
from .errors import ImprintError
from .model import Document
from .output import remove_stale_temporaries, write_atomic
from .project import Project, discover
from .renderers import get_renderer

LOGGER = logging.getLogger("imprint.build")


@dataclass
class JobResult:
    source: Path
    format: str
    status: str  # built | failed
    target: Path | None = None
    error: str | None = None  # one line for ImprintError; a traceback for a bug
    exit_code: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0
    size: int = 0
    sha256: str = ""


@dataclass
class BuildReport:
    results: list[JobResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[JobResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def built(self) -> list[JobResult]:
        return [r for r in self.results if r.status == "built"]

    @property
    def warnings(self) -> list[Diagnostic]:
        seen: dict[Diagnostic, None] = {}
        for result in self.results:
            seen.update(dict.fromkeys(result.warnings))
        return list(seen)

    @property
    def ok(self) -> bool:
        return not self.failed


# --- work done in workers (or in this process) ------------------------------------------------

_PROJECT: Project | None = None


def _init_worker(project: Project, formats: Sequence[str]) -> None:
    """Warm a worker: load the renderers it will run (WeasyPrint imports once here)."""
    global _PROJECT
    _PROJECT = project
    for name in formats:
        get_renderer(name)


def _failure(exc: BaseException) -> tuple[str, int]:
    """The report line (a traceback for a bug) and the exit code for a failed job."""
    if isinstance(exc, ImprintError):
        return str(exc), exc.exit_code
    return "".join(traceback.format_exception(exc)).rstrip(), 70


Failure = tuple[str, int] | None


def normalise_job(path: Path) -> tuple[Document | None, Failure, list[Diagnostic]]:
    assert _PROJECT is not None
    with collecting() as found:
        try:
            return _PROJECT.load(path), None, found
        except Exception as exc:  # noqa: BLE001 - reported per post, the build goes on
            if isinstance(exc, ImprintError):
                exc.located(path)
            return None, _failure(exc), found


def render_job(doc: Document, fmt: str) -> tuple[bytes | None, Failure, list[Diagnostic], float]:
    assert _PROJECT is not None
    start = time.perf_counter()
    with collecting() as found:
        try:
            data = get_renderer(fmt).render(doc, _PROJECT.render_context())
            return data, None, found, time.perf_counter() - start
        except Exception as exc:  # noqa: BLE001
            if isinstance(exc, ImprintError):
                exc.located(doc.source_path)
            return None, _failure(exc), found, time.perf_counter() - start


# --- planning and running ---------------------------------------------------------------------

def target_for(out: Path, doc: Document, fmt: str, flat: bool = False) -> Path:
    """``out/<format>/<slug>.<ext>``, or ``out/<slug>.<ext>`` for a single export."""
    name = f"{doc.slug}{get_renderer(fmt).suffix}"
    return out / name if flat else out / fmt / name


class _InlineExecutor:
    """Runs jobs in this process: for one post, where starting workers costs more."""

    def submit(self, fn: Callable, *args: object) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # noqa: BLE001
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def build(paths: Iterable[str | Path] | None = None, formats: Sequence[str] = FORMATS,
          out: Path | None = None, settings: Settings | None = None,
          jobs: int | None = None, on_result: Callable[[JobResult], None] | None = None,
          targets: dict[str, Path] | None = None, flat: bool = False) -> BuildReport:
    """Build ``formats`` for every post under ``paths`` (default: the content folder).

    ``targets`` maps a format to an exact output path (single-post export);
    ``flat`` puts outputs in ``out`` itself rather than a folder per format.
    """
    started = time.perf_counter()
    settings = settings or load_settings()
    project = Project.open(settings)
    out = (out or settings.out).resolve()
    sources = discover([Path(p) for p in (paths or [settings.content])])
    report = BuildReport()
    remove_stale_temporaries([out] + [out / fmt for fmt in formats] +
                             [t.parent for t in (targets or {}).values()])

    def record(result: JobResult) -> None:
        report.results.append(result)
        if on_result is not None:
            on_result(result)

    workers = jobs if jobs is not None else settings.worker_count
    if len(sources) <= 1 or workers <= 1:
        _init_worker(project, formats)
        executor: ProcessPoolExecutor | _InlineExecutor = _InlineExecutor()
    else:
        executor = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                       initargs=(project, tuple(formats)))
    try:
        _run(executor, sources, formats, out, targets or {}, flat, settings.strict, record)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    report.seconds = time.perf_counter() - started
    return report


def _run(executor, sources: list[Path], formats: Sequence[str], out: Path,
         targets: dict[str, Path], flat: bool, strict: bool,
         record: Callable[[JobResult], None]) -> None:
    pending: dict[Future, tuple] = {}
    for path in sources:
        pending[executor.submit(normalise_job, path)] = ("normalise", path)
    owners: dict[Path, Path] = {}  # output path -> the post that claimed it
    while pending:
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for future in done:
            kind, *info = pending.pop(future)
            try:
                outcome = future.result()
            except BrokenProcessPool:
                outcome = None
            if kind == "normalise":
                (path,) = info
                if outcome is None:
                    outcome = (None, (f"{path}: render: a worker process died while reading "
                                      "this post", 70), [])
                doc, failure, found = outcome
                if doc is None:
                    error, code = failure
                    for fmt in formats:
                        record(JobResult(path, fmt, "failed", error=error, exit_code=code,
                                         warnings=found))
                    continue
                for fmt in formats:
                    target = targets.get(fmt) or target_for(out, doc, fmt, flat)
                    claimed = owners.setdefault(target, path)
                    if claimed != path:
                        record(JobResult(path, fmt, "failed", target, error=(
                            f"{path}: source: slug '{doc.slug}' is also the slug of {claimed}; "
                            "give one of them a 'slug:' in its front matter"), exit_code=65,
                            warnings=found))
                        continue
                    pending[executor.submit(render_job, doc, fmt)] = ("render", path, fmt,
                                                                      target, found)
            else:
                path, fmt, target, found = info
                if outcome is None:
                    outcome = (None, (f"{path}: render: a worker process died while "
                                      f"rendering {fmt}", 70), [], 0.0)
                data, failure, rendered, seconds = outcome
                warnings = list(dict.fromkeys(found + rendered))
                if failure is None and strict and warnings:
                    failure = (f"{path}: strict: {len(warnings)} warning(s) for {fmt}; "
                               "nothing written", 1)
                if failure is not None:
                    record(JobResult(path, fmt, "failed", target, failure[0], failure[1],
                                     warnings, seconds))
                    continue
                write_atomic(target, data)
                record(JobResult(path, fmt, "built", target, None, 0, warnings, seconds,
                                 len(data), hashlib.sha256(data).hexdigest()))


def export_one(path: Path, fmt: str, output: Path | None = None,
               settings: Settings | None = None) -> BuildReport:
    """The author's path: one post, one format, rendered in this process."""
    settings = settings or load_settings()
    if output is None or output.is_dir():
        return build([path], [fmt], out=output or Path.cwd(), settings=settings, jobs=1,
                     flat=True)
    return build([path], [fmt], settings=settings, jobs=1, targets={fmt: output.resolve()})
