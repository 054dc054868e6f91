"""DuckDB reading CSV and Parquet usage logs itself (`reprice --engine duckdb`): the file is scanned by
DuckDB's own readers (read_parquet with its row numbers, read_csv with every column as VARCHAR and the
row's ordinal), each record is screened in SQL, and the records the screen passes are priced by the
compiled plan's SQL (sql.py) without ever becoming Python objects.

The screen is SOUND, not complete: it passes a record only when every cell is in a form whose meaning is
certain and equal to what costcalc's own reader makes of it (plain digits below 10^15 for a count,
`YYYY-MM-DDTHH:MM:SS[.f][Z|+HH:MM]` or unix seconds for a timestamp, an ASCII tier name, ...). Every
other record - a bad one, or a good one written in a rarer form (`12.0`, ` batch`, `2026-05-31`) - is
"suspect": its raw cells come back to Python and go through the very function the local reader uses
(formats/columnar.normalize_columns), so a bad record gets the reader's own problem (file, line, key,
value, message) and a good one is priced like any other. Correctness never depends on the screen being
complete; only speed does (a log of suspects runs at the local reader's pace).

Line numbers: Parquet rows are read by DuckDB's file_row_number (+1, as the local reader numbers them);
suspect Parquet rows are re-read with pyarrow in the local reader's own batches, so their values have
the dtypes the local reader gives them (an int column holding a null in its batch is float there). CSV
rows: DuckDB's ordinal + 1 (the header is line 1) is the physical line only when the file holds no
blank line and no quoted newline; a pass over the bytes (the local reader's line cap, the same error)
counts the newlines and, when they are not rows + 1, the file is read by costcalc's reader instead.
Anything DuckDB refuses in a CSV file (a row of another width, bad UTF-8) sends the file to costcalc's
reader too, which reports it as the local run does. A `.csv.gz` log is decompressed by DuckDB (the newline
count goes through the reader's own decompression, so the same check holds).

JSON lines stay on costcalc's readers feeding DuckDB (duckdb.py): DuckDB's JSON reader skips blank lines
and gives no line numbers (read_ndjson refuses file_row_number; WITH ORDINALITY counts records, not lines),
and a problem must name its line.

Why one module of about 440 lines: the screen (SQL per column type), the distinct-value judging, the CSV
byte checks and the passes over one file are one contract (records = priced + suspects, checked at the end);
split, each half would need the other's invariants to be read.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CostcalcError
from ..usage.chunk import UsageChunk, suffixes
from ..usage.formats.columnar import (INCLUSIVE, _OPTIONAL_COUNTS, _blank, _Checker, _residency, _tiers,
                                      normalize_columns, plan_columns)
from ..usage.formats.common import MAX_TOKENS
from ..usage.formats.instants import MAX_SECONDS, MIN_SECONDS
from ..usage.partials import Partials
from ..usage.read_csv import _capped_csv, _LineTooLong, csv_header
from ..usage.read_parquet import parquet_plan
from ..usage.price import SLICE_RECORDS
from ..usage.schema import COUNT_COLUMNS, TAG_PREFIX, TOOL_COLUMNS
from .plan import DAY

RAW, NORM, GOOD = "costcalc_raw", "costcalc_norm", "costcalc_good"
SUSPECT_NAMES = "costcalc_suspect_names"  # the good suspects' names, while hints are settled (_reader_slices)
# The plan's SQL runs over this many lines of a file at a time (its intermediate rows stay in memory: about
# 300 MB a million records; 3.1 GB for 10M in one pass); each slice's partials merge exactly. A Parquet log is
# read again for each slice (measured at 10M records under load: one pass 87 s, 3,141 MiB; 1M-line slices
# 128 s, 525 MiB; 2M lines is between the two).
SLICE_LINES = 2_000_000
_PARQUET_SUFFIXES = (".parquet", ".pq")
_GLOB = re.compile(r"[*?\[\]{}]")  # DuckDB expands these in a path: such a file is read by costcalc
_INT_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
_FLOAT_TYPES = {"FLOAT", "DOUBLE"}
_TIMESTAMP_TYPES = {"TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "TIMESTAMP WITH TIME ZONE",
                    "TIMESTAMPTZ_NS"}
# the column types the screen understands, per schema column (any other type: costcalc's reader)
_ACCEPTED = {"timestamp": {"VARCHAR"} | _INT_TYPES | _TIMESTAMP_TYPES, "model": {"VARCHAR"}, "provider": {"VARCHAR"},
             "service_tier": {"VARCHAR"}, "residency": {"VARCHAR", "BOOLEAN"} | _INT_TYPES}
_COUNT_TYPES = {"VARCHAR"} | _INT_TYPES | _FLOAT_TYPES
_TAG_TYPES = {"VARCHAR", "BOOLEAN"} | _INT_TYPES
# ISO-8601 as the screen takes it: date, T or space, time, an optional fraction, an optional Z or +HH:MM
_ISO = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?"
        r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _s(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class FileScan:
    """One CSV or Parquet log as DuckDB reads it: the raw relation (line + the mapped columns), the
    screen and the normalized columns, as SQL."""

    def __init__(self, path: Path, kind: str, plan: dict[str, str], types: dict[str, str], sql_from: str):
        self.path, self.kind, self.plan, self.types, self.sql_from = path, kind, plan, types, sql_from

    # -- the screen -------------------------------------------------------------------------------
    def _count(self, name: str) -> tuple[str, str]:
        """(ok, value) of a count column; NULL is fine where the reader takes a blank as 0."""
        column = self.plan.get(name)
        if column is None:
            return "TRUE", "0"
        c, kind = _q(column), self.types[column]
        optional = name in _OPTIONAL_COUNTS
        if kind == "VARCHAR":  # plain digits, at most 15 of them: below 10^15
            ok = f"regexp_full_match({c}, '[0-9]{{1,15}}')"
            value = f"TRY_CAST({c} AS BIGINT)"
        elif kind in _INT_TYPES:
            ok, value = f"({c} >= 0 AND {c} < {MAX_TOKENS})", f"TRY_CAST({c} AS BIGINT)"
        else:  # a float column: whole numbers only (NaN < 10^15 is false in DuckDB)
            ok = f"({c} >= 0 AND {c} < {MAX_TOKENS} AND {c} = floor({c}))"
            value = f"TRY_CAST({c} AS BIGINT)"
        if optional:
            return f"({c} IS NULL OR {ok})", f"COALESCE({value}, 0)"
        return f"COALESCE({ok}, FALSE)", value

    def _timestamp(self) -> tuple[str, str, str]:
        """(the epoch second as the inner layer computes it, ok, the epoch second) of the timestamp column;
        ok and the second refer to the inner layer's `ts_sec` (computed once a record)."""
        c, kind = _q(self.plan["timestamp"]), self.types[self.plan["timestamp"]]
        if kind in _TIMESTAMP_TYPES:
            us = f"epoch_us({c})" if not kind.endswith("_NS") else f"(epoch_ns({c}) // 1000)"
            inner = f"CASE WHEN {us} > 0 AND {us} < {MAX_SECONDS * 1_000_000} THEN {us} // 1000000 END"
        elif kind in _INT_TYPES:
            inner = f"CASE WHEN {c} BETWEEN {MIN_SECONDS} AND {MAX_SECONDS} THEN CAST({c} AS BIGINT) END"
        else:
            # ISO-8601: the whole second of the text's wall time, less its offset; unix seconds as digits.
            # Either must land in the reader's range (an ISO second below MAX_SECONDS: no fraction carries
            # it out); anything else is NULL, so a suspect.
            tail = f"right({c}, 6)"
            offset = (f"(CASE WHEN {c} LIKE '%Z' OR length({c}) < 25 OR substr({tail}, 4, 1) <> ':' THEN 0 "
                      f"ELSE (CASE WHEN substr({tail}, 1, 1) = '-' THEN -1 ELSE 1 END) * "
                      f"(CAST(substr({tail}, 2, 2) AS BIGINT) * 3600 + CAST(substr({tail}, 5, 2) AS BIGINT) * 60) END)")
            iso = (f"epoch_us(TRY_CAST(substr({c}, 1, 10) || ' ' || substr({c}, 12, 8) AS TIMESTAMP)) // 1000000 "
                   f"- {offset}")
            inner = (f"CASE WHEN regexp_full_match({c}, '{_ISO}') THEN {iso} END AS ts_iso, "
                     f"CASE WHEN regexp_full_match({c}, '[0-9]{{9,10}}') THEN TRY_CAST({c} AS BIGINT) END AS ts_unix")
            sec = (f"(CASE WHEN ts_iso BETWEEN 0 AND {MAX_SECONDS - 1} THEN ts_iso "
                   f"WHEN ts_unix BETWEEN {MIN_SECONDS} AND {MAX_SECONDS} THEN ts_unix END)")
            return inner, f"{sec} IS NOT NULL", sec
        inner += " AS ts_sec"
        return inner, "ts_sec IS NOT NULL", "ts_sec"

    def _text(self, name: str, default: str = "''") -> tuple[str, str]:
        column = self.plan.get(name)
        if column is None:
            return "TRUE", default
        return "TRUE", f"COALESCE({_q(column)}, '')"

    def _raw(self, name: str) -> str:
        """A text column checked on its distinct values (model, service_tier, residency): its raw cell."""
        column = self.plan.get(name)
        return "NULL" if column is None else _q(column)

    def _tag(self, target: str) -> str:
        c, kind = _q(self.plan[target]), self.types[self.plan[target]]
        return f"COALESCE(CAST({c} AS VARCHAR), '')" if kind != "VARCHAR" else f"COALESCE({c}, '')"

    def norm_sql(self) -> str:
        """The view of every record: line, ok (the screen passed it), then the normalized columns (their
        values mean something only where ok)."""
        checks, values = [], {}
        inner, ok, values["timestamp"] = self._timestamp()
        checks.append(ok)
        # model, tier and residency hold a handful of distinct values: checked in Python on those (the
        # reader's own rules, see `Distinct`), not on every row; a NULL model is a suspect at once
        checks.append(f"{self._raw('model')} IS NOT NULL")
        values.update(provider=self._text("provider")[1], model=self._raw("model"),
                      service_tier=self._raw("service_tier"), residency=self._raw("residency"))
        counts = {}
        for name in COUNT_COLUMNS + TOOL_COLUMNS + INCLUSIVE:
            if name in self.plan or name in COUNT_COLUMNS + TOOL_COLUMNS:
                ok, value = self._count(name)
                checks.append(ok)
                counts[name] = value
        writes = " + ".join(counts[c] for c in ("cached_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens"))
        if "prompt_tokens" in self.plan:  # input = prompt - cached - writes, never below 0
            counts["input_tokens"] = f"({counts['prompt_tokens']} - ({writes}))"
            checks.append(f"COALESCE({counts['input_tokens']} >= 0, FALSE)")
        if "completion_tokens" in self.plan:
            counts["output_tokens"] = f"({counts['completion_tokens']} - {counts['reasoning_tokens']})"
            checks.append(f"COALESCE({counts['output_tokens']} >= 0, FALSE)")
        tags = [t for t in sorted(self.plan) if t.startswith(TAG_PREFIX)]
        columns = ([f"{values['timestamp']} AS sec", f"{values['provider']} AS provider", f"{values['model']} AS model"]
                   + [f"{counts[c]} AS {c}" for c in COUNT_COLUMNS + TOOL_COLUMNS]
                   + [f"{values['service_tier']} AS service_tier", f"{values['residency']} AS residency"]
                   + [f"{self._tag(t)} AS {_q(t)}" for t in tags])
        ok = " AND ".join(f"({check})" for check in checks)
        blank = "blank" if self.kind == "csv" else "FALSE AS blank"
        return (f"SELECT line, {blank}, COALESCE({ok}, FALSE) AS ok, {', '.join(columns)} "
                f"FROM (SELECT *, {inner} FROM {RAW})")


