"""One DOCX for a collection: the articles in order, each from a new page.

Article titles are ``Heading 1`` (a collection's reference document starts
each on a new page) and their sections ``Heading 2`` and below, so Word's
navigation pane lists the articles with their sections under them. Ids are
prefixed per article so footnotes from different posts never meet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..brand.docx import reference_path
from ..brand.docx_fonts import embed_fonts
from ..model import Document
from ..renderers import RenderContext, replace_media
from ..renderers.docx import CORE, core_xml, pandoc_docx
from ..renderers.zips import normalise_zip
from .epub import with_prefix
from .manifest import Manifest


def collection_docx(
    manifest: Manifest, docs: Sequence[Document], ctx: RenderContext, moment: datetime
) -> bytes:
    lang = manifest.lang or docs[0].lang
    prefixed = [with_prefix(doc, f"a{number:03d}-") for number, doc in enumerate(docs, 1)]
    page = ctx.template("collection-docx.html", manifest=manifest, docs=prefixed, lang=lang)
    for doc in docs:
        page = replace_media(page, doc, lambda r: r.data_url)
    data = pandoc_docx(
        page,
        reference_path(ctx.brand, ctx.cache_dir, article_breaks=True),
        lang,
        timeout=ctx.timeout,
    )
    dates = [d.date for d in docs if d.date]
    core = core_xml(
        manifest.title,
        manifest.editors,
        min(dates) if dates else moment,
        moment,
        subject=manifest.subtitle or "",
        description=manifest.description or "",
        keywords=[t for d in docs for t in d.tags + d.categories],
        lang=lang,
        identifier=manifest.identifier,
    )
    return normalise_zip(data, moment, replace={**embed_fonts(data, ctx.brand), CORE: core})
