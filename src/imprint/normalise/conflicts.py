"""Merge-conflict markers that were committed by mistake.

A post with ``<<<<<<< HEAD`` … ``=======`` … ``>>>>>>> branch`` in it still
builds (both sides print), but the author needs to know, on the line where the
conflict starts. Markers inside fenced code are an example, not a conflict.
"""

from __future__ import annotations

import re

from .excerpt import outside_fences

_START = re.compile(r"^<{7}(?: |$)")
_MIDDLE = re.compile(r"^={7}\s*$")
_END = re.compile(r"^>{7}(?: |$)")


def conflict_lines(text: str) -> list[int]:
    """0-based lines where a complete conflict (start, middle, end) begins."""
    lines = text.split("\n")
    text_lines = outside_fences(lines)
    found: list[int] = []
    start: int | None = None
    middle = False
    for index, line in enumerate(lines):
        if not text_lines[index]:
            continue
        if _START.match(line):
            start, middle = index, False
        elif _MIDDLE.match(line) and start is not None:
            middle = True
        elif _END.match(line) and start is not None and middle:
            found.append(start)
            start = None
    return found
