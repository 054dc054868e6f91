"""Read usage logs into the normalized schema (schema.py), in bounded chunks, reporting every bad record.

Formats (FORMATS; each one's fields and semantics are documented where it is read):

    openai     JSON lines, Chat Completions or Responses usage        formats/providers.openai_record
    anthropic  JSON lines, Messages API usage                          formats/providers.anthropic_record
    deepseek   JSON lines, DeepSeek chat completions usage             formats/providers.deepseek_record
    otel       OTLP JSON, OpenTelemetry GenAI spans                    formats/otel.py
    costcalc   the normalized schema as JSON lines, CSV or Parquet     formats/providers.costcalc_record
    csv        CSV with columns mapped to the schema (`mapping`)       formats/columnar.py
    parquet    Parquet with columns mapped to the schema               formats/columnar.py

JSON lines (.jsonl, .ndjson, .json: one JSON object per line, optionally .gz): the provider formats
accept three envelopes per line (whole response, usage row, gateway wrapper; see formats/providers.py).
Blank lines (and a file holding only a byte-order mark) are not records. Timestamps are ISO-8601 text
(Z or an offset; naive = UTC) or numbers = unix seconds from 10^8 (1973) on; one rule for every format,
years 1970-2262 (formats/instants.py).

Detection (format=None): .parquet/.pq -> parquet; .csv(.gz) -> CSV (the schema's own column names need no
mapping, any other header needs one); JSON files by their first record: resourceSpans -> otel;
usage with prompt_cache_hit_tokens -> deepseek; prompt_tokens, or input/output_tokens_details -> openai;
cache_read_input_tokens, cache_creation_input_tokens or cache_creation -> anthropic; an OpenAI Batch API
output line (custom_id with response or error) -> openai; top-level input_tokens with cached_tokens, or
with timestamp and model, and no usage or response object -> costcalc (the schema requires only
input_tokens and output_tokens; a provider's usage row with the same few keys means the same counts,
and costcalc_record refuses a record carrying a provider's usage keys, so a log detected from a
minimal first record cannot be misread silently later). Anything else is refused, asking for a format.

Every chunk keeps `records == len(frame) + len(problems)`: a bad record becomes exactly one Problem
(file, line, key, value, what is allowed) and is left out of the frame; nothing is dropped silently.
"""

from __future__ import annotations

import functools
import gc
import gzip
import io
import itertools
import re
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Iterator

import numpy as np
import orjson
import pandas as pd

from .._files import open_regular
from ..errors import CostcalcError, InputError, Problem, _one_line, shown
from .formats.columnar import check_target, normalize_columns, plan_columns, typed_frame
from .formats.common import FRACTION_RULE, MISSING, TAG_NAME_RULE, TAG_RULE, Bad, tag_text
from .formats.instants import INSTANT_RULE, seconds_ns, text_ns
from .formats.otel import Nanos, span_records
from .formats.providers import RECORD_READERS, is_batch_line
from .jsonlines import LongLine, exact_text_floats, line_blocks, repeated_keys
from .schema import COLUMNS, COUNT_COLUMNS, FRAME_SOURCE, SOURCE_COLUMNS, TAG_PREFIX, TOOL_COLUMNS

FORMATS = ("openai", "anthropic", "deepseek", "otel", "costcalc", "csv", "parquet")
JSON_FORMATS = ("openai", "anthropic", "deepseek", "otel", "costcalc")
_JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
_PARQUET_SUFFIXES = (".parquet", ".pq")
# What reading the file itself can raise: unreadable, a truncated .gz (EOFError), a corrupt one (zlib.error
# from inside the stream, BadGzipFile at its header).
_FILE_ERRORS = (OSError, EOFError, gzip.BadGzipFile, zlib.error)
_PARQUET_EXTRA = "reading Parquet needs the parquet extra: pip install 'costcalc[parquet]'"
_BOM = b"\xef\xbb\xbf"
_SHOWN_LINE_BYTES = 40
MIB = 1 << 20
# The longest line of a JSON-lines or CSV usage log, newline included. A record is a few kilobytes (an
# OpenAI response with its whole text a few hundred); an OTLP export batch holds many spans on one line,
# still far below this. A longer line is refused (a bad record in JSON lines, the file in CSV) without
# being held in memory whole: a 1 GB line used to take 2-7 GB.
LINE_CAP = 64 * MIB
LINE_TOO_LONG = (f"a line longer than {LINE_CAP // MIB} MiB, the most a line of a JSON-lines log may be; "
                 "a record is a few kilobytes (an OTLP export: write smaller batches)")
