"""``imprint archive``: posts and collections as one BagIt 1.0 bag (RFC 8493), for deposit.

The payload holds, per post, ``data/<slug>/``: the Markdown source as it was, the
PDF as PDF/A-3a (tagged, as the everyday PDF/UA-1 copy is) with that source attached,
the EPUB, the standalone HTML, the DOCX, the post's images under ``images/``, and
``metadata.json`` (Dublin Core terms and schema.org JSON-LD, with a checksum per
output). Collections go under ``data/collections/``, and every validator's verdict on
every output, and every content warning its build gave (a missing image, a missing
bio), under ``data/validation.json``.

The bag is made by the ``bagit`` library, in a folder beside the destination, and
renamed into place once complete, so ``--out`` never holds half a bag. What
bagit-python would make differ between two runs is fixed: the Bagging-Date comes
from SOURCE_DATE_EPOCH, the agent names imprint, and the tag manifests are sorted.
bagit-python declares BagIt 0.97; the declaration is set to 1.0 (nothing else
differs for a bag like this one) and the library then rewrites the tag manifests.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from ..builder.plan import BuildRequest, build
from ..builder.project import discover
from ..builder.report import JobResult
from ..collection import build_collection, manifests
from ..config import FORMATS, Settings, __version__
from ..diagnostics import Diagnostic
from ..errors import ConfigError, ImprintError
from ..model import Document
from ..renderers import get_renderer, plain_excerpt
from .bags import bagit_library
from .suite import Row, Step, check

CHECKSUMS = ("sha256", "sha512")


@dataclass
class ArchiveReport:
    bag: Path
    posts: list[str] = field(default_factory=list)
    collections: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    # the builds' content warnings, each once, as `imprint build` gives them
    warnings: list[Diagnostic] = field(default_factory=list)
    # file in the payload (data/) -> its build's warnings, its source named in the bag
    file_warnings: dict[str, list[str]] = field(default_factory=dict)
    # a built file or a post's source -> its name in the payload
    names: dict[str, str] = field(default_factory=dict, repr=False)

    def warned(self, results: Sequence[JobResult], names: dict[str, str]) -> None:
        """Keep the warnings of ``results``, whose files (and the posts' sources) are
        named in the payload by ``names`` and the names given before."""
        self.names.update(names)
        for result in results:
            self.warnings += [w for w in result.warnings if w not in self.warnings]
            if result.warnings and result.target is not None:
                self.file_warnings[self.names[str(result.target)]] = [
                    str(replace(w, path=self.names.get(w.path or "", w.path)))
                    for w in result.warnings
                ]

    @property
    def invalid(self) -> list[Row]:
        return [r for r in self.rows if r.failed]

    @property
    def not_run(self) -> list[Row]:
        return [r for r in self.rows if r.errors is None]


class _Failed(ImprintError):
    """Outputs that could not be built: their own error lines, as the build gave them."""

    def __init__(self, results) -> None:
        super().__init__("\n".join(dict.fromkeys(r.error or "" for r in results)))
        self.exit_code = results[0].exit_code or 1

    def __str__(self) -> str:
        return self.message


def _digest(data: bytes, algorithm: str = "sha256") -> str:
    return hashlib.new(algorithm, data).hexdigest()


def _image_names(doc: Document) -> dict[str, str]:
    """Each image's file name in the bag: the name the post gave it, unless two share one."""
    names: dict[str, str] = {}
    for resource in doc.all_resources():
        wanted = Path(urlsplit(resource.origin).path).name
        if not wanted or wanted in names.values() or wanted.startswith("."):
            wanted = Path(resource.name).name
        names[resource.name] = wanted
    return names


def metadata(doc: Document, publisher: str, files: dict[str, tuple[bytes, str]]) -> dict:
    """Dublin Core terms and schema.org JSON-LD for one post, with each file's checksums
    (``files``: name in the post's folder → bytes and media type)."""
    excerpt = plain_excerpt(doc) or doc.description
    when = doc.date.isoformat() if doc.date else None
    outputs = {
        name: {
            "mediaType": media_type,
            "bytes": len(data),
            "sha256": _digest(data),
            "sha512": _digest(data, "sha512"),
        }
        for name, (data, media_type) in sorted(files.items())
    }
    dublin_core = {
        "dcterms:title": doc.title,
        "dcterms:creator": list(doc.author_names),
        "dcterms:date": when,
        "dcterms:identifier": doc.identifier,
        "dcterms:language": doc.lang,
        "dcterms:abstract": excerpt,
        "dcterms:publisher": publisher,
        "dcterms:subject": list(dict.fromkeys(doc.tags + doc.categories)),
        "dcterms:source": doc.source_path.name,
    }
    json_ld = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": doc.title,
        "name": doc.title,
        "author": [{"@type": "Person", "name": name} for name in doc.author_names],
        "datePublished": when,
        "identifier": doc.identifier,
        "inLanguage": doc.lang,
        "abstract": excerpt,
        "publisher": {"@type": "Organization", "name": publisher},
        "encoding": [
            {
                "@type": "MediaObject",
                "contentUrl": name,
                "encodingFormat": facts["mediaType"],
                "contentSize": facts["bytes"],
                "sha256": facts["sha256"],
            }
            for name, facts in outputs.items()
        ],
    }
    return {"slug": doc.slug, "dublinCore": dublin_core, "jsonLd": json_ld, "files": outputs}


