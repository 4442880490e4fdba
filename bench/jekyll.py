"""A Jekyll site of many posts (500 by default) in four formats: the full build, then the
no-op build (median of three), which should stay under a second. Not a test: it prints
the figures and writes bench/out/jekyll.json.

The site is generated: a ``_config.yml`` with a title, url and ``pretty`` permalinks,
posts under ``_posts/`` (some in subfolders) dated by file name, a draft, an unpublished
post and pages that are not posts, so the no-op includes listing the site as Jekyll does.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"

BODY = """Opening paragraph of post {n}, which the index shows as its excerpt. It says what
the post is about in a sentence or two.

## What changed

- the first item of a list, with `code` in it;
- the second item, with a [link](https://example.org/{n}).

> A quotation, to give the page a block of another kind.

## What comes next

A closing paragraph with *emphasis* and **strong** words, long enough to wrap on a printed
page once or twice, so that every format has a little typesetting to do.
"""


def generate(root: Path, count: int) -> None:
    (root / "_posts" / "archive").mkdir(parents=True)
    (root / "_drafts").mkdir()
    (root / "_config.yml").write_text(
        "title: Bench Site\nurl: https://example.org\npermalink: pretty\n", encoding="utf-8"
    )
    (root / "README.md").write_text("# Notes for editors\n", encoding="utf-8")
    (root / "about.md").write_text("---\ntitle: About\n---\n\nA page.\n", encoding="utf-8")
    first = date(2015, 1, 1)
    for n in range(1, count + 1):
        day = first + timedelta(days=n * 3)
        folder = root / "_posts" / ("archive" if n % 5 == 0 else "")
        dated = f"date: {day.isoformat()} 10:00:00 +0100\n" if n % 2 else ""  # half say it
        front = (
            f"---\ntitle: Post number {n}\n{dated}author: Bench Writer\ntags: [t{n % 7}]\n---\n\n"
        )
        (folder / f"{day.isoformat()}-post-{n}.md").write_text(
            front + BODY.format(n=n), encoding="utf-8"
        )
    (root / "_drafts" / "idea.md").write_text("---\ntitle: Idea\n---\n\nA draft.\n")
    (root / "_posts" / "2015-01-02-hidden.md").write_text(
        "---\ntitle: Hidden\npublished: false\n---\n\nNot published.\n", encoding="utf-8"
    )


def build(site: Path) -> tuple[float, float]:
    """Seconds and CPU seconds (the command's process and its workers) of one build."""
    started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-m", "imprint", "build", str(site)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"imprint build failed:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="imprint-jekyll-bench-") as tmp:
        site = Path(tmp) / "site"
        generate(site, args.posts)
        full, _ = build(site)
        runs = [build(site) for _ in range(3)]
    noop = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    figures = {"posts": args.posts, "formats": 4, "full_build_s": round(full, 2)}
    figures.update(noop_build_s=round(noop, 3), noop_cpu_s=round(cpu, 3), load=os.getloadavg())
    print(
        f"Jekyll site of {args.posts} posts, four formats: full build {full:.1f} s, "
        f"no-op {noop:.2f} s, {cpu:.2f} s of CPU (target under 1 s; load average "
        f"{os.getloadavg()[0]:.1f})"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "jekyll.json").write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
