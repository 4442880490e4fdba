"""``imprint import``: Word files in, posts out, each with its import report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import Settings
from ..errors import ImprintError


def add_import_parser(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "import",
        help="turn Word manuscripts (.docx) into posts",
        description="Write each FILE.docx (or each .docx in a folder) as a post, "
        "content/YYYY-MM-DD-slug.md with its pictures in images/<slug>/, and print "
        "the import report (also written beside the post as JSON).",
    )
    command.add_argument("paths", nargs="+", type=Path, metavar="FILE|DIR")
    command.add_argument("--out", type=Path, metavar="DIR", help="folder for the posts")
    command.add_argument(
        "--update",
        type=Path,
        metavar="POST.md",
        help="write the one Word file over this post, changing only what the file changed",
    )
    command.add_argument(
        "--track-changes",
        choices=("accept", "reject", "all"),
        help="what to do with tracked changes (a file holding some is refused without it)",
    )
    command.add_argument(
        "--comments",
        choices=("keep", "drop"),
        default="drop",
        help="keep Word comments as notes in the post (default: list them in the report only)",
    )
    command.add_argument("--config", type=Path, metavar="FILE", help=argparse.SUPPRESS)


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    """Import every file; print each report, and one error line for each failure."""
    from ..importer import import_many
    from ..importer.update import update_post
    from ..source.resources import Policy, Resolver

    policy = Policy(
        (args.out or settings.content).resolve(),
        settings.remote_resources,
        settings.resource_timeout,
        settings.resource_max_bytes,
        settings.cache_dir,
        settings.resource_trusted_networks,
    )
    options = {
        "track_changes": args.track_changes,
        "comments": args.comments,
        "resolver": Resolver(policy),  # linked pictures: fetched only as the policy allows
    }
    if args.update is not None:
        if len(args.paths) != 1:
            raise ImprintError("--update takes one Word file", args.update)
        failed: list[ImprintError] = []
        reports = [update_post(args.paths[0], args.update, **options)]
    else:
        reports, failed = import_many(args.paths, args.out or settings.content, **options)
    for report in reports:
        print("\n".join(report.lines()))
    for error in failed:
        print(error, file=sys.stderr)
    return max((e.exit_code for e in failed), default=0)
