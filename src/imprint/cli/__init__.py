"""The command line. The only module that prints.

    imprint build [PATH ...] [--formats html,pdf] [--out DIR] [--jobs N] [--force]
                  [--timeout S] [--executor local|dask --scheduler ADDRESS]
                  [--drafts] [--future] [--unpublished] [--editions] [--verbose]
    imprint collection [MANIFEST ...] [--formats epub,pdf] [--out DIR]
    imprint pdf|html|epub|docx FILE [-o OUT]
    imprint preview [PATH] [--port N] [--host ADDRESS] [--open]
    imprint new "Title" [--author NAME] [--date DATE] [--dir FOLDER]
    imprint init DIR [--force]
    imprint import FILE.docx|DIR ... [--out DIR] [--track-changes accept|reject|all]
    imprint archive [PATH ...] --out DIR [--allow-invalid] [--bag-count 'N of M']
    imprint archive --verify DIR

After ``build``, ``collection`` or ``archive``, OUT/opds/catalog.xml catalogues what
OUT then holds: the posts a build put there and the collections.

An ImprintError becomes one line, ``path:line: category: message``, and the
error's exit code; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from ..config import FORMATS, HTML_MODES, PDF_STANDARDS, Settings, __version__, load_settings
from ..errors import ConfigError, ImprintError

if TYPE_CHECKING:  # the build module (and what it imports) loads only for a build
    from ..builder.report import BuildReport, JobResult


def _formats(text: str) -> list[str]:
    chosen = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown format {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}"
        )
    return list(dict.fromkeys(chosen))


def _collection_formats(text: str) -> list[str]:
    chosen = _formats(text)
    if "html" in chosen:
        raise argparse.ArgumentTypeError("collections are built as epub, pdf or docx")
    return chosen


def _common(parser: argparse.ArgumentParser, pdf_standard: bool = True) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="project settings (default: ./imprint.toml if present)",
    )
    parser.add_argument(
        "--brand",
        type=Path,
        metavar="DIR",
        help="brand folder holding brand.toml (default: styles/)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings (missing alt text, unavailable images) as failures",
    )
    if not pdf_standard:  # the command chooses its own
        return
    parser.add_argument(
        "--pdf-standard",
        choices=PDF_STANDARDS,
        metavar="STANDARD",
        help="ua-1 (tagged, accessible; the default), a-3a (archival and tagged, "
        "with the Markdown source attached), a-3b (the same, untagged), x-4 "
        "(print-ready PDF/X-4 with bleed and crop marks) or none",
    )


def _html_mode(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--html",
        choices=HTML_MODES,
        dest="html_mode",
        help="site: pages share hashed CSS, fonts and images under "
        "html/assets/; standalone: one self-contained file per page "
        f"(default: [html] mode in imprint.toml, else {default})",
    )


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="imprint", description="Turn Markdown posts into branded HTML, PDF, EPUB 3 and DOCX."
    )
    main.add_argument("--version", action="version", version=f"imprint {__version__}")
    commands = main.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser(
        "build",
        help="build posts in every format",
        description="Build every post under PATH (default: content/) to OUT/<format>/<slug>.<ext>.",
    )
    build.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="post files or folders (default: the project's content folder)",
    )
    build.add_argument(
        "--formats",
        type=_formats,
        default=list(FORMATS),
        help="comma-separated subset of html,pdf,epub,docx (default: all)",
    )
    build.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: build/)")
    build.add_argument(
        "--jobs", "-j", type=int, metavar="N", help="worker processes (default: one per core)"
    )
    build.add_argument(
        "--force",
        action="store_true",
        help="rebuild every output, even those the cache says are up to date",
    )
    build.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="per-job time limit; a job past it fails alone (default: 120)",
    )
    build.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="where jobs run: local worker processes (default) or a Dask cluster",
    )
    _html_mode(build, "site")
    for flag, what in (
        ("--drafts", "a Jekyll site's _drafts/ too"),
        ("--future", "a Jekyll site's posts dated later than now too"),
        ("--unpublished", "a Jekyll site's posts marked published: false too"),
    ):
        build.add_argument(flag, action="store_true", help=what)
    build.add_argument(
        "--editions",
        action="store_true",
        help="write only the PDF, EPUB and DOCX editions into the Jekyll site "
        "(assets/editions/) and _data/editions.json, for its own pages to link to",
    )
    build.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="list every file a repeated warning is about, not only the first",
    )
    build.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="the Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --executor dask)",
    )
    _common(build)

    collection = commands.add_parser(
        "collection",
        help="build collections (many posts, one book) from manifests",
        description="Build each MANIFEST (TOML or YAML; default: every manifest in "
        "content/collections/) to OUT/collections/<name>.<ext>.",
    )
    collection.add_argument("manifests", nargs="*", type=Path, metavar="MANIFEST")
    collection.add_argument(
        "--formats",
        type=_collection_formats,
        default=["epub", "pdf", "docx"],
        help="comma-separated subset of epub,pdf,docx (default: all)",
    )
    collection.add_argument(
        "--out", type=Path, metavar="DIR", help="output folder (default: build/)"
    )
    collection.add_argument("--force", action="store_true", help="rebuild even if unchanged")
    collection.add_argument(
        "--jobs", "-j", type=int, metavar="N", help="worker processes (default: one per core)"
    )
    _common(collection)

    check = commands.add_parser(
        "check",
        help="run every available validator over outputs",
        description="Validate built outputs: EPUBCheck for EPUB, the "
        "Nu HTML Checker, a PDF/UA structure check, "
        "LibreOffice for DOCX. Validators missing here "
        "are reported as 'not run'.",
    )
    check.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="files or folders (default: the output folder)",
    )
    check.add_argument(
        "--verbose", "-v", action="store_true", help="list each problem under its file"
    )

    archive = commands.add_parser(
        "archive",
        help="a BagIt bag of every post and collection, for deposit",
        description="Build every post under PATH (default: content/) and every collection, "
        "validate them, and write one BagIt 1.0 bag to DIR; or --verify a bag.",
    )
    archive.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="post files or folders (default: the project's content folder)",
    )
    archive.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="the bag's folder (default: build/archive); replaced whole",
    )
    archive.add_argument(
        "--allow-invalid",
        action="store_true",
        help="exit 0 even when an output fails validation (it is still "
        "listed in data/validation.json)",
    )
    archive.add_argument(
        "--bag-count",
        metavar="'N of M'",
        help="this bag's place in a group of bags, for bag-info.txt's "
        "Bag-Count (left out for a bag that stands alone)",
    )
    archive.add_argument(
        "--verify",
        type=Path,
        metavar="DIR",
        help="validate the bag at DIR, fixity included, naming each file that changed",
    )
    _common(archive, pdf_standard=False)  # an archive's PDFs are PDF/A-3a

    proof = commands.add_parser(
        "proof",
        help="contact sheet of built PDFs' first pages",
        description="Render the first pages of every PDF under DIR "
        "(default: build/pdf) onto one PNG contact sheet.",
    )
    proof.add_argument("folder", nargs="?", type=Path, metavar="DIR")
    proof.add_argument(
        "-o", "--output", type=Path, metavar="PNG", help="the sheet (default: build/proof.png)"
    )
    proof.add_argument("--pages", type=int, default=2, help="pages per PDF (default: 2)")
    proof.add_argument(
        "--web",
        type=Path,
        metavar="SITE",
        help="instead, photograph the built site at SITE (index, a post, a topic, topics, "
        "search) at 390, 768 and 1280 px wide into OUT/proof/",
    )

    preview = commands.add_parser(
        "preview",
        help="live preview in the browser, rebuilt on every save",
        description="Serve PATH (a post, or a folder of posts; default: content/) on a "
        "local web server: the HTML as published beside the print pages, "
        "rebuilt and reloaded whenever the post, its images, the authors, "
        "the brand or the templates change.",
    )
    preview.add_argument("path", nargs="?", type=Path, metavar="PATH")
    preview.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only)",
    )
    preview.add_argument(
        "--port",
        type=int,
        default=8000,
        help="port (default: 8000, or a free one when it is taken)",
    )
    preview.add_argument("--open", action="store_true", help="open the page in a browser")
    _common(preview)

    from .importing import add_import_parser

    add_import_parser(commands)

    new = commands.add_parser(
        "new",
        help="start a new post",
        description="Write content/YYYY-MM-DD-slug.md with front "
        "matter imprint and Jekyll both read.",
    )
    new.add_argument("title", metavar="TITLE")
    new.add_argument(
        "--author",
        metavar="NAME",
        help="the byline (default: git's user.name, else the login name)",
    )
    new.add_argument(
        "--date",
        metavar="DATE",
        help="e.g. 2025-06-12 or '2025-06-12 09:30 +0800' (default: now; "
        "without an offset, the project's time zone)",
    )
    new.add_argument(
        "--dir",
        type=Path,
        metavar="FOLDER",
        help="where to write it (default: the project's content folder)",
    )

    init = commands.add_parser(
        "init",
        help="start a new project",
        description="Create a project in DIR that `make all` builds: "
        "imprint.toml, a Makefile, content/ with a "
        "sample post, styles/brand.toml.",
    )
    init.add_argument("folder", type=Path, metavar="DIR")
    init.add_argument(
        "--force", action="store_true", help="write into DIR even when it is not empty"
    )

    for fmt in FORMATS:
        one = commands.add_parser(
            fmt,
            help=f"export one post as {fmt.upper()}",
            description=f"Export one post as {fmt.upper()}.",
        )
        one.add_argument("file", type=Path, metavar="FILE", help="the post (Markdown)")
        one.add_argument(
            "-o",
            "--output",
            type=Path,
            metavar="OUT",
            help=f"output file or folder (default: ./<slug>.{fmt})",
        )
        if fmt == "html":
            _html_mode(one, "standalone")
        _common(one)
    return main


def _settings(args: argparse.Namespace) -> Settings:
    """The settings of the project the command's first path belongs to, found upward
    from it (a Jekyll site or an imprint project), else the working folder's."""
    if args.command in ("new", "init"):
        settings = load_settings(getattr(args, "config", None))
    else:
        from ..builder.jekyll_site import project_settings

        settings = project_settings(_first_path(args), getattr(args, "config", None))
    brand = getattr(args, "brand", None)
    brand = brand.resolve() if brand else None
    if brand is not None and not (brand / "brand.toml").is_file():
        raise ConfigError("no brand.toml in this folder", brand)
    return settings.with_overrides(
        brand=brand,
        drafts=getattr(args, "drafts", False) or None,
        future=getattr(args, "future", False) or None,
        unpublished=getattr(args, "unpublished", False) or None,
        strict=getattr(args, "strict", False) or None,
        pdf_standard=getattr(args, "pdf_standard", None),
        html_mode=getattr(args, "html_mode", None),
    )


