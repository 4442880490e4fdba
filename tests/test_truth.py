"""Outputs depend on inputs only.

An incremental build equals a clean build of the same inputs, byte for byte, after
any change to anything that shapes an output; and the state of the user cache (cold,
warm, another machine's) never shows in the bytes. Every build here goes through the
command line, as a team's would, with SOURCE_DATE_EPOCH fixed in the environment.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from .conftest import CONTENT, REPO

EPOCH = "1700000000"
FORMATS = ("html", "pdf", "epub", "docx")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project of its own: the samples, the brand, the templates, an empty cache."""
    root = tmp_path / "project"
    shutil.copytree(CONTENT, root / "content", ignore=shutil.ignore_patterns("collections"))
    shutil.copytree(REPO / "styles", root / "styles")
    shutil.copytree(REPO / "templates", root / "templates")
    # this post's bio comes from the author registry, not from the post itself
    post = root / "content" / "2025-06-12-undersea-cables.md"
    text = post.read_text(encoding="utf-8")
    own_bio = text[text.index("\n---\n\n__Mariana Quist__") : text.index("\n[^tonga]:")]
    post.write_text(text.replace(own_bio, "\n"), encoding="utf-8")
    return root


def _imprint(
    root: Path, out: Path, *args: str, env: dict[str, str] | None = None, xdg: Path | None = None
) -> str:
    environment = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **(env or {})}
    if xdg is not None:
        environment["XDG_CACHE_HOME"] = str(xdg)
    done = subprocess.run(
        [sys.executable, "-m", "imprint", "build", "--out", str(out), *args],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _outputs(out: Path) -> dict[str, bytes]:
    """Every file a team would publish: four formats per post, the index and the rest of
    the site (its shared assets, topic pages, search index)."""
    found = {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "report.json"
    }
    posts = [name for name in found if name.split("/")[0] in FORMATS and name.count("/") == 1]
    assert "index.html" in found and len(posts) == 3 * len(FORMATS), sorted(found)
    return found


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _repaint(path: Path) -> None:
    """Change one pixel of a PNG: new bytes, same name."""
    image = Image.open(path)
    image.load()
    image.putpixel(
        (0, 0),
        (255, 0, 0, 255) if image.mode == "RGBA" else (255, 0, 0) if image.mode == "RGB" else 1,
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())


def _pdf_is_a3b(data: bytes) -> bool:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return pdf.open_metadata().get("pdfaid:part") == "3" and bool(pdf.attachments)


# Each change: what it does to the project (and to the flags and environment of every
# build from then on), and the outputs it must change, by parts of their names.
Change = Callable[[Path, list[str], dict[str, str]], None]


def _flag(root: Path, flags: list[str], env: dict[str, str]) -> None:
    flags += ["--pdf-standard", "a-3b"]


def _toml(root: Path, flags: list[str], env: dict[str, str]) -> None:
    flags.clear()  # from now on the standard comes from imprint.toml alone
    (root / "imprint.toml").write_text('[pdf]\nstandard = "none"\n', encoding="utf-8")


def _bio(root: Path, flags: list[str], env: dict[str, str]) -> None:
    _edit(
        root / "content" / "_authors.yml",
        "Senior Fellow for Maritime Infrastructure",
        "Senior Fellow for Ports and Cables",
    )


def _template(root: Path, flags: list[str], env: dict[str, str]) -> None:
    template = root / "templates" / "page.html"
    _edit(template, "</body>", "<p>Printed in the house.</p>\n</body>")


def _stylesheet(root: Path, flags: list[str], env: dict[str, str]) -> None:
    with (root / "styles" / "base.css").open("a", encoding="utf-8") as sheet:
        sheet.write("\nh2 { letter-spacing: 0.02em; }\n")


def _logo(root: Path, flags: list[str], env: dict[str, str]) -> None:
    logo = root / "styles" / "logo.svg"
    text = logo.read_text(encoding="utf-8")
    logo.write_text(text.replace("</svg>", '<circle cx="1" cy="1" r="1"/></svg>'), encoding="utf-8")


def _image(root: Path, flags: list[str], env: dict[str, str]) -> None:
    _repaint(root / "content" / "images" / "flood-week-supply.png")


def _epoch(root: Path, flags: list[str], env: dict[str, str]) -> None:
    env["SOURCE_DATE_EPOCH"] = "1710000000"


WEB = ("html/", "pdf/", "epub/")  # the formats drawn with the brand's CSS and logo
CHANGES: list[tuple[str, Change, tuple[str, ...]]] = [
    ("pdf standard by flag", _flag, ("pdf/",)),
    ("pdf standard in imprint.toml", _toml, ("pdf/",)),
    ("author registry bio", _bio, ("undersea-cables",)),  # its bio is the registry's
    ("template", _template, ("html/",)),
    ("stylesheet rule", _stylesheet, WEB),
    ("logo", _logo, WEB),
    ("image", _image, ("monsoon-grids",)),
    ("SOURCE_DATE_EPOCH", _epoch, ("pdf/", "epub/", "docx/")),  # HTML records no time
]


@pytest.mark.slow
def test_after_each_change_an_incremental_build_equals_a_clean_one(project: Path, tmp_path: Path):
    out = tmp_path / "site"
    flags: list[str] = []
    env: dict[str, str] = {}
    _imprint(project, out, env=env)
    before = _outputs(out)
    for step, (name, change, touches) in enumerate(CHANGES):
        change(project, flags, env)
        _imprint(project, out, *flags, env=env)
        incremental = _outputs(out)
        clean_out = tmp_path / f"clean-{step}"
        _imprint(project, clean_out, "--force", *flags, env=env)
        clean = _outputs(clean_out)
        stale = sorted(k for k in clean if incremental[k] != clean[k])
        assert stale == [], f"after the {name} change, incremental differs from clean: {stale}"
        changed = {k for k in incremental if incremental[k] != before.get(k)}
        expected = {
            k
            for k in incremental
            if any(part in k for part in touches)
            and k.count("/") == 1
            and k.split("/")[0] in FORMATS
        }  # posts' outputs
        assert expected <= changed, f"the {name} change did not reach {expected - changed}"
        if name == "pdf standard by flag":
            assert all(_pdf_is_a3b(v) for k, v in incremental.items() if k.startswith("pdf/"))
        before = incremental


@pytest.mark.slow
def test_cold_warm_and_another_cold_user_cache_give_the_same_bytes(project: Path, tmp_path: Path):
    def run(name: str, cache: str, epoch: str = EPOCH) -> dict[str, bytes]:
        shutil.rmtree(project / ".imprint-cache", ignore_errors=True)
        out = tmp_path / name
        _imprint(
            project,
            out,
            "--force",
            env={"SOURCE_DATE_EPOCH": epoch},
            xdg=tmp_path / f"cache-{cache}",
        )
        return _outputs(out)

    cold = run("cold", "a")
    # a cache filled on another day, by a build with another SOURCE_DATE_EPOCH
    run("another-day", "b", epoch="1600000000")
    assert any((tmp_path / "cache-b" / "imprint" / "webfonts").iterdir())
    warm = run("warm", "b")
    another_cold = run("another-cold", "c")
    for name, outputs in (("warm", warm), ("another cold", another_cold)):
        differ = sorted(k for k in outputs if outputs[k] != cold[k])
        assert differ == [], f"the {name} cache changed {differ}"
