"""A Jekyll site's posts as Liquid sees them: ``page``, ``site`` and the posts' URLs.

The index of a site's posts (``_posts/`` and its subfolders) is built once per process
and root; a post's front matter is read only when its URL or its ``site.posts`` entry
is asked for. URLs follow ``source/permalinks.py``, with the front-matter defaults
applied first, and are site-relative (``baseurl`` is added by the filters and tags).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import ImprintError
from ..source.jekyll import JekyllSite
from ..source.permalinks import permalink
from ..source.post import read_source
from .dates import DateError, parse_date

POST_SUFFIXES = (".md", ".markdown", ".mdown", ".mkdn", ".mkd", ".html")
_DATED = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")


def relative_to_site(site: JekyllSite, path: Path) -> str:
    """``path`` from the site's root, with ``/`` (its own name when outside)."""
    try:
        return path.resolve().relative_to(site.root).as_posix()
    except ValueError:
        return path.name


def with_defaults(site: JekyllSite, path: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """The front matter with the site's defaults for the post under it (its own keys win)."""
    defaults = site.defaults_for(relative_to_site(site, path), "posts")
    return {**defaults, **meta} if defaults else meta


def post_files(root: Path) -> dict[str, Path]:
    """Every post of the site at ``root`` by its name without suffix, and by its path
    under ``_posts/`` without suffix (``2010-07-21-name``, ``sub/2010-07-21-name``);
    listed again when ``_posts/`` changes, for a process that lives through edits."""
    try:
        stamp = (root / "_posts").stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _list_posts(root, stamp)


@functools.lru_cache(maxsize=8)
def _list_posts(root: Path, stamp: int) -> dict[str, Path]:
    posts = root / "_posts"
    found: dict[str, Path] = {}
    if not posts.is_dir():
        return found
    for path in sorted(posts.rglob("*")):
        if path.suffix.lower() not in POST_SUFFIXES or not _DATED.match(path.stem):
            continue
        if any(part.startswith((".", "_")) for part in path.relative_to(posts).parts):
            continue
        found.setdefault(path.stem, path)
        found.setdefault(path.relative_to(posts).with_suffix("").as_posix(), path)
    return found


def file_date(path: Path) -> datetime | None:
    """The date a Jekyll post's file name carries, if any."""
    match = _DATED.match(path.stem)
    if match is None:
        return None
    try:
        return datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC)
    except ValueError:
        return None


def post_date(meta: dict[str, Any], path: Path, zone: Any = UTC) -> datetime | None:
    """The front matter's date, else the file name's."""
    value = meta.get("date")
    if value is not None:
        try:
            return parse_date(value, zone)
        except DateError:
            pass
    return file_date(path)


def _words(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(v) for v in value if v is not None)
    return tuple(str(value).split())


def post_url(site: JekyllSite, path: Path, meta: dict[str, Any], zone: Any = UTC) -> str:
    """A post's site-relative URL, as Jekyll computes it from its permalink pattern."""
    match = _DATED.match(path.stem)
    title = match[4] if match else path.stem
    categories = _words(meta.get("categories")) or _words(meta.get("category"))
    folder = path.parent
    above: list[str] = []
    while folder != site.root and folder.name and folder != folder.parent:
        if folder.name != "_posts":
            above.insert(0, folder.name)
        folder = folder.parent
    pattern = str(meta.get("permalink") or site.config.get("permalink") or "date")
    slug = meta.get("slug")
    return permalink(
        pattern,
        date=post_date(meta, path, zone),
        title=title,
        slug=str(slug) if slug else None,
        categories=tuple(dict.fromkeys((*above, *categories))),
    )


_POSTS_READ: dict[tuple[Path, Path, int], dict[str, Any]] = {}


def _read_post(site: JekyllSite, path: Path) -> dict[str, Any]:
    """A post's front matter with the site's defaults, plus what Liquid gives every post
    (read once per process and file version)."""
    try:
        key = (site.root, path, path.stat().st_mtime_ns)
    except OSError:
        key = (site.root, path, 0)
    if key not in _POSTS_READ:
        if len(_POSTS_READ) > 4096:
            _POSTS_READ.clear()
        _POSTS_READ[key] = _post_variables(site, path)
    return _POSTS_READ[key]


