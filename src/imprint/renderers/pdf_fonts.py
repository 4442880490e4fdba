"""Variable fonts in PDFs: pinned once per brand, not once per document.

A PDF cannot use a variable font's axes, so WeasyPrint pins every variable
font it embeds (Source Serif 4 at weight 400 and optical size 14, at 700 and
size 16, ...) with fontTools' instancer: after subsetting, for every document,
font, weight and size. That instancing is pure Python over every glyph slot
the subset keeps, and it was three quarters of a warm worker's PDF time.

Here each (font file, axis location) is pinned once, for a fixed set of
glyphs: those of :data:`BASE_TEXT` (Latin-1 and common punctuation) and what
the font's ligatures make of them. The result is kept in memory and in the
user's cache (``~/.cache/imprint/fonts``), shared by every project. A document whose
glyphs all lie in that set has its font
subset from the pinned font by HarfBuzz (fast); any other document takes
WeasyPrint's own path. Which path a font takes depends only on the
document's glyphs and the fixed set, never on what ran before, so equal
input still gives equal bytes.

This reaches into WeasyPrint's ``Font`` (``clean``, ``hb_face``,
``file_content``, ``tables``); :func:`install` checks those are there and
otherwise leaves WeasyPrint alone.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..brand import store

LOGGER = logging.getLogger("imprint.pdf")

# Latin-1 and the punctuation briefs use; other text takes WeasyPrint's own path.
BASE_TEXT = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x100),
    *range(0x2010, 0x2027),
    0x2030,
    0x2032,
    0x2033,
    0x2039,
    0x203A,
    0x20AC,
    0x2122,
    0x2212,
]
# tables a PDF viewer never reads; dropped before pinning, which would otherwise
# spend most of its time on their variations
LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "DSIG")
FORMAT = "1"  # part of the cache file names: bump when the pinned fonts change shape


@dataclass
class Pinned:
    """A variable font pinned at one location, for the glyphs in ``glyphs``."""

    data: bytes
    glyphs: frozenset[int]
    face: Any = None  # the HarfBuzz face over ``_buffer``
    _buffer: Any = None


_state: dict[str, Any] = {"folder": None, "installed": False}
_pinned: dict[tuple[str, tuple[tuple[str, float], ...]], Pinned | None] = {}
_axes: dict[str, dict[str, Any]] = {}
_digests: dict[int, list[tuple[bytes, str]]] = {}  # size -> (font file, its digest)


def use_cache(folder: Path | None) -> None:
    """Keep pinned fonts in ``folder`` across processes (None: in memory only)."""
    _state["folder"] = folder


def install() -> bool:
    """Route WeasyPrint's variable-font embedding through the pinned fonts, once."""
    if _state["installed"]:
        return True
    try:
        from weasyprint.pdf import fonts
        from weasyprint.text.ffi import ffi, harfbuzz_subset
    except ImportError:  # pragma: no cover - WeasyPrint moved things
        return False
    original = getattr(fonts.Font, "clean", None)
    if original is None or harfbuzz_subset is None or not hasattr(fonts.Font, "subset"):
        return False  # pragma: no cover - another WeasyPrint: its own path, unchanged
    ffi.cdef(
        """
        hb_blob_t * hb_blob_create (const char *data, unsigned int length, int mode,
                                    void *user_data, void *destroy);
        hb_face_t * hb_face_create (hb_blob_t *blob, unsigned int index);
    """,
        override=True,
    )

    def clean(font: Any, to_unicode: dict[int, Any], hinting: bool) -> None:
        pinned = _for(font) if to_unicode else None
        if pinned is not None and pinned.glyphs.issuperset(to_unicode):
            font.file_content, font.hb_face, font.index = pinned.data, pinned.face, 0
            font.tables = [t for t in font.tables if t != "fvar"]  # nothing left to pin
        original(font, to_unicode, hinting)

    fonts.Font.clean = clean
    _state["installed"] = True
    return True


def _location(font: Any, axes: dict[str, Any]) -> dict[str, float]:
    """Where WeasyPrint would pin this font: its own defaults, repeated here."""
    location = dict(font.variations)
    if "wght" in axes:
        location.setdefault("wght", font.weight)
    if "opsz" in axes:
        location.setdefault("opsz", font.font_size)
    if "slnt" in axes and "slnt" not in location:
        slant = axes["slnt"]
        location["slnt"] = (
            0 if font.style != 1 else slant.minValue if slant.maxValue == 0 else slant.maxValue
        )
    if "ital" in axes:
        location.setdefault("ital", int(font.style == 2))
    return location


