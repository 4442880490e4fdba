"""Dates in the forms real posts use, made timezone-aware.

Accepted (with or without quotes):

* ISO 8601 and YAML timestamps: ``2025-05-08``, ``2025-05-08 12:00``,
  ``2025-05-08T12:00:00.5Z``, with offsets ``+08:00``, ``+0800``, ``+08``, ``Z``
  or `` UTC``;
* US slashes as Quarto writes them: ``2/13/2022`` (month first; day first
  when the first number cannot be a month);
* written months: ``8 May 2025``, ``May 8, 2025``, ``Thu, 08 May 2025 12:00:00 +0800``;
* what Ruby's ``Time.parse`` (and so Jekyll) reads unambiguously after an ISO date:
  US zone abbreviations (``2016-03-23 11:00 EDT``), offsets of one to four digits
  (``12:00-400``), and words or a repeated year around them
  (``2017-10-23 (optional)``, ``2023-01-29 18:30:22 2023 -0800``).

A date or time without an offset is in the project's time zone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime

_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?)?"
    r"[ \t]*(?P<tz>Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$"
)
_SLASHED = re.compile(
    r"(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})"
    r"(?:[ \t]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)
_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_DAY_MONTH = re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?P<mon>[A-Za-z]+)\.?,?\s+(?P<y>\d{4})$")
_MONTH_DAY = re.compile(r"(?P<mon>[A-Za-z]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})$")


# Ruby's zone abbreviations (date_zone.c) that real posts use, as hours from UTC
_ZONES = {
    "ut": 0, "utc": 0, "gmt": 0, "z": 0,
    "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
    "akst": -9, "akdt": -8, "hst": -10, "ast": -4, "adt": -3, "nst": -3.5, "ndt": -2.5,
    "bst": 1, "ist": 5.5, "cet": 1, "cest": 2, "met": 1, "mest": 2, "wet": 0, "west": 1,
    "eet": 2, "eest": 3, "msk": 3, "jst": 9, "kst": 9, "hkt": 8, "sgt": 8, "awst": 8,
    "acst": 9.5, "aest": 10, "aedt": 11, "nzst": 12, "nzdt": 13,
}  # fmt: skip
_RUBY_DATE = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:(?:[Tt]|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?)?"
    r"(?P<rest>(?:\s|[+-]|\(|$).*)$"
)
_RUBY_OFFSET = re.compile(
    r"(?:^|(?<=[\s\d]))(?P<sign>[+-])(?P<digits>\d{1,4})(?::(?P<mm>\d{2}))?\b"
)
_RUBY_ZONE = re.compile(r"\b(?P<name>[A-Za-z]{1,4})\b")


class DateError(ValueError):
    """The text is not a date imprint understands."""


def _offset(text: str | None, zone: tzinfo) -> tzinfo:
    if not text:
        return zone
    if text in ("Z", "z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise DateError(f"offset {text} is out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _make(
    y: int,
    m: int,
    d: int,
    hh: int = 0,
    mm: int = 0,
    ss: int = 0,
    us: int = 0,
    tz: tzinfo = UTC,
) -> datetime:
    try:
        return datetime(y, m, d, hh, mm, ss, us, tzinfo=tz)
    except ValueError as exc:
        raise DateError(str(exc)) from None


def parse_date(value: object, zone: tzinfo) -> datetime:
    """Turn a front matter value into an aware datetime, or raise DateError."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=zone)
    if not isinstance(value, str):
        raise DateError("not a date")
    text = " ".join(value.split())
    if match := _ISO.match(text):
        g = match.groupdict()
        fraction = int((g["f"] or "0")[:6].ljust(6, "0"))
        return _make(
            int(g["y"]),
            int(g["m"]),
            int(g["d"]),
            int(g["H"] or 0),
            int(g["M"] or 0),
            int(g["S"] or 0),
            fraction,
            _offset(g["tz"], zone),
        )
    if match := _SLASHED.match(text):
        a, b = int(match["a"]), int(match["b"])
        month, day = (b, a) if a > 12 else (a, b)
        return _make(
            int(match["y"]),
            month,
            day,
            int(match["H"] or 0),
            int(match["M"] or 0),
            int(match["S"] or 0),
            tz=zone,
        )
    if match := _RUBY_DATE.match(text):
        return _ruby_date(match, zone)
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        if match := pattern.match(text):
            month_number = _MONTHS.get(match["mon"].lower())
            if month_number:
                return _make(int(match["y"]), month_number, int(match["d"]), tz=zone)
    try:
        parsed = parsedate_to_datetime(text)  # RFC 2822, as feeds write dates
    except (TypeError, ValueError, IndexError):
        raise DateError("not a date in a known form (use YYYY-MM-DD)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _ruby_date(match: re.Match[str], zone: tzinfo) -> datetime:
    """An ISO date and time followed by what Ruby's ``Date._parse`` also reads: a zone
    abbreviation or an offset of one to four digits; other words are ignored, as there."""
    g = match.groupdict()
    rest = g["rest"] or ""
    found_zone: tzinfo = zone
    offset = _RUBY_OFFSET.search(rest)
    if offset is not None:
        digits = offset["digits"]
        if offset["mm"] is not None:
            hours, minutes = int(digits), int(offset["mm"])
        elif len(digits) <= 2:
            hours, minutes = int(digits), 0
        else:  # Ruby: the last two digits are minutes ("-400" is -04:00)
            hours, minutes = int(digits[:-2]), int(digits[-2:])
        if hours > 23 or minutes > 59:
            raise DateError(f"offset {offset[0]} is out of range")
        sign = -1 if offset["sign"] == "-" else 1
        found_zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    else:
        for word in _RUBY_ZONE.finditer(rest):
            zone_hours = _ZONES.get(word["name"].lower())
            if zone_hours is not None:
                found_zone = timezone(timedelta(minutes=round(zone_hours * 60)))
                break
    fraction = int((g["f"] or "0")[:6].ljust(6, "0"))
    return _make(
        int(g["y"]),
        int(g["m"]),
        int(g["d"]),
        int(g["H"] or 0),
        int(g["M"] or 0),
        int(g["S"] or 0),
        fraction,
        found_zone,
    )


_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def display_date(moment: datetime | None, lang: str) -> str:
    """The date as a reader of ``lang`` expects to see it on a byline."""
    if moment is None:
        return ""
    primary = lang.split("-")[0].lower()
    y, m, d = moment.year, moment.month, moment.day
    if primary in ("ja", "zh"):
        return f"{y}年{m}月{d}日"
    if primary == "ko":
        return f"{y}년 {m}월 {d}일"
    if lang.lower() in ("en-us", "en-ph"):
        return f"{_EN_MONTHS[m - 1]} {d}, {y}"
    if primary == "en":
        return f"{d} {_EN_MONTHS[m - 1]} {y}"
    return moment.date().isoformat()
