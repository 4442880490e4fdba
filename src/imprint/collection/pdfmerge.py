"""Joining separately rendered PDFs into one book, structure and all.

A collection's PDF is rendered an article at a time (so no more than one
article's pages are ever laid out in memory) and joined here with pikepdf:

* page numbers, set on pages of their own, are laid over the articles' pages;
* pages are appended in order, with blank pages where an article must start
  on a right-hand page;
* each part's tagged structure (PDF/UA) is hung under one ``Document``
  element, its parent-tree keys shifted so marked content still finds its
  structure element;
* named destinations are renamed per part (``p3:notes``) and links follow, so
  every part's internal links still land;
* one bookmark per part, with the part's own bookmarks under it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, String


@dataclass
class Part:
    path: Path  # a rendered PDF on disk
    title: str  # its bookmark
    blank_before: bool = False  # start it on a right-hand page
    bookmark: bool = True  # the front matter has no bookmark of its own
    children: list[tuple[str, int]] = field(default_factory=list)  # filled while joining


class Joiner:
    def __init__(self, tagged: bool):
        self.pdf = pikepdf.new()
        self.tagged = tagged
        self.next_key = 0
        self.dests: list[tuple[str, pikepdf.Object]] = []
        self.outline: list[tuple[str, int, list[tuple[str, int]]]] = []
        if tagged:
            self.document = self.pdf.make_indirect(
                Dictionary(Type=Name.StructElem, S=Name.Document, K=Array())
            )
            self.parent_tree: list[tuple[int, object]] = []
            self.role_map = Dictionary()

    def _copy(self, obj: pikepdf.Object) -> pikepdf.Object:
        """Bring an object from a part into the book (direct containers item by item)."""
        if isinstance(obj, pikepdf.Object) and obj.is_indirect:
            return self.pdf.copy_foreign(obj)
        if isinstance(obj, Array):
            return Array([self._copy(item) for item in obj])
        if isinstance(obj, Dictionary):
            return Dictionary({key: self._copy(value) for key, value in obj.items()})
        return obj

    def blank(self, like: pikepdf.Page) -> None:
        """A blank page the size of ``like``, with its boxes (a print-ready PDF has a
        TrimBox and BleedBox on every page)."""
        box = like.mediabox
        page = self.pdf.add_blank_page(
            page_size=(float(box[2]) - float(box[0]), float(box[3]) - float(box[1]))
        )
        for name in ("/MediaBox", "/TrimBox", "/BleedBox"):
            if name in like.obj:
                page.obj[name] = Array([float(v) for v in like.obj[name]])

    def add(self, number: int, part: Part) -> int:
        """Append a part; return the index of its first page."""
        source = pikepdf.open(part.path)
        if part.blank_before and len(self.pdf.pages) % 2 == 1:
            self.blank(source.pages[0])
        first = len(self.pdf.pages)
        offset = self.next_key
        prefix = f"p{number}:"
        for page in source.pages:
            self.pdf.pages.append(page)
        for page in self.pdf.pages[first:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", Array()):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
                action = annotation.get("/A")
                if (
                    action is not None
                    and action.get("/S") == Name.GoTo
                    and isinstance(action.get("/D"), String)
                ):
                    action.D = String(prefix + str(action.D))
                if isinstance(annotation.get("/Dest"), String):
                    annotation.Dest = String(prefix + str(annotation.Dest))
        names = source.Root.get("/Names")
        if names is not None and "/Dests" in names:
            for name, target in pikepdf.NameTree(names.Dests).items():
                self.dests.append((prefix + name, self._copy(target)))
        if self.tagged and "/StructTreeRoot" in source.Root:
            self._graft(source.Root.StructTreeRoot, offset)
        part.children = self._bookmarks(source, first)
        if part.bookmark:
            self.outline.append((part.title, first, part.children))
        return first

    def stamp(self, index: int, sheet: pikepdf.Page) -> None:
        """Lay ``sheet`` (a page the same size, from another PDF) over the book's page
        ``index``, marked as an artifact: a page number is not part of the text."""
        page = self.pdf.pages[index]
        form = self.pdf.copy_foreign(sheet.as_form_xobject())
        # a part's pages share one resource dictionary: this page gets its own
        resources = Dictionary(dict(page.resources.items()))
        resources.XObject = Dictionary(
            {**dict(resources.get("/XObject", Dictionary()).items()), "/ImprintFolio": form}
        )
        page.obj.Resources = resources
        # the page's own drawing may leave its coordinates changed: fence it in first
        page.contents_add(pikepdf.Stream(self.pdf, b"q\n"), prepend=True)
        page.contents_add(
            pikepdf.Stream(self.pdf, b"\nQ\n/Artifact BMC q /ImprintFolio Do Q EMC\n")
        )

    def _graft(self, tree: pikepdf.Object, offset: int) -> None:
        found = tree.get("/K")
        kids = list(found) if isinstance(found, Array) else [found] if found is not None else []
        for kid in kids:
            copied = self._copy(kid)
            copied.P = self.document
            self.document.K.append(copied)
        highest = -1
        if "/ParentTree" in tree:
            for key, value in pikepdf.NumberTree(tree.ParentTree).items():
                self.parent_tree.append((key + offset, self._copy(value)))
                highest = max(highest, key)
        self.next_key = offset + highest + 1
        for role, standard in tree.get("/RoleMap", Dictionary()).items():
            self.role_map[role] = standard

    def _bookmarks(self, source: pikepdf.Pdf, first: int) -> list[tuple[str, int]]:
        found: list[tuple[str, int]] = []
        with source.open_outline() as outline:

            def walk(items, depth: int) -> None:
                for item in items:
                    page = _page_index(source, item)
                    if page is not None and depth > 0:  # the part's title is its own bookmark
                        found.append((item.title, first + page))
                    walk(item.children, depth + 1)

            walk(outline.root, 0)
        return found

    def finish(
        self,
        title: str,
        authors: str,
        lang: str,
        xmp_from: pikepdf.Pdf | None,
        output_intents: pikepdf.Object | None,
    ) -> bytes:
        pdf = self.pdf
        pdf.Root.Lang = String(lang)
        pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
        if self.tagged:
            root = pdf.make_indirect(
                Dictionary(
                    Type=Name.StructTreeRoot,
                    K=self.document,
                    ParentTree=Dictionary(Nums=Array()),
                    ParentTreeNextKey=self.next_key,
                )
            )
            if len(self.role_map):
                root.RoleMap = self.role_map
            self.document.P = root
            nums = Array()
            for key, value in sorted(self.parent_tree, key=lambda kv: kv[0]):
                nums.append(key)
                nums.append(value)
            root.ParentTree.Nums = nums
            pdf.Root.StructTreeRoot = root
            pdf.Root.MarkInfo = Dictionary(Marked=True)
        if self.dests:
            dests = pikepdf.NameTree.new(pdf)
            for name, target in self.dests:
                dests[name] = target
            pdf.Root.Names = Dictionary(Dests=dests.obj)
        if output_intents is not None:
            pdf.Root.OutputIntents = self._copy(output_intents)
        with pdf.open_outline() as outline:
            for label, page, children in self.outline:
                item = pikepdf.OutlineItem(label, page)
                item.children.extend(pikepdf.OutlineItem(t, p) for t, p in children)
                outline.root.append(item)
        pdf.docinfo[Name.Title] = String(title)
        pdf.docinfo[Name.Author] = String(authors)
        if xmp_from is not None and "/Trapped" in xmp_from.docinfo:  # PDF/X says
            pdf.docinfo[Name.Trapped] = xmp_from.docinfo.Trapped
        if xmp_from is not None:
            pdf.Root.Metadata = pdf.copy_foreign(xmp_from.Root.Metadata)
            with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
                meta["dc:title"] = title
                meta["dc:creator"] = [authors] if authors else []
        out = io.BytesIO()
        pdf.save(
            out,
            deterministic_id=True,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
        )
        return out.getvalue()


def _page_index(pdf: pikepdf.Pdf, item: pikepdf.OutlineItem) -> int | None:
    destination: object = item.destination
    if destination is None and item.action is not None:
        destination = item.action.get("/D")
    if isinstance(destination, String):
        names = pdf.Root.get("/Names")
        if names is None or "/Dests" not in names:
            return None
        destination = pikepdf.NameTree(names.Dests).get(str(destination))
    if isinstance(destination, Dictionary):
        destination = destination.get("/D")
    if not isinstance(destination, Array) or not len(destination):
        return None
    try:
        return pdf.pages.index(pikepdf.Page(destination[0]))
    except (ValueError, TypeError):
        return None
