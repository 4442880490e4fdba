"""The DOCX reference document, generated from the brand tokens.

pandoc styles a DOCX from a reference document. Instead of a hand-made
binary that drifts from the CSS, imprint writes one from the same tokens as
the stylesheets (python-docx on pandoc's default), caches it by the brand's
digest, and hands it to pandoc. Editors find the paragraph styles ``Title``,
``Subtitle``, ``Heading 1``–``3``, ``Excerpt``, ``Author Bio``, ``Bibliography``,
``Callout`` and ``Caption`` ready to restyle in Word.
"""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

from ..config import __version__
from ..source.pandoc import run_pandoc
from . import store
from .tokens import Brand, colour_hex

REFERENCE_FORMAT = "2"  # part of the cached reference's name: bump when building changes
_UNIT_PT = {
    "pt": 1.0,
    "px": 0.75,
    "mm": 72 / 25.4,
    "cm": 72 / 2.54,
    "in": 72.0,
    "pc": 12.0,
    "em": 12.0,
    "rem": 12.0,
}


def length_pt(css: str) -> float:
    match = re.fullmatch(r"\s*(-?[\d.]+)\s*([a-z]*)\s*", css)
    if not match:
        return 11.0
    return float(match[1]) * _UNIT_PT.get(match[2] or "pt", 1.0)


def _set_fonts(style, family: str, east_asian: str | None) -> None:
    from docx.oxml.ns import qn

    style.font.name = family
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), family)
    if east_asian:
        fonts.set(qn("w:eastAsia"), east_asian)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)


def _left_rule(
    style, colour: str, size_eighths: int = 24, sides: tuple[str, ...] = ("left",)
) -> None:
    """A coloured rule down the left edge of a paragraph style (the bio's accent bar), or
    on the ``sides`` given (a callout's box)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = style.element.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in sides:
        rule = OxmlElement(f"w:{side}")
        width = size_eighths if side == "left" else max(4, size_eighths // 4)
        for key, value in (
            ("w:val", "single"),
            ("w:sz", str(width)),
            ("w:space", "8"),
            ("w:color", colour),
        ):
            rule.set(qn(key), value)
        borders.append(rule)
    ppr.append(borders)


_MONO_STYLES = re.compile(r"Verbatim|SourceCode|Tok$|Code")
_HEADING_STYLES = re.compile(r"^(Heading|Title|Subtitle|TOCHeading|Author|Date)")


def _brand_faces_everywhere(docx, body: str, headings: str, mono: str, east_asian) -> None:
    """Every style that names a theme font (Aptos) or Consolas names the brand's face
    instead: headings' character styles the headings face, code the mono face, the
    rest (and the document default) the body face (the theme: :func:`_theme_fonts`)."""
    from docx.oxml.ns import qn

    theme_attrs = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
    for style in docx.styles.element.iterfind(qn("w:style")):
        fonts = style.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        if fonts is None:
            continue
        ident = style.get(qn("w:styleId"), "")
        named = fonts.get(qn("w:ascii"), "")
        if not any(fonts.get(qn(a)) for a in theme_attrs) and named not in ("Consolas", ""):
            continue
        if _MONO_STYLES.search(ident) or named == "Consolas":
            family = mono
        elif _HEADING_STYLES.match(ident):
            family = headings
        else:
            family = body
        for attr in theme_attrs:
            fonts.attrib.pop(qn(attr), None)
        for attr in ("w:ascii", "w:hAnsi", "w:cs"):
            fonts.set(qn(attr), family)
        if east_asian and family != mono:
            fonts.set(qn("w:eastAsia"), east_asian)
    defaults = docx.styles.element.find(
        f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}"
    )
    if defaults is not None:
        for attr in theme_attrs:
            defaults.attrib.pop(qn(attr), None)
        for attr in ("w:ascii", "w:hAnsi", "w:cs"):
            defaults.set(qn(attr), body)


def _theme_fonts(data: bytes, body: str, headings: str) -> bytes:
    """The saved document with its theme's major (headings) and minor (body) Latin
    fonts the brand's, rewritten in the package's theme parts; every entry keeps its
    name, order, date and compression."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.startswith("word/theme/"):
                xml = content.decode("utf-8")
                xml = re.sub(
                    r"(<a:majorFont>\s*<a:latin typeface=)\"[^\"]*\"", rf'\1"{headings}"', xml
                )
                xml = re.sub(r"(<a:minorFont>\s*<a:latin typeface=)\"[^\"]*\"", rf'\1"{body}"', xml)
                content = xml.encode("utf-8")
            target.writestr(info, content)
    return out.getvalue()


