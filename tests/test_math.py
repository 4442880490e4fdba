"""TeX math in every format: MathML in HTML and EPUB, Word equations in the DOCX, and
SVG drawings tagged as formulas in the PDF; formulas that cannot be read or drawn."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pikepdf
import pytest
from lxml import etree

from imprint.check.validate import _struct_elements, nu_check, pdf_structure
from imprint.config import Settings
from imprint.diagnostics import collecting
from imprint.normalise import normalise
from imprint.normalise.authors import AuthorRegistry
from imprint.normalise.sanitise import clean
from imprint.source.post import parse_source
from imprint.source.resources import Policy, Resolver

from .conftest import require_tool
from .tools import build_fixture, epub_files, epub_opf, html_tree, pdf_text, run_epubcheck

FIXTURES = Path(__file__).parent / "fixtures" / "math"
POST = "2024-07-02-tidal-sums.md"
TEX = {
    r"h = a \cos(\omega t + \phi)",
    r"\frac{p}{q}",
    "n",
    r"\bar{x} = \frac{1}{n} \sum_{i=1}^{n} x_i",
    r"E \propto H^2",
    r"\sum_{i=1}^{n} h_i",
    r"\frac{s}{n}",
}
MATHML = "{http://www.w3.org/1998/Math/MathML}"


@pytest.fixture(scope="module")
def mathy(tmp_path_factory, settings):
    report, out = build_fixture(FIXTURES, tmp_path_factory.mktemp("math"), settings)
    assert not [w for w in report.warnings if "formula" in w.message]
    return out


def _struct(pdf: pikepdf.Pdf, kind: str) -> list[pikepdf.Dictionary]:
    return _struct_elements(pdf.Root.StructTreeRoot, kind)


@pytest.mark.slow
def test_pdf_draws_formulas_tagged_with_their_tex(mathy):
    text = pdf_text(mathy["pdf"])
    for raw in ("$$", "$", r"\frac", r"\sum", r"\bar"):
        assert raw not in text, raw
    assert "The tidal range of a harbour is roughly" in text
    with pikepdf.open(mathy["pdf"]) as pdf:
        formulas = _struct(pdf, "/Formula")
        assert {str(f.Alt) for f in formulas} == TEX
        assert all(str(f.Alt) not in TEX for f in _struct(pdf, "/Figure"))
        assert all(len(f.K) == 1 for f in formulas)  # each holds its drawing's content
    assert pdf_structure(mathy["pdf"]).ok


@pytest.mark.slow
def test_pdf_display_formula_centred_inline_on_the_line(mathy):
    from pypdf import PdfReader

    px = 4 / 3  # WeasyPrint's boxes are in CSS px; the page in pt
    with pikepdf.open(mathy["pdf"]) as pdf:
        width = float(pdf.pages[0].mediabox[2]) * px
        height = float(pdf.pages[0].mediabox[3]) * px
        boxes = {str(f.Alt): [float(v) for v in f.A.BBox] for f in _struct(pdf, "/Formula")}
    x1, _, x2, _ = boxes[r"\bar{x} = \frac{1}{n} \sum_{i=1}^{n} x_i"]
    assert abs((x1 + x2) / 2 - width / 2) < 2  # centred on the page's (symmetric) measure
    # "E ∝ H²" sits on the baseline of its line, about as tall as the text
    lines: dict[str, float] = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            lines.setdefault(text.strip()[:20], height - (cm[3] * tm[5] + cm[5]) * px)

    PdfReader(mathy["pdf"]).pages[0].extract_text(visitor_text=visit)
    baseline = next(y for t, y in lines.items() if t.startswith("and the energy"))
    _, top, _, bottom = boxes[r"E \propto H^2"]
    size = 10.5 * px  # the brand's text size
    assert top < baseline < bottom
    assert 0.7 * size < bottom - top < 1.8 * size
    assert bottom - baseline < 0.5 * size  # only the descent hangs below the line


@pytest.mark.slow
def test_inline_math_keeps_the_paragraphs_line_spacing(mathy):
    """Inline formulas are drawn in text style (limits beside a sum, a small fraction):
    the lines holding them are spaced as the paragraph's other lines, within 1.3x."""
    from pypdf import PdfReader

    baselines: list[tuple[float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            y = round(cm[5] + tm[5] * cm[3], 2)
            if not baselines or baselines[-1][0] != y:
                baselines.append((y, text.strip()))

    PdfReader(mathy["pdf"]).pages[0].extract_text(visitor_text=visit)
    start = next(i for i, (_, t) in enumerate(baselines) if t.startswith("A week of high"))
    end = next(i for i, (_, t) in enumerate(baselines) if t.startswith("paragraph."))
    lines = baselines[start : end + 1]
    gaps = [above[0] - below[0] for above, below in zip(lines, lines[1:])]
    plain = min(gaps)  # the paragraph's own line height, between lines without math
    assert len(lines) >= 5 and plain > 0
    assert max(gaps) <= 1.3 * plain, (gaps, plain)


@pytest.mark.slow
@pytest.mark.tools
def test_html_and_epub_carry_mathml_and_pass_their_validators(mathy):
    require_tool("java")
    page = html_tree(mathy["html"])
    maths = page.xpath("//math")
    assert len(maths) == len(TEX)
    assert {m.xpath("string(.//annotation)").strip() for m in maths} == TEX
    assert len(page.xpath("//math[@display='block']")) == 1
    (nu,) = nu_check([mathy["html"]])
    assert nu.errors == 0, nu.messages

    files = epub_files(mathy["epub"])
    chapter = etree.fromstring(files["EPUB/article.xhtml"])
    assert len(chapter.findall(f".//{MATHML}math")) == len(TEX)
    opf = epub_opf(mathy["epub"])
    item = opf.xpath(
        "//opf:item[@href='article.xhtml']", namespaces={"opf": "http://www.idpf.org/2007/opf"}
    )[0]
    assert "mathml" in item.get("properties", "").split()
    result = run_epubcheck(mathy["epub"])
    assert (result.errors, result.warnings) == (0, 0), result.messages


@pytest.mark.slow
def test_docx_has_word_equations(mathy):
    with zipfile.ZipFile(mathy["docx"]) as docx:
        document = docx.read("word/document.xml").decode("utf-8")
    assert len(re.findall(r"<m:oMath>", document)) == len(TEX)
    assert "<m:oMathPara>" in document and "<m:f>" in document  # the display sum's fraction
    assert "$" not in document and r"\frac" not in document


def _normalise(folder: Path, text: str):
    path = folder / "post.md"
    path.write_text(text, encoding="utf-8")
    with collecting() as warnings:
        doc = normalise(
            parse_source(path.read_bytes(), path),
            Settings(),
            AuthorRegistry(),
            Resolver(Policy(content_root=folder, remote=False)),
        )
    return doc, warnings


def test_unreadable_formula_is_a_warning_and_shown_as_tex(tmp_path):
    doc, warnings = _normalise(
        tmp_path, "---\ntitle: T\n---\n\nIntro.\n\nFine $x^2$.\n\nBroken $\\frac{a}{$ here.\n"
    )
    (warning,) = [w for w in warnings if "formula" in w.message]
    assert warning.line == 9 and "\\frac{a}{" in warning.message
    assert '<code class="math-source">\\frac{a}{</code>' in doc.body_html
    assert [f.tex for f in doc.formulas] == ["x^2"]


def test_mathml_is_cleaned_like_any_html():
    dirty = (
        '<math display="block" href="javascript:alert(1)" onclick="x()">'
        '<mi style="background:url(/etc/passwd)" mathvariant="bold">x</mi>'
        '<annotation-xml encoding="text/html"><script>x()</script></annotation-xml>'
        '<mtext><iframe src="http://example.com/t.html"></iframe></mtext></math>'
    )
    cleaned = clean(dirty)
    assert '<math display="block">' in cleaned and 'mathvariant="bold"' in cleaned
    for gone in ("href", "onclick", "style", "script", "annotation-xml", "iframe"):
        assert gone not in cleaned, gone
