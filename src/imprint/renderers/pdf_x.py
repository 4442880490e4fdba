"""PDF/X-4 made print-ready: the bleed box and the printer's output intent that
WeasyPrint leaves out."""

from __future__ import annotations

from pathlib import Path

from ..errors import RenderError

# PDF/X-4's output intent: a CMYK printer profile for SWOP (CGATS TR 001) from Debian's
# libgs-common (Ghostscript's default CMYK profile); make system-deps installs it
PRINT_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
PRINT_CONDITION = ("CGATS TR 001", "SWOP (CGATS TR 001), Ghostscript default_cmyk.icc")


def print_ready(data: bytes, bleed_pt: float, seed: bytes, profile: Path = PRINT_PROFILE) -> bytes:
    """What WeasyPrint's ``pdf/x-4`` leaves out: a BleedBox exactly ``bleed_pt`` beyond
    each page's TrimBox (WeasyPrint's reaches at most 10 pt past it, whatever the
    bleed), and an OutputIntent carrying a CMYK printer profile. The XMP DocumentID,
    random in WeasyPrint, is derived from ``seed`` so equal input gives equal bytes."""
    import io
    import uuid

    import pikepdf
    from pikepdf import Array, Dictionary, Name, String

    try:
        icc = profile.read_bytes()
    except OSError:
        raise RenderError(
            f"PDF/X-4 needs the CMYK printer profile {profile} (Debian's "
            "libgs-common; make system-deps installs it)"
        ) from None
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.obj.TrimBox)
            left, right, bottom, top = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
            page.obj.BleedBox = Array(
                [left - bleed_pt, bottom - bleed_pt, right + bleed_pt, top + bleed_pt]
            )
        stream = pdf.make_stream(icc)
        stream.N = 4
        identifier, condition = PRINT_CONDITION
        pdf.Root.OutputIntents = Array(
            [
                pdf.make_indirect(
                    Dictionary(
                        Type=Name.OutputIntent,
                        S=Name.GTS_PDFX,
                        OutputConditionIdentifier=String(identifier),
                        OutputCondition=String(condition),
                        RegistryName=String("http://www.color.org"),
                        Info=String(condition),
                        DestOutputProfile=stream,
                    )
                )
            ]
        )
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["xmpMM:DocumentID"] = f"xmp.did:{uuid.UUID(bytes=seed[:16])}"
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return out.getvalue()
