"""Writing outputs so that no reader ever sees half a file.

Every output is written to a hidden temporary file in the target's folder,
flushed to disk, and renamed over the target in one step. A build that is
interrupted leaves at most a temporary file, which the next build removes.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

TMP_PREFIX = ".imprint-"
_COMPRESSED = (".woff2", ".woff", ".jpg", ".jpeg", ".png", ".gif", ".webp")
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


def remove_stale_temporaries(folders: Iterable[Path]) -> int:
    """Delete temporary files a killed build left behind; return how many."""
    removed = 0
    for folder in folders:
        if not folder.is_dir():
            continue
        for stale in folder.glob(f"{TMP_PREFIX}*{TMP_SUFFIX}"):
            stale.unlink(missing_ok=True)
            removed += 1
    return removed


def normalise_zip(data: bytes, moment: datetime, first: str | None = None,
                  replace: dict[str, bytes] | None = None) -> bytes:
    """Rewrite a zip (EPUB, DOCX) with fixed entry times, so equal input gives equal bytes.

    ``first`` names an entry that must come first and be stored uncompressed
    (the EPUB ``mimetype``). ``replace`` swaps the content of named entries.
    """
    replace = replace or {}
    stamp = (max(1980, min(moment.year, 2107)), moment.month, moment.day,
             moment.hour, moment.minute, moment.second - moment.second % 2)
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
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
