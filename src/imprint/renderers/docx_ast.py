"""The DOCX page as pandoc's document tree (its JSON), so pandoc need not read HTML.

pandoc's JSON reader is much quicker than its HTML reader, which is most of the
cost of a post's DOCX. :func:`page_json` builds, from the page imprint hands pandoc,
the very tree pandoc's HTML reader would build from it: the same blocks,
inlines, attributes and metadata, down to where spaces fall (tests compare the
two trees on every post of the corpus). It knows the HTML a normalised post is
made of: paragraphs, headings, lists, quotations, divisions, links and inline
markup. For anything else (footnotes, tables, figures, images, math,
definition lists, code blocks) it returns None, and the page goes to pandoc's
HTML reader as before.
"""

from __future__ import annotations

import json
import re
from typing import Any

import lxml.html

Inline = dict[str, Any]
Block = dict[str, Any]


class Unsupported(Exception):
    """Markup whose tree is left to pandoc's HTML reader."""


_WORDS = re.compile(r"[ \t\r\n]+|[^ \t\r\n]+")  # pandoc splits text at ASCII white space
_SPACE = re.compile(r"[ \t\r\n]+")
_URI_ESCAPED = re.compile(r"[\s<>|\"{}\[\]^`]")  # characters pandoc escapes in a URL
_ORDER_TYPES = {
    "1": "Decimal",
    "a": "LowerAlpha",
    "A": "UpperAlpha",
    "i": "LowerRoman",
    "I": "UpperRoman",
}
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_WRAPPERS = {
    "em": "Emph",
    "i": "Emph",
    "strong": "Strong",
    "b": "Strong",
    "sup": "Superscript",
    "sub": "Subscript",
    "s": "Strikeout",
    "del": "Strikeout",
    "strike": "Strikeout",
}
_SPACES = ("Space", "SoftBreak")
MAX_DEPTH = 64  # elements nested deeper than this are left to pandoc


def page_json(page: str) -> str | None:
    """The pandoc JSON of ``page`` (without its API version, which the resident pandoc
    adds), or None where the page holds markup this module leaves to pandoc."""
    if "\r" in page:
        return None  # pandoc and lxml read a lone carriage return differently
    try:
        root = lxml.html.document_fromstring(page)
        head, body = root.find("head"), root.find("body")
        if head is None or body is None:
            return None
        if any(_deeper_than(element, MAX_DEPTH) for element in body.iter()):
            return None  # lxml's parser stops nesting at 256 levels; pandoc's does not
        meta = _meta(root, head)
        blocks = _fix_plains(_blocks(body), in_list=False)
    except (Unsupported, ValueError):
        return None
    return json.dumps({"meta": meta, "blocks": blocks}, ensure_ascii=False, separators=(",", ":"))


def _deeper_than(element: Any, depth: int) -> bool:
    if len(element):
        return False  # its children are looked at in turn
    return sum(1 for _ in element.iterancestors()) > depth


# --- inlines, joined as pandoc's builder joins them ---------------------------------------------
def _add(out: list[Inline], item: Inline) -> None:
    """Append ``item`` to ``out`` as pandoc's ``Inlines`` semigroup does."""
    if not out:
        out.append(item)
        return
    last, kind = out[-1], item["t"]
    pair = (last["t"], kind)
    if pair == ("Str", "Str"):
        out[-1] = {"t": "Str", "c": last["c"] + item["c"]}
    elif pair == ("Space", "Space"):
        pass
    elif pair in (("Space", "SoftBreak"), ("SoftBreak", "Space"), ("SoftBreak", "SoftBreak")):
        out[-1] = {"t": "SoftBreak"}
    elif pair in (
        ("Space", "LineBreak"),
        ("LineBreak", "Space"),
        ("SoftBreak", "LineBreak"),
        ("LineBreak", "SoftBreak"),
    ):
        out[-1] = {"t": "LineBreak"}
    elif last["t"] == kind and kind in (
        "Emph",
        "Strong",
        "Superscript",
        "Subscript",
        "Strikeout",
        "Underline",
    ):
        out[-1] = {"t": kind, "c": last["c"] + item["c"]}  # plain list append inside
    else:
        out.append(item)


def _extend(out: list[Inline], items: list[Inline]) -> None:
    if items:
        _add(out, items[0])
        out.extend(items[1:])  # already joined among themselves


