"""Scale-out: the same jobs on an existing ``dask.distributed`` cluster.

``imprint build --executor dask --scheduler tcp://host:8786`` sends every
normalise and render job to the cluster. The project (settings and brand)
is scattered to the workers once; each worker sets itself up the first time
it runs an imprint job and keeps its renderers warm after that. Results come
back as bytes and this process writes them, atomically, exactly as a local
build does, so the cache, the report and the index work unchanged.

Workers read posts and their images by path, so they must see the project at
the same paths as this machine (a shared filesystem or the same mount); the
post's bytes themselves travel with the job.

A Dask task cannot be interrupted from outside, so the per-job timeout is
kept here: a job running past it is cancelled and reported failed, and the
build moves on. Needs the optional extra: ``pip install 'imprint[dask]'``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from ..errors import ConfigError
from . import jobs
from .pool import DIED, ERROR, OK, TIMEOUT, Outcome
from .project import Project

POLL_SECONDS = 1.0  # how often to ask the scheduler which jobs have started


class DaskExecutor:
    name = "dask"

    def __init__(
        self, project: Project, formats: Sequence[str], scheduler: Any, timeout: float | None
    ):
        try:
            from distributed import Client
        except ImportError:
            raise ConfigError(
                "the Dask executor needs the optional extra: pip install 'imprint[dask]'"
            ) from None
        if isinstance(scheduler, Client):
            self.client, self._own_client = scheduler, False
        else:
            if not scheduler:
                raise ConfigError(
                    "--executor dask needs --scheduler ADDRESS (for example tcp://scheduler:8786)"
                )
            try:
                self.client = Client(scheduler, timeout="20s")
            except OSError as exc:
                raise ConfigError(
                    f"cannot reach the Dask scheduler at {scheduler}: {exc}"
                ) from None
            self._own_client = True
        self.workers = len(self.client.scheduler_info().get("workers", {}))
        self._formats = tuple(formats)
        [self._project] = self.client.scatter([project], broadcast=True, hash=False)
        self._timeout = timeout
        self._run = uuid.uuid4().hex[:8]
        self._futures: dict[Any, int] = {}  # future -> ticket
        self._started: dict[str, float] = {}  # task key -> when first seen running
        self._count = 0
        self.peak_rss_kb = 0

    def submit(self, job: str, *args: Any, priority: int = 0) -> int:
        ticket = self._count
        self._count += 1
        future = self.client.submit(
            jobs.in_project,
            self._project,
            self._formats,
            job,
            *args,
            key=f"imprint-{job}-{self._run}-{ticket}",
            pure=False,
            priority=-priority,
            retries=0,
        )
        self._futures[future] = ticket
        return ticket

    def _note_started(self) -> None:
        now = time.monotonic()
        for keys in self.client.processing().values():
            for key in keys:
                self._started.setdefault(key, now)

    def results(self) -> Iterator[Outcome]:
        from distributed import wait

        while self._futures:
            try:
                wait(list(self._futures), timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
            except TimeoutError:
                pass
            for future in [f for f in self._futures if f.done()]:
                yield self._collect(future)
            if self._timeout:
                self._note_started()
                now = time.monotonic()
                for future in list(self._futures):
                    began = self._started.get(future.key)
                    if began is not None and now - began > self._timeout:
                        ticket = self._futures.pop(future)
                        future.cancel()
                        yield Outcome(
                            ticket,
                            TIMEOUT,
                            detail=(
                                f"took longer than {self._timeout:g} s on the cluster and was "
                                "cancelled"
                            ),
                            seconds=now - began,
                        )

    def _collect(self, future: Any) -> Outcome:
        ticket = self._futures.pop(future)
        began = self._started.pop(future.key, None)
        seconds = time.monotonic() - began if began is not None else 0.0
        if future.status == "finished":
            return Outcome(ticket, OK, future.result(), seconds=seconds)
        if future.status == "cancelled":
            return Outcome(ticket, DIED, detail="the cluster cancelled the job", seconds=seconds)
        exc = future.exception()
        return Outcome(ticket, ERROR, detail=f"{type(exc).__name__}: {exc}", seconds=seconds)

    def close(self) -> None:
        for future in self._futures:
            future.cancel()
        self._futures.clear()
        if self._own_client:
            self.client.close()
