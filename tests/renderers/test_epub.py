"""EPUB 3: package metadata, navigation, media, and epubcheck with 0 errors, 0 warnings."""

from __future__ import annotations

import pytest
from lxml import etree

from ..tools import OPF_NS, XHTML_NS, epub_files, epub_opf, run_epubcheck


def _epubs(samples_build):
    return [r.target for r in samples_build.built if r.format == "epub"]


@pytest.mark.slow
def test_every_sample_epub_passes_epubcheck(samples_build):
    for path in _epubs(samples_build):
        result = run_epubcheck(path)
        assert (result.errors, result.warnings) == (0, 0), (path.name, result.messages)


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
    labels = [" ".join("".join(a.itertext()).split())
              for a in nav.xpath("//x:nav//x:a", namespaces=XHTML_NS)]
    assert labels[0].startswith("Cables Under Strain")
    assert labels[1:] == ["Where the Risk Sits", "Repair Capacity as Public Infrastructure",
                          "Recommendations"]


def test_image_in_manifest(samples_build):
    path = next(p for p in _epubs(samples_build) if p.stem == "monsoon-grids")
    opf = epub_opf(path)
    images = opf.xpath("//opf:item[@media-type='image/png']/@href", namespaces=OPF_NS)
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


@pytest.mark.parametrize(("html", "expected"), [
    ('<a href="/docs/conduct/">conduct</a>', "<a>conduct</a>"),
    ('<a class="x" href="../about">about</a>', '<a class="x">about</a>'),
    ('<a href="%7B%7B%20site.repository%20%7D%7D/issues/1">#1</a>', "<a>#1</a>"),
    ('<a href="">empty</a>', "<a>empty</a>"),
    ('<a href="#fn1" class="footnote-ref">1</a>', '<a href="#fn1" class="footnote-ref">1</a>'),
    ('<a href="https://e.example/x">x</a>', '<a href="https://e.example/x">x</a>'),
    ('<a href="mailto:a@e.example">a</a>', '<a href="mailto:a@e.example">a</a>'),
    ('<img src="media/0123456789abcdef.png">', '<img src="media/0123456789abcdef.png">'),
])
def test_links_to_the_old_site_keep_only_their_words(html, expected):
    from imprint.renderers.epub import offline_links

    assert offline_links(html) == expected
