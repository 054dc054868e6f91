"""The notebook and CLI calls for re-pricing where the logs live (issue 14): compile a price plan and write
it, print the SQL for an engine, turn an engine's sums back into the exact report, and re-price log files
inside DuckDB. The files are read and written here (the edge); costcalc.engines computes.

    plan = costcalc.api_engines.compile_plan("2026-01-01", "2027-01-01", as_models=["deepseek-v4-pro"])
    write_plan(plan, "plan.parquet")            # the segments table, the rest in its metadata (or plan.csv)
    print(reprice_sql(plan, "usage", dialect="bigquery", by=["month"]))
    result = reprice_sums("sums.csv", "plan.parquet", by=["month"])   # a RepriceResult, exact
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .api_prices import prices_from
from .errors import CostcalcError
from .usage.run import RepriceResult
from ._files import read_regular as read_bytes
from .engines.duckdb import reprice_chunks_duckdb, reprice_files_duckdb
from .engines.plan import SEGMENT_COLUMNS as PLAN_SEGMENT_COLUMNS
from .engines.plan import Plan
from .engines.plan import build_plan
from .engines.plan import epoch_day
from .engines.results import partials_from_sums
from .engines.sql import problems_sql, sums_sql
from .prices.names import LoggedNames
from .prices.resolve import lookup
from .usage.partials import finish_partials
from .usage.read import iter_usage, normalize_frame, parse_mapping
from .usage.totals import check_by

PLAN_KEY = b"costcalc.plan"
SEGMENT_COLUMNS = list(PLAN_SEGMENT_COLUMNS)


def _day(text) -> int:
    if isinstance(text, datetime):
        return epoch_day(text)
    try:
        instant = datetime.fromisoformat(str(text))
    except ValueError:
        raise CostcalcError(f"{text!r} is not a date; use YYYY-MM-DD") from None
    return epoch_day(instant if instant.tzinfo else instant.replace(tzinfo=timezone.utc))


def compile_plan(start, until, models: Iterable[str] | None = None, as_models: Iterable[str] | None = None,
                 prices=None):
    """A costcalc.engines.plan.Plan for records in [start, until) (dates, UTC): every model of the table
    (or those in `models`, by id or alias) as logged, and each of `as_models` as well."""

    table = prices_from(prices)
    names = None
    if models:  # only these models as logged, by every name the table knows them by, from any provider
        wanted = {lookup(table, name).id for name in models}
        resolver = LoggedNames(table)
        names = [("*", name) for name in sorted(set(table.models) | set(table.aliases))
                 if resolver.model_of("", name)[0] in wanted]
    return build_plan(table, _day(start), _day(until), [lookup(table, m).id for m in as_models or ()], names=names)


PLAN_SUFFIXES = (".parquet", ".csv")
NEEDS_PYARROW = "a .parquet plan needs pyarrow: pip install 'costcalc[parquet]', or --output plan.csv"


def check_plan_path(path: str | Path) -> None:
    """A plan is written as .parquet or .csv: any other name would hold bytes read_plan cannot read back."""
    if not str(path).lower().endswith(PLAN_SUFFIXES):
        raise CostcalcError(f"{path}: a plan file is named .parquet (segments, the rest in its metadata) or .csv "
                            f"(segments, the rest in FILE.json)")


def plan_bytes(plan, path: str) -> bytes:
    """The plan as the file `path` names: .parquet (segments, the rest in the file's metadata) or .csv
    (segments; write plan_json too, next to it)."""
    check_plan_path(path)
    frame = pd.DataFrame(plan.segments, columns=SEGMENT_COLUMNS).astype("int64")
    if str(path).lower().endswith(".csv"):
        return frame.to_csv(index=False).encode()
    try:  # lazy: pyarrow only to write a .parquet plan
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise CostcalcError(NEEDS_PYARROW) from None

    arrow = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    sink = io.BytesIO()
    # The plan's JSON as the file's key-value metadata, once: with the Arrow schema stored (its default) the
    # metadata is written a second time inside it, base64 (a year's plan: 1.8 MB instead of 0.8 MB).
    writer = pq.ParquetWriter(sink, arrow.schema, store_schema=False)
    writer.write_table(arrow)
    writer.add_key_value_metadata({PLAN_KEY: json.dumps(plan.to_json()).encode()})
    writer.close()
    return sink.getvalue()


def plan_json(plan) -> str:
    return json.dumps(plan.to_json(), indent=1) + "\n"


def write_plan(plan, path: str | Path) -> list[str]:
    """Write the plan to `path`: .parquet, or .csv with `path`.json next to it (what read_plan reads back).
    Every file is made in memory first: a plan that cannot be written leaves no file. Returns the files."""
    data = plan_bytes(plan, str(path))
    files = {str(path): data}
    if str(path).lower().endswith(".csv"):
        files[str(path) + ".json"] = plan_json(plan).encode()
    for name, content in files.items():
        Path(name).write_bytes(content)
    return list(files)


def read_plan(path: str):
    """A plan written by `costcalc sql plan`: plan.parquet, plan.csv (with plan.csv.json next to it) or
    the JSON alone (no segments: enough to print the SQL and to finish sums). Its hashes are checked."""

    name = str(path)
    try:
        if name.lower().endswith(".parquet"):
            try:  # lazy: only to read a .parquet plan
                import pyarrow.parquet as pq
            except ImportError:
                raise CostcalcError(f"{name}: reading {NEEDS_PYARROW.replace('--output', 'write it as')}") from None

            arrow = pq.read_table(io.BytesIO(read_bytes(name)))
            meta = (arrow.schema.metadata or {}).get(PLAN_KEY)
            if meta is None:
                raise CostcalcError(f"{name}: a Parquet file without a costcalc plan in its metadata; "
                                    f"write one with costcalc sql plan")
            rows = arrow.to_pandas()[SEGMENT_COLUMNS].itertuples(index=False, name=None)
            return Plan.from_json(json.loads(meta), list(rows), name)
        if name.lower().endswith(".csv"):
            frame = pd.read_csv(io.BytesIO(read_bytes(name)), dtype="int64")
            data = json.loads(read_bytes(name + ".json"))
            return Plan.from_json(data, list(frame[SEGMENT_COLUMNS].itertuples(index=False, name=None)), name)
        return Plan.from_json(json.loads(read_bytes(name)), None, name)
    except (OSError, ValueError, KeyError) as exc:
        raise CostcalcError(f"{name}: cannot read the plan: {exc}") from None


def reprice_sql(plan, table: str, dialect: str = "duckdb", segments: str = "costcalc_segments",
                by: Iterable[str] = ("month",), mapping: dict[str, str] | None = None, problems: bool = False) -> str:
    """The SQL returning the sums (or, with `problems`, the first records the plan cannot price)."""

    if problems:
        return problems_sql(plan, table, dialect, segments, mapping)
    return sums_sql(plan, table, dialect, segments, check_by(list(by)), mapping)


def reprice_sums(sums, plan, by: Iterable[str] = ("month",), problems=None, prices=None) -> RepriceResult:
    """The exact report from engine sums (a CSV path or a DataFrame of what `reprice_sql` returned) and
    the plan they were computed with (a path or a Plan); sums of another plan are refused."""

    source = str(sums) if not isinstance(sums, pd.DataFrame) else "sums"
    plan = read_plan(str(plan)) if isinstance(plan, (str, Path)) else plan
    frame = _csv(sums) if not isinstance(sums, pd.DataFrame) else sums
    problems_frame = _csv(problems) if isinstance(problems, (str, Path)) else problems
    problems_source = str(problems) if isinstance(problems, (str, Path)) else "problems"
    table = prices_from(prices)
    if table.meta().get("sha256") != plan.price_table.get("sha256"):
        raise CostcalcError(f"the plan was compiled from price table {plan.price_table.get('version')} "
                            f"({plan.price_table.get('sha256')}), not the one loaded ({table.meta().get('version')}): "
                            f"load that one with --prices, or compile a new plan")
    return finish_partials(partials_from_sums(plan, frame, check_by(list(by)), problems_frame, source=source,
                                              table=table, problems_source=problems_source))


def _csv(path) -> pd.DataFrame:
    try:
        return pd.read_csv(io.BytesIO(read_bytes(str(path))), dtype=str, keep_default_na=False).replace({"": None})
    except (OSError, ValueError) as exc:
        raise CostcalcError(f"{path}: cannot read: {exc}") from None


def reprice_engine(logs, engine: str = "duckdb", prices=None, models: Iterable[str] | None = None,
                   by: Iterable[str] = ("month",), format: str | None = None, mapping=None,
                   strict: bool = False) -> RepriceResult:
    """reprice_totals, priced by an engine (`duckdb`): the same rows, totals and problems. logs: log paths,
    or a usage DataFrame (normalized, or raw with `mapping`)."""

    if engine != "duckdb":
        raise CostcalcError(f"unknown engine {engine!r}; allowed: local, duckdb")
    if isinstance(logs, pd.DataFrame):
        mapping = parse_mapping(mapping) if isinstance(mapping, str) else mapping
        return reprice_chunks_duckdb([normalize_frame(logs, mapping=mapping)], prices_from(prices),
                                     list(models or []), list(by), strict=strict)

    paths = [str(logs)] if isinstance(logs, (str, Path)) else [str(p) for p in logs]
    if not strict:  # DuckDB reads CSV and Parquet itself; strict stops at the first bad record as read in order
        return reprice_files_duckdb(paths, prices_from(prices), list(models or []), list(by), format, mapping)
    chunks = iter_usage(paths, format=format, mapping=mapping, strict=strict)
    return reprice_chunks_duckdb(chunks, prices_from(prices), list(models or []), list(by), strict=strict)


__all__ = ["check_plan_path", "compile_plan", "plan_bytes", "plan_json", "read_plan", "reprice_engine", "reprice_sql",
           "reprice_sums", "write_plan"]
