"""Jekyll's own Liquid tags, and what stands in for a plugin's tag.

``include`` (from ``_includes/`` only, with ``key=value`` parameters as
``include.key``), ``include_relative`` (beside the post, inside the site),
``highlight`` (a fenced code block pandoc keeps), ``post_url`` and ``link`` (URLs
under the site's ``baseurl``). A tag no one defines renders as nothing and is
recorded in :data:`UNKNOWN`, for one warning per name.
"""

from __future__ import annotations

import functools
import re
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from liquid.ast import BlockNode, IllegalNode, Node
from liquid.builtin.expressions import FilteredExpression, tokenize
from liquid.exceptions import LiquidError, LiquidSyntaxError
from liquid.parser import get_parser
from liquid.stream import TokenStream
from liquid.tag import Tag
from liquid.token import TOKEN_EOF, TOKEN_EXPRESSION, TOKEN_TAG, Token

from ..source.jekyll import JekyllSite

if TYPE_CHECKING:
    from liquid.context import RenderContext

MAX_INCLUDE_BYTES = 1_000_000

# names of tags and filters no one defines, met during the current render
UNKNOWN: ContextVar[dict[str, set[str]] | None] = ContextVar("imprint_liquid_unknown", default=None)
# the site and the post's folder of the current render (out of the templates' reach)
RENDERING: ContextVar[tuple[JekyllSite, Path]] = ContextVar("imprint_liquid_rendering")


def record_unknown(kind: str, name: str) -> None:
    found = UNKNOWN.get()
    if found is not None:
        found.setdefault(kind, set()).add(name)


class LiquidRefusal(LiquidError):
    """A tag that may not do what it was asked (a file outside its folder, a missing post)."""


class Located(LiquidError):
    """An error raised inside an included file, with that file and line in its message."""


class LocatedSyntax(Located, LiquidSyntaxError):
    """An included file that does not parse, with that file and line in its message."""


def _site(context: RenderContext) -> JekyllSite:
    return RENDERING.get()[0]


def _post_dir(context: RenderContext) -> Path:
    return RENDERING.get()[1]


def _inline_tag(stream: TokenStream) -> tuple[Token, str]:
    """An inline tag's token and the raw text after its name; the stream is left on
    the tag's last token, as the parser expects."""
    token = stream.expect(TOKEN_TAG)
    if stream.peek.kind == TOKEN_EXPRESSION:
        return token, next(stream) and stream.current.value
    return token, ""


def _evaluate(text: str, context: RenderContext, token: Token) -> Any:
    """A Liquid expression (a literal or variable, with filters) in ``context``."""
    tokens = TokenStream(tokenize(text, parent_token=token))
    return FilteredExpression.parse(context.env, tokens).evaluate(context)


_PARAM = re.compile(r"""([\w-]+)\s*=\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s]+)""")


@functools.lru_cache(maxsize=256)
def _read_include(path: Path, stamp: tuple[int, int]) -> str:
    return path.read_text(encoding="utf-8-sig")


def _interpolate(text: str, context: RenderContext, token: Token) -> str:
    """``{{ var }}`` in a file name (``{% include {{ page.kind }}.html %}``)."""
    return re.sub(
        r"\{\{\s*(.*?)\s*\}\}", lambda m: str(_evaluate(m[1], context, token) or ""), text
    )


