"""bagit's completeness and fixity checks, run on their own.

``Bag.validate`` stops at the first failing step: when the Payload-Oxum count is wrong
it names no file. :func:`file_checks` are the steps after it, so the archive check can
still say which files are missing, unexpected or changed. On an unverified bagit
there are none, and the count's own message is all that is said.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import verified

VERIFIED = {"bagit": ("1.9.0",)}


def file_checks(bag: Any) -> list[Callable[[], Any]]:
    """The checks that name files, each raising ``bagit.BagValidationError``."""
    if not verified(VERIFIED, "bagit_checks"):
        return []
    return [bag._validate_completeness, lambda: bag._validate_entries(1)]
