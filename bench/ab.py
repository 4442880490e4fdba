"""A/B of the PDF's CPU time: another commit's imprint (A) against this tree's (B),
alternated in one session, so both meet the same machine load.

``python -m bench.ab --base main --posts 10 --rounds 5``: the base commit's ``src``
is taken with ``git archive``; each round builds N copies of the reference post as
PDF with ``imprint build --force`` once with A and once with B (the order swapped
every round), each with a user cache of its own, warmed by a first build that is
not counted. Prints the CPU seconds per PDF of every build (from report.json: the
workers' own CPU time, whatever else the machine runs), each side's median, and
B/A. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from .corpus import copies
from .run import REFERENCE, ROOT, per_post_cpu


def base_sources(commit: str, dest: Path) -> Path:
    """The ``src`` folder of ``commit`` (and the default brand and templates beside it,
    where it finds them), unpacked into ``dest``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "src", "styles", "templates"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(dest)  # nosec: this repository's own tree
    return dest / "src"


FLAGS = ("--formats", "pdf", "--force")


def build_cpu(src: Path, posts: Path, work: Path) -> float:
    """CPU seconds per PDF of one forced build of ``posts`` with the imprint in ``src``."""
    out = work / "build"
    done = subprocess.run(
        [sys.executable, "-m", "imprint", "build", str(posts), "--out", str(out), *FLAGS],
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(src), "XDG_CACHE_HOME": str(work / "cache")},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"bench.ab: the build with {src} failed:\n{done.stderr[-2000:]}")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return per_post_cpu(report)["pdf"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="main", help="the commit A is built from")
    parser.add_argument("--posts", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="imprint-ab-") as scratch:
        folder = Path(scratch)
        sides = {"A": base_sources(args.base, folder / "a"), "B": ROOT / "src"}
        copies(REFERENCE, folder / "posts", args.posts)
        work = {side: folder / f"work-{side}" for side in sides}
        for side, src in sides.items():  # warm: fonts and caches of each side made
            work[side].mkdir()
            build_cpu(src, folder / "posts", work[side])
        seen: dict[str, list[float]] = {"A": [], "B": []}
        for number in range(args.rounds):
            order = ("A", "B") if number % 2 == 0 else ("B", "A")
            for side in order:
                seen[side].append(build_cpu(sides[side], folder / "posts", work[side]))
            print(f"round {number + 1}: A {seen['A'][-1]:.3f} s  B {seen['B'][-1]:.3f} s per PDF")
    a, b = statistics.median(seen["A"]), statistics.median(seen["B"])
    print(
        f"A ({args.base}) median {a:.3f} s per PDF; B (this tree) median {b:.3f} s; B/A {b / a:.3f}"
    )


if __name__ == "__main__":
    main()
