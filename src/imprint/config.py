"""Project settings: declared once, typed, validated with every error at once.

A project may hold an ``imprint.toml`` at its top level; every key is optional, and
:data:`OPTIONS` declares each one with its check and a line of documentation (the
manual's reference page, ``docs/reference-imprint-toml.md``, is generated from it).
Unknown keys and wrong values are all reported together, each as
``imprint.toml: section.key: what is wrong``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

__version__ = "0.1.0"  # the release; part of every cache key
FORMATS = ("html", "pdf", "epub", "docx")
CONFIG_NAME = "imprint.toml"
PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Default templates/styles: packaged in a wheel, or the checkout's own."""
    packaged = PACKAGE_DIR / "_data" / name
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent.parent / name


def user_cache_dir() -> Path:
    """Per-user cache for what depends only on installed packages and brands."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "imprint"


_RUN_ONLY = {"shapes_output": False}
_SITE_LEVEL = {"shapes_output": False, "shapes_site": True}


@dataclass(frozen=True, slots=True)
class Settings:
    root: Path = field(default_factory=Path.cwd)
    content: Path = Path("content")
    out: Path = field(default=Path("build"), metadata=_RUN_ONLY)  # the manifest is per folder
    brand: Path = field(default_factory=lambda: data_dir("styles"))
    templates: Path = field(default_factory=lambda: data_dir("templates"))
    lang: str = "en-GB"
    timezone: str = "UTC"
    excerpt_separator: str = "<!--more-->"
    formats: tuple[str, ...] = FORMATS
    # ua-1 (tagged, accessible), a-3a (archival, tagged), a-3b, x-4 (print), none
    pdf_standard: str = "ua-1"
    # how a build runs, not what it makes: left out of the cache key (see fingerprint)
    jobs: int = field(default=0, metadata=_RUN_ONLY)
    job_timeout: float = field(default=120.0, metadata=_RUN_ONLY)
    memory_mb: int = field(default=2048, metadata=_RUN_ONLY)
    remote_resources: bool = True
    resource_timeout: float = 5.0
    resource_max_bytes: int = 20_000_000
    # Networks whose addresses remote fetches treat as public. Not an imprint.toml
    # setting: the tests' loopback server uses it, through the Python API only.
    resource_trusted_networks: tuple[str, ...] = ()
    strict: bool = False
    source_date_epoch: int | None = None
    # where the site is published ([site] base_url): absolute links in feeds,
    # sitemaps and catalogues; None keeps every link relative
    base_url: str | None = None
    # HTML: "site" (shared, hashed assets; the default of a site build) or "standalone"
    # (one self-contained file; the default of `imprint html`); None: the command's own
    html_mode: str | None = None
    # these shape only the index pages and the feed, which every site build makes anew
    page_size: int = field(default=20, metadata=_SITE_LEVEL)  # posts per index page
    feed_size: int = field(default=20, metadata=_SITE_LEVEL)  # the newest posts in the feed
    feed_full: bool = field(default=False, metadata=_SITE_LEVEL)  # whole articles in the feed
    # pages per search shard, at most (Pagefind indexes a shard whole: an edit costs one)
    search_shard_size: int = field(default=500, metadata=_SITE_LEVEL)
    # the Jekyll site the posts belong to (the folder holding _config.yml), if any
    site_root: Path | None = None
    # the site's name on its index pages ([site] title, else _config.yml's title)
    site_title: str | None = field(default=None, metadata=_SITE_LEVEL)
    # [jekyll]: which of a site's files are posts (not what a post's outputs hold)
    jekyll_collections: tuple[str, ...] = field(default=(), metadata=_RUN_ONLY)
    drafts: bool = field(default=False, metadata=_RUN_ONLY)
    future: bool = field(default=False, metadata=_RUN_ONLY)
    unpublished: bool = field(default=False, metadata=_RUN_ONLY)
    # web pages at the site's own permalink paths (html/2018/01/02/title/index.html)
    jekyll_permalinks: bool = False
    editions_dir: str = field(default="assets/editions", metadata=_RUN_ONLY)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def worker_count(self) -> int:
        return self.jobs or max(1, len(os.sched_getaffinity(0)))

    @property
    def cache_dir(self) -> Path:
        return self.root / ".imprint-cache"

    @property
    def user_cache_dir(self) -> Path:
        """What depends on the installation, not on a project (pinned fonts, web font
        cuts, compiled templates): kept per user, like fontconfig's cache."""
        return user_cache_dir()

    def fingerprint(self, site: bool = False) -> str:
        """A digest of every setting that can change what a build makes: every field
        not marked run-only, so a new setting is in the cache key unless declared not
        to shape output. ``site`` adds those that shape only the site's own pages
        (page and feed sizes, search shards): the key of the site pass. Neither holds
        how a build runs (jobs, timeout, memory, the output folder)."""
        values = {
            f.name: str(getattr(self, f.name))
            for f in fields(self)
            if f.metadata.get("shapes_output", True) or (site and f.metadata.get("shapes_site"))
        }
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


