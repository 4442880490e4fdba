"""renderers/gated: the one folder where imprint reaches into other libraries' internals.

Each wrapper acts only on the exact versions it was verified on, and this test fails
when an installed version is outside that set: an upgrade is a deliberate act (run the
equality tests of tests/renderers/test_pdf_*.py, then extend ``VERIFIED``). Nothing
outside the folder reaches a private name of another library. A program that imports
imprint keeps WeasyPrint, pydyf, cffi, its environment and its collector as they were.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from imprint.renderers import gated

from ..conftest import REFERENCE, REPO, require

SRC = REPO / "src" / "imprint"
GATED = SRC / "renderers" / "gated"


def test_the_folder_holds_exactly_the_listed_wrappers():
    on_disk = {p.stem for p in GATED.glob("*.py")} - {"__init__"}
    assert on_disk == set(gated.WRAPPERS)
    assert set(gated.SPEEDUPS) <= set(gated.WRAPPERS)


def test_each_wrapper_is_verified_on_the_installed_versions():
    """Fails after an upgrade of a wrapped library until the wrapper is checked again."""
    for name in gated.WRAPPERS:
        module = importlib.import_module(f"imprint.renderers.gated.{name}")
        assert module.VERIFIED, name
        for distribution, versions in module.VERIFIED.items():
            installed = gated.installed_version(distribution)
            assert installed in versions, (
                f"gated/{name}.py was verified on {distribution} {versions}, and "
                f"{installed} is installed: run its tests, then add the version"
            )
        assert gated.verified(module.VERIFIED, name)


def test_an_unverified_version_leaves_the_library_alone(monkeypatch):
    assert not gated.verified({"weasyprint": ("0.1",)}, "a test")
    assert not gated.verified({"no-such-distribution-imprint": ("1.0",)}, "a test")
    from imprint.renderers.gated import weasyprint_boxes

    monkeypatch.setattr(weasyprint_boxes, "VERIFIED", {"weasyprint": ("0.0",)})

    class Page:
        _page_box = "the box"

    assert weasyprint_boxes.page_box(Page()) is None


# --- nothing outside gated/ reaches a private name of another library ----------------------


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _annotations(tree: ast.AST) -> set[int]:
    """The ids of nodes inside annotations (never evaluated: every module has
    ``from __future__ import annotations``)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        parts = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            parts.append(node.returns)
            args = node.args
            parts += [
                a.annotation
                for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg)
                if a is not None
            ]
        elif isinstance(node, ast.AnnAssign):
            parts.append(node.annotation)
        for part in parts:
            if part is not None:
                inside.update(id(n) for n in ast.walk(part))
    return inside


def _own_private_names(trees: dict[Path, ast.AST]) -> set[str]:
    """The private names imprint defines itself: functions, classes, module names,
    arguments, and attributes it sets on ``self`` or ``cls``."""
    names: set[str] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.alias):
                names.add(node.asname or node.name.split(".")[0])
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id in ("self", "cls")
            ):
                names.add(node.attr)
    for path in trees:
        names.add(path.stem)
    return {n for n in names if _private(n)}


def _foreign_modules(tree: ast.AST) -> dict[str, str]:
    """Local name -> the third-party module it was imported from."""
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top != "imprint" and top not in sys.stdlib_module_names:
                    bound[alias.asname or top] = alias.name
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            top = node.module.split(".")[0]
            if top != "imprint" and top not in sys.stdlib_module_names:
                for alias in node.names:
                    bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return bound


def _qualified(node: ast.expr, foreign: dict[str, str]) -> str | None:
    """The dotted name of another library's class a base-class expression names."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id in foreign:
        return ".".join([foreign[node.id], *reversed(parts)])
    return None


def _defines(qualified: str, name: str) -> bool:
    """Whether the class at ``qualified`` has ``name`` (True when it cannot be found:
    a method of that name may then override one)."""
    module, _, attribute = qualified.rpartition(".")
    try:
        owner = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError, ValueError):
        return True
    return hasattr(owner, name)


def private_reaches(root: Path, skip: Path) -> list[str]:
    """Every place under ``root`` (but not under ``skip``) that reaches a private name
    another library defines: ``from lib import _x``, ``lib._x``, ``obj._x`` or
    ``getattr(obj, "_x")`` for a ``_x`` imprint does not define, ``super()._x``, and a
    ``_x`` method overriding one of another library's class it subclasses."""
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in root.rglob("*.py")}
    own = _own_private_names(trees)
    found = []
    for path, tree in trees.items():
        if skip in path.parents:
            continue
        where = path.relative_to(root.parent)
        foreign = _foreign_modules(tree)
        annotations = _annotations(tree)
        for node in ast.walk(tree):
            line = f"{where}:{getattr(node, 'lineno', 0)}"
            if id(node) in annotations:
                continue
            if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                top = node.module.split(".")[0]
                if top != "imprint" and top not in sys.stdlib_module_names:
                    found += [
                        f"{line}: {node.module}.{a.name}" for a in node.names if _private(a.name)
                    ]
            elif isinstance(node, ast.Attribute) and _private(node.attr):
                base = node.value
                if isinstance(base, ast.Call) and getattr(base.func, "id", "") == "super":
                    found.append(f"{line}: super().{node.attr}")
                    continue
                root_name = base
                while isinstance(root_name, ast.Attribute):
                    root_name = root_name.value
                if isinstance(root_name, ast.Name) and root_name.id in foreign:
                    found.append(f"{line}: {foreign[root_name.id]}...{node.attr}")
                elif node.attr not in own:
                    found.append(f"{line}: .{node.attr}")
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") in ("getattr", "setattr", "hasattr")
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
                and _private(node.args[1].value)
                and node.args[1].value not in own
            ):
                found.append(f"{line}: {node.func.id}(..., {node.args[1].value!r})")
            elif isinstance(node, ast.ClassDef):
                bases = [_qualified(base, foreign) for base in node.bases]
                found += [
                    f"{where}:{item.lineno}: overrides {node.name}.{item.name}"
                    for item in node.body
                    if isinstance(item, ast.FunctionDef)
                    and _private(item.name)
                    and any(base and _defines(base, item.name) for base in bases)
                ]
    return sorted(found)