def _place(folder: Path, name: str, data: bytes) -> None:
    target = folder / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _stage_posts(
    paths: Sequence[Path],
    settings: Settings,
    work: Path,
    payload: Path,
    publisher: str,
    report: ArchiveReport,
) -> list[str]:
    sources = discover(list(paths))
    if not sources:
        raise ImprintError("no posts to archive here", paths[0] if paths else None)
    docs: dict[Path, Document] = {}  # the build's own Documents: each post read once

    def keep(doc: Document) -> None:
        docs.setdefault(doc.source_path.resolve(), doc)

    build_report = build(
        BuildRequest(
            sources,
            FORMATS,
            out=work / "build",
            settings=settings,
            force=True,
            on_document=keep,
        ),
    )
    if build_report.failed:
        raise _Failed(build_report.failed)
    built = {(r.source.resolve(), r.format): r.target for r in build_report.built if r.target}
    in_bag: dict[str, str] = {}  # a built file or a source -> its name under data/
    slugs = []
    for source in sources:
        doc = docs[source.resolve()]
        if doc.slug in slugs or doc.slug == "collections":
            raise ImprintError(f"two posts would share data/{doc.slug}/ in the bag", source)
        slugs.append(doc.slug)
        # the source as it was, byte for byte
        files = {source.name: (source.read_bytes(), "text/markdown")}
        in_bag[str(source)] = f"{doc.slug}/{source.name}"
        for fmt in FORMATS:
            target = built[(source.resolve(), fmt)]
            in_bag[str(target)] = f"{doc.slug}/{doc.slug}{target.suffix}"
            files[f"{doc.slug}{target.suffix}"] = (
                target.read_bytes(),
                get_renderer(fmt).media_type,
            )
        names = _image_names(doc)
        for resource in doc.all_resources():
            files[f"images/{names[resource.name]}"] = (resource.data, resource.media_type)
        folder = payload / doc.slug
        for name, (data, _) in files.items():
            _place(folder, name, data)
        meta = metadata(doc, publisher, files)
        _place(folder, "metadata.json", _json(meta))
    report.warned(build_report.built, in_bag)
    return slugs


def _stage_collections(
    settings: Settings, work: Path, payload: Path, report: ArchiveReport
) -> list[str]:
    names = []
    for manifest in manifests(settings.content / "collections"):
        made = build_collection(manifest, out=work / "build", settings=settings, force=True)
        if made.failed:
            raise _Failed(made.failed)
        targets = [r.target for r in made.built if r.target]
        for target in targets:
            _place(payload / "collections", target.name, target.read_bytes())
        inside = {str(target): f"collections/{target.name}" for target in targets}
        report.warned(made.built, inside)
        names.append(manifest.stem)
    return names


