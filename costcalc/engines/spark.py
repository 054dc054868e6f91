"""Spark (Databricks) as the engine (the `spark` extra, pyspark; imported only here).

    from costcalc.engines.spark import reprice
    result = reprice(spark.table("main.logs.usage"), models=["deepseek-v4-pro"], by=["month"])

mode="sql": the compiled plan's SQL (sql.py, Spark dialect) over the DataFrame: the segments table is a
temporary view, the small tables are inlined, and Spark returns integer sums (DECIMAL(38,0)) that become
the exact report here. No Python runs on the workers.
mode="udf": costcalc's own pricer on every partition (`mapInArrow`), each returning its pickled partials
(keyed by outcome value, so partitions merge exactly, whatever their order): the reference and the
fallback.

The DataFrame holds the normalized columns (costcalc/usage/schema.py: timestamp, provider, model, the six
token counts, service_tier, residency; tool call columns, source, line and tag:NAME columns optional).
Spark keeps timestamps to the microsecond (it cannot read nanosecond Parquet timestamps: write Parquet
for Spark with microseconds); prices change on whole seconds, so nothing is lost.
"""

from __future__ import annotations

import pickle
import uuid
from collections.abc import Iterable, Iterator

import pandas as pd

from ..api_prices import prices_from
from ..errors import CostcalcError
from ..prices.resolve import lookup
from ..usage.chunk import UsageChunk
from ..usage.formats.common import TIER_OF
from ..usage.partials import finish_partials, merge_partials
from ..usage.run import RepriceResult, reprice_partials
from ..usage.schema import COUNT_COLUMNS, FRAME_SOURCE, TOOL_COLUMNS
from ..usage.totals import check_by
from .plan import DAY, SEGMENT_COLUMNS, build_plan
from .results import partials_from_sums, plan_notes
from .sql import PROBLEM_COLUMNS, problems_sql, sums_sql
from ..usage.partials import Partials

MODES = ("sql", "udf")


def reprice(df, prices=None, models: Iterable[str] | None = None, by: Iterable[str] = ("month",),
            mode: str = "sql") -> RepriceResult:
    """Re-price a Spark DataFrame of normalized usage: the same rows, totals, problems and assumptions as
    costcalc.reprice_totals on the same records."""
    if mode not in MODES:
        raise CostcalcError(f"unknown mode {mode!r}; allowed: {', '.join(MODES)}")
    table = prices_from(prices)
    model_ids = [lookup(table, name).id for name in models or ()]
    group = check_by(list(by))
    missing = [c for c in ("timestamp", "provider", "model", *COUNT_COLUMNS, "service_tier", "residency")
               if c not in df.columns]
    if missing:
        raise CostcalcError(f"the DataFrame lacks the normalized column(s) {', '.join(missing)}")
    if mode == "udf":
        return _reprice_udf(df, table, model_ids, group)
    return _reprice_sql(df, table, model_ids, group)


