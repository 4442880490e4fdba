"""Shared fixtures: the corpus beside the project, built outputs, and tool requirements.

A test that needs an external tool (java for epubcheck, pdftotext) skips when the
tool is absent on a user's machine; with IMPRINT_REQUIRE_TOOLS=1 (as in CI) that
skip is a failure instead.

Every test is marked with its tier by the folder it is in: ``unit`` under tests/unit/,
``integration`` elsewhere; ``browser`` by the fixture it uses. ``tools`` and ``slow`` are
marked by hand.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from imprint.builder.plan import BuildRequest, build
from imprint.config import load_settings

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
CONTENT = REPO / "content"
CORPUS = REPO.parent / "shared" / "corpus"
REFERENCE = CORPUS / "rusi-south-korea-global-vision.md"


SLOW_TIMEOUT = 900  # seconds for a test marked slow; pyproject.toml sets the default


@pytest.hookimpl(tryfirst=True)  # before -m selects by these marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test ``unit`` (under tests/unit/) or ``integration`` (anywhere else),
    ``browser`` if it uses a ``browser`` fixture, and give a slow test a longer timeout
    unless it sets its own."""
    for item in items:
        unit = TESTS / "unit" in Path(item.path).parents
        item.add_marker(pytest.mark.unit if unit else pytest.mark.integration)
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("slow") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(SLOW_TIMEOUT))


def require(condition: bool, what: str) -> None:
    """Skip (or, under IMPRINT_REQUIRE_TOOLS=1, fail) when ``what`` is unavailable."""
    if condition:
        return
    if os.environ.get("IMPRINT_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{what} is required (IMPRINT_REQUIRE_TOOLS=1) but not available")
    pytest.skip(f"{what} not available")


def require_tool(name: str) -> str:
    found = shutil.which(name)
    require(found is not None, f"the '{name}' program")
    return found or name


@pytest.fixture(scope="session")
def corpus() -> Path:
    require(CORPUS.is_dir(), f"the shared corpus at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def reference_post(corpus: Path) -> Path:
    return corpus / REFERENCE.name


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    """Project settings rooted in the repository, with a cache of the test session's own."""
    root = tmp_path_factory.mktemp("project")
    base = load_settings(root=REPO)
    return base.with_overrides(root=root, out=root / "build")


@pytest.fixture(scope="session")
def reference_build(reference_post: Path, settings, tmp_path_factory) -> dict[str, Path]:
    """The reference post built once in all four formats."""
    out = tmp_path_factory.mktemp("reference")
    report = build(BuildRequest([reference_post], out=out, settings=settings))
    assert report.ok, [r.error for r in report.failed]
    return {r.format: r.target for r in report.built}


@pytest.fixture(scope="session")
def samples_build(settings, tmp_path_factory):
    """Every post in content/ built once in all four formats."""
    out = tmp_path_factory.mktemp("samples")
    report = build(
        BuildRequest([CONTENT], out=out, settings=settings.with_overrides(content=CONTENT))
    )
    assert report.ok, [r.error for r in report.failed]
    return report
