"""Every place imprint reaches into another library's internals, in this one folder.

Each module here wraps a name another library does not document (a private ``_name``,
a function replaced for speed) and records in ``VERIFIED`` the exact versions of the
libraries it was checked against. It acts only when the installed versions are in
that set (:func:`verified`); otherwise it does nothing, imprint uses the library as it
comes, and a debug line says so. ``tests/renderers/test_gated.py`` fails when an
installed version is outside a set, so an upgrade is a deliberate act: run the
equality tests, then add the version.

The speed patches (:data:`SPEEDUPS`) change a library for a whole process, so they are
installed (:func:`install_speedups`) only in imprint's own processes: the ``imprint``
command and its build workers, never in a program that imports imprint.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from importlib import metadata

LOGGER = logging.getLogger("imprint.gated")

# the modules of this folder; a test checks the list is whole
WRAPPERS = ("pdf_streams", "pdf_ctypes", "weasyprint_boxes", "ebooklib_opf")
SPEEDUPS = ("pdf_streams", "pdf_ctypes")

_wanted = {"speedups": False}
_verdicts: dict[tuple[tuple[str, tuple[str, ...]], ...], bool] = {}


def installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def verified(versions: Mapping[str, tuple[str, ...]], what: str) -> bool:
    """Whether every distribution in ``versions`` is installed at a version listed for it."""
    key = tuple(sorted(versions.items()))
    if key not in _verdicts:
        found = {name: installed_version(name) for name in versions}
        _verdicts[key] = all(found[name] in allowed for name, allowed in versions.items())
        if not _verdicts[key]:
            LOGGER.debug("%s: verified on %s, found %s; not used", what, versions, found)
    return _verdicts[key]


def install_speedups() -> list[str]:
    """Install the speed patches in this process (imprint's own processes only); the
    names of those that took."""
    from . import pdf_ctypes, pdf_streams

    return [
        name
        for name, module in (("pdf_streams", pdf_streams), ("pdf_ctypes", pdf_ctypes))
        if module.install()
    ]


def use_speedups() -> None:
    """Say this process is imprint's own (the ``imprint`` command, a build worker): the
    speed patches are installed now if WeasyPrint is loaded, else when it is."""
    _wanted["speedups"] = True
    if "weasyprint" in sys.modules:
        install_speedups()


def speedups_wanted() -> bool:
    return _wanted["speedups"]
