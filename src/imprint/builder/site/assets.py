"""The brand's shared assets and every post's images under ``html/assets/``, named by
their bytes; assets no page refers to any more are removed."""

from __future__ import annotations

from ...renderers.html import ASSETS
from ..output import TMP_PREFIX, write_atomic
from .state import Site


def write_assets(site: Site) -> None:
    folder = site.out / "html" / ASSETS
    wanted = dict(site.assets)
    for post in site.posts:
        wanted.update(dict.fromkeys(post.card.get("media", []), b""))
    for name, data in site.assets.items():
        if not (folder / name).is_file():
            write_atomic(folder / name, data)
            site.written.files.append(folder / name)
    if folder.is_dir():
        for stale in folder.iterdir():
            if stale.name not in wanted and not stale.name.startswith(TMP_PREFIX):
                stale.unlink()
                site.written.removed.append(stale)
