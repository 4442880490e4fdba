"""pandoc's reading of a Word file (its JSON tree) turned into a post's body and fields.

Named paragraph styles arrive as ``custom-style`` divisions (pandoc's ``styles``
extension). imprint's own (``Excerpt``, ``Author Bio``, ``Callout``, ``Caption``)
and Word's (``Quote``, ``Caption``) become what the post would have written; any
other style is unwrapped, keeping its content. Word's ``Heading 1`` is the post's
``##``: the title is the only first-level heading.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..normalise.callouts import KINDS
from .word import COMMENT_MARKS, Comment

Node = dict[str, Any]
_LABELS = {label.lower(): kind for kind, label in KINDS.items()}
_QUOTES = {"quote", "intense quote", "block text"}
_CAPTIONS = {"caption", "image caption", "table caption"}
_NUMBERED = re.compile(r"^(Figure|Table)\s+\d+\s*[:.]\s*")


@dataclass
class Body:
    """What :func:`convert_tree` makes of the tree."""

    blocks: list[Node]
    excerpt: list[Node] = field(default_factory=list)
    bios: list[list[Node]] = field(default_factory=list)
    title: list[Node] = field(default_factory=list)
    subtitle: list[Node] = field(default_factory=list)


def _style(attr: list[Any]) -> str:
    return next((v for k, v in attr[2] if k == "custom-style"), "").strip().lower()


def plain_text(inlines: list[Node]) -> str:
    """The words of pandoc inlines, as text."""
    out = []
    for node in inlines:
        kind = node.get("t")
        if kind == "Str":
            out.append(node["c"])
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif kind in ("Emph", "Strong", "Underline", "SmallCaps", "Strikeout"):
            out.append(plain_text(node["c"]))
        elif kind in ("Span", "Link", "Quoted"):
            out.append(plain_text(node["c"][1]))
    return "".join(out)


class _Converter:
    def __init__(
        self,
        image: Callable[[str, str], str | None],
        comments: dict[str, Comment] | None,
        strip_numbers: bool,
    ):
        self.image = image
        self.comments = comments
        self.strip_numbers = strip_numbers
        self.body = Body([])
        self.in_link = False
        self.in_meta: set[str] = set()

    # -- blocks --
    def blocks(self, blocks: list[Node], top: bool = False) -> list[Node]:
        out: list[Node] = []
        pending: list[Node] | None = None  # a caption waiting for its picture or table
        for block in blocks:
            kind = block.get("t")
            if kind == "Div":
                attr, inner = block["c"]
                style = _style(attr)
                if "figure" in attr[1]:
                    out.append(self.figure(inner))
                    continue
                if top and style in self.in_meta:
                    # pandoc lifted the title block from the top; a second one, after
                    # the text began, stays where it is
                    out.extend(self.blocks(inner, top))
                    continue
                if top and style in ("excerpt", "abstract"):
                    self.body.excerpt.extend(self.blocks(inner))
                    continue
                if top and style == "author bio":
                    self.body.bios.append(self.blocks(inner))
                    continue
                if top and style in ("title", "subtitle"):
                    target = self.body.title if style == "title" else self.body.subtitle
                    if not target:
                        target.extend(self.inlines(_plain(inner)))
                        continue
                if style == "callout":
                    callout, titled = self.callout(self.blocks(inner))
                    if not titled and out and _is_callout(out[-1]):
                        # Word's paragraphs of one callout, after its title's
                        out[-1]["c"][1].extend(callout["c"][1])
                    else:
                        out.append(callout)
                    continue
                if style in _QUOTES:
                    out.append({"t": "BlockQuote", "c": self.blocks(inner)})
                    continue
                if style in _CAPTIONS:
                    caption = self.inlines(_plain(inner))
                    if self.strip_numbers:
                        caption = _unnumbered(caption)
                    if out and _takes_caption(out[-1]):
                        out[-1] = _with_caption(out[-1], caption)
                    else:
                        pending = caption
                    continue
                if style or not attr[0]:
                    out.extend(self.blocks(inner, top))
                    continue
                out.append({"t": "Div", "c": [attr, self.blocks(inner)]})
                continue
            if kind == "Table" and _style(block["c"][0]).replace(" ", "") == "figuretable":
                # pandoc's Word writer sets a figure without a picture in a table: its
                # text and its caption (as written, number and all) come back as text
                out.extend(self.blocks(_cell_blocks(block)))
                caption = self.inlines(_plain(_unwrapped(block["c"][1][1])))
                if caption:
                    out.append({"t": "Para", "c": caption})
                continue
            converted = self.block(block)
            if pending is not None and _takes_caption(converted):
                converted, pending = _with_caption(converted, pending), None
            out.append(converted)
        if pending is not None:
            out.append({"t": "Para", "c": pending})
        return out

    def block(self, block: Node) -> Node:
        kind = block.get("t")
        if kind == "Header":
            level, attr, inlines = block["c"]
            return {"t": "Header", "c": [min(level + 1, 6), attr, self.inlines(inlines)]}
        if kind in ("Para", "Plain"):
            return {"t": kind, "c": self.inlines(block["c"])}
        if kind == "Table":  # no widths and no style: a pipe table where one will do
            attr, caption, specs, *rest = block["c"]
            attr = [attr[0], attr[1], [p for p in attr[2] if p[0] != "custom-style"]]
            specs = [[align, {"t": "ColWidthDefault"}] for align, _ in specs]
            block = {"t": "Table", "c": [attr, caption, specs, *rest]}
        if kind == "Table" and self.strip_numbers:
            caption = block["c"][1]
            for part in caption[1]:
                if part.get("t") in ("Plain", "Para"):
                    part["c"] = _unnumbered(part["c"])
                    break
        if kind == "Figure":
            _, (_, caption), content = block["c"]
            return self.figure([*content, {"t": "Div", "c": [["", ["caption"], []], caption]}])
        return {"t": kind, **({"c": self.any(block["c"])} if "c" in block else {})}

    def figure(self, blocks: list[Node]) -> Node:
        """pandoc's reading of a captioned picture: the picture's paragraph and a
        ``caption`` division. A caption that only repeats the alt text is the one
        Markdown gives a lone picture, so the picture is written alone."""
        pictures = [b for b in blocks if b.get("t") != "Div"]
        captions = [b for b in blocks if b.get("t") == "Div" and "caption" in b["c"][0][1]]
        picture = self.block(pictures[0]) if len(pictures) == 1 else None
        if picture is None or not _takes_caption(picture) or len(captions) != 1:
            return {"t": "Div", "c": [["", [], []], self.blocks(blocks)]}
        caption = self.inlines(_plain(_unwrapped(captions[0]["c"][1])))
        if self.strip_numbers:
            caption = _unnumbered(caption)
        image = next(n for n in picture["c"] if n.get("t") == "Image")
        if " ".join(plain_text(caption).split()) == " ".join(plain_text(image["c"][1]).split()):
            return {"t": "Para", "c": [image]}
        return _with_caption(picture, caption)

    def callout(self, blocks: list[Node]) -> tuple[Node, bool]:
        """A callout block; its label (the bold first paragraph imprint writes) gives
        its kind when it is a kind's name, else it is a note under that title. Says
        whether it had a label (a callout's first paragraph in Word)."""
        label = ""
        if blocks and blocks[0].get("t") in ("Para", "Plain"):
            first = [n for n in blocks[0]["c"] if n.get("t") not in ("Space", "SoftBreak")]
            if len(first) == 1 and first[0].get("t") == "Strong":
                label = " ".join(plain_text(first[0]["c"]).split())
                blocks = blocks[1:]
        kind = _LABELS.get(label.lower(), "note")
        pairs = [["title", label]] if label and label != KINDS[kind] else []
        return {"t": "Div", "c": [["", [f"callout-{kind}"], pairs], blocks]}, bool(label)

    # -- inlines and the rest --
    def inlines(self, inlines: list[Node]) -> list[Node]:
        return self.any(inlines)

    def any(self, value: Any) -> Any:
        if isinstance(value, list):
            out: list[Any] = []
            for item in value:
                if isinstance(item, dict) and "t" in item:
                    out.extend(self.node(item))
                else:
                    out.append(self.any(item))
            return out
        if isinstance(value, dict):
            if "t" in value:
                done = self.node(value)
                return done[0] if len(done) == 1 else value
            return {k: self.any(v) for k, v in value.items()}
        return value

    def node(self, node: Node) -> list[Node]:
        kind = node.get("t")
        if kind == "Span":
            attr, inner = node["c"]
            if {"comment-start", "comment-end"} & set(attr[1]):
                return []  # (--track-changes all) comments are in the report, or notes
            if _style(attr) or (not attr[0] and not attr[1] and not attr[2]):
                return self.any(inner)
            return [{"t": "Span", "c": [attr, self.any(inner)]}]
        if kind == "Image":
            attr, alt, (src, title) = node["c"]
            alt = self.any(alt)
            kept = self.image(src, " ".join(plain_text(alt).split()))
            if kept is None:
                return alt  # the warning names it; its alt text stays in its place
            return [{"t": "Image", "c": [["", [], []], alt, [kept, title]]}]
        if kind == "Link":  # a link inside a link (a table of contents) keeps its text
            attr, inner, target = node["c"]
            if self.in_link:
                return self.any(inner)
            self.in_link = True
            try:
                inner = self.any(inner)
            finally:
                self.in_link = False
            return [{"t": "Link", "c": [attr, inner, target]}]
        if kind == "Str" and "IMPRINTCOMMENT" in node["c"]:
            return self.comment_marks(node["c"])
        if kind in ("Div", "Header", "Para", "Plain", "Table", "Figure"):
            if kind == "Div":
                return self.blocks([node])
            return [self.block(node)]
        if "c" in node:
            return [{"t": kind, "c": self.any(node["c"])}]
        return [node]

    def comment_marks(self, text: str) -> list[Node]:
        out: list[Node] = []
        for i, piece in enumerate(COMMENT_MARKS.split(text)):
            if i % 2 == 0:
                if piece:
                    out.append({"t": "Str", "c": piece})
                continue
            comment = (self.comments or {}).get(piece)
            if comment is None:
                continue
            said = f"Comment by {comment.author or 'unknown'}"
            if comment.date:
                said += f" ({comment.date[:10]})"
            words = [{"t": "Str", "c": w} for w in f"{said}: {comment.text}".split()]
            spaced: list[Node] = []
            for word in words:
                if spaced:
                    spaced.append({"t": "Space"})
                spaced.append(word)
            out.append({"t": "Note", "c": [{"t": "Para", "c": spaced}]})
        return out


def _is_callout(block: Node) -> bool:
    return block.get("t") == "Div" and any(c.startswith("callout-") for c in block["c"][0][1])


def _cell_blocks(table: Node) -> list[Node]:
    _, _, _, head, bodies, foot = table["c"]
    rows = head[1] + [r for body in bodies for r in body[2] + body[3]] + foot[1]
    return [b for row in rows for cell in row[1] for b in cell[4]]


def _unwrapped(blocks: list[Node]) -> list[Node]:
    out: list[Node] = []
    for block in blocks:
        out += _unwrapped(block["c"][1]) if block.get("t") == "Div" else [block]
    return out


def _plain(blocks: list[Node]) -> list[Node]:
    out: list[Node] = []
    for block in blocks:
        if block.get("t") in ("Para", "Plain"):
            if out:
                out.append({"t": "Space"})
            out.extend(block["c"])
    return out


def _unnumbered(inlines: list[Node]) -> list[Node]:
    """A caption without the "Table 1:" imprint's DOCX wrote before it."""
    words = plain_text(inlines)
    match = _NUMBERED.match(words)
    if not match:
        return inlines
    count = len(match[0].split())
    out = list(inlines)
    while count and out:
        node = out.pop(0)
        if node.get("t") == "Str":
            count -= 1
    while out and out[0].get("t") in ("Space", "SoftBreak"):
        out.pop(0)
    return out


def _takes_caption(block: Node) -> bool:
    if block.get("t") == "Table":
        return not block["c"][1][1]
    if block.get("t") in ("Para", "Plain"):
        items = [n for n in block["c"] if n.get("t") not in ("Space", "SoftBreak")]
        return len(items) == 1 and items[0].get("t") == "Image"
    return False


def _with_caption(block: Node, caption: list[Node]) -> Node:
    if block.get("t") == "Table":
        attr, _, *rest = block["c"]
        return {"t": "Table", "c": [attr, [None, [{"t": "Plain", "c": caption}]], *rest]}
    image = next(n for n in block["c"] if n.get("t") == "Image")
    return {
        "t": "Figure",
        "c": [["", [], []], [None, [{"t": "Plain", "c": caption}]], [{"t": "Plain", "c": [image]}]],
    }


def convert_tree(
    tree: dict[str, Any],
    image: Callable[[str, str], str | None],
    comments: dict[str, Comment] | None = None,
    strip_numbers: bool = False,
) -> Body:
    """The post's body and style-borne fields from pandoc's tree of a Word file.
    ``image(src, alt)`` keeps a picture and says where the post finds it (None: dropped);
    ``comments`` (by id) become notes where they were anchored."""
    converter = _Converter(image, comments, strip_numbers)
    converter.in_meta = {k for k in ("title", "subtitle", "abstract") if k in tree.get("meta", {})}
    converter.body.blocks = converter.blocks(tree["blocks"], top=True)
    return converter.body
