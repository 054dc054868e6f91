"""Read usage logs into the normalized schema (schema.py), in bounded chunks, reporting every bad record.

This module picks each file's reader (detection below); the chunkers are read_jsonl.py, read_csv.py and
read_parquet.py, sharing chunk.py (UsageChunk, empty_frame, opening a log).

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

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd

from .._files import open_regular
from ..errors import CostcalcError, InputError
from .chunk import UsageChunk, suffixes
from .formats.columnar import check_target, normalize_columns, plan_columns
from .formats.providers import RECORD_READERS, is_batch_line
from .jsonl_columns import Columns, block_reader
from .read_csv import csv_chunks, csv_header
from .read_ahead import StartedBlocks
from .read_jsonl import file_blocks, first_record, jsonl_chunks, without_gc
from .read_parquet import parquet_chunks, parquet_plan
from .schema import FRAME_SOURCE

FORMATS = ("openai", "anthropic", "deepseek", "otel", "costcalc", "csv", "parquet")
JSON_FORMATS = ("openai", "anthropic", "deepseek", "otel", "costcalc")
_JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
_PARQUET_SUFFIXES = (".parquet", ".pq")


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
    started: list[StartedBlocks] = []  # the next file's first columnar reads, started early

    def start(after: tuple[Path, Any]) -> Callable[[], None] | None:
        """The hook that starts the columnar reads of the file `after` (a JSON-lines file read as columns)
        once the file before it has handed over its last block, so the workers parse it while that
        file's last chunk is built and priced."""
        path, read = after
        read_block = read.read_block if isinstance(read, _JsonReader) else None
        if read_block is None:
            return None
        return lambda: started.append(StartedBlocks(file_blocks(path, read_block)))

    try:
        for index, (path, read) in enumerate(plans):
            if isinstance(read, _JsonReader):
                then = start(plans[index + 1]) if index + 1 < len(plans) else None
                chunks = read(path, chunk_records, started.pop() if started else None, then)
            else:
                chunks = read(path, chunk_records)
            for chunk in chunks:
                if strict and chunk.problems:
                    yield from _before_first_problem(chunk)
                    raise InputError([chunk.problems[0]])
                yield chunk
    finally:
        for unread in started:  # a stop before the next file's turn
            unread.close()


def log_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files iter_usage reads for `paths`, in its order: each checked (exists, a regular file), each
    once, where first named. What a run over several processes spreads (api_jobs.py)."""
    return _distinct([_checked_file(p) for p in paths])


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


def parse_mapping(text: str, extra: tuple[str, ...] = ()) -> dict[str, str]:
    """`timestamp=ts,model=model_name,tag:team=team` -> {schema name: source column}. Column names cannot
    contain `,` or `=` here (rename them, or pass a dict to `iter_usage`). extra: targets allowed besides
    the schema's (the SQL route maps source and line too)."""
    mapping: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        target, sep, column = (s.strip() for s in item.partition("="))
        if not sep or not target or not column:
            raise CostcalcError(f"--map {item!r}: use SCHEMA=COLUMN pairs separated by commas, "
                                "e.g. timestamp=ts,model=model_name,tag:team=team")
        if target not in extra:
            check_target(target, f"--map {item}")
        if target in mapping:
            raise CostcalcError(f"--map: {target} is mapped twice ({mapping[target]!r} and {column!r})")
        mapping[target] = column
    if not mapping:
        raise CostcalcError("--map is empty; use SCHEMA=COLUMN pairs, e.g. timestamp=ts,model=model_name")
    return mapping


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



def _reader_for(path: Path, format: str | None, mapping: dict[str, str] | None):
    """The chunk reader of one file, after detection: fn(path, chunk_records) -> Iterator[UsageChunk]."""
    suffix, _ = suffixes(path)
    if format == "parquet" or (suffix in _PARQUET_SUFFIXES and format in (None, "costcalc")):
        plan = parquet_plan(path, mapping)
        return lambda p, n: parquet_chunks(p, plan, n)
    if format == "csv" or (suffix == ".csv" and format in (None, "costcalc")):
        header = csv_header(path)
        plan = plan_columns(header, mapping, str(path))
        return lambda p, n: csv_chunks(p, header, plan, n)
    if mapping:
        raise CostcalcError(f"{path}: --map applies to CSV and Parquet files, not JSON lines")
    if format is None:
        format = _detect_json(path)
    return _JsonReader(None if format == "otel" else RECORD_READERS[format], block_reader(format))


class _JsonReader:
    """The chunk reader of a JSON-lines file: fn(path, chunk_records, started, then) (read_jsonl.jsonl_chunks);
    `read_block` is the format's columnar reader, if it has one."""

    def __init__(self, read_record: Any, read_block: Callable[[bytes | memoryview], Columns | None] | None):
        self.read_record, self.read_block = read_record, read_block

    def __call__(self, path: Path, chunk_records: int, started: StartedBlocks | None = None,
                 then: Callable[[], object] | None = None) -> Iterator[UsageChunk]:
        return without_gc(jsonl_chunks(path, self.read_record, chunk_records, self.read_block, started, then))



def _detect_json(path: Path) -> str:
    """The JSON-lines format from the first record (see the module docstring)."""
    suffix, _ = suffixes(path)
    ask = f"name it with --log-format (format= in Python): one of {', '.join(FORMATS)}"
    first = first_record(path)
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
    body = record["response"] if type(record.get("response")) is dict else record
    usage = body["usage"] if type(body.get("usage")) is dict else body
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



__all__ = ["FORMATS", "iter_usage", "log_files", "normalize_frame", "parse_mapping"]

