"""A line of text is drawn with the Pango layout it was last laid out in, not a new one
shaped again (renderers/pdf_layouts.py): the PDFs are the same bytes, the layouts are
reused where nothing could make a new one differ, and only there."""

from __future__ import annotations

import gc

import pytest

from imprint.builder.project import Project
from imprint.renderers import pdf_layouts
from imprint.renderers.pdf import PdfRenderer

from ..conftest import CONTENT

# Text WeasyPrint sets with attributes, in paragraphs, preformatted, right to left, in
# scripts with fallback fonts, cut short, in a drawing: every case the reuse must leave
# alone or get right
EDGES = """<!doctype html><html lang="en"><head><style>
@page { size: 120mm 200mm; margin: 10mm }
body { font-family: "Source Serif 4"; font-size: 10pt }
.j { text-align: justify } .ls { letter-spacing: 0.1em } .ws { word-spacing: 4pt }
.h { hyphens: auto; width: 30mm } .b { overflow-wrap: anywhere; width: 20mm }
.ba { word-break: break-all; width: 25mm } .e { white-space: nowrap; overflow: hidden;
text-overflow: ellipsis; width: 30mm } .u { text-decoration: underline }
.sc { font-variant: small-caps }
</style></head><body>
<p>A plain paragraph long enough to break across several lines of the narrow page,
with <em>emphasis</em>, <strong>strong words</strong> and <a href="#x">a link</a> in it.</p>
<p class="j">A justified paragraph long enough to break across several lines of the
narrow page, so that its spaces are stretched when it is drawn.</p>
<p class="ls">Letter-spaced text that runs on long enough to break onto a second line.</p>
<p class="ws">Word-spaced text that runs on long enough to break onto a second line.</p>
<p class="h">Hyphenation of extraordinarily incomprehensible characteristically long
words.</p>
<p>Soft hy&shy;phens in a para&shy;graph whose words are long enough to be bro&shy;ken
at them if a line ends there, and again further on in the para&shy;graph.</p>
<p class="b">Supercalifragilisticexpialidocious antidisestablishmentarianism.</p>
<p class="ba">Breakingallwordsanywhereinthisverylongrunoftextwithoutspaces.</p>
<p class="e">A line cut short with an ellipsis, much longer than its box.</p>
<pre>preformatted\ttext with a tab
and a second line, and a third
	indented by a tab</pre>
<p style="white-space: pre-wrap">pre-wrap text
with a newline kept, and a line long enough to wrap within the narrow page.</p>
<p style="white-space: pre-line">pre-line text
with a newline kept</p>
<p class="u">Underlined text long enough to break across more than one line of the
narrow page.</p>
<p class="sc">Small capitals long enough to break across more than one line.</p>
<p dir="rtl" lang="ar">هذا نص عربي طويل بما يكفي لينقسم على أكثر من سطر في هذه الصفحة
الضيقة، مع بعض الكلمات الإضافية.</p>
<p lang="ja">日本語の文章は単語の間に空白がなく、行は文字の間で折り返されます。この段落は数行に
わたります。</p>
<p lang="ko">한국어 문장은 단어 사이에 띄어쓰기가 있으며 이 문단은 여러 줄에 걸쳐 있습니다.</p>
<svg width="200" height="60" xmlns="http://www.w3.org/2000/svg"><text x="5" y="20"
font-size="12">Text in a drawing, set letter by letter</text><text x="5" y="45"
font-size="12" letter-spacing="2">and spaced out</text></svg>
</body></html>"""


@pytest.fixture()
def line_break():
    PdfRenderer.preload()
    assert pdf_layouts.install()
    from weasyprint.text import line_break

    return line_break


