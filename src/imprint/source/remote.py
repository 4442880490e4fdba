"""Fetching one remote image: public addresses only, one deadline, nothing followed blindly.

A post may name any URL, and some posts come from outside contributors, so a
fetch must not become a way into the build machine's network (SSRF) or a way
to stall the build:

* the host is resolved once, every address it has must be public (never
  loopback, private, link-local such as 169.254.169.254, or multicast), and
  the connection goes to the address that was checked, with the name sent as
  the ``Host`` header and TLS server name: a DNS answer that changes between
  the check and the connection (rebinding) cannot redirect it;
* one deadline covers everything (DNS, connect, TLS, every redirect, headers
  and body): a watchdog shuts the socket when it passes, so a server that
  trickles bytes cannot stretch a fetch past it;
* redirects are followed a few times, each to ``http(s)`` and each checked
  like the first URL;
* the answer must be ``200``, say it is an image (or say nothing useful), and
  fit under the size cap.

A host that could not be reached is remembered for a minute, so a post with
twenty images on a dead host waits once, not twenty times.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from ..errors import ResourceError

MAX_REDIRECTS = 3
UNREACHABLE_MEMORY = 60.0  # seconds a host that did not answer is not asked again
_REDIRECTS = {301, 302, 303, 307, 308}
# Content types that may carry an image; the bytes are sniffed afterwards either way.
_IMAGE_TYPES = ("image/", "application/octet-stream", "binary/octet-stream")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Limits:
    timeout: float  # seconds for the whole fetch, redirects included
    max_bytes: int
    # Networks treated as public. Empty in every real build; tests put their
    # 127.0.0.1 server here, an intranet could name its image host.
    trusted: tuple[Network, ...] = ()


class _Unreachable(ResourceError):
    """The host could not be reached at all (as opposed to answering badly)."""


_unreachable: dict[str, tuple[float, str]] = {}
_unreachable_lock = threading.Lock()


def refusal(address: Address, trusted: tuple[Network, ...] = ()) -> str | None:
    """Why a connection to ``address`` is refused, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if any(address in network for network in trusted):
        return None
    if address.is_loopback:
        return f"{address} is a loopback address"
    if address.is_link_local:
        return f"{address} is a link-local address"
    if address.is_multicast or not address.is_global:
        return f"{address} is a private or reserved address"
    return None


class _Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left


