"""Jekyll's Liquid filters (``relative_url``, ``date_to_string``, ``where``...), as
Jekyll 4 defines them, over plain Python values.

The site is the current render's (``liquid_tags.RENDERING``); each filter takes what
Liquid hands it and never raises on an odd value: it gives back its input.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Mapping
from datetime import date, datetime
from html import escape
from typing import TYPE_CHECKING, Any

from liquid.filter import with_context
from liquid.undefined import is_undefined

from ..source.permalinks import jekyll_slugify
from .dates import DateError, parse_date
from .liquid_tags import RENDERING

if TYPE_CHECKING:
    from liquid.context import RenderContext


def _site_value(key: str) -> str:
    site = RENDERING.get()[0]
    if key == "baseurl":
        return site.baseurl
    return str(site.config.get(key) or "").rstrip("/")


def _is_absolute(text: str) -> bool:
    return bool(urllib.parse.urlsplit(text).scheme) or text.startswith("//")


def relative_url(value: Any) -> Any:
    if value is None or is_undefined(value):
        return value
    text = str(value)
    if _is_absolute(text):
        return text
    return _site_value("baseurl") + ("" if text.startswith("/") else "/") + text


def absolute_url(value: Any) -> Any:
    if value is None or is_undefined(value):
        return value
    text = str(value)
    if _is_absolute(text):
        return text
    return _site_value("url") + relative_url(text)


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str) and value.strip():
        from datetime import UTC

        try:
            return parse_date(value, UTC)
        except DateError:
            return None
    return None


def _ordinal(day: int) -> str:
    if 10 <= day % 100 <= 20:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


def _date_string(value: Any, month: str, kind: Any = None, style: Any = None) -> Any:
    moment = _moment(value)
    if moment is None:
        return value
    if kind == "ordinal":
        if style == "US":
            return f"{moment.strftime(month)} {_ordinal(moment.day)}, {moment.year}"
        return f"{_ordinal(moment.day)} {moment.strftime(month)} {moment.year}"
    return f"{moment.day:02d} {moment.strftime(month)} {moment.year}"


def date_to_string(value: Any, kind: Any = None, style: Any = None) -> Any:
    return _date_string(value, "%b", kind, style)


def date_to_long_string(value: Any, kind: Any = None, style: Any = None) -> Any:
    return _date_string(value, "%B", kind, style)


def date_to_xmlschema(value: Any) -> Any:
    moment = _moment(value)
    return moment.isoformat() if moment is not None else value


def date_to_rfc822(value: Any) -> Any:
    moment = _moment(value)
    if moment is None:
        return value
    zone = moment.strftime("%z") or "+0000"
    return moment.strftime("%a, %d %b %Y %H:%M:%S ") + zone


def xml_escape(value: Any) -> Any:
    return escape(str(value)) if value is not None and not is_undefined(value) else ""


def cgi_escape(value: Any) -> str:
    return urllib.parse.quote_plus(str(value))


def uri_escape(value: Any) -> str:
    return urllib.parse.quote(str(value), safe="!*'();:@&=+$,/?#[]~-._%")


def slugify(value: Any, mode: Any = "default") -> Any:
    if value is None or is_undefined(value):
        return value
    return jekyll_slugify(str(value), str(mode or "default"))


def jsonify(value: Any) -> str:
    return json.dumps(_plain(value), ensure_ascii=False, default=str)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if not str(k).startswith("__")}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if is_undefined(value):
        return None
    return value


def _property(item: Any, key: Any) -> Any:
    if isinstance(item, Mapping):
        for part in str(key).split("."):
            item = item.get(part) if isinstance(item, Mapping) else None
        return item
    return None


def _items(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return list(value.values())
    if isinstance(value, list | tuple):
        return list(value)
    return []


def where(value: Any, key: Any, target: Any = None) -> Any:
    def matches(found: Any) -> bool:
        if isinstance(found, list | tuple):
            return str(target) in [str(v) for v in found]
        return str(found if found is not None else "") == str(target if target is not None else "")

    return [item for item in _items(value) if matches(_property(item, key))]


@with_context
def where_exp(value: Any, variable: Any, expression: Any, *, context: RenderContext) -> Any:
    template = context.env.from_string(f"{{% if {expression} %}}1{{% endif %}}")
    kept = []
    for item in _items(value):
        if template.render(**{**context.globals, str(variable): item}) == "1":
            kept.append(item)
    return kept


def group_by(value: Any, key: Any) -> list[dict[str, Any]]:
    groups: dict[str, list[Any]] = {}
    for item in _items(value):
        found = _property(item, key)
        groups.setdefault("" if found is None else str(found), []).append(item)
    return [{"name": k, "items": v, "size": len(v)} for k, v in groups.items()]


def sort(value: Any, key: Any = None, nils: Any = "first") -> Any:
    items = _items(value) if not isinstance(value, str) else [value]

    def order(item: Any) -> tuple[int, str, Any]:
        found = _property(item, key) if key is not None else item
        missing = found is None or is_undefined(found)
        rank = (0 if nils != "last" else 2) if missing else 1
        if missing:
            return (rank, "", "")
        return (rank, type(found).__name__, found)

    try:
        return sorted(items, key=order)
    except TypeError:
        return sorted(items, key=lambda item: str(order(item)))


def number_of_words(value: Any, mode: Any = None) -> int:
    text = str(value or "")
    if mode in ("cjk", "auto"):
        cjk = re.findall(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", text)
        return len(cjk) + len(
            re.sub(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", " ", text).split()
        )
    return len(text.split())


def array_to_sentence_string(value: Any, connector: Any = "and") -> Any:
    items = [str(v) for v in _items(value)]
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} {connector} {items[1]}"
    return f"{', '.join(items[:-1])}, {connector} {items[-1]}"


def normalize_whitespace(value: Any) -> str:
    return " ".join(str(value or "").split())


def to_integer(value: Any) -> Any:
    try:
        return int(float(str(value)))
    except ValueError:
        return value


def inspect(value: Any) -> str:
    return json.dumps(_plain(value), default=str)


def push(value: Any, item: Any) -> list[Any]:
    return [*_items(value), item]


def unshift(value: Any, item: Any) -> list[Any]:
    return [item, *_items(value)]


def pop(value: Any, count: Any = 1) -> list[Any]:
    items = _items(value)
    return items[: max(0, len(items) - int(count or 1))]


def shift(value: Any, count: Any = 1) -> list[Any]:
    return _items(value)[int(count or 1) :]


def find(value: Any, key: Any, target: Any = None) -> Any:
    found = where(value, key, target)
    return found[0] if found else None


def sample(value: Any, count: Any = None) -> Any:
    items = _items(value)  # the first, so that a build is reproducible
    if count is None:
        return items[0] if items else None
    return items[: int(count)]


def smartify(value: Any) -> Any:
    return value  # typography is imprint's own pass, on every post


def markdownify(value: Any) -> Any:
    from ..source.markdown import JEKYLL_READER, render_pieces

    text = str(value or "")
    if not text.strip():
        return ""
    return render_pieces([text], reader=JEKYLL_READER).pieces[0].strip()


JEKYLL_FILTERS: dict[str, Callable[..., Any]] = {
    f.__name__: f
    for f in (
        relative_url,
        absolute_url,
        date_to_string,
        date_to_long_string,
        date_to_xmlschema,
        date_to_rfc822,
        xml_escape,
        cgi_escape,
        uri_escape,
        slugify,
        jsonify,
        where,
        where_exp,
        group_by,
        sort,
        number_of_words,
        array_to_sentence_string,
        normalize_whitespace,
        to_integer,
        inspect,
        push,
        unshift,
        pop,
        shift,
        find,
        sample,
        smartify,
        markdownify,
    )
}
