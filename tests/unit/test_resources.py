"""The resource policy on local references: what a post may read, and what it may not."""

from __future__ import annotations

import base64
import ipaddress
import os
from pathlib import Path

import pytest

from imprint.errors import ResourceError
from imprint.source.remote import refusal
from imprint.source.resources import Policy, Resolver, site_relative, svg_problem

from ..tools import png

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, Path]:
    """(content root, a post folder in it); a secret PNG lies outside the root."""
    root = tmp_path / "content"
    posts = root / "posts"
    posts.mkdir(parents=True)
    (root / "assets").mkdir()
    (root / "assets" / "chart.png").write_bytes(png(3, 2))
    (posts / "local.png").write_bytes(png(2, 2))
    (tmp_path / "secret.png").write_bytes(png(5, 5, b"SECRET"))
    return root, posts


def resolver(root: Path) -> Resolver:
    return Resolver(Policy(content_root=root, remote=False))


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("local.png", "posts/local.png"),
        ("./local.png", "posts/local.png"),
        ("../assets/chart.png", "assets/chart.png"),
        ("/assets/chart.png", "assets/chart.png"),
        ("{{ site.baseurl }}/assets/chart.png", "assets/chart.png"),
        ("{{site.baseurl}}/assets/chart.png", "assets/chart.png"),
        # as pandoc writes it in a Markdown image
        ("%7B%7Bsite.baseurl%7D%7D/assets/chart.png", "assets/chart.png"),
        ("%7B%7B%20site.baseurl%20%7D%7D/assets/chart.png", "assets/chart.png"),
        ("{{ site.url }}{{ site.baseurl }}/assets/chart.png", "assets/chart.png"),
        ("{{ '/assets/chart.png' | relative_url }}", "assets/chart.png"),
        ('{{ "assets/chart.png" | absolute_url }}', "assets/chart.png"),
    ],
)
def test_references_inside_the_root_resolve(site, ref: str, expected: str) -> None:
    root, posts = site
    resource = resolver(root).resolve(ref, posts)
    assert resource.media_type == "image/png"
    assert resource.data == (root / expected).read_bytes()


def test_site_relative_leaves_other_references_alone() -> None:
    assert site_relative("images/{{ x }}.png") == "images/{{ x }}.png"
    assert site_relative("https://e.example/a.png") == "https://e.example/a.png"
    assert site_relative("{{ site.baseurl }}") == "/"


@pytest.mark.parametrize(
    ("ref", "reason"),
    [
        ("file:///etc/passwd", "file: URLs are not allowed"),
        ("FILE:///etc/passwd", "file: URLs are not allowed"),
        ("/etc/hostname", "no such file in the content folder"),  # site-absolute: root/etc/...
        ("/dev/zero", "no such file in the content folder"),
        ("../../secret.png", "outside the content folder"),
        ("../../../../../../../../etc/passwd", "outside the content folder"),
        ("..%2F..%2Fsecret.png", "outside the content folder"),
        ("{{ site.baseurl }}/../secret.png", "outside the content folder"),
        ("C:\\Windows\\win.ini", "not a path inside the content folder"),
        ("local.png%00.txt", "not a path inside the content folder"),
        ("ftp://example.com/a.png", "ftp: URLs are not allowed"),
        ("javascript:alert(1)", "javascript: URLs are not allowed"),
        ("", "empty image reference"),
    ],
)
def test_references_outside_the_policy_are_refused(site, ref: str, reason: str) -> None:
    root, posts = site
    with pytest.raises(ResourceError) as caught:
        resolver(root).resolve(ref, posts)
    assert reason in caught.value.message
    if ref:
        assert caught.value.message.startswith(ref.split("%")[0][:20])  # names the reference


def test_symlink_pointing_outside_is_refused(site, tmp_path: Path) -> None:
    root, posts = site
    (posts / "innocent.png").symlink_to(tmp_path / "secret.png")
    (root / "linked").symlink_to(tmp_path, target_is_directory=True)
    for ref in ("innocent.png", "/linked/secret.png"):
        with pytest.raises(ResourceError, match="outside the content folder"):
            resolver(root).resolve(ref, posts)


