"""Serving the preview: the listening socket, the names it may be reached by, and
uvicorn running the app until Ctrl-C."""

from __future__ import annotations

import errno
import ipaddress
import socket
import sys
import webbrowser
from pathlib import Path
from typing import Any

from ...config import Settings
from ...errors import ConfigError, ImprintError
from .app import create_app
from .engine import Preview

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_host(host: str) -> str:
    """``host`` as written in a URL or a Host header: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host else host


def allowed_hosts(host: str) -> list[str] | None:
    """The Host names a request may give: on a loopback address only this machine's own
    names, so no DNS rebinding reaches the drafts; elsewhere any (None)."""
    if not is_loopback(host):
        return None
    return list(dict.fromkeys([*LOOPBACK_NAMES, url_host(host).lower()]))


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``port``, or on a free port when that one is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in (port, 0):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, candidate))
        except OSError as exc:
            sock.close()
            if candidate == 0 or exc.errno not in (errno.EADDRINUSE, errno.EACCES):
                raise ConfigError(f"cannot listen on {host}:{candidate}: {exc.strerror}") from None
            continue
        sock.listen(128)
        sock.set_inheritable(True)
        return sock
    raise AssertionError("unreachable")


def serve(
    path: Path | None,
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
) -> int:
    """Run the preview until Ctrl-C."""
    import uvicorn

    target = path or settings.content
    if not target.exists():
        raise ImprintError("no such file or folder", target)
    preview = Preview(target, settings)
    if not preview.posts:
        raise ImprintError("no posts here (Markdown files)", target)
    if not is_loopback(host):
        print(
            f"imprint: warning: listening on {host}: anyone who can reach this machine "
            "can read the drafts being previewed",
            file=sys.stderr,
        )
    sock = bind(host, port)
    actual = sock.getsockname()[1]
    url = f"http://{url_host(host)}:{actual}/"
    config = uvicorn.Config(
        create_app(preview, allowed_hosts(host)),
        log_level="warning",
        timeout_graceful_shutdown=3,
        lifespan="on",
    )

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            preview.closing = True  # the event streams end, so shutdown need not wait
            super().handle_exit(sig, frame)

    server = Server(config)
    print(f"imprint: previewing {target} at {url} (Ctrl-C stops)", flush=True)
    if open_browser:
        webbrowser.open(url)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        preview.closing = True
        preview.executor.shutdown(wait=True, cancel_futures=True)
        sock.close()
    print("imprint: preview stopped", file=sys.stderr)
    return 0
