"""Raw HTML in posts: what the sanitiser keeps, what it removes, and what it tells the author."""

from __future__ import annotations

from pathlib import Path

import pytest

from imprint.config import Settings
from imprint.diagnostics import collecting
from imprint.model import Document
from imprint.normalise import normalise
from imprint.normalise.authors import AuthorRegistry
from imprint.normalise.conflicts import conflict_lines
from imprint.normalise.ids import make_unique
from imprint.normalise.kramdown import drop_attribute_lists
from imprint.normalise.sanitise import clean
from imprint.normalise.tree import inner_html, parse
from imprint.source.markdown import as_heading, render_pieces
from imprint.source.post import parse_source
from imprint.source.resources import Policy, Resolver

from ..tools import png

# (raw HTML, a string the result must contain, strings it must not)
CLEANED = [
    ("<p>a<script>alert(1)</script>b</p>", "<p>ab</p>", ["script", "alert"]),
    (
        '<img src="media/0123456789abcdef.png" onerror="alert(1)" alt="x">',
        'src="media/0123456789abcdef.png"',
        ["onerror", "alert"],
    ),
    ('<a href="javascript:alert(1)">x</a>', "<a>x</a>", ["javascript"]),
    ('<a href=" JaVaScRiPt:alert(1)">x</a>', "<a>x</a>", ["alert"]),
    ('<a href="file:///etc/passwd">x</a>', "<a>x</a>", ["file:"]),
    ('<a href="data:text/html,<script>x</script>">x</a>', "<a>x</a>", ["data:"]),
    (
        '<a href="https://e.example/p" rel="attachment" target="_blank">x</a>',
        '<a href="https://e.example/p">x</a>',
        ["rel", "target"],
    ),
    ('<iframe src="https://e.example"></iframe><p>kept</p>', "<p>kept</p>", ["iframe"]),
    ('<object data="x.swf"><embed src="x.swf"></object>t', "t", ["object", "embed"]),
    (
        '<form action="https://e.example/steal"><input name="q">Name</form>',
        "Name",
        ["form", "input", "action"],
    ),
    (
        '<link rel="stylesheet" href="/etc/passwd"><meta http-equiv="refresh" content="0">x',
        "x",
        ["link", "meta", "passwd"],
    ),
    ("<style>body{background:url(file:///etc/passwd)}</style>x", "x", ["style", "url("]),
    ('<div style="background:url(/etc/passwd)">x</div>', "<div>x</div>", ["style", "url("]),
    ('<p style="color:red; text-align:center">x</p>', "<p>x</p>", ["style"]),
    ('<svg onload="alert(1)"><circle/></svg>x', "x", ["svg", "onload"]),
    ('<base href="https://e.example/">x', "x", ["base"]),
    ('<img src="data:image/png;base64,AAAA" alt="">', 'src="data:image/png;base64,AAAA"', []),
    ('<img src="data:text/html;base64,AAAA" alt="">', "<img", ["data:"]),
    (
        '<p id="x" class="note" lang="fr" dir="rtl" title="t">x</p>',
        '<p id="x" class="note" lang="fr" dir="rtl" title="t">x</p>',
        [],
    ),
    ('<p lang="x y" dir="sideways" data-x="1">x</p>', "<p>x</p>", ["lang", "dir", "data-"]),
    (
        '<aside class="pquote"><figure><figcaption>c</figcaption></figure></aside>',
        '<aside class="pquote"><figure><figcaption>c</figcaption></figure></aside>',
        [],
    ),
    ("<details open><summary>s</summary>d</details>", "<details open", []),
    (
        '<abbr title="HyperText Markup Language">HTML</abbr>',
        '<abbr title="HyperText Markup Language">HTML</abbr>',
        [],
    ),
    (
        '<table><tr><th style="text-align: left;">h</th><td colspan="2">d</td></tr></table>',
        '<th style="text-align: left;">h</th>',
        [],
    ),
    (
        '<table><colgroup><col style="width: 43%; background: url(x)"></colgroup>'
        "<tr><td>d</td></tr></table>",
        '<col style="width: 43%;">',
        ["url", "background"],
    ),
    (
        '<table><tr><td style="text-align: left; background: url(x)">d</td></tr></table>',
        '<td style="text-align: left;">d</td>',
        ["url", "background"],
    ),
    ('<ol start="3" type="i"><li>x</li></ol>', '<ol start="3" type="i">', []),
    (
        '<section id="footnotes" class="footnotes" role="doc-endnotes">n</section>',
        'role="doc-endnotes"',
        [],
    ),
    ('<span role="button" aria-hidden="true">x</span>', 'aria-hidden="true"', ["button"]),
    ('<img src="a.png" width="" height="12px" alt="">', "<img", ["width", "height"]),
    (
        "<center><font color=red>old</font></center><strike>s</strike>",
        "old",
        ["center", "font", "strike"],
    ),
]


@pytest.mark.parametrize(("html", "kept", "gone"), CLEANED)
def test_clean(html: str, kept: str, gone: list[str]) -> None:
    assert kept, "name what the sanitiser keeps: an empty string is in every output"
    out = clean(html)
    assert kept in out, out
    for word in gone:
        assert word not in out.lower(), out


