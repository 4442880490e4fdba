"""The DOCX edition carries the brand's faces: embedded as Word embeds them, cut to
the characters used, named as the styles name them; no theme font anywhere."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile

import pytest
from fontTools.ttLib import TTFont
from lxml import etree

from imprint.brand.docx_fonts import FONT_RELATIONSHIP, OBFUSCATED_FONT, obfuscate
from imprint.builder.project import Project

from ..conftest import require_tool

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

POST = """---
title: Fonts in Word
author: Ada Editor
date: 2025-01-02
---

Plain text, **bold**, *italic* and ***both***, with `code` and a block:

```python
def f(x):
    return x
```

## A heading
"""


def _docx(settings, path):
    project = Project.open(settings)
    return project.render(project.load(path), "docx")


@pytest.fixture(scope="module")
def post_docx(settings, tmp_path_factory):
    path = tmp_path_factory.mktemp("fonts") / "fonts.md"
    path.write_text(POST, encoding="utf-8")
    return _docx(settings.with_overrides(content=path.parent), path)


def _embedded(data: bytes) -> dict[tuple[str, str], TTFont]:
    """Each embedded face by (font name in fontTable.xml, embed element), read back."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    table = etree.fromstring(archive.read("word/fontTable.xml"))
    rels = etree.fromstring(archive.read("word/_rels/fontTable.xml.rels"))
    targets = {r.get("Id"): (r.get("Type"), r.get("Target")) for r in rels}
    faces = {}
    for font in table.iter(f"{{{W}}}font"):
        for embed in font:
            kind = etree.QName(embed).localname
            if not kind.startswith("embed"):
                continue
            rel_type, target = targets[embed.get(f"{{{R}}}id")]
            assert rel_type == FONT_RELATIONSHIP
            key = embed.get(f"{{{W}}}fontKey")
            assert re.fullmatch(r"\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", key)
            hidden = archive.read("word/" + target)
            assert hidden[:4] not in (b"\x00\x01\x00\x00", b"OTTO", b"true")  # obfuscated
            plain = obfuscate(hidden, key)  # XOR twice: the font again
            faces[(font.get(f"{{{W}}}name"), kind)] = TTFont(io.BytesIO(plain))
    types = archive.read("[Content_Types].xml").decode()
    assert f'Extension="odttf" ContentType="{OBFUSCATED_FONT}"' in types
    return faces


def test_the_faces_used_are_embedded_and_cut(post_docx):
    faces = _embedded(post_docx)
    assert set(faces) >= {
        ("Source Serif 4", "embedRegular"),
        ("Source Serif 4", "embedBold"),
        ("Source Serif 4", "embedItalic"),
        ("Source Serif 4", "embedBoldItalic"),
        ("Source Sans 3", "embedBold"),
        ("IBM Plex Mono", "embedRegular"),
    }
    for (family, kind), font in faces.items():
        assert font["name"].getDebugName(1) == family
        assert ("Bold" in font["name"].getDebugName(2)) == ("Bold" in kind)
        assert "fvar" not in font  # a static instance
        cmap = font.getBestCmap()
        assert ord("x") in cmap and ord("Q") not in cmap  # only what the document uses
        assert len(cmap) < 150


def test_no_theme_fonts_code_in_the_brand_mono(post_docx):
    archive = zipfile.ZipFile(io.BytesIO(post_docx))
    styles = archive.read("word/styles.xml").decode()
    theme = archive.read("word/theme/theme1.xml").decode()
    assert "Consolas" not in styles and "Aptos" not in styles
    assert "w:asciiTheme" not in styles and "w:hAnsiTheme" not in styles
    latin = re.findall(r"<a:(major|minor)Font>\s*<a:latin typeface=\"([^\"]+)\"", theme)
    assert dict(latin) == {"major": "Source Sans 3", "minor": "Source Serif 4"}
    root = etree.fromstring(archive.read("word/styles.xml"))
    ns = {"w": W}

    def ascii_font(style_id: str) -> str:
        fonts = root.find(f"w:style[@w:styleId='{style_id}']/w:rPr/w:rFonts", ns)
        return fonts.get(f"{{{W}}}ascii")

    assert ascii_font("VerbatimChar") == "IBM Plex Mono"
    assert ascii_font("Heading1Char") == "Source Sans 3"
    assert ascii_font("TitleChar") == "Source Sans 3"
    settings = archive.read("word/settings.xml").decode()
    assert "<w:embedTrueTypeFonts/>" in settings


def test_equal_posts_give_equal_bytes(post_docx, settings, tmp_path):
    path = tmp_path / "fonts.md"
    path.write_text(POST, encoding="utf-8")
    assert _docx(settings.with_overrides(content=tmp_path), path) == post_docx


@pytest.mark.slow
def test_libreoffice_shows_the_brand_without_the_fonts_installed(
    reference_post, settings, tmp_path
):
    soffice = require_tool("soffice")
    require_tool("pdffonts")
    installed = subprocess.run(
        [require_tool("fc-list"), ":", "family"], capture_output=True, text=True, check=True
    ).stdout
    assert "Source Serif 4" not in installed and "Source Sans 3" not in installed
    docx = tmp_path / "reference.docx"
    docx.write_bytes(_docx(settings, reference_post))
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(docx),
        ],
        capture_output=True,
        check=True,
        timeout=300,
    )
    listed = subprocess.run(
        ["pdffonts", str(tmp_path / "reference.pdf")], capture_output=True, text=True, check=True
    ).stdout
    names = [line.split()[0].split("+")[-1] for line in listed.splitlines()[2:]]
    assert any(n.startswith("SourceSerif4-") for n in names), listed
    assert any(n.startswith("SourceSans3-") for n in names), listed
