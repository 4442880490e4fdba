"""A collection's pieces of work, and where they run.

Its posts are normalised one job each, and so are its PDF's articles; the
EPUB, the DOCX, the PDF's front matter and its page numbers are a job each.
With more than one worker the jobs run in the builder's worker pool (the
memory cap and the job deadline hold there too); with one they run here, in
order. Either way each is the same function of the same values, so the book's
bytes do not depend on how many workers made it.

A piece returns its value with the warnings it raised and, when it failed, the
error (a bug or a stopped job becomes a RenderError): a failure is data, as in
the builder's jobs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from ..builder import jobs
from ..builder.pool import ERROR, WorkerPool
from ..builder.project import Project
from ..config import Settings
from ..diagnostics import Diagnostic, collecting, replay
from ..errors import ImprintError, RenderError
from ..model import Document


@dataclass
class Piece:
    value: Any = None
    error: ImprintError | None = None
    found: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0  # how long it took where it ran


def piece(fn: Callable[..., Any], *args: Any) -> Piece:
    """Run ``fn`` on the worker's project; what it raises becomes the Piece's error."""
    started = time.perf_counter()
    with collecting() as found:
        try:
            done = Piece(fn(jobs.current_project(), *args), None, found)
        except ImprintError as exc:
            done = Piece(None, exc, found)
        except Exception as exc:
            done = Piece(None, RenderError(jobs.failure_of(exc)[0]), found)
    done.seconds = time.perf_counter() - started
    return done


Call = tuple[Callable[..., Any], tuple[Any, ...]]


class Runner:
    """Runs pieces in ``workers`` worker processes, or here when there is one."""

    def __init__(self, project: Project, formats: Sequence[str], workers: int, settings: Settings):
        self.pool: WorkerPool | None = None
        if workers > 1:
            jobs.preload(formats)  # imported once here, before the workers fork
            self.pool = WorkerPool(
                workers,
                jobs.init_pool_worker,
                (project, tuple(formats)),
                timeout=settings.job_timeout,
                memory_mb=settings.memory_mb,
            )
        else:
            jobs.use_project(project)

    def run(
        self, calls: Sequence[Call], more: Callable[[int, Piece], Sequence[Call]] | None = None
    ) -> list[Piece]:
        """Each call's Piece, in the order of ``calls`` (the earlier ones start first).

        ``more`` is told of each piece as it is done (here, in order; in the pool, as
        they finish) and may hand back further calls: they run in the same round, and
        their pieces follow the others in the order they were asked for.
        """
        more = more or (lambda index, done: [])
        queue = list(calls)
        if self.pool is None:
            done: list[Piece] = []
            while len(done) < len(queue):
                fn, args = queue[len(done)]
                done.append(piece(fn, *args))
                queue += more(len(done) - 1, done[-1])
            return done
        done = [Piece() for _ in queue]
        tickets = {
            self.pool.submit(piece, fn, *args, priority=number): number
            for number, (fn, args) in enumerate(queue)
        }
        for outcome in self.pool.results():
            number = tickets.pop(outcome.ticket)
            if outcome.ok:
                done[number] = outcome.value
            else:  # the worker stopped: a deadline, the memory cap, a crash
                done[number] = Piece(
                    None,
                    RenderError(
                        f"internal error:\n{outcome.detail}"
                        if outcome.status == ERROR
                        else f"the job {outcome.detail}"
                    ),
                )
            for fn, args in more(number, done[number]):
                tickets[self.pool.submit(piece, fn, *args, priority=len(done))] = len(done)
                done.append(Piece())
        return done

    def load_all(self, paths: Sequence[Path]) -> list[Document | ImprintError]:
        """The posts' Documents (or why each could not be read); their warnings are
        reported here."""
        loaded = self.run([(Project.load, (path,)) for path in paths])
        for done in loaded:
            replay(done.found)
        return [done.value if done.error is None else done.error for done in loaded]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
