"""`imprint preview` in a real browser: Debian's chromium driven by Playwright.

The server runs as the author runs it, a subprocess of the command line on a
temporary project. The tests edit the post on disk and wait (boundedly) for the
page to change by itself: the event is asserted, never its speed.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import require

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WAIT_MS = 30_000  # generous: a shared machine; the tests assert the event, not the speed

LOCAL_URL = r"http://(?:127\.0\.0\.1|\[::1\]):(\d+)/"  # what the preview prints

POST = """\
---
title: "Live Preview"
author: Test Author
date: 2025-06-12 09:30:00 +0100
description: "A post for the preview's tests"
excerpt_separator: <!--more-->
---

The standfirst of the live post.

<!--more-->

The first paragraph of the body.
"""


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    port: int
    project: Path
    tmpdir: Path
    stderr: list[str]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=30)


def start(project: Path, *args: str) -> Server:
    """``imprint preview ARGS`` in ``project``, once it has printed its URL."""
    tmpdir = project / ".tmp"
    tmpdir.mkdir(exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "imprint", "preview", *args],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(tmpdir)},
    )
    errors: list[str] = []
    threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True).start()
    found: list[str] = []

    def read() -> None:
        for line in process.stdout:
            found.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        match = next((re.search(LOCAL_URL, line) for line in found), None)
        if match:
            return Server(process, match[0], int(match[1]), project, tmpdir, errors)
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"no URL printed: {found} {errors}")


def wait_for(page, script: str, what: str) -> None:
    """Poll ``script`` in the page until it is true (the page's CSP forbids Playwright's
    own wait_for_function, which evaluates a string)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        if page.evaluate(script):
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {WAIT_MS / 1000:.0f} s: {what}")


def get(
    server: Server, raw_path: str, host: str | None = None, address: str = "127.0.0.1"
) -> tuple[int, bytes]:
    """A request with the path (and the Host header, if given) sent exactly as written."""
    connection = http.client.HTTPConnection(address, server.port, timeout=30)
    connection.request("GET", raw_path, headers={"Host": host} if host else {})
    response = connection.getresponse()
    return response.status, response.read()


@pytest.fixture(scope="module")
def browser():
    require(Path(CHROMIUM).is_file(), "chromium (Debian's package)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - a test dependency
        require(False, "the playwright package")
        raise
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "2025-06-12-live.md").write_text(POST, encoding="utf-8")
    return tmp_path


@pytest.fixture
def server(project: Path) -> Iterator[Server]:
    running = start(project, "content/2025-06-12-live.md", "--port", "0")
    yield running
    running.stop()


def test_the_page_follows_saves_errors_and_fixes(browser, server: Server, project: Path):
    from playwright.sync_api import expect

    post = project / "content" / "2025-06-12-live.md"
    page = browser.new_page()
    page.goto(server.url)
    web = page.frame_locator("#web")
    expect(web.get_by_text("The first paragraph of the body.")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#pages img.page").first).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#warnings")).to_contain_text("no bio for Test Author")
    page.evaluate("window.notReloaded = true")
    print_version = int(page.locator("#pages").get_attribute("data-version"))

    sentence = "A sentence the author has just written."
    post.write_text(POST + "\n" + sentence + "\n", encoding="utf-8")
    expect(web.get_by_text(sentence)).to_be_visible(timeout=WAIT_MS)
    wait_for(
        page,
        f"Number(document.getElementById('pages').dataset.version) > {print_version}",
        "the print pages rebuilt",
    )
    assert page.evaluate("window.notReloaded") is True  # pushed, not reloaded by the test

    # a front matter that is not YAML (a date that is not one gives way to the file
    # name's, as in Jekyll, so it would not stop the post)
    broken = POST.replace("date: 2025-06-12 09:30:00", "date: [2025-06-12 09:30:00")
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if text.startswith("date:"))
    post.write_text(broken, encoding="utf-8")
    overlay = page.locator("#overlay")
    expect(overlay).to_be_visible(timeout=WAIT_MS)
    expect(overlay).to_contain_text("content/2025-06-12-live.md:")
    expect(overlay).to_contain_text("source: invalid YAML")
    expect(overlay).to_contain_text(f"begun on line {line}")
    assert get(server, "/")[0] in (200, 303)  # the server still answers
    assert server.process.poll() is None
    expect(web.get_by_text(sentence)).to_be_visible()  # the last good build stays

    fixed = POST + "\nFixed, and built again.\n"
    post.write_text(fixed, encoding="utf-8")
    expect(overlay).to_be_hidden(timeout=WAIT_MS)
    expect(web.get_by_text("Fixed, and built again.")).to_be_visible(timeout=WAIT_MS)
    assert page.evaluate("window.notReloaded") is True
    page.close()


