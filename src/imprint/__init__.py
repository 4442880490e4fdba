"""imprint: one Markdown post in, branded HTML, PDF, EPUB 3 and DOCX out.

The small public API::

    from imprint import load_document, build
    doc = load_document("content/post.md")    # the normalised, typed Document
    report = build(["content/"], formats=["pdf"])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Document", "__version__", "build", "load_document"]

if TYPE_CHECKING:
    from .build import build
    from .model import Document
    from .project import load_document


def __getattr__(name: str) -> Any:  # keep `import imprint` light: no pandoc, no WeasyPrint
    if name == "Document":
        from .model import Document

        return Document
    if name == "build":
        from .build import build

        return build
    if name == "load_document":
        from .project import load_document

        return load_document
    raise AttributeError(name)