def _for(font: Any) -> Pinned | None:
    if "fvar" not in font.tables or font.png or font.svg or getattr(font, "colr", False):
        return None
    digest = _digest(font.file_content) + f"-{font.index}"
    if digest not in _axes:
        from fontTools.ttLib import TTFont

        with TTFont(io.BytesIO(font.file_content), fontNumber=font.index, lazy=True) as tt:
            _axes[digest] = {axis.axisTag: axis for axis in tt["fvar"].axes}
    location = _location(font, _axes[digest])
    key = (digest, tuple(sorted((k, float(v)) for k, v in location.items())))
    if key not in _pinned:
        _pinned[key] = _load_or_pin(font, key, location)
    return _pinned[key]


def _digest(content: bytes) -> str:
    """The digest of a font file. WeasyPrint hands over a fresh copy of the same few
    files for every document; comparing bytes is far cheaper than hashing them."""
    known = _digests.setdefault(len(content), [])
    for seen, digest in known:
        if seen == content:
            return digest
    digest = hashlib.blake2b(content, digest_size=16).hexdigest()
    known.append((content, digest))
    return digest


def _cache_paths(key: tuple[str, tuple[tuple[str, float], ...]]) -> tuple[Path, Path] | None:
    folder = _state["folder"]
    if folder is None:
        return None
    where = hashlib.sha256(repr((FORMAT, key, _versions())).encode()).hexdigest()[:32]
    return folder / f"{where}.ttf", folder / f"{where}.glyphs"


def _versions() -> str:
    from fontTools import version as fonttools
    from weasyprint import __version__ as weasyprint

    return f"fonttools {fonttools}; weasyprint {weasyprint}"


def _load_or_pin(
    font: Any, key: tuple[str, tuple[tuple[str, float], ...]], location: dict[str, float]
) -> Pinned | None:
    paths = _cache_paths(key)
    if paths is not None and paths[0].is_file() and paths[1].is_file():
        glyphs = frozenset(int(g) for g in paths[1].read_text().split())
        return _with_face(Pinned(paths[0].read_bytes(), glyphs))
    try:
        pinned = _pin(font, location)
    except Exception as exc:
        LOGGER.debug("pinning %s failed (%s); WeasyPrint pins it per document", font.family, exc)
        return None
    if paths is not None:
        try:
            store.put(paths[1], " ".join(map(str, sorted(pinned.glyphs))).encode())
            store.put(paths[0], pinned.data)  # written last: its presence means complete
        except OSError as exc:  # a read-only cache costs time, never the PDF
            LOGGER.debug("cannot keep pinned font in %s: %s", paths[0].parent, exc)
    return _with_face(pinned)


def _pin(font: Any, location: dict[str, float]) -> Pinned:
    from fontTools.ttLib import TTFont
    from fontTools.varLib.instancer import instantiateVariableFont
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data

    # HarfBuzz: the BASE_TEXT glyphs and their ligatures, at their own glyph ids
    request = ffi.gc(
        harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy
    )
    unicodes = harfbuzz_subset.hb_subset_input_set(request, harfbuzz_subset.HB_SUBSET_SETS_UNICODE)
    codepoints = sorted(BASE_TEXT)
    harfbuzz.hb_set_add_sorted_array(
        unicodes, ffi.new("hb_codepoint_t[]", codepoints), len(codepoints)
    )
    harfbuzz_subset.hb_subset_input_set_flags(
        request,
        harfbuzz_subset.HB_SUBSET_FLAGS_RETAIN_GIDS
        | harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED,
    )
    subset = ffi.gc(
        harfbuzz_subset.hb_subset_or_fail(font.hb_face, request), harfbuzz.hb_face_destroy
    )
    if subset == ffi.NULL:
        raise ValueError("HarfBuzz could not subset the font")
    # fontTools: pin the axes; keep the font's own timestamp (equal input, equal bytes)
    tt = TTFont(io.BytesIO(get_hb_object_data(subset)), recalcTimestamp=False)
    metrics = tt["hmtx"].metrics
    glyf = tt["glyf"]
    glyphs = frozenset(
        gid
        for gid, name in enumerate(tt.getGlyphOrder())
        if gid == 0 or metrics[name][0] or glyf[name].numberOfContours
    )
    for tag in LAYOUT_TABLES:
        if tag in tt:
            del tt[tag]
    tt = instantiateVariableFont(tt, location, static=True)
    out = io.BytesIO()
    tt.save(out)
    return Pinned(out.getvalue(), glyphs)


def _with_face(pinned: Pinned) -> Pinned:
    from weasyprint.text.ffi import ffi, harfbuzz

    pinned._buffer = ffi.new("char[]", pinned.data)
    blob = harfbuzz.hb_blob_create(pinned._buffer, len(pinned.data), 1, ffi.NULL, ffi.NULL)
    pinned.face = ffi.gc(harfbuzz.hb_face_create(blob, 0), harfbuzz.hb_face_destroy)
    harfbuzz.hb_blob_destroy(blob)  # the face holds its own reference
    return pinned
