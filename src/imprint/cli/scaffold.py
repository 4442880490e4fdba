"""Starting points: ``imprint new`` writes a post, ``imprint init`` a whole project.

A new post's front matter is read alike by imprint and by Jekyll: title, author,
a date with its offset, description, the excerpt separator (used once in the
body) and an empty ``bio:`` line to fill in or leave to ``_authors.yml``. Its file
name is Jekyll's ``YYYY-MM-DD-slug.md``. Nothing is ever overwritten by ``new``;
``init`` refuses a folder that holds anything unless told ``force``.
"""

from __future__ import annotations

import getpass
import json
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from ..config import CONFIG_NAME, Settings, data_dir
from ..errors import ConfigError, ImprintError
from ..normalise.dates import DateError, parse_date
from ..normalise.metadata import clean_slug

EXCERPT_SEPARATOR = "<!--more-->"

NEW_BODY = """\
One or two sentences that say what this post is about. Everything above the
separator below is the excerpt: the standfirst under the title, and the summary in
lists and catalogues.

{separator}

Write the post here, in Markdown. The title above is the only level-1 heading, so
sections start at `##` (imprint places the highest heading you use under the title,
whatever its level). Footnotes,[^1] tables, callouts and math work in every format.

An image is a file beside the post, say in an `images/` folder next to it, shown with
`![what the picture shows](images/figure.png)`; the words in brackets are its alt
text, read out to people who cannot see it.

[^1]: Like this one.
"""


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is YAML's too)."""
    return json.dumps(text, ensure_ascii=False)


def default_author() -> str:
    """The name git knows the author by, else the login name."""
    try:
        done = subprocess.run(
            ["git", "config", "user.name"], capture_output=True, text=True, timeout=5, check=False
        )
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    return getpass.getuser()


def post_date(text: str | None, settings: Settings) -> datetime:
    """``--date`` (any form a post's front matter may use), else now; always with an
    offset, local to the project's time zone when none is given."""
    if text is None:
        return datetime.now(settings.zone).replace(microsecond=0)
    try:
        return parse_date(text, settings.zone)
    except DateError as exc:
        raise ConfigError(f"--date: {exc}") from None


def front_matter(title: str, author: str, moment: datetime, description: str) -> str:
    return "\n".join(
        [
            "---",
            "layout: post",
            f"title: {_quoted(title)}",
            f"author: {_quoted(author)}",
            f"date: {moment.strftime('%Y-%m-%d %H:%M:%S %z')}",
            "# One sentence for search results, feeds and link previews; left empty,",
            "# the excerpt (the text above the separator in the body) serves instead.",
            f"description: {_quoted(description)}",
            f"excerpt_separator: {EXCERPT_SEPARATOR}",
            "# The author's bio in Markdown, or leave it empty to take the bio from",
            "# _authors.yml in the content folder.",
            "bio:",
            "---",
            "",
        ]
    )


def write_post(
    folder: Path,
    title: str,
    author: str,
    moment: datetime,
    description: str = "",
    body: str = NEW_BODY,
) -> Path:
    """Write a new post as ``folder/YYYY-MM-DD-slug.md``; never over an existing file."""
    if not title.strip():
        raise ConfigError("a post needs a title")
    slug = clean_slug(title)
    if not slug:
        raise ConfigError(f"the title {title!r} gives no file name; use letters or digits")
    path = folder / f"{moment:%Y-%m-%d}-{slug}.md"
    text = (
        front_matter(title.strip(), author, moment, description)
        + "\n"
        + body.format(separator=EXCERPT_SEPARATOR)
    )
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise ImprintError(
            "already exists; not overwritten (choose another title or date)", path
        ) from None
    return path


def new_post(
    title: str, author: str | None, date: str | None, folder: Path | None, settings: Settings
) -> Path:
    """``imprint new``: the post's path."""
    return write_post(
        folder or settings.content, title, author or default_author(), post_date(date, settings)
    )


# --- imprint init ------------------------------------------------------------------------

SAMPLE_AUTHOR = "Avery Quill"

