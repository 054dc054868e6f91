"""Engine sums and problems files are input: what `costcalc reprice --sums SUMS --plan PLAN [--problems P]`
reads is checked (whole numbers, required columns, the plan's hash, piece ids, the grouping) and refused
with one line naming file, row, column, value and what is allowed, never cut or guessed into money."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from costcalc.api_engines import compile_plan, plan_bytes, reprice_sql, reprice_sums
from costcalc.api_usage import reprice_totals
from costcalc.engines.plan import SEGMENT_COLUMNS
from costcalc.errors import CostcalcError

from .helpers import run_cli

duckdb = pytest.importorskip("duckdb")

ZERO = {"cached_tokens": 0, "cache_write_5m_tokens": 0, "cache_write_1h_tokens": 0, "reasoning_tokens": 0,
        "web_search_calls": 0, "web_fetch_calls": 0, "code_execution_calls": 0, "residency": False}
# gpt-5.5 standard (pricing.yaml): input 5.00, output 30.00 USD per 1M tokens. The record below costs, by hand,
# 63,965 x 5 / 1,000,000 = 0.319825 plus 1,000 x 30 / 1,000,000 = 0.03: 0.349825 USD.
EXPECTED = Decimal("0.319825") + Decimal("0.03")


def _engine_files(folder: Path, as_models: tuple[str, ...] = ()) -> Path:
    """plan.parquet, and sums.csv / problems.csv as DuckDB's .df().to_csv writes them, for two records:
    one gpt-5.5 record (priced) and one of a model no table knows (reported), also priced as `as_models`."""
    plan = compile_plan("2026-05-01", "2026-06-01", models=["gpt-5.5"], as_models=list(as_models))
    (folder / "plan.parquet").write_bytes(plan_bytes(plan, "plan.parquet"))
    usage = pd.DataFrame({"timestamp": pd.to_datetime(["2026-05-05T12:00:00Z", "2026-05-06T12:00:00Z"]),
                          "provider": "openai", "model": ["gpt-5.5", "no-such-model"], "input_tokens": [63965, 10],
                          "output_tokens": [1000, 1], "service_tier": "standard", **ZERO})
    con = duckdb.connect()
    con.register("usage", usage)
    con.register("costcalc_segments", pd.DataFrame(plan.segments, columns=list(SEGMENT_COLUMNS)))
    con.execute(reprice_sql(plan, "usage", by=["month"])).df().to_csv(folder / "sums.csv", index=False)
    con.execute(reprice_sql(plan, "usage", problems=True)).df().to_csv(folder / "problems.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    return _engine_files(tmp_path_factory.mktemp("sums"))


def _edited(files: Path, tmp_path: Path, name: str, column: str, value: str | None, row: int = 0) -> Path:
    """A copy of files/name with one cell changed (value None: the column dropped)."""
    frame = pd.read_csv(files / name, dtype=str, keep_default_na=False)
    if value is None:
        frame = frame.drop(columns=[column])
    else:
        frame.loc[frame.index[row], column] = value
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _priced_row(files: Path) -> int:
    frame = pd.read_csv(files / "sums.csv", dtype=str, keep_default_na=False)
    return int(frame.index[(frame["target"] == "0") & (frame["piece"].str.lstrip("-") == frame["piece"])][0])


def test_a_decimal_sum_written_as_63965_0_is_accepted_and_exact(files, tmp_path):
    text = (files / "sums.csv").read_text()
    assert "63965.0" in text  # what DuckDB's float64 .df() writes for an exact DECIMAL sum
    result = reprice_sums(files / "sums.csv", files / "plan.parquet", ["month"], problems=files / "problems.csv")
    assert result.total_usd == EXPECTED
    assert (result.priced, result.reported, len(result.problems)) == (1, 1, 1)
    plain = _edited(files, tmp_path, "sums.csv", "input_tokens", "63965", _priced_row(files))
    assert reprice_sums(plain, files / "plan.parquet", ["month"]).total_usd == EXPECTED


def test_sums_joined_twice_are_refused_not_doubled(files, tmp_path):
    frame = pd.read_csv(files / "sums.csv", dtype=str, keep_default_na=False)
    twice = tmp_path / "twice.csv"
    pd.concat([frame, frame]).to_csv(twice, index=False)
    with pytest.raises(CostcalcError, match=rf"twice.csv: row {len(frame) + 1}: repeats row 1 "):
        reprice_sums(twice, files / "plan.parquet", ["month"])


@pytest.fixture(scope="module")
def as_files(tmp_path_factory) -> Path:
    """The two records of `files`, also priced as claude-opus-4-7 (a second target)."""
    return _engine_files(tmp_path_factory.mktemp("as-sums"), ("claude-opus-4-7",))


@pytest.mark.parametrize("which", ["the priced record", "the as-model row", "the table's count"])
def test_sums_cut_short_are_refused_not_totalled(as_files, tmp_path, which):
    # a row lost on the way (a query tool's row limit, a lost part file) would otherwise print smaller money
    frame = pd.read_csv(as_files / "sums.csv", dtype=str, keep_default_na=False)
    whole = reprice_sums(as_files / "sums.csv", as_files / "plan.parquet", ["month"])
    assert (whole.records, whole.priced, whole.reported) == (2, 1, 1)
    priced = (frame["target"] == "0") & ~frame["piece"].str.startswith("-")
    drop = {"the priced record": priced, "the as-model row": frame["target"] == "1",
            "the table's count": frame["target"] == "-1"}[which]
    assert drop.any()
    cut = tmp_path / "cut.csv"
    frame[~drop].to_csv(cut, index=False)
    with pytest.raises(CostcalcError, match=r"cut.csv: the sums are incomplete: target \d covers"):
        reprice_sums(cut, as_files / "plan.parquet", ["month"])
    done = run_cli("reprice", "--sums", cut, "--plan", as_files / "plan.parquet")
    assert done.exit_code == 1 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("column,value", [("input_tokens", "1.2345678901234567e+20"), ("input_tokens", "1.9"),
                                          ("input_tokens", "-5000000"), ("records", "-3"),
                                          ("output_tokens", "abc"), ("output_tokens", "nan"),
                                          ("output_tokens", "inf"), ("piece", "x"), ("month", "abc")])
def test_a_sum_that_is_not_a_whole_number_is_refused(files, tmp_path, column, value):
    row = _priced_row(files)
    path = _edited(files, tmp_path, "sums.csv", column, value, row)
    allowed = "a whole number" if column in ("piece", "month") else "a whole number >= 0"
    with pytest.raises(CostcalcError) as caught:
        reprice_sums(path, files / "plan.parquet", ["month"])
    assert str(caught.value) == f"{path}: row {row + 1}: {column}: {value!r}: must be {allowed}"


def test_the_wrong_money_case_exits_1_with_one_line(files, tmp_path):
    """1.2345678901234567e+20 input tokens used to read as 1 token and print a bill, exit 0."""
    _edited(files, tmp_path, "sums.csv", "input_tokens", "1.2345678901234567e+20", _priced_row(files))
    (tmp_path / "plan.parquet").write_bytes((files / "plan.parquet").read_bytes())
    run = run_cli("reprice", "--sums", "sums.csv", "--plan", "plan.parquet", cwd=tmp_path)
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr.count("\n") == 1 and "'1.2345678901234567e+20': must be a whole number >= 0" in run.stderr
    assert "sums.csv: row" in run.stderr and "Traceback" not in run.stderr and "internal error" not in run.stderr


@pytest.mark.parametrize("column", ["input_tokens", "plan_sha256", "piece", "month"])
def test_a_missing_column_is_named(files, tmp_path, column):
    path = _edited(files, tmp_path, "sums.csv", column, None)
    with pytest.raises(CostcalcError, match=f"^{path}: missing column {column}: the sums need "):
        reprice_sums(path, files / "plan.parquet", ["month"])


def test_the_problems_list_is_checked_against_the_plan_and_the_sums(files, tmp_path):
    problems = pd.read_csv(files / "problems.csv", dtype=str, keep_default_na=False)
    assert len(problems) == 1 and problems["plan_sha256"][0]  # the problems SQL says which plan it ran
    cases = {"-99999": "piece: -99999: must be an error of this plan", "0": "piece: 0: must be an error of this plan"}
    for value, message in cases.items():
        path = _edited(files, tmp_path, "problems.csv", "piece", value)
        with pytest.raises(CostcalcError, match=f"^{path}: row 1: {message}, -1 to -"):
            reprice_sums(files / "sums.csv", files / "plan.parquet", ["month"], problems=path)
    # another error id of the plan: the sums report no record of it, so it would give another record's reason
    other = str(int(problems["piece"][0]) - 1)
    path = _edited(files, tmp_path, "problems.csv", "piece", other)
    with pytest.raises(CostcalcError, match=f"row 1: 1 records listed with piece {other}, the sums report 0"):
        reprice_sums(files / "sums.csv", files / "plan.parquet", ["month"], problems=path)
    # more problems than the sums report (one record reported): refused
    pd.concat([problems, problems]).to_csv(tmp_path / "twice.csv", index=False)
    with pytest.raises(CostcalcError, match=r"twice\.csv: row 2: 2 records listed with piece .*, the sums report 1"):
        reprice_sums(files / "sums.csv", files / "plan.parquet", ["month"], problems=tmp_path / "twice.csv")
    path = _edited(files, tmp_path, "problems.csv", "plan_sha256", "0" * 64)
    with pytest.raises(CostcalcError, match=f"^{path}: computed with plan 0000"):
        reprice_sums(files / "sums.csv", files / "plan.parquet", ["month"], problems=path)
    path = _edited(files, tmp_path, "problems.csv", "plan_sha256", None)
    with pytest.raises(CostcalcError, match=f"^{path}: missing column plan_sha256: the problems need "):
        reprice_sums(files / "sums.csv", files / "plan.parquet", ["month"], problems=path)


def test_a_by_other_than_the_sqls_is_refused(files, tmp_path):
    """Month sums read --by day used to date every row 1970-01-01, exit 0."""
    (tmp_path / "plan.parquet").write_bytes((files / "plan.parquet").read_bytes())
    (tmp_path / "sums.csv").write_bytes((files / "sums.csv").read_bytes())
    run = run_cli("reprice", "--sums", "sums.csv", "--plan", "plan.parquet", "--by", "day", cwd=tmp_path)
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "sums.csv: grouped_by: 'month': the sums were grouped by that, not by 'day' as asked" in run.stderr
    with pytest.raises(CostcalcError, match="not by 'month,tag:team' as asked"):
        reprice_sums(files / "sums.csv", files / "plan.parquet", ["month", "tag:team"])
    assert reprice_sums(files / "sums.csv", files / "plan.parquet", ["month"]).total_usd == EXPECTED


@pytest.mark.parametrize("mapping,message", [
    ("timestmp=ts", "'timestmp' is not a usage column"), ("model", "use SCHEMA=COLUMN pairs"),
    ("model=a,model=b", "model is mapped twice"), ("prompt_tokens=p", "prompt_tokens=p: the SQL maps timestamp")])
def test_sql_reprice_checks_its_map(files, mapping, message):
    """--map timestmp=ts used to print the same SQL as no map, exit 0."""
    run = run_cli("sql", "reprice", "--plan", "plan.parquet", "--table", "usage", "--map", mapping, cwd=files)
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr.count("\n") == 1 and "Invalid value for --map" in run.stderr and message in run.stderr


def test_sql_reprice_maps_source_and_line(files):
    base = ["sql", "reprice", "--plan", "plan.parquet", "--table", "usage"]
    plain, mapped = (run_cli(*base, *extra, cwd=files)
                     for extra in ([], ["--map", "timestamp=ts,source='usage.csv',line=line_no"]))
    assert plain.exit_code == mapped.exit_code == 0, (plain.stderr, mapped.stderr)
    plain, mapped = plain.stdout, mapped.stdout
    assert '"ts"' in mapped and "'usage.csv' AS src" in mapped and '"line_no" AS line' in mapped
    assert '"ts"' not in plain


PLAN = ["-m", "costcalc", "sql", "plan", "--from", "2026-05-01", "--until", "2026-06-01", "--models", "gpt-5.5"]


def test_sql_plan_refuses_a_name_it_cannot_read_back(tmp_path):
    run = run_cli(*PLAN[2:], "--output", "x.txt", cwd=tmp_path)
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr.count("\n") == 1 and "x.txt: a plan file is named .parquet" in run.stderr
    assert list(tmp_path.iterdir()) == []


def test_sql_plan_without_pyarrow_says_what_to_do(tmp_path):
    blocked = "import sys, runpy; sys.modules['pyarrow'] = None; sys.argv[0] = 'costcalc'; runpy.run_module('costcalc')"
    run = subprocess.run([sys.executable, "-c", blocked, *PLAN[2:], "--output", "plan.parquet"], cwd=tmp_path,
                         capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert (run.returncode, run.stdout) == (1, "")
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr and "internal error" not in run.stderr
    assert "needs pyarrow: pip install 'costcalc[parquet]', or --output plan.csv" in run.stderr
    assert list(tmp_path.iterdir()) == []


def test_write_plan_writes_what_read_plan_reads(tmp_path):
    """The docstring's write_plan(plan, "plan.parquet") exists, and so does the .csv form (with its .json)."""
    from costcalc.api_engines import read_plan, write_plan

    plan = compile_plan("2026-05-01", "2026-06-01", models=["gpt-5.5"])
    for name in ("plan.parquet", "plan.csv"):
        written = write_plan(plan, tmp_path / name)
        assert written == [str(tmp_path / name)] + ([str(tmp_path / name) + ".json"] if name.endswith(".csv") else [])
        assert read_plan(tmp_path / name).sha256 == plan.sha256
    with pytest.raises(CostcalcError, match=r"a plan file is named \.parquet"):
        write_plan(plan, tmp_path / "plan.txt")