@pytest.mark.slow
def test_nothing_outside_the_gated_folder_reaches_a_private_name_of_another_library():
    assert private_reaches(SRC, GATED) == []


def test_the_scan_finds_each_kind_of_reach(tmp_path):
    """The scanner is not blind: each kind of reach, outside the folder, is found."""
    package = tmp_path / "imprint"
    (package / "gated").mkdir(parents=True)
    (package / "gated" / "wrapper.py").write_text("import bagit\nbagit._allowed_here()\n")
    (package / "reaches.py").write_text(
        "from __future__ import annotations\n"
        "import pydyf\n"
        "from cffi import _private_thing\n"
        "from ebooklib import epub\n"
        "from lxml import etree\n"
        "def f(element: etree._Element, fonts, page):\n"
        "    pydyf.zlib._level = 6\n"
        "    fonts._folder = None\n"
        "    getattr(page, '_page_box')\n"
        "    return page._own\n"
        "class Writer(epub.EpubWriter):\n"
        "    def _write_opf_file(self, root):\n"
        "        super()._write_opf_file(root)\n"
        "class Own:\n"
        "    def __init__(self):\n"
        "        self._own = 1\n"
    )
    found = [f.split(": ", 1)[1] for f in private_reaches(package, package / "gated")]
    # etree._Element in an annotation and the module's own _own are not reaches
    assert sorted(found) == sorted(
        [
            "cffi._private_thing",
            "pydyf..._level",
            "._folder",
            "getattr(..., '_page_box')",
            "overrides Writer._write_opf_file",
            "super()._write_opf_file",
        ]
    )


# --- a program that imports imprint keeps its libraries, environment and collector ---------

HOST = r"""
import gc, hashlib, json, os, sys
from pathlib import Path

mode, post, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
kept = [[n] for n in range(50_000)]  # the host's own objects, set aside by its own freeze
gc.freeze()
before = (dict(os.environ), gc.isenabled(), gc.get_freeze_count())
if mode == "imprint":
    import imprint

    doc = imprint.load(post)
    imprint.render(doc, "pdf")
    report = imprint.build([post], formats=["pdf"], out=out, jobs=1)
    assert report.ok, report.failed
import pydyf, weasyprint
from weasyprint.text.ffi import ffi

page = (
    "<html lang='en'><head><title>Host</title>"
    "<meta name='dcterms.created' content='2020-01-02T03:04:05Z'>"
    "<meta name='dcterms.modified' content='2020-01-02T03:04:05Z'></head>"
    "<body><h1>A host's own PDF</h1><p>" + "Text set by the host. " * 200 + "</p></body></html>"
)
data = weasyprint.HTML(string=page).write_pdf(pdf_identifier=b"0123456789abcdef")
after = (dict(os.environ), gc.isenabled(), gc.get_freeze_count())
print(json.dumps({
    "pdf": hashlib.sha256(data).hexdigest(),
    "environ": before[0] == after[0],
    "collector": [before[1], after[1], before[2] >= 50_000, after[2] >= 50_000],
    "pydyf": [pydyf.PDF.write.__module__, pydyf.Stream.__dict__["data"].fget.__module__,
              pydyf.zlib.__name__ if hasattr(pydyf.zlib, "__name__") else repr(pydyf.zlib)],
    "cffi": type(ffi._parsed_types).__name__,
}))
"""


def _host(mode: str, tmp_path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", HOST, mode, str(REFERENCE), str(tmp_path / f"out-{mode}")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={
            **os.environ,
            "PYTHONPATH": str(REPO / "src"),
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
        },
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_render_and_build_leave_the_hosts_libraries_environment_and_collector(tmp_path):
    require(REFERENCE.is_file(), f"the reference post at {REFERENCE}")
    fresh, host = _host("fresh", tmp_path), _host("imprint", tmp_path)
    assert host["pdf"] == fresh["pdf"]  # WeasyPrint and pydyf write as they come
    assert host["pydyf"] == fresh["pydyf"] == ["pydyf", "pydyf", "zlib"]
    assert host["cffi"] == fresh["cffi"] == "dict"
    assert host["environ"] and fresh["environ"]  # SOURCE_DATE_EPOCH put back, or never set
    assert host["collector"] == [True, True, True, True]  # enabled, and its freeze kept


def test_a_bag_whose_file_count_is_wrong_still_has_its_missing_file_named(tmp_path):
    """bagit stops at the Payload-Oxum count; ``archive --verify`` checks each file
    itself, so it says which one is gone."""
    import bagit

    from imprint.check.bags import verify

    bag = tmp_path / "bag"
    bag.mkdir()
    (bag / "kept.txt").write_text("kept\n")
    (bag / "gone.txt").write_text("gone\n")
    bagit.make_bag(str(bag), checksums=["sha256"])
    assert verify(bag) == []
    (bag / "data" / "gone.txt").unlink()
    problems = verify(bag)
    assert any("gone.txt" in line and "missing" in line for line in problems), problems
