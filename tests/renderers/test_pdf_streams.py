"""A PDF's streams are compressed once per PDF written: the bytes are those pydyf itself
writes, whatever was written before."""

from __future__ import annotations

import io
import zlib

import pikepdf
import pytest

from imprint.builder.project import Project
from imprint.renderers.gated import pdf_streams
from imprint.renderers.pdf import PdfRenderer


def _render(doc, project: Project) -> bytes:
    return PdfRenderer().render(doc, project.render_context())


@pytest.mark.slow
def test_streams_serialised_once_give_pydyfs_own_bytes(reference_post, settings, monkeypatch):
    project = Project.open(settings)
    doc = project.load(reference_post)
    PdfRenderer.preload()
    assert pdf_streams.install()
    calls: list[int] = []
    compress = zlib.compressobj

    def counted(*args, **kwargs):
        calls.append(1)
        return compress(*args, **kwargs)

    monkeypatch.setattr(zlib, "compressobj", counted)
    once = _render(doc, project)
    streams = len(calls)
    assert _render(doc, project) == once  # nothing carried over from the first PDF
    assert getattr(pdf_streams._local, "memo", None) is None  # and nothing kept after it

    try:
        # pydyf's own write, which serialises every stream twice: the same bytes
        pdf_streams.uninstall()
        calls.clear()
        assert _render(doc, project) == once
        assert len(calls) > 1.8 * streams
    finally:
        monkeypatch.undo()
        pdf_streams.install()

    with pikepdf.open(io.BytesIO(once)) as pdf:  # every stream still inflates
        assert pdf.Root.MarkInfo.Marked  # tagged (PDF/UA) as before
        for page in pdf.pages:
            assert b"BT" in page.Contents.read_bytes()
