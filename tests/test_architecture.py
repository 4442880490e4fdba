"""The layout keeps the pipeline visible: stages import only the stages below them, no
package has an import cycle, and ARCHITECTURE.md describes the packages that exist.

The contracts live in pyproject.toml and are checked by import-linter. The fixture
tests copy the real package, break one rule on purpose, and show the same contracts
failing on the copy.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

PACKAGE = REPO / "src" / "imprint"
LINT = Path(sys.executable).with_name("lint-imports")
# a package's own files, not modules or stages of it
PACKAGE_FILES = {"__init__.py", "__main__.py", "py.typed"}


def _lint(pythonpath: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT), str(REPO / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=pythonpath,
        env={**os.environ, "PYTHONPATH": str(pythonpath)},
    )


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A copy of src/imprint that a test may break; import-linter reads it first."""
    shutil.copytree(
        PACKAGE, tmp_path / "imprint", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    return tmp_path


def _add_import(package_root: Path, module: str, statement: str) -> None:
    path = package_root / "imprint" / module
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("from __future__ import annotations\n")
    assert sep, f"{module} has no __future__ import to add after"
    path.write_text(head + sep + statement + "\n" + rest, encoding="utf-8")


def test_the_package_keeps_its_import_contracts():
    done = _lint(REPO / "src")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 2 kept, 0 broken." in done.stdout


BREAKS = {
    # normalise.headings imports normalise.tree; make tree import headings back
    "cycle": (
        "normalise/tree.py",
        "from . import headings  # noqa",
        [
            "No import cycle between the modules or packages of any package BROKEN",
            "No cycles are allowed in imprint.normalise.",
            "- .tree -> .headings (1 import)",
        ],
    ),
    "renderer imports the builder": (
        "renderers/html.py",
        "from ..builder import plan  # noqa",
        [
            "Each stage imports only the stages below it BROKEN",
            "imprint.renderers is not allowed to import imprint.builder",
        ],
    ),
    "normalise imports a renderer": (
        "normalise/lint.py",
        "from ..renderers import pdf  # noqa",
        ["imprint.normalise is not allowed to import imprint.renderers"],
    ),
}


@pytest.mark.parametrize("change", BREAKS)
def test_a_deliberate_break_fails_the_contracts(package_copy: Path, change: str):
    module, statement, expected = BREAKS[change]
    _add_import(package_copy, module, statement)
    done = _lint(package_copy)
    assert done.returncode == 1, done.stdout
    for line in expected:
        assert line in done.stdout


def _stages() -> list[str]:
    """The modules and subpackages at the top of the package."""
    return sorted(
        p.name.removesuffix(".py")
        for p in PACKAGE.iterdir()
        if p.name not in PACKAGE_FILES
        and not p.name.startswith((".", "__pycache__"))
        and (p.suffix == ".py" or (p / "__init__.py").is_file())
    )


def test_the_top_of_the_package_has_at_most_thirteen_entries():
    stages = _stages()
    assert len(stages) <= 13, stages
    strays = [
        p.name
        for p in PACKAGE.iterdir()
        if p.name not in PACKAGE_FILES
        and p.name != "__pycache__"
        and p.name.removesuffix(".py") not in stages
    ]
    assert strays == []  # nothing else: no data folders, no namespace packages


def test_architecture_md_names_every_package_and_only_those():
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    described = set(re.findall(r"^\| `(\w+)/?` \|", text, re.M))
    assert described == set(_stages()), (described, _stages())
    layers = re.search(r"layers = \[(.*?)\]", (REPO / "pyproject.toml").read_text(), re.S)
    assert layers is not None
    for package in re.findall(r"imprint\.(\w+)", layers[1]):
        assert f"`{package}" in text


def test_the_typing_marker_ships_with_the_package():
    assert (PACKAGE / "py.typed").is_file()
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'packages = ["src/imprint"]' in pyproject  # the wheel takes the folder whole
