"""parse_source: decoding, front matter fences, safe YAML, and the lines errors point to."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from imprint.errors import SourceError
from imprint.source.frontmatter import Plain
from imprint.source.post import parse_source

PATH = Path("posts/post.md")

# libyaml reports a plain scalar's style as '' where the pure parser says None: both
# must give Plain text (and None for ~, null and empty), whichever loader is in use.


def parse(text: str) -> object:
    return parse_source(text.encode("utf-8"), PATH)


def error_of(raw: bytes) -> SourceError:
    with pytest.raises(SourceError) as caught:
        parse_source(raw, PATH)
    return caught.value


@pytest.mark.parametrize(
    ("raw", "title", "body", "body_line"),
    [
        (b"---\ntitle: A\n---\nBody\n", "A", "Body\n", 4),
        (b"\xef\xbb\xbf---\ntitle: A\n---\nBody\n", "A", "Body\n", 4),  # BOM dropped
        (b"---\r\ntitle: A\r\n---\r\nBody\r\nmore\r\n", "A", "Body\nmore\n", 4),  # CRLF
        (b"---\rtitle: A\r---\rBody\r", "A", "Body\n", 4),  # old Mac CR
        (b"---\ntitle: A\n...\nBody\n", "A", "Body\n", 4),  # pandoc's closing fence
        (b"---  \ntitle: A\n---\t\nBody\n", "A", "Body\n", 4),  # trailing blanks on fences
        (b"---\ntitle: A\nn: 1\n---\n\n\nBody\n", "A", "\n\nBody\n", 5),
    ],
)
def test_front_matter_split(raw: bytes, title: str, body: str, body_line: int) -> None:
    source = parse_source(raw, PATH)
    assert source.meta["title"] == title
    assert source.body == body
    assert source.body_line == body_line
    assert source.path == PATH


def test_digest_is_of_the_bytes_on_disk() -> None:
    raw = b"\xef\xbb\xbf---\r\ntitle: A\r\n---\r\nBody\r\n"
    assert parse_source(raw, PATH).digest == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize("text", ["# Hello\n\ntext\n", "Intro\n---\n", "", "--- not a fence\n"])
def test_no_front_matter(text: str) -> None:
    source = parse(text)
    assert (source.meta, source.meta_lines, source.body, source.body_line) == ({}, {}, text, 1)


def test_empty_front_matter() -> None:
    source = parse("---\n---\nBody\n")
    assert (source.meta, source.body, source.body_line) == ({}, "Body\n", 3)


def test_unclosed_front_matter_points_at_line_1() -> None:
    err = error_of(b"---\ntitle: A\n\nBody text\n")
    assert err.line == 1
    assert "never closed" in err.message


@pytest.mark.parametrize(
    ("block", "kind"), [("- a\n- b", "a list"), ("just words", "a single value")]
)
def test_front_matter_must_be_a_mapping(block: str, kind: str) -> None:
    err = error_of(f"---\n{block}\n---\nBody\n".encode())
    assert "not a mapping" in err.message
    assert kind in err.message
    assert err.line == 2


@pytest.mark.parametrize(
    ("lines", "culprit"),
    [
        (["title: A", "author: [x", "date: 1"], "date: 1"),  # the flow list runs into 'date'
        (["title: A", "bad: : :", "date: 1"], "bad: : :"),
        (["title: A", "\tkey: v"], "\tkey: v"),
        (["title: A", "tags:", "  - a", " - b"], " - b"),
    ],
)
def test_broken_yaml_names_the_file_line(lines: list[str], culprit: str) -> None:
    text = "---\n" + "\n".join(lines) + "\n---\nBody\n"
    err = error_of(text.encode())
    assert err.line == text.split("\n").index(culprit) + 1
    assert err.message.startswith("invalid YAML")


def test_unfinished_quote_names_where_it_began() -> None:
    text = "---\ntitle: A\nsummary: 'never closed\ndate: 1\n---\nBody\n"
    lines = text.split("\n")
    err = error_of(text.encode())
    assert err.line == lines.index("---", 1) + 1  # the stream ends at the closing fence
    began = lines.index("summary: 'never closed") + 1
    assert f"begun on line {began}" in err.message
    assert "{" not in err.message


@pytest.mark.parametrize(
    ("raw", "line", "column"),
    [
        (b"---\ntitle: A\n---\nok\nbad \xff here\n", 5, 5),
        (b"\xe9t\xe9\n", 1, 1),  # Latin-1
        (b"---\r\ntitle: caf\xe9\r\n---\r\n", 2, 11),
    ],
)
def test_not_utf8_names_the_line(raw: bytes, line: int, column: int) -> None:
    err = error_of(raw)
    assert err.line == line
    assert f"column {column}" in err.message
    assert str(err).startswith(f"{PATH}:{line}: source: not UTF-8")
    assert "\n" not in str(err)


def test_nul_bytes_refused() -> None:
    err = error_of(b"---\ntitle: A\n---\nok\nbad \x00 here\n")
    assert err.line == 5
    assert "NUL" in err.message


def test_python_tags_are_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    for raw in (
        f'---\ntitle: !!python/object/apply:os.system ["touch {marker}"]\n---\n',
        f"---\n!!python/object/apply:os.system\nargs: ['touch {marker}']\n---\n",
    ):
        err = error_of(raw.encode())
        assert "!!python/object/apply:os.system" in err.message
        assert "not allowed" in err.message
    assert not marker.exists()


def test_alias_bomb_stops_quickly() -> None:
    levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    names = "abcdefghi"
    for prev, name in zip(names, names[1:], strict=False):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    started = time.perf_counter()
    err = error_of(("---\n" + "\n".join(levels) + "\n---\nBody\n").encode())
    assert time.perf_counter() - started < 2.0
    assert "alias bomb" in err.message


def test_deep_nesting_refused() -> None:
    err = error_of(("---\nx: " + "[" * 40 + "]" * 40 + "\n---\n").encode())
    assert "deep" in err.message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("version: 3.0", "3.0"),
        ("published: no", "no"),
        ("time: 10:00", "10:00"),
        ("title: 1e3", "1e3"),
        ("n: 0o17", "0o17"),
        ("date: 2025-05-08", "2025-05-08"),
        ("date: 2025-05-08 12:00:00 +08:00", "2025-05-08 12:00:00 +08:00"),
        ("flag: yes", "yes"),
    ],
)
def test_unquoted_scalars_keep_their_text(line: str, expected: str) -> None:
    value = parse(f"---\n{line}\n---\n").meta[line.split(":")[0]]
    assert value == expected


@pytest.mark.parametrize("line", ["version: 3.0", "published: no", "time: 10:00", "title: 1e3"])
def test_unquoted_scalars_are_plain(line: str) -> None:
    assert isinstance(parse(f"---\n{line}\n---\n").meta[line.split(":")[0]], Plain)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("version: '3.0'", "3.0"),
        ('published: "no"', "no"),
        ("title: '~'", "~"),
        ("title: ''", ""),
        ('title: "1e3"', "1e3"),
    ],
)
def test_quoted_scalars_are_plain_str(line: str, expected: str) -> None:
    value = parse(f"---\n{line}\n---\n").meta[line.split(":")[0]]
    assert type(value) is str
    assert value == expected


@pytest.mark.parametrize("line", ["date: ~", "date:", "date: null", "date: NULL"])
def test_null_scalars_are_none(line: str) -> None:
    assert parse(f"---\ntitle: A\n{line}\n---\n").meta["date"] is None


def test_nested_values_keep_shape() -> None:
    meta = parse("---\nauthors:\n  - name: A\n    url: 'u'\ntags: [a, b]\n---\n").meta
    assert meta == {"authors": [{"name": "A", "url": "u"}], "tags": ["a", "b"]}


def test_merge_keys_fill_missing_fields() -> None:
    meta = parse("---\nbase: &b {lang: ko, title: X}\npost:\n  <<: *b\n  title: Y\n---\n").meta
    assert meta["post"] == {"lang": "ko", "title": "Y"}


def test_meta_lines_are_file_lines() -> None:
    text = "\ufeff---\r\ntitle: A\r\n\r\nauthor:\r\n  - B\r\ndate: 2025-05-08\r\n---\r\nBody\r\n"
    source = parse_source(text.encode("utf-8"), PATH)
    assert source.meta_lines == {"title": 2, "author": 4, "date": 6}
    assert source.line_of("date") == 6
    assert source.line_of("missing") is None
    assert source.body_line == 8


def test_repeated_key_is_located_at_the_value_used() -> None:
    try:  # rejecting the repeat, or keeping the last value's line, are both right
        line = parse("---\ntitle: A\ntitle: [x, y]\n---\n").line_of("title")
    except SourceError as err:
        line = err.line
    assert line == 3


def test_control_characters_are_removed_with_a_warning() -> None:
    from imprint.diagnostics import collecting

    with collecting() as warnings:
        source = parse_source(
            b'---\ntitle: A\x1bB\nsub: "C\\eD"\n---\nok\nText\x0c here\x1f\n', PATH
        )
    assert (source.meta["title"], source.meta["sub"]) == ("AB", "CD")  # the escape too
    assert source.body == "ok\nText here\n"
    (warning,) = warnings
    assert warning.line == 2 and "3 control character(s) such as U+001B removed" in str(warning)
