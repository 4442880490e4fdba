"""Running the pandoc that pypandoc-binary ships (3.x; Debian's 2.17 is too old).

Every call runs with ``--sandbox`` (pandoc may read nothing but its input and
may fetch nothing) and a timeout, so no content can make pandoc read a local
file, reach the network, or hang a build.

The two conversions every post needs (its Markdown to HTML, and the DOCX) go to
a *resident* pandoc instead (:func:`convert`): one ``pandoc lua`` process per
worker process, running ``pandoc_worker.lua``, which converts on request. A
pandoc process spends a third of a long post's conversion getting ready (its
tables and data files, its heap); the resident one does that once. It gives the
command line's bytes, and reads nothing but its input too. Whenever it cannot
answer (it would not start, it died, pandoc reported an error) the conversion
runs as a process of its own, so errors read exactly as before; a resident
pandoc that died is started again for the next conversion. (``pandoc server``
would do, but the pandoc pypandoc-binary ships cannot run it: it is built
without GHC's threaded runtime.)
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import json
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
        raise ToolError(
            f"pandoc not found ({exc}); install the project with "
            "'make install' so pypandoc-binary provides it"
        ) from None


def run_pandoc(
    args: Sequence[str], data: bytes, timeout: float = DEFAULT_TIMEOUT, heap_mb: int | None = None
) -> bytes:
    """Run pandoc on ``data`` (stdin) and return its stdout; ``heap_mb`` caps pandoc's
    heap (its runtime's ``-M``), for input that may be built to exhaust memory."""
    command = [pandoc_path(), "--sandbox", *args]
    try:
        done = subprocess.run(
            command,
            input=data,
            capture_output=True,
            timeout=timeout,
            check=False,
            env=_environment(heap_mb),
        )
    except subprocess.TimeoutExpired:
        raise RenderError(f"pandoc took longer than {timeout:g} s and was stopped") from None
    except OSError as exc:
        raise ToolError(f"cannot run pandoc: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        crashed = -done.returncode in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT)
        if heap_mb is not None and "exhausted" in " ".join(message[-3:]):
            raise RenderError(f"pandoc needed more than its {heap_mb} MB heap and was stopped")
        if "out of memory" in "".join(message[-1:]) or (crashed and memory_cap_mb() is not None):
            # pandoc inherits a worker's address-space cap, and a crash under it is the
            # cap: say so rather than print a signal number
            raise out_of_memory("pandoc")
        if done.returncode < 0:
            raise RenderError(f"pandoc was stopped by {signal.Signals(-done.returncode).name}")
        error = RenderError(f"pandoc failed: {message[-1] if message else done.returncode}")
        error.detail = "\n".join(message)  # all pandoc said: a reader's error names the line
        raise error
    return done.stdout


def _environment(heap_mb: int | None = None) -> dict[str, str]:
    if heap_mb is None:
        return {"GHCRTS": RUNTIME_OPTIONS, **os.environ}
    return {**os.environ, "GHCRTS": f"{RUNTIME_OPTIONS} -M{heap_mb}m"}


def _stopped(timeout: float) -> RenderError:
    return RenderError(f"pandoc took longer than {timeout:g} s and was stopped")


SCRIPT = Path(__file__).with_name("pandoc_worker.lua")
STOP_GRACE = 2.0  # seconds a resident pandoc is given to end on its own
TAB_STOP = 4  # the command line expands tabs before reading; the resident is given them so


def convert(
    request: dict[str, Any], text: str, args: Sequence[str], timeout: float = DEFAULT_TIMEOUT
) -> bytes:
    """One conversion of ``text`` by this process's resident pandoc (``request`` says
    which, see pandoc_worker.lua); the same as ``run_pandoc(args, text)``, which runs
    instead whenever the resident pandoc cannot answer."""
    answer = ask_resident(request, text, timeout)
    if answer is None:
        return run_pandoc(args, text.encode("utf-8"), timeout)
    return answer


def ask_resident(
    request: dict[str, Any], text: str, timeout: float = DEFAULT_TIMEOUT
) -> bytes | None:
    """The answer of this process's resident pandoc to ``request`` on ``text``; None if
    it cannot answer (no pandoc to start, or pandoc reported an error)."""
    return _RESIDENT.ask(request, text.expandtabs(TAB_STOP).encode("utf-8"), timeout)


def resident_cpu_seconds() -> float:
    """CPU seconds the live resident pandoc of this process has used (Linux; else 0).
    A resident pandoc that ended is counted in ``RUSAGE_CHILDREN`` once reaped."""
    return _RESIDENT.cpu_seconds()


class _Resident:
    """The resident pandoc of one process, started on first use."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.tmp = ""  # its temporary folder
        self.owner = 0  # the process that started it: a forked child starts its own
        self.lock = threading.Lock()
        atexit.register(self.stop)

    def _running(self) -> subprocess.Popen[bytes] | None:
        if self.process is not None and self.owner != os.getpid():
            self.process = None  # the parent's, inherited by fork: not ours to use
        if self.process is not None and self.process.poll() is not None:
            self.stop()  # it died: tidy up after it
        if self.process is None:
            # a temporary folder of its own, removed once it has ended, however it ended
            self.tmp = tempfile.mkdtemp(prefix="imprint-pandoc-")
            try:
                self.process = subprocess.Popen(
                    [pandoc_path(), "lua", str(SCRIPT)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    env={**_environment(), "TMPDIR": self.tmp},
                )
            except (OSError, ToolError):
                shutil.rmtree(self.tmp, ignore_errors=True)
                return None
            self.owner = os.getpid()
            # a worker process ends without atexit; multiprocessing still runs this, so
            # the resident pandoc is reaped there and its CPU time counted with the worker's
            from multiprocessing import util

            util.Finalize(self, self.stop, exitpriority=10)
        return self.process

    def ask(self, request: dict[str, Any], data: bytes, timeout: float) -> bytes | None:
        with self.lock:
            process = self._running()
            if process is None:
                return None
            assert process.stdin is not None  # opened with a pipe
            header = json.dumps({**request, "size": len(data)}).encode() + b"\n"
            try:
                process.stdin.write(header + data)
                process.stdin.flush()
                answer = self._read(process, time.monotonic() + timeout)
            except TimeoutError:
                self.stop(kill=True)
                raise _stopped(timeout) from None
            except (OSError, ValueError):  # it died: this conversion runs on its own
                self.stop()
                return None
            return answer

    @staticmethod
    def _read(process: subprocess.Popen[bytes], deadline: float) -> bytes | None:
        """The answer's bytes; None when pandoc reported an error."""
        assert process.stdout is not None  # opened with a pipe
        out = process.stdout.fileno()
        buffer, head = bytearray(), None
        with selectors.DefaultSelector() as selector:
            selector.register(out, selectors.EVENT_READ)
            while True:
                if head is None and b"\n" in buffer:
                    line, _, rest = bytes(buffer).partition(b"\n")
                    head, buffer = json.loads(line), bytearray(rest)
                    if not head.get("ok"):
                        return None
                if head is not None and len(buffer) >= head["size"]:
                    return bytes(buffer[: head["size"]])
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise TimeoutError
                chunk = os.read(out, 1 << 20)
                if not chunk:
                    raise OSError("pandoc ended")
                buffer += chunk

    def cpu_seconds(self) -> float:
        process = self.process
        if process is None or self.owner != os.getpid():
            return 0.0
        try:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, kill: bool = False) -> None:
        process, self.process = self.process, None
        if process is None or self.owner != os.getpid():
            return
        # the end of its input ends it, and pandoc then removes the temporary file its
        # Lua interpreter keeps; killed, it leaves it in its own folder, removed below
        try:
            if kill:
                raise subprocess.TimeoutExpired(process.args, 0)
            if process.stdin is not None:
                process.stdin.close()
            process.wait(timeout=STOP_GRACE)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()  # a conversion past its deadline, or it would not end
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


_RESIDENT = _Resident()


@functools.cache
def pandoc_version() -> str:
    out = subprocess.run([pandoc_path(), "--version"], capture_output=True, check=False)
    first = out.stdout.decode("utf-8", "replace").splitlines()
    return first[0].split()[-1] if first else "unknown"
