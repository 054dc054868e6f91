"""Budgets (issue 12, item 3): `--budget AMOUNT` (monthly, the chosen plan's total, shown currency) and
`budgets:` in the workloads file (per plan, profile or tag; monthly and/or for the period), by hand.

Prices as in test_plans (USD per 1M tokens: alpha in 1 / out 2; beta in 2 / out 1; gamma in 4 / out 4).
p1 grows 10% a month: 1,000,000, 1,100,000, 1,210,000 requests x (1,000 in, 100 out):

    p1 on alpha   1,200    1,320    1,452     (1,000 + 200 per 1,000,000 requests)
    p2 on alpha     147      147      147     (70,000 x (100 in, 1,000 out): 7 + 140)
    p3 on gamma     520      520      520     (13,000 x (5,000 in, 5,000 out): 260 + 260; use: gamma)
    plan current  1,867    1,987    2,119     running total 1,867, 3,854, 5,973
    p2 on beta       84;  p3 on beta 195:  plan cheapest 1,479, 1,599, 1,731
"""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal as D

import pytest
from click.testing import CliRunner

from costcalc.cli import cli

from .helpers import abc_table

# alpha 1 input / 2 output, beta 2 / 1, gamma 4 / 4 USD per 1M tokens
PRICES = abc_table("plans-test")

