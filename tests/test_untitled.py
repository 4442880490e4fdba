"""Posts without a title take the file name's, with a warning that --strict makes a
failure. (The corpus's title-less posts: tests/corpus/test_corpus.py.)"""

from __future__ import annotations

import pytest

from imprint.builder.plan import BuildRequest, build

from .tools import html_tree


@pytest.mark.slow
def test_strict_fails_a_post_without_title(settings, tmp_path):
    post = tmp_path / "2013-01-11-no-yaml-title.md"
    post.write_text("Just text, neither front matter nor a heading.\n", encoding="utf-8")
    relaxed = build(BuildRequest([post], out=tmp_path / "a", settings=settings, formats=("html",)))
    assert [r.status for r in relaxed.results] == ["built"]
    assert (
        html_tree(tmp_path / "a" / "html" / "no-yaml-title.html").xpath("string(//h1)")
        == "No Yaml Title"
    )
    strict = build(
        BuildRequest(
            [post],
            out=tmp_path / "b",
            settings=settings.with_overrides(strict=True),
            formats=("html",),
        )
    )
    assert [r.status for r in strict.results] == ["failed"]
    assert "strict" in strict.results[0].error
