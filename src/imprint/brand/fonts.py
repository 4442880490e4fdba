"""Fonts made from the brand's font files: web fonts for HTML pages and EPUB books, and
static print instances of its variable fonts for PDFs.

PDF embeds its own subsets (WeasyPrint does that per document). A web page or
an e-book needs font files of its own: shipping the brand's variable fonts
whole would add megabytes to every EPUB. The kit instead holds one static
instance per face a document uses (body 400/700 and italic, headings 400/700,
monospace 400), cut with HarfBuzz to the Latin, Greek, Cyrillic and
punctuation ranges the brand fonts cover, and compressed as WOFF2: about
25 KB a face. Scripts the brand fonts lack fall back to the system families
the brand declares.

A kit depends only on the brand, so it is made once per brand and kept in the
cache folder; making one takes well under a second.

A PDF cannot use a variable font's axes: WeasyPrint would pin each variable font it
embeds, for every document, at the weight and size of the text (fontTools' instancer,
seconds a font). :class:`PrintFonts` pins them once per brand instead, at each weight
the print stylesheets can ask for and at the optical size of the brand's body text,
with HarfBuzz's instancer, whose outlines and advances are those of fontTools'; the
print stylesheet names those static fonts, so WeasyPrint only subsets them.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from pathlib import Path

from . import store
from .tokens import Brand, Font, css_points, stylesheet_path

# What a web font must carry for the brand's own scripts: Latin (with
# extensions), Greek, Cyrillic, general punctuation, currency, arrows, and the
# typographic symbols posts use.
WEB_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x024F),
    (0x0259, 0x0259),
    (0x02B0, 0x02FF),
    (0x0300, 0x036F),
    (0x0370, 0x03FF),
    (0x0400, 0x04FF),
    (0x1E00, 0x1EFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20BF),
    (0x2100, 0x214F),
    (0x2190, 0x21FF),
    (0x2212, 0x2215),
    (0xFB00, 0xFB06),
)


@dataclass(frozen=True, slots=True)
class Face:
    role: str  # body | headings | monospace
    style: str  # normal | italic
    weight: int

    @property
    def key(self) -> str:
        return f"{self.role}-{self.style}-{self.weight}"


CUT_FORMAT = "2"  # part of a cut's cache name: bump when cutting changes its output
FACES: tuple[Face, ...] = (
    Face("body", "normal", 400),
    Face("body", "italic", 400),
    Face("body", "normal", 700),
    Face("headings", "normal", 400),
    Face("headings", "normal", 700),
    Face("monospace", "normal", 400),
)


def faces_for(html: str) -> tuple[Face, ...]:
    """The faces a page needs: the usual ones, plus italic, bold and code when it has them."""
    needed = {"body-normal-400", "headings-normal-400", "headings-normal-700"}
    if re.search(r"<(em|i|cite|var|dfn)[\s>]", html):
        needed.add("body-italic-400")
    if re.search(r"<(strong|b|dt)[\s>]", html):
        needed.add("body-normal-700")
    if re.search(r"<(code|pre|kbd|samp)[\s>]", html):
        needed.add("monospace-normal-400")
    return tuple(face for face in FACES if face.key in needed)


def _source_file(font: Font, face: Face) -> tuple[Path, bool]:
    """The font file for a face, and whether it is variable (to be pinned)."""
    same_style = [f for f in font.files if f.style == face.style] or list(font.files)
    variable = [f for f in same_style if f.weight is None]
    if variable:
        return variable[0].path, True
    best = min(same_style, key=lambda f: abs((f.weight or 400) - face.weight))
    return best.path, False


def cut(path: Path, weight: int, pin: bool) -> bytes:
    """A static WOFF2 of ``path`` at ``weight``, cut to the web ranges."""
    import uharfbuzz as hb
    from fontTools.ttLib import TTFont

    face = hb.Face(hb.Blob(path.read_bytes()))
    request = hb.SubsetInput()
    for start, end in WEB_RANGES:
        for codepoint in range(start, end + 1):
            request.unicode_set.add(codepoint)
    if pin:
        for axis in face.axis_infos:
            value = float(weight) if axis.tag == "wght" else axis.default_value
            request.pin_axis_location(
                face, axis.tag, min(max(value, axis.min_value), axis.max_value)
            )
    subset = hb.subset(face, request)
    # keep the source font's own head.modified: a cut is a function of its inputs only
    font = TTFont(io.BytesIO(bytes(subset.blob.data)), recalcTimestamp=False)
    font.flavor = "woff2"
    out = io.BytesIO()
    font.save(out, reorderTables=False)
    return out.getvalue()


def _versions() -> str:
    import uharfbuzz
    from fontTools import version as fonttools

    return f"uharfbuzz {uharfbuzz.__version__}; fonttools {fonttools}"


_MEMORY: dict[tuple[str, str], bytes] = {}  # (brand digest, face) -> WOFF2, per process


class FontKit:
    """The brand's web fonts, made on first use and kept on disk per brand."""

    def __init__(self, brand: Brand, cache_dir: Path | None):
        self.brand = brand
        self.folder = cache_dir / "webfonts" if cache_dir else None

    def file_name(self, face: Face) -> str:
        family = re.sub(r"[^A-Za-z0-9]+", "", self.brand.fonts[face.role].family)
        return f"{family}-{face.style}-{face.weight}.woff2"

    def data(self, face: Face) -> bytes:
        key = (self.brand.digest, face.key)
        if key not in _MEMORY:
            _MEMORY[key] = self._load_or_cut(face)
        return _MEMORY[key]

    def _load_or_cut(self, face: Face) -> bytes:
        path, variable = _source_file(self.brand.fonts[face.role], face)
        stored = None
        if self.folder is not None:
            name = store.entry_name(
                CUT_FORMAT, store.file_digest(path), face.weight, variable, WEB_RANGES, _versions()
            )
            stored = self.folder / f"{name}.woff2"
        return store.get_or_make(stored, lambda: cut(path, face.weight, variable))

    def css(self, faces: tuple[Face, ...], url_for) -> str:
        """``@font-face`` rules for ``faces``; ``url_for(face)`` says where each file is."""
        rules = []
        for face in faces:
            family = self.brand.fonts[face.role].family
            rules.append(
                f'@font-face {{ font-family: "{family}"; src: url("{url_for(face)}") '
                f'format("woff2"); font-style: {face.style}; '
                f"font-weight: {face.weight}; font-display: swap; }}"
            )
        return "\n".join(rules) + "\n"

    def data_url(self, face: Face) -> str:
        return "data:font/woff2;base64," + base64.b64encode(self.data(face)).decode("ascii")


