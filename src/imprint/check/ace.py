"""Ace by DAISY, the EPUB accessibility checker, run in Debian's Chromium.

Ace is installed with npm into the user cache on first use (``ace_program``); a book's
serious and critical violations are its errors. Missing Node.js, npm or Chromium is a
:class:`~imprint.errors.ToolError`: "not run", never "passed".
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from ..errors import ToolError
from .validate import Validation

# --- EPUB accessibility: Ace by DAISY, in Debian's Chromium ----------------------------------

ACE_VERSION = "1.4.6"  # @daisy/ace on npm; installed on first use into the user cache
ACE_TIMEOUT_MS = 120_000  # per content document


def ace_folder() -> Path:
    from ..config import user_cache_dir

    return user_cache_dir() / f"ace-{ACE_VERSION}"


def ace_program(install: bool = True) -> Path:
    """``ace-puppeteer`` from the user cache, installed there with npm on first use.

    ``--ignore-scripts`` keeps puppeteer and Electron from downloading a browser:
    Ace runs in the system's Chromium. The install goes to a temporary folder beside
    the cache's and is renamed into place, so an interrupted one leaves nothing.
    """
    folder = ace_folder()
    program = folder / "node_modules" / ".bin" / "ace-puppeteer"
    if program.is_file() or not install:
        if not program.is_file():
            raise ToolError(f"Ace by DAISY is not installed in {folder}")
        return program
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise ToolError("Node.js and npm are not installed (make system-deps installs them)")
    import os
    import tempfile

    folder.parent.mkdir(parents=True, exist_ok=True)
    work = tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent)
    try:
        try:
            done = subprocess.run(
                [
                    npm,
                    "install",
                    "--prefix",
                    work,
                    "--ignore-scripts",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    f"@daisy/ace@{ACE_VERSION}",
                ],
                capture_output=True,
                timeout=600,
                check=False,
                env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"},
            )
        except subprocess.TimeoutExpired:
            raise ToolError("npm took longer than 600 s to install Ace by DAISY") from None
        if done.returncode != 0 or not (Path(work) / "node_modules/.bin/ace-puppeteer").exists():
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
            raise ToolError(f"npm could not install Ace by DAISY: {' '.join(tail)}")
        try:
            os.rename(work, folder)
        except OSError:  # another process installed it first
            if not program.is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return program


def chromium() -> str:
    import os

    found = (
        os.environ.get("PUPPETEER_EXECUTABLE_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not found or not Path(found).is_file():
        raise ToolError("Chromium is not installed (make system-deps installs it)")
    return found


ACE_ERRORS = ("serious", "critical")


def _ace_validation(path: Path, report: dict) -> Validation:
    errors = warnings = 0
    messages = []
    for subject in report.get("assertions", []):
        where = subject.get("earl:testSubject", {}).get("url", "?")
        for assertion in subject.get("assertions", []):
            test, result = assertion.get("earl:test", {}), assertion.get("earl:result", {})
            if result.get("earl:outcome") != "fail":
                continue
            impact = test.get("earl:impact", "minor")
            if impact in ACE_ERRORS:
                errors += 1
            else:
                warnings += 1
            messages.append(
                f"{impact} {test.get('dct:title', '?')}: "
                f"{result.get('dct:description', '')} ({where})"
            )
    return Validation("ace", path, errors, warnings, tuple(messages))


def ace_many(paths: list[Path], timeout: float = 600.0) -> list[Validation]:
    """Ace by DAISY on every EPUB: ``serious`` and ``critical`` violations are errors,
    ``moderate`` and ``minor`` ones warnings."""
    import os
    import tempfile

    if not paths:
        return []
    browser = chromium()
    program = ace_program()
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": browser}
    results = []
    with tempfile.TemporaryDirectory(prefix="imprint-ace-") as folder:
        for number, path in enumerate(paths):
            out = Path(folder) / str(number)
            command = [
                str(program),
                "--silent",
                "--force",
                "--outdir",
                str(out),
                "--tempdir",
                str(Path(folder) / f"tmp{number}"),
                "--timeout",
                str(ACE_TIMEOUT_MS),
                str(path.resolve()),
            ]
            try:
                done = subprocess.run(
                    command, capture_output=True, timeout=timeout, check=False, env=env
                )
            except subprocess.TimeoutExpired:
                raise ToolError(f"Ace took longer than {timeout:g} s on {path}") from None
            try:
                report = json.loads((out / "report.json").read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):  # Ace ran, but could not read this book
                tail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
                results.append(
                    Validation(
                        "ace",
                        path,
                        1,
                        0,
                        (f"Ace could not audit it: {(tail.splitlines() or ['no report'])[-1]}",),
                    )
                )
                continue
            results.append(_ace_validation(path, report))
    return results
