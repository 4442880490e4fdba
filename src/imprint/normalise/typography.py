"""Typography as small ``str -> str`` passes, each there for a reason.

pandoc's ``smart`` extension already makes curly quotes, dashes and
ellipses in Markdown. These passes handle what it does not see: metadata
strings typed into front matter.
"""

from __future__ import annotations

import re

# Invisible characters that only get in the way in metadata: zero-width space,
# word joiner, BOM, soft hyphen. ZWNJ (U+200C) and ZWJ (U+200D) stay: Persian
# and Indic scripts need them to spell words correctly.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad]")


def strip_invisible(text: str) -> str:
    """Drop invisible characters that break search and matching in metadata."""
    return _INVISIBLE.sub("", text)


def collapse_space(text: str) -> str:
    """One space between words: YAML folded and quoted strings keep stray newlines.

    A no-break space is the author's choice and stays.
    """
    return re.sub(r"[^\S\u00a0]+", " ", text).strip()


def smart_quotes(text: str) -> str:
    """Curly quotes in plain metadata, as pandoc gives the body: "a 'b'" -> “a ‘b’”.

    An apostrophe that starts an abbreviated decade ('90s) is not an opening quote.
    """
    text = re.sub(r"(^|\s)'(?=\d\ds\b)", "\\1\u2019", text)
    text = re.sub(r"(^|[\s(\[{\u2014\u2013-])'", "\\1\u2018", text)
    text = text.replace("'", "\u2019")
    text = re.sub(r'(^|[\s(\[{\u2014\u2013-])"', "\\1\u201c", text)
    return text.replace('"', "\u201d")


def dashes(text: str) -> str:
    """' -- ' between words is an en dash, '---' an em dash, as in the body."""
    return text.replace("---", "\u2014").replace("--", "\u2013")


def plain_metadata(text: str | None) -> str | None:
    """The passes for a plain-text metadata value (description, subtitle, names)."""
    if text is None:
        return None
    out = dashes(smart_quotes(collapse_space(strip_invisible(text))))
    return out or None
