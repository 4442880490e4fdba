"""The brand's faces embedded in a DOCX, as Word's "Embed fonts in the file" does.

Each face the document uses (by family: regular, bold, italic, bold italic) is cut
to the characters the document holds, as a static instance of the brand's
variable font, named as the document's styles name it. Word and LibreOffice then
show the brand on a machine that lacks it. Parts are obfuscated as ECMA-376 Part 1,
17.8.1 says: the first 32 bytes XOR-ed with the part's GUID key, which
``w:fontKey`` carries beside the relationship in ``fontTable.xml``. The key is
derived from the face's bytes, so equal documents give equal files.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zipfile

from lxml import etree

from .fonts import Face, _source_file
from .tokens import Brand

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
FONT_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
# (element, style, weight, subfamily name)
KINDS = (
    ("embedRegular", "normal", 400, "Regular"),
    ("embedBold", "normal", 700, "Bold"),
    ("embedItalic", "italic", 400, "Italic"),
    ("embedBoldItalic", "italic", 700, "Bold Italic"),
)
_TEXT_PARTS = re.compile(r"word/(document|footnotes|endnotes|header\d*|footer\d*|comments)\.xml")
_ALWAYS = "0123456789.,:;()[]-–—•‘’“”'\" "  # list numbers, bullets, note marks
_BEFORE_EMBED = {
    "writeProtection",
    "view",
    "zoom",
    "removePersonalInformation",
    "removeDateAndTime",
    "doNotDisplayPageBoundaries",
    "displayBackgroundShape",
    "printPostScriptOverText",
    "printFractionalCharacterWidth",
    "printFormsData",
}


def faces_used(parts: dict[str, bytes]) -> dict[str, set[str]]:
    """The faces (``embedRegular``...) each role's family is shown in."""
    text = b"".join(v for k, v in parts.items() if _TEXT_PARTS.fullmatch(k)).decode("utf-8")
    bold = re.search(r"<w:b\s*/>|<w:b w:val=\"(1|true|on)\"", text) is not None
    italic = re.search(r"<w:i\s*/>|<w:i w:val=\"(1|true|on)\"", text) is not None
    both = re.search(r"<w:rPr>(?:(?!</w:rPr>).)*<w:b\s*/>(?:(?!</w:rPr>).)*<w:i\s*/>", text)
    body = {"embedRegular"}
    body |= {"embedBold"} if bold else set()
    body |= {"embedItalic"} if italic else set()
    body |= {"embedBoldItalic"} if both else set()
    headings = {"embedRegular", "embedBold"} | ({"embedItalic"} if "Caption" in text else set())
    used = {"body": body, "headings": headings}
    if re.search(r'w:val="(VerbatimChar|SourceCode|\w+Tok)"', text):
        used["monospace"] = {"embedRegular"} | ({"embedBold"} if "KeywordTok" in text else set())
    return used


def characters(parts: dict[str, bytes]) -> set[int]:
    chars = set(_ALWAYS)
    for name, data in parts.items():
        if _TEXT_PARTS.fullmatch(name):
            root = etree.fromstring(data)
            for t in root.iter(f"{{{W}}}t"):
                chars.update(t.text or "")
    return {ord(c) for c in chars}


def cut_face(path, weight: int, pin: bool, codepoints: set[int], family: str, sub: str) -> bytes:
    """A static TrueType/OpenType face of ``path`` holding ``codepoints``, named
    ``family`` ``sub`` so a word processor matches it to the styles' font name."""
    import uharfbuzz as hb
    from fontTools.ttLib import TTFont

    face = hb.Face(hb.Blob(path.read_bytes()))
    request = hb.SubsetInput()
    for codepoint in codepoints:
        request.unicode_set.add(codepoint)
    if pin:
        for axis in face.axis_infos:
            value = float(weight) if axis.tag == "wght" else axis.default_value
            request.pin_axis_location(
                face, axis.tag, min(max(value, axis.min_value), axis.max_value)
            )
    font = TTFont(io.BytesIO(bytes(hb.subset(face, request).blob.data)), recalcTimestamp=False)
    names = font["name"]
    names.names = [n for n in names.names if n.nameID not in (1, 2, 4, 6, 16, 17, 21, 22, 25)]
    postscript = f"{re.sub(r'[^A-Za-z0-9]', '', family)}-{sub.replace(' ', '')}"
    for name_id, value in ((1, family), (2, sub), (4, f"{family} {sub}"), (6, postscript)):
        names.setName(value, name_id, 3, 1, 0x409)
        names.setName(value, name_id, 1, 0, 0)
    bold, italic = "Bold" in sub, "Italic" in sub
    os2 = font["OS/2"]
    os2.usWeightClass = 700 if bold else 400
    os2.fsSelection = (os2.fsSelection & ~0b1100001) | (
        (1 if italic else 0) | (32 if bold else 0) | (64 if not (bold or italic) else 0)
    )
    os2.fsType = 0  # OFL: installable embedding
    font["head"].macStyle = (1 if bold else 0) | (2 if italic else 0)
    out = io.BytesIO()
    font.save(out, reorderTables=False)
    return out.getvalue()


