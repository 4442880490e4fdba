"""The brand's variable fonts in PDFs: static print instances (brand/fonts.PrintFonts),
the same bytes with a cold or warm cache, and the glyphs WeasyPrint's own instancing of
the variable files gives, in Latin and beyond it (Korean, Persian)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from imprint.brand.fonts import PrintFace, PrintFonts
from imprint.brand.tokens import css_points
from imprint.builder.project import Project
from imprint.renderers.pdf import BASE_URL, PdfRenderer

from ..conftest import CORPUS, REPO, require
from ..tools import pdf_text

POST = """---
title: Pinned fonts
author: Ann Author
date: 2025-05-08
---

Plain text, *italic*, **bold** and “quotes” — with a dash.

## A heading

{extra}
"""


def _export(post: Path, target: Path, cwd: Path) -> bytes:
    done = subprocess.run(
        [sys.executable, "-m", "imprint", "pdf", str(post), "-o", str(target)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "PYTHONPATH": str(REPO / "src"),
            "XDG_CACHE_HOME": str(cwd / "user-cache"),
        },
    )
    assert done.returncode == 0, done.stderr
    return target.read_bytes()


def _embedded_fonts(data: bytes) -> dict[str, TTFont]:
    fonts = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                if "/FontFile2" in descriptor:
                    program = descriptor["/FontFile2"].get_object().get_data()
                    fonts[str(font["/BaseFont"])] = TTFont(io.BytesIO(program))
    return fonts


@pytest.mark.slow
@pytest.mark.parametrize(
    "extra", ["", "Łódź, Ελληνικά and Кириллица too."], ids=["latin", "beyond-latin-1"]
)
def test_pdf_fonts_are_static_and_bytes_do_not_depend_on_the_cache(tmp_path, extra):
    post = tmp_path / "pinned.md"
    post.write_text(POST.format(extra=extra), encoding="utf-8")
    cold = _export(post, tmp_path / "cold.pdf", tmp_path)
    assert list((tmp_path / "user-cache" / "imprint" / "printfonts").glob("*.ttf"))  # pinned, kept
    warm = _export(post, tmp_path / "warm.pdf", tmp_path)
    assert warm == cold

    fonts = _embedded_fonts(cold)
    assert any("Source-Serif-4" in name for name in fonts)
    for name, font in fonts.items():
        assert "fvar" not in font and "gvar" not in font, name  # pinned: no axes left
    weights = {font["OS/2"].usWeightClass for font in fonts.values()}
    assert {400, 700} <= weights
    text = " ".join(pdf_text(tmp_path / "cold.pdf").split())
    assert "“quotes” — with a dash" in text
    if extra:
        assert "Łódź, Ελληνικά and Кириллица" in text


def _font_programs(data: bytes) -> list[tuple[str, TTFont | None, dict[int, float], set[float]]]:
    """Each embedded font: its name without the subset tag, its TrueType program, the
    glyph widths of its PDF font dictionary (glyph id -> width), and the sizes the
    pages' text is set at in it (their ``Tf`` operators)."""
    import pikepdf

    found = {}
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            resources = page.Resources.get("/Font", {})
            sizes: dict[str, set[float]] = {}
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) == "Tf":
                    sizes.setdefault(str(operands[0]), set()).add(float(operands[1]))
            for key, font in resources.items():
                descendant = font.DescendantFonts[0]
                descriptor = descendant.FontDescriptor
                if font.objgen not in found:
                    program = None  # a CFF font (FontFile3): compared by its glyph ids
                    if "/FontFile2" in descriptor:
                        program = TTFont(io.BytesIO(descriptor.FontFile2.read_bytes()))
                    widths, w, i = {}, list(descendant.get("/W", [])), 0
                    while i < len(w):  # [first [w1 w2 ...]] or [first last w]
                        first = int(w[i])
                        if isinstance(w[i + 1], pikepdf.Array):
                            widths.update({first + k: float(v) for k, v in enumerate(w[i + 1])})
                            i += 2
                        else:
                            last, width = int(w[i + 1]), float(w[i + 2])
                            widths.update(dict.fromkeys(range(first, last + 1), width))
                            i += 3
                    name = str(font.BaseFont).split("+", 1)[-1].rstrip(",")
                    found[font.objgen] = (name, program, widths, set())
                found[font.objgen][3].update(sizes.get(str(key), ()))
    return list(found.values())


def _glyphs(font: TTFont) -> dict[int, tuple[list, int]]:
    """Glyph id -> (outline drawn with a recording pen, advance), for the glyphs the
    subset kept (empty slots left by retained glyph ids are skipped)."""
    glyph_set, order, metrics = font.getGlyphSet(), font.getGlyphOrder(), font["hmtx"].metrics
    kept = {}
    for gid, name in enumerate(order):
        pen = DecomposingRecordingPen(glyph_set)
        glyph_set[name].draw(pen)
        if pen.value or metrics[name][0]:
            kept[gid] = (pen.value, metrics[name][0])
    return kept


