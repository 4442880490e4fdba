"""``feed.xml`` (Atom, written with feedgen) and ``sitemap.xml``, when ``[site]
base_url`` says where the site lives: both need absolute links."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from urllib.parse import quote

from ...config import __version__
from .pages import INDEX_TEMPLATE, MEDIA_TYPES, Post, write_page
from .state import Site

LOGGER = logging.getLogger("imprint.site")
ATOM_NS = "http://www.w3.org/2005/Atom"


def absolute_url(site: Site, path: Path) -> str:
    base = (site.settings.base_url or "").rstrip("/")
    return f"{base}/{quote(path.relative_to(site.out).as_posix())}"


def write_feed_and_sitemap(site: Site) -> None:
    feed, sitemap = site.out / "feed.xml", site.out / "sitemap.xml"
    if not site.settings.base_url:
        if site.posts:
            LOGGER.warning(
                "feed.xml and sitemap.xml skipped: they need absolute links; "
                "set [site] base_url in imprint.toml"
            )
        return
    latest = [p for p in site.posts if p.date][: site.settings.feed_size]
    shown = [
        (p.digest, p.sizes.get("pdf"), page_sha(site, p) if site.settings.feed_full else None)
        for p in latest
    ]
    digest = site.inputs_digest(feed, shown)
    if site.is_current(feed, digest):
        site.keep(feed)
    else:
        write_page(feed, feed_xml(site), site.written)
        site.record_laid_out(feed, digest)
    if site.cross_page_unchanged and site.is_current(sitemap):
        site.keep(sitemap)
        return  # its pages, their names and dates: as last time
    pages = [
        (p.name("html"), p.card.get("modified") or p.date) for p in site.posts if "html" in p.files
    ]
    digest = site.inputs_digest(sitemap, pages, site.index_pages)
    if site.is_current(sitemap, digest):
        site.keep(sitemap)
    else:
        write_page(sitemap, sitemap_xml(site), site.written)
        site.record_laid_out(sitemap, digest)


def page_sha(site: Site, post: Post) -> str:
    return site.manifest.posts[post.source].outputs["html"].file.sha256


def feed_xml(site: Site) -> bytes:
    from feedgen.feed import FeedGenerator

    brand = site.project.brand
    generator = FeedGenerator()
    generator.id(absolute_url(site, site.out / INDEX_TEMPLATE))
    generator.title(brand.series or brand.name)
    generator.author({"name": brand.name})
    generator.link(href=absolute_url(site, site.out / "feed.xml"), rel="self")
    generator.link(href=absolute_url(site, site.out / INDEX_TEMPLATE), rel="alternate")
    generator.language(site.settings.lang)
    generator.generator("imprint", __version__)
    latest = [p for p in site.posts if p.date][: site.settings.feed_size]
    newest = max((_moment(p) for p in latest), default=datetime.fromtimestamp(0, UTC))
    generator.updated(newest)
    for post in reversed(latest):  # feedgen puts the last added first
        entry = generator.add_entry()
        card = post.card
        entry.id(card.get("identifier") or absolute_url(site, next(iter(post.outputs.values()))))
        entry.title(card["title"])
        for name in card.get("authors", []):
            entry.author({"name": name})
        entry.published(datetime.fromisoformat(card["date"]))
        entry.updated(_moment(post))
        if "html" in post.outputs:
            entry.link(href=absolute_url(site, post.outputs["html"]), rel="alternate")
        else:  # a post built without its web page: Atom wants a link all the same
            other = [f for f in post.outputs if f != "pdf"] or ["pdf"]
            entry.link(href=absolute_url(site, post.outputs[other[0]]), rel="alternate")
        if card.get("excerpt_html"):
            entry.summary(card["excerpt_html"], type="html")
        if site.settings.feed_full and "html" in post.outputs:
            entry.content(_article(post.outputs["html"]), type="html")
        if "pdf" in post.outputs:
            entry.link(
                href=absolute_url(site, post.outputs["pdf"]),
                rel="enclosure",
                type=MEDIA_TYPES["pdf"],
                length=str(post.sizes["pdf"]),
            )
        for term in card.get("tags", []) + card.get("categories", []):
            entry.category(term=term)
    return _with_link_attributes(generator.atom_str(pretty=True), entry_links(site, latest))


def entry_links(site: Site, posts: list[Post]) -> dict[str, dict[str, str]]:
    """Each entry link's attributes, by its address."""
    links = {}
    for post in posts:
        if "html" in post.outputs:
            links[absolute_url(site, post.outputs["html"])] = {
                "rel": "alternate",
                "type": MEDIA_TYPES["html"],
            }
        if "pdf" in post.outputs:
            links[absolute_url(site, post.outputs["pdf"])] = {
                "rel": "enclosure",
                "type": MEDIA_TYPES["pdf"],
                "length": str(post.sizes["pdf"]),
            }
    return links


def sitemap_xml(site: Site) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    newest = max((_moment(p) for p in site.posts if p.date), default=None)
    pages: list[tuple[Path, datetime | None]] = [
        (p.outputs["html"], _moment(p) if p.date else None)
        for p in site.posts
        if "html" in p.outputs
    ]
    for name in site.index_pages:
        pages.append((site.out / name, newest))
    for path, moment in pages:
        lastmod = f"<lastmod>{moment.isoformat()}</lastmod>" if moment else ""
        lines.append(f"<url><loc>{escape(absolute_url(site, path))}</loc>{lastmod}</url>")
    lines.append("</urlset>\n")
    return "\n".join(lines).encode("utf-8")


def _with_link_attributes(feed: bytes, links: dict[str, dict[str, str]]) -> bytes:
    """Put back the rel, type and length of entry links, which feedgen 1.0 drops."""
    from lxml import etree

    root = etree.fromstring(feed)
    for link in root.iterfind(f"{{{ATOM_NS}}}entry/{{{ATOM_NS}}}link"):
        for name, value in links.get(link.get("href", ""), {}).items():
            link.set(name, value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _moment(post: Post) -> datetime:
    return datetime.fromisoformat(post.card.get("modified") or post.card["date"])


def _article(page: Path) -> str:
    """The ``<article>`` of a built page, for a full-content feed."""
    import lxml.html

    tree = lxml.html.fromstring(page.read_bytes())
    found = tree.find(".//article")
    return lxml.html.tostring(found, encoding="unicode") if found is not None else ""
