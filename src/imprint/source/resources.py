"""The one way content reaches files and the network.

Everything a post refers to (images in the body, the ``image:`` field) is
resolved here, at normalise time, under one policy:

* a relative path is read from the post's folder, a path starting with ``/``
  from the content root (as Jekyll and Hugo sites write them), and in both
  cases the real path (after symlinks) must stay inside the content root;
* a Liquid prefix such as ``{{ site.baseurl }}`` means the content root;
* ``data:`` URLs are decoded;
* ``http(s)`` URLs (and ``//host/...``) are fetched only if the settings allow
  it, by :mod:`imprint.remote` (public addresses only, one deadline, a size
  cap), and kept in the build cache so the next build needs no network;
* anything else (``file:``, ``/dev/...``, ``..`` out of the root) is refused.

Only recognised image formats are accepted, whatever the name or the server
says; an SVG must be a picture and nothing more (no scripts, no references to
other files, no entity declarations). A refused or missing resource is a
:class:`ResourceError`; the normaliser turns it into a warning and keeps the
alt text in the image's place.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import os
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..errors import ResourceError
from ..model import Resource
from .remote import Limits, Network, fetch

# Liquid that means "the site's root", as Jekyll posts put it before image paths.
# pandoc percent-encodes it in Markdown image URLs, so braces and spaces may be escaped.
_OPEN, _CLOSE, _SPACE = r"(?:\{|%7[Bb])", r"(?:\}|%7[Dd])", r"(?:\s|%20)*"
_LIQUID_PREFIX = re.compile(
    rf"^\s*(?:{_OPEN}{_OPEN}-?{_SPACE}(?:site\.(?:baseurl|url)|'/'{_SPACE}\|{_SPACE}relative_url)"
    rf"{_SPACE}-?{_CLOSE}{_CLOSE})+/?"
)
# {{ '/assets/x.png' | relative_url }}: the whole reference is one Liquid expression
_LIQUID_FILTER = re.compile(
    rf"^\s*{_OPEN}{_OPEN}-?{_SPACE}(?:'|\"|%22)(?P<path>[^'\"%]+)(?:'|\"|%22){_SPACE}\|{_SPACE}"
    rf"(?:relative_url|absolute_url){_SPACE}-?{_CLOSE}{_CLOSE}\s*$"
)

# magic bytes -> (media type, extension)
_SIGNATURES: tuple[tuple[bytes, int, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"GIF87a", 0, "image/gif", "gif"),
    (b"GIF89a", 0, "image/gif", "gif"),
    (b"WEBP", 8, "image/webp", "webp"),
)


def sniff(data: bytes) -> tuple[str, str] | None:
    """The image type of ``data`` from its content, or None."""
    for magic, offset, media_type, ext in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            if media_type == "image/webp" and not data.startswith(b"RIFF"):
                continue
            return media_type, ext
    head = data[:2048].lstrip()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if re.match(
        rb"(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]", head, re.S
    ):
        return "image/svg+xml", "svg"
    return None


@dataclass(frozen=True, slots=True)
class Policy:
    content_root: Path
    remote: bool = True
    timeout: float = 5.0  # seconds for one remote resource, all of it
    max_bytes: int = 20_000_000
    cache_dir: Path | None = None
    trusted_networks: tuple[str, ...] = ()  # treated as public: tests' 127.0.0.1 server

    def limits(self) -> Limits:
        networks: tuple[Network, ...] = tuple(
            ipaddress.ip_network(n, strict=False) for n in self.trusted_networks
        )
        return Limits(self.timeout, self.max_bytes, networks)


class Resolver:
    """Resolves references from one post under the policy."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.root = policy.content_root.resolve()
        # local files read so far: a build records them, so that editing an
        # image rebuilds the posts that show it
        self.files_read: list[Path] = []

    def resolve(self, ref: str, base: Path) -> Resource:
        """Fetch ``ref`` as written in a post whose folder is ``base``."""
        written = ref.strip()
        if not written:
            raise ResourceError("empty image reference")
        shown = _short(urllib.parse.unquote(written))  # as the author typed it
        data = self.read(written, base)
        kind = sniff(data)
        if kind is None:
            raise ResourceError(f"{shown}: not a PNG, JPEG, GIF, WebP or SVG image")
        media_type, ext = kind
        if media_type == "image/svg+xml":
            problem = svg_problem(data)
            if problem:
                raise ResourceError(f"{shown}: SVG {problem}; refused")
        digest = hashlib.sha256(data).hexdigest()[:16]
        return Resource(f"media/{digest}.{ext}", media_type, data, written)

    def read(self, ref: str, base: Path) -> bytes:
        """The bytes of any file ``ref`` names (an image, a bibliography, a citation
        style), fetched under the policy; a refusal says which reference it was."""
        written = ref.strip()
        if not written:
            raise ResourceError("empty reference")
        try:
            return self._read(site_relative(written), base)
        except ResourceError as exc:
            raise ResourceError(f"{_short(urllib.parse.unquote(written))}: {exc.message}") from None

    def _read(self, ref: str, base: Path) -> bytes:
        parts = urllib.parse.urlsplit(ref)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return self._data_url(ref)
        if scheme in ("http", "https"):
            return self._remote(ref)
        if not scheme and parts.netloc:  # //host/path: the page's scheme, so https
            return self._remote(f"https:{ref}")
        if scheme and len(scheme) > 1:  # "c:" would be a Windows drive, refused below too
            raise ResourceError(f"{scheme}: URLs are not allowed")
        return self._local(ref, base)

    def _local(self, ref: str, base: Path) -> bytes:
        path_text = urllib.parse.unquote(urllib.parse.urlsplit(ref).path)
        if "\x00" in path_text or re.match(r"^[A-Za-z]:[\\/]", ref):  # NUL, a Windows drive
            raise ResourceError("not a path inside the content folder")
        candidate = (
            (self.root / path_text.lstrip("/")) if path_text.startswith("/") else (base / path_text)
        )
        try:
            real = candidate.resolve(strict=True)
        except (FileNotFoundError, NotADirectoryError):
            raise ResourceError("no such file in the content folder") from None
        except (OSError, RuntimeError) as exc:
            raise ResourceError(f"cannot be read ({exc})") from None
        if not real.is_relative_to(self.root):
            raise ResourceError("outside the content folder; refused")
        if not real.is_file():  # a folder, a device, a FIFO that would never end
            raise ResourceError("not a regular file")
        if real.stat().st_size > self.policy.max_bytes:
            raise ResourceError(f"larger than {self.policy.max_bytes} bytes")
        self.files_read.append(real)
        return real.read_bytes()

    def _data_url(self, ref: str) -> bytes:
        header, comma, payload = ref.partition(",")
        if not comma:
            raise ResourceError("malformed data: URL")
        try:
            if header.endswith(";base64"):
                data = base64.b64decode(payload, validate=False)
            else:
                data = urllib.parse.unquote_to_bytes(payload)
        except ValueError:
            raise ResourceError("malformed data: URL") from None
        if len(data) > self.policy.max_bytes:
            raise ResourceError(f"larger than {self.policy.max_bytes} bytes")
        return data

    def _remote(self, url: str) -> bytes:
        cached = self._cache_path(url)
        if cached is not None and cached.is_file():
            return cached.read_bytes()
        if not self.policy.remote:
            raise ResourceError("remote resources are turned off")
        data = fetch(url, self.policy.limits())
        if cached is not None and sniff(data):
            # another worker may fetch the same URL: each writes its own file, rename wins
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(f"{cached.name}.{os.getpid()}.part")
            tmp.write_bytes(data)
            tmp.replace(cached)
        return data

    def _cache_path(self, url: str) -> Path | None:
        if self.policy.cache_dir is None:
            return None
        return self.policy.cache_dir / "remote" / hashlib.sha256(url.encode()).hexdigest()


