"""``imprint preview``: a local web server that shows posts and rebuilds them on save.

One page per post holds two views: the HTML as published (in a sandboxed frame)
and the print pages (the PDF rasterised to PNG by pypdfium2, so no PDF plug-in is
needed), with links to the current PDF, EPUB and DOCX. The page keeps a
Server-Sent Events stream open, naming the views it shows; when ``watchfiles``
reports a change to a post, its images, ``_authors.yml``, the brand or the
templates, only the posts concerned are rebuilt, and of those only the views some
page has open. A post that fails shows the CLI's ``path:line: category: message``
line over the page until the next good save; warnings go to a panel.

Everything served is made here and held in memory: no route reads a file by a
name taken from a request, so no path can reach outside the preview. The server
listens on 127.0.0.1 unless told otherwise. Rendering runs in one worker thread,
one job at a time (WeasyPrint is not built for threads).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import io
import ipaddress
import json
import socket
import sys
import uuid
import webbrowser
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from ..builder.project import SOURCE_SUFFIXES, Project, discover
from ..config import Settings
from ..diagnostics import collecting
from ..errors import ConfigError, ImprintError
from ..model import Document
from ..normalise.authors import REGISTRY_NAME
from ..normalise.metadata import clean_slug

VIEWS = ("html", "print")
DOWNLOADS = ("pdf", "epub", "docx")
PAGE_SCALE = 96 / 72  # CSS pixels per PDF point: pages at their printed size on screen
# the published page may show only what it carries inline; it runs no script
HTML_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
UI_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "frame-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'"
)


@dataclass
class Post:
    """One post's state: what was built from which generation of its inputs."""

    key: str
    path: Path
    generation: int = 1  # bumped on every change to the post or what it depends on
    deps: set[Path] = field(default_factory=set)  # files besides the post (images)
    doc: Document | None = None
    loaded: int = 0  # the generation ``doc``/``error`` belong to
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    html: bytes | None = None
    html_built: int = 0
    html_version: int = 0
    pages: list[bytes] = field(default_factory=list)
    pdf: bytes | None = None
    print_built: int = 0
    print_version: int = 0
    downloads: dict[str, tuple[int, bytes]] = field(default_factory=dict)

    def state(self) -> dict[str, Any]:
        return {
            "type": "state",
            "post": self.key,
            "error": self.error,
            "warnings": self.warnings,
            "html": self.html_version,
            "print": self.print_version,
            "pages": len(self.pages),
        }


@dataclass
class Viewer:
    key: str | None  # None: the post list
    views: frozenset[str]
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)


def _keys(paths: list[Path], folder: Path | None) -> dict[str, Path]:
    """A URL-safe key per post, from its path inside the folder; unique."""
    keys: dict[str, Path] = {}
    for path in paths:
        name = path.relative_to(folder).with_suffix("") if folder else Path(path.stem)
        key = clean_slug("-".join(name.parts)) or "post"
        unique, n = key, 2
        while unique in keys:
            unique, n = f"{key}-{n}", n + 1
        keys[unique] = path
    return keys


