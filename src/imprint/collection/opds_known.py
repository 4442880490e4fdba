"""What the OPDS catalogue reads from an output folder, and what it remembers of it.

An EPUB's metadata and cover are read from the EPUB itself; :class:`Known` keeps what
the last catalogue read of each (and the names of the images it made), by the file's
path, size and time, so an archive's catalogue reads again only the books that changed.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path, PurePosixPath

from lxml import etree

from ..builder.plan import manifest_path
from ..config import Settings, __version__


def _opf(epub: Path) -> tuple[etree._Element, str, zipfile.ZipFile]:
    archive = zipfile.ZipFile(epub)
    container = etree.fromstring(archive.read("META-INF/container.xml"))
    where = container.xpath("//*[local-name()='rootfile']/@full-path")[0]
    return etree.fromstring(archive.read(where)), where, archive


def read_epub(epub: Path) -> dict:
    """The metadata and cover image a catalogue needs, read from the EPUB itself."""
    opf, where, archive = _opf(epub)
    with archive:

        def dc(name: str) -> list[str]:
            return [
                " ".join((e.text or "").split())
                for e in opf.xpath(f"//*[local-name()='metadata']/*[local-name()='{name}']")
            ]

        cover = None
        items = opf.xpath(
            "//*[local-name()='item'][contains(concat(' ', @properties, ' '), ' cover-image ')]"
        )
        if items:
            name = str(PurePosixPath(where).parent / items[0].get("href"))
            cover = (items[0].get("media-type"), archive.read(name))
    return {
        "title": (dc("title") or [""])[0],
        "creators": dc("creator"),
        "date": next(iter(dc("date")), None),
        "description": (dc("description") or [""])[0],
        "lang": (dc("language") or [""])[0],
        "identifier": (dc("identifier") or [""])[0],
        "sources": dc("source"),
        "cover": cover,
    }


class Known:
    """What the last catalogue read of each EPUB (its metadata, and the names of the
    cover and thumbnail it made), by the file's path, size and time."""

    def __init__(self, books: dict[str, dict]):
        self.books = books
        self.used: dict[str, dict] = {}

    def read(self, epub: Path) -> dict:
        info = epub.stat()
        stamp = [info.st_size, info.st_mtime_ns]
        known = self.books.get(str(epub))
        if known is not None and known["stamp"] == stamp:
            meta = {**known["meta"], "cover": None, "images": known["images"]}
        else:
            meta = {**read_epub(epub), "images": None}
            known = {
                "stamp": stamp,
                "meta": {k: v for k, v in meta.items() if k not in ("cover", "images")},
                "images": None,
            }
        self.used[str(epub)] = known
        return meta


def inputs_digest(out: Path, settings: Settings, publisher: str) -> str:
    """A digest of what the catalogue is made from, by stat: the build's record of the
    folder, the collections, the settings it reads."""
    parts: list[object] = [__version__, publisher, settings.base_url, settings.source_date_epoch]
    for path in [manifest_path(settings, out), *sorted((out / "collections").glob("*"))]:
        try:
            info = path.stat()
            parts.append((str(path), info.st_size, info.st_mtime_ns))
        except OSError:
            parts.append((str(path), None))
    return hashlib.sha256(repr(parts).encode()).hexdigest()
