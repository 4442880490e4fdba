"""Small HTTP servers on 127.0.0.1 for the remote-resource tests.

Each runs in a daemon thread for the length of a ``with`` block, answers only
on the loopback address, and stops by itself (bounded loops, timeouts), so a
failing test cannot leave one behind.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOOPBACK = "127.0.0.1"
TRUSTED = ("127.0.0.1/32",)  # the test policy: this one address counts as public


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    length: bool = True  # send Content-Length (else the body ends when the connection does)


@dataclass
class Served:
    base: str  # http://127.0.0.1:PORT
    requests: list[dict[str, str]] = field(default_factory=list)  # headers of each request


@contextmanager
def http_server(routes: dict[str, Callable[[Served], Reply] | Reply]) -> Iterator[Served]:
    """Answer GET requests from ``routes`` (path -> reply); anything else is a 404."""
    served = Served("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.requests.append({k.lower(): v for k, v in self.headers.items()})
            route = routes.get(self.path)
            reply = route(served) if callable(route) else route
            if reply is None:
                reply = Reply(404, {"Content-Type": "text/plain"}, b"not here")
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.length and "Content-Length" not in reply.headers:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

    server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
    served.base = f"http://{LOOPBACK}:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def raw_server(
    on_connection: Callable[[socket.socket, threading.Event], None], lifetime: float = 30.0
) -> Iterator[str]:
    """A TCP server that hands each connection to ``on_connection``; yields its base URL."""
    stop = threading.Event()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((LOOPBACK, 0))
    listener.listen(16)
    listener.settimeout(0.1)
    held: list[socket.socket] = []
    deadline = time.monotonic() + lifetime

    def accept_loop() -> None:
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(connection)
            threading.Thread(target=on_connection, args=(connection, stop), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        for connection in held:
            connection.close()
        listener.close()


def silent(connection: socket.socket, stop: threading.Event) -> None:
    """Accept, then never answer: a dead image host that still holds the line."""
    stop.wait(30)


def trickle(connection: socket.socket, stop: threading.Event) -> None:
    """Answer one byte of headers every 0.2 s: each read is quick, the whole never ends."""
    connection.settimeout(5)
    try:
        connection.recv(4096)
        for byte in b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nX-Slow: " + b"a" * 500:
            if stop.wait(0.2):
                return
            connection.sendall(bytes([byte]))
    except OSError:
        return
