"""Ace by DAISY over imprint's EPUBs: the reference post and a collection, with no
serious or critical violation; and an EPUB with the OPF's language removed, which
Ace must flag (epub-lang), so the audit is known to see what it should."""

from __future__ import annotations

import re
import shutil
import zipfile

import pytest

from imprint.check.ace import ace_many, ace_program, chromium
from imprint.collection import build_collection, manifests
from imprint.errors import ToolError

from .conftest import CONTENT, require
from .tools import epub_opf

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _ace_available() -> bool:
    if shutil.which("npm") is None or shutil.which("node") is None:
        return False
    try:
        chromium()
        ace_program()  # installs into the user cache on first use
    except ToolError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.tools
def test_ace_finds_no_serious_or_critical_violation(reference_build, settings, tmp_path):
    require(_ace_available(), "Ace by DAISY (node, npm and chromium)")
    (manifest,) = manifests(CONTENT / "collections")
    report = build_collection(manifest, ["epub"], out=tmp_path, settings=settings, force=True)
    assert report.ok, [r.error for r in report.failed]
    collection = report.results[0].target
    post = reference_build["epub"]
    for book in (post, collection):  # the language Ace's epub-lang asks for
        assert epub_opf(book).get(XML_LANG) == epub_opf(book).findtext(
            "{*}metadata/{http://purl.org/dc/elements/1.1/}language"
        )

    # the same book with xml:lang taken off the OPF package element
    stripped = tmp_path / "no-lang.epub"
    with zipfile.ZipFile(post) as source, zipfile.ZipFile(stripped, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.endswith(".opf"):
                data = re.sub(rb'(<package[^>]*?) xml:lang="[^"]*"', rb"\1", data)
            target.writestr(item, data)

    good_post, good_collection, bad = ace_many([post, collection, stripped])
    for result in (good_post, good_collection):
        assert result.errors == 0, result.messages
        assert not [m for m in result.messages if m.startswith(("serious", "critical"))]
    assert bad.errors >= 1 and any("epub-lang" in m for m in bad.messages), bad.messages
