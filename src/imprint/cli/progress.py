"""Progress of long commands on stderr: a live line at a terminal, a line per step elsewhere.

``imprint check``, ``archive`` and ``collection`` run for tens of seconds; a person at a
terminal sees a spinner with the step under way and the time so far (rich, as
``build`` shows its bar), and a log or CI sees one plain line per step.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any


class Steps:
    """Say each step of a long command as it starts; use as a context manager."""

    def __init__(self, command: str) -> None:
        self.command = command
        self.started = time.perf_counter()
        self.live: Any = None  # a rich Status at a terminal

    def __enter__(self) -> Steps:
        if sys.stderr.isatty():
            from rich.console import Console

            self.live = Console(stderr=True).status(f"imprint {self.command}")
            self.live.start()
        return self

    def __call__(self, step: str) -> None:
        elapsed = time.perf_counter() - self.started
        if self.live is not None:
            self.live.update(f"imprint {self.command}: {step} ({elapsed:.0f} s)")
        else:
            print(f"imprint {self.command}: {step}", file=sys.stderr, flush=True)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.live is not None:
            self.live.stop()
