"""Numbered figures and tables, and @fig:x / @tbl:x references, in all four formats."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from imprint.check.validate import nu_check

from .conftest import require_tool
from .tools import XHTML_NS, build_fixture, epub_files, html_tree, pdf_text, run_epubcheck

FIXTURES = Path(__file__).parent / "fixtures" / "figures"
POST = "2024-09-04-berth-survey.md"


@pytest.fixture(scope="module")
def figures(tmp_path_factory, settings):
    return build_fixture(FIXTURES, tmp_path_factory.mktemp("figures"), settings)


@pytest.mark.slow
@pytest.mark.tools
def test_html_numbers_captions_and_links_references(figures):
    require_tool("java")
    _, out = figures
    page = html_tree(out["html"])
    captions = [" ".join(c.text_content().split()) for c in page.xpath("//figcaption")]
    assert captions == [
        "Figure 1: The tide gauge at the harbour mouth",
        "Figure 2: Occupied berths by week",
    ]
    tables = [" ".join(c.text_content().split()) for c in page.xpath("//table/caption")]
    assert tables == ["Table 1: Fees by month", "Table 2: Berths by pontoon"]
    links = [(a.get("href"), a.text) for a in page.xpath("//a[@class='cross-reference']")]
    assert links == [
        ("#fig:gauge", "Figure 1"),
        ("#tbl:fees", "Table 1"),
        ("#tbl:fees", "Table 1"),
        ("#fig:berths", "Figure 2"),
    ]
    for href, _ in links:
        assert page.xpath(f"//*[@id='{href[1:]}']")
    text = page.text_content()
    assert "@fig:gauge" in page.xpath("string(//code)")  # code keeps what it says
    assert "@tbl" not in text and "@fig:berths" not in text and "@fig:nowhere" not in text
    (nu,) = nu_check([out["html"]])
    assert nu.errors == 0, nu.messages


@pytest.mark.slow
def test_missing_label_is_a_warning_on_its_line(figures):
    report, _ = figures
    (warning,) = [w for w in report.warnings if "fig:nowhere" in w.message]
    text = (FIXTURES / POST).read_text(encoding="utf-8")
    assert warning.line == text[: text.index("@fig:nowhere")].count("\n") + 1
    assert not [w for w in report.warnings if "removed" in w.message]


@pytest.mark.slow
@pytest.mark.tools
def test_pdf_epub_docx_carry_the_numbers(figures):
    _, out = figures
    text = pdf_text(out["pdf"])
    for words in (
        "Figure 1: The tide gauge",
        "Table 2: Berths by pontoon",
        "as Figure 1 and Table 1 show",
        "in Figure 2, fell",
    ):
        assert words in " ".join(text.split()), words
    chapter = etree.fromstring(epub_files(out["epub"])["EPUB/article.xhtml"])
    assert [
        a.text for a in chapter.xpath("//x:a[@class='cross-reference']", namespaces=XHTML_NS)
    ] == ["Figure 1", "Table 1", "Table 1", "Figure 2"]
    result = run_epubcheck(out["epub"])
    assert (result.errors, result.warnings) == (0, 0), result.messages
    with zipfile.ZipFile(out["docx"]) as docx:
        document = "".join(etree.fromstring(docx.read("word/document.xml")).itertext())
    for words in (
        "Figure 1: The tide gauge",
        "Table 1: Fees by month",
        "Figure 2: Occupied berths",
        "as Figure 1 and Table 1 show",
    ):
        assert words in document, words


def test_references_in_code_are_left_alone():
    from imprint.normalise.figures import protect_references

    text = (
        "See @fig:a, not user@fig:b.\n\n```\n@fig:c in a fence\n```\n\n"
        "Inline `@tbl:d` and ``a @tbl:e``; then @tbl:f.\n"
    )
    assert protect_references(text) == text.replace("See @fig:a", "See \\@fig:a").replace(
        "then @tbl:f", "then \\@tbl:f"
    )
