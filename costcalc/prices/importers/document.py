"""A community table's bytes -> plain Python values with every number an exact Decimal (never a binary
float), or one InputError line naming the file and the line. Pure: the bytes arrive as an argument."""

from __future__ import annotations

import json
from decimal import Decimal

from ..._json import first_repeated
from ...errors import _NO_VALUE, InputError, Problem, _one_line, shown
from ..._yamlnodes import parse


class NotANumber(str):
    """NaN / Infinity in a JSON file: kept as text, so the importer reports the entry, not the file."""


def _fail(name: str, line: int | None, message: str) -> InputError:
    return InputError([Problem(_one_line(name), line, "", _NO_VALUE, message)])


def _text(data: bytes, name: str) -> str:
    """A community file's text: not empty, UTF-8 (a byte-order mark dropped)."""
    if not data.strip():
        raise _fail(name, None, "the file is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(name, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


class _DuplicateKey(ValueError):
    """A key twice in one JSON object: json keeps the last silently; which one the table meant is unknown."""


def _object(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKey(first_repeated(key for key, _ in pairs))
    return out


def parse_json(data: bytes, name: str) -> object:
    text = _text(data, name)
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=NotANumber, object_pairs_hook=_object)
    except _DuplicateKey as exc:
        raise _fail(name, None, f"the key {shown(exc.args[0])} appears twice in one object; which one holds "
                                "would be arbitrary: keep one") from None
    except json.JSONDecodeError as exc:
        hint = "; a YAML file? genai-prices provider files end in .yml" if text.lstrip()[:1] not in "[{\"" else ""
        raise _fail(name, exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno}){hint}") from None
    except (ValueError, RecursionError) as exc:
        raise _fail(name, None, f"not valid JSON: {exc}") from None


def parse_yaml(data: bytes, name: str) -> object:
    """A YAML file (genai-prices' prices/providers/*.yml) read by costcalc's own node parser: numbers are
    Decimal from the text, dates stay text."""

    return _plain(parse(_text(data, name), name), {})


def _plain(node, seen: dict) -> object:
    """Node.plain() caps its size for error messages; a provider file is far larger. An alias gives the
    same object as its anchor (`seen`), so `&a [*b, *b]` chains do not expand exponentially."""
    if id(node) in seen:
        return seen[id(node)]
    if node.kind == "map":
        out: object = {key: _plain(value, seen) for key, value in node.value.items()}
    elif node.kind == "seq":
        out = [_plain(value, seen) for value in node.value]
    else:
        out = node.value
    seen[id(node)] = out
    return out
