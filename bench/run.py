"""The build benchmark (`make bench`): imprint against the pandoc loop a user would script.

Measured in one run, on N generated posts (default 50):

  (a) baseline: per post, ``pandoc -s`` to HTML, DOCX and EPUB, and
      ``--pdf-engine=weasyprint`` to PDF, one command after another;
  (b) ``imprint build`` of the same posts, all four formats, from a clean cache;
  (c) a no-op rebuild; (d) a rebuild after editing one post;
  (e) the author's path: ``imprint pdf`` of the reference post from a cold
      process against ``pandoc --pdf-engine=weasyprint`` of the same post
      (the median of several alternating runs).

Prints each time, the ratios (a)/(b) and (e), and the peak memory of a worker,
and writes them to bench/out/results.json. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .corpus import generate

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "out"
REFERENCE = ROOT.parent / "shared" / "corpus" / "rusi-south-korea-global-vision.md"
TARGETS = {"a/b": 6.0, "c": 0.5, "d": 1.5, "e": 1.3, "worker_mb": 400}


def _pandoc() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def _env() -> dict[str, str]:
    # pandoc finds the weasyprint command on PATH: the one installed beside this Python
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def _timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=_env(), stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command[:3])}... failed:\n{done.stderr[-2000:]}")
    return seconds


def baseline(posts: list[Path], out: Path) -> float:
    pandoc = _pandoc()
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for post in posts:
        for ext, extra in (("html", []), ("docx", []), ("epub", []),
                           ("pdf", ["--pdf-engine=weasyprint"])):
            _timed([pandoc, "-s", str(post), *extra, "-o", str(out / f"{post.stem}.{ext}")],
                   post.parent)
    return time.perf_counter() - started


def imprint(*args: str, cwd: Path) -> float:
    return _timed([sys.executable, "-m", "imprint", *args], cwd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--jobs", type=int, help="imprint workers (default: one per core)")
    parser.add_argument("--runs", type=int, default=5, help="runs for the median in (e)")
    args = parser.parse_args(argv)

    shutil.rmtree(WORK, ignore_errors=True)
    posts = generate(ROOT / "content", WORK / "content", args.posts)
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    print(f"bench: {len(posts)} posts, {os.cpu_count()} cores, Python {sys.version.split()[0]}")

    figures: dict[str, float] = {}
    figures["a"] = baseline(posts, WORK / "baseline")
    print(f"(a) pandoc loop, 4 formats:        {figures['a']:7.2f} s")
    figures["b"] = imprint("build", "content", "--out", "build", *jobs, cwd=WORK)
    report = json.loads((WORK / "build" / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["built"] == 4 * len(posts), report["summary"]
    print(f"(b) imprint build, clean cache:    {figures['b']:7.2f} s")
    figures["c"] = imprint("build", "content", "--out", "build", *jobs, cwd=WORK)
    print(f"(c) no-op rebuild:                 {figures['c']:7.2f} s")
    edited = posts[len(posts) // 2]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more sentence.\n",
                      encoding="utf-8")
    figures["d"] = imprint("build", "content", "--out", "build", *jobs, cwd=WORK)
    print(f"(d) rebuild after editing a post:  {figures['d']:7.2f} s")

    pandoc_runs, imprint_runs = [], []
    for _ in range(args.runs):  # alternating, so both see the same machine load
        pandoc_runs.append(_timed([_pandoc(), "-s", str(REFERENCE), "--pdf-engine=weasyprint",
                                   "-o", str(WORK / "reference-pandoc.pdf")], WORK))
        imprint_runs.append(imprint("pdf", str(REFERENCE), "-o",
                                    str(WORK / "reference-imprint.pdf"), cwd=WORK))
    figures["e_pandoc"] = statistics.median(pandoc_runs)
    figures["e_imprint"] = statistics.median(imprint_runs)
    print(f"(e) imprint pdf, cold process:     {figures['e_imprint']:7.2f} s   "
          f"pandoc + WeasyPrint: {figures['e_pandoc']:.2f} s (medians of {args.runs})")

    figures["a/b"] = figures["a"] / figures["b"]
    figures["e"] = figures["e_imprint"] / figures["e_pandoc"]
    figures["worker_mb"] = report["peak_worker_rss_mb"]
    figures["any_process_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"ratio (a)/(b): {figures['a/b']:.1f}x   (e) imprint/pandoc: {figures['e']:.2f}x")
    print(f"peak memory: {figures['worker_mb']:.0f} MB per imprint worker "
          f"({report['workers']} workers); {figures['any_process_mb']:.0f} MB for the largest "
          "process of the whole run")
    verdicts = {
        "a/b": figures["a/b"] >= TARGETS["a/b"], "c": figures["c"] <= TARGETS["c"],
        "d": figures["d"] <= TARGETS["d"], "e": figures["e"] <= TARGETS["e"],
        "worker_mb": figures["worker_mb"] <= TARGETS["worker_mb"]}
    print("targets: " + ", ".join(f"{name} {'met' if ok else 'MISSED'}"
                                  for name, ok in verdicts.items()))
    (WORK / "results.json").write_text(json.dumps({"posts": len(posts), **figures},
                                                  indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
