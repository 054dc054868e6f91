"""The SQL that re-prices a usage table on an engine, from a compiled plan (plan.py).

Two statements, one dialect each (duckdb, spark, bigquery, snowflake):
- `sums_sql`: integer token and call sums per (group keys, priced_as, piece, estimated), one row per
  piece of price: what `costcalc reprice --sums` (or engines.results.partials_from_sums) turns into the exact
  report. Records the logged model cannot price are counted per error, with no keys.
- `problems_sql`: the first records the plan cannot price, with their source and line (when the table has
  them) and the values a problem names.

A record finds its piece with an equi-join on (group, day) plus a range filter on the second; the plan
ships a row per piece with its first and last day, and the SQL expands the pieces to (group, day) rows on
the engine (`segment_days`: a few thousand pieces become ~10^5 rows in milliseconds), so the file stays
small and the join stays an equi-join. The small lookup tables are inlined as VALUES, so only the segments
table has to be loaded into the engine. No
time-zone function runs: a record's day is its epoch second divided by 86,400, its month comes from the
segment it falls in. Sums are cast to DECIMAL(38,0) (BIGNUMERIC on BigQuery) before summing: a 64-bit
sum would wrap (pandas), raise (Spark ANSI) or widen (DuckDB) depending on the engine; 38 digits do none.

Dialect differences are a handful of substitutions (epoch microseconds, integer division, quoting, inline
tables, decimal type); the rest is plain SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..usage.schema import COUNT_COLUMNS, TAG_PREFIX, TOOL_COLUMNS
from .plan import (ANY_PROVIDER, COUNT_ERRORS, MAX_TOKENS, MISSING_COUNT_ERRORS, NOT_IN_PLAN, OUTSIDE, TOO_MANY_ERRORS,
                   UNKNOWN_TIER, Plan)

DIALECTS = ("duckdb", "spark", "bigquery", "snowflake")
# The usage table's columns (normalized names); --map renames them, or gives a SQL literal (0, '').
USAGE_COLUMNS = ("timestamp", "provider", "model") + COUNT_COLUMNS + TOOL_COLUMNS + ("service_tier", "residency",
                                                                                   "source", "line")
CALL_RECORDS = tuple(c.replace("_calls", "_records") for c in TOOL_COLUMNS)  # records with calls of each tool
SUM_COLUMNS = ("records",) + COUNT_COLUMNS + TOOL_COLUMNS + CALL_RECORDS
KEEP_PROBLEMS = 1000
PROBLEM_COLUMNS = ("plan_sha256", "src", "line", "piece", "provider", "model", "service_tier", "residency", "sec",
                   "prompt_tokens", "output_tokens") + tuple(f"count_{c}" for c in COUNT_COLUMNS + TOOL_COLUMNS)
# problems_sql's, in its order (count_*: the record's counts as the table holds them, for a count's problem)


@dataclass(frozen=True)
class Dialect:
    name: str
    quote: str  # identifier quote character
    types: dict  # int, str, bool -> type name
    decimal: str
    epoch_us: str  # format with {0}: microseconds since 1970 of a timestamp
    div: str  # format with {0}, {1}: integer division of non-negative integers (each operand parenthesized)
    days: str  # format with {0}: the segments table expanded to a row per (group, day) of each piece


DIALECT = {
    "duckdb": Dialect("duckdb", '"', {"int": "BIGINT", "str": "VARCHAR", "bool": "BOOLEAN"}, "DECIMAL(38,0)",
                      "epoch_us({0})", "(({0}) // ({1}))",
                      "SELECT grp, UNNEST(generate_series(first_day, last_day)) AS day, month, start_s, end_s, piece\n"
                      "  FROM {0}"),
    "spark": Dialect("spark", "`", {"int": "BIGINT", "str": "STRING", "bool": "BOOLEAN"}, "DECIMAL(38,0)",
                     "unix_micros({0})", "(({0}) div ({1}))",
                     "SELECT grp, explode(sequence(first_day, last_day)) AS day, month, start_s, end_s, piece\n"
                     "  FROM {0}"),
    "bigquery": Dialect("bigquery", "`", {"int": "INT64", "str": "STRING", "bool": "BOOL"}, "BIGNUMERIC",
                        "UNIX_MICROS({0})", "DIV(({0}), ({1}))",
                        "SELECT p.grp, day, p.month, p.start_s, p.end_s, p.piece\n"
                        "  FROM {0} p CROSS JOIN UNNEST(GENERATE_ARRAY(p.first_day, p.last_day)) AS day"),
    "snowflake": Dialect("snowflake", '"', {"int": "NUMBER(38,0)", "str": "VARCHAR", "bool": "BOOLEAN"},
                         "NUMBER(38,0)", "DATE_PART(EPOCH_MICROSECOND, {0})", "FLOOR(({0}) / ({1}))",
                         "SELECT p.grp, CAST(f.value AS NUMBER(38,0)) AS day, p.month, p.start_s, p.end_s, p.piece\n"
                         "  FROM {0} p, LATERAL FLATTEN(input => ARRAY_GENERATE_RANGE(p.first_day, p.last_day + 1)) f"),
}

# inline tables: name -> ((column, type), ...), in Plan attribute order
_INLINE = {
    "names": (("provider", "str"), ("model", "str"), ("model_id", "str"), ("error", "int"), ("idx", "int")),
    "tiers": (("raw", "str"), ("tier", "str"), ("error", "int"), ("idx", "int")),
    "classes": (("model_id", "str"), ("cls", "int"), ("lo", "int"), ("hi", "int")),
    "limits": (("model_id", "str"), ("context", "int"), ("context_error", "int"), ("max_output", "int"),
               ("output_error", "int")),
    "ratios": (("target", "int"), ("model_id", "str"), ("num", "int"), ("den", "int")),
    "groups": (("grp", "int"), ("target", "int"), ("model_id", "str"), ("tier", "str"), ("residency", "bool"),
               ("cls", "int"), ("error", "int")),
}


def _literal(value, kind: str, d: Dialect) -> str:
    if value is None:
        return f"CAST(NULL AS {d.types[kind]})"
    if kind == "bool":
        return "TRUE" if value else "FALSE"
    if kind == "int":
        return str(int(value))
    text = str(value).replace("\\", "\\\\") if d.name in ("spark", "bigquery") else str(value)
    return "'" + text.replace("'", "\\'" if d.name in ("spark", "bigquery") else "''") + "'"


def _inline(name: str, rows: list[tuple], d: Dialect) -> str:
    """A CTE body holding `rows` (at least one row: an empty table gets one row of NULLs that joins nothing)."""
    columns = _INLINE[name]
    if columns[-1][0] == "idx":  # the row's index: the sums name the (name, tier) combinations seen by it
        rows = [(*row, i) for i, row in enumerate(rows)]
    if not rows:
        rows = [tuple(None for _ in columns)]
    if d.name == "bigquery":
        structs = ", ".join("STRUCT(" + ", ".join(f"{_literal(v, kind, d)} AS {col}" for v, (col, kind)
                                                   in zip(row, columns)) + ")" for row in rows)
        return f"SELECT * FROM UNNEST([{structs}])"
    values = ",\n    ".join("(" + ", ".join(_literal(v, kind, d) for v, (_col, kind) in zip(row, columns)) + ")"
                            for row in rows)
    if d.name == "snowflake":
        names = ", ".join(f"column{i + 1} AS {col}" for i, (col, _k) in enumerate(columns))
        return f"SELECT {names} FROM VALUES\n    {values}"
    return f"SELECT * FROM (VALUES\n    {values}) AS t({', '.join(col for col, _k in columns)})"


def _column(name: str, mapping: dict[str, str], d: Dialect, table: str) -> str:
    """The usage table's expression for a normalized column: mapped, a literal, or the column itself."""
    source = mapping.get(name)
    if source is None:
        if name == "source":
            return _literal(table, "str", d)
        if name == "line":
            return f"CAST(NULL AS {d.types['int']})"
        source = name
    if source.lstrip("-").isdigit() or source.startswith("'") or source.upper() in ("TRUE", "FALSE", "NULL"):
        return source  # a literal: a column the table does not have
    return d.quote + source.replace(d.quote, d.quote * 2) + d.quote


