"""Raw HTML from posts cut down to harmless structure, once, for every format.

pandoc passes a post's raw HTML through untouched, and posts come from many
hands. Every fragment a Document carries (title, excerpt, body with its
footnotes, bios) goes through an allow-list sanitiser (nh3), so
``Document.body_html`` is already safe wherever a renderer places it:

* no scripts, event handlers, ``javascript:`` or ``file:`` URLs, frames,
  objects, forms, ``<link>``/``<meta>``/``<style>``/``<base>``;
* no ``rel`` (WeasyPrint turns ``rel=attachment`` into a PDF attachment) and
  no ``style`` beyond the table alignment and column widths pandoc writes
  (a CSS ``url()`` could name a local file);
* harmless structure stays: sections, ``aside``, ``figure``, ``details``,
  ``abbr``, tables, ids, classes, ARIA roles.

Cleaning runs last, on the finished fragments: images are resolved before it
(an ``<img>`` the policy refuses is a warning of its own and leaves its alt
text), and :class:`Survey` tells the author what their raw HTML lost.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import nh3
from lxml import etree

from ..diagnostics import warn
from .lines import Locator

# HTML5 only: obsolete tags are renamed by modernise() first, or lose their tag here.
TAGS = frozenset(
    {
        "a",
        "abbr",
        "address",
        "article",
        "aside",
        "b",
        "bdi",
        "bdo",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "section",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "u",
        "ul",
        "var",
        "wbr",
    }
)
# Presentation MathML as pandoc writes it from TeX, with the TeX kept as an annotation.
MATHML_TAGS = frozenset(
    {
        "math",
        "semantics",
        "annotation",
        "mrow",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "mfrac",
        "msqrt",
        "mroot",
        "msub",
        "msup",
        "msubsup",
        "munder",
        "mover",
        "munderover",
        "mmultiscripts",
        "mprescripts",
        "none",
        "mtable",
        "mtr",
        "mtd",
        "mstyle",
        "mpadded",
        "mphantom",
        "menclose",
        "merror",
    }
)
MATHML_ATTRIBUTES = {
    "display",
    "mathvariant",
    "stretchy",
    "fence",
    "separator",
    "accent",
    "accentunder",
    "form",
    "largeop",
    "movablelimits",
    "lspace",
    "rspace",
    "minsize",
    "maxsize",
    "symmetric",
    "columnalign",
    "rowalign",
    "columnspacing",
    "rowspacing",
    "columnlines",
    "rowlines",
    "frame",
    "linethickness",
    "scriptlevel",
    "displaystyle",
    "encoding",
    "notation",
    "width",
    "height",
    "depth",
    "voffset",
}
# Removed with everything inside them: their content is code, or not text a reader sees.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "noscript",
        "noembed",
        "noframes",
        "template",
        "textarea",
        "select",
        "svg",
        "title",
        "head",
    }
)
_GLOBAL = {"id", "class", "title", "lang", "dir", "role", "aria-hidden", "aria-label"}
ATTRIBUTES: dict[str, set[str]] = {
    "*": _GLOBAL,
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "td": {"colspan", "rowspan", "headers", "style"},
    "th": {"colspan", "rowspan", "headers", "scope", "abbr", "style"},
    "col": {"span", "style"},
    "colgroup": {"span", "style"},
    "time": {"datetime"},
    "del": {"datetime"},
    "ins": {"datetime"},
    "details": {"open"},
    **{tag: MATHML_ATTRIBUTES for tag in MATHML_TAGS},
}
URL_SCHEMES = {"http", "https", "mailto", "tel", "data"}  # data: only for images, see below

# Roles pandoc writes, and the few a post's HTML may sensibly carry.
ROLES = frozenset(
    {
        "doc-noteref",
        "doc-backlink",
        "doc-endnotes",
        "doc-footnote",
        "doc-abstract",
        "doc-pullquote",
        "doc-epigraph",
        "doc-example",
        "doc-tip",
        "doc-notice",
        "doc-credit",
        "doc-subtitle",
        "doc-bibliography",
        "doc-biblioref",
        "doc-glossary",
        "doc-glossref",
        "note",
        "presentation",
        "none",
        "img",
        "figure",
        "region",
        "complementary",
        "group",
    }
)
_STYLE_KEPT = re.compile(
    r"^(?:text-align:\s*(?:left|right|center|justify)"
    r"|width:\s*\d{1,3}(?:\.\d+)?%)$",
    re.I,
)
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_OL_TYPES = {"1", "a", "A", "i", "I"}

# Attributes whose value makes a reader or renderer fetch something.
_FETCHING = (
    "src",
    "href",
    "data",
    "poster",
    "srcset",
    "background",
    "action",
    "formaction",
    "codebase",
    "manifest",
    "longdesc",
    "lowsrc",
    "dynsrc",
    "icon",
    "xlink:href",
)
_CSS_REFERENCE = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)|@import\s+(['\"])(.*?)\3", re.I | re.S)
# Removals worth telling the author about (the rest is markup that had no effect).
_REPORTED_TAGS = DROPPED_WITH_CONTENT | {
    "form",
    "input",
    "button",
    "link",
    "meta",
    "base",
    "video",
    "audio",
    "source",
    "track",
    "canvas",
}


def _keep(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: the value to keep, or None to drop the attribute."""
    value = value.strip()
    if attribute == "style":
        kept, _ = _style(value)
        return "; ".join(kept) + ";" if kept else None
    if attribute in ("href", "src") and value.lower().startswith("data:"):
        # a data: image is an image; any other data: URL is a page in disguise
        return (
            value
            if tag == "img" and attribute == "src" and value[5:].lower().startswith("image/")
            else None
        )
    if attribute == "href" and "\\" in value:
        # a backslash is no URL character: CommonMark percent-encodes it, as browsers do
        return value.replace("\\", "%5C")
    if attribute == "id":
        return re.sub(r"\s+", "-", value) or None
    if attribute == "role":
        kept = [r for r in value.split() if r in ROLES]
        return " ".join(kept) or None
    if attribute == "lang":
        return value if _LANG.match(value) else None
    if attribute == "dir":
        return value.lower() if value.lower() in ("ltr", "rtl", "auto") else None
    if tag in MATHML_TAGS:
        # lengths and keywords only: nothing a reader could fetch or run
        return value if re.fullmatch(r"[-\w.%#/ ,]{0,64}", value) else None
    if attribute in ("width", "height", "colspan", "rowspan", "span", "start", "value"):
        return value if value.isdigit() else None
    if attribute == "type" and tag == "ol":
        return value if value in _OL_TYPES else None
    return value