def test_symlink_inside_the_root_is_followed(site) -> None:
    root, posts = site
    (posts / "alias.png").symlink_to(root / "assets" / "chart.png")
    assert resolver(root).resolve("alias.png", posts).data == png(3, 2)


def test_special_files_are_refused_without_reading(site) -> None:
    root, posts = site
    fifo = posts / "pipe.png"
    os.mkfifo(fifo)  # reading it would block for ever
    (posts / "folder.png").mkdir()
    for ref in ("pipe.png", "folder.png"):
        with pytest.raises(ResourceError, match="not a regular file"):
            resolver(root).resolve(ref, posts)


def test_size_cap_applies_to_files_and_data_urls(site) -> None:
    root, posts = site
    small = Resolver(Policy(content_root=root, remote=False, max_bytes=50))
    with pytest.raises(ResourceError, match="larger than 50 bytes"):
        small.resolve("../assets/chart.png", posts)
    url = "data:image/png;base64," + base64.b64encode(png(3, 2)).decode()
    with pytest.raises(ResourceError, match="larger than 50 bytes"):
        small.resolve(url, posts)


def test_data_urls_must_hold_images(site) -> None:
    root, posts = site
    good = "data:image/png;base64," + base64.b64encode(png()).decode()
    assert resolver(root).resolve(good, posts).data == png()
    for bad in (
        "data:text/html,<script>alert(1)</script>",
        "data:image/png;base64,AAAA",
        "data:image/png",
    ):
        with pytest.raises(ResourceError):
            resolver(root).resolve(bad, posts)


def test_the_name_of_a_file_does_not_make_it_an_image(site) -> None:
    root, posts = site
    (posts / "fake.png").write_text("root:x:0:0:root:/root:/bin/bash\n")
    with pytest.raises(ResourceError, match="not a PNG, JPEG, GIF, WebP or SVG"):
        resolver(root).resolve("fake.png", posts)


def test_remote_off_refuses_without_a_network(site) -> None:
    root, posts = site
    with pytest.raises(ResourceError, match="remote resources are turned off"):
        resolver(root).resolve("https://images.example/a.png", posts)
    with pytest.raises(ResourceError, match="remote resources are turned off"):
        resolver(root).resolve("//images.example/a.png", posts)  # protocol-relative is remote


@pytest.mark.parametrize(
    ("svg", "problem"),
    [
        (SVG, None),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><defs><linearGradient id="g"/></defs>'
            b'<rect fill="url(#g)"/></svg>',
            None,
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "event handler"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
            b'<image x:href="file:///etc/passwd"/></svg>',
            "refers to another file",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><image href="/etc/hostname"/></svg>',
            "refers to another file",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import "x.css";</style></svg>',
            "stylesheet",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(file:///x)"/></svg>',
            "style",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>', "<foreignObject>"),
        (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
            "entities",
        ),
        (b"<svg><unclosed></svg>", "not well-formed"),
    ],
)
def test_svg_must_be_only_a_drawing(svg: bytes, problem: str | None) -> None:
    found = svg_problem(svg)
    assert (found is None) if problem is None else (problem in (found or "")), found


def test_unsafe_svg_file_is_refused(site) -> None:
    root, posts = site
    (posts / "ok.svg").write_bytes(SVG)
    (posts / "bad.svg").write_bytes(SVG.replace(b"<rect", b'<rect onclick="x()"'))
    assert resolver(root).resolve("ok.svg", posts).media_type == "image/svg+xml"
    with pytest.raises(ResourceError, match="bad.svg: SVG has an event handler"):
        resolver(root).resolve("bad.svg", posts)


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("93.184.216.34", None),
        ("2606:2800:220:1:248:1893:25c8:1946", None),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),  # carrier-grade NAT
        ("0.0.0.0", "private"),
        ("fc00::1", "private"),
        ("224.0.0.1", "private"),
    ],
)
def test_public_address_check(address: str, refused: str | None) -> None:
    why = refusal(ipaddress.ip_address(address))
    assert (why is None) if refused is None else (refused in (why or "")), why


def test_trusted_networks_are_the_only_exception() -> None:
    trusted = (ipaddress.ip_network("127.0.0.1/32"),)
    assert refusal(ipaddress.ip_address("127.0.0.1"), trusted) is None
    assert "loopback" in (refusal(ipaddress.ip_address("127.0.0.2"), trusted) or "")
