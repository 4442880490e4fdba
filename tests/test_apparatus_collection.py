"""A collection of posts with citations, math, callouts and figures: one valid EPUB."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lxml import etree

from imprint.collection import build_collection

from .tools import OPF_NS, XHTML_NS, epub_files, epub_opf, run_epubcheck

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.slow
@pytest.mark.tools
def test_collection_epub_with_math_and_references(settings, tmp_path):
    for name in ("citations", "math", "callouts", "figures"):
        shutil.copytree(FIXTURES / name, tmp_path / "content", dirs_exist_ok=True)
    paths = sorted(str(p) for p in (tmp_path / "content").glob("*.md"))
    manifest = tmp_path / "book.toml"
    manifest.write_text(
        f'title = "Harbour Notes"\nlang = "en-GB"\n[posts]\npaths = {paths!r}\n'.replace("'", '"'),
        encoding="utf-8",
    )
    report = build_collection(
        manifest,
        ["epub"],
        out=tmp_path / "out",
        settings=settings.with_overrides(content=tmp_path / "content"),
        force=True,
    )
    assert report.ok, [r.error for r in report.failed]
    (epub,) = [r.target for r in report.results]
    result = run_epubcheck(epub)
    assert (result.errors, result.warnings) == (0, 0), result.messages
    files = epub_files(epub)
    opf = epub_opf(epub)
    with_math = [
        i.get("href")
        for i in opf.xpath("//opf:item", namespaces=OPF_NS)
        if "mathml" in (i.get("properties") or "").split()
    ]
    assert len(with_math) == 1
    chapter = etree.fromstring(files[f"EPUB/{with_math[0]}"])
    assert chapter.findall(".//{http://www.w3.org/1998/Math/MathML}math")
    refs = [
        etree.fromstring(data).xpath("//x:section[@role='doc-bibliography']", namespaces=XHTML_NS)
        for name, data in files.items()
        if name.startswith("EPUB/article-")
    ]
    assert sum(len(r) for r in refs) == 1
