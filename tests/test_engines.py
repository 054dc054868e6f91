"""Re-pricing where the logs live (issue 14): the compiled plan, its SQL, DuckDB, engine sums back into
the exact report. Differential: a generated log reaching every pricing case (tests/usage_gen.py) priced
locally, inside DuckDB, and as DuckDB partials of random partitions merged in random order gives the same
rows, totals (to the last digit), problems and assumptions."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from costcalc.api_engines import compile_plan, plan_bytes, plan_json, read_plan, reprice_sql, reprice_sums
from costcalc.engines.plan import SEGMENT_COLUMNS, build_plan
from costcalc.engines.sql import DIALECTS, problems_sql, sums_sql
from costcalc.prices import load_prices
from costcalc.usage.chunk import UsageChunk
from costcalc.usage.partials import finish_partials, merge_partials
from costcalc.usage.run import reprice_chunks

from .helpers import UNLIMITED_TABLE, run_cli, same_reprice
from .usage_gen import generated_log

duckdb = pytest.importorskip("duckdb")
from costcalc.engines.duckdb import _Plans, reprice_chunks_duckdb, reprice_frame_partials  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
AS = ["deepseek-v4-pro", "claude-opus-4-7"]
BY = ["month", "tag:team"]


def _differential(table, records: int, seed: int, by: list[str], plans: tuple[_Plans, _Plans] | None = None) -> None:
    log = generated_log(table, records, seed)
    local = reprice_chunks([UsageChunk(log, len(log), [])], table, AS, by)
    assert local.reported and local.priced and len(local.problems) == min(local.reported, 1000)
    same_reprice(reprice_chunks_duckdb([UsageChunk(log, len(log), [])], table, AS, by), local)
    # DuckDB partials of random partitions merged in random order; the first partition on a plan of its
    # own (built from its own names: other outcome ids), the others sharing one as a run does
    rng = np.random.default_rng(seed)
    owner = rng.integers(0, 4, len(log))
    con = duckdb.connect()
    own, shared = plans or (_Plans(table, AS), _Plans(table, AS))
    parts = [reprice_frame_partials(con, log[owner == k], own if k == 0 else shared, by) for k in range(4)]
    random.Random(seed).shuffle(parts)
    merged = merge_partials(merge_partials(parts[0], parts[1]), merge_partials(parts[2], parts[3]))
    same_reprice(finish_partials(merged), local)


@pytest.fixture(scope="module")
def partition_plans(table) -> tuple[_Plans, _Plans]:
    """The partitions' plans (the first partition's own, the one the others share), kept from one grouping
    to the next: a plan does not depend on the grouping, and building plans is most of a differential's
    time. The first grouping builds them as a run does (rebuilt as partitions bring names, tiers, days)."""
    return _Plans(table, AS), _Plans(table, AS)


@pytest.mark.parametrize("by", [BY, ["day"]])
def test_duckdb_equals_local_and_merged_partitions(table, partition_plans, by):
    _differential(table, 4000, 14, by, partition_plans)


@pytest.mark.slow
def test_duckdb_equals_local_on_200000_records(table):
    _differential(table, 200_000, 15, BY)


def test_the_sql_route_via_the_cli(table, tmp_path):
    """sql plan -> the SQL run in DuckDB -> sums.csv and problems.csv -> reprice --sums --plan: the
    same report as `costcalc reprice` on the same records."""
    log = generated_log(table, 2000, 16)
    log = log[log["timestamp"] < pd.Timestamp("2026-04-01", tz="UTC")]
    log_path = tmp_path / "usage.csv"
    frame = log.drop(columns=["source", "line"]).rename(columns={"tag:team": "team"})
    frame.assign(timestamp=frame["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")).to_csv(log_path, index=False)
    run = run_cli("sql", "plan", "--from", "2026-01-01", "--until", "2026-04-01", "--as", "deepseek-v4-pro",
                  "--output", "plan.parquet", cwd=tmp_path)
    assert run.exit_code == 0 and "plan sha256" in run.stdout, run.stderr
    sql = {}
    for flag in ([], ["--problems"]):
        run = run_cli("sql", "reprice", "--plan", "plan.parquet", "--table", "usage", "--by", "month", "--by",
                      "tag:team", "--map", "tag:team=team,source='usage.csv',line=line", *flag, cwd=tmp_path)
        assert run.exit_code == 0, run.stderr
        sql[bool(flag)] = run.stdout
    con = duckdb.connect()
    usage = pd.read_csv(log_path, keep_default_na=False)
    usage["timestamp"] = pd.to_datetime(usage["timestamp"], utc=True)
    usage["line"] = np.arange(2, len(usage) + 2)  # the CSV's line numbers: a header line, then one per record
    con.register("usage", usage)
    plan = read_plan(tmp_path / "plan.parquet")
    con.register("costcalc_segments", pd.DataFrame(plan.segments, columns=list(SEGMENT_COLUMNS)))
    con.execute(sql[False]).df().to_csv(tmp_path / "sums.csv", index=False)
    con.execute(sql[True]).df().to_csv(tmp_path / "problems.csv", index=False)
    base = ["reprice", "--by", "month", "--by", "tag:team", "--format", "json"]
    engine = run_cli(*base, "--sums", "sums.csv", "--plan", "plan.parquet", "--problems", "problems.csv",
                     cwd=tmp_path)
    local = run_cli(*base, "usage.csv", "--as", "deepseek-v4-pro", "--map", "tag:team=team", cwd=tmp_path)
    assert engine.exit_code == local.exit_code == 1  # records reported
    assert engine.stdout == local.stdout
    assert engine.stderr == local.stderr


TIERS_LOG = """timestamp,provider,model,input_tokens,cached_tokens,cache_write_5m_tokens,cache_write_1h_tokens,\
output_tokens,reasoning_tokens,web_search_calls,web_fetch_calls,code_execution_calls,service_tier,residency
2026-09-15T10:00:00Z,openai,gpt-5.5,100000,0,0,0,20000,0,0,0,0,Batch,false
2026-09-15T11:00:00Z,openai,gpt-5.5,200000,0,0,0,10000,0,0,0,0, flex ,false
2026-09-15T12:00:00Z,openai,gpt-5.5,300000,0,0,0,10000,0,0,0,0,Scale,false
"""


def test_tier_spellings_the_readers_accept_are_priced_on_every_route(tmp_path):
    """`Batch` and ` flex ` are batch and flex to the readers (trimmed, lower-cased), and `Scale` is Scale
    Tier with the readers' message: the SQL route (run in DuckDB) and --engine duckdb say the same as local.
    By hand, gpt-5.5 standard 5.00 / 30.00 per Mtok, batch and flex half: 2.50 / 15.00.
    Batch: 0.1 Mtok * 2.50 + 0.02 Mtok * 15.00 = 0.25 + 0.30 = 0.55; flex: 0.2 * 2.50 + 0.01 * 15.00 =
    0.50 + 0.15 = 0.65; total 1.20 (the Scale record reported, not priced)."""
    (tmp_path / "usage.csv").write_text(TIERS_LOG)
    run = run_cli("sql", "plan", "--from", "2026-09-01", "--until", "2026-10-01", "--output", "plan.parquet",
                  cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    sql = {}
    for flag in ([], ["--problems"]):
        run = run_cli("sql", "reprice", "--plan", "plan.parquet", "--table", "usage",
                      "--map", "source='usage.csv',line=line", *flag, cwd=tmp_path)
        assert run.exit_code == 0, run.stderr
        sql[bool(flag)] = run.stdout
    usage = pd.read_csv(tmp_path / "usage.csv", keep_default_na=False)
    assert list(usage["service_tier"]) == ["Batch", " flex ", "Scale"]  # as logged, spaces kept
    usage["timestamp"] = pd.to_datetime(usage["timestamp"], utc=True)
    usage["line"] = np.arange(2, len(usage) + 2)
    con = duckdb.connect()
    con.register("usage", usage)
    plan = read_plan(tmp_path / "plan.parquet")
    con.register("costcalc_segments", pd.DataFrame(plan.segments, columns=list(SEGMENT_COLUMNS)))
    con.execute(sql[False]).df().to_csv(tmp_path / "sums.csv", index=False)
    con.execute(sql[True]).df().to_csv(tmp_path / "problems.csv", index=False)
    base = ["reprice", "--format", "json"]
    local = run_cli(*base, "usage.csv", cwd=tmp_path)
    engine = run_cli(*base, "--sums", "sums.csv", "--plan", "plan.parquet", "--problems", "problems.csv",
                     cwd=tmp_path)
    on_duckdb = run_cli(*base, "usage.csv", "--engine", "duckdb", cwd=tmp_path)
    assert local.exit_code == engine.exit_code == on_duckdb.exit_code == 1  # a record reported
    report = json.loads(local.stdout)
    assert (report["records"], report["priced"], report["reported"]) == (3, 2, 1)
    assert Decimal(report["total_usd"]) == Decimal("0.55") + Decimal("0.65")
    [problem] = report["problems"]
    assert (problem["line"], problem["key"], problem["value"]) == (4, "service_tier", "Scale")
    assert problem["message"].startswith("Scale Tier is prepaid reserved capacity")
    assert engine.stdout == local.stdout
    assert on_duckdb.stdout == local.stdout
    assert engine.stderr == local.stderr == on_duckdb.stderr


def test_sums_of_another_plan_are_refused(table, tmp_path):
    log = generated_log(table, 1200, 17)
    log = log[log["timestamp"] < pd.Timestamp("2026-02-01", tz="UTC")]
    first = build_plan(table, 20454, 20454 + 31, [])  # January 2026
    other = build_plan(table, 20454, 20454 + 31, ["deepseek-v4-pro"])
    assert first.sha256 != other.sha256
    con = duckdb.connect()
    con.register("usage", log)
    con.register("costcalc_segments", pd.DataFrame(other.segments, columns=list(SEGMENT_COLUMNS)))
    sums = con.execute(sums_sql(other, "usage", "duckdb", "costcalc_segments", ["month"])).df()
    sums.to_csv(tmp_path / "sums.csv", index=False)
    (tmp_path / "plan.parquet").write_bytes(plan_bytes(first, "plan.parquet"))
    run = run_cli("reprice", "--sums", "sums.csv", "--plan", "plan.parquet", cwd=tmp_path)
    assert run.exit_code == 1 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and f"computed with plan {other.sha256}" in run.stderr
    assert first.sha256 in run.stderr and "Traceback" not in run.stderr
    # the plan it was computed with finishes them
    assert reprice_sums(sums, other, ["month"]).priced > 0


def test_an_altered_plan_is_refused(table, tmp_path):
    plan = compile_plan("2026-03-01", "2026-04-01", models=["gpt-5.5"])
    path = tmp_path / "plan.csv"
    path.write_bytes(plan_bytes(plan, str(path)))
    Path(str(path) + ".json").write_text(plan_json(plan))
    assert read_plan(path).sha256 == plan.sha256
    text = path.read_text().splitlines()
    grp, first, last, month, start, end, piece = text[1].split(",")
    text[1] = ",".join([grp, first, last, month, start, str(int(end) - 1), piece])
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(Exception, match="segments table was altered"):
        read_plan(path)


def test_warehouse_sql_parses(table):
    """BigQuery and Snowflake cannot run here: their SQL is checked to parse (sqlglot), Spark's too."""
    sqlglot = pytest.importorskip("sqlglot")
    plan = compile_plan("2026-01-01", "2026-02-01", models=["gpt-5.5", "claude-opus-4-7"],
                        as_models=["deepseek-v4-pro"])
    for dialect in DIALECTS:
        for text in (reprice_sql(plan, "proj.ds.usage", dialect, by=["month", "day", "tag:team"],
                                 mapping={"tag:team": "team", "web_fetch_calls": "0"}),
                     problems_sql(plan, "proj.ds.usage", dialect)):
            parsed = sqlglot.parse_one(text, read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
            assert parsed.find(sqlglot.exp.Join) is not None
            # the compact plan's pieces expanded to (group, day) rows by the dialect's own series function
            expand = {"duckdb": "generate_series(", "spark": "explode(sequence(",
                      "bigquery": "UNNEST(GENERATE_ARRAY(", "snowflake": "FLATTEN(input => ARRAY_GENERATE_RANGE("}
            assert expand[dialect] in text


def test_bigquery_sums_sql_of_eight_as_models_stays_under_its_query_limit(table):
    """BigQuery refuses a query over 1024K characters. With 8 --as models over every model the sums query
    was 1,151,593 characters (the lookup table emitted 110 columns, of which the query read 48, and a STRUCT
    per row named every field); it is 165,742 now (only the columns read, the array's type named once)."""
    sqlglot = pytest.importorskip("sqlglot")
    as_models = ["deepseek-v4-pro", "claude-opus-4-7", "gpt-5.5", "gemini-3.1-pro-preview", "deepseek-v4-flash",
                 "claude-sonnet-4-6", "gpt-5.5-pro", "gpt-5.4"]
    plan = compile_plan("2026-09-01", "2026-10-01", as_models=as_models)
    text = reprice_sql(plan, "myproject.logs.usage", "bigquery", segments="myproject.logs.costcalc_segments",
                       mapping={"timestamp": "ts"})
    assert len(text) < 1_000_000
    sqlglot.parse_one(text, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE)


def test_bigquery_inline_rows_are_the_rows_given():
    """The compact BigQuery table (typed array of tuples) holds the same rows as DuckDB's VALUES: checked by
    running sqlglot's DuckDB translation of it."""
    sqlglot = pytest.importorskip("sqlglot")
    from costcalc.engines.sql import DIALECT, _inline_rows
    columns = (("look", "int"), ("g", "int"), ("raw", "str"))
    rows = [(1, None, "it's"), (2, 5, None), (3, -7, "")]
    text = sqlglot.transpile(_inline_rows(columns, rows, DIALECT["bigquery"]), read="bigquery", write="duckdb")[0]
    assert "STRUCT(" not in _inline_rows(columns, rows, DIALECT["bigquery"])  # field names once, in the type
    assert duckdb.sql(text).fetchall() == rows
    assert duckdb.sql(_inline_rows(columns, rows, DIALECT["duckdb"])).fetchall() == rows


def test_the_compact_plan_expands_to_every_second_of_every_group_once(table):
    """A year's plan ships one row per piece of constant price, not one per group and day; DuckDB's
    expansion (the SQL's segment_days) gives a row per (group, day) a piece touches, and the pieces of a
    group tile each day of the period: every second of [start, end) falls in exactly one piece."""
    plan = compile_plan("2026-01-01", "2027-01-01")
    assert plan.segment_days > 5 * len(plan.segments)  # compact: ~10,600 pieces for ~93,000 group-days
    con = duckdb.connect()
    con.register("costcalc_segments", pd.DataFrame(plan.segments, columns=list(SEGMENT_COLUMNS)))
    body = sums_sql(plan, "usage", "duckdb").split("segment_days AS (", 1)[1].split("\n)", 1)[0]
    days = con.execute(f"SELECT grp, day, sum(least(end_s, (day + 1) * 86400) - greatest(start_s, day * 86400)) AS "
                       f"covered, count(*) AS pieces FROM ({body}) GROUP BY grp, day").df()
    assert int(days["pieces"].sum()) == plan.segment_days
    assert (days["covered"] == 86400).all()  # each group-day covered once, with no gap and no overlap
    per_group = days.groupby("grp")["day"].agg(["min", "max", "count"])
    start, end = plan.start_day, plan.end_day
    assert (per_group["min"] == start).all() and (per_group["max"] == end - 1).all()
    assert (per_group["count"] == end - start).all()


def test_token_sums_past_2_63_stay_exact(table, tmp_path):
    """10,000 records of 10^15 - 1 input tokens each (the most a reader accepts in one record): 10^19 - 10^4 =
    9,999,999,999,999,990,000 tokens, past a signed 64-bit sum (2**63 = 9,223,372,036,854,775,808). On a model
    with no limits (input 3, output 15 USD per 1M), the bill is by hand 9999999999999990000 x 3 =
    29999999999999970000, / 1000000 = 29999999999999.97 USD."""
    overlay = tmp_path / "unlimited.yaml"
    overlay.write_text(UNLIMITED_TABLE)
    unlimited = load_prices(overlays=[overlay])
    n = 10_000
    frame = pd.DataFrame({"timestamp": pd.to_datetime(["2026-05-05T12:00:00Z"] * n), "provider": "",
                          "model": "acme-unlimited", "input_tokens": np.full(n, 10**15 - 1, dtype=np.int64),
                          "cached_tokens": 0, "cache_write_5m_tokens": 0, "cache_write_1h_tokens": 0,
                          "output_tokens": 0, "reasoning_tokens": 0, "web_search_calls": 0, "web_fetch_calls": 0,
                          "code_execution_calls": 0, "service_tier": "standard", "residency": False,
                          "source": "big", "line": np.arange(1, n + 1)})
    expected = Decimal("29999999999999.97")
    assert Decimal(n * (10**15 - 1)) * 3 / 1_000_000 == expected and n * (10**15 - 1) > 2**63
    for result in (reprice_chunks([UsageChunk(frame, n, [])], unlimited, by=[]),
                   reprice_chunks_duckdb([UsageChunk(frame, n, [])], unlimited, by=[])):
        assert result.total_usd == expected
        assert (result.priced, result.reported) == (n, 0)
        assert int(result.rows["input_tokens"].iloc[0]) == 9_999_999_999_999_990_000


def test_duckdb_is_not_imported_by_costcalc():
    code = "import sys, costcalc, costcalc.api_engines, costcalc.engines.sql; print('duckdb' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert run.stdout.strip() == "False"


def test_the_sums_are_the_same_with_and_without_in_day_buckets(table):
    """The sums query sums records per bucket between the plan's in-day cut-offs (peak and off-peak windows)
    before finding their pieces; a plan printed from its JSON alone (no segments: no cut-offs known) keys
    each second instead. Both give the same sums as each other and, finished, as the local pricer."""
    from dataclasses import replace

    from costcalc.engines.results import partials_from_sums
    from costcalc.engines.sql import _in_day_cuts

    log = generated_log(table, 3000, 23)
    log = log[(log["timestamp"] >= pd.Timestamp("2026-03-01", tz="UTC"))
              & (log["timestamp"] < pd.Timestamp("2026-05-01", tz="UTC"))].reset_index(drop=True)
    plan = build_plan(table, 20513, 20513 + 61, AS)  # March and April 2026
    cuts = _in_day_cuts(plan)
    assert cuts and all(0 < cut < 86400 for cut in cuts)  # peak/off-peak windows cut days: buckets are used
    assert _in_day_cuts(replace(plan, segments=[])) is None
    con = duckdb.connect()
    con.register("usage", log)
    con.register("costcalc_segments", pd.DataFrame(plan.segments, columns=list(SEGMENT_COLUMNS)))
    key = ["target", "piece", "estimated", "month", "day", "tag0"]
    sums = [con.execute(sums_sql(p, "usage", "duckdb", "costcalc_segments", ["month", "day", "tag:team"]))
            .df().sort_values(key).reset_index(drop=True) for p in (plan, replace(plan, segments=[]))]
    assert sums[0].astype(str).equals(sums[1].astype(str))
    local = reprice_chunks([UsageChunk(log, len(log), [])], table, AS, ["month", "day", "tag:team"])
    problems = con.execute(problems_sql(plan, "usage", "duckdb", "costcalc_segments",
                                        {"source": "source", "line": "line"})).df()
    engine = finish_partials(partials_from_sums(plan, sums[0], ["month", "day", "tag:team"], problems))
    assert engine.total_usd == local.total_usd and engine.priced == local.priced and local.priced > 0


@pytest.mark.parametrize("where", ["spread", "at the end"])
def test_problems_from_a_prefix_of_lines_are_the_first_ones(table, where, monkeypatch):
    """With one source numbered by line, the DuckDB run lists problems from a prefix of the lines first
    (engines/duckdb._problems) when the prefix holds enough of them; the list is the one the query over
    every record gives: the first 1,000 by line, whether the unpriceable records are spread over the log or
    all at its end (the prefix then grows to the whole log)."""
    from costcalc.engines.duckdb import SEGMENTS, _problems

    log = generated_log(table, 100_000, 31)
    log = log[log["timestamp"] < pd.Timestamp("2026-03-01", tz="UTC")].reset_index(drop=True)
    log.loc[np.arange(len(log)) % 3 == 0, "model"] = "no-such-model"
    log["source"], log["line"] = "usage.csv", np.arange(2, len(log) + 2)
    plan = build_plan(table, 20454, 20454 + 59, AS, sorted(set(zip(log["provider"], log["model"]))),
                      sorted(set(log["service_tier"])), [False, True])
    con = duckdb.connect()
    con.register(SEGMENTS, pd.DataFrame(plan.segments, columns=list(SEGMENT_COLUMNS)))
    mapping = {"source": "source", "line": "line"}
    every = problems_sql(plan, "usage", "duckdb", SEGMENTS, mapping, 10**9)
    if where == "at the end":  # the priced records first (60 times over), every unpriceable one after them
        con.register("usage", log)
        unpriced = log["line"].isin(con.execute(every).df()["line"])
        log = pd.concat([log[~unpriced]] * 60 + [log[unpriced]], ignore_index=True)
        log["line"] = np.arange(2, len(log) + 2)
        con.unregister("usage")
    con.register("usage", log)
    whole = con.execute(problems_sql(plan, "usage", "duckdb", SEGMENTS, mapping)).df()
    reported = int(con.execute(f"SELECT count(*) FROM ({every})").fetchall()[0][0])
    assert reported > 4000 and len(whole) == 1000
    import costcalc.engines.duckdb as engine

    tables: list[str] = []
    real = engine.problems_sql
    monkeypatch.setattr(engine, "problems_sql", lambda plan, table, *a, **k: tables.append(table) or real(plan, table,
                                                                                                        *a, **k))
    listed = _problems(con, plan, "usage", mapping, reported)
    assert listed.astype(str).equals(whole.astype(str))
    # spread: the first prefix (the lines of about 4,000 unpriceable records) held them; at the end: it held
    # none, and grew to the whole log
    assert tables[0].startswith("(SELECT") and (len(tables) == 1 if where == "spread" else tables[-1] == "usage")
    assert list(listed["line"]) == sorted(listed["line"]) and listed["line"].iloc[-1] < len(log) + 2


def test_a_frame_without_lines_lists_the_local_runs_first_problems(table):
    """A normalized frame with no `line` column (a benchmark's, or one built by hand): the local pricer names
    its records by row (1-based), so DuckDB does too; with 1,500 problems, each of another model name, the
    1,000 listed are the first 1,000 rows' (not 1,000 of them in whatever order the engine sorts equal keys)."""
    from costcalc.usage.read import normalize_frame

    rows = 3000
    models = np.where(np.arange(rows) % 2 == 1, [f"no-such-model-{i}" for i in range(rows)], "gpt-5.5")
    raw = pd.DataFrame({"timestamp": pd.Timestamp("2026-09-15", tz="UTC") + pd.to_timedelta(np.arange(rows), unit="s"),
                        "provider": "openai", "model": models, "input_tokens": 1000, "output_tokens": 100})
    frame = normalize_frame(raw).frame.drop(columns=["source", "line"])
    assert "line" not in frame
    local = reprice_chunks([UsageChunk(frame, rows, [])], table, [], ["month"])
    engine = reprice_chunks_duckdb([UsageChunk(frame, rows, [])], table, [], ["month"])
    assert local.reported == engine.reported == 1500
    assert [p.line for p in engine.problems] == list(range(2, 2001, 2))  # rows 1, 3, ... 1999 (0-based)
    assert [p.value for p in engine.problems][:2] == ["no-such-model-1", "no-such-model-3"]
    same_reprice(engine, local)