def test_the_sql_route_gives_the_readers_reason_for_a_bad_count(tmp_path):
    """A negative count, or a NULL required one, is what the readers refuse while reading: the SQL route
    reports it with their reason (it said "not covered by this plan"); a NULL optional count is 0, as an
    absent one is to the readers. The one good record: 1,000 input + 100 output tokens of gpt-5.5 standard,
    by hand 1,000 x 5 / 1,000,000 + 100 x 30 / 1,000,000 = 0.005 + 0.003 = 0.008 USD."""
    plan = compile_plan("2026-05-01", "2026-06-01", models=["gpt-5.5"])
    usage = pd.DataFrame({"timestamp": pd.to_datetime(["2026-05-05T12:00:00Z"] * 4), "provider": "openai",
                          "model": "gpt-5.5", "input_tokens": pd.array([-5000, None, 1000, 10], dtype="Int64"),
                          "output_tokens": pd.array([1, 1, 100, 1], dtype="Int64"), "service_tier": "standard",
                          **ZERO, "line": [2, 3, 4, 5]})
    usage["cached_tokens"] = pd.array([0, 0, None, 0], dtype="Int64")
    usage["web_search_calls"] = pd.array([0, 0, 0, -2], dtype="Int64")
    con = duckdb.connect()
    con.register("usage", usage)
    con.register("costcalc_segments", pd.DataFrame(plan.segments, columns=list(SEGMENT_COLUMNS)))
    mapping = {"line": "line", "source": "'usage.csv'"}
    sums = _rows(con, reprice_sql(plan, "usage", by=["month"], mapping=mapping))
    problems = _rows(con, reprice_sql(plan, "usage", mapping=mapping, problems=True))
    result = reprice_sums(sums, plan, ["month"], problems=problems)
    assert (result.priced, result.reported) == (1, 3)
    assert result.total_usd == Decimal("0.005") + Decimal("0.003")
    assert [str(p) for p in result.problems] == [
        "usage.csv:2: input_tokens: -5000: must be a whole number of tokens >= 0",
        "usage.csv:3: input_tokens: missing; must be a whole number of tokens >= 0",
        "usage.csv:5: web_search_calls: -2: must be a whole number of calls >= 0"]


