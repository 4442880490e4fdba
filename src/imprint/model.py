"""The one typed document every renderer reads.

``normalise`` turns a post's source into a :class:`Document`; renderers get
nothing else (plus the brand). Everything here is frozen and picklable so a
document can cross into a worker process, or a Dask worker on another machine,
as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

RTL_LANGUAGES = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ku", "ps", "sd", "syr", "ug", "ur", "yi"}
)


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    bio_html: str = ""
    affiliation: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Resource:
    """A file the content refers to (an image), already fetched under policy.

    ``name`` is where every output keeps it (``media/<digest>.<ext>``), and the
    ``src`` that ``Document.body_html`` uses for it.
    """

    name: str
    media_type: str
    data: bytes
    origin: str  # the reference as the post wrote it

    @property
    def data_url(self) -> str:
        import base64

        return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True, slots=True)
class Heading:
    level: int  # 2..6 after the shift: the document title is the only level 1
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class Formula:
    """A TeX formula drawn for print (SVG), sized in em of the text around it.

    ``svg`` is None when it could not be drawn: print shows ``tex`` instead.
    ``depth`` is how far the drawing reaches below the baseline.
    """

    tex: str
    display: bool
    name: str = ""  # math/<digest>.svg: where the PDF renderer serves the drawing from
    svg: bytes | None = None
    width: float = 0.0
    height: float = 0.0
    depth: float = 0.0


@dataclass(frozen=True, slots=True)
class Document:
    slug: str
    identifier: str  # stable urn:uuid derived from the slug unless given
    source_path: Path
    source_digest: str  # sha256 of the source bytes
    title: str  # plain text; title_html keeps inline markup
    title_html: str
    subtitle: str | None
    description: str | None
    authors: tuple[Author, ...]
    date: datetime | None  # timezone-aware
    date_display: str  # the date as the post's language writes it; "" without a date
    lang: str  # BCP 47, e.g. en-GB
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    excerpt_html: str
    body_html: str  # made once; the excerpt marker and the bio are not in it
    headings: tuple[Heading, ...]
    image: Resource | None  # hero/cover, resolved by resources.py
    image_alt: str
    resources: tuple[Resource, ...]  # images the body refers to, by Resource.name
    published: bool = True
    source_bytes: bytes = b""  # the post as written, for archives that keep it (PDF/A-3)
    modified: datetime | None = None  # last_modified_at: when the post was last revised
    # the formatted reference list (citeproc's entries), placed after the body and before
    # the bios in every format; "" when the post cites nothing
    references_html: str = ""
    # each distinct TeX formula in the fragments, drawn for print (HTML and EPUB carry
    # pandoc's MathML, the DOCX Word equations)
    formulas: tuple[Formula, ...] = ()
    # where the post's Jekyll site publishes it, relative to the site's baseurl
    # (/2018/01/02/title/); "" outside a site
    url: str = ""
    toc: bool = False  # toc: true: a table of contents of its headings before the body

    @property
    def dir(self) -> str:
        """Text direction implied by the language."""
        return "rtl" if self.lang.split("-")[0].lower() in RTL_LANGUAGES else "ltr"

    @property
    def author_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.authors)

    @property
    def bios(self) -> tuple[Author, ...]:
        return tuple(a for a in self.authors if a.bio_html)

    def all_resources(self) -> tuple[Resource, ...]:
        """Body images and the hero image, each once."""
        seen: dict[str, Resource] = {r.name: r for r in self.resources}
        if self.image is not None:
            seen.setdefault(self.image.name, self.image)
        return tuple(seen.values())
