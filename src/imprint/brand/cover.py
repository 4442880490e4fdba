"""A cover image made from the brand: for EPUBs whose post has no hero image.

The cover is a 1600 × 2400 JPEG: the brand's primary colour, its logo and
name, the series in the accent colour, the title and subtitle in the heading
font, and the authors and date at the foot. Text in scripts the brand fonts
lack is set in the brand's fallback family for the post's language, found
through fontconfig; Pillow's Raqm layout shapes Arabic and Persian and lays
right-to-left text out correctly.
"""

from __future__ import annotations

import functools
import io
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..config import user_cache_dir
from ..model import Document
from . import store
from .fonts import Face, FontKit
from .tokens import Brand, colour_rgb

WIDTH, HEIGHT = 1600, 2400
MARGIN = 140


@functools.cache
def _fontconfig_file(family: str, bold: bool) -> tuple[str, int] | None:
    """(file, index) of an installed family, via fc-match; None if fontconfig lacks it."""
    pattern = f"{family}:weight={'bold' if bold else 'regular'}"
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{family}\t%{file}\t%{index}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = out.split("\t")
    if len(parts) != 3 or family.casefold() not in parts[0].casefold():
        return None
    return parts[1], int(parts[2] or 0)


@functools.cache
def _coverage(path: str, index: int) -> frozenset[int]:
    """The code points a font file (or one face of a collection) has glyphs for."""
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(path, fontNumber=index, lazy=True).getBestCmap())


@functools.lru_cache(maxsize=16)
def _web_cmap(data: bytes) -> frozenset[int]:
    """The code points a (web font) file covers; kept, since every cover asks again."""
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(io.BytesIO(data)).getBestCmap())


@functools.lru_cache(maxsize=32)
def _truetype(font: bytes | str, size: int, index: int = 0):
    """A Pillow font from a font file's bytes or path, loaded once per process and size:
    FreeType unpacks a WOFF2 again on every load, a fifth of the time a cover took."""
    from PIL import ImageFont

    return ImageFont.truetype(
        io.BytesIO(font) if isinstance(font, bytes) else font, size, index=index
    )


class _Fonts:
    """The brand's heading font, with the language's fallback for uncovered text."""

    def __init__(self, brand: Brand, lang: str):
        self.kit = FontKit(brand, user_cache_dir())
        self.fallbacks = brand.fallbacks_for(lang)

    def _brand_font(self, weight: int, size: int):
        data = self.kit.data(Face("headings", "normal", weight))
        return _truetype(data, size), _web_cmap(data)

    def font_for(self, text: str, weight: int, size: int):
        """The brand font if it has every character of ``text``; else the first
        fallback family that does (or that has the most of them)."""
        font, covered = self._brand_font(weight, size)
        needed = {ord(c) for c in text if not c.isspace()}
        if needed <= covered:
            return font
        best, best_count = None, len(needed & covered)
        for family in self.fallbacks:
            found = _fontconfig_file(family, weight >= 600)
            if found is None:
                continue
            count = len(needed & _coverage(*found))
            if count > best_count:
                best, best_count = found, count
            if count == len(needed):
                break
        return _truetype(best[0], size, best[1]) if best else font


