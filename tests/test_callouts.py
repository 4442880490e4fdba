"""Callouts (Quarto ``::: {.callout-*}`` and GitHub ``> [!NOTE]``) in all four formats."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pikepdf
import pytest
from lxml import etree

from imprint.brand.tokens import colour_rgb
from imprint.check.validate import nu_check

from .conftest import require_tool
from .tools import XHTML_NS, build_fixture, epub_files, html_tree, pdf_text, run_epubcheck

FIXTURES = Path(__file__).parent / "fixtures" / "callouts"
EXPECTED = [
    ("warning", "Mind the tide"),
    ("tip", "Ask the harbour master"),
    ("note", "Note"),
    ("important", "Important"),
    ("caution", "Caution"),
]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def callouts(tmp_path_factory, settings):
    return build_fixture(FIXTURES, tmp_path_factory.mktemp("callouts"), settings)[1]


@pytest.mark.slow
@pytest.mark.tools
def test_html_asides_with_role_and_label(callouts):
    require_tool("java")
    page = html_tree(callouts["html"])
    asides = page.xpath("//aside[contains(@class, 'callout')]")
    found = [(a.get("class").split("callout-")[-1], a.get("aria-label")) for a in asides]
    assert found == EXPECTED
    assert all(a.get("role") == "note" for a in asides)
    assert [a.xpath("string(./p[@class='callout-title'])") for a in asides] == [
        label for _, label in EXPECTED
    ]
    assert "[!NOTE]" not in page.text_content() and "[!IMPORTANT]" not in page.text_content()
    # the Quarto callout's opening heading became its title, not a section of the post
    assert not page.xpath("//h2[contains(., 'harbour master')]")
    quotes = page.xpath("//blockquote")
    assert len(quotes) == 1 and "Harbours are for leaving" in quotes[0].text_content()
    (nu,) = nu_check([callouts["html"]])
    assert nu.errors == 0, nu.messages


@pytest.mark.slow
@pytest.mark.tools
def test_epub_asides_and_epubcheck(callouts):
    chapter = etree.fromstring(epub_files(callouts["epub"])["EPUB/article.xhtml"])
    asides = chapter.xpath("//x:aside[@role='note']", namespaces=XHTML_NS)
    assert [a.get("aria-label") for a in asides] == [label for _, label in EXPECTED]
    result = run_epubcheck(callouts["epub"])
    assert (result.errors, result.warnings) == (0, 0), result.messages


def test_pdf_boxes_in_brand_colours(callouts, settings):
    from imprint.brand.tokens import load_brand

    brand = load_brand(settings.brand)
    text = pdf_text(callouts["pdf"])
    for _, label in EXPECTED:
        assert label in text
    assert "[!NOTE]" not in text
    with pikepdf.open(callouts["pdf"]) as pdf:
        page = pdf.pages[0]
        streams = page.Contents if isinstance(page.Contents, pikepdf.Array) else [page.Contents]
        content = b"".join(s.read_bytes() for s in streams).decode("latin-1")
    fills = {
        tuple(round(float(v), 3) for v in m.groups())
        for m in re.finditer(r"([\d.]+) ([\d.]+) ([\d.]+) (?:rg|RG)", content)
    }
    for role in ("primary", "accent", "muted"):  # note; warning, important, caution; tip
        rgb = tuple(round(c / 255, 3) for c in colour_rgb(brand.colors[role]))
        assert rgb in fills, (role, rgb, fills)


def test_docx_callout_paragraph_style(callouts, settings):
    from imprint.brand.tokens import colour_hex, load_brand

    with zipfile.ZipFile(callouts["docx"]) as docx:
        document = etree.fromstring(docx.read("word/document.xml"))
        styles = etree.fromstring(docx.read("word/styles.xml"))
    styled = [
        p
        for p in document.iter(f"{W}p")
        if p.find(f"{W}pPr/{W}pStyle") is not None
        and p.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "Callout"
    ]
    texts = ["".join(p.itertext()) for p in styled]
    assert [t for t in texts if t in {label for _, label in EXPECTED}] == [
        label for _, label in EXPECTED
    ]
    assert "Keep the fuel berth clear." in texts
    (style,) = styles.xpath("//w:style[@w:styleId='Callout']", namespaces={"w": W[1:-1]})
    primary = colour_hex(load_brand(settings.brand).colors["primary"]).upper()
    assert style.find(f"{W}pPr/{W}pBdr/{W}left").get(f"{W}color").upper() == primary
