"""Reproducible zip containers (EPUB, DOCX): fixed entry times and order."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

_COMPRESSED = (".woff2", ".woff", ".jpg", ".jpeg", ".png", ".gif", ".webp")


def normalise_zip(
    data: bytes, moment: datetime, first: str | None = None, replace: dict[str, bytes] | None = None
) -> bytes:
    """Rewrite a zip (EPUB, DOCX) with fixed entry times, so equal input gives equal bytes.

    ``first`` names an entry that must come first and be stored uncompressed
    (the EPUB ``mimetype``). ``replace`` swaps the content of named entries, and adds
    those the zip lacks (after its own).
    """
    replace = replace or {}
    stamp = (
        max(1980, min(moment.year, 2107)),
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second - moment.second % 2,
    )
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    names += [name for name in replace if name not in names]
    if first in names:
        names.remove(first)
        names.insert(0, first)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            # the first entry (EPUB's mimetype) and files that are compressed already
            # (fonts, photographs, PNGs) are stored: deflating them again costs time for
            # nothing
            stored = name == first or name.lower().endswith(_COMPRESSED)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            content = replace[name] if name in replace else source.read(name)
            target.writestr(info, content, compresslevel=None if stored else 9)
    return out.getvalue()
