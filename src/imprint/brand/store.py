"""The user cache of derived brand assets: font cuts, pinned fonts, covers, logos,
DOCX reference documents and compiled templates.

Each entry is a pure function of its inputs, so it can be shared by every
project and every process on a machine. An entry is written whole: to a
temporary file beside it, then renamed over it, so a reader finds the old
bytes, the new bytes or nothing.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

TMP_PREFIX = ".imprint-"
TMP_SUFFIX = ".tmp"


def put(path: Path, data: bytes) -> None:
    """Store ``data`` at ``path``, whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=TMP_PREFIX,
                                     suffix=TMP_SUFFIX, delete=False) as handle:
        try:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        except BaseException:
            handle.close()
            with contextlib.suppress(OSError):
                os.unlink(handle.name)
            raise
    os.replace(handle.name, path)
