"""Builds and the CLI: bad input fails alone, with one clear line, and loses nothing."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from imprint.builder import output
from imprint.builder.output import remove_stale_temporaries, write_atomic
from imprint.builder.plan import BuildRequest, build

from .conftest import CONTENT, REPO

GOOD = """---
title: A good post
author: Ann Author
date: 2025-05-08 12:00:00 +0800
---

Opening paragraph.

### Section

Body text.
"""

BAD = {
    "broken-yaml.md": (
        "---\ntitle: [unclosed\nauthor: x\n---\n\nBody.\n",
        ":3: source: invalid YAML: did not find expected ',' or ']' while "
        "parsing a flow sequence begun on line 2",
    ),
    "empty.md": ("---\nauthor: Nobody\n---\n\n", ":4: source: no title and no text"),
    "bad-date.md": (
        "---\ntitle: Dated\ndate: 2025-13-45\n---\n\nText.\n",
        ":3: source: date: '2025-13-45' is not a date",
    ),
    "latin1.md": (None, ":2: source: not UTF-8: byte 0xe9 at column 11"),
}


def _write_posts(folder: Path) -> None:
    (folder / "good.md").write_text(GOOD, encoding="utf-8")
    (folder / "bom.md").write_bytes(
        b"\xef\xbb\xbf" + GOOD.replace("A good post", "BOM post").encode("utf-8")
    )
    for name, (text, _) in BAD.items():
        if text is None:
            (folder / name).write_bytes(
                "---\ntitle: Caf\u00e9\n---\n\nna\u00efve text\n".encode("latin-1")
            )
        else:
            (folder / name).write_text(text, encoding="utf-8")


def _imprint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "imprint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )


@pytest.mark.slow
def test_bad_posts_fail_alone_with_one_line_each(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    _write_posts(posts)
    before = {p.name: p.read_bytes() for p in posts.iterdir()}
    done = _imprint("build", str(posts), "--out", str(tmp_path / "out"), cwd=REPO)
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if ": source: " in line]
    assert len(errors) == len(BAD), done.stderr
    for name, (_, expected) in BAD.items():
        mine = [line for line in errors if line.startswith(str(posts / name))]
        assert len(mine) == 1 and expected in mine[0], (name, mine)
    assert "Traceback" not in done.stderr
    files = sorted(
        p.relative_to(tmp_path / "out").as_posix()
        for p in (tmp_path / "out").rglob("*")
        if p.is_file()
    )
    # what every page of the site shares, and the OPDS catalogue of the EPUBs
    site = ("html/assets/", "pagefind/", "opds/")
    assert "opds/catalog.xml" in files
    assert [f for f in files if not f.startswith(site)] == sorted(
        [
            f"{fmt}/{slug}.{fmt}"
            for fmt in ("html", "pdf", "epub", "docx")
            for slug in ("good", "bom")
        ]
        + ["index.html", "report.json", "search.html", "topics.html"]
    )
    assert {p.name: p.read_bytes() for p in posts.iterdir()} == before  # sources untouched


def test_slug_collision_is_an_error_naming_both(tmp_path, settings):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "same.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b" / "same.md").write_text(GOOD, encoding="utf-8")
    report = build(
        BuildRequest([tmp_path], formats=["html"], out=tmp_path / "out", settings=settings, jobs=1)
    )
    assert len(report.built) == 1 and len(report.failed) == 1
    error = report.failed[0].error
    assert str(tmp_path / "b" / "same.md") in error and str(tmp_path / "a" / "same.md") in error


@pytest.mark.slow
def test_single_export_paths(tmp_path):
    post = tmp_path / "2025-05-08-my-brief.md"
    post.write_text(GOOD, encoding="utf-8")
    done = _imprint("html", str(post), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "my-brief.html").is_file()
    target = tmp_path / "named.docx"
    done = _imprint("docx", str(post), "-o", str(target), cwd=tmp_path)
    assert done.returncode == 0 and target.is_file(), done.stderr
    assert done.stdout.strip() == str(target)


@pytest.mark.slow
def test_single_export_error_exit_code(tmp_path):
    post = tmp_path / "broken.md"
    post.write_text(BAD["bad-date.md"][0], encoding="utf-8")
    done = _imprint("pdf", str(post), cwd=tmp_path)
    assert done.returncode == 65
    assert done.stderr.strip().splitlines() == [
        f"{post}:3: source: date: '2025-13-45' is not a date (month must be in 1..12)"
    ]
    assert not list(tmp_path.glob("*.pdf"))


def test_version_and_help():
    done = _imprint("--version", cwd=REPO)
    assert done.returncode == 0 and done.stdout.startswith("imprint ")
    done = _imprint("--help", cwd=REPO)
    assert "build" in done.stdout and "pdf" in done.stdout


def test_unknown_format_is_rejected():
    done = _imprint("build", "--formats", "pdf,odt", cwd=REPO)
    assert done.returncode == 2 and "unknown format odt" in done.stderr


def test_atomic_write_and_stale_cleanup(tmp_path, monkeypatch):
    """The new bytes go whole to a hidden temporary that is renamed over the target."""
    target = tmp_path / "out" / "post.pdf"
    write_atomic(target, b"%PDF-1.7 complete")
    assert target.read_bytes() == b"%PDF-1.7 complete"
    assert sorted(p.name for p in target.parent.iterdir()) == ["post.pdf"]

    renamed: dict[str, bytes] = {}

    def rename_fails(source, destination):  # the moment before the rename: power lost
        renamed[Path(source).name] = Path(source).read_bytes()
        raise OSError(errno.EIO, "rename failed")

    monkeypatch.setattr(output.os, "replace", rename_fails)
    with pytest.raises(OSError, match="rename failed"):
        write_atomic(target, b"%PDF-1.7 newer")
    monkeypatch.undo()
    assert renamed == {f".imprint-post.pdf.{os.getpid()}.tmp": b"%PDF-1.7 newer"}
    assert target.read_bytes() == b"%PDF-1.7 complete"
    assert sorted(p.name for p in target.parent.iterdir()) == ["post.pdf"]

    stale = target.parent / ".imprint-post.pdf.999.tmp"  # a killed build's temporary
    stale.write_bytes(b"%PDF-1.7 half")
    assert remove_stale_temporaries([target.parent]) == 1
    assert not stale.exists() and target.read_bytes() == b"%PDF-1.7 complete"


OLD = b"%PDF-1.7 old complete output\n"
ROOM = 64 * 1024  # the simulated disk fills up after this many bytes of any one file

# A writer run on a full disk, in a child process: RLIMIT_FSIZE makes every write past
# ROOM bytes fail with EFBIG, part-way through the data, as a full disk does.
_FULL_DISK = f"""
import importlib, resource, signal, sys
from pathlib import Path
module, name = sys.argv[1].split(":")
writer = getattr(importlib.import_module(module), name)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the limit: an OSError, not a kill
resource.setrlimit(resource.RLIMIT_FSIZE, ({ROOM}, {ROOM}))
try:
    writer(Path(sys.argv[2]), b"%PDF-1.7 new " * {ROOM // 4})
except OSError as exc:
    sys.exit(f"write failed: {{exc.strerror}}")
"""


def _in_place(target: Path, data: bytes) -> None:
    """Not atomic, to test the checks below: it truncates the target, then writes into it."""
    target.write_bytes(data)


def _assert_full_disk_keeps_previous(writer: str, folder: Path) -> None:
    """``writer`` (module:function) fails part-way on a full disk and loses nothing."""
    target = folder / "post.pdf"
    target.write_bytes(OLD)
    done = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, writer, str(target)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": os.pathsep.join((str(REPO / "src"), str(REPO))),
        },
    )
    assert done.returncode == 1 and "write failed: File too large" in done.stderr, done.stderr
    assert target.read_bytes() == OLD, "the previous output was damaged"
    assert sorted(p.name for p in folder.iterdir()) == ["post.pdf"], "a temporary was left"


@pytest.mark.parametrize(
    "writer", ["imprint.builder.output:write_atomic", "tests.test_build:_in_place"]
)
def test_failed_render_leaves_previous_output(tmp_path, writer):
    """A disk that fills up part-way through a write leaves the previous output whole."""
    if writer.endswith(":write_atomic"):
        _assert_full_disk_keeps_previous(writer, tmp_path)
    else:  # the same checks catch a writer that is not atomic
        with pytest.raises(AssertionError, match="the previous output was damaged"):
            _assert_full_disk_keeps_previous(writer, tmp_path)


@pytest.mark.slow
def test_make_all_layout_is_four_files_per_post(samples_build):
    posts = sorted(p.stem.split("-", 3)[-1] for p in CONTENT.glob("*.md"))
    built = sorted((r.format, r.target.stem) for r in samples_build.built)
    assert built == sorted((fmt, slug) for fmt in ("html", "pdf", "epub", "docx") for slug in posts)


@pytest.mark.slow
def test_two_builds_are_byte_identical(samples_build, settings, tmp_path):
    again = build(
        BuildRequest(
            [CONTENT], out=tmp_path / "again", settings=settings.with_overrides(content=CONTENT)
        )
    )
    first = {(r.format, r.target.name): r.sha256 for r in samples_build.built}
    second = {(r.format, r.target.name): r.sha256 for r in again.built}
    assert first == second and len(first) == 12


@pytest.mark.slow
def test_workers_from_the_fork_server_build_the_same_bytes(
    samples_build, settings, tmp_path, monkeypatch
):
    """An archive's build (the imprint command, past SERVER_POSTS posts) starts its workers
    from a fork server loaded while it plans: the same bytes as forked workers."""
    from imprint.builder import executors, plan, pool

    monkeypatch.setattr(pool, "_SERVER_ALLOWED", True)  # as the imprint command allows
    monkeypatch.setattr(plan, "SERVER_POSTS", 1)  # the samples stand in for an archive
    routes: list[bool] = []
    original = executors.LocalExecutor.__init__

    def noted(self, *args, server=False, **kwargs):
        routes.append(server)
        original(self, *args, server=server, **kwargs)

    monkeypatch.setattr(executors.LocalExecutor, "__init__", noted)
    served = build(
        BuildRequest(
            [CONTENT], out=tmp_path / "served", settings=settings.with_overrides(content=CONTENT)
        )
    )
    assert routes == [True] and served.ok, [r.error for r in served.failed]
    forked = {(r.format, r.target.name): r.sha256 for r in samples_build.built}
    assert {(r.format, r.target.name): r.sha256 for r in served.built} == forked


@pytest.mark.slow
def test_source_date_epoch_is_now_in_every_output(settings, tmp_path):
    post = CONTENT / "2025-09-03-monsoon-grids.md"
    epoch = settings.with_overrides(source_date_epoch=1_700_000_000)
    first = build(BuildRequest([post], out=tmp_path / "one", settings=epoch, jobs=1))
    second = build(BuildRequest([post], out=tmp_path / "two", settings=epoch, jobs=1))
    default = build(BuildRequest([post], out=tmp_path / "three", settings=settings, jobs=1))
    digests = [{r.format: r.sha256 for r in report.built} for report in (first, second, default)]
    assert len(digests[0]) == 4 and digests[0] == digests[1]
    assert all(digests[0][fmt] != digests[2][fmt] for fmt in ("pdf", "epub", "docx"))
    from pypdf import PdfReader

    pdf = next(r.target for r in first.built if r.format == "pdf")
    assert PdfReader(pdf).metadata.modification_date.year == 2023  # 1.7e9 s: November 2023


def test_a_post_edited_while_the_build_runs_is_built_as_it_is_when_sent(tmp_path, settings):
    """Planning keeps no post's bytes: a post is read again when it is sent to a worker,
    so an edit made meanwhile is what gets built, and the cache records it truly (the
    next build has nothing to do)."""
    from bench.corpus import generate

    posts = sorted(generate(CONTENT, tmp_path / "content", 12))
    last = posts[-1]  # sent after the first posts' results are in (one worker)
    local = settings.with_overrides(
        content=tmp_path / "content", out=tmp_path / "build", root=tmp_path
    )
    edited = []

    def on_result(result, done, planned):
        if not edited:
            text = last.read_text(encoding="utf-8")
            last.write_text(
                text.replace("\n---\n", "\n---\n\nWritten meanwhile.\n", 1).replace(
                    'title: "', 'title: "Meanwhile: ', 1
                ),
                encoding="utf-8",
            )
            edited.append(result.source)

    report = build(
        BuildRequest([tmp_path / "content"], ["html"], settings=local, jobs=1, on_result=on_result)
    )
    assert report.ok, [r.error for r in report.failed]
    assert edited and edited[0] != last
    page = next(r.target for r in report.built if r.source == last)
    assert "Written meanwhile." in page.read_text(encoding="utf-8")
    again = build(BuildRequest([tmp_path / "content"], ["html"], settings=local, jobs=1))
    assert again.ok and not again.built and len(again.skipped) == 12
