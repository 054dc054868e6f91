"""Plans (issue 12, item 1 and 2): a profile's models are alternatives, a plan picks one per profile, and
every figure that adds across profiles is a plan total. Hand-computed on three flat profiles with three
alternatives each, priced by a small overlay:

    rates, USD per 1M tokens:  alpha in 1 / out 2;  beta in 2 / out 1;  gamma in 4 / out 4
    p1  1,000,000 requests/month x (1,000 in, 100 out) = 1,000 Mtok in, 100 Mtok out a month
        alpha 1,000 + 200 = 1,200;  beta 2,000 + 100 = 2,100;  gamma 4,000 + 400 = 4,400
    p2     70,000 requests/month x (100 in, 1,000 out) = 7 Mtok in, 70 Mtok out
        alpha 7 + 140 = 147;  beta 14 + 70 = 84;  gamma 28 + 280 = 308
    p3     13,000 requests/month x (5,000 in, 5,000 out) = 65 Mtok in, 65 Mtok out; lists beta first;
        use: gamma.  beta 130 + 65 = 195;  alpha 65 + 130 = 195;  gamma 260 + 260 = 520

    current   p1 alpha (first), p2 alpha (first), p3 gamma (use:)   1,200 + 147 + 520 = 1,867 a month
    cheapest  p1 alpha, p2 beta, p3 beta (a tie with alpha: listed first)  1,200 + 84 + 195 = 1,479
    all on alpha 1,200 + 147 + 195 = 1,542;  beta 2,100 + 84 + 195 = 2,379;  gamma 4,400 + 308 + 520 = 5,228
    migrate   p1 beta (named), p2 alpha and p3 gamma kept current: 2,100 + 147 + 520 = 2,767

Adding alternatives would give 7,700 (p1) + 539 (p2) + 910 (p3) = 9,149 a month: no output may show it,
nor a profile's alternatives added (7,700, 539, 910 a month; x3 over the period).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from decimal import Decimal as D

import pytest
from click.testing import CliRunner

import costcalc
from costcalc.cli import cli
from costcalc.report.document import to_document, to_frame, upgrade

from .helpers import abc_table, write_files

# alpha 1 input / 2 output, beta 2 / 1, gamma 4 / 4 USD per 1M tokens (helpers.abc_table)
PRICES = abc_table("plans-test")
WORKLOADS = """schema_version: 1
profiles:
  p1: {requests_per_month: 1000000, input_tokens: 1000, output_tokens: 100, models: [alpha, beta, gamma]}
  p2: {requests_per_month: 70000, input_tokens: 100, output_tokens: 1000, models: [alpha, beta, gamma]}
  p3: {requests_per_month: 13000, input_tokens: 5000, output_tokens: 5000, models: [beta, alpha, gamma],
       use: gamma}
plans:
  migrate: {p1: beta}
