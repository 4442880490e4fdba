"""HTML: a standalone semantic page with the blocks in order and nothing leaking."""

from __future__ import annotations

import re

from ..tools import html_tree


def _page(samples_build, slug):
    return next(r.target for r in samples_build.built
                if r.format == "html" and r.target.stem == slug)


def test_semantic_page(samples_build):
    tree = html_tree(_page(samples_build, "undersea-cables"))
    assert tree.get("lang") == "en-GB" and tree.get("dir") == "ltr"
    assert tree.xpath("//title")[0].text.startswith("Cables Under Strain")
    assert tree.xpath("//meta[@name='author']/@content") == ["Mariana Quist"]
    assert tree.xpath("//meta[@name='description']/@content") == [
        "Repair capacity, not patrol ships, is the weak point of Pacific connectivity"]
    assert tree.xpath("//main/article/header/h1")
    assert len(tree.xpath("//*[contains(@class,'standfirst')]")) == 1
    assert len(tree.xpath("//aside[contains(@class,'author-bio')]")) == 1
    assert tree.xpath("//style") and "--color-accent" in tree.xpath("//style")[0].text
    assert not tree.xpath("//link[@rel='stylesheet']")  # one file, nothing external


def test_footnotes_and_table(samples_build):
    tree = html_tree(_page(samples_build, "undersea-cables"))
    notes = tree.xpath("//section[@id='footnotes']//li")
    assert len(notes) == 3
    refs = tree.xpath("//a[contains(@class,'footnote-ref')]/@href")
    assert sorted(refs) == sorted(f"#{li.get('id')}" for li in notes)
    assert tree.xpath("//table/caption")[0].text_content().startswith("Illustrative exposure")
    assert len(tree.xpath("//table/tbody/tr")) == 4


def test_image_inlined_with_alt(samples_build):
    tree = html_tree(_page(samples_build, "monsoon-grids"))
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
        "Ice-Free Passages: Arctic Shipping and the Rules of the Road")


def test_no_separator_or_comments(samples_build):
    for result in samples_build.built:
        if result.format == "html":
            text = result.target.read_text("utf-8")
            assert "<!--more-->" not in text and "<excerpt" not in text
            assert not re.search(r"<script", text)
