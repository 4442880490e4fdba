"""Builds that never lose work: a job past its timeout fails alone; a killed build converges."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.corpus import generate
from imprint.builder.output import TMP_PREFIX, TMP_SUFFIX
from imprint.builder.plan import BuildRequest, build

from .conftest import CONTENT, REPO

FORMATS = ("html", "pdf", "epub", "docx")


def _heavy_post(folder: Path, rows: int = 2000) -> Path:
    """A post whose table takes WeasyPrint many seconds to lay out (pandoc: about one)."""
    table = "\n".join(f"| row {n} | {n * 3} | words in a cell, row {n} |" for n in range(rows))
    post = folder / "2025-01-01-long-table.md"
    post.write_text(
        "---\ntitle: A very long table\nauthor: Ann Author\ndate: 2025-01-01\n---\n"
        f"\nOpening.\n\n| a | b | c |\n|---|--:|---|\n{table}\n",
        encoding="utf-8",
    )
    return post


@pytest.mark.slow
def test_a_post_past_the_timeout_fails_alone_and_is_named(tmp_path, settings):
    content = tmp_path / "content"
    generate(CONTENT, content, 3)
    # far past the deadline however loaded the machine, while the others stay well inside
    heavy = _heavy_post(content, rows=8000)
    out = tmp_path / "build"
    started = time.monotonic()
    report = build(
        BuildRequest(
            out=out, settings=settings.with_overrides(content=content, job_timeout=20.0), jobs=2
        )
    )
    assert time.monotonic() - started < 600  # a hang guard, not a speed test
    failed = {(r.source, r.format) for r in report.failed}
    assert failed == {(heavy, "pdf")}
    assert len(report.built) == 4 * 4 - 1  # every other job, the slow post's other formats too
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    [job] = [j for j in data["jobs"] if j["status"] == "failed"]
    assert (out / job["source"]).resolve() == heavy.resolve() and job["format"] == "pdf"
    assert "took longer than 20 s" in job["error"] and job["error"].startswith(job["source"])
    assert not (out / "pdf" / "long-table.pdf").exists()
    assert (out / "html" / "long-table.html").is_file()


def _imprint_build(content: Path, out: Path, **popen: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "imprint", "build", str(content), "--out", str(out), "--jobs", "2"],
        cwd=content.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        **popen,
    )


def _digests(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for fmt in FORMATS
        for p in (out / fmt).glob("*")
        if p.is_file()
    }


@pytest.mark.slow
def test_kill_9_then_build_again_equals_a_clean_build(tmp_path):
    content = tmp_path / "content"
    generate(CONTENT, content, 10)
    started = time.monotonic()
    clean = _imprint_build(content, tmp_path / "clean")
    _, errors = clean.communicate(timeout=300)
    assert clean.returncode == 0, errors
    expected = _digests(tmp_path / "clean")
    assert len(expected) == 40

    out = tmp_path / "killed"
    window = time.monotonic() - started
    # A random moment while the build runs (start-up, normalising, rendering), drawn from
    # a seed that is printed: IMPRINT_KILL_SEED=<seed> draws the same moments again.
    seed = int(os.environ.get("IMPRINT_KILL_SEED") or time.time_ns() % 2**32)
    moments = random.Random(seed)
    replay = f"IMPRINT_KILL_SEED={seed}"
    for _ in range(6):
        fraction = moments.uniform(0.05, 0.9)
        victim = _imprint_build(content, out, start_new_session=True)
        time.sleep(fraction * window)
        if victim.poll() is None:
            break
        shutil.rmtree(out)  # it finished first (warm caches are quicker): from scratch, sooner
        window /= 2
    else:
        pytest.fail(f"the build always finished before it could be killed ({replay})")
    replay += f": killed {fraction * window:.2f} s in ({fraction:.3f} of a {window:.2f} s window)"
    print(replay)
    os.killpg(victim.pid, signal.SIGKILL)  # the build and its workers, without warning
    victim.wait(timeout=60)
    assert victim.returncode == -signal.SIGKILL, replay
    # a write the kill cut short leaves its temporary file, never a partial output
    partial = {
        name: digest
        for name, digest in (_digests(out) if out.exists() else {}).items()
        if not Path(name).name.startswith(TMP_PREFIX)
    }
    assert all(expected[name] == digest for name, digest in partial.items()), (
        f"an output path holds something other than the complete file ({replay})"
    )

    again = _imprint_build(content, out)
    _, errors = again.communicate(timeout=300)
    assert again.returncode == 0, (replay, errors)
    assert _digests(out) == expected, replay
    leftovers = [p for p in out.rglob(f"{TMP_PREFIX}*{TMP_SUFFIX}")]
    assert leftovers == [], replay
