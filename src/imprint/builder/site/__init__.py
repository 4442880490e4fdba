"""The site a build leaves in the output folder, around the posts' own outputs.

After the jobs, :func:`finish` works from the cache manifest (so posts this
build skipped count as much as those it built):

* the brand's shared assets and every post's images under ``html/assets/``,
  named by their bytes; assets no page refers to any more are removed;
* each site page's navigation, between the markers the HTML renderer left:
  its other editions with their sizes, the previous and next posts by date, and
  its tags and categories;
* ``index.html``, paginated (``page/2.html`` …), and a page per tag and category;
* ``feed.xml`` (Atom, written with feedgen) and ``sitemap.xml``, when
  ``[site] base_url`` says where the site lives;
* the Pagefind search index (``pagefind/<shard>/``) and ``search.html``.

Every file is written only when its bytes change, through a temporary file and
a rename, so an unchanged site is left untouched and a reader never sees half
a file.

The pass costs what changed, not what the site holds: each index and topic page,
the feed, the sitemap and each search shard is recorded (in the build's cache,
beside the manifest) with a digest of what it is made from, and is laid out again
only when that digest changes or the file is not as it was left. A page's
navigation is likewise filled in again only when what it shows changes. Search is
indexed in stable shards, each post's page in the shard its name hashes to, and the
search page merges them; an edit re-indexes one shard.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from ..cache import Manifest
from ..project import Project
from .assets import write_assets
from .feeds import write_feed_and_sitemap
from .indexes import write_indexes, write_topics
from .navigation import fill_navigation
from .pages import INDEX_TEMPLATE, Written, load_posts
from .search import finish_search, shard_count, shard_of, start_search
from .state import Site, cross_page_digest, pass_key, read_last_pass, write_pass_record

__all__ = ["Written", "finish", "shard_count", "shard_of"]


def finish(
    out: Path,
    manifest: Manifest,
    project: Project,
    shared: str,
    present: set[str] | frozenset[str] = frozenset(),
    while_indexing: Callable[[Written], None] | None = None,
) -> tuple[Path, Written]:
    """Lay out the site around the posts' outputs, save the manifest, and record the
    pass; the first index page and what was written. See the package's docstring.

    ``while_indexing`` is given what the pass wrote once only the search index may
    still be in the making (the build prepares its report then). The site is a function
    of the manifest, the settings and ``shared`` (the brand, templates and versions,
    see :func:`~imprint.builder.cache.shared_key`): when those are as at the last pass
    and its pages are there, nothing is done. Otherwise each page is laid out again
    only if what it is made from changed (see :meth:`Site.is_current`).
    """
    record = manifest.path.with_suffix(".site")
    last = read_last_pass(record)
    base = f"|{project.settings.fingerprint(site=True)}|{shared}|{out}"
    # nothing touched and the manifest as the last pass saw it: the site is as it was
    if (
        not manifest.touched
        and pass_key(manifest.digest(), base) == last.key
        and (out / INDEX_TEMPLATE).is_file()
    ):
        return out / INDEX_TEMPLATE, Written(skipped=True)
    site = Site(out, manifest, project, hashlib.sha256(base.encode()).hexdigest(), last, present)

    def save_manifest() -> None:  # while Pagefind indexes, if it does
        site.written.saved = manifest.save()  # the pages' new sizes and navigation digests
        if while_indexing is not None:
            while_indexing(site.written)

    index = lay_out(site, save_manifest)
    write_pass_record(record, manifest, base, site)
    return index, site.written


def lay_out(site: Site, while_indexing: Callable[[], None] | None = None) -> Path:
    """Lay out what changed; the first index page. ``while_indexing`` is called once the
    rest is done, while the search index may still be in the making."""
    # Pagefind indexes each page's article alone, never the navigation filled in
    # below (a new file in its place; the index reads the one it was given), so it
    # starts first, from the manifest, and runs while the rest of the site is laid out
    indexing = start_search(site)
    try:
        site.posts = load_posts(site.out, site.manifest, site.present)
        site.cross_page = cross_page_digest(site.posts, site.base)
        site.cross_page_unchanged = site.last.cross_page == site.cross_page and bool(
            site.last.pages
        )
        if site.mode == "site" and indexing is not None:
            write_assets(site)
            fill_navigation(site)
        index = write_indexes(site)
        write_topics(site)
        write_feed_and_sitemap(site)
        if while_indexing is not None:
            while_indexing()
    finally:
        if indexing is not None:
            finish_search(site, indexing)
    return index
