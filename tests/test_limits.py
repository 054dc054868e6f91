"""What a model cannot price: the time before its launch or after its retirement (refused in a quote,
marked as not available in an estimate, reported in re-pricing), and requests above its context window
or max output (refused in a quote, an error or a stated exclusion in an estimate, reported in
re-pricing).

The table is a small overlay written here (the bundled table's launch dates change in parallel):
gpt-5.5 restated as launched 2026-04-23 12:00 UTC with 5 / 0.50 / 30 per 1M and the whole-request
long-context modifier above 272,000 prompt tokens (x2 input and cached input, x1.5 output); acme-200k
(helpers.ACME_200K) with a 200,000-token window, 64,000 max output and 3 / 15 per 1M; acme-cliff with
gpt-5.5's prices but no max output; acme-old retired 2026-05-15. Every expected value is computed by hand in the test.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from decimal import Decimal as D

import pandas as pd
import pytest
from click.testing import CliRunner

import costcalc
from costcalc.cli import cli
from costcalc.errors import CostcalcError, InputError, LimitError, NoPriceError, NotLaunchedError
from costcalc.prices import TokenBundle, load_prices, quote
from costcalc.report.document import to_document
from costcalc.report.estimate import render_estimate
from costcalc.money import exact_sum

from .helpers import ACME_200K

M = 1_000_000
SOURCE = "https://example.com/pricing"
OVERLAY = f"""\
schema_version: 1
version: limits-test.1
providers:
  openai:
    models:
      gpt-5.5:
        from: 2026-04-23T12:00Z
        context_window: 1050000
        max_output_tokens: 128000
        tiers: [standard]
        prices:
          - label: list
            rates: {{input: 5, cache_read: 0.50, output: 30}}
            source: {SOURCE}
            checked: 2026-11-25
        modifiers:
          - label: long-context
            when: {{prompt_tokens_above: 272000}}
            multiply: {{input: 2, cache_read: 2, output: 1.5}}
            source: {SOURCE}
            checked: 2026-11-25
  acme:
    name: Acme
    models:
""" + ACME_200K + f"""\
      acme-cliff:
        name: Acme cliff, no max output
        from: 2026-01-01T00:00Z
        context_window: 1050000
        prices:
          - label: list
            rates: {{input: 5, cache_read: 0.50, output: 30}}
            source: {SOURCE}
            checked: 2026-11-25
        modifiers:
          - label: long-context
            when: {{prompt_tokens_above: 272000}}
            multiply: {{input: 2, cache_read: 2, output: 1.5}}
            source: {SOURCE}
            checked: 2026-11-25
      acme-old:
        name: Acme Old
        from: 2025-01-01T00:00Z
        retired: {{at: 2026-05-15T00:00Z, replacement: acme-200k, source: {SOURCE}, checked: 2026-11-25}}
        prices:
          - label: list
            rates: {{input: 1, output: 2}}
            source: {SOURCE}
            checked: 2026-11-25