class Distinct:
    """The distinct raw model, service_tier and residency values of a file's screened records, judged by the
    reader's own functions (formats/columnar.py) on those values: which are bad (their records become
    suspects, and get the reader's problem), and what the good ones mean (tier name, residency). The SQL
    it writes reads the screened view, where those columns hold the raw cells under the schema's names."""

    def __init__(self, scan: FileScan, models: set, tiers: set, residencies: set):
        self.scan = scan
        model_list = sorted(models)
        blank = _blank(pd.Series(model_list, dtype="str")) if model_list else np.zeros(0, bool)
        self.bad_models = [m for m, b in zip(model_list, blank) if b]
        self.tier_of, self.bad_tiers = self._judge("service_tier", tiers, _tiers)
        self.residency_of, self.bad_residencies = self._judge("residency", residencies, _residency)

    def _judge(self, name: str, values: set, judge) -> tuple[dict, list]:
        column = self.scan.plan.get(name)
        if column is None:
            return {}, []
        listed = sorted(values, key=lambda v: (v is None, str(v)))
        kind = self.scan.types[column]
        series = pd.Series(listed, dtype="str" if kind == "VARCHAR" else None)
        check = _Checker("", np.arange(len(listed), dtype=np.int64))
        meant = np.asarray(judge(pd.DataFrame({column: series}), {name: column}, check))
        return ({v: m for v, m, b in zip(listed, meant, check.bad) if not b},
                [v for v, b in zip(listed, check.bad) if b])

    def bad_sql(self) -> str:
        """True for a record whose model, tier or residency is a bad value."""
        parts = [_in(_q(name), bad) for name, bad in (("model", self.bad_models), ("service_tier", self.bad_tiers),
                                                      ("residency", self.bad_residencies))]
        parts = [p for p in parts if p != "FALSE"]
        return "(" + " OR ".join(parts) + ")" if parts else "FALSE"

    def tier_sql(self) -> str:
        column = self.scan.plan.get("service_tier")
        if column is None or not self.tier_of:
            return "'standard'"
        cases = " ".join(f"WHEN {_literal(raw)} THEN {_s(str(tier))}" for raw, tier in self.tier_of.items()
                         if raw is not None)
        return f"(CASE service_tier {cases} ELSE {_s(str(self.tier_of.get(None, 'standard')))} END)"

    def residency_sql(self) -> str:
        column = self.scan.plan.get("residency")
        yes = [raw for raw, meant in self.residency_of.items() if meant and raw is not None]
        return "FALSE" if column is None else _in("residency", yes)