def _pdf_both_ways(doc, project: Project, folder: Path) -> tuple[bytes, bytes]:
    """The post's print page as WeasyPrint makes it from the brand's variable font files
    (its own instancing), and from the static print instances; nothing else differs."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    ctx = project.render_context()
    page = PdfRenderer().page(doc, ctx)
    fonts = PrintFonts(ctx.brand, None)
    folder.mkdir(parents=True, exist_ok=True)

    def instance_file(face: PrintFace) -> str:
        path = folder / face.file_name
        path.write_bytes(fonts.data(face))
        return path.as_uri()

    ways = {
        "plain": ctx.brand.stylesheet("print", lambda p: p.as_uri()),
        "static": ctx.brand.stylesheet(
            "print",
            font_faces=fonts.css(
                lambda f: instance_file(f) if isinstance(f, PrintFace) else f.as_uri()
            ),
        ),
    }
    made = []
    for css in ways.values():
        config = FontConfiguration()
        made.append(
            weasyprint.HTML(string=page, base_url=BASE_URL).write_pdf(
                stylesheets=[weasyprint.CSS(string=css, font_config=config)],
                font_config=config,
                pdf_identifier=b"0123456789abcdef",
                pdf_variant="pdf/ua-1",
            )
        )
    return made[0], made[1]


def _brand_file(project: Project, name: str) -> Path:
    """The brand's font file an embedded font comes from (by family and style)."""
    for font in project.brand.fonts.values():
        if name.startswith(font.family.replace(" ", "-")):
            italic = "Italic" in name
            return next(f.path for f in font.files if (f.style == "italic") == italic)
    raise AssertionError(name)


BODY_POST = """---
title: Static print fonts
author: Ann Author
date: 2025-05-08
---

The opening paragraph, which the page sets larger as the standfirst.

Plain text at the body size, *italic* and **bold**, with “quotes” — and figures 0123456789.

## A heading

More text: fi fl ffi, Łódź.
"""


@pytest.mark.slow
def test_print_instances_draw_the_glyphs_weasyprints_own_instancing_draws(tmp_path, settings):
    """At the body text's size, every glyph of every brand font is drawn with the same
    outline and advance, and given the same width in the PDF, as when WeasyPrint pins
    the variable font itself."""
    post = tmp_path / "body.md"
    post.write_text(BODY_POST, encoding="utf-8")
    project = Project.open(settings)
    plain, static = _pdf_both_ways(project.load(post), project, tmp_path / "instances")
    plain_fonts, static_fonts = _font_programs(plain), _font_programs(static)
    body_size = css_points(project.brand.size) * 4 / 3  # in CSS pixels, as WeasyPrint's
    assert {n for n, *_ in static_fonts} >= {
        "Source-Serif-4",
        "Source-Serif-4-Bold",
        "Source-Serif-4-Italic",
        "Source-Sans-3-Bold",
    }
    compared = 0
    for name, program, widths, _ in static_fonts:
        assert program is not None and "fvar" not in program
        glyphs = _glyphs(program)
        # The plain PDF pins a font once per size it is set at, each subset to that
        # size's glyphs; the static font is one for all sizes, pinned at the body's.
        # Compared with the plain font set at the body size (at any size, for a font
        # with no optical-size axis: each gives the same glyphs)
        axes = TTFont(_brand_file(project, name))["fvar"].axes
        optical = any(axis.axisTag == "opsz" for axis in axes)
        plains = [
            (_glyphs(p), w)
            for n, p, w, sizes in plain_fonts
            if n == name and (not optical or sizes == {body_size})
        ]
        assert plains, f"{name}: not in the plain PDF at the body size"
        for gid, glyph in glyphs.items():
            for plain_glyphs, plain_widths in plains:
                if gid in plain_glyphs and gid != 0:  # .notdef: never drawn here
                    assert plain_glyphs[gid] == glyph, f"{name}: glyph {gid} differs"
                    if gid in plain_widths:  # a glyph set in text, not only a component
                        assert widths.get(gid) == plain_widths[gid], f"{name}: width of {gid}"
                    compared += 1
    assert compared > 100


@pytest.mark.slow
@pytest.mark.parametrize("name", ["osg-ko-metrics.md", "osg-fa-metrics.md"])
def test_posts_beyond_latin_1_take_the_same_path_with_the_same_glyphs(tmp_path, settings, name):
    """A Korean and a Persian post: the brand's fonts come from the print instances too
    (no variable font is embedded), and each font draws the same glyphs as before."""
    require((CORPUS / name).is_file(), f"the corpus post {name}")
    project = Project.open(settings)
    plain, static = _pdf_both_ways(project.load(CORPUS / name), project, tmp_path / "instances")

    def glyph_sets(data: bytes) -> dict[str, set[int]]:
        sets: dict[str, set[int]] = {}
        for font_name, program, widths, _ in _font_programs(data):
            assert program is None or "fvar" not in program, font_name
            sets.setdefault(font_name, set()).update(widths)
        return sets

    before, after = glyph_sets(plain), glyph_sets(static)
    assert after == before
    assert any("CJK" in n or "Naskh" in n or "Arabic" in n for n in after)  # the fallbacks
    assert any(n.startswith("Source-") for n in after)
