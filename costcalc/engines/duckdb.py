"""DuckDB as the embedded engine (the `duckdb` extra; imported only here): normalized usage chunks are
re-priced by the compiled plan's SQL (sql.py) inside DuckDB, and its integer sums come back as exact
partials (results.py), merged chunk by chunk. Same output and problems contract as the local pricer:
reading problems are the readers' own, pricing problems come from the plan's errors, and records read =
priced + reported.

Each chunk gets a plan built from its own distinct names, tiers and days (a few hundred groups; cached
while the next chunk needs nothing new): partials are keyed by outcome value, so chunks priced under
different plans merge exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CostcalcError, InputError
from ..prices.model import PriceTable
from ..prices.names import LoggedNames
from ..prices.resolve import lookup
from ..usage.chunk import with_names
from ..usage.partials import Partials, finish_partials, merge_partials
from ..usage.read import _checked_file, _distinct, _reader_for, iter_usage
from ..usage.price import settle_names
from ..usage.run import FirstProblems, RepriceResult, problem_order_slices
from ..usage.schema import TOOL_COLUMNS
from ..usage.totals import check_by
from .duckdb_files import plan_file, scan_partials
from .plan import DAY, SEGMENT_COLUMNS, Plan, build_plan
from .results import partials_from_sums, plan_notes
from .sql import KEEP_PROBLEMS, PROBLEM_COLUMNS, problems_sql, sums_sql

SEGMENTS = "costcalc_segments"
USAGE = "costcalc_usage"


def _duckdb():
    try:
        import duckdb
    except ImportError:
        raise CostcalcError("--engine duckdb needs DuckDB: pip install 'costcalc[duckdb]'") from None
    return duckdb


class _Plans:
    """The plan of the last chunk, rebuilt only when a chunk brings a name, tier, residency or day
    it does not cover; and the run's names, resolved as the local pricer resolves them."""

    def __init__(self, table: PriceTable, models: list[str]):
        self.table, self.models = table, models
        self.plan: Plan | None = None
        self.covers: tuple = (set(), set(), set(), 0, 0)
        self.names = LoggedNames(table)  # the run's: its first SUGGEST_FOR unknown names get "did you mean"

    def settle_names(self, names: pd.DataFrame, parts: Callable[[], Iterable[pd.DataFrame]]) -> None:
        """Resolve the names of records about to be priced as the local pricer does: slice by slice
        (`parts`: the slices it would price them in, each with provider and model), each slice's new
        names in one pass's order, which decides the run's first unknown names. Only needed (the slices
        made and coded) when `names` (provider, model: at least those of the records) hold more unknown
        names new to the run than it still hints: else every one of them is hinted whatever the order, and
        the order has no other effect on what is said (notes are listed sorted); the plan settles them
        (build_plan's resolver)."""
        left = self.names.hints_left()
        if not left:
            return
        pairs = set(zip(names["provider"], names["model"]))
        unknown = sum(self.names.settled(p, m) is None and self.names.find(p, m).error is not None for p, m in pairs)
        if unknown > left:
            for part in parts():
                settle_names(self.names, part)

    def for_combos(self, combos: pd.DataFrame, first_day: int, last_day: int) -> Plan:
        names = set(zip(combos["provider"], combos["model"]))
        tiers, residency = set(combos["service_tier"]), set(combos["residency"].astype(bool))
        covered_names, covered_tiers, covered_res, start, end = self.covers
        if (self.plan is None or not names <= covered_names or not tiers <= covered_tiers
                or not residency <= covered_res or first_day < start or last_day >= end):
            names |= covered_names
            tiers |= covered_tiers
            residency |= covered_res
            start = min(first_day, start) if self.plan else first_day
            end = max(last_day + 1, end) if self.plan else last_day + 1
            self.plan = build_plan(self.table, start, end, self.models, sorted(names), sorted(tiers),
                                   sorted(residency), self.names)
            self.covers = (names, tiers, residency, start, end)
        return self.plan


