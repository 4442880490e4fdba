"""The DOCX page as a pandoc tree (renderers/docx_ast.py) is the tree pandoc's own HTML
reader makes of the page, on every post of the corpus and on markup chosen for its
corners; whatever it does not know it leaves to pandoc."""

from __future__ import annotations

import json
import subprocess

import pytest

from imprint.builder.project import Project
from imprint.renderers.docx import docx_page
from imprint.renderers.docx_ast import page_json
from imprint.source.pandoc import TAB_STOP, pandoc_path

from ..conftest import CONTENT


def pandoc_tree(page: str) -> dict:
    """What pandoc's HTML reader makes of ``page`` (tabs expanded, as the build does)."""
    out = subprocess.run(
        [pandoc_path(), "--from=html", "--to=json"],
        check=True,
        input=page.expandtabs(TAB_STOP).encode(),
        capture_output=True,
    )
    tree = json.loads(out.stdout)
    return {"meta": tree["meta"], "blocks": tree["blocks"]}


def ours(page: str) -> dict | None:
    tree = page_json(page.expandtabs(TAB_STOP))
    return None if tree is None else json.loads(tree)


def page_of(body: str, head: str = "<title>T</title>") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en-GB" dir="ltr">\n<head>\n<meta charset="utf-8">\n'
        f"{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


@pytest.mark.slow
def test_every_post_reads_as_pandoc_reads_it(corpus, settings):
    project = Project.open(settings)
    context = project.render_context()
    read = []
    for post in sorted(corpus.glob("*.md")) + sorted(CONTENT.glob("*.md")):
        page = docx_page(project.load(post), context)
        tree = ours(page)
        if tree is not None:
            assert tree == pandoc_tree(page), post.name
            read.append(post.name)
    # the reference brief and most plain posts take the quick way
    assert "rusi-south-korea-global-vision.md" in read
    assert len(read) >= 12, read


CORNERS = [
    # spaces at the edges of inline elements, adjacent emphasis, breaks
    (
        "<p><em> lead</em>trail <strong>x </strong>y <em>a</em><em>b</em> <s>s</s><del>d</del> "
        'z<br>\nnext <span class="c" data-k="v" lang="fr"> sp </span>.<sup>1</sup><sup>2</sup></p>'
    ),
    # white space: no-break and thin spaces are letters to pandoc; tabs and newlines are not
    "<p>a&nbsp;b c&#x2009;d e\tf\ng   h&#x3000;i $x$ \\(y\\) “q” -- k... l&amp;m &lt;</p>",
    # links and code
    (
        '<p><a href="https://example.org/a?b=1&amp;c=2" title="T" class="k" id="l" data-x="1"> '
        'link </a> <code>  c   d </code><code></code> <a href="#x"></a> g</p>'
    ),
    # loose text beside blocks, in the body, a division, a quotation and list items
    "lead text <em>e</em>\n<p>p</p>",
    (
        '<div class="callout note" data-custom-style="Callout" id="cc"><p>in</p>loose <em>t</em>'
        "<p>x</p></div>"
    ),
    "<blockquote>\nloose\n<p>p</p>\n</blockquote>",
    (
        '<ul>\n<li><p>a</p>\n<p>b</p></li>\n<li>c <em>d</em>\n<ol start="2" type="I"><li>x</li>'
        '</ol>\ntail</li>\n</ul>\n<ol type="a" start="3"><li>one</li><li><p>two</p></li></ol>'
        "<ol><li>plain</li></ol><hr>"
    ),
    '<h2 id="a-b" class="y">Head <em>ing</em> </h2>\n<p>after</p>\n<p>  </p>',
]


@pytest.mark.parametrize("body", CORNERS)
def test_corners_read_as_pandoc_reads_them(body):
    page = page_of(body)
    tree = ours(page)
    assert tree is not None, body
    assert tree == pandoc_tree(page)


def test_metadata_reads_as_pandoc_reads_it():
    head = (
        '<title>A &amp; B\n c</title>\n<meta name="author" content="Ann O&#39;Neil">\n'
        '<meta name="author" content="Bob  Smith">\n<meta name="author" content="C">\n'
        '<meta name="subtitle" content="sub&nbsp;x y">\n<meta name="date" content="8 May">'
    )
    page = page_of("<p>x</p>", head)
    assert ours(page) == pandoc_tree(page)


@pytest.mark.parametrize(
    "body",
    [
        (
            '<p>x<a href="#fn1" class="footnote-ref" id="fnref1" role="doc-noteref"><sup>1</sup></a></p>'
            '<div id="footnotes" class="footnotes" role="doc-endnotes"><hr><ol><li id="fn1"><p>n</p>'
            "</li></ol></div>"
        ),
        "<table><tr><td>1</td></tr></table>",
        '<figure><img src="data:image/png;base64,AA==" alt="a"><figcaption>c</figcaption></figure>',
        "<h2>no id</h2>",  # pandoc would make one up
        '<p><span style="font-variant: small-caps">x</span></p>',
        '<p><a href="a b">spaced</a></p>',
        "<pre><code>x</code></pre>",
        "<p>a<!-- note -->b</p>",
        "<dl><dt>t</dt><dd>d</dd></dl>",
    ],
)
def test_what_it_does_not_know_is_left_to_pandoc(body):
    assert ours(page_of(body)) is None


def test_markup_nested_past_pythons_stack_is_left_to_pandoc():
    deep = "<em>" * 5000 + "x" + "</em>" * 5000
    assert ours(page_of(f"<p>{deep}</p>")) is None
