"""An archive says what it holds: the content warnings its builds gave, printed and kept
in data/validation.json per file; PDFs tagged as fully as the everyday PDF/UA ones; and
`--verify` naming each missing or changed file in one line of its own."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from imprint.builder.plan import BuildRequest, build
from imprint.config import load_settings

from .conftest import CONTENT, REPO
from .test_consistent_build import PROBLEMS
from .test_opds import _walk

pytestmark = pytest.mark.slow  # the archive fixture builds every post

EPOCH = "1700000000"
SAMPLE = "2025-09-03-monsoon-grids.md"


def _imprint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "imprint", *args],
        cwd=cwd,
        text=True,
        capture_output=True,
        timeout=900,
        env={
            **os.environ,
            "PYTHONPATH": str(REPO / "src"),
            "IMPRINT_REQUIRE_TOOLS": "",  # a validator missing here is not this test's
            "SOURCE_DATE_EPOCH": EPOCH,
        },
    )


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    """A project of a sample post and one with problems, built once (by the builder
    alone, which writes no catalogue) and then archived by `imprint archive`."""
    root = tmp_path_factory.mktemp("archive-contents")
    (root / "content" / "images").mkdir(parents=True)
    for name in (SAMPLE, "_authors.yml", "images/flood-week-supply.png"):
        shutil.copy(CONTENT / name, root / "content" / name)
    (root / "content" / "2025-10-01-problems.md").write_text(PROBLEMS, encoding="utf-8")
    report = build(BuildRequest(formats=["epub"], settings=load_settings(root=root), jobs=1))
    assert report.ok and not (root / "build" / "opds").exists()
    done = _imprint("archive", "--out", str(root / "bag"), "--allow-invalid", cwd=root)
    assert done.returncode == 0, done.stderr
    return root, root / "bag", done


def _post_warnings(stderr: str) -> list[str]:
    return sorted(line for line in stderr.splitlines() if ": warning: " in line and ".md:" in line)


def test_archive_prints_and_records_the_content_warnings(archived):
    root, bag, done = archived
    built = _imprint("build", "--formats", "html,pdf", cwd=root)
    assert built.returncode == 0, built.stderr
    expected = _post_warnings(built.stderr)
    # no bio, no alt text (said by the post and by the PDF), a dead link
    assert len(expected) >= 4 and any(": warning: PDF: " in line for line in expected)
    assert _post_warnings(done.stderr) == expected  # as imprint build says them
    assert re.search(
        rf"imprint: 2 post\(s\), 0 collection\(s\), \d+ invalid output\(s\), "
        rf"{len(expected)} warning",
        done.stderr,
    )

    text = (bag / "data" / "validation.json").read_text(encoding="utf-8")
    assert str(root) not in text  # the bag names no local folder
    recorded = {row["file"]: row["warnings"] for row in json.loads(text)["content_warnings"]}
    (slug,) = {name.split("/")[0] for name in recorded}
    assert (bag / "data" / slug / "2025-10-01-problems.md").is_file()
    assert set(recorded) == {f"{slug}/{slug}{s}" for s in (".html", ".pdf", ".epub", ".docx")}
    # each as the build said it, its source named as it is in the bag
    in_bag = {line.replace(str(root / "content"), slug) for line in expected}
    lint = {line for line in in_bag if ": warning: PDF: " not in line}
    for name, found in recorded.items():
        assert set(found) == (in_bag if name.endswith(".pdf") else lint), (name, found)


def test_archival_pdfs_are_tagged_pdf_a_3a_with_the_source_attached(archived):
    _, bag, _ = archived
    pdfs = sorted((bag / "data").glob("*/*.pdf"))
    assert len(pdfs) == 2
    for path in pdfs:
        with pikepdf.open(path) as pdf:
            catalog = pdf.Root
            assert "/StructTreeRoot" in catalog, path
            assert bool(catalog.MarkInfo.Marked) and str(catalog.Lang)
            xmp = str(pdf.open_metadata())
            assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp
            sources = [spec.get_file().read_bytes() for spec in pdf.attachments.values()]
            assert (path.parent / next(path.parent.glob("*.md")).name).read_bytes() in sources
            for number, page in enumerate(pdf.pages, start=1):
                assert "/StructParents" in page.obj, (path.name, number)
                content = b"".join(
                    part.read_bytes()
                    for part in (
                        [page.Contents]
                        if isinstance(page.Contents, pikepdf.Stream)
                        else list(page.Contents)
                    )
                )
                assert re.search(rb"/MCID \d+", content), (path.name, number)
    rows = json.loads((bag / "data" / "validation.json").read_text("utf-8"))["validators"]
    pdf_rows = [r for r in rows if r["file"].endswith(".pdf")]
    assert pdf_rows and all(r["validator"] == "pdf-a" and r["status"] == "passed" for r in pdf_rows)


def test_archive_leaves_the_catalogue_of_build(archived):
    root, _, _ = archived
    feeds = _walk(root / "build")  # the builder alone had written none
    assert len(feeds["All posts"]) == 2


def test_verify_names_each_missing_and_changed_file_in_one_line(archived, tmp_path):
    _, bag, _ = archived
    copy = tmp_path / "bag"
    shutil.copytree(bag, copy)
    gone = next((copy / "data").glob("*/images/*.png"))
    gone.unlink()
    changed = next((copy / "data").glob("*/*.epub"))
    data = bytearray(changed.read_bytes())
    data[len(data) // 2] ^= 0x01
    changed.write_bytes(bytes(data))
    done = _imprint("archive", "--verify", str(copy), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == sorted(
        [
            f"{gone}: archive: listed in the bag's manifest, but missing",
            f"{changed}: archive: changed since the bag was made (its sha256 and sha512 "
            "checksums differ from the manifest's)",
        ]
    )
