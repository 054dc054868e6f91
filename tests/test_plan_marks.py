"""Plans, budgets and comparisons over a model missing for part of the period (reviewer findings on
issue 12's area). gemini-3.6-flash launches 2026-07-21T00:00Z (pricing.yaml), so over 2026-06..08 it
has no price in June (n/a), part of July (partial) and all of August.

By hand, from pricing.yaml's rates per 1M tokens (input, output), 1,000 requests a day of 1,000 input
and 100 output tokens:
  gemini-3.6-flash  0.75 / 3.75  -> 1000 x (1000 x 0.75 + 100 x 3.75) / 1e6 = 1.125 a day
                                    July (21st..31st: 11 days) 12.375; August (31 days) 34.875
Both profiles a and b are the same workload, so plan 'all on gemini-3.6-flash' is twice that:
  2026-06 n/a, 2026-07 24.75 (partial), 2026-08 69.75.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal as D

import pandas as pd
import pytest
from click.testing import CliRunner

import costcalc
from costcalc.cli import cli
from costcalc.report.document import to_document

WORKLOADS = """schema_version: 1
profiles:
  a: {requests_per_day: 1000, input_tokens: 1000, output_tokens: 100, models: [gemini-3.6-flash, gpt-5.5]}
  b: {requests_per_day: 1000, input_tokens: 1000, output_tokens: 100, models: [gpt-5.4-nano, gemini-3.6-flash]}
