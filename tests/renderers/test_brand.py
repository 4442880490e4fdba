"""One brand definition styles all four formats; a second brand restyles them all."""

from __future__ import annotations

import re
import shutil
import zipfile

import docx
import pytest
from pypdf import PdfReader

from imprint.brand.tokens import load_brand
from imprint.builder.plan import BuildRequest, build
from imprint.errors import ConfigError

from ..conftest import CONTENT, REPO

POST = CONTENT / "2025-06-12-undersea-cables.md"
HARBOUR = REPO / "examples" / "brands" / "harbour"


def _build(settings, brand, out):
    # standalone pages carry their stylesheet inline, where the test reads it
    report = build(
        BuildRequest(
            [POST],
            out=out,
            settings=settings.with_overrides(brand=brand, html_mode="standalone"),
            jobs=1,
        ),
    )
    assert report.ok, [r.error for r in report.failed]
    return {r.format: r.target for r in report.built}


def _css_value(css: str, name: str) -> str:
    return re.search(rf"--{name}:\s*([^;]+);", css)[1].strip()


def _html_css(path) -> str:
    return re.search(r"<style>(.*?)</style>", path.read_text("utf-8"), re.S)[1]


def _epub_css(path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("EPUB/styles/article.css").decode()


def _pdf_fonts(path) -> set[str]:
    names = set()
    for page in PdfReader(path).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            base = str(font.get_object()["/BaseFont"]).split("+", 1)[-1]
            names.add(re.split(r"[-,]", base)[0])
    return names


@pytest.fixture(scope="module")
def both(settings, tmp_path_factory):
    return {
        name: _build(settings, folder, tmp_path_factory.mktemp(name))
        for name, folder in (("house", REPO / "styles"), ("harbour", HARBOUR))
    }


# What styles/brand.toml and examples/brands/harbour/brand.toml say, written out here
# so that a brand read wrongly cannot supply its own expectations.
EXPECTED = {
    "house": {
        "name": "The Imprint Review",
        "accent": "#b5442c",
        "primary": "#1b2a41",
        "body": "Source Serif 4",
        "headings": "Source Sans 3",
        "pdf_fonts": {"Source"},
        "page_height": 842,
    },  # A4
    "harbour": {
        "name": "Harbour Institute",
        "accent": "#e36414",
        "primary": "#0f4c5c",
        "body": "Literata",
        "headings": "Inter",
        "pdf_fonts": {"Literata", "Inter"},
        "page_height": 792,
    },  # Letter
}


@pytest.mark.slow
def test_second_brand_changes_every_format(both):
    for name, brand in EXPECTED.items():
        outputs = both[name]
        for css in (_html_css(outputs["html"]), _epub_css(outputs["epub"])):
            assert _css_value(css, "color-accent") == brand["accent"]
            assert _css_value(css, "color-primary") == brand["primary"]
            assert _css_value(css, "font-body").startswith(f'"{brand["body"]}", ')
            assert _css_value(css, "font-headings").startswith(f'"{brand["headings"]}", ')
        assert brand["name"] in outputs["html"].read_text("utf-8")
        assert _pdf_fonts(outputs["pdf"]) == brand["pdf_fonts"]
        styles = docx.Document(str(outputs["docx"])).styles
        assert styles["Normal"].font.name == brand["body"]
        assert styles["Title"].font.name == brand["headings"]
        assert str(styles["Title"].font.color.rgb) == brand["primary"].lstrip("#").upper()
        assert str(styles["Excerpt"].font.color.rgb) == brand["primary"].lstrip("#").upper()
        # the page size follows the brand
        assert (
            round(float(PdfReader(outputs["pdf"]).pages[0].mediabox.height)) == brand["page_height"]
        )


@pytest.mark.slow
def test_changing_two_tokens_changes_all_outputs(settings, tmp_path):
    brand = tmp_path / "brand"
    shutil.copytree(REPO / "styles", brand)
    before = _build(settings, brand, tmp_path / "before")
    toml = (brand / "brand.toml").read_text("utf-8")
    toml = toml.replace('accent = "#b5442c"', 'accent = "#2a9d8f"')
    toml = toml.replace('body = "Source Serif 4"', 'body = "Literata"')
    (brand / "brand.toml").write_text(toml, "utf-8")
    after = _build(settings, brand, tmp_path / "after")
    for fmt in ("html", "pdf", "epub", "docx"):
        assert before[fmt].read_bytes() != after[fmt].read_bytes(), fmt
    assert _css_value(_html_css(after["html"]), "color-accent") == "#2a9d8f"
    assert _css_value(_epub_css(after["epub"]), "color-accent") == "#2a9d8f"
    assert "Literata" in _pdf_fonts(after["pdf"]) and "Literata" not in _pdf_fonts(before["pdf"])
    styles = docx.Document(str(after["docx"])).styles
    assert styles["Normal"].font.name == "Literata"
    bio_border = styles["Author Bio"].element.xpath(".//w:pBdr/w:left/@w:color")
    assert bio_border == ["2A9D8F"]


def test_bad_brand_lists_every_problem_and_builds_nothing(settings, tmp_path):
    brand = tmp_path / "bad"
    brand.mkdir()
    (brand / "brand.toml").write_text(
        """
name = "Broken"
logo = "missing.svg"
shade = "unknown key"
[colors]
primary = "#123456"
accent = "bleu"
text = "#000"
muted = "#777"
background = "#fff"
[typography]
body = "No Such Family"
headings = "Source Sans 3"
monospace = "IBM Plex Mono"
""",
        "utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load_brand(brand)
    lines = str(raised.value).splitlines()
    assert any("colors.accent: 'bleu' is not a CSS colour" in line for line in lines)
    assert any("logo.path: 'missing.svg' not found" in line for line in lines)
    assert any("shade: unknown key" in line for line in lines)
    assert any(
        "typography.body: font family 'No Such Family' is not installed" in line for line in lines
    )
    assert all(line.startswith(f"{brand / 'brand.toml'}: config: ") for line in lines)
    with pytest.raises(ConfigError):
        build(
            BuildRequest(
                [POST], out=tmp_path / "out", settings=settings.with_overrides(brand=brand)
            )
        )
    assert not (tmp_path / "out").exists()


def test_the_table_of_options_sets_every_brand_field_and_says_what_each_is_for():
    from dataclasses import fields

    from imprint.brand.tokens import BRAND_OPTIONS, BRAND_TABLES, Brand

    stored = {option.stored.partition(".")[0] for option in BRAND_OPTIONS}
    assert stored == {f.name for f in fields(Brand)} - {"folder", "digest"}
    tables = {table.name for table in BRAND_TABLES}
    assert {o.key.partition(".")[0] for o in BRAND_OPTIONS if "." in o.key} == tables
    for entry in (*BRAND_OPTIONS, *BRAND_TABLES):
        assert re.fullmatch(r"[^\n]+ [^\n]+\.", entry.doc), entry  # one sentence
    # every key the two shipped brands write is declared
    import tomllib

    keys = {o.key for o in BRAND_OPTIONS}
    for folder in (REPO / "styles", HARBOUR):
        data = tomllib.loads((folder / "brand.toml").read_text("utf-8"))
        for top, value in data.items():
            if isinstance(value, dict):
                for key in value:
                    assert f"{top}.{key}" in keys or f"{top}.*" in keys, (folder, top, key)
            else:
                assert top in keys or top in tables, (folder, top)


def test_a_brand_with_every_kind_of_mistake_reports_each_once(tmp_path):
    brand = tmp_path / "bad"
    brand.mkdir()
    (brand / "brand.toml").write_text(
        """
name = ""
series = 3
logo = 5
colors = "blue"
[typography]
size = "10"
line_height = true
[page]
size = "A3"
margins = "1 2"
[print]
bleed = "30mm"
marks = "stars"
[fallback]
ja = "Noto"
""",
        "utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load_brand(brand)
    found = sorted(line.split(": config: ", 1)[1] for line in str(raised.value).splitlines())
    expected = sorted(
        [
            "name: must be text",
            "series: must be text",
            "logo: must be a path or a table with path and alt",
            "colors: must be a table",
            *(f"colors.{role}: missing" for role in ("primary", "accent", "text", "muted")),
            "colors.background: missing",
            *(
                f"typography.{role}: must name a font family or a font file"
                for role in ("body", "headings", "monospace")
            ),
            "typography.size: '10' is not a CSS length such as '10.5pt'",
            "typography.line_height: True must be a number between 0.8 and 3",
            "page.size: 'A3' must be one of A4, A5, B5, Letter, Legal",
            "page.margins: '1 2' must be one to four CSS lengths",
            "print.bleed: '30mm' must be between 0 and 25mm",
            "print.marks: 'stars' must be one of 'crop', 'cross', 'crop cross', 'none'",
            "fallback.ja: must be a list of font family names",
        ]
    )
    assert found == expected