def _literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return _s(str(value))


def _in(column: str, values: list) -> str:
    values = [v for v in values if v is not None]
    # never NULL (a NULL cell is in no list): a NULL here would drop a record from both the good and the suspects
    return f"COALESCE({column} IN ({', '.join(_literal(v) for v in values)}), FALSE)" if values else "FALSE"


def _parquet_types(con, path: Path) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE SELECT * FROM read_parquet({_s(str(path))})").fetchall()
    return {row[0]: row[1] for row in rows}


def plan_file(con, path: Path, format: str | None, mapping: dict[str, str] | None) -> FileScan | None:
    """The scan of a log DuckDB reads itself, or None when costcalc's reader reads it (JSON lines, a
    column type the screen does not know, a path DuckDB would glob). Header and mapping problems raise
    here, as the local reader raises them."""
    suffix, gz = suffixes(path)
    parquet = format == "parquet" or (suffix in _PARQUET_SUFFIXES and format in (None, "costcalc"))
    csv = not parquet and (format == "csv" or (suffix == ".csv" and format in (None, "costcalc")))
    if not (parquet or csv) or _GLOB.search(str(path)):
        return None
    if parquet:
        plan = parquet_plan(path, mapping)  # the local reader's checks and messages
        try:
            types = _parquet_types(con, path)
        except Exception:
            return None
        sql_from = (f"SELECT file_row_number + 1 AS line, {', '.join(_q(c) for c in sorted(set(plan.values())))} "
                    f"FROM read_parquet({_s(str(path))}, file_row_number = true)")
    else:
        header = csv_header(path)
        plan = plan_columns(header, mapping, str(path))
        types = {name: "VARCHAR" for name in header}
        if any(not isinstance(name, str) for name in header):
            return None
        names = [f"col{i}" for i in range(len(header))]
        columns = "{" + ", ".join(f"{_s(n)}: 'VARCHAR'" for n in names) + "}"
        used = sorted(set(plan.values()))
        # pandas reads an empty cell (quoted or not) as missing: NULLIF as DuckDB keeps a quoted one as ''
        cells = ", ".join(f"NULLIF(col{header.index(c)}, '') AS {_q(c)}" for c in used)
        every_blank = " AND ".join(f"(col{header.index(c)} IS NULL OR col{header.index(c)} = '')" for c in used)
        # a .csv.gz log is decompressed by DuckDB itself; csv_lines counts its lines through the reader's own
        # decompression, so a member DuckDB would read otherwise (or not at all) sends it to costcalc's reader
        gzip = ", compression = 'gzip'" if gz else ""
        sql_from = (f"SELECT ordinality + 1 AS line, {cells}, ({every_blank}) AS blank FROM read_csv({_s(str(path))}, "
                    f"header = true, auto_detect = false, columns = {columns}, delim = ',', quote = '\"', "
                    f"escape = '\"', encoding = 'utf-8'{gzip}) WITH ORDINALITY")
    for target, column in plan.items():
        kind = types.get(column, "")
        accepted = (_COUNT_TYPES if target in COUNT_COLUMNS + TOOL_COLUMNS + INCLUSIVE else
                    _TAG_TYPES if target.startswith(TAG_PREFIX) else _ACCEPTED.get(target, set()))
        if kind not in accepted:
            return None
    return FileScan(path, "parquet" if parquet else "csv", plan, types, sql_from)