def _first_path(args: argparse.Namespace) -> Path | None:
    for name in ("paths", "manifests"):
        if getattr(args, name, None):
            return getattr(args, name)[0]
    return getattr(args, "path", None) or getattr(args, "file", None)


class _Progress:
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


def _summary(report: BuildReport) -> None:
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


def _print_report(report: BuildReport, single: bool, verbose: bool = False) -> int:
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
        _summary(report)
    if not report.failed:
        return 0
    codes = {r.exit_code for r in report.failed}
    return codes.pop() if len(codes) == 1 else 1


def _collections(args: argparse.Namespace, settings: Settings) -> int:
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
        code = max(code, _print_report(report, single=True))
    _catalogue(args.out or settings.out, settings)
    return code


def _catalogue(out: Path, settings: Settings) -> None:
    """The OPDS catalogue of what ``out`` now holds (posts and collections)."""
    from ..collection.opds import write_catalogue

    write_catalogue(out, settings)


def _check(paths: list[Path], verbose: bool) -> int:
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
    if skipped and _require_tools():
        print("imprint: IMPRINT_REQUIRE_TOOLS=1 and a validator could not run", file=sys.stderr)
        return 1
    return 1 if failed else 0


def _require_tools() -> bool:
    return os.environ.get("IMPRINT_REQUIRE_TOOLS") == "1"