@pytest.fixture
def make(tmp_path: Path):
    def run(text: str) -> tuple[Document, list[str]]:
        (tmp_path / "ok.png").write_bytes(png(2, 2))
        source = parse_source(text.encode("utf-8"), tmp_path / "post.md")
        resolver = Resolver(Policy(content_root=tmp_path, remote=False))
        with collecting() as found:
            doc = normalise(source, Settings(), AuthorRegistry(), resolver)
        return doc, [str(w) for w in found if w.code != "lint"]  # lint is tested apart

    return run


def test_every_fragment_is_cleaned(make) -> None:
    doc, warnings = make(
        "---\ntitle: T <em>e</em>\nexcerpt: 'Ex <img src=ok.png onerror=alert(1)>'\n"
        "author: {name: A, bio: 'Bio <script>alert(2)</script>'}\n---\n"
        "Body <b onclick='alert(3)'>b</b>.[^1]\n\n[^1]: Note <iframe src=x></iframe>.\n"
    )
    fragments = [doc.title_html, doc.excerpt_html, doc.body_html, doc.authors[0].bio_html]
    for fragment in fragments:
        for word in ("alert", "onerror", "onclick", "<script", "<iframe"):
            assert word not in fragment, fragment
    assert doc.title_html == "T <em>e</em>"
    assert "<b>b</b>" in doc.body_html and "Note" in doc.body_html
    assert doc.excerpt_html.startswith('<p>Ex <img src="media/')
    summary = [w for w in warnings if "raw HTML: removed" in w]
    assert len(summary) == 1
    assert "<script>" in summary[0] and "onclick=" in summary[0] and "onerror=" in summary[0]


def test_obsolete_tags_are_renamed_everywhere(make) -> None:
    doc, _ = make(
        "---\ntitle: 'A <strike>b</strike> <tt>c</tt>'\n---\n"
        "Body <strike>x</strike> <tt>y</tt> <acronym title='t'>z</acronym>.\n"
    )
    assert doc.title_html == "A <s>b</s> <code>c</code>"
    assert doc.excerpt_html == '<p>Body <s>x</s> <code>y</code> <abbr title="t">z</abbr>.</p>'


def test_a_script_in_the_title_is_text(make) -> None:
    doc, _ = make("---\ntitle: 'Hi <script>alert(1)</script> there'\n---\nBody.\n")
    assert doc.title == "Hi <script>alert(1)</script> there"  # shown, never run
    assert "<script" not in doc.title_html and "&lt;script&gt;" in doc.title_html


def test_each_removed_reference_is_a_warning_on_its_line(make) -> None:
    text = (
        "---\ntitle: T\n---\nIntro.\n\n"  # body starts on line 4
        '<link rel="stylesheet" href="../x.css">\n\n'
        '<div style="background: url(/etc/passwd)">a</div>\n\n'
        "<style>p { background: url('../../secret.png') }</style>\n\n"
        '<iframe src="file:///etc/hostname"></iframe>\n'
    )
    _, warnings = make(text)
    lines = text.split("\n")

    def line_of(needle: str) -> int:
        return next(i for i, line in enumerate(lines, start=1) if needle in line)

    for needle in ("../x.css", "/etc/passwd", "../../secret.png", "file:///etc/hostname"):
        mine = [w for w in warnings if needle in w]
        assert len(mine) == 1, (needle, warnings)
        assert f"post.md:{line_of(needle)}: warning:" in mine[0]


def test_a_reference_on_a_tag_without_attributes_of_its_own_is_removed_with_a_warning(
    make,
) -> None:
    doc, warnings = make(
        '---\ntitle: T\n---\nIntro.\n\n<div href="../secret.png">kept words</div>\n'
    )
    assert "kept words" in doc.body_html and "secret.png" not in doc.body_html
    assert [w for w in warnings if "../secret.png" in w and "post.md:6: warning:" in w], warnings


def test_liquid_is_never_evaluated(make) -> None:
    doc, _ = make(
        "---\ntitle: '{{ 7*7 }}'\n---\n"
        "Text {{ site.baseurl }} and {% raw %}{{ x }}{% endraw %} {{ 7*7 }}.\n"
    )
    assert doc.title == "{{ 7*7 }}"
    assert "{{ site.baseurl }}" in doc.excerpt_html and "{% raw %}" in doc.excerpt_html
    assert "49" not in doc.excerpt_html + doc.title


def test_liquid_prefixed_images_resolve_from_the_root(make, tmp_path: Path) -> None:
    doc, warnings = make(
        "---\ntitle: T\n---\nIntro.\n\n![a]({{ site.baseurl }}/ok.png)\n\n"
        '<img src="{{site.baseurl}}/ok.png" alt="b">\n'
    )
    assert warnings == []
    assert len(doc.resources) == 1 and doc.body_html.count('src="media/') == 2