def test_the_print_view_shows_the_pdf_pages_and_downloads_are_current(
    browser, server: Server, project: Path
):
    from pypdf import PdfReader

    page = browser.new_page()
    page.goto(server.url)
    wait_for(
        page,
        "document.querySelectorAll('#pages img.page').length > 0 && "
        "Array.from(document.querySelectorAll('#pages img.page'))"
        ".every((i) => i.complete && i.naturalWidth > 0)",
        "the pages shown",
    )
    width, height = page.evaluate(
        "[document.querySelector('#pages img').naturalWidth, "
        "document.querySelector('#pages img').naturalHeight]"
    )
    assert 1.3 < height / width < 1.5  # an A4 page, portrait

    status, pdf = get(server, "/post/2025-06-12-live/download/pdf")
    assert status == 200 and pdf.startswith(b"%PDF")
    reader = PdfReader(__import__("io").BytesIO(pdf))
    assert page.locator("#pages img.page").count() == len(reader.pages)
    assert "first paragraph of the body" in "".join(p.extract_text() for p in reader.pages)
    for fmt, magic in (("epub", b"PK"), ("docx", b"PK")):
        status, data = get(server, f"/post/2025-06-12-live/download/{fmt}")
        assert status == 200 and data.startswith(magic), fmt
    page.close()


def current_state(server: Server, key: str) -> dict:
    """The post's state as the server holds it: the first message of an event stream
    that asks for no view (so it makes the server build nothing)."""
    import json

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", f"/events?post={key}&views=")
    response = connection.getresponse()
    try:
        while line := response.fp.readline():
            if line.startswith(b"data: "):
                return json.loads(line[6:])
    finally:
        connection.close()
    raise AssertionError("the event stream ended without a state")


def test_only_the_open_views_are_rebuilt(browser, server: Server, project: Path):
    from playwright.sync_api import expect

    post = project / "content" / "2025-06-12-live.md"
    page = browser.new_page()
    page.goto(server.url)
    web = page.frame_locator("#web")
    wait_for(
        page,
        "Number(document.getElementById('pages').dataset.version) > 0",
        "the first print pages",
    )
    printed = current_state(server, "2025-06-12-live")["print"]
    page.get_by_label("Print").uncheck()
    expect(page.locator("#view-print")).to_be_hidden()

    post.write_text(POST + "\nWritten while the print view was closed.\n", encoding="utf-8")
    expect(web.get_by_text("Written while the print view was closed.")).to_be_visible(
        timeout=WAIT_MS
    )
    # a download waits for the rebuild in progress to finish: a barrier, not a delay
    assert get(server, "/post/2025-06-12-live/download/docx")[0] == 200
    state = current_state(server, "2025-06-12-live")
    assert state["print"] == printed and state["html"] >= 2  # the PDF was not rebuilt

    page.get_by_label("Print").check()  # opening the view builds it
    wait_for(
        page,
        f"Number(document.getElementById('pages').dataset.version) > {printed}",
        "the print pages rebuilt when shown again",
    )
    page.close()


def test_the_author_registry_and_the_brand_are_watched_too(browser, project: Path):
    from playwright.sync_api import expect

    from .conftest import REPO

    (project / "styles").mkdir()
    for name in ("brand.toml", "logo.svg"):
        shutil.copyfile(REPO / "styles" / name, project / "styles" / name)
    running = start(project, "content/2025-06-12-live.md", "--port", "0")
    try:
        page = browser.new_page()
        page.goto(running.url)
        web = page.frame_locator("#web")
        expect(page.locator("#warnings")).to_contain_text("no bio for Test Author", timeout=WAIT_MS)
        (project / "content" / "_authors.yml").write_text(
            "test-author:\n  name: Test Author\n  bio: Test Author writes the tests.\n",
            encoding="utf-8",
        )
        expect(web.get_by_text("Test Author writes the tests.")).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("#warnings")).to_be_hidden(timeout=WAIT_MS)

        brand = project / "styles" / "brand.toml"
        brand.write_text(
            brand.read_text(encoding="utf-8").replace(
                'name = "The Imprint Review"', 'name = "The Watched Brand"'
            ),
            encoding="utf-8",
        )
        expect(web.get_by_text("The Watched Brand").first).to_be_visible(timeout=WAIT_MS)

        good = brand.read_text(encoding="utf-8")
        brand.write_text(re.sub(r"(?m)^accent = .*$", 'accent = "bleu"', good), encoding="utf-8")
        overlay = page.locator("#overlay")
        expect(overlay).to_contain_text("brand.toml: config: colors.accent", timeout=WAIT_MS)
        brand.write_text(good, encoding="utf-8")
        expect(overlay).to_be_hidden(timeout=WAIT_MS)
        page.close()
    finally:
        assert running.stop() == 0


