"""Which posts a manifest selects: paths and globs, then filters, then order.

Every problem (a named post that does not exist, a glob that matches nothing,
a post that cannot be read, an empty selection, two posts with one
identifier) is collected and reported together, before anything is written.
"""

from __future__ import annotations

import glob
from collections.abc import Callable
from pathlib import Path

from ..builder.jekyll_site import build_sources
from ..builder.project import SOURCE_SUFFIXES, Project, discover
from ..errors import ConfigError, ImprintError
from ..model import Document
from .manifest import Manifest

_GLOB = set("*?[")


def candidates(manifest: Manifest, project: Project, problems: list[str]) -> list[Path]:
    if not manifest.patterns:  # a Jekyll site's posts as it publishes them, or the content
        listed = build_sources(None, project.settings)
        return listed[0] if listed is not None else discover([project.settings.content])
    found: list[Path] = []
    base = manifest.path.parent
    for pattern in manifest.patterns:
        if _GLOB & set(pattern):
            matches = sorted(
                Path(p)
                for p in glob.glob(str(base / pattern), recursive=True)
                if Path(p).suffix.lower() in SOURCE_SUFFIXES
            )
            if not matches:
                problems.append(f"posts.paths: {pattern!r} matches no post")
            found += matches
        else:
            path = base / pattern
            if not path.is_file():
                problems.append(f"posts.paths: {pattern!r}: no such post")
            else:
                found.append(path)
    return list(dict.fromkeys(p.resolve() for p in found))


def _keep(manifest: Manifest, unpublished: bool = True) -> Callable[[Document], bool]:
    """``unpublished``: keep posts marked published: false (all but a Jekyll site's)."""
    tags, categories = set(manifest.tags), set(manifest.categories)

    def keep(doc: Document) -> bool:
        if not doc.published and not unpublished:  # published: false, or a draft
            return False
        if (tags or categories) and not (tags & set(doc.tags) or categories & set(doc.categories)):
            return False
        if manifest.start or manifest.end:
            if doc.date is None:
                return False
            day = doc.date.date()
            if (manifest.start and day < manifest.start) or (manifest.end and day > manifest.end):
                return False
        return True

    return keep


def _unpublished_kept(project: Project) -> bool:
    settings = project.settings
    return settings.unpublished or settings.site_root is None


def select(
    manifest: Manifest,
    project: Project,
    load_all: Callable[[list[Path]], list[Document | ImprintError]],
) -> list[Document]:
    """The collection's documents, in order; one ConfigError lists every problem.

    ``load_all`` normalises the candidate posts (the collection's Runner: in the
    worker pool or here); it gives each post's Document or the error that stopped it."""
    problems: list[str] = []
    paths = candidates(manifest, project, problems)
    docs: list[Document] = []
    for path, loaded in zip(paths, load_all(paths), strict=True):
        if isinstance(loaded, ImprintError):
            loaded.located(path)
            problems.append(f"posts: {loaded}")
        else:
            docs.append(loaded)
    chosen = [doc for doc in docs if _keep(manifest, _unpublished_kept(project))(doc)]
    if manifest.order != "manifest":
        dated = [(d.date, d) for d in chosen if d.date is not None]
        undated = [d for d in chosen if d.date is None]
        dated.sort(key=lambda pair: pair[0], reverse=manifest.order == "date-desc")
        chosen = [d for _, d in dated] + undated
    if not chosen and not problems:
        problems.append("the selection is empty: no post matches the paths and filters")
    owners: dict[str, Path] = {}
    for doc in chosen:
        first = owners.setdefault(doc.identifier, doc.source_path)
        if first != doc.source_path:
            problems.append(
                f"posts: {first} and {doc.source_path} share the identifier {doc.identifier}"
            )
    if problems:
        raise ConfigError("\n".join(problems), manifest.path)
    return chosen
