"""Jekyll as the oracle: each shared Jekyll site's posts rendered by Debian's Jekyll and
by imprint must say the same words in the same order.

The site is copied (its configuration, posts, includes and data) under layouts that
print only ``{{ content }}`` and a marker naming the post, plugins off, and built with
``jekyll build``. imprint builds the same posts' web edition; for each post the words
(runs of letters and digits) of Jekyll's content are compared with those of imprint's
standfirst, body and bios, in reading order. A post that differs must be in ``DIFFERS``
with the reason; at most 2 % of a site's posts may be.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import html as lxml_html

from imprint.builder.plan import build
from imprint.config import load_settings

from .conftest import REPO, require, require_tool

SITES = REPO.parent / "shared" / "sites"
MARKER = re.compile(r"<!--ORACLE (.+?)-->")

# post (site/path) -> why imprint's words differ from Jekyll's
DIFFERS: dict[str, str] = {}


def _quote_symbols(config: str) -> str:
    """Debian's Ruby (Psych 4) refuses a plain scalar that reads as a Ruby symbol
    (``permalink: :title``), which older Jekylls accepted: quote those for the oracle."""
    return re.sub(r"(?m)^(\s*[\w-]+: )(:\S*)\s*$", r"\1'\2'", config)


def jekyll_contents(site: Path, work: Path) -> dict[str, str]:
    """Each post's ``{{ content }}`` as Debian's Jekyll renders it, by its path."""
    copy = work / "site"
    copy.mkdir()
    (copy / "_config.yml").write_text(
        _quote_symbols((site / "_config.yml").read_text(encoding="utf-8")), encoding="utf-8"
    )
    for folder in ("_posts", "_includes", "_data", "_authors"):
        if (site / folder).is_dir():
            shutil.copytree(site / folder, copy / folder)
    (copy / "_layouts").mkdir()
    for layout in ("post", "default", "page"):
        (copy / "_layouts" / f"{layout}.html").write_text(
            "<!--ORACLE {{ page.path }}-->{{ content }}", encoding="utf-8"
        )
    (copy / "_oracle.yml").write_text("plugins: []\nlayout: post\n", encoding="utf-8")
    out = work / "_site"
    done = subprocess.run(
        [require_tool("jekyll"), "build", "--config", "_config.yml,_oracle.yml", "-d", str(out)],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    contents: dict[str, str] = {}
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        found = MARKER.search(text)
        if found and found[1].startswith("_posts/"):
            contents[found[1]] = text[found.end() :]
    return contents


def words(fragments: list[str]) -> list[str]:
    """The words of HTML fragments in order: text only, scripts and styles left out."""
    out: list[str] = []
    for fragment in fragments:
        if not fragment.strip():
            continue
        tree = lxml_html.fragment_fromstring(fragment, create_parent="div")
        for bad in tree.xpath(".//script|.//style"):
            bad.drop_tree()
        out.extend(re.findall(r"\w+", tree.text_content()))
    return out


def imprint_pages(site: Path, out: Path) -> dict[str, list[str]]:
    """imprint's web edition of the site's posts: each post's standfirst, body and bios."""
    settings = load_settings(root=REPO).with_overrides(
        root=out / "project", out=out, site_root=site, content=site
    )
    report = build([site / "_posts"], formats=("html",), out=out, settings=settings)
    pages: dict[str, list[str]] = {}
    for result in report.built:
        tree = lxml_html.fromstring(result.target.read_bytes())
        parts = tree.xpath(
            "//article//div[@class='standfirst']|//article//div[@class='body']"
            "|//article//aside[@class='author-bio']"
        )
        pages[result.source.relative_to(site).as_posix()] = words(
            [lxml_html.tostring(p, encoding="unicode") for p in parts]
        )
    for result in report.failed:
        pages[result.source.relative_to(site).as_posix()] = [f"FAILED: {result.error}"]
    return pages


def _first_difference(a: list[str], b: list[str]) -> str:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"word {i}: jekyll {a[max(0, i - 5) : i + 5]} imprint {b[max(0, i - 5) : i + 5]}"
    return f"lengths {len(a)} (jekyll) and {len(b)} (imprint)"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["brew.sh", "rust-blog-2018"])
def test_posts_say_what_jekyll_renders(name: str, tmp_path: Path):
    site = SITES / name
    require(site.is_dir(), f"the shared site {site}")
    expected = jekyll_contents(site, tmp_path)
    assert expected, "Jekyll rendered no posts"
    built = imprint_pages(site.resolve(), tmp_path / "imprint")
    differing = {}
    for path, content in sorted(expected.items()):
        jekyll_words = words([content])
        mine = built.get(path, ["MISSING"])
        if mine != jekyll_words:
            differing[f"{name}/{path}"] = _first_difference(jekyll_words, mine)
    unexplained = {k: v for k, v in differing.items() if k not in DIFFERS}
    print(f"{name}: {len(expected) - len(differing)} equal, {len(differing)} differ")
    assert not unexplained, "\n".join(f"{k}: {v}" for k, v in unexplained.items())
    assert len(differing) <= 0.02 * len(expected), differing
