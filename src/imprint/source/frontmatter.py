"""YAML front matter read as data, never as instructions, and never guessed at.

PyYAML's loaders guess types from the look of a plain scalar: ``version: 3.0``
becomes a float, ``no`` becomes False, ``10:00`` becomes 600, and a date with a
``+0800`` offset stays a string while one with ``+08:00`` becomes a datetime.
A publishing tool has to keep what the author wrote, so this loader builds the
value tree from PyYAML's node graph itself:

* a plain (unquoted) scalar becomes :class:`Plain`, a ``str`` that remembers it
  was unquoted; the normaliser decides, per field, what it means;
* ``~``, ``null`` and an empty value become ``None``;
* quoted scalars are ordinary strings;
* only the standard tags are accepted (``!!python/...`` and friends are an
  error), and aliases are expanded under a budget, so an alias bomb stops
  after :data:`MAX_NODES` values instead of eating the machine.
"""

from __future__ import annotations

from typing import Any

import yaml

from .characters import strip_control

try:  # the C loader composes several times faster; the pure one is equivalent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is part of the PyYAML wheels
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_NODES = 10_000  # values after alias expansion; real front matter has a few dozen
MAX_DEPTH = 32  # nesting of mappings and lists
MAX_CHARS = 1_000_000  # a front matter block larger than this is not front matter

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {
    f"{_STD}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp", "binary", "value")
}
_NULLS = {"", "~", "null", "Null", "NULL"}


class Plain(str):
    """An unquoted scalar: its meaning depends on the field it fills."""

    __slots__ = ()


class FrontMatterError(ValueError):
    """Front matter that is not acceptable YAML; ``line`` counts from the block's start."""

    def __init__(self, message: str, line: int | None = None, context_line: int | None = None):
        super().__init__(message)
        self.line = line
        self.context_line = context_line

    def describe(self, first_line: int) -> str:
        """The message with line numbers counted from ``first_line`` (the block's line 0)."""
        where = (
            f"on line {self.context_line + first_line}"
            if self.context_line is not None
            else "earlier"
        )
        return str(self).replace("{context_line}", where)


class _Builder:
    def __init__(self) -> None:
        self.count = 0

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise FrontMatterError(
                f"front matter expands to more than {MAX_NODES} values (an alias bomb?)",
                node.start_mark.line,
            )
        if depth > MAX_DEPTH:
            raise FrontMatterError(
                f"front matter nests deeper than {MAX_DEPTH} levels", node.start_mark.line
            )
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if isinstance(node, yaml.SequenceNode):
            self._check_tag(node, {f"{_STD}seq", f"{_STD}omap", f"{_STD}pairs"})
            return [self.build(item, depth + 1) for item in node.value]
        if isinstance(node, yaml.MappingNode):
            self._check_tag(node, {f"{_STD}map", f"{_STD}set"})
            return self._mapping(node, depth)
        raise FrontMatterError("unexpected YAML node", node.start_mark.line)  # pragma: no cover

    @staticmethod
    def _check_tag(node: yaml.Node, allowed: set[str]) -> None:
        if node.tag not in allowed:
            raise FrontMatterError(
                f"YAML tag {node.tag.replace(_STD, '!!')} is not allowed", node.start_mark.line
            )

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self._check_tag(node, _SCALAR_TAGS)
        value = strip_control(node.value)  # a "\e" escape would reach every output
        if not node.style:  # plain: None from PyYAML's parser, "" from libyaml's
            return None if value in _NULLS else Plain(value)
        return value

    def _mapping(self, node: yaml.MappingNode, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == f"{_STD}merge":  # "<<: *defaults" merges another mapping
                merged = self.build(value_node, depth + 1)
                for part in merged if isinstance(merged, list) else [merged]:
                    if isinstance(part, dict):
                        for k, v in part.items():
                            result.setdefault(k, v)
                continue
            key = self.build(key_node, depth + 1)
            if not isinstance(key, str):
                key = str(key)
            result[str(key)] = self.build(value_node, depth + 1)
        return result


def load_front_matter(text: str) -> tuple[Any, dict[str, int]]:
    """Parse a front matter block; return the value and each top-level key's line (0-based)."""
    if len(text) > MAX_CHARS:
        raise FrontMatterError(f"front matter is larger than {MAX_CHARS // 1000} KB", 0)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.context_mark and mark is not exc.context_mark:
            # report where it broke, and where the unfinished construct began
            problem += f" {exc.context} begun {{context_line}}"
        raise FrontMatterError(
            f"invalid YAML: {problem}",
            mark.line if mark else None,
            exc.context_mark.line if exc.context_mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise FrontMatterError("front matter nests too deeply") from None
    finally:
        loader.dispose()
    if node is None:
        return None, {}
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                lines[key_node.value] = key_node.start_mark.line  # the last one wins, as in YAML
    return _Builder().build(node), lines
