"""Writing outputs so that no reader ever sees half a file.

Every output is written to a hidden temporary file in the target's folder,
flushed to disk, and renamed over the target in one step. A build that is
interrupted leaves at most a temporary file, which the next build removes.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

TMP_PREFIX = ".imprint-"
TMP_SUFFIX = ".tmp"


def write_atomic(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{TMP_PREFIX}{target.name}.{os.getpid()}{TMP_SUFFIX}")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_if_changed(target: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless ``target`` holds it already (its mtime then stays,
    so an unchanged site is left untouched); True if it was written."""
    try:
        if target.stat().st_size == len(data) and target.read_bytes() == data:
            return False
    except OSError:
        pass
    write_atomic(target, data)
    return True


def remove_stale_temporaries(folders: Iterable[Path]) -> int:
    """Delete temporary files a killed build left behind; return how many."""
    removed = 0
    for folder in folders:
        try:
            entries = os.scandir(folder)  # an archive's folders hold tens of thousands
        except OSError:
            continue
        with entries:
            stale = [
                entry.path
                for entry in entries
                if entry.name.startswith(TMP_PREFIX) and entry.name.endswith(TMP_SUFFIX)
            ]
        for path in stale:
            Path(path).unlink(missing_ok=True)
            removed += 1
    return removed


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold Ctrl-C until the block ends, so an output that is written is also recorded
    (the interrupt is delivered, not lost, when the block is done)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
