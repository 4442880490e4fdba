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
import sys
from pathlib import Path
from typing import NoReturn

from ..config import Settings, load_settings
from ..errors import ConfigError, ImprintError
from .commands import (
    BuildProgress,
    print_report,
    run_archive,
    run_check,
    run_collections,
    run_editions,
    write_catalogue_of,
)
from .parser import parser


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
                return run_editions(args, settings)
            progress = BuildProgress()
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
            write_catalogue_of(args.out or settings.out, settings)
            return print_report(report, single=False, verbose=args.verbose)
        if args.command == "import":
            from .importing import run_import

            return run_import(args, settings)
        if args.command == "collection":
            return run_collections(args, settings)
        if args.command == "archive":
            return run_archive(args, settings)
        if args.command == "check":
            return run_check(args.paths or [settings.out], args.verbose)
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
        return print_report(report, single=True)
    except ImprintError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("imprint: interrupted; outputs already written are complete", file=sys.stderr)
        return 130