def _short(ref: str) -> str:
    return ref if len(ref) <= 80 else ref[:77] + "..."


def site_relative(ref: str) -> str:
    """A reference with Jekyll's "site root" Liquid turned into a leading ``/``."""
    whole = _LIQUID_FILTER.match(ref)
    if whole:
        return "/" + whole["path"].lstrip("/")
    prefix = _LIQUID_PREFIX.match(ref)
    if prefix:
        return "/" + ref[prefix.end() :].lstrip("/")
    return ref


# SVG is a document, not just a picture: it can run scripts, load other files
# (which a renderer would then fetch) and expand entities. An image needs none of that.
_SVG_ACTIVE = {"script", "foreignObject", "iframe", "object", "embed", "handler", "listener"}
_SVG_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


def svg_problem(data: bytes) -> str | None:
    """None for an SVG that is only a drawing; else what it holds that it must not."""
    if b"<!ENTITY" in data:
        return "declares entities"
    try:
        root = etree.fromstring(data, _SVG_PARSER)
    except etree.XMLSyntaxError:
        return "is not well-formed XML"
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # processing instructions
        name = etree.QName(element).localname
        if name in _SVG_ACTIVE:
            return f"contains <{name}>"
        if name == "style" and _external_css(element.text or ""):
            return "has a stylesheet that loads other files"
        for attribute, value in element.attrib.items():
            local = etree.QName(attribute).localname.lower()
            if local.startswith("on"):
                return f"has an event handler ({local})"
            if local == "href" and not value.strip().startswith(("#", "data:image/")):
                return f"refers to another file ({value[:60]})"
            if _external_css(value):
                return "has a style that loads other files"
    return None


def _external_css(css: str) -> bool:
    """Whether CSS text loads anything but a fragment of the same document."""
    if "@import" in css:
        return True
    return any(
        not target.strip(" '\"").startswith("#")
        for target in re.findall(r"url\(([^)]*)\)", css, re.I)
    )
