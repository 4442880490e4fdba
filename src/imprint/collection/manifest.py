"""Collection manifests: which posts make a book, in what order, under what title.

A manifest is TOML (or YAML with the same keys), usually in
``content/collections/``::

    title = "Pacific Connections"
    subtitle = "Briefs on infrastructure, 2025"
    editors = ["Mariana Quist"]
    description = "Three briefs on the links that hold the Pacific together."
    identifier = "urn:uuid:…"      # optional: derived from the file name, stably
    lang = "en-GB"                 # optional: the project's default
    cover = "pacific-cover.png"    # optional: else one is made from the brand
    rights = "© The Imprint Review"

    [series]
    name = "Imprint Collections"
    number = 1

    [posts]
    paths = ["../2025-06-12-undersea-cables.md", "../2025-*.md"]  # files and globs
    tags = ["Pacific"]             # keep posts with any of these tags
    categories = []                # ... or any of these categories
    from = 2025-01-01              # date range, inclusive
    to = 2025-12-31
    order = "manifest"             # manifest | date-asc | date-desc

Paths are relative to the manifest. Without ``paths``, every post of the
content folder is a candidate. Every problem is reported at once, before
anything is read or written.
"""

from __future__ import annotations

import hashlib
import tomllib
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..normalise.dates import DateError, parse_date
from ..source.frontmatter import FrontMatterError, load_front_matter

ORDERS = ("manifest", "date-asc", "date-desc")


@dataclass(frozen=True, slots=True)
class ManifestKey:
    """One key a manifest may hold, with one line saying what it is for (the reference
    documentation is generated from ``MANIFEST_KEYS``)."""

    key: str  # as written: "title", or "series.name" for a key of the [series] table
    doc: str
    default: str = ""  # what applies when it is absent, as the reference shows it


MANIFEST_KEYS: tuple[ManifestKey, ...] = (
    ManifestKey("title", "The book's title; required."),
    ManifestKey("subtitle", "A subtitle, on the title page and in the metadata."),
    ManifestKey("editors", "The editors, a name or a list of names: the book's creators."),
    ManifestKey("description", "A paragraph describing the book, for its metadata."),
    ManifestKey(
        "identifier",
        "The book's identifier, such as a URN or an ISBN.",
        "a UUID derived from the manifest's file name",
    ),
    ManifestKey("lang", "The book's language, such as en-GB.", "the first article's language"),
    ManifestKey(
        "cover", "A cover image, relative to the manifest.", "a cover drawn from the brand"
    ),
    ManifestKey("rights", "The rights statement of the book."),
    ManifestKey("date", "Accepted and not used: the book's date is that of its newest post."),
    ManifestKey(
        "series",
        "The series the book belongs to: a name, or a table with name and number.",
    ),
    ManifestKey("series.name", "The series' name; required when [series] is given."),
    ManifestKey("series.number", "The book's number in the series, a whole number."),
    ManifestKey(
        "posts",
        "Which posts make the book: a list of paths, or a table of the keys below.",
        "every post of the content folder",
    ),
    ManifestKey(
        "posts.paths",
        "Post files and globs, relative to the manifest, in the order the book takes them.",
        "every post of the content folder",
    ),
    ManifestKey("posts.tags", "Keep the posts with any of these tags."),
    ManifestKey("posts.categories", "Keep the posts with any of these categories."),
    ManifestKey("posts.from", "Keep the posts dated on or after this day."),
    ManifestKey("posts.to", "Keep the posts dated on or before this day."),
    ManifestKey(
        "posts.order",
        "The order of the articles: manifest (as listed), date-asc or date-desc.",
        "manifest",
    ),
)


def _keys_of(table: str) -> set[str]:
    return {k.key.partition(".")[2] for k in MANIFEST_KEYS if k.key.startswith(table + ".")}


_TOP = {k.key for k in MANIFEST_KEYS if "." not in k.key}
_SERIES = _keys_of("series")
_POSTS = _keys_of("posts")
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://imprint.invalid/collections")


@dataclass(frozen=True, slots=True)
class Manifest:
    path: Path
    digest: str  # of the manifest file, for the build cache
    slug: str
    title: str
    subtitle: str | None
    editors: tuple[str, ...]
    description: str | None
    identifier: str
    lang: str | None
    cover: Path | None
    rights: str | None
    series: str | None
    series_number: int | None
    patterns: tuple[str, ...]  # as written, relative to the manifest's folder
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    start: date | None
    end: date | None
    order: str


