"""Standards: PDF/UA-1 by default, PDF/A-3b with its source, valid HTML and DOCX,
`imprint check`, and source lint."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pikepdf
import pytest

from imprint.builder.plan import BuildRequest, build
from imprint.check.validate import libreoffice, nu_check, pdf_structure

from .conftest import CONTENT, REPO, require_tool

POST = CONTENT / "2025-09-03-monsoon-grids.md"


def _imprint(*args: str, cwd: Path = REPO, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "imprint", *args],
        cwd=cwd,
        text=True,
        capture_output=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(REPO / "src"), **(env or {})},
    )


def test_default_pdfs_are_tagged_pdf_ua(samples_build):
    pdfs = [r.target for r in samples_build.built if r.format == "pdf"]
    for path in pdfs:
        result = pdf_structure(path)
        assert result.validator == "pdf-ua" and result.errors == 0, result.messages
        with pikepdf.open(path) as pdf:
            assert "/StructTreeRoot" in pdf.Root
            assert str(pdf.Root.Lang) == "en-GB"
            assert bool(pdf.Root.MarkInfo.Marked)
            assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle)
            assert 'pdfuaid:part="1"' in str(pdf.open_metadata())


def test_headings_nest_from_h1_and_figures_have_alt(samples_build):
    from imprint.check.validate import _struct_elements

    path = next(
        r.target
        for r in samples_build.built
        if r.format == "pdf" and r.target.stem == "monsoon-grids"
    )
    with pikepdf.open(path) as pdf:
        root = pdf.Root.StructTreeRoot
        assert len(_struct_elements(root, "/H1")) == 1
        assert len(_struct_elements(root, "/H2")) == 3 and not _struct_elements(root, "/H3")
        figures = _struct_elements(root, "/Figure")
        alts = [str(f.get("/Alt", "")) for f in figures]
        assert any(a.startswith("Bar chart comparing") for a in alts) and all(alts)


@pytest.mark.slow
def test_pdf_a3b_keeps_the_markdown_source(settings, tmp_path):
    report = build(
        BuildRequest(
            [POST],
            formats=["pdf"],
            out=tmp_path,
            settings=settings.with_overrides(pdf_standard="a-3b"),
            jobs=1,
        ),
    )
    assert report.ok, [r.error for r in report.failed]
    path = report.built[0].target
    assert pdf_structure(path).errors == 0
    with pikepdf.open(path) as pdf:
        xmp = str(pdf.open_metadata())
        assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
        assert "/OutputIntents" in pdf.Root
        ((name, spec),) = pdf.attachments.items()
        assert name == POST.name
        assert spec.get_file().read_bytes() == POST.read_bytes()
        assert spec.obj.AFRelationship == "/Source"
        assert spec.get_file().mime_type == "text/markdown"


@pytest.mark.slow
@pytest.mark.tools
def test_html_passes_the_nu_checker(samples_build, reference_build):
    require_tool("java")
    pages = [r.target for r in samples_build.built if r.format == "html"]
    pages.append(reference_build["html"])
    for result in nu_check(pages):
        assert result.errors == 0, (result.path.name, result.messages)


@pytest.mark.slow
@pytest.mark.tools
def test_docx_opens_in_libreoffice(samples_build):
    require_tool("soffice")
    documents = [r.target for r in samples_build.built if r.format == "docx"]
    for result in libreoffice(documents):
        assert result.errors == 0, (result.path.name, result.messages)


@pytest.mark.slow
@pytest.mark.tools
def test_imprint_check_table_and_exit_codes(samples_build, tmp_path):
    require_tool("java")
    require_tool("soffice")
    folder = tmp_path / "built"
    for result in samples_build.built:
        target = folder / result.format / result.target.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(result.target, target)
    done = _imprint("check", str(folder))
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line.split() for line in done.stdout.splitlines()[1:] if line.strip()]
    assert len(rows) == 15 and {row[1] for row in rows} == {
        "epubcheck",
        "ace",
        "nu-html",
        "pdf-ua",
        "libreoffice",
    }
    assert all(row[2:] == ["0", "0"] for row in rows), done.stdout
    # a broken EPUB (its navigation document removed) makes the check fail
    good = next((folder / "epub").glob("*.epub"))
    broken = folder / "epub" / "broken.epub"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            if not item.filename.endswith("nav.xhtml"):
                target.writestr(item, source.read(item.filename))
    done = _imprint("check", str(folder))
    assert done.returncode != 0
    rows = [line.split() for line in done.stdout.splitlines() if "broken.epub" in line]
    assert rows[0][1] == "epubcheck" and int(rows[0][2]) >= 1
    assert rows[1][1] == "ace" and rows[1][2] != "not run"


@pytest.mark.slow
def test_missing_validator_is_not_run_never_passed(samples_build, tmp_path):
    epub = next(r.target for r in samples_build.built if r.format == "epub")
    shutil.copy(epub, tmp_path / epub.name)
    # a PATH without java, node or chromium: neither EPUBCheck nor Ace can run here
    bare = tmp_path / "bin"
    bare.mkdir()
    bare_env = {
        "PATH": str(bare),
        "PUPPETEER_EXECUTABLE_PATH": "",
        "XDG_CACHE_HOME": str(tmp_path),
        "IMPRINT_REQUIRE_TOOLS": "",
    }
    done = _imprint("check", str(tmp_path / epub.name), env=bare_env)
    rows = [
        line.split(None, 2) for line in done.stdout.splitlines()[1:] if not line.startswith(" ")
    ]
    assert [row[1] for row in rows] == ["epubcheck", "ace"]
    assert all(row[2].strip().startswith("not run") for row in rows), done.stdout
    assert "2 not run" in done.stderr and done.returncode == 0
    # where the tools are required (CI), a validator that cannot run fails the check
    done = _imprint(
        "check", str(tmp_path / epub.name), env={**bare_env, "IMPRINT_REQUIRE_TOOLS": "1"}
    )
    assert done.returncode == 1 and "could not run" in done.stderr


@pytest.mark.slow
def test_lint_warns_with_lines_and_strict_fails(tmp_path):
    post = tmp_path / "lint.md"
    shutil.copy(CONTENT / "images" / "flood-week-supply.png", tmp_path / "chart.png")
    post.write_text(
        "---\ntitle: Linted\nauthor: Nobody Known\n---\n\nIntro.\n\n"
        "## Section\n\n#### Too deep\n\n![](chart.png)\n",
        encoding="utf-8",
    )
    done = _imprint("html", str(post), "-o", str(tmp_path / "out.html"))
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if "lint:" in line]
    assert f"{post}:12: warning: lint: image chart.png has no alt text" in "\n".join(lines)
    assert any(f"{post}:3: warning: lint: no bio for Nobody Known" in line for line in lines)
    assert not any("no description" in line for line in lines)  # "Intro." is its excerpt
    assert any(
        f"{post}:10: warning: lint: heading 'Too deep' skips from level 2 to 4" in line
        for line in lines
    )
    (tmp_path / "out.html").unlink()
    done = _imprint("html", str(post), "-o", str(tmp_path / "out.html"), "--strict")
    assert done.returncode != 0 and "strict" in done.stderr
    assert not (tmp_path / "out.html").exists()


def test_check_says_each_step_and_what_it_left_unchecked(samples_build, tmp_path):
    pdf = next(r.target for r in samples_build.built if r.format == "pdf")
    shutil.copy(pdf, tmp_path / pdf.name)
    (tmp_path / "feed.xml").write_text("<feed/>")
    (tmp_path / "sitemap.xml").write_text("<urlset/>")
    (tmp_path / "opds").mkdir()
    (tmp_path / "opds" / "catalog.xml").write_text("<feed/>")
    (tmp_path / "report.json").write_text("{}")
    (tmp_path / "site.css").write_text("p {}")
    done = _imprint("check", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "imprint check: pdf-ua: 1 file(s)" in done.stderr  # a line per step, not a tty
    left = {
        line.split(": ")[1]: line.split(": ", 2)[2]
        for line in done.stdout.splitlines()
        if line.startswith("not checked: /")
    }
    assert set(left) == {
        str(tmp_path / name)
        for name in ("feed.xml", "sitemap.xml", "opds/catalog.xml", "report.json")
    }
    assert "OPDS" in left[str(tmp_path / "opds/catalog.xml")]
    assert "sitemap" in left[str(tmp_path / "sitemap.xml")]
    assert "not checked: 1 asset file(s)" in done.stdout