def test_an_unexpected_failure_shows_in_the_overlay_and_the_server_goes_on(browser, project: Path):
    """A fault that is not an author's error (here a template dividing by zero) is named
    over the page by the traceback's last line; fixing it brings the page back."""
    from playwright.sync_api import expect

    from .conftest import REPO

    shutil.copytree(REPO / "templates", project / "templates")  # the project's own
    template = project / "templates" / "page.html"
    good = template.read_text(encoding="utf-8")
    running = start(project, "content/2025-06-12-live.md", "--port", "0")
    try:
        page = browser.new_page()
        page.goto(running.url)
        web = page.frame_locator("#web")
        expect(web.get_by_text("The first paragraph of the body.")).to_be_visible(timeout=WAIT_MS)

        template.write_text(good.replace("<body", "{{ 1 / 0 }}<body", 1), encoding="utf-8")
        overlay = page.locator("#overlay")
        expect(overlay).to_be_visible(timeout=WAIT_MS)
        expect(overlay).to_contain_text("ZeroDivisionError: division by zero")
        expect(overlay).to_contain_text("content/2025-06-12-live.md")
        assert running.process.poll() is None
        assert get(running, "/")[0] in (200, 303)

        template.write_text(good, encoding="utf-8")
        (project / "content" / "2025-06-12-live.md").write_text(
            POST + "\nBuilt again after the fault.\n", encoding="utf-8"
        )
        expect(overlay).to_be_hidden(timeout=WAIT_MS)
        expect(web.get_by_text("Built again after the fault.")).to_be_visible(timeout=WAIT_MS)
        page.close()
    finally:
        assert running.stop() == 0
    assert "ZeroDivisionError" in "".join(running.stderr)  # the whole traceback, for a fix


def test_background_work_is_held_until_done_and_its_failure_reported(project: Path, capfd):
    """The event loop keeps only a weak reference to a task: the preview holds each
    until it ends, then lets it go; a task that fails says so on stderr."""
    import asyncio
    import gc

    from imprint.cli.preview import Preview
    from imprint.config import load_settings

    preview = Preview(project / "content", load_settings(root=project))

    async def exercise() -> None:
        gate = asyncio.Event()

        async def wait() -> str:
            await gate.wait()
            return "done"

        async def fail() -> None:
            await gate.wait()
            raise RuntimeError("a background fault")

        waiting, failing = preview.spawn(wait()), preview.spawn(fail())
        del waiting, failing
        gc.collect()
        assert len(preview.tasks) == 2 and not any(t.done() for t in preview.tasks)
        gate.set()
        while preview.tasks:
            await asyncio.sleep(0.01)

    outcome: list[BaseException | None] = []

    def run() -> None:  # a thread of its own: Playwright's loop may run in this one
        try:
            asyncio.run(exercise())
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=60)
    preview.executor.shutdown()
    if outcome[0] is not None:
        raise outcome[0]
    assert "RuntimeError: a background fault" in capfd.readouterr().err


