"""pandoc reads nothing but its input: every run is sandboxed, so HTML that names a local
file cannot pull it into a DOCX (pandoc alone would embed it)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from imprint.source.pandoc import run_pandoc

from ..tools import png


def test_docx_from_html_cannot_embed_local_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(png(7, 7, b"PANDOC-SECRET"))
    html = f'<p>x</p><img src="{secret}"><img src="{secret.as_uri()}">'.encode()
    docx = zipfile.ZipFile(io.BytesIO(run_pandoc(["--from=html", "--to=docx", "--output=-"], html)))
    assert not [name for name in docx.namelist() if name.startswith("word/media/")]
    assert not any(b"PANDOC-SECRET" in docx.read(name) for name in docx.namelist())
