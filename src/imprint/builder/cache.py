"""The build cache: what each output was built from, so an unchanged post is not built again.

An output's *key* is computed without normalising the post: a hash of the
post's bytes, the author registry file beside it (and a Jekyll site's configuration,
``_data/``, ``_includes/`` and authors collection), the format, and
:func:`shared_key` — imprint's version, what is installed (every dependency,
the text libraries, the fonts), each format's revision
(``renderers.REVISIONS``), a fingerprint of every setting that shapes output and one
of the render context the renderers receive
(the brand and templates by their bytes, the PDF standard, SOURCE_DATE_EPOCH).
Besides the key, the manifest records the local files a post read through the
resolver (its images) with their size, time and digest, and re-checks them: an
edited image rebuilds the posts that show it.

The manifest of an output folder lives in the project's cache
(``.imprint-cache/builds/``), so the output folder holds only what a team
publishes; every output it records is checked on disk before it is trusted,
so deleting the output folder simply rebuilds it. It is replaced atomically; a
build killed at any moment leaves the previous manifest or the new one, and an
output the manifest does not know is simply built again.

It holds a line per post (a JSON array), so that an archive's manifest is read and
written a post at a time, never held whole as one parsed document. Each post's line
is kept as read or last written until its entry changes (whoever changes an entry
in place says so, :meth:`Manifest.changed`), so saving after one edit encodes one
post, not the archive.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..brand.store import file_digest
from ..config import __version__
from ..diagnostics import Diagnostic
from ..renderers import REVISIONS
from . import installed
from .output import write_atomic
from .project import Project, real_path

LOGGER = logging.getLogger("imprint.cache")

# a header line, then a line per post; 2 (no warnings kept) and 1 (one document) are read
MANIFEST_FORMAT = 3


def shared_key(project: Project) -> str:
    """The part of every output's key that does not depend on the post: imprint's
    version, what is installed (:mod:`installed`: every dependency's version, the text
    libraries', the fonts), the formats' revisions, every setting that shapes output,
    and the render context the renderers receive (the brand and templates by their
    bytes, the PDF standard, SOURCE_DATE_EPOCH, renderer options). Derived from those
    objects, not listed here, so an option added to either is in the key."""
    families = (f for names in project.brand.fallback.values() for f in names)
    shared = {
        "imprint": __version__,
        "revisions": REVISIONS,
        "installed": installed.installed_key(families),
        "settings": project.settings.fingerprint(),
        "render": project.render_context().fingerprint(),
    }
    return hashlib.sha256(json.dumps(shared, sort_keys=True).encode()).hexdigest()


class Keys:
    """Cache keys for one build: the shared part is computed once."""

    def __init__(self, project: Project):
        self.shared = shared_key(project)
        self._project = project
        self._registries: dict[Path, str] = {}

    def _registry(self, root: Path) -> str:
        if root not in self._registries:
            from ..normalise.authors import REGISTRY_NAME

            path = root / REGISTRY_NAME
            digest = file_digest(path) if path.is_file() else "none"
            site_root = self._project.settings.site_root
            if site_root is not None:  # a Jekyll site: its config, data, includes, authors
                from ..normalise.jekyll_post import site_inputs_digest
                from ..source.jekyll import load_site

                digest = f"{digest}|{site_inputs_digest(load_site(site_root))}"
            self._registries[root] = digest
        return self._registries[root]

    def keys(self, source: Path, source_digest: str, formats: Sequence[str]) -> dict[str, str]:
        """Each format's key for one post (its content root looked up once)."""
        root = self._project.content_root(source)
        common = hashlib.sha256(f"{self.shared}|{source_digest}|{self._registry(root)}|".encode())
        keys = {}
        for fmt in formats:
            key = common.copy()
            key.update(fmt.encode())
            keys[fmt] = key.hexdigest()
        return keys


@dataclass(slots=True)
class FileStamp:
    """A file as it was when recorded: cheap to re-check (size, mtime), exact on doubt."""

    path: str
    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Path, sha256: str | None = None) -> FileStamp:
        info = path.stat()
        return cls(str(path), info.st_size, info.st_mtime_ns, sha256 or file_digest(path))

    def unchanged(self) -> bool:
        try:
            info = os.stat(self.path)
        except OSError:
            return False
        if info.st_size != self.size:
            return False
        if info.st_mtime_ns == self.mtime_ns:
            return True
        return file_digest(Path(self.path)) == self.sha256  # touched, maybe not changed

    def row(self) -> list[Any]:
        return [self.path, self.size, self.mtime_ns, self.sha256]


