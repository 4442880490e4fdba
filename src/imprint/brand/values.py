"""The values a brand is made of, and how each is read: CSS colours and lengths,
page sizes, printer's marks, and fonts from ``fontpkg`` packages or font files.

These are below both the table of ``brand.toml``'s options (``options``) and the
``Brand`` built from it (``tokens``).
"""

from __future__ import annotations

import functools
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PAGE_SIZES = {
    "A4": ("210mm", "297mm"),
    "A5": ("148mm", "210mm"),
    "B5": ("176mm", "250mm"),
    "LETTER": ("8.5in", "11in"),
    "LEGAL": ("8.5in", "14in"),
}
COLOR_ROLES = ("primary", "accent", "text", "muted", "background")
FONT_ROLES = ("body", "headings", "monospace")
GENERIC_FAMILIES = {"body": "serif", "headings": "sans-serif", "monospace": "monospace"}
MARKS = ("crop", "cross", "crop cross", "none")

LENGTH = r"-?(?:\d+(?:\.\d+)?|\.\d+)(?:mm|cm|in|pt|pc|px|em|rem)|0"
_POINTS = {"pt": 1.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0, "pc": 12.0, "px": 0.75}


def css_string(text: str) -> str:
    """``text`` as a CSS string literal, safe inside a ``<style>`` element too."""
    cleaned = " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + cleaned.replace("<", "\\3c ") + '"'


def css_points(length: str) -> float:
    """An absolute CSS length (``3mm``, ``0.125in``, ``9pt``) in PDF points."""
    match = re.fullmatch(r"((?:\d+(?:\.\d+)?|\.\d+))(mm|cm|in|pt|pc|px)", length.strip())
    if match is None:
        raise ValueError(f"{length!r} is not an absolute CSS length such as '3mm'")
    return float(match[1]) * _POINTS[match[2]]


def colour_rgb(value: str) -> tuple[int, int, int]:
    """A CSS colour (hex, rgb(), hsl() or a named colour) as red, green, blue."""
    from PIL import ImageColor

    return ImageColor.getrgb(value.strip())[:3]


def colour_hex(value: str) -> str:
    return "{:02X}{:02X}{:02X}".format(*colour_rgb(value))


def is_css_colour(value: Any) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    try:
        colour_rgb(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class FontFile:
    path: Path
    style: str  # normal | italic
    weight: int | None  # None: a variable font covering the weights


@dataclass(frozen=True, slots=True)
class Font:
    family: str
    files: tuple[FontFile, ...]
    generic: str  # serif, sans-serif, monospace: the last fallback

    def stack(self, fallbacks: tuple[str, ...] = ()) -> str:
        names = [self.family, *fallbacks]
        return ", ".join([f'"{n}"' for n in names] + [self.generic])


@functools.cache
def system_families() -> frozenset[str]:
    """Font families fontconfig knows (case-folded); empty when fc-list is missing."""
    try:
        listing = subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(
        name.strip().casefold()
        for line in listing.splitlines()
        for name in line.split(",")
        if name.strip()
    )


def find_font(spec: str, folder: Path, generic: str) -> Font:
    """A font from an installed ``fontpkg-*`` package, or from a file path."""
    candidate = folder / spec
    if spec.lower().endswith((".ttf", ".otf", ".woff", ".woff2")):
        if not candidate.is_file():
            raise ValueError(f"font file {spec!r} not found")
        return Font(candidate.stem, (FontFile(candidate.resolve(), "normal", None),), generic)
    import fontpkg

    try:
        family = fontpkg.family(spec)
    except fontpkg.FontpkgError:
        slug = re.sub(r"[^a-z0-9]+", "-", spec.lower()).strip("-")
        raise ValueError(
            f"font family {spec!r} is not installed "
            f"(add fontpkg-{slug} to the project's dependencies)"
        ) from None
    files = tuple(FontFile(f.path, f.style, None if f.variable else f.weight) for f in family.files)
    return Font(family.name, files, generic)
