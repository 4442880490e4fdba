"""Time one collection build and report its peak memory (run by ``bench.run``).

    python -m bench.collection MANIFEST OUT JOBS

Prints one line of JSON: seconds, this process's peak RSS and its children's
(the workers, pandoc), in MB, and each output's SHA-256. Running it as its own
process keeps the figure its own.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from imprint.collection import build_collection


def main(argv: list[str]) -> int:
    manifest, out, jobs = Path(argv[0]), Path(argv[1]), int(argv[2])
    started = time.perf_counter()
    report = build_collection(manifest, ["epub", "pdf", "docx"], out=out, force=True, jobs=jobs)
    seconds = time.perf_counter() - started
    if not report.ok:
        print(json.dumps({"error": [r.error for r in report.failed]}))
        return 1
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "children_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                "sizes_mb": {r.format: round(r.size / 1e6, 2) for r in report.results},
                "sha256": {r.format: r.sha256 for r in report.results},
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
