"""``imprint import``: a Word manuscript in, a post out (``content/YYYY-MM-DD-slug.md``,
its pictures in ``images/<slug>/``, and an import report beside it).

The Word file is untrusted: it is read under caps (:mod:`.package`), what pandoc does
not read is looked at here (:mod:`.word`), pandoc reads the rest sandboxed, and the
tree it gives is turned into the post (:mod:`.tree`, :mod:`.post`). Nothing is lost
silently: unresolved tracked changes are refused unless the caller says what to do
with them, and comments, dropped objects and unfetched links are in the report.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..brand import store
from ..errors import ImprintError, SourceError
from ..source.pandoc import run_pandoc
from ..source.resources import Resolver, sniff, svg_problem
from .package import read_package
from .post import PostFields, front_matter, post_name, slug_of
from .tree import convert_tree
from .word import embed_linked_pictures, inspect, mark_comments

TRACK_CHANGES = ("accept", "reject", "all")
COMMENTS = ("keep", "drop")
PANDOC_TIMEOUT = 120.0  # seconds for each pandoc call
PANDOC_HEAP_MB = 1536  # pandoc's heap cap: a runaway document stops here
_MARKDOWN = "markdown-simple_tables-multiline_tables-raw_html-raw_attribute"


@dataclass
class ImportReport:
    """What an import did and what it could not keep."""

    source: str
    post: str = ""
    images: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    comments: list[dict[str, str]] = field(default_factory=list)
    tracked_changes: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> bytes:
        return json.dumps(self.__dict__, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"

    def lines(self) -> list[str]:
        out = [f"{self.source} -> {self.post}"]
        out += [f"  image {name}" for name in self.images]
        for comment in self.comments:
            out.append(
                f"  comment by {comment['author'] or 'unknown'} {comment['date']}: "
                f"{comment['text']!r} on {comment['anchored']!r}"
            )
        out += [f"  warning: {w}" for w in self.warnings]
        return out


def markdown_of(blocks: list[dict[str, Any]], api: list[int]) -> str:
    """pandoc's Markdown for ``blocks``: one line a paragraph, so edits diff by paragraph."""
    tree = {"pandoc-api-version": api, "meta": {}, "blocks": blocks}
    data = json.dumps(tree, ensure_ascii=False).encode("utf-8")
    out = run_pandoc(
        ["--from=json", f"--to={_MARKDOWN}", "--wrap=none"], data, timeout=PANDOC_TIMEOUT
    )
    return out.decode("utf-8").strip("\n").rstrip()