def _reprice_sql(df, table, models: list[str], by: list[str]) -> RepriceResult:
    from pyspark.sql import functions as F

    spark = df.sparkSession
    usage, segments = f"costcalc_usage_{uuid.uuid4().hex}", f"costcalc_segments_{uuid.uuid4().hex}"
    # one pass over the data for all the plan is built from: the (provider, model, tier, residency) values
    # seen and the first and last instant (two queries, distinct and min/max, read the data twice)
    combos = _pandas(df.groupBy("provider", "model", "service_tier", "residency").agg(
        F.min(F.unix_micros("timestamp")).alias("first_us"), F.max(F.unix_micros("timestamp")).alias("last_us")))
    if not len(combos):
        return finish_partials(merge_partials(_empty(table, models, by)))
    first = min((v for v in combos["first_us"] if v is not None), default=0)
    last = max((v for v in combos["last_us"] if v is not None), default=0)
    # a NULL provider is '' (any provider), as the readers and the SQL read it
    provider = [p or "" for p in _nulls_as_none(combos["provider"])]
    model, tier = (_nulls_as_none(combos[c]) for c in ("model", "service_tier"))
    plan = build_plan(table, first // 1_000_000 // DAY, last // 1_000_000 // DAY + 1, models,
                      sorted(set(zip(provider, model)), key=lambda pair: tuple(map(_null_first, pair))),
                      sorted(set(tier), key=_null_first), sorted(set(combos["residency"].astype(bool))))
    seg_frame = pd.DataFrame(plan.segments, columns=list(SEGMENT_COLUMNS))
    # broadcast to every task (a small table: compact pieces), whatever size Spark guesses for it
    F.broadcast(_from_pandas(spark, seg_frame.astype("int64"))).createOrReplaceTempView(segments)
    df.createOrReplaceTempView(usage)
    mapping = {c: c for c in ("source", "line") if c in df.columns}
    mapping.setdefault("source", f"'{FRAME_SOURCE}'")  # problems name the frame as local does, not the view
    mapping.update({c: "0" for c in TOOL_COLUMNS if c not in df.columns})
    try:
        sums = _sums(spark, plan, usage, segments, by, mapping)
        # the problems query reads the data again: only when the sums report a record the plan cannot price
        reported = (sums["target"].astype(int) == 0) & (sums["piece"].astype(int) < 0) if len(sums) else []
        problems = (_pandas(spark.sql(problems_sql(plan, usage, "spark", segments, mapping))) if any(reported)
                    else pd.DataFrame(columns=list(PROBLEM_COLUMNS)))
    finally:
        spark.catalog.dropTempView(usage)
        spark.catalog.dropTempView(segments)
    notes = plan_notes(table, models, combos, pd.Timestamp(plan.start_day * DAY, unit="s", tz="UTC"))
    return finish_partials(partials_from_sums(plan, sums, by, problems, notes, source="spark"))


def _nulls_as_none(values: pd.Series) -> list:
    """A collected text column's values with NULLs as None (pandas gives NaN for some of them)."""
    return [None if v is None or v != v else v for v in values.astype(object)]


def _null_first(value: str | None) -> tuple[bool, str]:
    """A sort key for text that may be NULL: a log with NULL and named tiers or providers sorts (None first)."""
    return (value is not None, "" if value is None else value)


def _long_sum(column: str) -> str:
    """A count column's sum as a 64-bit integer (Spark raises on overflow under ANSI), typed as the decimal
    sums: a 38-digit decimal sum costs Spark a Java BigDecimal per record, about a third of the query."""
    return f"CAST(SUM({column}) AS DECIMAL(38,0))"


def _sums(spark, plan, usage: str, segments: str, by: list[str], mapping: dict[str, str]) -> pd.DataFrame:
    """The sums query, with 64-bit sums where Spark refuses to wrap them (ANSI mode, Spark 4's default): a
    sum past 2^63 raises, and the query runs again with the exact 38-digit sums. Without ANSI, a 64-bit
    sum would wrap silently: the decimal sums then, from the start."""
    from pyspark.errors import ArithmeticException

    if str(spark.conf.get("spark.sql.ansi.enabled")).lower() == "true":
        try:
            return _pandas(spark.sql(sums_sql(plan, usage, "spark", segments, by, mapping, sum_of=_long_sum)))
        except ArithmeticException as error:
            if "ARITHMETIC_OVERFLOW" not in str(error):
                raise
    return _pandas(spark.sql(sums_sql(plan, usage, "spark", segments, by, mapping)))


def _from_pandas(spark, frame: pd.DataFrame):
    """A pandas frame as a Spark DataFrame through Arrow (column by column; without Arrow, Spark pickles
    it row by row: seconds for the segments table), whatever the session's setting."""
    key = "spark.sql.execution.arrow.pyspark.enabled"
    before = spark.conf.get(key, "false")
    spark.conf.set(key, "true")
    try:
        return spark.createDataFrame(frame)
    finally:
        spark.conf.set(key, before)


def _pandas(df) -> pd.DataFrame:
    """A small result (combinations, sums, problems) as pandas, by rows: no Arrow collect (whose local
    socket hung the driver under pytest here), and DECIMAL sums stay exact Decimals."""
    return pd.DataFrame([row.asDict() for row in df.collect()], columns=df.columns)


def _empty(table, models, by):
    return Partials(by, models, table.meta())


CHUNK_RECORDS = 1_000_000  # Arrow batches (10,000 records each by default) priced together, at most


