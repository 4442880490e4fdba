"""Incremental site builds: only what changed is built again, and the site stays whole."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from imprint.builder.plan import BuildRequest, build

from .conftest import CONTENT, REPO
from .tools import html_tree

FORMATS = ("html", "pdf", "epub", "docx")
SLUGS = ("undersea-cables", "monsoon-grids", "arctic-shipping")


@pytest.fixture
def site(tmp_path, settings):
    """A copy of the samples and the brand, so the tests can edit both."""
    shutil.copytree(CONTENT, tmp_path / "content")
    shutil.copytree(REPO / "styles", tmp_path / "styles")
    return settings.with_overrides(
        content=tmp_path / "content", brand=tmp_path / "styles", out=tmp_path / "build"
    )


def _build(settings, formats=FORMATS, **options):
    report = build(
        BuildRequest(out=settings.out, settings=settings, formats=formats, jobs=2, **options)
    )
    assert report.ok, [r.error for r in report.failed]
    return report


def _by_status(report) -> dict[str, set[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = {}
    for r in report.results:
        found.setdefault(r.status, set()).add((r.source.name.split("-", 3)[-1][:-3], r.format))
    return found


def _outputs(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for fmt in FORMATS
        for p in sorted((out / fmt).glob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_edit_one_post_rebuilds_only_its_four_outputs(site):
    first = _build(site)
    assert len(first.built) == 12 and not first.skipped
    before = _outputs(site.out)

    again = _build(site)
    assert len(again.skipped) == 12 and not again.built  # nothing changed: nothing built
    assert {(r.format, r.sha256) for r in again.skipped} == {
        (r.format, r.sha256) for r in first.built
    }

    post = site.content / "2025-11-20-arctic-shipping.md"
    post.write_text(
        post.read_text(encoding="utf-8").replace("Arctic", "Polar", 1), encoding="utf-8"
    )
    edited = _build(site)
    assert _by_status(edited)["built"] == {("arctic-shipping", f) for f in FORMATS}
    assert len(edited.skipped) == 8
    after = _outputs(site.out)
    changed = {name for name in after if after[name] != before[name]}
    # its four outputs, and the one page whose "next post" link shows its edited title
    assert changed == {f"{f}/arctic-shipping.{f}" for f in FORMATS} | {"html/monsoon-grids.html"}
    neighbour = html_tree(site.out / "html" / "monsoon-grids.html")
    assert neighbour.xpath("string(//a[@rel='next'])").startswith(
        "Next: Ice-Free Passages: Polar Shipping"
    )

    forced = _build(site, force=True)
    assert len(forced.built) == 12 and not forced.skipped
    assert _outputs(site.out) == after  # a forced rebuild gives the same bytes


@pytest.mark.slow
def test_brand_token_rebuilds_everything_and_image_edit_rebuilds_its_post(site):
    formats = ("html", "epub")
    _build(site, formats)
    brand = site.brand / "brand.toml"
    brand.write_text(
        brand.read_text(encoding="utf-8").replace('accent = "#b5442c"', 'accent = "#2c6eb5"'),
        encoding="utf-8",
    )
    rebrand = _build(site, formats)
    assert len(rebrand.built) == 6 and not rebrand.skipped
    page = html_tree(site.out / "html" / "monsoon-grids.html")
    [sheet] = page.xpath("//link[@rel='stylesheet']/@href")
    assert "--color-accent: #2c6eb5" in (site.out / "html" / sheet).read_text(encoding="utf-8")
    # the old stylesheet is gone: a site holds only the assets its pages use
    assert [p.name for p in (site.out / "html" / "assets").glob("screen.*.css")] == [
        Path(sheet).name
    ]

    image = site.content / "images" / "flood-week-supply.png"
    shutil.copy(REPO / "styles" / "logo.svg", image)  # an image edited in place (any format)
    edited = _build(site, formats)
    assert _by_status(edited)["built"] == {("monsoon-grids", f) for f in formats}
    assert len(edited.skipped) == 4


@pytest.mark.slow
def test_deleted_post_loses_its_outputs_and_index_entry(site):
    formats = ("html", "epub")
    _build(site, formats)
    index = html_tree(site.out / "index.html")
    assert len(index.xpath("//li[@class='post']")) == 3
    (site.content / "2025-09-03-monsoon-grids.md").unlink()
    (site.out / "html" / "unrelated.html").write_text("<p>not imprint's</p>", encoding="utf-8")

    report = _build(site, formats)
    assert sorted(p.name for p in report.removed) == ["monsoon-grids.epub", "monsoon-grids.html"]
    assert sorted(p.name for p in (site.out / "html").glob("*.html")) == [
        "arctic-shipping.html",
        "undersea-cables.html",
        "unrelated.html",
    ]  # only its own files
    titles = [
        " ".join(h.text_content().split())
        for h in html_tree(site.out / "index.html").xpath("//li[@class='post']/h2")
    ]
    assert titles == [
        "Ice-Free Passages: Arctic Shipping and the Rules of the Road",
        "Cables Under Strain: Protecting the Pacific’s Undersea Links",
    ]


@pytest.mark.slow
def test_index_links_every_format_and_report_lists_every_job(site):
    report = _build(site)
    tree = html_tree(site.out / "index.html")
    posts = tree.xpath("//li[@class='post']")
    assert [p.xpath("string(.//time/@datetime)")[:10] for p in posts] == [
        "2025-11-20",
        "2025-09-03",
        "2025-06-12",
    ]  # newest first
    for post in posts:
        links = post.xpath(".//ul[@class='formats']//a/@href")
        assert [Path(link).parent.as_posix() for link in links] == list(FORMATS)
        assert all((site.out / link).is_file() for link in links)
        assert post.xpath(".//*[@class='authors']") and post.xpath(".//*[@class='excerpt']")
    [sheet] = tree.xpath("//link[@rel='stylesheet']/@href")  # the site's one stylesheet
    assert "--color-primary" in (site.out / sheet).read_text(encoding="utf-8")

    data = json.loads((site.out / "report.json").read_text(encoding="utf-8"))
    # one warning, the site's own: no base_url, so no feed or sitemap
    assert data["summary"] == {"built": 12, "skipped": 0, "failed": 0, "warnings": 1, "removed": 0}
    assert data["site"]["warnings"] == [
        "warning: feed.xml and sitemap.xml skipped: they need absolute links; "
        "set [site] base_url in imprint.toml"
    ]
    assert len(data["jobs"]) == 12
    for job in data["jobs"]:
        output = site.out / job["output"]  # relative to the folder report.json is in
        assert job["status"] == "built" and job["seconds"] >= 0
        if job["format"] in ("pdf", "docx"):  # these take measurable time (pandoc, WeasyPrint)
            assert job["seconds"] > 0
        assert job["size"] == output.stat().st_size
        assert job["sha256"] == hashlib.sha256(output.read_bytes()).hexdigest()
    assert data["peak_worker_rss_mb"] > 0 and report.peak_rss_kb > 0


@pytest.mark.slow
def test_a_hand_deleted_output_is_built_again(site):
    _build(site, ("html",))
    (site.out / "html" / "undersea-cables.html").unlink()
    report = _build(site, ("html",))
    assert _by_status(report)["built"] == {("undersea-cables", "html")}
    assert (site.out / "html" / "undersea-cables.html").is_file()


@pytest.mark.slow
def test_a_damaged_cache_costs_a_full_build_not_a_wrong_one(site):
    _build(site, ("html",))
    from imprint.builder.plan import manifest_path

    manifest_path(site, site.out).write_text("{half a manifest", encoding="utf-8")
    report = _build(site, ("html",))
    assert len(report.built) == 3 and not report.skipped
    assert len(_build(site, ("html",)).skipped) == 3  # and the cache is whole again


@pytest.mark.slow
def test_index_of_a_build_without_html_links_what_there_is(site):
    _build(site, ("epub",))
    links = html_tree(site.out / "index.html").xpath("//li[@class='post']/h2/a/@href")
    assert sorted(links) == [f"epub/{slug}.epub" for slug in sorted(SLUGS)]


@pytest.mark.slow
def test_a_no_op_build_leaves_the_output_folder_and_the_cache_untouched(site):
    _build(site)
    manifests = site.root / ".imprint-cache" / "builds"

    def stamps() -> dict[Path, int]:
        return {
            p: p.stat().st_mtime_ns
            for folder in (site.out, manifests)
            for p in folder.rglob("*")
            if p.is_file()
        }

    before = stamps()
    assert (site.out / "report.json") in before and any(p.parent == manifests for p in before)
    again = _build(site)
    assert not again.built and len(again.skipped) == 12
    assert stamps() == before  # not the manifest, the index, report.json or any page

    # a post touched but not changed is read again, found equal, and still skipped
    post = site.content / "2025-09-03-monsoon-grids.md"
    post.write_bytes(post.read_bytes())
    touched = _build(site)
    assert not touched.built and len(touched.skipped) == 12


def test_a_formats_revision_is_in_every_cache_key(settings, monkeypatch):
    """A renderer that makes other bytes from the same input bumps its revision, and no
    build keeps the outputs of the old one."""
    from imprint import renderers
    from imprint.builder.cache import shared_key
    from imprint.builder.project import Project

    project = Project.open(settings)
    before = shared_key(project)
    monkeypatch.setitem(renderers.REVISIONS, "pdf", renderers.REVISIONS["pdf"] + 1)
    assert shared_key(project) != before
