"""Columnar JSON lines: a block of provider log lines parsed at once by pyarrow's JSON reader, the usage
fields taken as columns, for blocks whose every line is a good record in its format's common shape.

Why pyarrow: it parses a whole block in C into typed columns, so no Python object is made per record.
The per-line path makes a dict per line with orjson, then a tuple per record, then the frame from the
tuples; orjson itself is only a quarter of that time. Measured on 2026-12-01 (2 shared cores, load 7-11;
`python benchmarks/readers.py --lines 500000 --runs 2 --against <checkout before this module>`, least CPU
seconds of the runs, reading only): openai 1.44 s against 5.03 s per line, anthropic 1.82 against 4.77,
deepseek 1.35 against 4.48, costcalc 1.35 against 4.35 (2.6-3.5x). On one 4 MiB block of the anthropic
log pyarrow's read_json takes about as long as `map(orjson.loads, lines)`, and leaves nothing per record
to do in Python. DuckDB's reader is faster still (`benchmarks/all.py`) but a large optional dependency,
and each of its inferences would need the same study as below. pyarrow comes with the `parquet` extra and
with pandas' own text columns in most installs; without it every block takes the per-line path
(`read_jsonl.py`), which stays the reference.

Exactness. A block is taken here only when nothing pyarrow does could differ from the per-line path; any
doubt sends the whole block to the per-line path, which then reports each bad record with its line:

- pyarrow skips blank lines and reads two objects on one line as two rows: every line of the block must
  start with `{` and end with `}` (a `\\r` before the newline allowed), so a newline always ends one
  object, and the rows must be as many as the lines;
- pyarrow infers a type per column: a count must come out int64 (1.0, 1e3, 2^64, "12", true give
  double, string or bool: the block falls back); an ISO-8601 `timestamp` is declared text so that
  pyarrow never reads it as a timestamp of its own;
- pyarrow accepts NaN, Inf and Infinity (with a sign or not) and text that is not UTF-8, which orjson
  refuses, and may stop reading at a NUL byte: a block holding a NUL byte anywhere or bytes that are not
  UTF-8 falls back, and so does a block with a floating-point column (the only type pyarrow gives those
  words) holding `NaN` or `Inf` anywhere;
- pyarrow has no depth limit (and overflows its stack past some 10^4 levels) where the per-line path
  refuses a line nested about 1,000 deep: a block with a line of more than MAX_BRACKETS `{`/`[` falls back
  before pyarrow sees it;
- a key given twice in one object is an error in pyarrow (any depth, escaped or not): the block falls back;
- every check of the format's record function (formats/providers.py: the fast paths of `openai_record`
  and `anthropic_record`, the common shape of `deepseek_record` and `costcalc_record`) is done here on
  whole columns; a row that would take any other path (another envelope, a bad or unusual value, a key
  whose mere presence matters such as `output`) makes the block fall back.

Text values are checked per distinct value (model, tier, tag), as the record functions check them.

The module is near 500 lines because the guards and the four formats' column rules must be read together:
each rule mirrors a line of formats/providers.py, and splitting them would hide which guard covers what.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from typing import Any

import numpy as np

from .formats.common import MAX_TOKENS, TIER_OF
from .formats.instants import seconds_ns, text_ns
from .formats.providers import _PROVIDER_KEYS
from .schema import COUNT_COLUMNS, TOOL_COLUMNS

# A line with more opening brackets than this could be nested deeper than the per-line path accepts
# (json stops near 1,000 levels, orjson at 1,024); usage records are a few levels deep.
MAX_BRACKETS = 512
ENABLED = True  # tests switch the columnar path off to compare it with the per-line path

_OPEN, _CLOSE, _NEWLINE, _CR, _BRACKET = ord("{"), ord("}"), ord("\n"), ord("\r"), ord("[")
_GEO_RESIDENCY = {None: False, "global": False, "not_available": False, "us": True}


class Columns(dict):
    """The columns of a block, `rows` long, schema names as keys: numbers as numpy arrays, text as pyarrow
    string arrays (or, for the provider, one text for every row)."""

    rows: int


class _Fallback(Exception):
    """The block is not certainly in the common shape: read it line by line."""


_arrow: Any = None


def _pyarrow() -> Any:
    """pyarrow (json, compute), imported on first use; False when it is not installed."""
    global _arrow
    if _arrow is None:
        try:  # optional: pyarrow's JSON reader when installed, the plain reader otherwise
            import pyarrow as pa
            import pyarrow.compute
            import pyarrow.json
        except ImportError:
            _arrow = False
        else:
            _arrow = pa
    return _arrow


def block_reader(format: str) -> Callable[..., Columns | None] | None:
    """fn(block bytes, lines in it or None to count them here) -> the block's Columns, or None to read it
    line by line; None when the format has no columnar reader or pyarrow is missing. Counting here keeps
    the count off the thread that hands the blocks over (the reads run on worker threads)."""
    extract = _EXTRACT.get(format)
    if extract is None or not ENABLED or not _pyarrow():
        return None

    def read(data: bytes | memoryview, lines: int | None = None) -> Columns | None:
        table = _table(data, lines, format)
        if table is None:
            return None
        try:
            columns = extract(_Table(table))
        except (_Fallback, _pyarrow().ArrowException):  # anything unforeseen: the per-line path decides
            return None
        columns.rows = table.num_rows  # one row per line (checked in _table)
        return columns

    return read


# ------------------------------------------------------------------------------------------- parsing


def _table(data: bytes | memoryview, lines: int | None, format: str) -> Any:
    """The block as a pyarrow Table, one row per line (`lines` of them, or as many as newlines when None);
    None when any guard above fails. `data`: bytes, or a view of a reused read buffer (never copied here)."""
    view = np.frombuffer(data, dtype=np.uint8)
    if not len(view) or view[-1] != _NEWLINE:
        return None
    ends, ascii_only = _scan(view)
    if ends is None:  # a NUL byte
        return None
    if not ascii_only and not _utf8(data):
        return None
    if lines is None:
        lines = len(ends)
    elif len(ends) != lines:
        return None
    before = ends - 1
    if before[0] < 0:
        return None
    last = view[before]
    crlf = last == _CR
    if crlf.any():
        before = before - crlf
        if before.min() < 0:
            return None
        last = view[before]
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    if not ((last == _CLOSE).all() and (view[starts] == _OPEN).all()):
        return None
    if _deepest(view, ends) > MAX_BRACKETS:
        return None
    pa = _pyarrow()
    declared = pa.schema([("timestamp", pa.string())])
    # the system allocator (malloc), not pyarrow's default (mimalloc, jemalloc): those give a block's freed
    # memory back to the OS at once, and each block faults it in again (a tenth of the path's CPU on the
    # 300k-record benchmark, on a VM where fresh pages are slow); malloc keeps it for the next block
    try:
        table = pa.json.read_json(pa.BufferReader(data),
                                  read_options=pa.json.ReadOptions(use_threads=False, block_size=len(view) + 1),
                                  parse_options=pa.json.ParseOptions(explicit_schema=declared,
                                                                     newlines_in_values=False),
                                  memory_pool=pa.system_memory_pool())
    except (pa.ArrowException, UnicodeDecodeError):
        return None
    if table.num_rows != lines:
        return None
    # NaN, Inf, Infinity (signed or not) are read by pyarrow as floating-point numbers only, so a block whose
    # columns hold no floats has none; a block with floats is searched (the usual logs have none: the
    # search of every block was a seventh of the path)
    if _has_floats(table.schema):
        text = bytes(data)
        if b"NaN" in text or b"Inf" in text:
            return None
    return table


# Bytes scanned at a time by the guards: a block's temporaries (a bool per byte) stay this small, in the
# malloc heap and in cache, instead of a fresh block-sized array per block (fresh memory is slow on a VM
# whose host takes freed pages back)
_SCAN_BYTES = 1 << 16


def _scan(view: np.ndarray) -> tuple[np.ndarray | None, bool]:
    """(the positions of the newlines, or None when a NUL byte is anywhere; True when every byte is
    ASCII), _SCAN_BYTES at a time."""
    ends = []
    ascii_only = True
    for offset in range(0, len(view), _SCAN_BYTES):
        part = view[offset:offset + _SCAN_BYTES]
        if part.min() == 0:
            return None, False
        if ascii_only and part.max() >= 0x80:
            ascii_only = False
        found = np.flatnonzero(part == _NEWLINE)
        found += offset
        ends.append(found)
    return np.concatenate(ends), ascii_only


def _utf8(data: bytes | memoryview) -> bool:
    """Every byte sequence valid UTF-8, decoded _SCAN_BYTES at a time (a sequence cut between two pieces
    is carried by the incremental decoder)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = len(data)
    try:
        for offset in range(0, size, _SCAN_BYTES):
            decoder.decode(data[offset:offset + _SCAN_BYTES], final=offset + _SCAN_BYTES >= size)
    except UnicodeDecodeError:
        return False
    return True


