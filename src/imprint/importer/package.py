"""A Word file read as the untrusted zip it is.

Before anything is decompressed the archive's own table is checked (member count,
declared sizes, compression ratio), and every member is then read through a capped
stream, so a zip bomb that lies about its sizes still stops at the cap. Member names
are kept as data: they are looked up, never joined to a folder. pandoc is handed a
new archive holding only what passed.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from dataclasses import dataclass, field

from ..errors import SourceError

MAX_FILE_BYTES = 200 * 1024 * 1024  # the .docx itself
MAX_TOTAL_BYTES = 400 * 1024 * 1024  # everything inside it, uncompressed
MAX_MEMBERS = 10_000
MAX_RATIO = 200  # uncompressed / compressed for one member larger than RATIO_FLOOR
RATIO_FLOOR = 4 * 1024 * 1024
MAX_XML_BYTES = 100 * 1024 * 1024  # one XML part (parsed whole, so held many times over)
_CHUNK = 1 << 20


@dataclass
class Package:
    """The parts of a Word file by their name in the zip (as written there)."""

    parts: dict[str, bytes] = field(default_factory=dict)

    def get(self, name: str) -> bytes | None:
        return self.parts.get(name)

    def media(self, target: str, base: str = "word") -> tuple[str, bytes] | None:
        """The part a relationship target names, relative to ``base``; a target that
        leaves the package (``../../x``) is looked up as written, never on disk."""
        from urllib.parse import unquote

        joined = posixpath.normpath(posixpath.join(base, target.lstrip("/")))
        names = (joined, target, target.lstrip("/"), posixpath.join(base, target))
        for name in (*names, *(unquote(n) for n in names)):
            if name in self.parts:
                return name, self.parts[name]
        return None

    def to_zip(self) -> bytes:
        """The checked parts as a new archive (what pandoc reads)."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in self.parts.items():
                archive.writestr(name, data)
        return out.getvalue()


def read_package(data: bytes, path: str) -> Package:
    """The members of the Word file ``data`` under the caps; a file that is not a Word
    document, or breaks a cap, is a :class:`SourceError`."""
    if len(data) > MAX_FILE_BYTES:
        raise SourceError(f"{len(data)} bytes; a Word file may hold {MAX_FILE_BYTES}", path)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise SourceError(f"not a Word document (not a zip archive: {exc})", path) from None
    if len(members) > MAX_MEMBERS:
        raise SourceError(f"{len(members)} parts in the archive; at most {MAX_MEMBERS}", path)
    declared = sum(m.file_size for m in members)
    if declared > MAX_TOTAL_BYTES:
        raise SourceError(
            f"a zip bomb: the archive unpacks to {declared} bytes; at most {MAX_TOTAL_BYTES}",
            path,
        )
    package, total = Package(), 0
    for member in members:
        if member.is_dir():
            continue
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise SourceError(
                f"a zip bomb: {member.filename!r} unpacks {member.file_size} bytes "
                f"from {member.compress_size}",
                path,
            )
        if member.filename.endswith((".xml", ".rels")) and member.file_size > MAX_XML_BYTES:
            raise SourceError(
                f"{member.filename!r} is {member.file_size} bytes of XML; at most {MAX_XML_BYTES}",
                path,
            )
        body = _read_capped(archive, member, MAX_TOTAL_BYTES - total, path)
        total += len(body)
        package.parts[member.filename] = body
    _rename_escaping(package)
    if "[Content_Types].xml" not in package.parts or not any(
        n.endswith(".xml") and "document" in n for n in package.parts
    ):
        raise SourceError("not a Word document (no word/document.xml)", path)
    return package


def _read_capped(archive: zipfile.ZipFile, member: zipfile.ZipInfo, room: int, path: str) -> bytes:
    """A member's bytes, stopping at ``room`` whatever its header claims."""
    limit = min(room, member.file_size)
    out = bytearray()
    try:
        with archive.open(member) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                out += chunk
                if len(out) > limit:
                    raise SourceError(
                        f"a zip bomb: {member.filename!r} unpacks past its declared size "
                        "or the archive's cap",
                        path,
                    )
    except (
        zipfile.BadZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
        RuntimeError,  # an encrypted member
        zlib.error,
    ) as exc:
        raise SourceError(f"{member.filename!r} cannot be read ({exc})", path) from None
    return bytes(out)


def _escapes(name: str) -> bool:
    normal = posixpath.normpath(name.replace("\\", "/"))
    return normal.startswith(("../", "/")) or normal == ".." or ":" in normal.split("/")[0]


def _rename_escaping(package: Package) -> None:
    """Give a member named out of the package (``../../x.png``) a name inside it, and
    point the relationships that named it there: pandoc then finds the picture, and
    no name ever leaves the package."""
    renamed = {}
    for number, name in enumerate([n for n in package.parts if _escapes(n)], 1):
        suffix = posixpath.splitext(name)[1][:8]
        renamed[name] = f"word/media/renamed-{number}{suffix}"
        package.parts[renamed[name]] = package.parts.pop(name)
    if not renamed:
        return
    from lxml import etree

    for rels in [n for n in package.parts if n.endswith(".rels")]:
        try:
            root = etree.fromstring(package.parts[rels], etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError:
            continue
        base = posixpath.dirname(posixpath.dirname(rels))
        for rel in root:
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External":
                continue
            joined = posixpath.normpath(posixpath.join(base, target))
            for name in (target, joined):
                if name in renamed:
                    rel.set("Target", "/" + renamed[name])
                    break
        package.parts[rels] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
