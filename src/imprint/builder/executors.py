"""Where a build's jobs run: in this process, in local worker processes, or on Dask.

All three take jobs by name (``"normalise"``, ``"render"``, see :mod:`jobs`)
and yield :class:`~imprint.pool.Outcome` values as they finish, so the build
loop does not care which one it drives.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from . import jobs
from .pool import ERROR, OK, Outcome, WorkerPool
from .project import Project

PRELOAD = "imprint.builder.preload"  # what the fork server imports for the workers


class Executor(Protocol):
    name: str

    @property
    def workers(self) -> int: ...  # how many jobs can run at once

    @property
    def peak_rss_kb(self) -> int: ...  # the largest worker's memory high-water mark

    def submit(self, job: str, *args: Any, priority: int = 0) -> int: ...

    def results(self) -> Iterator[Outcome]: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Runs each job at once, in this process: the author's one-post export.

    Starting a worker would cost more than the job; a cold ``imprint pdf``
    should pay for one WeasyPrint import, not two. That import (and the brand
    stylesheet) is loaded on a thread while the post is normalised, which is
    mostly a wait for pandoc; the render waits for it.
    """

    name = "inline"
    workers = 1

    def __init__(self, project: Project, formats: Sequence[str]):
        jobs.use_project(project)
        self._warming: threading.Thread | None = threading.Thread(
            target=self._warm, args=(project, formats), name="imprint-warm", daemon=True
        )
        self._warming.start()
        self._done: list[Outcome] = []
        self._count = 0
        self.peak_rss_kb = 0

    @staticmethod
    def _warm(project: Project, formats: Sequence[str]) -> None:
        try:
            jobs.warm_renderers(project, formats)
        except Exception:
            pass

    def submit(self, job: str, *args: Any, priority: int = 0) -> int:
        if job == "render" and self._warming is not None:
            self._warming.join()
            self._warming = None
        ticket = self._count
        self._count += 1
        started = time.perf_counter()
        try:
            outcome = Outcome(ticket, OK, jobs.JOBS[job](*args))
        except Exception:
            outcome = Outcome(ticket, ERROR, detail=traceback.format_exc())
        outcome.seconds = time.perf_counter() - started
        self._done.append(outcome)
        return ticket

    def results(self) -> Iterator[Outcome]:
        while self._done:
            yield self._done.pop(0)

    def close(self) -> None:
        if self._warming is not None:
            self._warming.join()
        self._done.clear()


class LocalExecutor:
    """The default: a pool of warm worker processes on this machine."""

    name = "local"

    def __init__(
        self,
        project: Project,
        formats: Sequence[str],
        workers: int,
        timeout: float | None,
        memory_mb: int | None,
        server: bool = False,
    ):
        """``server``: start the workers from the fork server (:func:`start_server`),
        which loaded the renderers' libraries (WeasyPrint above all) while the build
        planned. Otherwise they are imported here, once, and reach every worker forked
        from this process (quicker, unless planning took long enough to hide the
        server's start)."""
        if not server:
            jobs.preload(formats)
        self._pool = WorkerPool(
            workers,
            jobs.init_pool_worker,
            (project, tuple(formats)),
            timeout=timeout,
            memory_mb=memory_mb,
            server=server,
        )
        self._pool.start()  # a build has work for each (their number is capped by it)

    @property
    def peak_rss_kb(self) -> int:
        return self._pool.peak_rss_kb

    @property
    def workers(self) -> int:
        return self._pool.size

    def submit(self, job: str, *args: Any, priority: int = 0) -> int:
        return self._pool.submit(jobs.JOBS[job], *args, priority=priority)

    def results(self) -> Iterator[Outcome]:
        return self._pool.results()

    def close(self) -> None:
        self._pool.close()