def _post_variables(site: JekyllSite, path: Path) -> dict[str, Any]:
    try:
        meta = with_defaults(site, path, read_source(path).meta)
    except ImprintError:
        meta = {}
    url = post_url(site, path, meta)
    match = _DATED.match(path.stem)
    return {
        **meta,
        "url": url,
        "id": url.rsplit(".", 1)[0] if url.endswith(".html") else url.rstrip("/"),
        "date": post_date(meta, path),
        "slug": str(meta.get("slug") or (match[4] if match else path.stem)),
        "path": relative_to_site(site, path),
        "title": meta.get("title") or (match[4] if match else path.stem).replace("-", " "),
    }


def url_of_post(site: JekyllSite, name: str) -> str | None:
    """The site-relative URL of the post ``{% post_url name %}`` names, or None."""
    found = post_files(site.root).get(name.strip().removesuffix(".md"))
    return _read_post(site, found)["url"] if found is not None else None


def url_of_file(site: JekyllSite, relative: str) -> str | None:
    """The site-relative URL of the file ``{% link path %}`` names, or None."""
    path = (site.root / relative.strip().lstrip("/")).resolve()
    if not path.is_relative_to(site.root) or not path.is_file():
        return None
    if path.parent.name == "_posts" or "_posts" in path.relative_to(site.root).parts:
        return _read_post(site, path)["url"]
    rel = path.relative_to(site.root).as_posix()
    if path.suffix.lower() in (".md", ".markdown", ".html"):
        rel = str(Path(rel).with_suffix(".html"))
        if rel.endswith("index.html"):
            rel = rel[: -len("index.html")]
    return "/" + rel


class SiteVariables(Mapping[str, Any]):
    """``site`` for Liquid: the configuration, ``data``, ``time`` and, read only when a
    template asks, ``posts`` (newest first)."""

    def __init__(self, site: JekyllSite, now: datetime):
        self._site = site
        self._values: dict[str, Any] = {
            **site.config,
            "data": site.data,
            "baseurl": site.baseurl,
            "url": str(site.config.get("url") or "").rstrip("/"),
            "time": now,
        }

    def __getitem__(self, key: str) -> Any:
        if key in ("posts", "related_posts") and key not in self._values:
            posts = [_read_post(self._site, p) for p in set(post_files(self._site.root).values())]
            posts.sort(key=lambda p: p["date"] or datetime.min.replace(tzinfo=UTC), reverse=True)
            self._values["posts"] = posts
            self._values["related_posts"] = posts[:10]
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter({**self._values, "posts": None})

    def __len__(self) -> int:
        return len(self._values) + 1


def page_variables(
    site: JekyllSite, path: Path, meta: dict[str, Any], moment: datetime | None
) -> dict[str, Any]:
    """``page`` for Liquid: the front matter (with defaults) plus ``date``, ``url``,
    ``slug``, ``path``, ``id`` and ``title``."""
    match = _DATED.match(path.stem)
    url = post_url(site, path, {**meta, "date": moment} if moment else meta)
    title = meta.get("title") or (match[4] if match else path.stem).replace("-", " ")
    return {
        **meta,
        "date": moment,
        "url": url,
        "id": url.rsplit(".", 1)[0] if url.endswith(".html") else url.rstrip("/"),
        "slug": str(meta.get("slug") or (match[4] if match else path.stem)),
        "path": relative_to_site(site, path),
        "title": title,
        "categories": list(_words(meta.get("categories")) or _words(meta.get("category"))),
        "tags": list(_words(meta.get("tags"))),
    }


def site_path(ref: str, site: JekyllSite) -> str:
    """A reference to a file of the site made site-root relative: ``baseurl`` and the
    site's own ``url`` taken off (``/blog/assets/x.png`` -> ``/assets/x.png``)."""
    written = ref.strip()
    url = str(site.config.get("url") or "").rstrip("/")
    base = site.baseurl
    for prefix in ([f"{url}{base}/"] if url else []) + ([f"{base}/"] if base else []):
        if written.startswith(prefix):
            return "/" + written[len(prefix) :]
    return written
