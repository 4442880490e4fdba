"""What a build is asked to do (:class:`BuildRequest`), and the typed records of its
work: each post it plans, and each job waiting for a worker's answer."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import FORMATS, Settings
from ..diagnostics import Diagnostic
from ..model import Document
from .cache import FileStamp
from .report import JobResult

OnResult = Callable[[JobResult, int, int], None]  # (result, jobs done, jobs planned)


@dataclass(frozen=True)
class BuildRequest:
    """Build ``formats`` for every post under ``paths`` (default: the content folder).

    ``targets`` maps a format to an exact output path and ``flat`` puts outputs in
    ``out`` itself: both mean a single export, run in this process, with no cache,
    report or index. ``force`` rebuilds what the cache would skip; ``executor="dask"``
    sends the jobs to the cluster at ``scheduler``. ``on_result`` is told of each job
    as it ends; ``on_document`` is given each post's normalised Document as it arrives
    (a caller that needs the Documents too need not normalise the posts again).
    """

    paths: Iterable[str | Path] | None = None
    formats: Sequence[str] = FORMATS
    out: Path | None = None
    settings: Settings | None = None
    jobs: int | None = None  # worker processes (default: the settings' worker count)
    on_result: OnResult | None = None
    on_document: Callable[[Document], None] | None = None
    targets: Mapping[str, Path] | None = None
    flat: bool = False
    force: bool = False
    executor: str = "local"  # or "dask"
    scheduler: Any = None  # the Dask scheduler's address, or a Client

    @property
    def single_export(self) -> bool:
        """One post's outputs at given paths: no site, cache or report."""
        return bool(self.targets) or self.flat


@dataclass
class PlannedPost:
    """A post with something to build."""

    path: Path
    raw: bytes | None  # None: read again when it is sent (planning keeps no post's bytes)
    keys: dict[str, str]  # format -> cache key
    stale: list[str]  # formats to build
    stamp: FileStamp  # the post as read: size, time and digest


@dataclass(frozen=True, slots=True)
class NormaliseJob:
    """A post sent to a worker to be read and normalised."""

    post: PlannedPost


@dataclass(frozen=True, slots=True)
class RenderJob:
    """A post's Document sent to a worker to be rendered in one format."""

    post: PlannedPost
    fmt: str
    target: Path  # where its bytes go
    found: list[Diagnostic]  # the warnings normalising the post gave


PendingJob = NormaliseJob | RenderJob