def _has_floats(schema: Any) -> bool:
    """Any floating-point column in the schema, at any depth (in objects and lists)."""
    pa = _pyarrow()
    types = [field.type for field in schema]
    while types:
        kind = types.pop()
        if pa.types.is_floating(kind):
            return True
        types.extend(kind.field(i).type for i in range(kind.num_fields))
    return False


def _deepest(view: np.ndarray, ends: np.ndarray) -> int:
    """An upper bound of the nesting depth of the block's lines: the most opening brackets on one line,
    counted only on lines longer than MAX_BRACKETS bytes (a shorter line cannot hold more)."""
    lengths = np.diff(ends, prepend=-1)
    long_lines = np.flatnonzero(lengths > MAX_BRACKETS)
    most = 0
    for index in long_lines.tolist():
        line = view[int(ends[index] - lengths[index] + 1):int(ends[index])]
        most = max(most, int(np.count_nonzero(line == _OPEN)) + int(np.count_nonzero(line == _BRACKET)))
    return most


class _Table:
    """Dotted access to a table's (nested) columns."""

    def __init__(self, table: Any):
        self.table = table
        self.pa = _pyarrow()
        self.rows = table.num_rows
        self.names = set(table.column_names)

    def get(self, dotted: str) -> Any:
        """The column as one pyarrow Array, or None when no line has it."""
        head, *rest = dotted.split(".")
        if head not in self.names:
            return None
        column = self.table.column(head)
        array = column.chunk(0) if column.num_chunks == 1 else self.pa.concat_arrays(column.chunks)
        for name in rest:
            if self.pa.types.is_null(array.type):
                return None
            if not self.pa.types.is_struct(array.type):
                raise _Fallback
            index = array.type.get_field_index(name)
            if index < 0:
                return None
            # flatten: a null parent makes its children null
            array = array.field(index) if array.null_count == 0 else array.flatten()[index]
        return array

    def absent(self, dotted: str) -> bool:
        """No line holds the key with a value (absent or null everywhere)."""
        array = self.get(dotted)
        return array is None or array.null_count == len(array)

    def whole(self, dotted: str) -> Any:
        """A column every row has with a value (not null)."""
        array = self.get(dotted)
        if array is None or array.null_count:
            raise _Fallback
        return array

    def struct(self, dotted: str, required: bool) -> Any:
        """An object column (null rows allowed unless required); None when absent."""
        array = self.get(dotted)
        if array is None or self.pa.types.is_null(array.type):
            if required:
                raise _Fallback
            return None
        if not self.pa.types.is_struct(array.type) or (required and array.null_count):
            raise _Fallback
        return array

    def count(self, dotted: str, required: bool) -> np.ndarray:
        """A token or call count column as int64 (absent or null = 0 unless required): JSON integers in
        0 .. MAX_TOKENS - 1 only."""
        array = self.get(dotted)
        if array is None or self.pa.types.is_null(array.type):
            if required:
                raise _Fallback
            return np.zeros(self.rows, dtype=np.int64)
        if not self.pa.types.is_int64(array.type):
            raise _Fallback
        if array.null_count:
            if required:
                raise _Fallback
            array = array.fill_null(0)
        values = array.to_numpy()
        if len(values) and (values.min() < 0 or values.max() >= MAX_TOKENS):
            raise _Fallback
        return values

    def text(self, dotted: str, allowed: Callable[[str | None], object]) -> tuple[np.ndarray, list]:
        """(code per row, allowed(value) per distinct value) of a text column; a null row has the value
        None. `allowed` raises _Fallback for a value the record function would not take as it is."""
        array = self.get(dotted)
        if array is None or self.pa.types.is_null(array.type):
            return np.zeros(self.rows, dtype=np.int32), [allowed(None)]
        if not self.pa.types.is_string(array.type):
            raise _Fallback
        encoded = array.dictionary_encode()
        values = [allowed(v) for v in encoded.dictionary.to_pylist()]
        codes = encoded.indices
        if codes.null_count:
            values.append(allowed(None))
            codes = codes.fill_null(len(values) - 1)
        return codes.to_numpy(), values