"""
MONTHS = ["2026-12", "2027-01", "2027-02"]
MONTHLY = {"current": D(1867), "cheapest": D(1479), "all on alpha": D(1542), "all on beta": D(2379),
           "all on gamma": D(5228), "migrate": D(2767)}
CHOICES = {"current": {"p1": "alpha", "p2": "alpha", "p3": "gamma"},
           "cheapest": {"p1": "alpha", "p2": "beta", "p3": "beta"},
           "migrate": {"p1": "beta", "p2": "alpha", "p3": "gamma"}}
# sums over alternatives, a month and the period: what no output may hold
ALTERNATIVE_SUMS = {D(v * k) for v in (9149, 7700, 539, 910) for k in (1, 3)}
PLAN_TOTALS = set(MONTHLY.values()) | {v * 3 for v in MONTHLY.values()}


@pytest.fixture
def files(tmp_path):
    return write_files(tmp_path, {"prices.yaml": PRICES, "w.yaml": WORKLOADS})


def estimate(files, **kwargs):
    return costcalc.estimate(str(files / "w.yaml"), prices=str(files / "prices.yaml"), start="2026-12", months=3,
                             **kwargs)


def run(files, *args):
    result = CliRunner().invoke(cli, ["estimate", str(files / "w.yaml"), "--prices", str(files / "prices.yaml"),
                                      "--start", "2026-12", "--months", "3", *map(str, args)])
    return result


def test_plan_totals_by_hand(files):
    totals = costcalc.plan_totals(estimate(files))
    assert list(dict.fromkeys(totals["plan"])) == list(MONTHLY)
    for plan, monthly in MONTHLY.items():
        part = totals[totals["plan"] == plan]
        assert dict(zip(part["month"], part["cost_usd"])) == {m: monthly for m in MONTHS}
    assert set(totals.loc[totals["chosen"], "plan"]) == {"current"}
    # no `total` row: a plain groupby sum is each plan's period total, counted once (3 months)
    assert totals.groupby("plan", sort=False)["cost_usd"].sum().to_dict() == {p: v * 3 for p, v in MONTHLY.items()}


def test_plans_frame_is_tidy_and_picks_one_model_per_profile(files):
    frame = costcalc.plans(estimate(files))
    assert list(frame.columns) == ["plan", "profile", "model", "month", "cost_usd", "mark"]
    assert frame.attrs["chosen"] == "current"
    for plan, choices in CHOICES.items():
        part = frame[frame["plan"] == plan]
        assert dict(zip(part["profile"], part["model"])) == choices
        assert len(part) == 3 * 3  # one row per profile and month
    migrate = next(p for p in frame.attrs["plans"] if p["name"] == "migrate")
    assert migrate["notes"] == ["keeps the current model of p2 (alpha), p3 (gamma) (not named by the plan)"]
    p2 = frame[(frame["plan"] == "cheapest") & (frame["profile"] == "p2")]
    assert list(p2["cost_usd"]) == [D(84)] * 3


def test_json_document_plans_and_total_usd(files):
    result = run(files, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["meta"]["schema"] == "costcalc.estimate/2"
    assert D(document["total_usd"]) == MONTHLY["current"] * 3
    plans = {p["name"]: p for p in document["plans"]}
    for name, monthly in MONTHLY.items():
        assert [D(m["cost_usd"]) for m in plans[name]["months"]] == [monthly] * 3
        assert D(plans[name]["total"]["cost_usd"]) == monthly * 3
    cheapest = document["headline"]["cheapest"]
    assert cheapest["plan"] == "cheapest" and D(cheapest["saves"]["cost_usd"]) == (1867 - 1479) * 3
    # per profile on its chosen model: requests, cost per request and per 1,000 requests
    p3 = next(p for p in plans["current"]["profiles"] if p["profile"] == "p3")
    assert p3["model"] == "gamma" and D(p3["requests_per_month"]) == 13_000
    assert D(p3["cost_per_request"]["cost_usd"]) == D(520) / 13_000 == D("0.04")
    assert D(p3["cost_per_1k"]["cost_usd"]) == D(40)


def test_plan_option_chooses_the_headline(files):
    document = json.loads(run(files, "--plan", "cheapest", "--format", "json").stdout)
    assert document["meta"]["plan"] == "cheapest" and D(document["total_usd"]) == MONTHLY["cheapest"] * 3
    text = run(files, "--plan", "all on beta").stdout
    assert "Plan all on beta: spend per month" in text
    # 3 x (2,379 - 1,479) = 2,700 of 7,137: 37.8%
    assert "Cheapest plan: cheapest at 4,437.00 USD, saving 2,700.00 USD (37.8%) against plan all on beta." in text


def test_models_option_makes_its_first_model_current(files):
    document = to_document(estimate(files, models=["gamma", "beta", "alpha"]))
    current = next(p for p in document["plans"] if p["name"] == "current")
    assert {p["profile"]: p["model"] for p in current["profiles"]} == {"p1": "gamma", "p2": "gamma", "p3": "gamma"}
    assert D(document["total_usd"]) == MONTHLY["all on gamma"] * 3


def _money_figures(text: str) -> set[D]:
    """Every amount shown with cents (1,710.00) in a text."""
    return {D(m.replace(",", "")) for m in re.findall(r"(?<![\d.])-?\d{1,3}(?:,\d{3})*\.\d{2}(?!\d)", text)}


def _exact_figures(value) -> set[D]:
    """Every decimal number held anywhere in a JSON value (as text or number)."""
    out = set()
    if isinstance(value, dict):
        for v in value.values():
            out |= _exact_figures(v)
    elif isinstance(value, list):
        for v in value:
            out |= _exact_figures(v)
    elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
        with contextlib.suppress(ArithmeticError):
            out.add(D(str(value)))
    return out


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json", "html", "focus", "xlsx"])
def test_every_format_shows_plan_totals_and_no_sum_of_alternatives(files, fmt, tmp_path):
    if fmt == "xlsx":
        openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / f"out.{fmt}"
    result = run(files, "--format", fmt, "--output", out)
    assert result.exit_code == 0, result.stderr
    if fmt == "xlsx":
        book = openpyxl.load_workbook(out)
        figures = {D(str(round(c, 2))) for sheet in book for row in sheet.iter_rows(values_only=True)
                   for c in row if isinstance(c, (int, float)) and not isinstance(c, bool)}
        plan_sheet = list(book["Plan"].iter_rows(values_only=True))
        total_row = next(r for r in plan_sheet if r[0] == "total")  # month, p1, p2, p3, plan total
        assert D(str(round(total_row[4], 2))) == MONTHLY["current"] * 3
        summary = [r for r in book["Summary"].iter_rows(values_only=True)
                   if r[0] and str(r[0]).startswith("Plan ") and any(isinstance(c, (int, float)) for c in r)]
        found = {str(r[0]).split(" (")[0][len("Plan "):]:
                 D(str(round([c for c in r if isinstance(c, (float, int))][-1], 2)))
                 for r in summary}
        assert found == {name: v * 3 for name, v in MONTHLY.items()}
    elif fmt in ("json",):
        figures = _exact_figures(json.loads(out.read_text()))
    elif fmt in ("csv", "focus"):
        text = out.read_text()
        figures = {D(cell.split("=")[-1]) for row in csv.reader(io.StringIO(text)) for cell in row
                   if re.fullmatch(r"(?:[a-z_]+=)?-?\d+(?:\.\d+)?", cell)}
        if fmt == "csv":
            plans = [r for r in csv.reader(io.StringIO(text)) if r and r[0] == "# plan"]
            for row in plans:
                cells = dict(c.split("=", 1) for c in row[1:])
                want = MONTHLY[cells["plan"]] * (3 if cells["month"] == "total" else 1)
                assert D(cells["cost_usd"]) == want, cells
            assert len(plans) == len(MONTHLY) * 4
    else:
        text = out.read_text()
        figures = _money_figures(text)
        if fmt in ("table", "markdown"):
            assert "Period total, plan current: 5,601.00 USD." in text
            month_rows = [line for line in text.splitlines() if re.match(r"\|? ?2026-12 ", line.lstrip())]
            plan_row = month_rows[0].replace("|", " ").split()  # the headline's plan table comes first
            assert plan_row == ["2026-12", "1,200.00", "147.00", "520.00", "1,867.00"]
        if fmt == "html":
            cells = dict(re.findall(r'class="money plan-total" data-plan="([^"]+)">([\d,.]+)<', text))
            assert {k.replace("&#x27;", "'"): D(v.replace(",", "")) for k, v in cells.items()} == \
                {name: v * 3 for name, v in MONTHLY.items()}
    assert not figures & ALTERNATIVE_SUMS, (fmt, figures & ALTERNATIVE_SUMS)
    if fmt != "focus":  # FOCUS holds cost lines only
        assert MONTHLY["current"] * 3 in figures


def test_text_fits_100_columns_with_many_long_profile_names(files):
    long_names = "\n".join(
        f"  a-very-long-profile-name-for-the-{i}-workload-of-the-platform-team: "
        f"{{requests_per_month: {1000 * i}, input_tokens: 100, output_tokens: 10, models: [alpha, beta]}}"
        for i in range(1, 9))
    (files / "many.yaml").write_text(f"schema_version: 1\nprofiles:\n{long_names}\n")
    result = CliRunner().invoke(cli, ["estimate", str(files / "many.yaml"), "--prices", str(files / "prices.yaml"),
                                      "--start", "2026-12", "--months", "12", "--budget", "1"])
    assert result.exit_code == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= 100
    assert "…(1) = a-very-long-profile-name-for-the-1-workload-of-the-platform-team" in result.stdout
    bundled = CliRunner().invoke(cli, ["estimate", "--budget", "9000"])
    assert max(len(line) for line in bundled.stdout.splitlines()) <= 100


def test_a_version_1_document_still_renders(files, tmp_path):
    document = to_document(estimate(files))
    old = {"meta": {k: v for k, v in document["meta"].items()
                    if k not in ("plan", "user_plans", "budget_rules")}, "rows": document["rows"],
           "totals": document["totals"], "total_usd": "0"}
    old["meta"]["schema"] = "costcalc.estimate/1"
    old["meta"]["profiles"] = {p: {"summary": i["summary"], "tags": i["tags"]}
                               for p, i in old["meta"]["profiles"].items()}
    saved = tmp_path / "v1.json"
    saved.write_text(json.dumps(old))
    result = CliRunner().invoke(cli, ["render", str(saved), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    upgraded = json.loads(result.stdout)
    # version 1 knew no `use:`: current is each profile's first model in row order (p3: beta)
    assert upgraded["meta"]["schema"] == "costcalc.estimate/2"
    assert D(upgraded["total_usd"]) == (1200 + 147 + 195) * 3
    text = CliRunner().invoke(cli, ["render", str(saved)]).stdout
    assert "Plan current: spend per month" in text


def test_a_saved_document_round_trips_its_plans(files):
    document = to_document(estimate(files, plan="migrate"))
    again = to_document(to_frame(document))
    assert again == document == upgrade(document)
    assert D(document["total_usd"]) == MONTHLY["migrate"] * 3


@pytest.mark.parametrize("yaml_tail, key, phrase", [
    ("plans:\n  migrate: {p9: beta}\n", "plans.migrate.p9", "no profile of that name"),
    ("plans:\n  migrate: {p1: delta}\n", "plans.migrate.p1", "not among profile p1's models"),
    ("plans:\n  current: {p1: beta}\n", "plans.current", "built-in plan"),
    ("plans:\n  migrate: {}\n", "plans.migrate", "at least one profile"),
])
def test_bad_plans_are_one_line(files, yaml_tail, key, phrase):
    text = WORKLOADS.split("plans:")[0] + yaml_tail
    (files / "bad.yaml").write_text(text)
    result = CliRunner().invoke(cli, ["estimate", str(files / "bad.yaml"), "--prices", str(files / "prices.yaml")])
    assert result.exit_code == 1 and result.stdout == ""
    [line] = result.stderr.splitlines()
    line_no = text.splitlines().index(next(x for x in text.splitlines() if x.startswith("  " + key.split(".")[1])))
    assert line.startswith(f"costcalc: {files / 'bad.yaml'}:{line_no + 1}: {key}"), line
    assert phrase in line


def test_bad_use_and_plan_option(files):
    text = WORKLOADS.replace("use: gamma", "use: delta")
    (files / "bad.yaml").write_text(text)
    result = CliRunner().invoke(cli, ["estimate", str(files / "bad.yaml"), "--prices", str(files / "prices.yaml")])
    assert result.exit_code == 1 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "bad.yaml:6: profiles.p3.use: 'delta': not among the profile's models; one of beta, alpha, gamma" in line
    result = run(files, "--plan", "nope")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == ("costcalc: --plan: 'nope': no such plan; plans: current, cheapest, all on alpha, "
                             "all on beta, all on gamma, migrate\n")


def test_render_shows_another_plan_of_a_saved_result(files, tmp_path):
    saved = tmp_path / "r.json"
    assert run(files, "--format", "json", "--output", saved).exit_code == 0
    result = CliRunner().invoke(cli, ["render", str(saved), "--plan", "cheapest", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert D(json.loads(result.stdout)["total_usd"]) == MONTHLY["cheapest"] * 3
    bad = CliRunner().invoke(cli, ["render", str(saved), "--plan", "nope"])
    assert bad.exit_code == 2 and bad.stdout == "" and "no such plan" in bad.stderr
