"""EPUB 3: package metadata, navigation, media, and epubcheck with 0 errors, 0 warnings."""

from __future__ import annotations

import pytest
from lxml import etree

from ..tools import OPF_NS, XHTML_NS, epub_files, epub_opf, run_epubcheck_many


def _epubs(samples_build):
    return [r.target for r in samples_build.built if r.format == "epub"]


@pytest.mark.slow
@pytest.mark.tools
def test_every_sample_epub_passes_epubcheck(samples_build):
    results = run_epubcheck_many(_epubs(samples_build))
    assert len(results) == 3
    for result in results:
        assert (result.errors, result.warnings) == (0, 0), (result.path.name, result.messages)


def test_package_metadata(samples_build):
    path = next(p for p in _epubs(samples_build) if p.stem == "arctic-shipping")
    opf = epub_opf(path)
    assert opf.xpath("//dc:creator/text()", namespaces=OPF_NS) == ["Inès Okafor", "Mariana Quist"]
    assert opf.xpath("//dc:identifier/text()", namespaces=OPF_NS)[0].startswith("urn:uuid:")
    assert opf.xpath("//dc:description/text()", namespaces=OPF_NS)[0].startswith("Arctic")
    assert set(opf.xpath("//dc:subject/text()", namespaces=OPF_NS)) >= {"Arctic", "shipping"}
    modified = opf.xpath("//opf:meta[@property='dcterms:modified']/text()", namespaces=OPF_NS)
    assert modified == ["2025-11-20T00:00:00Z"]


def test_nav_lists_sections(samples_build):
    path = next(p for p in _epubs(samples_build) if p.stem == "undersea-cables")
    files = epub_files(path)
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    labels = [
        " ".join("".join(a.itertext()).split())
        for a in nav.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=XHTML_NS)
    ]
    assert labels[0].startswith("Cables Under Strain")
    assert labels[1:] == [
        "Where the Risk Sits",
        "Repair Capacity as Public Infrastructure",
        "Recommendations",
    ]
    landmarks = nav.xpath("//x:nav[@epub:type='landmarks']//x:a/@epub:type", namespaces=XHTML_NS)
    assert landmarks == ["cover", "toc", "bodymatter"]


def test_image_in_manifest(samples_build):
    path = next(p for p in _epubs(samples_build) if p.stem == "monsoon-grids")
    opf = epub_opf(path)
    images = opf.xpath(
        "//opf:item[@media-type='image/png'][not(@properties)]/@href", namespaces=OPF_NS
    )
    assert len(images) == 1
    files = epub_files(path)
    assert files[f"EPUB/{images[0]}"].startswith(b"\x89PNG")
    chapter = etree.fromstring(files["EPUB/article.xhtml"])
    img = chapter.xpath("//x:img", namespaces=XHTML_NS)[0]
    assert img.get("src") == images[0] and img.get("alt").startswith("Bar chart")


def test_mimetype_first_and_stored(samples_build):
    import zipfile

    for path in _epubs(samples_build):
        with zipfile.ZipFile(path) as archive:
            first = archive.infolist()[0]
            assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
            assert archive.read("mimetype") == b"application/epub+zip"


def _meta(opf, prop):
    return opf.xpath(f"//opf:meta[@property='{prop}']/text()", namespaces=OPF_NS)


