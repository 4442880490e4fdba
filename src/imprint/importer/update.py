"""``imprint import --update POST.md``: an edited Word file written back over its post,
changing only what the editor changed.

The Word file is imported as a new post; its Markdown is then compared with the
post's, paragraph by paragraph and, inside a changed paragraph, word by word, and
only the words that differ are written into the post. Everything else (the front
matter, how lines are wrapped, the Markdown's own spelling of emphasis, footnote
names and image paths) stays as the author wrote it.
"""

from __future__ import annotations

import difflib
import re
import tempfile
from pathlib import Path
from typing import Any

from ..brand import store
from ..errors import SourceError
from ..source.post import parse_source, read_bytes
from . import ImportReport, import_docx

# paragraphs, and each footnote's definition (Markdown allows them on adjacent lines)
_BLOCKS = re.compile(r"(\n[ \t\r]*\n+|\n(?=\[\^[^\]\s]+\]:))")
_TOKENS = re.compile(r"(\s+)")
_NOTE_REF = re.compile(r"\[\^[^\]\s]+\]:?")
_TARGET = re.compile(r"\]\([^)]*\)|\{[^}]*\}|<[^>]*>")
_NOT_WORD = re.compile(r"[\W_]+")


def _norm(token: str) -> str:
    return _NOT_WORD.sub("", _TARGET.sub("]", _NOTE_REF.sub("", token)))


def _words(tokens: list[str]) -> list[tuple[int, str]]:
    return [(i, n) for i, t in enumerate(tokens) if i % 2 == 0 and (n := _norm(t))]


def patch_paragraph(old: str, new: str) -> str:
    """``old`` with the words that differ from ``new`` replaced by ``new``'s."""
    tokens, theirs = _TOKENS.split(old), _TOKENS.split(new)
    ours_words, their_words = _words(tokens), _words(theirs)
    matcher = difflib.SequenceMatcher(
        None, [n for _, n in ours_words], [n for _, n in their_words], autojunk=False
    )
    for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
        if tag == "equal":
            continue
        text = " ".join(theirs[k] for k, _ in their_words[j1:j2])
        if i1 < i2:
            first, last = ours_words[i1][0], ours_words[i2 - 1][0]
            tokens[first : last + 1] = [text]
            if not text:  # a deletion: one space around it goes too
                if first + 1 < len(tokens) and not tokens[first + 1].strip():
                    tokens[first + 1] = ""
                elif first > 0:
                    tokens[first - 1] = ""
        elif i1 < len(ours_words):
            at = ours_words[i1][0]
            tokens[at:at] = [text, " "]
        elif ours_words:
            at = ours_words[-1][0] + 1
            tokens[at:at] = [" ", text]
        else:
            tokens.append(text)
    return "".join(tokens)


def _key(block: str) -> tuple[str, ...]:
    return tuple(n for _, n in _words(_TOKENS.split(block)))


def _similar(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _pair(ours: list[str], theirs: list[str]) -> list[tuple[int | None, int | None]]:
    """Our paragraphs and theirs in a changed stretch, paired in order by likeness."""
    pairs: list[tuple[int | None, int | None]] = []
    next_theirs = 0
    for i, block in enumerate(ours):
        key = _key(block)
        best = max(
            range(next_theirs, len(theirs)),
            key=lambda j: _similar(key, _key(theirs[j])),
            default=None,
        )
        if best is None or _similar(key, _key(theirs[best])) < 0.5:
            pairs.append((i, None))
            continue
        pairs += [(None, j) for j in range(next_theirs, best)]
        pairs.append((i, best))
        next_theirs = best + 1
    pairs += [(None, j) for j in range(next_theirs, len(theirs))]
    return pairs


def patch_body(old: str, new: str, everything: str = "") -> str:
    """``old`` with its paragraphs changed, added or removed as in ``new``. A paragraph
    of ``old`` whose words are still somewhere in ``everything`` (the whole imported
    post: the excerpt and bios are front matter there) is kept."""
    present = " ".join(_key(everything or new))
    pieces = _BLOCKS.split(old)
    ours = pieces[0::2]
    theirs = [b for b in _BLOCKS.split(new)[0::2] if b.strip()]
    keys = [_key(b) for b in ours]
    matcher = difflib.SequenceMatcher(None, keys, [_key(b) for b in theirs], autojunk=False)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += ours[i1:i2]
            continue
        for i, j in _pair(ours[i1:i2], theirs[j1:j2]):
            if i is not None and j is not None:
                out.append(patch_paragraph(ours[i1 + i], theirs[j1 + j]))
            elif i is not None and " ".join(keys[i1 + i]) in present:
                out.append(ours[i1 + i])  # moved to the front matter, or no words at all
            elif j is not None:
                out.append(theirs[j1 + j])  # a paragraph the editor added
    separators = pieces[1::2]
    joined = [out[0]] if out else []
    for k, block in enumerate(out[1:]):
        joined.append(separators[k] if k < len(separators) else "\n\n")
        joined.append(block)
    return "".join(joined)


def update_post(docx: Path, post: Path, **options: Any) -> ImportReport:
    """Import ``docx`` over ``post``: its body's changes are applied to the post; its
    pictures go in the post's images folder."""
    try:
        source = parse_source(read_bytes(post), post)
    except OSError as exc:
        raise SourceError(f"cannot read: {exc}", post) from None
    lines = source.raw.decode("utf-8-sig").splitlines(keepends=True)
    head, old_body = "".join(lines[: source.body_line - 1]), "".join(lines[source.body_line - 1 :])
    with tempfile.TemporaryDirectory(prefix="imprint-import-") as folder:
        scratch = Path(folder) / post.name
        report = import_docx(docx, Path(folder), target=scratch, **options)
        imported = scratch.read_text(encoding="utf-8")
        body = parse_source(imported.encode("utf-8"), scratch).body
        for image in report.images:
            name = Path(image)
            store.put(post.parent / "images" / name.parent.name / name.name, name.read_bytes())
    updated = head + patch_body(old_body, body, imported)
    if not updated.endswith("\n"):
        updated += "\n"
    store.put(post, updated.encode("utf-8"))
    report.post = str(post)
    report.images = [
        str(post.parent / "images" / Path(i).parent.name / Path(i).name) for i in report.images
    ]
    store.put(post.with_suffix(".import.json"), report.as_json())
    return report
