"""A corpus of N posts made from the samples in content/, each with its own title and slug.

Used by the benchmark and by the tests that need more posts than the three
samples (an interrupted build, a timeout): the posts differ in title and
file name, share the samples' bodies, images and author registry.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

WORDS = (
    "Revisited",
    "in Practice",
    "After the Storm",
    "by the Numbers",
    "for Ministers",
    "at Sea Level",
    "Five Years On",
    "from the Ground Up",
    "in Brief",
    "Reconsidered",
)


def generate(samples: Path, dest: Path, count: int) -> list[Path]:
    """Write ``count`` posts into ``dest`` (made fresh), cycling through the samples."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for extra in samples.iterdir():  # the author registry, images: everything but posts
        if extra.suffix != ".md":
            (shutil.copytree if extra.is_dir() else shutil.copy)(extra, dest / extra.name)
    sources = sorted(samples.glob("*.md"))
    written = []
    for number in range(1, count + 1):
        source = sources[(number - 1) % len(sources)]
        text = source.read_text(encoding="utf-8")
        suffix = f"{WORDS[(number - 1) % len(WORDS)]} ({number})"
        # the title line, quoted or not: "title : "X"" or "title: X"
        text = re.sub(
            r'^(title\s*:\s*)"?(.*?)"?\s*$',
            lambda m, suffix=suffix: f'{m[1]}"{m[2]}: {suffix}"',
            text,
            count=1,
            flags=re.M,
        )
        target = dest / f"{source.stem}-{number:05d}.md"  # slug: <sample slug>-<number>
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def copies(post: Path, dest: Path, count: int) -> list[Path]:
    """Write ``count`` copies of one post into ``dest`` (made fresh), each with its own
    title (its ``title:`` front-matter line rewritten) and file name, hence slug."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    text = post.read_text(encoding="utf-8")
    found = re.search(r'^title\s*:\s*"?(.*?)"?\s*$', text, flags=re.MULTILINE)
    if found is None:
        raise ValueError(f"{post}: no title: line to rewrite")
    written = []
    for number in range(1, count + 1):
        title = f"{found[1]}: {WORDS[(number - 1) % len(WORDS)]} ({number})"
        quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
        copy = text[: found.start()] + f"title: {quoted}" + text[found.end() :]
        target = dest / f"{post.stem}-{number:05d}.md"
        target.write_text(copy, encoding="utf-8")
        written.append(target)
    return written
