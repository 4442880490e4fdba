"""What a build did: one result per job, and ``report.json`` beside the outputs.

:class:`BuildReport` lives here, below the builder, so that the site index,
collections and the command line can read a report without importing the
builder itself.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..config import __version__
from ..diagnostics import Diagnostic
from .output import write_atomic

REPORT_NAME = "report.json"


@dataclass(slots=True)
class JobResult:
    source: Path
    format: str
    status: str  # built | skipped | failed
    target: Path | None = None
    error: str | None = None  # one line for ImprintError; a traceback for a bug
    exit_code: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0
    size: int = 0
    sha256: str = ""
    cpu_seconds: float = 0.0  # the worker's CPU time for the job, pandoc's included


@dataclass
class BuildReport:
    seconds: float = 0.0
    planned: int = 0  # jobs in the plan: posts × formats
    removed: list[Path] = field(default_factory=list)  # outputs of deleted posts
    executor: str = ""
    workers: int = 0
    peak_rss_kb: int = 0  # the largest worker's high-water mark
    report_path: Path | None = None
    index_path: Path | None = None
    # reading and normalising the posts: how many, and their CPU seconds in the workers
    normalised: int = 0
    normalise_cpu_seconds: float = 0.0
    laid_out: list[Path] = field(default_factory=list)  # site pages made anew (not posts)
    indexed: list[Path] = field(default_factory=list)  # search shards indexed anew
    site_seconds: float = 0.0  # the site pass
    # the site pass's own warnings (a feed it could not write), this build's or, when it
    # had nothing to do, the last pass's
    site_warnings: list[Diagnostic] = field(default_factory=list)
    _results: list[JobResult] = field(default_factory=list, repr=False)
    # Jobs skipped because their output was fresh, as [source, format, output, size,
    # sha256, warnings]: an archive's build has tens of thousands, made JobResults only
    # if asked
    _unchanged: list[list[Any]] = field(default_factory=list, repr=False)

    def add(self, result: JobResult) -> None:
        self._results.append(result)

    def unchanged(
        self,
        source: Path,
        fmt: str,
        output: str,
        size: int,
        sha256: str,
        warnings: list[Diagnostic] | None = None,
    ) -> None:
        """A job skipped: its output, recorded by the build cache, is as it was written
        (``warnings``: those its build gave, still true of it)."""
        self._unchanged.append([source, fmt, output, size, sha256, warnings or []])

    def recorded(self) -> int:
        """How many jobs are recorded, whatever became of them."""
        return len(self._results) + len(self._unchanged)

    @property
    def results(self) -> list[JobResult]:
        """Every job's result: skipped ones first, then the others as they came."""
        if self._unchanged:
            self._results[:0] = [
                JobResult(
                    source, fmt, "skipped", Path(output), size=size, sha256=sha256, warnings=found
                )
                for source, fmt, output, size, sha256, found in self._unchanged
            ]
            self._unchanged = []
        return self._results

    def _with(self, status: str) -> list[JobResult]:
        return [r for r in self._results if r.status == status]

    @property
    def failed(self) -> list[JobResult]:
        return self._with("failed")

    @property
    def built(self) -> list[JobResult]:
        return self._with("built")

    @property
    def skipped(self) -> list[JobResult]:
        return [r for r in self.results if r.status == "skipped"]

    @property
    def skipped_count(self) -> int:
        return len(self._unchanged) + len(self._with("skipped"))

    @property
    def posts(self) -> int:
        """How many posts the jobs are of."""
        return len({r.source for r in self._results} | {row[0] for row in self._unchanged})

    @property
    def warnings(self) -> list[Diagnostic]:
        """Every warning the build's posts have, built or skipped, then the site's."""
        seen: dict[Diagnostic, None] = {}
        for result in self._results:
            seen.update(dict.fromkeys(result.warnings))
        for row in self._unchanged:
            seen.update(dict.fromkeys(row[5]))
        seen.update(dict.fromkeys(self.site_warnings))
        return list(seen)

    @property
    def ok(self) -> bool:
        return not self.failed

    def restamp(self, stamps: dict[Path, Any]) -> None:
        """New sizes and digests of outputs changed since they were recorded here (site
        pages whose navigation was filled in): ``stamps`` maps each to its FileStamp."""
        if not stamps:
            return
        for result in self._results:
            stamp = stamps.get(result.target) if result.target else None
            if stamp is not None:
                result.size, result.sha256 = stamp.size, stamp.sha256
        by_name = {str(path): stamp for path, stamp in stamps.items()}
        for row in self._unchanged:
            stamp = by_name.get(row[2])
            if stamp is not None:
                row[3], row[4] = stamp.size, stamp.sha256


def cpu_by_stage(report: BuildReport) -> dict[str, dict[str, float]]:
    """CPU seconds in the workers per stage (normalising, then each format built):
    the jobs run and their total."""
    stages = {
        "normalise": {"jobs": report.normalised, "total": round(report.normalise_cpu_seconds, 3)}
    }
    for result in report.built:
        stage = stages.setdefault(result.format, {"jobs": 0, "total": 0.0})
        stage["jobs"] += 1
        stage["total"] = round(stage["total"] + result.cpu_seconds, 3)
    return stages


