"""The post an import writes: its front matter from the Word file's properties and
styles, its name (``YYYY-MM-DD-slug.md``)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yaml

from .tree import Body, plain_text

Node = dict[str, Any]


def _meta_text(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    kind = value.get("t")
    content: Any = value.get("c")
    if kind == "MetaInlines":
        return " ".join(plain_text(content).split())
    if kind == "MetaString":
        return str(content)
    if kind == "MetaBlocks":
        return " ".join(plain_text([i for b in content for i in b.get("c", [])]).split())
    return ""


def _meta_list(value: Any) -> list[str]:
    if isinstance(value, dict) and value.get("t") == "MetaList":
        return [t for t in (_meta_text(v) for v in value["c"]) if t]
    text = _meta_text(value)
    return [text] if text else []


def _date(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class PostFields:
    title: str = ""
    subtitle: str = ""
    authors: list[str] = field(default_factory=list)
    bios: dict[str, str] = field(default_factory=dict)
    date: datetime | None = None
    description: str = ""
    excerpt: str = ""
    tags: list[str] = field(default_factory=list)
    lang: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_properties(cls, props: dict[str, str], meta: dict[str, Any]) -> PostFields:
        """Fields from the core properties, with what pandoc read from the title block
        (``Title``, ``Subtitle``, ``Author``, ``Date``, ``Abstract``) taking precedence."""
        fields = cls(meta=meta)
        fields.title = _meta_text(meta.get("title")) or props.get("title", "")
        fields.subtitle = _meta_text(meta.get("subtitle"))
        fields.authors = _meta_list(meta.get("author")) or [
            n.strip() for n in props.get("creator", "").split(";") if n.strip()
        ]
        made_by_imprint = props.get("lastModifiedBy") == "imprint"
        if "created" in props and ("date" in meta or not made_by_imprint):
            fields.date = _date(props["created"])
        fields.description = props.get("subject", "")
        if not made_by_imprint:  # imprint's is the excerpt's text: its style has it
            fields.excerpt = props.get("description", "")
        fields.tags = list(
            dict.fromkeys(
                t.strip() for t in re.split(r"[,;]", props.get("keywords", "")) if t.strip()
            )
        )
        fields.lang = props.get("language", "")
        return fields

    def add_styles(self, body: Body, markdown: Callable[[list[Node]], str]) -> None:
        """What imprint's and Word's paragraph styles carried: title, subtitle,
        excerpt (or abstract) and the authors' bios."""
        if body.title and not self.title:
            self.title = " ".join(plain_text(body.title).split())
        if body.subtitle and not self.subtitle:
            self.subtitle = " ".join(plain_text(body.subtitle).split())
        abstract = self.meta.get("abstract")
        if body.excerpt:
            self.excerpt = markdown(body.excerpt)
        elif isinstance(abstract, dict) and abstract.get("t") == "MetaBlocks":
            self.excerpt = markdown(abstract["c"])
        elif isinstance(abstract, dict) and abstract.get("t") == "MetaInlines":
            self.excerpt = markdown([{"t": "Para", "c": abstract["c"]}])
        for bio in body.bios:
            text = markdown(bio)
            plain = plain_text([i for b in bio for i in b.get("c", []) if isinstance(i, dict)])
            named = [a for a in self.authors if a and a in plain and a not in self.bios]
            free = [a for a in self.authors if a not in self.bios]
            if named or free:
                self.bios[(named or free)[0]] = text
            else:
                self.bios[f"Author {len(self.bios) + 1}"] = text
                self.authors.append(f"Author {len(self.bios)}")


def front_matter(fields: PostFields) -> str:
    data: dict[str, Any] = {"title": fields.title} if fields.title else {}
    if fields.subtitle:
        data["subtitle"] = fields.subtitle
    if fields.bios:
        data["author"] = [
            {"name": a, **({"bio": fields.bios[a]} if a in fields.bios else {})}
            for a in fields.authors
        ]
    elif len(fields.authors) == 1:
        data["author"] = fields.authors[0]
    elif fields.authors:
        data["author"] = fields.authors
    if fields.date is not None:
        data["date"] = fields.date.strftime("%Y-%m-%d %H:%M:%S %z")
    if fields.description:
        data["description"] = fields.description
    if fields.excerpt:
        data["excerpt"] = fields.excerpt
    if fields.tags:
        data["tags"] = fields.tags
    if fields.lang:
        data["lang"] = fields.lang
    if not data:
        return "---\n---\n"
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1_000_000)
    return f"---\n{text}---\n"


def slug_of(title: str, fallback: str) -> str:
    """A file name's slug: ASCII words of the title joined by hyphens."""
    for text in (title, fallback):
        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        words = re.findall(r"[a-z0-9]+", plain.lower())
        slug = "-".join(words)[:60].strip("-")
        if slug:
            return slug
    return "imported"


def post_name(fields: PostFields, slug: str) -> str:
    """``YYYY-MM-DD-slug.md``; a document without a date is ``slug.md`` (a date in the
    name would be the post's date)."""
    if fields.date is None:
        return f"{slug}.md"
    return f"{fields.date:%Y-%m-%d}-{slug}.md"
