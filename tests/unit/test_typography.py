"""Each typography pass from a table of input and expected output."""

from __future__ import annotations

import pytest

from imprint.normalise import typography

PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # mi-khaham, spelt with a ZWNJ


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zero\u200bwidth", "zerowidth"),
        ("word\u2060joiner", "wordjoiner"),
        ("\ufeffBOM", "BOM"),
        ("soft\u00adhyphen", "softhyphen"),
        ("\u200b\u2060\ufeff\u00ad", ""),
        (PERSIAN, PERSIAN),  # ZWNJ stays
        ("\u0915\u094d\u200d\u0937", "\u0915\u094d\u200d\u0937"),  # ZWJ stays
        ("no\u00a0break", "no\u00a0break"),  # visible spacing is not this pass's business
        ("plain", "plain"),
    ],
)
def test_strip_invisible(text: str, expected: str) -> None:
    assert typography.strip_invisible(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  a \n b\t c  ", "a b c"),
        ("folded\nline", "folded line"),
        ("one", "one"),
        ("", ""),
        (" \n\t ", ""),
    ],
)
def test_collapse_space(text: str, expected: str) -> None:
    assert typography.collapse_space(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\"a 'b'\"", "\u201ca \u2018b\u2019\u201d"),
        ("don't", "don\u2019t"),
        ("the authors' views", "the authors\u2019 views"),
        ('("x")', "(\u201cx\u201d)"),
        ("['y']", "[\u2018y\u2019]"),
        ('a\u2014"b"', "a\u2014\u201cb\u201d"),
        ('pre-"war"', "pre-\u201cwar\u201d"),
        ('say "hi"', "say \u201chi\u201d"),
        ("5' 10\"", "5\u2019 10\u201d"),
        ("\u201calready\u201d", "\u201calready\u201d"),
        ("no quotes", "no quotes"),
    ],
)
def test_smart_quotes(text: str, expected: str) -> None:
    assert typography.smart_quotes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1990 -- 2000", "1990 \u2013 2000"),
        ("1990--2000", "1990\u20132000"),
        ("wait---what", "wait\u2014what"),
        ("a - b", "a - b"),
        ("well-known", "well-known"),
        ("---", "\u2014"),
        ("----", "\u2014-"),
        ("-----", "\u2014\u2013"),
    ],
)
def test_dashes(text: str, expected: str) -> None:
    assert typography.dashes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("\u200b", None),
        ("It's a---test", "It\u2019s a\u2014test"),
        (' "Quoted"  --  subtitle\u200b ', "\u201cQuoted\u201d \u2013 subtitle"),
        ("Line one\nline two", "Line one line two"),
        ("soft\u00adhy\u00adphen's", "softhyphen\u2019s"),
    ],
)
def test_plain_metadata(text: str | None, expected: str | None) -> None:
    assert typography.plain_metadata(text) == expected


@pytest.mark.parametrize("text", ["It's a---test", ' "Q" -- s ', "plain words"])
def test_plain_metadata_is_idempotent(text: str) -> None:
    once = typography.plain_metadata(text)
    assert typography.plain_metadata(once) == once
