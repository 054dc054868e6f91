"""The workloads file's top-level `units:` (issue 16 item 4, "Cost per user and per conversation for a plan"):
every plan's total across all its profiles divided by the product's units, per month and over the period,
in the document (plans[].units), the headline table, CSV, HTML and the XLSX Plan sheet. Amounts by hand."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from click.testing import CliRunner

from costcalc.cli import cli
from tests.test_comparisons import LATE, LATE_WORKLOADS

from .helpers import SIX_TURN_CHAT, TWELVE_STEP_AGENT

# chat: the 6-turn conversation of tests/test_shapes.py (helpers.SIX_TURN_CHAT: 0.09875 USD per conversation on
# claude-opus-4-7, 1,000 conversations a day); summaries: a plain profile, 100 requests a day of 10,000 input and 1,000
# output tokens on claude-opus-4-7 (input 5, output 25 USD per 1M):
#   10,000 x 5 / 1M + 1,000 x 25 / 1M = 0.05 + 0.025 = 0.075 USD per request.
PLAN = """\
schema_version: 1
units: {user: 10000, conversation: derived, ticket: {per_request: 0.5}, request: derived}
profiles:
""" + SIX_TURN_CHAT + """\
  summaries:
    models: [claude-opus-4-7]
    tokens_counted_with: claude-opus-4.7-estimate
    requests_per_day: 100
    input_tokens: 10000
    output_tokens: 1000
