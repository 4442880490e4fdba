"""Characters no output can hold.

XML 1.0 (so XHTML, EPUB, DOCX) forbids the C0 control characters other than
tab and newline, and the non-characters U+FFFE and U+FFFF; lxml refuses to
build text with them. They reach a post as stray bytes in the file or as YAML
escapes (``"\\e"``) and carry nothing a reader could see, so they are removed.
"""

from __future__ import annotations

import re

CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def strip_control(text: str) -> str:
    return CONTROL.sub("", text) if CONTROL.search(text) else text
