"""What a build did: one result per job, and ``report.json`` beside the outputs.

:class:`BuildReport` lives here, below the builder, so that the site index,
collections and the command line can read a report without importing the
builder itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

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
    results: list[JobResult] = field(default_factory=list)
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

    def _with(self, status: str) -> list[JobResult]:
        return [r for r in self.results if r.status == status]

    @property
    def failed(self) -> list[JobResult]:
        return self._with("failed")

    @property
    def built(self) -> list[JobResult]:
        return self._with("built")

    @property
    def skipped(self) -> list[JobResult]:
        return self._with("skipped")

    @property
    def warnings(self) -> list[Diagnostic]:
        seen: dict[Diagnostic, None] = {}
        for result in self.results:
            seen.update(dict.fromkeys(result.warnings))
        return list(seen)

    @property
    def ok(self) -> bool:
        return not self.failed


def cpu_by_stage(report: BuildReport) -> dict[str, dict[str, float]]:
    """CPU seconds in the workers per stage (normalising, then each format built):
    the jobs run and their total."""
    stages = {"normalise": {"jobs": report.normalised,
                            "total": round(report.normalise_cpu_seconds, 3)}}
    for result in report.built:
        stage = stages.setdefault(result.format, {"jobs": 0, "total": 0.0})
        stage["jobs"] += 1
        stage["total"] = round(stage["total"] + result.cpu_seconds, 3)
    return stages


def _job_line(r: JobResult) -> str:
    """One job of ``report.json``, as ``json.dumps`` writes it; a skipped job (an archive
    has tens of thousands) without building a dictionary first."""
    if r.status == "skipped" and not r.warnings and r.error is None:
        return (f'{{"source": {_text(str(r.source))}, "format": {_text(r.format)}, '
                f'"status": "skipped", "seconds": 0.0, "cpu_seconds": 0.0, '
                f'"output": {_text(str(r.target)) if r.target else "null"}, "size": {r.size}, '
                f'"sha256": {_text(r.sha256) if r.sha256 else "null"}, "error": null, '
                '"warnings": []}')
    return json.dumps({
        "source": str(r.source), "format": r.format, "status": r.status,
        "seconds": round(r.seconds, 4), "cpu_seconds": round(r.cpu_seconds, 4),
        "output": str(r.target) if r.target else None,
        "size": r.size, "sha256": r.sha256 or None, "error": r.error,
        "warnings": [str(w) for w in r.warnings],
    }, ensure_ascii=False)


_text = json.JSONEncoder(ensure_ascii=False).encode  # a string as json.dumps writes it


def job_lines(report: BuildReport) -> list[str]:
    """The report's jobs, a line each, in order of source and format."""
    return list(map(_job_line, sorted(report.results, key=lambda r: (str(r.source), r.format))))


def write_report(path: Path, report: BuildReport, lines: list[str] | None = None) -> Path:
    """``report.json``; ``lines``: its jobs, if :func:`job_lines` made them already."""
    data = {
        "imprint": __version__,
        "seconds": round(report.seconds, 3),
        "executor": report.executor or "none",
        "workers": report.workers,
        "peak_worker_rss_mb": round(report.peak_rss_kb / 1024, 1),
        "summary": {"built": len(report.built), "skipped": len(report.skipped),
                    "failed": len(report.failed), "warnings": len(report.warnings),
                    "removed": len(report.removed)},
        "cpu_seconds": cpu_by_stage(report),
        "removed": [str(p) for p in report.removed],
        "site": {"seconds": round(report.site_seconds, 3),
                 "laid_out": [str(p) for p in report.laid_out],
                 "indexed": [str(p) for p in report.indexed]},
    }
    # one job a line: an archive's report holds tens of thousands, and json's indenting
    # encoder is many times slower than its compact one
    head = json.dumps(data, indent=1, ensure_ascii=False)[:-2]  # without "\n}"
    jobs = ",\n  ".join(job_lines(report) if lines is None else lines)
    text = f'{head},\n "jobs": [\n  {jobs}\n ]\n}}' if jobs else f'{head},\n "jobs": []\n}}'
    write_atomic(path, text.encode("utf-8"))
    return path