def _known(table: dict) -> Callable[[str | None], object]:
    def allowed(value: str | None) -> object:
        found = table.get(value)
        if found is None:
            raise _Fallback
        return found
    return allowed


def _model_name(value: str | None) -> str:
    if value is None or not value or value.isspace():
        raise _Fallback
    return value


def _text_column(codes: np.ndarray, values: list) -> Any:
    """A per-row pyarrow string array of texts (one per distinct value, picked by code)."""
    pa = _pyarrow()
    return pa.array(values, type=pa.string()).take(pa.array(codes))


def _tier(t: _Table, dotted: str) -> Any:
    return _text_column(*t.text(dotted, _known(TIER_OF)))


def _model(t: _Table) -> Any:
    """The model ids as logged: every row one, none blank (checked per distinct value)."""
    t.text("model", _model_name)
    return t.whole("model")


def _timestamps(t: _Table, numeric: str | None) -> np.ndarray:
    """Unix ns from `timestamp` (text), else the `numeric` column (unix seconds); a row with neither, or a
    bad instant, sends the block to the per-line path (which reports it)."""
    text = t.get("timestamp")
    has_text = text is not None and text.null_count < len(text)
    ns = np.zeros(t.rows, dtype=np.int64)
    done = np.zeros(t.rows, dtype=bool)
    if has_text:
        assert text is not None
        done = text.is_valid().to_numpy(zero_copy_only=False)
        found = _utc_seconds_ns(text) if done.all() else None
        if found is None:
            values = text.to_numpy(zero_copy_only=False)
            found, good = text_ns(values if done.all() else values[done])
            if not good.all():
                raise _Fallback
        ns[done] = found
    if not done.all():
        if numeric is None:
            raise _Fallback
        seconds = t.get(numeric)
        if seconds is None or not t.pa.types.is_int64(seconds.type):
            raise _Fallback
        need = ~done
        valid = seconds.is_valid().to_numpy(zero_copy_only=False)
        if not valid[need].all():
            raise _Fallback
        found, good = seconds_ns(seconds.fill_null(0).to_numpy()[need].astype(np.float64))
        if not good.all():
            raise _Fallback
        ns[need] = found
    return ns


