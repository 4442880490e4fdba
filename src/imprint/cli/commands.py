"""The commands that run long and report at length: build's progress and summary,
collections, check, archive and a Jekyll site's editions."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..errors import ConfigError, ImprintError

if TYPE_CHECKING:  # the build module (and what it imports) loads only for a build
    from ..builder.report import BuildReport, JobResult


class BuildProgress:
    """Build progress on stderr: a bar on a terminal, one plain line per job otherwise (CI)."""

    def __init__(self) -> None:
        self.bar: Any = None  # a rich Progress on a terminal
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            # refreshed from the build loop, not a thread: the worker pool forks
            self.bar = Progress(
                TextColumn("[bold]imprint[/]"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=Console(stderr=True),
                auto_refresh=False,
                transient=True,
            )
            self.task = self.bar.add_task("", total=None)
            self.bar.start()

    def __call__(self, result: JobResult, done: int, total: int) -> None:
        if self.bar is not None:
            name = result.target.name if result.target else result.source.name
            self.bar.update(
                self.task, completed=done, total=total, description=f"{result.status} {name}"
            )
            self.bar.refresh()
        elif result.status != "skipped":
            where = result.target or result.source
            print(
                f"[{done:>{len(str(total))}}/{total}] {result.status:<7} {result.format:<4} "
                f"{where} ({result.seconds:.2f} s)",
                file=sys.stderr,
            )

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def print_summary(report: BuildReport) -> None:
    posts = report.posts
    counts = (len(report.built), report.skipped_count, len(report.failed), len(report.warnings))
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"imprint: {posts} post(s)", title_justify="left")
        for column in ("built", "skipped", "failed", "warnings", "time"):
            table.add_column(column, justify="right")
        table.add_row(*map(str, counts), f"{report.seconds:.1f} s")
        Console(stderr=True).print(table)
        if report.report_path:
            print(f"report: {report.report_path}", file=sys.stderr)
        return
    print(
        f"imprint: {counts[0]} built, {counts[1]} skipped, {counts[2]} failed, "
        f"{counts[3]} warning(s), {posts} post(s) in {report.seconds:.1f} s",
        file=sys.stderr,
    )


def print_report(report: BuildReport, single: bool, verbose: bool = False) -> int:
    from .messages import warning_lines

    for line in warning_lines(report.warnings, verbose):
        print(line, file=sys.stderr)
    errors = list(dict.fromkeys(r.error for r in report.failed if r.error))
    for error in errors:
        print(error, file=sys.stderr)
    if single:
        for result in report.built:
            print(result.target)
    else:
        print_summary(report)
    if not report.failed:
        return 0
    codes = {r.exit_code for r in report.failed}
    return codes.pop() if len(codes) == 1 else 1


def run_collections(args: argparse.Namespace, settings: Settings) -> int:
    from ..collection import build_collection, manifests

    chosen = args.manifests or manifests(settings.content / "collections")
    if not chosen:
        raise ImprintError(
            "no collection manifests (content/collections/*.toml)", settings.content / "collections"
        )
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError("--jobs must be 1 or more")
    from .progress import Steps

    code = 0
    for manifest in chosen:
        with Steps("collection") as step:
            step(f"{manifest.name}: {', '.join(args.formats)}")
            report = build_collection(
                manifest,
                args.formats,
                out=args.out,
                settings=settings,
                force=args.force,
                jobs=args.jobs,
                on_result=lambda result, step=step: step(  # type: ignore[misc]  # mypy: a default
                    f"{result.status} {result.target.name if result.target else result.format}"
                ),
            )
        for result in report.results:
            if result.status == "skipped":
                print(f"{result.target} (unchanged)")
        code = max(code, print_report(report, single=True))
    write_catalogue_of(args.out or settings.out, settings)
    return code


def write_catalogue_of(out: Path, settings: Settings) -> None:
    """The OPDS catalogue of what ``out`` now holds (posts and collections)."""
    from ..collection.opds import write_catalogue

    write_catalogue(out, settings)


def run_check(paths: list[Path], verbose: bool) -> int:
    from ..check.suite import check, unchecked
    from .progress import Steps

    with Steps("check") as step:
        rows = check(paths, step)
    if not rows:
        raise ImprintError(
            "no outputs to check here (.epub, .html, .pdf, .docx)", paths[0] if paths else None
        )
    width = max(len(str(r.path)) for r in rows)
    print(f"{'file':<{width}}  {'validator':<11}  {'errors':>6}  {'warnings':>8}")
    for row in rows:
        errors = "not run" if row.errors is None else str(row.errors)
        warnings = "" if row.warnings is None else str(row.warnings)
        print(f"{row.path!s:<{width}}  {row.validator:<11}  {errors:>6}  {warnings:>8}")
        if verbose or row.errors is None:
            for message in row.messages[:20]:
                print(f"    {message}")
    left, assets = unchecked(paths)
    for path, reason in left:
        print(f"not checked: {path}: {reason}")
    if assets:
        print(
            f"not checked: {assets} asset file(s) of the pages (styles, fonts, images, "
            "search index): not publications on their own"
        )
    failed = [r for r in rows if r.failed]
    skipped = [r for r in rows if r.errors is None]
    print(
        f"imprint: {len(rows)} checked, {len(failed)} with errors, {len(skipped)} not run",
        file=sys.stderr,
    )
    if skipped and require_tools():
        print("imprint: IMPRINT_REQUIRE_TOOLS=1 and a validator could not run", file=sys.stderr)
        return 1
    return 1 if failed else 0


def require_tools() -> bool:
    return os.environ.get("IMPRINT_REQUIRE_TOOLS") == "1"


def run_archive(args: argparse.Namespace, settings: Settings) -> int:
    from ..check.archive import archive
    from ..check.bags import verify

    if args.verify is not None:
        problems = verify(args.verify)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            return 1
        print(f"{args.verify}: a valid bag, fixity checked")
        return 0
    from .progress import Steps

    with Steps("archive") as step:
        report = archive(
            args.paths or None,
            args.out or settings.out / "archive",
            settings,
            args.bag_count,
            step,
        )
    write_catalogue_of(settings.out, settings)  # build/ as it is: what the archive left there
    for warning in report.warnings:  # as imprint build gives them
        print(warning, file=sys.stderr)
    for row in report.invalid:
        print(
            f"{row.path}: invalid: {row.validator}: {row.errors} error(s), listed in "
            "data/validation.json",
            file=sys.stderr,
        )
    for row in report.not_run:
        print(f"{row.path}: warning: {row.validator} could not run here", file=sys.stderr)
    print(report.bag)
    print(
        f"imprint: {len(report.posts)} post(s), {len(report.collections)} collection(s), "
        f"{len(report.invalid)} invalid output(s), {len(report.warnings)} warning(s)",
        file=sys.stderr,
    )
    if report.invalid and not args.allow_invalid:
        return 1
    return 1 if report.not_run and require_tools() else 0


def run_editions(args: argparse.Namespace, settings: Settings) -> int:
    """``imprint build SITE --editions``: PDF, EPUB and DOCX into the Jekyll site."""
    from ..builder.editions import build_editions

    if settings.site_root is None:
        raise ConfigError("--editions needs a Jekyll site (a folder holding _config.yml)")
    progress = BuildProgress()
    try:
        report, data = build_editions(
            settings,
            [f for f in args.formats if f != "html"],
            jobs=args.jobs,
            on_result=progress,
            force=args.force,
        )
    finally:
        progress.stop()
    code = print_report(report, single=False, verbose=args.verbose)
    print(data, file=sys.stderr)
    return code
