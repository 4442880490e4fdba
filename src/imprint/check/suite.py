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
from . import ace, validate

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


Step = Callable[[str], None]  # told what the check is starting, for progress


def _unchecked_reason(path: Path) -> str | None:
    """Why a file under a checked folder is not validated, or None for a publication."""
    name, suffix = path.name.lower(), path.suffix.lower()
    if suffix in SUFFIXES:
        return None
    if suffix == ".xml":
        if "opds" in (p.lower() for p in path.parts) or name == "catalog.xml":
            return "an OPDS catalogue: no OPDS validator here"
        if name.startswith("sitemap"):
            return "a sitemap: no sitemap validator here"
        return "a feed or other XML: no Atom or RSS validator here"
    if suffix == ".json":
        return "data for tools (report, search, editions), not a publication"
    return ""  # an asset of the pages (style, font, image, search index): counted, not named


def unchecked(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], int]:
    """Files under ``paths`` that no validator looks at: those worth naming, with why,
    and how many assets (styles, fonts, images, search index) besides."""
    named: list[tuple[Path, str]] = []
    assets = 0
    for path in paths:
        if not path.is_dir():
            continue
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            reason = _unchecked_reason(file)
            if reason:
                named.append((file, reason))
            elif reason == "":
                assets += 1
    return named, assets


def _batch(
    name: str,
    files: list[Path],
    run: Callable[[list[Path]], list[validate.Validation]],
    step: Step | None = None,
) -> list[Row]:
    if not files:
        return []
    if step is not None:
        step(f"{name}: {len(files)} file(s)")
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


def check(paths: Iterable[Path], step: Step | None = None) -> list[Row]:
    """Every validator over the outputs under ``paths``; ``step`` is told as each starts."""
    files = outputs(paths)
    by_kind = {suffix: [f for f in files if f.suffix.lower() == suffix] for suffix in SUFFIXES}
    rows = (
        _batch("epubcheck", by_kind[".epub"], validate.epubcheck_many, step)
        + _batch("ace", by_kind[".epub"], ace.ace_many, step)
        + _batch("nu-html", by_kind[".html"], validate.nu_check, step)
        + _batch("pdf-ua", by_kind[".pdf"], _pdfs, step)
        + _batch("libreoffice", by_kind[".docx"], validate.libreoffice, step)
    )
    order = {f: i for i, f in enumerate(files)}
    return sorted(rows, key=lambda r: order.get(r.path, 0))  # stable: Ace after EPUBCheck
