"""The output folder is consistent after any command, in any order: the OPDS catalogue
lists what is there, report.json names no local folder, and the summary counts every
warning the build's posts and site have, whether the posts were built or skipped."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest

import imprint
from imprint.builder.plan import BuildRequest, build
from imprint.config import load_settings

from .conftest import CONTENT, REPO
from .test_opds import _walk

FORMATS = "html,epub"
PROBLEMS = """---
title: A Post With Problems
date: 2025-10-01
author: Nobody Known
---
See [there](#nowhere) for more.

![](images/flood-week-supply.png)
"""
NEWER = """---
title: Newest Of All
date: 2026-01-15
author: Tomasz Erlich
description: The newest post.
---
A short post.
"""


def _imprint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "imprint", *args],
        cwd=cwd,
        text=True,
        capture_output=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )


@pytest.fixture
def project(tmp_path) -> Path:
    shutil.copytree(CONTENT, tmp_path / "content")
    return tmp_path


def _catalogue(root: Path) -> tuple[dict[str, list], dict[str, str]]:
    """Every acquisition feed by title, and every feed's date by file name."""
    out = root / "build"
    dates = {
        p.name: feedparser.parse(p.read_bytes()).feed.updated for p in (out / "opds").glob("*.xml")
    }
    return _walk(out), dates


def _titles(entries) -> list[str]:
    return sorted(e.title for e in entries)


def _summary(stderr: str) -> re.Match:
    match = re.search(r"imprint: (\d+) built, (\d+) skipped, 0 failed, (\d+) warning", stderr)
    assert match, stderr
    return match


@pytest.mark.slow
def test_the_catalogue_lists_what_build_holds_whichever_command_ran_last(project):
    done = _imprint("collection", "--formats", "epub", cwd=project)  # before any build
    assert done.returncode == 0, done.stderr
    feeds, dates = _catalogue(project)
    assert feeds["All posts"] == [] and len(feeds["The Imprint Review 2025"]) == 1
    # every feed is dated from the newest entry there is: the collection's
    assert set(dates.values()) == {"2025-11-20T00:00:00Z"}, dates

    done = _imprint("build", "--formats", FORMATS, cwd=project)
    assert done.returncode == 0, done.stderr
    feeds, dates = _catalogue(project)
    assert len(feeds["All posts"]) == 3, _titles(feeds["All posts"])
    assert "Ice-Free Passages: Arctic Shipping and the Rules of the Road" in _titles(
        feeds["All posts"]
    )
    assert len(feeds["The Imprint Review 2025"]) == 4  # the book, then its three articles

    (project / "content" / "2026-01-15-newest.md").write_text(NEWER, encoding="utf-8")
    done = _imprint("build", "--formats", FORMATS, cwd=project)
    assert done.returncode == 0, done.stderr
    feeds, dates = _catalogue(project)
    assert "Newest Of All" in _titles(feeds["All posts"]) and len(feeds["All posts"]) == 4
    assert dates["catalog.xml"] == dates["posts.xml"] == "2026-01-15T00:00:00Z"

    (project / "content" / "2026-01-15-newest.md").unlink()
    done = _imprint("build", "--formats", FORMATS, cwd=project)
    assert done.returncode == 0, done.stderr
    feeds, dates = _catalogue(project)
    assert "Newest Of All" not in _titles(feeds["All posts"]) and len(feeds["All posts"]) == 3
    assert dates["catalog.xml"] == "2025-11-20T00:00:00Z"
    assert not any(d.startswith("1970") for d in dates.values())

    # a no-op build leaves the catalogue exactly as it was
    before = {p: p.stat().st_mtime_ns for p in (project / "build" / "opds").rglob("*")}
    done = _imprint("build", "--formats", FORMATS, cwd=project)
    assert done.returncode == 0, done.stderr
    assert {p: p.stat().st_mtime_ns for p in (project / "build" / "opds").rglob("*")} == before


def test_the_public_build_leaves_the_catalogue_of_what_it_built(project):
    report = imprint.build(formats=["epub"], project=project)
    assert report.ok
    feeds, _ = _catalogue(project)
    assert len(feeds["All posts"]) == 3


def test_report_json_names_paths_relative_to_the_output_folder(project):
    (project / "content" / "2025-10-01-problems.md").write_text(PROBLEMS, encoding="utf-8")
    settings = load_settings(root=project)
    report = build(BuildRequest(formats=["html", "epub"], settings=settings, jobs=1))
    assert report.ok
    out = project / "build"
    text = (out / "report.json").read_text(encoding="utf-8")
    assert str(project) not in text  # no local folder named anywhere
    data = json.loads(text)
    assert len(data["jobs"]) == 8
    for job in data["jobs"]:
        assert (out / job["output"]).is_file(), job["output"]
        assert job["source"].startswith("../content/") and (out / job["source"]).is_file()
    warned = [w for job in data["jobs"] for w in job["warnings"]]
    assert warned and all(w.startswith("../content/2025-10-01-problems.md:") for w in warned)
    assert data["site"]["laid_out"] and not any(p.startswith("/") for p in data["site"]["laid_out"])


@pytest.mark.slow
def test_the_summary_counts_skipped_posts_warnings_and_the_sites_own(project):
    (project / "content" / "2025-10-01-problems.md").write_text(PROBLEMS, encoding="utf-8")
    first = _imprint("build", "--formats", FORMATS, cwd=project)
    assert first.returncode == 0, first.stderr
    warned = sorted(line for line in first.stderr.splitlines() if "warning: " in line)
    # the post's (no bio, no alt text, a dead link) and the feed's
    own = [line for line in warned if "2025-10-01-problems.md:" in line]
    assert len(own) >= 3 and sum("feed.xml" in line for line in warned) == 1, warned
    assert len(warned) == len(own) + 1, warned
    built, skipped, count = _summary(first.stderr).groups()
    assert (built, skipped, count) == ("8", "0", str(len(warned)))
    report = json.loads((project / "build" / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["warnings"] == len(warned)

    again = _imprint("build", "--formats", FORMATS, cwd=project)  # nothing to do
    assert again.returncode == 0, again.stderr
    assert sorted(line for line in again.stderr.splitlines() if "warning: " in line) == warned
    assert _summary(again.stderr).groups() == ("0", "8", str(len(warned)))
