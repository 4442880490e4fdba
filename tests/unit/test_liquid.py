"""A Jekyll post's Liquid rendered on its own: Jekyll's filters and tags, the values
Liquid sees, unknown names, and errors as one located line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from imprint.diagnostics import collecting
from imprint.errors import SourceError
from imprint.normalise.jekyll_pages import page_variables, post_url, with_defaults
from imprint.normalise.jekyll_post import prepare_site_post
from imprint.source.jekyll import JekyllSite
from imprint.source.post import parse_source


@pytest.fixture
def site(tmp_path: Path) -> JekyllSite:
    (tmp_path / "_config.yml").write_text(
        "title: Small\nbaseurl: /blog\nurl: https://example.org\n"
        "people: [{name: Ann, team: a}, {name: Bo, team: b}, {name: Cy, team: a}]\n"
        "defaults:\n  - scope: {path: _posts}\n    values: {team: Platform}\n",
        encoding="utf-8",
    )
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_posts" / "2020-01-02-old.md").write_text("---\ntitle: Old\n---\nOld.\n")
    (tmp_path / "_data").mkdir()
    (tmp_path / "_data" / "nav.yml").write_text("- title: Home\n  url: /\n")
    return JekyllSite.read(tmp_path)


def render(site: JekyllSite, body: str, front: str = "title: Hi\n") -> str:
    path = site.root / "_posts" / "2024-03-04-hi.md"
    source = parse_source(f"---\n{front}---\n{body}".encode(), path)
    return prepare_site_post(source, site, UTC).body


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ '/a.png' | relative_url }}", "/blog/a.png"),
        ("{{ 'a.png' | absolute_url }}", "https://example.org/blog/a.png"),
        ("{{ 'https://x.org/a' | relative_url }}", "https://x.org/a"),
        ("{{ page.date | date_to_string }}", "04 Mar 2024"),
        ("{{ page.date | date_to_long_string: 'ordinal', 'US' }}", "March 4th, 2024"),
        ("{{ page.date | date_to_xmlschema }}", "2024-03-04T00:00:00+00:00"),
        ("{{ page.date | date_to_rfc822 }}", "Mon, 04 Mar 2024 00:00:00 +0000"),
        ("{{ page.date | date: '%Y/%m' }}", "2024/03"),
        ("{{ 'a < b & \"c\"' | xml_escape }}", "a &lt; b &amp; &quot;c&quot;"),
        ("{{ 'a b&c' | cgi_escape }}", "a+b%26c"),
        ("{{ 'a b/é' | uri_escape }}", "a%20b/%C3%A9"),
        ("{{ 'Hello, World!' | slugify }}", "hello-world"),
        ("{{ 'Hello, World!' | slugify: 'pretty' }}", "hello,-world!"),
        ("{{ site.people | where: 'team', 'a' | map: 'name' | join: ',' }}", "Ann,Cy"),
        ("{{ site.people | where_exp: 'p', \"p.team == 'b'\" | map: 'name' | join }}", "Bo"),
        (
            "{% assign g = site.people | group_by: 'team' %}{% for x in g %}"
            "{{ x.name }}{{ x.size }} {% endfor %}",
            "a2 b1 ",
        ),
        ("{{ site.people | sort: 'name' | last | map: 'name' }}", "Cy"),
        ("{{ 'one two  three' | number_of_words }}", "3"),
        ("{{ site.people | map: 'name' | array_to_sentence_string }}", "Ann, Bo, and Cy"),
        ("{{ page.team }} {{ page.title }} {{ page.slug }}", "Platform Hi hi"),
        ("{{ page.url }}", "/2024/03/04/hi.html"),
        ("{{ site.data.nav[0].title }} {{ site.title }}", "Home Small"),
        (
            "{% for p in site.posts %}{{ p.title }} {{ p.url }}{% endfor %}",
            "Old /2020/01/02/old.html",
        ),
        ("{% post_url 2020-01-02-old %}", "/blog/2020/01/02/old.html"),
        ("{% link _posts/2020-01-02-old.md %}", "/blog/2020/01/02/old.html"),
        ("{% raw %}{{ kept }}{% endraw %}", "{{ kept }}"),
        (
            "{% highlight rust linenos %}fn {{ 1 }}() {}{% endhighlight %}",
            "\n\n```rust\nfn 1() {}\n```\n\n",
        ),
    ],
)
def test_jekyll_filters_tags_and_values(site: JekyllSite, template: str, expected: str):
    assert render(site, template) == expected


def test_jsonify_gives_json(site: JekyllSite):
    assert json.loads(render(site, "{{ site.people | jsonify }}"))[0] == {
        "name": "Ann",
        "team": "a",
    }


def test_front_matter_is_never_rendered_and_defaults_yield_to_the_post(site: JekyllSite):
    path = site.root / "_posts" / "2024-03-04-hi.md"
    source = parse_source(b"---\ntitle: '{{ site.title }}'\nteam: Own\n---\n{{ page.team }}", path)
    out = prepare_site_post(source, site, UTC)
    assert out.meta["title"] == "{{ site.title }}" and out.body == "Own"


def test_render_with_liquid_false_keeps_the_body(site: JekyllSite):
    assert render(site, "{{ x }}", "title: Hi\nrender_with_liquid: false\n") == "{{ x }}"


def test_unknown_tags_and_filters_warn_once_each_with_the_same_text(site: JekyllSite):
    with collecting() as found:
        out = render(
            site, "{% gist 1 %}{% gist 2 %}{{ 'x' | nope }}{{ 'y' | nope }}{% box %}z{% endbox %}"
        )
    assert out == "xyz"
    assert [d.message for d in found] == [
        "Liquid: unknown filter 'nope' passes its input through",
        "Liquid: unknown tag 'box' rendered as nothing",
        "Liquid: unknown tag 'gist' rendered as nothing",
    ]


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("ok\n{% post_url 1999-01-01-none %}", 5, "Liquid: post_url 1999-01-01-none: no such post"),
        ("{% for i in (1..1000000000) %}{% endfor %}", 4, "Liquid: loop iteration limit reached"),
    ],
)
def test_liquid_errors_are_one_located_line(site: JekyllSite, body: str, line: int, message: str):
    with pytest.raises(SourceError) as caught:
        render(site, body)
    assert caught.value.line == line
    assert caught.value.message.startswith(message)
    assert "\n" not in caught.value.message


def test_post_urls_follow_the_post_and_the_site(site: JekyllSite):
    path = site.root / "_posts" / "sub" / "2019-07-08-Some-Title.md"
    meta = with_defaults(site, path, {"categories": "news"})
    assert post_url(site, path, meta) == "/sub/news/2019/07/08/Some-Title.html"
    assert post_url(site, path, {"permalink": "/:year/:title/"}) == "/2019/Some-Title/"
    moment = datetime(2019, 7, 8, tzinfo=UTC)
    assert page_variables(site, path, {}, moment)["url"] == "/sub/2019/07/08/Some-Title.html"


def test_a_template_that_does_not_parse_is_read_leniently_with_a_warning(site: JekyllSite):
    with collecting() as found:
        out = render(site, "a\nb {% if %}c{% endif %} {{ }}{{ site.title }}")
    assert "{" not in out and out.startswith("a\nb") and out.endswith("Small")
    assert [(d.line, d.message) for d in found] == [
        (5, "Liquid: missing expression; read leniently, as Jekyll does")
    ]
