"""Editions for a site that stays Jekyll: ``imprint build SITE --editions``.

The PDF, EPUB and DOCX of every post the site publishes are built as in any build (into
the site's ``_imprint/`` folder, with its cache: an unchanged post costs nothing) and
copied into the site at ``<editions_dir>/<name>.<ext>`` (``assets/editions/`` unless
``[jekyll] editions_dir`` says otherwise). ``_data/editions.json`` lists them by the
post's ``page.path``, which the shipped ``_includes/editions.html`` reads; that include
is written into the site when it has none, for a layout to ``{% include %}``. Jekyll then
publishes the editions with the site. Only files imprint wrote there are ever removed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..config import Settings, data_dir
from ..source.jekyll import load_site
from .output import write_atomic
from .plan import build
from .report import BuildReport, JobResult
from .request import BuildRequest
from .site.pages import LABELS, MEDIA_TYPES, human_size

DATA_NAME = "editions.json"
INCLUDE_NAME = "editions.html"
FORMATS = ("pdf", "epub", "docx")


def include_text() -> bytes:
    """The include a layout shows a post's editions with (shipped in templates/jekyll/)."""
    return (data_dir("templates") / "jekyll" / INCLUDE_NAME).read_bytes()


def build_editions(
    settings: Settings,
    formats: Sequence[str] = FORMATS,
    jobs: int | None = None,
    on_result: Callable[[JobResult, int, int], None] | None = None,
    force: bool = False,
) -> tuple[BuildReport, Path]:
    """Build the site's editions and place them in it; the report and the data file."""
    root = settings.site_root
    assert root is not None
    chosen = [f for f in formats if f in FORMATS] or list(FORMATS)
    report = build(
        BuildRequest(None, chosen, settings=settings, jobs=jobs, on_result=on_result, force=force)
    )
    folder = root / settings.editions_dir
    data_path = load_site(root).data_dir / DATA_NAME
    previous = _read_data(data_path)
    by_post: dict[str, list[dict[str, Any]]] = {}
    failed = {str(r.source) for r in report.failed}
    for result in sorted(report.results, key=lambda r: (str(r.source), FORMATS.index(r.format))):
        if result.status == "failed" or result.target is None:
            continue
        key = Path(result.source).resolve().relative_to(root).as_posix()
        target = folder / result.target.name
        _place(result, target, previous.get(key, []))
        by_post.setdefault(key, []).append(
            {
                "format": result.format,
                "label": LABELS[result.format],
                "type": MEDIA_TYPES[result.format],
                "url": "/" + target.relative_to(root).as_posix(),
                "size": result.size,
                "size_text": human_size(result.size),
                "sha256": result.sha256,
            }
        )
    for key, entries in previous.items():  # a post failing now keeps its last editions
        if key not in by_post and str(root / key) in failed:
            by_post[key] = entries
    _remove_stale(folder, previous, by_post)
    data = json.dumps(dict(sorted(by_post.items())), indent=1, ensure_ascii=False) + "\n"
    if _read(data_path) != data.encode():
        write_atomic(data_path, data.encode())
    include = load_site(root).includes / INCLUDE_NAME
    if not include.exists():
        write_atomic(include, include_text())
    return report, data_path


def _place(result: JobResult, target: Path, known: list[dict[str, Any]]) -> None:
    """Copy an edition into the site unless the copy there is the one recorded."""
    recorded = {e.get("url", "").rsplit("/", 1)[-1]: e.get("sha256") for e in known}
    try:
        same = target.stat().st_size == result.size and recorded.get(target.name) == result.sha256
    except OSError:
        same = False
    if same:
        return
    data = result.target.read_bytes() if result.target else b""
    if hashlib.sha256(data).hexdigest() != result.sha256:  # the report's record is stale
        result.sha256, result.size = hashlib.sha256(data).hexdigest(), len(data)
    write_atomic(target, data)


def _remove_stale(
    folder: Path, previous: dict[str, list[dict[str, Any]]], now: dict[str, list[dict[str, Any]]]
) -> None:
    """Editions imprint placed before that no post has now (a post left out or renamed)."""
    kept = {e["url"] for entries in now.values() for e in entries}
    for entries in previous.values():
        for entry in entries:
            url = str(entry.get("url", ""))
            path = (folder / url.rsplit("/", 1)[-1]).resolve()
            if url and url not in kept and path.is_relative_to(folder) and path.is_file():
                os.unlink(path)


def _read_data(path: Path) -> dict[str, list[dict[str, Any]]]:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""