# A CSV log's row is a few numbers, a model id and some tags: a row (or the header) above this is refused.
CSV_LINE_CAP = MIB
CSV_LINE_TOO_LONG = (f"a line longer than {CSV_LINE_CAP // MIB} MiB, the most a line of a CSV log (header or "
                     "row) may be; a row is a few numbers, a model and some tags")


@dataclass
class UsageChunk:
    frame: pd.DataFrame  # normalized rows (schema.py), only good records
    records: int  # records seen in this chunk, good + bad
    problems: list[Problem]  # one per bad record


# ---------------------------------------------------------------------------------------------- public


def iter_usage(paths: str | Path | Iterable[str | Path], format: str | None = None,
               mapping: dict[str, str] | None = None, chunk_records: int = 250_000,
               strict: bool = False) -> Iterator[UsageChunk]:
    """Normalized usage from each file in turn, at most `chunk_records` records per chunk (a chunk never
    spans two files). A file named twice (`a.jsonl` and `./x/../a.jsonl`, overlapping globs, a symlink)
    is read once, where it is first named. strict=True raises InputError with the first bad record
    instead of reporting it, after yielding the good records before it (so a pricer can stop at an
    earlier record first). Every path is checked (exists, is a file, format known) before the first
    chunk is read."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if format is not None and format not in FORMATS:
        raise CostcalcError(f"unknown usage format {format!r}; use one of {', '.join(FORMATS)}")
    if chunk_records < 1:
        raise CostcalcError(f"chunk_records must be at least 1, not {chunk_records}")
    for target in mapping or {}:
        check_target(target, f"--map {target}")
    files = _distinct([_checked_file(p) for p in paths])
    plans = [(path, _reader_for(path, format, mapping)) for path in files]
    for path, read in plans:
        for chunk in read(path, chunk_records):
            if strict and chunk.problems:
                yield from _before_first_problem(chunk)
                raise InputError([chunk.problems[0]])
            yield chunk


def _distinct(files: list[Path]) -> list[Path]:
    """Each file once, by its resolved path, in the order first named: a file read twice would be
    counted twice."""
    seen: set[Path] = set()
    out = []
    for path in files:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            out.append(path)
    return out


def _before_first_problem(chunk: UsageChunk) -> Iterator[UsageChunk]:
    """The good records of a chunk that come before its first bad one, as a chunk of their own (none if
    there are none). Problems are in line order; records on the first bad record's own line (spans of one
    OTLP document) are left out with it."""
    first = chunk.problems[0].line
    before = chunk.frame[chunk.frame["line"].to_numpy() < first].reset_index(drop=True)
    if len(before):
        yield UsageChunk(before, len(before), [])


def normalize_frame(df: pd.DataFrame, mapping: dict[str, str] | None = None,
                    source: str = FRAME_SOURCE) -> UsageChunk:
    """A DataFrame already in memory, columns named as the schema or mapped (formats/columnar.py). A frame
    with `source` and `line` columns (read_usage's, text and whole numbers) keeps them, so its problems
    name the log lines; any other frame gets `source` and the 1-based row position as `line`."""
    df = df.reset_index(drop=True)
    plan = plan_columns(list(df.columns), mapping, source)
    sources, lines = _origin(df, source)
    frame, problems = normalize_columns(df, plan, sources, lines)
    return UsageChunk(frame, len(df), problems)


def _origin(df: pd.DataFrame, source: str) -> tuple[str | np.ndarray, np.ndarray]:
    """(source per row or one for all, line per row) of a frame's records."""
    if ("source" in df and "line" in df and pd.api.types.is_integer_dtype(df["line"].dtype)
            and not df["line"].isna().any() and not df["source"].isna().any()):
        # as a Categorical: a file name per row costs a code, not a string
        return pd.Categorical(df["source"].astype("str")), df["line"].to_numpy(dtype=np.int64)
    return source, np.arange(1, len(df) + 1, dtype=np.int64)


def parse_mapping(text: str) -> dict[str, str]:
    """`timestamp=ts,model=model_name,tag:team=team` -> {schema name: source column}. Column names cannot
    contain `,` or `=` here (rename them, or pass a dict to `iter_usage`)."""
    mapping: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        target, sep, column = (s.strip() for s in item.partition("="))
        if not sep or not target or not column:
            raise CostcalcError(f"--map {item!r}: use SCHEMA=COLUMN pairs separated by commas, "
                                "e.g. timestamp=ts,model=model_name,tag:team=team")
        check_target(target, f"--map {item}")
        if target in mapping:
            raise CostcalcError(f"--map: {target} is mapped twice ({mapping[target]!r} and {column!r})")
        mapping[target] = column
    if not mapping:
        raise CostcalcError("--map is empty; use SCHEMA=COLUMN pairs, e.g. timestamp=ts,model=model_name")
    return mapping


def empty_frame(tags: Iterable[str] = ()) -> pd.DataFrame:
    """A normalized frame with no rows (every column with its dtype)."""
    return typed_frame({name: [] for name in COLUMNS + SOURCE_COLUMNS + tuple(sorted(tags))}, 0)


# ------------------------------------------------------------------------------------ files, detection


def _checked_file(raw: str | Path) -> Path:
    """The path, once the shared guard (_files.open_regular: a folder, FIFO, device or socket refused at
    once, never waited on) has opened it; every log is checked before the first is read."""
    path = Path(raw)
    try:
        open_regular(path).close()
    except IsADirectoryError:
        raise CostcalcError(f"{raw}: is a folder; name the log files") from None
    except FileNotFoundError:
        raise CostcalcError(f"{raw}: no such file") from None
    except OSError as exc:
        raise CostcalcError(f"{raw}: cannot read: {exc.strerror or exc}") from None
    return path


def _suffixes(path: Path) -> tuple[str, bool]:
    """(format suffix, gzipped) e.g. logs.jsonl.gz -> (".jsonl", True)."""
    name = path.name.lower()
    gz = name.endswith(".gz")
    return Path(name[:-3] if gz else name).suffix, gz


def _reader_for(path: Path, format: str | None, mapping: dict[str, str] | None):
    """The chunk reader of one file, after detection: fn(path, chunk_records) -> Iterator[UsageChunk]."""
    suffix, _ = _suffixes(path)
    if format == "parquet" or (suffix in _PARQUET_SUFFIXES and format in (None, "costcalc")):
        plan = _parquet_plan(path, mapping)
        return lambda p, n: _parquet_chunks(p, plan, n)
    if format == "csv" or (suffix == ".csv" and format in (None, "costcalc")):
        header = _csv_header(path)
        plan = plan_columns(header, mapping, str(path))
        return lambda p, n: _csv_chunks(p, header, plan, n)
    if mapping:
        raise CostcalcError(f"{path}: --map applies to CSV and Parquet files, not JSON lines")
    if format is None:
        format = _detect_json(path)
    read_record = None if format == "otel" else RECORD_READERS[format]
    return lambda p, n: _without_gc(_jsonl_chunks(p, read_record, n))


def _open_binary(path: Path) -> IO[bytes]:
    try:
        handle = open_regular(path)
    except OSError as exc:
        raise CostcalcError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return gzip.GzipFile(fileobj=handle, mode="rb") if _suffixes(path)[1] else handle


def _first_record(path: Path) -> tuple[int, bytes] | None:
    with _open_binary(path) as handle:
        for number, raw in _numbered_lines(path, handle):
            if raw.strip():
                return number, raw
    return None


def _detect_json(path: Path) -> str:
    """The JSON-lines format from the first record (see the module docstring)."""
    suffix, _ = _suffixes(path)
    ask = f"name it with --log-format (format= in Python): one of {', '.join(FORMATS)}"
    first = _first_record(path)
    if first is None:
        if suffix in _JSON_SUFFIXES:
            return "costcalc"  # an empty log: no records whatever the format
        raise CostcalcError(f"{path}: empty, and the extension does not say its format; {ask}")
    number, raw = first
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:
        what = "a JSON-lines log" if suffix in _JSON_SUFFIXES else "a usage log costcalc knows by its extension"
        raise CostcalcError(f"{path}:{number}: the first record is not one JSON object on one line, so this "
                            f"is not {what}; {ask}") from None
    found = _format_of(record)
    if found is None:
        raise CostcalcError(f"{path}: cannot tell the log format from its first record; {ask}")
    return found


def _format_of(record: object) -> str | None:
    if type(record) is not dict:
        return None
    if "resourceSpans" in record:
        return "otel"
    if is_batch_line(record):
        return "openai"  # a Batch API output line (its first request may have failed: no usage to look at)
    body = record.get("response") if type(record.get("response")) is dict else record
    usage = body.get("usage") if type(body.get("usage")) is dict else body
    if "prompt_cache_hit_tokens" in usage:
        return "deepseek"
    if "prompt_tokens" in usage or "input_tokens_details" in usage or "output_tokens_details" in usage:
        return "openai"
    if any(k in usage for k in ("cache_read_input_tokens", "cache_creation_input_tokens", "cache_creation")):
        return "anthropic"
    if "input_tokens" in record and "usage" not in record and "response" not in record and (
            "cached_tokens" in record or ("timestamp" in record and "model" in record)):
        return "costcalc"
    return None


def _lines(handle: IO[bytes]) -> Iterator[bytes]:
    """The lines of a file, a UTF-8 byte-order mark dropped from the first, each at most LINE_CAP bytes:
    a longer line comes cut at LINE_CAP + 1 bytes (no newline at its end), so a 1 GB line never sits in
    memory whole. Only format detection reads lines this way (the reader reads blocks: jsonlines.py)."""
    read = functools.partial(handle.readline, LINE_CAP + 1)
    first = read()
    return itertools.chain((first[len(_BOM):] if first.startswith(_BOM) else first,), iter(read, b""))


def _numbered_lines(path: Path, handle: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, raw bytes); a UTF-8 byte-order mark on the first line is dropped. Errors of
    the file itself (truncated .gz, unreadable) are one CostcalcError naming the file."""
    try:
        for number, raw in enumerate(_lines(handle), 1):
            if len(raw) > LINE_CAP:
                raise CostcalcError(f"{path}:{number}: {LINE_TOO_LONG}")
            yield number, raw
    except _FILE_ERRORS as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise CostcalcError(f"{path}: cannot read: {reason}") from None


# ----------------------------------------------------------------------------------------- JSON lines


def _jsonl_chunks(path: Path, read_record, chunk_records: int) -> Iterator[UsageChunk]:
    """JSON lines, one record per line (`read_record`, which returns None for a line that is not a
    record), or OTLP documents of many span records (read_record None). Lines come in blocks
    (jsonlines.line_blocks): a block is parsed by orjson in one map, checked for keys given twice at
    once (jsonlines.repeated_keys), then each line goes through the format's record function, appending
    one raw tuple; the DataFrame (and the timestamps) are built once per chunk."""
    source = str(path)
    rows: list[tuple] = []
    lines: list[int] = []
    problems: list[Problem] = []
    number = 0  # the lines before the current block
    with _open_binary(path) as handle:
        try:
            for block in line_blocks(handle, LINE_CAP):
                if type(block) is LongLine:
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
                            if type(row) is Bad:
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
        except _FILE_ERRORS as exc:  # the file itself: unreadable, a truncated or corrupt .gz
            raise CostcalcError(f"{path}: cannot read: {_reason(exc)}") from None
    if rows or problems:
        yield _chunk(source, rows, lines, problems)


def _parse_block(raws: list[bytes]) -> tuple[list, set[int]]:
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
    exact = next((b for b in found if b.key == bad.key), None)
    return exact if exact is not None else bad


def _without_gc(chunks: Iterator[UsageChunk]) -> Iterator[UsageChunk]:
    """Run a JSON-lines reader with Python's cyclic garbage collector paused while it works, and as it
    was whenever control is back with the caller. A chunk allocates millions of small dicts and tuples,
    all freed by reference counting (none is in a cycle); the collector would scan them over and over
    as they pile up, which costs about a third of the reading time."""
    while True:
        enabled = gc.isenabled()
        gc.disable()
        try:
            chunk = next(chunks, None)
        finally:
            if enabled:
                gc.enable()
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
        return UsageChunk(empty_frame(), records, sorted(problems, key=lambda p: p.line))
    (stamps, providers, models, *counts, tiers, residency, labels) = zip(*rows)
    line_numbers = np.fromiter(lines, dtype=np.int64, count=len(lines))
    ns, bad_stamps = _instants(stamps)
    tag_columns, bad_tags = _tag_columns(labels)
    first_provider = providers[0]
    same_provider = providers.count(first_provider) == len(providers)  # one provider: a repeated value
    columns: dict[str, object] = {"timestamp": ns.view("datetime64[ns]"),
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
    return UsageChunk(frame, records, sorted(problems, key=lambda p: p.line))


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
    if len(kinds) == 1 and None not in kinds:  # one kind for the whole chunk: no index juggling
        ns, ok = _CONVERT[kinds.pop()](list(stamps))
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


# ------------------------------------------------------------------------------------------ CSV, Parquet


class _LineTooLong(OSError):
    """A physical line of a CSV log above its cap; `line` is its number."""

    def __init__(self, line: int, message: str):
        super().__init__(0, message)
        self.line = line


class _CappedLines(io.RawIOBase):
    """A CSV log's bytes for pandas, refusing any physical line (the header too) above CSV_LINE_CAP as
    it goes: pandas would hold a 1 GB line, and every cell of it, in memory, for a minute. Per block
    read: two searches and a count of newlines, all in C."""

    def __init__(self, handle: IO[bytes]):
        super().__init__()
        self._handle = handle
        self._line = 1  # the physical line the next byte belongs to
        self._run = 0  # bytes of that line read so far

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        # at most CSV_LINE_CAP bytes a block: a line inside one block is then never too long, and only
        # the line running on from the last block needs a check
        n = self._handle.readinto(memoryview(buffer)[:CSV_LINE_CAP])
        if not n:
            return n
        block = bytes(memoryview(buffer)[:n])
        first = block.find(b"\n")
        self._check(self._run + (n if first < 0 else first + 1))
        if first >= 0:
            self._line += block.count(b"\n")
            self._run = n - block.rfind(b"\n") - 1
        else:
            self._run += n
        return n

    def _check(self, length: int) -> None:
        if length > CSV_LINE_CAP:
            raise _LineTooLong(self._line, CSV_LINE_TOO_LONG)

    def close(self) -> None:
        self._handle.close()
        super().close()


def _capped_csv(path: Path) -> IO[bytes]:
    """A CSV log opened for pandas: regular files only, .gz decompressed, lines capped."""
    return io.BufferedReader(_CappedLines(_open_binary(path)), buffer_size=1 << 18)


def _csv_header(path: Path) -> list[str]:
    try:
        with _capped_csv(path) as handle:
            names = list(pd.read_csv(handle, nrows=0, encoding="utf-8-sig", skip_blank_lines=False).columns)
        with _capped_csv(path) as handle:
            cells = pd.read_csv(handle, header=None, nrows=1, dtype=str, keep_default_na=False,
                                encoding="utf-8-sig", skip_blank_lines=False).iloc[0].tolist()
    except pd.errors.EmptyDataError:
        raise CostcalcError(f"{path}: empty file; a CSV usage log needs a header row") from None
    except _LineTooLong as exc:
        raise CostcalcError(f"{path}:{exc.line}: {exc.strerror}") from None
    except (*_FILE_ERRORS, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise CostcalcError(f"{path}: cannot read as CSV: {_reason(exc)}") from None
    repeated = sorted({c for c in cells if cells.count(c) > 1})
    if repeated:  # pandas would rename the second one (input_tokens.1) and read the first: silent
        raise CostcalcError(f"{path}:1: {shown(repeated[0])}: this column appears more than once in the header; "
                            "give each column once")
    return names


_SKIPPED = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")


def _csv_chunks(path: Path, header: list[str], plan: dict[str, str], chunk_records: int
                ) -> Iterator[UsageChunk]:
    """CSV in chunks of rows, every cell read as text (so a model or tag "NA" stays "NA"; only empty
    cells are missing) and converted per column. Line numbers: the header is line 1 and blank lines are
    kept as rows (skip_blank_lines=False), so data rows count lines; a row with no text in any cell (a
    blank line, only commas) is not a record. A line with more cells than the header (1,000 written with
    a thousands separator) is a bad record: pandas skips it with a warning naming its line (all columns
    are read for that: `usecols` would silently cut such a line to the header's width), and each one
    becomes a Problem in the chunk that reaches its line (so a chunk may hold a few more than
    chunk_records records). Limitation: a quoted cell spanning several lines shifts the numbers of the
    rows after it (pandas does not report physical lines for rows)."""
    source = str(path)
    used = sorted(set(plan.values()))
    next_line = 2
    # (line, message) of too-long lines not yet reported. pandas handles a too-long FIRST data row apart
    # (it would take the extra cells as an index, or cut them with index_col=False): it is found by
    # looking at that row alone, and left out of the read.
    first_width = _first_row_width(path)
    skipped = [(2, _too_long_rule(first_width, len(header)))] if first_width > len(header) else []
    handle = _capped_csv(path)
    reader = pd.read_csv(handle, chunksize=chunk_records, dtype=str, keep_default_na=False, na_values=[""],
                         encoding="utf-8-sig", skip_blank_lines=False, index_col=False,
                         on_bad_lines="warn", skiprows=[1] if skipped else None)
    try:
        while True:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                df = next(reader, None)
            skipped.extend(_too_long(path, caught))
            if df is None:
                break
            lines = _row_lines(next_line, len(df), {line for line, _ in skipped})
            next_line = int(lines[-1]) + 1 if len(lines) else next_line
            yield from _csv_chunk(source, df[used], lines, plan, [s for s in skipped if s[0] < next_line])
            skipped = [s for s in skipped if s[0] >= next_line]
        if skipped:
            yield from _csv_chunk(source, pd.DataFrame(columns=used, dtype="str"), np.zeros(0, np.int64), plan,
                                  skipped)
    except _LineTooLong as exc:
        raise CostcalcError(f"{path}:{exc.line}: {exc.strerror}") from None
    except (*_FILE_ERRORS, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise CostcalcError(f"{path}: cannot read as CSV after line {next_line - 1}: {_reason(exc)}") from None
    finally:
        reader.close()
        handle.close()


def _too_long(path: Path, caught: list) -> list[tuple[int, str]]:
    """(line, message) of each line pandas skipped for having more cells than the header."""
    found = []
    for warning in caught:
        if not issubclass(warning.category, pd.errors.ParserWarning):
            continue
        text = str(warning.message)
        matches = _SKIPPED.findall(text)
        if not matches:  # a warning costcalc does not know: never drop the lines it may be about
            raise CostcalcError(f"{path}: cannot read as CSV: {text.strip()}")
        found.extend((int(line), _too_long_rule(int(saw), int(expected))) for line, expected, saw in matches)
    return found


def _too_long_rule(cells: int, header: int) -> str:
    return (f"{cells} cells, the header has {header}; a number written with a thousands separator "
            "(1,000), or text with a comma and no quotes?")


def _first_row_width(path: Path) -> int:
    """The number of cells on line 2 (0 when it is blank or absent)."""
    try:
        with _capped_csv(path) as handle:
            first = pd.read_csv(handle, header=None, skiprows=1, nrows=1, dtype=str, skip_blank_lines=False,
                                encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        return 0
    except _LineTooLong as exc:
        raise CostcalcError(f"{path}:{exc.line}: {exc.strerror}") from None
    except (*_FILE_ERRORS, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise CostcalcError(f"{path}: cannot read as CSV: {_reason(exc)}") from None
    return first.shape[1]


def _row_lines(first: int, rows: int, skipped: set[int]) -> np.ndarray:
    """The lines of `rows` consecutive data rows from line `first`, stepping over skipped lines."""
    lines = np.arange(first, first + rows + len(skipped), dtype=np.int64)
    if skipped:
        lines = lines[~np.isin(lines, np.fromiter(skipped, dtype=np.int64))]
    return lines[:rows]


def _csv_chunk(source: str, df: pd.DataFrame, lines: np.ndarray, plan: dict[str, str],
               too_long: list[tuple[int, str]]) -> Iterator[UsageChunk]:
    """One chunk of CSV rows (blank rows left out) plus the too-long lines it reached; none if empty."""
    record = ~df.isna().all(axis=1).to_numpy()
    if not record.all():
        df, lines = df[record].reset_index(drop=True), lines[record]
    frame, problems = normalize_columns(df.reset_index(drop=True), plan, source, lines)
    if too_long:
        problems = sorted(problems + [Problem(source, line, "", MISSING, message) for line, message in too_long],
                          key=lambda p: p.line)
    if len(df) or problems:
        yield UsageChunk(frame, len(df) + len(too_long), problems)


def _pyarrow_parquet():
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise CostcalcError(_PARQUET_EXTRA) from None
    return pq


def _parquet_file(path: Path):
    pq = _pyarrow_parquet()
    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError...: all mean "not a readable Parquet file"
        raise CostcalcError(f"{path}: cannot read as Parquet: {_reason(exc)}") from None


def _parquet_plan(path: Path, mapping: dict[str, str] | None) -> dict[str, str]:
    return plan_columns(list(_parquet_file(path).schema_arrow.names), mapping, str(path))


def _parquet_chunks(path: Path, plan: dict[str, str], chunk_records: int) -> Iterator[UsageChunk]:
    """Parquet in record batches of at most chunk_records rows (bounded memory: only the mapped columns
    are read). `line` is the 1-based row number."""
    source = str(path)
    first_row = 0
    parquet = _parquet_file(path)
    schema = parquet.schema_arrow
    for name in sorted(set(plan.values())):
        kind = schema.field(name).type if name in schema.names else None
        if kind is not None and pa_nested(kind):
            raise CostcalcError(f"{path}: column {shown(name)}: holds {shown(str(kind))} values; a usage column "
                                f"holds one number, text or time per row")
    batches = parquet.iter_batches(batch_size=chunk_records, columns=sorted(set(plan.values())))
    while True:
        try:  # a page corrupt past the footer: pyarrow raises OSError, ArrowInvalid... when it is reached
            batch = next(batches, None)
            if batch is None:
                return
            df = batch.to_pandas()
        except Exception as exc:
            raise CostcalcError(f"{path}: cannot read as Parquet after row {first_row}: {_reason(exc)}") from None
        lines = np.arange(first_row + 1, first_row + 1 + len(df), dtype=np.int64)
        first_row += len(df)
        frame, problems = normalize_columns(df, plan, source, lines)
        yield UsageChunk(frame, len(df), problems)


def pa_nested(kind) -> bool:
    import pyarrow.types as pat

    return pat.is_nested(kind) or pat.is_dictionary(kind) and pat.is_nested(kind.value_type)


def _reason(exc: Exception) -> str:
    """The first line of an exception's text, control characters escaped (pyarrow quotes raw bytes)."""
    return _one_line((getattr(exc, "strerror", None) or str(exc) or type(exc).__name__).splitlines()[0])


__all__ = ["FORMATS", "UsageChunk", "iter_usage", "normalize_frame", "parse_mapping", "empty_frame"]
