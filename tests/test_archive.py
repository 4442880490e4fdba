"""`imprint archive`: a BagIt 1.0 bag of every post and collection, validated by bagit
itself, reproducible under SOURCE_DATE_EPOCH, and `--verify` naming each changed file."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import bagit
import pikepdf
import pytest

from imprint.check.archive import archive
from imprint.errors import ConfigError

from .conftest import CONTENT, REPO

EPOCH = 1_700_000_000
OUTPUTS = (".pdf", ".epub", ".html", ".docx")


def _imprint(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "imprint", *args],
        cwd=REPO,
        text=True,
        capture_output=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(REPO / "src"), **(env or {})},
    )


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def archived(settings, tmp_path_factory):
    fixed = settings.with_overrides(content=CONTENT, source_date_epoch=EPOCH)
    parent = tmp_path_factory.mktemp("archive")
    report = archive(None, parent / "bag", fixed)
    return parent / "bag", report, fixed


@pytest.mark.slow
def test_bag_is_valid_bagit_1_0_with_every_post(archived):
    bag_dir, report, _ = archived
    assert sorted(p.name for p in bag_dir.parent.iterdir()) == ["bag"]  # no temporaries
    bag = bagit.Bag(str(bag_dir))
    bag.validate()  # fixity included
    done = subprocess.run(
        [sys.executable, "-m", "bagit", "--validate", str(bag_dir)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert bag.version_info == (1, 0)
    assert {p.name for p in bag_dir.iterdir()} == {
        "bagit.txt",
        "bag-info.txt",
        "data",
        "manifest-sha256.txt",
        "manifest-sha512.txt",
        "tagmanifest-sha256.txt",
        "tagmanifest-sha512.txt",
    }
    assert bag.info["Source-Organization"] == "The Imprint Review"
    assert bag.info["Bagging-Date"] == "2023-11-14"  # from SOURCE_DATE_EPOCH
    assert bag.info["Bag-Software-Agent"].startswith("imprint ")
    assert bag.info["External-Description"]
    files = [p for p in (bag_dir / "data").rglob("*") if p.is_file()]
    assert bag.info["Payload-Oxum"] == f"{sum(p.stat().st_size for p in files)}.{len(files)}"

    posts = sorted(CONTENT.glob("*.md"))
    assert len(report.posts) == len(posts) == 3
    for source in posts:
        (folder,) = [p.parent for p in (bag_dir / "data").glob(f"*/{source.name}")]
        slug = folder.name
        assert slug in report.posts
        assert (folder / source.name).read_bytes() == source.read_bytes()  # as it was
        for suffix in OUTPUTS:
            assert (folder / f"{slug}{suffix}").stat().st_size > 1000
        meta = json.loads((folder / "metadata.json").read_text("utf-8"))
        assert meta["dublinCore"]["dcterms:identifier"] == meta["jsonLd"]["identifier"]
        assert meta["dublinCore"]["dcterms:title"] and meta["jsonLd"]["author"]
        assert meta["jsonLd"]["@context"] == "https://schema.org"
        for name, facts in meta["files"].items():  # a checksum for every file it lists
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == facts["sha256"]
        assert {f"{slug}{s}" for s in OUTPUTS} <= set(meta["files"])
        # the PDF is PDF/A-3a with the Markdown source attached
        with pikepdf.open(folder / f"{slug}.pdf") as pdf:
            assert 'pdfaid:part="3"' in str(pdf.open_metadata())
            attached = [spec.get_file().read_bytes() for spec in pdf.attachments.values()]
            assert source.read_bytes() in attached
    assert (bag_dir / "data/monsoon-grids/images/flood-week-supply.png").is_file()
    assert {p.suffix for p in (bag_dir / "data" / "collections").iterdir()} == {
        ".epub",
        ".pdf",
        ".docx",
    }

    validation = json.loads((bag_dir / "data" / "validation.json").read_text("utf-8"))
    checked = {row["file"] for row in validation["validators"]}
    outputs = {
        p.relative_to(bag_dir / "data").as_posix()
        for p in files
        if p.suffix in OUTPUTS and p.parent.name != "images"
    }
    assert checked == outputs
    assert {row["validator"] for row in validation["validators"]} >= {"pdf-a", "epubcheck"}


@pytest.mark.slow
def test_two_archives_are_byte_identical_and_verify_names_a_changed_file(archived, tmp_path):
    bag_dir, _, fixed = archived
    again = archive(None, tmp_path / "again", fixed).bag
    assert _tree(again) == _tree(bag_dir)

    done = _imprint("archive", "--verify", str(again))
    assert done.returncode == 0, done.stderr
    changed = again / "data" / "undersea-cables" / "undersea-cables.epub"
    data = bytearray(changed.read_bytes())
    data[len(data) // 2] ^= 0x01  # one payload byte
    changed.write_bytes(bytes(data))
    done = _imprint("archive", "--verify", str(again))
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()  # one line for the file, both checksums
    assert line.startswith(f"{changed}: archive: changed since the bag was made"), line
    assert "sha256 and sha512" in line


@pytest.mark.slow
def test_out_that_is_not_a_bag_is_refused_and_nothing_is_left(settings, tmp_path):
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not a bag"):
        archive([CONTENT], tmp_path / "keep", settings)
    bad = tmp_path / "posts" / "bad.md"
    bad.parent.mkdir()
    bad.write_text("---\ntitle: [unclosed\n---\nbody\n")
    done = _imprint("archive", str(bad), "--out", str(tmp_path / "bag"), "--bag-count", "4 of 3")
    assert done.returncode == 78
    assert (
        done.stderr.strip() == "config: --bag-count '4 of 3' must be like '2 of 3' "
        "(or '2 of ?' while the total is not known)"
    )
    done = _imprint("archive", str(bad), "--out", str(tmp_path / "bag"))
    assert done.returncode == 65
    said = done.stderr.strip().splitlines()
    assert said[0] == "imprint archive: building the posts (PDF/A-3a, EPUB, HTML, DOCX)"
    (line,) = [text for text in said if not text.startswith("imprint archive: ")]
    assert line.startswith(f"{bad}:3: source: invalid YAML")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep", "posts"]  # no half bag
    shutil.rmtree(tmp_path / "keep")


@pytest.mark.slow
def test_an_invalid_output_is_listed_and_fails_unless_allowed(tmp_path):
    """A brand whose web stylesheet has an unknown CSS property: the Nu checker fails the
    HTML, so the archive lists it and exits 1; with --allow-invalid it exits 0."""
    brand = tmp_path / "brand"
    shutil.copytree(REPO / "styles", brand)
    with (brand / "screen.css").open("a", encoding="utf-8") as css:
        css.write("\n.standfirst { colour: bleu; }\n")
    project = tmp_path / "project"
    (project / "content").mkdir(parents=True)
    for name in ("2025-11-20-arctic-shipping.md", "_authors.yml"):
        shutil.copy(CONTENT / name, project / "content" / name)
    runs = {}
    for flag in ("", "--allow-invalid"):
        bag = tmp_path / f"bag{flag}"
        extra = ["--allow-invalid", "--bag-count", "2 of 3"] if flag else []
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "imprint",
                "archive",
                "--brand",
                str(brand),
                "--out",
                str(bag),
                *extra,
            ],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "PYTHONPATH": str(REPO / "src"), "IMPRINT_REQUIRE_TOOLS": ""},
        )
        runs[flag] = done
        made = bagit.Bag(str(bag))
        made.validate()  # the bag is whole either way, to be inspected
        assert made.info.get("Bag-Count") == ("2 of 3" if flag else None)
        rows = json.loads((bag / "data" / "validation.json").read_text("utf-8"))["validators"]
        (failed,) = [r for r in rows if r["status"] == "failed"]
        assert (failed["file"], failed["validator"]) == (
            "arctic-shipping/arctic-shipping.html",
            "nu-html",
        )
        assert any("colour" in m for m in failed["messages"])
    assert runs[""].returncode == 1
    assert (
        f"{tmp_path / 'bag'}/data/arctic-shipping/arctic-shipping.html: invalid: "
        "nu-html: 1 error(s)" in runs[""].stderr
    )
    assert runs["--allow-invalid"].returncode == 0, runs["--allow-invalid"].stderr
    # not at a terminal: a line per stage as it starts, before the verdicts
    said = [line for line in runs[""].stderr.splitlines() if line.startswith("imprint archive:")]
    assert said[0] == "imprint archive: building the posts (PDF/A-3a, EPUB, HTML, DOCX)"
    assert "imprint archive: validating every file" in said
    assert "imprint archive: nu-html: 1 file(s)" in said
    assert said[-1] == "imprint archive: writing the bag and its checksums"
