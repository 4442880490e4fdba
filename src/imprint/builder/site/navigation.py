"""Each site page's navigation, filled in between the markers the HTML renderer left:
its other editions with their sizes, its tags and categories, and the previous and
next posts by date. A page is rewritten only when what its navigation shows changes."""

from __future__ import annotations

import hashlib
from html import escape

from ...renderers.html import SITE_NAV
from ..cache import FileStamp
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


def navigation(site: Site, post: Post, newer: Post | None, older: Post | None) -> str:
    page = post.outputs["html"]
    editions = "".join(
        f'<li><a href="{href(path, page)}" type="{MEDIA_TYPES[fmt]}">{LABELS[fmt]}</a> '
        f'<span class="size">{human_size(post.sizes[fmt])}</span></li>'
        for fmt, path in post.outputs.items()
        if fmt != "html"
    )
    parts = ['<nav class="site-nav" aria-label="This post elsewhere" data-pagefind-ignore>']
    if editions:
        parts.append(f'<p class="label">Download</p><ul class="editions">{editions}</ul>')
    terms = [
        (kind, term)
        for kind, field_ in (("tags", "tags"), ("categories", "categories"))
        for term in post.card.get(field_, [])
    ]
    if terms:
        links = "".join(
            f'<li><a rel="tag" href="{href(term_page(site.out, k, t), page)}">{escape(t)}</a></li>'
            for k, t in terms
        )
        parts.append(f'<p class="label">Topics</p><ul class="terms">{links}</ul>')
    pager = []
    for rel, word, other in (("prev", "Previous", older), ("next", "Next", newer)):
        if other is not None:
            link = href(other.outputs["html"], page)
            pager.append(
                f'<li class="{rel}"><a rel="{rel}" href="{link}">'
                f"{word}: {other.card['title_html']}</a></li>"
            )
    pager.append(f'<li><a href="{href(site.out / INDEX_TEMPLATE, page)}">All posts</a></li>')
    pager.append(f'<li><a href="{href(site.out / "topics.html", page)}">Topics</a></li>')
    pager.append(f'<li><a href="{href(site.out / "search.html", page)}">Search</a></li>')
    parts.append(f'<ul class="pager">{"".join(pager)}</ul>')
    parts.append("</nav>")
    return "".join(parts)


def fill_navigation(site: Site) -> None:
    """Each page's navigation, laid out only where what it shows changed: the page's
    editions and sizes, its topics, and its neighbours' titles and pages."""
    start, end = SITE_NAV
    pages = [post for post in site.posts if "html" in post.files]
    for number, post in enumerate(pages):
        if site.cross_page_unchanged and post.source not in site.manifest.touched:
            continue  # its page, its neighbours' names and titles: as last time
        entry = site.manifest.posts[post.source]
        newer = pages[number - 1] if number else None
        older = pages[number + 1] if number + 1 < len(pages) else None
        # what the navigation shows: the post's editions and sizes, its topics (in
        # its card), and its neighbours' pages and titles
        sizes = post.sizes
        shown = "\x1f".join(
            [
                post.card_digest,
                *(
                    f"{fmt}\x1e{file}\x1e{human_size(sizes[fmt])}"
                    for fmt, file in post.files.items()
                    if fmt != "html"
                ),
                *(
                    f"{p.files['html']}\x1e{p.card['title_html']}" if p else ""
                    for p in (newer, older)
                ),
            ]
        )
        digest = hashlib.sha256(shown.encode()).hexdigest()
        if entry.site == digest:
            continue  # the page holds this navigation already
        page = post.outputs["html"]
        nav = navigation(site, post, newer, older)
        text = page.read_text(encoding="utf-8")
        head, found, rest = text.partition(start)
        _, closed, tail = rest.partition(end)
        if not (found and closed):
            continue  # a standalone page: nothing to fill
        write_page(page, f"{head}{start}{nav}{end}{tail}".encode(), site.written)
        built = entry.outputs["html"]
        built.file = FileStamp.of(page)
        post.sizes["html"] = built.file.size  # what the index pages show
        entry.site = digest
        site.manifest.changed(post.source)
        site.written.stamps[page] = built.file
