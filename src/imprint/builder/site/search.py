"""The Pagefind search index, in stable shards (``pagefind/<n>/``), and ``search.html``,
which merges them. Each post's page is in the shard its name hashes to, so an edit
re-indexes one shard; Pagefind runs in a thread while the rest of the site is laid out."""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from ...config import __version__
from ...errors import ToolError
from ..output import TMP_PREFIX
from .pages import href, write_page
from .state import Site

SEARCH = "pagefind"  # the search index's folder: one Pagefind bundle per shard inside


@dataclass
class Indexing:
    """Search shards being indexed in a thread; see :func:`finish_search`."""

    thread: threading.Thread
    bundles: list[tuple[Path, str]]  # each shard indexed anew, with its inputs' digest
    shards: list[int]  # every shard the site has
    failed: list[BaseException]


def start_search(site: Site) -> Indexing | None:
    """Start indexing, in a thread, the search shards (``pagefind/<n>/``) whose pages
    changed. None: the site has no pages."""
    isfile, present = os.path.isfile, site.present
    # a page's article is what its cache key and the files it shows (its images, by
    # their bytes) say it is; its navigation is not indexed, so a neighbour's new
    # title does not index the shard again
    pages = [
        (
            os.path.basename(built.file.path),
            built.file.path,
            f"{built.key}|{'|'.join(d.sha256 for d in entry.dependencies)}",
        )
        for entry in site.manifest.posts.values()
        if entry.card
        and (built := entry.outputs.get("html")) is not None
        and (built.file.path in present or isfile(built.file.path))
    ]
    if not pages:
        return None
    count = shard_count(len(pages), site.settings.search_shard_size)
    shards: dict[int, list[tuple[str, str, str]]] = {}
    for page in pages:
        shards.setdefault(shard_of(page[0], count), []).append(page)
    order = sorted(shards)
    todo: list[tuple[Path, str, list[Path]]] = []
    for number in order:
        bundle = site.out / SEARCH / str(number)
        entry = bundle / "pagefind-entry.json"
        members = sorted((name, key) for name, _, key in shards[number])
        digest = site.inputs_digest(entry, members)
        if site.is_current(entry, digest):
            site.keep(entry)
        else:
            files = sorted(Path(file) for _, file, _ in shards[number])
            todo.append((bundle, digest, files))
    failed: list[BaseException] = []

    def index() -> None:
        try:
            for bundle, _, files in todo:
                _pagefind(site.out, bundle, files)
        except BaseException as exc:
            failed.append(exc)

    thread = threading.Thread(target=index, name="imprint-search", daemon=True)
    thread.start()
    return Indexing(thread, [(bundle, digest) for bundle, digest, _ in todo], order, failed)


def finish_search(site: Site, indexing: Indexing) -> None:
    """Wait for the shards being indexed; remove shards no longer made; write
    ``search.html``, which merges the shards."""
    indexing.thread.join()
    if indexing.failed:
        raise indexing.failed[0]
    for bundle, digest in indexing.bundles:
        site.record_laid_out(bundle / "pagefind-entry.json", digest)
        site.written.files.append(bundle)
        site.written.indexed.append(bundle)
    folder = site.out / SEARCH
    wanted = {str(n) for n in indexing.shards}
    for stale in sorted(folder.iterdir()) if folder.is_dir() else []:
        if stale.name not in wanted:  # a shard no longer made, or an older layout
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
            site.written.removed.append(stale)
    page = site.out / "search.html"
    data = site.render_page(
        "search.html",
        version=__version__,
        lang=site.settings.lang,
        stylesheet=href(site.stylesheet, page) if site.stylesheet else None,
        css=None if site.stylesheet else site.project.brand.stylesheet("screen"),
        logo_src=site.logo_src(page),
        home="index.html",
        topics="topics.html",
        bundles=[f"{SEARCH}/{n}/" for n in indexing.shards],
    )
    write_page(page, data.encode("utf-8"), site.written)


def shard_count(pages: int, size: int) -> int:
    """How many search shards ``pages`` pages are indexed in: a power of two, so that a
    shard holds at most ``size`` pages (and, past one shard, at least half as many).
    The count depends on the number of pages alone, so equal sites give equal shards."""
    if pages <= size:
        return 1
    return 2 ** math.ceil(math.log2(pages / size))


def shard_of(name: str, count: int) -> int:
    """The shard of the page named ``name``: stable while the shard count stays."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:12], 16) % count


def _pagefind(out: Path, bundle: Path, pages: list[Path]) -> None:
    """Index ``pages`` (their ``data-pagefind-body``: title, byline, excerpt, body) into a
    folder beside ``bundle``, then swap it in whole. Every shard is a whole Pagefind
    bundle, scripts and each language's WebAssembly included: the search page opens
    each language from the first shard that holds it."""
    fresh = out / f"{TMP_PREFIX}pagefind"
    shutil.rmtree(fresh, ignore_errors=True)
    site, pattern = out, _shard_glob(out, pages)
    if pattern is None:  # names a glob cannot spell: the shard's pages, linked apart
        site, pattern = out / f"{TMP_PREFIX}pagefind-site", "html/**/*.html"
        shutil.rmtree(site, ignore_errors=True)
        for page in pages:  # at the same addresses as on the site
            linked = site / page.relative_to(out)
            linked.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(page, linked)
            except OSError:
                shutil.copyfile(page, linked)
    command = [
        *_pagefind_command(),
        "--site",
        str(site),
        "--glob",
        pattern,
        "--output-path",
        str(fresh),
        "--silent",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolError(f"pagefind could not run: {exc}", out) from None
    finally:
        if site != out:
            shutil.rmtree(site, ignore_errors=True)
    if done.returncode != 0:
        shutil.rmtree(fresh, ignore_errors=True)
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise ToolError(f"pagefind failed: {lines[-1] if lines else done.returncode}", out)
    # Pagefind lists a multilingual site's languages in no fixed order: sort them, so
    # equal pages give an equal index
    entry = fresh / "pagefind-entry.json"
    if entry.is_file():
        data = json.loads(entry.read_text(encoding="utf-8"))
        entry.write_text(
            json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
            encoding="utf-8",
        )
    old = out / f"{TMP_PREFIX}pagefind-old"
    shutil.rmtree(old, ignore_errors=True)
    if bundle.exists():
        bundle.rename(old)
    bundle.parent.mkdir(parents=True, exist_ok=True)
    fresh.rename(bundle)
    shutil.rmtree(old, ignore_errors=True)


@functools.cache
def _pagefind_command() -> list[str]:
    """Pagefind's extended binary (it segments Chinese and Japanese into words), run
    directly; else the plain binary, else ``python -m pagefind``."""
    for package in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            module = importlib.import_module(package)
            return [str(module.get_executable())]
        except (ImportError, OSError):
            continue
    return [sys.executable, "-m", "pagefind"]


GLOB_NAME = re.compile(r"[\w-]+\.html")  # what clean_slug makes: no glob syntax in it
GLOB_MAX = 100_000  # characters: a command-line argument may hold 128 KiB on Linux


def _shard_glob(out: Path, pages: list[Path]) -> str | None:
    """A glob naming exactly ``pages`` (``html/{a.html,b.html}``), so Pagefind reads them
    where they are, with nothing linked or copied; None if a name would need escaping."""
    folder = out / "html"
    names = [page.name for page in pages]
    if not names or any(
        page.parent != folder or not GLOB_NAME.fullmatch(page.name) for page in pages
    ):
        return None
    pattern = f"html/{{{','.join(names)}}}"
    return pattern if len(pattern) < GLOB_MAX else None
