"""The names a post's outputs take, shared by the builder (which writes them) and the
HTML renderer (whose site pages link to their assets and canonical address).

A post is named by its slug; a post of a Jekyll site by its permalink made one name
(``/2018/01/02/title/`` -> ``2018-01-02-title``), so that two posts with one title on
different dates never collide, and a post's name does not depend on which other posts
are there. With ``[jekyll] permalinks``, a site's web page lies at its permalink itself.
"""

from __future__ import annotations

from ..model import Document
from ..normalise.metadata import clean_slug


def output_name(doc: Document) -> str:
    """The file name, without suffix, of a post's outputs in a build's folders."""
    if not doc.url:
        return doc.slug
    path = doc.url.strip("/").removesuffix(".html").replace("/", "-")
    return clean_slug(path) or doc.slug


def page_path(doc: Document, permalinks: bool) -> str:
    """Where a post's web page lies under ``html/``: ``2018-01-02-title.html``, or at its
    permalink (``2018/01/02/title/index.html``)."""
    if not (permalinks and doc.url):
        return f"{output_name(doc)}.html"
    parts = [_safe(part) for part in doc.url.strip("/").split("/") if part]
    if not parts:
        return "index.html"
    if doc.url.endswith("/"):
        return "/".join([*parts, "index.html"])
    last = parts[-1].removesuffix(".html")
    return "/".join([*parts[:-1], f"{last}.html"])


def _safe(part: str) -> str:
    """A URL segment as a folder or file name: as Jekyll wrote it, unless it could
    climb out of the folder or is not a portable name."""
    if part in (".", "..") or any(ch in part for ch in '\\:*?"<>|') or not part.isprintable():
        return clean_slug(part) or "-"
    return part