def build_reference(brand: Brand, article_breaks: bool = False) -> bytes:
    """A reference.docx whose styles carry the brand's fonts, sizes and colours.

    With ``article_breaks`` (a collection), every ``Heading 1`` (an article's
    title) starts a new page.
    """
    from docx import Document as Docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt, RGBColor

    default = run_pandoc(["--print-default-data-file", "reference.docx"], b"")
    docx = Docx(io.BytesIO(default))
    styles = docx.styles
    body, headings = brand.fonts["body"].family, brand.fonts["headings"].family
    east_asian = next((f for f in brand.fallbacks_for() if "CJK" in f), None)
    size = length_pt(brand.size)
    colour = {role: RGBColor.from_string(colour_hex(v)) for role, v in brand.colors.items()}

    def paragraph_style(name: str, base: str = "Normal"):
        # by name or id: pandoc's reference names some built-ins ("Caption") in a
        # case python-docx's name lookup does not expect
        for style in styles:
            if style.name == name or style.style_id == name.replace(" ", ""):
                return style
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"] if base == "Normal" else paragraph_style(base)
        style.quick_style = True
        return style

    normal = paragraph_style("Normal")
    _set_fonts(normal, body, east_asian)
    normal.font.size = Pt(size)
    normal.font.color.rgb = colour["text"]

    looks = {  # style -> (font, size factor, colour role, bold, italic)
        "Title": (headings, 2.4, "primary", True, False),
        "Subtitle": (headings, 1.35, "muted", False, False),
        "Author": (headings, 1.0, "text", True, False),
        "Date": (headings, 0.95, "muted", False, False),
        "Heading 1": (headings, 1.6, "primary", True, False),
        "Heading 2": (headings, 1.3, "primary", True, False),
        "Heading 3": (headings, 1.1, "primary", True, False),
        "Excerpt": (body, 1.2, "primary", False, False),
        "Author Bio": (body, 0.92, "text", False, False),
        "Bibliography": (body, 0.92, "text", False, False),
        "Callout": (body, 0.95, "text", False, False),
        "Caption": (headings, 0.85, "muted", False, True),
    }
    for name, (family, factor, role, bold, italic) in looks.items():
        style = paragraph_style(name)
        _set_fonts(style, family, east_asian)
        style.font.size = Pt(round(size * factor * 2) / 2)
        style.font.color.rgb = colour[role]
        style.font.bold = bold
        style.font.italic = italic
    _brand_faces_everywhere(docx, body, headings, brand.fonts["monospace"].family, east_asian)
    if article_breaks:
        paragraph_style("Heading 1").paragraph_format.page_break_before = True
    excerpt = paragraph_style("Excerpt")
    excerpt.paragraph_format.space_after = Pt(size * 1.2)
    bio = paragraph_style("Author Bio")
    bio.paragraph_format.space_before = Pt(size * 1.5)
    _left_rule(bio, colour_hex(brand.colors["accent"]))
    callout = paragraph_style("Callout")  # a box in the brand's colours, as in the CSS
    callout.paragraph_format.left_indent = Pt(size)
    _left_rule(
        callout, colour_hex(brand.colors["primary"]), sides=("top", "left", "bottom", "right")
    )
    references = paragraph_style("Bibliography")  # hanging indent, as in the CSS
    references.paragraph_format.left_indent = Pt(size * 2)
    references.paragraph_format.first_line_indent = Pt(-size * 2)
    references.paragraph_format.space_after = Pt(size * 0.5)

    section = docx.sections[0]
    header = (
        section.header.paragraphs[0]
        if section.header.paragraphs
        else section.header.add_paragraph()
    )
    header.text = brand.series or brand.name
    footer = (
        section.footer.paragraphs[0]
        if section.footer.paragraphs
        else section.footer.add_paragraph()
    )
    footer.text = brand.footer
    out = io.BytesIO()
    docx.save(out)
    return _theme_fonts(out.getvalue(), body, headings)


def reference_path(brand: Brand, cache_dir: Path | None, article_breaks: bool = False) -> Path:
    """The cached reference document for ``brand``, generated when missing."""
    folder = (cache_dir or Path(tempfile.gettempdir()) / "imprint-cache") / "docx"
    kind = "collection" if article_breaks else "reference"
    from docx import __version__ as python_docx

    name = store.entry_name(REFERENCE_FORMAT, __version__, python_docx, brand.digest)
    path = folder / f"{kind}-{name}.docx"
    if not path.is_file():
        store.put(path, build_reference(brand, article_breaks))
    return path
