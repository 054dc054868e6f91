"""A key given twice in one JSON object: found exactly, at C speed when there is none.

json and orjson keep the last of two equal keys without a word; which one the writer meant is unknown, so
costcalc refuses such input (a usage record, a saved result, a chat sample, a community table). A second,
careful parse of everything (json with an object_pairs_hook) would cost more than the first, so:

- `unique_quick(raw, value)`: `value` (parsed from `raw` by json or orjson) written again by orjson has
  as many `"` characters as `raw` when no key is repeated: every key and every string shows both its
  quotes in both texts, a `"` inside a string is escaped (`\\"`) in both, and numbers, true/false/null and
  whitespace hold none. A key twice loses its quotes in the rewrite. The only other way the counts can
  differ is a quote written `\\u0022`, which lowers the count read, so text holding one is never passed as
  unique here. Counting is numpy over the bytes (several GB/s); the cost is about one orjson.dumps.
- `repeated_key(raw)`: the careful parse, run only where the quick check did not pass: the dotted path
  of the first key given twice, or None.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np
import orjson

REPEATED = "appears twice in one object; which value holds would be arbitrary: give each key once"
TOO_DEEP = ("nested too deeply to check for a key given twice (json stops near 1,000 levels); costcalc's inputs "
            "are a few levels deep")
_QUOTE = 34  # ord('"')
_SLICE = 4096  # list items written at once: a big saved result is rewritten in bounded pieces
_COUNT_BYTES = 4 << 20  # bytes compared at once when counting quotes


def quotes(data: bytes) -> int:
    """The `"` bytes of `data`, counted a slice at a time (a 1 GB saved result makes no 1 GB mask)."""
    if len(data) <= _COUNT_BYTES:
        return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == _QUOTE))
    view = np.frombuffer(data, dtype=np.uint8)
    return sum(int(np.count_nonzero(view[i:i + _COUNT_BYTES] == _QUOTE)) for i in range(0, len(view), _COUNT_BYTES))


def rewritten_quotes(value: object) -> int | None:
    """The `"` characters in `value` written as JSON by orjson; a dict's list values (a saved result's
    rows) are written a slice at a time. None when orjson cannot write it (nested past its limit)."""
    dumps = orjson.dumps
    try:
        if type(value) is dict:
            total = 0
            for key, item in value.items():
                total += quotes(dumps(key))
                total += _list_quotes(item) if type(item) is list else quotes(dumps(item))
            return total
        return _list_quotes(value) if type(value) is list else quotes(dumps(value))
    except (orjson.JSONEncodeError, TypeError):
        return None


def _list_quotes(items: list) -> int:
    return sum(quotes(orjson.dumps(items[i:i + _SLICE])) for i in range(0, len(items), _SLICE))


def text_quotes(raw: bytes) -> int | None:
    """The `"` characters of a JSON text, or None when it writes a quote as `\\u0022` (then only the
    careful parse can tell)."""
    if raw.find(b"\\") >= 0 and b"\\u0022" in raw:
        return None
    return quotes(raw)


def unique_quick(raw: bytes | int | None, value: object) -> bool:
    """True when `value`, parsed from `raw` (or from a text whose text_quotes were `raw`), certainly had no
    key twice in one object (see the module docstring); False means only "look closer" (repeated_key)."""
    read = text_quotes(raw) if isinstance(raw, bytes) else raw
    return read is not None and rewritten_quotes(value) == read


class _Repeated(dict):
    """An object that held a key twice (its first repeated key in `key`), as the hook below builds it."""

    __slots__ = ("key",)
    key: str


def _pairs(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    repeated = _Repeated(out)
    repeated.key = first_repeated(key for key, _ in pairs)
    return repeated


def first_repeated(keys: Iterable[str]) -> str:
    """The first key seen a second time (callers know one is)."""
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    raise ValueError("no key is repeated")


def repeated_key(raw: bytes | str) -> tuple[str, str] | None:
    """(dotted path of the first key given twice in one object, REPEATED), e.g. `usage.prompt_tokens` or
    `rows[3].cost_usd`; ("", TOO_DEEP) when json cannot parse it for depth; None when no key is repeated
    (or the text is not JSON: the caller's own parse says so)."""
    try:
        value = json.loads(raw, object_pairs_hook=_pairs)
    except RecursionError:
        return "", TOO_DEEP
    except ValueError:
        return None
    stack: list[tuple[str, object]] = [("", value)]
    while stack:
        path, node = stack.pop()
        if type(node) is _Repeated:
            return join(path, str(node.key)), REPEATED
        if isinstance(node, dict):
            stack.extend(reversed([(join(path, str(k)), v) for k, v in node.items()]))
        elif type(node) is list:
            stack.extend(reversed([(f"{path}[{i}]", v) for i, v in enumerate(node)]))
    return None


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
