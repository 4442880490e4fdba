"""A worker forked from a process that has already laid out PDFs (a library user, a
preview, this test session) must leave the parent's fonts alone.

WeasyPrint writes a brand's font faces to a temporary folder and deletes it when its
FontConfiguration is collected. A worker inherits the parent's configuration; if it
dropped it (a job for another brand), it deleted the folder the parent still reads,
and the parent's next PDF drew its remaining faces as missing glyphs.
"""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import pytest

from imprint.builder import jobs
from imprint.builder.pool import OK, WorkerPool
from imprint.builder.project import Project
from imprint.config import load_settings
from imprint.renderers import get_renderer

from ..conftest import CONTENT, REPO


def _pdf(path: Path) -> bytes:
    project = jobs.current_project()
    return get_renderer("pdf").render(project.load(path), project.render_context())


def _pdf_then_collect(path: Path) -> bytes:
    """A long-lived worker collects its garbage sooner or later; this one at once."""
    data = _pdf(path)
    gc.collect()
    return data


def _fonts_folders() -> list[Path]:
    renderer = get_renderer("pdf")
    return [Path(fonts._folder) for _, fonts in renderer._styles.values() if fonts._folder]


@pytest.mark.slow
def test_workers_leave_the_parents_fonts_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    post = CONTENT / "2025-11-20-arctic-shipping.md"  # italic and bold faces in its text
    own = load_settings(root=REPO).with_overrides(root=tmp_path / "a", out=tmp_path / "a/b")
    jobs.use_project(Project.open(own))
    first = _pdf(post)
    folders = _fonts_folders()
    assert folders and all(f.is_dir() for f in folders)

    other_brand = tmp_path / "brand"
    shutil.copytree(REPO / "styles", other_brand)
    toml = other_brand / "brand.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n# another brand\n", encoding="utf-8")
    other = own.with_overrides(brand=other_brand, root=tmp_path / "c", out=tmp_path / "c/b")
    with WorkerPool(2, jobs.init_worker, (Project.open(other), ("pdf",))) as pool:
        for _ in range(4):
            pool.submit(_pdf_then_collect, post)
        outcomes = list(pool.results())
    assert [o.status for o in outcomes] == [OK] * 4, [o.detail for o in outcomes]
    assert len({o.value for o in outcomes}) == 1  # every worker drew the same PDF

    assert all(f.is_dir() for f in folders), "a worker deleted the parent's font folder"
    jobs.use_project(Project.open(own))
    assert _pdf(post) == first
