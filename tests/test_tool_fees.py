"""Per-call tool fees end to end: quote --tool-calls, profiles' tool_calls_per_request in an estimate,
tool calls in usage logs re-priced, every output format, native CNY fees.

Every expected value is computed by hand in the test, with the arithmetic in comments. The prices are a
small table written here (TABLE), so these tests do not depend on the bundled table's data; the CLI
reads it as an overlay (`--prices`), the library as the base table.
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
from costcalc.errors import InputError, NoPriceError
from costcalc.prices import TokenBundle, load_prices, quote
from costcalc.projection import COLUMNS
from costcalc.report.document import to_document
from costcalc.report.estimate import render_document
from costcalc.usage.chunk import UsageChunk
from costcalc.usage.run import reprice_chunks

from .helpers import fee_yaml, model_yaml, provider_table

M = D(1_000_000)
NOV_5 = int(datetime(2026, 11, 5, tzinfo=timezone.utc).timestamp())  # unix seconds

# ts-chat: DeepSeek-like. Tokens 2 / 8 USD per 1M (14 / 56 CNY), Search and Fetch 0.70 USD per 1,000 calls
# (5 CNY) from 2026-11-01 00:00 Beijing = 2026-10-31T16:00Z; no fee before (its calls then are unpriced).
# ts-change: the same tokens; web_search 10 USD per 1,000 calls until 2026-11-16T00:00Z, 0.70 after.
# ts-oa: OpenAI-like, 1.25 / 0.125 cached / 10 output, web_search 10 USD per 1,000 calls.
# ts-an: Anthropic-like, 3 / 15, web_search 10 USD per 1,000 calls, no web_fetch fee.
SEA, AI = "https://toolsea.example/pricing", "https://toolai.example/pricing"
TABLE = provider_table("2026.12.01.9", {
    "toolsea": ("ToolSea AI", (
        model_yaml("ts-chat", "ToolSea Chat", "input: 2, output: 8", SEA, native_cny="input: 14, output: 56",
                   fees=(fee_yaml("web_search", "0.70", SEA, when="{from: 2026-10-31T16:00Z}", native_cny="5"),
                         fee_yaml("web_fetch", "0.70", SEA, when="{from: 2026-10-31T16:00Z}", native_cny="5"))),
        model_yaml("ts-change", "ToolSea Change", "input: 2, output: 8", SEA,
                   fees=(fee_yaml("web_search", "10", SEA, when="{until: 2026-11-16T00:00Z}"),
                         fee_yaml("web_search", "0.70", SEA, when="{from: 2026-11-16T00:00Z}"))))),
    "toolai": ("ToolAI", (
        model_yaml("ts-oa", "ToolAI OA", "input: 1.25, cache_read: 0.125, output: 10", AI,
                   fees=(fee_yaml("web_search", "10", AI),)),
        model_yaml("ts-an", "ToolAI AN", "input: 3, output: 15", AI, fees=(fee_yaml("web_search", "10", AI),))))})

PROFILE = """\
schema_version: 1
profiles:
  search-bot:
    requests_per_day: 1000
    input_tokens: 1000
    output_tokens: 100
    tool_calls_per_request: {web_search: 0.3}
    models: [MODEL]
