"""Save-to-browser latency of `imprint preview` (`make bench-preview`; not a test).

Runs the preview on a temporary copy of the reference post, opens it in Debian's
chromium (Playwright), then, ROUNDS times: appends a new sentence to the post and
records when (a) the sentence is in the HTML view and (b) the print view shows
the rebuilt pages, every image loaded. Times are taken from the moment before the
file is written to the browser's own clock at the moment it sees the change (one
machine, one wall clock; the page is checked every 5 ms). Prints each round, the
median and the worst, and writes bench/out/preview.json. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "out"
REFERENCE = ROOT.parent / "shared" / "corpus" / "rusi-south-korea-global-vision.md"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TARGETS = {"html": 1.0, "print": 3.0}

# installed in the page: notes the browser's time when the sentence is in the web
# view and when the print view holds a newer set of pages, all of them loaded
WATCH = """([sentence, version]) => {
  window.seen = {};
  const timer = setInterval(() => {
    const web = document.getElementById("web").contentDocument;
    if (!window.seen.html && web && web.body && web.body.textContent.includes(sentence))
      window.seen.html = Date.now();
    const pages = document.getElementById("pages");
    const images = Array.from(pages.querySelectorAll("img"));
    if (!window.seen.print && Number(pages.dataset.version) > version && images.length
        && images.every((i) => i.complete && i.naturalWidth > 0))
      window.seen.print = Date.now();
    if (window.seen.html && window.seen.print) clearInterval(timer);
  }, 5);
}"""


def wait(page, script: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not page.evaluate(script):
        if time.monotonic() > deadline:
            raise SystemExit(f"preview bench: gave up waiting for {script}")
        time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="imprint-bench-preview-"))
    post = folder / REFERENCE.name
    shutil.copyfile(REFERENCE, post)
    original = post.read_text(encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, "-m", "imprint", "preview", str(post), "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        url = re.search(r"http://\S+/", line)[0]
        results = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(url)
            wait(page, "Number(document.getElementById('pages').dataset.version) > 0")
            time.sleep(1)
            text = original
            for n in range(1, args.rounds + 1):
                sentence = f"Benchmark sentence number {n} appended at the end."
                version = int(page.locator("#pages").get_attribute("data-version"))
                page.evaluate(WATCH, [sentence, version])
                text += f"\n{sentence}\n"
                saved = time.time() * 1000
                post.write_text(text, encoding="utf-8")
                wait(page, "window.seen.html && window.seen.print")
                seen = page.evaluate("window.seen")
                row = {
                    "html": (seen["html"] - saved) / 1000,
                    "print": (seen["print"] - saved) / 1000,
                }
                results.append(row)
                print(
                    f"round {n:>2}: HTML view {row['html']:.2f} s, "
                    f"print pages {row['print']:.2f} s",
                    flush=True,
                )
                time.sleep(0.5)
            browser.close()
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)

    summary = {}
    for view, target in TARGETS.items():
        values = [r[view] for r in results]
        summary[view] = {
            "median": statistics.median(values),
            "worst": max(values),
            "target": target,
        }
        print(
            f"{view:>5}: median {summary[view]['median']:.2f} s, worst "
            f"{summary[view]['worst']:.2f} s (target <= {target:.0f} s)"
        )
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "preview.json").write_text(
        json.dumps(
            {"rounds": results, "summary": summary, "cores": len(os.sched_getaffinity(0))}, indent=1
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
