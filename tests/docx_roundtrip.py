"""What a post's Document and the Document of its DOCX imported back are compared on."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

import lxml.html

from imprint.builder.project import Project
from imprint.importer import import_docx
from imprint.model import Document

FIELDS = (
    "title",
    "authors",
    "date",
    "excerpt",
    "bios",
    "body",
    "headings",
    "footnotes",
    "cells",
    "images",
    "math",
)


def _words(text: str) -> list[str]:
    return unicodedata.normalize("NFC", text).split()


def _without_math(root):
    """The tree without its formulas: they are compared as TeX, apart."""
    for formula in root.xpath("//*[local-name()='math']"):
        formula.getparent().remove(formula)
    return root


def _text(html: str) -> str:
    if not html.strip():
        return ""
    return _without_math(lxml.html.fragment_fromstring(html, create_parent="div")).text_content()


def _tex(tex: str) -> str:
    """TeX without spaces or grouping braces: Word's equations come back as
    ``mc^{2}`` for ``mc^2``."""
    return re.sub(r"[\s{}]+", "", tex)


def facts(doc: Document) -> dict[str, object]:
    """The fields a round trip must keep, each as plain comparable data."""
    root = _without_math(
        lxml.html.fragment_fromstring(doc.body_html or "<p></p>", create_parent="div")
    )
    notes = root.xpath("//*[@role='doc-endnotes' or contains(@class, 'footnotes')]")
    footnotes = [" ".join(_words(li.text_content())) for n in notes for li in n.iter("li")]
    for note in notes:
        note.getparent().remove(note)
    for ref in root.xpath("//a[contains(@class, 'footnote-ref')]"):
        ref.drop_tree()
    cells = [" ".join(_words(c.text_content())) for c in root.iter("td", "th")]
    return {
        "title": doc.title,
        "authors": doc.author_names,
        "date": doc.date,
        "excerpt": _words(_text(doc.excerpt_html)),
        "bios": [_words(_text(a.bio_html)) for a in doc.bios],
        "body": _words(root.text_content()),
        "headings": [(h.level, h.text) for h in doc.headings],
        "footnotes": footnotes,
        "cells": cells,
        "images": [hashlib.sha256(r.data).hexdigest() for r in doc.resources],
        "math": sorted(_tex(f.tex) for f in doc.formulas),
    }


def round_trip(post: Path, settings, tmp: Path) -> tuple[Document, Document, dict]:
    """``post``'s Document, the Document of its DOCX imported back, and the report."""
    project = Project.open(settings)
    original = project.load(post)
    tmp.mkdir(parents=True, exist_ok=True)
    docx = tmp / f"{post.stem}.docx"
    docx.write_bytes(project.render(original, "docx"))
    out = tmp / "imported"
    report = import_docx(docx, out, track_changes="accept")
    back = Project.open(settings.with_overrides(content=out)).load(Path(report.post))
    return original, back, report


def differences(original: Document, back: Document) -> list[str]:
    """The fields that did not come back equal."""
    ours, theirs = facts(original), facts(back)
    return [name for name in FIELDS if ours[name] != theirs[name]]