_UTC_FORM = np.frombuffer(b"0000-00-00T00:00:00Z", dtype=np.uint8)
_DIGIT_AT = np.equal(_UTC_FORM, ord("0"))
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _utc_seconds_ns(text: Any) -> np.ndarray | None:
    """Unix ns of texts that are all exactly `YYYY-MM-DDTHH:MM:SSZ` (what most logs write), worked out
    with NumPy from the bytes; None when any text has another form or is not a real instant in
    1970-2262 (text_ns, the reference for every form, then reads the block)."""
    pa = _pyarrow()
    if not pa.types.is_string(text.type) or text.null_count or not len(text):
        return None
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset:text.offset + len(text) + 1]
    if not (np.diff(offsets) == len(_UTC_FORM)).all():
        return None
    raw = np.frombuffer(text.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]].reshape(-1, len(_UTC_FORM))
    if not (raw[:, ~_DIGIT_AT] == _UTC_FORM[~_DIGIT_AT]).all():
        return None
    digits = raw.astype(np.int64) - ord("0")
    if not ((digits[:, _DIGIT_AT] >= 0) & (digits[:, _DIGIT_AT] <= 9)).all():
        return None

    def number(start: int, width: int) -> np.ndarray:
        out = digits[:, start]
        for i in range(start + 1, start + width):
            out = out * 10 + digits[:, i]
        return out

    year, month, day = number(0, 4), number(5, 2), number(8, 2)
    hour, minute, second = number(11, 2), number(14, 2), number(17, 2)
    if not ((month >= 1) & (month <= 12)).all():
        return None
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    longest = _DAYS_IN_MONTH[month] + (leap & (month == 2))
    if not ((day >= 1) & (day <= longest) & (hour <= 23) & (minute <= 59) & (second <= 59)
            & (year >= 1970) & (year <= 2261)).all():
        return None  # 2262 and leap seconds: the reference decides
    # days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil)
    shifted = year - (month <= 2)
    era = shifted // 400
    year_of_era = shifted - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    days = era * 146_097 + day_of_era - 719_468
    return ((days * 86_400 + hour * 3_600 + minute * 60 + second) * 1_000_000_000).astype(np.int64)