# bytes on which DuckDB's CSV reader and pandas' part ways: a space or tab beside a quote (DuckDB drops the
# space of `"x" ,` and ` "x",`, pandas keeps it), a carriage return not ending a line (pandas ends a line there)
_DIVERGENT = (b'" ', b' "', b'"\t', b'\t"')


def csv_lines(path: Path) -> tuple[int, bool, bool]:
    """(newlines, ends with one, plain: none of the bytes DuckDB and pandas read apart) of a CSV log,
    through the local reader's line cap (its error for a line too long)."""
    count, carry, plain = 0, b"", True
    try:
        with _capped_csv(path) as handle:
            while block := handle.read(1 << 22):
                count += block.count(b"\n")
                seen = carry + block
                if plain and (any(p in seen for p in _DIVERGENT) or seen.count(b"\r") != seen.count(b"\r\n")
                              + (1 if seen.endswith(b"\r") else 0)):
                    plain = False
                carry = block[-1:]
    except _LineTooLong as exc:
        raise CostcalcError(f"{path}:{exc.line}: {exc.strerror}") from None
    except OSError as exc:
        raise CostcalcError(f"{path}: cannot read: {exc}") from None
    return count, carry == b"\n", plain and carry != b"\r"


def suspect_chunks(con, scan: FileScan, chunk_records: int, suspect: str) -> Iterator[UsageChunk]:
    """The records the screen did not pass, through the local reader's own normalization: problems as it
    reports them, the good ones as a normalized frame."""
    source = str(scan.path)
    lines = con.execute(f"SELECT line FROM {NORM} WHERE {suspect} ORDER BY line").fetchnumpy()["line"]
    lines = np.asarray(lines, dtype=np.int64)
    if not len(lines):
        return
    if scan.kind == "csv":
        used = sorted(set(scan.plan.values()))
        for start in range(0, len(lines), chunk_records):
            part = lines[start:start + chunk_records]
            con.register("costcalc_lines", pd.DataFrame({"line": part}))
            try:
                rows = con.execute(f"SELECT r.* EXCLUDE (blank) FROM {RAW} r SEMI JOIN costcalc_lines l "
                                   f"ON r.line = l.line ORDER BY r.line").fetchall()
            finally:
                con.unregister("costcalc_lines")
            df = pd.DataFrame({c: pd.array([row[i + 1] for row in rows], dtype="str") for i, c in enumerate(used)})
            frame, problems = normalize_columns(df, scan.plan, source, np.array([r[0] for r in rows], np.int64))
            yield UsageChunk(frame, len(df), problems)
        return
    # Parquet: the local reader's batches, so each value has the dtype it has there
    import pyarrow.parquet as pq  # lazy: the parquet extra, needed only for a Parquet log's suspects

    rows = lines - 1
    batches = pq.ParquetFile(scan.path).iter_batches(batch_size=chunk_records, columns=sorted(set(scan.plan.values())))
    first = 0
    for batch in batches:
        end = first + len(batch)
        inside = rows[(rows >= first) & (rows < end)]
        if len(inside):
            df = batch.to_pandas().iloc[inside - first].reset_index(drop=True)
            frame, problems = normalize_columns(df, scan.plan, source, inside + 1)
            yield UsageChunk(frame, len(df), problems)
        first = end
        if first > rows[-1]:
            break


