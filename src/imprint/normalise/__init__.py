"""Source → Document: every fact a renderer needs, decided once, in a fixed order.

0. in a Jekyll site: the site's front-matter defaults, then the body's Liquid
   (``jekyll_post.py``, ``liquid.py``); its Markdown is read as kramdown reads it;
1. metadata: fields, aliases and types (``metadata.py``, ``dates.py``, ``authors.py``);
2. excerpt separator: split the Markdown (``excerpt.py``);
3. one pandoc run for title, excerpt, bios and body (``markdown.py``), citations
   resolved by pandoc's citeproc from the post's bibliography (``citations.py``);
4. title from the first ``#`` heading when the front matter has none, else from the
   file name as Jekyll does, with a warning (``headings.py``);
5. the trailing bio block out of the body (``bio.py``);
6. the opening paragraph as excerpt when nothing else gave one (``excerpt.py``);
7. callouts made asides (``callouts.py``); headings shifted under the title; kramdown
   attribute lists dropped (``kramdown.py``); ids made unique (``ids.py``); outline
   collected;
8. images resolved under the resource policy (``images.py``); figures and tables
   numbered, ``@fig:x`` references linked (``figures.py``); formulas drawn for print
   (``math.py``);
9. every fragment cleaned of unsafe raw HTML (``sanitise.py``);
10. typography passes on metadata (``typography.py``);
11. lint: warnings for what hurts readers or search (``lint.py``).

Merge-conflict markers left in the post are a warning (``conflicts.py``).
"""

from __future__ import annotations

from dataclasses import replace
from html import escape as html_escape

from lxml.html import HtmlElement

from ..config import Settings
from ..diagnostics import warn
from ..errors import ResourceError
from ..model import Author, Document, Heading
from ..source.jekyll import JekyllSite
from ..source.markdown import JEKYLL_READER, READER, as_heading, render_pieces
from ..source.post import Source
from ..source.post_urls import post_url
from ..source.resources import Resolver
from . import typography
from .authors import AuthorRegistry, AuthorSpec, name_key
from .bio import take_trailing_bios
from .callouts import make_callouts
from .citations import read_citations, reference_list
from .conflicts import conflict_lines
from .dates import display_date
from .excerpt import split_at_separator, take_opening_paragraph
from .figures import link_references, number_figures, protect_references
from .headings import outline, shift_headings, take_title, title_from_file_name
from .ids import drop_dead_fragments, make_unique
from .images import resolve_images
from .jekyll_pages import site_path
from .jekyll_post import prepare_site_post, site_root_references
from .kramdown import drop_attribute_lists
from .lines import Locator
from .lint import lint
from .math import prepare_math
from .metadata import Fields, read_fields, title_block
from .sanitise import Survey, clean, modernise
from .tree import MAX_DEPTH, flatten_deep, inner_html, parse, text_of

__all__ = ["normalise"]


def _with_title_block(source: Source) -> Source:
    if source.meta:
        return source
    meta, body = title_block(source.body)
    if not meta:
        return source
    skipped = source.body[: len(source.body) - len(body)].count("\n")
    return replace(source, meta=meta, body=body, body_line=source.body_line + skipped)


def _all_authors(fields: Fields, registry: AuthorRegistry) -> list[AuthorSpec]:
    """Front matter authors, plus registry names that a trailing bio may introduce."""
    specs = list(fields.authors)
    named = {name_key(s.name) for s in specs}
    for name in registry.names():
        if name_key(name) not in named:
            spec = registry.find(name)
            if spec is not None:
                specs.append(spec)
    return specs


def _structure(trees: list[HtmlElement], body: HtmlElement, source: Source) -> tuple[Heading, ...]:
    """Markup every format can take, in place: no kramdown leftovers or obsolete tags,
    bounded nesting, one element per id, no link to a missing anchor. Returns the outline."""
    for tree in trees:
        drop_attribute_lists(tree)
        modernise(tree)
        if flatten_deep(tree):
            warn(
                f"lists, quotes or HTML nested more than {MAX_DEPTH} levels deep: the deepest "
                "levels are kept as plain text",
                source.path,
            )
    ids = make_unique(trees)
    headings = outline(body, ids)
    ids.update(h.id for h in headings)
    locator = Locator(source.body, source.body_line)
    for target in drop_dead_fragments(trees, ids):
        warn(
            f"link to {target}: the post has no such anchor; its words are kept",
            source.path,
            locator.line(f"]({target})", f'"{target}"', target),
        )
    return headings