def _text_tags(t: _Table, out: Columns, flat: bool = False) -> None:
    """tag:NAME columns from a `tags` object (and, for the costcalc format, flat `tag:NAME` keys): text
    values only (null or absent = ""), names not empty."""
    found: dict[str, Any] = {}
    tags = t.struct("tags", required=False)
    if tags is not None:
        for index in range(tags.type.num_fields):
            name = tags.type.field(index).name
            found[name] = tags.field(index) if tags.null_count == 0 else tags.flatten()[index]
    if flat:
        for column in t.names:
            if column.startswith("tag:"):
                name = column[4:]
                if name in found:
                    raise _Fallback  # given twice in a line or not: the per-line path decides
                found[name] = t.get(column)
    for name in sorted(found):
        array = found[name]
        if not name:
            raise _Fallback
        if t.pa.types.is_null(array.type):
            out["tag:" + name] = _text_column(np.zeros(t.rows, dtype=np.int8), [""])
            continue
        if not t.pa.types.is_string(array.type):
            raise _Fallback  # numbers, true/false, objects: the per-line path makes them text or refuses
        out["tag:" + name] = array.fill_null("") if array.null_count else array


def _no_keys(t: _Table, *names: str) -> None:
    """Keys whose presence alone sends a record to the checked path."""
    if any(name in t.names for name in names):
        raise _Fallback


def _no_values(t: _Table, *dotted: str) -> None:
    if not all(t.absent(d) for d in dotted):
        raise _Fallback


def _zeros(rows: int) -> np.ndarray:
    return np.zeros(rows, dtype=np.int64)


def _counts(out: Columns, **given: np.ndarray) -> None:
    rows = out.rows
    for name in COUNT_COLUMNS + TOOL_COLUMNS:
        out[name] = given.get(name, _zeros(rows))


def _new(t: _Table) -> Columns:
    out = Columns()
    out.rows = t.rows
    return out


def _openai(t: _Table) -> Columns:
    """openai_record's fast path: a Chat Completions response or usage row, counts as plain ints."""
    _no_keys(t, "output")
    _no_values(t, "response")
    t.struct("usage", required=True)
    prompt = t.count("usage.prompt_tokens", required=True)
    completion = t.count("usage.completion_tokens", required=True)
    t.struct("usage.prompt_tokens_details", required=False)
    t.struct("usage.completion_tokens_details", required=False)
    cached = t.count("usage.prompt_tokens_details.cached_tokens", required=False)
    reasoning = t.count("usage.completion_tokens_details.reasoning_tokens", required=False)
    if (cached > prompt).any() or (reasoning > completion).any():
        raise _Fallback
    out = _new(t)
    out["timestamp"] = _timestamps(t, "created")
    out["provider"] = "openai"
    out["model"] = _model(t)
    _counts(out, input_tokens=prompt - cached, cached_tokens=cached, output_tokens=completion - reasoning,
            reasoning_tokens=reasoning)
    out["service_tier"] = _tier(t, "service_tier")
    out["residency"] = np.zeros(t.rows, dtype=bool)
    _text_tags(t, out)
    return out