_SPACE_ITEM, _SOFT_ITEM = {"t": "Space"}, {"t": "SoftBreak"}  # never changed in place


def _text(text: str | None) -> list[Inline]:
    """pandoc's inlines of a text: words, and spaces between them (a soft break where
    the space holds a newline). The pieces alternate, so none need joining."""
    return [
        (_SOFT_ITEM if "\n" in piece else _SPACE_ITEM)
        if piece[0] in " \t\r\n"
        else {"t": "Str", "c": piece}
        for piece in _WORDS.findall(text or "")
    ]


def _trim(items: list[Inline]) -> list[Inline]:
    start, end = 0, len(items)
    while start < end and items[start]["t"] in _SPACES:
        start += 1
    while end > start and items[end - 1]["t"] in _SPACES:
        end -= 1
    return items[start:end]


def _extract_spaces(items: list[Inline], make: Any) -> list[Inline]:
    """pandoc's ``extractSpaces``: spaces at either end go outside the element that
    ``make`` builds from what is between them."""
    out: list[Inline] = []
    if items and items[0]["t"] in _SPACES:
        out.append({"t": items[0]["t"]})
    _add(out, make(_trim(items)))
    if items and items[-1]["t"] in _SPACES:
        _add(out, {"t": items[-1]["t"]})
    return out


def _attr(items: Any, allowed: tuple[str, ...] | None = None) -> list[Any]:
    """pandoc's attributes from an element's ``(name, value)`` pairs: ``data-`` is
    dropped from names; ``style`` is left to pandoc (it reads some of it)."""
    ident, classes, pairs = "", [], []
    for key, value in items:
        if key == "style" or (allowed is not None and key not in allowed):
            raise Unsupported(key)
        if key == "id":
            ident = value
        elif key == "class":
            classes = value.split()
        else:
            pairs.append([key.removeprefix("data-"), value])
    return [ident, classes, pairs]


def _inlines(element: lxml.html.HtmlElement) -> list[Inline]:
    """The inlines of ``element``'s content (text, children and their tails)."""
    out = _text(element.text)
    for child in element:
        _extend(out, _inline(child))
        _extend(out, _text(child.tail))
    return out


def _inline(element: Any) -> list[Inline]:
    tag = element.tag
    if not isinstance(tag, str):
        raise Unsupported("comment")  # pandoc keeps nothing of comments; rare: leave it
    if tag in _WRAPPERS:
        if element.attrib:
            raise Unsupported(tag)
        kind = _WRAPPERS[tag]
        return _extract_spaces(_inlines(element), lambda inner: {"t": kind, "c": inner})
    if tag == "a":
        href = element.get("href")
        if (
            href is None
            or _URI_ESCAPED.search(href)
            or "footnote" in element.get("class", "")
            or element.get("role", "").startswith("doc-")
        ):
            raise Unsupported("a")
        attr = _attr((k, v) for k, v in element.attrib.items() if k not in ("href", "title"))
        target = [href, element.get("title", "")]
        return _extract_spaces(
            _inlines(element), lambda inner: {"t": "Link", "c": [attr, inner, target]}
        )
    if tag == "span":
        attr = _attr(element.attrib.items())
        if "smallcaps" in attr[1]:
            raise Unsupported("smallcaps")
        return [{"t": "Span", "c": [attr, _inlines(element)]}]
    if tag == "code":
        if element.attrib or len(element):
            raise Unsupported("code")
        code = _SPACE.sub(" ", element.text or "")
        if not code.strip():
            if code:
                raise Unsupported("blank code")
            return []  # pandoc drops an empty one
        return [{"t": "Code", "c": [["", [], []], code]}]
    if tag == "br":
        if element.attrib:
            raise Unsupported("br")
        return [{"t": "LineBreak"}]
    raise Unsupported(tag)


# --- blocks --------------------------------------------------------------------------------------
_BLOCK_TAGS = {"p", "div", "ul", "ol", "blockquote", "hr", *_HEADINGS}