class IncludeNode(Node):
    """One ``{% include %}`` or ``{% include_relative %}``."""

    __slots__ = ("relative", "text")

    def __init__(self, token: Token, text: str, relative: bool):
        super().__init__(token)
        self.text = text
        self.relative = relative
        self.blank = False

    def __str__(self) -> str:
        return f"{{% include {self.text} %}}"

    def _file(self, context: RenderContext) -> tuple[Path, str]:
        text = self.text.strip()
        name_match = re.match(r"(\{\{.*?\}\}\S*|\S+)", text)
        if name_match is None:
            raise LiquidRefusal("include names no file", token=self.token)
        name = _interpolate(name_match[1], context, self.token).strip("\"'")
        site = _site(context)
        folder = _post_dir(context) if self.relative else site.includes
        bound = site.root if self.relative else site.includes
        if not name or ".." in Path(name).parts or name.startswith("/"):
            raise LiquidRefusal(f"include {name!r}: outside its folder; refused", token=self.token)
        path = (folder / name).resolve()
        if not path.is_relative_to(bound.resolve()) or not path.is_file():
            where = "beside the post" if self.relative else "in _includes/"
            raise LiquidRefusal(f"include {name!r}: no such file {where}", token=self.token)
        info = path.stat()
        if info.st_size > MAX_INCLUDE_BYTES:
            raise LiquidRefusal(f"include {name!r}: larger than 1 MB; refused", token=self.token)
        return path, text[name_match.end() :]

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        path, rest = self._file(context)
        params = {
            m[1]: (m[2][1:-1] if m[2][:1] in "\"'" else _evaluate(m[2], context, self.token))
            for m in _PARAM.finditer(rest)
        }
        info = path.stat()
        text = _read_include(path, (info.st_mtime_ns, info.st_size))
        name = path.relative_to(_site(context).root).as_posix()
        try:
            template = context.env.from_string(text, name=name)
            with context.extend({"include": params}, template=template):
                template.render_with_context(context, buffer, partial=True)
        except Located:
            raise
        except LiquidError as err:
            line = ""
            if err.token is not None and err.token.start_index >= 0 and err.token.source == text:
                line = f":{text.count(chr(10), 0, err.token.start_index) + 1}"
            message = err.message if err.message else type(err).__name__
            kind = LocatedSyntax if isinstance(err, LiquidSyntaxError) else Located
            raise kind(f"{message} (in {name}{line})", token=self.token) from None
        return True


class IncludeTag(Tag):
    name = "include"
    block = False
    relative = False

    def parse(self, stream: TokenStream) -> Node:
        token, text = _inline_tag(stream)
        return IncludeNode(token, text, self.relative)


class IncludeRelativeTag(IncludeTag):
    name = "include_relative"
    relative = True


class HighlightNode(Node):
    """``{% highlight lang %}`` code ``{% endhighlight %}``, as a fenced code block."""

    __slots__ = ("block", "lang")

    def __init__(self, token: Token, lang: str, block: BlockNode):
        super().__init__(token)
        self.lang = lang
        self.block = block
        self.blank = False

    def __str__(self) -> str:
        return f"{{% highlight {self.lang} %}}{self.block}{{% endhighlight %}}"

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        inner = context.get_buffer(buffer)
        self.block.render(context, inner)
        code = inner.getvalue().strip("\n")
        runs = [len(r) for r in re.findall(r"`{3,}", code)]
        fence = "`" * max(3, *(n + 1 for n in runs)) if runs else "```"
        lang = f"{self.lang}" if self.lang else ""
        buffer.write(f"\n\n{fence}{lang}\n{code}\n{fence}\n\n")
        return True


class HighlightTag(Tag):
    name = "highlight"
    end = "endhighlight"

    def parse(self, stream: TokenStream) -> Node:
        token = stream.eat(TOKEN_TAG)
        words = next(stream).value.split() if stream.current.kind == TOKEN_EXPRESSION else []
        lang = re.sub(r"[^\w+#.-]", "", words[0]) if words else ""
        block = get_parser(self.env).parse_block(stream, (self.end, TOKEN_EOF))
        stream.expect(TOKEN_TAG, value=self.end)
        return HighlightNode(token, lang, block)


class UrlNode(Node):
    """``{% post_url name %}`` or ``{% link path %}``: a URL under the site's baseurl."""

    __slots__ = ("kind", "text")

    def __init__(self, token: Token, kind: str, text: str):
        super().__init__(token)
        self.kind = kind
        self.text = text
        self.blank = False

    def __str__(self) -> str:
        return f"{{% {self.kind} {self.text} %}}"

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        from .jekyll_pages import url_of_file, url_of_post

        site = _site(context)
        name = _interpolate(self.text.strip(), context, self.token)
        url = url_of_post(site, name) if self.kind == "post_url" else url_of_file(site, name)
        if url is None:
            what = "post" if self.kind == "post_url" else "file"
            raise LiquidRefusal(f"{self.kind} {name}: no such {what} in the site", token=self.token)
        buffer.write(site.baseurl + url)
        return True


class PostUrlTag(Tag):
    name = "post_url"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, text = _inline_tag(stream)
        return UrlNode(token, self.name, text)


class LinkTag(PostUrlTag):
    name = "link"


class UnknownTag(Tag):
    """A tag no one defines (a site's plugin): nothing, and its name recorded."""

    name = "illegal"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token = stream.expect(TOKEN_TAG)
        if stream.peek.kind == TOKEN_EXPRESSION:
            next(stream)
        if token.value:
            record_unknown("tag", token.value)
        return IllegalNode(token)


JEKYLL_TAGS = (IncludeTag, IncludeRelativeTag, HighlightTag, PostUrlTag, LinkTag)
