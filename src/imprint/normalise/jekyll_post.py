"""A post of a Jekyll site made ready to normalise as Jekyll would publish it.

The site's front-matter ``defaults`` are merged under the post's own keys, the body's
Liquid is rendered (``liquid.py``), and references the rendered Liquid made to the
site's own files (``{{ site.baseurl }}/assets/x.png``, ``absolute_url``) are turned
back into site-root paths (``/assets/x.png``) for the resource policy.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import tzinfo

from lxml.html import HtmlElement

from ..source.jekyll import JekyllSite
from ..source.post import Source
from .jekyll_pages import page_variables, post_date, site_path, with_defaults
from .liquid import render_body, wants_liquid


def prepare_site_post(source: Source, site: JekyllSite, zone: tzinfo) -> Source:
    """``source`` with the site's defaults in its front matter and its Liquid rendered."""
    meta = with_defaults(site, source.path, source.meta)
    if meta is not source.meta:
        source = replace(source, meta=meta)
    if not wants_liquid(meta):
        return source
    page = page_variables(site, source.path, meta, post_date(meta, source.path, zone))
    body = render_body(source, site, page)
    return source if body == source.body else replace(source, body=body)


def site_root_references(trees: list[HtmlElement], site: JekyllSite) -> None:
    """In place: every ``<img src>`` under the site's ``baseurl`` or own URL made a
    site-root path, which the resource policy resolves against the site's root."""
    for tree in trees:
        for img in tree.iter("img"):
            src = img.get("src")
            if src:
                local = site_path(src, site)
                if local != src:
                    img.set("src", local)


def site_inputs_digest(site: JekyllSite) -> str:
    """A digest of what every post of the site is normalised with besides itself: the
    configuration, ``_data/``, ``_includes/`` and the authors collection."""
    digest = hashlib.sha256()
    folders = (site.data_dir, site.includes, site.root / "_authors")
    # what `imprint build --editions` writes from the outputs is not an input of them
    own = {site.data_dir / "editions.json", site.includes / "editions.html"}
    for path in [site.root / "_config.yml", *(p for f in folders for p in sorted(f.rglob("*")))]:
        if path.is_file() and path not in own:
            digest.update(f"{path.relative_to(site.root)}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