def as_before(line_break, monkeypatch) -> None:
    """WeasyPrint's own line-breaker again, for the rest of the test: it keeps no layout,
    so each line drawn gets a new one, as WeasyPrint's own drawing makes it."""
    originals = pdf_layouts._state["originals"]
    monkeypatch.setattr(line_break, "create_layout", originals["create_layout"])
    monkeypatch.setattr(line_break, "first_line_metrics", originals["first_line_metrics"])


@pytest.fixture()
def shapings(line_break, monkeypatch) -> dict[str, int]:
    """Lines drawn, and of those, the ones drawn with a new Pango layout."""
    counts = {"drawn": 0, "new": 0}
    setup = line_break.Layout.setup
    drawing = [False]

    def spy_setup(self, style):
        counts["new"] += drawing[0]
        return setup(self, style)

    from weasyprint.draw import text

    draw = text.draw_first_line

    def spy_draw(stream, textbox, *args):
        counts["drawn"] += 1
        return draw(stream, textbox, *args)

    reactivate = line_break.Layout.reactivate

    def spy_reactivate(self, style):
        drawing[0] = True
        try:
            return reactivate(self, style)
        finally:
            drawing[0] = False

    monkeypatch.setattr(line_break.Layout, "setup", spy_setup)
    monkeypatch.setattr(text, "draw_first_line", spy_draw)
    monkeypatch.setattr(line_break.Layout, "reactivate", spy_reactivate)
    return counts


def test_posts_are_the_same_bytes_and_their_lines_shaped_once_less(
    line_break, shapings, settings, reference_post, corpus, monkeypatch
):
    project = Project.open(settings)
    ctx = project.render_context()
    posts = [
        reference_post,
        *(
            corpus / f"{name}.md"
            for name in (
                "osg-ja-getting-paid",
                "osg-ko-metrics",
                "osg-fa-metrics",
                "pandoc-tables",
                "mm-html-tags-and-formatting",
            )
        ),
        *sorted(CONTENT.glob("*.md")),
    ]
    docs = [project.load(post) for post in posts]
    ours = [PdfRenderer().render(doc, ctx) for doc in docs]
    drawn, new = shapings["drawn"], shapings["new"]
    assert drawn > 500 and new < drawn * 0.05, shapings  # nearly every line kept its layout
    as_before(line_break, monkeypatch)
    theirs = [PdfRenderer().render(doc, ctx) for doc in docs]
    assert shapings["new"] - new == shapings["drawn"] - drawn  # each line a new layout
    for post, one, other in zip(posts, ours, theirs, strict=True):
        assert one == other, post.name


def test_text_with_attributes_separators_or_justification_is_drawn_the_same(
    line_break, shapings, monkeypatch
):
    from weasyprint import HTML

    def pdf() -> bytes:
        return HTML(string=EDGES, base_url=".").write_pdf(pdf_identifier=b"edges")

    ours = pdf()
    assert 0 < shapings["new"] < shapings["drawn"]  # some kept, not those it must not keep
    as_before(line_break, monkeypatch)
    assert pdf() == ours


def test_a_layout_is_kept_only_while_its_line_lives(line_break):
    from weasyprint import HTML

    document = HTML(string="<p>" + "A line of words. " * 200 + "</p>").render()
    assert document.pages and len(pdf_layouts._kept) > 10  # laid out, not drawn
    del document
    gc.collect()
    assert len(pdf_layouts._kept) == 0


def test_no_more_layouts_are_kept_than_the_limit_and_the_rest_drawn_the_same(
    line_break, monkeypatch
):
    from weasyprint import HTML

    page = "<p>" + "A line of words. " * 200 + "</p>"
    ours = HTML(string=page).write_pdf(pdf_identifier=b"limit")
    gc.collect()  # the lines of documents gone (strut layouts are never drawn)
    assert len(pdf_layouts._kept) == 0
    monkeypatch.setattr(pdf_layouts, "MAX_KEPT", 5)
    document = HTML(string=page).render()
    assert len(pdf_layouts._kept) == 5
    assert document.write_pdf(pdf_identifier=b"limit") == ours
