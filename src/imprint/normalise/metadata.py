"""Front matter fields, their aliases across Jekyll, Hugo and Quarto, and their types.

The result, :class:`Fields`, still holds Markdown (title, excerpt, bios): it is
rendered together with the body in one pandoc run by ``normalise``.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config import Settings
from ..diagnostics import warn
from ..errors import SourceError
from ..source.post import Source
from . import values
from .authors import AuthorRegistry, AuthorSpec, authors_from_meta
from .dates import DateError, parse_date

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://imprint.invalid/documents")
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_JEKYLL_DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)$")
_BUNDLE_NAMES = {"index", "_index", "readme"}

# field -> the keys that may carry it, most specific first
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "subtitle": ("subtitle", "sub_title"),
    "description": ("description",),
    "excerpt": ("excerpt", "summary", "abstract", "standfirst"),
    "date": ("date", "publishDate", "pubDate", "date_published", "published_at"),
    "modified": ("last_modified_at", "modified", "updated", "lastmod", "dateModified"),
    "lang": ("lang", "language", "locale"),
    "identifier": ("identifier", "uuid"),
    "slug": ("slug",),
    "image": ("image", "cover", "cover_image", "hero_image", "hero-image", "featured_image"),
    "image_alt": ("image_alt", "image-alt", "cover_alt", "imageAlt"),
    "tags": ("tags", "keywords"),
    "categories": ("categories", "category"),
    "excerpt_separator": ("excerpt_separator",),
}


@dataclass(frozen=True, slots=True)
class Fields:
    slug: str
    identifier: str
    title_md: str | None  # None: take the post's first level-1 heading
    subtitle: str | None
    description: str | None
    excerpt_md: str | None
    separator: str
    authors: tuple[AuthorSpec, ...]
    date: datetime | None
    modified: datetime | None  # last_modified_at: when the post was last revised
    lang: str
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    image: str | None
    image_alt: str
    published: bool


def slug_from_path(path: Path) -> tuple[str, str | None]:
    """The slug a file name gives, and a Jekyll ``YYYY-MM-DD-`` date prefix if any."""
    stem = path.stem
    if stem.lower() in _BUNDLE_NAMES and path.parent.name:
        stem = path.parent.name  # Hugo and Quarto bundles: posts/my-post/index.md
    match = _JEKYLL_DATE_PREFIX.match(stem)
    return (match[2], match[1]) if match else (stem, None)


MAX_SLUG_BYTES = 150  # a file name may hold 255 bytes; room for the suffix and temp names


def clean_slug(text: str) -> str:
    """A slug safe as a file name on every system: letters, digits, '-' and '_' only.

    NFC first, so "é" typed as e + accent and as one character are one slug
    (macOS would store both as one file). Cut at 80 characters and at
    :data:`MAX_SLUG_BYTES` of UTF-8, since CJK letters take 3 bytes and some 4.
    """
    text = unicodedata.normalize("NFC", text)
    slug = re.sub(r"[^\w-]+", "-", text.strip(), flags=re.UNICODE).strip("-_.").lower()
    slug = re.sub(r"-{2,}", "-", slug)[:80]
    while len(slug.encode("utf-8")) > MAX_SLUG_BYTES:
        slug = slug[:-1]
    slug = slug.strip("-")
    if slug.upper() in {
        "CON",
        "PRN",
        "AUX",
        "NUL",
        *(f"COM{i}" for i in range(10)),
        *(f"LPT{i}" for i in range(10)),
    }:
        slug = f"{slug}-post"
    return slug


class _Reader:
    """Reads fields one by one, turning shape errors into located SourceErrors."""

    def __init__(self, source: Source):
        self.source = source
        self.meta = source.meta

    def raw(self, field: str) -> tuple[str | None, Any]:
        return values.first(self.meta, *ALIASES[field])

    def text(self, field: str, required: bool = False) -> str | None:
        key, value = self.raw(field)
        try:
            return values.text(value)
        except values.FieldError as exc:
            if required:
                raise SourceError(
                    f"{key}: {exc}", self.source.path, self.source.line_of(key or "")
                ) from None
            warn(f"{key}: {exc}; ignored", self.source.path, self.source.line_of(key or ""))
            return None

    def words(self, field: str, split_keys: tuple[str, ...] = ()) -> tuple[str, ...]:
        """A list field (tags, categories); one of the wrong shape is ignored with a warning.

        Under the keys in ``split_keys`` an unquoted string is space-separated words.
        """
        key, value = self.raw(field)
        try:
            return values.text_list(value, split_words=key in split_keys)
        except values.FieldError as exc:
            warn(f"{key}: {exc}; ignored", self.source.path, self.source.line_of(key or ""))
            return ()

    def flag(self, key: str, default: bool) -> bool:
        try:
            return values.flag(self.meta.get(key), default)
        except values.FieldError as exc:
            warn(
                f"{key}: {exc}; using {str(default).lower()}",
                self.source.path,
                self.source.line_of(key),
            )
            return default


def read_fields(source: Source, settings: Settings, registry: AuthorRegistry) -> Fields:
    r = _Reader(source)
    path_slug, path_date = slug_from_path(source.path)
    slug = clean_slug(r.text("slug") or path_slug) or clean_slug(path_slug) or "post"

    date_key, date_value = r.raw("date")
    if date_value is None and path_date:
        date_key, date_value = None, path_date
    moment = None
    if date_value is not None:
        try:
            moment = parse_date(date_value, settings.zone)
        except DateError as exc:
            if date_key is not None and path_date:  # as Jekyll: the file name's date
                warn(
                    f"{date_key}: {str(date_value)!r} is not a date ({exc}); "
                    "the file name's date is used",
                    source.path,
                    source.line_of(date_key),
                )
                moment = parse_date(path_date, settings.zone)
            else:
                raise SourceError(
                    f"{date_key or 'date'}: {str(date_value)!r} is not a date ({exc})",
                    source.path,
                    source.line_of(date_key or ""),
                ) from None

    modified_key, modified_value = r.raw("modified")
    modified = None
    if modified_value is not None:
        try:
            modified = parse_date(modified_value, settings.zone)
        except DateError as exc:
            warn(
                f"{modified_key}: {str(modified_value)!r} is not a date ({exc}); ignored",
                source.path,
                source.line_of(modified_key or ""),
            )

    lang = (r.text("lang") or settings.lang).replace("_", "-")
    if not _LANG.match(lang):
        warn(
            f"lang: {lang!r} is not a BCP 47 language tag; using {settings.lang}",
            source.path,
            source.line_of("lang"),
        )
        lang = settings.lang

    identifier = r.text("identifier")
    if identifier and re.fullmatch(r"[0-9a-fA-F-]{36}", identifier):
        identifier = f"urn:uuid:{identifier.lower()}"
    identifier = identifier or f"urn:uuid:{uuid.uuid5(NAMESPACE, slug)}"

    try:
        authors = tuple(authors_from_meta(source.meta, registry))
    except values.FieldError as exc:
        raise SourceError(f"author: {exc}", source.path, source.line_of("author")) from None

    published = r.flag("published", True) and not r.flag("draft", False)
    image = r.text("image")
    header = source.meta.get("header")
    if image is None and isinstance(header, dict):  # minimal-mistakes: header: {image: ...}
        image = (
            values.text(header.get("image") or header.get("teaser"))
            if not isinstance(header.get("image"), list | dict)
            else None
        )

    return Fields(
        slug=slug,
        identifier=identifier,
        title_md=r.text("title", required=True),
        subtitle=r.text("subtitle"),
        description=r.text("description"),
        excerpt_md=r.text("excerpt"),
        separator=r.text("excerpt_separator") or settings.excerpt_separator,
        authors=authors,
        date=moment,
        modified=modified,
        lang=lang,
        tags=r.words("tags", split_keys=ALIASES["tags"]),
        categories=r.words("categories", split_keys=("categories",)),
        image=image,
        image_alt=r.text("image_alt") or "",
        published=published,
    )


def title_block(body: str) -> tuple[dict[str, Any], str]:
    """pandoc's ``% title`` / ``% author; author`` / ``% date`` opening, as front matter.

    Only when the body starts with it; continuation lines start with a space.
    """
    if not body.startswith("%"):
        return {}, body
    lines = body.split("\n")
    fields: list[str] = []
    index = 0
    while index < len(lines) and len(fields) < 3:
        line = lines[index]
        if line.startswith("%"):
            fields.append(line[1:].strip())
        elif line.startswith((" ", "\t")) and fields and line.strip():
            fields[-1] += " " + line.strip()
        else:
            break
        index += 1
    while index < len(lines) and lines[index].startswith((" ", "\t")) and lines[index].strip():
        fields[-1] += " " + lines[index].strip()
        index += 1
    meta: dict[str, Any] = {}
    for key, value in zip(("title", "author", "date"), fields, strict=False):
        if value:
            meta[key] = (
                [a.strip() for a in value.split(";") if a.strip()] if key == "author" else value
            )
    return meta, "\n".join(lines[index:])
