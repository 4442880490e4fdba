"""The one way content reaches files and the network.

Everything a post refers to (images in the body, the ``image:`` field) is
resolved here, at normalise time, under one policy:

* a relative path is read from the post's folder, a path starting with ``/``
  from the content root (as Jekyll and Hugo sites write them), and in both
  cases the real path (after symlinks) must stay inside the content root;
* a Liquid prefix such as ``{{ site.baseurl }}`` means the content root;
* ``data:`` URLs are decoded;
* ``http(s)`` URLs are fetched only if the settings allow it, with a timeout,
  a size cap, no redirects and no private, loopback or link-local addresses,
  and kept in the build cache so the next build needs no network;
* anything else (``file:``, ``/dev/...``, ``..`` out of the root) is refused.

Only recognised image formats are accepted, whatever the name says. A refused
or missing resource is a :class:`ResourceError`; the normaliser turns it into a
warning and keeps the alt text in the image's place.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
import socket
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .errors import ResourceError
from .model import Resource

_LIQUID_PREFIX = re.compile(r"^\s*\{\{-?\s*(?:site\.(?:baseurl|url)|'/'\s*\|\s*relative_url)"
                            r"\s*-?\}\}/?")

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
        if data[offset:offset + len(magic)] == magic:
            if media_type == "image/webp" and not data.startswith(b"RIFF"):
                continue
            return media_type, ext
    head = data[:2048].lstrip()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if re.match(rb"(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]", head,
                re.S):
        return "image/svg+xml", "svg"
    return None


def check_public_host(host: str) -> str | None:
    """None when every address ``host`` resolves to is public; else why it is refused."""
    if not host:
        return "the URL names no host"
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return f"host {host} cannot be resolved (offline?)"
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            return f"host {host} is a private, loopback or link-local address; refused"
    return None if infos else f"host {host} has no address"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        raise urllib.error.HTTPError(req.full_url, code, f"redirect to {newurl} refused",
                                     headers, fp)


@dataclass(frozen=True, slots=True)
class Policy:
    content_root: Path
    remote: bool = True
    timeout: float = 5.0
    max_bytes: int = 20_000_000
    cache_dir: Path | None = None


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
        ref = ref.strip()
        if not ref:
            raise ResourceError("empty image reference")
        liquid = _LIQUID_PREFIX.match(ref)
        if liquid:
            ref = "/" + ref[liquid.end():].lstrip("/")
        scheme = urllib.parse.urlsplit(ref).scheme.lower()
        if scheme == "data":
            data = self._data_url(ref)
        elif scheme in ("http", "https"):
            data = self._remote(ref)
        elif scheme and len(scheme) > 1:  # "c:" would be a Windows drive, refused below too
            raise ResourceError(f"{ref}: {scheme}: URLs are not allowed")
        else:
            data = self._local(ref, base)
        kind = sniff(data)
        if kind is None:
            raise ResourceError(f"{_short(ref)}: not a PNG, JPEG, GIF, WebP or SVG image")
        media_type, ext = kind
        digest = hashlib.sha256(data).hexdigest()[:16]
        return Resource(f"media/{digest}.{ext}", media_type, data, ref)

    def _local(self, ref: str, base: Path) -> bytes:
        path_text = urllib.parse.unquote(urllib.parse.urlsplit(ref).path)
        if "\x00" in path_text or re.match(r"^[A-Za-z]:[\\/]", path_text):
            raise ResourceError(f"{ref}: not a path inside the content folder")
        candidate = (self.root / path_text.lstrip("/")) if path_text.startswith("/") \
            else (base / path_text)
        try:
            real = candidate.resolve(strict=True)
        except (FileNotFoundError, NotADirectoryError):
            raise ResourceError(f"{ref}: no such file") from None
        except (OSError, RuntimeError) as exc:
            raise ResourceError(f"{ref}: cannot be read ({exc})") from None
        if not real.is_relative_to(self.root):
            raise ResourceError(f"{ref}: outside the content folder; refused")
        if not real.is_file():
            raise ResourceError(f"{ref}: not a regular file")
        if real.stat().st_size > self.policy.max_bytes:
            raise ResourceError(f"{ref}: larger than {self.policy.max_bytes} bytes")
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
            raise ResourceError(f"data: URL larger than {self.policy.max_bytes} bytes")
        return data

    def _remote(self, url: str) -> bytes:
        cached = self._cache_path(url)
        if cached is not None and cached.is_file():
            return cached.read_bytes()
        if not self.policy.remote:
            raise ResourceError(f"{_short(url)}: remote resources are turned off")
        refusal = check_public_host(urllib.parse.urlsplit(url).hostname or "")
        if refusal:
            raise ResourceError(f"{_short(url)}: {refusal}")
        opener = urllib.request.build_opener(_NoRedirects)
        request = urllib.request.Request(url, headers={"User-Agent": "imprint"})
        try:
            with opener.open(request, timeout=self.policy.timeout) as response:
                data = response.read(self.policy.max_bytes + 1)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise ResourceError(f"{_short(url)}: cannot be fetched ({reason})") from None
        if len(data) > self.policy.max_bytes:
            raise ResourceError(f"{_short(url)}: larger than {self.policy.max_bytes} bytes")
        if cached is not None and sniff(data):
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(cached)
        return data

    def _cache_path(self, url: str) -> Path | None:
        if self.policy.cache_dir is None:
            return None
        return self.policy.cache_dir / "remote" / hashlib.sha256(url.encode()).hexdigest()


def _short(ref: str) -> str:
    return ref if len(ref) <= 80 else ref[:77] + "..."
