"""The article's HTML made ready for print: notes at the foot of their page, and TeX
formulas as drawings tagged as formulas in the PDF's structure tree."""

from __future__ import annotations

import lxml.html

from ..model import Formula
from ..normalise.math import tex_of
from ..normalise.tree import drop, inner_html

BASE_URL = "https://imprint.invalid/"  # where the PDF's fetcher serves a post's files


def page_footnotes(html: str) -> str:
    """pandoc's endnotes as footnotes at the foot of the page they are called from.

    Each note's text moves to where it is referenced, in a ``span.footnote``
    that print.css floats to the page foot (CSS ``float: footnote``); the
    endnotes section goes. Back-links are for screens and are dropped.
    """
    if 'role="doc-endnotes"' not in html:
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    notes: dict[str, str] = {}
    for item in root.xpath('//*[@role="doc-endnotes"]/ol/li[@id]'):
        for back in item.xpath('.//a[@role="doc-backlink"]'):
            drop(back)
        notes[item.get("id")] = " ".join(inner_html(p) for p in item) or inner_html(item)
    for section in root.xpath('//*[@role="doc-endnotes"]'):
        drop(section)
    for ref in root.xpath('//a[@role="doc-noteref"]'):
        text = notes.get((ref.get("href") or "").lstrip("#"))
        if text is None:
            continue
        note = lxml.html.fragment_fromstring(f'<span class="footnote">{text}</span>')
        note.tail = ref.tail
        ref.getparent().replace(ref, note)
    return inner_html(root)


def place_formulas(html: str, drawn: dict[tuple[str, bool], Formula]) -> str:
    """Each MathML formula as its drawing: an image on the baseline at the text's size,
    centred on a line of its own for display math; its TeX source as alternate text.
    One that could not be drawn shows its TeX in monospace."""
    if "<math" not in html:
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for math in list(root.iter("math")):
        tex = tex_of(math)
        display = math.get("display") == "block"
        formula = drawn.get((tex, display))
        if formula is None or formula.svg is None:
            shown = lxml.html.Element("code", {"class": "math-source"})
            shown.text = tex
        else:
            shown = lxml.html.Element(
                "img",
                {
                    "class": "formula",
                    "alt": tex,
                    "src": BASE_URL + formula.name,
                    "style": f"width: {formula.width:.3f}em; height: {formula.height:.3f}em; "
                    f"vertical-align: {-formula.depth:.3f}em",
                },
            )
        if display:
            block = lxml.html.Element("span", {"class": "formula-display"})
            block.append(shown)
            shown = block
        shown.tail = math.tail
        math.getparent().replace(math, shown)
    return inner_html(root)


def tag_formulas(data: bytes, sources: set[str]) -> bytes:
    """Formula drawings are ``Formula`` elements in the structure tree, not ``Figure``s
    (WeasyPrint tags every image as a figure); their alternate text is the TeX."""
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return data
        stack, seen = [root], set()
        while stack:
            element = stack.pop()
            if element.objgen in seen and element.objgen != (0, 0):
                continue
            seen.add(element.objgen)
            if element.get("/S") == "/Figure" and str(element.get("/Alt", "")) in sources:
                element.S = pikepdf.Name.Formula
            kids = element.get("/K")
            if isinstance(kids, pikepdf.Dictionary):
                stack.append(kids)
            elif isinstance(kids, pikepdf.Array):
                stack.extend(k for k in kids if isinstance(k, pikepdf.Dictionary))
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return out.getvalue()
