"""Warnings as a person reads them: a cause that repeats across posts said once.

A build can raise the same warning for hundreds of posts ("no description"), or one kind
of warning about many names ("no bio for parkr", "no bio for jon-roberts"). The command
line prints such a cause on one line, with how many files and the first few of them;
``--verbose`` names them all. ``report.json`` keeps every warning as it was raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic

FIRST = 3  # files (or names) shown on a repeated warning's line
# kinds of warning about one name each: the name, and what the kind is said as
KINDS = (
    (re.compile(r"^(lint: no bio for )(.+?)( \(end the post.*)$"), "authors"),
    (re.compile(r"^(lint: image )(.+?)( has no alt text.*)$"), "images"),
    (re.compile(r"^(lint: heading )'(.+?)'( skips from level .*)$"), "headings"),
    (re.compile(r"^(raw HTML )(<[^>]*>)( removed: .*)$"), "elements"),
    (re.compile(r"^(image )(\S+)(: .*; its alt text is used instead)$"), "images"),
    (re.compile(r"^(PDF: \.notdef glyph .* unsupported by fonts: )(.+)()$"), "characters"),
    (re.compile(r"^(PDF: Failed to load image at )'(.+?)'(:) \w+: .*?( is not a .*)$"), "images"),
)


@dataclass
class _Cause:
    message: str
    kind: str = ""  # for a kind of warning: what its names are
    names: dict[str, None] = field(default_factory=dict)
    found: list[Diagnostic] = field(default_factory=list)


def warning_lines(warnings: Iterable[Diagnostic], verbose: bool = False) -> list[str]:
    """One line per warning raised once, and one per cause raised more than once, in
    the order the causes first came."""
    causes: dict[str, _Cause] = {}
    for diagnostic in warnings:
        key, kind, name = _cause_of(diagnostic.message)
        cause = causes.setdefault(key, _Cause(key, kind))
        if name:
            cause.names[name] = None
        cause.found.append(diagnostic)
    lines = []
    for cause in causes.values():
        if len(cause.found) == 1:  # a post's names its file; the site's, imprint
            only = cause.found[0]
            lines.append(str(only) if only.path else f"imprint: {only}")
            continue
        message = cause.message
        if cause.kind:
            if len(cause.names) == 1:
                message = cause.found[0].message
            else:
                shown = _some(list(cause.names), verbose, "", "; ")
                message = message.replace("\x00", f"[{len(cause.names)} {cause.kind}: {shown}]")
        lines.append(f"warning: {message} ({_where(cause.found, verbose)})")
    return lines


def _cause_of(message: str) -> tuple[str, str, str]:
    """The cause a message says (its kind with the name left out, for a kind), the
    kind's word for its names, and the name."""
    for pattern, kind in KINDS:
        match = pattern.match(message)
        if match:
            tail = "".join(part or "" for part in match.groups()[2:])
            return f"{match[1]}\x00{tail}", kind, _short(match[2])
    return message, "", ""


def _short(name: str) -> str:
    """A name as a line shows it: a long one (a data: URL) cut."""
    return name if len(name) <= 60 else f"{name[:57]}..."


def _where(found: list[Diagnostic], verbose: bool) -> str:
    places = list(dict.fromkeys(_place(d) for d in found))
    files = len({d.path for d in found})
    count = f"{files} file{'s' if files > 1 else ''}"
    if files != len(places):
        count = f"{len(places)} places in {count}"
    return f"{count}: {_some(places, verbose, ' (--verbose lists them)')}"


def _some(items: list[str], verbose: bool, hint: str, joint: str = ", ") -> str:
    shown = items if verbose else items[:FIRST]
    more = len(items) - len(shown)
    return joint.join(shown) + (f"{joint}and {more} more{hint}" if more else "")


def _place(diagnostic: Diagnostic) -> str:
    if not diagnostic.path:
        return "(no file)"
    return f"{diagnostic.path}:{diagnostic.line}" if diagnostic.line else diagnostic.path
