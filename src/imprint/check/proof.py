"""Proofs: the first pages of built PDFs as pictures, on one contact sheet.

A person should look at what the pipeline makes. ``imprint proof`` (and
``make proof``) renders the first pages of every PDF with poppler's
``pdftoppm`` and lays them out in a grid, one row per PDF, with its file name.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..builder.output import write_atomic
from ..errors import ToolError

THUMB_WIDTH = 420
GAP = 24
LABEL = 36


def render_pages(pdf: Path, pages: int, folder: Path) -> list[Path]:
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise ToolError("pdftoppm is not installed (make system-deps installs poppler-utils)")
    prefix = folder / pdf.stem
    subprocess.run(
        [tool, "-png", "-r", "60", "-f", "1", "-l", str(pages), str(pdf), str(prefix)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return sorted(folder.glob(f"{pdf.stem}-*.png"))


def contact_sheet(pdfs: list[Path], target: Path, pages: int = 2) -> Path:
    """Write a PNG with the first ``pages`` pages of each PDF; return its path."""
    import io

    from PIL import Image, ImageDraw

    rows: list[tuple[str, list[Image.Image]]] = []
    with tempfile.TemporaryDirectory() as scratch:
        for pdf in pdfs:
            images = []
            for png in render_pages(pdf, pages, Path(scratch)):
                image = Image.open(png).convert("RGB")
                ratio = THUMB_WIDTH / image.width
                images.append(image.resize((THUMB_WIDTH, round(image.height * ratio))))
            rows.append((pdf.name, images))
    height = max((img.height for _, images in rows for img in images), default=100)
    width = GAP + pages * (THUMB_WIDTH + GAP)
    sheet = Image.new("RGB", (width, GAP + len(rows) * (height + LABEL + GAP)), "#e9ebee")
    draw = ImageDraw.Draw(sheet)
    for row, (name, images) in enumerate(rows):
        top = GAP + row * (height + LABEL + GAP)
        draw.text((GAP, top + 8), name, fill="#1f2328")
        for column, image in enumerate(images):
            sheet.paste(image, (GAP + column * (THUMB_WIDTH + GAP), top + LABEL))
    out = io.BytesIO()
    sheet.save(out, "PNG", optimize=True)
    write_atomic(target, out.getvalue())
    return target
