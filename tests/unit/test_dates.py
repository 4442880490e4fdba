"""Dates in every form posts use: parse_date makes them aware, display_date writes them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from imprint.normalise.dates import DateError, display_date, parse_date
from imprint.source.frontmatter import Plain
from imprint.source.post import parse_source

LONDON = ZoneInfo("Europe/London")  # BST (+01:00) in May, GMT in December
H8 = timedelta(hours=8)
H1 = timedelta(hours=1)
ZERO = timedelta(0)


@pytest.mark.parametrize(
    ("value", "expected", "offset"),
    [
        # ISO 8601 / YAML timestamps with every offset spelling
        ("2025-05-08 12:00:00 +0800", (2025, 5, 8, 12, 0, 0), H8),
        ("2025-05-08T12:00:00+08:00", (2025, 5, 8, 12, 0, 0), H8),
        ("2025-05-08 12:00 +08", (2025, 5, 8, 12, 0, 0), H8),
        ("2025-05-08T09:30:00-05:30", (2025, 5, 8, 9, 30, 0), -timedelta(hours=5, minutes=30)),
        ("2025-05-08T12:00:00Z", (2025, 5, 8, 12, 0, 0), ZERO),
        ("2025-05-08 12:00:00 UTC", (2025, 5, 8, 12, 0, 0), ZERO),
        ("2025-05-08 12:00:00 GMT", (2025, 5, 8, 12, 0, 0), ZERO),
        # no offset: the project's zone, British Summer Time in May
        ("2025-05-08 12:00:00", (2025, 5, 8, 12, 0, 0), H1),
        ("2025-05-08 12:00", (2025, 5, 8, 12, 0, 0), H1),
        ("2025-05-08", (2025, 5, 8, 0, 0, 0), H1),
        ("2025-5-8", (2025, 5, 8, 0, 0, 0), H1),
        ("  2025-05-08  ", (2025, 5, 8, 0, 0, 0), H1),
        ("2025-12-08", (2025, 12, 8, 0, 0, 0), ZERO),  # GMT in winter
        ("9999-12-31", (9999, 12, 31, 0, 0, 0), ZERO),
        # slashes: month first, day first only when the first number cannot be a month
        ("2/13/2022", (2022, 2, 13, 0, 0, 0), ZERO),
        ("13/2/2022", (2022, 2, 13, 0, 0, 0), ZERO),
        ("1/2/2022", (2022, 1, 2, 0, 0, 0), ZERO),
        ("5/8/2025 14:30", (2025, 5, 8, 14, 30, 0), H1),
        # written months
        ("8 May 2025", (2025, 5, 8, 0, 0, 0), H1),
        ("8th May 2025", (2025, 5, 8, 0, 0, 0), H1),
        ("May 8, 2025", (2025, 5, 8, 0, 0, 0), H1),
        ("Sept. 3, 2025", (2025, 9, 3, 0, 0, 0), H1),
        ("3 september 2025", (2025, 9, 3, 0, 0, 0), H1),
        # RFC 2822, as feeds write it
        ("Thu, 08 May 2025 12:00:00 +0800", (2025, 5, 8, 12, 0, 0), H8),
        ("Thu, 08 May 2025 12:00:00 GMT", (2025, 5, 8, 12, 0, 0), ZERO),
        ("Thu, 08 May 2025 12:00:00", (2025, 5, 8, 12, 0, 0), H1),
    ],
)
def test_string_forms(value: str, expected: tuple[int, ...], offset: timedelta) -> None:
    moment = parse_date(value, LONDON)
    assert moment.tzinfo is not None
    assert (
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
    ) == expected
    assert moment.utcoffset() == offset


def test_naive_datetime_string_takes_the_zone_itself() -> None:
    moment = parse_date("2025-05-08 12:00:00", LONDON)
    assert moment.tzinfo is LONDON
    assert moment.astimezone(UTC) == datetime(2025, 5, 8, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "microsecond"),
    [
        ("2025-05-08T12:00:00.5Z", 500_000),
        ("2025-05-08T12:00:00,25Z", 250_000),
        ("2025-05-08T12:00:00.123456Z", 123_456),
        ("2025-05-08T12:00:00.123456789Z", 123_456),  # nanoseconds are cut, not rounded
        ("2025-05-08 12:00:00.000001 +08:00", 1),
    ],
)
def test_fractional_seconds(value: str, microsecond: int) -> None:
    moment = parse_date(value, LONDON)
    assert (moment.second, moment.microsecond) == (0, microsecond)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2025, 5, 8), datetime(2025, 5, 8, tzinfo=LONDON)),
        (datetime(2025, 5, 8, 12, 0), datetime(2025, 5, 8, 12, 0, tzinfo=LONDON)),
        (
            datetime(2025, 5, 8, 12, 0, tzinfo=timezone(H8)),
            datetime(2025, 5, 8, 12, 0, tzinfo=timezone(H8)),
        ),
    ],
)
def test_python_objects(value: date, expected: datetime) -> None:
    moment = parse_date(value, LONDON)
    assert moment == expected
    assert moment.utcoffset() == expected.utcoffset()


def test_aware_datetime_keeps_its_own_zone() -> None:
    given = datetime(2025, 12, 1, 8, 0, tzinfo=UTC)
    assert parse_date(given, ZoneInfo("Asia/Seoul")) is given


@pytest.mark.parametrize("value", [Plain("2025-05-08 12:00 +0800"), "2025-05-08 12:00 +0800"])
def test_quoted_and_unquoted_yaml_text_alike(value: str) -> None:
    assert parse_date(value, LONDON) == datetime(2025, 5, 8, 12, 0, tzinfo=timezone(H8))


@pytest.mark.parametrize(
    "line",
    [
        'date: "2025-05-08 12:00:00 +0800"',
        "date: '2025-05-08 12:00:00 +0800'",
        "date: 2025-05-08 12:00:00 +0800",
    ],
)
def test_dates_read_from_front_matter(line: str) -> None:
    source = parse_source(f"---\n{line}\n---\n".encode(), Path("post.md"))
    moment = parse_date(source.meta["date"], LONDON)
    assert moment == datetime(2025, 5, 8, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "2025-13-45",  # no month 13
        "2025-02-30",  # no 30 February
        "2025-05-08 25:00",
        "2025-05-08 12:00 +2400",  # offset out of range
        "13/13/2022",
        "8 Smarch 2025",
        "not a date",
        "",
        ["2025-05-08"],
        {"date": "2025-05-08"},
        20250508,
        None,
    ],
)
def test_not_dates(value: object) -> None:
    with pytest.raises(DateError):
        parse_date(value, LONDON)


def test_date_error_is_a_value_error_with_a_reason() -> None:
    with pytest.raises(ValueError, match="month"):
        parse_date("2025-13-45", LONDON)


MAY_8 = datetime(2025, 5, 8, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en-GB", "8 May 2025"),
        ("en", "8 May 2025"),
        ("en-AU", "8 May 2025"),
        ("en-US", "May 8, 2025"),
        ("EN-us", "May 8, 2025"),
        ("ko", "2025년 5월 8일"),
        ("ko-KR", "2025년 5월 8일"),
        ("ja", "2025年5月8日"),
        ("zh-Hant", "2025年5月8日"),
        ("fr-FR", "2025-05-08"),  # no rule for the language: ISO 8601
        ("xx", "2025-05-08"),
    ],
)
def test_display_date(lang: str, expected: str) -> None:
    assert display_date(MAY_8, lang) == expected


def test_display_date_uses_the_day_in_the_dates_own_zone() -> None:
    late = datetime(2025, 5, 8, 23, 30, tzinfo=timezone(-timedelta(hours=5)))
    assert display_date(late, "en-GB") == "8 May 2025"


def test_display_date_without_a_date_is_empty() -> None:
    assert display_date(None, "en-GB") == ""
