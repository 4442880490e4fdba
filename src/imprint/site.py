"""What a site build leaves beside the outputs: ``index.html`` and ``report.json``.

The index is the page a team publishes: every post in the output folder,
newest first, with its title, authors, date and excerpt and links to its
HTML, PDF, EPUB and DOCX. It is made from the cache manifest, so posts that
this build skipped are listed as well as those it built. The report records
every job of this build: status, duration, output path, size and sha256.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .cache import Manifest
from .config import FORMATS
from .output import write_atomic
from .project import Project
from .templating import render

if TYPE_CHECKING:
    from .build import BuildReport

INDEX_TEMPLATE = "index.html"
# by format: the link's type attribute (kept here so the index imports no renderer)
MEDIA_TYPES = {"html": "text/html", "pdf": "application/pdf", "epub": "application/epub+zip",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _posts(out: Path, manifest: Manifest) -> list[dict[str, Any]]:
    """Index entries for posts that still have outputs, newest first."""
    posts = []
    for entry in manifest.posts.values():
        links = {fmt: Path(os.path.relpath(entry.outputs[fmt].file.path, out)).as_posix()
                 for fmt in FORMATS if fmt in entry.outputs
                 and Path(entry.outputs[fmt].file.path).is_file()}
        if not links or not entry.card:
            continue
        posts.append({**entry.card, "links": links})
    posts.sort(key=lambda p: p["title"].casefold())
    posts.sort(key=lambda p: p["date"] or "", reverse=True)  # stable: title breaks ties
    return posts


def write_index(out: Path, manifest: Manifest, project: Project) -> Path:
    brand = project.brand
    page = render(project.settings.templates, INDEX_TEMPLATE, project.settings.user_cache_dir,
                  brand=brand, version=__version__,
                  lang=project.settings.lang, css=brand.stylesheet("screen"),
                  logo_src=brand.logo_data_url(), posts=_posts(out, manifest),
                  labels={f: f.upper() for f in FORMATS}, types=MEDIA_TYPES)
    target = out / INDEX_TEMPLATE
    write_atomic(target, page.encode("utf-8"))
    return target


def write_report(path: Path, report: BuildReport) -> Path:
    jobs = [{
        "source": str(r.source), "format": r.format, "status": r.status,
        "seconds": round(r.seconds, 4), "output": str(r.target) if r.target else None,
        "size": r.size, "sha256": r.sha256 or None, "error": r.error,
        "warnings": [str(w) for w in r.warnings],
    } for r in sorted(report.results, key=lambda r: (str(r.source), r.format))]
    data = {
        "imprint": __version__,
        "seconds": round(report.seconds, 3),
        "executor": report.executor or "none",
        "workers": report.workers,
        "peak_worker_rss_mb": round(report.peak_rss_kb / 1024, 1),
        "summary": {"built": len(report.built), "skipped": len(report.skipped),
                    "failed": len(report.failed), "warnings": len(report.warnings),
                    "removed": len(report.removed)},
        "removed": [str(p) for p in report.removed],
        "jobs": jobs,
    }
    write_atomic(path, json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8"))
    return path
