"""The public Python API, used as a team's own tool would: only the names ``imprint``
exports, on the reference post, in all four formats."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

import imprint

from .conftest import CONTENT, REPO


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """An empty project folder: the packaged brand and templates, a cache of its own."""
    return tmp_path_factory.mktemp("api-project")


def test_the_public_names_are_exactly_these():
    assert sorted(imprint.__all__) == [
        "Author",
        "BuildReport",
        "Document",
        "ImprintError",
        "JobResult",
        "__version__",
        "build",
        "build_collection",
        "load",
        "render",
    ]
    for name in imprint.__all__:
        assert getattr(imprint, name) is not None


def test_importing_imprint_loads_no_pandoc_and_no_weasyprint():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, imprint; "
            "print(sorted(m for m in ('weasyprint', 'pypandoc', 'ebooklib', 'docx') "
            "if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.slow
def test_load_render_and_build_the_reference_post(
    reference_post: Path, project: Path, tmp_path: Path
):
    doc = imprint.load(reference_post, project=project)
    assert isinstance(doc, imprint.Document)
    assert doc.title.startswith("South Korea")
    assert [a.name for a in doc.authors] == ["Ha Chae Kyoun"]

    rendered = {
        fmt: imprint.render(doc, fmt, project=project) for fmt in ("html", "pdf", "epub", "docx")
    }
    assert rendered["pdf"].startswith(b"%PDF-")
    pdf_text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(rendered["pdf"])).pages[:1]
    )
    assert "Ha Chae Kyoun" in pdf_text
    epub = zipfile.ZipFile(io.BytesIO(rendered["epub"]))
    assert epub.namelist()[0] == "mimetype"
    assert epub.read("mimetype") == b"application/epub+zip"
    docx = zipfile.ZipFile(io.BytesIO(rendered["docx"]))
    assert "Ha Chae Kyoun" in docx.read("word/document.xml").decode()
    assert "<h1" in rendered["html"].decode() and "Ha Chae Kyoun" in rendered["html"].decode()

    report = imprint.build([reference_post], out=tmp_path / "out", project=project)
    assert isinstance(report, imprint.BuildReport)
    assert report.ok and len(report.built) == 4
    for result in report.built:
        assert isinstance(result, imprint.JobResult)
        if result.format != "html":  # the API's page stands alone; a build's is a site page
            # the build's workers and the API in this process give the same bytes
            assert result.target.read_bytes() == rendered[result.format], result.format
    page = (tmp_path / "out" / "html" / "rusi-south-korea-global-vision.html").read_text()
    assert '<link rel="stylesheet" href="assets/screen.' in page and "data:font" not in page
    assert "data:font/woff2" in rendered["html"].decode()
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["summary"]["built"] == 4
    # the CPU each stage took in the workers, pandoc's runs included
    assert sorted(data["cpu_seconds"]) == ["docx", "epub", "html", "normalise", "pdf"]
    assert all(
        stage["jobs"] == 1 and stage["total"] > 0 for stage in data["cpu_seconds"].values()
    ), data["cpu_seconds"]
    assert all(job["cpu_seconds"] > 0 for job in data["jobs"])
    assert data["cpu_seconds"]["pdf"]["total"] > data["cpu_seconds"]["html"]["total"]


def test_a_bad_post_raises_imprint_error_with_its_line(tmp_path: Path, project: Path):
    post = tmp_path / "bad.md"
    post.write_text("---\ntitle: Dated\ndate: 2025-13-45\n---\n\nText.\n", encoding="utf-8")
    with pytest.raises(imprint.ImprintError) as caught:
        imprint.load(post, project=project)
    assert (
        str(caught.value)
        == f"{post}:3: source: date: '2025-13-45' is not a date (month must be in 1..12)"
    )


@pytest.mark.slow
def test_render_with_another_brand(project: Path):
    doc = imprint.load(CONTENT / "2025-11-20-arctic-shipping.md", project=project)
    default = imprint.render(doc, "html", project=project).decode()
    harbour = imprint.render(
        doc, "html", project=project, brand=REPO / "examples" / "brands" / "harbour"
    ).decode()
    assert "Harbour" in harbour and "Harbour" not in default


@pytest.mark.slow
def test_build_a_collection(project: Path, tmp_path: Path):
    manifest = CONTENT / "collections" / "imprint-2025.toml"
    report = imprint.build_collection(manifest, formats=["epub"], out=tmp_path, project=project)
    assert report.ok and [r.format for r in report.built] == ["epub"]
    epub = zipfile.ZipFile(report.built[0].target)
    assert epub.read("mimetype") == b"application/epub+zip"


@pytest.mark.slow
def test_a_script_that_builds_at_its_top_level_runs_once(project: Path, tmp_path: Path):
    """A script calling imprint.build() with no ``if __name__ == "__main__"`` guard: its
    workers are forked, never started afresh importing the script, so it runs once."""
    script = tmp_path / "publish.py"
    script.write_text(
        "import imprint\n"
        "print('publishing', flush=True)\n"
        f"report = imprint.build([{str(CONTENT / '2025-06-12-undersea-cables.md')!r}], "
        f"formats=['html', 'pdf'], out={str(tmp_path / 'out')!r}, project={str(project)!r})\n"
        "print(len(report.built), len(report.failed))\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["publishing", "2 0"]
    assert (tmp_path / "out" / "pdf" / "undersea-cables.pdf").is_file()
