"""What-ifs (costcalc.whatif, costcalc.report.whatif, costcalc.cli.whatif) against hand-computed numbers.

The workload throughout: gpt-5.4 at $2.50 in / $0.25 cached / $15.00 out per 1M tokens, 1,000 requests
a day of 1,000 input + 1,000 output tokens, June 2026 (30 days): 30,000 requests,
30M x 2.50 + 30M x 15.00 = 75 + 450 = $525.00 a month, $0.0175 a request.
"""

import ast
import csv
import decimal
import io
import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import costcalc
from costcalc import api, breakeven, whatif
from costcalc.cli import cli
from costcalc.cli.whatif import COMMANDS, register
from costcalc.prices import load_prices
from costcalc.report.document import to_document
from costcalc.report.whatif import render_break_even, render_compare, render_sensitivity
from costcalc.workloads import load_workloads


def workload(body="requests_per_day: 1000", models="[gpt-5.4]", name="p", extra=""):
    lines = [body, "input_tokens: 1000", "output_tokens: 1000",
             "start: 2026-06-01", f"models: {models}"] + [line for line in extra.splitlines() if line.strip()]
    return f"schema_version: 1\nprofiles:\n  {name}:\n" + "".join(f"    {line}\n" for line in lines)


def doc(text, months=1, **kwargs):
    return to_document(costcalc.estimate(text, start="2026-06", months=months, **kwargs))


def row(df, model, month):
    found = df[(df["model"] == model) & (df["month"] == month)]
    assert len(found) == 1, (model, month)
    return found.iloc[0]


def div50(a, b):
    return decimal.Context(prec=50).divide(D(a), D(b))


@pytest.fixture
def run():
    """The costcalc CLI with the what-if commands registered (removed again afterwards)."""
    added = [c.name for c in COMMANDS if c.name not in cli.commands]
    register(cli)
    yield lambda *args: CliRunner().invoke(cli, [str(a) for a in args])
    for name in added:
        cli.commands.pop(name, None)


OVERLAY = """schema_version: 1
version: acme-2026-11
discounts:
  - {provider: openai, multiply: 0.8, label: negotiated, source: "contract:ACME-OAI-2026"}
"""


# -- compare ------------------------------------------------------------------------------------------

def test_compare_diff_and_pct_by_hand():
    a = doc(workload(), months=2)                                      # June 525.00, July 542.50
    b = doc(workload("requests_per_day: 1200", models="[gpt-5.4, gpt-5.4-mini]"), months=2)
    df = api.compare(a, b)
    june = row(df, "gpt-5.4", "2026-06")
    assert (june["a_usd"], june["b_usd"], june["diff_usd"], june["pct"]) == (D("525"), D("630"), D("105"), D("20"))
    july = row(df, "gpt-5.4", "2026-07")
    assert (july["a_usd"], july["b_usd"]) == (D("542.5"), D("651"))
    total = row(df, "gpt-5.4", "total")
    assert (total["a_usd"], total["b_usd"], total["diff_usd"], total["pct"]) == (
        D("1067.5"), D("1281"), D("213.5"), D("20"))
    # a model on one side only: A is 0 there, so no percentage
    mini = row(df, "gpt-5.4-mini", "2026-06")   # 36,000 x (1000 x 0.75 + 1000 x 4.50) / 1M = 189
    # pct: no % of 0
    assert (mini["a_usd"], mini["b_usd"], mini["diff_usd"], mini["pct"]) == (D(0), D("189"), D("189"), pd.NA)
    # across profiles only a plan adds up: B's current plan is its first model, gpt-5.4 (its mini is an
    # alternative, never added to it: not 1281 + 189 + 195.3)
    grand = row(df, "plan current", "total")
    assert grand["a_usd"] == D("1067.5") and grand["b_usd"] == D("1281")
    assert grand["diff_usd"] == grand["b_usd"] - grand["a_usd"]
    assert row(df, "plan current", "2026-06")["b_usd"] == D("630")
    assert not (df["b_usd"] == D("1281") + D("189") + D("195.3")).any()
    assert list(df.columns) == ["model", "month", "a_usd", "b_usd", "diff_usd", "pct"]


def test_compare_pct_is_exact_to_50_digits_and_accepts_frames():
    a = costcalc.estimate(workload(), start="2026-06", months=1)
    b = costcalc.estimate(workload("requests_per_day: 1001"), start="2026-06", months=1)
    df = api.compare(a, b)
    june = row(df, "gpt-5.4", "2026-06")
    assert june["diff_usd"] == D("0.525") and june["pct"] == D("0.1")
    c = costcalc.estimate(workload("requests_per_day: 3000"), start="2026-06", months=1)
    third = row(api.compare(c, a), "gpt-5.4", "2026-06")["pct"]   # -1050 / 1575 = -2/3
    assert third == div50(-200, 3)