def _anthropic(t: _Table) -> Columns:
    """anthropic_record's fast path: a Messages usage row with its own timestamp."""
    _no_values(t, "response", "usage.server_tool_use")
    t.struct("usage", required=True)
    uncached = t.count("usage.input_tokens", required=True)
    output = t.count("usage.output_tokens", required=True)
    cached = t.count("usage.cache_read_input_tokens", required=False)
    written_column = t.get("usage.cache_creation_input_tokens")
    written = t.count("usage.cache_creation_input_tokens", required=False)
    split = t.struct("usage.cache_creation", required=False)
    if split is None:
        write_5m, write_1h = written, _zeros(t.rows)
    else:
        write_5m = t.count("usage.cache_creation.ephemeral_5m_input_tokens", required=False)
        write_1h = t.count("usage.cache_creation.ephemeral_1h_input_tokens", required=False)
        has_split = split.is_valid().to_numpy(zero_copy_only=False)
        has_written = (np.zeros(t.rows, dtype=bool) if written_column is None
                       else written_column.is_valid().to_numpy(zero_copy_only=False))
        if (has_split & has_written & (written != write_5m + write_1h)).any():
            raise _Fallback
        write_5m = np.where(has_split, write_5m, written)
        write_1h = np.where(has_split, write_1h, 0)
    out = _new(t)
    out["timestamp"] = _timestamps(t, None)
    out["provider"] = "anthropic"
    out["model"] = _model(t)
    _counts(out, input_tokens=uncached, cached_tokens=cached, cache_write_5m_tokens=write_5m,
            cache_write_1h_tokens=write_1h, output_tokens=output)
    out["service_tier"] = _tier(t, "usage.service_tier")
    codes, residency = t.text("usage.inference_geo", _geo)
    out["residency"] = np.asarray(residency, dtype=bool)[codes]
    _text_tags(t, out)
    return out


def _geo(value: str | None) -> bool:
    found = _GEO_RESIDENCY.get(value)
    if found is None:
        raise _Fallback
    return found


def _deepseek(t: _Table) -> Columns:
    """deepseek_record for a chat completion (or usage row) with prompt_cache_hit/miss_tokens."""
    _no_values(t, "response")
    t.struct("usage", required=True)
    cached = t.count("usage.prompt_cache_hit_tokens", required=True)
    uncached = t.count("usage.prompt_cache_miss_tokens", required=True)
    prompt_column = t.get("usage.prompt_tokens")
    if prompt_column is not None and prompt_column.null_count < len(prompt_column):
        prompt = t.count("usage.prompt_tokens", required=False)
        given = prompt_column.is_valid().to_numpy(zero_copy_only=False)
        if (given & (prompt != cached + uncached)).any():
            raise _Fallback
    completion = t.count("usage.completion_tokens", required=True)
    t.struct("usage.completion_tokens_details", required=False)
    reasoning = t.count("usage.completion_tokens_details.reasoning_tokens", required=False)
    if (reasoning > completion).any():
        raise _Fallback
    out = _new(t)
    out["timestamp"] = _timestamps(t, "created")
    out["provider"] = "deepseek"
    out["model"] = _model(t)
    _counts(out, input_tokens=uncached, cached_tokens=cached, output_tokens=completion - reasoning,
            reasoning_tokens=reasoning)
    out["service_tier"] = _tier(t, "service_tier")
    out["residency"] = np.zeros(t.rows, dtype=bool)
    _text_tags(t, out)
    return out


def _costcalc(t: _Table) -> Columns:
    """costcalc_record: the normalized schema, one flat object per line."""
    _no_keys(t, *_PROVIDER_KEYS)
    out = _new(t)
    out["timestamp"] = _timestamps(t, None)
    codes, providers = t.text("provider", lambda v: "" if v is None else v)
    # one provider for every row is one text (a Categorical in the frame), as in the per-line path
    out["provider"] = providers[0] if len(set(providers)) == 1 else _text_column(codes, providers)
    out["model"] = _model(t)
    required = ("input_tokens", "output_tokens")
    _counts(out, **{name: t.count(name, required=name in required) for name in COUNT_COLUMNS + TOOL_COLUMNS})
    out["service_tier"] = _tier(t, "service_tier")
    residency = t.get("residency")
    if residency is None or t.pa.types.is_null(residency.type):
        out["residency"] = np.zeros(t.rows, dtype=bool)
    elif t.pa.types.is_boolean(residency.type):
        out["residency"] = residency.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
    else:
        raise _Fallback
    _text_tags(t, out, flat=True)
    return out


_EXTRACT: dict[str, Callable[[_Table], Columns]] = {
    "openai": _openai, "anthropic": _anthropic, "deepseek": _deepseek, "costcalc": _costcalc}