WORKLOADS = """schema_version: 1
profiles:
  p1: {requests_per_month: 1000000, input_tokens: 1000, output_tokens: 100, models: [alpha, beta, gamma],
       growth_per_month: 0.1, tags: {team: x}}
  p2: {requests_per_month: 70000, input_tokens: 100, output_tokens: 1000, models: [alpha, beta, gamma],
       tags: {team: x}}
  p3: {requests_per_month: 13000, input_tokens: 5000, output_tokens: 5000, models: [beta, alpha, gamma],
       use: gamma}
budgets:
  - {plan: current, period: 4000}
  - {profile: p1, monthly: 1300}
  - {tag: team=x, period: 3000}
  - {plan: cheapest, monthly: 1500}
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "prices.yaml").write_text(PRICES)
    (tmp_path / "w.yaml").write_text(WORKLOADS)
    return tmp_path


def run(files, *args, workloads="w.yaml"):
    return CliRunner().invoke(cli, ["estimate", str(files / workloads), "--prices", str(files / "prices.yaml"),
                                    "--start", "2026-12", "--months", "3", *map(str, args)])


def budgets(files, *args) -> list[dict]:
    result = run(files, "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["budgets"]


def test_monthly_budget_option_flags_the_overrun(files):
    budget = budgets(files, "--budget", "1950")[-1]
    assert (budget["scope"], budget["name"], budget["currency"], budget["source"]) == ("plan", "current", "USD",
                                                                                    "--budget")
    assert [D(m["spend"]) for m in budget["months"]] == [D(1867), D(1987), D(2119)]
    assert [D(m["headroom"]) for m in budget["months"]] == [D(83), D(-37), D(-169)]
    assert [m["over"] for m in budget["months"]] == [False, True, True]
    assert budget["over_months"] == [{"month": "2027-01", "overrun": "37"}, {"month": "2027-02", "overrun": "169"}]
    assert budget["least_headroom"] == {"month": "2027-02", "headroom": "-169"}


def test_period_budget_runs_out(files):
    plan, profile, tag, cheapest = budgets(files)
    # plan current, 4,000 for the period: 1,867 + 1,987 = 3,854 fits, + 2,119 = 5,973 does not
    assert plan["runs_out"] == "2027-02" and D(plan["period_left"]) == 4000 - 5973
    assert [D(m["period_left"]) for m in plan["months"]] == [D(2133), D(146), D(-1973)]
    # p1 on the chosen plan's model (alpha), 1,300 a month: over in 2027-01 (1,320) and 2027-02 (1,452)
    assert profile["plan"] == "current" and profile["profiles"] == ["p1"]
    assert profile["over_months"] == [{"month": "2027-01", "overrun": "20"}, {"month": "2027-02", "overrun": "152"}]
    # tag team=x (p1 + p2 on alpha): 1,347, 1,467, 1,599; 3,000 for the period runs out in 2027-02
    assert tag["profiles"] == ["p1", "p2"] and tag["runs_out"] == "2027-02"
    assert [D(m["cumulative"]) for m in tag["months"]] == [D(1347), D(2814), D(4413)]
    # plan cheapest, 1,500 a month: 1,479 fits; 1,599 and 1,731 do not
    assert cheapest["over_months"] == [{"month": "2027-01", "overrun": "99"}, {"month": "2027-02", "overrun": "231"}]


def test_a_period_budget_that_lasts(files):
    (files / "ok.yaml").write_text(WORKLOADS.split("budgets:")[0] + "budgets:\n  - {plan: current, period: 6000}\n")
    [budget] = json.loads(run(files, "--format", "json", workloads="ok.yaml").stdout)["budgets"]
    assert budget["runs_out"] is None and D(budget["period_left"]) == 6000 - 5973
    flat = " ".join(run(files, workloads="ok.yaml").stdout.split())
    assert "the period budget lasts: 27.00 USD left at the period's end" in flat


@pytest.mark.slow
def test_budgets_in_every_format(files, tmp_path):
    text = run(files, "--budget", "1950").stdout
    assert max(len(line) for line in text.splitlines()) <= 100
    flat = " ".join(text.split())
    assert ("plan current, 1,950.00 USD a month (--budget): over budget in 2 of 3 months: 2027-01 by 37.00 USD, "
            "2027-02 by 169.00 USD") in flat
    assert "the period budget runs out in 2027-02; 1,973.00 USD over by the period's end" in flat
    assert re.search(r"2027-01\s+1,987\.00\s+-37\.00\s+over", text)
    markdown = run(files, "--budget", "1950", "--format", "markdown").stdout
    assert "## Budgets" in markdown and "| 2027-01 | 1,987.00 | -37.00 | over |" in markdown
    csv_text = run(files, "--budget", "1950", "--format", "csv").stdout
    rows = [r for r in csv.reader(io.StringIO(csv_text)) if r and r[0] == "# budget"]
    over = [dict(c.split("=", 1) for c in r[1:]) for r in rows]
    assert {"scope": "plan", "name": "current", "month": "2027-02", "headroom": "-169", "over": "true"}.items() <= \
        next(o for o in over if o["month"] == "2027-02" and o["monthly"] == "1950").items()
    status = [r for r in csv.reader(io.StringIO(csv_text)) if r and r[0] == "# budget status"]
    assert any("runs_out=2027-02" in r and "name=current" in r for r in status)
    html = run(files, "--budget", "1950", "--format", "html").stdout
    assert '<tr class="over"><td>2027-01</td><td class="money">1,987.00</td><td class="money">-37.00</td>' in html
    assert "the period budget runs out in 2027-02" in html
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "b.xlsx"
    assert run(files, "--budget", "1950", "--format", "xlsx", "--output", out).exit_code == 0
    cells = [r for r in openpyxl.load_workbook(out)["Plan"].iter_rows(values_only=True)]
    assert any(r[0] == "2027-01" and r[2] == -37 and r[3] == "over" for r in cells)
    assert any(str(r[0]).startswith("Budget: plan current, 4,000.00 USD for the period") and "runs out in 2027-02"
               in str(r[0]) for r in cells)


def test_a_budget_in_another_currency(files):
    (files / "eur.yaml").write_text(WORKLOADS.split("budgets:")[0]
                                    + "budgets:\n  - {plan: current, monthly: 1000, currency: EUR}\n")
    result = run(files, workloads="eur.yaml")
    assert result.exit_code == 1 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert f"{files / 'eur.yaml'}:10: budget in EUR: the estimate is shown in USD" in line
    result = run(files, "--currency", "EUR", "--fx", "EUR=0.5", "--format", "json", workloads="eur.yaml")
    [budget] = json.loads(result.stdout)["budgets"]
    # 1,867 / 1,987 / 2,119 USD x 0.5 = 933.50 / 993.50 / 1,059.50 EUR
    assert [D(m["spend"]) for m in budget["months"]] == [D("933.5"), D("993.5"), D("1059.5")]
    assert budget["over_months"] == [{"month": "2027-02", "overrun": "59.5"}]
    # --budget is in the shown currency
    [budget] = json.loads(run(files, "--currency", "EUR", "--fx", "EUR=0.5", "--budget", "950", "--format",
                              "json", workloads="eur.yaml").stdout)["budgets"][1:]
    assert budget["currency"] == "EUR" and [m["over"] for m in budget["months"]] == [False, True, True]


@pytest.mark.parametrize("entry, key, phrase", [
    ("{plan: nope, monthly: 1}", "budgets[0].plan", "unknown plan; plans: current, cheapest, all on alpha"),
    ("{profile: p9, monthly: 1}", "budgets[0].profile", "no profile of that name"),
    ("{tag: team=y, monthly: 1}", "budgets[0].tag", "no profile has this tag"),
    ("{tag: team, monthly: 1}", "budgets[0].tag", "must be KEY=VALUE"),
    ("{plan: current, profile: p1, monthly: 1}", "budgets[0]", "name exactly one of plan, profile or tag"),
    ("{plan: current}", "budgets[0]", "give monthly and/or period"),
    ("{plan: current, monthly: -5}", "budgets[0].monthly", "an amount of money above 0"),
    ("{plan: current, monthly: 0}", "budgets[0].monthly", "an amount of money above 0"),
    ("{plan: current, monthly: 1.005}", "budgets[0].monthly", "decimal places"),
    ("{plan: current, yearly: 5}", "budgets[0].yearly", "unknown key"),
    ("{plan: current, monthly: 5, currency: euro}", "budgets[0].currency", "three-letter currency code"),
])
def test_bad_budgets_are_one_line(files, entry, key, phrase):
    text = WORKLOADS.split("budgets:")[0] + f"budgets:\n  - {entry}\n"
    (files / "bad.yaml").write_text(text)
    result = run(files, workloads="bad.yaml")
    assert result.exit_code == 1 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"costcalc: {files / 'bad.yaml'}:10: {key}"), line  # the budget's line
    assert phrase in line and "Traceback" not in line


@pytest.mark.parametrize("value", ["-1", "0", "abc", "1e400", "12.345", "nan"])
def test_bad_budget_option_is_a_usage_error(files, value):
    result = run(files, "--budget", value)
    assert result.exit_code == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "--budget" in line and "amount of money above 0" in line
