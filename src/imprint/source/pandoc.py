"""Running the pandoc that pypandoc-binary ships (3.x; Debian's 2.17 is too old).

Every call runs with ``--sandbox`` (pandoc may read nothing but its input and
may fetch nothing) and a timeout, so no content can make pandoc read a local
file, reach the network, or hang a build.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path

from ..errors import RenderError, ToolError, memory_cap_mb, out_of_memory

DEFAULT_TIMEOUT = 60.0
# pandoc's runtime: a 64 MB allocation area instead of the default 4 MB. A long post's
# conversion allocates 100-150 MB; in 4 MB steps, garbage collection was a quarter of
# pandoc's CPU time, in 64 MB steps it is a few percent (-A32m and -A96m both gain less).
# Given through the environment, so a pandoc that takes no runtime options (one named
# by IMPRINT_PANDOC) only warns; a GHCRTS the user set is kept.
RUNTIME_OPTIONS = "-A64m"


@functools.cache
def pandoc_path() -> str:
    override = os.environ.get("IMPRINT_PANDOC")
    if override:
        return override
    # pypandoc-binary keeps pandoc in pypandoc/files/; asking pypandoc instead runs
    # `pandoc --version` for every candidate it knows, a cost on every cold start
    spec = importlib.util.find_spec("pypandoc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        shipped = Path(folder) / "files" / ("pandoc.exe" if os.name == "nt" else "pandoc")
        if os.access(shipped, os.X_OK):
            return str(shipped)
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except (ImportError, OSError) as exc:
        raise ToolError(f"pandoc not found ({exc}); install the project with "
                        "'make install' so pypandoc-binary provides it") from None


def run_pandoc(args: Sequence[str], data: bytes, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Run pandoc on ``data`` (stdin) and return its stdout."""
    command = [pandoc_path(), "--sandbox", *args]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=timeout,
                              check=False, env=_environment())
    except subprocess.TimeoutExpired:
        raise RenderError(f"pandoc took longer than {timeout:g} s and was stopped") from None
    except OSError as exc:
        raise ToolError(f"cannot run pandoc: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        crashed = -done.returncode in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT)
        if "out of memory" in "".join(message[-1:]) or (crashed and
                                                         memory_cap_mb() is not None):
            # pandoc inherits a worker's address-space cap, and a crash under it is the
            # cap: say so rather than print a signal number
            raise out_of_memory("pandoc")
        if done.returncode < 0:
            raise RenderError(f"pandoc was stopped by {signal.Signals(-done.returncode).name}")
        error = RenderError(f"pandoc failed: {message[-1] if message else done.returncode}")
        error.detail = "\n".join(message)  # all pandoc said: a reader's error names the line
        raise error
    return done.stdout


def _environment() -> dict[str, str]:
    return {"GHCRTS": RUNTIME_OPTIONS, **os.environ}


@functools.cache
def pandoc_version() -> str:
    out = subprocess.run([pandoc_path(), "--version"], capture_output=True, check=False)
    first = out.stdout.decode("utf-8", "replace").splitlines()
    return first[0].split()[-1] if first else "unknown"
