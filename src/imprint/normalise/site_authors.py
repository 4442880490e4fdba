"""Authors as Jekyll sites keep them, added to the author registry.

Two forms are read: ``_data/authors.yml`` (the jekyll-seo-tag and Minimal Mistakes
form: key -> ``name``, ``bio``, ``avatar``, ``links``) and an authors collection
(``_authors/<key>.md`` with ``name``, ``full_name`` or ``first_name`` + ``last_name``,
the bio from ``bio:`` or the file's body). A post's ``author:`` or ``authors:`` may
name an entry by its key; the byline then shows the name. The project's own
``_authors.yml`` wins where both know an author.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..errors import ConfigError, ImprintError
from ..source.jekyll import JekyllSite
from ..source.post import read_bytes, read_source
from . import values
from .authors import AuthorRegistry, AuthorSpec


def _link(entry: dict[str, Any]) -> str | None:
    """An author's web address: ``url``/``website``, else the first of ``links``."""
    for key in ("url", "website", "uri"):
        if isinstance(entry.get(key), str) and entry[key].strip():
            return entry[key].strip()
    links = entry.get("links")
    if isinstance(links, list):
        for link in links:
            if isinstance(link, dict) and isinstance(link.get("url"), str):
                return link["url"].strip() or None
    return None


def _text(value: Any) -> str | None:
    try:
        return values.text(value)
    except values.FieldError:
        return None


def _name(entry: dict[str, Any], key: str) -> str:
    full = _text(entry.get("full_name")) or _text(entry.get("display_name"))
    if full:
        return full
    parts = [_text(entry.get("first_name")), _text(entry.get("last_name"))]
    if any(parts):
        return " ".join(p for p in parts if p)
    return _text(entry.get("name")) or _text(entry.get("title")) or key


def author_spec(entry: dict[str, Any], key: str, body: str = "") -> AuthorSpec:
    """One site author: the name the byline shows, the bio (Markdown), the link."""
    bio = _text(entry.get("bio")) or _text(entry.get("description")) or body.strip()
    affiliation = _text(entry.get("affiliation")) or _text(entry.get("organization"))
    return AuthorSpec(_name(entry, key), bio, affiliation, _link(entry))


def site_author_entries(site: JekyllSite) -> tuple[dict[str, AuthorSpec], str]:
    """The site's authors by key (``_data/authors.yml``, then ``_authors/``), and a
    digest of the files they came from."""
    digest = hashlib.sha256()
    entries: dict[str, AuthorSpec] = {}
    data = site.data.get("authors")
    data_file = next(
        (
            p
            for p in (site.data_dir / f"authors{s}" for s in (".yml", ".yaml", ".json"))
            if p.is_file()
        ),
        None,
    )
    if data_file is not None:
        digest.update(data_file.read_bytes())
    if isinstance(data, dict):
        for key, entry in data.items():
            if isinstance(entry, dict):
                entries[str(key)] = author_spec(entry, str(key))
            elif isinstance(entry, str) and entry.strip():
                entries[str(key)] = AuthorSpec(entry.strip())
    elif isinstance(data, list):
        for entry in data:
            if isinstance(entry, dict) and (_text(entry.get("key")) or _text(entry.get("name"))):
                key = _text(entry.get("key")) or _text(entry.get("name")) or ""
                entries[key] = author_spec(entry, key)
    collection = site.root / str(site.config.get("collections_dir") or "") / "_authors"
    if collection.is_dir():
        for path in sorted(collection.glob("*")):
            if path.suffix.lower() not in (".md", ".markdown") or not path.is_file():
                continue
            try:
                digest.update(read_bytes(path))
                source = read_source(path)
            except ImprintError as exc:
                raise ConfigError(exc.message, path, exc.line) from None
            spec = author_spec(source.meta, path.stem, source.body)
            entries.setdefault(path.stem, spec)
            handle = _text(source.meta.get("name"))
            if handle and handle != spec.name:  # "name: jon-roberts" beside full_name
                entries.setdefault(handle, spec)
    return entries, digest.hexdigest()


def with_site_authors(registry: AuthorRegistry, site: JekyllSite) -> AuthorRegistry:
    """``registry`` (the project's ``_authors.yml``) with the site's authors added."""
    entries, digest = site_author_entries(site)
    if not entries:
        return registry
    combined = hashlib.sha256(f"{registry.digest}|{digest}".encode()).hexdigest()
    return registry.merged(entries, combined)