def test_the_sql_route_refuses_counts_of_10_15_or_more_as_the_readers_do(tmp_path):
    """The readers refuse a count of 10^15 or more ("more tokens than costcalc counts in one record (below
    10^15)", usage/formats/common.py); the SQL route reports the same records with the same lines, also
    one whose counts would overflow a 64-bit prompt sum (2**62 input + 2**62 cached: no engine error). The
    one good record: 1,000 input + 100 output tokens of gpt-5.5 standard (input 5.00, output 30.00 USD per
    1M): 1,000 x 5 / 1,000,000 + 100 x 30 / 1,000,000 = 0.005 + 0.003 = 0.008 USD."""
    records = [{"input_tokens": 10**15, "output_tokens": 1}, {"input_tokens": 2**62, "cached_tokens": 2**62,
                                                             "output_tokens": 1},
               {"input_tokens": 10, "output_tokens": 10**15}, {"input_tokens": 10, "output_tokens": 1,
                                                               "web_search_calls": 10**15},
               {"input_tokens": 1000, "output_tokens": 100}]
    log = tmp_path / "usage.jsonl"
    log.write_text("".join(json.dumps({"timestamp": "2026-05-05T12:00:00Z", "provider": "openai",
                                       "model": "gpt-5.5", **r}) + "\n" for r in records))
    local = reprice_totals([str(log)], format="costcalc")
    plan = compile_plan("2026-05-01", "2026-06-01", models=["gpt-5.5"])
    usage = pd.DataFrame([{**ZERO, **r} for r in records]).assign(
        timestamp=pd.Timestamp("2026-05-05T12:00:00Z"), provider="openai", model="gpt-5.5", service_tier="",
        line=range(1, 6))
    con = duckdb.connect()
    con.register("usage", usage)
    con.register("costcalc_segments", pd.DataFrame(plan.segments, columns=list(SEGMENT_COLUMNS)))
    mapping = {"line": "line", "source": "'" + str(log).replace("'", "''") + "'"}
    sums = _rows(con, reprice_sql(plan, "usage", by=["month"], mapping=mapping))
    problems = _rows(con, reprice_sql(plan, "usage", mapping=mapping, problems=True))
    result = reprice_sums(sums, plan, ["month"], problems=problems)
    assert (result.priced, result.reported) == (local.priced, local.reported) == (1, 4)
    assert result.total_usd == local.total_usd == Decimal("0.005") + Decimal("0.003")
    assert [str(p) for p in result.problems] == [str(p) for p in local.problems] == [
        f"{log}:1: input_tokens: 1000000000000000: more tokens than costcalc counts in one record (below 10^15)",
        f"{log}:2: input_tokens: 4611686018427387904: more tokens than costcalc counts in one record (below 10^15)",
        f"{log}:3: output_tokens: 1000000000000000: more tokens than costcalc counts in one record (below 10^15)",
        f"{log}:4: web_search_calls: 1000000000000000: more calls than costcalc counts in one record (below 10^15)"]


def _rows(con, sql: str) -> pd.DataFrame:
    cursor = con.execute(sql)
    return pd.DataFrame(cursor.fetchall(), columns=[c[0] for c in cursor.description])