def rasterise(pdf: bytes, scale: float = PAGE_SCALE) -> list[bytes]:
    """Each page of a PDF as a PNG."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            image = page.render(scale=scale).to_pil()
            buffer = io.BytesIO()
            image.save(buffer, "PNG", compress_level=1)
            pages.append(buffer.getvalue())
            page.close()
        return pages
    finally:
        document.close()


class Preview:
    """The posts, their builds and the pages watching them."""

    def __init__(self, target: Path, settings: Settings) -> None:
        self.settings = settings
        self.target = target
        self.folder = target if target.is_dir() else None
        self.project: Project | None = None
        self.posts: dict[str, Post] = {}
        self.viewers: dict[str, Viewer] = {}
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="imprint-render")
        self.lock = asyncio.Lock()
        self.closing = False
        self.scan()

    # --- what is watched ------------------------------------------------------------

    def scan(self) -> bool:
        """Find the posts again (a folder may gain or lose some); True if the list changed."""
        found = _keys(discover([self.target]), self.folder)
        known = {key: post.path for key, post in self.posts.items()}
        if found == known:
            return False
        self.posts = {key: self.posts.get(key) or Post(key, path) for key, path in found.items()}
        return True

    def roots(self) -> list[Path]:
        """Folders to watch: where the posts and their images live, the brand, templates."""
        content = self.settings.content.resolve()  # as Project.content_root, without
        # opening the brand, which may be broken until the author fixes it
        folders = {
            content if p.is_relative_to(content) else p.parent
            for p in (post.path.resolve() for post in self.posts.values())
        }
        if self.folder is not None:
            folders.add(self.folder.resolve())
        folders |= {self.settings.brand.resolve(), self.settings.templates.resolve()}
        return sorted(f for f in folders if f.is_dir())

    def affected(self, changed: set[Path]) -> tuple[list[Post], bool]:
        """The posts a set of changed files concerns, and whether the post list changed."""
        shared = [self.settings.brand.resolve(), self.settings.templates.resolve()]
        everything = any(
            p.name == REGISTRY_NAME or any(p.is_relative_to(s) for s in shared) for p in changed
        )
        if everything:
            self.project = None  # the brand, templates or author registry are read anew
        listed = (
            self.folder is not None
            and any(p.suffix.lower() in SOURCE_SUFFIXES for p in changed)
            and self.scan()
        )
        hit = [
            post
            for post in self.posts.values()
            if everything or post.path.resolve() in changed or post.deps & changed
        ]
        for post in hit:
            post.generation += 1
        return hit, listed

    # --- building ---------------------------------------------------------------------

    def current_project(self) -> Project:
        if self.project is None:
            self.project = Project.open(self.settings)
        return self.project

    def _load(self, post: Post) -> None:
        """Read the post for its current generation (in the worker thread)."""
        generation = post.generation
        with collecting() as found:
            try:
                project = self.current_project()
                doc, files = project.load_tracked(post.path)
            except ImprintError as exc:
                post.doc, post.error = None, str(exc)
            else:
                post.doc, post.error = doc, None
                post.deps = {f.resolve() for f in files}
        post.warnings = [str(w) for w in found]
        post.loaded = generation
        post.downloads.clear()

    def _render(self, post: Post, fmt: str) -> bytes | None:
        """One format of the loaded post; a failure becomes the post's error."""
        assert post.doc is not None
        with collecting() as found:
            try:
                data = self.current_project().render(post.doc, fmt)
            except ImprintError as exc:
                post.error = str(exc)
                data = None
        post.warnings = list(dict.fromkeys(post.warnings + [str(w) for w in found]))
        return data

    def _build_html(self, post: Post, generation: int) -> None:
        if post.loaded < generation:
            self._load(post)
        if post.doc is not None and (html := self._render(post, "html")) is not None:
            post.html, post.html_version = html, post.html_version + 1
        post.html_built = generation

    def _build_print(self, post: Post, generation: int) -> None:
        if post.loaded < generation:
            self._load(post)
        if post.doc is not None and (pdf := self._render(post, "pdf")) is not None:
            post.pdf, post.pages = pdf, rasterise(pdf)
            post.downloads["pdf"] = (generation, pdf)
            post.print_version += 1
        post.print_built = generation

    def _build_download(self, post: Post, fmt: str) -> bytes | None:
        generation = post.generation
        if post.loaded < generation:
            self._load(post)
        cached = post.downloads.get(fmt)
        if cached and cached[0] == generation:
            return cached[1]
        if post.doc is None:
            return None
        data = self._render(post, fmt)
        if data is not None:
            post.downloads[fmt] = (generation, data)
        return data

    def open_views(self, key: str) -> set[str]:
        return {
            view for viewer in self.viewers.values() if viewer.key == key for view in viewer.views
        }

    async def run(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    async def refresh(self, post: Post) -> None:
        """Bring the post's open views up to date, the HTML first, then the print pages."""
        async with self.lock:
            while not self.closing:
                generation = post.generation
                views = self.open_views(post.key)
                if "html" in views and post.html_built < generation:
                    await self.run(self._build_html, post, generation)
                    self.tell(post)
                    continue  # a save meanwhile: the HTML again before the slower pages
                if "print" in views and post.print_built < generation:
                    await self.run(self._build_print, post, generation)
                    self.tell(post)
                    continue
                break

    async def download(self, post: Post, fmt: str) -> bytes | None:
        async with self.lock:
            return await self.run(self._build_download, post, fmt)

    def tell(self, post: Post) -> None:
        for viewer in self.viewers.values():
            if viewer.key == post.key:
                viewer.queue.put_nowait(post.state())

    def tell_list(self) -> None:
        for viewer in self.viewers.values():
            if viewer.key is None:
                viewer.queue.put_nowait({"type": "list"})

    async def watch(self, stop: asyncio.Event) -> None:
        import watchfiles

        ignore = watchfiles.DefaultFilter(
            ignore_dirs=(*watchfiles.DefaultFilter.ignore_dirs, ".imprint-cache")
        )
        async for changes in watchfiles.awatch(
            *self.roots(), watch_filter=ignore, stop_event=stop, step=20, debounce=400
        ):
            hit, listed = self.affected({Path(path).resolve() for _, path in changes})
            if listed:
                self.tell_list()
            for post in hit:
                if self.open_views(post.key):
                    asyncio.create_task(self.refresh(post))  # noqa: RUF006


# --- the web app ----------------------------------------------------------------------------

STYLE = """\
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: #1f2328; background: #eef0f2; }
header { display: flex; gap: 1em; align-items: center; flex-wrap: wrap; padding: .5em 1em;
  background: #1b2a41; color: #fff; }
header a { color: #fff; }
header h1 { font-size: 1em; margin: 0; font-weight: 600; }
header .views label { margin-right: .8em; }
main { display: flex; gap: 1em; padding: 1em; height: calc(100vh - 3em); }
main > section { flex: 1; min-width: 0; display: flex; flex-direction: column; }
main > section[hidden] { display: none; }
main h2 { font-size: .85em; text-transform: uppercase; letter-spacing: .05em; margin: 0 0 .4em; }
#web { flex: 1; width: 100%; border: 1px solid #c9ced4; background: #fff; }
#pages { flex: 1; overflow: auto; }
#pages img { display: block; max-width: 100%; margin: 0 auto 1em; background: #fff;
  box-shadow: 0 1px 4px rgba(0,0,0,.25); }
#warnings { position: fixed; right: 1em; bottom: 1em; max-width: 40em; max-height: 30vh;
  overflow: auto; background: #fff8e1; border: 1px solid #e0b400; padding: .5em 1em; }
#warnings[hidden], #overlay[hidden] { display: none; }
#warnings ul { margin: .3em 0; padding-left: 1.2em; }
#overlay { position: fixed; inset: 3em 2em auto 2em; background: #fff; color: #8a1c1c;
  border: 2px solid #b5442c; padding: 1em 1.5em; box-shadow: 0 4px 20px rgba(0,0,0,.3); }
#overlay pre { white-space: pre-wrap; font-size: 1.05em; margin: .5em 0 0; }
ul.posts { background: #fff; margin: 1em; padding: 1em 2em; }
@media (max-width: 900px) {  /* a narrow window: the views one above the other */
  main { flex-direction: column; height: auto; }
  #web { min-height: 80vh; }
}
"""

SCRIPT = """\
"use strict";
const root = document.body;
const key = root.dataset.post || null;
const client = root.dataset.client;
let source = null;
let shown = {html: 0, print: 0};

function openViews() {
  return Array.from(document.querySelectorAll("input[name=view]:checked"), (b) => b.value);
}

function showHtml(version) {
  const frame = document.getElementById("web");
  if (!version || version === shown.html) return;
  let y = 0;
  try { y = frame.contentWindow.scrollY; } catch (e) { y = 0; }
  frame.onload = () => { try { frame.contentWindow.scrollTo(0, y); } catch (e) {} };
  frame.src = "/post/" + key + "/html?v=" + version;
  shown.html = version;
}

function showPages(version, count) {
  const holder = document.getElementById("pages");
  if (!version || version === shown.print) return;
  const images = [];
  for (let n = 1; n <= count; n++) {
    const img = document.createElement("img");
    img.src = "/post/" + key + "/page/" + n + ".png?v=" + version;
    img.alt = "page " + n;
    img.className = "page";
    images.push(img);
  }
  holder.replaceChildren(...images);
  holder.dataset.version = version;
  shown.print = version;
}

function showState(state) {
  const overlay = document.getElementById("overlay");
  overlay.hidden = !state.error;
  overlay.querySelector("pre").textContent = state.error || "";
  const panel = document.getElementById("warnings");
  const list = panel.querySelector("ul");
  list.replaceChildren(...state.warnings.map((w) => {
    const item = document.createElement("li");
    item.textContent = w;
    return item;
  }));
  panel.hidden = state.warnings.length === 0;
  showHtml(state.html);
  showPages(state.print, state.pages);
}

function connect() {
  if (source) source.close();
  const views = key ? openViews() : [];
  for (const view of ["html", "print"]) {
    const pane = document.getElementById("view-" + view);
    if (pane) pane.hidden = !views.includes(view);
  }
  const query = new URLSearchParams({client: client, views: views.join(",")});
  if (key) query.set("post", key);
  source = new EventSource("/events?" + query);
  source.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "list") window.location.reload();
    else if (message.type === "state") showState(message);
  };
}

document.querySelectorAll("input[name=view]")
  .forEach((box) => box.addEventListener("change", connect));
connect();
"""

POST_PAGE = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name}: imprint preview</title>
<link rel="stylesheet" href="/_preview/style.css"></head>
<body data-post="{key}" data-client="{client}">
<header>{back}<h1>{name}</h1>
<span class="views"><label><input type="checkbox" name="view" value="html" checked> Web</label>
<label><input type="checkbox" name="view" value="print" checked> Print</label></span>
<span class="downloads">{downloads}</span></header>
<main>
<section id="view-html"><h2>Web</h2>
<iframe id="web" title="the post as published" sandbox="allow-same-origin"></iframe></section>
<section id="view-print"><h2>Print</h2><div id="pages" data-version="0"></div></section>
</main>
<div id="overlay" role="alert" hidden><strong>This post does not build</strong><pre></pre></div>
<aside id="warnings" hidden><strong>Warnings</strong><ul></ul></aside>
<script src="/_preview/preview.js"></script>
</body></html>
"""

LIST_PAGE = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>imprint preview</title>
<link rel="stylesheet" href="/_preview/style.css"></head>
<body data-client="{client}">
<header><h1>imprint preview: {folder}</h1></header>
<ul class="posts">{items}</ul>
<script src="/_preview/preview.js"></script>
</body></html>
"""


