"""JSON lines read in blocks, and the two things a fast parser hides: a key given twice in one object, and
how a number with a fraction was written.

orjson keeps the last of two equal keys without a word, and gives `1.0000000000000001` as the float 1.0.
Neither may pass silently in a usage log (a count would be priced from whichever value the parser kept),
and a second, careful parse of every line would cost more than the first. So:

- Lines come in blocks of about a mebibyte (`line_blocks`), parsed with orjson.
- `repeated_keys` checks a whole block at once, exactly: re-serialized by orjson (one C call), a block
  with no key twice has as many `"` characters as the text read, because every key and every string
  shows both its quotes in both texts, a `"` inside a string is escaped (`\\"`) in both, and numbers,
  true/false/null and whitespace hold none. A key twice loses its quotes in the re-serialization. The
  only other way the counts can differ is a quote written `\\u0022`, which lowers the count read, so a
  block holding one (found by a memchr search for a backslash first) is checked line by line too.
  Counting quotes is numpy over the bytes (several GB/s); the cost is about one more orjson.dumps per
  line. Only a line whose counts differ is parsed again, by json with an object_pairs_hook, to name the
  key.
- `exact_text_floats` re-parses one bad line with each fraction or exponent kept as written
  (common.NumberText), to quote it in the problem.
"""

from __future__ import annotations

import json
from typing import IO, Iterator

import numpy as np
import orjson

from .formats.common import NumberText

BLOCK_BYTES = 1 << 20
_QUOTE = 34  # ord('"')
_BOM = b"\xef\xbb\xbf"
_MAX_DEPTH_CHECKED = 900  # json.loads (a C recursion per level) stops near 1,000 under Python's limit


class LongLine:
    """A line above the cap, in the place of its lines in the stream: `head` is its first bytes (for the
    problem to quote); the rest of it was read past and never held."""

    __slots__ = ("head",)

    def __init__(self, head: bytes):
        self.head = head


class Block:
    """Complete lines read at once. `data` is their bytes (newlines included, a leading byte-order mark
    dropped); `lines` the lines without their newline; `open_end` is True when the last line ends the
    file without a newline (a truncated write?)."""

    __slots__ = ("data", "lines", "open_end")

    def __init__(self, data: bytes, lines: list[bytes], open_end: bool):
        self.data, self.lines, self.open_end = data, lines, open_end


def line_blocks(handle: IO[bytes], line_cap: int) -> Iterator[Block | LongLine]:
    """The file as Blocks of whole lines and, in their places, LongLines for lines longer than `line_cap`
    bytes (newline included). Memory stays about one block plus one line below the cap."""
    size = min(BLOCK_BYTES, line_cap)  # a line inside one read is then never above the cap
    pieces: list[bytes] = []  # the start of a line running on from earlier reads
    carried = 0
    skipping = False  # reading past the rest of a long line
    first = True
    while True:
        data = handle.read(size)
        if first:
            first = False
            if data.startswith(_BOM):
                data = data[len(_BOM):]
        if not data:
            if pieces:
                tail = b"".join(pieces)
                yield Block(tail, [tail], True)
            return
        if skipping:
            start = data.find(b"\n")
            if start < 0:
                continue
            skipping = False
            data = data[start + 1:]
            if not data:
                continue
        end = data.rfind(b"\n")
        if end < 0:
            pieces.append(data)
            carried += len(data)
            if carried > line_cap:
                yield LongLine(pieces[0][:1024])
                pieces, carried, skipping = [], 0, True
            continue
        if pieces:
            first_end = data.find(b"\n")
            if carried + first_end + 1 > line_cap:
                yield LongLine(pieces[0][:1024])
                pieces, carried = [], 0
                data, end = data[first_end + 1:], end - first_end - 1
                if end < 0:
                    if data:
                        pieces, carried = [data], len(data)
                    continue
        whole = b"".join((*pieces, data[:end + 1])) if pieces else data[:end + 1]
        pieces = [data[end + 1:]] if end + 1 < len(data) else []
        carried = len(data) - end - 1
        lines = whole.split(b"\n")
        del lines[-1]  # the empty piece after the last newline
        yield Block(whole, lines, False)


def quotes(data: bytes) -> int:
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == _QUOTE))


def repeated_keys(block: Block, values: list, skip: frozenset[int] | set[int]) -> dict[int, tuple[str, str]]:
    """{line index: (dotted key, message)} for the lines of a block holding a key twice in one object (or
    nested too deeply to tell). `values` are the parsed lines; indexes in `skip` did not parse (blank or
    bad JSON) and are left out."""
    parsed = values if not skip else [v for i, v in enumerate(values) if i not in skip]
    read = quotes(block.data)
    if skip:
        read -= sum(quotes(block.lines[i]) for i in skip)
    try:
        rewritten = quotes(orjson.dumps(parsed))
    except orjson.JSONEncodeError:  # a line nested deeper than orjson writes: line by line
        rewritten = -1
    if rewritten == read and (block.data.find(b"\\") < 0 or b"\\u0022" not in block.data):
        return {}
    found = {}
    for i, (raw, value) in enumerate(zip(block.lines, values)):
        if i in skip:
            continue
        try:
            same = quotes(raw) == quotes(orjson.dumps(value)) and b"\\u0022" not in raw
        except orjson.JSONEncodeError:
            same = False
        if not same:
            where = repeated_key(raw)
            if where is not None:
                found[i] = where
    return found


REPEATED = "appears twice in one object; which value holds would be arbitrary: give each key once"
TOO_DEEP = (f"nested more than {_MAX_DEPTH_CHECKED} levels deep (a usage record is a few levels deep), too deep "
            "to check for a key given twice")


class _Repeated(dict):
    """An object that held a key twice (its first repeated key in `key`), as json's hook builds it."""

    __slots__ = ("key",)


def _pairs(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    seen: set = set()
    repeated = _Repeated(out)
    repeated.key = next(key for key, _ in pairs if key in seen or seen.add(key))
    return repeated


def repeated_key(raw: bytes) -> tuple[str, str] | None:
    """(dotted path of the first key given twice in one object of this JSON text, REPEATED), or (a path,
    TOO_DEEP) when it is nested too deeply to parse with json; None when no key is repeated."""
    try:
        value = json.loads(raw, object_pairs_hook=_pairs)
    except RecursionError:
        return "", TOO_DEEP
    except ValueError:  # not reached for a line orjson parsed; nothing to name
        return None
    stack: list[tuple[str, object]] = [("", value)]
    while stack:
        path, node = stack.pop()
        if type(node) is _Repeated:
            return _join(path, node.key), REPEATED
        if isinstance(node, dict):
            stack.extend(reversed([(_join(path, str(k)), v) for k, v in node.items()]))
        elif type(node) is list:
            stack.extend(reversed([(f"{path}[{i}]", v) for i, v in enumerate(node)]))
    return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def exact_text_floats(raw: bytes) -> object:
    """The line parsed again with every JSON number that has a fraction or an exponent as a NumberText
    (its text as written); None if it cannot be (it parsed once, so only depth can stop it)."""
    try:
        return json.loads(raw, parse_float=NumberText)
    except (ValueError, RecursionError):
        return None
