"""Outputs stay where they belong: no slug or file name places a file outside --out,
two posts never share an output silently, and sources are never changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from imprint.builder.plan import BuildRequest, build

POST = "---\ntitle: {title}\n{extra}---\n\nText of {name}.\n"


def _write(folder: Path, name: str, title: str = "A title", extra: str = "") -> Path:
    path = folder / name
    path.write_text(POST.format(title=title, extra=extra, name=name), encoding="utf-8")
    return path


@pytest.mark.slow
def test_hostile_slugs_and_names_stay_inside_out(tmp_path: Path, settings) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    _write(posts, "traversal.md", extra="slug: ../../etc/passwd\n")
    _write(posts, "absolute.md", extra="slug: /tmp/owned\n")
    _write(posts, "CON.md")
    _write(posts, "long.md", title="T" * 500, extra=f"slug: '{'s' * 500}'\n")
    _write(posts, "empty-slug.md", extra="slug: ''\n")
    _write(posts, "🎉.md", title="🎉🎉")
    sources = {p: p.read_bytes() for p in posts.iterdir()}
    out = tmp_path / "out"
    report = build(
        BuildRequest([posts], formats=["html", "epub"], out=out, settings=settings, jobs=1)
    )
    assert report.ok, [r.error for r in report.failed]
    written = sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file()
        and not p.relative_to(out).as_posix().startswith(("html/assets/", "pagefind/"))
    )
    stems = {"etc-passwd", "tmp-owned", "con-post", "s" * 80, "empty-slug", "post"}
    assert written == sorted(
        [f"{fmt}/{stem}.{fmt}" for fmt in ("html", "epub") for stem in stems]
        + ["index.html", "report.json", "search.html", "topics.html"]
    )
    assert {p: p.read_bytes() for p in posts.iterdir()} == sources
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "posts"]


@pytest.mark.slow
def test_two_posts_with_one_slug_is_an_error_naming_both(tmp_path: Path, settings) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    first = _write(posts, "🎉.md")  # both file names clean to nothing: slug "post"
    second = _write(posts, "🚀.md")
    third = _write(posts, "other.md", extra="slug: ' POST '\n")
    report = build(
        BuildRequest([posts], formats=["html"], out=tmp_path / "out", settings=settings, jobs=1)
    )
    assert len(report.built) == 1 and len(report.failed) == 2
    built = report.built[0].source
    for failure in report.failed:
        assert str(failure.source) in failure.error and str(built) in failure.error
        assert "slug 'post'" in failure.error and "\n" not in failure.error
    assert {built, *(f.source for f in report.failed)} == {first, second, third}
    assert [p.name for p in (tmp_path / "out" / "html").glob("*.html")] == ["post.html"]
