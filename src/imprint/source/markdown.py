"""The single Markdown → HTML conversion of a document (pandoc).

A post needs several pieces of Markdown turned into HTML: the title (which may
carry ``*markup*``), the excerpt, bios from the front matter or the author
registry, and the body. They go through pandoc together, in one process, so a
post costs one pandoc start, reference links and footnotes resolve across the
pieces, and identifiers are unique in the whole document. Sentinel paragraphs
separate the pieces; the HTML comes back cut at them.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .pandoc import convert, run_pandoc

# pandoc's own Markdown (footnotes, tables, definition lists, fenced divs, smart
# punctuation, TeX math as MathML). Its metadata blocks are off: front matter is already read, and a
# later "---" block must stay body text.
READER = "markdown+abbreviations-yaml_metadata_block-pandoc_title_block"
# a Jekyll site's posts as kramdown reads them: an image alone is not a captioned
# figure, and ``[@name]: url`` is a link definition, not a citation
JEKYLL_READER = f"{READER}-implicit_figures-citations"
WRITER_ARGS = (
    "--to=html5",
    "--wrap=none",
    "--syntax-highlighting=none",
    "--email-obfuscation=none",
    "--mathml",
)


@dataclass(frozen=True, slots=True)
class Rendered:
    pieces: tuple[str, ...]  # HTML for each Markdown piece, in order
    footnotes: str  # pandoc's footnotes section ("" when there are none)
    references: str = ""  # citeproc's reference list (``<div id="refs">``), "" without one


@dataclass(frozen=True, slots=True)
class Citeproc:
    """What pandoc's ``--citeproc`` is given: data already read under the resource
    policy. Sandboxed pandoc reads only files named on its command line, so the
    data goes into a private temporary folder for the one run."""

    references: bytes  # CSL-JSON
    style: bytes | None = None  # a CSL style; None: pandoc's Chicago author-date
    lang: str = "en-GB"

    def args(self, folder: Path) -> list[str]:
        (folder / "references.json").write_bytes(self.references)
        args = [
            "--citeproc",
            f"--bibliography={folder / 'references.json'}",
            "--metadata=link-citations:true",
            f"--metadata=lang:{self.lang}",
        ]
        if self.style is not None:
            (folder / "style.csl").write_bytes(self.style)
            args.append(f"--csl={folder / 'style.csl'}")
        return args


# Inline HTML a title may carry. Any other tag (``<script>``, ``<div>``) would make
# pandoc end the heading and start an HTML block, so it is kept as literal text.
_INLINE_TAGS = (
    "a|abbr|acronym|b|bdi|bdo|br|cite|code|del|dfn|em|i|ins|kbd|mark|q|s|small|span|"
    "strike|strong|sub|sup|time|tt|u|var|wbr"
)
_NOT_INLINE_TAG = re.compile(rf"<(?!/?(?:{_INLINE_TAGS})\b)(?=/?[A-Za-z!?])")


def _escape_title(title: str) -> str:
    """Make a one-line title safe as ATX heading text; keep its inline Markdown."""
    text = " ".join(title.split())
    text = text.replace("{", "\\{").replace("}", "\\}")
    text = _NOT_INLINE_TAG.sub(r"\\<", text)
    return re.sub(r"#+$", lambda m: "\\#" * len(m.group()), text)


def as_heading(title: str) -> str:
    """A title as a level-1 heading, so pandoc parses it as inline text only."""
    return f"# {_escape_title(title)}"


def render_pieces(
    pieces: Sequence[str],
    timeout: float = 60.0,
    citeproc: Citeproc | None = None,
    reader: str = READER,
) -> Rendered:
    """Convert Markdown pieces to HTML fragments with one pandoc run (citations
    resolved and the reference list made when ``citeproc`` is given); ``reader`` is
    pandoc's input format with its extensions."""
    nonce = hashlib.sha256("\x00".join(pieces).encode("utf-8")).hexdigest()[:20]
    marks = [f"IMPRINTPIECE{nonce}N{i}" for i in range(len(pieces))]
    joined = "\n\n".join(f"{piece}\n\n{mark}" for piece, mark in zip(pieces, marks, strict=True))
    if citeproc is None:  # the resident pandoc: see pandoc_worker.lua, job "html"
        html = convert(
            {"job": "html", "from": reader},
            joined,
            [f"--from={reader}", *WRITER_ARGS],
            timeout=timeout,
        ).decode("utf-8")
    else:
        with tempfile.TemporaryDirectory(prefix="imprint-cite-") as folder:
            html = run_pandoc(
                [f"--from={reader}", *WRITER_ARGS, *citeproc.args(Path(folder))],
                joined.encode("utf-8"),
                timeout=timeout,
            ).decode("utf-8")
    footnotes = ""
    start = html.find('<section id="footnotes"')
    if start >= 0:
        html, footnotes = html[:start], html[start:].strip()
    out: list[str] = []
    rest = html
    for mark in marks:
        before, _, rest = rest.partition(f"<p>{mark}</p>")
        out.append(before)
    # citeproc puts the reference list after the last piece
    start = rest.find('<div id="refs"')
    references = rest[start:].strip() if citeproc is not None and start >= 0 else ""
    # a piece that swallowed marks (an unclosed fence or HTML block) keeps its text, not them
    leftover = re.compile(rf"(?:<p>)?IMPRINTPIECE{nonce}N\d+(?:</p>)?")
    return Rendered(tuple(leftover.sub("", piece).strip() for piece in out), footnotes, references)
