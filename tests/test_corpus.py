"""Every post of the shared corpus builds in all four formats, or fails with one clear
line for a reason other than a missing title; title-less posts take the file name's."""

from __future__ import annotations

import pytest

from imprint.builder.plan import build

from .tools import html_tree

FORMATS = {"html", "pdf", "epub", "docx"}


@pytest.mark.slow
def test_the_corpus_builds(corpus, settings, tmp_path):
    posts = sorted(corpus.glob("*.md"))
    report = build(posts, out=tmp_path / "out", settings=settings, jobs=2)
    for post in posts:
        mine = [r for r in report.results if r.source == post]
        built = {r.format for r in mine if r.status == "built"}
        if built != FORMATS:
            errors = {r.error for r in mine if r.status == "failed"}
            assert len(errors) == 1, (post.name, errors)
            (line,) = errors
            assert "\n" not in line and "no title" not in line, line
    untitled = [w for w in report.warnings if w.message.startswith("no title")]
    assert untitled, "the corpus has posts without a title"
    for warning in untitled:
        post = next(p for p in posts if str(p) == warning.path)
        page = tmp_path / "out" / "html" / f"{post.stem}.html"
        title = html_tree(page).xpath("string(//h1)")
        assert title and f"using {title!r}" in warning.message


def test_strict_fails_a_post_without_title(settings, tmp_path):
    post = tmp_path / "2013-01-11-no-yaml-title.md"
    post.write_text("Just text, neither front matter nor a heading.\n", encoding="utf-8")
    relaxed = build([post], out=tmp_path / "a", settings=settings, formats=("html",))
    assert [r.status for r in relaxed.results] == ["built"]
    assert html_tree(tmp_path / "a" / "html" / "no-yaml-title.html").xpath(
        "string(//h1)") == "No Yaml Title"
    strict = build([post], out=tmp_path / "b", settings=settings.with_overrides(strict=True),
                   formats=("html",))
    assert [r.status for r in strict.results] == ["failed"]
    assert "strict" in strict.results[0].error