"""
# January 2027 (31 days): chat 31,000 conversations x 0.09875 = 3,061.25; summaries 3,100 x 0.075 = 232.50;
#   the plan: 3,293.75 USD.
# February 2027 (28 days): chat 28,000 x 0.09875 = 2,765.00; summaries 2,800 x 0.075 = 210.00; plan 2,975.00.
# The period: 3,293.75 + 2,975.00 = 6,268.75 USD.
JAN, FEB, PERIOD = D("3293.75"), D("2975.00"), D("6268.75")
# per user (10,000 a month, a stock: the same 10,000 users both months): 3,293.75 / 10,000 = 0.329375;
# 2,975 / 10,000 = 0.2975; over the period 6,268.75 / 10,000 = 0.626875 (not / 20,000 user-months)
PER_USER = [D("0.329375"), D("0.2975")], D("0.626875")
# per conversation (the chat profile's only; summaries has none): 3,293.75 / 31,000 = 0.10625;
#   2,975 / 28,000 = 0.10625; 6,268.75 / 59,000 = 0.10625
PER_CONVERSATION = [D("0.10625"), D("0.10625")], D("0.10625")
# requests: January 31,000 x 6 turns + 3,100 = 189,100; February 28,000 x 6 + 2,800 = 170,800.
# tickets, 0.5 a request: 94,550 and 85,400.


def run(tmp_path, fmt: str, text: str = PLAN, *extra: str):
    path = tmp_path / "w.yaml"
    path.write_text(text)
    out = tmp_path / f"r.{fmt}"
    result = CliRunner().invoke(cli, ["estimate", str(path), "--start", "2027-01", "--months", "2", "--format", fmt,
                                      "--output", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out


def test_plan_cost_per_user_and_per_conversation_in_json(tmp_path):
    document = json.loads(run(tmp_path, "json").read_text())
    current = document["plans"][0]
    assert current["name"] == "current" and [D(m["cost_usd"]) for m in current["months"]] == [JAN, FEB]
    units = {u["unit"]: u for u in current["units"]}
    assert list(units) == ["user", "conversation", "ticket", "request"]
    for name, (months, period) in (("user", PER_USER), ("conversation", PER_CONVERSATION)):
        assert [D(m["per_unit"]["cost_usd"]) for m in units[name]["months"]] == months
        assert [m["mark"] for m in units[name]["months"]] == [None, None]
        assert D(units[name]["per_unit"]["cost_usd"]) == period
        assert D(units[name]["per_unit"]["cost"]) == period  # shown in USD: the same figure
    assert [D(m["count"]) for m in units["user"]["months"]] == [10000, 10000]
    assert D(units["user"]["count"]) == 10000 and units["user"]["stock"] is True  # the same users, not 20,000
    assert [D(m["count"]) for m in units["conversation"]["months"]] == [31000, 28000]
    assert [D(m["count"]) for m in units["request"]["months"]] == [189100, 170800]
    assert [D(m["count"]) for m in units["ticket"]["months"]] == [94550, 85400]
    # 3,293.75 / 94,550 tickets, to 50 significant digits (money.DIVIDE); exact would not terminate
    assert D(units["ticket"]["months"][0]["per_unit"]["cost_usd"]).quantize(D("1e-15")) == \
        (JAN / 94550).quantize(D("1e-15"))
    # every plan has them (the same models here: the same figures)
    assert all(D(p["units"][0]["per_unit"]["cost_usd"]) == PER_USER[1] for p in document["plans"])
    # the per-profile figures do not add up to this: the plan's own is the plan's total over the product's users
    assert "units" not in current["profiles"][0]


def test_plan_cost_per_unit_in_the_table_and_markdown(tmp_path):
    text = run(tmp_path, "table").read_text()
    section = text.split("Cost per unit, plan current (USD)", 1)[1]
    rows = [line.split() for line in section.splitlines()]
    assert "plan per user" in section and "plan per conversation" in section
    # each amount rounded on its own to six places: 0.626875 stays 0.626875
    assert rows[[r[:1] for r in rows].index(["2027-01"])][:3] == ["2027-01", "0.329375", "0.106250"]
    assert rows[[r[:1] for r in rows].index(["2027-02"])][:3] == ["2027-02", "0.297500", "0.106250"]
    assert rows[[r[:1] for r in rows].index(["period"])][:3] == ["period", "0.626875", "0.106250"]
    assert ("plan: user 10,000 a month (a count per month: the period's cost over it); plan: conversation 59,000"
            in " ".join(section.split()))
    markdown = run(tmp_path, "markdown").read_text()
    assert "| 2027-01 | 0.329375 | 0.106250 |" in markdown and "| period | 0.626875 | 0.106250 |" in markdown


def test_plan_cost_per_unit_in_csv_and_html(tmp_path):
    rows = [line for line in run(tmp_path, "csv").read_text().splitlines() if line.startswith("# plan unit cost,")]
    # 3 plans (current, cheapest, all on claude-opus-4-7) x 4 units x (2 months + the period)
    assert len(rows) == 36
    assert ("# plan unit cost,plan=current,unit=user,month=2027-01,units=10000,cost_usd=0.329375,cost=0.329375,"
            "currency=USD,mark=") in rows
    assert ("# plan unit cost,plan=current,unit=conversation,month=total,units=59000,cost_usd=0.10625,"
            "cost=0.10625,currency=USD,mark=") in rows
    html = run(tmp_path, "html").read_text()
    table = html.split('<table class="plan-unit-costs">', 1)[1].split("</table>", 1)[0]
    assert "plan per user (USD)" in table and "plan per conversation (USD)" in table
    assert "0.329375" in table and "0.626875" in table


def test_plan_cost_per_unit_on_the_xlsx_plan_sheet(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = run(tmp_path, "xlsx")
    rows = [r for r in openpyxl.load_workbook(out)["Plan"].iter_rows(values_only=True) if r and r[0] == "plan"]
    cells = {(r[1], r[2]): (r[3], r[4]) for r in rows}
    assert cells[("user", "2027-01")] == (10000, pytest.approx(0.329375))
    assert cells[("user", "2027-02")] == (10000, pytest.approx(0.2975))
    assert cells[("user", "period (units a month)")] == (10000, pytest.approx(0.626875))
    assert cells[("conversation", "2027-01")] == (31000, pytest.approx(0.10625))
    assert cells[("conversation", "period")] == (59000, pytest.approx(0.10625))


def test_a_month_the_plan_leaves_out_has_no_cost_per_unit(tmp_path):
    """LATE (tests/test_comparisons.py): plan current puts p3 on `late`, which has no price in 2026-12 and
    part of 2027-01, so its total leaves both months out: no cost per user there (n/a) nor over the period.
    Plan `all on alpha` covers both: p1 1,200.00 + p3 9,300.00 = 10,500.00 a month; per user (1,000 a month)
    10.50; the period 21,000.00 / 1,000 users (a stock, not 2,000 user-months) = 21.00."""
    (tmp_path / "prices.yaml").write_text(LATE)
    text = LATE_WORKLOADS.replace("profiles:\n", "units: {user: 1000}\nprofiles:\n", 1)
    path = tmp_path / "w.yaml"
    path.write_text(text)
    runner = CliRunner()
    args = ["estimate", str(path), "--prices", str(tmp_path / "prices.yaml"), "--start", "2026-12", "--months", "2"]
    result = runner.invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    plans = {p["name"]: p for p in json.loads(result.output)["plans"]}
    user = plans["current"]["units"][0]
    assert [(m["month"], m["per_unit"], m["mark"]) for m in user["months"]] == [
        ("2026-12", None, "n/a"), ("2027-01", None, "n/a")]
    assert user["per_unit"] is None and D(user["count"]) == 1000
    alpha = plans["all on alpha"]["units"][0]
    assert [D(m["per_unit"]["cost_usd"]) for m in alpha["months"]] == [D("10.5"), D("10.5")]
    assert D(alpha["per_unit"]["cost_usd"]) == D("21")
    table = runner.invoke(cli, args).output.split("Cost per unit, plan current", 1)[1]
    rows = [line.split() for line in table.splitlines()]
    assert ["2026-12", "n/a"] in rows and ["period", "n/a"] in rows


@pytest.mark.parametrize(("units", "message"), [
    ("{user: 0}", "units.user: 0: must be above 0 (a cost per unit divides by it)"),
    ("{task: derived}", "units.task: 'derived': only request, conversation can be derived here"),
    ("{User: 5}", "units.User: 'User': a unit name is lower case"),
    ("{}", "units: {}: must name at least one unit"),
    ("{ticket: {per_request: -1}}", "units.ticket.per_request: -1: must be units per request > 0"),
])
def test_bad_top_level_units_are_one_clear_line(tmp_path, units, message):
    path = tmp_path / "w.yaml"
    path.write_text(PLAN.replace("units: {user: 10000, conversation: derived, ticket: {per_request: 0.5}, "
                                 "request: derived}", f"units: {units}"))
    result = CliRunner().invoke(cli, ["estimate", str(path), "--start", "2027-01", "--months", "1"])
    assert result.exit_code == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"costcalc: {path}:2: {message}")


def test_a_saved_document_with_a_bad_plan_unit_count_is_refused(tmp_path):
    out = run(tmp_path, "json")
    document = json.loads(out.read_text())
    document["meta"]["plan_units"][0]["count"] = "many"
    out.write_text(json.dumps(document))
    result = CliRunner().invoke(cli, ["render", str(out), "--format", "csv"])
    assert result.exit_code != 0 and result.stdout == ""
    assert "meta.plan_units[0].count: 'many': must be a finite decimal number" in result.stderr


def test_derived_plan_units_sum_over_the_profiles_and_the_documents_validate(tmp_path):
    """chat (1,000 conversations a day, 6 turns) and the agent of tests/test_shapes.py (100 tasks a day, 12
    steps, 5% failures retried once): in January 2027 the product's tasks are the agent's 3,100 (chat has
    none) and its requests the users' 31,000 x 6 + 3,100 x 12 = 186,000 + 37,200 = 223,200 (the retries the
    model receives are not units). The document and the workloads file validate against their schemas."""
    import jsonschema
    import yaml

    from costcalc import schemas
    text = ("schema_version: 1\nunits: {task: derived, request: derived, user: 500}\nprofiles:\n" + SIX_TURN_CHAT
            + TWELVE_STEP_AGENT)
    document = json.loads(run(tmp_path, "json", text).read_text())
    current = document["plans"][0]
    units = {u["unit"]: u for u in current["units"]}
    assert [D(m["count"]) for m in units["task"]["months"]] == [3100, 2800]
    assert D(units["request"]["months"][0]["count"]) == 223200
    assert D(units["task"]["months"][0]["per_unit"]["cost_usd"]) == D(current["months"][0]["cost_usd"]) / 3100
    validator = jsonschema.Draft202012Validator(schemas.build("estimate"))
    assert [e.message for e in validator.iter_errors(document)] == []
    workloads = jsonschema.Draft202012Validator(schemas.build("workloads"))
    assert [e.message for e in workloads.iter_errors(yaml.safe_load(text))] == []
    assert list(workloads.iter_errors(yaml.safe_load(text.replace("user: 500", "user: 0"))))