def _wrap(draw, text: str, font, width: int) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (by words, or by characters
    for scripts written without spaces)."""
    words = text.split(" ") if " " in text.strip() else list(text)
    joiner = " " if " " in text.strip() else ""
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line}{joiner}{word}" if line else word
        if draw.textlength(candidate, font=font) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


_LOGOS: dict[tuple[str, int], object] = {}


def _logo(brand: Brand, height: int):
    """The brand logo as an RGBA image ``height`` pixels tall (on the cover's colour), or
    None; decoded and scaled once per brand and size in a process."""
    from PIL import Image

    if brand.logo is None:
        return None
    key = (brand.digest, height)
    if key not in _LOGOS:
        if brand.logo.suffix.lower() == ".png":
            image = Image.open(brand.logo).convert("RGBA")
        else:
            png = _svg_to_png(brand)
            if png is None:
                return None
            image = Image.open(io.BytesIO(png)).convert("RGBA")
        ratio = height / image.height
        _LOGOS[key] = image.resize((max(1, round(image.width * ratio)), height))
    return _LOGOS[key]


def _svg_to_png(brand: Brand) -> bytes | None:
    """Rasterise an SVG logo once per brand, on the cover's colour: WeasyPrint draws it,
    poppler's pdftoppm turns the page into pixels."""
    if brand.logo is None:
        return None
    import weasyprint

    # the brand's digest covers the logo's bytes and the colour
    name = store.entry_name(brand.digest, weasyprint.__version__)
    stored = user_cache_dir() / "logos" / f"{name}.png"
    if stored.is_file():
        return stored.read_bytes()

    svg_uri = brand.logo.as_uri()
    page = (
        f"<style>@page {{ size: 400px 400px; margin: 0; "
        f"background: {brand.colors['primary']} }} img {{ width: 400px; "
        f'height: 400px; display: block }}</style><img src="{svg_uri}">'
    )
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "logo.pdf"
        weasyprint.HTML(string=page).write_pdf(pdf)
        try:
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "150",
                    "-singlefile",
                    str(pdf),
                    str(Path(folder) / "logo"),
                ],
                check=True,
                capture_output=True,
                timeout=60,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        data = (Path(folder) / "logo.png").read_bytes()
    store.put(stored, data)
    return data


@dataclass(frozen=True, slots=True)
class CoverText:
    """What a cover says: a post's, or a collection's, title block."""

    title: str
    subtitle: str | None
    names: tuple[str, ...]
    date: str
    lang: str
    dir: str = "ltr"

    @classmethod
    def of(cls, doc: Document) -> CoverText:
        return cls(doc.title, doc.subtitle, doc.author_names, doc.date_display, doc.lang, doc.dir)


def make_cover(doc: Document | CoverText, brand: Brand) -> bytes:
    """The cover image (JPEG) for a post or a collection, in ``brand``."""
    if isinstance(doc, Document):
        doc = CoverText.of(doc)
    from PIL import Image, ImageDraw

    primary, accent = colour_rgb(brand.colors["primary"]), colour_rgb(brand.colors["accent"])
    light = colour_rgb(brand.colors["background"])
    image = Image.new("RGB", (WIDTH, HEIGHT), primary)
    draw = ImageDraw.Draw(image)
    fonts = _Fonts(brand, doc.lang)
    width = WIDTH - 2 * MARGIN
    direction = "rtl" if doc.dir == "rtl" else None

    y = MARGIN
    logo = _logo(brand, 160)
    if logo is not None:
        image.paste(logo, (MARGIN, y), logo)
        y += logo.height + 60
    draw.text((MARGIN, y), brand.name, font=fonts.font_for(brand.name, 700, 64), fill=light)
    y += 110
    if brand.series:
        draw.text(
            (MARGIN, y),
            brand.series.upper(),
            fill=accent,
            font=fonts.font_for(brand.series, 700, 52),
        )
    draw.rectangle((MARGIN, 760, MARGIN + 220, 776), fill=accent)

    y = 860
    for size in (124, 108, 92, 78, 64):  # the largest size at which the title fits
        font = fonts.font_for(doc.title, 700, size)
        lines = _wrap(draw, doc.title, font, width)
        if len(lines) * size * 1.2 <= 900:
            break

    def put(line: str, font, fill, y: int) -> None:
        x = MARGIN
        if direction == "rtl":  # right-to-left lines start at the right margin
            x = WIDTH - MARGIN - round(draw.textlength(line, font=font, direction=direction))
        draw.text((x, y), line, font=font, fill=fill, direction=direction)

    for line in lines[:9]:
        put(line, font, light, y)
        y += round(size * 1.2)
    if doc.subtitle:
        y += 40
        small = fonts.font_for(doc.subtitle, 400, 60)
        for line in _wrap(draw, doc.subtitle, small, width)[:4]:
            put(line, small, light, y)
            y += 76

    foot = [", ".join(doc.names), doc.date]
    y = HEIGHT - MARGIN - 80 * len([f for f in foot if f])
    for text in filter(None, foot):
        put(text, fonts.font_for(text, 400, 56), light, y)
        y += 80
    out = io.BytesIO()
    # JPEG: a twentieth of the time PNG takes for a page this size; full chroma keeps
    # the coloured text crisp
    image.save(out, "JPEG", quality=90, subsampling=0)
    return out.getvalue()
