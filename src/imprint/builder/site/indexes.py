"""The index (``index.html``, paginated as ``page/2.html`` …), a page per tag and
category, and ``topics.html`` listing them all, each laid out again only when what it
shows changed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ...config import __version__
from .pages import (
    INDEX_TEMPLATE,
    LABELS,
    MEDIA_TYPES,
    Post,
    href,
    human_size,
    term_page,
    write_page,
)
from .state import Site


def entries(posts: list[Post], page: Path) -> list[dict[str, Any]]:
    return [
        {
            **p.card,
            "links": {fmt: href(path, page) for fmt, path in p.outputs.items()},
            "sizes": {fmt: human_size(size) for fmt, size in p.sizes.items()},
        }
        for p in posts
    ]


def index_page(
    site: Site, page: Path, posts: list[Post], title: str | None, pager: dict[str, str]
) -> None:
    brand = site.project.brand
    root = Path(os.path.relpath(site.out, page.parent)).as_posix()  # "." or ".."
    data = site.render_page(
        INDEX_TEMPLATE,
        version=__version__,
        lang=site.settings.lang,
        stylesheet=href(site.stylesheet, page) if site.stylesheet else None,
        css=None if site.stylesheet else brand.stylesheet("screen"),
        logo_src=site.logo_src(page),
        posts=entries(posts, page),
        heading=title,
        labels=LABELS,
        types=MEDIA_TYPES,
        pager=pager,
        search=href(site.out / "search.html", page),
        topics=href(site.out / TOPICS_PAGE, page),
        home=f"{root}/index.html",
        site_name=site.settings.site_title,  # a Jekyll site's title, or [site] title
    )
    write_page(page, data.encode("utf-8"), site.written)


TOPICS_PAGE = "topics.html"
KINDS = (("tags", "Tags"), ("categories", "Categories"))


def write_topics(site: Site) -> None:
    """``topics.html``: every tag and category the posts have, with its post count and a
    link to its page; laid out again only when a topic or a count changed."""
    page = site.out / TOPICS_PAGE
    site.index_pages = sorted([*site.index_pages, TOPICS_PAGE])  # in the sitemap too
    groups = []
    for kind, heading in KINDS:
        counts: dict[str, int] = {}
        for post in site.posts:
            for term in dict.fromkeys(post.card.get(kind, [])):
                counts[term] = counts.get(term, 0) + 1
        terms = [
            {"name": term, "count": count, "href": href(term_page(site.out, kind, term), page)}
            for term, count in sorted(counts.items(), key=lambda item: item[0].casefold())
        ]
        if terms:
            groups.append({"heading": heading, "terms": terms})
    digest = site.inputs_digest(page, groups)
    if site.is_current(page, digest):
        site.keep(page)
        return
    brand = site.project.brand
    data = site.render_page(
        TOPICS_PAGE,
        version=__version__,
        lang=site.settings.lang,
        stylesheet=href(site.stylesheet, page) if site.stylesheet else None,
        css=None if site.stylesheet else brand.stylesheet("screen"),
        logo_src=site.logo_src(page),
        groups=groups,
        search="search.html",
        home="index.html",
    )
    write_page(page, data.encode("utf-8"), site.written)
    site.record_laid_out(page, digest)


def write_indexes(site: Site) -> Path:
    """The index (``index.html``, ``page/<n>.html``) and a page per tag and category
    (``tags/<tag>.html``, ``tags/<tag>/<n>.html``), each ``page_size`` posts long."""
    pages = paginated(site, site.posts, site.out / INDEX_TEMPLATE, site.out / "page", None)
    keep = set(pages)
    for kind, label in (("tags", "Tag"), ("categories", "Category")):
        terms: dict[Path, tuple[str, list[Post]]] = {}
        for post in site.posts:
            for term in post.card.get(kind, []):
                terms.setdefault(term_page(site.out, kind, term), (term, []))[1].append(post)
        for page, (term, posts) in sorted(terms.items()):
            keep.update(paginated(site, posts, page, page.with_suffix(""), f"{label}: {term}"))
    for folder in (site.out / "page", site.out / "tags", site.out / "categories"):
        for stale in sorted(folder.rglob("*.html")) if folder.is_dir() else []:
            if stale not in keep:
                stale.unlink()
                site.written.removed.append(stale)
        for empty in sorted(folder.glob("*/"), reverse=True) if folder.is_dir() else []:
            if empty.is_dir() and not any(empty.iterdir()):
                empty.rmdir()
    site.index_pages = [p.relative_to(site.out).as_posix() for p in sorted(keep)]
    return pages[0]


def paginated(
    site: Site, posts: list[Post], first: Path, more: Path, title: str | None
) -> list[Path]:
    """``posts`` on ``first`` and, past ``page_size``, on ``more/2.html`` …"""
    size = site.settings.page_size
    chunks = [posts[i : i + size] for i in range(0, len(posts), size)] or [[]]
    pages = [first] + [more / f"{n}.html" for n in range(2, len(chunks) + 1)]
    for number, (page, chunk) in enumerate(zip(pages, chunks, strict=True)):
        heading = title if number == 0 else f"{title or 'Posts'}, page {number + 1}"
        if not site.may_have_moved(chunk) and site.is_current(page):
            site.keep(page)
            continue  # nothing on it changed since the last pass
        digest = site.inputs_digest(page, heading, number, len(pages), [p.digest for p in chunk])
        if site.is_current(page, digest):
            site.keep(page)
            continue  # the same posts, shown the same: not laid out again
        pager = {}
        if number > 0:
            pager["prev"] = href(pages[number - 1], page)
        if number + 1 < len(pages):
            pager["next"] = href(pages[number + 1], page)
        index_page(site, page, chunk, heading, pager)
        site.record_laid_out(page, digest)
    return pages