def test_accessibility_metadata_follows_the_content(samples_build):
    by_slug = {p.stem: epub_opf(p) for p in _epubs(samples_build)}
    for opf in by_slug.values():
        assert "textual" in _meta(opf, "schema:accessMode")
        assert _meta(opf, "schema:accessibilityHazard") == ["none"]
        assert {"tableOfContents", "readingOrder", "structuralNavigation"} <= set(
            _meta(opf, "schema:accessibilityFeature")
        )
        assert _meta(opf, "schema:accessibilitySummary")
    # the chart has alt text: alternativeText is claimed, and conformance
    charted = by_slug["monsoon-grids"]
    assert "alternativeText" in _meta(charted, "schema:accessibilityFeature")
    assert _meta(charted, "dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    # no images in the body: nothing to describe, so no alternativeText claim
    assert "alternativeText" not in _meta(by_slug["undersea-cables"], "schema:accessibilityFeature")


def test_notes_are_epub_notes_with_back_links(samples_build):
    path = next(p for p in _epubs(samples_build) if p.stem == "undersea-cables")
    chapter = etree.fromstring(epub_files(path)["EPUB/article.xhtml"])
    refs = chapter.xpath("//x:a[@epub:type='noteref']", namespaces=XHTML_NS)
    notes = chapter.xpath("//*[@epub:type='endnotes']/x:ol/x:li", namespaces=XHTML_NS)
    assert len(refs) == len(notes) == 3
    for ref, note in zip(refs, notes, strict=True):
        assert ref.get("href") == f"#{note.get('id')}"
        back = note.xpath(".//x:a[@role='doc-backlink']", namespaces=XHTML_NS)[0]
        assert back.get("href") == f"#{ref.get('id')}"


def test_cover_and_embedded_fonts(samples_build):
    path = next(p for p in _epubs(samples_build) if p.stem == "arctic-shipping")
    opf = epub_opf(path)
    cover = opf.xpath("//opf:item[@properties='cover-image']", namespaces=OPF_NS)
    assert len(cover) == 1 and cover[0].get("media-type") == "image/jpeg"
    files = epub_files(path)
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(files["EPUB/" + cover[0].get("href")]))
    assert image.size == (1600, 2400)
    pixel = image.getpixel((10, 10))  # the brand's primary colour, within JPEG's rounding
    assert all(abs(a - b) <= 3 for a, b in zip(pixel, (0x1B, 0x2A, 0x41), strict=True))
    fonts = opf.xpath("//opf:item[@media-type='font/woff2']/@href", namespaces=OPF_NS)
    assert any("SourceSerif4" in f for f in fonts) and any("SourceSans3" in f for f in fonts)
    css = files["EPUB/styles/article.css"].decode()
    for font in fonts:
        assert f"../{font}" in css
        assert files[f"EPUB/{font}"][:4] == b"wOF2"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<a href="/docs/conduct/">conduct</a>', "<span>conduct</span>"),
        ('<a class="x" href="../about">about</a>', '<span class="x">about</span>'),
        ('<a href="%7B%7B%20site.repository%20%7D%7D/issues/1">#1</a>', "<span>#1</span>"),
        ('<a href="">empty</a>', '<a href="">empty</a>'),
        ('<a href="#fn1" class="footnote-ref">1</a>', '<a href="#fn1" class="footnote-ref">1</a>'),
        ('<a href="https://e.example/x">x</a>', '<a href="https://e.example/x">x</a>'),
        ('<a href="mailto:a@e.example">a</a>', '<a href="mailto:a@e.example">a</a>'),
        ('<img src="media/0123456789abcdef.png">', '<img src="media/0123456789abcdef.png">'),
    ],
)
def test_links_to_the_old_site_keep_only_their_words(html, expected):
    from imprint.renderers.epub import epub_body

    assert epub_body(html) == expected


@pytest.mark.parametrize(
    ("title", "lang", "direction"),
    [
        ("South Korea’s Global Vision", "en", "ltr"),
        ("한국의 세계 전략", "ko", "ltr"),
        ("چشم‌انداز جهانی", "fa", "rtl"),
    ],
    ids=["latin", "korean", "persian"],
)
def test_covers_with_fonts_loaded_once_are_those_of_fonts_loaded_anew(
    settings, title, lang, direction
):
    from imprint.brand import cover
    from imprint.builder.project import Project

    brand = Project.open(settings).brand
    text = cover.CoverText(title, "A subtitle", ("Ann Author",), "8 May 2025", lang, direction)
    cover._truetype.cache_clear()
    first = cover.make_cover(text, brand)
    assert cover._truetype.cache_info().currsize > 0
    again = cover.make_cover(text, brand)  # every font from the process's own cache
    assert again == first and cover._truetype.cache_info().hits > 0
    assert first.startswith(b"\xff\xd8")  # a JPEG