def test_compare_uses_expected_case_of_ranged_documents():
    a = doc(workload("requests_per_day: {low: 500, expected: 1000, high: 2000}"))
    b = doc(workload())
    june = row(api.compare(a, b), "gpt-5.4", "2026-06")
    assert june["a_usd"] == june["b_usd"] == D("525") and june["diff_usd"] == 0


def test_price_overlay_change_costs_exactly_the_discount(tmp_path):
    overlay = tmp_path / "acme.yaml"
    overlay.write_text(OVERLAY)
    df = api.compare_estimates(workload(), b_prices=overlay, start="2026-06", months=1)
    june = row(df, "gpt-5.4", "2026-06")
    assert (june["a_usd"], june["b_usd"], june["diff_usd"], june["pct"]) == (
        D("525"), D("420"), D("-105"), D("-20"))
    sides = df.attrs["sides"]
    assert sides["a"]["price_table"]["version"] == "2026.12.01.4"
    assert sides["b"]["price_table"]["version"] == "2026.12.01.4+acme-2026-11"
    assert sides["a"]["price_table"]["sha256"] != sides["b"]["price_table"]["sha256"]
    assert any("Price tables differ" in n for n in df.attrs["notes"])


def test_compare_two_scenarios_names_each_side():
    # V4-Pro in May 2026: actual = promo 0.435 / 0.87; list = 1.74 / 3.48 until 05-31 16:00 (test_estimate)
    text = workload(models="[deepseek-v4-pro]").replace("2026-06-01", "2026-05-01")
    df = api.compare_estimates(text, a_scenario="actual", b_scenario="list", start="2026-05", months=1,
                                  a_label="actual", b_label="list")
    may = row(df, "deepseek-v4-pro", "2026-05")
    # the workload's counts are o200k: DeepSeek's tokenizer makes them x1.04
    assert may["a_usd"] == D("40.455") * D("1.04") and may["b_usd"] == D("160.515") * D("1.04")
    assert df.attrs["sides"]["a"]["scenario"] == "actual" and df.attrs["sides"]["b"]["scenario"] == "list"
    text_out = render_compare(df, "table")
    assert "A = actual: scenario actual" in text_out and "B = list: scenario list" in text_out


def test_compare_renderings_round_consistently_and_neutralize_csv():
    a = doc(workload(name='"=HYPERLINK(1)"'), months=2)
    b = doc(workload("requests_per_day: 1200", name='"=HYPERLINK(1)"'), months=2)
    df = api.compare(a, b, a_label="=a.json", b_label="+b.json")
    data = json.loads(render_compare(df, "json"))
    assert data["meta"]["schema"] == "costcalc.compare/1"
    assert {"model": "gpt-5.4", "month": "2026-06", "a_usd": "525", "b_usd": "630", "diff_usd": "105",
            "pct": "20"} in data["rows"]
    rows = list(csv.DictReader(io.StringIO(render_compare(df, "csv"))))
    assert rows[0]["a_label"] == "'=a.json" and rows[0]["b_label"] == "'+b.json"
    assert rows[0]["a_usd"] == "525" and rows[0]["pct"] == "20"
    md = render_compare(df, "markdown")
    assert "| gpt-5.4 | 2026-06 | 525.00 | 630.00 | +105.00 | +20.0% |" in md
    table = render_compare(df, "table")
    assert "1,067.50" in table and "+213.50" in table


# -- sensitivity --------------------------------------------------------------------------------------

TWO_RANGES = workload("requests_per_day: {low: 500, expected: 1000, high: 2000}",
                      extra="cache_hit_rate: {low: 0, expected: 0.5, high: 0.8}")


def test_tornado_values_and_order_by_hand():
    # expected: 30,000 requests; 15M uncached x 2.50 + 15M cached x 0.25 + 30M out x 15 = 491.25
    df = api.sensitivity(TWO_RANGES, start="2026-06", months=1)
    assert list(df.columns) == whatif.SENSITIVITY_COLUMNS
    assert list(df["input"]) == ["requests_per_day", "cache_hit_rate"]  # widest swing first
    volume, cache = df.iloc[0], df.iloc[1]
    assert (volume["low_usd"], volume["high_usd"], volume["swing_usd"], volume["expected_usd"]) == (
        D("245.625"), D("982.5"), D("736.875"), D("491.25"))
    # cache 0: 30M x 2.50 + 450 = 525; cache 0.8: 6M x 2.50 + 24M x 0.25 + 450 = 471 (high is cheaper)
    assert (cache["low_usd"], cache["high_usd"], cache["swing_usd"]) == (D("525"), D("471"), D("54"))
    assert (cache["low_value"], cache["expected_value"], cache["high_value"]) == (D(0), D("0.5"), D("0.8"))
    assert df.attrs["skipped"] == [] and df.attrs["start"] == "2026-06"


