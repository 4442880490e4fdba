"""Web fonts cut from the brand's font files, for HTML pages and EPUB books.

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
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from pathlib import Path

from . import store
from .tokens import Brand, Font

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