"""


@pytest.fixture
def prices(tmp_path):
    path = tmp_path / "tools.yaml"
    path.write_text(TABLE, encoding="utf-8")
    return path


@pytest.fixture
def table(prices):
    return load_prices(prices)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def lines_of(df, component: str) -> pd.DataFrame:
    return df[df["component"].astype(str) == component].reset_index(drop=True)


# -- quote ---------------------------------------------------------------------------------------------

def test_quote_prices_each_tool_as_its_own_line(table):
    q = quote(table, "ts-chat", TokenBundle(input=10_000, output=1_000), utc(2026, 11, 5),
              tool_calls={"web_search": 2, "web_fetch": 3})
    by = {ln.component: ln for ln in q.lines}
    # 2 searches x 0.70 / 1,000 = 0.0014; 3 fetches x 0.0007 = 0.0021
    assert by["tool:web_search"].cost_usd == D("0.0014")
    assert (by["tool:web_search"].calls, by["tool:web_search"].usd_per_1k_calls) == (2, D("0.70"))
    assert by["tool:web_fetch"].cost_usd == D("0.0021")
    # the token-named columns: calls, and USD per 1M calls (0.70 x 1,000), so tokens x rate / 1M = cost
    assert (by["tool:web_search"].tokens, by["tool:web_search"].usd_per_mtok) == (2, D("700"))
    # 10,000 x 2 / 1M = 0.02; 1,000 x 8 / 1M = 0.008; + 0.0014 + 0.0021
    assert q.total_usd == D("0.02") + D("0.008") + D("0.0014") + D("0.0021") == D("0.0315")


def test_cli_quote_tool_calls_json_and_table(prices):
    result = run("quote", "ts-chat", "--prices", prices, "--input", "10k", "--output-tokens", "1k",
                 "--tool-calls", "web_search=3", "--tool-calls", "web_fetch=1",
                 "--at", "2026-11-05T00:00Z", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    search = next(ln for ln in data["lines"] if ln["component"] == "tool:web_search")
    # 3 calls x 0.0007 = 0.0021
    assert search == {"component": "tool:web_search", "tokens": 3, "usd_per_mtok": "700", "cost_usd": "0.0021",
                      "rule": "fee", "tool": "web_search", "calls": 3, "usd_per_1k_calls": "0.7"}
    # 0.02 + 0.008 + 0.0021 + 1 fetch x 0.0007
    assert data["total_usd"] == "0.0308"
    table = run("quote", "ts-oa", "--prices", prices, "--input", "1k", "--tool-calls", "web_search=5",
                "--at", "2026-11-05T00:00Z")
    assert table.exit_code == 0, table.output
    # 5 calls x 10 / 1,000 = 0.05
    assert "tool:web_search  5 calls  10.00 /1k calls      0.05" in table.stdout
    assert "tool fees per 1,000 calls" in table.stdout


def test_quote_of_a_tool_without_a_fee_is_one_line_naming_the_model_and_its_tools(prices, table):
    result = run("quote", "ts-chat", "--prices", prices, "--input", "1k", "--tool-calls", "code_execution=1",
                 "--at", "2026-11-05T00:00Z")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["costcalc: ts-chat has no code_execution fee at 2026-11-05 00:00Z; it "
                                          "prices calls of: web_search, web_fetch"]
    # before DeepSeek-like fees start, nothing is priced per call
    with pytest.raises(NoPriceError, match="ts-chat has no web_search fee at 2026-10-31 15:59Z; it prices no "
                                           "tool calls then"):
        quote(table, "ts-chat", TokenBundle(input=1), utc(2026, 10, 31, 15, 59), tool_calls={"web_search": 1})
    bad = run("quote", "ts-chat", "--prices", prices, "--tool-calls", "web search=2")
    assert bad.exit_code == 2 and "is not TOOL=N" in bad.stderr and len(bad.stderr.splitlines()) == 1


def test_library_quote_takes_tool_calls(prices):
    q = costcalc.quote("ts-oa", input=1000, output=100, at="2026-11-05T00:00Z", prices=prices,
                       tool_calls={"web_search": 2})
    # 1,000 x 1.25 / 1M + 100 x 10 / 1M + 2 x 10 / 1,000 = 0.00125 + 0.001 + 0.02
    assert q.total_usd == D("0.02225")
    assert list(q.to_frame()["component"]) == ["input", "output", "tool:web_search"]


# -- profiles in an estimate ---------------------------------------------------------------------------

def estimate(prices, model="ts-chat", start="2026-11", months=1, profile=PROFILE, **kw):
    return costcalc.estimate(profile.replace("MODEL", model), prices=prices, start=start, months=months, **kw)


def test_profile_web_searches_on_a_deepseek_like_model_by_hand(table):
    df = estimate(table)
    assert list(df.columns) == COLUMNS + ["requests"]  # case always (expected only by default)
    fee = lines_of(df, "tool:web_search")
    assert len(fee) == 1
    # 1,000 requests/day x 30 days x 0.3 searches = 9,000 calls; x 0.70 / 1,000 = 6.30 USD
    assert (fee.loc[0, "tokens"], fee.loc[0, "usd_per_mtok"], fee.loc[0, "cost_usd"]) == (D(9000), D(700), D("6.3"))
    assert (fee.loc[0, "rule"], fee.loc[0, "provider"]) == ("fee", "toolsea")
    assert fee.loc[0, "period_start"] == pd.Timestamp("2026-11-01")  # naive UTC
    assert fee.loc[0, "period_end"] == pd.Timestamp("2026-12-01")
    # tokens: 30,000 requests x 1,000 in x 2 / 1M = 60; x 100 out x 8 / 1M = 24
    assert lines_of(df, "input").loc[0, "cost_usd"] == D(60)
    assert lines_of(df, "output").loc[0, "cost_usd"] == D(24)
    assert sum(df["cost_usd"]) == D(60) + D(24) + D("6.3") == D("90.3")
    # one formula for every line, fee lines included
    assert all(t * r / M == c for t, r, c in zip(df["tokens"], df["usd_per_mtok"], df["cost_usd"]))
    assert "0.3 web_search calls per request" in df.attrs["profiles"]["search-bot"]["summary"]


def test_a_fee_change_mid_month_splits_the_fee_line(table):
    df = estimate(table, model="ts-change")
    fee = lines_of(df, "tool:web_search")
    # Nov 1-16 (15 days): 1,000 x 15 x 0.3 = 4,500 calls x 10 / 1,000 = 45.00
    # Nov 16-30 (15 days): 4,500 calls x 0.70 / 1,000 = 3.15
    assert [(t, r, c) for t, r, c in zip(fee["tokens"], fee["usd_per_mtok"], fee["cost_usd"])] == \
        [(D(4500), D(10000), D(45)), (D(4500), D(700), D("3.15"))]
    assert list(fee["period_end"]) == [pd.Timestamp("2026-11-16"), pd.Timestamp("2026-12-01")]  # naive UTC
    # the token lines do not split: their price did not change
    assert len(lines_of(df, "input")) == 1
    assert sum(df["cost_usd"]) == D(60) + D(24) + D(45) + D("3.15")


def test_calls_before_a_fee_exists_are_unpriced_and_said(table):
    df = estimate(table, start="2026-10", months=2)
    october = lines_of(df[df["month"].astype(str) == "2026-10"], "tool:web_search")
    # the fee starts 2026-10-31T16:00Z: 8 hours = 1/3 day x 1,000 x 0.3 = 100 calls x 0.0007 = 0.07
    assert (october.loc[0, "tokens"], october.loc[0, "cost_usd"]) == (D(100), D("0.07"))
    notes = [a for a in df.attrs["assumptions"] if "no web_search fee" in a]
    assert notes == ["ts-chat has no web_search fee in the price table for (part of) 2026-10: search-bot's "
                     "web_search calls then are not priced (their cost is left out, not zero)."]


def test_a_model_without_the_fee_gets_an_assumption_not_a_silent_zero(table):
    profile = PROFILE.replace("web_search: 0.3", "web_fetch: 0.5")
    df = estimate(table, model="ts-an", profile=profile)
    assert lines_of(df, "tool:web_fetch").empty
    assert any("ts-an has no web_fetch fee" in a and "search-bot's web_fetch calls then are not priced" in a
               for a in df.attrs["assumptions"])


def test_tool_calls_may_be_a_range(table):
    profile = PROFILE.replace("{web_search: 0.3}", "{web_search: {low: 0.1, expected: 0.3, high: 0.5}}")
    df = estimate(table, profile=profile, cases=True)
    fee = df[df["component"].astype(str) == "tool:web_search"].set_index("case")["cost_usd"]
    # 30,000 requests x 0.1 / 0.3 / 0.5 calls x 0.0007
    assert (fee["low"], fee["expected"], fee["high"]) == (D("2.1"), D("6.3"), D("10.5"))


@pytest.mark.parametrize("value, message", [
    ("{web_serach: 0.3}", "tool_calls_per_request.web_serach: 'web_serach': unknown tool (did you mean "
                          "'web_search'?); known: code_execution, web_fetch, web_search"),
    ("{web_search: -1}", "tool_calls_per_request.web_search: -1: must be a number of calls per request >= 0"),
    ("{Web Search: 1}", "tool_calls_per_request.Web Search: 'Web Search': must be a tool name in lower case"),
    ("0.3", "tool_calls_per_request: 0.3: must be a mapping of names to entries"),
    ("{web_search: {low: 1, expected: 0.5, high: 2}}", "a range needs low <= expected <= high"),
])
def test_bad_tool_calls_are_one_line_naming_file_line_key_value(tmp_path, table, value, message):
    path = tmp_path / "w.yaml"
    path.write_text(PROFILE.replace("MODEL", "ts-chat").replace("{web_search: 0.3}", value), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        costcalc.estimate(path, prices=table, start="2026-11", months=1)
    assert len(caught.value.lines) == 1
    line = caught.value.lines[0]
    assert line.startswith(f"{path}:7: profiles.search-bot."), line
    assert message in line, line


def test_tool_calls_from_csv_a_dataframe_and_set(tmp_path, table):
    path = tmp_path / "w.csv"
    path.write_text("name,requests_per_day,input_tokens,output_tokens,tool_calls_per_request.web_search,models\n"
                    "search-bot,1000,1000,100,0.3,ts-chat\n", encoding="utf-8")
    from_csv = costcalc.estimate(path, prices=table, start="2026-11", months=1)
    assert lines_of(from_csv, "tool:web_search").loc[0, "cost_usd"] == D("6.3")  # as by hand above
    frame = pd.DataFrame([{"name": "search-bot", "requests_per_day": 1000, "input_tokens": 1000,
                           "output_tokens": 100, "tool_calls_per_request.web_search": 0.3, "models": "ts-chat"}])
    from_frame = costcalc.estimate(frame, prices=table, start="2026-11", months=1)
    assert lines_of(from_frame, "tool:web_search").loc[0, "cost_usd"] == D("6.3")
    # --set: 0.5 searches x 30,000 requests = 15,000 calls x 0.0007 = 10.50
    override = costcalc.estimate(path, prices=table, start="2026-11", months=1,
                                 overrides=[("search-bot", "tool_calls_per_request.web_search", "0.5")])
    assert lines_of(override, "tool:web_search").loc[0, "cost_usd"] == D("10.5")
    bad = tmp_path / "bad.csv"
    bad.write_text(path.read_text().replace(",0.3,", ",-0.3,"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        costcalc.estimate(bad, prices=table, start="2026-11", months=1)
    assert caught.value.lines == [f"{bad}:2: profiles.search-bot.tool_calls_per_request.web_search: -0.3: must be "
                                  "a number of calls per request >= 0 (0.3 = one call in about three requests), or "
                                  "{low, expected, high}"]


def test_cli_set_a_bad_tool_is_one_line(tmp_path, prices):
    path = tmp_path / "w.yaml"
    path.write_text(PROFILE.replace("MODEL", "ts-chat"), encoding="utf-8")
    result = run("estimate", path, "--prices", prices, "--start", "2026-11", "--months", "1",
                 "--set", "search-bot.tool_calls_per_request.web_serch=1")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"costcalc: {path} (--set): profiles.search-bot.tool_calls_per_request.web_serch: 'web_serch': unknown "
        "tool (did you mean 'web_search'?); known: code_execution, web_fetch, web_search"]


# -- every format, CNY ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_fees_are_their_own_component_in_every_format(tmp_path, prices):
    path = tmp_path / "w.yaml"
    path.write_text(PROFILE.replace("MODEL", "ts-chat"), encoding="utf-8")
    args = ["estimate", path, "--prices", prices, "--start", "2026-11", "--months", "1"]
    table = run(*args).stdout
    assert "Tool fees (per call, included in the totals above): ts-chat web_search: 9,000 calls, 6.30 USD." \
        in table
    assert "ts-chat web_search: 9,000 calls, 6.30 USD" in run(*args, "--format", "markdown").stdout
    rows = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").stdout)))
    fee = next(r for r in rows if r["component"] == "tool:web_search")
    assert (fee["tokens"], fee["usd_per_mtok"], fee["cost_usd"], fee["rule"]) == ("9000", "700", "6.3", "fee")
    document = json.loads(run(*args, "--format", "json").stdout)
    assert document["total_usd"] == "90.3"  # 60 + 24 + 6.30
    html = run(*args, "--format", "html").stdout
    assert 'data-tool="web_search">6.30</td>' in html
    focus = list(csv.DictReader(io.StringIO(run(*args, "--format", "focus").stdout)))
    calls = next(r for r in focus if r["x_Component"] == "tool:web_search")
    # priced per 1,000 calls: 9 x 0.70 = 6.30
    assert (calls["PricingUnit"], calls["PricingQuantity"], calls["ListUnitPrice"], calls["BilledCost"]) == \
        ("1K Calls", "9", "0.7", "6.3")
    assert (calls["ConsumedUnit"], calls["ConsumedQuantity"], calls["SkuId"]) == ("Calls", "9000",
                                                                                  "ts-chat:tool:web_search")
    assert calls["x_TokenDirection"] == "" and calls["ChargeCategory"] == "Usage"


def test_xlsx_notes_the_fee_component(tmp_path, prices):
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "w.yaml"
    path.write_text(PROFILE.replace("MODEL", "ts-chat"), encoding="utf-8")
    out = tmp_path / "e.xlsx"
    result = run("estimate", path, "--prices", prices, "--start", "2026-11", "--months", "1", "--format", "xlsx",
                 "--output", out)
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    notes = {row[0].value: row[1].value for row in book["Notes"].iter_rows(min_row=2)}
    assert notes["tool fees search-bot"] == ("ts-chat web_search: 9,000 calls, 6.30 USD over the period "
                                            "(expected case; included in the totals)")
    detail = [[c.value for c in row] for row in book["Detail"].iter_rows()]
    header = detail[0]
    fee = next(r for r in detail[1:] if r[header.index("component")] == "tool:web_search")
    assert fee[header.index("tokens")] == 9000


def test_cny_uses_the_native_fee(table):
    df = estimate(table, currency="CNY", fx="CNY=7.2")
    fee = lines_of(df, "tool:web_search")
    # DeepSeek's own price: 9,000 calls x 5 CNY / 1,000 = 45 CNY (not 6.30 USD x 7.2 = 45.36)
    assert fee.loc[0, "cost_cny"] == D(45)
    # tokens at the native rule too: 30M x 14 / 1M + 3M x 56 / 1M = 420 + 168
    assert sum(df["cost_cny"]) == D(420) + D(168) + D(45)
    document = to_document(df)
    native = [r for r in document["meta"]["native_rates"] if r["component"] == "tool:web_search"]
    assert native == [{"model": "ts-chat", "provider": "toolsea", "rule": "fee", "component": "tool:web_search",
                       "usd_per_mtok": "700", "currency": "CNY", "per_mtok": "5000", "list_per_mtok": "5000"}]
    text = render_document(document, "table")
    assert "ts-chat web_search: 9,000 calls, 45.00 CNY." in text
    focus = list(csv.DictReader(io.StringIO(render_document(document, "focus"))))
    row = next(r for r in focus if r["x_Component"] == "tool:web_search")
    assert (row["BillingCurrency"], row["ListUnitPrice"], row["BilledCost"]) == ("CNY", "5", "45")


# -- usage logs ----------------------------------------------------------------------------------------

def jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def search(status="completed"):
    return {"type": "web_search_call", "id": "ws", "status": status, "action": {"type": "search", "query": "q"}}


def test_reprice_openai_responses_web_search_calls_by_hand(tmp_path, table):
    log = jsonl(tmp_path / "responses.jsonl", [
        {"id": "r1", "object": "response", "created_at": NOV_5, "model": "ts-oa",
         "output": [search(), search(), {"type": "message", "content": []}],
         "usage": {"input_tokens": 12_000, "input_tokens_details": {"cached_tokens": 2000},
                   "output_tokens": 800, "output_tokens_details": {"reasoning_tokens": 300}}},
        {"id": "r2", "object": "response", "created_at": NOV_5 + 60, "model": "ts-oa",
         "output": [search("failed"), search()],
         "usage": {"input_tokens": 1000, "output_tokens": 100}},
        {"id": "r3", "object": "response", "created_at": NOV_5 + 120, "model": "ts-oa", "output": [],
         "usage": {"input_tokens": 1000, "output_tokens": 100}}])
    usage = costcalc.read_usage(log)
    assert list(usage["web_search_calls"]) == [2, 1, 0]  # a failed call is not counted
    records = costcalc.reprice(usage, prices=table)
    # r1: 10,000 x 1.25 + 2,000 x 0.125 + (500 + 300) x 10, per 1M = 0.0125 + 0.00025 + 0.008; 2 x 0.01
    r1 = (10_000 * D("1.25") + 2000 * D("0.125") + 800 * D(10)) / M + 2 * D("0.01")
    # r2, r3: 1,000 x 1.25 / 1M + 100 x 10 / 1M = 0.00225; r2 adds 1 search x 0.01
    assert list(records["cost_usd"]) == [r1, D("0.00225") + D("0.01"), D("0.00225")]
    assert r1 == D("0.04075")
    grouped = costcalc.reprice(log, prices=table, by="month")
    assert grouped.loc[0, "web_search_calls"] == 3
    assert grouped.loc[0, "tool_fees_usd"] == D("0.03")  # 3 x 0.01
    assert grouped.loc[0, "cost_usd"] == r1 + D("0.01225") + D("0.00225")


def test_reprice_anthropic_server_tool_use_by_hand(tmp_path, prices, table):
    log = jsonl(tmp_path / "anthropic.jsonl", [
        {"timestamp": "2026-11-05T00:00:00Z", "model": "ts-an",
         "usage": {"input_tokens": 5000, "output_tokens": 1000, "cache_read_input_tokens": 0,
                   "server_tool_use": {"web_search_requests": 3, "web_fetch_requests": 1}}}])
    result = run("reprice", log, "--prices", prices, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    row = data["rows"][0]
    assert (row["web_search_calls"], row["web_fetch_calls"]) == (3, 1)
    # 5,000 x 3 / 1M + 1,000 x 15 / 1M = 0.015 + 0.015; 3 searches x 10 / 1,000 = 0.03
    assert (row["tool_fees_usd"], row["cost_usd"]) == ("0.03", "0.06")
    # ts-an has no web_fetch fee: the fetch is not priced, and said
    assert ("1 web_fetch calls in 1 records priced as logged on ts-an are not priced: ts-an has no web_fetch "
            "fee in the price table then (their tokens are priced; the calls are left out of the totals, not "
            "counted as free)") in data["assumptions"]
    table_text = run("reprice", log, "--prices", prices).stdout
    assert "web searches" in table_text and "tool fees USD" in table_text
    # --as ts-chat: the 3 searches and the fetch at its fees, 4 x 0.0007 = 0.0028; tokens 5,000 x 2 + 1,000 x 8
    as_chat = costcalc.reprice(log, prices=table, models=["ts-chat"], by="month")
    chat = as_chat[as_chat["priced_as"] == "ts-chat"].iloc[0]
    assert (chat["tool_fees_usd"], chat["cost_usd"]) == (D("0.0028"), D("0.018") + D("0.0028"))


def test_reprice_fees_follow_their_dates_within_a_month(tmp_path, table):
    log = jsonl(tmp_path / "usage.jsonl", [
        {"timestamp": "2026-11-15T23:59:59Z", "provider": "toolsea", "model": "ts-change", "input_tokens": 0,
         "output_tokens": 0, "web_search_calls": 4},
        {"timestamp": "2026-11-16T00:00:00Z", "provider": "toolsea", "model": "ts-change", "input_tokens": 0,
         "output_tokens": 0, "web_search_calls": 4}])
    records = costcalc.reprice(log, prices=table)
    # 4 x 10 / 1,000 = 0.04 before the change; 4 x 0.70 / 1,000 = 0.0028 from it
    assert list(records["cost_usd"]) == [D("0.04"), D("0.0028")]
    grouped = costcalc.reprice(log, prices=table, by="month")
    assert grouped.loc[0, "tool_fees_usd"] == D("0.0428")


def test_csv_and_otel_tool_calls_and_bad_counts(tmp_path, table):
    path = tmp_path / "usage.csv"
    path.write_text("timestamp,model,input_tokens,output_tokens,web_search_calls,web_fetch_calls\n"
                    "2026-11-05T00:00:00Z,ts-chat,1000,100,2,\n"
                    "2026-11-05T00:01:00Z,ts-chat,1000,100,-1,0\n", encoding="utf-8")
    usage = costcalc.read_usage(path)
    assert list(usage["web_search_calls"]) == [2] and list(usage["web_fetch_calls"]) == [0]
    assert usage.attrs["problems"] == [f"{path}:3: web_search_calls: '-1': must be a whole number of calls >= 0"]
    span = {"startTimeUnixNano": str(NOV_5 * 10 ** 9), "attributes": [
        {"key": "gen_ai.request.model", "value": {"stringValue": "ts-chat"}},
        {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1000"}},
        {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "100"}},
        {"key": "costcalc.usage.web_search_calls", "value": {"intValue": "2"}}]}
    otel = jsonl(tmp_path / "spans.json", [{"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}])
    records = costcalc.reprice(otel, prices=table)
    # 1,000 x 2 / 1M + 100 x 8 / 1M = 0.0028; 2 x 0.0007 = 0.0014
    assert list(records["cost_usd"]) == [D("0.0042")]


def test_chunked_totals_equal_whole_with_tool_calls(tmp_path, table):
    records = [{"timestamp": f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:00:00Z", "provider": "toolsea",
                "model": "ts-change" if i % 3 else "ts-chat", "input_tokens": 100 + i, "output_tokens": 10,
                "web_search_calls": i % 4, "web_fetch_calls": i % 2} for i in range(200)]
    frame = costcalc.read_usage(jsonl(tmp_path / "u.jsonl", records))
    whole = reprice_chunks([UsageChunk(frame, len(frame), [])], table, by=["month"])
    parts = [UsageChunk(frame.iloc[i:i + 37].reset_index(drop=True), len(frame.iloc[i:i + 37]), [])
             for i in range(0, len(frame), 37)]
    chunked = reprice_chunks(parts, table, by=["month"])
    pd.testing.assert_frame_equal(whole.rows, chunked.rows)
    per_record = costcalc.reprice(frame, prices=table)
    assert sum(per_record["cost_usd"]) == whole.total_usd


def test_variance_counts_calls_apart_from_tokens(tmp_path, table):
    forecast = estimate(table)  # November: 9,000 searches forecast at 0.0007 (6.30 USD)
    log = jsonl(tmp_path / "u.jsonl", [
        {"timestamp": "2026-11-05T00:00:00Z", "provider": "toolsea", "model": "ts-chat", "input_tokens": 1000,
         "output_tokens": 100, "web_search_calls": 10}])
    out = costcalc.variance(forecast, log, prices=table)
    row = out.iloc[0]
    assert row["volume_usd"] + row["mix_usd"] + row["price_usd"] == row["variance_usd"]
    # tokens: 1,100 actual vs 33,000,000 forecast at 84 / 33,000,000 USD a token; calls: 10 vs 9,000 at 0.0007
    token_volume = (D(1100) - D(33_000_000)) * D(84) / D(33_000_000)
    call_volume = (D(10) - D(9000)) * D("0.0007")
    assert abs(row["volume_usd"] - (token_volume + call_volume)) < D("1e-40")
    assert abs(row["price_usd"]) < D("1e-40")  # same rates and fee as forecast (60-digit divisions)
    assert (row["forecast_tokens"], row["actual_tokens"]) == (D(33_000_000), D(1100))  # calls not counted


def test_derived_profiles_carry_tool_calls_per_request(tmp_path, table):
    log = jsonl(tmp_path / "u.jsonl", [
        {"timestamp": f"2026-11-0{d}T00:00:00Z", "provider": "toolsea", "model": "ts-chat", "input_tokens": 1000,
         "output_tokens": 100, "web_search_calls": n} for d, n in ((1, 1), (2, 0), (3, 0), (4, 0))])
    document = costcalc.derive_profiles(log, prices=table)
    profile = document["profiles"]["ts-chat"]
    assert profile["tool_calls_per_request"] == {"web_search": 0.25}  # 1 call over 4 requests


def test_sensitivity_moves_a_tool_call_range(table):
    profile = PROFILE.replace("MODEL", "ts-chat").replace(
        "{web_search: 0.3}", "{web_search: {low: 0.1, expected: 0.3, high: 0.5}}")
    out = costcalc.sensitivity(profile, prices=table, start="2026-11", months=1)
    row = out.iloc[0]
    assert row["input"] == "tool_calls_per_request.web_search"
    # 60 + 24 tokens, plus 30,000 requests x 0.1 / 0.5 calls x 0.0007 = 2.10 / 10.50
    assert (row["low_usd"], row["expected_usd"], row["high_usd"]) == (D("86.1"), D("90.3"), D("94.5"))
    assert row["swing_usd"] == D("8.4")


def test_a_saved_result_shown_in_cny_later_uses_the_native_fee(tmp_path, prices):
    path = tmp_path / "w.yaml"
    path.write_text(PROFILE.replace("MODEL", "ts-chat"), encoding="utf-8")
    saved = tmp_path / "saved.json"
    assert run("estimate", path, "--prices", prices, "--start", "2026-11", "--months", "1", "--format", "json",
               "--output", saved).exit_code == 0
    result = run("render", saved, "--currency", "CNY", "--fx", "CNY=7.2", "--format", "csv")
    assert result.exit_code == 0, result.output
    fee = next(r for r in csv.DictReader(io.StringIO(result.stdout)) if r["component"] == "tool:web_search")
    assert (fee["cost_usd"], fee["cost_cny"]) == ("6.3", "45")  # 9,000 x 5 CNY / 1,000, not 6.30 x 7.2


def test_quote_with_requests_takes_tool_calls_as_totals(table):
    q = quote(table, "ts-chat", TokenBundle(input=20_000, output=2_000), utc(2026, 11, 5), requests=2,
              tool_calls={"web_search": 3})
    # tokens: 20,000 x 2 / 1M + 2,000 x 8 / 1M = 0.04 + 0.016; 3 searches x 0.0007 = 0.0021
    assert q.total_usd == D("0.0581")
    assert q.summary == "2 requests of 10,000 input + 1,000 output tokens and ~1.50 web_search calls each"
    assert q.to_dict()["per_request"]["tool:web_search"] == "1.5"
