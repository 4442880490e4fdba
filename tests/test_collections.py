"""Collections: many posts, one validated EPUB, PDF and DOCX, with per-article metadata."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import docx
import pikepdf
import pytest
from lxml import etree
from PIL import Image
from pypdf import PdfReader

from imprint.check.validate import pdf_structure
from imprint.collection import build_collection
from imprint.errors import ConfigError

from .conftest import CONTENT, require, require_tool
from .tools import OPF_NS, XHTML_NS, epub_files, epub_opf, run_epubcheck_many

pytestmark = pytest.mark.slow

CORPUS_POSTS = (
    "osg-ko-metrics.md",
    "osg-ja-getting-paid.md",
    "osg-fa-metrics.md",
    "osg-zh-hans-security.md",
    "rusi-south-korea-global-vision.md",
    "jekyll-diversity-open-source.md",
    "mm-more-tag.md",
    "mm-excerpt-defined.md",
    "oppkey-python-dev-env-author-bio.md",
    "jekyll-1-0-4-quoted-date.md",
)


@pytest.fixture(scope="module")
def anthology(corpus, settings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("anthology")
    paths = [str(p) for p in sorted(CONTENT.glob("2025-*.md"))] + [
        str(corpus / name) for name in CORPUS_POSTS
    ]
    manifest = folder / "anthology.toml"
    manifest.write_text(
        'title = "Open Source and Policy: An Anthology"\n'
        'subtitle = "Twelve pieces"\neditors = ["Ann Editor", "Bo Editor"]\n'
        'description = "Posts from many sites in one book."\nlang = "en-GB"\n'
        '[series]\nname = "Imprint Readers"\nnumber = 4\n'
        f"[posts]\npaths = {paths!r}\n".replace("'", '"'),
        encoding="utf-8",
    )
    # two workers: the posts are normalised and the articles laid out in the pool
    report = build_collection(
        manifest, ["epub", "pdf", "docx"], out=folder / "out", settings=settings, force=True, jobs=2
    )
    assert report.ok, [r.error for r in report.failed]
    return {r.format: r.target for r in report.results}, len(paths)


@pytest.mark.slow
@pytest.mark.timeout(1800)  # the thirteen-article book laid out again, on one worker
def test_the_worker_count_does_not_change_a_byte(anthology, settings, tmp_path):
    outputs, _ = anthology
    manifest = outputs["pdf"].parents[2] / "anthology.toml"
    report = build_collection(
        manifest, ["epub", "pdf", "docx"], out=tmp_path, force=True, settings=settings, jobs=1
    )
    assert report.ok, [r.error for r in report.failed]
    for result in report.results:
        assert result.target.read_bytes() == outputs[result.format].read_bytes(), result.format


@pytest.mark.slow
def test_page_numbers_are_artifacts_laid_over_the_articles(anthology):
    outputs, _ = anthology
    reader = PdfReader(outputs["pdf"])
    with pikepdf.open(outputs["pdf"]) as pdf:
        starts = [
            pdf.pages.index(pikepdf.Page(item.destination[0])) for item in pdf.open_outline().root
        ]
        numbered = 0
        for index, page in enumerate(pdf.pages):
            stamped = "/ImprintFolio" in page.resources.get("/XObject", {})
            if index < starts[0]:  # the front matter numbers its own pages
                assert not stamped, index
                continue
            if not stamped:  # a blank page before an article, so it starts on a recto
                assert not pikepdf.parse_content_stream(page), index
                continue
            numbered += 1
            drawing = pikepdf.unparse_content_stream(pikepdf.parse_content_stream(page))
            assert drawing.rstrip().endswith(b"/Artifact BMC\nq\n/ImprintFolio Do\nQ\nEMC")
            operators = {
                str(op.operator)
                for op in pikepdf.parse_content_stream(page.resources.XObject.ImprintFolio)
            }
            assert "BT" in operators and not operators & {"Do", "re", "BDC"}, index  # text only
            assert reader.pages[index].extract_text().splitlines()[-1].strip() == str(index + 1)
        assert numbered >= len(starts)


def labels_of(items: list) -> list[str]:
    return [" ".join("".join(li.xpath("./*[1]")[0].itertext()).split()) for li in items]


@pytest.mark.slow
@pytest.mark.tools
def test_epub_is_valid_with_one_entry_per_article(anthology):
    outputs, count = anthology
    (result,) = run_epubcheck_many([outputs["epub"]])
    assert (result.errors, result.warnings) == (0, 0), result.messages
    files = epub_files(outputs["epub"])
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    top = nav.xpath("//x:nav[@epub:type='toc']/x:ol/x:li", namespaces=XHTML_NS)
    assert len(top) == count + 1  # the title page, then every article
    labels = labels_of(top[1:])
    assert (
        labels[0] == "Cables Under Strain: Protecting the Pacific’s Undersea Links — Mariana Quist"
    )
    assert nav.xpath("//x:nav/@id", namespaces=XHTML_NS) == ["toc", "landmarks"]
    marks = dict(zip(labels_of(top[1:]), ((li.get("lang"), li.get("dir")) for li in top[1:])))

    def marked(start: str) -> tuple[str | None, str | None]:
        (found,) = [mark for label, mark in marks.items() if label.startswith(start)]
        return found

    assert marked("オープンソース") == ("ja", None)
    assert marked("سنجه") == ("fa", "rtl")
    assert marked("Cables Under") == (None, None)  # the book's own language
    articles = sorted(name for name in files if re.fullmatch(r"EPUB/article-\d{3}\.xhtml", name))
    assert len(articles) == count
    ids: Counter[str] = Counter()
    bios = 0
    for name in articles:
        tree = etree.fromstring(files[name])
        ids.update(tree.xpath("//@id"))
        assert tree.xpath("//x:h1", namespaces=XHTML_NS)
        assert tree.xpath("//*[contains(@class,'standfirst')]", namespaces=XHTML_NS), name
        bios += len(tree.xpath("//x:aside[contains(@class,'author-bio')]", namespaces=XHTML_NS))
    # every bio the posts have: the three samples' four, the reference post's, and the
    # front-matter bio of the Oppkey post; the other corpus posts have none to give
    assert bios == 6
    assert not [i for i, n in ids.items() if n > 1]
    # notes and back-links still meet after the ids changed
    first = etree.fromstring(files[articles[0]])
    for ref in first.xpath("//x:a[@epub:type='noteref']", namespaces=XHTML_NS):
        note = first.xpath(f"//*[@id='{ref.get('href')[1:]}']")
        assert note and note[0].xpath(f".//x:a[@href='#{ref.get('id')}']", namespaces=XHTML_NS)


def test_epub_metadata(anthology):
    outputs, count = anthology
    opf = epub_opf(outputs["epub"])
    assert opf.xpath("//dc:title/text()", namespaces=OPF_NS) == [
        "Open Source and Policy: An Anthology"
    ]
    assert opf.xpath("//dc:creator/text()", namespaces=OPF_NS) == ["Ann Editor", "Bo Editor"]
    contributors = opf.xpath("//dc:contributor/text()", namespaces=OPF_NS)
    assert {"Mariana Quist", "Ha Chae Kyoun", "Craig Oda"} <= set(contributors)
    assert len(opf.xpath("//dc:source/text()", namespaces=OPF_NS)) == count
    series = opf.xpath("//opf:meta[@property='belongs-to-collection']", namespaces=OPF_NS)[0]
    assert series.text == "Imprint Readers"
    refines = {
        m.get("property"): m.text
        for m in opf.xpath(f"//opf:meta[@refines='#{series.get('id')}']", namespaces=OPF_NS)
    }
    assert refines == {"collection-type": "series", "group-position": "4"}
    assert opf.xpath("//opf:meta[@property='schema:accessibilitySummary']", namespaces=OPF_NS)
    files = epub_files(outputs["epub"])
    images = [n for n in files if n.startswith("EPUB/media/")]
    assert len(images) == len(set(files[n] for n in images))  # each image stored once


@pytest.mark.slow
@pytest.mark.tools
def test_calibre_reads_title_authors_series(anthology):
    ebook_meta = require_tool("ebook-meta")
    outputs, _ = anthology
    shown = subprocess.run(
        [ebook_meta, str(outputs["epub"])], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    fields = dict(re.findall(r"^(\w[\w ()]*?)\s*: (.*)$", shown, re.M))
    assert fields["Title"] == "Open Source and Policy: An Anthology"
    assert fields["Author(s)"].startswith("Ann Editor")
    assert fields["Series"] == "Imprint Readers #4"


def test_pdf_outline_and_contents_page_numbers(anthology):
    outputs, count = anthology
    reader = PdfReader(outputs["pdf"])
    top = [item for item in reader.outline if not isinstance(item, list)]
    assert len(top) == count
    starts = [reader.get_destination_page_number(item) + 1 for item in top]
    assert all(start % 2 == 1 for start in starts)  # each on a right-hand page
    contents = reader.pages[1].extract_text() + reader.pages[2].extract_text()
    for item, start in zip(top, starts, strict=True):
        title = " ".join(item.title.replace("\u200c", "").split())[:30]  # ZWNJ: not text
        assert title in " ".join(contents.split()), title
        page_text = reader.pages[start - 1].extract_text()
        assert page_text.strip().splitlines()[-1].endswith(str(start))  # its own page number
        # headed by the book's running head, not by the single brief's masthead
        assert "open source and policy" in page_text.casefold()
        assert "policy briefs" not in page_text.casefold(), title
        assert "The Imprint Review\n" + title[:10] not in page_text  # no masthead above
    listed, position = [], 0
    for item in top:  # the number printed after each title in the contents
        label = item.title.replace("\u200c", "")[:20]
        position = contents.index(label, position) + len(label)
        match = re.compile(r"(?<![\w.])(\d+)\s*$", re.M).search(contents, position)
        listed.append(int(match[1]))
    assert listed == starts
    assert pdf_structure(outputs["pdf"]).errors == 0


def test_docx_has_one_heading_per_article(anthology):
    outputs, count = anthology
    document = docx.Document(str(outputs["docx"]))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert len(headings) == count
    assert document.styles["Heading 1"].paragraph_format.page_break_before
    assert document.core_properties.title == "Open Source and Policy: An Anthology"
    assert sum(p.style.name == "Excerpt" for p in document.paragraphs) >= count


def _manifest(tmp_path: Path, posts: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(f'title = "Bad"\n[posts]\n{posts}\n', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("posts", "expected"),
    [
        ('paths = ["missing.md"]', "posts.paths: 'missing.md': no such post"),
        ('paths = ["nothing-*.md"]', "posts.paths: 'nothing-*.md' matches no post"),
        ('paths = ["one.md"]\ntags = ["absent"]', "the selection is empty"),
        ('paths = ["one.md", "sub/one.md"]', "share the identifier"),
        ('order = "random"', "posts.order: 'random' must be one of"),
    ],
)
def test_bad_manifests_fail_before_writing(tmp_path, settings, posts, expected):
    (tmp_path / "sub").mkdir()
    post = "---\ntitle: One\n---\n\nText.\n"
    (tmp_path / "one.md").write_text(post, encoding="utf-8")
    (tmp_path / "sub" / "one.md").write_text(post, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        build_collection(_manifest(tmp_path, posts), out=tmp_path / "out", settings=settings)
    assert expected in str(raised.value)
    assert str(raised.value).startswith(str(tmp_path / "bad.toml"))
    assert not (tmp_path / "out").exists()


def test_unchanged_collection_is_skipped(tmp_path, settings):
    shutil.copytree(CONTENT, tmp_path / "content", ignore=shutil.ignore_patterns("collections"))
    manifest = tmp_path / "content" / "collections" / "small.toml"
    manifest.parent.mkdir()
    manifest.write_text(
        'title = "Small"\n[posts]\npaths = ["../2025-06-12-undersea-cables.md"]\n', encoding="utf-8"
    )
    own = settings.with_overrides(root=tmp_path)
    first = build_collection(manifest, ["epub"], out=tmp_path / "out", settings=own)
    again = build_collection(manifest, ["epub"], out=tmp_path / "out", settings=own)
    assert [r.status for r in first.results] == ["built"]
    assert [r.status for r in again.results] == ["skipped"]
    post = tmp_path / "content" / "2025-06-12-undersea-cables.md"
    post.write_text(post.read_text("utf-8").replace("Tonga", "Tuvalu"), encoding="utf-8")
    third = build_collection(manifest, ["epub"], out=tmp_path / "out", settings=own)
    assert [r.status for r in third.results] == ["built"]


def test_pdf_collection_honours_the_pdf_standard(tmp_path, settings):
    import pikepdf

    manifest = CONTENT / "collections" / "imprint-2025.toml"
    report = build_collection(
        manifest,
        ["pdf"],
        out=tmp_path,
        settings=settings.with_overrides(pdf_standard="a-3b"),
        force=True,
    )
    assert report.ok, [r.error for r in report.failed]
    path = report.results[0].target
    assert pdf_structure(path).validator == "pdf-a" and pdf_structure(path).errors == 0
    with pikepdf.open(path) as pdf:
        assert 'pdfaid:part="3"' in str(pdf.open_metadata())
        assert sorted(pdf.attachments) == sorted(p.name for p in CONTENT.glob("2025-*.md"))
        for spec in pdf.attachments.values():
            assert spec.obj.AFRelationship == "/Source"


@pytest.mark.slow
def test_an_article_over_the_memory_cap_fails_the_pdf_alone(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content, ignore=shutil.ignore_patterns("collections"))
    # 9000 × 9000 pixels: a quarter of a megabyte as PNG, 243 MB once decoded to draw
    Image.new("RGB", (9000, 9000), (200, 30, 30)).save(
        content / "images" / "huge.png", optimize=True
    )
    huge = content / "2025-01-02-huge.md"
    huge.write_text(
        "---\ntitle: A huge picture\nauthor: Tomasz Erlich\ndate: 2025-01-02\n"
        "description: Red\n---\n\nOpening.\n\n![A red square](images/huge.png)\n",
        encoding="utf-8",
    )
    (tmp_path / "imprint.toml").write_text("[build]\nmemory_mb = 400\n", encoding="utf-8")
    manifest = tmp_path / "book.toml"
    manifest.write_text(
        'title = "Red Book"\neditors = ["Ann Editor"]\n[posts]\npaths = ["content/*.md"]\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "imprint", "collection", str(manifest), "--jobs", "2"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 70, done.stderr
    assert (
        f"{huge}: render: the PDF ran out of memory under the worker's cap of 400 MB "
        "(raise [build] memory_mb in imprint.toml)" in done.stderr.splitlines()
    ), done.stderr
    assert sorted(p.name for p in (tmp_path / "build" / "collections").iterdir()) == [
        "book.docx",
        "book.epub",
    ]


@pytest.mark.slow
def test_a_many_language_collection_passes_ace(anthology):
    """The anthology's Japanese, Korean, Chinese and Persian articles, and their nav
    entries, are voiced and laid out in their own language: Ace finds nothing serious."""
    from imprint.check.ace import ace_many

    from .test_ace import _ace_available

    require(_ace_available(), "Ace by DAISY (node, npm and chromium)")
    outputs, _ = anthology
    (result,) = ace_many([outputs["epub"]])
    assert result.errors == 0, result.messages
    assert not [m for m in result.messages if m.startswith(("serious", "critical"))]
