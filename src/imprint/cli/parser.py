"""The command line's arguments: every command, its options and their help."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config import FORMATS, HTML_MODES, PDF_STANDARDS, __version__


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