def _console_errors(page) -> list[str]:
    """Errors the page reports as they happen: console errors, uncaught exceptions and
    requests answered with an error status."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    return errors


def test_the_list_and_a_post_open_with_no_console_error_and_the_brand_icon(browser, project: Path):
    from playwright.sync_api import expect

    from .conftest import REPO

    (project / "styles").mkdir()
    for name in ("brand.toml", "logo.svg"):
        shutil.copyfile(REPO / "styles" / name, project / "styles" / name)
    (project / "content" / "second.md").write_text(
        POST.replace("Live Preview", "Second"), encoding="utf-8"
    )
    running = start(project, "--port", "0")  # the folder: the list page first
    try:
        page = browser.new_page()
        errors = _console_errors(page)
        page.goto(running.url, wait_until="networkidle")
        expect(page.locator("ul.posts a")).to_have_count(2)
        page.get_by_role("link", name="second.md").click()
        expect(
            page.frame_locator("#web").get_by_text("The first paragraph of the body.")
        ).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("#pages img.page").first).to_be_visible(timeout=WAIT_MS)
        page.wait_for_load_state("networkidle")
        assert errors == []
        icon = page.locator("link[rel=icon]").get_attribute("href")
        page.close()
        status, data = get(running, icon)
        assert status == 200 and data == (project / "styles" / "logo.svg").read_bytes()
        status, data = get(running, "/favicon.ico")  # asked for by browsers all the same
        assert status == 200 and data == (project / "styles" / "logo.svg").read_bytes()
    finally:
        assert running.stop() == 0


TRAVERSALS = [
    "/../../etc/passwd",
    "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/post/..%2f..%2f..%2fetc%2fpasswd",
    "/post/2025-06-12-live/../../../etc/passwd",
    "/post/2025-06-12-live/download/..%2f..%2fcontent%2f2025-06-12-live.md",
    "/_preview/..%2f..%2fcontent%2f2025-06-12-live.md",
    "/content/2025-06-12-live.md",
    "/.tmp/",
    "/%2e%2e/%2e%2e/etc/passwd",
]


@pytest.mark.parametrize("raw_path", TRAVERSALS)
def test_paths_outside_the_preview_get_404(server: Server, raw_path: str):
    status, body = get(server, raw_path)
    assert status == 404, (raw_path, status)
    assert b"root:" not in body and b"Live Preview" not in body


def test_a_page_elsewhere_cannot_reach_it_by_another_host_name(server: Server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", "/post/2025-06-12-live", headers={"Host": "evil.example"})
    response = connection.getresponse()
    assert response.status == 400 and b"2025-06-12-live" not in response.read()
    assert get(server, "/post/2025-06-12-live")[0] == 200


def _names_answered(server: Server, address: str) -> dict[str, int]:
    """The status of one page asked for under each Host a request may carry."""
    port = server.port
    hosts = (
        f"127.0.0.1:{port}",
        f"localhost:{port}",
        "localhost",
        f"[::1]:{port}",
        "[::1]",
        "evil.example",
        f"evil.example:{port}",
        f"127.0.0.1.evil.example:{port}",
        f"[::1].evil.example:{port}",
    )
    return {host: get(server, "/post/2025-06-12-live", host, address)[0] for host in hosts}


LOOPBACK_ONLY = {
    "127.0.0.1": 200,
    "localhost": 200,
    "[::1]": 200,
    "evil.example": 400,
    "127.0.0.1.evil.example": 400,
    "[::1].evil.example": 400,
}


def _expected(answered: dict[str, int]) -> dict[str, int]:
    return {host: LOOPBACK_ONLY[re.sub(r":\d+$", "", host)] for host in answered}


def test_every_loopback_name_is_accepted_and_no_other(server: Server):
    answered = _names_answered(server, "127.0.0.1")
    assert answered == _expected(answered)


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


def test_the_host_allow_list_holds_on_ipv6_loopback_too(project: Path):
    require(_ipv6_loopback(), "an IPv6 loopback address (::1)")
    running = start(project, "content/2025-06-12-live.md", "--host", "::1", "--port", "0")
    try:
        assert running.url == f"http://[::1]:{running.port}/"
        answered = _names_answered(running, "::1")
        assert answered == _expected(answered)
    finally:
        assert running.stop() == 0
    assert "warning" not in "".join(running.stderr)  # loopback: nothing to warn about


def _listening(port: int) -> list[str]:
    """Local addresses of sockets listening on ``port``, from the kernel's tables."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.append(address)
    return found


def test_it_listens_on_127_0_0_1_only(server: Server):
    require(Path("/proc/net/tcp").is_file(), "/proc/net/tcp")
    assert _listening(server.port) == ["0100007F"]  # 127.0.0.1, and no IPv6 socket
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", server.port), timeout=10).close()


def test_a_taken_port_gives_a_free_one_and_ctrl_c_leaves_no_temporary_files(browser, project: Path):
    from playwright.sync_api import expect

    (project / "content" / "second.md").write_text(
        POST.replace("Live Preview", "Second"), encoding="utf-8"
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        running = start(project, "--port", str(port))  # the folder: content/
        assert running.port != port
    page = browser.new_page()
    page.goto(running.url)
    links = page.locator("ul.posts a")
    expect(links).to_have_count(2)
    (project / "content" / "third.md").write_text(
        POST.replace("Live Preview", "Third"), encoding="utf-8"
    )
    expect(links).to_have_count(3, timeout=WAIT_MS)  # the list follows the folder
    page.get_by_role("link", name="second.md").click()
    expect(
        page.frame_locator("#web").get_by_text("The first paragraph of the body.")
    ).to_be_visible(timeout=WAIT_MS)
    page.close()

    assert running.stop() == 0
    assert "preview stopped" in "".join(running.stderr)
    assert list(running.tmpdir.iterdir()) == []
    assert sorted(p.name for p in (project / "content").iterdir()) == [
        "2025-06-12-live.md",
        "second.md",
        "third.md",
    ]  # nothing written beside the posts


def test_another_host_is_warned_about(project: Path):
    # 192.0.2.1 is a documentation address no machine has: the warning, then a refusal,
    # without ever listening beyond this machine
    done = subprocess.run(
        [sys.executable, "-m", "imprint", "preview", "--host", "192.0.2.1"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "warning: listening on 192.0.2.1" in done.stderr
    assert "config: cannot listen on 192.0.2.1" in done.stderr and done.returncode == 78
