"""TeX math: MathML for the screen formats, SVG drawings for print, TeX where neither works.

pandoc turns ``$…$`` and ``$$…$$`` into MathML (HTML, EPUB; the DOCX writer
reads it back as Word equations). The PDF cannot show MathML, so each formula
is drawn here once, as SVG by ziamath (pure Python, with its own math font),
and carried on the Document as a :class:`~imprint.model.Formula`; the PDF
renderer places the drawings.

A formula pandoc cannot read, or ziamath cannot draw, is a warning on its line,
and its TeX source is shown in monospace instead. It never stops the post.
"""

from __future__ import annotations

import hashlib
import re

from lxml import etree

from ..diagnostics import warn
from ..model import Formula
from ..source.post import Source
from .lines import Locator

TEX = "application/x-tex"
SIZE = 10.0  # drawing size in SVG units per em: the renderer scales to the text's size
_VIEWBOX = re.compile(r'viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"')


def tex_of(math: etree._Element) -> str:
    for note in math.iter("annotation"):
        if note.get("encoding") == TEX:
            return (note.text or "").strip()
    return " ".join(math.text_content().split())


def draw(tex: str, display: bool) -> Formula:
    """One formula as SVG, sized in em of the surrounding text; raises when it cannot."""
    import ziamath

    # ziamath sets display style unless told the formula is inline: text style keeps an
    # inline sum's limits beside it and a fraction small, as TeX does within a line
    latex = f"\\displaystyle {tex}" if display else tex
    svg = ziamath.Latex(latex, size=SIZE, inline=not display).svg()
    box = _VIEWBOX.search(svg)
    if box is None:  # pragma: no cover - ziamath always writes a viewBox
        raise ValueError("no drawing")
    _, top, width, height = (float(v) for v in box.groups())
    digest = hashlib.sha256(f"{display}|{tex}".encode()).hexdigest()[:16]
    return Formula(
        tex=tex,
        display=display,
        name=f"math/{digest}.svg",
        svg=svg.encode(),
        width=width / SIZE,
        height=height / SIZE,
        depth=(height + top) / SIZE,
    )


def _show_as_tex(element: etree._Element, tex: str, display: bool) -> None:
    """Replace a formula by its TeX source in monospace."""
    code = etree.Element("code", {"class": "math-source" + (" display" if display else "")})
    code.text = tex
    code.tail = element.tail
    element.getparent().replace(element, code)


def prepare_math(trees: list[etree._Element], source: Source) -> tuple[Formula, ...]:
    """Draw every formula in ``trees`` for print; warn about those that fail."""
    locator = Locator(source.body, source.body_line)
    drawn: dict[tuple[str, bool], Formula] = {}
    for tree in trees:
        for span in list(tree.xpath("//span[contains(concat(' ', @class, ' '), ' math ')]")):
            if span.find(".//math") is not None:
                continue
            # pandoc could not read the TeX: it left the source, dollars and all
            tex = (span.text_content() or "").strip().strip("$").strip()
            display = "display" in (span.get("class") or "").split()
            warn(
                f"formula cannot be converted; its TeX is shown instead: {_short(tex)}",
                source.path,
                locator.line(tex),
            )
            _show_as_tex(span, tex, display)
        for math in list(tree.iter("math")):
            tex = tex_of(math)
            display = math.get("display") == "block"
            key = (tex, display)
            if key in drawn:
                continue
            try:
                drawn[key] = draw(tex, display)
            except Exception as exc:
                detail = str(exc) or type(exc).__name__
                warn(
                    f"formula cannot be drawn for print ({detail}); the PDF shows its TeX: "
                    f"{_short(tex)}",
                    source.path,
                    locator.line(tex),
                )
                drawn[key] = Formula(tex=tex, display=display)
    return tuple(drawn.values())


def _short(tex: str) -> str:
    text = " ".join(tex.split())
    return text if len(text) <= 60 else text[:57] + "..."
