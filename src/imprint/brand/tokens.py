"""The brand: one definition of colours, fonts, logo and page that styles every format.

A brand is a folder (``styles/`` by default) holding ``brand.toml`` and the
stylesheets. The tokens in ``brand.toml`` become CSS custom properties and
``@font-face`` rules for HTML, PDF and EPUB, and the styles of the DOCX
reference document (``docx``). Stylesheets use ``var(--…)`` only;
no template or stylesheet names a colour, a font or a logo of its own.

The keys of ``brand.toml`` are declared in ``options.BRAND_OPTIONS``; loading
collects every problem before reporting, each as
``brand.toml: colors.accent: 'bleu' is not a CSS colour``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from .options import BRAND_OPTIONS, BRAND_TABLES, read_brand_table
from .values import (
    COLOR_ROLES,
    FONT_ROLES,
    MARKS,
    PAGE_SIZES,
    Font,
    FontFile,
    colour_hex,
    colour_rgb,
    css_points,
    css_string,
    find_font,
    is_css_colour,
    system_families,
)

# the values' helpers are also imported from here, where they lived first
__all__ = [
    "BRAND_FILE",
    "BRAND_OPTIONS",
    "BRAND_TABLES",
    "COLOR_ROLES",
    "FONT_ROLES",
    "MARKS",
    "PAGE_SIZES",
    "STYLESHEETS",
    "Brand",
    "Font",
    "FontFile",
    "colour_hex",
    "colour_rgb",
    "css_points",
    "css_string",
    "default_brand_folder",
    "find_font",
    "is_css_colour",
    "load_brand",
    "stylesheet_path",
    "system_families",
]

BRAND_FILE = "brand.toml"
STYLESHEETS = ("base.css", "screen.css", "print.css", "epub.css")


def stylesheet_path(folder: Path, name: str) -> Path | None:
    """A brand's own stylesheet, or the default brand's: a brand folder may hold
    only brand.toml and a logo, and still get the house layout."""
    for candidate in (folder / name, default_brand_folder() / name):
        if candidate.is_file():
            return candidate
    return None


def default_brand_folder() -> Path:
    from ..config import data_dir

    return data_dir("styles")


@dataclass(frozen=True, slots=True)
class Brand:
    folder: Path
    name: str
    series: str | None
    logo: Path | None
    logo_alt: str
    colors: dict[str, str]
    fonts: dict[str, Font]
    # system families for scripts the brand fonts lack: "default", and per language
    fallback: dict[str, tuple[str, ...]]
    size: str
    line_height: float
    page_size: str
    margins: str
    footer: str
    rights: str
    # print-ready PDF (PDF/X-4): the bleed beyond the trim, and the printer's marks
    bleed: str = "3mm"
    marks: str = "crop"
    digest: str = field(default="", compare=False)
    # [citations] style: a CSL style name, or the absolute path of a .csl file
    citation_style: str | None = None

    # --- CSS ---------------------------------------------------------------------------
    def fallbacks_for(self, lang: str = "") -> tuple[str, ...]:
        """Fallback families for a language: its own first, then the default ones."""
        own: tuple[str, ...] = ()
        parts = lang.split("-")
        for size in range(len(parts), 0, -1):  # zh-Hant-TW, zh-Hant, zh
            key = "-".join(parts[:size])
            if key in self.fallback:
                own = self.fallback[key]
                break
        return tuple(dict.fromkeys(own + self.fallback.get("default", ())))

    def css_variables(self) -> str:
        lines = [f"  --color-{role}: {self.colors[role]};" for role in COLOR_ROLES]
        lines += [
            f"  --font-{role}: {self.fonts[role].stack(self.fallbacks_for())};"
            for role in FONT_ROLES
        ]
        lines += [f"  --font-size: {self.size};", f"  --line-height: {self.line_height};"]
        # screens read larger than paper; sizes computed here, since validators and
        # some reading systems cannot evaluate calc() over custom properties
        number, unit = re.fullmatch(r"(-?[\d.]+)([a-z]*)", self.size).groups()  # type: ignore[union-attr]  # load_brand checked it
        for name, factor in (("screen", 1.25), ("small-screen", 1.15)):
            lines.append(f"  --font-size-{name}: {float(number) * factor:g}{unit};")
        css = ":root {\n" + "\n".join(lines) + "\n}\n"
        for lang in sorted(k for k in self.fallback if k != "default"):
            # the same brand fonts, with this language's own fallbacks first (the right
            # CJK glyph shapes for Japanese, Chinese or Korean, say)
            own = self.fallbacks_for(lang)
            stacks = "\n".join(
                f"  --font-{role}: {self.fonts[role].stack(own)};" for role in FONT_ROLES
            )
            css += f"html:lang({lang}) {{\n{stacks}\n}}\n"
        return css

    def font_faces(self, url_for: Callable[[Path], str]) -> str:
        rules = []
        for font in self.fonts.values():
            for f in font.files:
                weight = f"font-weight: {f.weight}; " if f.weight else ""
                rules.append(
                    f'@font-face {{ font-family: "{font.family}"; '
                    f'src: url("{url_for(f.path)}"); font-style: {f.style}; '
                    f"{weight}}}"
                )
        return "\n".join(dict.fromkeys(rules)) + "\n"

    def page_css(self) -> str:
        """Page size, margins, background and the brand's running texts, as literal strings
        in the margin boxes (so no hidden element in the page carries them)."""
        width, height = PAGE_SIZES[self.page_size.upper()]
        return (
            f"@page {{ size: {width} {height}; margin: {self.margins}; "
            f"background: {self.colors['background']};\n"
            f"  @top-left {{ content: {css_string(self.series or self.name)}; }}\n"
            f"  @bottom-left {{ content: {css_string(self.footer)}; }} }}\n"
        )

    @property
    def bleed_pt(self) -> float:
        return css_points(self.bleed)

    def print_css(self) -> str:
        """Page rules for print-ready PDF: the page area reaches past the trim by the bleed
        and by as much again plus 3 mm, where the marks are drawn (WeasyPrint draws crop
        marks in the outer half of that area, so they end beyond the bleed); the page's
        background is painted over all of it."""
        marks = "" if self.marks == "none" else f" marks: {self.marks};"
        return f"@page {{ bleed: {2 * self.bleed_pt + css_points('3mm'):.3f}pt;{marks} }}\n"

    def stylesheet(
        self,
        kind: str,
        url_for: Callable[[Path], str] | None = None,
        font_faces: str | None = None,
    ) -> str:
        """The CSS for one medium: tokens, font faces, base.css and ``<kind>.css``.
        ``font_faces`` replaces the rules naming the brand's own files (``url_for``)."""
        parts = [self.css_variables()]
        if font_faces is not None:
            parts.append(font_faces)
        elif url_for is not None:
            parts.append(self.font_faces(url_for))
        if kind == "print":
            parts.append(self.page_css())
        for name in ("base.css", f"{kind}.css"):
            path = stylesheet_path(self.folder, name)
            if path is not None:
                parts.append(path.read_text(encoding="utf-8"))
        return "\n".join(parts)

    @property
    def logo_media_type(self) -> str:
        return "image/png" if self.logo and self.logo.suffix.lower() == ".png" else "image/svg+xml"

    def logo_data_url(self) -> str | None:
        if self.logo is None:
            return None
        encoded = base64.b64encode(self.logo.read_bytes()).decode("ascii")
        return f"data:{self.logo_media_type};base64,{encoded}"

    def font_files(self) -> tuple[Path, ...]:
        return tuple(dict.fromkeys(f.path for font in self.fonts.values() for f in font.files))

    def fingerprint(self) -> str:
        """The brand as outputs see it: its digest (brand.toml, stylesheets, logo) and the
        bytes of every file in its folder and of every font file it names."""
        from .store import file_digest, tree_digest

        parts = [
            self.digest,
            tree_digest(self.folder),
            *(file_digest(path) for path in self.font_files()),
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


# --- loading ------------------------------------------------------------------------------


def load_brand(folder: Path) -> Brand:
    """Read and validate ``folder/brand.toml`` by ``BRAND_OPTIONS``; raise one ConfigError
    listing every problem."""
    path = folder / BRAND_FILE
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError("no brand.toml in the brand folder", path) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", path) from None
    values, problems = read_brand_table(data, folder)
    if problems:
        raise ConfigError("\n".join(problems), path)
    digest = hashlib.sha256(raw)
    for name in STYLESHEETS:
        sheet = stylesheet_path(folder, name)
        if sheet is not None:
            digest.update(sheet.read_bytes())
    if values["logo"] is not None:
        digest.update(values["logo"].read_bytes())
    return Brand(folder=folder.resolve(), digest=digest.hexdigest(), **values)
