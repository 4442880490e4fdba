"""``imprint import`` on real Word files (pandoc's own reader tests) and on hostile ones
built here: each imports with its words, or fails alone with one clear line."""

from __future__ import annotations

import io
import json
import re
import subprocess
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
    lifted = [
        w for k in ("title", "subtitle", "author", "abstract") for w in _meta_words(meta.get(k))
    ]
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


# --- Word files built here ----------------------------------------------------------------------
def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _word(paragraphs: list[str], picture: bool = False) -> bytes:
    """A Word file written by python-docx: a title, ``paragraphs``, maybe a picture."""
    import docx

    document = docx.Document()
    document.core_properties.title = "Built Here"
    document.core_properties.author = "Ada Editor"
    for text in paragraphs:
        document.add_paragraph(text)
    if picture:
        document.add_picture(io.BytesIO(_png()))
        document.inline_shapes[0]._inline.docPr.set("descr", "A red square")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _rezip(data: bytes, change) -> bytes:
    """``data``'s members, each passed through ``change(name, bytes) -> (name, bytes)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            name, body = change(info.filename, source.read(info))
            target.writestr(name, body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _one_line(capsys, path: Path, *options: str) -> tuple[int, str]:
    code = main(["import", str(path), "--out", str(path.parent / "out"), *options])
    return code, capsys.readouterr().err.strip()


def test_a_zip_bomb_fails_with_one_line(tmp_path, capsys):
    path = tmp_path / "bomb.docx"
    data = _word(["Hello"])
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info), zipfile.ZIP_DEFLATED)
        member = zipfile.ZipInfo("word/media/huge.bin")
        member.compress_type = zipfile.ZIP_DEFLATED  # 64 MB of zeros in 64 KB
        with target.open(member, "w", force_zip64=True) as huge:
            block = bytes(1 << 20)
            for _ in range(64):
                huge.write(block)
    code, err = _one_line(capsys, path)
    assert code != 0
    assert LINE.match(err) and "zip bomb" in err, err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.md"))


def test_a_member_named_out_of_the_package_stays_in_the_images_folder(tmp_path):
    def evil(name: str, body: bytes) -> tuple[str, bytes]:
        if name.startswith("word/media/"):
            return "../../evil.png", body
        if name == "word/_rels/document.xml.rels":
            return name, re.sub(rb'Target="media/[^"]+"', b'Target="../../evil.png"', body)
        return name, body

    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    path = deep / "evil.docx"
    path.write_bytes(_rezip(_word(["Text before."], picture=True), evil))
    report = import_docx(path, deep / "out")
    assert not list(tmp_path.rglob("evil.png"))  # nothing was written under that name
    images = deep / "out" / "images"
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix == ".png"]
    assert written and all(images in p.parents for p in written)
    assert [Path(i).parent.parent for i in report.images] == [images]


def test_a_linked_picture_is_fetched_only_as_the_resource_policy_allows(tmp_path):
    from imprint.source.resources import Policy, Resolver

    from .servers import Reply, http_server

    with http_server({"/x.png": Reply(200, {"Content-Type": "image/png"}, _png())}) as served:
        url = served.base + "/x.png"

        def linked(name: str, body: bytes) -> tuple[str, bytes]:
            if name == "word/document.xml":
                return name, body.replace(b'r:embed="', b'r:link="')
            if name == "word/_rels/document.xml.rels":
                body = re.sub(
                    rb'Target="media/[^"]+"',
                    f'Target="{url}" TargetMode="External"'.encode(),
                    body,
                )
            return name, body

        path = tmp_path / "linked.docx"
        path.write_bytes(_rezip(_word(["Look:"], picture=True), linked))
        alone = import_docx(path, tmp_path / "none")  # no policy: nothing is fetched
        public_only = Resolver(Policy(tmp_path, remote=True))  # 127.0.0.1 is private
        refused = import_docx(path, tmp_path / "refused", resolver=public_only)
        assert served.requests == []  # the server was never asked
        trusting = Resolver(Policy(tmp_path, remote=True, trusted_networks=("127.0.0.1/32",)))
        fetched = import_docx(path, tmp_path / "fetched", resolver=trusting)
        assert len(served.requests) == 1
    assert any(url in w and "not fetched" in w for w in alone.warnings), alone.warnings
    assert any(url in w and "not fetched" in w for w in refused.warnings), refused.warnings
    assert alone.images == [] and refused.images == []
    (image,) = fetched.images
    assert Path(image).read_bytes() == _png()
    assert f"]({Path(image).relative_to(tmp_path / 'fetched')})" in Path(fetched.post).read_text()


@pytest.mark.slow
def test_a_twenty_thousand_paragraph_document_imports_within_the_caps(tmp_path):
    words = [f"Paragraph {n} holds a few words." for n in range(20_000)]
    path = tmp_path / "long.docx"
    path.write_bytes(_word(words))
    report = import_docx(path, tmp_path / "out")
    text = Path(report.post).read_text(encoding="utf-8")
    assert "Paragraph 19999 holds a few words." in text
    assert text.count("holds a few words.") == 20_000


def test_tracked_changes_are_refused_with_their_count(tmp_path, capsys):
    require(PANDOC_TESTS.is_dir(), f"pandoc's test files at {PANDOC_TESTS}")
    path = PANDOC_TESTS / "track_changes_insertion.docx"
    code = main(["import", str(path), "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code != 0 and "\n" not in err
    assert re.fullmatch(rf"{re.escape(str(path))}: source: \d+ unresolved tracked changes .*", err)
    assert main(["import", str(path), "--out", str(tmp_path), "--track-changes", "reject"]) == 0
    (rejected,) = tmp_path.glob("*.md")
    assert "two exciting" not in rejected.read_text(encoding="utf-8")
    assert list(tmp_path.glob("*.import.json"))
    # the same file again is refused: a post is never written over without --update
    assert main(["import", str(path), "--out", str(tmp_path), "--track-changes", "all"]) != 0
    assert "exists" in capsys.readouterr().err
    kept = import_docx(path, tmp_path / "all", track_changes="all")
    text = Path(kept.post).read_text(encoding="utf-8")
    assert '[two exciting]{.insertion author="eng-dept"' in text


def test_comments_are_reported_and_kept_as_notes_when_asked(tmp_path):
    require(PANDOC_TESTS.is_dir(), f"pandoc's test files at {PANDOC_TESTS}")
    path = PANDOC_TESTS / "comments.docx"
    dropped = import_docx(path, tmp_path / "drop")
    assert dropped.comments and all(c["author"] and c["text"] for c in dropped.comments)
    assert any(c["anchored"] for c in dropped.comments)
    saved = json.loads(Path(dropped.post).with_suffix(".import.json").read_text())
    assert saved["comments"] == dropped.comments
    kept = import_docx(path, tmp_path / "keep", comments="keep")
    text = Path(kept.post).read_text(encoding="utf-8")
    assert "IMPRINTCOMMENT" not in text
    first = dropped.comments[0]
    assert text.count("[^") >= 2 * len(dropped.comments)
    assert f"Comment by {first['author']}" in text
    assert "Comment by" not in Path(dropped.post).read_text(encoding="utf-8")


def test_dropped_objects_are_named_in_warnings(tmp_path):
    require(PANDOC_TESTS.is_dir(), f"pandoc's test files at {PANDOC_TESTS}")
    diagram = import_docx(PANDOC_TESTS / "diagram.docx", tmp_path / "1").warnings
    assert "a SmartArt diagram in paragraph 2: dropped" in diagram
    embedded = import_docx(PANDOC_TESTS / "image_vml_as_object.docx", tmp_path / "2").warnings
    assert "an embedded object in paragraph 3: dropped" in embedded
    template = import_docx(PANDOC_TESTS / "german_styled_lists.docx", tmp_path / "3").warnings
    assert any(w.startswith("an external attachedTemplate (") for w in template)
    kept = import_docx(PANDOC_TESTS / "textbox_image.docx", tmp_path / "4").warnings
    assert not any("text box" in w for w in kept)  # pandoc kept those boxes' text


@pytest.mark.slow
def test_a_document_past_pandocs_heap_cap_fails_alone_with_one_line(tmp_path, capsys, monkeypatch):
    import imprint.importer

    monkeypatch.setattr(imprint.importer, "PANDOC_HEAP_MB", 96)  # a real pandoc, a low cap
    path = tmp_path / "long.docx"
    path.write_bytes(_word([f"Paragraph {n} holds a few words." for n in range(20_000)]))
    good = tmp_path / "good.docx"
    good.write_bytes(_word(["A short one."]))
    code = main(["import", str(path), str(good), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert LINE.match(err) and "heap" in err, err
    assert err.startswith(str(path))
    assert len(list((tmp_path / "out").glob("*.md"))) == 1  # the other file still imported


def test_a_folder_imports_each_file_alone(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.DOCX").write_bytes(_word(["A short one."]))
    (folder / "bad.docx").write_bytes(b"this is not a zip")
    code = main(["import", str(folder), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code != 0
    assert (
        captured.err.strip()
        == f"{folder / 'bad.docx'}: source: not a Word document (not a zip archive: File is not a zip file)"
    )
    (post,) = (tmp_path / "out").glob("*.md")
    assert "A short one." in post.read_text(encoding="utf-8")
    assert str(post) in captured.out
    report = json.loads(post.with_suffix(".import.json").read_text(encoding="utf-8"))
    assert report["post"] == str(post) and report["warnings"] == []