def scan_partials(con, scan: FileScan, plans, by: list[str], chunk_records: int,
                  price_chunk: Callable[[UsageChunk], list[Partials]], price_relation: Callable[..., Partials]
                  ) -> list[Partials] | None:
    """Partials of one file DuckDB reads, or None when it must go to costcalc's reader after all (a CSV
    file whose rows are not its lines, or that DuckDB refuses). price_chunk: the partials of a normalized
    chunk (its suspects); price_relation: those of the screened records' view (duckdb.py's
    reprice_relation_partials)."""

    con.execute(f"CREATE OR REPLACE TEMP VIEW {RAW} AS {scan.sql_from}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {NORM} AS {scan.norm_sql()}")
    with tempfile.TemporaryDirectory(prefix="costcalc-duckdb-") as folder:
        try:
            # the file is read and screened once, into a compact columnar copy in line order that the later
            # passes read (the plan's SQL reads its input more than once, and is run over it in slices of
            # lines: DuckDB holds a slice's intermediate rows in memory); the copy lives as long as this call
            if scan.kind == "csv":  # a Parquet log is read again: cheaper than writing a copy (0.96x vs 0.45x)
                copy = Path(folder) / "screened.parquet"
                con.execute(f"COPY (SELECT * FROM {NORM}) TO {_s(str(copy))} "
                            f"(FORMAT parquet, COMPRESSION zstd)")
                con.execute(f"CREATE OR REPLACE TEMP VIEW {NORM} AS SELECT * FROM read_parquet({_s(str(copy))})")
            # the combinations the plan needs, the suspects and (CSV) the rows DuckDB saw
            # (a suspect's provider and model as its raw cells: the names it may bring, see _priced)
            groups = con.execute(f"SELECT blank, ok, provider, model, "
                                 f"CASE WHEN ok THEN service_tier END, CASE WHEN ok THEN residency END, count(*), "
                                 f"min(CASE WHEN ok THEN sec END), max(CASE WHEN ok THEN sec END) "
                                 f"FROM {NORM} GROUP BY ALL").fetchall()
        except duckdb_error():
            return None  # DuckDB refused the file: costcalc's reader says why, as in a local run
        return _priced(con, scan, groups, plans, by, chunk_records, price_chunk, price_relation)