def _json(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def _validation(rows: list[Row], payload: Path, warnings: dict[str, list[str]]) -> bytes:
    """``imprint check``'s verdicts, and each file's content warnings from its build,
    with paths relative to the payload (data/)."""

    def plain(text: str) -> str:
        return text.replace(str(payload) + os.sep, "").replace(str(payload), "")

    return _json(
        {
            "validators": [
                {
                    "file": r.path.relative_to(payload).as_posix(),
                    "validator": r.validator,
                    "status": "not run" if r.errors is None else "failed" if r.failed else "passed",
                    "errors": r.errors,
                    "warnings": r.warnings,
                    "messages": [plain(m) for m in r.messages],
                }
                for r in rows
            ],
            "content_warnings": [
                {"file": name, "warnings": found} for name, found in sorted(warnings.items())
            ],
        }
    )


def bagging_date(settings: Settings) -> str:
    if settings.source_date_epoch is not None:
        return datetime.fromtimestamp(settings.source_date_epoch, UTC).date().isoformat()
    return date.today().isoformat()


def _make_bag(folder: Path, info: dict[str, str]) -> None:
    """bagit makes the bag; the declaration says BagIt 1.0 and the tag manifests are
    sorted, so equal payloads give equal bags."""
    bagit = bagit_library()
    bagit.make_bag(str(folder), dict(info), checksums=list(CHECKSUMS))
    (folder / "bagit.txt").write_text(
        "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", encoding="utf-8"
    )
    bagit.Bag(str(folder)).save()  # bag-info and the tag manifests again, by the library
    for algorithm in CHECKSUMS:
        tags = folder / f"tagmanifest-{algorithm}.txt"
        lines = tags.read_text(encoding="utf-8").splitlines(keepends=True)
        tags.write_text(
            "".join(sorted(lines, key=lambda line: line.split(" ", 1)[1])), encoding="utf-8"
        )  # by file name, as the manifests are


def _bag_count_ok(text: str) -> bool:
    import re

    match = re.fullmatch(r"\s*([1-9]\d*)\s+of\s+([1-9]\d*|\?)\s*", text)
    return match is not None and (match[2] == "?" or int(match[1]) <= int(match[2]))


def _replace(staged: Path, out: Path) -> None:
    """Move the finished bag to ``out``; an earlier bag there is replaced whole."""
    if not out.exists():
        os.rename(staged, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rename(out, old / out.name)
    try:
        os.rename(staged, out)
    except OSError:
        os.rename(old / out.name, out)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def archive(
    paths: Sequence[Path] | None,
    out: Path,
    settings: Settings,
    bag_count: str | None = None,
    step: Step | None = None,
) -> ArchiveReport:
    """Build, validate and bag every post under ``paths`` (default: the content folder)
    and every collection in content/collections/, as a bag at ``out``. ``bag_count``
    (``"2 of 3"``, ``"2 of ?"``) says which of a group of bags this one is; ``step`` is
    told as each stage starts."""
    say = step or (lambda _: None)
    from ..brand.tokens import load_brand

    if bag_count is not None and not _bag_count_ok(bag_count):
        raise ConfigError(
            f"--bag-count {bag_count!r} must be like '2 of 3' (or '2 of ?' "
            "while the total is not known)"
        )
    out = out.resolve()
    if (
        out.exists()
        and not (out / "bagit.txt").is_file()
        and (not out.is_dir() or any(out.iterdir()))
    ):
        raise ConfigError("--out exists and is not a bag; choose an empty or new folder", out)
    out.parent.mkdir(parents=True, exist_ok=True)
    publisher = load_brand(settings.brand).name
    staged = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.work-", dir=out.parent))
    # PDF/A-3a, the archival PDF, tagged, with the source attached, and each HTML page as
    # one self-contained file; everything built from scratch, with a build cache of its
    # own that goes with the work folder
    settings = settings.with_overrides(pdf_standard="a-3a", root=work, html_mode="standalone")
    try:
        payload = staged / "payload"  # bagit moves what is here into data/
        payload.mkdir()
        report = ArchiveReport(out)
        say("building the posts (PDF/A-3a, EPUB, HTML, DOCX)")
        report.posts = _stage_posts(
            paths or [settings.content], settings, work, payload, publisher, report
        )
        say(f"{len(report.posts)} post(s) staged; building the collections")
        report.collections = _stage_collections(settings, work, payload, report)
        say("validating every file")
        rows = check([payload], step)
        _place(payload, "validation.json", _validation(rows, payload, report.file_warnings))
        report.rows = [
            replace(r, path=out / "data" / r.path.relative_to(payload)) for r in rows
        ]  # where each file will be, in the bag
        for child in sorted(payload.iterdir()):
            os.rename(child, staged / child.name)
        payload.rmdir()
        described = (
            f"{len(report.posts)} post(s) and {len(report.collections)} "
            f"collection(s) from {publisher}: per post the Markdown source, "
            "PDF/A-3a with the source attached, EPUB 3, HTML, DOCX, images and "
            "metadata.json; validators' reports and content warnings in "
            "data/validation.json"
        )
        info = {
            "Source-Organization": publisher,
            "Bagging-Date": bagging_date(settings),
            "External-Description": described,
            "Bag-Software-Agent": f"imprint {__version__}",
        }
        if bag_count is not None:  # only a bag that is one of a group has a Bag-Count
            info["Bag-Count"] = " ".join(bag_count.split())
        say("writing the bag and its checksums")
        _make_bag(staged, info)
        umask = os.umask(0)
        os.umask(umask)
        for folder in (staged, staged / "data"):  # not the temporary folder's 0700
            os.chmod(folder, 0o777 & ~umask)
        _replace(staged, out)
        return report
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(staged, ignore_errors=True)
