"""What a Word file says outside the text pandoc reads: its properties, its tracked
changes and comments, the relationships it points out of the package with, and the
things pandoc drops (text boxes, charts, embedded objects, fields that are not text).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from ..errors import SourceError
from .package import Package

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
NS = {
    "w": W,
    "r": R,
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "rel": RELS,
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
}
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False
)
COMMENT_MARK = "IMPRINTCOMMENT{}X"  # stands where a kept comment was anchored
COMMENT_MARKS = re.compile(r"IMPRINTCOMMENT(\d+)X")
# fields whose result is not text: pandoc keeps at most a picture of them
_OBJECT_FIELDS = {
    "EMBED",
    "INCLUDEPICTURE",
    "INCLUDETEXT",
    "FORMCHECKBOX",
    "FORMDROPDOWN",
    "MACROBUTTON",
    "GOTOBUTTON",
    "LINK",
    "DDE",
    "DDEAUTO",
    "SHAPE",
}


def parse_xml(data: bytes, name: str, path: str) -> etree._Element:
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"{name} is not well-formed XML ({exc})", path) from None


@dataclass
class Comment:
    id: str
    author: str
    date: str
    text: str
    anchored: str = ""


@dataclass
class Inspection:
    """What :func:`inspect` found."""

    document: str  # the main document part's name
    properties: dict[str, str] = field(default_factory=dict)
    changes: dict[str, int] = field(default_factory=dict)  # insertions, deletions, moves
    comments: list[Comment] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    text_boxes: list[tuple[str, str]] = field(default_factory=list)  # (where, text)
    external: list[tuple[str, str]] = field(default_factory=list)  # (kind, target)
    made_by_imprint: bool = False

    @property
    def change_count(self) -> int:
        return sum(self.changes.values())


def main_document(package: Package, path: str) -> str:
    rels = package.get("_rels/.rels")
    if rels is not None:
        for rel in parse_xml(rels, "_rels/.rels", path).iterfind("rel:Relationship", NS):
            if rel.get("Type", "").endswith("/officeDocument"):
                name = posixpath.normpath(rel.get("Target", "").lstrip("/"))
                if name in package.parts:
                    return name
    if "word/document.xml" in package.parts:
        return "word/document.xml"
    raise SourceError("not a Word document (no main document part)", path)


def relationships(package: Package, part: str, path: str) -> list[etree._Element]:
    folder, name = posixpath.split(part)
    data = package.get(posixpath.join(folder, "_rels", name + ".rels"))
    if data is None:
        return []
    return list(parse_xml(data, name + ".rels", path).iterfind("rel:Relationship", NS))


def inspect(package: Package, path: str) -> Inspection:
    document = main_document(package, path)
    found = Inspection(document)
    found.properties = _core(package, path)
    found.made_by_imprint = found.properties.get("lastModifiedBy") == "imprint"
    root = parse_xml(package.parts[document], document, path)
    for kind, tags in (
        ("insertions", ("ins",)),
        ("deletions", ("del",)),
        ("moves", ("moveFrom", "moveTo")),
    ):
        count = sum(len(root.xpath(f"//w:{t}", namespaces=NS)) for t in tags)
        for extra in ("word/footnotes.xml", "word/endnotes.xml"):
            data = package.get(extra)
            if data is not None:
                tree = parse_xml(data, extra, path)
                count += sum(len(tree.xpath(f"//w:{t}", namespaces=NS)) for t in tags)
        if count:
            found.changes[kind] = count
    found.comments = _comments(package, root, path)
    found.dropped, found.text_boxes = _dropped(root)
    for rel in relationships(package, document, path):
        if rel.get("TargetMode") == "External":
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            if kind != "hyperlink":
                found.external.append((kind, rel.get("Target", "")))
    for rel in relationships(package, "word/settings.xml", path):
        if rel.get("TargetMode") == "External":
            found.external.append((rel.get("Type", "").rsplit("/", 1)[-1], rel.get("Target", "")))
    return found


def _core(package: Package, path: str) -> dict[str, str]:
    """The core properties; a broken properties part is as good as none (the document
    is still the document)."""
    data = package.get("docProps/core.xml")
    if data is None:
        return {}
    try:
        root = parse_xml(data, "docProps/core.xml", path)
    except SourceError:
        return {}
    out = {}
    for key in ("title", "creator", "subject", "description", "language", "identifier"):
        value = root.findtext(f"dc:{key}", namespaces=NS)
        if value and value.strip():
            out[key] = value.strip()
    for key in ("keywords", "lastModifiedBy"):
        value = root.findtext(f"cp:{key}", namespaces=NS)
        if value and value.strip():
            out[key] = value.strip()
    created = root.findtext("dcterms:created", namespaces=NS)
    if created and created.strip():
        out["created"] = created.strip()
    return out


def _paragraph_text(element: etree._Element) -> str:
    """The text of ``element``'s runs; breaks and tabs as spaces."""
    return "".join(
        (node.text or "") if etree.QName(node).localname == "t" else " "
        for node in element.iter(f"{{{W}}}t", f"{{{W}}}br", f"{{{W}}}tab", f"{{{W}}}cr")
    )


