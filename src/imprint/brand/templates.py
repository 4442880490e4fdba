"""The jinja2 environment shared by the HTML, PDF and EPUB renderers.

Autoescape is always on. Fragments that pandoc produced from the post (title,
excerpt, body, bios) are marked safe by the templates that place them; no
content is ever rendered *as* a template, so ``{{ site.baseurl }}`` in a post
stays literal text.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

from ..model import Document

_AND = {
    "en": " and ",
    "fr": " et ",
    "de": " und ",
    "es": " y ",
    "it": " e ",
    "nl": " en ",
    "pt": " e ",
}


def join_names(doc: Document) -> str:
    """Author names as a byline: "A, B and C" in languages we know the word for."""
    names = list(doc.author_names)
    if len(names) < 2:
        return "".join(names)
    conjunction = _AND.get(doc.lang.split("-")[0].lower())
    if conjunction is None:
        return ", ".join(names)
    return ", ".join(names[:-1]) + conjunction + names[-1]


@functools.cache
def environment(folder: Path, cache: Path | None = None) -> jinja2.Environment:
    """The environment for a template folder; ``cache`` keeps compiled templates across
    processes (jinja2 checks each against its source), sparing a cold start the compiling."""
    bytecode = None
    if cache is not None:
        try:
            (cache / "templates").mkdir(parents=True, exist_ok=True)
            bytecode = jinja2.FileSystemBytecodeCache(str(cache / "templates"))
        except OSError:  # a read-only home: compile every time, as before
            bytecode = None
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        bytecode_cache=bytecode,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["byline"] = join_names
    return env


def render(folder: Path, name: str, cache: Path | None = None, **context: object) -> str:
    return environment(folder, cache).get_template(name).render(**context)
