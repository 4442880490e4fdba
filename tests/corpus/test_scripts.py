"""Korean, Japanese, Chinese and Persian posts: every glyph found, text round-trips."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import lxml.html
import pikepdf
import pytest
from fontTools.ttLib import TTFont

from imprint.brand.tokens import load_brand
from imprint.builder.plan import BuildRequest, build

from ..conftest import REPO, require_tool

POSTS = (
    "osg-ko-metrics.md",
    "osg-ja-getting-paid.md",
    "osg-zh-hans-security.md",
    "osg-fa-metrics.md",
)


@pytest.fixture(scope="module")
def script_pdfs(corpus, settings, tmp_path_factory):
    report = build(
        BuildRequest(
            [corpus / name for name in POSTS],
            formats=["pdf", "html"],
            out=tmp_path_factory.mktemp("scripts"),
            settings=settings,
        ),
    )
    assert report.ok, [r.error for r in report.failed]
    return report


def _family(name: str) -> str:
    """'ABCDEF+Noto-Serif-CJK-KR-Bold' -> 'noto serif cjk kr'."""
    name = name.split("+", 1)[-1].rstrip(",")
    name = re.sub(r"-(Bold|Italic|Oblique|Semi-Bold|Semi-Condensed|Regular)+.*$", "", name)
    return name.replace("-", " ").strip().casefold()


def _cmap(stream, begin: str, end: str) -> list[list[str]]:
    """The entries between ``begin...`` and ``end...`` of a CMap: lists of their tokens."""
    text = stream.read_bytes().decode("latin-1")
    return [
        re.findall(r"<[0-9A-Fa-f]*>|\d+", line)
        for block in re.findall(rf"{begin}(.*?){end}", text, re.S)
        for line in block.strip().splitlines()
    ]


def _drawn(pdf: Path) -> tuple[set[str], set[str]]:
    """(characters drawn with a glyph of their font, characters drawn as .notdef).

    Each font's ToUnicode map says which text a code stands for; its encoding
    maps the code to a CID (identity, or a CMap that sends codes to CID 0,
    .notdef, as WeasyPrint does for characters no font had); the embedded font
    program must hold that glyph.
    """
    drawn, notdef = set(), set()
    with pikepdf.open(pdf) as document:
        for font in document.objects:
            if not isinstance(font, pikepdf.Dictionary) or font.get("/Subtype") != "/Type0":
                continue
            text = {}
            for code, uni in _cmap(font.ToUnicode, "beginbfchar", "endbfchar"):
                text[int(code[1:-1], 16)] = bytes.fromhex(uni[1:-1]).decode("utf-16-be")
            for low, high, *to in _cmap(font.ToUnicode, "beginbfrange", "endbfrange"):
                to = [bytes.fromhex(u[1:-1]).decode("utf-16-be") for u in to]
                for n, code in enumerate(range(int(low[1:-1], 16), int(high[1:-1], 16) + 1)):
                    text[code] = to[n] if len(to) > 1 else to[0][:-1] + chr(ord(to[0][-1]) + n)
            if isinstance(font.Encoding, pikepdf.Stream):
                cids = {
                    int(code[1:-1], 16): int(cid)
                    for code, cid in _cmap(font.Encoding, "begincidchar", "endcidchar")
                }
            else:  # /Identity-H
                cids = {code: code for code in text}
            descriptor = font.DescendantFonts[0].FontDescriptor
            program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            face = TTFont(io.BytesIO(program.read_bytes()))
            names = face.getGlyphOrder()
            if "CFF " in face and hasattr(face["CFF "].cff.topDictIndex[0], "ROS"):
                glyphs = {int(name[3:]) for name in names if name.startswith("cid")}
            else:  # TrueType: the CID is the glyph id
                glyphs = set(range(len(names)))
            for code, chars in text.items():
                cid = cids.get(code, 0)
                (drawn if cid != 0 and cid in glyphs else notdef).update(chars)
    return drawn, notdef


@pytest.mark.slow
def test_no_missing_glyphs(script_pdfs):
    """Every visible character of the post's text is drawn with a real glyph in its PDF."""
    pages = {r.source.name: r.target for r in script_pdfs.built if r.format == "html"}
    pdfs = {r.source.name: r.target for r in script_pdfs.built if r.format == "pdf"}
    assert sorted(pdfs) == sorted(POSTS)
    for name, pdf in pdfs.items():
        # the article, as the PDF prints it (a site page adds its navigation after it)
        [page] = lxml.html.fromstring(pages[name].read_bytes()).xpath("//article")
        # joiners and direction marks shape text but are not glyphs
        wanted = set(
            re.sub(r"[\s\u200c\u200d\u202a-\u202e\u2066-\u2069]+", "", page.text_content())
        )
        assert any(ord(c) > 0x5FF for c in wanted), name  # the script's own letters
        drawn, notdef = _drawn(pdf)
        assert notdef == set(), (name, "drawn as .notdef", sorted(notdef)[:20])
        missing = wanted - drawn
        assert missing == set(), (name, "not drawn", sorted(missing)[:20])


@pytest.mark.slow
def test_text_round_trips(script_pdfs, corpus):
    pdftotext = require_tool("pdftotext")
    for result in script_pdfs.built:
        if result.format != "pdf":
            continue
        text = subprocess.run(
            [pdftotext, str(result.target), "-"], capture_output=True, text=True, check=True
        ).stdout
        source = (corpus / result.source.name).read_text("utf-8")
        title = re.search(r"^title: (.+)$", source, re.M)[1].strip()
        # joiners and direction marks shape text but are not glyphs: pdftotext drops them
        invisible = r"[\s\u200c\u200d\u202a-\u202e\u2066-\u2069]+"
        flat = re.sub(invisible, "", text)
        assert re.sub(invisible, "", title) in flat, result.source.name
        # every letter of the script in the source's first long paragraph comes back
        paragraph = next(
            p
            for p in source.split("\n\n")[1:]
            if len(p) > 80 and not p.startswith(("<", "!", "#", ">", "-"))
        )
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
        rows = subprocess.run(
            [pdffonts, str(pdf)], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        assert rows, pdf
        for row in rows:  # name, type (one or two words), encoding, emb, sub, uni, object id
            tokens = row.split()
            name, embedded = tokens[0], tokens[-5]
            assert embedded == "yes", (pdf.name, row)
            assert _family(name) in allowed, (pdf.name, name)


@pytest.mark.slow
def test_right_to_left_from_language(script_pdfs):
    page = next(
        r.target
        for r in script_pdfs.built
        if r.format == "html" and r.source.name == "osg-fa-metrics.md"
    )
    head = page.read_text("utf-8")[:300]
    assert '<html lang="fa" dir="rtl">' in head
