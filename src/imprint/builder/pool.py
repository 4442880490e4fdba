"""Warm worker processes that can lose one job without losing the build.

``concurrent.futures.ProcessPoolExecutor`` cannot stop a job that hangs, and
one worker that dies (a segfault in a C library, the kernel's OOM killer)
breaks the whole pool. This pool gives each worker its own pipe, so the
parent always knows which job a worker holds: a job that runs past its
deadline gets its worker killed and replaced, a worker that dies fails only
the job it held, and every other job goes on.

Workers are started once and reused; ``initializer`` runs in each (importing
WeasyPrint once per process, not once per job). Each worker may be capped in
memory with ``setrlimit``: past the cap an allocation fails inside that job,
which then fails alone and the worker is replaced.

Library code: nothing here prints.
"""

from __future__ import annotations

import heapq
import itertools
import multiprocessing
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

# statuses of an Outcome
OK, ERROR, TIMEOUT, DIED, MEMORY = "ok", "error", "timeout", "died", "memory"


@dataclass
class Outcome:
    """What became of one submitted job."""

    ticket: int
    status: str  # ok | error | timeout | died | memory
    value: Any = None  # the job's return value when ok
    detail: str = ""  # a traceback (error) or what stopped the worker
    seconds: float = 0.0
    peak_rss_kb: int = 0  # the worker's high-water mark so far

    @property
    def ok(self) -> bool:
        return self.status == OK


_SERVER_ALLOWED = False


def allow_server() -> None:
    """Let builds start their workers from a fork server (:func:`start_server`). Only a
    program whose main module is safe to import again says so (the ``imprint``
    command): each process the server starts imports it, so a script calling
    ``imprint.build()`` at its top level would run again in every worker."""
    global _SERVER_ALLOWED
    _SERVER_ALLOWED = True


def is_imprint_command() -> bool:
    """Whether this process is the ``imprint`` command's (:func:`allow_server`), whose
    process-wide settings (the collector's) imprint may change."""
    return _SERVER_ALLOWED


def start_server(preload: list[str]) -> bool:
    """Start multiprocessing's fork server now, importing the modules in ``preload``, and
    return at once; False if this process may not (:func:`allow_server`) or cannot. The
    server loads them in a process of its own while this one goes on (an archive's
    build plans meanwhile); a pool with ``server=True`` then starts its workers from it
    with those modules loaded, and this process never imports them. A server already
    running is left as it is."""
    if not _SERVER_ALLOWED or "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(preload)
    forkserver.ensure_running()
    return True


def _libc() -> Any:
    """glibc, for the calls Python has no wrapper for; None off Linux or without it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - no C library to load
        return None


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the build process dies, even by ``kill -9``.

    Without it a worker busy in a long render would outlive a killed build.
    (A worker waiting for work needs no help: its pipe closes and it exits.)
    """
    libc = _libc()
    if libc is not None and hasattr(libc, "prctl"):
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _one_malloc_arena() -> None:
    """Have threads that C libraries start in this worker allocate from the process's
    malloc arena. glibc gives each new thread an arena of its own, reserving address
    space that stays reserved after the thread ends; Pango's font threads would use up
    the cap of :func:`_cap_memory` for nothing, and a thread that then fails to start
    is fatal to GLib (the worker dies of SIGTRAP on an ordinary post)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(-8, 1)  # M_ARENA_MAX


def _cap_memory(megabytes: int | None) -> None:
    """Limit this process's address space, so a runaway job fails instead of the machine."""
    if not megabytes:
        return
    limit = megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _use_scratch(folder: str) -> None:
    """This worker's temporary files (and its helpers', such as the resident pandoc's) go
    in the pool's scratch folder, which the pool removes when it closes: a worker that is
    killed cannot tidy up after itself."""
    os.environ["TMPDIR"] = folder
    tempfile.tempdir = folder


