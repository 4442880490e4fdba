"""The preview's own page: the post list and a post's two views, from Jinja templates
(autoescaped) and the static stylesheet, script and fallback icon beside them.

Files are read from this package by fixed names only; nothing here takes a name
from a request.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

HERE = Path(__file__).resolve().parent
# what /_preview/NAME serves: the file in static/ and its media type
STATIC = {
    "preview.css": ("preview.css", "text/css; charset=utf-8"),
    "preview.js": ("preview.js", "text/javascript; charset=utf-8"),
    "icon.svg": ("icon.svg", "image/svg+xml"),
}


@functools.cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def list_page(folder: str, posts: list[tuple[str, str]], client: str) -> str:
    """The post list: each post's key and the name it is listed by."""
    return environment().get_template("list.html").render(folder=folder, posts=posts, client=client)


def post_page(key: str, name: str, downloads: tuple[str, ...], listed: bool, client: str) -> str:
    """A post's page: its web and print views, its downloads, and a link back to the
    list when there is one."""
    return (
        environment()
        .get_template("post.html")
        .render(key=key, name=name, downloads=downloads, listed=listed, client=client)
    )


@functools.cache
def static_file(name: str) -> tuple[bytes, str] | None:
    """One of the page's static files by its fixed name, and its media type."""
    if name not in STATIC:
        return None
    file, media_type = STATIC[name]
    return (HERE / "static" / file).read_bytes(), media_type
