"""The OPDS 1.2 catalogue: parsed with feedparser, every navigation and acquisition link
followed to a feed or a file, relative links by default and absolute ones under
[site] base_url."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote

import feedparser
import pytest

from imprint.builder.plan import BuildRequest, build
from imprint.collection import build_collection, manifests
from imprint.collection.opds import write_catalogue

from .conftest import CONTENT, REPO

pytestmark = pytest.mark.slow

NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
ACQUIRE = "http://opds-spec.org/acquisition"
BASE = "https://example.org/briefs/"


@pytest.fixture(scope="module")
def site(settings, tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    posts = settings.with_overrides(content=CONTENT)
    report = build(BuildRequest([CONTENT], ["epub", "pdf"], out=out, settings=posts))
    assert report.ok, [r.error for r in report.failed]
    (manifest,) = manifests(CONTENT / "collections")
    assert build_collection(manifest, ["epub", "pdf"], out=out, settings=posts).ok
    return out, posts


def _parse(path: Path):
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def _link(feed_or_entry, rel: str) -> list[dict]:
    return [link for link in feed_or_entry.links if link.rel == rel]


def _local(href: str, feed: Path, out: Path) -> Path:
    """The file a link names: relative to the feed, or under the base URL."""
    if href.startswith(BASE):
        return out / unquote(href[len(BASE) :])
    assert "://" not in href, href
    return (feed.parent / unquote(href)).resolve()


def _walk(out: Path) -> dict[str, list]:
    """Every acquisition feed reachable from the root, by the navigation links."""
    root = out / "opds" / "catalog.xml"
    catalog = _parse(root)
    assert _link(catalog.feed, "self")[0].type == NAVIGATION
    assert _link(catalog.feed, "start")[0].type == NAVIGATION
    found, queue = {}, [(root, catalog)]
    while queue:
        path, feed = queue.pop()
        for entry in feed.entries:
            (sub,) = _link(entry, "subsection")
            target = _local(sub.href, path, out)
            parsed = _parse(target)
            if sub.type == NAVIGATION:
                queue.append((target, parsed))
            else:
                assert sub.type == ACQUISITION
                assert _link(parsed.feed, "up") and _link(parsed.feed, "start")
                found[entry.title] = parsed.entries
    return found


def _check_entry(entry, feed_path: Path, out: Path) -> dict[str, Path]:
    assert entry.title and entry.id and entry.updated and entry.summary
    assert entry.get("dcterms_language") == "en-GB" and entry.authors and entry.published
    books = {}
    for link in _link(entry, ACQUIRE):
        books[link.type] = _local(link.href, feed_path, out)
        assert books[link.type].is_file(), link.href
    assert set(books) == {"application/epub+zip", "application/pdf"}
    with zipfile.ZipFile(books["application/epub+zip"]) as epub:
        assert epub.read("mimetype") == b"application/epub+zip"
    for rel in ("http://opds-spec.org/image", "http://opds-spec.org/image/thumbnail"):
        (image,) = _link(entry, rel)
        assert image.type.startswith("image/") and _local(image.href, feed_path, out).is_file()
    return books


def test_catalogue_links_every_post_and_collection_to_its_files(site):
    out, settings = site
    write_catalogue(out, settings)
    feeds = _walk(out)
    feed_path = out / "opds" / "x.xml"  # every feed sits in opds/
    posts = feeds["All posts"]
    assert len(posts) == len(list(CONTENT.glob("*.md"))) == 3
    slugs = {_check_entry(e, feed_path, out)["application/epub+zip"].stem for e in posts}
    assert slugs == {"undersea-cables", "monsoon-grids", "arctic-shipping"}
    (collection,) = [t for t in feeds if t == "The Imprint Review 2025"]
    book, *articles = feeds[collection]
    assert (
        _check_entry(book, feed_path, out)["application/epub+zip"]
        == out / "collections" / "imprint-2025.epub"
    )
    assert {a.title for a in articles} == {p.title for p in posts}
    by_author = {
        t.removeprefix("Posts by "): entries
        for t, entries in feeds.items()
        if t not in ("All posts", collection)
    }
    for author, entries in by_author.items():
        assert entries and all(author in [a.name for a in e.authors] for e in entries)
    assert sum(len(v) for v in by_author.values()) == sum(len(p.authors) for p in posts)


def test_base_url_makes_links_absolute_and_the_cli_writes_the_catalogue(site, tmp_path):
    out, settings = site
    write_catalogue(out, settings.with_overrides(base_url=BASE))
    text = (out / "opds" / "posts.xml").read_text("utf-8")
    assert 'href="../' not in text and f'href="{BASE}epub/' in text
    posts = _walk(out)["All posts"]
    for entry in posts:
        _check_entry(entry, out / "opds" / "posts.xml", out)
        assert all(link.href.startswith(BASE) for link in entry.links)
    write_catalogue(out, settings)  # back to relative links

    # imprint collection (like imprint build) leaves a catalogue of what OUT holds
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "imprint",
            "collection",
            "--formats",
            "epub",
            "--out",
            str(tmp_path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    assert done.returncode == 0, done.stderr
    feeds = _walk(tmp_path)
    assert feeds["All posts"] == []
    (book,) = feeds["The Imprint Review 2025"]
    (epub,) = [link for link in _link(book, ACQUIRE)]
    assert epub.type == "application/epub+zip"
    assert (
        _local(epub.href, tmp_path / "opds" / "x.xml", tmp_path)
        == tmp_path / "collections" / "imprint-2025.epub"
    )