"""
GEMINI_DAY = D(1000) * (D(1000) * D("0.75") + D(100) * D("3.75")) / D(1_000_000)  # 1.125
ALL_ON = "all on gemini-3.6-flash"


@pytest.fixture
def workloads(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(WORKLOADS)
    return path


def run(workloads, *args):
    return CliRunner().invoke(cli, ["estimate", str(workloads), "--start", "2026-06", "--months", "3", *args])


def test_plan_month_without_any_price_is_na_not_zero(workloads):
    result = run(workloads, "--plan", ALL_ON, "--format", "json")
    assert result.exit_code == 0, result.output
    plan = next(p for p in json.loads(result.output)["plans"] if p["name"] == ALL_ON)
    months = {m["month"]: m for m in plan["months"]}
    assert D("1.125") == GEMINI_DAY
    assert months["2026-06"]["mark"] == "n/a"
    assert (months["2026-07"]["mark"], D(months["2026-07"]["cost_usd"])) == ("partial", 2 * 11 * GEMINI_DAY)
    assert (months["2026-08"]["mark"], D(months["2026-08"]["cost_usd"])) == (None, 2 * 31 * GEMINI_DAY)
    plan_current = next(p for p in json.loads(result.output)["plans"] if p["name"] == "current")
    # current: a on gemini (n/a in June), b on gpt-5.4-nano (priced): June is partial, not n/a
    assert plan_current["months"][0]["mark"] == "partial"


def test_text_headline_and_budget_say_na(workloads):
    result = run(workloads, "--plan", ALL_ON, "--budget", "30")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    june = [line.split() for line in lines if line.strip().startswith("2026-06")]
    assert june[0] == ["2026-06", "n/a", "n/a", "n/a"]       # plan table: a, b, total
    assert june[1] == ["2026-06", "n/a", "n/a"]              # budget: spend n/a, no headroom, status n/a
    july = [line.split() for line in lines if line.strip().startswith("2026-07")]
    assert july[0][-1] == "24.75*"
    # budget 30 - 24.75 = 5.25 headroom, flagged partial
    assert july[1] == ["2026-07", "24.75*", "5.25", "(partial)"]
    assert "no price in 2026-06 (n/a)" in " ".join(result.output.split())


def test_budget_json_and_csv_marks(workloads):
    doc = json.loads(run(workloads, "--plan", ALL_ON, "--budget", "30", "--format", "json").output)
    june, july, august = doc["budgets"][0]["months"]
    assert june["spend"] is None and june["mark"] == "n/a" and "headroom" not in june and "over" not in june
    assert (D(july["headroom"]), july["mark"], july["over"]) == (D(30) - 2 * 11 * GEMINI_DAY, "partial", False)
    assert (D(august["headroom"]), august["over"]) == (D(30) - 2 * 31 * GEMINI_DAY, True)
    assert doc["budgets"][0]["least_headroom"]["month"] == "2026-08"  # June is not judged
    text = run(workloads, "--plan", ALL_ON, "--budget", "30", "--format", "csv").output
    rows = [dict(f.split("=", 1) for f in row[1:]) for row in csv.reader(io.StringIO(text))
            if row and row[0] in ("# plan", "# budget") and "plan=" + ALL_ON in row]
    plan_rows = {r["month"]: r["mark"] for r in rows if "chosen" in r}
    assert plan_rows == {"2026-06": "n/a", "2026-07": "partial", "2026-08": "", "total": ""}
    budget_rows = {r["month"]: (r["spend"], r["headroom"], r["mark"]) for r in rows if "headroom" in r}
    assert budget_rows["2026-06"] == ("", "", "n/a")


def test_notebook_frames_hold_na_for_months_without_price(workloads):
    df = costcalc.estimate(str(workloads), start="2026-06", months=3)
    totals = costcalc.plan_totals(df)
    june = totals[(totals["plan"] == ALL_ON) & (totals["month"] == "2026-06")]
    assert june["cost_usd"].isna().all() and list(june["mark"]) == ["n/a"]
    plans = costcalc.plans(df)
    rows = plans[(plans["plan"] == ALL_ON) & (plans["month"] == "2026-06")]
    assert rows["cost_usd"].isna().all() and list(rows["mark"]) == ["n/a", "n/a"]
    assert plans[plans["plan"] == ALL_ON]["cost_usd"].sum() == 2 * 42 * GEMINI_DAY  # 11 + 31 days priced
    assert pd.isna(june["cost_usd"].iloc[0])


def test_xlsx_and_html_show_na_for_the_plan_month(workloads, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "e.xlsx"
    assert run(workloads, "--plan", ALL_ON, "--budget", "30", "--format", "xlsx", "--output", str(out)).exit_code == 0
    rows = [r for r in openpyxl.load_workbook(out)["Plan"].iter_rows(values_only=True) if r and r[0] == "2026-06"]
    assert rows[0][:4] == ("2026-06", "n/a", "n/a", "n/a")   # a, b, plan total
    assert rows[1][:2] == ("2026-06", "n/a") and rows[1][3] == "n/a"  # budget: no spend, no status
    html = tmp_path / "e.html"
    assert run(workloads, "--plan", ALL_ON, "--budget", "30", "--format", "html", "--output", str(html)).exit_code == 0
    assert "24.75*" in html.read_text()  # July's plan total and budget spend are flagged partial


# By hand, gpt-5.5 from pricing.yaml (USD per 1M: input 5.00, output 30.00):
#   1000 x (1000 x 5 + 100 x 30) / 1e6 = 8 a day; June 30 + July 31 + August 31 = 92 days -> 736
GPT55 = D(8) * (30 + 31 + 31)
GEMINI = GEMINI_DAY * (11 + 31)  # 47.25: priced from 2026-07-21 only


def test_comparisons_rank_complete_models_first(workloads):
    assert (D(736), D("47.25")) == (GPT55, GEMINI)
    doc = json.loads(run(workloads, "--format", "json").output)
    case = doc["comparisons"]["profiles"][0]["cases"][0]
    by_model = {m["model"]: m for m in case["models"]}
    gemini, gpt = by_model["gemini-3.6-flash"], by_model["gpt-5.5"]
    assert (D(gemini["total"]["cost_usd"]), D(gpt["total"]["cost_usd"])) == (GEMINI, GPT55)
    # gemini is cheaper only for covering less: not complete, ranked after gpt-5.5, not the cheapest
    assert (gemini["complete"], gemini["rank"], gemini["cheapest"]) == (False, 2, False)
    assert (gpt["complete"], gpt["rank"], gpt["cheapest"]) == (True, 1, True)
    assert (case["cheapest"], case["most_expensive"]) == ("gpt-5.5", "gpt-5.5")
    text = run(workloads, "--format", "csv").output
    rows = [dict(f.split("=", 1) for f in row[1:]) for row in csv.reader(io.StringIO(text))
            if row and row[0] == "# comparison" and "profile=a" in row]
    assert {r["model"]: (r["rank"], r["cheapest"], r["complete"]) for r in rows} == {
        "gemini-3.6-flash": ("2", "no", "no"), "gpt-5.5": ("1", "yes", "yes")}


def test_summarize_ranks_complete_models_first(workloads):
    out = costcalc.summarize(costcalc.estimate(str(workloads), start="2026-06", months=3))
    a = out[out["profile"] == "a"].set_index("model")
    assert a.loc["gemini-3.6-flash", "total_usd"] == GEMINI and a.loc["gpt-5.5", "total_usd"] == GPT55
    assert list(a.index) == ["gpt-5.5", "gemini-3.6-flash"]
    assert (bool(a.loc["gpt-5.5", "complete"]), int(a.loc["gpt-5.5", "rank"]), bool(a.loc["gpt-5.5", "cheapest"])) \
        == (True, 1, True)
    assert (bool(a.loc["gemini-3.6-flash", "complete"]), int(a.loc["gemini-3.6-flash", "rank"]),
            bool(a.loc["gemini-3.6-flash", "cheapest"])) == (False, 2, False)


def test_requests_per_month_over_the_months_the_model_has_a_price(workloads):
    # gemini on a: 1,000 a day priced 2026-07-21..08-31 = 11,000 + 31,000 = 42,000 requests. July is
    # partial: 11,000 of the 31,000 July requests gpt-5.5 (priced all month) has, so 11/31 of a month;
    # August whole; June n/a. 42,000 / (11/31 + 1) = 42,000 x 31 / 42 = 31,000 (not 42,000 / 3 = 14,000).
    doc = json.loads(run(workloads, "--plan", ALL_ON, "--format", "json").output)
    plan = next(p for p in doc["plans"] if p["name"] == ALL_ON)
    a = plan["profiles"][0]
    assert (D(a["requests"]), D(a["requests_per_month"])) == (D(42000), D(42000) * 31 / 42)
    current = next(p for p in doc["plans"] if p["name"] == "current")
    b = current["profiles"][1]  # gpt-5.4-nano, priced every day: 92,000 over 3 months
    assert b["model"] == "gpt-5.4-nano" and abs(D(b["requests_per_month"]) * 3 - 92000) < D("1e-40")


def test_a_version_1_document_names_its_cases_by_cost(tmp_path):
    # gpt-5.5 (input 5.00, output 30.00 per 1M), 1,000 requests a day of 1,000 input tokens, output
    # {low 100, high 200}, over 2026-08 (31 days):
    #   low  1000 x (1000 x 5 + 100 x 30) / 1e6 = 8 a day  -> 248
    #   high 1000 x (1000 x 5 + 200 x 30) / 1e6 = 11 a day -> 341
    # A version-1 document named cases by input values; here the saved one has them the wrong way
    # round (low 341, high 248), as a low input with a higher cost would: upgrade() swaps them.
    path = tmp_path / "w.yaml"
    path.write_text("schema_version: 1\nprofiles:\n  p: {requests_per_day: 1000, input_tokens: 1000, "
                    "output_tokens: {low: 100, expected: 150, high: 200}, models: [gpt-5.5]}\n")
    document = to_document(costcalc.estimate(str(path), start="2026-08", months=1, cases=True))
    other = {"low": "high", "high": "low"}
    old = {"meta": {k: v for k, v in document["meta"].items() if k not in ("plan", "user_plans", "budget_rules")},
           "rows": [{**r, "case": other.get(r["case"], r["case"])} for r in document["rows"]],
           "totals": document["totals"], "total_usd": "0"}
    old["meta"]["schema"] = "costcalc.estimate/1"
    old["meta"]["requests"] = [{**e, "case": other.get(e["case"], e["case"])} for e in old["meta"]["requests"]]
    saved = tmp_path / "v1.json"
    saved.write_text(json.dumps(old))
    result = CliRunner().invoke(cli, ["render", str(saved), "--format", "json"])
    assert result.exit_code == 0, result.output
    upgraded = json.loads(result.output)
    by_case: dict[str, D] = {}
    for row in upgraded["rows"]:
        by_case[row["case"]] = by_case.get(row["case"], D(0)) + D(row["cost_usd"])
    assert (by_case["low"], by_case["high"]) == (31 * D(8), 31 * D(11))
    assert any("Cases relabelled by cost" in a for a in upgraded["meta"]["assumptions"])