def reprice_frame_partials(con, frame: pd.DataFrame, plans: _Plans, by: list[str],
                           sources: Sequence[str] = ()) -> Partials | None:
    """Partials of one normalized frame, priced inside DuckDB. sources: the run's files in problem order
    (the order the local pricer prices the frame's rows in: its unknown names are hinted in that order)."""
    if not len(frame):
        return None
    if "line" not in frame:
        # its records numbered by row (1-based), as the local pricer names them: the problems then sort on
        # distinct keys, and the first 1,000 listed are the local run's (not an arbitrary 1,000 of them).
        # Copy-on-write: the frame's columns are shared, only the line column is new.
        frame = frame.assign(line=np.arange(1, len(frame) + 1, dtype=np.int64))
    con.register(USAGE, frame)
    try:
        # the distinct combinations and the first and last instant, in one pass over the frame
        combos = con.execute(f"SELECT provider, model, service_tier, residency, min(epoch_us(timestamp)) AS first, "
                             f"max(epoch_us(timestamp)) AS last FROM {USAGE} GROUP BY ALL").df()
        first, last = int(combos["first"].min()), int(combos["last"].max())
        combos = combos.drop(columns=["first", "last"])
        plans.settle_names(combos, lambda: problem_order_slices(frame, list(sources)))
        mapping = {c: c for c in ("source", "line") if c in frame}
        mapping.setdefault("source", "'<DataFrame>'")  # a frame made by hand, as the local pricer names it
        mapping.update({c: "0" for c in TOOL_COLUMNS if c not in frame})  # no calls logged
        return reprice_relation_partials(con, USAGE, combos, first // 1_000_000 // DAY, last // 1_000_000 // DAY,
                                         plans, by, mapping, frame["timestamp"].iloc[0])
    finally:
        con.unregister(USAGE)


def reprice_relation_partials(con, relation: str, combos: pd.DataFrame, first_day: int, last_day: int,
                              plans: _Plans, by: list[str], mapping: dict[str, str],
                              instant: pd.Timestamp) -> Partials:
    """Partials of the records of a DuckDB relation in the normalized schema (a registered frame, or a
    view over a file DuckDB reads: engines/duckdb_files.py), whose distinct (provider, model,
    service_tier, residency) are `combos` and whose instants fall in epoch days [first_day, last_day]."""
    plan = plans.for_combos(combos, first_day, last_day)
    con.register(SEGMENTS, pd.DataFrame(plan.segments, columns=list(SEGMENT_COLUMNS)))
    try:
        sums = _exact(con.execute(sums_sql(plan, relation, "duckdb", SEGMENTS, by, mapping)))
        # the records the plan cannot price, listed only when there are some (another pass over the data)
        reported = pd.to_numeric(sums.loc[(sums["target"] == 0) & (sums["piece"] < 0), "records"]).sum()
        problems = (_problems(con, plan, relation, mapping, int(reported)) if reported
                    else pd.DataFrame(columns=list(PROBLEM_COLUMNS)))
    finally:
        con.unregister(SEGMENTS)
    notes = plan_notes(plans.table, plans.models, combos, instant)
    return partials_from_sums(plan, sums, by, problems, notes)


def _problems(con, plan: Plan, relation: str, mapping: dict[str, str], reported: int) -> pd.DataFrame:
    """problems_sql's rows: the first KEEP_PROBLEMS unpriceable records of the relation in problem order.
    When every record has one and the same source and the relation numbers its records by line, that order
    is the line's: the query first runs over a prefix of the lines holding about 4x the records needed (at
    the rate the sums found them) and is done if the prefix holds enough of them - the first ones of all,
    since every record left out comes after every record kept. Otherwise (or too few) the prefix grows,
    up to the whole relation."""
    need = min(reported, KEEP_PROBLEMS)
    line, source = mapping.get("line"), mapping.get("source", "")
    if line and line.isidentifier():
        src = source if source.startswith("'") else '"' + source.replace('"', '""') + '"'
        records, with_source, sources, lo, hi = con.execute(
            f'SELECT count(*), count({src}), count(DISTINCT {src}), min("{line}"), max("{line}") '
            f"FROM {relation}").fetchall()[0]
        fraction = 4 * need / max(reported, 1)
        while lo is not None and sources == 1 and with_source == records and fraction < 1:
            cut = lo + int((hi - lo + 1) * fraction)
            prefix = f'(SELECT * FROM {relation} WHERE "{line}" < {cut}) AS costcalc_prefix'
            rows = con.execute(problems_sql(plan, prefix, "duckdb", SEGMENTS, mapping)).df()
            if len(rows) >= need:
                return rows
            fraction *= 4
    return con.execute(problems_sql(plan, relation, "duckdb", SEGMENTS, mapping)).df()


