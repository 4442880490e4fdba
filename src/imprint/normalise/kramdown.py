"""What Jekyll's Markdown (kramdown) leaves in the text that pandoc does not read.

kramdown attaches classes with inline attribute lists: ``[Button](#){: .btn}``
or a ``{: .notice}`` line under a paragraph. pandoc has no such syntax and
keeps the braces as words, so a Jekyll post would print "{: .btn .btn–primary}"
in every format. The lists only ever carried styling for the old site, so they
are removed from running text; code keeps them, since there they are the point.
"""

from __future__ import annotations

import re

from lxml import etree

# "{:" up to the closing brace on the same line; pandoc's smart punctuation may
# already have turned "--" inside it into a dash, so the content is not parsed.
_ATTRIBUTE_LIST = re.compile(r"\s*\{:[^{}\n]*\}")
_CODE = frozenset({"code", "pre", "kbd", "samp", "script", "style"})


def _in_code(element: etree._Element | None) -> bool:
    return element is not None and (
        element.tag in _CODE or any(a.tag in _CODE for a in element.iterancestors())
    )


def drop_attribute_lists(root: etree._Element) -> None:
    """Remove kramdown ``{: …}`` lists from text outside code; drop paragraphs left empty."""
    emptied: list[etree._Element] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.text and "{:" in element.text and not _in_code(element):
            element.text = _ATTRIBUTE_LIST.sub("", element.text)
            if element.tag == "p" and not element.text.strip() and not len(element):
                emptied.append(element)
        if (
            element is not root
            and element.tail
            and "{:" in element.tail
            and not _in_code(element.getparent())
        ):
            element.tail = _ATTRIBUTE_LIST.sub("", element.tail)
    for paragraph in emptied:
        paragraph.getparent().remove(paragraph)
