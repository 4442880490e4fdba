"""Print-ready PDF/X-4: bleed, crop marks outside the trim, backgrounds into the bleed, an
output intent with a CMYK printer profile, and TrimBox and BleedBox on every page, for a
post and for a collection. Read back with pikepdf, and pixels from pdftoppm."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from imprint.brand.tokens import load_brand
from imprint.builder.plan import BuildRequest, build
from imprint.check.validate import pdf_structure
from imprint.collection import build_collection, manifests
from imprint.errors import ConfigError

from ..conftest import CONTENT, REPO, require_tool

MM = 72 / 25.4


def _boxes(page) -> dict[str, tuple[float, ...]]:
    found = {}
    for name in ("/MediaBox", "/BleedBox", "/TrimBox"):
        x0, y0, x1, y1 = (float(v) for v in page.obj[name])
        found[name] = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    return found


def _assert_print_ready(path: Path, bleed_mm: float = 3.0) -> None:
    with pikepdf.open(path) as pdf:
        xmp = str(pdf.open_metadata())
        assert re.search(r"<pdfxid:GTS_PDFXVersion>PDF/X-4<", xmp)
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == pikepdf.Name.GTS_PDFX and str(intent.OutputConditionIdentifier)
        icc = intent.DestOutputProfile.read_bytes()
        assert icc[36:40] == b"acsp" and icc[12:16] == b"prtr" and icc[16:20] == b"CMYK"
        assert int(intent.DestOutputProfile.N) == 4
        for page in pdf.pages:
            box = _boxes(page)
            trim, bleed, media = box["/TrimBox"], box["/BleedBox"], box["/MediaBox"]
            for i in (0, 1):  # the bleed box is the trim box grown by the bleed on every side
                assert bleed[i] == pytest.approx(trim[i] - bleed_mm * MM, abs=0.01)
                assert bleed[i + 2] == pytest.approx(trim[i + 2] + bleed_mm * MM, abs=0.01)
                assert media[i] < bleed[i] and media[i + 2] > bleed[i + 2]
    assert pdf_structure(path).errors == 0, pdf_structure(path).messages


def _page_image(path: Path, tmp_path: Path) -> Image.Image:
    """Page 1 at 72 dpi (one pixel a point), the whole MediaBox."""
    require_tool("pdftoppm")
    subprocess.run(
        ["pdftoppm", "-r", "72", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    return Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")


@pytest.mark.slow
def test_reference_post_as_pdf_x4_with_crop_marks_outside_the_trim(reference_post, tmp_path):
    target = tmp_path / "brief.pdf"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "imprint",
            "pdf",
            str(reference_post),
            "--pdf-standard",
            "x-4",
            "-o",
            str(target),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    assert done.returncode == 0, done.stderr
    _assert_print_ready(target)

    with pikepdf.open(target) as pdf:
        box = _boxes(pdf.pages[0])
    media, bleed, trim = box["/MediaBox"], box["/BleedBox"], box["/TrimBox"]
    image = _page_image(target, tmp_path)
    marks, in_bleed = [], []
    for px in range(image.width):
        for py in range(image.height):
            x, y = media[0] + px + 0.5, media[3] - py - 0.5  # PDF coordinates
            if sum(image.getpixel((px, py))) > 3 * 128:
                continue
            inside_bleed = bleed[0] <= x <= bleed[2] and bleed[1] <= y <= bleed[3]
            inside_trim = trim[0] <= x <= trim[2] and trim[1] <= y <= trim[3]
            if not inside_bleed:
                marks.append((x, y))
            elif not inside_trim:
                in_bleed.append((x, y))
    assert not in_bleed  # nothing dark between the trim and the bleed: marks stay out
    # every mark lies on a trim line extended: the crop marks
    on_lines = [
        (x, y)
        for x, y in marks
        if min(abs(x - trim[0]), abs(x - trim[2]), abs(y - trim[1]), abs(y - trim[3])) <= 1.5
    ]
    assert len(on_lines) == len(marks) and len(marks) >= 8
    sides = {
        ("left" if x < trim[0] else "right" if x > trim[2] else "bottom" if y < trim[1] else "top")
        for x, y in marks
    }
    assert sides == {"left", "right", "top", "bottom"}


@pytest.mark.slow
def test_brand_bleed_and_background_run_into_the_bleed(settings, tmp_path):
    brand = tmp_path / "brand"
    shutil.copytree(REPO / "styles", brand)
    toml = (brand / "brand.toml").read_text("utf-8")
    toml = toml.replace('background = "#ffffff"', 'background = "#e0c090"')
    toml = toml.replace('bleed = "3mm"', 'bleed = "5mm"')
    (brand / "brand.toml").write_text(toml, "utf-8")
    x4 = settings.with_overrides(brand=brand, pdf_standard="x-4")
    report = build(
        BuildRequest(
            [CONTENT / "2025-09-03-monsoon-grids.md"], ["pdf"], out=tmp_path / "out", settings=x4
        )
    )
    assert report.ok, [r.error for r in report.failed]
    target = report.built[0].target
    _assert_print_ready(target, bleed_mm=5.0)
    with pikepdf.open(target) as pdf:
        box = _boxes(pdf.pages[0])
    media, trim = box["/MediaBox"], box["/TrimBox"]
    image = _page_image(target, tmp_path)
    middle = round(media[3] - (trim[1] + trim[3]) / 2)
    for x in (trim[0] - 2 * MM, trim[2] + 4 * MM):  # in the bleed, left and right
        red, green, blue = image.getpixel((round(x - media[0]), middle))
        assert abs(red - 0xE0) < 12 and abs(green - 0xC0) < 12 and abs(blue - 0x90) < 12

    (brand / "brand.toml").write_text(
        toml.replace('bleed = "5mm"', 'bleed = "3 furlongs"'), "utf-8"
    )
    with pytest.raises(ConfigError, match=r"print\.bleed: '3 furlongs' is not an absolute"):
        load_brand(brand)


@pytest.mark.slow
def test_collection_pdf_x4_cover_into_the_bleed_and_a_missing_intent_caught(settings, tmp_path):
    (manifest,) = manifests(CONTENT / "collections")
    green = Image.new("RGB", (600, 900), (20, 200, 60))  # a cover no page shares a colour with
    green.save(tmp_path / "cover.png")
    text = manifest.read_text("utf-8").replace(
        'lang = "en-GB"', 'lang = "en-GB"\ncover = "cover.png"'
    )
    text = text.replace('"../2025-*.md"', f'"{CONTENT.as_posix()}/2025-*.md"')
    (tmp_path / "book.toml").write_text(text, "utf-8")
    report = build_collection(
        tmp_path / "book.toml",
        ["pdf"],
        out=tmp_path,
        settings=settings.with_overrides(pdf_standard="x-4"),
        force=True,
    )
    assert report.ok, [r.error for r in report.failed]
    target = report.results[0].target
    _assert_print_ready(target)
    assert pdf_structure(target).validator == "pdf-x"
    with pikepdf.open(target) as pdf:
        box = _boxes(pdf.pages[0])
    media, trim = box["/MediaBox"], box["/TrimBox"]
    image = _page_image(target, tmp_path)  # the cover, first, over the trim and the bleed
    middle = round(media[3] - (trim[1] + trim[3]) / 2)
    for x in (trim[0] - 1.5 * MM, trim[0] + 5 * MM, trim[2] + 1.5 * MM):
        red, green_, blue = image.getpixel((round(x - media[0]), middle))
        assert abs(red - 20) < 12 and abs(green_ - 200) < 12 and abs(blue - 60) < 12
    with pikepdf.open(target) as pdf:
        del pdf.Root["/OutputIntents"]
        del pdf.pages[-1].obj["/TrimBox"]
        pdf.save(tmp_path / "broken.pdf")
    broken = pdf_structure(tmp_path / "broken.pdf")
    assert broken.errors == 2, broken.messages