def _read(path: Path) -> tuple[bytes, dict[str, Any]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the manifest: {exc.strerror or exc}", path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8", path) from None
    if path.suffix.lower() in (".yml", ".yaml"):
        try:
            data, _ = load_front_matter(text)
        except FrontMatterError as exc:
            raise ConfigError(exc.describe(1), path, (exc.line or 0) + 1) from None
        data = _plain(data) if data is not None else {}
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"not valid TOML: {exc}", path) from None
    if not isinstance(data, dict):
        raise ConfigError("a manifest is a mapping of settings", path)
    return raw, data


def _plain(value: Any) -> Any:
    """YAML text as TOML would type it: numbers stay numbers where a field wants one."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def load_manifest(path: Path) -> Manifest:
    """Read and validate a manifest; one ConfigError lists every problem."""
    raw, data = _read(path)
    problems: list[str] = [f"{key}: unknown setting" for key in data if key not in _TOP]

    def text(key: str, table: dict[str, Any] = data, required: bool = False) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                problems.append(f"{key}: missing")
            return None
        if (
            not isinstance(value, str | int | float)
            or isinstance(value, bool)
            or not str(value).strip()
        ):
            problems.append(f"{key}: must be text")
            return None
        return str(value).strip()

    def texts(key: str, table: dict[str, Any]) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{key}: must be a list of text")
            return ()
        return tuple(v.strip() for v in value if v.strip())

    title = text("title", required=True)
    editors = texts("editors", data)
    identifier = text("identifier") or f"urn:uuid:{uuid.uuid5(NAMESPACE, path.stem)}"

    cover = None
    if text("cover"):
        cover = (path.parent / str(data["cover"])).resolve()
        if not cover.is_file():
            problems.append(f"cover: {data['cover']!r} not found next to the manifest")
            cover = None

    series_name, series_number = None, None
    series = data.get("series")
    if isinstance(series, str):
        series = {"name": series}
    if series is not None:
        if not isinstance(series, dict):
            problems.append("series: must be a table with name and number")
        else:
            problems += [f"series.{k}: unknown setting" for k in series if k not in _SERIES]
            series_name = text("name", series, required=True)
            number = series.get("number")
            if number is not None and (
                isinstance(number, bool) or not isinstance(number, int) or number < 0
            ):
                problems.append(f"series.number: {number!r} must be a whole number")
            else:
                series_number = number

    posts = data.get("posts", {})
    if isinstance(posts, list):  # a bare list of paths
        posts = {"paths": posts}
    if not isinstance(posts, dict):
        problems.append("posts: must be a table (paths, tags, categories, from, to, order)")
        posts = {}
    problems += [f"posts.{k}: unknown setting" for k in posts if k not in _POSTS]
    order = posts.get("order", "manifest")
    if order not in ORDERS:
        problems.append(f"posts.order: {order!r} must be one of {', '.join(ORDERS)}")

    bounds: list[date | None] = []
    for key in ("from", "to"):
        value = posts.get(key)
        if value is None:
            bounds.append(None)
            continue
        try:
            moment = value if isinstance(value, date) else parse_date(str(value), UTC)
            bounds.append(moment.date() if isinstance(moment, datetime) else moment)
        except DateError:
            problems.append(f"posts.{key}: {value!r} is not a date")
            bounds.append(None)
    if bounds[0] and bounds[1] and bounds[0] > bounds[1]:
        problems.append("posts: 'from' is after 'to'")

    if problems:
        raise ConfigError("\n".join(problems), path)
    return Manifest(
        path=path.resolve(),
        digest=hashlib.sha256(raw).hexdigest(),
        slug=path.stem,
        title=str(title),
        subtitle=text("subtitle"),
        editors=editors,
        description=text("description"),
        identifier=identifier,
        lang=text("lang"),
        cover=cover,
        rights=text("rights"),
        series=series_name,
        series_number=series_number,
        patterns=texts("paths", posts),
        tags=texts("tags", posts),
        categories=texts("categories", posts),
        start=bounds[0],
        end=bounds[1],
        order=str(order),
    )
