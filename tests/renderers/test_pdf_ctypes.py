"""WeasyPrint's arrays of glyph numbers get their C types without cffi parsing a new
declaration for every length (renderers/gated/pdf_ctypes.py): the types are those cffi's
parser leads to, and the PDFs are the same bytes."""

from __future__ import annotations

import pytest

from imprint.builder.project import Project
from imprint.renderers.gated import pdf_ctypes
from imprint.renderers.pdf import PdfRenderer

from ..conftest import CONTENT


@pytest.fixture()
def ffi():
    PdfRenderer.preload()
    assert pdf_ctypes.install()
    from weasyprint.text.ffi import ffi

    return ffi


@pytest.fixture()
def parsed(ffi, monkeypatch) -> list[str]:
    """The declarations cffi's parser is asked for from now on."""
    asked: list[str] = []
    parse = ffi._parser.parse_type

    def spy(cdecl):
        asked.append(cdecl)
        return parse(cdecl)

    monkeypatch.setattr(ffi._parser, "parse_type", spy)
    return asked


def test_an_array_of_a_new_length_is_cffis_own_type_unparsed(ffi, parsed):
    array = ffi.new("hb_codepoint_t[4321]", list(range(4321)))
    ffi.new("hb_codepoint_t[4322]")
    assert set(parsed) <= {"hb_codepoint_t"}  # the item type, once per process at most
    assert len(array) == 4321 and array[4320] == 4320
    assert ffi.sizeof("hb_codepoint_t[4321]") == 4321 * ffi.sizeof("hb_codepoint_t")
    with ffi._lock:  # what the parser leads to, asked for directly
        expected = ffi._get_cached_btype(ffi._parser.parse_type("hb_codepoint_t[4321]"))
    assert ffi.typeof("hb_codepoint_t[4321]") is expected
    assert ffi.typeof("hb_tag_t[12]").item is ffi.typeof("hb_tag_t")


def test_other_declarations_are_parsed_as_before(ffi, parsed):
    from cffi import CDefError

    assert ffi.typeof("PangoRectangle **").item.kind == "pointer"
    assert ffi.typeof("hb_codepoint_t[3][4]").length == 3
    assert parsed == ["PangoRectangle **", "hb_codepoint_t[3][4]"]
    with pytest.raises(CDefError, match="no_such_type"):
        ffi.typeof("no_such_type[3]")  # cffi's own error, from its own parse


@pytest.mark.slow
def test_the_pdfs_are_the_same_bytes(ffi, parsed, settings, reference_post, corpus, monkeypatch):
    project = Project.open(settings)
    ctx = project.render_context()
    posts = [reference_post, *sorted(corpus.glob("*.md"))[:3], *sorted(CONTENT.glob("*.md"))[:2]]
    docs = [project.load(post) for post in posts]
    ours = [PdfRenderer().render(doc, ctx) for doc in docs]
    assert not [cdecl for cdecl in parsed if pdf_ctypes.ARRAY.fullmatch(cdecl)]
    # cffi as it was: a plain record of what it has parsed, with no array of a length
    monkeypatch.setattr(
        ffi,
        "_parsed_types",
        {
            cdecl: made
            for cdecl, made in ffi._parsed_types.items()
            if not (isinstance(cdecl, str) and pdf_ctypes.ARRAY.fullmatch(cdecl))
        },
    )
    theirs = [PdfRenderer().render(doc, ctx) for doc in docs]
    assert [cdecl for cdecl in parsed if pdf_ctypes.ARRAY.fullmatch(cdecl)]  # it parses
    for post, one, other in zip(posts, ours, theirs, strict=True):
        assert one == other, post.name
