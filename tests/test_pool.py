"""The worker pool: a hung, crashing or greedy job fails alone; every other job finishes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from imprint.builder.pool import DIED, ERROR, MEMORY, OK, TIMEOUT, WorkerPool

from .conftest import require

pytestmark = pytest.mark.slow

_STARTED_IN: list[int] = []


def _remember_pid() -> None:
    _STARTED_IN.append(os.getpid())


def square(n: int) -> tuple[int, int]:
    return n * n, len(_STARTED_IN)  # the initializer ran once in this worker


def sleep_then(seconds: float, value: str) -> str:
    time.sleep(seconds)
    return value


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def greedy(megabytes: int) -> int:
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def _address_space_mb() -> int:
    """This process's virtual size: a forked worker starts with as much."""
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith("VmSize:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no VmSize")


def broken() -> None:
    raise ValueError("a bug in a job")


def _run(pool: WorkerPool) -> dict[int, object]:
    return {o.ticket: o for o in pool.results()}


def test_jobs_run_in_warm_workers_in_priority_order():
    with WorkerPool(2, _remember_pid) as pool:
        tickets = [pool.submit(square, n, priority=n % 3) for n in range(12)]
        outcomes = _run(pool)
    assert sorted(outcomes) == tickets
    assert all(o.status == OK for o in outcomes.values())
    assert [outcomes[t].value[0] for t in tickets] == [n * n for n in range(12)]
    assert {outcomes[t].value[1] for t in tickets} == {1}  # one initialisation per worker
    assert all(o.peak_rss_kb > 0 for o in outcomes.values())


def test_a_hung_job_is_stopped_and_the_rest_finish():
    with WorkerPool(2, timeout=1.5) as pool:
        hung = pool.submit(sleep_then, 60, "never")
        quick = [pool.submit(sleep_then, 0.05, f"job {n}") for n in range(6)]
        started = time.monotonic()
        outcomes = _run(pool)
        elapsed = time.monotonic() - started
    assert outcomes[hung].status == TIMEOUT and "1.5 s" in outcomes[hung].detail
    assert [outcomes[t].value for t in quick] == [f"job {n}" for n in range(6)]
    assert elapsed < 30  # a hang guard: the 60 s job did not hold the pool
    assert pool.replaced == 1


def test_a_worker_that_dies_fails_only_its_job():
    with WorkerPool(2) as pool:
        fatal = pool.submit(die)
        others = [pool.submit(square, n) for n in range(5)]
        outcomes = _run(pool)
        again = pool.submit(square, 7)  # the pool still works after losing a worker
        after = _run(pool)
    assert outcomes[fatal].status == DIED and "signal 9" in outcomes[fatal].detail
    assert [outcomes[t].value[0] for t in others] == [0, 1, 4, 9, 16]
    assert after[again].status == OK and after[again].value[0] == 49


def test_memory_cap_fails_the_greedy_job_alone():
    require(Path("/proc/self/status").is_file(), "Linux /proc")
    cap = _address_space_mb() + 300  # room for ordinary jobs, not for the greedy one
    with WorkerPool(1, memory_mb=cap) as pool:
        hungry = pool.submit(greedy, 2 * cap)
        fine = pool.submit(square, 3)
        outcomes = _run(pool)
    assert outcomes[hungry].status == MEMORY
    assert outcomes[fine].status == OK and outcomes[fine].value[0] == 9


def _reserved_mb() -> int:
    """Address space this process holds reserved and unusable (``---p``, no file) in
    regions of 16 MB or more: what is left of glibc's 64 MB malloc arenas once part of
    one is in use. (A thread's stack is usable memory, with a guard page of 4 KB.)"""
    total = 0
    with open("/proc/self/maps", encoding="ascii") as maps:
        for line in maps:
            fields = line.split()
            start, end = (int(n, 16) for n in fields[0].split("-"))
            if fields[1] == "---p" and len(fields) < 6 and end - start >= 16 << 20:
                total += end - start
    return total >> 20


