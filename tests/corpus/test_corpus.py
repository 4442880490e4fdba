"""The real-world corpus (../shared/corpus): every file builds in all four formats or fails
with one clear line naming it, never with a traceback, a hang or half an output.

The corpus is built once per test session, through the command line a user
runs, and each file is then judged on its own.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pytest
from pypdf import PdfReader

from imprint.normalise.metadata import clean_slug, slug_from_path
from imprint.source.post import parse_source

from ..conftest import CORPUS, REPO
from ..tools import run_epubcheck

FORMATS = ("html", "pdf", "epub", "docx")
FILES = sorted(p.name for p in CORPUS.glob("*.md")) or ["(the corpus is missing)"]
ERROR_LINE = re.compile(
    r"^(?P<path>.+?\.md)(?::(?P<line>\d+))?: "
    r"(?P<category>source|resource|render|config|tool): (?P<message>\S.*)$"
)


@dataclass
class CorpusBuild:
    out: Path
    stderr: str
    returncode: int
    seconds: float

    def errors_for(self, path: Path) -> list[str]:
        return [
            line
            for line in self.stderr.splitlines()
            if line.startswith(f"{path}:") and ": warning: " not in line
        ]

    def outputs_for(self, path: Path) -> dict[str, Path]:
        stem, _ = slug_from_path(path)
        slug = clean_slug(stem)
        found = {fmt: self.out / fmt / f"{slug}.{fmt}" for fmt in FORMATS}
        return {fmt: target for fmt, target in found.items() if target.exists()}


@pytest.fixture(scope="session")
def corpus_build(corpus: Path, tmp_path_factory) -> CorpusBuild:
    """``imprint build <corpus>`` once, from a scratch folder (its cache stays there)."""
    work = tmp_path_factory.mktemp("corpus")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "imprint", "build", str(corpus), "--out", str(work / "out")],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,  # a hang guard only
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    return CorpusBuild(work / "out", done.stderr, done.returncode, time.monotonic() - started)


@pytest.mark.slow
def test_no_traceback_and_within_time(corpus_build: CorpusBuild) -> None:
    assert "Traceback" not in corpus_build.stderr, corpus_build.stderr
    # the whole corpus inside 60 s means every file finished within 60 s
    assert corpus_build.seconds < 60, corpus_build.seconds
    summary = corpus_build.stderr.strip().splitlines()[-1]
    assert re.fullmatch(
        r"imprint: \d+ built, \d+ skipped, \d+ failed, \d+ warning\(s\), "
        r"\d+ post\(s\) in "
        r"[\d.]+ s",
        summary,
    ), summary
    assert not list(corpus_build.out.rglob(".imprint-*")), "a temporary file was left"


@pytest.mark.slow
def test_every_output_belongs_to_a_corpus_file(corpus: Path, corpus_build: CorpusBuild) -> None:
    expected = {
        target for name in FILES for target in corpus_build.outputs_for(corpus / name).values()
    }
    # each post's outputs: not the site around them (index, topic pages, assets, search)
    written = {
        p
        for p in corpus_build.out.glob("*/*")
        if p.is_file() and p.parent.name in ("html", "pdf", "epub", "docx")
    }
    assert written == expected


def _complete(fmt: str, path: Path) -> None:
    """Each output parses as what it claims to be: no half-written file."""
    if fmt == "html":
        tree = lxml.html.fromstring(path.read_bytes())
        assert tree.xpath("//h1") and tree.xpath("//footer")
    elif fmt == "pdf":
        assert len(PdfReader(path).pages) >= 1
    else:
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None
            assert ("mimetype" if fmt == "epub" else "word/document.xml") in archive.namelist()


@pytest.mark.slow
@pytest.mark.parametrize("name", FILES)
def test_four_outputs_or_one_clear_line(corpus: Path, corpus_build: CorpusBuild, name: str) -> None:
    path = corpus / name
    outputs = corpus_build.outputs_for(path)
    errors = corpus_build.errors_for(path)
    if not errors:
        assert sorted(outputs) == sorted(FORMATS), (name, corpus_build.stderr)
        for fmt, target in outputs.items():
            _complete(fmt, target)
        return
    assert outputs == {}, (name, "failed yet left outputs", outputs)
    assert len(errors) == 1, errors
    match = ERROR_LINE.match(errors[0])
    assert match and match["path"] == str(path), errors[0]
    # real-world posts fail for what they hold, never for a renderer or tool breaking,
    # and never for a missing title: that comes from the file name
    assert match["category"] == "source", errors[0]
    assert "no title" not in errors[0] or "no text" in errors[0], errors[0]


@pytest.mark.slow
def test_untitled_posts_take_the_file_names_title(corpus: Path, corpus_build: CorpusBuild) -> None:
    untitled = [
        name
        for name in FILES
        if re.search(
            rf"^{re.escape(str(corpus / name))}:\d+: warning: no title: ", corpus_build.stderr, re.M
        )
    ]
    assert untitled, "the corpus has posts without a title"
    for name in untitled:
        assert parse_source((corpus / name).read_bytes(), corpus / name).meta.get("title") is None
        html = corpus_build.outputs_for(corpus / name)["html"]
        title = lxml.html.fromstring(html.read_bytes()).xpath("string(//h1)")
        assert f"using {title!r} from the file name" in corpus_build.stderr, name


@pytest.mark.slow
@pytest.mark.tools
def test_raw_html_heavy_post_makes_a_valid_epub(corpus_build: CorpusBuild, corpus: Path) -> None:
    """pandoc's test suite: a script, repeated ids, a heading that is also pandoc's notes
    id, site-relative links. (Forms and obsolete tags: tests/test_hostile.py.)"""
    epub = corpus_build.outputs_for(corpus / "pandoc-testsuite.md")["epub"]
    result = run_epubcheck(epub)
    assert result.errors == 0, result.messages
    assert "Anchor defined twice" not in corpus_build.stderr


@pytest.mark.slow
@pytest.mark.tools
def test_every_corpus_epub_and_page_passes_its_validator(
    corpus_build: CorpusBuild, samples_build
) -> None:
    """Issue 4's bar for every output of the corpus and of content/: EPUBCheck 0 errors
    and 0 warnings with the accessibility properties, and no Nu HTML Checker errors."""
    from lxml import etree

    from imprint.check.validate import nu_check

    from ..tools import OPF_NS, epub_opf, run_epubcheck_many

    epubs = sorted(corpus_build.out.glob("epub/*.epub")) + [
        r.target for r in samples_build.built if r.format == "epub"
    ]
    assert len(epubs) >= 19
    for result in run_epubcheck_many(epubs):
        assert (result.errors, result.warnings) == (0, 0), (result.path.name, result.messages)
        opf = epub_opf(result.path)
        found = set(opf.xpath("//opf:meta/@property", namespaces=OPF_NS))
        assert {
            "schema:accessMode",
            "schema:accessModeSufficient",
            "schema:accessibilityFeature",
            "schema:accessibilityHazard",
            "schema:accessibilitySummary",
        } <= found, result.path.name
        assert isinstance(opf, etree._Element)
    pages = sorted(corpus_build.out.glob("html/*.html")) + [
        r.target for r in samples_build.built if r.format == "html"
    ]
    for result in nu_check(pages):
        assert result.errors == 0, (result.path.name, result.messages)
    from imprint.check.validate import pdf_structure

    pdfs = sorted(corpus_build.out.glob("pdf/*.pdf"))
    assert len(pdfs) >= 16
    for pdf in pdfs:  # tagged PDF/UA-1 by default: tree, language, marked, identifier
        result = pdf_structure(pdf)
        assert result.validator == "pdf-ua" and result.errors == 0, (pdf.name, result.messages)
