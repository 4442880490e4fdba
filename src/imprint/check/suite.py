"""``imprint check``: every validator this machine has, over built outputs.

EPUBs go to EPUBCheck and to Ace by DAISY (accessibility), HTML pages to the Nu
HTML Checker, PDFs to the PDF/UA (or PDF/A-3, PDF/X-4) structure check, DOCX files
to LibreOffice. A validator that is not installed is reported as "not run" — never
as passed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ToolError
from . import validate

SUFFIXES = (".epub", ".html", ".pdf", ".docx")


@dataclass(frozen=True, slots=True)
class Row:
    path: Path
    validator: str
    errors: int | None  # None: the validator could not run here
    warnings: int | None
    messages: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return bool(self.errors)


def outputs(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in SUFFIXES and p.is_file() and not p.name.startswith(".")
            )
        elif path.suffix.lower() in SUFFIXES:
            found.append(path)
    return list(dict.fromkeys(found))


def _batch(
    name: str, files: list[Path], run: Callable[[list[Path]], list[validate.Validation]]
) -> list[Row]:
    if not files:
        return []
    try:
        return [Row(v.path, v.validator, v.errors, v.warnings, v.messages) for v in run(files)]
    except ToolError as exc:
        return [Row(f, name, None, None, (f"not run: {exc.message}",)) for f in files]


def _pdfs(files: list[Path]) -> list[validate.Validation]:
    try:
        import pikepdf  # noqa: F401
    except ImportError:
        raise ToolError("pikepdf is not installed") from None
    return [validate.pdf_structure(f) for f in files]


def check(paths: Iterable[Path]) -> list[Row]:
    files = outputs(paths)
    by_kind = {suffix: [f for f in files if f.suffix.lower() == suffix] for suffix in SUFFIXES}
    rows = (
        _batch("epubcheck", by_kind[".epub"], validate.epubcheck_many)
        + _batch("ace", by_kind[".epub"], validate.ace_many)
        + _batch("nu-html", by_kind[".html"], validate.nu_check)
        + _batch("pdf-ua", by_kind[".pdf"], _pdfs)
        + _batch("libreoffice", by_kind[".docx"], validate.libreoffice)
    )
    order = {f: i for i, f in enumerate(files)}
    return sorted(rows, key=lambda r: order.get(r.path, 0))  # stable: Ace after EPUBCheck