def _worker_main(
    conn: Connection,
    initializer: Callable[..., None] | None,
    initargs: tuple[Any, ...],
    memory_mb: int | None,
    scratch: str,
    environment: dict[str, str] | None = None,
) -> None:
    _die_with_parent()
    if memory_mb:
        _one_malloc_arena()  # before anything starts a thread
    if environment is not None:  # started by the fork server: the build's, as it is now
        os.environ.clear()
        os.environ.update(environment)
    _use_scratch(scratch)
    # Ctrl-C reaches the whole process group; the parent decides what stops, and
    # a worker printing its own KeyboardInterrupt traceback would only add noise.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    init_error = ""
    try:
        if initializer is not None:
            initializer(*initargs)
    except Exception:
        init_error = traceback.format_exc()
    _cap_memory(memory_mb)  # after the imports: the cap is for jobs, not for start-up
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if task is None:
            return
        ticket, fn, args = task
        started = time.perf_counter()
        status, value, detail = OK, None, ""
        if init_error:
            status, detail = ERROR, f"worker start-up failed:\n{init_error}"
        else:
            try:
                value = fn(*args)
            except MemoryError:
                status, detail = MEMORY, "ran out of memory"
            except Exception:
                status, detail = ERROR, traceback.format_exc()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        message = Outcome(ticket, status, value, detail, time.perf_counter() - started, peak)
        try:
            conn.send(message)
        except (BrokenPipeError, EOFError, OSError):
            return
        except Exception:
            conn.send(Outcome(ticket, ERROR, None, traceback.format_exc(), message.seconds, peak))
        if status == MEMORY:
            return  # a process that hit its cap may be left in a bad state: start afresh


