"""BagIt bags checked as imprint reports them: ``imprint archive --verify`` names each
missing, unlisted or changed file in a line of its own words."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from ..errors import ImprintError, ToolError


def bagit_library() -> Any:
    """The bagit library, quiet: imprint reports what it finds."""
    import logging

    try:
        import bagit
    except ImportError:
        raise ToolError("the bagit library is not installed (pip install bagit)") from None
    logging.getLogger("bagit").setLevel(logging.ERROR)  # imprint reports what it finds
    return bagit


class ArchiveError(ImprintError):
    """A bag that fails validation: a file changed, missing or unlisted."""

    category = "archive"


def _fixity(bag, name: str, expected: dict[str, str]) -> list[str]:
    """The checksums of the file ``name`` (in the bag) that differ from its manifests'."""
    differ = []
    for algorithm, digest in sorted(expected.items()):
        found = hashlib.new(algorithm)
        with open(os.path.join(bag.path, name), "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                found.update(block)
        if found.hexdigest() != digest.lower():
            differ.append(algorithm)
    return differ


def verify(folder: Path) -> list[str]:
    """Every problem with the bag at ``folder``, fixity included: one line per file,
    in imprint's words (``path: archive: what is wrong``); an empty list for a valid bag."""
    bagit = bagit_library()
    try:
        bag = bagit.Bag(str(folder))
        missing, unlisted = bag.compare_manifests_with_fs()
        entries = {**bag.payload_entries(), **bag.tagfile_entries()}
    except (bagit.BagError, OSError) as exc:
        return [str(ArchiveError(" ".join(str(exc).split()), folder))]
    found: dict[str, str] = {}
    for name in missing:
        found[name] = "listed in the bag's manifest, but missing"
    for name in unlisted:
        found[name] = "in the bag, but not in its manifest"
    for name, expected in entries.items():
        if name in found or not os.path.isfile(os.path.join(bag.path, name)):
            continue
        differ = _fixity(bag, name, expected)
        if differ:
            found[name] = (
                f"changed since the bag was made (its {' and '.join(differ)} "
                "checksums differ from the manifest's)"
            )
    problems = [str(ArchiveError(found[name], folder / name)) for name in sorted(found)]
    if not problems:  # what is left for bagit to find: the bag's own declarations
        try:
            bag.validate(fast=True)
        except bagit.BagValidationError as exc:
            problems.append(str(ArchiveError(" ".join(str(exc.message).split()), folder)))
    return problems
