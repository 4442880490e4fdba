"""The build benchmark (`make bench`): imprint against the pandoc loop a user would script.

Measured in one run, on N generated posts (default 50):

  (a) baseline: per post, ``pandoc -s`` to HTML, DOCX and EPUB, and
      ``--pdf-engine=weasyprint`` to PDF, one command after another;
  (b) ``imprint build`` of the same posts, all four formats, from a clean cache
      (also shown: the very first use, when no pinned fonts are cached either);
  (c) a no-op rebuild; (d) a rebuild after editing one post;
  (e) the author's path: ``imprint pdf`` of the reference post from a cold
      process against ``pandoc --pdf-engine=weasyprint`` of the same post
      (the median of several alternating runs);
  (f) a collection of 200 posts as one EPUB, PDF and DOCX, with one worker and with
      one per core (the speed-up, and whether the bytes are the same), and its peak
      memory;
  (g) (a) and (b) again on N copies of the reference post, a seven-page brief from
      ../shared/corpus, each with its own title (``--only-reference`` runs just this).

Prints each time, the ratios (a)/(b), (g) and (e), the CPU seconds per post of each
stage of a build (normalising, then each format; from report.json) and of each
format in the pandoc loop, and the peak memory of a worker, and writes them to
bench/out/results.json. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .corpus import copies, generate

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "out"
REFERENCE = ROOT.parent / "shared" / "corpus" / "rusi-south-korea-global-vision.md"
TARGETS = {"a/b": 6.0, "c": 0.5, "d": 1.5, "e": 1.3, "worker_mb": 400, "f": 1.7, "g": 6.0}
STAGES = ("normalise", "html", "pdf", "epub", "docx")  # as report.json names them


def _pandoc() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def _env() -> dict[str, str]:
    # pandoc finds the weasyprint command on PATH: the one installed beside this Python;
    # imprint's per-user font cache lives in the bench folder, so its state is known
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "XDG_CACHE_HOME": str(WORK / "user-cache"),
    }


CPU: dict[str, float] = {}  # step -> CPU seconds (user + system) of the processes it ran


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=cwd,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command[:3])}... failed:\n{done.stderr[-2000:]}")
    return seconds


def _step(name: str, run: Callable[[], float]) -> float:
    """Wall time of ``run``; its CPU time goes to CPU[name]."""
    before = _cpu()
    seconds = run()
    CPU[name] = CPU.get(name, 0.0) + _cpu() - before
    return seconds


SPIN = "n = 0\nwhile n < 20_000_000: n += 1"


def parallel_capacity(processes: int) -> float:
    """How many cores' worth of work ``processes`` busy processes really get here.

    On a shared virtual machine two "cores" may deliver much less than twice the
    work of one; this puts the build's speed-up in context.
    """

    def spin(count: int) -> float:
        started = time.perf_counter()
        running = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(count)]
        for process in running:
            process.wait()
        return time.perf_counter() - started

    one = spin(1)
    return processes * one / spin(processes)


def baseline(posts: list[Path], out: Path, cpu: dict[str, float] | None = None) -> float:
    """The pandoc loop; ``cpu`` gets each format's CPU seconds, summed over the posts."""
    pandoc = _pandoc()
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for post in posts:
        for ext, extra in (
            ("html", []),
            ("docx", []),
            ("epub", []),
            ("pdf", ["--pdf-engine=weasyprint"]),
        ):
            before = _cpu()
            _timed(
                [pandoc, "-s", str(post), *extra, "-o", str(out / f"{post.stem}.{ext}")],
                post.parent,
            )
            if cpu is not None:
                cpu[ext] = cpu.get(ext, 0.0) + _cpu() - before
    return time.perf_counter() - started


def per_post_cpu(report: dict) -> dict[str, float]:
    """CPU seconds per post of each stage of a build, from its report.json."""
    stages = report.get("cpu_seconds", {})
    return {
        stage: round(stages[stage]["total"] / stages[stage]["jobs"], 4)
        for stage in STAGES
        if stages.get(stage, {}).get("jobs")
    }


def _cpu_line(figures: dict[str, float]) -> str:
    return (
        "  ".join(f"{stage} {figures[stage]:.3f}" for stage in STAGES if stage in figures)
        + f"  = {sum(figures.values()):.3f} s"
    )


