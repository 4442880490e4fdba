"""DOCX: core properties, named styles for excerpt and bio, headings, notes, images."""

from __future__ import annotations

import zipfile

import docx


def _docx(samples_build, slug):
    return next(
        r.target for r in samples_build.built if r.format == "docx" and r.target.stem == slug
    )


def test_core_properties(samples_build):
    props = docx.Document(str(_docx(samples_build, "arctic-shipping"))).core_properties
    assert props.title == "Ice-Free Passages: Arctic Shipping and the Rules of the Road"
    assert props.author == "Inès Okafor; Mariana Quist"
    assert props.created.isoformat().startswith("2025-11-20T00:00:00")
    assert props.subject.startswith("Arctic traffic")
    assert props.language == "en-GB"
    assert "Arctic" in props.keywords


def test_styles_on_the_right_paragraphs(samples_build):
    document = docx.Document(str(_docx(samples_build, "arctic-shipping")))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs if p.text.strip()]
    assert paragraphs[0][0] == "Title" and paragraphs[1][0] == "Subtitle"
    excerpt = [text for style, text in paragraphs if style == "Excerpt"]
    assert excerpt == [
        "Longer ice-free seasons are drawing more ships into Arctic waters. "
        "The rules they sail under were written for a quieter ocean."
    ]
    bios = [text for style, text in paragraphs if style == "Author Bio"]
    assert [b.split(" ")[0] for b in bios] == ["Inès", "Mariana"]
    assert [text for style, text in paragraphs if style == "Heading 1"] == [
        "The Rescue Gap",
        "What States Can Do Together",
        "Conclusion",
    ]
    assert document.styles["Excerpt"].font.name == "Source Serif 4"


def test_footnotes_table_and_image(samples_build):
    with zipfile.ZipFile(_docx(samples_build, "undersea-cables")) as archive:
        notes = archive.read("word/footnotes.xml").decode()
        assert "Tonga’s only international cable" in notes
    document = docx.Document(str(_docx(samples_build, "undersea-cables")))
    assert len(document.tables) == 1 and len(document.tables[0].rows) == 5
    with zipfile.ZipFile(_docx(samples_build, "monsoon-grids")) as archive:
        media = [n for n in archive.namelist() if n.startswith("word/media/")]
        body = archive.read("word/document.xml").decode()
    assert len(media) == 1
    assert 'descr="Bar chart comparing' in body


def test_zip_entries_have_fixed_times(samples_build):
    for result in samples_build.built:
        if result.format == "docx":
            with zipfile.ZipFile(result.target) as archive:
                assert {i.date_time for i in archive.infolist()} == {
                    {
                        "arctic-shipping": (2025, 11, 20, 0, 0, 0),
                        "undersea-cables": (2025, 6, 12, 1, 30, 0),
                        "monsoon-grids": (2025, 9, 3, 6, 0, 0),
                    }[result.target.stem]
                }