SAMPLE_BODY = """\
This is the project's first post. It shows the blocks every format carries: the
title, the byline, the date, this excerpt as the standfirst, and the author's bio.

{separator}

Edit this file and run `make all`; the HTML, PDF, EPUB and DOCX appear under
`build/`. While writing, `make preview` shows the web page and the print pages side
by side and rebuilds them on every save.

### What goes where

- **Front matter** (between the `---` lines) holds the title, author, date,
  description and the excerpt separator.
- **The excerpt** is everything above the separator.
- **The bio** comes from `bio:` in the front matter, or from `content/_authors.yml`
  by the author's name, as it does for this post.

A new post starts with `imprint new "Its Title"`.
"""

AUTHORS = f"""\
# Bios, affiliations and links by author. A post's own `bio:` takes precedence.

avery-quill:
  name: {SAMPLE_AUTHOR}
  affiliation: The Example Review
  bio: >-
    **{SAMPLE_AUTHOR}** edits The Example Review. Replace this with a real bio.
"""

SETTINGS = """\
# imprint settings; every key is optional (see imprint's README for all of them).

[project]
content = "content"            # where posts live
out = "build"                  # where outputs go
lang = "en-GB"                 # for posts that do not say
timezone = "UTC"               # for dates written without an offset
# brand = "styles"             # brand.toml and any stylesheets (default: styles/)
# templates = "templates"      # only if you override imprint's own templates

[pdf]
standard = "ua-1"              # ua-1 (tagged, accessible), a-3b (archival) or none
"""

MAKEFILE = """\
# make all: every post in content/ as HTML, PDF, EPUB and DOCX under build/
# make pdf: PDFs only; make preview: live preview in the browser; make clean

# imprint on PATH, else the one that created this project
IMPRINT ?= $(shell command -v imprint 2>/dev/null || echo '{fallback}')
OUT ?= build

.PHONY: all pdf preview clean

all:
\t$(IMPRINT) build content --out $(OUT)

pdf:
\t$(IMPRINT) build content --out $(OUT) --formats pdf

preview:
\t$(IMPRINT) preview content

clean:
\trm -rf $(OUT) .imprint-cache
"""

GITIGNORE = """\
/build/
/.imprint-cache/
"""

README = """\
# {name}

Posts in `content/` (Markdown with front matter), published with imprint as HTML,
PDF, EPUB and DOCX.

```sh
make all                      # build/html, build/pdf, build/epub, build/docx
make preview                  # live preview in the browser while you write
imprint new "A Title"         # a new post in content/
make clean
```

- `styles/brand.toml`: the brand (colours, typefaces, page size, footer).
- `content/_authors.yml`: authors' bios, affiliations and links.
- `imprint.toml`: project settings.
"""


def _imprint_command() -> str:
    """How this project's Makefile reaches the imprint that made it, if not on PATH."""
    return f"{sys.executable} -m imprint"


def init_project(folder: Path, force: bool = False) -> list[Path]:
    """``imprint init``: write a project that ``make all`` builds; the files written."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError("exists and is not a folder", folder)
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise ConfigError("folder is not empty; use --force to write into it", folder)
    styles = data_dir("styles")
    brand = (styles / "brand.toml").read_text(encoding="utf-8")
    files = {
        CONFIG_NAME: SETTINGS,
        "Makefile": MAKEFILE.format(fallback=_imprint_command()),
        ".gitignore": GITIGNORE,
        "README.md": README.format(name=folder.resolve().name),
        "content/_authors.yml": AUTHORS,
        "styles/brand.toml": "# A copy of imprint's default brand: change it to make it "
        "yours. Stylesheets\n# not in this folder come from imprint.\n\n" + brand,
    }
    written = []
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    shutil.copyfile(styles / "logo.svg", folder / "styles" / "logo.svg")
    written.append(folder / "styles" / "logo.svg")
    moment = datetime.now().astimezone().replace(microsecond=0)
    sample = folder / "content" / f"{moment:%Y-%m-%d}-welcome.md"
    sample.unlink(missing_ok=True)  # --force: the sample is ours to replace
    written.append(
        write_post(
            folder / "content",
            "Welcome",
            SAMPLE_AUTHOR,
            moment,
            "What an imprint post looks like",
            SAMPLE_BODY,
        )
    )
    return written
