"""The JSON-lines chunker (provider logs, OTLP exports, costcalc's own schema as JSON lines): lines read in
blocks, each record through its format's reader (formats/), the chunk's frame and timestamps built at once."""

from __future__ import annotations

import functools
import io
import itertools
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from .._gc import without_cyclic_gc
from ..errors import CostcalcError, Problem
from .chunk import FILE_ERRORS, UsageChunk, empty_frame, open_binary, reason
from .formats.columnar import Column, typed_frame
from .formats.common import FRACTION_RULE, MISSING, TAG_NAME_RULE, TAG_RULE, Bad, tag_text
from .formats.instants import INSTANT_RULE, seconds_ns, text_ns
from .formats.otel import Nanos, span_records
from .jsonl_columns import Columns
from .jsonlines import BLOCK_BYTES, Block, LongLine, exact_text_floats, line_blocks, repeated_keys
from .read_ahead import StartedBlocks, parsed_ahead
from .schema import COUNT_COLUMNS, TAG_PREFIX, TOOL_COLUMNS

_BOM = b"\xef\xbb\xbf"
_SHOWN_LINE_BYTES = 40
MIB = 1 << 20
# The longest line of a JSON-lines or CSV usage log, newline included. A record is a few kilobytes (an
# OpenAI response with its whole text a few hundred); an OTLP export batch holds many spans on one line,
# still far below this. A longer line is refused (a bad record in JSON lines, the file in CSV) without
# being held in memory whole: a 1 GB line used to take 2-7 GB.
LINE_CAP = 64 * MIB
# Blocks read as columns are larger: pyarrow's cost per call is then spread over more lines, and a block
# with a bad line (read again line by line) still holds only a few thousand records.
COLUMNAR_BLOCK_BYTES = 4 * MIB
LINE_TOO_LONG = (f"a line longer than {LINE_CAP // MIB} MiB, the most a line of a JSON-lines log may be; "
                 "a record is a few kilobytes (an OTLP export: write smaller batches)")


def first_record(path: Path) -> tuple[int, bytes] | None:
    with open_binary(path) as handle:
        for number, raw in _numbered_lines(path, handle):
            if raw.strip():
                return number, raw
    return None



def _lines(handle: io.BufferedIOBase) -> Iterator[bytes]:
    """The lines of a file, a UTF-8 byte-order mark dropped from the first, each at most LINE_CAP bytes:
    a longer line comes cut at LINE_CAP + 1 bytes (no newline at its end), so a 1 GB line never sits in
    memory whole. Only format detection reads lines this way (the reader reads blocks: jsonlines.py)."""
    read = functools.partial(handle.readline, LINE_CAP + 1)
    first = read()
    return itertools.chain((first[len(_BOM):] if first.startswith(_BOM) else first,), iter(read, b""))