def test_duplicate_ids_become_unique(make) -> None:
    doc, _ = make(
        "---\ntitle: T\n---\nIntro.\n\n## Footnotes\n\n"
        '<hr id="bar"><hr id="bar"><p id="fn1">raw</p>\n\nText.[^a]\n\n[^a]: Note.\n'
    )
    tree = parse(doc.body_html)
    ids = [el.get("id") for el in tree.iter() if el.get("id")]
    assert len(ids) == len(set(ids)), ids
    # pandoc's own targets keep their ids, so its links still land on them
    assert tree.xpath("//div[@id='footnotes']") and tree.xpath("//li[@id='fn1']")
    assert {"bar", "bar-2", "footnotes-2", "fn1-2"} <= set(ids)
    assert [h.id for h in doc.headings] == ["footnotes-2"]


def test_links_to_missing_anchors_keep_their_words(make) -> None:
    doc, warnings = make(
        "---\ntitle: T\n---\nIntro.\n\n## Part\n\n"
        "[up](#top), [part](#part), [self](#), [note](#fn1).[^1]\n\n[^1]: N.\n"
    )
    assert "<a>up</a>" in doc.body_html and '<a href="#part">part</a>' in doc.body_html
    assert '<a href="#">self</a>' in doc.body_html and '<a href="#fn1">note</a>' in doc.body_html
    (dead,) = [w for w in warnings if "no such anchor" in w]
    assert "post.md:8: warning: link to #top" in dead


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["a", "a", "a"], ["a", "a-2", "a-3"]),
        (["a", "a", "a-2"], ["a", "a-3", "a-2"]),  # a later original keeps its own id
        ([" x y ", "x-y"], ["x-y", "x-y-2"]),
    ],
)
def test_make_unique(ids: list[str], expected: list[str]) -> None:
    root = parse("".join(f'<p id="{i}">p</p>' for i in ids))
    make_unique([root])
    assert [el.get("id") for el in root] == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Text.\n{: .notice}</p>", "<p>Text.</p>"),
        ('<p><a href="#">B</a>{: .btn .btn–primary}</p>', '<p><a href="#">B</a></p>'),
        ("<p>{: .small}</p><p>x</p>", "<p>x</p>"),
        ("<p><code>{: .notice}</code></p>", "<p><code>{: .notice}</code></p>"),
        ("<pre><code>[x](#){: .btn}</code></pre>", "<pre><code>[x](#){: .btn}</code></pre>"),
        ("<p>{{ site.baseurl }} and {% raw %}</p>", "<p>{{ site.baseurl }} and {% raw %}</p>"),
    ],
)
def test_kramdown_attribute_lists_are_dropped(html: str, expected: str) -> None:
    root = parse(html)
    drop_attribute_lists(root)
    assert inner_html(root) == expected


def test_merge_conflict_markers_warn_on_their_line(make) -> None:
    text = (
        "---\ntitle: T\n---\nIntro.\n\n<<<<<<< HEAD\nOurs.\n=======\nTheirs.\n"
        ">>>>>>> branch\n\n```\n<<<<<<< HEAD\nin code\n=======\nx\n>>>>>>> b\n```\n"
    )
    _, warnings = make(text)
    conflicts = [w for w in warnings if "merge-conflict" in w]
    assert conflicts == [
        f"{Path(conflicts[0].split(':')[0])}:6: warning: a merge-conflict "
        "marker: both sides of an unresolved conflict are in the post"
    ]


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("<<<<<<< a\nx\n=======\ny\n>>>>>>> b\n", [0]),
        ("text\n=======\n", []),  # a setext heading underline alone is not a conflict
        ("<<<<<<< a\nx\n>>>>>>> b\n", []),
        ("~~~\n<<<<<<< a\n=======\n>>>>>>> b\n~~~\n", []),
    ],
)
def test_conflict_lines(text: str, lines: list[int]) -> None:
    assert conflict_lines(text) == lines


def test_conflict_in_front_matter_is_the_error(tmp_path: Path) -> None:
    from imprint.errors import SourceError

    raw = (
        b"---\ntitle: T\n<<<<<<< HEAD\ndate: 2025-01-01\n=======\ndate: 2025-01-02\n"
        b">>>>>>> b\n---\nBody\n"
    )
    with pytest.raises(SourceError) as caught:
        parse_source(raw, tmp_path / "p.md")
    assert caught.value.line == 3 and "merge-conflict marker" in caught.value.message


@pytest.mark.parametrize(
    ("title", "html"),
    [
        ("A <em>b</em> c", "A <em>b</em> c"),
        ("<div>x</div>", "&lt;div&gt;x&lt;/div&gt;"),
        ("a < b", "a &lt; b"),
        ("x <br> y", "x <br> y"),
    ],
)
def test_title_keeps_inline_html_only(title: str, html: str) -> None:
    (piece,) = render_pieces([as_heading(title)]).pieces
    assert f">{html}</h1>" in piece


def test_backslash_in_a_link_is_percent_encoded() -> None:
    # CommonMark's [foo]: /url\bar: a backslash is no URL character (Nu rejects it)
    assert clean('<a href="/url\\bar*baz">x</a>') == '<a href="/url%5Cbar*baz">x</a>'
