"""A Jekyll site as Jekyll reads it: its root, ``_config.yml``, ``_data/`` and front-matter
defaults.

A folder holding ``_config.yml`` is a Jekyll site. :func:`find_site` looks for one upward
from a path, as Jekyll and Quarto find their projects. :class:`JekyllSite` is read once
per process and root (:func:`load_site`); it is what the builder lists posts from and
what the normaliser gives Liquid as ``site``. Everything here is read as data: YAML
through the safe loader under a size cap, CSV and JSON as text, nothing executed.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError

CONFIG_NAME = "_config.yml"
MAX_DATA_BYTES = 5_000_000  # one _config.yml or _data file

# Jekyll's own defaults for the keys imprint reads (jekyll/configuration.rb)
DEFAULTS: dict[str, Any] = {
    "source": ".",
    "baseurl": "",
    "url": "",
    "permalink": "date",
    "excerpt_separator": "\n\n",
    "timezone": None,
    "lang": None,
    "collections": {},
    "defaults": [],
    "future": False,
    "unpublished": False,
    "show_drafts": False,
}


def find_site(path: Path) -> Path | None:
    """The nearest folder at or above ``path`` holding ``_config.yml``, or None."""
    here = path.resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def read_yaml(path: Path) -> Any:
    """A YAML file as plain data (the safe loader), refused when it is too large."""
    raw = _read_capped(path)
    try:
        return yaml.load(raw.decode("utf-8-sig"), Loader=yaml.CSafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise ConfigError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
            path,
            line + 1 if line is not None else None,
        ) from None


def _read_capped(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_DATA_BYTES:
        raise ConfigError(
            f"{size // 1_000_000} MB; site files over {MAX_DATA_BYTES // 1_000_000} MB are refused",
            path,
        )
    return path.read_bytes()


@dataclass(frozen=True)
class JekyllSite:
    """One Jekyll site: where it is and what its configuration says."""

    root: Path
    config: dict[str, Any] = field(default_factory=dict)  # DEFAULTS, then _config.yml

    @classmethod
    def read(cls, root: Path) -> JekyllSite:
        root = root.resolve()
        loaded = read_yaml(root / CONFIG_NAME) or {}
        if not isinstance(loaded, dict):
            raise ConfigError("expected a mapping of settings", root / CONFIG_NAME)
        return cls(root, {**DEFAULTS, **loaded})

    @property
    def includes(self) -> Path:
        return self.root / str(self.config.get("includes_dir") or "_includes")

    @property
    def data_dir(self) -> Path:
        return self.root / str(self.config.get("data_dir") or "_data")

    @property
    def baseurl(self) -> str:
        return str(self.config.get("baseurl") or "").rstrip("/")

    @functools.cached_property
    def data(self) -> dict[str, Any]:
        """``site.data``: every YAML, JSON and CSV file under ``_data/``, by path."""
        return _read_data(self.data_dir)

    def defaults_for(self, relative: str, kind: str = "posts") -> dict[str, Any]:
        """Front matter from ``defaults`` whose scope matches a file (its path from the
        site root, with ``/``) and type; later and more specific scopes win, as in Jekyll."""
        chosen: list[tuple[int, int, dict[str, Any]]] = []
        for order, rule in enumerate(self.config.get("defaults") or []):
            if not isinstance(rule, dict) or not isinstance(rule.get("values"), dict):
                continue
            scope = rule.get("scope") or {}
            if not isinstance(scope, dict):
                continue
            scope_path = str(scope.get("path") or "").strip("/")
            scope_type = scope.get("type")
            if scope_type and scope_type != kind:
                continue
            if scope_path and not _path_matches(relative, scope_path):
                continue
            rank = len(scope_path.split("/")) if scope_path else 0
            chosen.append((rank + (1 if scope_type else 0), order, rule["values"]))
        merged: dict[str, Any] = {}
        for _, _, values in sorted(chosen, key=lambda c: (c[0], c[1])):
            merged.update(values)
        return merged


def _path_matches(relative: str, scope: str) -> bool:
    import fnmatch

    if any(ch in scope for ch in "*?["):
        return fnmatch.fnmatch(relative, scope) or fnmatch.fnmatch(relative, f"{scope}/*")
    return relative == scope or relative.startswith(f"{scope}/")


def _read_data(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if not folder.is_dir():
        return data
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "_")):
            continue
        if path.is_dir() and not path.is_symlink():
            data[path.name] = _read_data(path)
            continue
        suffix = path.suffix.lower()
        try:
            if suffix in (".yml", ".yaml"):
                data[path.stem] = read_yaml(path)
            elif suffix == ".json":
                data[path.stem] = json.loads(_read_capped(path).decode("utf-8-sig"))
            elif suffix in (".csv", ".tsv"):
                text = _read_capped(path).decode("utf-8-sig")
                dialect = "excel-tab" if suffix == ".tsv" else "excel"
                data[path.stem] = list(csv.DictReader(io.StringIO(text), dialect=dialect))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot be read as data: {exc}", path) from None
    return data


@functools.lru_cache(maxsize=16)
def load_site(root: Path) -> JekyllSite:
    """The site at ``root``, read once per process."""
    return JekyllSite.read(root)