def _priced_cte(k: int, plan: Plan, d: Dialect, source: str) -> str:
    """CTE p{k}: every record priced as target k (0: its own model), with its piece (>= 0) or error."""
    div = d.div.format
    if k == 0:
        priced, tokens = "l.own", [f"l.t{i}" for i in range(6)]
        estimated, ratio_join = "FALSE", ""
    else:
        priced = _literal(plan.models[k - 1], "str", d)
        tokens = [f"CASE WHEN r.num IS NULL THEN l.t{i} ELSE {div(f'l.t{i} * 2 * r.num + r.den', '2 * r.den')} END"
                  for i in range(6)]
        estimated = "(r.num IS NOT NULL)"
        ratio_join = f"\n  LEFT JOIN ratios r ON r.target = {k} AND r.model_id = l.own"
    not_in_plan, outside, unknown_tier = (plan.error_id(e) for e in (NOT_IN_PLAN, OUTSIDE, UNKNOWN_TIER))
    # a tier no reader accepts is a reading problem, found before any pricing one (as the readers do)
    # counts no reader would read come first (the readers refuse them while reading), in column order
    known = set(plan.errors)  # a plan compiled before these errors existed checks no count
    count_checks = "".join(
        (f"WHEN x.{t} IS NULL THEN {-1 - plan.error_id(MISSING_COUNT_ERRORS[0 if c == 'input_tokens' else 1])}\n      "
         if c in ("input_tokens", "output_tokens") else "")
        + (f"WHEN x.{t} >= {MAX_TOKENS} THEN {-1 - plan.error_id(too_many)}\n      " if too_many in known else "")
        + f"WHEN x.{t} < 0 THEN {-1 - plan.error_id(error)}\n      "
        for t, c, error, too_many in zip([f"t{i}" for i in range(6)] + [f"c{i}" for i in range(3)],
                                         COUNT_COLUMNS + TOOL_COLUMNS, COUNT_ERRORS, TOO_MANY_ERRORS)
        if error in known and set(MISSING_COUNT_ERRORS) <= known) if k == 0 else ""
    name_checks = count_checks + (f"WHEN x.tier IS NULL AND x.tier_error IS NULL THEN {-1 - unknown_tier}\n"
                   "      WHEN x.name_error IS NOT NULL THEN -1 - x.name_error\n"
                   f"      WHEN x.own IS NULL THEN {-1 - not_in_plan}\n      ") if k == 0 else ""
    token_cols = ", ".join(f"{expr} AS t{i}" for i, expr in enumerate(tokens))
    # The prompt and output sums, only of counts the readers accept (each below 10^15): a sum of counts no
    # reader would read could overflow 64 bits (an error on DuckDB and Spark) before the CASE reports them.
    # --as targets price only records their logged model priced, whose counts are in range.
    prompt, output = " + ".join(f"({t})" for t in tokens[:4]), " + ".join(f"({t})" for t in tokens[4:])
    if k == 0:
        in_range = " AND ".join(f"{t} BETWEEN 0 AND {MAX_TOKENS - 1}" for t in tokens)
        prompt, output = (f"CASE WHEN {in_range} THEN {prompt} END", f"CASE WHEN {in_range} THEN {output} END")
    logged = "" if k == 0 else ", l.piece AS logged_piece"
    return f"""x{k} AS (
  SELECT l.src, l.line, l.provider, l.model, l.service_tier, l.residency, l.tier, l.tier_error, l.name_error,
    l.own, l.sec, l.day, {source}{logged}, {priced} AS priced, {estimated} AS estimated,
    {token_cols}, l.c0, l.c1, l.c2,
    {prompt} AS prompt,
    {output} AS outp
  FROM {"l" if k == 0 else "p0 l"}{ratio_join}{"" if k == 0 else chr(10) + "  WHERE l.piece >= 0"}
),
p{k} AS (
  SELECT x.*, s.month,
    CASE {name_checks}WHEN x.tier_error IS NOT NULL THEN -1 - x.tier_error
      WHEN x.tier IS NULL THEN {-1 - unknown_tier}
      WHEN g.grp IS NULL THEN {-1 - not_in_plan}
      WHEN g.error IS NOT NULL THEN -1 - g.error
      WHEN s.piece IS NULL THEN {-1 - outside}
      WHEN s.piece < 0 THEN s.piece
      WHEN m.context IS NOT NULL AND x.prompt > m.context THEN -1 - m.context_error
      WHEN m.max_output IS NOT NULL AND (x.t4 > m.max_output OR x.t5 > m.max_output
                                         OR x.outp > m.max_output) THEN -1 - m.output_error
      ELSE s.piece END AS piece
  FROM x{k} x
  LEFT JOIN classes c ON c.model_id = x.priced AND x.prompt >= c.lo AND (c.hi IS NULL OR x.prompt < c.hi)
  LEFT JOIN groups g ON g.target = {k} AND g.model_id = x.priced AND g.tier = x.tier
    AND g.residency = x.residency AND g.cls = c.cls
  LEFT JOIN segment_days s ON s.grp = g.grp AND s.day = x.day AND x.sec >= s.start_s AND x.sec < s.end_s
  LEFT JOIN limits m ON m.model_id = x.priced
)"""


