"""JSON lines read in blocks, and the two things a fast parser hides: a key given twice in one object, and
how a number with a fraction was written.

orjson keeps the last of two equal keys without a word, and gives `1.0000000000000001` as the float 1.0.
Neither may pass silently in a usage log (a count would be priced from whichever value the parser kept),
and a second, careful parse of every line would cost more than the first. So:

- Lines come in blocks of about a mebibyte (`line_blocks`), parsed with orjson. Blocks read as columns
  (jsonl_columns.py, larger) are read into a few reused buffers instead (`reuse`: fresh memory is slow on
  a VM whose host takes freed pages back).
- `repeated_keys` checks a whole block at once, exactly and at C speed when no key is repeated (the
  quote count of costcalc/_json.py over the block: about one more orjson.dumps per line); only a line
  that does not pass is parsed again, by json with an object_pairs_hook, to name the key.
- `exact_text_floats` re-parses one bad line with each fraction or exponent kept as written
  (common.NumberText), to quote it in the problem.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import cast

import orjson

from .._json import quotes, repeated_key
from .formats.common import NumberText

BLOCK_BYTES = 1 << 20
_BOM = b"\xef\xbb\xbf"


class LongLine:
    """A line above the cap, in the place of its lines in the stream: `head` is its first bytes (for the
    problem to quote); the rest of it was read past and never held."""

    __slots__ = ("head",)

    def __init__(self, head: bytes):
        self.head = head


class Block:
    """Complete lines read at once. `view` is their bytes as a buffer (newlines included, a leading
    byte-order mark dropped): bytes, or a memoryview of a reused read buffer (line_blocks with `reuse`);
    `data` the same as bytes (copied from a view on first use: only the per-line path needs it);
    `lines` the lines without their newline (split on first use: a block read as columns never needs
    them); `open_end` is True when the last line ends the file without a newline (a truncated write?)."""

    __slots__ = ("_data", "_lines", "open_end", "view")

    def __init__(self, data: bytes | memoryview, lines: list[bytes] | None, open_end: bool):
        self.view, self._lines, self.open_end = data, lines, open_end
        self._data = data if isinstance(data, bytes) else None

    @property
    def data(self) -> bytes:
        if self._data is None:
            self._data = bytes(self.view)
        return self._data

    @property
    def lines(self) -> list[bytes]:
        if self._lines is None:
            self._lines = self.data.split(b"\n")
            del self._lines[-1]  # the empty piece after the last newline
        return self._lines


def line_blocks(handle: io.BufferedIOBase, line_cap: int, block_bytes: int = BLOCK_BYTES, reuse: bool = False
                ) -> Iterator[Block | LongLine]:
    """The file as Blocks of whole lines and, in their places, LongLines for lines longer than `line_cap`
    bytes (newline included). Memory stays about one block plus one line below the cap. reuse=True: each
    Block's `view` is a memoryview of a read buffer that is read into again once nothing holds a view of
    it any more (_Buffers), so a file costs a few buffers of fresh memory, not two copies of itself."""
    size = min(block_bytes, line_cap)  # a line inside one read is then never above the cap
    if reuse and line_cap >= _room(size):
        yield from _reused_blocks(handle, line_cap, size)
        return
    yield from _copied_blocks(handle, line_cap, size, [], True)


def _copied_blocks(handle: io.BufferedIOBase, line_cap: int, size: int, pieces: list[bytes], first: bool
                   ) -> Iterator[Block | LongLine]:
    """line_blocks with each read a new bytes object; `pieces`: the start of a line already read (a
    line longer than a reused buffer holds: _reused_blocks reads the rest of the file here)."""
    carried = sum(map(len, pieces))
    skipping = False  # reading past the rest of a long line
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
        # a memoryview: the head of this read is copied once, by join (a slice would copy it first)
        whole = b"".join((*pieces, memoryview(data)[:end + 1])) if pieces else data[:end + 1]
        pieces = [data[end + 1:]] if end + 1 < len(data) else []
        carried = len(data) - end - 1
        yield Block(whole, None, False)


class _Buffers:
    """Read buffers of `size` bytes used again and again. A buffer is handed out (as a memoryview) only
    when nothing but this pool refers to it: a Block's memoryview of it (held by the reader, a read-ahead,
    pyarrow or numpy while they use the block) refers to it, so a buffer still in use is never written
    over; while every buffer is in use a new one is made. Why: on a VM that takes freed pages back
    (Firecracker), a fresh 4 MiB read costs its pages again on every block; the same few buffers read into
    again cost nothing."""

    def __init__(self, size: int):
        self.size = size
        self._all: list[bytearray] = []

    def take(self) -> memoryview:
        for buffer in self._all:
            if not _exported(buffer):
                return memoryview(buffer)
        self._all.append(bytearray(self.size))
        return memoryview(self._all[-1])


def _exported(buffer: bytearray) -> bool:
    """Whether some view of the buffer is alive (a memoryview, or pyarrow's or numpy's buffer over one): a
    bytearray refuses to change its size while it has one. Asked by growing it a byte and shrinking it back
    (its spare room takes the byte: no copy); not by counting references, which a Python may count
    differently (3.14 skips some)."""
    try:
        buffer.append(0)
    except BufferError:
        return True
    del buffer[-1]
    return False


def _room(size: int) -> int:
    """The bytes of a reused read buffer for blocks of about `size`: room for the start of a line carried
    over (at most `size`) and a read of at least one byte after it."""
    return size + max(size // 8, 1)


def _reused_blocks(handle: io.BufferedIOBase, line_cap: int, size: int) -> Iterator[Block | LongLine]:
    """line_blocks read into reused buffers (_Buffers) of `size` bytes and an eighth: the start of a line
    carried over from the read before, then read on up to `size` (or the eighth, after a long start). A
    line that runs on past `size` bytes hands the rest of the file to _copied_blocks, which reads it as
    before (LongLine above the cap); a line inside one buffer is at most _room(size) <= line_cap bytes."""
    buffers = _Buffers(_room(size))
    carry = b""  # the start of a line running on from the read before
    first = True
    while True:
        view = buffers.take()
        view[:len(carry)] = carry
        # blocks of about `size` bytes, as _copied_blocks reads them; at least the room after a long carry
        read = handle.readinto(view[len(carry):max(size, len(carry) + len(view) - size)])
        start, stop = 0, len(carry) + read
        if first:
            first = False
            if cast(bytearray, view.obj).startswith(_BOM, 0, stop):
                start = len(_BOM)
        if not read:
            view.release()
            if carry:
                yield Block(carry, [carry], True)
            return
        end = cast(bytearray, view.obj).rfind(b"\n", start, stop)
        if end < 0:  # no line ends here: read on, or past `size` let the general reader take it
            carry = bytes(view[start:stop])
            view.release()
            if len(carry) > size:
                yield from _copied_blocks(handle, line_cap, size, [carry], False)
                return
            continue
        carry = bytes(view[end + 1:stop])
        block = view[start:end + 1]
        view.release()
        yield Block(block, None, False)
        del block


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


def exact_text_floats(raw: bytes) -> object:
    """The line parsed again with every JSON number that has a fraction or an exponent as a NumberText
    (its text as written); None if it cannot be (it parsed once, so only depth can stop it)."""
    try:
        return json.loads(raw, parse_float=NumberText)
    except (ValueError, RecursionError):
        return None
