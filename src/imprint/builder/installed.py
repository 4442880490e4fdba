"""What is installed that shapes output bytes: part of every output's cache key.

Three kinds of input besides the posts and the project:

* the versions of imprint's whole runtime dependency closure, read from
  ``importlib.metadata`` (what ``imprint`` requires, what those require, and so on;
  an extra only where a requirement asks for it), and pandoc's own version;
* the system libraries that lay out and draw text, as this process loads them, by
  their own version calls: Pango, HarfBuzz, FreeType and fontconfig;
* the fonts: the file each of the brand's fallback families (and each generic
  family) resolves to, by content digest, and fontconfig's configuration (its files
  by digest, and every font file it knows by path, size and time), since Pango may
  fall back to any of them for a glyph the named fonts lack.

Each part is computed once per process. Reading the closure's metadata and
running ``pandoc --version`` cost a noticeable fraction of a no-op build, so their
results are kept in the user cache under a name made of what would change them
(the stat of every folder on ``sys.path``; pandoc's path, size and time).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from ..brand.store import entry_name, file_digest, get_or_make
from ..config import user_cache_dir
from ..errors import ImprintError

ROOT_DISTRIBUTION = "imprint"
GENERIC_FAMILIES = ("serif", "sans-serif", "monospace")
# the names WeasyPrint opens each library by, in its order (one per platform)
LIBRARIES = {
    "pango": ("libpango-1.0-0", "pango-1.0-0", "pango-1.0", "libpango-1.0.so.0",
              "libpango-1.0.dylib", "libpango-1.0-0.dll"),
    "harfbuzz": ("libharfbuzz-0", "harfbuzz", "harfbuzz-0.0", "libharfbuzz.so.0",
                 "libharfbuzz.0.dylib", "libharfbuzz-0.dll"),
    "fontconfig": ("libfontconfig-1", "fontconfig-1", "fontconfig", "libfontconfig.so.1",
                   "libfontconfig.1.dylib", "libfontconfig-1.dll"),
    "freetype": ("libfreetype-6", "freetype-6", "freetype", "libfreetype.so.6",
                 "libfreetype.6.dylib", "libfreetype-6.dll"),
}  # fmt: skip


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _cached_json(name: str, make) -> object:
    """``make()``'s JSON-able value, kept in the user cache as ``installed/<name>``."""
    path = user_cache_dir() / "installed" / f"{name}.json"
    return json.loads(get_or_make(path, lambda: json.dumps(make(), sort_keys=True).encode()))


def _path_stamp() -> str:
    """What changes when a distribution is installed, upgraded or removed: each folder
    on ``sys.path`` that holds distributions, with its modification time (a dist-info
    folder comes or goes)."""
    parts = []
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as names:
                if any(n.name.endswith((".dist-info", ".egg-info")) for n in names):
                    parts.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            continue
    return entry_name("distributions", sys.version, parts)


@functools.cache
def distribution_versions() -> dict[str, str]:
    """``{name: version}`` for imprint's runtime dependency closure (``absent`` for a
    requirement that is not installed)."""
    return dict(_cached_json(_path_stamp(), _closure))  # type: ignore[call-overload]


def _closure() -> dict[str, str]:
    from importlib import metadata

    from packaging.requirements import InvalidRequirement, Requirement

    found: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo: list[tuple[str, frozenset[str]]] = [(ROOT_DISTRIBUTION, frozenset())]
    while todo:
        name, extras = todo.pop()
        if (_canonical(name), extras) in seen:
            continue
        seen.add((_canonical(name), extras))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            found.setdefault(_canonical(name), "absent")
            continue
        found[_canonical(dist.metadata["Name"] or name)] = dist.version
        for line in dist.requires or []:
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue
            marker = requirement.marker
            # a requirement of an extra counts only when that extra was asked for
            if marker is not None and not any(
                marker.evaluate({"extra": extra}) for extra in (*extras, "")
            ):
                continue
            todo.append((requirement.name, frozenset(requirement.extras)))
    return dict(sorted(found.items()))