def _exact(cursor) -> pd.DataFrame:
    """A small result by rows: DECIMAL(38,0) sums stay exact Decimals (.df() turns them into float64,
    which loses digits past 2**53 and is refused by partials_from_sums)."""
    return pd.DataFrame(cursor.fetchall(), columns=[column[0] for column in cursor.description])


def reprice_chunks_duckdb(chunks: Iterable, table: PriceTable, models: list[str] | None = None,
                          by: list[str] | None = None, strict: bool = False, components: bool = False,
                          threads: int | None = None) -> RepriceResult:
    """What usage.run.reprice_chunks returns, priced by DuckDB: `chunks` of read.UsageChunk."""
    con, plans, by, total = _run(table, models, by, threads)
    order = FirstProblems(None)  # the files in the order the chunks bring them: problem order, as local
    try:
        for chunk in map(with_names, chunks):
            order.meet(chunk)
            sources = tuple(order.sources)
            read = Partials(by, total.models, table.meta(), records=chunk.records - len(chunk.frame),
                            reported=len(chunk.problems), problems=list(chunk.problems), sources=sources)
            if strict and chunk.problems:
                raise InputError(chunk.problems[:1])
            parts = [total, read]
            priced = reprice_frame_partials(con, chunk.frame, plans, by, sources)
            if priced is not None:
                if strict and priced.reported:
                    raise InputError(priced.problems[:1])
                priced.sources = sources
                parts.append(priced)
            total = merge_partials(*parts)
    finally:
        con.close()
    return finish_partials(total, components)


def reprice_files_duckdb(paths, table: PriceTable, models: list[str] | None = None, by: list[str] | None = None,
                         format: str | None = None, mapping: dict[str, str] | None = None,
                         chunk_records: int = 250_000, threads: int | None = None) -> RepriceResult:
    """What usage.run.reprice_chunks returns for the logs `paths`, priced by DuckDB; CSV and Parquet
    logs are read by DuckDB itself (engines/duckdb_files.py), JSON lines (and a CSV file DuckDB cannot
    number by line) by costcalc's readers, feeding DuckDB. Every path and header is checked before any
    record is read, as the local reader does."""
    con, plans, by, total = _run(table, models, by, threads)
    meta = table.meta()
    for _ in iter_usage([], format=format, mapping=mapping):  # the format and the mapping checked, no file read
        pass
    files = _distinct([_checked_file(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)])
    total.sources = tuple(str(path) for path in files)  # problem order follows the files as given

    def price_chunk(chunk) -> list[Partials]:
        parts = [Partials(by, total.models, meta, records=chunk.records - len(chunk.frame),
                          reported=len(chunk.problems), problems=list(chunk.problems))]
        priced = reprice_frame_partials(con, chunk.frame, plans, by, total.sources)
        return parts if priced is None else parts + [priced]

    try:
        scans = [plan_file(con, path, format, mapping) for path in files]  # headers checked before any row
        for path, scan in zip(files, scans):
            if scan is None:
                _reader_for(path, format, mapping)  # its detection and header checks, in file order
        for path, scan in zip(files, scans):
            parts = None if scan is None else scan_partials(con, scan, plans, by, chunk_records, price_chunk,
                                                             reprice_relation_partials)
            if parts is None:  # costcalc's reader feeds DuckDB
                parts = [p for chunk in iter_usage([path], format, mapping, chunk_records) for p in price_chunk(chunk)]
            total = merge_partials(total, *parts)
    finally:
        con.close()
    return finish_partials(total)


def _run(table: PriceTable, models: list[str] | None, by: list[str] | None,
         threads: int | None) -> tuple[Any, _Plans, list[str], Partials]:
    """What a DuckDB run starts from: a connection (typed Any: duckdb is imported only when a run starts;
    `threads` if given), the plans cache for the --as `models`, the checked grouping and empty partials
    naming the models by id."""
    models = list(models or [])
    by = check_by(["month"] if by is None else by)
    con = _duckdb().connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    plans = _Plans(table, models)
    total = Partials(by, [], table.meta())
    total.models = [plans.table.models[m].id if m in plans.table.models else _as_id(table, m) for m in models]
    return con, plans, by, total


def _as_id(table: PriceTable, name: str) -> str:
    return lookup(table, name).id


__all__ = ["reprice_chunks_duckdb", "reprice_files_duckdb", "reprice_frame_partials", "reprice_relation_partials"]