class _Suspects:
    """The records of a file the screen did not pass (`where`: their SQL predicate on the screened view),
    through costcalc's reader (suspect_chunks), for pricing. When hints need the good ones' names first
    (_reader_slices), they are read for those; kept for pricing when they are at most one reader chunk of
    records (the memory a local run holds), else read again then."""

    def __init__(self, con, scan: FileScan, chunk_records: int, where: str):
        self.con, self.scan, self.chunk_records, self.where = con, scan, chunk_records, where
        self._held: list[UsageChunk] | None = None

    def chunks(self) -> Iterator[UsageChunk]:
        held, self._held = self._held, None
        return iter(held) if held is not None else suspect_chunks(self.con, self.scan, self.chunk_records, self.where)

    def names_into(self, table: str) -> bool:
        """Whether there are good suspects; if so, their provider, model and line in the temporary `table`.
        Which suspects are good only the reader's normalization tells (a count of 12.0 is, one of 12.5 not)."""
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (provider VARCHAR, model VARCHAR, line BIGINT)")
        found, records = False, 0
        held: list[UsageChunk] | None = []
        for chunk in self.chunks():
            records += chunk.records
            if held is not None:  # dropped once past one chunk of records: read again for pricing
                held = held + [chunk] if records <= self.chunk_records else None
            if not len(chunk.frame):
                continue
            found = True
            self.con.register("costcalc_suspects", chunk.frame[["provider", "model", "line"]])
            try:
                self.con.execute(f"INSERT INTO {table} SELECT CAST(provider AS VARCHAR), CAST(model AS VARCHAR), "
                                 f"line FROM costcalc_suspects")
            finally:
                self.con.unregister("costcalc_suspects")
        self._held = held
        return found