def threads_reserve_mb(count: int) -> int:
    """Start ``count`` threads that allocate (as Pango's font-sorting threads do) and
    return how much address space this worker then holds reserved besides, in MB."""
    import threading

    def allocate() -> None:
        blocks = [bytearray(200_000) for _ in range(20)]  # past pymalloc: malloc's own
        del blocks

    before = _reserved_mb()
    threads = [threading.Thread(target=allocate) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return _reserved_mb() - before


_RESERVED_IN_FRESH_POOLS = """
import json
from imprint.builder.pool import WorkerPool
from tests.test_pool import _address_space_mb, threads_reserve_mb

reserved = {}
for cap in (None, _address_space_mb() + 300):
    with WorkerPool(1, memory_mb=cap) as pool:
        ticket = pool.submit(threads_reserve_mb, 4)
        outcome = next(o for o in pool.results() if o.ticket == ticket)
    assert outcome.status == "ok", outcome.detail
    reserved["capped" if cap else "uncapped"] = outcome.value
print(json.dumps(reserved))
"""


def test_threads_in_a_capped_worker_do_not_use_up_its_cap():
    """glibc reserves 64 MB of address space for each new thread's malloc arena and keeps
    it when the thread ends; under the cap, a capped worker's threads share one arena.
    Run from a fresh interpreter: a worker forked from this one would inherit the free
    arenas of the threads earlier tests started, and its threads would reuse those."""
    require(Path("/proc/self/status").is_file(), "Linux /proc")
    done = subprocess.run(
        [sys.executable, "-c", _RESERVED_IN_FRESH_POOLS],
        check=False,
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    reserved = json.loads(done.stdout)
    assert reserved["uncapped"] >= 48, reserved  # glibc's arenas (what the cap lost)
    assert reserved["capped"] == 0, reserved


def test_a_bug_in_a_job_comes_back_as_its_traceback():
    with WorkerPool(1) as pool:
        bad = pool.submit(broken)
        good = pool.submit(square, 2)
        outcomes = _run(pool)
    assert outcomes[bad].status == ERROR and "ValueError: a bug in a job" in outcomes[bad].detail
    assert outcomes[good].value[0] == 4


def litter_then_hang(seconds: float) -> str:
    """A job that leaves a temporary file and is then stopped (its worker killed)."""
    import tempfile

    handle, name = tempfile.mkstemp(prefix="left-")
    os.close(handle)
    time.sleep(seconds)
    return name


def test_a_killed_worker_leaves_no_temporary_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    with WorkerPool(2, timeout=1.5) as pool:
        tickets = [pool.submit(litter_then_hang, 0.0), pool.submit(litter_then_hang, 30.0)]
        outcomes = _run(pool)
        left = Path(outcomes[tickets[0]].value)
        assert left.is_file() and left.parent.parent == tmp_path  # the pool's own folder
        assert outcomes[tickets[1]].status == TIMEOUT
    assert list(tmp_path.iterdir()) == []  # the killed job's file went with the pool's folder


def environment_value(name: str) -> tuple[str | None, bool]:
    """What a worker sees of ``name``, and whether WeasyPrint was loaded before its job."""
    import sys

    return os.environ.get(name), "weasyprint" in sys.modules


def test_workers_from_the_fork_server_have_the_environment_of_now(monkeypatch):
    """The fork server (the imprint command's) starts with the build's libraries loaded and
    with the environment of when it started; each worker is given the one of when it
    is started, as a forked worker would have it."""
    from imprint.builder import pool as pool_module
    from imprint.builder.executors import PRELOAD

    monkeypatch.setattr(pool_module, "_SERVER_ALLOWED", False)
    assert not pool_module.start_server([PRELOAD])  # a library caller's process: no server
    monkeypatch.setattr(pool_module, "_SERVER_ALLOWED", True)
    monkeypatch.delenv("IMPRINT_POOL_PROBE", raising=False)
    assert pool_module.start_server([PRELOAD])
    monkeypatch.setenv("IMPRINT_POOL_PROBE", "set after the server started")
    with WorkerPool(1, server=True) as pool:
        pool.submit(environment_value, "IMPRINT_POOL_PROBE")
        [outcome] = pool.results()
    assert outcome.status == OK, outcome.detail
    assert outcome.value == ("set after the server started", True)


def test_a_freed_worker_has_its_next_job_before_the_outcome_is_handled():
    """While the build writes one job's output, the worker that made it is already on
    the next job, not waiting for the build to come back."""
    with WorkerPool(1) as pool:
        tickets = [pool.submit(square, n) for n in range(3)]
        seen = []
        for outcome in pool.results():
            held = [w.job[0] for w in pool._workers if w.job is not None]
            seen.append((outcome.ticket, held))
        assert [outcome for outcome, _ in seen] == tickets
        # the next ticket was sent to the worker before each outcome came out
        assert [held for _, held in seen] == [[tickets[1]], [tickets[2]], []]


def _settling() -> tuple[dict[str, int], int]:
    """In a worker: the kinds of job not frozen after yet (and their runs), and how many
    objects are frozen."""
    import gc

    from imprint.builder import jobs

    return dict(jobs._RUNS_BEFORE_FREEZE), gc.get_freeze_count()


def test_a_build_worker_sets_aside_what_outlives_its_first_jobs(settings):
    """Once a pool worker has run a kind of job twice, what is still alive (libraries,
    fonts, caches) is frozen away from the cyclic collector; the results are the same."""
    from imprint.builder import jobs
    from imprint.builder.project import Project

    from .conftest import CONTENT

    post = min(CONTENT.glob("*.md"))
    with WorkerPool(1, jobs.init_pool_worker, (Project.open(settings), ("html",))) as pool:
        for call in [
            (_settling,),
            (jobs.normalise_job, post),
            (_settling,),
            (jobs.normalise_job, post),
            (_settling,),
        ]:
            pool.submit(*call)
        [start, normalised, once, _, twice] = [o.value for o in pool.results()]
        doc = normalised[0]
        for call in [
            (jobs.render_job, doc, "html"),
            (_settling,),
            (jobs.render_job, doc, "html"),
            (_settling,),
        ]:
            pool.submit(*call)
        [rendered, rendered_once, rendered_again, rendered_twice] = [
            o.value for o in pool.results()
        ]
    assert doc is not None and rendered[0] and rendered[1] is None
    assert start[0] == {"normalise": 0, "html": 0}
    # a single post's build never pays for the collection; a second job of a kind does
    assert once[0] == {"normalise": 1, "html": 0} and twice[0] == {"html": 0}
    assert twice[1] > once[1]
    assert rendered_once[0] == {"html": 1} and rendered_twice[0] == {}
    assert rendered_twice[1] > rendered_once[1]
    assert rendered_again[0] == rendered[0]