# --- the declared options -------------------------------------------------------------------

Check = Callable[[Any], str | None]  # returns a complaint, or None when the value is fine


def _is_str(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be a non-empty string"


def _is_bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _is_positive(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return "must be a positive number"
    return None


def _is_count(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return "must be a whole number, 0 or more"
    return None


def _is_positive_count(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return "must be a whole number, 1 or more"
    return None


def _is_zone(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a time zone name such as 'Europe/London'"
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return f"{value!r} is not a known time zone"
    return None


PDF_STANDARDS = ("ua-1", "a-3a", "a-3b", "x-4", "none")


def _is_pdf_standard(value: Any) -> str | None:
    return None if value in PDF_STANDARDS else f"must be one of {', '.join(PDF_STANDARDS)}"


HTML_MODES = ("site", "standalone")


def _is_html_mode(value: Any) -> str | None:
    return None if value in HTML_MODES else f"must be one of {', '.join(HTML_MODES)}"


def _is_names(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return "must be a list of names"
    return None


def _is_site_path(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip("/ ") or ".." in value.split("/"):
        return "must be a folder inside the site, such as 'assets/editions'"
    return None


def _is_formats(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return f"must be a list drawn from {', '.join(FORMATS)}"
    unknown = [v for v in value if v not in FORMATS]
    return f"unknown format(s) {', '.join(map(str, unknown))}" if unknown else None


def _is_base_url(value: Any) -> str | None:
    from urllib.parse import urlsplit

    if (
        not isinstance(value, str)
        or urlsplit(value).scheme not in ("http", "https")
        or not urlsplit(value).netloc
    ):
        return "must be an absolute http(s) URL, such as https://example.org/briefs/"
    return None


@dataclass(frozen=True, slots=True)
class Option:
    key: str  # "section.name" as written in imprint.toml
    attr: str  # the Settings field it sets
    check: Check
    doc: str  # one line: what the setting is for (the reference documentation's)
    kind: str = "value"  # "path" values are made absolute against the project root


OPTIONS: tuple[Option, ...] = (
    Option("project.content", "content", _is_str, "The folder holding the posts.", kind="path"),
    Option("project.out", "out", _is_str, "The folder the outputs are written to.", kind="path"),
    Option(
        "project.brand",
        "brand",
        _is_str,
        "The brand folder: brand.toml, the logo and the stylesheets.",
        kind="path",
    ),
    Option(
        "project.templates",
        "templates",
        _is_str,
        "The folder of Jinja templates the pages are made from.",
        kind="path",
    ),
    Option("project.lang", "lang", _is_str, "The language of posts that do not name theirs."),
    Option(
        "project.timezone",
        "timezone",
        _is_zone,
        "The time zone of dates written without an offset, such as 'Europe/London'.",
    ),
    Option(
        "project.excerpt_separator",
        "excerpt_separator",
        _is_str,
        "The marker ending a post's excerpt, as Jekyll's.",
    ),
    Option(
        "project.formats",
        "formats",
        _is_formats,
        "The formats a build makes, drawn from html, pdf, epub and docx.",
    ),
    Option(
        "pdf.standard",
        "pdf_standard",
        _is_pdf_standard,
        "The PDF made: ua-1 (tagged), a-3a (archival, tagged), a-3b, x-4 (print) or none.",
    ),
    Option("build.jobs", "jobs", _is_count, "Worker processes; 0: one per core."),
    Option("build.timeout", "job_timeout", _is_positive, "Seconds a job may take before it fails."),
    Option(
        "build.memory_mb",
        "memory_mb",
        _is_count,
        "Address space per worker, in megabytes; a job past it fails alone.",
    ),
    Option("resources.remote", "remote_resources", _is_bool, "Whether http(s) images are fetched."),
    Option(
        "resources.timeout",
        "resource_timeout",
        _is_positive,
        "Seconds a remote resource may take.",
    ),
    Option(
        "resources.max_bytes",
        "resource_max_bytes",
        _is_positive,
        "The largest resource read, in bytes.",
    ),
    Option(
        "site.base_url",
        "base_url",
        _is_base_url,
        "Where the site is published: absolute links in the feed, sitemap and catalogue.",
    ),
    Option("site.page_size", "page_size", _is_positive_count, "Posts per index page."),
    Option("site.feed_size", "feed_size", _is_positive_count, "The newest posts in feed.xml."),
    Option(
        "site.feed_full", "feed_full", _is_bool, "Whole articles in the feed, not only excerpts."
    ),
    Option(
        "site.search_shard_size",
        "search_shard_size",
        _is_positive_count,
        "Pages per search shard, at most: an edit re-indexes one shard.",
    ),
    Option("site.title", "site_title", _is_str, "The site's name on its index pages."),
    Option(
        "html.mode",
        "html_mode",
        _is_html_mode,
        "site: shared, hashed assets; standalone: one self-contained file per post.",
    ),
    Option("jekyll.collections", "jekyll_collections", _is_names, "Collections built as posts."),
    Option("jekyll.permalinks", "jekyll_permalinks", _is_bool, "Web pages at their permalinks."),
    Option("jekyll.editions_dir", "editions_dir", _is_site_path, "Where editions are placed."),
    Option("jekyll.drafts", "drafts", _is_bool, "Whether _drafts/ are built too."),
    Option("jekyll.future", "future", _is_bool, "Whether future posts are built too."),
    Option("jekyll.unpublished", "unpublished", _is_bool, "Whether unpublished posts are built."),
)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def settings_from_table(table: dict[str, Any], root: Path, origin: str) -> Settings:
    """Validate a parsed ``imprint.toml``; raise one ConfigError listing every problem."""
    known = {option.key: option for option in OPTIONS}
    values: dict[str, Any] = {"root": root}
    problems: list[str] = []
    for key, value in _flatten(table).items():
        option = known.get(key)
        if option is None:
            problems.append(f"{key}: unknown setting")
            continue
        complaint = option.check(value)
        if complaint:
            problems.append(f"{key}: {complaint}")
            continue
        if option.kind == "path":
            value = (root / value).resolve()
        elif isinstance(value, list):
            value = tuple(value)
        values[option.attr] = value
    if problems:
        raise ConfigError("\n".join(problems), origin)
    values.setdefault("content", (root / "content").resolve())
    values.setdefault("out", (root / "build").resolve())
    for name in ("brand", "templates"):
        own = root / ("styles" if name == "brand" else "templates")
        if name not in values and own.is_dir():
            values[name] = own.resolve()
    settings = Settings(**values)
    return replace(settings, source_date_epoch=_source_date_epoch())


def _source_date_epoch() -> int | None:
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(
            f"SOURCE_DATE_EPOCH={raw!r} is not a whole number of seconds", "environment"
        ) from None


def load_settings(
    config: Path | None = None, root: Path | None = None, under: dict[str, Any] | None = None
) -> Settings:
    """Settings for the project at ``root`` (default: the current directory). ``under``:
    settings as imprint.toml would write them, which the file's own override (a Jekyll
    site's, read from its ``_config.yml``)."""
    root = (root or Path.cwd()).resolve()
    path = config or root / CONFIG_NAME
    if config is not None and not path.is_file():
        raise ConfigError("no such settings file", path)
    table: dict[str, Any] = {}
    if path.is_file():
        root = path.resolve().parent
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"not valid TOML: {exc}", path) from None
    if under:
        table = _merged(under, table)
    return settings_from_table(table, root, str(path.name if path.parent == root else path))


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            value = _merged(merged[key], value)
        merged[key] = value
    return merged
