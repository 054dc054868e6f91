"""Quotes against hand-computed prices (USD per 1M tokens x tokens / 1,000,000)."""

import json
from datetime import datetime
from decimal import Decimal as D

import pytest
from click.testing import CliRunner

from costcalc.cli import cli
from costcalc.errors import NoPriceError, RetiredModelError, UnknownModelError
from costcalc.prices import Request, TokenBundle, quote, resolve

M = 1_000_000


def at(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def total(table, model, when, scenario="actual", tier="standard", residency=False, requests=1, **tokens):
    return quote(table, model, TokenBundle(**tokens), at(when), tier=tier, residency=residency,
                 scenario=scenario, requests=requests).total_usd


# 1M in + 1M out is more output than one V4 request may hold (max output 384,000): such bundles are
# priced as ten requests of 100,000 in + 100,000 out, which cost exactly what the bundle's rates say.
TEN = 10
BUNDLE = dict(input=M, output=M, requests=TEN)


# -- DeepSeek V4-Pro: promotion, its end, peak/off-peak ---------------------------------------------

def test_v4_pro_promo_before_end_and_list_scenario(table):
    # promo 0.435 in + 0.87 out; list 1.74 + 3.48
    assert total(table, "deepseek-v4-pro", "2026-05-31T15:58Z", **BUNDLE) == D("0.435") + D("0.87")
    assert total(table, "deepseek-v4-pro", "2026-05-31T15:58Z", "list", **BUNDLE) == D("5.22")


def test_v4_pro_promo_became_the_standard_price(table):
    for scenario in ("actual", "list"):
        assert total(table, "deepseek-v4-pro", "2026-05-31T16:01Z", scenario, **BUNDLE) == D("1.305")


def test_v4_pro_promotion_ends_exactly_at_1600(table):
    last = resolve(table, "deepseek-v4-pro", at("2026-05-31T15:59Z"), Request(scenario="list"))
    first = resolve(table, "deepseek-v4-pro", at("2026-05-31T16:00Z"), Request(scenario="list"))
    assert (last.rates["input"], first.rates["input"]) == (D("1.74"), D("0.435"))


def test_v4_pro_peak_weekday(table):
    # Tuesday 02:30 UTC is inside 01:00-04:00: 1.32 + 3.96
    assert at("2026-09-01T02:30Z").weekday() == 1
    assert total(table, "deepseek-v4-pro", "2026-09-01T02:30Z", **BUNDLE) == D("5.28")


def test_v4_pro_off_peak_weekday_and_weekend(table):
    assert total(table, "deepseek-v4-pro", "2026-09-01T05:00Z", **BUNDLE) == D("2.64")
    assert at("2026-08-30T02:30Z").weekday() == 6  # Sunday
    assert total(table, "deepseek-v4-pro", "2026-08-30T02:30Z", **BUNDLE) == D("2.64")


def test_weekend_peak_hours_were_peak_before_the_weekend_rule(table):
    # Saturday 2026-08-22 02:30 UTC: peak pricing existed, the weekend rule did not yet.
    assert at("2026-08-22T02:30Z").weekday() == 5
    assert total(table, "deepseek-v4-pro", "2026-08-22T02:30Z", **BUNDLE) == D("5.28")


def test_cache_hit_cut_at_1215(table):
    before = resolve(table, "deepseek-v4-pro", at("2026-04-26T12:14Z"), Request(scenario="list"))
    after = resolve(table, "deepseek-v4-pro", at("2026-04-26T12:15Z"), Request(scenario="list"))
    assert (before.rates["cache_read"], after.rates["cache_read"]) == (D("0.145"), D("0.0145"))


def test_deepseek_cache_writes_bill_as_input(table):
    # automatic caching: 1M written tokens cost what 1M input tokens cost (0.435 in June)
    assert total(table, "deepseek-v4-pro", "2026-06-15T00:00Z", cache_write_5m=M) == D("0.435")


# -- GPT-5.5: the 272K cliff, batch, priority -------------------------------------------------------

def test_gpt55_cliff_boundary(table):
    # 272,000 x 5 / 1e6 = 1.36, 1,000 x 30 / 1e6 = 0.03
    assert total(table, "gpt-5.5", "2026-06-01T00:00Z", input=272_000, output=1_000) == D("1.39")
    # above: the whole request at 2x input, 1.5x output: 272,001 x 10 / 1e6 + 1,000 x 45 / 1e6
    assert total(table, "gpt-5.5", "2026-06-01T00:00Z", input=272_001, output=1_000) == D("2.76501")


def test_gpt55_batch_halves_both_sides_of_the_cliff(table):
    assert total(table, "gpt-5.5", "2026-06-01T00:00Z", tier="batch", input=272_000, output=1_000) == D("0.695")
    assert total(table, "gpt-5.5", "2026-06-01T00:00Z", tier="batch", input=272_001,
                 output=1_000) == D("1.382505")


def test_cliff_counts_every_kind_of_input(table):
    # 200,000 uncached + 72,001 cached = 272,001 prompt tokens: long context for both kinds
    expected = D(200_000) * 10 / M + D(72_001) * D("1.00") / M
    assert total(table, "gpt-5.5", "2026-06-01T00:00Z", input=200_000, cache_read=72_001) == expected


def test_gpt55_reasoning_bills_as_output(table):
    assert total(table, "gpt-5.5", "2026-06-01T00:00Z", output=1_000, reasoning=3_000) == D(4_000) * 30 / M


def test_gpt55_priority_and_fast(table):
    # 100,000 x 12.50 / 1e6 (a 1M prompt would cross the cliff, which has no priority price)
    assert total(table, "gpt-5.5", "2026-07-01T00:00Z", tier="priority", input=100_000) == D("1.25")
    fast = quote(table, "gpt-5.5", TokenBundle(input=100_000), at("2026-08-01T00:00Z"), tier="fast")
    assert fast.total_usd == D("1.25") and fast.lines[0].rule == "fast"


def test_gpt55_priority_has_no_long_context_price(table):
    with pytest.raises(NoPriceError, match="tier priority"):
        total(table, "gpt-5.5", "2026-07-01T00:00Z", tier="priority", input=300_000)


def test_gpt55_residency_is_ten_percent(table):
    # (100,000 x 5 + 100,000 x 30) / 1e6 = 3.5, x 1.1
    assert total(table, "gpt-5.5", "2026-06-01T00:00Z", residency=True, input=100_000,
                 output=100_000) == D("3.85")


# -- Claude Opus 4.7: explicit cache writes, US-only ------------------------------------------------

def test_opus47_cache_writes_reads_output(table):
    # ten requests of 100,000 tokens of each kind: a 300,000-token prompt and 100,000 output tokens each
    tokens = dict(cache_write_5m=M, cache_write_1h=M, cache_read=M, output=M, requests=TEN)
    assert total(table, "claude-opus-4-7", "2026-06-01T00:00Z", **tokens) == D("6.25") + 10 + D("0.5") + 25
    assert total(table, "claude-opus-4-7", "2026-06-01T00:00Z", residency=True, **tokens) == D("45.925")


def test_sonnet45_long_context_tier(table):
    # above 200K input: 6 / 22.50
    assert total(table, "claude-sonnet-4-5", "2026-06-01T00:00Z", input=200_001, output=1_000) == \
        D(200_001) * 6 / M + D(1_000) * D("22.5") / M


def test_model_without_residency_refuses_it(table):
    with pytest.raises(NoPriceError, match="residency"):
        total(table, "deepseek-v4-pro", "2026-06-01T00:00Z", residency=True, input=M)


def test_model_without_batch_refuses_it(table):
    with pytest.raises(NoPriceError, match="no batch tier"):
        total(table, "deepseek-v4-pro", "2026-06-01T00:00Z", tier="batch", input=M)


# -- routing, retirement, lookup --------------------------------------------------------------------

def test_deepseek_chat_billed_as_v4_flash_then_refused(table):
    q = quote(table, "deepseek-chat", TokenBundle(input=M, output=M), at("2026-07-01T00:00Z"))
    assert q.billed_model == "deepseek-v4-flash"
    assert q.total_usd == D("0.14") + D("0.28")
    with pytest.raises(RetiredModelError, match="deepseek-v4-flash"):
        total(table, "deepseek-chat", "2026-08-01T00:00Z", input=M)


def test_retirement_instant(table):
    assert total(table, "deepseek-reasoner", "2026-07-24T15:59Z", input=M) == D("0.14")
    with pytest.raises(RetiredModelError):
        total(table, "deepseek-reasoner", "2026-07-24T16:00Z", input=M)


def test_v4_flash_billed_as_v41_flash_from_0910_0400(table):
    # The switch came at 2026-09-10 04:00 UTC (12:00 Beijing), not 00:00. Thursday 02:00 UTC is still
    # V4-Flash at its own peak price: 0.44 in + 1.32 out
    q = quote(table, "deepseek-v4-flash", TokenBundle(input=M, output=M), at("2026-09-10T02:00Z"), requests=TEN)
    assert (q.billed_model, q.total_usd) == ("deepseek-v4-flash", D("1.76"))
    # 05:00 UTC: V4.1 Flash, off-peak (04:00-06:00): 0.15 + 0.60
    q = quote(table, "deepseek-v4-flash", TokenBundle(input=M, output=M), at("2026-09-10T05:00Z"), requests=TEN)
    assert (q.billed_model, q.total_usd) == ("deepseek-flash", D("0.75"))


def test_provider_qualified_and_alias_ids(table):
    assert total(table, "openai/gpt-5.5", "2026-06-01T00:00Z", input=100_000) == D("0.5")
    assert total(table, "openrouter/deepseek/deepseek-v4-pro", "2026-06-01T00:00Z", input=M) == D("0.435")
    assert total(table, "together/deepseek-v4-pro", "2026-06-01T00:00Z", output=M) == D("4.40")


def test_unknown_model_suggests_names(table):
    with pytest.raises(UnknownModelError, match="gpt-5.5"):
        total(table, "gpt-55", "2026-06-01T00:00Z", input=1)


def test_no_price_before_launch(table):
    with pytest.raises(NoPriceError, match="launched at 2026-04-24 00:00Z"):
        total(table, "deepseek-v4-pro", "2026-04-01T00:00Z", input=1)


# -- CLI --------------------------------------------------------------------------------------------

def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_cli_quote_json_shape_and_exact_money():
    result = run("quote", "gpt-5.5", "--input", "272_001", "--output-tokens", "1k", "--tier", "batch",
                 "--at", "2026-06-01T00:00Z", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["total_usd"] == "1.382505"
    assert set(data) >= {"model", "provider", "at", "scenario", "total_usd", "lines", "price_table"}
    assert data["lines"][0] == {"component": "input", "tokens": 272001, "usd_per_mtok": "5",
                                "cost_usd": "1.360005", "rule": "list+long-context+batch"}
    assert len(data["price_table"]["sha256"]) == 64


def test_cli_quote_counts_accept_suffixes():
    result = run("quote", "deepseek-v4-pro", "--input", "1M", "--output-tokens", "1,000,000", "--requests", "10",
                 "--scenario", "list", "--at", "2026-05-31T15:58Z", "--format", "json")
    assert json.loads(result.stdout)["total_usd"] == "5.22"


def test_cli_quote_table_shows_total_and_rule():
    result = run("quote", "claude-opus-4-7", "--cache-write-5m", "1M", "--cache-write-1h", "1M",
                 "--cached", "1M", "--output-tokens", "1M", "--requests", "10", "--residency", "--at", "2026-06-01")
    assert result.exit_code == 0
    assert "45.925" in result.stdout and "list+us-only" in result.stdout


def test_cli_unknown_model_is_one_line_exit_1():
    result = run("quote", "gpt-55", "--input", "1")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip().count("\n") == 0 and "did you mean gpt-5.5" in result.stderr


def test_cli_retired_model_names_replacement():
    result = run("quote", "deepseek-chat", "--input", "1", "--at", "2026-08-01T00:00Z")
    assert result.exit_code == 1 and "use deepseek-v4-flash" in result.stderr and result.stdout == ""


def test_cli_bad_count_is_usage_error():
    result = run("quote", "gpt-5.5", "--input", "12x")
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "'12x' is not a token count" in result.stderr


@pytest.mark.parametrize("value, message", [
    ("-1", "'-1' is not a number of requests; use a whole number of requests >= 1, like 1, 10, 1_000 or 10k"),
    ("0", "'0' is not a number of requests; use a whole number of requests >= 1, like 1, 10, 1_000 or 10k"),
    ("1.5", "'1.5' is not a whole number of requests; use a whole number of requests >= 1, like 1, 10, 1_000 "
            "or 10k"),
    ("ten", "'ten' is not a number of requests; use a whole number of requests >= 1, like 1, 10, 1_000 or 10k"),
    ("10^15", "'10^15' is not a number of requests; use a whole number of requests >= 1, like 1, 10, 1_000 or "
              "10k"),
    ("1000000000000000", "'1000000000000000' is more requests than costcalc prices at once (below 10^15)"),
])
def test_cli_bad_requests_say_requests_not_tokens(value, message):
    result = run("quote", "gpt-5.5", "--input", "1k", "--requests", value)
    assert result.exit_code == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"costcalc: Invalid value for '--requests': {message} (see: ") and line.endswith(" --help)")
    assert "token" not in result.stderr


def test_requests_are_written_like_counts():
    from costcalc._parse import parse_requests

    assert (parse_requests("1"), parse_requests("1_000"), parse_requests("10k"), parse_requests("1,000")) == \
        (1, 1000, 10_000, 1000)
    # 10k requests of 100 input tokens each on gpt-5.5: 1M tokens x 5 USD / 1M = 5
    result = run("quote", "gpt-5.5", "--input", "1M", "--requests", "10k", "--at", "2026-06-01T00:00Z",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    assert D(json.loads(result.stdout)["total_usd"]) == D(1_000_000) * 5 / M == D(5)


@pytest.mark.parametrize("flags", [["--tool-calls", "web_search=1,web_search=2"],
                                   ["--tool-calls", "web_search=1", "--tool-calls", "web_fetch=1,web_search=2"]])
def test_cli_a_tool_named_twice_is_refused(flags):
    result = run("quote", "gpt-5.5", "--input", "1k", *flags)
    assert result.exit_code == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("costcalc: Invalid value for --tool-calls: web_search is named twice (web_search=1, "
                           "web_search=2); name each tool once, with its total calls (e.g. web_search=3) (see: ")


def test_prices_list_filters_by_provider():
    result = run("prices", "list", "--provider", "anthropic", "--at", "2026-06-01T00:00Z")
    assert result.exit_code == 0
    assert "claude-opus-4-7" in result.stdout and "gpt-5.5" not in result.stdout


def test_prices_show_history_has_every_period():
    result = run("prices", "show", "deepseek-v4-pro")
    assert result.exit_code == 0
    for text in ("promo (promotion of list)", "2026-05-31 16:00Z", "peak", "off-peak", "sat,sun", "0.003625",
                 "Open conflict 1"):
        assert text in result.stdout