# --- static print instances of the brand's variable fonts -------------------------------

PRINT_FORMAT = "1"  # part of a print instance's cache name: bump when instancing changes
# normal, bold, and bolder than bold (strong text in a bold heading); the print
# stylesheets' own numeric weights are added (print_weights)
PRINT_WEIGHTS = (400, 700, 900)


@dataclass(frozen=True, slots=True)
class PrintFace:
    """One static print font: a variable font file pinned at ``location``."""

    family: str
    style: str  # normal | italic
    weight: int  # the CSS weight its @font-face rule declares
    path: Path  # the variable font file
    location: tuple[tuple[str, float], ...]  # every axis of the file, pinned

    @property
    def file_name(self) -> str:
        family = re.sub(r"[^A-Za-z0-9]+", "", self.family)
        return f"{family}-{self.style}-{self.weight}.ttf"


def print_weights(brand: Brand) -> tuple[int, ...]:
    """The weights a print page can ask for: normal, bold, bolder, and every numeric
    ``font-weight`` the brand's base and print stylesheets name."""
    weights = set(PRINT_WEIGHTS)
    for name in ("base.css", "print.css"):
        path = stylesheet_path(brand.folder, name)
        if path is not None:
            text = path.read_text(encoding="utf-8")
            weights.update(int(w) for w in re.findall(r"font-weight:\s*([1-9]00)\b", text))
    return tuple(sorted(weights))


