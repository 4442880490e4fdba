"""The running heads' margin boxes get their widths from one measure of the brand's label
(PdfRenderer.running_heads): the PDFs are the very bytes made when the boxes share the
line by themselves, and a label that is long, or a right-to-left page, is left to share
it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from imprint.builder.project import Project
from imprint.renderers.pdf import PdfRenderer

from ..conftest import CONTENT


@pytest.fixture(scope="module")
def context(settings):
    project = Project.open(settings)
    return project, project.render_context()


@pytest.mark.slow
def test_the_heads_are_given_widths_and_the_pdfs_are_the_same(context, reference_post, monkeypatch):
    project, ctx = context
    posts = [project.load(reference_post)] + [project.load(p) for p in sorted(CONTENT.glob("*.md"))]
    renderer = PdfRenderer()
    assert renderer.running_heads(ctx, posts[0]) == ""  # a process's first PDF: no measure
    rule = renderer.running_heads(ctx, posts[0])
    assert "@top-left { width:" in rule and "@bottom-right { width: calc(100% -" in rule
    assert rule in renderer.page(posts[0], ctx, rule)
    measured = [renderer.render(doc, ctx) for doc in posts]
    monkeypatch.setattr(PdfRenderer, "running_heads", lambda self, ctx, doc: "")
    shared = [PdfRenderer().render(doc, ctx) for doc in posts]
    for doc, ours, theirs in zip(posts, measured, shared, strict=True):
        assert ours == theirs, doc.slug


def test_a_long_label_and_a_right_to_left_page_share_the_line(context, reference_post):
    project, ctx = context
    doc = project.load(reference_post)
    long_brand = replace(
        ctx.brand,
        series="A series name far too long to sit beside the title of a brief in the running head",
        digest="long-label",
    )
    renderer = PdfRenderer()
    for _ in range(2):
        rule = renderer.running_heads(replace(ctx, brand=long_brand), doc)
    assert "@top-left" not in rule and "@bottom-left { width:" in rule  # the footer is short
    arabic = replace(doc, lang="ar")
    assert [renderer.running_heads(ctx, arabic) for _ in range(2)] == ["", ""]
