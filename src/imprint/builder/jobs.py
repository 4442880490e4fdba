"""The work a build hands out: normalise a post, render a format. Runs wherever it is sent.

These functions run in a local worker process, in this process (a single
export), or on a Dask worker on another machine. They read the project from
a per-process global set once by :func:`init_worker`, never print, and return
plain picklable values: a failure is data (a one-line message and an exit
code), not an exception, so one bad post cannot stop a worker.
"""

from __future__ import annotations

import gc
import resource
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic, collecting
from ..errors import ImprintError
from ..model import Document
from ..renderers import gated, get_renderer
from ..source.pandoc import resident_cpu_seconds
from .project import Project

Failure = tuple[str, int] | None  # (the report line, the exit code)

_PROJECT: Project | None = None
_PROJECT_TOKEN: str = ""
_ONE_AT_A_TIME = threading.Lock()


def init_worker(project: Project, formats: Sequence[str]) -> None:
    """Warm a worker: load the renderers it will run (WeasyPrint imports once here)."""
    use_project(project)
    warm_renderers(project, formats)


def init_pool_worker(project: Project, formats: Sequence[str]) -> None:
    """:func:`init_worker` in a local pool worker, a process that lives for one build
    and runs nothing but its jobs: once it has run a kind of job twice, what is alive
    (libraries, fonts, stylesheets and their caches) lives as long as the process, and
    is set aside from Python's cyclic collector (:func:`_freeze_after_second_run`)."""
    global _RUNS_BEFORE_FREEZE
    gated.use_speedups()  # a process of imprint's own: its PDFs may take the speed patches
    init_worker(project, formats)
    _RUNS_BEFORE_FREEZE = dict.fromkeys(("normalise", *formats), 0)


# in a pool worker, each kind of job whose second run has not come yet: its runs so far
_RUNS_BEFORE_FREEZE: dict[str, int] = {}


def _freeze_after_second_run(kind: str) -> None:
    """After the second job of ``kind`` in a pool worker (a build of one post never gets
    there, and pays nothing): collect, then freeze what is left, so later full
    collections no longer walk it. A job's own objects are gone by then or freed by
    their reference counts."""
    if kind not in _RUNS_BEFORE_FREEZE:
        return
    _RUNS_BEFORE_FREEZE[kind] += 1
    if _RUNS_BEFORE_FREEZE[kind] == 2:
        del _RUNS_BEFORE_FREEZE[kind]
        gc.collect()
        gc.freeze()


def preload(formats: Sequence[str]) -> None:
    """Import what the renderers need before workers fork from this process.

    Only imports: fonts, stylesheets and anything holding a handle are set up
    by each worker (:func:`warm_renderers`) after the fork.
    """
    for name in formats:
        hook = getattr(get_renderer(name), "preload", None)
        if hook is not None:
            hook()


def use_project(project: Project) -> None:
    global _PROJECT, _PROJECT_TOKEN
    _PROJECT = project
    _PROJECT_TOKEN = _token(project)


def warm_renderers(project: Project, formats: Sequence[str]) -> None:
    for name in formats:
        renderer = get_renderer(name)
        warm = getattr(renderer, "warm", None)
        if warm is not None:
            warm(project.render_context())


def current_project() -> Project:
    """The project this worker was set up with (:func:`init_worker` or :func:`use_project`)."""
    assert _PROJECT is not None, "init_worker was not called"
    return _PROJECT


def _token(project: Project) -> str:
    return f"{project.settings!r}|{project.brand.digest}"


def failure_of(exc: BaseException) -> tuple[str, int]:
    """The report line (a traceback for a bug) and the exit code for a failed job."""
    if isinstance(exc, ImprintError):
        return str(exc), exc.exit_code
    return "".join(traceback.format_exception(exc)).rstrip(), 70


# the last item of each: the CPU seconds the job took, its pandoc runs included
NormaliseResult = tuple[Document | None, Failure, list[Diagnostic], list[Path], float]
RenderResult = tuple[bytes | None, Failure, list[Diagnostic], float, float]


def cpu_seconds() -> float:
    """CPU time (user + system) of this process, of the child processes it has waited
    for (pandoc) and of its resident pandoc: a job's difference is its own cost,
    whatever else the machine is doing."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return (
        own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime + resident_cpu_seconds()
    )


def normalise_job(path: Path, raw: bytes | None = None) -> NormaliseResult:
    """One post's Document, its warnings, and the local files it read (images)."""
    assert _PROJECT is not None, "init_worker was not called"
    cpu = cpu_seconds()
    with collecting() as found:
        try:
            doc, files = _PROJECT.load_tracked(path, raw)
            _freeze_after_second_run("normalise")
            return doc, None, found, files, cpu_seconds() - cpu
        except Exception as exc:
            if isinstance(exc, ImprintError):
                exc.located(path)
            return None, failure_of(exc), found, [], cpu_seconds() - cpu


def render_job(doc: Document, fmt: str) -> RenderResult:
    """One format's bytes for one Document."""
    assert _PROJECT is not None, "init_worker was not called"
    start, cpu = time.perf_counter(), cpu_seconds()
    with collecting() as found:
        try:
            data = get_renderer(fmt).render(doc, _PROJECT.render_context())
            _freeze_after_second_run(fmt)
            return data, None, found, time.perf_counter() - start, cpu_seconds() - cpu
        except Exception as exc:
            if isinstance(exc, ImprintError):
                exc.located(doc.source_path)
            return (None, failure_of(exc), found, time.perf_counter() - start, cpu_seconds() - cpu)


def in_project(
    project: Project, formats: Sequence[str], job: str, *args: object
) -> NormaliseResult | RenderResult:
    """Run ``job`` on a worker that may not have been set up (a Dask worker).

    The project travels with the task; a worker initialises itself the first
    time it sees a project and reuses the warm renderers after that.
    """
    # Renderers keep per-process state (WeasyPrint's fonts, SOURCE_DATE_EPOCH while a
    # PDF is written): a Dask worker with several threads runs imprint jobs one by one.
    with _ONE_AT_A_TIME:
        if _PROJECT is None or _PROJECT_TOKEN != _token(project):
            init_worker(project, formats)
        return JOBS[job](*args)


JOBS: dict[str, Callable[..., Any]] = {"normalise": normalise_job, "render": render_job}