"""


@pytest.fixture(scope="module")
def overlay(tmp_path_factory):
    path = tmp_path_factory.mktemp("limits") / "overlay.yaml"
    path.write_text(OVERLAY, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def table(overlay):
    return load_prices(overlays=[overlay])


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def cli_run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- quote: before launch ------------------------------------------------------------------------------

def test_quote_before_launch_is_refused_with_the_launch_date(table):
    with pytest.raises(NotLaunchedError, match=r"gpt-5.5 launched at 2026-04-23 12:00Z"):
        quote(table, "gpt-5.5", TokenBundle(input=1000), utc(2026, 4, 23, 11, 59))
    # from the launch instant on: 1,000 x 5 / 1M
    assert quote(table, "gpt-5.5", TokenBundle(input=1000), utc(2026, 4, 23, 12)).total_usd == D("0.005")


def test_cli_quote_before_launch_names_the_launch_date(overlay):
    line = one_line_error(cli_run("quote", "gpt-5.5", "--input", "1000", "--at", "2026-04-01",
                                  "--prices", overlay))
    assert "gpt-5.5 launched at 2026-04-23 12:00Z" in line


# -- quote: limits --------------------------------------------------------------------------------------

def test_prompt_above_the_context_window_is_refused(table):
    with pytest.raises(LimitError, match="a 300,000-token prompt is above acme-200k's context window of "
                                         "200,000 tokens"):
        quote(table, "acme-200k", TokenBundle(input=250_000, cache_read=50_000), utc(2026, 6, 1))
    # exactly the window fits: 200,000 x 3 / 1M
    assert quote(table, "acme-200k", TokenBundle(input=200_000), utc(2026, 6, 1)).total_usd == D("0.6")
    assert issubclass(LimitError, NoPriceError) and issubclass(LimitError, CostcalcError)
    assert costcalc.LimitError is LimitError


def test_cli_300k_prompt_on_a_200k_model_is_one_line_exit_1(overlay):
    line = one_line_error(cli_run("quote", "acme-200k", "--input", "300k", "--at", "2026-06-01",
                                  "--prices", overlay))
    assert "acme-200k" in line and "context window of 200,000 tokens" in line and "300,000" in line


def test_output_and_reasoning_above_max_output_are_refused(table):
    # 50,000 output + 20,000 reasoning = 70,000 > 64,000
    with pytest.raises(LimitError, match=r"70,000 output tokens .* above acme-200k's max output of 64,000"):
        quote(table, "acme-200k", TokenBundle(output=50_000, reasoning=20_000), utc(2026, 6, 1))


def test_requests_splits_a_bundle_into_equal_requests_below_the_cliff(table):
    # 1M in + 1M out over 10 requests: 100,000-token prompts, below the 272,000 cliff.
    # 1,000,000 x 5 / 1M + 1,000,000 x 30 / 1M = 5 + 30 = 35.00
    ten = quote(table, "gpt-5.5", TokenBundle(input=M, output=M), utc(2026, 6, 1), requests=10)
    assert ten.total_usd == D("35.00")
    assert {ln.rule for ln in ten.lines} == {"list"}
    # one request of 100,000 in + 100,000 out: 100,000 x 5 / 1M + 100,000 x 30 / 1M = 0.5 + 3 = 3.50
    one = quote(table, "gpt-5.5", TokenBundle(input=100_000, output=100_000), utc(2026, 6, 1))
    assert one.total_usd == D("3.50") and ten.total_usd == 10 * one.total_usd
    assert ten.summary == "10 requests of 100,000 input + 100,000 output tokens each"


def test_without_requests_the_same_counts_are_one_request(table):
    # gpt-5.5: one request of 1M output is above its 128,000 max output: refused, naming the limit
    with pytest.raises(LimitError, match="max output of 128,000"):
        quote(table, "gpt-5.5", TokenBundle(input=M, output=M), utc(2026, 6, 1))
    # acme-cliff (same prices, no max output): one 1M prompt > 272,000 pays the long-context rates for the
    # whole request: 1,000,000 x 10 / 1M + 1,000,000 x 45 / 1M = 10 + 45 = 55.00
    single = quote(table, "acme-cliff", TokenBundle(input=M, output=M), utc(2026, 6, 1))
    assert single.total_usd == D("55.00") and single.lines[0].rule == "list+long-context"
    # ... and a 1.1M prompt is above its 1,050,000-token window
    with pytest.raises(LimitError, match="context window of 1,050,000"):
        quote(table, "acme-cliff", TokenBundle(input=1_100_000), utc(2026, 6, 1))


def test_a_fractional_token_per_request_crosses_the_cliff(table):
    # 1,088,000 / 4 = 272,000 exactly: standard, 1,088,000 x 5 / 1M = 5.44
    assert quote(table, "acme-cliff", TokenBundle(input=1_088_000), utc(2026, 6, 1), requests=4).total_usd \
        == D("5.44")
    # 1,088,001 / 4 = 272,000.25, above 272,000: long context, 1,088,001 x 10 / 1M = 10.88001
    above = quote(table, "acme-cliff", TokenBundle(input=1_088_001), utc(2026, 6, 1), requests=4)
    assert above.total_usd == D("10.88001") and above.lines[0].rule == "list+long-context"


def test_requests_must_be_a_whole_number_of_at_least_one(table):
    for bad in (0, -1, 1.5, True):
        with pytest.raises(CostcalcError, match="requests must be a whole number"):
            quote(table, "gpt-5.5", TokenBundle(input=1), utc(2026, 6, 1), requests=bad)


def test_cli_requests_json_and_text(overlay):
    args = ["quote", "gpt-5.5", "--input", "1M", "--output-tokens", "1M", "--requests", "10", "--at", "2026-06-01",
            "--prices", overlay]
    result = cli_run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["total_usd"], data["requests"]) == ("35", 10)
    assert data["summary"] == "10 requests of 100,000 input + 100,000 output tokens each"
    assert data["per_request"] == {"input": "100000", "output": "100000"}
    text = cli_run(*args)
    assert text.exit_code == 0 and "10 requests of 100,000 input + 100,000 output tokens each" in text.stdout
    # without --requests: refused (one request of 1M output), and the message says how to give N
    line = one_line_error(cli_run(*[a for a in args if a not in ("--requests", "10")]))
    assert "max output of 128,000 tokens" in line and "--requests N" in line
    assert cli_run("quote", "gpt-5.5", "--input", "1", "--requests", "0").exit_code == 2


def test_library_quote_takes_requests(overlay):
    q = costcalc.quote("gpt-5.5", input=M, output=M, requests=10, at="2026-06-01T00:00Z", prices=overlay)
    assert q.total_usd == D("35.00") and q.requests == 10


# -- estimate: before launch, after retirement -----------------------------------------------------------

def estimate(table, body: str, start: str, months: int, models: str):
    text = f"schema_version: 1\nprofiles:\n  p:\n    models: {models}\n" + \
        "".join(f"    {line}\n" for line in body.strip().splitlines())
    workloads = costcalc.load_workloads(text, known_models=list(table.models) + list(table.aliases))
    return costcalc.estimate(workloads, prices=table, start=start, months=months)


def cost(df, **where) -> D:
    for key, value in where.items():
        df = df[df[key].astype(str) == value]
    return exact_sum(df["cost_usd"])


PER_DAY = "requests_per_day: 1000\ninput_tokens: 1000\noutput_tokens: 1000"


@pytest.fixture(scope="module")
def before_launch(table):
    # 2026-02 to 2026-05 on gpt-5.5, launched 2026-04-23 12:00 UTC
    return estimate(table, PER_DAY, "2026-02", 4, "[gpt-5.5]")


@pytest.mark.parametrize("volume", [PER_DAY, "requests_per_month: 30000\ninput_tokens: 1000\noutput_tokens: 1000"])
def test_estimate_before_launch_prices_only_the_time_after_launch(table, volume):
    df = estimate(table, volume, "2026-02", 3, "[gpt-5.5]")
    # One request: 1,000 x 5 / 1M + 1,000 x 30 / 1M = 0.035. April from 04-23 12:00: 7.5 days of the
    # month's 30, so 7,500 of its 30,000 requests (either volume form): 7,500 x 0.035 = 262.50.
    assert cost(df) == cost(df, month="2026-04") == D("262.50")
    assert set(df["month"].astype(str)) == {"2026-04"}
    assert df["period_start"].min() == pd.Timestamp("2026-04-23T12:00")  # naive UTC


def test_not_available_is_listed_in_the_frame(before_launch):
    df = before_launch
    # May: 31 days x 1,000 requests x 0.035 = 1,085.00
    assert cost(df, month="2026-05") == D("1085.00") and cost(df) == D("262.50") + D("1085.00")
    assert df.attrs["not_available"] == [{
        "profile": "p", "model": "gpt-5.5", "from": "2026-02-01T00:00:00Z", "until": "2026-04-23T12:00:00Z",
        "reason": "not launched", "detail": "gpt-5.5 launched at 2026-04-23 12:00Z",
        "months": ["2026-02", "2026-03", "2026-04"], "partial": ["2026-04"]}]
    json.dumps(df.attrs["not_available"])  # JSON-plain
    notes = [a for a in df.attrs["assumptions"] if a.startswith("Not available: gpt-5.5 for p")]
    assert len(notes) == 1 and "not priced in 2026-02 to 2026-03" in notes[0] and "2026-04 priced only in part" \
        in notes[0]
    # no fake rows: every line has a cost, money stays Decimal
    assert all(isinstance(c, D) and c > 0 for c in df["cost_usd"])
    assert set(df["month"].astype(str)) == {"2026-04", "2026-05"}


def test_not_available_in_every_format(before_launch):
    df = before_launch
    document = to_document(df)
    assert document["meta"]["not_available"] == df.attrs["not_available"]
    assert json.loads(render_estimate(df, "json"))["meta"]["not_available"] == df.attrs["not_available"]
    for fmt in ("table", "markdown"):
        text = render_estimate(df, fmt)
        assert "Not available: gpt-5.5 for p from 2026-02-01 00:00Z until 2026-04-23 12:00Z" in text
        month_rows = {line.split("|")[1].strip() if fmt == "markdown" else line.split()[0]: line
                      for line in text.splitlines() if "2026-0" in line[:12]}
        assert "n/a" in month_rows["2026-02"] and "n/a" in month_rows["2026-03"]
        assert "262.50" in month_rows["2026-04"] and "*" in month_rows["2026-04"]
    for fmt in ("csv", "focus"):
        text = render_estimate(df, fmt)
        comments = [row for row in csv.reader(io.StringIO(text)) if row and row[0].startswith("#")
                    and not row[0].startswith(("# plan", "# comparison"))]
        assert comments == [["# not available", "profile=p", "model=gpt-5.5", "from=2026-02-01T00:00:00Z",
                             "until=2026-04-23T12:00:00Z", "reason=not launched",
                             "months=2026-02;2026-03;2026-04", "partial=2026-04",
                             "detail=gpt-5.5 launched at 2026-04-23 12:00Z"]]
        # the rows are still plain CSV for a reader that skips comments
        rows = pd.read_csv(io.StringIO(text), comment="#")
        assert len(rows) == len(df)
    html = render_estimate(df, "html")
    assert '<section id="not-available">' in html and "gpt-5.5 launched at 2026-04-23 12:00Z" in html
    # 2026-02 and 2026-03, n/a in the plan's table (the headline) and in the profile's month table
    assert html.count('class="money not-available"') == 2 * 2 and 'class="money partial"' in html


def test_not_available_in_xlsx(before_launch):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(render_estimate(before_launch, "xlsx")))
    notes = {row[0]: row[1] for row in book["Notes"].iter_rows(values_only=True) if row[0] == "not available"}
    assert "gpt-5.5 for p: 2026-02-01T00:00:00Z until 2026-04-23T12:00:00Z" in notes["not available"]
    summary = list(book["Summary"].iter_rows(values_only=True))
    header, row = summary[0], summary[1]
    cells = dict(zip(header, row))
    assert (cells["2026-02"], cells["2026-03"]) == ("n/a", "n/a")
    assert cells["2026-04"] == pytest.approx(262.5)


def test_a_saved_result_renders_its_not_available_the_same(before_launch, tmp_path):
    saved = tmp_path / "saved.json"
    saved.write_text(render_estimate(before_launch, "json"), encoding="utf-8")
    for fmt in ("table", "markdown", "csv", "html", "focus"):
        again = cli_run("render", saved, "--format", fmt)
        assert again.exit_code == 0, again.output
        assert again.stdout == render_estimate(before_launch, fmt).rstrip("\n") + "\n"


def test_a_bad_not_available_in_a_saved_result_is_one_line(before_launch, tmp_path):
    document = json.loads(render_estimate(before_launch, "json"))
    document["meta"]["not_available"][0]["months"] = ["Feb"]
    saved = tmp_path / "bad.json"
    saved.write_text(json.dumps(document), encoding="utf-8")
    line = one_line_error(cli_run("render", saved))
    assert "meta.not_available[0].months" in line


def test_model_retired_mid_horizon(table):
    df = estimate(table, PER_DAY, "2026-04", 3, "[acme-old, acme-200k]")
    # acme-old: 1 in + 2 out per 1M, so 0.003 a request. April: 30,000 x 0.003 = 90; May until the
    # 15th 00:00: 14 days, 14,000 x 0.003 = 42; June: not available.
    old = df[df["model"] == "acme-old"]
    assert (cost(old, month="2026-04"), cost(old, month="2026-05")) == (D("90"), D("42"))
    assert "2026-06" not in set(old["month"].astype(str))
    # acme-200k all three months: 1,000 x 3 / 1M + 1,000 x 15 / 1M = 0.018 a request; 91 days
    assert cost(df, model="acme-200k") == 91_000 * D("0.018")
    [entry] = df.attrs["not_available"]
    assert (entry["model"], entry["reason"], entry["from"], entry["until"], entry["months"], entry["partial"]) \
        == ("acme-old", "retired", "2026-05-15T00:00:00Z", "2026-07-01T00:00:00Z", ["2026-05", "2026-06"],
            ["2026-05"])
    assert "use acme-200k instead" in entry["detail"]
    text = " ".join(render_estimate(df, "table").split())  # the table wraps at 100 columns
    assert "Not comparable over the whole period: acme-old is not available in part of it." in text


def test_ten_model_comparison_with_one_retired_model_keeps_the_others(tmp_path):
    # The bundled table: deepseek-chat retires 2026-07-24 16:00 UTC; nine other models go on.
    others = ["deepseek-v4-pro", "deepseek-v4-flash", "gpt-5.5", "gpt-5.4", "gpt-5.4-mini", "claude-opus-4-7",
              "claude-sonnet-4-6", "claude-haiku-4-5", "gemini-3.1-pro"]
    bundled = load_prices()
    df = estimate(bundled, PER_DAY, "2026-07", 3, f"[deepseek-chat, {', '.join(others)}]")
    months = {"2026-07", "2026-08", "2026-09"}
    for model in others:
        assert set(df.loc[df["model"] == model, "month"].astype(str)) == months, model
    assert set(df.loc[df["model"] == "deepseek-chat", "month"].astype(str)) == {"2026-07"}
    assert [(e["model"], e["reason"]) for e in df.attrs["not_available"]] == [("deepseek-chat", "retired")]
    # the CLI gives the whole comparison too (exit 0), saying what is not available
    path = tmp_path / "w.yaml"
    path.write_text(f"schema_version: 1\nprofiles:\n  p:\n    models: [deepseek-chat, {', '.join(others)}]\n"
                    + "".join(f"    {line}\n" for line in PER_DAY.splitlines()), encoding="utf-8")
    result = cli_run("estimate", path, "--start", "2026-07", "--months", "3")
    assert result.exit_code == 0, result.output
    assert "Not available: deepseek-chat for p" in result.stdout


def test_a_gap_in_the_table_still_fails_loudly(tmp_path):
    gap = OVERLAY + f"""\
      acme-gap:
        name: Acme with a gap
        from: 2026-01-01T00:00Z
        prices:
          - label: list
            when: {{until: 2026-03-01T00:00Z}}
            rates: {{input: 1, output: 1}}
            source: {SOURCE}
            checked: 2026-11-25
          - label: list
            when: {{from: 2026-04-01T00:00Z}}
            rates: {{input: 1, output: 1}}
            source: {SOURCE}
            checked: 2026-11-25