def test_whatif_is_pure_the_clock_arrives_as_today():
    # whatif and breakeven compute on loaded workloads and a table: they import neither the api (files, the
    # clock) nor report
    for module in (whatif, breakeven):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert not {m for m in imported if m == "api" or m.startswith(("report", "api"))}, (module, imported)
    table = load_prices()
    # no start in the file and none given: the first month is today's. July: 31 x 1,000 requests at
    # 491.25 / 30,000 (above) = 0.016375 each = 507.625
    text = TWO_RANGES.replace("    start: 2026-06-01\n", "")
    assert "start" not in text
    df = whatif.sensitivity_frame(load_workloads(text, known_models=list(table.models)), table, months=1,
                                  today=date(2026, 7, 17))
    assert df.attrs["start"] == "2026-07" and df.iloc[0]["expected_usd"] == D("507.625")


def test_tornado_over_a_horizon_skips_profiles_without_ranges():
    text = TWO_RANGES + "  flat:\n    requests_per_day: 1\n    input_tokens: 1\n    output_tokens: 1\n" \
                        "    models: [gpt-5.4]\n"
    df = api.sensitivity(text, start="2026-06", months=2)  # June + July: 61 days
    assert set(df["profile"]) == {"p"} and df.attrs["skipped"] == ["flat"]
    volume = df.iloc[0]
    assert volume["expected_usd"] == D("491.25") / 30 * 61
    assert volume["high_usd"] == D("982.5") / 30 * 61


def test_tornado_models_option_and_growth_range():
    text = workload(extra="growth_per_month: {low: 0, expected: 0.1, high: 0.2}")
    df = api.sensitivity(text, models=["gpt-5.4", "gpt-5.4-mini"], start="2026-06", months=2)
    assert list(df["model"]) == ["gpt-5.4", "gpt-5.4-mini"]
    growth = df.iloc[0]
    # June is month 0 (no growth); July at 1.2x vs 1.0x of 542.50
    assert growth["low_usd"] == D("525") + D("542.5")
    assert growth["high_usd"] == D("525") + D("542.5") * D("1.2")
    assert growth["swing_usd"] == D("542.5") * D("0.2")


def test_ranged_inputs_match_the_profile_schema():
    from costcalc.workloads.model import _RANGED

    assert tuple(field for field, _ in whatif.RANGED_INPUTS) == _RANGED


def test_sensitivity_renderings():
    df = api.sensitivity(TWO_RANGES.replace("  p:", '  "@p":'), start="2026-06", months=1)
    rows = list(csv.DictReader(io.StringIO(render_sensitivity(df, "csv"))))
    assert [r["profile"] for r in rows] == ["'@p", "'@p"]
    assert rows[0]["swing_usd"] == "736.875" and rows[0]["price_table_version"] == "2026.12.01.4"
    data = json.loads(render_sensitivity(df, "json"))
    assert data["meta"]["schema"] == "costcalc.sensitivity/1" and data["rows"][1]["high_usd"] == "471"
    table = render_sensitivity(df, "table")
    assert "@p on gpt-5.4: expected 491.25" in table and "736.88" in table


# -- break-even ---------------------------------------------------------------------------------------

HOST = {"usd_per_hour": "7.18", "tokens_per_second": 300}


def test_break_even_against_self_hosting_by_hand():
    df = api.break_even(workload(), self_host=HOST, start="2026-06")
    r = df.iloc[0]
    assert r["api_usd_per_request"] == D("0.0175") and r["tokens_per_request"] == 2000
    assert r["requests_per_month"] == 30000 and r["api_usd_per_month"] == D("525")
    # one node: 7.18 x 730 = 5,241.40 a month; carries 300 x 3,600 x 730 / 2,000 = 394,200 requests
    assert r["node_usd_per_month"] == D("5241.4") and r["node_requests_per_month"] == 394200
    # API = self-hosting at 5,241.40 / 0.0175 = 299,508.57... requests a month
    assert r["break_even_requests_per_month"] == div50("5241.4", "0.0175")
    # a full node's requests cost 6,898.50 on the API; from the 5th node (ceil(6898.5 / 1657.1)) on,
    # self-hosting always wins: above 4 x 5,241.40 / 0.0175
    assert r["self_host_always_cheaper_from"] == div50(4 * D("5241.4"), "0.0175")
    assert (r["nodes_at_volume"], r["self_host_usd_per_month"], r["cheaper_at_volume"]) == (1, D("5241.4"), "api")


