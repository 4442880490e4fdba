"""Front matter values read the way the field needs them.

The YAML loader keeps unquoted scalars as text (``Plain``); these helpers give
each field its type: text stays what the author typed (``version: 3.0`` is the
string ``"3.0"``), booleans accept YAML 1.1's words, lists accept a single value.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..source.frontmatter import Plain

_TRUE = {"true", "yes", "on", "y"}
_FALSE = {"false", "no", "off", "n"}


class FieldError(ValueError):
    """A value of the wrong shape for its field."""


def text(value: Any) -> str | None:
    """One line or paragraph of text; None when absent or empty."""
    if value is None:
        return None
    if isinstance(value, bool):  # only from quoted YAML we never produce; kept for callers
        return "true" if value else "false"
    if isinstance(value, str | int | float | date):
        out = str(value).strip()
        return out or None
    kind = "a list" if isinstance(value, list) else "a mapping"
    raise FieldError(f"expected text, found {kind}")


def flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise FieldError(f"expected true or false, found {value!r}")


def text_list(value: Any, split_words: bool = False) -> tuple[str, ...]:
    """A list of short texts: a YAML list, or one string (comma- or space-separated)."""
    if value is None:
        return ()
    if isinstance(value, list):
        items = [text(v) if not isinstance(v, list | dict) else None for v in value]
        return tuple(dict.fromkeys(i for i in items if i))
    single = text(value)
    if not single:
        return ()
    if "," in single:
        parts = single.split(",")
    elif split_words and isinstance(value, Plain):
        parts = single.split()
    else:
        parts = [single]
    return tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))


def first(meta: dict[str, Any], *keys: str) -> tuple[str | None, Any]:
    """The first of ``keys`` present in ``meta`` (with a non-null value)."""
    for key in keys:
        if meta.get(key) is not None:
            return key, meta[key]
    return None, None