class _Worker:
    def __init__(
        self,
        ctx: Any,
        initializer: Callable[..., None] | None,
        initargs: tuple[Any, ...],
        memory_mb: int | None,
        scratch: str,
    ):
        self.conn, child = ctx.Pipe(duplex=True)
        # a forked worker has this process's environment; one from the fork server is
        # given it, since the server's is the one it started with
        environment = dict(os.environ) if ctx.get_start_method() == "forkserver" else None
        self.process = ctx.Process(
            target=_worker_main,
            daemon=True,
            args=(child, initializer, initargs, memory_mb, scratch, environment),
        )
        self.process.start()
        child.close()
        self.job: tuple[int, float, float] | None = None  # ticket, started, deadline

    def stop(self, kill: bool = False) -> None:
        self.ask_to_stop(kill)
        self.wait()

    def ask_to_stop(self, kill: bool = False) -> None:
        if kill and self.process.is_alive():
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                pass

    def wait(self) -> None:
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class WorkerPool:
    """``size`` warm worker processes; jobs run in priority order (lower first)."""

    def __init__(
        self,
        size: int,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        timeout: float | None = None,
        memory_mb: int | None = None,
        server: bool = False,
    ):
        """``server``: start workers from the fork server (see :func:`start_server`),
        which has the renderers' libraries loaded; otherwise fork them from this
        process, with what it has imported."""
        methods = multiprocessing.get_all_start_methods()
        method = (
            "forkserver"
            if server and "forkserver" in methods
            else "fork"
            if "fork" in methods
            else None
        )
        self._ctx = multiprocessing.get_context(method)
        self.scratch = tempfile.mkdtemp(prefix="imprint-workers-")
        self._spawn_args = (initializer, initargs, memory_mb, self.scratch)
        self.timeout = timeout
        self.size = max(1, size)
        self._workers: list[_Worker] = []
        self._queue: list[tuple[int, int, int, Callable[..., Any], tuple[Any, ...]]] = []
        self._tickets = itertools.count()
        self.peak_rss_kb = 0
        self.replaced = 0  # workers killed or lost and started again

    def start(self) -> None:
        """Start every worker now rather than as jobs come: they set themselves up (the
        renderers warmed) side by side while the first jobs are being prepared."""
        while len(self._workers) < self.size:
            self._spawn()

    def _spawn(self) -> _Worker:
        worker = _Worker(self._ctx, *self._spawn_args)
        self._workers.append(worker)
        return worker

    def submit(self, fn: Callable[..., Any], *args: Any, priority: int = 0) -> int:
        ticket = next(self._tickets)
        heapq.heappush(self._queue, (priority, ticket, ticket, fn, args))
        return ticket

    def _dispatch(self) -> list[Outcome]:
        """Hand queued jobs to idle workers, starting workers up to ``size`` as needed."""
        lost: list[Outcome] = []
        while self._queue:
            idle = next((w for w in self._workers if w.job is None), None)
            if idle is None:
                if len(self._workers) >= self.size:
                    break
                idle = self._spawn()
            _, _, ticket, fn, args = heapq.heappop(self._queue)
            now = time.monotonic()
            deadline = now + self.timeout if self.timeout else float("inf")
            try:
                idle.conn.send((ticket, fn, args))
            except (BrokenPipeError, OSError):
                lost.append(
                    self._replace(
                        idle,
                        Outcome(
                            ticket,
                            DIED,
                            detail=("the worker process was gone before the job started"),
                        ),
                    )
                )
                continue
            idle.job = (ticket, now, deadline)
        return lost

    def _replace(self, worker: _Worker, outcome: Outcome, kill: bool = False) -> Outcome:
        """Retire ``worker`` (killing it if asked); a fresh one starts on demand."""
        worker.stop(kill=kill)
        self._workers.remove(worker)
        self.replaced += 1
        return outcome

    def _running(self) -> list[_Worker]:
        return [w for w in self._workers if w.job is not None]

    def results(self) -> Iterator[Outcome]:
        """Yield outcomes as jobs finish, until nothing is queued or running.

        Jobs submitted while iterating are picked up too.
        """
        while True:
            yield from self._dispatch()
            running = self._running()
            if not running:
                if self._queue:
                    continue
                return
            deadline = min(w.job[2] for w in running)  # type: ignore[index]
            wait_for = max(0.0, deadline - time.monotonic()) if deadline != float("inf") else None
            handles: dict[Any, _Worker] = {}
            for worker in running:
                handles[worker.conn] = worker
                handles[worker.process.sentinel] = worker
            ready = wait(list(handles), timeout=wait_for)
            finished: set[int] = set()
            for handle in ready:
                worker = handles[handle]
                if id(worker) in finished or worker.job is None:
                    continue
                finished.add(id(worker))
                outcome = self._collect(worker)
                # the freed worker takes its next job before this outcome is handled (the
                # caller writes an output, which can take a while): it is not left idle
                lost = self._dispatch()
                yield outcome
                yield from lost
            now = time.monotonic()
            for worker in self._running():
                ticket, started, deadline = worker.job  # type: ignore[misc]
                if id(worker) not in finished and now >= deadline:
                    yield self._replace(
                        worker,
                        Outcome(
                            ticket,
                            TIMEOUT,
                            detail=f"took longer than {self.timeout:g} s and was stopped",
                            seconds=now - started,
                        ),
                        kill=True,
                    )

    def _collect(self, worker: _Worker) -> Outcome:
        ticket, started, _ = worker.job  # type: ignore[misc]
        try:
            if not worker.conn.poll():
                raise EOFError
            outcome: Outcome = worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join(timeout=1)
            code = worker.process.exitcode
            how = (
                f"was killed by signal {-code}"
                if code is not None and code < 0
                else f"exited with status {code}"
            )
            return self._replace(
                worker,
                Outcome(
                    ticket,
                    DIED,
                    detail=f"the worker process {how}",
                    seconds=time.monotonic() - started,
                ),
                kill=True,
            )
        worker.job = None
        self.peak_rss_kb = max(self.peak_rss_kb, outcome.peak_rss_kb)
        if outcome.status == MEMORY:
            return self._replace(worker, outcome, kill=True)
        return outcome

    def close(self) -> None:
        """Stop every worker: idle ones are told to exit, busy ones are killed."""
        self._queue.clear()
        for worker in self._workers:  # all told first: they end side by side
            worker.ask_to_stop(kill=worker.job is not None)
        for worker in self._workers:
            worker.wait()
        self._workers.clear()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
