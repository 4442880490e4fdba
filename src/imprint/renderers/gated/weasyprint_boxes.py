"""Two WeasyPrint internals the PDF renderer reads: a laid-out page's box tree, and the
temporary folder a FontConfiguration deletes when it is collected.

:func:`page_box` gives the PDF renderer the widths of a page's running heads (without
it, the heads share their line as WeasyPrint lays them out on every page).
:func:`forget_font_folder` lets a forked process drop its parent's FontConfiguration
without deleting the folder the parent still reads; on another WeasyPrint the
configuration is kept alive instead, so it is never collected in the child.
"""

from __future__ import annotations

from typing import Any

from . import verified

VERIFIED = {"weasyprint": ("70.0",)}
_kept: list[Any] = []  # configurations a forked process holds on to (unverified WeasyPrint)


def page_box(page: Any) -> Any | None:
    """The box tree of a ``weasyprint.Page``, or None on an unverified WeasyPrint."""
    if not verified(VERIFIED, "weasyprint_boxes"):
        return None
    return getattr(page, "_page_box", None)


def forget_font_folder(config: Any) -> None:
    """Make sure ``config`` (a FontConfiguration inherited through a fork) never deletes
    its temporary folder from this process."""
    if verified(VERIFIED, "weasyprint_boxes") and hasattr(config, "_folder"):
        config._folder = None  # read by its __del__
    else:
        _kept.append(config)
