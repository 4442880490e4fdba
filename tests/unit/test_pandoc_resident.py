"""The resident pandoc (one ``pandoc lua`` per process, converting on request) gives the
command line's bytes, reads nothing but its input, and when it dies, hangs or fails
the conversion still ends as the command line's would."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from imprint.builder.project import Project
from imprint.errors import RenderError
from imprint.renderers.docx import DocxRenderer, pandoc_docx
from imprint.source import pandoc
from imprint.source.markdown import READER, WRITER_ARGS
from imprint.source.pandoc import convert, run_pandoc

from ..conftest import CONTENT
from ..tools import png

HTML_JOB = {"job": "html", "from": READER}
HTML_ARGS = [f"--from={READER}", *WRITER_ARGS]


def _posts(corpus: Path) -> list[Path]:
    return sorted(corpus.glob("*.md")) + sorted(CONTENT.glob("*.md"))


@pytest.mark.slow
def test_markdown_to_html_gives_the_command_lines_bytes(corpus):
    for post in _posts(corpus):
        text = post.read_text(encoding="utf-8")
        assert convert(HTML_JOB, text, HTML_ARGS) == run_pandoc(HTML_ARGS, text.encode()), post


def test_tabs_line_ends_and_a_byte_order_mark_read_as_on_the_command_line():
    text = (
        "\ufeff# Title\r\n\r\n\tcode\tblock\r\n\r\n| a\t| b |\n|---|---|\n| 1 |\t2 |\n\n"
        "- item\n\n\t- nested\tsub\n\nText\twith a tab. 漢字\tand more.\n"
    )
    assert convert(HTML_JOB, text, HTML_ARGS) == run_pandoc(HTML_ARGS, text.encode())


@pytest.mark.slow
def test_docx_gives_the_command_lines_bytes(corpus, settings, monkeypatch):
    project = Project.open(settings)
    context = project.render_context()
    for post in _posts(corpus):
        doc = project.load(post)
        resident = DocxRenderer().render(doc, context)
        with monkeypatch.context() as patched:  # no resident: a pandoc process per call
            patched.setattr(pandoc._RESIDENT, "ask", lambda *args: None)
            assert DocxRenderer().render(doc, context) == resident, post


def test_the_docx_embeds_no_local_file(tmp_path: Path, settings):
    secret = tmp_path / "secret.png"
    secret.write_bytes(png(7, 7, b"PANDOC-SECRET"))
    html = (
        f'<h1>T <img src="{secret}"></h1><p>x</p><img src="{secret}" alt="gone">'
        f'<img src="{secret.as_uri()}">'
    )  # the first heading becomes the title
    reference = Project.open(settings).render_context()
    from imprint.brand.docx import reference_path

    data = pandoc_docx(html, reference_path(reference.brand, reference.cache_dir), "en", -1)
    docx = zipfile.ZipFile(io.BytesIO(data))
    assert not [name for name in docx.namelist() if name.startswith("word/media/")]
    assert not any(b"PANDOC-SECRET" in docx.read(name) for name in docx.namelist())
    assert b"gone" in docx.read("word/document.xml")  # its description instead


def test_a_tree_given_as_json_embeds_no_local_file(tmp_path: Path, settings):
    # docx_ast never makes an image; were a tree to hold one, the sandbox still holds
    from imprint.brand.docx import reference_path

    secret = tmp_path / "secret.png"
    secret.write_bytes(png(7, 7, b"PANDOC-SECRET"))
    image = {"t": "Image", "c": [["", [], []], [{"t": "Str", "c": "gone"}], [str(secret), ""]]}
    tree = json.dumps({"meta": {}, "blocks": [{"t": "Para", "c": [image]}]})
    ctx = Project.open(settings).render_context()
    request = {
        "job": "docx-json",
        "reference": str(reference_path(ctx.brand, ctx.cache_dir)),
        "lang": "en",
        "shift": 0,
    }
    data = pandoc.ask_resident(request, tree)
    assert data is not None
    docx = zipfile.ZipFile(io.BytesIO(data))
    assert not [name for name in docx.namelist() if name.startswith("word/media/")]
    assert not any(b"PANDOC-SECRET" in docx.read(name) for name in docx.namelist())
    assert b"gone" in docx.read("word/document.xml")


def test_a_resident_pandoc_that_dies_is_replaced():
    text = "Some *text*.\n"
    expected = run_pandoc(HTML_ARGS, text.encode())
    assert convert(HTML_JOB, text, HTML_ARGS) == expected
    first = pandoc._RESIDENT.process
    assert first is not None and first.poll() is None
    folder = Path(pandoc._RESIDENT.tmp)
    assert folder.is_dir()  # its own temporary folder, where its interpreter keeps a file
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert convert(HTML_JOB, text, HTML_ARGS) == expected  # a new one, or a process of its own
    assert not folder.exists()  # killed, it could not tidy up: its folder went with it
    assert convert(HTML_JOB, text, HTML_ARGS) == expected
    again = pandoc._RESIDENT.process
    assert again is not None and again is not first and again.poll() is None
    assert pandoc.resident_cpu_seconds() >= 0


def test_a_conversion_past_its_deadline_is_stopped_and_the_next_one_runs():
    text = "Text. " * 200_000
    with pytest.raises(RenderError, match="pandoc took longer than"):
        convert(HTML_JOB, text, HTML_ARGS, timeout=0.01)
    assert pandoc._RESIDENT.process is None  # stopped, not left converting
    assert not Path(pandoc._RESIDENT.tmp).exists()
    assert convert(HTML_JOB, "*x*\n", HTML_ARGS) == run_pandoc(HTML_ARGS, b"*x*\n")


def test_pandocs_errors_read_as_on_the_command_line(tmp_path: Path):
    missing = tmp_path / "missing.docx"
    args = ["--from=html", "--to=docx", f"--reference-doc={missing}", "--output=-"]
    with pytest.raises(RenderError) as expected:
        run_pandoc(args, b"<p>x</p>")
    with pytest.raises(RenderError) as resident:
        convert(
            {"job": "docx", "reference": str(missing), "lang": "en", "shift": 0}, "<p>x</p>", args
        )
    assert str(resident.value) == str(expected.value)
    assert pandoc._RESIDENT.process is not None  # still there for the next conversion


def _convert_in_child(pids) -> None:
    convert(HTML_JOB, "*x*\n", HTML_ARGS)
    pids.put(pandoc._RESIDENT.process.pid)


def test_a_worker_process_reaps_its_resident_pandoc_when_it_ends():
    import multiprocessing

    context = multiprocessing.get_context("fork")
    pids = context.Queue()
    child = context.Process(target=_convert_in_child, args=(pids,))
    child.start()
    resident = pids.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    with pytest.raises(ProcessLookupError):  # ended and reaped, not orphaned
        os.kill(resident, 0)


def test_a_resident_pandoc_that_is_stopped_leaves_no_file(tmp_path: Path):
    """Stopped with the end of its input, pandoc removes its interpreter's temporary file
    itself; nothing is left in the temporary folder of the process that ran it."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from imprint.source.pandoc import convert\n"
            f"print(len(convert({HTML_JOB!r}, 'Some *text*.', {list(HTML_ARGS)!r})))",
        ],
        env={**os.environ, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0 and int(done.stdout) > 0, done.stderr
    assert list(tmp_path.iterdir()) == []
