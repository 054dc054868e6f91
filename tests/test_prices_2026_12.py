"""The December 2026 price table (issue 10): corrections, new models, aliases and legacy ids.

Every expected value is computed by hand here (USD per 1M tokens x tokens / 1,000,000), never copied from
the code's output.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest
from click.testing import CliRunner

import costcalc
from costcalc.cli import cli
from costcalc.errors import NotLaunchedError
from costcalc.prices import TokenBundle, load_prices, quote
from costcalc.money import exact_sum

M = 1_000_000


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def q(table, model, when, scenario="actual", tier="standard", requests=10, **tokens):
    """A quote of token totals over `requests` equal requests (10 by default: a 1M-token bundle is then
    ten 100K-token requests, below every cliff and within every context window, so the per-token rates
    of the rule under test apply unchanged). Long-context tests pass requests=1."""
    return quote(table, model, TokenBundle(**tokens), at(when), tier=tier, scenario=scenario,
                 requests=requests)


@pytest.fixture(scope="module")
def table():
    return load_prices()


# -- DeepSeek corrections ---------------------------------------------------------------------------

def test_v4_pro_promotion_before_the_cache_hit_cut(table):
    # 2026-04-26 00:00 UTC: after the archived 04-25 16:57 sighting of the 75% promotion, before the
    # 04-26 12:15 cache-hit cut. Promo: miss 0.435 + hit 0.03625 + output 0.87 = 1.34125
    got = q(table, "deepseek-v4-pro", "2026-04-26T00:00Z", input=M, cache_read=M, output=M)
    assert got.total_usd == D("0.435") + D("0.03625") + D("0.87") == D("1.34125")
    assert {line.rule for line in got.lines} == {"promo"}
    # list scenario: the launch list price 1.74 + 0.145 + 3.48 = 5.365
    listed = q(table, "deepseek-v4-pro", "2026-04-26T00:00Z", "list", input=M, cache_read=M, output=M)
    assert listed.total_usd == D("1.74") + D("0.145") + D("3.48") == D("5.365")


def test_v4_pro_promotion_starts_at_the_archived_instant_and_hit_drops_at_the_cut(table):
    # 16:56 on 04-25: list 1.74 + 0.145; 16:57: promo 0.435 + 0.03625
    assert q(table, "deepseek-v4-pro", "2026-04-25T16:56Z", input=M, cache_read=M).total_usd == D("1.885")
    assert q(table, "deepseek-v4-pro", "2026-04-25T16:57Z", input=M, cache_read=M).total_usd == D("0.47125")
    # 12:15 on 04-26: the hit price is cut to 1/10: 0.435 + 0.003625; list 1.74 + 0.0145
    assert q(table, "deepseek-v4-pro", "2026-04-26T12:15Z", input=M, cache_read=M).total_usd == D("0.438625")
    assert q(table, "deepseek-v4-pro", "2026-04-26T12:15Z", "list", input=M, cache_read=M).total_usd \
        == D("1.7545")


def test_v4_flash_keeps_its_own_peak_price_until_0400_on_0910(table):
    assert at("2026-09-10T02:00Z").weekday() == 3  # a Thursday: 01:00-04:00 UTC is peak
    # V4-Flash peak: 0.44 miss + 0.014 hit + 1.32 output = 1.774
    before = q(table, "deepseek-v4-flash", "2026-09-10T02:00Z", input=M, cache_read=M, output=M)
    assert (before.billed_model, before.total_usd) == ("deepseek-v4-flash", D("1.774"))
    assert {line.rule for line in before.lines} == {"peak"}
    # 05:00 UTC: V4.1 Flash (deepseek-flash), off-peak (04:00-06:00): 0.15 + 0.003 + 0.60 = 0.753
    after = q(table, "deepseek-v4-flash", "2026-09-10T05:00Z", input=M, cache_read=M, output=M)
    assert (after.billed_model, after.total_usd) == ("deepseek-flash", D("0.753"))
    assert {line.rule for line in after.lines} == {"deepseek-flash:off-peak"}


def test_deepseek_flash_exists_from_0400_on_0910(table):
    with pytest.raises(NotLaunchedError, match="launched at 2026-09-10 04:00Z"):
        q(table, "deepseek-flash", "2026-09-10T03:59Z", input=M)


def test_v4_pro_is_not_routed_after_0914(table):
    # The 09-14 routing to V4.1 Flash was cancelled on 09-11: V4-Pro keeps its own prices.
    # Tuesday 2026-09-15 02:00 UTC is peak: 1.32 + 3.96 = 5.28
    got = q(table, "deepseek-v4-pro", "2026-09-15T02:00Z", input=M, output=M)
    assert (got.billed_model, got.total_usd) == ("deepseek-v4-pro", D("5.28"))


def test_cny_list_prices_are_native_on_current_rules(table):
    from costcalc.prices import resolve

    # Flash off-peak (Saturday 2026-11-28): 1 / 0.02 / 4 CNY; V4-Pro peak (Tuesday 02:00): 9 / 0.30 / 27
    flash = resolve(table, "deepseek-flash", at("2026-11-28T12:00Z")).native_rates("CNY")
    assert (flash["input"], flash["cache_read"], flash["output"]) == (D("1"), D("0.02"), D("4"))
    pro = resolve(table, "deepseek-v4-pro", at("2026-12-01T02:00Z")).native_rates("CNY")
    assert (pro["input"], pro["cache_read"], pro["output"]) == (D("9"), D("0.30"), D("27"))


@pytest.mark.parametrize("legacy, when, billed", [
    ("deepseek-v4-flash-vision-exp", "2026-09-01T05:00Z", "deepseek-v4-flash"),
    ("deepseek-v4-flash-vision-exp", "2026-10-01T05:00Z", "deepseek-flash"),
    ("deepseek-v4-flash-0731", "2026-08-03T05:00Z", "deepseek-v4-flash"),
    ("deepseek-v4-flash-0731", "2026-10-01T05:00Z", "deepseek-flash"),
    ("deepseek-v4.1-flash", "2026-10-01T05:00Z", "deepseek-flash"),
    ("deepseek-v4-flash", "2026-10-01T05:00Z", "deepseek-flash"),
    ("deepseek-chat", "2026-05-01T05:00Z", "deepseek-v4-flash"),
    ("deepseek-reasoner", "2026-05-01T05:00Z", "deepseek-v4-flash"),
    ("openrouter/deepseek/deepseek-v4-pro", "2026-10-01T05:00Z", "deepseek-v4-pro"),
])
def test_legacy_ids_resolve_to_the_billed_model(table, legacy, when, billed):
    assert q(table, legacy, when, input=M).billed_model == billed


def test_legacy_ids_did_not_exist_before_their_own_launch(table):
    with pytest.raises(NotLaunchedError, match="launched at 2026-08-21"):
        q(table, "deepseek-v4-flash-vision-exp", "2026-08-20T12:00Z", input=M)
    with pytest.raises(NotLaunchedError, match="launched at 2026-07-31"):
        q(table, "deepseek-v4-flash-0731", "2026-07-30T12:00Z", input=M)


# -- Launch instants --------------------------------------------------------------------------------

# model, launch day, input price per 1M tokens at launch (from the research sheets)
@pytest.mark.parametrize("model, launch, input_usd", [
    ("gpt-5.4", "2026-03-05", "2.50"), ("gpt-5.4-mini", "2026-03-17", "0.75"), ("gpt-5.4-nano", "2026-03-17", "0.20"),
    ("gpt-5.5", "2026-04-23", "5"), ("gpt-5.5-pro", "2026-04-23", "30"), ("gpt-5.6-sol", "2026-07-09", "5"),
    ("claude-opus-4-7", "2026-04-16", "5"), ("claude-opus-4-8", "2026-05-28", "5"),
    ("claude-sonnet-5", "2026-06-30", "2"), ("claude-opus-5", "2026-07-24", "5"), ("gemini-3.1-pro", "2026-02-19", "2"),
    ("gemini-3.6-flash", "2026-07-21", "0.75"),
])
def test_a_quote_before_launch_is_refused_naming_the_launch(table, model, launch, input_usd):
    with pytest.raises(NotLaunchedError, match=f"launched at {launch} 00:00Z"):
        q(table, model, "2025-01-01T00:00Z", input=M)
    with pytest.raises(NotLaunchedError):  # one minute before the launch instant
        quote(table, model, TokenBundle(input=1000), at(f"{launch}T00:00Z") - timedelta(minutes=1))
    # from the launch minute on: 1M input tokens cost the input price per 1M
    assert q(table, model, f"{launch}T00:00Z", input=M).total_usd == D(input_usd)


def test_every_model_has_a_launch_instant(table):
    assert [m for m in table.models.values() if m.launched is None] == []


# -- Anthropic --------------------------------------------------------------------------------------

def test_claude_opus_4_8_writes_reads_and_output(table):
    # 1M each: input 5 + 5-minute write 6.25 + 1-hour write 10 + read 0.50 + output 25 = 46.75
    got = q(table, "claude-opus-4-8", "2026-10-01T00:00Z", input=M, cache_write_5m=M, cache_write_1h=M,
            cache_read=M, output=M)
    assert got.total_usd == D("5") + D("6.25") + D("10") + D("0.50") + D("25") == D("46.75")
    # fast mode (tier priority) is 2x on Opus 4.8: 93.50; batch is half: 23.375
    fast = q(table, "claude-opus-4-8", "2026-10-01T00:00Z", tier="fast", input=M, cache_write_5m=M,
             cache_write_1h=M, cache_read=M, output=M)
    assert fast.total_usd == 2 * D("46.75") == D("93.50")
    batch = q(table, "claude-opus-4-8", "2026-10-01T00:00Z", tier="batch", input=M, cache_write_5m=M,
              cache_write_1h=M, cache_read=M, output=M)
    assert batch.total_usd == D("46.75") / 2


def test_claude_opus_4_7_fast_mode_is_six_times(table):
    # input 5 x 6 = 30; output 25 x 6 = 150
    assert q(table, "claude-opus-4-7", "2026-10-01T00:00Z", tier="priority", input=M, output=M).total_usd \
        == D("180")


def test_claude_sonnet_5_stays_at_its_launch_price_after_0901(table):
    # input 2 + 5-minute write 2.50 + 1-hour write 4 + read 0.20 + output 10 = 18.70, before and after the
    # cancelled 2026-09-01 rise to 3 / 15
    for when in ("2026-08-31T23:59Z", "2026-09-01T00:00Z", "2026-12-01T00:00Z"):
        got = q(table, "claude-sonnet-5", when, input=M, cache_write_5m=M, cache_write_1h=M, cache_read=M,
                output=M)
        assert got.total_usd == D("2") + D("2.50") + D("4") + D("0.20") + D("10") == D("18.70")


def test_fable_5_1_reads_cache_at_a_quarter_of_fable_5(table):
    # Fable 5 read 1.00, Fable 5.1 read 0.25 (0.025x input 10)
    assert q(table, "claude-fable-5", "2026-10-01T00:00Z", cache_read=M).total_usd == D("1.00")
    assert q(table, "claude-fable-5-1", "2026-10-01T00:00Z", cache_read=M).total_usd == D("0.25")


# -- OpenAI -----------------------------------------------------------------------------------------

def test_gpt_5_6_sol_promotion_and_cache_writes(table):
    # One request with a 200,000-token prompt (below the 272K cliff): 100,000 uncached + 100,000 written to
    # cache (writes are charged at 1.25x input from GPT-5.6 on), and 1M output.
    bundle = dict(input=100_000, cache_write_5m=100_000, output=M)
    # before 2026-08-21: 100,000 x 5 / 1M = 0.50, 100,000 x 6.25 / 1M = 0.625, output 30 -> 31.125
    assert q(table, "gpt-5.6-sol", "2026-08-20T12:00Z", **bundle).total_usd == D("31.125")
    # promotion (assumed to continue after 2026-11-21): 0.40 + 0.50 + 20 = 20.90
    assert q(table, "gpt-5.6", "2026-12-01T00:00Z", **bundle).total_usd == D("20.90")
    # list scenario ignores the promotion: 31.125
    assert q(table, "gpt-5.6-sol", "2026-12-01T00:00Z", "list", **bundle).total_usd == D("31.125")


def test_gpt_5_6_sol_long_context_during_the_promotion(table):
    # One request with a 300,000-token prompt pays 2x input and 1.5x output for the whole request:
    # 300,000 x 8 / 1M = 2.40, output 50,000 x 30 / 1M = 1.50 -> 3.90
    assert q(table, "gpt-5.6-sol", "2026-10-01T00:00Z", requests=1, input=300_000,
             output=50_000).total_usd == D("3.90")


def test_gpt_5_6_terra_and_luna_cuts_of_0730(table):
    # 100,000 input + 1M output. Terra 2.50 / 15 -> 2 / 12: 0.25 + 15 = 15.25 -> 0.20 + 12 = 12.20
    assert q(table, "gpt-5.6-terra", "2026-07-29T12:00Z", input=100_000, output=M).total_usd == D("15.25")
    assert q(table, "gpt-5.6-terra", "2026-07-30T00:00Z", input=100_000, output=M).total_usd == D("12.20")
    # Luna 1 / 6 -> 0.20 / 1.20: 0.10 + 6 = 6.10 -> 0.02 + 1.20 = 1.22
    assert q(table, "gpt-5.6-luna", "2026-07-29T12:00Z", input=100_000, output=M).total_usd == D("6.10")
    assert q(table, "gpt-5.6-luna", "2026-07-30T00:00Z", input=100_000, output=M).total_usd == D("1.22")


def test_gpt_5_4_mini_flex_and_priority_nano_flex(table):
    # mini flex 0.375 + 2.25; priority 1.50 + 9; nano flex 0.10 + 0.625
    assert q(table, "gpt-5.4-mini", "2026-10-01T00:00Z", tier="flex", input=M, output=M).total_usd \
        == D("2.625")
    assert q(table, "gpt-5.4-mini", "2026-10-01T00:00Z", tier="priority", input=M, output=M).total_usd \
        == D("10.50")
    assert q(table, "gpt-5.4-nano", "2026-10-01T00:00Z", tier="flex", input=M, output=M).total_usd \
        == D("0.725")


def test_gpt_5_5_pro_long_context(table):
    # one 300,000-token prompt > 272K: input 30 x 2 = 60 per 1M -> 300,000 x 60 / 1M = 18;
    # output 180 x 1.5 = 270 per 1M -> 50,000 x 270 / 1M = 13.50
    got = q(table, "gpt-5.5-pro", "2026-10-01T00:00Z", requests=1, input=300_000, output=50_000)
    assert got.total_usd == D(300_000) * 60 / M + D(50_000) * 270 / M == D("31.5")


# -- Google -----------------------------------------------------------------------------------------

def test_gemini_3_6_flash_estimate_doubles_on_2027_01_01(table):
    text = ("schema_version: 1\nprofiles:\n  p:\n    models: [gemini-3.6-flash]\n"
            "    requests_per_day: 1000\n    input_tokens: 1000\n    output_tokens: 1000\n")
    workloads = costcalc.load_workloads(text, known_models=list(table.models) + list(table.aliases))
    df = costcalc.estimate(workloads, prices=table, start="2026-12", months=2)
    december = exact_sum(df[df["month"] == "2026-12"]["cost_usd"])
    january = exact_sum(df[df["month"] == "2027-01"]["cost_usd"])
    # December: 31 days x 1,000 requests x (1,000 x 0.75 + 1,000 x 3.75) / 1M = 31,000 x 0.0045 = 139.50
    assert december == D("139.50")
    # January: 31,000 x (1,000 x 1.50 + 1,000 x 7.50) / 1M = 31,000 x 0.009 = 279
    assert january == D("279") == 2 * december
    assert set(df[df["month"] == "2026-12"]["rule"]) == {"intro"}
    assert set(df[df["month"] == "2027-01"]["rule"]) == {"list"}


def test_gemini_3_1_pro_priority_on_a_long_prompt(table):
    # one 300,000-token prompt: input 2 x 2 (long context) x 1.8 = 7.20 per 1M -> 2.16;
    # output 12 x 1.5 x 1.8 = 32.40 per 1M -> 50,000 x 32.40 / 1M = 1.62
    got = q(table, "gemini-3.1-pro", "2026-10-01T00:00Z", tier="priority", requests=1, input=300_000,
            output=50_000)
    assert got.total_usd == D(300_000) * D("7.2") / M + D(50_000) * D("32.4") / M == D("3.78")


# -- aliases and listing ----------------------------------------------------------------------------

@pytest.mark.parametrize("alias, model", [
    ("gpt-5.4-2026-03-05", "gpt-5.4"), ("gpt-5.4-mini-2026-03-17", "gpt-5.4-mini"),
    ("gpt-5.4-nano-2026-03-17", "gpt-5.4-nano"), ("gpt-5.5-2026-04-23", "gpt-5.5"),
    ("gpt-5.5-pro-2026-04-23", "gpt-5.5-pro"), ("gpt-5.6", "gpt-5.6-sol"),
    ("claude-opus-4-7-20260416", "claude-opus-4-7"), ("claude-opus-4-6-20260205", "claude-opus-4-6"),
    ("claude-opus-4-5-20251101", "claude-opus-4-5"), ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
    ("claude-haiku-4-5-20251001", "claude-haiku-4-5"), ("gemini-3.1-pro-preview", "gemini-3.1-pro"),
    ("deepseek-v4.1-flash", "deepseek-flash"), ("MiniMax-M3", "minimax-m3"),
])
def test_dated_aliases_resolve(table, alias, model):
    assert table.aliases[alias] == model
    assert q(table, alias, "2026-11-01T12:00Z", input=M).billed_model == model


CURRENT = [
    "claude-fable-5", "claude-fable-5-1", "claude-haiku-4-5", "claude-mythos-5", "claude-mythos-5-1",
    "claude-opus-4-5", "claude-opus-4-6", "claude-opus-4-7", "claude-opus-4-8", "claude-opus-5",
    "claude-opus-5-5", "claude-sonnet-4-5", "claude-sonnet-4-6", "claude-sonnet-5",
    "deepseek-flash", "deepseek-v4-pro",
    "gemini-3.1-pro", "gemini-3.5-flash", "gemini-3.5-flash-lite", "gemini-3.6-flash", "gemini-3.7-flash",
    "gemini-3.8-flash",
    "gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano", "gpt-5.5", "gpt-5.5-pro", "gpt-5.6-luna", "gpt-5.6-sol",
    "gpt-5.6-terra", "gpt-6-astra", "gpt-6-luna", "gpt-6-sol",
    "qwen3.8-flash", "qwen3.8-max", "kimi-k3", "glm-5.2", "glm-5.3", "minimax-m3", "grok-4.5",
]


def test_prices_list_shows_every_current_model():
    result = CliRunner().invoke(cli, ["prices", "list", "--at", "2026-12-01T12:00Z", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {row["model"]: row for row in json.loads(result.stdout)}
    for model in CURRENT:
        assert rows[model]["status"] == "ok", model
    # the list's standard rates are the hand-written ones, e.g. Kimi K3 3 / 0.30 / 15
    assert (D(rows["kimi-k3"]["input"]), D(rows["kimi-k3"]["output"])) == (D(3), D(15))


def test_prices_check_passes():
    result = CliRunner().invoke(cli, ["prices", "check"])
    assert result.exit_code == 0, result.output
    assert "version 2026.12.01.4" in result.output


# -- per-call fees in the bundled table ------------------------------------------------------------------

def _november(table, model: str):
    text = ("schema_version: 1\nprofiles:\n  p:\n    models: [" + model + "]\n"
            "    requests_per_day: 1000\n    input_tokens: 1000\n    output_tokens: 100\n"
            "    tool_calls_per_request: {web_search: 0.3}\n")
    workloads = costcalc.load_workloads(text, known_models=list(table.models) + list(table.aliases))
    return costcalc.estimate(workloads, prices=table, start="2026-11", months=1)


def test_web_search_fees_of_openai_and_anthropic_by_hand(table):
    for model in ("gpt-5.5", "claude-sonnet-5"):
        df = _november(table, model)
        fee = df[df["component"] == "tool:web_search"]
        # November: 30 days x 1,000 requests x 0.3 searches = 9,000 calls at 10 USD per 1,000 = 90.00
        assert exact_sum(fee["tokens"]) == 9_000
        assert exact_sum(fee["cost_usd"]) == D(9_000) * 10 / 1000 == D(90)
    # the token lines beside it, gpt-5.5: 30,000 requests x (1,000 x 5 + 100 x 30) / 1M = 240.00
    df = _november(table, "gpt-5.5")
    assert exact_sum(df["cost_usd"]) == D(30_000) * (1000 * 5 + 100 * 30) / M + 90 == D(330)


def test_deepseek_search_fee_is_stated_unpriced_not_zero(table):
    # DeepSeek publishes its Search/Fetch fee in CNY only (5 per 1,000 calls) and no USD price was found:
    # the calls are not silently priced at 0 or at a guessed exchange rate: an assumption names them
    df = _november(table, "deepseek-flash")
    assert not (df["component"] == "tool:web_search").any()
    notes = [a for a in df.attrs["assumptions"] if "web_search" in a]
    assert len(notes) == 1
    assert notes[0].startswith("deepseek-flash publishes its web_search fee only in 5 CNY per 1,000 calls "
                               "(no USD price) for (part of) 2026-11: p's web_search calls then are not priced")
    # the table records the fee itself, dated and sourced: from 2026-11-01 00:00 Beijing
    [fee] = [f for f in table.models["deepseek-flash"].fees if f.tool == "web_search"]
    assert (fee.usd_per_1k_calls, fee.native, fee.when.start) == (None, {"CNY": D(5)}, at("2026-10-31T16:00Z"))
    # a quote of such calls is one clear line
    result = CliRunner().invoke(cli, ["quote", "deepseek-flash", "--input", "1000", "--tool-calls", "web_search=3",
                                      "--at", "2026-11-05T00:00Z"])
    assert result.exit_code == 1 and result.stdout == ""
    assert "publishes its web_search fee at 2026-11-05 00:00Z only in 5 CNY per 1,000 calls" in result.stderr


# -- notes and sources say what is true of each model -------------------------------------------------

def _named(text: str) -> set[str]:
    """OpenAI model ids a note names, with its shorthand expanded: gpt-5.6-luna/-sol/-terra is three ids,
    gpt-5.4-mini/-nano two."""
    import re

    out = set()
    for first, more in re.findall(r"\b(gpt-\d+(?:\.\d+)?(?:-[a-z]+)?)((?:/-[a-z]+)*)", text):
        out.add(first)
        base = first.rsplit("-", 1)[0]
        out.update(base + "-" + variant for variant in more.split("/-")[1:])
    return out


def _provider_note(table, provider: str, start: str) -> str:
    [note] = [n for n in table.providers[provider].notes if n.startswith(start)]
    return note


def test_openai_provider_notes_hold_for_every_model_they_are_shown_under(table):
    models = {m for m, spec in table.models.items() if spec.provider == "openai"}
    long_context = {m for m in models if any(x.label == "long-context" for x in table.models[m].modifiers)}
    priority = {m for m in models if "priority" in table.models[m].tiers}
    residency = {m for m in models if table.models[m].residency}
    assert {"gpt-5.4-mini", "gpt-5.4-nano"} <= models - long_context and "gpt-6-sol" not in residency
    # Long context: the models named as having it are exactly those with the modifier; the others are
    # named as having none.
    note = _provider_note(table, "openai", "Long context")
    having, lacking = note.split(")", 1)[0].split(";")
    assert _named(having) == long_context and _named(lacking) == models - long_context
    # Fast mode: named with a price exactly where the model has the priority tier.
    note = _provider_note(table, "openai", "Priority processing")
    having, lacking = note.split("price:", 1)[1].split("have none", 1)[0].split(";")
    assert _named(having) == priority and _named(lacking) == models - priority
    # Residency: priced exactly for the models named, refused for the others, which are named too.
    note = _provider_note(table, "openai", "Data residency")
    having, lacking = note.split("The table prices it for", 1)[1].split("have no residency price", 1)[0].split(". ")
    assert _named(having) == residency and _named(lacking) == models - residency
    result = CliRunner().invoke(cli, ["quote", "gpt-6-sol", "--input", "1k", "--output-tokens", "1k", "--residency"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == "costcalc: gpt-6-sol has no data-residency pricing\n"
    # What `prices show` prints under gpt-5.4-mini says it has no long-context tier.
    shown = CliRunner().invoke(cli, ["prices", "show", "gpt-5.4-mini"]).stdout.replace("\n", " ")
    assert "gpt-5.4-mini and gpt-5.4-nano have none" in " ".join(shown.split())


def test_anthropic_and_google_provider_notes_hold_for_every_model(table):
    models = {m for m, spec in table.models.items() if spec.provider == "anthropic"}
    us_only = {m for m in models if table.models[m].residency}
    fast = {m for m in models if "priority" in table.models[m].tiers}
    # The notes name these by display name; the sets are written out here from the notes' wording.
    assert us_only == {"claude-opus-4-6", "claude-opus-4-7", "claude-opus-4-8", "claude-opus-5", "claude-sonnet-5",
                       "claude-fable-5", "claude-fable-5-1", "claude-mythos-5", "claude-mythos-5-1"}
    note = " ".join(_provider_note(table, "anthropic", "US-only").split())
    assert "Opus 4.6, 4.7, 4.8 and 5, Sonnet 5, Fable 5 and 5.1, Mythos 5 and 5.1." in note
    assert "Opus 5.5 and Sonnet 4.6 have no residency price here" in note
    assert "nor do Opus 4.5, Sonnet 4.5 and Haiku 4.5" in note
    assert fast == {"claude-opus-4-6", "claude-opus-4-7", "claude-opus-4-8", "claude-opus-5", "claude-opus-5-5"}
    note = " ".join(_provider_note(table, "anthropic", "Fast mode").split())
    assert note.endswith("No fast mode is priced for Opus 4.5, Sonnet, Haiku, Fable or Mythos.")
    gemini = {m for m, spec in table.models.items() if spec.provider == "google"}
    assert {m for m in gemini if "flex" not in table.models[m].tiers} == {"gemini-3.1-pro"}
    assert all({"batch", "priority"} <= set(table.models[m].tiers) for m in gemini)
    note = " ".join(_provider_note(table, "google", "Tiers").split())
    assert "gemini-3.1-pro has no flex price here" in note


def test_sources_name_what_was_read(table):
    english, chinese = ("https://api-docs.deepseek.com/quick_start/pricing",
                        "https://api-docs.deepseek.com/zh-cn/quick_start/pricing")
    # CNY figures on a rule sourced to DeepSeek's English page were read on the Chinese page: said, dated.
    cited = [r for m in table.models.values() for r in m.rules if r.native and r.source == english]
    assert len(cited) == 6
    for rule in cited:
        note = " ".join(rule.note.split())
        assert chinese in note and "as read 2026-12-01" in note and "item 6" in note
    # The web search and fetch fees cite what was read; the notes name the vendor's own page, unread.
    fees = {(m, f.tool): f for m in ("claude-opus-4-8", "gpt-5.5") for f in table.models[m].fees}
    search = fees["claude-opus-4-8", "web_search"]
    assert search.source.startswith("https://github.com/pydantic/genai-prices/blob/47df840a")
    assert "platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool) was not read" in \
        " ".join(search.note.split())
    fetch = fees["claude-opus-4-8", "web_fetch"]
    assert fetch.source.startswith("https://github.com/xiaoyuge886/aigc/blob/") and fetch.usd_per_1k_calls == 0
    openai = fees["gpt-5.5", "web_search"]
    assert openai.source == "https://community.openai.com/t/search-web-using-openai-api/1363698"
    assert "not an OpenAI statement" in openai.note and "was not read for this fee" in " ".join(openai.note.split())
