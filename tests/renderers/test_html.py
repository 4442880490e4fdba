"""HTML: a semantic page with the blocks in order and nothing leaking; standalone (one
self-contained file) as `imprint html` writes it, or a page of a site as `imprint build`."""

from __future__ import annotations

import re

import pytest

from imprint.builder.plan import BuildRequest, build

from ..conftest import CONTENT
from ..tools import html_tree


@pytest.fixture(scope="module")
def standalone(settings, tmp_path_factory):
    """The samples as standalone pages: everything inline."""
    report = build(
        BuildRequest(
            [CONTENT],
            formats=["html"],
            out=tmp_path_factory.mktemp("standalone"),
            settings=settings.with_overrides(content=CONTENT, html_mode="standalone"),
        ),
    )
    assert report.ok, [r.error for r in report.failed]
    return report


def _page(samples_build, slug):
    return next(
        r.target for r in samples_build.built if r.format == "html" and r.target.stem == slug
    )


def test_semantic_page(standalone):
    tree = html_tree(_page(standalone, "undersea-cables"))
    assert tree.get("lang") == "en-GB" and tree.get("dir") == "ltr"
    assert tree.xpath("//title")[0].text.startswith("Cables Under Strain")
    assert tree.xpath("//meta[@name='author']/@content") == ["Mariana Quist"]
    assert tree.xpath("//meta[@name='description']/@content") == [
        "Repair capacity, not patrol ships, is the weak point of Pacific connectivity"
    ]
    assert tree.xpath("//main/article/header/h1")
    assert len(tree.xpath("//*[contains(@class,'standfirst')]")) == 1
    assert len(tree.xpath("//aside[contains(@class,'author-bio')]")) == 1
    assert tree.xpath("//style") and "--color-accent" in tree.xpath("//style")[0].text
    assert not tree.xpath("//link[@rel='stylesheet']")  # one file, nothing external


def test_footnotes_and_table(samples_build):
    tree = html_tree(_page(samples_build, "undersea-cables"))
    notes = tree.xpath("//*[@id='footnotes']//li")
    assert len(notes) == 3
    refs = tree.xpath("//a[contains(@class,'footnote-ref')]/@href")
    assert sorted(refs) == sorted(f"#{li.get('id')}" for li in notes)
    assert (
        tree.xpath("//table/caption")[0].text_content().startswith("Table 1: Illustrative exposure")
    )
    assert len(tree.xpath("//table/tbody/tr")) == 4


def test_image_inlined_with_alt(standalone):
    tree = html_tree(_page(standalone, "monsoon-grids"))
    images = tree.xpath("//article//img")
    assert len(images) == 1
    assert images[0].get("src").startswith("data:image/png;base64,")
    assert images[0].get("alt").startswith("Bar chart comparing")


def test_byline_lists_every_author(samples_build):
    tree = html_tree(_page(samples_build, "arctic-shipping"))
    byline = " ".join(tree.xpath("//p[@class='byline']")[0].text_content().split())
    assert "Inès Okafor and Mariana Quist" in byline
    assert "20 November 2025" in byline
    bios = [b.text_content() for b in tree.xpath("//aside[contains(@class,'author-bio')]")]
    assert len(bios) == 2 and bios[0].strip().startswith("Inès Okafor directs")
    assert tree.xpath("//h1//em")[0].text == "Rules of the Road"
    assert tree.xpath("//title")[0].text == (
        "Ice-Free Passages: Arctic Shipping and the Rules of the Road"
    )


def test_no_separator_or_comments(samples_build):
    for result in samples_build.built:
        if result.format == "html":
            text = result.target.read_text("utf-8")
            assert "<!--more-->" not in text and "<excerpt" not in text
            scripts = re.findall(r"<script[^>]*>", text)
            assert scripts == ['<script type="application/ld+json">']  # metadata, not code


def test_share_metadata_and_json_ld(samples_build):
    import json

    tree = html_tree(_page(samples_build, "arctic-shipping"))
    meta = {
        m.get("property") or m.get("name"): m.get("content")
        for m in tree.xpath("//meta[@property or @name]")
    }
    assert meta["og:type"] == "article" and meta["og:locale"] == "en_GB"
    assert meta["og:title"] == meta["twitter:title"] == tree.xpath("//title")[0].text
    assert meta["article:published_time"] == "2025-11-20T08:00:00+08:00"
    data = json.loads(tree.xpath("//script[@type='application/ld+json']")[0].text)
    assert data["@type"] == "Article" and data["headline"] == meta["og:title"]
    assert [a["name"] for a in data["author"]] == ["Inès Okafor", "Mariana Quist"]
    assert data["author"][0]["affiliation"]["name"] == "Centre for Polar Governance"
    assert data["publisher"]["name"] == "The Imprint Review"


def test_responsive_and_print_rules(standalone):
    tree = html_tree(_page(standalone, "undersea-cables"))
    assert tree.xpath("//meta[@name='viewport']/@content") == [
        "width=device-width, initial-scale=1"
    ]
    css = tree.xpath("//style")[0].text
    assert "@media (max-width:" in css and "@media print" in css
    faces = re.findall(r'@font-face \{ font-family: "([^"]+)"; src: url\("data:font/woff2', css)
    assert {"Source Serif 4", "Source Sans 3"} <= set(faces)