def _usage_chunk(frame: pd.DataFrame, tags: list[str]) -> UsageChunk:
    """Arrow batches of normalized columns as the pricer's chunk: UTC instants, integer counts, text names."""
    frame["timestamp"] = pd.to_datetime(frame["timestamp"]).dt.tz_localize("UTC") \
        if frame["timestamp"].dt.tz is None else frame["timestamp"].dt.tz_convert("UTC")
    for column in TOOL_COLUMNS:
        if column not in frame:
            frame[column] = 0
    for column in COUNT_COLUMNS + TOOL_COLUMNS:
        frame[column] = frame[column].astype("int64")
    frame["residency"] = frame["residency"].astype(bool)
    frame["service_tier"] = _tiers_as_read(frame["service_tier"])
    for column in ["provider", "model", "service_tier", *tags]:
        frame[column] = frame[column].fillna("").astype(str)
    if "source" not in frame:
        frame["source"] = "<DataFrame>"
    return UsageChunk(frame, len(frame), [])


def _tiers_as_read(tiers: pd.Series) -> pd.Series:
    """Logged tiers spelled as the readers read them (usage/formats/common.TIER_OF on the trimmed,
    lower-cased text; NULL and '' are standard), as the SQL mode keys them: ' Batch' is batch on every
    engine. Other values stay as logged, for the pricer to name. Mapped per distinct value, not per record."""
    codes, values = pd.factorize(tiers.astype(object), use_na_sentinel=False)
    read = [TIER_OF.get(v.strip().lower() if isinstance(v, str) else None, v) for v in values]
    return pd.Series(pd.Index(read, dtype=object).take(codes), index=tiers.index)


def _udf_columns(df) -> list[str]:
    """The columns the pricer reads: only they cross from the JVM to Python (a table may hold many more)."""
    wanted = {"timestamp", "provider", "model", *COUNT_COLUMNS, *TOOL_COLUMNS, "service_tier", "residency", "source",
              "line"}
    return [c for c in df.columns if c in wanted or c.startswith("tag:")]


def _reprice_udf(df, table, models: list[str], by: list[str]) -> RepriceResult:
    import pyarrow as pa

    df = df.select(*["`" + c.replace("`", "``") + "`" for c in _udf_columns(df)])  # a backtick in a name doubled
    tags = [c for c in df.columns if c.startswith("tag:")]
    part_schema = pa.schema([("part", pa.binary())])

    def price_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        seen = []

        def chunks() -> Iterator[UsageChunk]:
            # a partition streams through the pricer a million records at a time: memory stays bounded
            # however large the partition, and the pricer's per-chunk work is shared by many batches.
            # Arrow batches (mapInArrow) become one pandas frame per chunk: names stay Arrow strings, where
            # mapInPandas made a Python str object per name and record, then converted them back.
            pending: list[pa.RecordBatch] = []
            pending_records = 0
            for batch in batches:
                if batch.num_rows:
                    pending.append(batch)
                    pending_records += batch.num_rows
                    seen.append(batch.num_rows)
                if pending_records >= CHUNK_RECORDS:
                    yield _usage_chunk(pa.Table.from_batches(pending).to_pandas(), tags)
                    pending, pending_records = [], 0
            if pending:
                yield _usage_chunk(pa.Table.from_batches(pending).to_pandas(), tags)

        partial = reprice_partials(chunks(), table, models, by)
        if seen:
            yield pa.RecordBatch.from_pylist([{"part": pickle.dumps(partial)}], schema=part_schema)

    # the session's time zone decides how Spark hands timestamps to Arrow: UTC, for UTC instants
    spark = df.sparkSession
    zone = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    # a partition's pricer keeps the first 1,000 problems it meets: met in (source, line) order, the merged
    # partials hold the log's first 1,000 whatever the partitioning (a shuffle interleaves files' records)
    order = [c for c in ("source", "line") if c in df.columns]
    try:
        ordered = df.sortWithinPartitions(*order) if "line" in order else df
        parts = [pickle.loads(row["part"]) for row in ordered.mapInArrow(price_partition, "part binary").collect()]
    finally:
        spark.conf.set("spark.sql.session.timeZone", zone)
    return finish_partials(merge_partials(_empty(table, models, by), *parts))


__all__ = ["CHUNK_RECORDS", "MODES", "reprice"]