def create_app(preview: Preview, allowed_hosts: list[str]) -> Any:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import (
        HTMLResponse,
        PlainTextResponse,
        RedirectResponse,
        Response,
        StreamingResponse,
    )
    from starlette.routing import Route

    headers = {
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }

    def ui(text: str) -> HTMLResponse:
        return HTMLResponse(text, headers={**headers, "Content-Security-Policy": UI_POLICY})

    def post_of(request: Request) -> Post:
        from starlette.exceptions import HTTPException

        post = preview.posts.get(request.path_params["key"])
        if post is None:
            raise HTTPException(404)
        return post

    async def index(request: Request) -> Response:
        if preview.folder is None and len(preview.posts) == 1:
            return RedirectResponse(f"/post/{next(iter(preview.posts))}", 303)
        items = "".join(
            f'<li><a href="/post/{key}">{escape(str(post.path.relative_to(preview.folder)))}'
            f"</a></li>"
            if preview.folder
            else f'<li><a href="/post/{key}">{key}</a></li>'
            for key, post in preview.posts.items()
        )
        return ui(
            LIST_PAGE.format(
                client=uuid.uuid4().hex,
                items=items or "<li>no posts</li>",
                folder=escape(str(preview.target)),
            )
        )

    async def post_page(request: Request) -> Response:
        post = post_of(request)
        back = '<a href="/">all posts</a>' if preview.folder else ""
        links = " ".join(
            f'<a href="/post/{post.key}/download/{fmt}" download>{fmt.upper()}</a>'
            for fmt in DOWNLOADS
        )
        return ui(
            POST_PAGE.format(
                key=post.key,
                name=escape(post.path.name),
                back=back,
                downloads=links,
                client=uuid.uuid4().hex,
            )
        )

    async def html(request: Request) -> Response:
        post = post_of(request)
        if post.html is None:
            return PlainTextResponse("not built yet", 404, headers=headers)
        return Response(
            post.html,
            media_type="text/html; charset=utf-8",
            headers={**headers, "Content-Security-Policy": HTML_POLICY},
        )

    async def page(request: Request) -> Response:
        post, number = post_of(request), request.path_params["number"]
        if not 1 <= number <= len(post.pages):
            return PlainTextResponse("Not Found", 404, headers=headers)
        return Response(post.pages[number - 1], media_type="image/png", headers=headers)

    async def download(request: Request) -> Response:
        post, fmt = post_of(request), request.path_params["fmt"]
        if fmt not in DOWNLOADS:
            return PlainTextResponse("Not Found", 404, headers=headers)
        data = await preview.download(post, fmt)
        if data is None:
            return PlainTextResponse(post.error or "not built", 409, headers=headers)
        from ..renderers import get_renderer

        name = (post.doc.slug if post.doc else post.key) + get_renderer(fmt).suffix
        return Response(
            data,
            media_type=get_renderer(fmt).media_type,
            headers={**headers, "Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def events(request: Request) -> Response:
        key = request.query_params.get("post")
        post = preview.posts.get(key) if key else None
        if key and post is None:
            return PlainTextResponse("Not Found", 404, headers=headers)
        views = frozenset(v for v in request.query_params.get("views", "").split(",") if v in VIEWS)
        client = request.query_params.get("client") or uuid.uuid4().hex
        viewer = Viewer(key, views)
        preview.viewers[client] = viewer  # a reconnecting page replaces its old stream
        if post is not None:
            viewer.queue.put_nowait(post.state())
            asyncio.create_task(preview.refresh(post))  # noqa: RUF006

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

        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "style.css":
            return Response(STYLE, media_type="text/css", headers=headers)
        if name == "preview.js":
            return Response(SCRIPT, media_type="text/javascript", headers=headers)
        return PlainTextResponse("Not Found", 404, headers=headers)

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
        Route("/_preview/{name}", asset),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)],
    )


