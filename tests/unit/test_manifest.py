"""The build cache's manifest: a line per post, read a post at a time; the previous
format (one JSON document) is still read."""

from __future__ import annotations

import json
from pathlib import Path

from imprint.builder.cache import FileStamp, Manifest
from imprint.diagnostics import Diagnostic


def _manifest(tmp_path: Path) -> Manifest:
    page = tmp_path / "out" / "a.html"
    page.parent.mkdir()
    page.write_text("<p>a</p>", encoding="utf-8")
    post = tmp_path / "a.md"
    post.write_text("# a\n", encoding="utf-8")
    manifest = Manifest(tmp_path / "manifest.json")
    entry = manifest.record(post, "html", "key-a", page, "0" * 64)
    entry.card = {"title": "Ä \u2028 line", "tags": ["x"]}
    entry.source = FileStamp.of(post)
    return manifest


def test_a_saved_manifest_reads_back_equal_and_is_not_written_again(tmp_path):
    manifest = _manifest(tmp_path)
    assert manifest.save()
    lines = manifest.path.read_bytes().splitlines()
    assert json.loads(lines[0]) == {"format": 3} and len(lines) == 2  # a line per post
    again = Manifest.load(manifest.path)
    assert again.posts == manifest.posts
    assert again.digest(saved=True) == again.digest() == manifest.digest(saved=True)
    mtime = manifest.path.stat().st_mtime_ns
    assert not again.save() and manifest.path.stat().st_mtime_ns == mtime


def test_a_format_1_manifest_is_still_read(tmp_path):
    manifest = _manifest(tmp_path)
    [(source, entry)] = manifest.posts.items()
    old = {
        "format": 1,
        "posts": {
            source: {
                "outputs": {"html": {"key": "key-a", "file": vars_of(entry.outputs["html"].file)}},
                "dependencies": [],
                "card": entry.card,
                "site": "",
                "source": vars_of(entry.source),
            }
        },
    }
    manifest.path.write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    again = Manifest.load(manifest.path)
    assert again.posts == manifest.posts
    assert again.save()  # in the new format from now on
    assert json.loads(manifest.path.read_bytes().splitlines()[0]) == {"format": 3}


def vars_of(stamp: FileStamp) -> dict:
    return dict(zip(("path", "size", "mtime_ns", "sha256"), stamp.row(), strict=True))


def test_a_saved_line_is_kept_until_its_entry_is_said_to_change(tmp_path):
    manifest = _manifest(tmp_path)
    manifest.save()
    again = Manifest.load(manifest.path)
    [(source, entry)] = again.posts.items()
    entry.site = "navigation"
    assert not again.save()  # an entry changed in place, unannounced: its line is kept
    again.changed(source)
    assert again.save()
    assert Manifest.load(manifest.path).posts[source].site == "navigation"


def test_an_outputs_warnings_are_kept_with_it(tmp_path):
    """A skipped post's warnings are still true of it: the manifest keeps them."""
    manifest = _manifest(tmp_path)
    [(source, entry)] = manifest.posts.items()
    found = [Diagnostic("image has no alt text", source, 7), Diagnostic("no bio for 'A'")]
    manifest.record(
        Path(source), "pdf", "key-p", Path(entry.outputs["html"].file.path), "1" * 64, found
    )
    manifest.save()
    again = Manifest.load(manifest.path).posts[source]
    assert again.outputs["pdf"].warnings == found and again.outputs["html"].warnings == []