@dataclass(slots=True)
class Built:
    """One output imprint wrote, the key it was built for, and the warnings its build
    gave (reported again while it is skipped)."""

    key: str
    file: FileStamp
    warnings: list[Diagnostic] = field(default_factory=list)


@dataclass(slots=True)
class PostEntry:
    outputs: dict[str, Built] = field(default_factory=dict)  # format -> output
    dependencies: list[FileStamp] = field(default_factory=list)
    card: dict[str, Any] = field(default_factory=dict)  # what the site index shows
    site: str = ""  # the digest of the site navigation last written into its HTML page
    source: FileStamp | None = None  # the post as last read: unchanged stat, unchanged bytes

    def dependencies_unchanged(self) -> bool:
        return all(d.unchanged() for d in self.dependencies)

    def fresh(self, fmt: str, key: str) -> Built | None:
        """The recorded output, if it was built for ``key`` and is still as written."""
        built = self.outputs.get(fmt)
        if built is None or built.key != key or not built.file.unchanged():
            return None
        return built


class Manifest:
    """Every post's outputs in one output folder."""

    def __init__(self, path: Path, posts: dict[str, PostEntry] | None = None):
        self.path = path
        self.posts: dict[str, PostEntry] = posts or {}
        self._digest = ""  # of what the file holds, as far as this process knows
        self._lines: dict[str, bytes] = {}  # source -> its line, while its entry is as it
        self.touched: set[str] = set()  # posts whose entries changed since it was read

    def changed(self, source: str) -> None:
        """The entry of ``source`` was changed in place: its line is encoded anew."""
        self._lines.pop(source, None)
        self.touched.add(source)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        collecting = gc.isenabled()
        gc.disable()  # nothing read here is garbage: no collection while it is made
        try:
            return cls._load(path)
        finally:
            if collecting:
                gc.enable()

    @classmethod
    def _load(cls, path: Path) -> Manifest:
        digest = hashlib.sha256()
        posts: dict[str, PostEntry] = {}
        kept: dict[str, bytes] = {}
        try:
            with open(path, "rb") as lines:
                header = next(lines, b"")
                digest.update(header)
                head = json.loads(header or b"null")
                if isinstance(head, dict) and head.get("format") == 1:
                    posts = {source: _entry_v1(entry) for source, entry in head["posts"].items()}
                elif not isinstance(head, dict) or head.get("format") not in (2, 3):
                    raise ValueError(f"manifest format {head!r:.40}")
                for line in lines:  # a post at a time: never the whole archive parsed at once
                    digest.update(line)
                    source, entry = _entry(json.loads(line))
                    posts[source] = entry
                    kept[source] = line.rstrip(b"\n")
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # a damaged cache only costs a full build, never a wrong one
            LOGGER.warning("%s: build cache unreadable (%s); building everything", path, exc)
            return cls(path)
        manifest = cls(path, posts)
        manifest._digest = digest.hexdigest()
        manifest._lines = kept
        return manifest

    def _serialise(self) -> bytes:
        """The manifest: a header line, then a compact JSON array per post, in order."""
        lines = [json.dumps({"format": MANIFEST_FORMAT}).encode()]
        for source, entry in sorted(self.posts.items()):
            line = self._lines.get(source)
            if line is None:
                line = self._lines[source] = json.dumps(
                    [
                        source,
                        {fmt: _built_row(b) for fmt, b in entry.outputs.items()},
                        [d.row() for d in entry.dependencies],
                        entry.card,
                        entry.site,
                        entry.source.row() if entry.source else None,
                    ],
                    ensure_ascii=False,
                    separators=(",", ":"),
                ).encode("utf-8")
            lines.append(line)
        lines.append(b"")
        return b"\n".join(lines)

    def digest(self, saved: bool = False) -> str:
        """A digest of the manifest as it would be saved now; ``saved`` says it was just
        saved (or read) and not changed since, so the file's digest is it."""
        return self._digest if saved else hashlib.sha256(self._serialise()).hexdigest()

    def save(self) -> bool:
        """Write the manifest if it changed since it was read or last written."""
        data = self._serialise()
        digest = hashlib.sha256(data).hexdigest()
        if digest == self._digest:
            return False
        write_atomic(self.path, data)
        self._digest = digest
        return True

    def entry(self, source: Path) -> PostEntry | None:
        return self.posts.get(source_id(source))

    def record(
        self,
        source: Path,
        fmt: str,
        key: str,
        target: Path,
        sha256: str,
        warnings: list[Diagnostic] | None = None,
    ) -> PostEntry:
        entry = self.posts.setdefault(source_id(source), PostEntry())
        entry.outputs[fmt] = Built(key, FileStamp.of(target, sha256), list(warnings or []))
        self.changed(source_id(source))
        return entry

    def forget(self, source: str, fmt: str | None = None) -> list[Path]:
        """Drop a post (or one of its formats); return the outputs it had recorded."""
        entry = self.posts.get(source)
        if entry is None:
            return []
        self.changed(source)
        formats = [fmt] if fmt else list(entry.outputs)
        gone = [Path(entry.outputs.pop(f).file.path) for f in formats if f in entry.outputs]
        if not entry.outputs:
            del self.posts[source]
        return gone

    def owners(self) -> dict[Path, str]:
        """Output path -> the source that wrote it."""
        return {
            Path(b.file.path): source
            for source, entry in self.posts.items()
            for b in entry.outputs.values()
        }