def _reader_slices(con, scan: FileScan, distinct: Distinct, chunk_records: int, suspects: _Suspects
                   ) -> Iterator[pd.DataFrame]:
    """The provider and model of the records a local run prices, in the slices it prices them in:
    costcalc's reader's chunks of chunk_records rows (a CSV file's from line 2, after its header), each
    sliced as usage.run.slices slices a chunk. The chunks are taken by line (a CSV file whose lines DuckDB
    does not read one for one never comes here: costcalc's reader reads it whole). Those records are the
    screened ones and the good suspects (a count written 12.0, say), each at its line: a local run meets
    them in one frame, in line order, and counts both in a slice's rows. Each slice comes as its distinct
    (provider, model) pairs in the order of their first line: PairCodes numbers a slice's pairs by
    provider, then model, each as first met, which its distinct pairs in that order meet as its rows do.
    A few rows a slice, not the file's (a 10M-record file's rows as a frame would take gigabytes)."""
    first = 2 if scan.kind == "csv" else 1
    chunk = f"(line - {first}) // {int(chunk_records)}"
    # a chunk of at most SLICE_RECORDS rows is one slice: no row numbers needed
    slice_of = "0" if chunk_records <= SLICE_RECORDS else \
        f"(row_number() OVER (PARTITION BY {chunk} ORDER BY line) - 1) // {SLICE_RECORDS}"
    rows = f"SELECT provider, model, line FROM {NORM} WHERE ok AND NOT blank AND NOT {distinct.bad_sql()}"
    try:
        if suspects.names_into(SUSPECT_NAMES):
            rows += f" UNION ALL SELECT provider, model, line FROM {SUSPECT_NAMES}"
        pairs = con.execute(
            f"SELECT chunk, slice, provider, model, min(line) AS first_line FROM (SELECT provider, model, line, "
            f"{chunk} AS chunk, {slice_of} AS slice FROM ({rows})) "
            f"GROUP BY chunk, slice, provider, model ORDER BY chunk, slice, first_line").df()
    finally:
        con.execute(f"DROP TABLE IF EXISTS {SUSPECT_NAMES}")
    for _slice, part in pairs.groupby(["chunk", "slice"], sort=True):
        yield part[["provider", "model"]].reset_index(drop=True)


def duckdb_error() -> type[Exception]:
    import duckdb  # lazy: the duckdb extra (this module is imported by its caller only when it is there)

    return duckdb.Error


