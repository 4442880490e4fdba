"""Archive scale: a site of many small posts (10,000 by default), built, left alone, and
edited once. Not a test: it prints figures for the README and writes
bench/out/scale.json.

It measures, in one run on this machine:

* the full build of all the posts, and its time per post against a 50-post build of
  the same kind of posts in the same run (the ratio should stay near 1: a build must
  not slow down per post as the archive grows);
* a no-op rebuild (median of three), which should cost little however large the archive;
* a rebuild after editing one post (three edits, the median reported), with that
  post's own render time beside it, the site pass's time, and how many site pages it
  laid out and search shards it indexed;
* the peak memory (resident set) of the main process, the one that keeps the cache
  manifest and writes the site, for the full build, the no-op and the edit.

The site has a ``base_url``, so the feed and the sitemap are part of every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .corpus import generate

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
# the build runs in a child that reports its own peak RSS (workers are other processes)
RUNNER = (
    "import atexit, resource, sys\n"
    "from imprint.cli import run\n"
    "atexit.register(lambda: print('peak-rss-kb '"
    " f'{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr))\n"
    "sys.argv[0] = 'imprint'\n"
    "run()\n"
)


def build(root: Path, *args: str) -> tuple[float, int]:
    """Seconds and the main process's peak RSS (KB) of one `imprint build` in ``root``."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, "build", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"imprint build failed:\n{done.stderr[-2000:]}")
    peak = [
        int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("peak-rss-kb ")
    ]
    return seconds, peak[-1] if peak else 0


def project(folder: Path, posts: int) -> Path:
    generate(REPO / "content", folder / "content", posts)
    (folder / "imprint.toml").write_text(
        '[site]\nbase_url = "https://example.org/archive/"\n', encoding="utf-8"
    )
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--baseline-posts", type=int, default=50)
    parser.add_argument("--formats", default="html,pdf,epub,docx")
    parser.add_argument("--jobs", type=int, help="imprint workers (default: one per core)")
    args = parser.parse_args(argv)
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    options = ["--formats", args.formats, *jobs]
    results: dict[str, object] = {"posts": args.posts, "formats": args.formats}
    with tempfile.TemporaryDirectory(prefix="imprint-scale-") as scratch:
        small = project(Path(scratch) / "small", args.baseline_posts)
        seconds, _ = build(small, *options)
        per_post_small = seconds / args.baseline_posts
        print(
            f"{args.baseline_posts} posts: {seconds:.1f} s, {per_post_small * 1000:.0f} ms a post",
            flush=True,
        )

        large = project(Path(scratch) / "large", args.posts)
        seconds, peak_full = build(large, *options)
        per_post = seconds / args.posts
        print(
            f"{args.posts} posts: {seconds:.1f} s, {per_post * 1000:.0f} ms a post "
            f"({per_post / per_post_small:.2f}× the {args.baseline_posts}-post figure), "
            f"main process peak {peak_full / 1024:.0f} MB",
            flush=True,
        )

        noops = [build(large, *options) for _ in range(3)]
        noop = statistics.median(s for s, _ in noops)
        peak_noop = max(p for _, p in noops)
        print(
            f"no-op: {noop:.2f} s (median of 3), main process peak {peak_noop / 1024:.0f} MB",
            flush=True,
        )

        posts = sorted((large / "content").glob("*.md"))
        post = posts[len(posts) // 2]
        edits = []  # three edits of the post, each a sentence more: the median is reported
        for number in range(3):
            post.write_text(
                post.read_text(encoding="utf-8") + f"\nOne more sentence ({number + 1}).\n",
                encoding="utf-8",
            )
            seconds, peak = build(large, *options)
            report = json.loads((large / "build" / "report.json").read_text(encoding="utf-8"))
            own = sum(job["seconds"] for job in report["jobs"] if job["status"] == "built")
            edits.append((seconds - own, seconds, own, peak, report["site"]))
            print(f"  edit {number + 1}: {seconds:.2f} s, its own jobs {own:.2f} s", flush=True)
        _, edit, own, _, site = sorted(edits, key=lambda e: e[0])[1]
        peak_edit = max(e[3] for e in edits)
        print(
            f"one edit: {edit:.2f} s (median of 3 by the time besides its render), of "
            f"which its own jobs {own:.2f} s (their render times, in workers) and the site "
            f"pass {site['seconds']:.2f} s ({len(site['laid_out'])} page(s) laid out, "
            f"{len(site['indexed'])} search shard(s) indexed); besides its render "
            f"{edit - own:.2f} s; main process peak {peak_edit / 1024:.0f} MB",
            flush=True,
        )

    results.update(
        {
            "baseline_posts": args.baseline_posts,
            "baseline_seconds_per_post": per_post_small,
            "full_seconds": per_post * args.posts,
            "seconds_per_post": per_post,
            "per_post_ratio": per_post / per_post_small,
            "noop_seconds": noop,
            "edit_seconds": edit,
            "edit_own_job_seconds": own,
            "edit_besides_render": edit - own,
            "edit_site_seconds": site["seconds"],
            "edit_pages_laid_out": len(site["laid_out"]),
            "edit_shards_indexed": len(site["indexed"]),
            "main_peak_mb_full": peak_full / 1024,
            "main_peak_mb_noop": peak_noop / 1024,
            "main_peak_mb_edit": peak_edit / 1024,
        }
    )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "scale.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
