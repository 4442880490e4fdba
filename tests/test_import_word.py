"""``imprint import`` on real Word files (pandoc's own reader tests) and on hostile ones
built here: each imports with its words, or fails alone with one clear line."""

from __future__ import annotations

import http.server
import io
import json
import re
import subprocess
import threading
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from imprint.cli import main
from imprint.errors import ImprintError
from imprint.importer import import_docx
from imprint.source.pandoc import pandoc_path

from .conftest import REPO, require

PANDOC_TESTS = REPO.parent / "shared" / "docx" / "pandoc-tests"
LINE = re.compile(r"^\S[^\n]*: (source|resource|render|tool|error): [^\n]+$")


def _plain_words(data: bytes, fmt: str, *extra: str) -> list[str]:
    text = subprocess.run(
        [pandoc_path(), "--sandbox", f"--from={fmt}", "--to=plain", "--wrap=none", *extra],
        input=data,
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout.decode("utf-8")
    return re.findall(r"\w+", text.casefold())


def _meta_words(value) -> list[str]:
    """The words of pandoc's metadata value (its JSON)."""
    if isinstance(value, dict):
        if value.get("t") == "Str":
            return re.findall(r"\w+", value["c"].casefold())
        return _meta_words(value.get("c", []))
    if isinstance(value, list):
        return [w for item in value for w in _meta_words(item)]
    return []


def _docx_words(path: Path) -> list[str]:
    """pandoc's plain-text reading of the file, with the title block it lifts out."""
    tree = json.loads(
        subprocess.run(
            [pandoc_path(), "--sandbox", "--from=docx", "--to=json", "--track-changes=accept"],
            input=path.read_bytes(),
            capture_output=True,
            check=True,
            timeout=120,
        ).stdout
    )
    meta = tree["meta"]
    lifted = [w for k in ("title", "subtitle", "author", "abstract") for w in _meta_words(meta.get(k))]
    return sorted(lifted + _plain_words(path.read_bytes(), "docx", "--track-changes=accept"))


def _property_words(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        try:
            core = archive.read("docProps/core.xml").decode("utf-8", "replace")
        except KeyError:
            return []
    return re.findall(r"\w+", re.sub(r"<[^>]+>", " ", core).casefold())


def _post_words(post: Path) -> list[str]:
    """The post's words: its front matter's title, subtitle, authors, excerpt and bios,
    and its body, each as pandoc reads the Markdown."""
    import yaml

    _, head, body = post.read_text(encoding="utf-8").split("---\n", 2)
    fields = yaml.safe_load(head) or {}
    pieces = [fields.get("title", ""), fields.get("subtitle", ""), fields.get("excerpt", "")]
    authors = fields.get("author") or []
    for author in [authors] if isinstance(authors, str) else authors:
        if isinstance(author, dict):
            pieces += [author.get("name", ""), author.get("bio", "")]
        else:
            pieces.append(author)
    words = _plain_words(body.encode("utf-8"), "markdown")
    for piece in pieces:
        if piece:
            words += _plain_words(piece.encode("utf-8"), "markdown")
    return sorted(words)


def _import(path: Path, out: Path) -> tuple[str, object]:
    """("imported", report) or ("failed", the error's one line)."""
    try:
        return "imported", import_docx(path, out)
    except ImprintError as first:
        if "tracked changes" not in first.message:
            return "failed", str(first)
        try:
            return "imported", import_docx(path, out, track_changes="accept")
        except ImprintError as exc:
            return "failed", str(exc)


@pytest.mark.slow
def test_pandoc_test_files_import_with_their_words(tmp_path):
    require(PANDOC_TESTS.is_dir(), f"pandoc's test files at {PANDOC_TESTS}")
    files = sorted(PANDOC_TESTS.glob("*.docx"))
    assert len(files) == 97
    imported, failed, lost = 0, [], {}
    for index, path in enumerate(files):
        outcome, value = _import(path, tmp_path / str(index))
        if outcome == "failed":
            assert LINE.match(value), value  # one clear line
            failed.append(value)
            continue
        imported += 1
        theirs = _docx_words(path)
        ours = _post_words(Path(value.post))
        missing = Counter(theirs) - Counter(ours)
        # words beyond pandoc's are the document's properties (its title, its creators)
        extra = set(Counter(ours) - Counter(theirs)) - set(_property_words(path))
        if missing or extra:
            lost[path.name] = (sorted(missing)[:10], sorted(extra)[:10])
    print(f"{imported} imported, {len(failed)} failed cleanly: {failed}")
    assert lost == {}
    assert imported + len(failed) == len(files)