def test_break_even_never_when_a_node_costs_more_than_its_requests():
    df = api.break_even(workload(), self_host={"usd_per_hour": "7.18", "tokens_per_second": 100},
                           start="2026-06")
    # one node carries 131,400 requests = 2,299.50 of API spend < 5,241.40
    assert df.iloc[0]["break_even_requests_per_month"] is pd.NA  # missing, as pandas marks it
    assert df.iloc[0]["self_host_always_cheaper_from"] is pd.NA


def test_break_even_with_requests_per_hour_and_output_tokens():
    by_requests = api.break_even(workload(), start="2026-06", self_host={
        "usd_per_hour": 10, "requests_per_hour": 1000, "utilization": "0.5"})
    r = by_requests.iloc[0]
    assert r["node_requests_per_month"] == 365000 and r["node_usd_per_month"] == 7300
    by_output = api.break_even(workload(), start="2026-06", self_host={
        "usd_per_hour": 10, "tokens_per_second": 100, "counts": "output"})
    assert by_output.iloc[0]["tokens_per_request"] == 1000
    assert by_output.iloc[0]["node_requests_per_month"] == 100 * 3600 * 730 // 1000


def test_break_even_volumes_match_brute_force():
    # c = 1 per request, F = 10 per node, 13 requests per node
    first, always = breakeven.break_even_volumes(D(1), D(13), D(10))
    assert (first, always) == (10, 40)
    cheaper = [v for v in range(1, 200) if breakeven.self_host_cost(D(v), D(13), D(10))[1] < v]
    assert min(cheaper) == 11 and max(set(range(1, 200)) - set(cheaper)) == 40


def test_two_api_models_get_a_ratio_not_a_break_even():
    df = api.break_even(workload(models="[gpt-5.4, gpt-5.4-mini]"), start="2026-06")
    big, mini = df.iloc[0], df.iloc[1]
    assert mini["api_usd_per_request"] == D("0.00525") and mini["cheapest"] and mini["ratio_to_cheapest"] == 1
    assert big["ratio_to_cheapest"] == div50("0.0175", "0.00525") and not big["cheapest"]
    assert big["break_even_requests_per_month"] is pd.NA  # no self-hosting given
    assert any("no volume break-even" in n for n in df.attrs["notes"])


@pytest.mark.parametrize("spec, message", [
    ({"tokens_per_second": 1}, "usd_per_hour is required"),
    ({"usd_per_hour": 1}, "exactly one of"),
    ({"usd_per_hour": 1, "tokens_per_second": 1, "requests_per_hour": 1}, "exactly one of"),
    ({"usd_per_hour": -1, "tokens_per_second": 1}, "above 0"),
    ({"usd_per_hour": 1, "tokens_per_second": 1, "utilization": 2}, "at most 1"),
    ({"usd_per_hour": 1, "tokens_per_second": 1, "gpus": 8}, "unknown key"),
])
def test_self_host_spec_errors(spec, message):
    with pytest.raises(costcalc.CostcalcError, match=message):
        breakeven.SelfHost.of(spec)


def test_break_even_renderings_neutralize_csv():
    df = api.break_even(workload(name='"-p"'), self_host=HOST, start="2026-06")
    rows = list(csv.DictReader(io.StringIO(render_break_even(df, "csv"))))
    assert rows[0]["profile"] == "'-p" and rows[0]["api_usd_per_request"] == "0.0175"
    assert rows[0]["cheapest"] == "true"
    data = json.loads(render_break_even(df, "json"))
    assert data["meta"]["self_host"]["usd_per_hour"] == "7.18"
    table = render_break_even(df, "table")
    assert "299,509" in table and "1,198,035" in table and "730 hours" in table


# -- CLI ----------------------------------------------------------------------------------------------