"""
    path = tmp_path / "gap.yaml"
    path.write_text(gap, encoding="utf-8")
    with pytest.raises(NoPriceError, match="profile p, model acme-gap, 2026-03") as caught:
        estimate(load_prices(overlays=[path]), PER_DAY, "2026-02", 3, "[acme-gap]")
    assert not isinstance(caught.value, NotLaunchedError)


# -- estimate: limits -----------------------------------------------------------------------------------

HISTOGRAM = """
requests_per_day: 1000
input_tokens: {histogram: [{tokens: 100000, share: 0.9}, {tokens: 300000, share: 0.1}]}
output_tokens: 1000
"""


def test_histogram_bin_above_the_context_window_is_an_error(table):
    with pytest.raises(LimitError) as caught:
        estimate(table, HISTOGRAM, "2026-06", 1, "[acme-200k]")
    # the file, line and key of the bin at fault, like a loading error (line 6: the histogram)
    assert str(caught.value) == ("<text>:6: profiles.p.input_tokens.histogram[1].tokens: 300000: model acme-200k: "
                                 "10% of its requests: a 300,000-token prompt is above acme-200k's context window "
                                 "of 200,000 tokens; set over_limit: exclude in the profile to leave such requests "
                                 "out of the estimate")


def test_cli_estimate_over_the_limit_is_one_line(table, overlay, tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("schema_version: 1\nprofiles:\n  p:\n    models: [acme-200k]\n"
                    + "".join(f"    {line}\n" for line in HISTOGRAM.strip().splitlines()), encoding="utf-8")
    line = one_line_error(cli_run("estimate", path, "--start", "2026-06", "--months", "1", "--prices", overlay))
    assert line.startswith(f"costcalc: {path}:6: profiles.p.input_tokens.histogram[1].tokens: 300000: model "
                           f"acme-200k: 10% of its requests:")
    assert "200,000" in line


def test_opting_in_excludes_those_requests_and_says_so(table):
    df = estimate(table, HISTOGRAM + "over_limit: exclude", "2026-06", 2, "[acme-200k, gpt-5.5]")
    # acme-200k: the 10% of 300,000-token prompts are left out; June has 30,000 requests, 27,000 priced
    # at 100,000 x 3 / 1M + 1,000 x 15 / 1M = 0.315 each: 8,505.00. July: 31,000 x 0.9 x 0.315 = 8,788.50.
    assert cost(df, model="acme-200k", month="2026-06") == D("8505.00")
    assert cost(df, model="acme-200k", month="2026-07") == D("8788.50")
    # gpt-5.5 (window 1,050,000) prices both bins: 27,000 x (100,000 x 5 + 1,000 x 30) / 1M
    # + 3,000 x (300,000 x 10 + 1,000 x 45) / 1M = 14,310 + 9,135 = 23,445.00 in June
    assert cost(df, model="gpt-5.5", month="2026-06") == D("23445.00")
    notes = [a for a in df.attrs["assumptions"] if a.startswith("over_limit: exclude")]
    assert notes == ["over_limit: exclude: 10% of p's requests are left out on acme-200k (a 300,000-token "
                     "prompt is above acme-200k's context window of 200,000 tokens): 3,000 to 3,100 requests "
                     "a month."]
    assert "requests above a model's limits left out" in df.attrs["profiles"]["p"]["summary"]


def test_mean_prompt_and_output_above_limits(table):
    with pytest.raises(LimitError, match=r"^<text>:6: profiles.p.input_tokens: 250000: model acme-200k: a "
                                         "250,000-token prompt is above"):
        estimate(table, "requests_per_day: 10\ninput_tokens: 250000\noutput_tokens: 10", "2026-06", 1,
                 "[acme-200k]")
    # output 20,000 + reasoning max (4 x 20,000) = 100,000 > 64,000
    with pytest.raises(LimitError, match=r"^<text>:8: profiles.p.reasoning: 'max': model acme-200k: 100,000 "
                                         "output tokens .* max output of 64,000"):
        estimate(table, "requests_per_day: 10\ninput_tokens: 10\noutput_tokens: 20000\nreasoning: max",
                 "2026-06", 1, "[acme-200k]")
    # excluded entirely: no lines for that model, and the note says all of them
    df = estimate(table, "requests_per_day: 10\ninput_tokens: 10\noutput_tokens: 70000\nover_limit: exclude",
                  "2026-06", 1, "[acme-200k, gpt-5.5]")
    assert set(df["model"].astype(str)) == {"gpt-5.5"}
    assert any(a.startswith("over_limit: exclude: 100% of p's requests are left out on acme-200k") and
               "300 requests a month" in a for a in df.attrs["assumptions"])


def test_a_bin_with_no_share_is_not_checked(table):
    body = "requests_per_day: 10\noutput_tokens: 10\ninput_tokens: {histogram: [{tokens: 1000, share: 1}, " \
           "{tokens: 900000, share: 0}]}"
    assert cost(estimate(table, body, "2026-06", 1, "[acme-200k]")) == 300 * (1000 * D(3) + 10 * D(15)) / M


def test_a_ranged_prompt_names_its_case(table):
    with pytest.raises(LimitError, match=r"^<text>:7: profiles.p.input_tokens.high: 250000: model acme-200k "
                                         r"\(high case\): "):
        estimate(table, "requests_per_day: 10\noutput_tokens: 10\ninput_tokens: {low: 1000, expected: 100000, "
                        "high: 250000}", "2026-06", 1, "[acme-200k]")


def test_over_limit_is_validated_like_other_keys(table):
    text = "schema_version: 1\nprofiles:\n  p:\n    models: [acme-200k]\n    requests_per_day: 1\n" \
           "    input_tokens: 1\n    output_tokens: 1\n    over_limit: skip\n"
    with pytest.raises(InputError) as caught:
        costcalc.load_workloads(text, known_models=list(table.models))
    assert caught.value.lines == ["<text>:8: profiles.p.over_limit: 'skip': not allowed; one of error, exclude"]


# -- reprice ----------------------------------------------------------------------------------------------

def test_reprice_reports_records_above_limits_and_before_launch(overlay, tmp_path):
    log = tmp_path / "usage.jsonl"
    records = [
        {"timestamp": "2026-06-01T00:00:00Z", "model": "acme-200k", "input_tokens": 1000, "output_tokens": 100},
        {"timestamp": "2026-06-01T00:01:00Z", "model": "acme-200k", "input_tokens": 250_000,
         "cached_tokens": 50_000, "output_tokens": 100},
        {"timestamp": "2026-06-01T00:02:00Z", "model": "acme-200k", "input_tokens": 10, "output_tokens": 60_000,
         "reasoning_tokens": 5_000},
        {"timestamp": "2026-04-01T00:00:00Z", "model": "gpt-5.5", "input_tokens": 10, "output_tokens": 10},
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = cli_run("reprice", log, "--prices", overlay, "--format", "json")
    assert result.exit_code == 1
    assert result.stderr.strip() == "costcalc: 4 records: 1 priced, 3 reported"
    data = json.loads(result.stdout)
    # only the first record is priced: 1,000 x 3 / 1M + 100 x 15 / 1M = 0.0045
    assert D(data["total_usd"]) == D("0.0045")
    problems = {p["line"]: p for p in data["problems"]}
    assert problems[2]["key"] == "prompt_tokens" and problems[2]["value"] == 300_000  # 250,000 + 50,000
    assert problems[2]["message"] == "prompt above acme-200k's context window of 200,000 tokens (every input " \
                                     "kind together)"
    assert problems[3]["key"] == "output_tokens+reasoning_tokens" and problems[3]["value"] == 65_000
    assert "above acme-200k's max output of 64,000 tokens" in problems[3]["message"]
    assert problems[4]["key"] == "model" and "gpt-5.5 launched at 2026-04-23 12:00Z" in problems[4]["message"]
    # the text report lists them with file and line
    text = cli_run("reprice", log, "--prices", overlay).stdout
    assert f"{log}:2: prompt_tokens: 300000: prompt above acme-200k's context window" in text


def test_reprice_as_a_model_leaves_out_what_it_cannot_take(table):
    frame = pd.DataFrame({
        "timestamp": pd.to_datetime(["2026-06-01T00:00:00Z"] * 2, utc=True), "provider": ["", ""],
        "model": ["gpt-5.5", "gpt-5.5"], "input_tokens": [1000, 300_000], "cached_tokens": [0, 0],
        "cache_write_5m_tokens": [0, 0], "cache_write_1h_tokens": [0, 0], "output_tokens": [10, 10],
        "reasoning_tokens": [0, 0], "service_tier": ["standard"] * 2, "residency": [False, False],
        "source": ["log"] * 2, "line": [1, 2]})
    out = costcalc.reprice(frame, prices=table, models=["acme-200k"], by="model")
    # both records price as logged (gpt-5.5's window is 1,050,000); as acme-200k the 300,000 prompt is left
    # out of its totals and said: 1 record. As acme-200k: 1,000 x 3 / 1M + 10 x 15 / 1M = 0.00315
    assert out.attrs["reported"] == 0
    assert any("1 records have no price as acme-200k (prompt above acme-200k's context window" in a
               for a in out.attrs["assumptions"]), out.attrs["assumptions"]
    as_200k = out[out["priced_as"] == "acme-200k"]
    assert exact_sum(as_200k["cost_usd"]) == D("0.00315")