def _blocks(element: lxml.html.HtmlElement) -> list[Block]:
    """The blocks of a block container: runs of inline content become ``Plain``."""
    out: list[Block] = []
    run: list[Inline] = _text(element.text)

    def flush() -> None:
        inlines = _trim(run)
        if inlines:
            out.append({"t": "Plain", "c": inlines})
        run.clear()

    for child in element:
        if isinstance(child.tag, str) and child.tag in _BLOCK_TAGS:
            flush()
            block = _block(child)
            if block is not None:
                out.append(block)
        else:
            _extend(run, _inline(child))
        _extend(run, _text(child.tail))
    flush()
    return out


def _block(element: lxml.html.HtmlElement) -> Block | None:
    tag = element.tag
    if tag == "p":
        _attr(element.attrib.items(), allowed=("class",))
        inlines = _trim(_inlines(element))
        return {"t": "Para", "c": inlines} if inlines else None
    if tag in _HEADINGS:
        attr = _attr(element.attrib.items())
        if not attr[0]:
            raise Unsupported("a heading without an id")  # pandoc would make one
        return {"t": "Header", "c": [_HEADINGS[tag], attr, _trim(_inlines(element))]}
    if tag == "div":
        attr = _attr(element.attrib.items())
        if (
            attr[0] in ("footnotes", "refs")
            or any(c in ("footnotes", "line-block", "section") for c in attr[1])
            or any(k == "role" for k, _ in attr[2])
        ):
            raise Unsupported("div")
        return {"t": "Div", "c": [attr, _blocks(element)]}
    if tag == "blockquote":
        _attr(element.attrib.items(), allowed=())
        return {"t": "BlockQuote", "c": _fix_plains(_blocks(element), in_list=False)}
    if tag == "hr":
        _attr(element.attrib.items(), allowed=())
        return {"t": "HorizontalRule"}
    if tag == "ul":
        _attr(element.attrib.items(), allowed=())
        return {"t": "BulletList", "c": _items(element)}
    if tag == "ol":
        _attr(element.attrib.items(), allowed=("type", "start"))
        kind = element.get("type")
        if kind is not None and kind not in _ORDER_TYPES:
            raise Unsupported("ol type")
        style = _ORDER_TYPES[kind] if kind else "DefaultStyle"
        start = element.get("start", "1")
        if not start.isdigit():
            raise Unsupported("ol start")
        return {
            "t": "OrderedList",
            "c": [[int(start), {"t": style}, {"t": "DefaultDelim"}], _items(element)],
        }
    raise Unsupported(tag)


def _items(element: lxml.html.HtmlElement) -> list[list[Block]]:
    if (element.text or "").strip():
        raise Unsupported("text in a list")
    items = []
    for child in element:
        if child.tag != "li" or child.attrib or (child.tail or "").strip():
            raise Unsupported("list content")
        items.append(_fix_plains(_blocks(child), in_list=True))
    return items


_PARAISH = {"Para", "CodeBlock", "Header", "BlockQuote"}
_LISTS = {"BulletList", "OrderedList", "DefinitionList"}


def _fix_plains(blocks: list[Block], in_list: bool) -> list[Block]:
    """pandoc's ``fixPlains`` (the body, quotations and list items): beside a paragraph-like
    block, loose inline content is a paragraph too."""
    if any(b["t"] in _PARAISH or (not in_list and b["t"] in _LISTS) for b in blocks):
        return [{"t": "Para", "c": b["c"]} if b["t"] == "Plain" else b for b in blocks]
    return blocks


# --- metadata ------------------------------------------------------------------------------------
def _meta(root: lxml.html.HtmlElement, head: lxml.html.HtmlElement) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for child in head:
        if child.tag == "title":
            if len(child):
                raise Unsupported("title")
            meta["title"] = {"t": "MetaInlines", "c": _text(child.text)}
        elif child.tag == "meta":
            name = child.get("name")
            if name is None:
                if child.get("charset") is None:
                    raise Unsupported("meta")
                continue
            value = {"t": "MetaInlines", "c": _text(child.get("content", ""))}
            if name in meta:
                known = meta[name]
                meta[name] = {
                    "t": "MetaList",
                    "c": (known["c"] if known["t"] == "MetaList" else [known]) + [value],
                }
            else:
                meta[name] = value
        elif isinstance(child.tag, str):
            raise Unsupported(child.tag)
    lang = root.get("lang")
    if lang:
        meta["lang"] = {"t": "MetaInlines", "c": _text(lang)}
    return meta