def test_cli_compare_saved_estimates(run, tmp_path):
    w = tmp_path / "w.yaml"
    w.write_text(workload())
    w2 = tmp_path / "w2.yaml"
    w2.write_text(workload("requests_per_day: 1200"))
    for source, out in ((w, "a.json"), (w2, "b.json")):
        result = run("estimate", source, "--start", "2026-06", "--months", "1", "--format", "json",
                     "--output", tmp_path / out)
        assert result.exit_code == 0, result.stderr
    result = run("compare", tmp_path / "a.json", tmp_path / "b.json", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["rows"][0] == {"model": "gpt-5.4", "month": "2026-06", "a_usd": "525", "b_usd": "630",
                               "diff_usd": "105", "pct": "20"}
    target = tmp_path / "c.md"
    result = run("compare", tmp_path / "a.json", tmp_path / "b.json", "--format", "markdown", "--output", target)
    assert result.exit_code == 0 and result.stdout == "" and "+20.0%" in target.read_text()


def test_cli_compare_price_overlay_and_scenarios(run, tmp_path):
    w = tmp_path / "w.yaml"
    w.write_text(workload())
    overlay = tmp_path / "acme.yaml"
    overlay.write_text(OVERLAY)
    result = run("compare", "--workloads", w, "--new-prices", overlay, "--start", "2026-06", "--months", "1",
                 "--format", "csv")
    assert result.exit_code == 0, result.stderr
    first = next(csv.DictReader(io.StringIO(result.stdout)))
    assert (first["a_usd"], first["b_usd"], first["diff_usd"], first["pct"]) == ("525", "420", "-105", "-20")
    assert first["a_label"] == "old prices" and first["b_price_table_version"] == "2026.12.01.4+acme-2026-11"
    result = run("compare", "--workloads", w, "--scenarios", "actual,list", "--start", "2026-06", "--months", "1")
    assert result.exit_code == 0, result.stderr
    assert "A = actual: scenario actual" in result.stdout and "B = list: scenario list" in result.stdout


@pytest.mark.parametrize("args, code, message", [
    (["compare"], 2, "nothing differs"),
    (["compare", "a.json"], 2, "two saved estimates"),
    (["compare", "a.json", "b.json", "--months", "3"], 2, "--months runs new estimates"),
    (["compare", "--scenarios", "actual,nope"], 2, "--scenarios"),
    (["compare", "missing-a.json", "missing-b.json"], 1, "cannot read"),
    (["break-even", "--self-host-usd-per-hour", "7"], 2, "needs one node's throughput"),
    (["break-even", "--self-host-tokens-per-second", "7"], 2, "needs --self-host-usd-per-hour"),
    (["break-even", "--self-host-usd-per-hour", "x", "--self-host-tokens-per-second", "7"], 2, "above 0"),
    (["break-even", "--self-host-usd-per-hour", "1", "--self-host-tokens-per-second", "7",
      "--utilization", "1.5"], 2, "at most 1"),
    (["sensitivity", "--start", "26-1"], 2, "not a month"),
])
def test_cli_errors_are_one_line(run, tmp_path, monkeypatch, args, code, message):
    monkeypatch.chdir(tmp_path)
    if args[:2] == ["compare", "a.json"] or ("b.json" in args and "missing-b.json" not in args):
        (tmp_path / "a.json").write_text("{}")
        (tmp_path / "b.json").write_text("{}")
    result = run(*args)
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr


def test_cli_sensitivity_and_break_even(run, tmp_path):
    w = tmp_path / "w.yaml"
    w.write_text(TWO_RANGES)
    result = run("sensitivity", w, "--start", "2026-06", "--months", "1", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["input"] for r in rows] == ["requests_per_day", "cache_hit_rate"]
    flat = tmp_path / "flat.yaml"
    flat.write_text(workload())
    result = run("sensitivity", flat, "--start", "2026-06")
    assert result.exit_code == 1 and "nothing to vary" in result.stderr
    result = run("break-even", flat, "--start", "2026-06", "--self-host-usd-per-hour", "7.18",
                 "--self-host-tokens-per-second", "300", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["rows"][0]["api_usd_per_request"] == "0.0175"
    assert data["rows"][0]["node_usd_per_month"] == "5241.4"
    result = run("break-even", "--models", "deepseek-v4-pro,gpt-5.5", "--months", "2")
    assert result.exit_code == 0, result.stderr
    assert "no volume break-even" in result.stdout


def test_register_keeps_help_fast_and_lists_commands(run):
    import subprocess
    import sys

    result = run("--help")
    assert all(name in result.stdout for name in ("compare", "sensitivity", "break-even"))
    # importing the CLI (every command module) loads neither pandas nor the library
    code = ("import sys, costcalc.cli.whatif; "
            "print('pandas' in sys.modules, 'costcalc.whatif' in sys.modules, 'costcalc.api' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "False"]
