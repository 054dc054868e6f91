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
small and the join stays an equi-join (on one integer, group * 2^20 + day). The small lookup tables are
inlined (VALUES; on BigQuery a typed array of tuples), so only the segments table has to be loaded into the
engine. No time-zone function runs: a record's day is its epoch second divided by 86,400, its month comes
from the segment it falls in.

The sums query does as little per record as it can (`_aggregated`): one read, one join (the names rows,
carrying per target the --as ratios, the priced model's class cut-offs and limits), a few CASEs (the --as
translation, the prompt class among the cut-offs, the limit exceeded, the first count no reader accepts, the
bucket of the day between the plan's in-day cut-offs), then one GROUP BY of everything a price depends on,
every target at once. The tiers join, the lookup (per target and class the group id and its error, and the
limits' error ids: one table keyed by a single integer) and the segment joins run on those sums (a few
hundred thousand rows for 10M records), and the targets are unpivoted from one final aggregation. The
problems query (run only when some record is unpriceable) prices record by record as logged (`_records`)
with the same CASE (`_piece_case`).
Measured on DuckDB 2.0.1, 1M records: 3.2 s before, 0.55-0.9 s after (benchmarks/engines.py, load noted).

Sums are cast to DECIMAL(38,0) (BIGNUMERIC on BigQuery) before summing: a 64-bit sum would wrap (pandas),
raise (Spark ANSI) or widen (DuckDB) depending on the engine; 38 digits do none. On DuckDB, whose SUM of
BIGINT is a 128-bit HUGEINT (exact), the per-record cast is skipped and the few summed rows are cast.

Why one module of ~560 lines: the per-record and the summed-first queries share the dialects, the inline
tables and the piece CASE, and must give the same pieces; split, each would need the other's invariants.

Dialect differences are a handful of substitutions (epoch microseconds, integer division, quoting, inline
tables, decimal type); the rest is plain SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..usage.schema import COUNT_COLUMNS, TAG_PREFIX, TOOL_COLUMNS
from .plan import (ANY_PROVIDER, COUNT_ERRORS, DAY, MAX_TOKENS, MISSING_COUNT_ERRORS, NOT_IN_PLAN, OUTSIDE,
                   TOO_MANY_ERRORS, UNKNOWN_TIER, Plan)

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

# the plan tables inlined as they are (plus columns derived from the plan): name -> ((column, type), ...), in
# Plan attribute order; idx is the row's index (the sums name the (name, tier) combinations seen by it). The
# classes, limits, ratios and groups are folded into the lookup table (`_looks`) and the names rows.
_INLINE = {
    "names": (("provider", "str"), ("model", "str"), ("model_id", "str"), ("error", "int"), ("idx", "int")),
    "tiers": (("raw", "str"), ("tier", "str"), ("error", "int"), ("idx", "int")),
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


def _inline_rows(columns: Sequence[tuple[str, str]], rows: list[tuple], d: Dialect) -> str:
    """A CTE body holding `rows` (at least one row: an empty table gets one row of NULLs that joins nothing)."""
    if not rows:
        rows = [tuple(None for _ in columns)]
    if d.name == "bigquery" and len(columns) > 1:
        # the array's type named once, its rows as tuples coerced to it (plain NULLs, no field names): a
        # STRUCT per row naming every field made an 8-model plan's sums query 1.15M characters (limit 1024K)
        fields = ", ".join(f"{col} {d.types[kind]}" for col, kind in columns)
        tuples = ",".join("(" + ",".join("NULL" if v is None else _literal(v, kind, d) for v, (_c, kind)
                                          in zip(row, columns)) + ")" for row in rows)
        return f"SELECT * FROM UNNEST(ARRAY<STRUCT<{fields}>>[{tuples}])"
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


def tier_key(column: str, d: Dialect) -> str:
    """The logged tier as the plan's tiers rows key it (plan.tier_key), close to how the readers read it:
    trimmed of spaces and lower-cased (` Batch` is batch), '' when absent (standard). TRIM and LOWER mean the
    same in all four dialects. Not the same: the readers' strip() also strips tabs and line breaks, so a
    logged "flex\t" is priced locally and reported "unknown service tier" here (control characters in a
    literal are spelled differently in each dialect; not done)."""
    return f"LOWER(TRIM(COALESCE(CAST({column} AS {d.types['str']}), '')))"


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


WIDENING_SUMS = {"duckdb"}  # engines whose SUM of 64-bit integers is 128 bits wide (exact past 2^63)
KEY_DAYS = 1 << 20  # a (group, day) pair as one integer key, group * 2^20 + day: epoch days stay below 2^20


def _look_ids(plan: Plan) -> tuple[dict, dict]:
    """Integer ids of the own models (names) and tiers (tiers) the plan knows: the lookup's single integer key
    is own * 2 * tiers + tier * 2 + residency (a join on one integer, not on two strings and a boolean)."""
    owns = sorted({row[2] for row in plan.names if row[2] is not None} | {g[2] for g in plan.groups if g[1] == 0})
    tiers = sorted({row[1] for row in plan.tiers if row[1] is not None} | {g[3] for g in plan.groups if g[1] == 0})
    return {m: i for i, m in enumerate(owns)}, {t: i for i, t in enumerate(tiers)}


def _look_sql(tiers: int, residency: str) -> str:
    """The lookup key in SQL, as `_looks` computes it in Python: (own * tiers + tier) * 2 + residency, from
    the joined names row `n`, tiers row `t` and the record's `residency` column (NULL when either is missing:
    no lookup row then)."""
    return f"(n.own_id * {tiers} + t.tier_id) * 2 + CASE WHEN {residency} THEN 1 WHEN NOT {residency} THEN 0 END"


LOOK_KINDS = ("lo", "hi", "g", "e", "ctx", "ctxe", "mo", "moe")  # a lookup row's columns per target
SUMMED_LOOK_KINDS = ("g", "e", "ctxe", "moe")  # those the sums query reads (it has the rest on the names rows)


def _looks(plan: Plan, targets: Sequence[int], kinds: Sequence[str] = LOOK_KINDS) -> tuple[tuple, list[tuple], int]:
    """The lookup table of every (own model, tier, residency) the plan prices as logged: per target k and
    prompt class j its bounds and group (lo{k}_{j}, hi{k}_{j}, g{k}_{j}, e{k}_{j}: the group's error) and the
    priced model's limits (the --as ratios are on the names rows). Folds what were the classes, groups and
    limits joins into one small equi-join, and the class into a CASE on a few cut-offs (computed here
    from the plan's own tables: the plan, its hash and the sums are unchanged). Only the columns of `kinds`
    are emitted (the inlined table is most of a many-model query's text). Returns (columns, rows, classes per
    target)."""
    classes: dict[str, list[tuple]] = {}
    for model_id, cls, lo, hi in plan.classes:
        classes.setdefault(model_id, []).append((cls, lo, hi))
    n_classes = max([len(v) for v in classes.values()] + [1])
    group_of = {(k, m, t, r, c): (g, e) for g, k, m, t, r, c, e in plan.groups}
    limit_of = {m: (ctx, ce, mo, oe) for m, ctx, ce, mo, oe in plan.limits}
    own_id, tier_id = _look_ids(plan)
    names = [name for k in targets for name in _look_names(k, n_classes)]
    keep = [i for i, name in enumerate(names) if name.rstrip("0123456789_") in kinds]
    columns = (("look", "int"),) + tuple((names[i], "int") for i in keep)
    keys = sorted({(m, t, r) for _g, k, m, t, r, _c, _e in plan.groups if k == 0},
                  key=lambda key: (key[0], key[1], key[2]))
    rows = []
    for own, tier, residency in keys:
        row: list = [(own_id[own] * len(tier_id) + tier_id[tier]) * 2 + int(bool(residency))]
        for k in targets:
            priced = own if k == 0 else plan.models[k - 1]
            bounds = sorted(classes.get(priced, []))
            for j in range(n_classes):
                if j < len(bounds):
                    cls, lo, hi = bounds[j]
                    row += [lo, hi, *group_of.get((k, priced, tier, residency, cls), (None, None))]
                else:
                    row += [None, None, None, None]
            row += list(limit_of.get(priced, (None, None, None, None)))
        rows.append((row[0], *(row[1 + i] for i in keep)))
    return columns, rows, n_classes


def _look_names(k: int, n_classes: int) -> list[str]:
    """The lookup table's columns of target k, in its row order."""
    per_class = [f"{c}{k}_{j}" for j in range(n_classes) for c in ("lo", "hi", "g", "e")]
    return per_class + [f"ctx{k}", f"ctxe{k}", f"mo{k}", f"moe{k}"]


def _records(plan: Plan, table: str, segments: str, mapping: dict[str, str], d: Dialect) -> str:
    """The CTEs ending in `z`: a row per record with its piece as logged (>= 0) or error (-1 - error id) as
    piece0, month0, its counts t0_0..5 and prompt and output sums, plus the record's own columns (source, line,
    the tier as logged: what a problem names). One pass: the names and tiers joins, one lookup join and one
    equi-join on the single (group, day) key with the range filter on the second. Only problems_sql uses it,
    and a problem is a record the logged model cannot price: no tags, no --as target."""
    col = {name: _column(name, mapping, d, table) for name in USAGE_COLUMNS}
    div = d.div.format
    # an optional count left NULL is 0, as the readers read an absent one; a NULL required count is a problem
    tokens = ", ".join((f"CAST({col[c]} AS {d.types['int']})" if c in ("input_tokens", "output_tokens") else
                        f"COALESCE(CAST({col[c]} AS {d.types['int']}), 0)") + f" AS t{i}"
                       for i, c in enumerate(COUNT_COLUMNS))
    calls = ", ".join(f"COALESCE(CAST({col[c]} AS {d.types['int']}), 0) AS c{i}" for i, c in enumerate(TOOL_COLUMNS))
    own_id, tier_id = _look_ids(plan)
    names = _inline_rows(_INLINE["names"] + (("own_id", "int"),),
                         [(*row, i, own_id.get(row[2])) for i, row in enumerate(plan.names)], d)
    tiers = _inline_rows(_INLINE["tiers"] + (("tier_id", "int"),),
                         [(*row, i, tier_id.get(row[1])) for i, row in enumerate(plan.tiers)], d)
    look_columns, look_rows, n_classes = _looks(plan, [0], LOOK_KINDS)
    inline = (f"names AS (\n  {names}\n),\ntiers AS (\n  {tiers}\n),\n"
              f"looks AS (\n  {_inline_rows(look_columns, look_rows, d)}\n)")
    any_provider = _literal(ANY_PROVIDER, "str", d)
    sec = div(d.epoch_us.format(col["timestamp"]), "1000000")
    # The prompt and output sums, only of counts the readers accept (each below 10^15): a sum of counts no
    # reader would read could overflow 64 bits (an error on DuckDB and Spark) before the CASE reports them.
    in_range = " AND ".join(f"u.t{i} BETWEEN 0 AND {MAX_TOKENS - 1}" for i in range(6))
    prompt, outp = " + ".join(f"x.t0_{i}" for i in range(4)), "x.t0_4 + x.t0_5"
    # the prompt's class among the priced model's few cut-offs, then its group: no range join (each in a CTE
    # of its own: an alias is not read in the SELECT naming it, which BigQuery refuses)
    cls = " ".join(f"WHEN prompt0 >= lo0_{j} AND (hi0_{j} IS NULL OR prompt0 < hi0_{j}) THEN {j}"
                   for j in reversed(range(n_classes)))
    grp = "CASE cls0 " + " ".join(f"WHEN {j} THEN g0_{j}" for j in range(n_classes)) + " END"
    err = "CASE cls0 " + " ".join(f"WHEN {j} THEN e0_{j}" for j in range(n_classes)) + " END"
    looked = [f"l.t{i} AS t0_{i}" for i in range(6)] + [f"k.{c}" for c in _look_names(0, n_classes)]
    join = (f"LEFT JOIN segment_days s0 ON s0.grp * {KEY_DAYS} + s0.day = w.grp0 * {KEY_DAYS} + w.day "
            "AND w.sec >= s0.start_s AND w.sec < s0.end_s")
    piece = _piece_case(plan, 0, "w", "s0", None, "w.ctx0 IS NOT NULL AND w.prompt0 > w.ctx0",
                        "w.mo0 IS NOT NULL AND (w.t0_4 > w.mo0 OR w.t0_5 > w.mo0 OR w.outp0 > w.mo0)")
    # the plan's pieces, a row per (group, day) each touches: what the equi-join on (group, day) finds
    ctes = [inline, f"segment_days AS (\n  {d.days.format(segments)}\n)", f"""u AS (
  SELECT {col['source']} AS src, {col['line']} AS line,
    COALESCE(CAST({col['provider']} AS {d.types['str']}), '') AS provider,
    CAST({col['model']} AS {d.types['str']}) AS model,
    COALESCE(CAST({col['service_tier']} AS {d.types['str']}), '') AS service_tier,
    {tier_key(col['service_tier'], d)} AS tier_key,
    CAST({col['residency']} AS {d.types['bool']}) AS residency, {sec} AS sec, {tokens}, {calls}
  FROM {table}
)""", f"""l AS (
  SELECT u.*, {div('u.sec', '86400')} AS day, n.model_id AS own, n.error AS name_error, t.tier,
    t.error AS tier_error, n.idx AS name_idx, t.idx AS tier_idx, COALESCE({in_range}, FALSE) AS ok,
    {_look_sql(len(tier_id), 'u.residency')} AS look
  FROM u
  LEFT JOIN names n ON n.model = u.model AND (n.provider = u.provider OR n.provider = {any_provider})
  LEFT JOIN tiers t ON t.raw = u.tier_key
)""", f"""x AS (
  SELECT l.*, {", ".join(looked)}
  FROM l
  LEFT JOIN looks k ON k.look = l.look
)""", f"""y AS (
  SELECT x.*, CASE WHEN x.ok THEN {prompt} END AS prompt0, CASE WHEN x.ok THEN {outp} END AS outp0
  FROM x
)""", f"""c AS (
  SELECT y.*, CASE {cls} END AS cls0
  FROM y
)""", f"""w AS (
  SELECT c.*, {grp} AS grp0, {err} AS gerr0
  FROM c
)""", f"""z AS (
  SELECT w.*, {piece}
  FROM w
  {join}
)"""]
    return "WITH " + ",\n".join(ctes)


MAX_CUTS = 64  # in-day cut-offs the aggregated route names in a CASE; past that (or unknown) it keys on the second


def _in_day_cuts(plan: Plan) -> list[int] | None:
    """The seconds after midnight (UTC) at which some piece of some group starts or ends, other than midnight
    (peak and off-peak windows, a price change at a time of day): between two of them no group changes piece
    within a day, so the records of one (group, day, bucket) share a piece. None when the plan carries no
    segments (printed from its JSON alone) or too many cut-offs: then each second is its own bucket."""
    if not plan.segments:
        return None
    cuts = sorted({second % DAY for _g, _f, _l, _m, start, end, _p in plan.segments for second in (start, end)} - {0})
    return cuts if len(cuts) <= MAX_CUTS else None


def _aggregated(plan: Plan, table: str, segments: str, mapping: dict[str, str], d: Dialect, tags: list[str],
                targets: Sequence[int], sum_of: Callable[[str], str] | None = None) -> str:
    """The CTEs ending in `z`, as `_records` but on the records summed first: `a` reads the table once, with
    only the names join, and sums the records per (names row, logged tier, residency, day, bucket of the
    day, tags, count problem, and per target the prompt class and the limit exceeded) - all a record's price
    depends on, so the sums are exact; a few hundred thousand rows for 10M records. The tiers, lookup and
    segment joins then run on those rows (each with its first second, which lies in the same piece as every
    other second of its bucket). The source and line are selected as in `_records` (the engine drops them
    unread: the problems query is the one that lists them)."""
    col = {name: _column(name, mapping, d, table) for name in USAGE_COLUMNS}
    div = d.div.format
    n_classes = max([sum(1 for c in plan.classes if c[0] == m) for m in {c[0] for c in plan.classes}] + [1])
    # per names row: its own model's class bounds and limits (target 0), the --as ratios and the --as models'
    # bounds and limits (the same on every row: the target's model is fixed)
    bounds: dict[str, list[tuple]] = {}
    for model_id, _cls, lo, hi in sorted(plan.classes, key=lambda c: (c[0], c[1])):
        bounds.setdefault(model_id, []).append((lo, hi))
    limit_of = {m: (ctx, mo) for m, ctx, _ce, mo, _oe in plan.limits}
    ratio_of = {(k, m): (num, den) for k, m, num, den in plan.ratios}
    own_id, tier_id = _look_ids(plan)
    extra: list[tuple[str, str]] = [("idx", "int"), ("own_id", "int")]
    for k in targets:
        extra += [(f"num{k}", "int"), (f"den{k}", "int")] if k else []
        extra += [(f"{c}{k}_{j}", "int") for j in range(n_classes) for c in ("lo", "hi")]
        extra += [(f"ctx{k}", "int"), (f"mo{k}", "int")]
    rows = []
    for i, row in enumerate(plan.names):
        own = row[2]
        values: list = [i, own_id.get(own)]
        for k in targets:
            priced = own if k == 0 else plan.models[k - 1]
            values += list(ratio_of.get((k, own), (None, None))) if k else []
            b = bounds.get(priced, []) if priced is not None else []
            values += [v for j in range(n_classes) for v in (b[j] if j < len(b) else (None, None))]
            values += list(limit_of.get(priced, (None, None)) if priced is not None else (None, None))
        rows.append((*row, *values))
    names = _inline_rows(_INLINE["names"][:-1] + tuple(extra), rows, d)
    tiers = _inline_rows(_INLINE["tiers"] + (("tier_id", "int"),),
                         [(*row, i, tier_id.get(row[1])) for i, row in enumerate(plan.tiers)], d)
    look_columns, look_rows, _n = _looks(plan, targets, SUMMED_LOOK_KINDS)
    inline = (f"names AS (\n  {names}\n),\ntiers AS (\n  {tiers}\n),\n"
              f"looks AS (\n  {_inline_rows(look_columns, look_rows, d)}\n)")
    tag_cols = "".join(f", COALESCE(CAST({_column(tag, mapping, d, table)} AS {d.types['str']}), '') AS tag{i}"
                       for i, tag in enumerate(tags))
    tokens = ", ".join((f"CAST({col[c]} AS {d.types['int']})" if c in ("input_tokens", "output_tokens") else
                        f"COALESCE(CAST({col[c]} AS {d.types['int']}), 0)") + f" AS t{i}"
                       for i, c in enumerate(COUNT_COLUMNS))
    calls = ", ".join(f"COALESCE(CAST({col[c]} AS {d.types['int']}), 0) AS c{i}" for i, c in enumerate(TOOL_COLUMNS))
    any_provider = _literal(ANY_PROVIDER, "str", d)
    sec = div(d.epoch_us.format(col["timestamp"]), "1000000")
    in_range = " AND ".join(f"u.t{i} BETWEEN 0 AND {MAX_TOKENS - 1}" for i in range(6))
    cuts = _in_day_cuts(plan)
    if cuts is None:
        bucket = "v.sec"
    else:
        tod = f"v.sec - v.day * {DAY}"
        bucket = ("CASE " + " ".join(f"WHEN {tod} >= {cut} THEN {j + 1}" for j, cut in reversed(list(enumerate(cuts))))
                  + " ELSE 0 END") if cuts else "0"
    n_cols: list[str] = []
    v_cols, w_cols, keys, sums = [], [], [], []
    # DuckDB sums BIGINT into a 128-bit HUGEINT itself (exact): the cast per record is left to the others
    # (sum_of: a caller's own per-record sum, sums_sql's)
    wide = sum_of or ((lambda e: f"SUM({e})") if d.name in WIDENING_SUMS else
                      (lambda e: f"SUM(CAST({e} AS {d.decimal}))"))
    for k in targets:
        if k == 0:
            toks = [f"u.t{i}" for i in range(6)]
        else:
            toks = [f"CASE WHEN NOT u.ok THEN NULL WHEN u.num{k} IS NULL THEN u.t{i} "
                    f"ELSE {div(f'u.t{i} * 2 * u.num{k} + u.den{k}', f'2 * u.den{k}')} END" for i in range(6)]
            n_cols += [f"n.num{k}", f"n.den{k}"]
        v_cols += [f"{expr} AS t{k}_{i}" for i, expr in enumerate(toks)]
        n_cols += [f"n.{c}{k}_{j}" for j in range(n_classes) for c in ("lo", "hi")] + [f"n.ctx{k}", f"n.mo{k}"]
        prompt, outp = " + ".join(f"v.t{k}_{i}" for i in range(4)), f"v.t{k}_4 + v.t{k}_5"
        w_cols.append(f"CASE WHEN v.ok THEN {prompt} END AS prompt{k}, CASE WHEN v.ok THEN {outp} END AS outp{k}")
        keys += [f"cls{k}", f"lim{k}"]
        sums += [wide(f"t{k}_{i}") + f" AS s{k}_{i}" for i in range(6)]
    x_cols = []
    for k in targets:
        cls = " ".join(f"WHEN prompt{k} >= lo{k}_{j} AND (hi{k}_{j} IS NULL OR prompt{k} < hi{k}_{j}) THEN {j}"
                       for j in reversed(range(n_classes)))
        # the first limit a record is over, as the per-record CASE checks them: context, then output
        x_cols.append(f"CASE {cls} END AS cls{k}, CASE WHEN ctx{k} IS NOT NULL AND prompt{k} > ctx{k} THEN 1 "
                      f"WHEN mo{k} IS NOT NULL AND (t{k}_4 > mo{k} OR t{k}_5 > mo{k} OR outp{k} > mo{k}) THEN 2 "
                      f"ELSE 0 END AS lim{k}")
    checks = _count_checks(plan, "w")
    x_cols.append(f"CASE {checks}ELSE NULL END AS chk" if checks else f"CAST(NULL AS {d.types['int']}) AS chk")
    sums += [wide(f"c{i}") + f" AS c{i}" for i in range(3)]
    sums += [f"SUM(CASE WHEN c{i} > 0 THEN 1 ELSE 0 END) AS r{i}" for i in range(3)]
    group = ["name_idx", "service_tier", "residency", "day", "bucket"] + [f"tag{i}" for i in range(len(tags))]
    group += ["chk"] + keys
    # per target: its group (class -> group id), and the piece of that group holding the bucket
    z_cols, joins = [], []
    for k in targets:
        grp = f"CASE b.cls{k} " + " ".join(f"WHEN {j} THEN k.g{k}_{j}" for j in range(n_classes)) + " END"
        err = f"CASE b.cls{k} " + " ".join(f"WHEN {j} THEN k.e{k}_{j}" for j in range(n_classes)) + " END"
        z_cols.append(f"{grp} AS grp{k}, {err} AS gerr{k}, k.ctxe{k}, k.moe{k}")
        joins.append(f"LEFT JOIN segment_days s{k} ON s{k}.grp * {KEY_DAYS} + s{k}.day = y.grp{k} * {KEY_DAYS} + y.day "
                     f"AND y.sec >= s{k}.start_s AND y.sec < s{k}.end_s")
    pieces = [_piece_case(plan, k, "y", f"s{k}", "y.chk", f"y.lim{k} = 1", f"y.lim{k} = 2") for k in targets]
    ctes = [inline, f"segment_days AS (\n  {d.days.format(segments)}\n)", f"""u AS (
  SELECT {col['source']} AS src, {col['line']} AS line,
    COALESCE(CAST({col['provider']} AS {d.types['str']}), '') AS provider,
    CAST({col['model']} AS {d.types['str']}) AS model,
    {tier_key(col['service_tier'], d)} AS service_tier,
    CAST({col['residency']} AS {d.types['bool']}) AS residency, {sec} AS sec, {tokens}, {calls}{tag_cols}
  FROM {table}
)""", f"""un AS (
  SELECT u.*, {div('u.sec', '86400')} AS day, n.idx AS name_idx, COALESCE({in_range}, FALSE) AS ok, {", ".join(n_cols)}
  FROM u
  LEFT JOIN names n ON n.model = u.model AND (n.provider = u.provider OR n.provider = {any_provider})
)""", f"""v AS (
  SELECT u.*, {", ".join(v_cols)}
  FROM un u
)""", f"""w AS (
  SELECT v.*, {bucket} AS bucket, {", ".join(w_cols)}
  FROM v
)""", f"""x AS (
  SELECT w.*, {", ".join(x_cols)}
  FROM w
)""", f"""a AS (
  SELECT {", ".join(group)}, MIN(sec) AS sec, COUNT(*) AS records, {", ".join(sums)}
  FROM x
  GROUP BY {", ".join(group)}
)""", f"""b AS (
  SELECT a.*, n.model_id AS own, n.error AS name_error, t.tier, t.error AS tier_error, t.idx AS tier_idx,
    {_look_sql(len(tier_id), 'a.residency')} AS look
    {"".join(f", (n.num{k} IS NOT NULL) AS estimated{k}" for k in targets if k)}
  FROM a
  LEFT JOIN names n ON n.idx = a.name_idx
  LEFT JOIN tiers t ON t.raw = a.service_tier
)""", f"""y AS (
  SELECT b.*, {", ".join(z_cols)}
  FROM b
  LEFT JOIN looks k ON k.look = b.look
)""", f"""z AS (
  SELECT y.*, {", ".join(pieces)}
  FROM y
  {chr(10).join("  " + j if i else j for i, j in enumerate(joins))}
)"""]
    return "WITH " + ",\n".join(ctes)


def _count_checks(plan: Plan, alias: str) -> str:
    """WHEN clauses giving the first count no reader would read (-1 - its error id), in column order: counts
    the readers refuse while reading come before any pricing problem. Empty for a plan compiled before these
    errors existed (it checks no count)."""
    known = set(plan.errors)
    return "".join(
        (f"WHEN {alias}.{t} IS NULL THEN {-1 - plan.error_id(MISSING_COUNT_ERRORS[0 if c == 'input_tokens' else 1])}\n"
         "      " if c in ("input_tokens", "output_tokens") else "")
        + (f"WHEN {alias}.{t} >= {MAX_TOKENS} THEN {-1 - plan.error_id(too_many)}\n      " if too_many in known else "")
        + f"WHEN {alias}.{t} < 0 THEN {-1 - plan.error_id(error)}\n      "
        for t, c, error, too_many in zip([f"t{i}" for i in range(6)] + [f"c{i}" for i in range(3)],
                                         COUNT_COLUMNS + TOOL_COLUMNS, COUNT_ERRORS, TOO_MANY_ERRORS)
        if error in known and set(MISSING_COUNT_ERRORS) <= known)


def _piece_case(plan: Plan, k: int, w: str, s: str, checked: str | None, over_context: str, over_output: str) -> str:
    """piece{k} and month{k}: the piece of segment join `s`, or the first problem, in the readers' and the local
    pricer's order (counts, tier, name, group, period, the piece's own error, context, output)."""
    not_in_plan, outside, unknown_tier = (plan.error_id(e) for e in (NOT_IN_PLAN, OUTSIDE, UNKNOWN_TIER))
    first = ""
    if k == 0:
        first = (f"WHEN {checked} IS NOT NULL THEN {checked}\n      " if checked else _count_checks(plan, w)) + (
            f"WHEN {w}.tier IS NULL AND {w}.tier_error IS NULL THEN {-1 - unknown_tier}\n"
            f"      WHEN {w}.name_error IS NOT NULL THEN -1 - {w}.name_error\n"
            f"      WHEN {w}.own IS NULL THEN {-1 - not_in_plan}\n      ")
    return f"""CASE {first}WHEN {w}.tier_error IS NOT NULL THEN -1 - {w}.tier_error
      WHEN {w}.tier IS NULL THEN {-1 - unknown_tier}
      WHEN {w}.grp{k} IS NULL THEN {-1 - not_in_plan}
      WHEN {w}.gerr{k} IS NOT NULL THEN -1 - {w}.gerr{k}
      WHEN {s}.piece IS NULL THEN {-1 - outside}
      WHEN {s}.piece < 0 THEN {s}.piece
      WHEN {over_context} THEN -1 - {w}.ctxe{k}
      WHEN {over_output} THEN -1 - {w}.moe{k}
      ELSE {s}.piece END AS piece{k}, {s}.month AS month{k}"""


def sums_sql(plan: Plan, table: str, dialect: str = "duckdb", segments: str = "costcalc_segments",
             by: list[str] | None = None, mapping: dict[str, str] | None = None,
             sum_of: Callable[[str], str] | None = None) -> str:
    """The statement returning the sums `partials_from_sums` reads: plan_sha256, grouped_by (the keys of
    `by`, comma-separated), target, piece, estimated,
    month, day, tag columns (tag0, ...: null on error rows), then SUM_COLUMNS. Rows of target -1 count
    the records per (names row in piece, tiers row in month, residency in estimated) instead.
    sum_of: the SQL summing a 64-bit count column per record (default: exact on every engine: DuckDB's own
    128-bit SUM, elsewhere each count cast to a 38-digit decimal first); a caller that checks for overflow
    itself may sum the integers (engines/spark.py: Spark's 38-digit decimal sum is a Java BigDecimal per record).

    The records are summed first (`_aggregated`: everything a price depends on, every target at once),
    priced on those sums (`z`), summed again by every target's piece at a time (`agg`: a few thousand rows),
    and the rows per target are taken from those sums: no record is read or joined twice."""
    d = DIALECT[dialect]
    by = list(by or [])
    tags = [key for key in by if key.startswith(TAG_PREFIX)]
    targets = range(len(plan.labels))
    body = _aggregated(plan, table, segments, dict(mapping or {}), d, tags, targets, sum_of)
    tag_names = [f"tag{i}" for i in range(len(tags))]
    day = ["day"] if "day" in by else []
    keys = ["name_idx", "tier_idx", "residency"] + [f"piece{k}" for k in targets] + [f"month{k}" for k in targets]
    keys += [f"estimated{k}" for k in targets if k] + day + tag_names
    sums = [f"SUM(s{k}_{i}) AS s{k}_{i}" for k in targets for i in range(6)]
    sums += [f"SUM(c{i}) AS c{i}" for i in range(3)] + [f"SUM(r{i}) AS r{i}" for i in range(3)]
    agg = f"agg AS (\n  SELECT {', '.join(keys)}, SUM(records) AS records,\n    {', '.join(sums)}\n  FROM z\n" \
          f"  GROUP BY {', '.join(keys)}\n)"
    null_int = f"CAST(NULL AS {d.types['int']})"
    per_target = "\nUNION ALL\n".join(
        f"SELECT {k} AS target, piece{k} AS piece, {f'estimated{k}' if k else 'FALSE'} AS estimated, "
        f"month{k} AS month, {'day' if day else null_int} AS day{''.join(f', {t}' for t in tag_names)}, records, "
        + ", ".join(f"s{k}_{i} AS t{i}" for i in range(6)) + ", c0, c1, c2, r0, r1, r2 FROM agg"
        + ("" if k == 0 else " WHERE piece0 >= 0") for k in targets)
    keep = "CASE WHEN piece >= 0 THEN {} END"
    out_keys = [keep.format("month") + " AS month" if "month" in by else f"{null_int} AS month",
                keep.format("day") + " AS day" if "day" in by else f"{null_int} AS day"]
    out_keys += [keep.format(t) + f" AS {t}" for t in tag_names]
    out = [f"CAST(SUM(t{i}) AS {d.decimal}) AS {c}" for i, c in enumerate(COUNT_COLUMNS)]
    out += [f"CAST(SUM(c{i}) AS {d.decimal}) AS {c}" for i, c in enumerate(TOOL_COLUMNS)]
    out += [f"SUM(r{i}) AS {c}" for i, c in enumerate(CALL_RECORDS)]
    group = ", ".join(str(i) for i in range(3, 6 + len(out_keys)))  # by position: target ... the last key
    sha = _literal(plan.sha256, "str", d)
    grouped = _literal(",".join(by), "str", d)  # the sums say how they were grouped: --by must agree
    # and one row per (name, tier, residency) combination seen, target -1: what the assumptions are made of
    nulls = ", ".join([null_int] + [f"CAST(NULL AS {d.types['str']})" for _ in tags])
    none = ", ".join(f"CAST(NULL AS {d.decimal})" for _ in COUNT_COLUMNS + TOOL_COLUMNS + CALL_RECORDS)
    combos = (f"SELECT {sha} AS plan_sha256, {grouped} AS grouped_by, -1 AS target, COALESCE(name_idx, -1) AS piece, "
              f"residency AS estimated, COALESCE(tier_idx, -1) AS month, {nulls}, "
              f"CAST(SUM(records) AS {d.types['int']}) AS records, {none}\nFROM agg\nGROUP BY 4, 5, 6")
    return (f"{body},\n{agg},\npriced AS (\n{per_target}\n)\n"
            f"SELECT {sha} AS plan_sha256, {grouped} AS grouped_by, target, piece, estimated, {', '.join(out_keys)},\n"
            f"  CAST(SUM(records) AS {d.types['int']}) AS records, {', '.join(out)}\nFROM priced\nGROUP BY {group}\n"
            f"UNION ALL\n{combos}\n")


def problems_sql(plan: Plan, table: str, dialect: str = "duckdb", segments: str = "costcalc_segments",
                 mapping: dict[str, str] | None = None, limit: int = KEEP_PROBLEMS, sources: Sequence[str] = ()) -> str:
    """The first `limit` records the logged model cannot price, in usage.partials.problem_order: the source's
    place in `sources` (the files in the order given; others after, by name), then line: plan_sha256, src, line,
    piece (-1 - error id), provider, model, service_tier, residency, sec, prompt and output counts."""
    d = DIALECT[dialect]
    body = _records(plan, table, segments, dict(mapping or {}), d)
    sha = _literal(plan.sha256, "str", d)
    counts = ", ".join([f"t{i} AS count_{c}" for i, c in enumerate(COUNT_COLUMNS)]
                       + [f"c{i} AS count_{c}" for i, c in enumerate(TOOL_COLUMNS)])
    return (f"{body}\nSELECT {sha} AS plan_sha256, src, line, piece0 AS piece, provider, model, service_tier, "
            f"residency, sec, prompt0 AS prompt_tokens, outp0 AS output_tokens, {counts}\nFROM z\nWHERE piece0 < 0\n"
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
