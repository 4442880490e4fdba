"""Remote images against real servers on 127.0.0.1: the policy, the deadline, the cache.

The servers count as public only for a policy that trusts 127.0.0.1/32, as
tests do; the default policy refuses them like any loopback address.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest

from imprint.errors import ResourceError
from imprint.source.resources import Policy, Resolver

from .conftest import require_tool
from .servers import TRUSTED, Reply, http_server, raw_server, silent, trickle
from .tools import png

PNG = png(4, 3)


def trusting(tmp_path: Path, **changes: object) -> Resolver:
    options: dict[str, object] = {
        "content_root": tmp_path,
        "trusted_networks": TRUSTED,
        "timeout": 5.0,
        **changes,
    }
    return Resolver(Policy(**options))  # type: ignore[arg-type]


def refused(resolver: Resolver, url: str, tmp_path: Path) -> str:
    with pytest.raises(ResourceError) as caught:
        resolver.resolve(url, tmp_path)
    assert caught.value.message.startswith(url[:40])  # the warning names the reference
    return caught.value.message


def test_an_image_from_a_trusted_server(tmp_path: Path) -> None:
    with http_server({"/a.png": Reply(headers={"Content-Type": "image/png"}, body=PNG)}) as s:
        resource = trusting(tmp_path).resolve(f"{s.base}/a.png", tmp_path)
    assert (resource.data, resource.media_type) == (PNG, "image/png")
    (request,) = s.requests
    assert request["host"] == s.base.removeprefix("http://")  # the name, on the checked address
    assert request["user-agent"] == "imprint"


def test_loopback_is_refused_by_the_default_policy(tmp_path: Path) -> None:
    with http_server({"/a.png": Reply(body=PNG)}) as s:
        message = refused(Resolver(Policy(content_root=tmp_path)), f"{s.base}/a.png", tmp_path)
        assert "loopback" in message and "refused" in message
        assert s.requests == []  # refused before connecting
        message = refused(
            Resolver(Policy(content_root=tmp_path)),
            s.base.replace("127.0.0.1", "localhost") + "/a.png",
            tmp_path,
        )
        assert "loopback" in message


def test_a_name_is_resolved_once_and_sent_as_host(tmp_path: Path) -> None:
    resolver = trusting(tmp_path, trusted_networks=("127.0.0.0/8", "::1/128"))
    with http_server({"/a.png": Reply(body=PNG, headers={"Content-Type": "image/png"})}) as s:
        url = s.base.replace("127.0.0.1", "localhost") + "/a.png"
        assert resolver.resolve(url, tmp_path).data == PNG
    assert s.requests[0]["host"] == url.split("/")[2]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(headers={"Content-Type": "text/html"}, body=PNG), "served as text/html"),
        (
            Reply(headers={"Content-Type": "image/png"}, body=b"<html>not an image</html>"),
            "not a PNG, JPEG, GIF, WebP or SVG image",
        ),
        (
            Reply(headers={"Content-Type": "application/octet-stream"}, body=b"\x00" * 20),
            "not a PNG",
        ),
        (Reply(404, {"Content-Type": "text/plain"}, b"gone"), "HTTP 404"),
        (Reply(500, {"Content-Type": "image/png"}, PNG), "HTTP 500"),
        (
            Reply(200, {"Content-Type": "image/png", "Content-Length": "999999"}, PNG),
            "larger than 1000 bytes",
        ),
        (
            Reply(200, {"Content-Type": "image/png"}, PNG + b"\x00" * 2000, length=False),
            "larger than 1000 bytes",
        ),
        (
            Reply(200, {"Content-Type": "image/png", "Content-Length": "900"}, PNG),
            "closed before the image was complete",
        ),
    ],
)
def test_answers_that_are_not_acceptable_images(tmp_path: Path, reply: Reply, reason: str) -> None:
    with http_server({"/x.png": reply}) as s:
        assert reason in refused(trusting(tmp_path, max_bytes=1000), f"{s.base}/x.png", tmp_path)


def test_redirects_are_followed_and_checked(tmp_path: Path) -> None:
    def to(path: str) -> Reply:
        return Reply(302, {"Location": path})

    routes: dict = {
        "/one": to("/two"),
        "/two": to("/img.png"),
        "/img.png": Reply(body=PNG),
        "/loop": to("/loop"),
        "/file": to("file:///etc/passwd"),
        "/js": to("javascript:alert(1)"),
        "/none": Reply(301),
    }
    with http_server(routes) as s:
        resolver = trusting(tmp_path)
        routes["/inside"] = to(s.base.replace("127.0.0.1", "127.0.0.2") + "/img.png")
        assert resolver.resolve(f"{s.base}/one", tmp_path).data == PNG
        assert "more than 3 redirects" in refused(resolver, f"{s.base}/loop", tmp_path)
        assert "redirect to a file: URL refused" in refused(resolver, f"{s.base}/file", tmp_path)
        assert "redirect to a javascript: URL refused" in refused(
            resolver, f"{s.base}/js", tmp_path
        )
        assert "without a Location" in refused(resolver, f"{s.base}/none", tmp_path)
        # a hop to another loopback address is checked like the first URL, and refused
        assert "127.0.0.2 is a loopback address" in refused(resolver, f"{s.base}/inside", tmp_path)


def test_a_silent_server_costs_one_deadline(tmp_path: Path) -> None:
    resolver = trusting(tmp_path, timeout=1.0)
    connections: list[socket.socket] = []

    def counted(connection: socket.socket, stop: threading.Event) -> None:
        connections.append(connection)
        silent(connection, stop)

    with raw_server(counted) as base:
        started = time.monotonic()
        assert "no complete answer within 1 s" in refused(resolver, f"{base}/a.png", tmp_path)
        first = time.monotonic() - started
        message = refused(resolver, f"{base}/b.png", tmp_path)  # same server, other image
        assert len(connections) == 1  # the second image did not try: no second deadline
    # it waited for the deadline, then stopped; the hang guard is 4x the 1 s deadline
    # (at least 3x, so a loaded machine cannot fail it)
    assert 0.9 < first < 4.0, first
    assert "earlier in this build" in message and "no complete answer within 1 s" in message


def test_a_trickling_server_cannot_stretch_the_deadline(tmp_path: Path) -> None:
    resolver = trusting(tmp_path, timeout=1.0)
    with raw_server(trickle) as base:
        started = time.monotonic()
        assert "no complete answer within 1 s" in refused(resolver, f"{base}/a.png", tmp_path)
    # each byte came in time; the whole did not. The hang guard is 4x the 1 s deadline
    # (at least 3x): a reader that restarted its wait on every byte would take 100 s.
    assert time.monotonic() - started < 4.0


def test_a_refused_connection_is_quick_and_remembered(tmp_path: Path) -> None:
    with raw_server(silent) as base:
        pass  # the port is closed again: connections are refused
    resolver = trusting(tmp_path)
    started = time.monotonic()
    message = refused(resolver, f"{base}/a.png", tmp_path)
    # refused at once: "cannot be reached", not the 5 s deadline firing
    assert "cannot be reached" in message and "no complete answer" not in message
    assert "earlier in this build" in refused(resolver, f"{base}/b.png", tmp_path)
    assert time.monotonic() - started < 15.0  # a hang guard: 3x the 5 s deadline


def test_the_cache_makes_the_next_build_offline(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with http_server({"/a.png": Reply(body=PNG, headers={"Content-Type": "image/png"})}) as s:
        url = f"{s.base}/a.png"
        assert trusting(tmp_path, cache_dir=cache).resolve(url, tmp_path).data == PNG
    # the server is gone; remote fetching is even switched off
    offline = Resolver(Policy(content_root=tmp_path, remote=False, cache_dir=cache))
    assert offline.resolve(url, tmp_path).data == PNG
    assert not list(cache.rglob("*.part"))


def test_a_failed_answer_is_not_cached(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    bad = Reply(body=b"<html>", headers={"Content-Type": "image/png"})
    with http_server({"/a.png": bad}) as s:
        refused(trusting(tmp_path, cache_dir=cache), f"{s.base}/a.png", tmp_path)
    assert not [p for p in cache.rglob("*") if p.is_file()]


def test_https_checks_the_certificate_against_the_name(tmp_path: Path) -> None:
    """The connection goes to the checked address, but TLS still verifies the host name:
    a self-signed certificate is refused."""
    openssl = require_tool("openssl")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def tls(connection: socket.socket, stop: threading.Event) -> None:
        try:
            with context.wrap_socket(connection, server_side=True) as wrapped:
                wrapped.recv(1024)
        except OSError:
            pass

    with raw_server(tls) as base:
        url = base.replace("http://", "https://") + "/a.png"
        message = refused(trusting(tmp_path), url, tmp_path)
    assert "TLS failed" in message and "CERTIFICATE_VERIFY_FAILED" in message
