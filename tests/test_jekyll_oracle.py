"""Jekyll as the oracle: each shared Jekyll site's posts rendered by Debian's Jekyll and
by imprint must say the same words in the same order.

The site is copied (its configuration, posts, includes and data) under a layout that
prints only a marker naming the post and ``{{ content }}``, with plugins off, and built
with ``jekyll build``. imprint builds the same posts' web edition; for each post the words
(runs of letters and digits) of Jekyll's content are compared with those of imprint's
standfirst, body and bios, in reading order. A post that differs must be in ``DIFFERS``
with the reason; at most 2 % of a site's posts may be.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from lxml import html as lxml_html

from imprint.builder.plan import BuildRequest, build
from imprint.config import load_settings

from .conftest import REPO, require, require_tool

SITES = REPO.parent / "shared" / "sites"
MARKER = re.compile(r"<!--ORACLE (.+?)-->")

# post (site/path) -> why imprint's words differ from Jekyll's
DIFFERS: dict[str, str] = {
    "rust-blog-2018/_posts/2016-05-16-rust-at-one-year.md": (
        "a remote image (rustcamp.com) without alt text: imprint does not fetch it "
        "offline and says 'image unavailable' in its place; Jekyll prints the <img>"
    ),
}


def oracle_config(site: Path) -> str:
    """The site's configuration with plugins off and every post under the marker layout.

    Written back as JSON (which YAML reads), every string quoted: Debian's Ruby (Psych 4)
    refuses a plain scalar that reads as a Ruby symbol (``permalink: :title``)."""
    config = yaml.safe_load((site / "_config.yml").read_text(encoding="utf-8")) or {}
    config["plugins"] = []
    rule = {"scope": {"path": ""}, "values": {"layout": "post"}}
    config["defaults"] = [rule, *(config.get("defaults") or [])]
    return json.dumps(config, default=str, ensure_ascii=False)


def jekyll_contents(site: Path, work: Path) -> dict[str, str]:
    """Each post's ``{{ content }}`` as Debian's Jekyll renders it, by its path."""
    copy = work / "site"
    copy.mkdir()
    (copy / "_config.yml").write_text(oracle_config(site), encoding="utf-8")
    for folder in ("_posts", "_includes", "_data", "_authors"):
        if (site / folder).is_dir():
            shutil.copytree(site / folder, copy / folder)
    (copy / "_layouts").mkdir()
    for layout in ("post", "default", "page"):
        (copy / "_layouts" / f"{layout}.html").write_text(
            "<!--ORACLE {{ page.path }}-->{{ content }}", encoding="utf-8"
        )
    out = work / "_site"
    done = subprocess.run(
        [require_tool("jekyll"), "build", "-d", str(out)],
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
    report = build(BuildRequest([site / "_posts"], formats=("html",), out=out, settings=settings))
    built, failed = list(report.built), []
    for number, result in enumerate(report.failed):
        if "is also the slug of" in (result.error or ""):  # kept apart by the builder's names
            alone = build(
                BuildRequest([result.source], ("html",), out / f"alone-{number}", settings)
            )
            built.extend(alone.built)
            failed.extend(alone.failed)
        else:
            failed.append(result)
    pages: dict[str, list[str]] = {}
    for result in built:
        tree = lxml_html.fromstring(result.target.read_bytes())
        parts = tree.xpath(
            "//article//div[@class='standfirst']|//article//div[@class='body']"
            "|//article//aside[@class='author-bio']"
        )
        pages[result.source.relative_to(site).as_posix()] = words(
            [lxml_html.tostring(p, encoding="unicode") for p in parts]
        )
    for result in failed:
        pages[result.source.relative_to(site).as_posix()] = [f"FAILED: {result.error}"]
    return pages


def _first_difference(a: list[str], b: list[str]) -> str:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"word {i}: jekyll {a[max(0, i - 5) : i + 5]} imprint {b[max(0, i - 5) : i + 5]}"
    return f"lengths {len(a)} (jekyll) and {len(b)} (imprint)"


@pytest.mark.slow
@pytest.mark.tools
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
