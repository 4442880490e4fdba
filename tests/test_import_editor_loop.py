"""The editor's loop: a post goes out as DOCX, an editor changes it in Word with
tracked changes, and ``imprint import --update`` writes back only what they changed."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from imprint.cli import main

from .conftest import CONTENT, require_tool

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
POST = "2025-06-12-undersea-cables.md"


def _w(tag: str, **attrs: str) -> etree._Element:
    element = etree.Element(f"{{{W}}}{tag}")
    for key, value in attrs.items():
        element.set(f"{{{W}}}{key}", value)
    return element


def _run(text: str, deleted: bool = False) -> etree._Element:
    run = _w("r")
    t = etree.SubElement(run, f"{{{W}}}{'delText' if deleted else 't'}")
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return run


def edit_in_word(docx: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` as Word's tracked changes do: the old words in a
    ``w:del``, the new in a ``w:ins``, both with the editor's name and a date."""
    with zipfile.ZipFile(docx) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    root = etree.fromstring(parts["word/document.xml"])
    text = next(t for t in root.iter(f"{{{W}}}t") if old in (t.text or ""))
    run = text.getparent()
    before, after = text.text.split(old, 1)
    text.text = before
    parent, at = run.getparent(), run.getparent().index(run)
    stamp = {"id": "901", "author": "Eve Editor", "date": "2025-07-01T10:00:00Z"}
    removed = _w("del", **stamp)
    removed.append(_run(old, deleted=True))
    added = _w("ins", **{**stamp, "id": "902"})
    added.append(_run(new))
    for offset, element in enumerate((removed, added, _run(after)), 1):
        parent.insert(at + offset, element)
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.slow
def test_an_editors_tracked_change_comes_back_as_only_that_change(tmp_path, capsys):
    require_tool("git")
    repo = tmp_path / "site"
    (repo / "content").mkdir(parents=True)
    shutil.copy(CONTENT / POST, repo / "content" / POST)
    shutil.copy(CONTENT / "_authors.yml", repo / "content" / "_authors.yml")
    post = repo / "content" / POST
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "post")

    docx = tmp_path / "for-review.docx"
    assert main(["docx", str(post), "-o", str(docx)]) == 0
    edit_in_word(docx, "talk of patrols", "talk of naval patrols")

    # unresolved, the change is refused with its count
    assert main(["import", str(docx), "--update", str(post)]) != 0
    assert "2 unresolved tracked changes" in capsys.readouterr().err
    assert _git(repo, "status", "--porcelain") == ""

    assert main(["import", str(docx), "--update", str(post), "--track-changes", "accept"]) == 0
    diff = _git(repo, "diff", "-U0", "--", f"content/{POST}")
    changed = [
        line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert len(changed) == 2, diff
    assert changed[0].startswith("-") and "talk of patrols" in changed[0]
    assert changed[1] == changed[0].replace("talk of patrols", "talk of naval patrols").replace(
        "-", "+", 1
    )