@functools.cache
def pandoc_version() -> str:
    """The first line of ``pandoc --version`` of the pandoc imprint runs."""
    from ..source.pandoc import pandoc_path

    try:
        path = pandoc_path()
        info = os.stat(path)
    except (OSError, ImprintError):  # no pandoc: the build reports that itself
        return "absent"

    def ask() -> str:
        try:
            done = subprocess.run(
                [path, "--version"], capture_output=True, text=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return "unknown"
        return (done.stdout.splitlines() or ["unknown"])[0].strip()

    name = entry_name("pandoc", path, info.st_size, info.st_mtime_ns, info.st_ino)
    return str(_cached_json(name, ask))


def _open(kind: str) -> ctypes.CDLL | None:
    for name in LIBRARIES[kind]:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


@functools.cache
def library_versions() -> dict[str, str]:
    """Each text library's version, from its own version call (``absent`` if missing)."""
    found = dict.fromkeys(LIBRARIES, "absent")
    pango = _open("pango")
    if pango is not None:
        pango.pango_version_string.restype = ctypes.c_char_p
        found["pango"] = pango.pango_version_string().decode()
    harfbuzz = _open("harfbuzz")
    if harfbuzz is not None:
        harfbuzz.hb_version_string.restype = ctypes.c_char_p
        found["harfbuzz"] = harfbuzz.hb_version_string().decode()
    fontconfig = _open("fontconfig")
    if fontconfig is not None:
        number = fontconfig.FcGetVersion()  # major * 10000 + minor * 100 + revision
        found["fontconfig"] = f"{number // 10000}.{number // 100 % 100}.{number % 100}"
    freetype = _open("freetype")
    if freetype is not None:
        library = ctypes.c_void_p()
        if freetype.FT_Init_FreeType(ctypes.byref(library)) == 0:
            major, minor, patch = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
            freetype.FT_Library_Version(
                library, ctypes.byref(major), ctypes.byref(minor), ctypes.byref(patch)
            )
            freetype.FT_Done_FreeType(library)
            found["freetype"] = f"{major.value}.{minor.value}.{patch.value}"
    return found


class _FontSet(ctypes.Structure):
    """fontconfig's public ``FcFontSet``."""

    _fields_ = (
        ("nfont", ctypes.c_int),
        ("sfont", ctypes.c_int),
        ("fonts", ctypes.POINTER(ctypes.c_void_p)),
    )


def _fontconfig() -> ctypes.CDLL | None:
    fc = _open("fontconfig")
    if fc is None:
        return None
    fc.FcInitLoadConfigAndFonts.restype = ctypes.c_void_p
    fc.FcConfigDestroy.argtypes = (ctypes.c_void_p,)
    fc.FcConfigGetFonts.restype = ctypes.POINTER(_FontSet)
    fc.FcConfigGetFonts.argtypes = (ctypes.c_void_p, ctypes.c_int)
    fc.FcConfigGetConfigFiles.restype = ctypes.c_void_p
    fc.FcConfigGetConfigFiles.argtypes = (ctypes.c_void_p,)
    fc.FcStrListNext.restype = ctypes.c_char_p
    fc.FcStrListNext.argtypes = (ctypes.c_void_p,)
    fc.FcStrListDone.argtypes = (ctypes.c_void_p,)
    fc.FcNameParse.restype = ctypes.c_void_p
    fc.FcNameParse.argtypes = (ctypes.c_char_p,)
    fc.FcConfigSubstitute.argtypes = (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
    fc.FcDefaultSubstitute.argtypes = (ctypes.c_void_p,)
    fc.FcFontMatch.restype = ctypes.c_void_p
    fc.FcFontMatch.argtypes = (ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int))
    fc.FcPatternGetString.argtypes = (
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_char_p),
    )
    fc.FcPatternDestroy.argtypes = (ctypes.c_void_p,)
    return fc


def _file_of(fc: ctypes.CDLL, pattern: int | None) -> str | None:
    value = ctypes.c_char_p()
    if not pattern or fc.FcPatternGetString(pattern, b"file", 0, ctypes.byref(value)) != 0:
        return None
    return os.fsdecode(value.value or b"")


@functools.cache
def font_digests(families: tuple[str, ...] = ()) -> dict[str, str]:
    """The fonts text may be drawn in besides the brand's own files: for each of
    ``families`` and each generic family, the file fontconfig matches it to, by content;
    fontconfig's configuration files by content; and every font file it knows, by path,
    size and time (one digest)."""
    fc = _fontconfig()
    if fc is None:
        return {"fontconfig": "absent"}
    config = fc.FcInitLoadConfigAndFonts()
    try:
        found: dict[str, str] = {}
        for family in dict.fromkeys((*families, *GENERIC_FAMILIES)):
            pattern = fc.FcNameParse(family.encode())
            fc.FcConfigSubstitute(config, pattern, 0)  # FcMatchPattern
            fc.FcDefaultSubstitute(pattern)
            result = ctypes.c_int()
            match = fc.FcFontMatch(config, pattern, ctypes.byref(result))
            fc.FcPatternDestroy(pattern)
            path = _file_of(fc, match)
            if match:
                fc.FcPatternDestroy(match)
            found[f"family:{family}"] = (
                f"{path}:{_content_digest(Path(path))}" if path else "no match"
            )
        names = fc.FcConfigGetConfigFiles(config)
        files = []
        while names and (name := fc.FcStrListNext(names)) is not None:
            files.append(os.fsdecode(name))
        if names:
            fc.FcStrListDone(names)
        for name in sorted(files):
            found[f"config:{name}"] = _config_digest(Path(name))
        fonts = fc.FcConfigGetFonts(config, 0)  # FcSetSystem
        known = []
        if fonts:
            for index in range(fonts.contents.nfont):
                path = _file_of(fc, fonts.contents.fonts[index])
                if path:
                    known.append(path)
        found["known"] = _stats_digest(sorted(set(known)))
        return found
    finally:
        fc.FcConfigDestroy(config)


def _stats_digest(paths: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        try:
            info = os.stat(path)
            digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        except OSError:
            digest.update(f"{path}\0absent\n".encode())
    return digest.hexdigest()


def _content_digest(path: Path) -> str:
    """A font file's sha256, kept in the user cache under its path, size and time (a CJK
    font is tens of megabytes: read once, not once per build)."""
    try:
        info = path.stat()
    except OSError:
        return "absent"
    name = entry_name("digest", str(path), info.st_size, info.st_mtime_ns, info.st_ino)
    return str(_cached_json(name, lambda: file_digest(path)))


def _config_digest(path: Path) -> str:
    """A configuration file by content; a folder of them by its names (fontconfig
    lists each file in it as well)."""
    try:
        return " ".join(sorted(os.listdir(path))) if path.is_dir() else file_digest(path)
    except OSError:
        return "absent"


def installed_key(fallback_families: Iterable[str] = ()) -> str:
    """One digest of everything above (``fallback_families``: the brand's)."""
    parts = {
        "distributions": distribution_versions(),
        "pandoc": pandoc_version(),
        "libraries": library_versions(),
        "fonts": font_digests(tuple(sorted(set(fallback_families)))),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
