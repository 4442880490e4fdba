"""Builds: plan jobs (document × format), skip what is up to date, run the rest, report.

:func:`build` takes a :class:`~imprint.builder.request.BuildRequest`, chooses the
executor (warm worker processes from :mod:`pool`, this process for a single export,
or a Dask cluster) and runs the build (:class:`~imprint.builder.run.BuildRun`).

A site build (``imprint build``) also keeps the cache manifest, removes the
outputs of posts whose source was deleted, and writes ``report.json`` and
``index.html`` in the output folder.
"""

from __future__ import annotations

import gc
import logging
import time
from dataclasses import replace
from pathlib import Path

from ..config import Settings, load_settings
from ..diagnostics import gathering_logged
from ..renderers.html import ASSETS
from .executors import PRELOAD, Executor, InlineExecutor, LocalExecutor
from .jekyll_site import build_sources
from .output import remove_stale_temporaries
from .pool import is_imprint_command, start_server
from .project import Project, discover
from .report import REPORT_NAME, BuildReport, job_lines, kept_site_warnings, write_report
from .request import BuildRequest, OnResult, PlannedPost
from .run import BuildRun, manifest_path
from .site import Written
from .site import finish as finish_site

LOGGER = logging.getLogger("imprint.build")


# posts from which planning takes long enough to hide a fork server's start (a fresh
# Python loading imprint and WeasyPrint)
SERVER_POSTS = 4000

__all__ = ["BuildRequest", "OnResult", "build", "export_one", "manifest_path"]


def build(request: BuildRequest) -> BuildReport:
    """Build what ``request`` asks for; see :class:`BuildRequest`."""
    started = time.perf_counter()
    # only the imprint command sets objects aside from the collector (see _build): a
    # program calling build() keeps its collector, and its own freeze, as they were
    freezing = is_imprint_command() and gc.get_freeze_count() == 0
    try:
        return _build(request, started, freezing)
    finally:
        if freezing:
            gc.unfreeze()  # see _build: the manifest's objects are the collector's again


def _build(request: BuildRequest, started: float, freezing: bool = False) -> BuildReport:
    formats, targets = request.formats, request.targets or {}
    settings = request.settings or load_settings()
    site = not request.single_export
    if settings.html_mode is None:  # a site's pages share assets; one export stands alone
        settings = replace(settings, html_mode="site" if site else "standalone")
    project = Project.open(settings)
    out = (request.out or settings.out).resolve()
    chosen = [Path(p) for p in request.paths] if request.paths else None
    listed = build_sources(chosen, settings) if site else None  # a Jekyll site's posts
    sources, left_out = listed or (discover(chosen or [settings.content]), [])
    run = BuildRun(project, request, out)
    # An archive's manifest is a few hundred thousand objects that live as long as the
    # build: set aside from the cyclic collector, which would otherwise walk them all
    # again and again while planning and laying out the site
    if freezing:
        gc.freeze()
    run.report.planned = len(sources) * len(formats)
    remove_stale_temporaries(
        [out, manifest_path(settings, out).parent, settings.cache_dir / "docx"]
        + [out / fmt for fmt in formats]
        + [out / "html" / ASSETS]
        + [t.parent for t in targets.values()]
    )
    if site:
        run.remove_deleted(sources, left_out)
    # An archive takes a while to plan: if a post changed, workers will be needed, and a
    # fork server loads their libraries meanwhile (see LocalExecutor)
    server = (
        site
        and request.executor == "local"
        and len(sources) >= SERVER_POSTS
        and run.sources_changed(sources)
        and start_server([PRELOAD])
    )
    posts = run.plan(sources)
    executor = _executor(request, project, settings, posts, server)
    try:
        if executor is not None:
            run.report.executor = executor.name
            run.report.workers = executor.workers
            run.run(executor, posts)
    except BaseException:  # also on Ctrl-C: keep the record of what was written
        if site:
            run.manifest.save()
        raise
    finally:  # stop the workers
        if executor is not None:
            run.report.peak_rss_kb = executor.peak_rss_kb
            executor.close()
    if site:
        shared = run.keys.shared if run.keys else ""
        begun = time.perf_counter()
        lines: list[str] = []

        def prepare_report(written: Written) -> None:  # while the search index is made
            run.report.restamp(written.stamps)
            lines.extend(job_lines(run.report, out))

        try:  # the site pass saves the manifest (once: an archive's is large)
            with gathering_logged("imprint.site", "site") as found:  # its logger
                run.report.index_path, written = finish_site(
                    out, run.manifest, project, shared, run.present, prepare_report
                )
        except BaseException:
            run.manifest.save()
            raise
        run.report.site_warnings = kept_site_warnings(
            run.manifest.path.with_suffix(".warnings"), None if written.skipped else found
        )
        run.report.site_seconds = time.perf_counter() - begun
        run.report.laid_out, run.report.indexed = written.rendered, written.indexed
        changed = written.saved
        run.report.seconds = time.perf_counter() - started
        report = run.report
        if (
            changed
            or report.built
            or report.failed
            or report.removed
            or written.files
            or written.removed
            or not (out / REPORT_NAME).is_file()
        ):
            report.report_path = write_report(out / REPORT_NAME, report, lines or None)
        else:  # nothing changed: the folder is left exactly as it was, report.json too
            report.report_path = out / REPORT_NAME
    run.report.seconds = time.perf_counter() - started
    return run.report


def _executor(
    request: BuildRequest,
    project: Project,
    settings: Settings,
    posts: list[PlannedPost],
    server: bool = False,
) -> Executor | None:
    if not posts:
        return None  # nothing to build: start no worker, import no renderer
    formats = request.formats
    if request.executor == "dask":
        from .dask_executor import DaskExecutor

        return DaskExecutor(project, formats, request.scheduler, settings.job_timeout)
    if request.single_export:
        return InlineExecutor(project, formats)
    jobs = request.jobs
    workers = min(
        jobs if jobs is not None else settings.worker_count, sum(len(p.stale) for p in posts)
    )
    return LocalExecutor(
        project, formats, workers, settings.job_timeout, settings.memory_mb, server=server
    )


def export_one(
    path: Path, fmt: str, output: Path | None = None, settings: Settings | None = None
) -> BuildReport:
    """The author's path: one post, one format, rendered in this process."""
    settings = settings or load_settings()
    if output is None or output.is_dir():
        return build(
            BuildRequest(
                [path], [fmt], out=output or Path.cwd(), settings=settings, jobs=1, flat=True
            )
        )
    return build(
        BuildRequest([path], [fmt], settings=settings, jobs=1, targets={fmt: output.resolve()})
    )
