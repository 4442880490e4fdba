"""Promises the README makes, each exercised through the command line a team runs:
SOURCE_DATE_EPOCH from the environment, every bad setting at once, --strict,
--timeout, the memory cap, and Ctrl-C in the middle of a build."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from bench.corpus import generate
from imprint.builder.output import TMP_PREFIX, TMP_SUFFIX

from .conftest import CONTENT

FORMATS = ("html", "pdf", "epub", "docx")
MONSOON = "2025-09-03-monsoon-grids.md"


def _imprint(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    return subprocess.run(
        [sys.executable, "-m", "imprint", *args],
        cwd=cwd,
        text=True,
        capture_output=True,
        env={**environment, **(env or {})},
        timeout=timeout,
    )


def _project(tmp_path: Path, *posts: str) -> Path:
    """A project folder holding the named sample posts (all of them by default)."""
    content = tmp_path / "content"
    content.mkdir()
    shutil.copytree(CONTENT / "images", content / "images")
    shutil.copy(CONTENT / "_authors.yml", content)
    for post in posts or [p.name for p in CONTENT.glob("*.md")]:
        shutil.copy(CONTENT / post, content)
    return tmp_path


def _files(out: Path) -> dict[str, bytes]:
    """The posts' outputs: ``<format>/<slug>.<ext>`` (not the site's shared files)."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.glob("*/*"))
        if p.is_file() and p.parent.name in FORMATS
    }


@pytest.mark.slow
def test_source_date_epoch_is_read_from_the_environment(tmp_path: Path):
    root = _project(tmp_path, MONSOON)
    done = _imprint(
        "build", "--formats", "pdf,epub,docx", cwd=root, env={"SOURCE_DATE_EPOCH": "1700000000"}
    )  # 2023-11-14 22:13:20 UTC
    assert done.returncode == 0, done.stderr
    with pikepdf.open(root / "build" / "pdf" / "monsoon-grids.pdf") as pdf:
        assert str(pdf.docinfo["/CreationDate"]) == "D:20250903140000+08'00"  # the post's
        assert str(pdf.docinfo["/ModDate"]).startswith("D:20231114221320")
    with zipfile.ZipFile(root / "build" / "epub" / "monsoon-grids.epub") as epub:
        opf = next(epub.read(n).decode() for n in epub.namelist() if n.endswith(".opf"))
        assert '<meta property="dcterms:modified">2023-11-14T22:13:20Z</meta>' in opf
        assert {i.date_time for i in epub.infolist()} == {(2023, 11, 14, 22, 13, 20)}
    with zipfile.ZipFile(root / "build" / "docx" / "monsoon-grids.docx") as docx:
        core = docx.read("docProps/core.xml").decode()
        assert ">2023-11-14T22:13:20Z</dcterms:modified>" in core

    done = _imprint("build", cwd=root, env={"SOURCE_DATE_EPOCH": "soon"})
    assert done.returncode == 78
    assert (
        done.stderr.strip()
        == "environment: config: SOURCE_DATE_EPOCH='soon' is not a whole number of seconds"
    )


def test_three_bad_settings_are_reported_together_and_nothing_is_built(tmp_path: Path):
    root = _project(tmp_path, MONSOON)
    (root / "imprint.toml").write_text(
        '[project]\ncolour = "red"\n\n[pdf]\nstandard = "x-1"\n\n[build]\ntimeout = -1\n',
        encoding="utf-8",
    )
    done = _imprint("build", cwd=root)
    assert done.returncode == 78
    lines = done.stderr.strip().splitlines()
    assert lines == [
        "imprint.toml: config: project.colour: unknown setting",
        "imprint.toml: config: pdf.standard: must be one of ua-1, a-3a, a-3b, x-4, none",
        "imprint.toml: config: build.timeout: must be a positive number",
    ], lines
    assert not (root / "build").exists()


def test_every_setting_says_what_it_is_for_and_sets_a_field():
    from dataclasses import fields

    from imprint.config import OPTIONS, Settings

    names = {f.name for f in fields(Settings)}
    for option in OPTIONS:
        assert option.attr in names, option.key
        # a sentence, not a stray value such as "path" passed where the doc now goes
        assert re.fullmatch(r"[^\n]+ [^\n]+\.", option.doc), option.key
        assert option.kind in ("value", "path"), option.key
    assert len({option.key for option in OPTIONS}) == len(OPTIONS)


@pytest.mark.slow
def test_strict_writes_nothing_for_a_post_with_a_warning(tmp_path: Path):
    root = _project(tmp_path, MONSOON)
    (root / "content" / "2025-10-01-unlabelled.md").write_text(
        "---\ntitle: Unlabelled\nauthor: Tomasz Erlich\ndate: 2025-10-01\n"
        "description: A chart with no words\n---\n\nIntro.\n\n"
        "![](images/flood-week-supply.png)\n",
        encoding="utf-8",
    )
    done = _imprint("build", "--strict", cwd=root)
    assert done.returncode != 0
    post = root / "content" / "2025-10-01-unlabelled.md"
    assert (
        f"{post}:10: warning: lint: image images/flood-week-supply.png has no alt text"
        in done.stderr
    )
    for fmt in FORMATS:
        assert f"{post}: strict: " in done.stderr and f"for {fmt}; nothing written" in done.stderr
    written = sorted(_files(root / "build"))
    assert written == sorted(f"{f}/monsoon-grids.{f}" for f in FORMATS)  # the clean post only


def _heavy_post(folder: Path, rows: int = 2000) -> Path:
    """A post whose table takes WeasyPrint many seconds to lay out (pandoc: about one)."""
    table = "\n".join(f"| row {n} | {n * 3} | words in a cell, row {n} |" for n in range(rows))
    post = folder / "2025-01-01-long-table.md"
    post.write_text(
        "---\ntitle: A very long table\nauthor: Tomasz Erlich\ndate: 2025-01-01\n"
        f"description: Rows\n---\n\nOpening.\n\n| a | b | c |\n|---|--:|---|\n"
        f"{table}\n",
        encoding="utf-8",
    )
    return post


@pytest.mark.slow
def test_the_timeout_flag_fails_one_job_alone(tmp_path: Path):
    root = _project(tmp_path)
    # 8,000 rows: pandoc reads them in a few seconds, WeasyPrint needs minutes to lay them out
    heavy = _heavy_post(root / "content", rows=8000)
    done = _imprint("build", "--timeout", "12", "--formats", "html,pdf", cwd=root)
    assert done.returncode != 0
    failures = [line for line in done.stderr.splitlines() if ": render: " in line]
    # the slow post fails alone (while laying out its PDF, or on a loaded machine already
    # while being read), named, with the deadline it missed
    assert failures and all(
        line.startswith(f"{heavy}: render: ")
        and line.endswith(": the job took longer than 12 s and was stopped")
        for line in failures
    ), done.stderr
    written = sorted(_files(root / "build"))
    light = [
        f"{f}/{slug}.{f}"
        for f in ("html", "pdf")
        for slug in ("arctic-shipping", "monsoon-grids", "undersea-cables")
    ]
    assert set(light) <= set(written) and not (root / "build" / "pdf" / "long-table.pdf").exists()


@pytest.mark.slow
def test_the_memory_cap_in_imprint_toml_fails_the_greedy_job_alone(tmp_path: Path):
    root = _project(tmp_path, MONSOON)
    # 9000 × 9000 pixels: a quarter of a megabyte as PNG, 243 MB once decoded to draw
    Image.new("RGB", (9000, 9000), (200, 30, 30)).save(
        root / "content" / "images" / "huge.png", optimize=True
    )
    huge = root / "content" / "2025-01-02-huge.md"
    huge.write_text(
        "---\ntitle: A huge picture\nauthor: Tomasz Erlich\ndate: 2025-01-02\n"
        "description: Red\n---\n\nOpening.\n\n![A red square](images/huge.png)\n",
        encoding="utf-8",
    )
    # ordinary posts build in about 160 MB of address space; drawing that picture needs more
    (root / "imprint.toml").write_text("[build]\nmemory_mb = 400\n", encoding="utf-8")
    done = _imprint("build", "--formats", "html,pdf", cwd=root)
    assert done.returncode != 0
    failures = [line for line in done.stderr.splitlines() if ": render: " in line]
    assert failures == [
        f"{huge}: render: the PDF ran out of memory under the worker's cap "
        "of 400 MB (raise [build] memory_mb in imprint.toml)"
    ], done.stderr
    assert sorted(_files(root / "build")) == [
        "html/huge.html",
        "html/monsoon-grids.html",
        "pdf/monsoon-grids.pdf",
    ]


def _digests(out: Path) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in _files(out).items()}


@pytest.mark.slow
def test_ctrl_c_leaves_only_whole_files_and_the_next_build_completes_the_set(tmp_path: Path):
    content = tmp_path / "content"
    generate(CONTENT, content, 8)
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    clean = _imprint("build", str(content), "--out", str(tmp_path / "clean"), cwd=tmp_path, env=env)
    assert clean.returncode == 0, clean.stderr
    expected = _digests(tmp_path / "clean")
    assert len(expected) == 8 * len(FORMATS)

    out = tmp_path / "interrupted"
    build = subprocess.Popen(
        [sys.executable, "-m", "imprint", "build", str(content), "--out", str(out)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while build.poll() is None and not any(  # a post's output, complete
        p.parent.name in FORMATS and not p.name.startswith(TMP_PREFIX) for p in out.glob("*/*.*")
    ):
        assert time.monotonic() < deadline, "no output appeared"
        time.sleep(0.02)
    os.killpg(build.pid, signal.SIGINT)  # what Ctrl-C sends: the build and its workers
    _, errors = build.communicate(timeout=120)
    partial = _digests(out)
    assert build.returncode == 130, (build.returncode, errors)
    assert "imprint: interrupted; outputs already written are complete" in errors
    assert 0 < len(partial) < len(expected), "Ctrl-C came too late to interrupt anything"
    assert all(expected[name] == digest for name, digest in partial.items())
    assert [p.name for p in tmp_path.rglob(f"{TMP_PREFIX}*{TMP_SUFFIX}")] == []

    again = _imprint("build", str(content), "--out", str(out), cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert _digests(out) == expected
    assert (
        f"{len(expected) - len(partial)} built, {len(partial)} skipped"
        in again.stdout + again.stderr
    )