def reference(
    count: int, jobs: list[str], runs_b: int, first_use: bool = False
) -> dict[str, object]:
    """(g) the pandoc loop and clean imprint builds of ``count`` copies of the reference
    post, with the CPU seconds per post of each stage and format. ``first_use``: the
    user's cache is empty, so one build pins the fonts first (timed apart)."""
    folder = WORK / "reference"
    posts = copies(REFERENCE, folder / "content", count)
    loop: dict[str, float] = {}
    seconds_a = _step("g_a", lambda: baseline(posts, folder / "baseline", loop))
    print(f"(g) reference post x {count}: pandoc loop {seconds_a:7.2f} s   cpu {CPU['g_a']:6.1f} s")
    clean_build = functools.partial(clean, folder, jobs)
    if first_use:
        print(
            f"(g) reference post x {count}: first use     {clean_build():7.2f} s   "
            "(not counted: no pinned fonts yet)"
        )
    runs = [_step("g_b", clean_build) for _ in range(runs_b)]
    CPU["g_b"] /= len(runs)
    seconds_b = statistics.median(runs)
    report = json.loads((folder / "build" / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["built"] == 4 * count, report["summary"]
    build_cpu = per_post_cpu(report)
    loop_cpu = {fmt: round(total / count, 4) for fmt, total in loop.items()}
    print(
        f"(g) reference post x {count}: imprint build {seconds_b:7.2f} s   cpu "
        f"{CPU['g_b']:6.1f} s   (median of {' '.join(f'{r:.1f}' for r in runs)})"
    )
    print(f"(g) CPU s per post, imprint workers: {_cpu_line(build_cpu)}")
    print(f"(g) CPU s per post, pandoc loop:     {_cpu_line(loop_cpu)}")
    return {
        "g_posts": count,
        "g_a": seconds_a,
        "g_b": seconds_b,
        "g": seconds_a / seconds_b,
        "g_cpu": CPU["g_a"] / CPU["g_b"],
        "g_cpu_per_post": build_cpu,
        "g_loop_cpu_per_post": loop_cpu,
        "g_worker_mb": report["peak_worker_rss_mb"],
    }


def collection(count: int, jobs: int) -> dict[str, float]:
    """(f) one collection of ``count`` posts as EPUB, PDF and DOCX, each build in a process
    of its own: with one worker, then with ``jobs``, alternating (the machine's load
    drifts), twice each. The bytes must not depend on the workers."""
    folder = WORK / "collection"
    generate(ROOT / "content", folder / "content", count)
    manifest = folder / "content" / "anthology.toml"
    manifest.write_text(
        'title = "Bench Anthology"\neditors = ["Bench"]\n'
        '[series]\nname = "Bench"\nnumber = 1\n'
        '[posts]\npaths = ["*.md"]\n',
        encoding="utf-8",
    )
    runs: dict[int, list[dict]] = {1: [], jobs: []}
    for workers in [1, jobs] * 2:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.collection",
                str(manifest),
                str(folder / f"out-{workers}"),
                str(workers),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=_env(),
            check=False,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {}
        if "seconds" not in result:
            print(f"(f) collection of {count} posts: FAILED {result or done.stderr[-400:]}")
            return {}
        runs[workers].append(result)
    one = min(r["seconds"] for r in runs[1])
    many = min(r["seconds"] for r in runs[jobs])
    same = len({json.dumps(r["sha256"], sort_keys=True) for r in runs[1] + runs[jobs]}) == 1
    last = runs[jobs][-1]
    print(
        f"(f) collection of {count} posts:   {one:7.2f} s with 1 worker, {many:.2f} s with "
        f"{jobs}: {one / many:.2f}x; {'the same bytes' if same else 'BYTES DIFFER'}; "
        f"peak {last['peak_mb']:.0f} MB here, {last['children_peak_mb']:.0f} MB a worker; "
        f"EPUB {last['sizes_mb']['epub']} MB, PDF {last['sizes_mb']['pdf']} MB, "
        f"DOCX {last['sizes_mb']['docx']} MB (best of 2 each)"
    )
    return {
        "f_seconds_1": one,
        f"f_seconds_{jobs}": many,
        "f_speedup": one / many,
        "f_same_bytes": float(same),
        "f_peak_mb": last["peak_mb"],
        "f_worker_peak_mb": last["children_peak_mb"],
    }


def imprint(*args: str, cwd: Path) -> float:
    return _timed([sys.executable, "-m", "imprint", *args], cwd)


def clean(folder: Path, jobs: list[str]) -> float:
    """``imprint build`` of ``folder``/content from a clean build cache (pinned fonts kept)."""
    shutil.rmtree(folder / "build", ignore_errors=True)
    shutil.rmtree(folder / ".imprint-cache", ignore_errors=True)
    return imprint("build", "content", "--out", "build", *jobs, cwd=folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--jobs", type=int, help="imprint workers (default: one per core)")
    parser.add_argument("--runs", type=int, default=5, help="runs for the median in (e)")
    parser.add_argument("--runs-b", type=int, default=3, help="clean builds for the median in (b)")
    parser.add_argument(
        "--collection-posts",
        type=int,
        default=200,
        help="posts in the collection of (f); 0 skips it",
    )
    parser.add_argument(
        "--reference-posts",
        type=int,
        help="copies of the reference post in (g) (default: --posts; 0 skips)",
    )
    parser.add_argument(
        "--only-reference",
        action="store_true",
        help="run (g) alone: the reference post against the pandoc loop",
    )
    parser.add_argument(
        "--only-collection",
        action="store_true",
        help="run (f) alone: the collection with one worker and with several",
    )
    args = parser.parse_args(argv)
    count = args.posts if args.reference_posts is None else args.reference_posts

    shutil.rmtree(WORK, ignore_errors=True)
    if args.only_reference:
        return only_reference(args, count)
    if args.only_collection:
        cores = len(os.sched_getaffinity(0))
        print(
            f"bench: collection only, {cores} cores (together worth "
            f"{parallel_capacity(cores):.1f} cores right now)"
        )
        figures = collection(args.collection_posts, max(2, args.jobs or cores))
        return 0 if figures.get("f_speedup", 0) >= TARGETS["f"] and figures["f_same_bytes"] else 1
    posts = generate(ROOT / "content", WORK / "content", args.posts)
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    cores = len(os.sched_getaffinity(0))
    capacity = parallel_capacity(cores)
    print(
        f"bench: {len(posts)} posts, {cores} cores (together worth {capacity:.1f} cores "
        f"right now), Python {sys.version.split()[0]}"
    )
    clean_build = functools.partial(clean, WORK, jobs)

    figures: dict[str, float] = {}
    figures["a"] = _step("a", lambda: baseline(posts, WORK / "baseline"))
    print(f"(a) pandoc loop, 4 formats:        {figures['a']:7.2f} s   cpu {CPU['a']:6.1f} s")
    # first use on a machine: no build cache and no pinned fonts in the user's cache
    figures["b_first_use"] = _step("b_first_use", clean_build)
    print(
        f"(b) imprint build, first use:      {figures['b_first_use']:7.2f} s   cpu "
        f"{CPU['b_first_use']:6.1f} s   (no build cache, no pinned fonts yet)"
    )
    # the machine is shared, so its speed drifts: the median of several clean builds
    runs = [_step("b", clean_build) for _ in range(args.runs_b)]
    CPU["b"] /= len(runs)
    figures["b"] = statistics.median(runs)
    report = json.loads((WORK / "build" / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["built"] == 4 * len(posts), report["summary"]
    print(
        f"(b) imprint build, clean cache:    {figures['b']:7.2f} s   cpu {CPU['b']:6.1f} s   "
        f"(median of {' '.join(f'{r:.1f}' for r in runs)}; pinned fonts kept)"
    )
    generated_cpu = per_post_cpu(report)
    print(f"(b) CPU s per post, imprint workers: {_cpu_line(generated_cpu)}")
    figures["c"] = _step(
        "c", lambda: imprint("build", "content", "--out", "build", *jobs, cwd=WORK)
    )
    print(f"(c) no-op rebuild:                 {figures['c']:7.2f} s")
    edited = posts[len(posts) // 2]
    edited.write_text(
        edited.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8"
    )
    figures["d"] = _step(
        "d", lambda: imprint("build", "content", "--out", "build", *jobs, cwd=WORK)
    )
    print(f"(d) rebuild after editing a post:  {figures['d']:7.2f} s")

    pandoc_runs, imprint_runs = [], []
    for _ in range(args.runs):  # alternating, so both see the same machine load
        pandoc_runs.append(
            _timed(
                [
                    _pandoc(),
                    "-s",
                    str(REFERENCE),
                    "--pdf-engine=weasyprint",
                    "-o",
                    str(WORK / "reference-pandoc.pdf"),
                ],
                WORK,
            )
        )
        imprint_runs.append(
            imprint("pdf", str(REFERENCE), "-o", str(WORK / "reference-imprint.pdf"), cwd=WORK)
        )
    figures["e_pandoc"] = statistics.median(pandoc_runs)
    figures["e_imprint"] = statistics.median(imprint_runs)
    print(
        f"(e) imprint pdf, cold process:     {figures['e_imprint']:7.2f} s   "
        f"pandoc + WeasyPrint: {figures['e_pandoc']:.2f} s (medians of {args.runs})"
    )

    if args.collection_posts:
        figures.update(collection(args.collection_posts, max(2, args.jobs or cores)))
    extra: dict[str, object] = {"b_cpu_per_post": generated_cpu}
    if count:
        extra.update(reference(count, jobs, args.runs_b))

    figures["a/b"] = figures["a"] / figures["b"]
    figures["a/b_first_use"] = figures["a"] / figures["b_first_use"]
    figures["a/b_cpu"] = CPU["a"] / CPU["b"]
    figures["e"] = figures["e_imprint"] / figures["e_pandoc"]
    figures["worker_mb"] = report["peak_worker_rss_mb"]
    figures["any_process_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"ratio (a)/(b): {figures['a/b']:.1f}x (first use: {figures['a/b_first_use']:.1f}x)"
        f"   (e) imprint/pandoc: {figures['e']:.2f}x"
    )
    if count:
        print(f"ratio (g), reference post: {extra['g']:.1f}x   (CPU time: {extra['g_cpu']:.1f}x)")
    print(
        f"CPU time (a)/(b): {figures['a/b_cpu']:.1f}x (steadier than wall time on a shared machine)"
    )
    print(
        f"peak memory: {figures['worker_mb']:.0f} MB per imprint worker "
        f"({report['workers']} workers); {figures['any_process_mb']:.0f} MB for the largest "
        "process of the whole run"
    )
    verdicts = {
        "a/b": figures["a/b"] >= TARGETS["a/b"],
        "c": figures["c"] <= TARGETS["c"],
        "d": figures["d"] <= TARGETS["d"],
        "e": figures["e"] <= TARGETS["e"],
        "worker_mb": figures["worker_mb"] <= TARGETS["worker_mb"],
    }
    if "f_speedup" in figures:
        verdicts["f"] = figures["f_speedup"] >= TARGETS["f"] and bool(figures["f_same_bytes"])
    if count:
        verdicts["g"] = extra["g"] >= TARGETS["g"]
    print(
        "targets: "
        + ", ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in verdicts.items())
    )
    (WORK / "results.json").write_text(
        json.dumps(
            {"posts": len(posts), "capacity": capacity, **figures, **extra, "cpu": CPU}, indent=1
        ),
        encoding="utf-8",
    )
    return 0


def only_reference(args: argparse.Namespace, count: int) -> int:
    """(g) alone, for quick iteration: the reference post against the pandoc loop."""
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    cores = len(os.sched_getaffinity(0))
    capacity = parallel_capacity(cores)
    print(
        f"bench: reference post only, {count} copies, {cores} cores (together worth "
        f"{capacity:.1f} cores right now), load {os.getloadavg()[0]:.2f}"
    )
    figures = reference(max(count, 1), jobs, args.runs_b, first_use=True)
    print(
        f"ratio (g), reference post: {figures['g']:.1f}x   (CPU time: {figures['g_cpu']:.1f}x)"
        f"   target {TARGETS['g']:g}x {'met' if figures['g'] >= TARGETS['g'] else 'MISSED'}"
    )
    (WORK / "results.json").write_text(
        json.dumps({"capacity": capacity, **figures, "cpu": CPU}, indent=1), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