def _resolve(host: str, port: int, deadline: _Deadline) -> list[Address]:
    """getaddrinfo cannot be given a timeout, so it runs in a thread we stop waiting for."""
    found: dict[str, Any] = {}

    def lookup() -> None:
        try:
            found["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            found["error"] = exc

    worker = threading.Thread(target=lookup, name="imprint-dns", daemon=True)
    worker.start()
    worker.join(deadline.left())
    if worker.is_alive():
        raise TimeoutError
    if "error" in found:
        raise _Unreachable(f"host {host} cannot be resolved (offline?)")
    infos = found.get("infos") or []
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise _Unreachable(f"host {host} has no address")
    return addresses


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to the checked addresses, whatever the name resolves to by now."""

    def __init__(self, host: str, port: int, addresses: list[Address], deadline: _Deadline):
        super().__init__(host, port, timeout=deadline.left())
        self.addresses = addresses
        self.deadline = deadline
        self.raw: socket.socket | None = None

    def connect(self) -> None:
        failure: OSError = ConnectionRefusedError("no address")
        for address in self.addresses:  # as create_connection does: the next one on failure
            try:
                self.raw = socket.create_connection((str(address), self.port), self.deadline.left())
            except TimeoutError:
                raise
            except OSError as exc:
                failure = exc
                continue
            self.sock = self.raw
            return
        raise failure


class _PinnedHTTPS(_PinnedHTTP):
    """HTTPS to a checked address; the certificate must still match the name."""

    def connect(self) -> None:
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def _shutdown(connection: _PinnedHTTP) -> None:
    """The watchdog: wake a read blocked on a server that will not finish."""
    if connection.raw is not None:
        try:
            connection.raw.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _remembered(server: str) -> str | None:
    with _unreachable_lock:
        entry = _unreachable.get(server)
        if entry is None or time.monotonic() - entry[0] > UNREACHABLE_MEMORY:
            _unreachable.pop(server, None)
            return None
        return entry[1]


def _remember(server: str, reason: str) -> None:
    with _unreachable_lock:
        _unreachable[server] = (time.monotonic(), reason)


def fetch(url: str, limits: Limits) -> bytes:
    """The bytes at ``url`` under the rules above; ResourceError says why not."""
    deadline = _Deadline(limits.timeout)
    for _ in range(MAX_REDIRECTS + 1):
        server = urllib.parse.urlsplit(url).netloc.lower()  # host and port
        known = _remembered(server)
        if known:
            raise ResourceError(known)
        try:
            data, location = _get(url, limits, deadline)
        except TimeoutError:
            reason = f"no complete answer within {limits.timeout:g} s"
            _remember(server, f"{server} gave {reason} earlier in this build")
            raise ResourceError(reason) from None
        except _Unreachable as exc:
            _remember(server, f"{exc.message} (earlier in this build)")
            raise
        if location is None:
            return data
        url = location
    raise ResourceError(f"more than {MAX_REDIRECTS} redirects")


def _get(url: str, limits: Limits, deadline: _Deadline) -> tuple[bytes, str | None]:
    """One request: (body, None), or (b"", where it redirects to)."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ResourceError(f"redirect to a {scheme or 'relative'}: URL refused")
    host = parts.hostname
    if not host:
        raise ResourceError("the URL names no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise ResourceError("the URL's port is not a number") from None
    addresses = _resolve(host, port, deadline)
    for address in addresses:
        why = refusal(address, limits.trusted)
        if why:
            raise ResourceError(f"host {host}: {why}; refused")
    kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    connection = kind(host, port, addresses, deadline)
    watchdog = threading.Timer(deadline.left(), _shutdown, (connection,))
    watchdog.daemon = True
    watchdog.start()
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        try:
            connection.connect()
        except ssl.SSLError as exc:
            raise ResourceError(f"TLS failed ({exc.reason or exc})") from None
        except OSError as exc:
            if isinstance(exc, TimeoutError):
                raise
            raise _Unreachable(f"{host} cannot be reached ({exc.strerror or exc})") from None
        connection.request("GET", target, headers={"User-Agent": "imprint", "Accept": "image/*"})
        response = connection.getresponse()
        if response.status in _REDIRECTS:
            location = response.getheader("Location")
            if not location:
                raise ResourceError(f"HTTP {response.status} without a Location")
            return b"", urllib.parse.urljoin(url, location.strip())
        if response.status != 200:
            raise ResourceError(f"HTTP {response.status} {response.reason}".rstrip())
        _check_headers(response, limits)
        return _read_body(connection, response, limits, deadline), None
    except (OSError, http.client.HTTPException) as exc:
        if isinstance(exc, TimeoutError) or deadline.end <= time.monotonic():
            raise TimeoutError from None  # a read timed out, or the watchdog cut it off
        raise ResourceError(f"cannot be fetched ({type(exc).__name__}: {exc})") from None
    finally:
        watchdog.cancel()
        connection.close()


def _check_headers(response: http.client.HTTPResponse, limits: Limits) -> None:
    media_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
    if media_type and not media_type.startswith(_IMAGE_TYPES):
        raise ResourceError(f"served as {media_type}, not as an image")
    length = (response.getheader("Content-Length") or "").strip()
    if length.isdigit() and int(length) > limits.max_bytes:
        raise ResourceError(f"larger than {limits.max_bytes} bytes")


def _read_body(
    connection: _PinnedHTTP, response: http.client.HTTPResponse, limits: Limits, deadline: _Deadline
) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        if connection.raw is not None:
            connection.raw.settimeout(deadline.left())
        chunk = response.read1(65536)
        if not chunk:
            if time.monotonic() >= deadline.end:
                raise TimeoutError  # the watchdog ended the read, not the server
            if response.length:  # http.client counts down a Content-Length
                raise ResourceError("the connection closed before the image was complete")
            return b"".join(chunks)
        size += len(chunk)
        if size > limits.max_bytes:
            raise ResourceError(f"larger than {limits.max_bytes} bytes")
        chunks.append(chunk)
