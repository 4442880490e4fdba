"""``imprint preview``: a local web server that shows posts and rebuilds them on save.

One page per post holds two views: the HTML as published (in a sandboxed frame)
and the print pages (the PDF rasterised to PNG by pypdfium2, so no PDF plug-in is
needed), with links to the current PDF, EPUB and DOCX. The page keeps a
Server-Sent Events stream open, naming the views it shows; when ``watchfiles``
reports a change to a post, its images, ``_authors.yml``, the brand or the
templates, only the posts concerned are rebuilt, and of those only the views some
page has open. A post that fails shows the CLI's ``path:line: category: message``
line over the page until the next good save (an unexpected failure, the last line
of its traceback); warnings go to a panel.

``engine`` decides what to rebuild and renders; ``app`` holds the routes and the
event streams; ``page`` the page's templates and static files; ``server`` the
socket and uvicorn. The server listens on 127.0.0.1 unless told otherwise, and on
a loopback address answers only to this machine's own names.
"""

from __future__ import annotations

from .app import create_app
from .engine import Preview, rasterise
from .server import bind, serve

__all__ = ["Preview", "bind", "create_app", "rasterise", "serve"]