def _comments(package: Package, root: etree._Element, path: str) -> list[Comment]:
    data = package.get("word/comments.xml")
    if data is None:
        return []
    comments = {}
    for item in parse_xml(data, "word/comments.xml", path).iterfind("w:comment", NS):
        cid = item.get(f"{{{W}}}id", "")
        text = " ".join(t for t in (_paragraph_text(p) for p in item.iterfind(".//w:p", NS)) if t)
        comments[cid] = Comment(
            cid, item.get(f"{{{W}}}author", ""), item.get(f"{{{W}}}date", ""), text
        )
    open_ids: list[str] = []
    anchored: dict[str, list[str]] = {}
    for element in root.iter(f"{{{W}}}commentRangeStart", f"{{{W}}}commentRangeEnd", f"{{{W}}}t"):
        tag = etree.QName(element).localname
        cid = element.get(f"{{{W}}}id", "")
        if tag == "commentRangeStart":
            open_ids.append(cid)
        elif tag == "commentRangeEnd":
            if cid in open_ids:
                open_ids.remove(cid)
        else:
            for open_id in open_ids:
                anchored.setdefault(open_id, []).append(element.text or "")
    for cid, comment in comments.items():
        comment.anchored = " ".join("".join(anchored.get(cid, [])).split())
    return list(comments.values())


def _where(element: etree._Element, paragraphs: dict[etree._Element, int]) -> str:
    for ancestor in element.iterancestors(f"{{{W}}}p"):
        if ancestor in paragraphs:
            return f"paragraph {paragraphs[ancestor]}"
    return "the document"


def _dropped(root: etree._Element) -> tuple[list[str], list[tuple[str, str]]]:
    """Warnings for what pandoc drops, and the text boxes (where, text): whether a box's
    text survived is known only once pandoc has read the file."""
    body = root.find("w:body", NS)
    if body is None:
        return [], []
    paragraphs = {p: i for i, p in enumerate(body.iterfind(".//w:p", NS), 1)}
    out = []
    boxes = [
        (
            _where(box, paragraphs),
            " ".join(" ".join(map(_paragraph_text, box.iter(f"{{{W}}}p"))).split()),
        )
        for box in root.iter(f"{{{W}}}txbxContent")
    ]
    for graphic in root.xpath("//a:graphicData", namespaces=NS):
        uri = graphic.get("uri", "")
        if uri.endswith("/chart"):
            out.append(f"a chart in {_where(graphic, paragraphs)}: dropped")
        elif uri.endswith("/diagram"):
            out.append(f"a SmartArt diagram in {_where(graphic, paragraphs)}: dropped")
    for obj in root.iter(f"{{{W}}}object"):
        out.append(f"an embedded object in {_where(obj, paragraphs)}: dropped")
    instructions = [f.get(f"{{{W}}}instr", "") for f in root.iter(f"{{{W}}}fldSimple")]
    elements = list(root.iter(f"{{{W}}}fldSimple"))
    for code in root.iter(f"{{{W}}}instrText"):
        instructions.append(code.text or "")
        elements.append(code)
    for instruction, element in zip(instructions, elements):
        name = (instruction.split() or [""])[0].upper()
        if name in _OBJECT_FIELDS:
            out.append(f"a {name} field in {_where(element, paragraphs)}: dropped")
    return out, boxes


def mark_comments(package: Package, document: str, path: str) -> None:
    """Put a marker where each comment is referenced, so the comment can be kept as a
    note in its place (the markers never reach the post)."""
    root = parse_xml(package.parts[document], document, path)
    for reference in root.iter(f"{{{W}}}commentReference"):
        run = reference.getparent()
        text = etree.SubElement(run, f"{{{W}}}t")
        text.text = COMMENT_MARK.format(reference.get(f"{{{W}}}id", ""))
        run.remove(reference)
    package.parts[document] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def embed_linked_pictures(
    package: Package, document: str, fetch: Callable[[str], tuple[bytes, str]], path: str
) -> list[str]:
    """Fetch each picture the document links to (``fetch`` applies the resource
    policy and returns its bytes and extension) and carry it in the package, as if it
    had been embedded; a refusal is a warning and the picture is left out."""
    from ..errors import ImprintError

    folder, name = posixpath.split(document)
    rels_name = posixpath.join(folder, "_rels", name + ".rels")
    if rels_name not in package.parts:
        return []
    rels = parse_xml(package.parts[rels_name], rels_name, path)
    warnings, fetched = [], []
    for number, rel in enumerate(rels.iterfind("rel:Relationship", NS), 1):
        if rel.get("TargetMode") != "External" or not rel.get("Type", "").endswith("/image"):
            continue
        target = rel.get("Target", "")
        try:
            data, ext = fetch(target)
        except ImprintError as exc:
            warnings.append(f"a linked picture ({target}): not fetched ({exc.message})")
            continue
        member = f"media/linked-{number}.{ext}"
        package.parts[posixpath.join(folder, member)] = data
        rel.attrib.pop("TargetMode")
        rel.set("Target", member)
        fetched.append(rel.get("Id", ""))
    if fetched:
        package.parts[rels_name] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8")
        root = parse_xml(package.parts[document], document, path)
        for blip in root.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}blip"):
            link = blip.get(f"{{{R}}}link")
            if link in fetched:
                blip.attrib.pop(f"{{{R}}}link")
                blip.set(f"{{{R}}}embed", link)
        package.parts[document] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return warnings
