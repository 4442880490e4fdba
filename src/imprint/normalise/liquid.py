"""A Jekyll post's Liquid, rendered before its Markdown as Jekyll renders it.

python-liquid is a sandboxed Liquid engine: templates reach only the values given
to them (``site``, ``page``) and the tags and filters registered here (Jekyll's own:
``liquid_tags.py``, ``liquid_filters.py``). A site's Ruby plugins cannot run: a tag
no one defines renders as nothing and a filter no one defines gives back its
input, each with one warning whose text is the same in every post, so a build says
it once. Loops, includes, assignments and output are bounded, and a render has a
wall-clock budget: a template bomb fails its own post, in seconds, with one line.
Front matter is never rendered; only the body is.
"""

from __future__ import annotations

import functools
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from liquid import Environment
from liquid.context import RenderContext
from liquid.exceptions import LiquidError, LiquidSyntaxError, ResourceLimitError
from liquid.mode import Mode
from liquid.template import BoundTemplate
from liquid.token import TOKEN_ILLEGAL
from liquid.undefined import UNDEFINED

from ..diagnostics import warn
from ..errors import SourceError
from ..source.jekyll import JekyllSite
from ..source.post import Source
from . import liquid_filters
from .jekyll_pages import SiteVariables
from .liquid_tags import JEKYLL_TAGS, RENDERING, UNKNOWN, Located, UnknownTag, record_unknown

RENDER_SECONDS = 5.0  # a post's Liquid; real posts take milliseconds

_DEADLINE: ContextVar[float] = ContextVar("imprint_liquid_deadline", default=float("inf"))


class LiquidTimeout(ResourceLimitError):
    """The render ran past its wall-clock budget."""


def _check_deadline() -> None:
    if time.monotonic() > _DEADLINE.get():
        raise LiquidTimeout(f"took longer than {RENDER_SECONDS:g} s", token=None)


class _GuardedContext(RenderContext):
    """A render context that checks the wall-clock budget at every lookup and loop."""

    __slots__ = ()

    def get(self, path: list[object], *, token: Any, default: object = UNDEFINED) -> object:
        _check_deadline()
        return super().get(path, token=token, default=default)

    def raise_for_loop_limit(self, length: int = 1) -> None:
        _check_deadline()
        super().raise_for_loop_limit(length)


class _GuardedTemplate(BoundTemplate):
    context_class = _GuardedContext


class _Filters(dict[str, Any]):
    """Filters by name; a name no one defines passes its input through, recorded."""

    def __missing__(self, name: str) -> Any:
        record_unknown("filter", name)
        return _pass_through


def _pass_through(value: Any, *_args: Any, **_kwargs: Any) -> Any:
    return value


class JekyllEnvironment(Environment):
    """Liquid as Jekyll 4 has it, with limits for untrusted templates."""

    template_class = _GuardedTemplate
    loop_iteration_limit = 200_000
    context_depth_limit = 30
    local_namespace_limit = 5_000_000
    output_stream_limit = 10_000_000

    def setup_tags_and_filters(self, *, extra: bool = False) -> None:
        super().setup_tags_and_filters(extra=extra)
        self.filters = _Filters(self.filters)
        self.filters.update(liquid_filters.JEKYLL_FILTERS)
        for tag in JEKYLL_TAGS:
            self.add_tag(tag)
        self.tags[TOKEN_ILLEGAL] = UnknownTag(self)


@functools.cache
def _environment(lenient: bool = False) -> JekyllEnvironment:
    """Strict parsing first; Jekyll's own default (``error_mode: warn``) reads a
    template that does not parse leniently, which the lenient environment does."""
    return JekyllEnvironment(strict_filters=False, tolerance=Mode.LAX if lenient else Mode.STRICT)


def wants_liquid(meta: dict[str, Any]) -> bool:
    """Jekyll renders a post's Liquid unless its front matter says ``render_with_liquid:
    false``."""
    flag = meta.get("render_with_liquid")
    return str(flag).strip().lower() not in ("false", "no", "off")


def render_body(source: Source, site: JekyllSite, page: dict[str, Any]) -> str:
    """The post's body with its Liquid rendered (``page`` is what Liquid sees as
    ``page``). Unknown tags and filters are warnings, and so is a template that does
    not parse (it is then read leniently, as Jekyll does); a render over its limits, a
    refused include and any other Liquid error is a SourceError naming the post and
    line."""
    body = source.body
    if "{{" not in body and "{%" not in body:
        return body
    unknown: dict[str, set[str]] = {}
    unknown_token = UNKNOWN.set(unknown)
    deadline_token = _DEADLINE.set(time.monotonic() + RENDER_SECONDS)
    values = {
        "site": SiteVariables(site, datetime.fromtimestamp(time.time(), UTC)),
        "page": page,
    }
    rendering_token = RENDERING.set((site, Path(source.path).resolve().parent))
    try:
        try:
            rendered = _environment().from_string(body, name=source.path.name).render(values)
        except LiquidSyntaxError as err:  # Jekyll warns and reads the template leniently
            problem = _source_error(err, source)
            warn(f"{problem.message}; read leniently, as Jekyll does", source.path, problem.line)
            lenient = _environment(lenient=True)
            rendered = lenient.from_string(body, name=source.path.name).render(values)
    except LiquidError as err:
        raise _source_error(err, source) from None
    except RecursionError:
        raise SourceError(
            "Liquid: includes or blocks nest too deeply", source.path, source.body_line
        ) from None
    finally:
        UNKNOWN.reset(unknown_token)
        RENDERING.reset(rendering_token)
        _DEADLINE.reset(deadline_token)
    for kind, names in sorted(unknown.items()):
        for name in sorted(names):
            if kind == "tag" and name.startswith("end") and name[3:] in names:
                continue  # the end of a plugin's block tag: its opening is the warning
            if kind == "tag":
                message = f"Liquid: unknown tag '{name}' rendered as nothing"
            else:
                message = f"Liquid: unknown filter '{name}' passes its input through"
            warn(message, source.path)
    return rendered


def _source_error(err: LiquidError, source: Source) -> SourceError:
    """One line for a Liquid error: the post, the line in its body, what went wrong."""
    line = source.body_line
    token = err.token
    if token is not None and token.start_index >= 0 and token.source == source.body:
        line += source.body.count("\n", 0, token.start_index)
    message = str(err.message or type(err).__name__).strip().splitlines()[0]
    if isinstance(err, LiquidTimeout | ResourceLimitError) and not isinstance(err, Located):
        message = f"{message}; the post's Liquid is refused"
    return SourceError(f"Liquid: {message}", source.path, line)
