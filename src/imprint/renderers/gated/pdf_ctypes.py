"""C array types for WeasyPrint's font subsetting, made without running a C parser.

When WeasyPrint subsets a font for a PDF it asks cffi for arrays of glyph numbers by
their C declaration with the length written in, ``hb_codepoint_t[217]``. cffi keeps
each declaration it has parsed, but a length not seen before is a declaration not seen
before, and cffi parses it with pycparser behind every type name WeasyPrint declares:
about 5 ms each. Nearly every font of nearly every PDF has a glyph count of its own,
so on the corpus's posts that was 7 % of a PDF's CPU time, and 0.05-0.1 s of each
worker's first PDF.

:func:`install` gives WeasyPrint's ``ffi`` a cache of parsed types that makes ``T[N]``
for a type ``T`` it already knows from ``T`` itself: the same cffi array type
(``model.ArrayType``, through cffi's own cache of backend types) the parser would have
led to, so the arrays and the PDFs are the same. Anything else is parsed as before.
:func:`install` acts only on the cffi and WeasyPrint versions in :data:`VERIFIED`, and
otherwise leaves cffi alone.
"""

from __future__ import annotations

import re
from typing import Any

from . import verified

VERIFIED = {"cffi": ("2.1.1",), "weasyprint": ("70.0",)}
ARRAY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\[([0-9]{1,9})\]")
_state: dict[str, Any] = {"installed": False}


class _ParsedTypes(dict[Any, Any]):
    """cffi's record of the declarations it has parsed (declaration -> (ctype, whether a
    function type)), which also knows ``T[N]`` for every ``T`` it has met."""

    def __init__(self, ffi: Any, model: Any, known: dict[Any, Any]) -> None:
        super().__init__(known)
        self._ffi, self._model = ffi, model
        self._items: dict[str, Any] = {}  # item type name -> cffi's model of it

    def __missing__(self, cdecl: Any) -> tuple[Any, bool]:
        match = ARRAY.fullmatch(cdecl) if isinstance(cdecl, str) else None
        if match is None:
            raise KeyError(cdecl)
        name, length = match.group(1), int(match.group(2))
        ffi = self._ffi
        with ffi._lock:  # what cffi holds while it makes types
            item = self._items.get(name)
            if item is None:  # parsed once per item type
                try:
                    item = ffi._parser.parse_type(name)
                except Exception:
                    raise KeyError(cdecl) from None
                self._items[name] = item
            if item.is_raw_function:  # an array of functions: cffi's own path refuses it
                raise KeyError(cdecl)
            result = (ffi._get_cached_btype(self._model.ArrayType(item, length)), False)
        self[cdecl] = result
        return result


def install() -> bool:
    """From now on in this process, WeasyPrint's ``ffi`` makes ``T[N]`` without parsing
    (called once WeasyPrint is imported)."""
    if not _state["installed"] and verified(VERIFIED, "pdf_ctypes"):
        from cffi import model
        from weasyprint.text.ffi import ffi

        known = getattr(ffi, "_parsed_types", None)
        usable = (
            type(known) is dict
            and hasattr(model, "ArrayType")
            and all(hasattr(ffi, name) for name in ("_lock", "_get_cached_btype", "_parser"))
        )
        if usable and isinstance(known, dict):  # otherwise another cffi: its own path
            ffi._parsed_types = _ParsedTypes(ffi, model, known)
        _state["installed"] = usable
    return _state["installed"]