def _axes(path: Path) -> dict[str, tuple[float, float, float]]:
    """A font file's variation axes: tag -> (minimum, default, maximum)."""
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(path)))
    return {a.tag: (a.min_value, a.default_value, a.max_value) for a in face.axis_infos}


def print_location(
    axes: dict[str, tuple[float, float, float]], weight: int, italic: bool, size_px: float
) -> tuple[tuple[str, float], ...]:
    """Where WeasyPrint pins a variable font for text at ``weight`` and ``size_px``:
    weight and optical size from the text, upright slant, the italic axis from the
    style, every other axis at its default (each within the axis's range)."""
    wanted = {"wght": float(weight), "opsz": size_px, "slnt": 0.0, "ital": float(italic)}
    return tuple(
        (tag, min(max(wanted.get(tag, default), low), high))
        for tag, (low, default, high) in sorted(axes.items())
    )


def print_faces(brand: Brand) -> tuple[PrintFace, ...]:
    """The static print fonts the brand's variable font files become: one per file and
    weight, at the optical size of the body text."""
    size_px = css_points(brand.size) * 4 / 3  # WeasyPrint's font sizes are CSS pixels
    weights = print_weights(brand)
    faces = []
    for font in brand.fonts.values():
        for f in font.files:
            if f.weight is not None:
                continue  # a static file is used as it is
            axes = _axes(f.path)
            for weight in weights:
                location = print_location(axes, weight, f.style == "italic", size_px)
                faces.append(PrintFace(font.family, f.style, weight, f.path, location))
    return tuple(faces)


def instance(path: Path, location: tuple[tuple[str, float], ...]) -> bytes:
    """The whole font at ``path`` pinned at ``location`` (every axis): a static font
    with all its glyphs, tables and glyph ids, and its own head.modified."""
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(path)))
    request = hb.SubsetInput()
    request.keep_everything()
    for gid in range(face.glyph_count):
        request.glyph_set.add(gid)
    request.flags = request.flags | hb.SubsetFlags.RETAIN_GIDS
    request.pin_all_axes_to_default(face)
    for tag, value in location:
        request.pin_axis_location(face, tag, value)
    return bytes(hb.subset(face, request).blob.data)


_PRINT_MEMORY: dict[tuple[str, tuple[tuple[str, float], ...]], bytes] = {}  # per process


class PrintFonts:
    """The brand's static print fonts, made on first use and kept on disk by digest."""

    def __init__(self, brand: Brand, cache_dir: Path | None):
        self.brand = brand
        self.folder = cache_dir / "printfonts" if cache_dir else None
        self.faces = print_faces(brand)

    def data(self, face: PrintFace) -> bytes:
        digest = store.file_digest(face.path)
        key = (digest, face.location)
        if key not in _PRINT_MEMORY:
            stored = None
            if self.folder is not None:
                name = store.entry_name(PRINT_FORMAT, digest, face.location, _versions())
                stored = self.folder / f"{name}.ttf"
            _PRINT_MEMORY[key] = store.get_or_make(
                stored, lambda: instance(face.path, face.location)
            )
        return _PRINT_MEMORY[key]

    def css(self, url_for) -> str:
        """``@font-face`` rules for every font of the brand: the static print instances
        for its variable files (``url_for(face)`` says where each is), and its static
        files as they are (at ``url_for(path)``)."""
        rules = [
            f'@font-face {{ font-family: "{face.family}"; src: url("{url_for(face)}"); '
            f"font-style: {face.style}; font-weight: {face.weight}; }}"
            for face in self.faces
        ]
        for font in self.brand.fonts.values():
            rules += [
                f'@font-face {{ font-family: "{font.family}"; src: url("{url_for(f.path)}"); '
                f"font-style: {f.style}; font-weight: {f.weight}; }}"
                for f in font.files
                if f.weight is not None
            ]
        return "\n".join(dict.fromkeys(rules)) + "\n"
