"""The site index a build leaves beside the outputs: ``index.html``.

The index is the page a team publishes: every post in the output folder,
newest first, with its title, authors, date and excerpt and links to its
HTML, PDF, EPUB and DOCX. It is made from the cache manifest, so posts that
this build skipped are listed as well as those it built. (``report.json``, the
record of every job, is written by :mod:`.report`.)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..brand.templates import render
from ..config import FORMATS, __version__
from .cache import Manifest
from .output import write_atomic
from .project import Project

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
