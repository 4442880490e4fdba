"""Pinned variable fonts: static fonts in the PDF, the same bytes with a cold or warm cache."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from ..conftest import REPO
from ..tools import pdf_text

POST = """---
title: Pinned fonts
author: Ann Author
date: 2025-05-08
---

Plain text, *italic*, **bold** and “quotes” — with a dash.

## A heading

{extra}
"""


def _export(post: Path, target: Path, cwd: Path) -> bytes:
    done = subprocess.run(
        [sys.executable, "-m", "imprint", "pdf", str(post), "-o", str(target)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "PYTHONPATH": str(REPO / "src"),
            "XDG_CACHE_HOME": str(cwd / "user-cache"),
        },
    )
    assert done.returncode == 0, done.stderr
    return target.read_bytes()


def _embedded_fonts(data: bytes) -> dict[str, TTFont]:
    fonts = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                if "/FontFile2" in descriptor:
                    program = descriptor["/FontFile2"].get_object().get_data()
                    fonts[str(font["/BaseFont"])] = TTFont(io.BytesIO(program))
    return fonts


@pytest.mark.slow
@pytest.mark.parametrize(
    "extra", ["", "Łódź, Ελληνικά and Кириллица too."], ids=["latin", "beyond-latin-1"]
)
def test_pdf_fonts_are_static_and_bytes_do_not_depend_on_the_cache(tmp_path, extra):
    post = tmp_path / "pinned.md"
    post.write_text(POST.format(extra=extra), encoding="utf-8")
    cold = _export(post, tmp_path / "cold.pdf", tmp_path)
    assert list((tmp_path / "user-cache" / "imprint" / "fonts").glob("*.ttf"))  # pinned, kept
    warm = _export(post, tmp_path / "warm.pdf", tmp_path)
    assert warm == cold

    fonts = _embedded_fonts(cold)
    assert any("Source-Serif-4" in name for name in fonts)
    for name, font in fonts.items():
        assert "fvar" not in font and "gvar" not in font, name  # pinned: no axes left
    weights = {font["OS/2"].usWeightClass for font in fonts.values()}
    assert {400, 700} <= weights
    text = " ".join(pdf_text(tmp_path / "cold.pdf").split())
    assert "“quotes” — with a dash" in text
    if extra:
        assert "Łódź, Ελληνικά and Кириллица" in text
