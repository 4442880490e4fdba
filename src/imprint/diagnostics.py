"""Warnings about content: counted, reported, and fatal under ``--strict``.

Library code never prints. A warning is a :class:`Diagnostic`; while a build
collects (see :func:`collecting`) it is appended to the current job's list and
travels back with the job's result, even from a worker process. Outside a
collection it goes to the ``imprint`` logger, which only ``cli.py`` connects to
the terminal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

LOGGER = logging.getLogger("imprint")
LOGGER.addHandler(logging.NullHandler())

_sink: ContextVar[list[Diagnostic] | None] = ContextVar("imprint_diagnostics", default=None)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    message: str
    path: str | None = None
    line: int | None = None
    code: str = "content"

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}warning: {self.message}"


def warn(
    message: str, path: Path | str | None = None, line: int | None = None, code: str = "content"
) -> Diagnostic:
    """Report a problem that does not stop the build."""
    diagnostic = Diagnostic(message, str(path) if path is not None else None, line, code)
    sink = _sink.get()
    if sink is None:
        LOGGER.warning("%s", diagnostic)
    elif diagnostic not in sink:
        sink.append(diagnostic)
    return diagnostic


def replay(diagnostics: list[Diagnostic]) -> None:
    """Report again, here, warnings gathered elsewhere (in a worker process)."""
    for diagnostic in diagnostics:
        warn(diagnostic.message, diagnostic.path, diagnostic.line, diagnostic.code)


@contextmanager
def collecting() -> Iterator[list[Diagnostic]]:
    """Gather the warnings raised inside the block instead of logging them."""
    found: list[Diagnostic] = []
    token = _sink.set(found)
    try:
        yield found
    finally:
        _sink.reset(token)


@contextmanager
def gathering_logged(name: str, code: str) -> Iterator[list[Diagnostic]]:
    """Gather the warnings logged on the logger ``name`` inside the block (by any
    thread) as diagnostics of kind ``code``, instead of logging them: a pass that logs
    its warnings has them counted and reported with the others."""
    found: list[Diagnostic] = []
    lock = threading.Lock()

    def gather(record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        diagnostic = Diagnostic(record.getMessage(), code=code)
        with lock:
            if diagnostic not in found:
                found.append(diagnostic)
        return False  # not logged as well

    logger = logging.getLogger(name)
    logger.addFilter(gather)
    try:
        yield found
    finally:
        logger.removeFilter(gather)
