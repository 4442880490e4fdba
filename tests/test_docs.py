"""The manual in docs/, built by imprint as `make docs` builds it: a site, one PDF and one
EPUB of every chapter, with no failure and no warning. The EPUB passes EPUBCheck and Ace
by DAISY; the site's pages pass the browser and axe-core checks of any imprint site."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from imprint.check.ace import ace_many

from .conftest import REPO, require
from .test_ace import _ace_available
from .test_web import _pages, _QuietHandler, _Visit, browser  # noqa: F401 (a fixture)
from .tools import epub_opf, pdf_text, run_epubcheck

DOCS = REPO / "docs"
CHAPTERS = [
    line.strip().strip('",')[3:]
    for line in (DOCS / "collections" / "manual.toml").read_text(encoding="utf-8").splitlines()
    if line.strip().startswith('"../')
]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, *args], cwd=cwd, text=True, capture_output=True, timeout=900
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def manual(tmp_path_factory) -> Path:
    """docs/ copied (so the build's cache is not left in the checkout) and built with the
    commands of `make docs`; the output folder."""
    root = tmp_path_factory.mktemp("manual")
    docs = root / "docs"
    shutil.copytree(DOCS, docs, ignore=shutil.ignore_patterns(".imprint-cache"))
    out = root / "build" / "docs"
    _run("-m", "imprint.cli.reference", "docs", cwd=root)
    config = ["--config", "docs/imprint.toml", "--out", str(out), "--strict"]
    site = _run("-m", "imprint", "build", "--formats", "html", *config, cwd=root)
    assert " 0 failed, 0 warning(s)" in site.stdout + site.stderr, site.stdout + site.stderr
    book = _run(
        "-m",
        "imprint",
        "collection",
        "docs/collections/manual.toml",
        "--formats",
        "pdf,epub",
        *config,
        cwd=root,
    )
    assert "warning" not in (book.stdout + book.stderr).lower(), book.stdout + book.stderr
    return out


@pytest.mark.slow
def test_the_manual_builds_as_a_site_a_pdf_and_an_epub_without_warnings(manual):
    report = json.loads((manual / "report.json").read_text(encoding="utf-8"))
    assert (report["summary"]["failed"], report["summary"]["warnings"]) == (0, 0)
    jobs = report["jobs"]
    assert len(jobs) == len(CHAPTERS) == len(list(DOCS.glob("*.md")))
    assert all(job["status"] == "built" and not job.get("warnings") for job in jobs), jobs
    for chapter in CHAPTERS:
        assert (manual / "html" / chapter.replace(".md", ".html")).is_file(), chapter
    pdf = pdf_text(manual / "collections" / "manual.pdf")
    for title in ("Getting started", "Writing posts", "Reference: imprint.toml"):
        assert title in pdf, title
    assert "search_shard_size" in pdf  # a generated reference page, in the book


@pytest.mark.slow
@pytest.mark.tools
def test_the_manual_epub_passes_epubcheck_and_ace(manual):
    book = manual / "collections" / "manual.epub"
    assert len(epub_opf(book).xpath("//*[local-name()='itemref']")) > len(CHAPTERS)
    check = run_epubcheck(book)
    assert (check.errors, check.warnings) == (0, 0), check.messages
    require(_ace_available(), "Ace by DAISY (node, npm and chromium)")
    (ace,) = ace_many([book])
    assert ace.errors == 0, ace.messages
    assert not [m for m in ace.messages if m.startswith(("serious", "critical"))]


@pytest.fixture(scope="module")
def served(manual: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(manual))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.slow
def test_every_page_of_the_manual_loads_cleanly_and_passes_axe(manual, served, browser):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    pages = [page for page in _pages(manual) if page.is_file()]
    assert len(pages) > len(CHAPTERS)
    context = browser.new_context()
    for path in pages:
        relative = path.relative_to(manual).as_posix()
        visit = _Visit(context, served + relative)
        assert visit.errors == [], (relative, visit.errors)
        assert visit.failed == [], (relative, visit.failed)
        faces = visit.page.evaluate("""async () => { await document.fonts.ready;
            return Array.from(document.fonts).map(f => [f.family, f.status]); }""")
        used = [(family, status) for family, status in faces if status != "unloaded"]
        assert used and all(status == "loaded" for _, status in used), (relative, faces)
        serious = [
            (v["id"], v["impact"])
            for v in axe.run(visit.page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], (relative, serious)
        visit.page.close()
    context.close()
