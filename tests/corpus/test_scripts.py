"""Korean, Japanese, Chinese and Persian posts: every glyph found, text round-trips."""

from __future__ import annotations

import re
import subprocess

import pytest

from imprint.brand.tokens import load_brand
from imprint.builder.plan import build

from ..conftest import REPO, require_tool

POSTS = ("osg-ko-metrics.md", "osg-ja-getting-paid.md", "osg-zh-hans-security.md",
         "osg-fa-metrics.md")


@pytest.fixture(scope="module")
def script_pdfs(corpus, settings, tmp_path_factory):
    report = build([corpus / name for name in POSTS], formats=["pdf", "html"],
                   out=tmp_path_factory.mktemp("scripts"), settings=settings)
    assert report.ok, [r.error for r in report.failed]
    return report


def _family(name: str) -> str:
    """'ABCDEF+Noto-Serif-CJK-KR-Bold' -> 'noto serif cjk kr'."""
    name = name.split("+", 1)[-1].rstrip(",")
    name = re.sub(r"-(Bold|Italic|Oblique|Semi-Bold|Semi-Condensed|Regular)+.*$", "", name)
    return name.replace("-", " ").strip().casefold()


@pytest.mark.slow
def test_no_missing_glyphs(script_pdfs):
    notdef = [w for w in script_pdfs.warnings if ".notdef" in w.message]
    assert notdef == []


@pytest.mark.slow
def test_text_round_trips(script_pdfs, corpus):
    pdftotext = require_tool("pdftotext")
    for result in script_pdfs.built:
        if result.format != "pdf":
            continue
        text = subprocess.run([pdftotext, str(result.target), "-"], capture_output=True,
                              text=True, check=True).stdout
        source = (corpus / result.source.name).read_text("utf-8")
        title = re.search(r"^title: (.+)$", source, re.M)[1].strip()
        # joiners and direction marks shape text but are not glyphs: pdftotext drops them
        invisible = r"[\s\u200c\u200d\u202a-\u202e\u2066-\u2069]+"
        flat = re.sub(invisible, "", text)
        assert re.sub(invisible, "", title) in flat, result.source.name
        # every letter of the script in the source's first long paragraph comes back
        paragraph = next(p for p in source.split("\n\n")[1:] if len(p) > 80 and
                         not p.startswith(("<", "!", "#", ">", "-")))
        letters = {c for c in paragraph if c.isalpha() and ord(c) > 0x2FF}
        missing = letters - set(text)
        assert not missing, (result.source.name, sorted(missing)[:10])


@pytest.mark.slow
def test_fonts_are_the_brands_or_its_fallbacks(script_pdfs, samples_build):
    pdffonts = require_tool("pdffonts")
    brand = load_brand(REPO / "styles")
    allowed = {f.family.casefold() for f in brand.fonts.values()}
    allowed |= {family.casefold() for families in brand.fallback.values() for family in families}
    pdfs = [r.target for r in (*script_pdfs.built, *samples_build.built) if r.format == "pdf"]
    for pdf in pdfs:
        rows = subprocess.run([pdffonts, str(pdf)], capture_output=True, text=True,
                              check=True).stdout.splitlines()[2:]
        assert rows, pdf
        for row in rows:  # name, type (one or two words), encoding, emb, sub, uni, object id
            tokens = row.split()
            name, embedded = tokens[0], tokens[-5]
            assert embedded == "yes", (pdf.name, row)
            assert _family(name) in allowed, (pdf.name, name)


def test_right_to_left_from_language(script_pdfs):
    page = next(r.target for r in script_pdfs.built
                if r.format == "html" and r.source.name == "osg-fa-metrics.md")
    head = page.read_text("utf-8")[:300]
    assert '<html lang="fa" dir="rtl">' in head