def _archive(args: argparse.Namespace, settings: Settings) -> int:
    from ..check.archive import archive, verify

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
    _catalogue(settings.out, settings)  # build/ as it is: what the archive left there
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
    return 1 if report.not_run and _require_tools() else 0


def _show_library_warnings() -> None:
    """What the library logs as a warning (a damaged build cache, say) reaches stderr."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("imprint: warning: %(message)s"))
    handler.setLevel(logging.WARNING)
    logging.getLogger("imprint").addHandler(handler)


def run() -> NoReturn:
    """The ``imprint`` command: :func:`main`, then exit. Its builds may start their
    workers from a fork server. The process ends right after, so the cyclic collector
    need not walk everything it holds (an archive's manifest) one last time on the way
    out."""
    from ..builder.pool import allow_server
    from ..renderers import gated

    allow_server()  # this module is imported again by workers, harmlessly
    gated.use_speedups()  # the command's own process: its PDFs may take the speed patches
    code = main()
    gc.freeze()
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command is None:
        parser().print_help()
        return 2
    _show_library_warnings()
    try:
        if args.command == "init":
            from .scaffold import init_project

            for path in init_project(args.folder, args.force):
                print(path)
            folder = args.folder
            print(
                f'\nNext:\n  cd {folder}\n  imprint new "A Title"   # a new post in content/\n'
                "  make preview            # watch it take shape in the browser\n"
                "  make all                # every post as HTML, PDF, EPUB and DOCX"
            )
            return 0
        settings = _settings(args)
        if args.command == "new":
            from .scaffold import new_post

            print(new_post(args.title, args.author, args.date, args.dir, settings))
            return 0
        if args.command == "preview":
            from .preview import serve

            return serve(
                args.path, settings, host=args.host, port=args.port, open_browser=args.open
            )
        if args.command == "build":
            from ..builder.plan import BuildRequest, build

            if args.jobs is not None and args.jobs < 1:
                raise ConfigError("--jobs must be 1 or more")
            if args.timeout is not None and args.timeout <= 0:
                raise ConfigError("--timeout must be a positive number of seconds")
            settings = settings.with_overrides(job_timeout=args.timeout)
            if settings.site_root is not None:
                from ..builder.jekyll_site import list_site

                print(list_site(settings).describe(), file=sys.stderr)
            if args.editions:
                return _editions(args, settings)
            progress = _Progress()
            try:
                report = build(
                    BuildRequest(
                        args.paths or None,
                        args.formats,
                        out=args.out,
                        settings=settings,
                        jobs=args.jobs,
                        on_result=progress,
                        force=args.force,
                        executor=args.executor,
                        scheduler=args.scheduler,
                    ),
                )
            finally:
                progress.stop()
            _catalogue(args.out or settings.out, settings)
            return _print_report(report, single=False, verbose=args.verbose)
        if args.command == "import":
            from .importing import run_import

            return run_import(args, settings)
        if args.command == "collection":
            return _collections(args, settings)
        if args.command == "archive":
            return _archive(args, settings)
        if args.command == "check":
            return _check(args.paths or [settings.out], args.verbose)
        if args.command == "proof" and args.web is not None:
            from ..check.webproof import web_proof

            shots, overflowing = web_proof(args.web, args.output or settings.out / "proof")
            for shot in shots:
                print(shot)
            for page in overflowing:
                print(f"{page}: wider than the screen", file=sys.stderr)
            return 1 if overflowing else 0
        if args.command == "proof":
            from ..check.proof import contact_sheet

            folder = args.folder or settings.out / "pdf"
            pdfs = sorted(folder.glob("*.pdf"))
            if not pdfs:
                raise ImprintError("no PDFs here; build them first (make pdf)", folder)
            print(contact_sheet(pdfs, args.output or settings.out / "proof.png", args.pages))
            return 0
        from ..builder.plan import export_one

        report = export_one(args.file, args.command, args.output, settings)
        if not report.recorded():
            raise ImprintError("not a post (expected a Markdown file)", args.file)
        return _print_report(report, single=True)
    except ImprintError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("imprint: interrupted; outputs already written are complete", file=sys.stderr)
        return 130


def _editions(args: argparse.Namespace, settings: Settings) -> int:
    """``imprint build SITE --editions``: PDF, EPUB and DOCX into the Jekyll site."""
    from ..builder.editions import build_editions

    if settings.site_root is None:
        raise ConfigError("--editions needs a Jekyll site (a folder holding _config.yml)")
    progress = _Progress()
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
    code = _print_report(report, single=False, verbose=args.verbose)
    print(data, file=sys.stderr)
    return code
