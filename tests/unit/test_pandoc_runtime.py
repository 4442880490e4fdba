"""pandoc runs with a larger allocation area (less garbage collection): the same bytes
as with its default runtime, a GHCRTS the user set wins, and the sandbox still holds."""

from __future__ import annotations

import subprocess

from imprint.source import pandoc
from imprint.source.pandoc import RUNTIME_OPTIONS, pandoc_path, run_pandoc

MARKDOWN = (
    "# A heading\n\nText with a note.[^1] *Emphasis*, “quotes” and $x^2$.\n\n"
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n[^1]: The note.\n"
).encode() * 40
ARGS = ["--from=markdown", "--to=html5", "--mathml", "--wrap=none"]


def test_runtime_options_change_the_time_not_the_bytes(monkeypatch):
    monkeypatch.delenv("GHCRTS", raising=False)
    assert pandoc._environment()["GHCRTS"] == RUNTIME_OPTIONS == "-A64m"
    plain = subprocess.run(
        [pandoc_path(), "--sandbox", *ARGS], input=MARKDOWN, capture_output=True, check=True
    )
    assert plain.stdout and run_pandoc(ARGS, MARKDOWN) == plain.stdout
    # the options reach pandoc: statistics asked for through them are printed
    done = subprocess.run(
        [pandoc_path(), "--sandbox", *ARGS],
        input=MARKDOWN,
        capture_output=True,
        check=True,
        env={**pandoc._environment(), "GHCRTS": f"{RUNTIME_OPTIONS} -t"},
    )
    assert b"MUT" in done.stderr or b"<<ghc:" in done.stderr, done.stderr[-300:]


def test_a_ghcrts_the_user_set_is_kept(monkeypatch):
    monkeypatch.setenv("GHCRTS", "-A8m")
    assert pandoc._environment()["GHCRTS"] == "-A8m"
    assert b"<h1" in run_pandoc(ARGS, MARKDOWN[:200])