def _priced(con, scan: FileScan, groups: list[tuple], plans, by: list[str], chunk_records: int,
            price_chunk: Callable[[UsageChunk], list[Partials]], price_relation: Callable[..., Partials]
            ) -> list[Partials] | None:
    """scan_partials once DuckDB has screened the file: `groups` are (blank, ok, provider, model,
    service_tier, residency, records, first second, last second)."""
    if scan.kind == "csv":
        rows = sum(g[6] for g in groups)
        newlines, ends, plain = csv_lines(scan.path)
        if newlines != rows + (1 if ends else 0) or not plain:
            return None  # a blank line or a quoted newline (DuckDB's rows are not the file's lines), or bytes
            #              DuckDB reads otherwise than pandas
    screened = [g[2:] for g in groups if g[1] and not g[0]]  # provider, model, tier, residency, n, min, max
    # the names the suspects may bring (the good ones' are among them): with the screened records', the names
    # whose order may decide hints
    suspect_names = {(g[2], g[3]) for g in groups if not g[1] and not g[0] and g[3] is not None}
    distinct = Distinct(scan, {g[1] for g in screened}, {g[2] for g in screened}, {g[3] for g in screened})
    bad_models, bad_tiers, bad_res = set(distinct.bad_models), set(distinct.bad_tiers), set(distinct.bad_residencies)
    combos = [g for g in screened if g[1] not in bad_models and g[2] not in bad_tiers and g[3] not in bad_res]
    parts = []
    suspects = _Suspects(con, scan, chunk_records, f"NOT blank AND (NOT ok OR {distinct.bad_sql()})")
    names = suspect_names | {(p, m) for p, m, *_ in combos}
    plans.settle_names(pd.DataFrame(list(names), columns=["provider", "model"], dtype=object),
                       lambda: _reader_slices(con, scan, distinct, chunk_records, suspects))
    if combos:
        frame = pd.DataFrame([(p, m, str(distinct.tier_of.get(t, "standard")),
                               bool(distinct.residency_of.get(r, False))) for p, m, t, r, *_ in combos],
                             columns=["provider", "model", "service_tier", "residency"])
        first_day = min(row[5] for row in combos) // DAY
        last_day = max(row[6] for row in combos) // DAY
        mapping = {"source": "source", "line": "line"}
        mapping.update({t: "''" for t in by if t.startswith(TAG_PREFIX) and t not in scan.plan})  # absent: ""
        last_line = con.execute(f"SELECT max(line) FROM {NORM}").fetchall()[0][0]
        for first in range(0, last_line, SLICE_LINES):  # a slice's partials, merged: bounded memory
            con.execute(f"CREATE OR REPLACE TEMP VIEW {GOOD} AS SELECT to_timestamp(sec) AS timestamp, provider, "
                        f"model, {', '.join(COUNT_COLUMNS + TOOL_COLUMNS)}, {distinct.tier_sql()} AS service_tier, "
                        f"{distinct.residency_sql()} AS residency, {_s(str(scan.path))} AS source, line"
                        + "".join(f", {_q(t)}" for t in sorted(scan.plan) if t.startswith(TAG_PREFIX))
                        + f" FROM {NORM} WHERE line > {first} AND line <= {first + SLICE_LINES} AND ok AND NOT blank "
                        f"AND NOT {distinct.bad_sql()}")
            parts.append(price_relation(con, GOOD, frame, first_day, last_day, plans, by, mapping,
                                        pd.Timestamp(min(row[5] for row in combos), unit="s", tz="UTC")))
    if sum(g[6] for g in groups if not g[0]) > sum(g[4] for g in combos):  # suspects: the reader judges them
        for chunk in suspects.chunks():
            parts.extend(price_chunk(chunk))
    records = sum(g[6] for g in groups if not g[0])
    if records != sum(part.records for part in parts):  # nothing silently dropped, as the local run checks
        raise CostcalcError(f"internal error: {scan.path}: DuckDB read {records} records but "
                            f"{sum(part.records for part in parts)} were priced or reported; please report it")
    return parts


__all__ = ["FileScan", "plan_file", "scan_partials"]
