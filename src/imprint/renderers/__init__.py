"""Renderers: one module per output format, behind one small protocol.

A renderer reads a :class:`~imprint.model.Document` and a :class:`RenderContext`
(the brand, the templates, the options) and returns the output's bytes. It
never reads the post, never writes files: the build writes the bytes
atomically, or ships them back from a Dask worker. Adding a format is one
module here and one line in :data:`REGISTRY`.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any, ClassVar, Protocol

from ..brand.store import file_digest, tree_digest
from ..brand.templates import render as render_template
from ..brand.tokens import Brand
from ..config import __version__
from ..errors import ConfigError
from ..model import Document

# name -> "module:Class"; imported on first use so `imprint html` never loads WeasyPrint
REGISTRY: dict[str, str] = {
    "html": "imprint.renderers.html:HtmlRenderer",
    "pdf": "imprint.renderers.pdf:PdfRenderer",
    "epub": "imprint.renderers.epub:EpubRenderer",
    "docx": "imprint.renderers.docx:DocxRenderer",
}

# A format's revision, part of every cache key: bumped when its renderer makes other
# bytes from the same input with the same tools, so no build keeps the old ones.
# pdf 2: streams compressed at zlib level 6 (gated/pdf_streams)
# pdf 3: the brand's variable fonts as static print instances (brand/fonts.PrintFonts)
REVISIONS: dict[str, int] = {"html": 1, "pdf": 3, "epub": 1, "docx": 1}

EPOCH_FALLBACK = datetime(1980, 1, 1, tzinfo=UTC)
# the PDF standards whose files carry a structure tree: PDF/UA-1, and PDF/A-3a for archives
TAGGED_PDF = ("ua-1", "a-3a")


# where a renderer keeps or finds things, not what it makes: not in the fingerprint
_NOT_OUTPUT = {"shapes_output": False}


@dataclass(frozen=True, slots=True)
class RenderContext:
    """Everything a renderer is given besides the Document. Its :meth:`fingerprint` is
    part of every output's cache key, so an option added here is in the key too."""

    brand: Brand
    templates: Path
    cache_dir: Path | None = field(default=None, metadata=_NOT_OUTPUT)
    source_date_epoch: int | None = None
    pdf_standard: str = "ua-1"
    # see Settings.user_cache_dir
    user_cache_dir: Path | None = field(default=None, metadata=_NOT_OUTPUT)
    options: dict[str, Any] = field(default_factory=dict)
    # seconds an external tool (pandoc) may take for one output
    timeout: float = field(default=120.0, metadata=_NOT_OUTPUT)
    # "standalone": one self-contained HTML file; "site": pages sharing hashed assets
    html_mode: str = "standalone"
    base_url: str | None = None  # where the site is published: canonical URLs
    # a Jekyll site's web pages at their permalinks ([jekyll] permalinks): see names.py
    permalinks: bool = False

    def fingerprint(self) -> str:
        """A digest of every field that shapes an output: the brand and the templates by
        their bytes, the rest by value."""
        parts: dict[str, str] = {}
        for item in fields(self):
            if not item.metadata.get("shapes_output", True):
                continue
            value = getattr(self, item.name)
            if isinstance(value, Brand):
                parts[item.name] = value.fingerprint()
            elif isinstance(value, Path):
                parts[item.name] = (
                    tree_digest(value)
                    if value.is_dir()
                    else file_digest(value)
                    if value.is_file()
                    else "absent"
                )
            else:
                parts[item.name] = json.dumps(value, sort_keys=True, default=repr)
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    def moment(self, doc: Document) -> datetime:
        """ "Now" for an output: SOURCE_DATE_EPOCH, else the post's own date.

        Outputs record a build time (PDF dates, EPUB dcterms:modified, DOCX
        core properties, zip entries); using a fixed one makes two builds of
        the same input byte-identical.
        """
        if self.source_date_epoch is not None:
            return datetime.fromtimestamp(self.source_date_epoch, UTC)
        return doc.date.astimezone(UTC) if doc.date else EPOCH_FALLBACK

    def template(self, name: str, **context: object) -> str:
        return render_template(
            self.templates,
            name,
            self.user_cache_dir,
            version=__version__,
            brand=self.brand,
            **context,
        )


class Renderer(Protocol):
    name: ClassVar[str]  # "pdf": CLI selector and output folder
    suffix: ClassVar[str]  # ".pdf"
    media_type: ClassVar[str]

    def render(self, doc: Document, ctx: RenderContext) -> bytes: ...


_instances: dict[str, Renderer] = {}


def get_renderer(name: str) -> Renderer:
    """The (per-process, reused) renderer for a format name."""
    if name not in _instances:
        target = REGISTRY.get(name)
        if target is None:
            raise ConfigError(f"unknown format {name!r}; choose from {', '.join(REGISTRY)}")
        module, _, cls = target.partition(":")
        _instances[name] = getattr(importlib.import_module(module), cls)()
    return _instances[name]


_MEDIA_SRC = re.compile(r'(src|href)="(media/[0-9a-f]{16}\.[a-z]+)"')


def replace_media(html: str, doc: Document, url_for) -> str:
    """Point ``media/…`` references at wherever this format keeps the files."""
    by_name = {r.name: r for r in doc.all_resources()}

    def swap(match: re.Match[str]) -> str:
        resource = by_name.get(match[2])
        return f'{match[1]}="{url_for(resource)}"' if resource else match[0]

    return _MEDIA_SRC.sub(swap, html)


def plain_excerpt(doc: Document) -> str:
    """The excerpt as one line of text, for metadata fields that take no markup."""
    text = re.sub(r"<[^>]+>", "", doc.excerpt_html)
    return " ".join(unescape(text).split())


def article_context(doc: Document) -> dict[str, object]:
    """What the shared article templates need, beyond the brand."""
    return {
        "doc": doc,
        "body_html": doc.body_html,
        "description": doc.description or plain_excerpt(doc),
        "short_title": doc.title if len(doc.title) <= 60 else doc.title[:57].rstrip() + "…",
    }
