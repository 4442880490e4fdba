"""Jekyll's permalinks: where a site publishes a post, from its pattern and the post.

The named styles and the ``:placeholders`` are Jekyll's (``date``, ``pretty``,
``ordinal``, ``weekdate``, ``none``; ``:year``, ``:title``, ``:categories``...). A URL
is made of the pattern with each placeholder filled and empty segments dropped, and is
relative to the site's ``baseurl``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
_PLACEHOLDER = re.compile(r":(output_ext|[a-z_]+)")


def jekyll_slugify(text: str, mode: str = "default", cased: bool = False) -> str:
    """Jekyll's ``slugify`` filter: runs of other characters made one ``-``, lower case
    unless ``cased``.

    ``default`` keeps letters and digits; ``pretty`` also keeps ``._~!$&'()+,;=@``;
    ``raw`` only turns spaces into ``-``; ``ascii`` keeps ASCII letters and digits;
    ``none`` changes nothing.
    """
    if mode == "none" or not text:
        return text
    text = unicodedata.normalize("NFC", text)
    patterns = {
        "raw": r"\s+",
        "pretty": r"(?:[^\w._~!$&'()+,;=@]|_)+",
        "ascii": r"[^a-zA-Z0-9]+",
    }
    slug = re.sub(patterns.get(mode, r"[\W_]+"), "-", text).strip("-")
    return slug if cased else slug.lower()


def permalink(
    pattern: str,
    *,
    date: datetime | None,
    title: str,
    slug: str | None = None,
    categories: tuple[str, ...] = (),
    output_ext: str = ".html",
) -> str:
    """The URL path of a post (``/2018/01/02/title.html``), ``pattern`` being a style name
    or a pattern with placeholders. ``title`` is the file name's title part; ``slug`` the
    front matter's ``slug`` (Jekyll's ``:title`` prefers it)."""
    pattern = STYLES.get(pattern or "date", pattern or STYLES["date"])
    moment = date or datetime(1970, 1, 1)
    file_title = slug or title
    values = {
        "year": f"{moment.year:04d}",
        "short_year": f"{moment.year % 100:02d}",
        "month": f"{moment.month:02d}",
        "i_month": str(moment.month),
        "short_month": moment.strftime("%b"),
        "long_month": moment.strftime("%B"),
        "day": f"{moment.day:02d}",
        "i_day": str(moment.day),
        "y_day": f"{moment.timetuple().tm_yday:03d}",
        "week": f"{moment.isocalendar()[1]:02d}",
        "short_day": moment.strftime("%a"),
        "long_day": moment.strftime("%A"),
        "hour": f"{moment.hour:02d}",
        "minute": f"{moment.minute:02d}",
        "second": f"{moment.second:02d}",
        "title": jekyll_slugify(file_title, "pretty", cased=True),
        "slug": jekyll_slugify(file_title),
        "name": jekyll_slugify(title),
        "categories": "/".join(jekyll_slugify(c) for c in categories),
        "output_ext": output_ext,
    }

    def fill(match: re.Match[str]) -> str:
        return values.get(match[1], match[0])

    url = _PLACEHOLDER.sub(fill, pattern)
    url = re.sub(r"/{2,}", "/", "/" + url)
    return url