# --- serving --------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``port``, or on a free port when that one is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in (port, 0):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, candidate))
        except OSError as exc:
            sock.close()
            if candidate == 0 or exc.errno not in (errno.EADDRINUSE, errno.EACCES):
                raise ConfigError(f"cannot listen on {host}:{candidate}: {exc.strerror}") from None
            continue
        sock.listen(128)
        sock.set_inheritable(True)
        return sock
    raise AssertionError("unreachable")


def serve(
    path: Path | None,
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
) -> int:
    """Run the preview until Ctrl-C."""
    import uvicorn

    target = path or settings.content
    if not target.exists():
        raise ImprintError("no such file or folder", target)
    preview = Preview(target, settings)
    if not preview.posts:
        raise ImprintError("no posts here (Markdown files)", target)
    if not _is_loopback(host):
        print(
            f"imprint: warning: listening on {host}: anyone who can reach this machine "
            "can read the drafts being previewed",
            file=sys.stderr,
        )
    sock = bind(host, port)
    actual = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{actual}/"
    # on 127.0.0.1 only those names may be asked for: no DNS rebinding onto the drafts
    # (Starlette's check cannot read a bracketed IPv6 Host, so IPv6 is not limited)
    allowed = ["127.0.0.1", "localhost", host] if _is_loopback(host) and ":" not in host else ["*"]
    config = uvicorn.Config(
        create_app(preview, allowed),
        log_level="warning",
        timeout_graceful_shutdown=3,
        lifespan="on",
    )

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            preview.closing = True  # the event streams end, so shutdown need not wait
            super().handle_exit(sig, frame)

    server = Server(config)
    print(f"imprint: previewing {target} at {url} (Ctrl-C stops)", flush=True)
    if open_browser:
        webbrowser.open(url)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        preview.closing = True
        preview.executor.shutdown(wait=True, cancel_futures=True)
        sock.close()
    print("imprint: preview stopped", file=sys.stderr)
    return 0
