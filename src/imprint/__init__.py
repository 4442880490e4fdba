"""imprint: one Markdown post in, branded HTML, PDF, EPUB 3 and DOCX out.

The public Python API, for tools and content systems that call imprint
directly; everything else in the package is internal and may change::

    import imprint

    doc = imprint.load("content/post.md")            # the normalised, typed Document
    pdf = imprint.render(doc, "pdf")                  # the PDF's bytes; nothing written
    report = imprint.build(["content/"], formats=["html", "pdf"], out="build")
    imprint.build_collection("content/collections/annual.toml", out="build")

``project`` names the project folder (its ``imprint.toml``, ``styles/`` and
``templates/``); it defaults to the current directory, as on the command line.
Problems with the input raise :class:`ImprintError`, whose message is the
command line's one ``path:line: category: message`` line; warnings go to the
``imprint`` logger. Importing this module loads neither pandoc nor WeasyPrint.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .builder.report import BuildReport, JobResult
from .config import __version__
from .errors import ImprintError
from .model import Author, Document

if TYPE_CHECKING:
    from .config import Settings

__all__ = [
    "Author",
    "BuildReport",
    "Document",
    "ImprintError",
    "JobResult",
    "__version__",
    "build",
    "build_collection",
    "load",
    "render",
]

PathLike = str | Path


def _settings(project: PathLike | None) -> Settings:
    from .config import load_settings

    return load_settings(root=Path(project) if project is not None else None)


def load(path: PathLike, *, project: PathLike | None = None) -> Document:
    """Read and normalise one post: its title, byline, date, excerpt, body and bios."""
    from .builder.project import Project

    return Project.open(_settings(project)).load(Path(path))


def render(
    doc: Document, fmt: str, *, brand: PathLike | None = None, project: PathLike | None = None
) -> bytes:
    """One output format (``html``, ``pdf``, ``epub`` or ``docx``) of ``doc``, as bytes.

    ``brand`` is a brand folder (holding ``brand.toml``) to use instead of the
    project's own. Nothing is written: the caller decides where the bytes go.
    """
    from .builder.project import Project

    settings = _settings(project)
    if brand is not None:
        settings = replace(settings, brand=Path(brand).resolve())
    return Project.open(settings).render(doc, fmt)


def build(
    paths: Iterable[PathLike] | None = None,
    *,
    formats: Sequence[str] | None = None,
    out: PathLike | None = None,
    project: PathLike | None = None,
    force: bool = False,
    jobs: int | None = None,
) -> BuildReport:
    """Build every post under ``paths`` (default: the project's content folder) in
    ``formats`` to ``out/<format>/<slug>.<ext>``, with ``index.html``, ``report.json``
    and the OPDS catalogue, exactly as ``imprint build`` does. Posts that fail are in the
    report (``report.failed``); every other post still gets its outputs.
    """
    from .builder.plan import BuildRequest
    from .builder.plan import build as run_build
    from .collection.opds import write_catalogue

    settings = _settings(project)
    report = run_build(
        BuildRequest(
            [Path(p) for p in paths] if paths is not None else None,
            tuple(formats or settings.formats),
            Path(out) if out is not None else None,
            settings,
            jobs=jobs,
            force=force,
        )
    )
    write_catalogue(Path(out) if out is not None else settings.out, settings)
    return report


def build_collection(
    manifest: PathLike,
    *,
    formats: Sequence[str] | None = None,
    out: PathLike | None = None,
    project: PathLike | None = None,
    jobs: int | None = None,
    force: bool = False,
) -> BuildReport:
    """Build the collection a manifest describes as one EPUB, PDF and DOCX each, to
    ``out/collections/<manifest name>.<ext>``, with ``jobs`` worker processes (default:
    one per core; the bytes are the same whatever the number)."""
    from .collection import FORMATS as COLLECTION_FORMATS
    from .collection import build_collection as run_collection
    from .collection.opds import write_catalogue

    settings = _settings(project)
    report = run_collection(
        Path(manifest),
        tuple(formats or COLLECTION_FORMATS),
        Path(out) if out is not None else None,
        settings,
        force=force,
        jobs=jobs,
    )
    write_catalogue(Path(out) if out is not None else settings.out, settings)
    return report