def _common(plan: Plan, table: str, segments: str, mapping: dict[str, str], d: Dialect, tags: list[str]) -> str:
    col = {name: _column(name, mapping, d, table) for name in USAGE_COLUMNS}
    tag_cols = "".join(f", COALESCE(CAST({_column(tag, mapping, d, table)} AS {d.types['str']}), '') AS tag{i}"
                       for i, tag in enumerate(tags))
    # an optional count left NULL is 0, as the readers read an absent one; a NULL required count is a problem
    tokens = ", ".join((f"CAST({col[c]} AS {d.types['int']})" if c in ("input_tokens", "output_tokens") else
                        f"COALESCE(CAST({col[c]} AS {d.types['int']}), 0)") + f" AS t{i}"
                       for i, c in enumerate(COUNT_COLUMNS))
    calls = ", ".join(f"COALESCE(CAST({col[c]} AS {d.types['int']}), 0) AS c{i}" for i, c in enumerate(TOOL_COLUMNS))
    inline = ",\n".join(f"{name} AS (\n  {_inline(name, getattr(plan, name), d)}\n)" for name in _INLINE)
    tag_names = "".join(f", tag{i}" for i in range(len(tags)))
    any_provider = _literal(ANY_PROVIDER, "str", d)
    sec = d.div.format(d.epoch_us.format(col["timestamp"]), "1000000")
    # the plan's pieces, a row per (group, day) each touches: what the equi-join on (group, day) finds
    ctes = [inline, f"segment_days AS (\n  {d.days.format(segments)}\n)", f"""u AS (
  SELECT {col['source']} AS src, {col['line']} AS line, CAST({col['provider']} AS {d.types['str']}) AS provider,
    CAST({col['model']} AS {d.types['str']}) AS model,
    COALESCE(CAST({col['service_tier']} AS {d.types['str']}), '') AS service_tier,
    CAST({col['residency']} AS {d.types['bool']}) AS residency, {sec} AS sec, {tokens}, {calls}{tag_cols}
  FROM {table}
)""", f"""l AS (
  SELECT u.*, {d.div.format('u.sec', '86400')} AS day, n.model_id AS own, n.error AS name_error, t.tier,
    t.error AS tier_error, n.idx AS name_idx, t.idx AS tier_idx
  FROM u
  LEFT JOIN names n ON n.model = u.model AND (n.provider = u.provider OR n.provider = {any_provider})
  LEFT JOIN tiers t ON t.raw = u.service_tier
)"""]
    ctes += [_priced_cte(k, plan, d, tag_names.lstrip(", ") or "0 AS no_tags") for k in range(len(plan.labels))]
    return "WITH " + ",\n".join(ctes)


