"""Read a post: bytes, text, front matter and body. The only reader of source files.

The source is never modified. Decoding is strict UTF-8 (a leading BOM is
accepted and dropped); line endings become ``\\n``. Front matter is a YAML
block that opens on the first line with ``---`` and closes with ``---`` or
``...``, as Jekyll, Hugo and pandoc write it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frontmatter.default_handlers import BaseHandler

from ..diagnostics import warn
from ..errors import SourceError
from .characters import CONTROL, strip_control
from .frontmatter import FrontMatterError, load_front_matter

MAX_SOURCE_BYTES = 20_000_000


class JekyllFrontMatter(BaseHandler):
    """python-frontmatter's handler shape, with the closing fences real posts use."""

    FM_BOUNDARY = re.compile(r"^---[ \t]*$", re.MULTILINE)
    _CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$\n?", re.MULTILINE)

    def detect(self, text: str) -> bool:
        return bool(re.match(r"---[ \t]*\n", text))

    def split(self, text: str) -> tuple[str, str]:
        opening = re.match(r"---[ \t]*\n", text)
        if opening is None:
            raise ValueError("no front matter")
        closing = self._CLOSE.search(text, opening.end())
        if closing is None:
            raise ValueError("front matter is not closed")
        return text[opening.end() : closing.start()], text[closing.end() :]

    def load(self, fm: str, **kwargs: object) -> Any:
        return load_front_matter(fm)

    def export(self, metadata: dict[str, object], **kwargs: object) -> str:  # pragma: no cover
        raise NotImplementedError("imprint never writes front matter")


@dataclass(frozen=True, slots=True)
class Source:
    path: Path
    digest: str  # sha256 of the bytes on disk
    meta: dict[str, Any]  # front matter; unquoted scalars are frontmatter_yaml.Plain
    meta_lines: dict[str, int] = field(default_factory=dict)  # key -> line in the file
    body: str = ""
    body_line: int = 1  # the file line where the body starts
    raw: bytes = b""  # the file as it is on disk (PDF/A-3 keeps it beside the rendition)

    def line_of(self, key: str) -> int | None:
        return self.meta_lines.get(key)


def decode(raw: bytes, path: Path) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceError(
            f"not UTF-8: byte 0x{raw[exc.start]:02x} at column {column}; save the file as UTF-8",
            path,
            line,
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise SourceError("contains NUL characters: not a text file", path, line)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    control = CONTROL.search(text)
    if control:
        found = len(CONTROL.findall(text))
        warn(
            f"{found} control character(s) such as U+{ord(control[0]):04X} removed",
            path,
            text.count("\n", 0, control.start()) + 1,
        )
        text = strip_control(text)
    return text


def parse_source(raw: bytes, path: Path) -> Source:
    digest = hashlib.sha256(raw).hexdigest()
    text = decode(raw, path)
    handler = JekyllFrontMatter()
    if not handler.detect(text):
        return Source(path, digest, {}, {}, text, 1, raw)
    try:
        block, body = handler.split(text)
    except ValueError:
        raise SourceError(
            "front matter opened on this line is never closed (end it with a line '---' or '...')",
            path,
            1,
        ) from None
    try:
        meta, key_lines = handler.load(block)
    except FrontMatterError as exc:  # the block starts on the file's line 2
        marker = re.search(r"^<{7}(?: |$)", block, re.MULTILINE)
        if marker:  # the YAML error is a symptom; the conflict is the cause
            line = block.count("\n", 0, marker.start()) + 2
            raise SourceError(
                "front matter holds a merge-conflict marker: resolve the conflict", path, line
            ) from None
        line = exc.line + 2 if exc.line is not None else 1
        raise SourceError(exc.describe(2), path, line) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        kind = "a list" if isinstance(meta, list) else "a single value"
        raise SourceError(f"front matter is {kind}, not a mapping of fields", path, 2)
    body_line = text[: len(text) - len(body)].count("\n") + 1
    lines = {key: line + 2 for key, line in key_lines.items()}
    return Source(path, digest, meta, lines, body, body_line, raw)


def read_bytes(path: Path) -> bytes:
    """A post's bytes, or a SourceError saying why they cannot be had."""
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise SourceError(
                f"file is {size // 1_000_000} MB; posts over "
                f"{MAX_SOURCE_BYTES // 1_000_000} MB are refused",
                path,
            )
        raw = path.read_bytes()
    except IsADirectoryError:
        raise SourceError("is a folder, not a post", path) from None
    except FileNotFoundError:
        raise SourceError("no such file", path) from None
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}", path) from None
    return raw


def read_source(path: Path) -> Source:
    """Read and split one post. Raises SourceError with the file (and line) on bad input."""
    return parse_source(read_bytes(path), path)
