"""Writing a PDF: each stream compressed once.

pydyf, WeasyPrint's PDF writer, serialises every object twice when the PDF has a
file identifier, as imprint's always do: once to write it, and once more to hash
the whole file for the identifier's second half, and serialising a stream
compresses it. While a PDF is written, each stream's bytes are kept the first time
they are made and handed out again the second time (nothing is kept once the PDF
is written). The bytes are exactly pydyf's own, so a PDF is the same whether a
process has this installed or not. :func:`install` acts only on the pydyf versions
in :data:`VERIFIED`, and otherwise leaves pydyf alone.
"""

from __future__ import annotations

import functools
import threading
import zlib
from typing import Any

from . import verified

VERIFIED = {"pydyf": ("0.13.0",)}
_local = threading.local()  # .memo: id(stream) -> (stream, bytes) while a PDF is written
_state: dict[str, Any] = {"installed": False, "originals": None}


def install() -> bool:
    """From now on in this process, pydyf serialises each stream once per PDF it writes."""
    if _state["installed"]:
        return True
    if not verified(VERIFIED, "pdf_streams"):
        return False
    try:
        import pydyf
    except ImportError:  # pragma: no cover - WeasyPrint without pydyf does not exist
        return False
    data = pydyf.Stream.__dict__.get("data")
    write = pydyf.PDF.__dict__.get("write")
    if (
        not isinstance(data, property)
        or data.fget is None
        or write is None
        or getattr(pydyf, "zlib", None) is not zlib
    ):
        return False  # pragma: no cover - another pydyf: its own path, unchanged
    serialise = data.fget

    def stream_data(stream: Any) -> bytes:
        memo = getattr(_local, "memo", None)
        if memo is None:
            return serialise(stream)
        kept = memo.get(id(stream))
        if kept is None:  # the stream is kept too, so its id is not reused meanwhile
            kept = memo[id(stream)] = (stream, serialise(stream))
        return kept[1]

    @functools.wraps(write)
    def write_once(pdf: Any, *args: Any, **kwargs: Any) -> Any:
        outer = getattr(_local, "memo", None)
        _local.memo = {}
        try:
            return write(pdf, *args, **kwargs)
        finally:
            _local.memo = outer

    _state["originals"] = (data, write)
    pydyf.Stream.data = property(stream_data, doc=data.__doc__)
    pydyf.PDF.write = write_once
    _state["installed"] = True
    return True


def uninstall() -> None:
    """pydyf as it comes again (to compare its output with this one's)."""
    if _state["installed"]:
        import pydyf

        pydyf.Stream.data, pydyf.PDF.write = _state["originals"]
        _state.update(installed=False, originals=None)
