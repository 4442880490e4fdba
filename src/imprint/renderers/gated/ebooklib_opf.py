"""ebooklib's EPUB writer, with the book's language on the OPF ``package`` element
(``xml:lang``), which ebooklib leaves out and Ace by DAISY requires (epub-lang).

It overrides the writer's ``_write_opf_file``. On an unverified ebooklib the plain
writer is used: the book is still valid EPUB, and Ace reports the missing language.
"""

from __future__ import annotations

from typing import Any

from . import verified

VERIFIED = {"EbookLib": ("0.20",)}


def writer_class() -> Any:
    """The EPUB writer class to use."""
    from ebooklib import epub

    if not verified(VERIFIED, "ebooklib_opf"):
        return epub.EpubWriter

    class LanguageWriter(epub.EpubWriter):
        def _write_opf_file(self, root: Any) -> None:
            root.set("{http://www.w3.org/XML/1998/namespace}lang", self.book.language)
            super()._write_opf_file(root)

    return LanguageWriter
