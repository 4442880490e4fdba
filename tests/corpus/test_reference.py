"""The reference post, end to end: the same five blocks in all four formats."""

from __future__ import annotations

import re

import docx
import pytest
from lxml import etree

from ..tools import XHTML_NS, epub_files, epub_opf, html_tree, pdf_text, run_epubcheck

TITLE = "South Korea’s Global Vision"
AUTHOR = "Ha Chae Kyoun"
EXCERPT = "This Policy Brief examines South Korea’s foreign policy trajectory"
BIO = "is a KF Indo-Pacific Visiting Fellow at RUSI"
FIRST_BODY = "South Korea is a middle power in the Indo-Pacific region"
LAST_BODY = "sustain the liberal international order"


def test_four_files(reference_build):
    assert sorted(reference_build) == ["docx", "epub", "html", "pdf"]
    for fmt, path in reference_build.items():
        assert path.name == f"rusi-south-korea-global-vision.{fmt}"
        assert path.stat().st_size > 1000


def test_html_blocks(reference_build):
    tree = html_tree(reference_build["html"])
    article = tree.xpath("//article")[0]
    assert tree.xpath("//h1")[0].text_content().strip() == TITLE
    assert len(tree.xpath("//h1")) == 1
    assert AUTHOR in article.xpath(".//*[@class='byline']")[0].text_content()
    time = article.xpath(".//time")[0]
    assert time.get("datetime") == "2025-05-08T12:00:00+08:00"
    assert time.text_content().strip() == "8 May 2025"
    standfirst = article.xpath(".//*[contains(@class,'standfirst')]")
    assert len(standfirst) == 1 and EXCERPT in standfirst[0].text_content()
    bios = article.xpath(".//*[contains(@class,'author-bio')]")
    assert len(bios) == 1 and BIO in bios[0].text_content()
    body = article.xpath(".//div[@class='body']")[0]
    assert EXCERPT not in body.text_content() or body.text_content().count(EXCERPT) == 1
    assert BIO not in body.text_content()
    order = [el for el in article.iter() if el in (standfirst[0], body, bios[0])]
    assert order == [standfirst[0], body, bios[0]]
    assert not body.xpath(".//hr")  # the rule before the bio went with it
    assert [h.tag for h in body.xpath(".//h2|.//h3")] == ["h2"] * 6  # ### became h2


def test_no_excerpt_marker_anywhere(reference_build):
    for fmt, path in reference_build.items():
        if fmt in ("html",):
            texts = [path.read_text("utf-8")]
        elif fmt == "pdf":
            texts = [pdf_text(path)]
        else:
            texts = [
                data.decode("utf-8", "replace")
                for name, data in epub_files(path).items()
                if name.endswith((".xml", ".xhtml", ".opf"))
            ]
        for text in texts:
            assert "<excerpt/>" not in text and "&lt;excerpt" not in text, fmt


def test_pdf_text_order(reference_build):
    from pypdf import PdfReader

    text = pdf_text(reference_build["pdf"])
    flat = " ".join(text.split())
    for needle in (TITLE, AUTHOR, "8 May 2025", EXCERPT, BIO):
        assert needle in flat, needle
    assert flat.index(EXCERPT) < flat.index(FIRST_BODY) < flat.index(LAST_BODY) < flat.index(BIO)
    reader = PdfReader(reference_build["pdf"])
    pages = len(reader.pages)
    assert f"1 of {pages}" in reader.pages[0].extract_text()
    assert reader.metadata.title == TITLE
    assert reader.metadata.author == AUTHOR
    assert reader.metadata.subject == "Opportunities for UK–South Korea Partnership"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert reader.metadata.creation_date.year == 2025


def test_epub_metadata_and_blocks(reference_build):
    opf = epub_opf(reference_build["epub"])
    ns = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
    assert opf.xpath("//dc:title/text()", namespaces=ns) == [TITLE]
    assert opf.xpath("//dc:creator/text()", namespaces=ns) == [AUTHOR]
    assert opf.xpath("//dc:language/text()", namespaces=ns) == ["en-GB"]
    assert opf.xpath("//dc:date/text()", namespaces=ns)[0].startswith("2025-05-08")
    files = epub_files(reference_build["epub"])
    chapter = etree.fromstring(files["EPUB/article.xhtml"])
    standfirst = chapter.xpath("//x:div[contains(@class,'standfirst')]", namespaces=XHTML_NS)
    bio = chapter.xpath("//x:aside[contains(@class,'author-bio')]", namespaces=XHTML_NS)
    assert len(standfirst) == 1 and EXCERPT in "".join(standfirst[0].itertext())
    assert len(bio) == 1 and BIO in "".join(bio[0].itertext())


@pytest.mark.slow
@pytest.mark.tools
def test_epubcheck_clean(reference_build):
    result = run_epubcheck(reference_build["epub"])
    assert (result.errors, result.warnings) == (0, 0), result.messages


def test_docx_blocks(reference_build):
    document = docx.Document(str(reference_build["docx"]))
    props = document.core_properties
    assert props.title == TITLE
    assert props.author == AUTHOR
    assert props.created.date().isoformat() == "2025-05-08"
    assert props.language == "en-GB"
    styled = [(p.style.name, p.text) for p in document.paragraphs if p.text.strip()]
    assert styled[0] == ("Title", TITLE)
    excerpts = [i for i, (style, _) in enumerate(styled) if style == "Excerpt"]
    bios = [i for i, (style, _) in enumerate(styled) if style == "Author Bio"]
    assert len(excerpts) == 1 and EXCERPT in styled[excerpts[0]][1]
    assert len(bios) == 1 and BIO in styled[bios[0]][1]
    body = [i for i, (_, text) in enumerate(styled) if FIRST_BODY in text]
    assert excerpts[0] < body[0] < bios[0] == len(styled) - 1
    assert sum(BIO in text for _, text in styled) == 1
    headings = [text for style, text in styled if style == "Heading 1"]
    assert headings[0] == "South Korea as a Global Middle Power" and len(headings) == 6
    assert not any(re.search(r"<excerpt", text) for _, text in styled)