def _built_row(built: Built) -> list[Any]:
    """An output as its post's line holds it: key, file, and its warnings if any."""
    row: list[Any] = [built.key, built.file.row()]
    if built.warnings:
        row.append([[d.message, d.path, d.line, d.code] for d in built.warnings])
    return row


def _built(key: str, file: list[Any], warnings: list[list[Any]] | None = None) -> Built:
    return Built(key, FileStamp(*file), [Diagnostic(*w) for w in warnings or ()])


def _entry(row: list[Any]) -> tuple[str, PostEntry]:
    source, outputs, dependencies, card, site, stamp = row
    return source, PostEntry(
        {sys.intern(fmt): _built(*output) for fmt, output in outputs.items()},
        [FileStamp(*d) for d in dependencies],
        {sys.intern(k): v for k, v in card.items()},  # one copy of each key, not one a post
        site,
        FileStamp(*stamp) if stamp else None,
    )


def _entry_v1(entry: dict[str, Any]) -> PostEntry:
    """A post as format 1 kept it (objects, not arrays)."""
    return PostEntry(
        {fmt: Built(o["key"], FileStamp(**o["file"])) for fmt, o in entry["outputs"].items()},
        [FileStamp(**d) for d in entry["dependencies"]],
        entry.get("card", {}),
        entry.get("site", ""),
        FileStamp(**entry["source"]) if entry.get("source") else None,
    )


def card_digest(card: dict[str, Any]) -> str:
    """What a post's index card says, as one digest (its own ``digest`` left out)."""
    return hashlib.sha256(
        repr({k: v for k, v in card.items() if k != "digest"}).encode()
    ).hexdigest()


def source_id(path: Path) -> str:
    """How the manifest names a post: its absolute path, whatever folder imprint ran in
    (resolved once per path and process: an archive's paths are resolved once a build)."""
    return real_path(path)


def remove_output(path: Path) -> bool:
    """Delete an output imprint wrote; True if something was removed."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True