def _numbered_lines(path: Path, handle: io.BufferedIOBase) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, raw bytes); a UTF-8 byte-order mark on the first line is dropped. Errors of
    the file itself (truncated .gz, unreadable) are one CostcalcError naming the file."""
    try:
        for number, raw in enumerate(_lines(handle), 1):
            if len(raw) > LINE_CAP:
                raise CostcalcError(f"{path}:{number}: {LINE_TOO_LONG}")
            yield number, raw
    except FILE_ERRORS as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise CostcalcError(f"{path}: cannot read: {reason}") from None



def jsonl_chunks(path: Path, read_record, chunk_records: int,
                 read_block: Callable[[bytes | memoryview], Columns | None] | None = None,
                 started: StartedBlocks | None = None, then: Callable[[], object] | None = None
                 ) -> Iterator[UsageChunk]:
    """JSON lines, one record per line (`read_record`, which returns None for a line that is not a
    record), or OTLP documents of many span records (read_record None). Lines come in blocks
    (jsonlines.line_blocks). With `read_block` (jsonl_columns.block_reader) a block whose lines are all
    good records in the common shape is read as columns at once; any other block, and every block
    without it, takes the per-line path: parsed by orjson in one map, checked for keys given twice at
    once (jsonlines.repeated_keys), then each line goes through the format's record function, appending
    one raw tuple; the DataFrame (and the timestamps) are built once per chunk. A chunk holds blocks of
    one path only, so where the two alternate a chunk may end before `chunk_records`. The columnar reads
    of the next blocks run on worker threads while this one is handed over (read_ahead.py). `started`:
    this file's blocks, their reads started before its turn (StartedBlocks); `then` is called once every
    block is handed over, before the last chunks are built (read.iter_usage starts the next file's reads
    there, so the workers parse it while this file's last chunk is built and priced)."""
    source = str(path)
    rows: list[tuple] = []
    lines: list[int] = []
    problems: list[Problem] = []
    pieces: list[tuple[Columns, int]] = []  # columnar blocks not yet yielded, with their first line
    held = 0  # records in pieces
    number = 0  # the lines before the current block
    try:
        for block, columnar in (started if started is not None else file_blocks(path, read_block)):
            if columnar is not None:
                assert isinstance(block, Block)  # a long line is never read as columns
                found = columnar.result()
                if found is not None:
                    if rows or problems:
                        yield _chunk(source, rows, lines, problems)
                        rows, lines, problems = [], [], []
                    pieces.append((found, number + 1))
                    held += found.rows
                    number += found.rows  # one row per line
                    while held >= chunk_records:
                        chunk, pieces = _columnar_chunk(source, pieces, chunk_records)
                        held -= chunk.records
                        yield chunk
                    continue
            if pieces:
                yield _columnar_chunk(source, pieces, held)[0]
                pieces, held = [], 0
            if isinstance(block, LongLine):
                number += 1
                problems.append(Problem(source, number, "", _shown(block.head), LINE_TOO_LONG))
                if len(rows) + len(problems) >= chunk_records:
                    yield _chunk(source, rows, lines, problems)
                    rows, lines, problems = [], [], []
                continue
            values, failed = _parse_block(block.lines)
            repeated = repeated_keys(block, values, failed)
            last = len(block.lines) - 1
            for index, record in enumerate(values):
                line = number + index + 1
                if index in failed:
                    raw = block.lines[index]
                    if raw.strip():  # a blank line is not a record
                        problems.append(_json_problem(source, line, raw, record,
                                                      block.open_end and index == last))
                elif index in repeated:
                    key, message = repeated[index]
                    problems.append(Problem(source, line, key, MISSING, message))
                elif type(record) is not dict:
                    problems.append(Problem(source, line, "", _shown(block.lines[index]), "a record must be "
                                            "a JSON object {...}, not " + _json_kind(record)))
                elif read_record is not None:
                    try:
                        row = read_record(record)
                    except Bad as bad:
                        if bad.message is FRACTION_RULE:
                            bad = _as_written(block.lines[index], bad, "", read_record)
                        problems.append(bad.problem(source, line))
                    else:
                        if row is not None:
                            rows.append(row)
                            lines.append(line)
                else:  # OTLP: each span with usage is a record, and one document may fill many chunks
                    for key, row in span_records(record):
                        if isinstance(row, Bad):
                            if row.message is FRACTION_RULE:
                                row = _as_written(block.lines[index], row, key, None)
                            problems.append(row.problem(source, line, key))
                        else:
                            rows.append(row)
                            lines.append(line)
                        if len(rows) + len(problems) >= chunk_records:
                            yield _chunk(source, rows, lines, problems)
                            rows, lines, problems = [], [], []
                if len(rows) + len(problems) >= chunk_records:
                    yield _chunk(source, rows, lines, problems)
                    rows, lines, problems = [], [], []
            number += len(block.lines)
        if then is not None:  # every block handed over: the next file's reads may start
            then()
    except FILE_ERRORS as exc:  # the file itself: unreadable, a truncated or corrupt .gz
        raise CostcalcError(f"{path}: cannot read: {reason(exc)}") from None
    if pieces:
        yield _columnar_chunk(source, pieces, held)[0]
    if rows or problems:
        yield _chunk(source, rows, lines, problems)


def file_blocks(path: Path, read_block: Callable[[bytes | memoryview], Columns | None] | None
                ) -> Generator[tuple[Block | LongLine, Future | None], None, None]:
    """The blocks of a file, each with its columnar read (read_ahead.parsed_ahead); the file is open while
    they are read."""
    block_bytes = COLUMNAR_BLOCK_BYTES if read_block is not None else BLOCK_BYTES
    with open_binary(path) as handle:
        yield from parsed_ahead(line_blocks(handle, LINE_CAP, block_bytes, reuse=read_block is not None),
                                read_block)


def _columnar_chunk(source: str, pieces: list[tuple[Columns, int]], records: int
                    ) -> tuple[UsageChunk, list[tuple[Columns, int]]]:
    """(a chunk of the first `records` rows of the columnar pieces, the pieces left). Every row is a
    good record (a block with a bad one was read line by line), so the chunk has no problems."""
    columns = pieces[0][0] if len(pieces) == 1 else _joined([c for c, _ in pieces])
    line = np.concatenate([np.arange(first, first + c.rows, dtype=np.int64) for c, first in pieces])
    rest: list[tuple[Columns, int]] = []
    if columns.rows > records:
        left = Columns({name: values if type(values) is str else values[records:]
                        for name, values in columns.items()})
        left.rows = columns.rows - records
        rest = [(left, int(line[records]))]
        columns = Columns({name: values if type(values) is str else values[:records]
                           for name, values in columns.items()})
        columns.rows = records
        line = line[:records]
    out: dict[str, Any] = {}  # numpy arrays, pyarrow string arrays, one text for every row
    for name, values in columns.items():
        if name == "timestamp":
            out[name] = values.view("datetime64[ns]")
        elif not name.startswith(TAG_PREFIX):
            out[name] = values
    out.update({"source": source, "line": line})
    out.update(sorted((name, values) for name, values in columns.items() if name.startswith(TAG_PREFIX)))
    # text from pyarrow: pandas' own str columns, no Python str per row; the numpy columns were made for
    # this chunk (concatenated, or slices of a block's own arrays), so the frame takes them uncopied
    frame = typed_frame({name: values.to_pandas() if _is_arrow(values) else values
                         for name, values in out.items()}, records, copy=False)
    return UsageChunk(frame, records, []), rest


def _is_arrow(values: object) -> bool:
    return not isinstance(values, (str, np.ndarray))


def _joined(parts: list[Columns]) -> Columns:
    """Columns of consecutive blocks as one: a tag some block lacks is "" there; the provider given once
    for every row stays one text when all blocks give the same."""
    import pyarrow as pa  # a Columns exists only where pyarrow does

    names = list(dict.fromkeys(name for part in parts for name in part))
    out = Columns()
    out.rows = sum(part.rows for part in parts)
    for name in names:
        found = [part.get(name) for part in parts]
        if all(type(v) is str for v in found) and len(set(found)) == 1:
            out[name] = found[0]
        elif all(isinstance(v, np.ndarray) for v in found):
            out[name] = np.concatenate([v for v in found if isinstance(v, np.ndarray)])
        else:
            out[name] = pa.concat_arrays([pa.array(np.full(part.rows, v or "", dtype=object), type=pa.string())
                                          if v is None or type(v) is str else v for part, v in zip(parts, found)])
    return out


def _parse_block(raws: list[bytes]) -> tuple[list, frozenset[int] | set[int]]:
    """(parsed value per line, the indexes that are not JSON, whose value is the exception). One C-level
    map when every line parses (the usual case), else line by line."""
    try:
        return list(map(orjson.loads, raws)), _NONE_FAILED
    except orjson.JSONDecodeError:
        pass
    values: list = []
    failed: set[int] = set()
    for index, raw in enumerate(raws):
        try:
            values.append(orjson.loads(raw))
        except orjson.JSONDecodeError as exc:
            values.append(exc)
            failed.add(index)
    return values, failed


_NONE_FAILED: frozenset[int] = frozenset()


def _as_written(raw: bytes, bad: Bad, span: str, read_record) -> Bad:
    """The same bad record with its number quoted as written (`1.0000000000000001`, `1e3`), found by
    reading the line again with each such number kept as text; `bad` itself if that finds no match."""
    again = exact_text_floats(raw)
    if type(again) is not dict:
        return bad
    try:
        if read_record is not None:
            read_record(again)
            return bad
        found = [row for key, row in span_records(again) if key == span and type(row) is Bad]
    except Bad as exact:
        found = [exact]
    # the same key: its number as written, and the right rule for it (orjson reads an integer past 64 bits
    # as a float too; json keeps it whole, and it is then "more tokens than costcalc counts")
    same_key = next((b for b in found if b.key == bad.key), None)
    return same_key if same_key is not None else bad


def without_gc(chunks: Iterator[UsageChunk]) -> Iterator[UsageChunk]:
    """Run a JSON-lines reader with Python's cyclic garbage collector paused while it works, and as it
    was whenever control is back with the caller. A chunk allocates millions of small dicts and tuples,
    all freed by reference counting (none is in a cycle); the collector would scan them over and over
    as they pile up, which costs about a third of the reading time."""
    while True:
        with without_cyclic_gc():
            chunk = next(chunks, None)
        if chunk is None:
            return
        yield chunk


def _json_problem(source: str, number: int, raw: bytes, exc: Exception, open_end: bool) -> Problem:
    reason = str(exc).split(":")[0]
    hint = " (a truncated line?)" if open_end else ""
    return Problem(source, number, "", _shown(raw), f"not valid JSON{hint}: {reason}; "
                   "each line must be one JSON object")


def _shown(raw: bytes) -> str:
    # the head of the line only: a line may be 64 MiB, and decoding it whole would copy it twice
    text = raw.lstrip()[:_SHOWN_LINE_BYTES * 4].decode("utf-8", "replace").rstrip()
    return text if len(text) <= _SHOWN_LINE_BYTES else text[:_SHOWN_LINE_BYTES] + "..."


def _json_kind(value: object) -> str:
    return {list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(type(value), "a number")


def _chunk(source: str, rows: list[tuple], lines: list[int], problems: list[Problem]) -> UsageChunk:
    """One DataFrame from the raw rows of a chunk. Timestamps and tag values are checked here for all
    rows at once; a row with a bad one becomes a problem (one per row) and leaves the frame."""
    records = len(rows) + len(problems)
    if not rows:
        return UsageChunk(empty_frame(), records, sorted(problems, key=lambda p: p.line or 0))
    (stamps, providers, models, *counts, tiers, residency, labels) = zip(*rows)
    line_numbers = np.fromiter(lines, dtype=np.int64, count=len(lines))
    ns, bad_stamps = _instants(stamps)
    tag_columns, bad_tags = _tag_columns(labels)
    first_provider = providers[0]
    same_provider = providers.count(first_provider) == len(providers)  # one provider: a repeated value
    columns: dict[str, Column] = {"timestamp": ns.view("datetime64[ns]"),
                                  "provider": first_provider if same_provider else providers,
                                  "model": models}
    for name, values in zip(COUNT_COLUMNS + TOOL_COLUMNS, counts):
        columns[name] = np.fromiter(values, dtype=np.int64, count=len(values))
    columns.update({"service_tier": tiers, "residency": np.fromiter(residency, dtype=bool, count=len(rows)),
                    "source": source, "line": line_numbers})
    columns.update(tag_columns)
    frame = typed_frame(columns, len(rows))
    bad: dict[int, Problem] = {}
    for position in bad_stamps:
        bad[position] = Problem(source, int(line_numbers[position]), "timestamp",
                                _plain_stamp(stamps[position]), INSTANT_RULE)
    for position, key, value, message in bad_tags:
        bad.setdefault(position, Problem(source, int(line_numbers[position]), key, value, message))
    if bad:
        problems.extend(bad.values())
        keep = np.ones(len(rows), dtype=bool)
        keep[list(bad)] = False
        frame = frame[keep].reset_index(drop=True)
    return UsageChunk(frame, records, sorted(problems, key=lambda p: p.line or 0))


def _plain_stamp(value: object) -> object:
    return int(value) if type(value) is Nanos else value


def _tag_columns(labels: tuple) -> tuple[dict[str, list[str]], list[tuple[int, str, object, str]]]:
    """tag:NAME columns from the per-record `tags` objects (a record without a tag gets "" for it), and
    the bad ones as (position, key, value, message). Values become text as common.tag_text says."""
    names: set = set()
    for found in labels:
        if found:
            names.update(found)
    columns: dict[str, list[str]] = {}
    bad: list[tuple[int, str, object, str]] = []
    for name in sorted(names, key=str):
        if not name:
            bad.extend((i, "tags", found, TAG_NAME_RULE) for i, found in enumerate(labels)
                       if found and name in found)
            continue
        values = [found.get(name, "") if found else "" for found in labels]
        if set(map(type, values)) != {str}:  # the usual case skips this loop
            for i, value in enumerate(values):
                if type(value) is not str:
                    text = tag_text(value)
                    if text is None:
                        bad.append((i, f"tags.{name}", value, TAG_RULE))
                    values[i] = text or ""
        columns[TAG_PREFIX + str(name)] = values
    return columns, bad


def _instants(stamps: tuple) -> tuple[np.ndarray, list[int]]:
    """Logged timestamps -> int64 unix nanoseconds, and the positions that are not instants. Text is
    ISO-8601 (naive = UTC), a number is unix seconds, Nanos (OTLP) is unix nanoseconds; anything else
    (true/false, an object) is bad. Converted per kind with pandas/numpy; when a chunk holds one kind
    (the usual case) no Python loop runs over it."""
    n = len(stamps)
    kinds = {_KIND.get(t) for t in set(map(type, stamps))}
    only = next(iter(kinds)) if len(kinds) == 1 else None
    if only is not None:  # one kind for the whole chunk: no index juggling
        ns, ok = _CONVERT[only](list(stamps))
        return ns, np.flatnonzero(~ok).tolist()
    ns = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    if len(kinds) == 1:
        groups = {kinds.pop(): (np.arange(n), list(stamps))}
    else:
        positions: dict[str | None, list[int]] = {}
        for i, value in enumerate(stamps):
            positions.setdefault(_KIND.get(type(value)), []).append(i)
        groups = {kind: (np.asarray(found), [stamps[i] for i in found]) for kind, found in positions.items()}
    for kind, (index, values) in groups.items():
        if kind is not None:
            ns[index], ok[index] = _CONVERT[kind](values)
    return ns, np.flatnonzero(~ok).tolist()


def _seconds_ns(values: list) -> tuple[np.ndarray, np.ndarray]:
    return seconds_ns(np.asarray(values, dtype=np.float64))


def _nanos_ns(values: list[int]) -> tuple[np.ndarray, np.ndarray]:
    good = np.array([v < 2 ** 63 for v in values], dtype=bool)
    return np.array([v if v < 2 ** 63 else 0 for v in values], dtype=np.int64), good


_KIND = {str: "text", int: "seconds", float: "seconds", Nanos: "nanos"}
_CONVERT = {"text": text_ns, "seconds": _seconds_ns, "nanos": _nanos_ns}