def sums_sql(plan: Plan, table: str, dialect: str = "duckdb", segments: str = "costcalc_segments",
             by: list[str] | None = None, mapping: dict[str, str] | None = None,
             sum_of: Callable[[str], str] | None = None) -> str:
    """The statement returning the sums `partials_from_sums` reads: plan_sha256, grouped_by (the keys of
    `by`, comma-separated), target, piece, estimated,
    month, day, tag columns (tag0, ...: null on error rows), then SUM_COLUMNS. Rows of target -1 count
    the records per (names row in piece, tiers row in month, residency in estimated) instead.
    sum_of: the SQL summing a 64-bit count column per record (default: each count cast to the dialect's
    38-digit decimal, then summed: exact on every engine); a caller that checks for overflow itself may sum
    the integers (engines/spark.py: Spark's 38-digit decimal sum is a Java BigDecimal per record)."""
    d = DIALECT[dialect]
    total = sum_of or (lambda column: f"SUM(CAST({column} AS {d.decimal}))")
    by = list(by or [])
    tags = [key for key in by if key.startswith(TAG_PREFIX)]
    body = _common(plan, table, segments, dict(mapping or {}), d, tags)
    rows = "\nUNION ALL\n".join(
        f"SELECT {k} AS target, piece, estimated, month, day{''.join(f', tag{i}' for i in range(len(tags)))}, "
        f"t0, t1, t2, t3, t4, t5, c0, c1, c2 FROM p{k}"
        + ("" if k == 0 else " WHERE logged_piece >= 0") for k in range(len(plan.labels)))
    keep = "CASE WHEN piece >= 0 THEN {} END"
    keys = [keep.format("month") + " AS month" if "month" in by else f"CAST(NULL AS {d.types['int']}) AS month",
            keep.format("day") + " AS day" if "day" in by else f"CAST(NULL AS {d.types['int']}) AS day"]
    keys += [keep.format(f"tag{i}") + f" AS tag{i}" for i in range(len(tags))]
    sums = [f"{total(f't{i}')} AS {c}" for i, c in enumerate(COUNT_COLUMNS)]
    sums += [f"{total(f'c{i}')} AS {c}" for i, c in enumerate(TOOL_COLUMNS)]
    sums += [f"SUM(CASE WHEN c{i} > 0 THEN 1 ELSE 0 END) AS {c}" for i, c in enumerate(CALL_RECORDS)]
    group = ", ".join(str(i) for i in range(3, 6 + len(keys)))  # by position: target ... the last key
    sha = _literal(plan.sha256, "str", d)
    grouped = _literal(",".join(by), "str", d)  # the sums say how they were grouped: --by must agree
    # and one row per (name, tier, residency) combination seen, target -1: what the assumptions are made of
    nulls = ", ".join([f"CAST(NULL AS {d.types['int']})"] + [f"CAST(NULL AS {d.types['str']})" for _ in tags])
    none = ", ".join(f"CAST(NULL AS {d.decimal})" for _ in COUNT_COLUMNS + TOOL_COLUMNS + CALL_RECORDS)
    combos = (f"SELECT {sha} AS plan_sha256, {grouped} AS grouped_by, -1 AS target, COALESCE(name_idx, -1) AS piece, "
              f"residency AS estimated, "
              f"COALESCE(tier_idx, -1) AS month, {nulls}, COUNT(*) AS records, {none}\nFROM l\nGROUP BY 4, 5, 6")
    return (f"{body},\npriced AS (\n{rows}\n)\n"
            f"SELECT {sha} AS plan_sha256, {grouped} AS grouped_by, target, piece, estimated, {', '.join(keys)},\n"
            f"  COUNT(*) AS records, {', '.join(sums)}\nFROM priced\nGROUP BY {group}\nUNION ALL\n{combos}\n")