def import_docx(
    path: Path,
    out: Path,
    *,
    track_changes: str | None = None,
    comments: str = "drop",
    target: Path | None = None,
    resolver: Resolver | None = None,
) -> ImportReport:
    """Import the Word file ``path`` as a post in the folder ``out`` (or at ``target``,
    a post file to write over); returns the report, also written beside the post.
    Pictures the file links to are fetched only through ``resolver`` (the resource
    policy); without one they are left out, with a warning."""
    shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}", path) from None
    package = read_package(data, shown)
    found = inspect(package, shown)
    report = ImportReport(shown)
    if found.change_count and track_changes is None:
        parts = ", ".join(f"{n} {kind}" for kind, n in found.changes.items())
        raise SourceError(
            f"{found.change_count} unresolved tracked changes ({parts}); "
            "say what to do with --track-changes accept, reject or all",
            path,
        )
    mode = track_changes or "accept"
    report.tracked_changes = {**found.changes, "resolved": mode if found.change_count else ""}
    report.comments = [
        {"author": c.author, "date": c.date, "text": c.text, "anchored": c.anchored}
        for c in found.comments
    ]
    keep_comments = comments == "keep" and bool(found.comments)
    if keep_comments:
        mark_comments(package, found.document, shown)
    elif found.comments:
        report.warnings.append(
            f"{len(found.comments)} comments not kept in the post (listed in the report; "
            "--comments keep keeps them as notes)"
        )
    report.warnings += found.dropped
    if resolver is not None:
        report.warnings += embed_linked_pictures(
            package, found.document, lambda url: _fetch(resolver, url, path), shown
        )
    for kind, where in found.external:
        if kind != "image" or resolver is None:
            report.warnings.append(f"an external {kind} ({where}): not fetched")

    try:
        raw = run_pandoc(
            ["--from=docx+styles", "--to=json", f"--track-changes={mode}"],
            package.to_zip(),
            timeout=PANDOC_TIMEOUT,
            heap_mb=PANDOC_HEAP_MB,
        )
    except ImprintError as exc:
        if "couldn't parse docx" in exc.message:
            raise SourceError("not a Word document pandoc can read", path) from None
        raise exc.located(path) from None
    try:
        tree = json.loads(raw)
    except RecursionError:
        raise SourceError("the document is nested too deeply to import", path) from None
    fields = PostFields.from_properties(found.properties, tree.get("meta", {}))
    slug = slug_of(fields.title, path.stem) if target is None else target.stem.split("-", 3)[-1]
    folder = (target.parent if target is not None else out).resolve()
    images_dir = folder / "images" / slug
    images: dict[str, bytes] = {}

    def keep_image(src: str, alt: str) -> str | None:
        where = f"image {src!r}" + (f" ({alt[:40]!r})" if alt else "")
        if "://" in src or src.startswith("//"):
            report.warnings.append(f"{where}: a linked picture, not fetched; its alt text kept")
            return None
        member = package.media(src)
        if member is None:
            report.warnings.append(f"{where}: not in the file; its alt text kept")
            return None
        body = member[1]
        kind = sniff(body)
        if kind is None or (kind[0] == "image/svg+xml" and svg_problem(body)):
            report.warnings.append(
                f"{where}: not a PNG, JPEG, GIF, WebP or SVG picture; dropped, its alt text kept"
            )
            return None
        name = f"{hashlib.sha256(body).hexdigest()[:16]}.{kind[1]}"
        images[name] = body
        if not alt:
            report.warnings.append(f"{where}: no alt text (picture description)")
        return f"images/{slug}/{name}"

    comments_by_id = {c.id: c for c in found.comments} if keep_comments else None
    try:
        body = convert_tree(tree, keep_image, comments_by_id, strip_numbers=found.made_by_imprint)
    except RecursionError:
        raise SourceError("the document is nested too deeply to import", path) from None
    api = tree.get("pandoc-api-version", [1, 23])
    fields.add_styles(body, lambda blocks: markdown_of(blocks, api))
    text = front_matter(fields) + "\n" + markdown_of(body.blocks, api) + "\n"
    kept = set(re.findall(r"\w+", text.casefold()))
    for where, words in found.text_boxes:
        if not set(re.findall(r"\w+", words.casefold())) <= kept:
            report.warnings.append(f"a text box ({words[:40]!r}) in {where}: its text dropped")
    report.warnings = list(dict.fromkeys(report.warnings))  # a box drawn twice, once as VML
    post = target if target is not None else out / post_name(fields, slug)
    if target is None and post.exists():
        raise SourceError(
            f"{post} exists; import --update {post} writes the document over it", path
        )
    for name, image in images.items():
        store.put(images_dir / name, image)
    store.put(post, text.encode("utf-8"))
    report.post = str(post)
    report.images = [str(images_dir / n) for n in images]
    store.put(post.with_suffix(".import.json"), report.as_json())
    return report


def _fetch(resolver: Resolver, url: str, path: Path) -> tuple[bytes, str]:
    if not url.startswith(("http://", "https://")):
        raise SourceError("only http(s) links are fetched", path)
    resource = resolver.resolve(url, path.parent)
    return resource.data, resource.name.rsplit(".", 1)[-1]


def import_many(
    paths: list[Path], out: Path, **options: Any
) -> tuple[list[ImportReport], list[ImprintError]]:
    """Each Word file in ``paths`` (folders: their ``.docx`` files) imported alone: one
    that fails is an error line, the others still import."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() == ".docx")
        else:
            files.append(path)
    done, failed = [], []
    for file in files:
        try:
            done.append(import_docx(file, out, **options))
        except ImprintError as exc:
            failed.append(exc.located(file))
    return done, failed
