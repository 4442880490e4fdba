"""The cache of derived brand assets: font cuts, pinned fonts, logos, DOCX reference
documents and compiled templates; and the content digests that name them.

Each entry is a pure function of its inputs and is named by a digest of those
inputs (:func:`entry_name`): the content digests of the files it is made from,
its parameters and the versions of the code that makes it. It holds no time
of its own making. So a cold cache, a warm one and another machine's give the
same bytes, and an entry can be shared by every project and process on a
machine. An entry is written whole: to a temporary file beside it, then
renamed over it, so a reader finds the old bytes, the new bytes or nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

LOGGER = logging.getLogger("imprint.cache")

TMP_PREFIX = ".imprint-"
TMP_SUFFIX = ".tmp"


def put(path: Path, data: bytes) -> None:
    """Store ``data`` at ``path``, whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "wb", dir=path.parent, prefix=TMP_PREFIX, suffix=TMP_SUFFIX, delete=False
    ) as handle:
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


# --- content digests: what names an entry, and what keys a build ---------------------------

_FILE_DIGESTS: dict[tuple[str, int, int, int], str] = {}


def file_digest(path: Path) -> str:
    """The sha256 of a file's bytes, read once per process while its stat is unchanged."""
    stat = path.stat()
    memo = (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    if memo not in _FILE_DIGESTS:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _FILE_DIGESTS[memo] = digest.hexdigest()
    return _FILE_DIGESTS[memo]


def tree_digest(folder: Path) -> str:
    """A digest of every file under ``folder``: names and contents."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts:
                continue
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(file_digest(path).encode() + b"\0")
    return digest.hexdigest()


def entry_name(*inputs: object) -> str:
    """A cache entry's name: a digest of the inputs it is a pure function of. Pass
    content digests, parameters and the versions of the code that makes it."""
    return hashlib.sha256(repr(inputs).encode()).hexdigest()[:32]


def get_or_make(path: Path | None, make: Callable[[], bytes]) -> bytes:
    """The entry at ``path``, made (and stored) when it is not there yet. A cache that
    cannot be written costs time, never the output."""
    if path is not None and path.is_file():
        return path.read_bytes()
    data = make()
    if path is not None:
        try:
            put(path, data)
        except OSError as exc:
            LOGGER.debug("cannot keep %s in the cache: %s", path.name, exc)
    return data
