"""A project: settings, brand, author registries and resource policy, loaded once.

``Project`` is what a build (or a worker process) needs to turn a path into a
:class:`~imprint.model.Document` and a document into outputs. It pickles
small: registries and resolvers are rebuilt per process on first use.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..brand.tokens import Brand, load_brand
from ..config import Settings, load_settings
from ..errors import ImprintError
from ..model import Document
from ..normalise import normalise
from ..normalise.authors import REGISTRY_NAME, AuthorRegistry
from ..normalise.site_authors import with_site_authors
from ..renderers import RenderContext, get_renderer
from ..source.jekyll import JekyllSite, load_site
from ..source.post import parse_source, read_bytes
from ..source.resources import Policy, Resolver

SOURCE_SUFFIXES = (".md", ".markdown", ".mdown", ".qmd")


@dataclass(frozen=True)
class Project:
    settings: Settings
    brand: Brand
    _registries: dict[Path, AuthorRegistry] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def open(cls, settings: Settings | None = None) -> Project:
        settings = settings or load_settings()
        return cls(settings, load_brand(settings.brand))

    def __getstate__(self) -> dict[str, object]:
        return {"settings": self.settings, "brand": self.brand}

    def __setstate__(self, state: dict[str, object]) -> None:
        object.__setattr__(self, "settings", state["settings"])
        object.__setattr__(self, "brand", state["brand"])
        object.__setattr__(self, "_registries", {})

    def content_root(self, path: Path) -> Path:
        """The folder a post's site-relative references resolve against: a Jekyll
        site's root for its posts, else the content folder."""
        site = self.settings.site_root
        if site is not None and real_path(path).startswith(os.path.join(str(_resolved(site)), "")):
            return _resolved(site)
        return _content_root(self.settings.content, path)

    def registry(self, root: Path) -> AuthorRegistry:
        if root not in self._registries:
            registry = AuthorRegistry.load(root / REGISTRY_NAME)
            if self.settings.site_root is not None:  # a Jekyll site's own author data
                registry = with_site_authors(registry, load_site(self.settings.site_root))
            self._registries[root] = registry
        return self._registries[root]

    def resolver(self, root: Path) -> Resolver:
        s = self.settings
        return Resolver(
            Policy(
                root,
                s.remote_resources,
                s.resource_timeout,
                s.resource_max_bytes,
                s.cache_dir,
                s.resource_trusted_networks,
            )
        )

    def load(self, path: Path) -> Document:
        """Read and normalise one post."""
        return self.load_tracked(path)[0]

    def load_tracked(self, path: Path, raw: bytes | None = None) -> tuple[Document, list[Path]]:
        """Normalise one post (from ``raw`` when the caller has read it already) and
        say which local files, besides the post, went into it."""
        root = self.content_root(path)
        source = parse_source(read_bytes(path) if raw is None else raw, path)
        resolver = self.resolver(root)
        site = self.jekyll_site(path)
        doc = normalise(
            source,
            self.settings,
            self.registry(root),
            resolver,
            citation_style=self.brand.citation_style,
            site=site,
        )
        return doc, list(dict.fromkeys(resolver.files_read))

    def jekyll_site(self, path: Path) -> JekyllSite | None:
        """The Jekyll site ``path`` belongs to, when the project is one (``site_root``)."""
        root = self.settings.site_root
        if root is None or not real_path(path).startswith(os.path.join(str(root), "")):
            return None
        return load_site(root)

    def render(self, doc: Document, fmt: str) -> bytes:
        """One format's bytes for ``doc``, rendered in this process."""
        renderer = get_renderer(fmt)
        ctx = self.render_context()
        warm = getattr(renderer, "warm", None)
        if warm is not None:
            warm(ctx)
        try:
            return renderer.render(doc, ctx)
        except ImprintError as exc:
            exc.located(doc.source_path)
            raise

    def render_context(self) -> RenderContext:
        s = self.settings
        return RenderContext(
            self.brand,
            s.templates,
            s.cache_dir,
            s.source_date_epoch,
            s.pdf_standard,
            user_cache_dir=s.user_cache_dir,
            timeout=s.job_timeout,
            html_mode=s.html_mode or "standalone",
            base_url=s.base_url,
            permalinks=s.jekyll_permalinks,
        )


@functools.lru_cache(maxsize=65536)
def _content_root(content: Path, path: Path) -> Path:
    """Per post, resolved once a process: the content root it lies in, or its folder."""
    content, real = _resolved(content), real_path(path)
    inside = real.startswith(os.path.join(str(content), ""))  # not "content-old/…"
    return content if inside or real == str(content) else Path(real).parent


@functools.lru_cache(maxsize=65536)
def real_path(path: Path) -> str:
    """``str(path.resolve())``, once a process per path, and with one system call for a
    file that is not a link (its folder, shared by an archive's posts, resolved once)."""
    if path.name in ("", ".", "..") or os.path.islink(path):
        return str(path.resolve())
    return os.path.join(_real_folder(path.parent), path.name)


@functools.lru_cache(maxsize=1024)
def _real_folder(folder: Path) -> str:
    return str(folder.resolve())


@functools.lru_cache(maxsize=64)
def _resolved(folder: Path) -> Path:
    return folder.resolve()


def discover(paths: list[Path]) -> list[Path]:
    """Posts named by ``paths``: files as given, folders searched (skipping ``_*`` and ``.*``)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            posts: list[str] = []
            _search(str(path), posts)
            # in the order paths sort (by their parts), each made a Path once
            found += [Path(post) for post in sorted(posts, key=lambda p: p.split(os.sep))]
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _search(folder: str, posts: list[str]) -> None:
    """The posts under ``folder``, by one directory listing each (an archive's folder holds
    tens of thousands): not its ``_*`` and ``.*`` entries, nor folders linked into it."""
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if name.startswith(("_", ".")):
                continue
            if entry.is_dir(follow_symlinks=False):
                _search(entry.path, posts)
                continue
            stem, suffix = os.path.splitext(name)
            if suffix.lower() not in SOURCE_SUFFIXES or stem.upper() == "README":
                continue  # not a post, or a folder's notes to its editors
            if entry.is_file():
                posts.append(entry.path)