# Tags HTML 4 had and HTML5 (so EPUB 3) does not, and the element that means the same.
_OBSOLETE = {"strike": "s", "tt": "code", "acronym": "abbr"}


def modernise(root: etree._Element) -> None:
    """Rename obsolete tags so EPUB validators accept them; their meaning stays."""
    for element in root.iter(*_OBSOLETE):
        element.tag = _OBSOLETE[element.tag]


def _style(css: str) -> tuple[list[str], list[str]]:
    """A style attribute's declarations: (kept, dropped)."""
    declarations = [d.strip() for d in css.split(";") if d.strip()]
    kept = [d for d in declarations if _STYLE_KEPT.match(d)]
    return kept, [d for d in declarations if d not in kept]


def clean(html: str) -> str:
    """The allow-listed subset of an HTML fragment."""
    if not html:
        return html
    return nh3.clean(
        html,
        tags=set(TAGS | MATHML_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        attribute_filter=_keep,
        strip_comments=True,
        link_rel=None,
        url_schemes=set(URL_SCHEMES),
    )


class Survey:
    """What cleaning will take out of one post's raw HTML, told to its author.

    Run on the trees before :func:`clean`: each reference to another file
    (a stylesheet, script, frame, CSS ``url()``) is a warning of its own, on
    the line where the post wrote it; everything else is counted and
    reported once by :meth:`report`.
    """

    def __init__(self, path: Path, text: str, first_line: int):
        self.path = path
        self.locator = Locator(text, first_line)  # the line of a removed reference
        self.removed: Counter[str] = Counter()

    def look(self, root: etree._Element) -> None:
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            tag = element.tag.lower()
            allowed = tag in TAGS or tag in MATHML_TAGS
            told = False  # a removed reference is its own warning; the tag is not counted too
            if tag == "style":
                told = self._css_references(element.text or "", "<style>")
            for name, value in element.attrib.items():
                name = name.lower()
                if name.startswith("on"):
                    self.removed[f"{name}="] += 1
                elif name == "style":
                    if not allowed or "style" not in ATTRIBUTES.get(tag, ()) or _style(value)[1]:
                        if not self._css_references(value, f"<{tag} style>"):
                            self.removed["style="] += 1
                elif name in _FETCHING and value.strip():
                    told = self._reference(tag, name, value, allowed) or told
                elif name == "rel" and "attachment" in value.lower():
                    self.removed["rel=attachment"] += 1
            if tag in _REPORTED_TAGS and not told:
                self.removed[f"<{tag}>"] += 1

    def report(self) -> None:
        if self.removed:
            listed = ", ".join(
                f"{what} ×{n}" if n > 1 else what for what, n in sorted(self.removed.items())
            )
            warn(f"raw HTML: removed {listed} (not allowed in posts)", self.path)

    def _reference(self, tag: str, name: str, value: str, allowed: bool) -> bool:
        """Warn when cleaning removes a reference to another file; say whether it did."""
        # "#fig:x" or "a:b.png" has no scheme: a scheme opens with a letter, before any "#/?"
        found = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", value.strip())
        scheme = found[1].lower() if found else ""
        if scheme in ("javascript", "vbscript"):
            self.removed[f"{scheme}: URL"] += 1
            return False
        kept = (
            allowed
            and name in ATTRIBUTES.get(tag, set()) | _GLOBAL
            and _keep(tag, name, value) is not None
            and (not scheme or scheme in URL_SCHEMES)
        )
        if kept:
            return False
        if tag == "a" and name == "href":  # a link loads nothing by itself; it just goes
            self.removed[f"{scheme}: link" if scheme else "link"] += 1
            return False
        warn(
            f'raw HTML <{tag} {name}="{_short(value)}"> removed: a post may not make '
            "its reader load other files",
            self.path,
            self.locator.line(f'{name}="{value}"', f"{name}='{value}'", value),
        )
        return True

    def _css_references(self, css: str, where: str) -> bool:
        """Warn for each file a CSS text refers to; say whether there was one."""
        told = False
        for match in _CSS_REFERENCE.finditer(css):
            target = (match.group(2) or match.group(4) or "").strip()
            if target and not target.startswith("#"):
                warn(
                    f"CSS url({_short(target)}) in {where} removed: a post may not make "
                    "its reader load other files",
                    self.path,
                    self.locator.line(match.group(0), target),
                )
                told = True
        return told


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."
