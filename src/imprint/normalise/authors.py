"""Who wrote a post: front matter ``author``/``authors`` and the author registry.

Front matter may name authors as a string, a list of strings, a mapping
(``name``, ``bio``, ``affiliation``, ``url``) or a list of mappings. A string
may also be a key of the registry, ``content/_authors.yml``, which is shaped
like Jekyll's ``_data/authors.yml``::

    ha-chae-kyoun:
      name: Ha Chae Kyoun
      affiliation: RUSI
      bio: Ha Chae Kyoun is a KF Indo-Pacific Visiting Fellow at RUSI ...

(a list of such mappings, each with ``name``, works too).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..source.frontmatter import FrontMatterError, load_front_matter
from . import values

REGISTRY_NAME = "_authors.yml"


@dataclass(frozen=True, slots=True)
class AuthorSpec:
    """An author as the sources describe them; bios are still Markdown."""

    name: str
    bio_md: str = ""
    affiliation: str | None = None
    url: str | None = None


def name_key(name: str) -> str:
    """Compare names by letters only: "__Ha Chae Kyoun__" matches "ha chae  kyoun"."""
    return re.sub(r"[\W_]+", " ", name).strip().casefold()


def _spec(entry: Any, fallback_name: str | None = None) -> AuthorSpec | None:
    if isinstance(entry, dict):
        name = values.text(entry.get("name") or entry.get("display_name")) or fallback_name
        if not name:
            return None
        bio = entry.get("bio") or entry.get("author_bio") or entry.get("description")
        return AuthorSpec(
            name,
            values.text(bio) or "",
            values.text(entry.get("affiliation") or entry.get("organization")),
            values.text(entry.get("url") or entry.get("website")),
        )
    name = values.text(entry)
    return AuthorSpec(name) if name else None


class AuthorRegistry:
    """Bios and affiliations by author name or registry key."""

    def __init__(self, entries: dict[str, AuthorSpec] | None = None, digest: str = ""):
        self._by_key: dict[str, AuthorSpec] = {}
        for key, spec in (entries or {}).items():
            self._by_key.setdefault(name_key(key), spec)
            self._by_key.setdefault(name_key(spec.name), spec)
        self.digest = digest  # part of the build cache key

    def __len__(self) -> int:
        return len({id(s) for s in self._by_key.values()})

    def merged(self, entries: dict[str, AuthorSpec], digest: str) -> AuthorRegistry:
        """A registry of this one's authors, then ``entries`` by keys and names it lacks."""
        out = AuthorRegistry(digest=digest)
        out._by_key = dict(self._by_key)
        for key, spec in entries.items():
            out._by_key.setdefault(name_key(key), spec)
            out._by_key.setdefault(name_key(spec.name), spec)
        return out

    def find(self, name: str) -> AuthorSpec | None:
        return self._by_key.get(name_key(name))

    def names(self) -> list[str]:
        return sorted({s.name for s in self._by_key.values()})

    @classmethod
    def load(cls, path: Path) -> AuthorRegistry:
        if not path.is_file():
            return cls()
        raw = path.read_bytes()
        try:
            data, _ = load_front_matter(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise ConfigError("not UTF-8", path) from None
        except FrontMatterError as exc:
            raise ConfigError(exc.describe(1), path, (exc.line or 0) + 1) from None
        entries: dict[str, AuthorSpec] = {}
        items = (
            data.items()
            if isinstance(data, dict)
            else (((None, e) for e in data) if isinstance(data, list) else None)
        )
        if items is None:
            raise ConfigError("expected a mapping of authors (or a list of them)", path)
        for key, entry in items:
            try:
                spec = _spec(entry, fallback_name=key)
            except values.FieldError as exc:
                raise ConfigError(f"{key or 'entry'}: {exc}", path) from None
            if spec is None:
                raise ConfigError(f"{key or 'an entry'}: has no name", path)
            if isinstance(entry, str) and key:  # "key: bio text" shorthand
                spec = AuthorSpec(key, entry)
            entries[key or spec.name] = spec
        return cls(entries, hashlib.sha256(raw).hexdigest())


def authors_from_meta(meta: dict[str, Any], registry: AuthorRegistry) -> list[AuthorSpec]:
    """Authors named by the front matter, completed from the registry."""
    _, raw = values.first(meta, "authors", "author")
    entries = raw if isinstance(raw, list) else ([] if raw is None else [raw])
    _, top_bio = values.first(meta, "author_bio", "bio", "author-bio")
    bio = values.text(top_bio) or ""
    specs: list[AuthorSpec] = []
    for entry in entries:
        spec = _spec(entry)
        if spec is None:
            continue
        if not specs and not spec.bio_md and bio:  # a top-level bio is the first author's
            spec = replace(spec, bio_md=bio)
        known = registry.find(spec.name)
        if known is not None:
            spec = AuthorSpec(
                spec.name if isinstance(entry, dict) else known.name,
                spec.bio_md or known.bio_md,
                spec.affiliation or known.affiliation,
                spec.url or known.url,
            )
        specs.append(spec)
    return specs
