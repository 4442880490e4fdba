"""A Jekyll site as a build reads it: the project its path belongs to, and the posts
Jekyll would publish.

:func:`project_settings` finds the project upward from a path, as Jekyll and Quarto do:
a Jekyll site (a folder holding ``_config.yml``, whose ``title``, ``url`` + ``baseurl``,
``lang``, ``timezone`` and ``excerpt_separator`` become settings, and whose
``imprint.toml``, if any, overrides them), else an imprint project (``imprint.toml``).

:func:`list_site` lists a site's posts as Jekyll does: the Markdown files named
``YYYY-MM-DD-title`` under ``_posts/`` (and its subfolders), ``_drafts/`` only when asked,
the collections named in ``[jekyll] collections`` that have ``output: true``; a post
with ``published: false`` or dated later than now is left out unless asked for.
Nothing else in the site (READMEs, pages, licences) is a post.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import CONFIG_NAME, OPTIONS, Settings, data_dir, load_settings
from ..source.jekyll import CONFIG_NAME as SITE_CONFIG
from ..source.jekyll import JekyllSite, load_site

LOGGER = logging.getLogger("imprint.site")
OUT_NAME = "_imprint"  # a site's outputs: Jekyll leaves "_" folders out of what it publishes
MARKDOWN = {".md", ".markdown", ".mkdown", ".mkdn", ".mkd"}
POST_NAME = re.compile(r"(\d{2,4}-\d{1,2}-\d{1,2})-(.+)$")
SKIPPED_FOLDERS = {"node_modules", "vendor"}
# the front matter of a post, as bytes (only its keys are looked for)
_FRONT = re.compile(rb"\A(?:\xef\xbb\xbf)?---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*$", re.S | re.M)
_KEYS = re.compile(rb"^(published|date)[ \t]*:[ \t]*(.*?)[ \t]*\r?$", re.M)
_SIMPLE = re.compile(rb"""[^\s\[\]{}|>&*!%@`#'"][^#]*|"[^"\\]*"|'[^']*'""")  # one-line scalar


# --- the project a path belongs to --------------------------------------------------------


def project_settings(path: Path | None = None, config: Path | None = None) -> Settings:
    """The settings of the project ``path`` belongs to (default: the working folder),
    found upward from it; ``config`` names imprint.toml outright."""
    start = (path or Path.cwd()).resolve()
    folder = start if start.is_dir() else start.parent
    site: Path | None = None
    toml: Path | None = config.resolve() if config is not None else None
    for here in (folder, *folder.parents):
        if site is None and (here / SITE_CONFIG).is_file():
            site = here
        if toml is None and (here / CONFIG_NAME).is_file():
            toml = here / CONFIG_NAME
        if toml is not None and (site is not None or config is None):
            break  # a site and its settings, or an imprint project nearer than any site
    if site is not None and (config is not None or toml is None or _within(site, toml.parent)):
        return site_settings(site, toml)
    if toml is not None:
        return load_settings(toml)
    return load_settings(config)


def _within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def site_settings(root: Path, toml: Path | None = None) -> Settings:
    """A Jekyll site's project: ``_config.yml``'s settings, under ``toml``'s (imprint.toml
    beside the site, or above it). The site root is the content root, and the outputs go
    to ``_imprint/`` in it."""
    site = load_site(root.resolve())
    table = _settings_table(site)
    settings = load_settings(toml, root=site.root, under=table)
    return settings.with_overrides(site_root=site.root)


def _settings_table(site: JekyllSite) -> dict[str, Any]:
    """What ``_config.yml`` says, as imprint.toml would write it; a value imprint cannot
    take is left out with a warning."""
    config = site.config
    chosen: dict[str, Any] = {
        "project.content": str(site.root),
        "project.out": str(site.root / OUT_NAME),
        # imprint's own brand and templates, not a site's styles/ or templates/ folder
        "project.brand": str(data_dir("styles")),
        "project.templates": str(data_dir("templates")),
    }
    for key, name in (
        ("lang", "project.lang"),
        ("timezone", "project.timezone"),
        ("title", "site.title"),
    ):
        if config.get(key):
            chosen[name] = str(config[key])
    separator = config.get("excerpt_separator")
    if isinstance(separator, str) and separator.strip():  # Jekyll's "\n\n" is imprint's default
        chosen["project.excerpt_separator"] = separator
    url = str(config.get("url") or "").rstrip("/")
    if url:
        chosen["site.base_url"] = f"{url}{site.baseurl}/"
    checks = {option.key: option.check for option in OPTIONS}
    table: dict[str, Any] = {}
    for name, value in chosen.items():
        complaint = checks[name](value)
        if complaint:
            LOGGER.warning("%s: %s: %s; ignored", site.root / SITE_CONFIG, name, complaint)
            continue
        section, key = name.split(".")
        table.setdefault(section, {})[key] = value
    return table


# --- the posts Jekyll publishes -----------------------------------------------------------


@dataclass
class Listing:
    """A site's posts, and the files left out of them with why."""

    site: JekyllSite
    posts: list[Path] = field(default_factory=list)
    # why -> files: "draft", "unpublished", "future"
    left_out: dict[str, list[Path]] = field(default_factory=dict)

    def leave_out(self, why: str, path: Path) -> None:
        self.left_out.setdefault(why, []).append(path)

    @property
    def excluded(self) -> list[Path]:
        return [p for paths in self.left_out.values() for p in paths]

    def describe(self) -> str:
        """The build's first line: the site, its post count, and what was left out."""
        title = self.site.config.get("title")
        name = f"'{title}' ({self.site.root})" if title else str(self.site.root)
        line = f"imprint: Jekyll site {name}: {len(self.posts)} post(s)"
        flags = {"draft": "--drafts", "unpublished": "--unpublished", "future": "--future"}
        parts = [
            f"{len(self.left_out[why])} {why} ({flag})"
            for why, flag in flags.items()
            if self.left_out.get(why)
        ]
        return f"{line}; left out: {', '.join(parts)}" if parts else line


def list_site(settings: Settings) -> Listing:
    """The posts of the site at ``settings.site_root``, as Jekyll would publish them."""
    assert settings.site_root is not None
    site = load_site(settings.site_root)
    listing = Listing(site)
    now = datetime.now(UTC)
    for folder in _post_folders(site):
        for path in _markdown_files(folder):
            if POST_NAME.match(path.stem) is None:
                continue  # Jekyll reads only YYYY-MM-DD-title files as posts
            _admit(listing, path, "posts", settings, now)
    if settings.drafts:
        for path in _markdown_files(site.root / "_drafts"):
            _admit(listing, path, "drafts", settings, now)
    else:
        listing.left_out["draft"] = _markdown_files(site.root / "_drafts")
    for name in settings.jekyll_collections:
        collection = _collection_folder(site, name)
        if collection is not None:
            for path in _markdown_files(collection):
                _admit(listing, path, name, settings, now)
    return listing


def _collection_folder(site: JekyllSite, name: str) -> Path | None:
    collections = site.config.get("collections") or {}
    meta = collections.get(name) if isinstance(collections, dict) else None
    if not isinstance(meta, dict) or meta.get("output") is not True:
        LOGGER.warning(
            "%s: collection '%s' is not built: _config.yml does not give it output: true",
            site.root / SITE_CONFIG,
            name,
        )
        return None
    base = site.root / str(site.config.get("collections_dir") or "")
    return base / f"_{name}"


def _post_folders(site: JekyllSite) -> list[Path]:
    """``_posts`` at the root and in any folder Jekyll reads (a category's ``x/_posts``)."""
    excluded = {str(e).strip("/") for e in site.config.get("exclude") or [] if e}
    found: list[Path] = []

    def walk(folder: str, relative: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            name = entry.name
            if not entry.is_dir(follow_symlinks=False):
                continue
            if name == "_posts":
                found.append(Path(entry.path))
                continue
            inner = f"{relative}{name}"
            if name.startswith(("_", ".")) or name in SKIPPED_FOLDERS or inner in excluded:
                continue
            walk(entry.path, f"{inner}/")

    walk(str(site.root), "")
    return found


def _markdown_files(folder: Path) -> list[Path]:
    """The Markdown files under ``folder`` and its subfolders, in path order."""
    found: list[Path] = []
    if not folder.is_dir():
        return found
    for here, folders, files in os.walk(folder):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in sorted(files):
            if os.path.splitext(name)[1].lower() in MARKDOWN and not name.startswith("."):
                found.append(Path(here) / name)
    found.sort(key=lambda p: p.parts)
    return found


# (path, size, mtime, kind, time zone) -> (published, date): a build lists its site twice
# (its first line, then its posts), and a preview on every change
_FACTS: dict[tuple[str, int, int, str, str], tuple[bool, datetime | None]] = {}


def _admit(listing: Listing, path: Path, kind: str, settings: Settings, now: datetime) -> None:
    try:
        info = os.stat(path)
    except OSError:
        listing.posts.append(path)  # the build says why it cannot be read
        return
    key = (str(path), info.st_size, info.st_mtime_ns, kind, settings.timezone)
    facts = _FACTS.get(key)
    if facts is None:
        if len(_FACTS) > 100_000:
            _FACTS.clear()
        facts = _FACTS[key] = _front_facts(listing.site, path, kind, settings)
    published, date = facts
    if not published and not settings.unpublished:
        listing.leave_out("unpublished", path)
    elif date is not None and date > now and not settings.future:
        listing.leave_out("future", path)
    else:
        listing.posts.append(path)


def _front_facts(
    site: JekyllSite, path: Path, kind: str, settings: Settings
) -> tuple[bool, datetime | None]:
    """Whether a post is published, and its date (the front matter's, else the file
    name's), read as Jekyll reads them; a post that cannot be read is listed, for the
    build to say why."""
    # what reads posts is imported here: finding a project (every command) needs none of it
    from ..diagnostics import collecting
    from ..errors import ImprintError
    from ..normalise.dates import DateError, parse_date
    from ..source.post import parse_source

    relative = path.relative_to(site.root).as_posix()
    defaults = site.defaults_for(relative, kind)
    name_date = POST_NAME.match(path.stem)
    meta: dict[str, Any] = {}
    try:
        raw = path.read_bytes()
    except OSError:
        return True, None
    front = _FRONT.match(raw)
    found = _KEYS.findall(front[1]) if front is not None else []
    if found:
        plain = _plain_values(found)
        if plain is not None:
            meta = plain
        else:  # not a plain one-line value: read as YAML
            try:
                with collecting():  # the build reports what is wrong with the post
                    meta = parse_source(raw, path).meta
            except ImprintError:
                return True, None
    published = _flag(meta.get("published", defaults.get("published", True)))
    date = None
    for value in (meta.get("date"), defaults.get("date"), name_date and name_date[1]):
        if value in (None, ""):
            continue
        try:
            date = parse_date(value, settings.zone)
            break
        except (DateError, ValueError, TypeError):
            continue
    return published, date


def _plain_values(found: list[tuple[bytes, bytes]]) -> dict[str, Any] | None:
    """``published:`` and ``date:`` as one-line scalars, read without a YAML parser (a
    site's listing reads every post's front matter each build); None if one is not."""
    from ..source.frontmatter import Plain

    values: dict[str, Any] = {}
    for key, value in found:
        if not _SIMPLE.fullmatch(value) or key.decode() in values:
            return None
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if text[:1] in "'\"":
            values[key.decode()] = text[1:-1]
        else:
            values[key.decode()] = Plain(text.strip())
    return values


def _flag(value: Any) -> bool:
    if isinstance(value, str):  # a plain scalar too
        return str(value).strip().lower() not in ("false", "no", "off")
    return value is not False


def build_sources(
    paths: list[Path] | None, settings: Settings
) -> tuple[list[Path], list[Path]] | None:
    """For a build in a Jekyll site: the posts under ``paths`` (default: the whole site)
    that Jekyll would publish, and those left out (whose old outputs go). None outside a
    site, or when ``paths`` name no folder of one: the caller discovers as usual."""
    root = settings.site_root
    if root is None:
        return None
    chosen = [p.resolve() for p in paths] if paths else [root]
    if not all(p.is_dir() and _within(p, root) for p in chosen):
        return None
    listing = list_site(settings)

    def under(post: Path) -> bool:
        return any(_within(post, folder) for folder in chosen)

    return [p for p in listing.posts if under(p)], [p for p in listing.excluded if under(p)]
