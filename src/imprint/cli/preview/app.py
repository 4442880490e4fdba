"""The preview's web app: its routes, the Server-Sent Events that push each rebuild to
the pages watching, and the Host allow-list that keeps other sites' pages out.

Everything served is made by the engine and held in memory, or is one of the page's
own files named in ``page.STATIC``: no route reads a file by a name taken from a
request, so no path can reach outside the preview.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Any

from . import page as ui_page
from .engine import DOWNLOADS, VIEWS, Post, Preview, Viewer

# the published page may show only what it carries inline; it runs no script
HTML_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
UI_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "frame-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'"
)
# an icon (the brand's SVG logo) opened on its own runs nothing
ICON_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# a Host header: a name or IPv4 address, or a bracketed IPv6 address; then a port
_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[^:\[\]/@\s]+)(?::\d{1,5})?")


def host_name(header: str) -> str | None:
    """The name in a Host header, lower-cased, without its port (``[::1]:8000`` gives
    ``[::1]``); None when the header is not a well-formed host."""
    match = _HOST.fullmatch(header.strip().lower())
    return match[1] if match else None


class HostAllowList:
    """ASGI middleware: a request whose Host is not one of ``allowed`` gets 400, so a page
    on another site cannot reach the server through a name it controls (DNS rebinding).
    Unlike Starlette's TrustedHostMiddleware it reads bracketed IPv6 hosts."""

    def __init__(self, app: Any, allowed: Iterable[str] | None) -> None:
        self.app = app
        self.allowed = None if allowed is None else frozenset(h.lower() for h in allowed)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and self.allowed is not None:
            from starlette.datastructures import Headers
            from starlette.responses import PlainTextResponse

            name = host_name(Headers(scope=scope).get("host", ""))
            if name not in self.allowed:
                await PlainTextResponse("Invalid host header", 400)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(preview: Preview, allowed_hosts: Iterable[str] | None) -> Any:
    """The Starlette app serving ``preview``; ``allowed_hosts`` are the names a request's
    Host may give (None or ``["*"]``: any)."""
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import (
        HTMLResponse,
        PlainTextResponse,
        RedirectResponse,
        Response,
        StreamingResponse,
    )
    from starlette.routing import Route

    allowed = None if allowed_hosts is None or "*" in allowed_hosts else allowed_hosts

    def ui(text: str) -> HTMLResponse:
        return HTMLResponse(text, headers={**HEADERS, "Content-Security-Policy": UI_POLICY})

    def not_found() -> Response:
        return PlainTextResponse("Not Found", 404, headers=HEADERS)

    def post_of(request: Request) -> Post:
        post = preview.posts.get(request.path_params["key"])
        if post is None:
            raise HTTPException(404)
        return post

    async def index(request: Request) -> Response:
        if preview.folder is None and len(preview.posts) == 1:
            return RedirectResponse(f"/post/{next(iter(preview.posts))}", 303)
        folder = preview.folder
        posts = [
            (key, str(post.path.relative_to(folder)) if folder else key)
            for key, post in preview.posts.items()
        ]
        return ui(ui_page.list_page(str(preview.target), posts, uuid.uuid4().hex))

    async def post_page(request: Request) -> Response:
        post = post_of(request)
        return ui(
            ui_page.post_page(
                post.key, post.path.name, DOWNLOADS, preview.folder is not None, uuid.uuid4().hex
            )
        )

    async def html(request: Request) -> Response:
        post = post_of(request)
        if post.html is None:
            return PlainTextResponse("not built yet", 404, headers=HEADERS)
        return Response(
            post.html,
            media_type="text/html; charset=utf-8",
            headers={**HEADERS, "Content-Security-Policy": HTML_POLICY},
        )

    async def page(request: Request) -> Response:
        post, number = post_of(request), request.path_params["number"]
        if not 1 <= number <= len(post.pages):
            return not_found()
        return Response(post.pages[number - 1], media_type="image/png", headers=HEADERS)

    async def download(request: Request) -> Response:
        post, fmt = post_of(request), request.path_params["fmt"]
        if fmt not in DOWNLOADS:
            return not_found()
        data = await preview.download(post, fmt)
        if data is None:
            return PlainTextResponse(post.error or "not built", 409, headers=HEADERS)
        from ...renderers import get_renderer

        name = (post.doc.slug if post.doc else post.key) + get_renderer(fmt).suffix
        return Response(
            data,
            media_type=get_renderer(fmt).media_type,
            headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def events(request: Request) -> Response:
        key = request.query_params.get("post")
        post = preview.posts.get(key) if key else None
        if key and post is None:
            return not_found()
        views = frozenset(v for v in request.query_params.get("views", "").split(",") if v in VIEWS)
        client = request.query_params.get("client") or uuid.uuid4().hex
        viewer = Viewer(key, views)
        preview.viewers[client] = viewer  # a reconnecting page replaces its old stream
        if post is not None:
            viewer.queue.put_nowait(post.state())
            preview.spawn(preview.refresh(post))

        async def stream() -> AsyncIterator[str]:
            try:
                yield "retry: 1000\n\n"
                idle = 0.0
                while not preview.closing and preview.viewers.get(client) is viewer:
                    try:
                        message = await asyncio.wait_for(viewer.queue.get(), 0.5)
                    except TimeoutError:
                        idle += 0.5
                        if await request.is_disconnected():
                            return
                        if idle >= 15:
                            idle = 0.0
                            yield ": still here\n\n"
                        continue
                    yield f"data: {json.dumps(message)}\n\n"
            finally:
                if preview.viewers.get(client) is viewer:
                    del preview.viewers[client]

        return StreamingResponse(stream(), media_type="text/event-stream", headers=HEADERS)

    async def icon(request: Request) -> Response:
        found = await preview.brand_icon() or ui_page.static_file("icon.svg")
        assert found is not None
        data, media_type = found
        return Response(
            data,
            media_type=media_type,
            headers={**HEADERS, "Content-Security-Policy": ICON_POLICY},
        )

    async def asset(request: Request) -> Response:
        found = ui_page.static_file(request.path_params["name"])
        if found is None:
            return not_found()
        data, media_type = found
        return Response(data, media_type=media_type, headers=HEADERS)

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        stop = asyncio.Event()
        watcher = asyncio.create_task(preview.watch(stop))
        try:
            yield
        finally:
            preview.closing = True
            stop.set()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(watcher, 5)
            preview.executor.shutdown(wait=True, cancel_futures=True)

    routes = [
        Route("/", index),
        Route("/post/{key}", post_page),
        Route("/post/{key}/html", html),
        Route("/post/{key}/page/{number:int}.png", page),
        Route("/post/{key}/download/{fmt}", download),
        Route("/events", events),
        Route("/favicon.ico", icon),  # asked for by browsers whatever the page links
        Route("/_preview/icon", icon),
        Route("/_preview/{name}", asset),
    ]
    return Starlette(
        routes=routes, lifespan=lifespan, middleware=[Middleware(HostAllowList, allowed=allowed)]
    )
