"""Where a Jekyll site publishes a post: its permalink, relative to the site's baseurl.

The pattern is the post's own ``permalink:`` front matter, else the site's front-matter
defaults for it, else ``_config.yml``'s ``permalink`` (Jekyll's ``date`` style when it
says nothing); a collection's documents take the collection's ``permalink``, else
``/:collection/:path:output_ext``.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from .jekyll import JekyllSite
from .permalinks import permalink

_POST_NAME = re.compile(r"\d{2,4}-\d{1,2}-\d{1,2}-(.+)$")


def site_kind(site: JekyllSite, path: Path) -> tuple[str, str]:
    """A file's type as front-matter defaults scope it (``posts``, ``drafts``, a
    collection's label, ``pages``) and its path from the site root."""
    try:
        relative = path.resolve().relative_to(site.root).as_posix()
    except ValueError:
        return "pages", path.name
    parts = relative.split("/")
    if "_posts" in parts[:-1]:
        return "posts", relative
    if parts[0] == "_drafts":
        return "drafts", relative
    collections = site.config.get("collections") or {}
    if parts[0].startswith("_") and isinstance(collections, dict):
        if parts[0][1:] in collections:
            return parts[0][1:], relative
    return "pages", relative


def post_url(
    site: JekyllSite,
    path: Path,
    meta: dict[str, Any],
    date: datetime | None,
    categories: tuple[str, ...],
) -> str:
    """The site-relative URL Jekyll gives the post at ``path`` (``/2018/01/02/title/``)."""
    kind, relative = site_kind(site, path)
    own = meta.get("permalink")
    if isinstance(own, str) and own.strip():
        pattern = own.strip()
    else:
        pattern = str(site.defaults_for(relative, kind).get("permalink") or "")
    stem = Path(relative).stem
    if kind not in ("posts", "drafts", "pages"):
        collection = (site.config.get("collections") or {}).get(kind)
        given = collection.get("permalink") if isinstance(collection, dict) else None
        pattern = pattern or str(given or "/:collection/:path:output_ext")
        inner = relative.split("/", 1)[1].rsplit(".", 1)[0]
        pattern = pattern.replace(":collection", kind).replace(":path", inner)
    else:
        pattern = pattern or str(site.config.get("permalink") or "date")
    if kind == "posts":  # folders above _posts/ are categories too (not those inside it)
        parts = relative.split("/")
        categories = (*parts[: parts.index("_posts")], *categories)
    match = _POST_NAME.match(stem)
    title = match[1] if match else stem
    slug = meta.get("slug")
    return permalink(
        pattern,
        date=date,
        title=title,
        slug=str(slug) if isinstance(slug, str) and slug.strip() else None,
        categories=tuple(dict.fromkeys(categories)),
    )
