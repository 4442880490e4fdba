"""Web proofs: a built site's pages photographed at a phone's, a tablet's and a desktop's
width, for a person to look at (``imprint proof --web``, run by ``make proof``).

The site is served on a loopback port and opened in Debian's chromium through
Playwright: the index, a post, a topic page, the topics page and search, each at 390,
768 and 1280 CSS pixels wide, written as ``<page>-<width>.png``. A page wider than the
screen is said on the way, so the pictures are not the only check.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

from ..builder.output import write_atomic
from ..errors import ImprintError, ToolError

WIDTHS = (390, 768, 1280)
CHROMIUM = Path("/usr/bin/chromium")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {  # type: ignore[misc]  # typeshed: per instance
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".woff2": "font/woff2",
    }

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """``folder`` on a loopback HTTP server for as long as the block runs; its URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def proof_pages(site: Path) -> dict[str, str]:
    """The pages a web proof shows, by name: those the site has."""
    chosen = {"index": "index.html"}
    posts = sorted(site.glob("html/*.html"))
    if posts:
        chosen["post"] = posts[0].relative_to(site).as_posix()
    topic = sorted([*site.glob("tags/*.html"), *site.glob("categories/*.html")])
    if topic:
        chosen["topic"] = topic[0].relative_to(site).as_posix()
    for name in ("topics", "search"):
        if (site / f"{name}.html").is_file():
            chosen[name] = f"{name}.html"
    return chosen


def web_proof(site: Path, out: Path) -> tuple[list[Path], list[str]]:
    """Screenshots of ``site``'s pages at each width into ``out``, and the pages that
    were wider than their screen."""
    if not (site / "index.html").is_file():
        raise ImprintError("no built site here (index.html); build it first (make html)", site)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ToolError("Playwright is not installed (make install-check)") from None
    if not CHROMIUM.is_file():
        raise ToolError("chromium is not installed (scripts/system-deps.sh check)")
    written: list[Path] = []
    overflowing: list[str] = []
    with serving(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for width in WIDTHS:
                context = browser.new_context(viewport={"width": width, "height": 900})
                for name, path in proof_pages(site).items():
                    page = context.new_page()
                    page.goto(base + path, wait_until="networkidle")
                    if page.evaluate("document.documentElement.scrollWidth > innerWidth"):
                        overflowing.append(f"{path} at {width} px")
                    target = out / f"{name}-{width}.png"
                    write_atomic(target, page.screenshot(full_page=True))
                    written.append(target)
                    page.close()
                context.close()
        finally:
            browser.close()
    return written, overflowing
