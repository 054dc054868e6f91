"""YAML text -> a tree of Nodes that remember their line, with numbers read straight to Decimal.

PyYAML's own constructors would turn `0.435` into a float and forget where each value came from; both are
unacceptable here (money is exact, errors name the line). So we compose the node graph and build values
ourselves. Dates and instants are kept as their source text: the schema layer parses them with the
rules it needs (explicit offsets, whole minutes).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from ._files import MAX_HAND_WRITTEN_BYTES, read_regular
from .errors import _NO_VALUE, InputError, Problem

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"

Scalar = str | int | Decimal | bool | None
# libyaml's parser when PyYAML was built with it (several times faster); nodes and marks are the same.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()  # the implicit tags both loaders give a plain scalar (yes, null, 1.5)


@dataclass(slots=True)  # slots: a 1,000-profile DataFrame makes ~40k Nodes (a __dict__ each was megabytes)
class Node:
    """A YAML value with its 1-based line. `value` is dict[str, Node], list[Node] or a scalar."""

    # Any, not the union: which of the three it is follows from `kind`, a runtime tag mypy cannot narrow
    # on; every reader checks `kind` first (Schema.mapping, .sequence, .string, ...).
    value: Any
    line: int
    kind: str  # "map", "seq" or "scalar"
    quoted: bool = False
    key_above: int = 0  # how many lines above `line` its key is (a block value starts below its key)

    @property
    def key_line(self) -> int:
        """The line of the key this node is the value of: where an error about the entry points."""
        return self.line - self.key_above

    def plain(self, budget: list[int] | None = None) -> object:
        """The value with nested Nodes unwrapped, for error messages and free-form fields. At most a
        few hundred nodes: aliases can make a small file describe an enormous value."""
        budget = [300] if budget is None else budget
        budget[0] -= 1
        if budget[0] < 0:
            return "…"
        if self.kind == "map":
            return {k: v.plain(budget) for k, v in self.value.items()}
        if self.kind == "seq":
            return [v.plain(budget) for v in self.value]
        return self.value


def _scalar(node: yaml.ScalarNode) -> Scalar:
    text = node.value
    if node.style in ("'", '"'):
        return text
    tag = node.tag
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return text.lower() in ("true", "yes", "on", "y")
    if tag == _INT:
        cleaned = text.replace("_", "")
        try:
            return int(cleaned, 0) if not re.fullmatch(r"[-+]?0[0-7]+", cleaned) else int(cleaned, 8)
        except ValueError:
            return text
    if tag == _FLOAT:
        try:
            value = Decimal(text.replace("_", ""))
        except InvalidOperation:
            return text  # .inf, .nan: left as text so the schema rejects them as "not a number"
        return value if value.is_finite() else text
    return text  # str and timestamp: the schema layer parses dates itself


@functools.lru_cache(maxsize=4096)
def plain_scalar(text: str) -> Scalar:
    """The value of `text` as an unquoted YAML scalar on its own (the caller knows it is one token: no
    indicator, space or line break), resolved by the parser's own rules (yes/no, null, numbers). Cached:
    the values are immutable, and a DataFrame's cells repeat (hour weights, tags, time zones)."""
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
    return _scalar(yaml.ScalarNode(tag, text))


def _build(node: yaml.Node, file: str, problems: list[Problem], path: str = "",
           seen: dict[int, Node] | None = None, active: set[int] | None = None) -> Node:
    """`path` is the dotted key of `node` (`providers.acme.models.m1.prices[0]`), for error lines.

    An alias yields the same Node as its anchor (`seen`), so `&x [*y, *y, ...]` chains stay small
    instead of expanding exponentially; an alias inside its own anchor (`active`) is refused."""
    seen = {} if seen is None else seen
    active = set() if active is None else active
    if id(node) in seen:
        return seen[id(node)]
    line = node.start_mark.line + 1
    if id(node) in active:
        problems.append(Problem(file, line, path, _NO_VALUE, "an alias refers to its own anchor (a loop)"))
        return Node(None, line, "scalar")
    active.add(id(node))
    built = _build_inner(node, file, problems, path, seen, active, line)
    active.discard(id(node))
    seen[id(node)] = built
    return built


def _build_inner(node, file, problems, path, seen, active, line) -> Node:
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Node] = {}
        key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(file, key_node.start_mark.line + 1, path, "<complex key>",
                                        "mapping keys must be plain names"))
                continue
            key = str(key_node.value)
            dotted = f"{path}.{key}" if path else key
            if key in out:
                problems.append(Problem(file, key_node.start_mark.line + 1, dotted, key,
                                        f"duplicate key (first at line {key_lines[key]})"))
                continue
            key_lines[key] = key_node.start_mark.line + 1
            out[key] = _build(value_node, file, problems, dotted, seen, active)
            out[key].key_above = out[key].line - key_lines[key]
        return Node(out, line, "map")
    if isinstance(node, yaml.SequenceNode):
        return Node([_build(v, file, problems, f"{path}[{i}]", seen, active) for i, v in enumerate(node.value)],
                    line, "seq")
    return Node(_scalar(node), line, "scalar", quoted=node.style in ("'", '"'))


def read_input(path) -> tuple[str, bytes]:
    """An input file's text and raw bytes (for hashing), or one InputError line. A byte-order mark, as
    spreadsheets write into "CSV UTF-8", is dropped."""
    try:
        data = read_regular(path, MAX_HAND_WRITTEN_BYTES, "price table, workload or FX file")
    except OSError as exc:
        raise InputError([Problem(str(path), None, "", _NO_VALUE, f"cannot read: {exc.strerror or exc}")]) \
            from None
    try:
        return data.decode("utf-8-sig"), data
    except UnicodeDecodeError as exc:
        raise InputError([Problem(str(path), None, "", _NO_VALUE, f"not UTF-8 text ({exc.reason})")]) from None


def parse(text: str, file: str) -> Node:
    """Parse YAML text into Nodes. Raises InputError with one line per problem."""
    try:
        try:
            root = yaml.compose(text, Loader=_LOADER)
        except yaml.YAMLError:
            # Re-read with the pure-Python parser: its messages are the clearer, documented ones.
            root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or exc.context or "could not be read"
        raise InputError([Problem(file, line, "", _NO_VALUE, f"not valid YAML: {reason}")]) from None
    except yaml.reader.ReaderError as exc:
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise InputError([Problem(file, None, "", _NO_VALUE, f"not valid YAML: {exc.reason} {char} at "
                                                             f"character {exc.position}")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(file, None, "", _NO_VALUE, "not valid YAML: " + " ".join(str(exc).split()))]) \
            from None
    except RecursionError:
        raise InputError([Problem(file, None, "", _NO_VALUE, "nested too deeply to read")]) from None
    if root is None:
        raise InputError([Problem(file, 1, "", _NO_VALUE, "the file is empty")])
    problems: list[Problem] = []
    try:
        tree = _build(root, file, problems)
    except RecursionError:
        raise InputError([Problem(file, None, "", _NO_VALUE, "nested too deeply to read")]) from None
    if problems:
        raise InputError(problems)
    return tree