def obfuscate(data: bytes, key: str) -> bytes:
    """ECMA-376 Part 1, 17.8.1: the first 32 bytes XOR-ed with the GUID's 16 bytes,
    taken from its hexadecimal digits last to first."""
    digits = bytes.fromhex(re.sub(r"[^0-9A-Fa-f]", "", key))[::-1]
    head = bytes(b ^ digits[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


def embed_fonts(docx: bytes, brand: Brand) -> dict[str, bytes]:
    """The parts to add to or replace in ``docx`` so it carries the brand's faces."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    if "word/fontTable.xml" not in parts:
        return {}
    codepoints = characters(parts)
    table = etree.fromstring(parts["word/fontTable.xml"])
    rels = etree.Element(f"{{{_RELS}}}Relationships", nsmap={None: _RELS})
    changed: dict[str, bytes] = {}
    number = 0
    for role, kinds in faces_used(parts).items():
        font = brand.fonts.get(role)
        if font is None or not font.files:
            continue
        element = _font_element(table, font.family)
        for tag, style, weight, sub in KINDS:
            if tag not in kinds:
                continue
            path, variable = _source_file(font, Face(role, style, weight))
            if style == "italic" and not any(f.style == "italic" for f in font.files):
                continue  # no italic face to embed: the word processor slants the regular
            data = cut_face(path, weight, variable, codepoints, font.family, sub)
            number += 1
            key = "{" + str(uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])).upper() + "}"
            name = f"word/fonts/font{number}.odttf"
            changed[name] = obfuscate(data, key)
            rel_id = f"rIdFont{number}"
            etree.SubElement(
                rels,
                f"{{{_RELS}}}Relationship",
                Id=rel_id,
                Type=FONT_RELATIONSHIP,
                Target=f"fonts/font{number}.odttf",
            )
            embed = etree.SubElement(element, f"{{{W}}}{tag}")
            embed.set(f"{{{R}}}id", rel_id)
            embed.set(f"{{{W}}}fontKey", key)
    if not number:
        return {}
    changed["word/fontTable.xml"] = etree.tostring(
        table, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    changed["word/_rels/fontTable.xml.rels"] = etree.tostring(
        rels, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    changed["[Content_Types].xml"] = _with_font_type(parts["[Content_Types].xml"])
    if "word/settings.xml" in parts:
        changed["word/settings.xml"] = _embedding_settings(parts["word/settings.xml"])
    return changed


def _font_element(table: etree._Element, family: str) -> etree._Element:
    for element in table.iterfind(f"{{{W}}}font"):
        if element.get(f"{{{W}}}name") == family:
            for old in list(element):
                if etree.QName(old).localname.startswith("embed"):
                    element.remove(old)
            return element
    element = etree.SubElement(table, f"{{{W}}}font")
    element.set(f"{{{W}}}name", family)
    etree.SubElement(element, f"{{{W}}}charset").set(f"{{{W}}}val", "00")
    etree.SubElement(element, f"{{{W}}}pitch").set(f"{{{W}}}val", "variable")
    return element


def _with_font_type(types: bytes) -> bytes:
    root = etree.fromstring(types)
    if not any(d.get("Extension") == "odttf" for d in root.iterfind(f"{{{_TYPES}}}Default")):
        default = etree.Element(
            f"{{{_TYPES}}}Default", Extension="odttf", ContentType=OBFUSCATED_FONT
        )
        root.insert(0, default)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _embedding_settings(settings: bytes) -> bytes:
    root = etree.fromstring(settings)
    for tag in ("embedTrueTypeFonts", "saveSubsetFonts"):
        for old in root.iterfind(f"{{{W}}}{tag}"):
            root.remove(old)
    at = 0
    for index, child in enumerate(root):
        if isinstance(child.tag, str) and etree.QName(child).localname in _BEFORE_EMBED:
            at = index + 1
    root.insert(at, etree.Element(f"{{{W}}}embedTrueTypeFonts"))
    root.insert(at + 1, etree.Element(f"{{{W}}}saveSubsetFonts"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