def normalise(
    source: Source,
    settings: Settings,
    registry: AuthorRegistry,
    resolver: Resolver,
    citation_style: str | None = None,
    site: JekyllSite | None = None,
) -> Document:
    """``citation_style`` is the brand's default CSL style (a name or a .csl path);
    ``site`` is the Jekyll site the post belongs to, if any (its Liquid is rendered
    before the Markdown, as Jekyll does)."""
    source = _with_title_block(source)
    # --- Jekyll site: defaults and Liquid (jekyll_post.py) ---
    if site is not None:
        source = prepare_site_post(source, site, settings.zone)
    # --- end Jekyll site ---
    fields = read_fields(source, settings, registry)
    path = source.path
    citations = read_citations(source, resolver, fields.lang, citation_style, settings.job_timeout)
    for line in conflict_lines(source.body):
        warn(
            "a merge-conflict marker: both sides of an unresolved conflict are in the post",
            path,
            source.body_line + line,
        )

    excerpt_md, body_md = split_at_separator(source.body, fields.separator)
    if excerpt_md is not None and not excerpt_md.strip():
        excerpt_md = None
    from_separator = excerpt_md is not None
    if excerpt_md is None:
        excerpt_md = fields.excerpt_md

    body_md = protect_references(body_md)
    excerpt_md = protect_references(excerpt_md) if excerpt_md else excerpt_md
    candidates = _all_authors(fields, registry)
    pieces = [
        as_heading(fields.title_md) if fields.title_md else "",
        excerpt_md or "",
        *(spec.bio_md for spec in candidates),
        body_md,
    ]
    rendered = render_pieces(
        pieces,
        timeout=settings.job_timeout,
        citeproc=citations.citeproc if citations else None,
        reader=READER if site is None else JEKYLL_READER,  # Jekyll site: as kramdown reads
    )
    title_piece, excerpt_piece, *bio_pieces, body_piece = rendered.pieces

    body = parse(body_piece)
    excerpt = parse(excerpt_piece)
    if fields.title_md:
        found = take_title(parse(title_piece))
    else:  # the first "# Heading", which may sit above the excerpt separator
        found = (take_title(excerpt) if from_separator else None) or take_title(body)
    survey = Survey(path, source.body, source.body_line)
    title_html = title = ""
    if found is not None:
        title_tree = parse(found[0])
        survey.look(title_tree)
        modernise(title_tree)
        title_html = clean(inner_html(title_tree))  # the plain title is what survives cleaning
        title = text_of(parse(title_html))
    if not title:
        title = title_from_file_name(source)
        title_html = html_escape(title, quote=False)

    trailing = take_trailing_bios(body, [s.name for s in candidates])
    authors: list[Author] = []
    for spec, bio_piece in zip(candidates, bio_pieces, strict=True):
        named_in_post = spec in fields.authors
        bio_html = trailing.get(name_key(spec.name)) or bio_piece
        if not named_in_post and name_key(spec.name) not in trailing:
            continue  # a registry author the post does not mention
        authors.append(
            Author(
                typography.collapse_space(spec.name),
                bio_html,
                typography.plain_metadata(spec.affiliation),
                spec.url,
            )
        )

    if not len(excerpt) and not (excerpt.text or "").strip() and not from_separator:
        opening = take_opening_paragraph(body)
        if opening is not None:
            excerpt.append(opening)
        elif fields.description:  # a post that opens with a heading: its description
            excerpt = parse(
                f"<p>{html_escape(typography.plain_metadata(fields.description) or '')}</p>"
            )

    make_callouts(body)
    shift_headings(body)
    notes = parse(rendered.footnotes)
    for section in notes.xpath("./section[@role='doc-endnotes']"):
        # a <section> without a heading is a warning in HTML checkers; the notes need none
        section.tag = "div"
    bios = [parse(a.bio_html) for a in authors]
    references = reference_list(rendered.references)
    if citations is not None:
        citations.check_keys([notes, excerpt, body])
    # footnotes first: the first claim to an id wins, and pandoc's note links name theirs
    trees = [notes, references, excerpt, body, *bios]
    headings = _structure(trees, body, source)
    if site is not None:  # Jekyll site: baseurl-prefixed paths back to site-root paths
        site_root_references([excerpt, body, notes, *bios], site)
    resources = resolve_images(
        [excerpt, body, notes, *bios], resolver, path, source.body, source.body_line
    )
    # after the images: a figure whose picture is unavailable keeps no caption to number
    link_references([excerpt, body, notes], number_figures(body), source)

    formulas = prepare_math(trees, source)
    for tree in trees:
        survey.look(tree)
    survey.report()
    notes_html, references_html, excerpt_html, body_html, *bios_html = (
        clean(inner_html(t)) for t in trees
    )
    authors = [replace(a, bio_html=b) for a, b in zip(authors, bios_html, strict=True)]
    if notes_html:
        body_html = f"{body_html}\n{notes_html}"

    image = None
    if fields.image:
        try:
            written = site_path(fields.image, site) if site is not None else fields.image
            image = resolver.resolve(written, path.parent)
        except ResourceError as exc:
            warn(
                f"image: {exc.message}; the post has no cover image", path, source.line_of("image")
            )

    doc = Document(
        slug=fields.slug,
        identifier=fields.identifier,
        source_path=path,
        source_digest=source.digest,
        title=typography.strip_invisible(title),
        title_html=title_html,
        subtitle=typography.plain_metadata(fields.subtitle),
        description=typography.plain_metadata(fields.description),
        authors=tuple(authors),
        date=fields.date,
        date_display=display_date(fields.date, fields.lang),
        lang=fields.lang,
        tags=fields.tags,
        categories=fields.categories,
        excerpt_html=excerpt_html,
        body_html=body_html,
        headings=headings,
        image=image,
        image_alt=typography.plain_metadata(fields.image_alt) or "",
        resources=resources,
        references_html=references_html,
        formulas=formulas,
        published=fields.published,
        source_bytes=source.raw,
        modified=fields.modified,
        url=post_url(site, path, source.meta, fields.date, fields.categories) if site else "",
        toc=str(source.meta.get("toc", "")).strip().lower() in ("true", "yes", "on"),
    )
    lint(doc, source)
    return doc