def problems_sql(plan: Plan, table: str, dialect: str = "duckdb", segments: str = "costcalc_segments",
                 mapping: dict[str, str] | None = None, limit: int = KEEP_PROBLEMS, sources: Sequence[str] = ()) -> str:
    """The first `limit` records the logged model cannot price, in usage.partials.problem_order: the source's
    place in `sources` (the files in the order given; others after, by name), then line: plan_sha256, src, line,
    piece (-1 - error id), provider, model, service_tier, residency, sec, prompt and output counts."""
    d = DIALECT[dialect]
    body = _common(plan, table, segments, dict(mapping or {}), d, [])
    sha = _literal(plan.sha256, "str", d)
    counts = ", ".join([f"t{i} AS count_{c}" for i, c in enumerate(COUNT_COLUMNS)]
                       + [f"c{i} AS count_{c}" for i, c in enumerate(TOOL_COLUMNS)])
    return (f"{body}\nSELECT {sha} AS plan_sha256, src, line, piece, provider, model, service_tier, residency, sec, "
            f"prompt AS prompt_tokens, outp AS output_tokens, {counts}\nFROM p0\nWHERE piece < 0\n"
            f"ORDER BY {_source_rank(sources, d)}src, line\nLIMIT {int(limit)}\n")


def _source_rank(sources: Sequence[str], d: Dialect) -> str:
    """The ORDER BY term of a file's place in `sources` (its first place), with a comma; none without sources."""
    place: dict[str, int] = {}
    for i, name in enumerate(sources):
        place.setdefault(name, i)
    if not place:
        return ""
    whens = " ".join(f"WHEN {_literal(name, 'str', d)} THEN {i}" for name, i in place.items())
    return f"CASE src {whens} ELSE {len(sources)} END, "


__all__ = ["CALL_RECORDS", "DIALECTS", "PROBLEM_COLUMNS", "SUM_COLUMNS", "USAGE_COLUMNS", "problems_sql", "sums_sql"]
