"""PDF: real text, page numbers, running heads, metadata and the brand's fonts."""

from __future__ import annotations

from pypdf import PdfReader

from ..tools import pdf_text


def _pdf(samples_build, slug):
    return next(
        r.target for r in samples_build.built if r.format == "pdf" and r.target.stem == slug
    )


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def test_text_blocks_and_footer(samples_build):
    path = _pdf(samples_build, "undersea-cables")
    reader = PdfReader(path)
    flat = " ".join(pdf_text(path).split())
    assert "Cables Under Strain" in flat and "Mariana Quist" in flat and "12 June 2025" in flat
    assert flat.index("real vulnerability") < flat.index("When a cable is cut")
    assert flat.index("Recommendations") < flat.index("Her work covers cable protection")
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        assert f"{number} of {total}" in page.extract_text()
    assert "The Imprint Review" in reader.pages[0].extract_text()
    assert "Tonga’s only international cable" in flat  # the footnotes are set


def test_running_head_after_first_page(samples_build):
    reader = PdfReader(_pdf(samples_build, "undersea-cables"))
    assert len(reader.pages) >= 2
    second = reader.pages[1].extract_text()
    assert "POLICY BRIEFS" in second and "Cables Under Strain" in second


def test_metadata(samples_build):
    reader = PdfReader(_pdf(samples_build, "arctic-shipping"))
    assert reader.metadata.title == "Ice-Free Passages: Arctic Shipping and the Rules of the Road"
    assert reader.metadata.author == "Inès Okafor, Mariana Quist"
    assert reader.metadata.subject.startswith("Arctic traffic is growing")
    assert reader.metadata.creation_date.date().isoformat() == "2025-11-20"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"


def test_brand_fonts_embedded(samples_build):
    for slug in ("undersea-cables", "monsoon-grids", "arctic-shipping"):
        fonts = _fonts(PdfReader(_pdf(samples_build, slug)))
        families = {"-".join(name.split("-")[:2]).rstrip(",") for name in fonts}
        # body and headings; no sample post has code, so no IBM Plex Mono, and no fallback
        assert families == {"Source-Serif", "Source-Sans"}, (slug, fonts)


def test_image_is_drawn(samples_build):
    reader = PdfReader(_pdf(samples_build, "monsoon-grids"))
    images = [img for page in reader.pages for img in page.images]
    assert any(img.image.size == (720, 400) for img in images)