class _Relative:
    """Paths as report.json gives them: relative to the output folder it is in, so the
    published report names no local folder (a post's source is ``../content/…``)."""

    def __init__(self, out: Path):
        self.out = str(out)
        self.inside = os.path.join(self.out, "")
        self.known: dict[str, str] = {}

    def __call__(self, path: Path | str | None) -> str | None:
        if path is None:
            return None
        path = str(path)
        if path.startswith(self.inside):  # an output: most of an archive's paths
            return path[len(self.inside) :].replace(os.sep, "/")
        if path not in self.known:
            self.known[path] = os.path.relpath(path, self.out).replace(os.sep, "/")
        return self.known[path]

    def warning(self, diagnostic: Diagnostic) -> str:
        """A warning as the command line says it, its file named relative to ``out``."""
        if not diagnostic.path or not os.path.isabs(diagnostic.path):
            return str(diagnostic)
        return str(replace(diagnostic, path=self(diagnostic.path)))


def _job_line(r: JobResult, relative: _Relative) -> str:
    """One job of ``report.json``, as ``json.dumps`` writes it."""
    if r.status == "skipped" and not r.warnings and r.error is None:
        return _skipped_line(
            relative(r.source) or "", r.format, relative(r.target), r.size, r.sha256
        )
    return json.dumps(
        {
            "source": relative(r.source),
            "format": r.format,
            "status": r.status,
            "seconds": round(r.seconds, 4),
            "cpu_seconds": round(r.cpu_seconds, 4),
            "output": relative(r.target),
            "size": r.size,
            "sha256": r.sha256 or None,
            "error": r.error.replace(str(r.source), relative(r.source) or "") if r.error else None,
            "warnings": [relative.warning(w) for w in r.warnings],
        },
        ensure_ascii=False,
    )


def _skipped_line(source: str, fmt: str, output: str | None, size: int, sha256: str) -> str:
    """A skipped job's line (an archive has tens of thousands), as _job_line would make
    it, without building a dictionary first."""
    return (
        f'{{"source": {_text(source)}, "format": {_text(fmt)}, "status": "skipped", '
        f'"seconds": 0.0, "cpu_seconds": 0.0, '
        f'"output": {_text(output) if output else "null"}, "size": {size}, '
        f'"sha256": {_text(sha256) if sha256 else "null"}, "error": null, '
        '"warnings": []}'
    )


_text = json.JSONEncoder(ensure_ascii=False).encode  # a string as json.dumps writes it


def job_lines(report: BuildReport, out: Path) -> list[str]:
    """The report's jobs, a line each, in order of source and format (paths relative
    to ``out``, the folder report.json is written in)."""
    relative = _Relative(out)
    lines = [((str(r.source), r.format), _job_line(r, relative)) for r in report._results]
    for source, fmt, output, size, sha256, found in report._unchanged:
        if found:  # a post skipped with warnings: they are still said
            result = JobResult(source, fmt, "skipped", Path(output), None, 0, found, 0.0, size)
            result.sha256 = sha256
            lines.append(((str(source), fmt), _job_line(result, relative)))
        else:
            line = _skipped_line(relative(source) or "", fmt, relative(output), size, sha256)
            lines.append(((str(source), fmt), line))
    lines.sort(key=lambda line: line[0])
    return [line for _, line in lines]


def kept_site_warnings(path: Path, found: list[Diagnostic] | None) -> list[Diagnostic]:
    """The site pass's warnings: ``found``, those it just gave, kept at ``path`` for the
    builds after; or, when the pass had nothing to do (``found`` is None), those it
    gave last, which are still true."""
    if found is None:
        try:
            rows = json.loads(path.read_bytes())
            return [Diagnostic(*row) for row in rows]
        except (OSError, ValueError, TypeError):
            return []
    data = json.dumps([[d.message, d.path, d.line, d.code] for d in found]).encode()
    try:
        if path.read_bytes() == data:
            return found
    except OSError:
        pass
    write_atomic(path, data)
    return found


def write_report(path: Path, report: BuildReport, lines: list[str] | None = None) -> Path:
    """``report.json``; ``lines``: its jobs, if :func:`job_lines` made them already."""
    relative = _Relative(path.parent)
    data = {
        "imprint": __version__,
        "seconds": round(report.seconds, 3),
        "executor": report.executor or "none",
        "workers": report.workers,
        "peak_worker_rss_mb": round(report.peak_rss_kb / 1024, 1),
        "summary": {
            "built": len(report.built),
            "skipped": report.skipped_count,
            "failed": len(report.failed),
            "warnings": len(report.warnings),
            "removed": len(report.removed),
        },
        "cpu_seconds": cpu_by_stage(report),
        "removed": [relative(p) for p in report.removed],
        "site": {
            "seconds": round(report.site_seconds, 3),
            "laid_out": [relative(p) for p in report.laid_out],
            "indexed": [relative(p) for p in report.indexed],
            "warnings": [relative.warning(w) for w in report.site_warnings],
        },
    }
    # one job a line: an archive's report holds tens of thousands, and json's indenting
    # encoder is many times slower than its compact one
    head = json.dumps(data, indent=1, ensure_ascii=False)[:-2]  # without "\n}"
    jobs = ",\n  ".join(job_lines(report, path.parent) if lines is None else lines)
    text = f'{head},\n "jobs": [\n  {jobs}\n ]\n}}' if jobs else f'{head},\n "jobs": []\n}}'
    write_atomic(path, text.encode("utf-8"))
    return path
