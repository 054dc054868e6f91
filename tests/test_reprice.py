"""Re-pricing normalized usage records: every expected cost computed by hand from the rates published
in pricing.yaml (USD per 1M tokens), record by record."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import costcalc
from costcalc.prices import load_prices
from costcalc.usage.price import Repricer, record_costs
from costcalc.usage.chunk import UsageChunk
from costcalc.usage.run import price_records, reprice_chunks

from .helpers import UNLIMITED_TABLE, scratch_file

M = Decimal(1_000_000)
COUNTS = ("input_tokens", "cached_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "output_tokens",
          "reasoning_tokens")


@pytest.fixture(scope="module")
def unlimited(tmp_path_factory):
    """The bundled table with acme-unlimited (helpers.UNLIMITED_TABLE: 3 input / 15 output USD per 1M
    tokens, no context window or max output) over it."""
    path = scratch_file(tmp_path_factory, "overlay", "unlimited.yaml", UNLIMITED_TABLE)
    return load_prices(overlays=[path])

def FrameChunk(frame: pd.DataFrame) -> UsageChunk:
    """A normalized frame as one chunk with no reading problems."""
    return UsageChunk(frame, len(frame), [])


def usage(*records: dict) -> pd.DataFrame:
    """A normalized usage frame; each record gives timestamp, model and the counts it needs."""
    rows = []
    for i, r in enumerate(records):
        row = {"timestamp": r["timestamp"], "provider": r.get("provider", ""), "model": r["model"]}
        row.update({c: r.get(c, 0) for c in COUNTS})
        row.update({"service_tier": r.get("service_tier", "standard"), "residency": r.get("residency", False),
                    "source": r.get("source", "log.jsonl"), "line": r.get("line", i + 1)})
        row.update({k: v for k, v in r.items() if k.startswith("tag:")})
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
    for c in COUNTS:
        frame[c] = frame[c].astype("int64")
    return frame


def cost(rates, input_tokens=0, cached=0, w5=0, w1=0, output=0, reasoning=0) -> Decimal:
    """Hand formula: each count x its rate / 1M; rates = (input, cache_read, write_5m, write_1h, output)
    with reasoning billed at the output rate."""
    i, c, a, b, o = (Decimal(x) for x in rates)
    return (input_tokens * i + cached * c + w5 * a + w1 * b + (output + reasoning) * o) / M


@pytest.fixture(scope="module")
def table():
    return load_prices()


def per_record(table, frame, models=None):
    return price_records([FrameChunk(frame)], table, models)


# DeepSeek V4-Pro rates (pricing.yaml): list after the promotion became the price, then peak and off-peak
# from 2026-08-16 16:00Z (every day until 08-23, weekdays only after), peak 01:00-04:00 and 06:00-10:00 UTC.
DS_LIST = ("0.435", "0.003625", "0.435", "0.435", "0.87")
DS_PEAK = ("1.32", "0.044", "1.32", "1.32", "3.96")
DS_OFF = ("0.66", "0.022", "0.66", "0.66", "1.98")
DS_TOKENS = {"input_tokens": 1000, "cached_tokens": 10000, "output_tokens": 500, "reasoning_tokens": 200}


def test_deepseek_log_straddling_the_peak_switch_priced_record_by_record(table):
    stamps = [
        ("2026-08-16T15:59:59.900Z", DS_LIST, "list"),     # last instant of the old price (Sunday)
        ("2026-08-16T16:00:00Z", DS_OFF, "off-peak"),      # new pricing starts; 16:00 is off-peak
        ("2026-08-17T02:30:00Z", DS_PEAK, "peak"),         # Monday 01:00-04:00
        ("2026-08-17T04:00:00Z", DS_OFF, "off-peak"),      # window end is exclusive
        ("2026-08-22T03:00:00Z", DS_PEAK, "peak"),         # Saturday, before the weekday rule (08-23)
        ("2026-08-29T03:00:00Z", DS_OFF, "off-peak"),      # Saturday after it: off-peak all day
        ("2026-08-24T09:59:59Z", DS_PEAK, "peak"),
        ("2026-08-24T10:00:00Z", DS_OFF, "off-peak"),
    ]
    frame = usage(*({"timestamp": t, "model": "deepseek-v4-pro", "provider": "deepseek", **DS_TOKENS}
                    for t, _, _ in stamps))
    out = per_record(table, frame)
    assert list(out["rule"]) == [rule for _, _, rule in stamps]
    expected = [cost(r, 1000, 10000, output=500, reasoning=200) for _, r, _ in stamps]
    assert list(out["cost_usd"]) == expected
    assert expected[0] == Decimal("0.00108025") and expected[1] == Decimal("0.002266") \
        and expected[2] == Decimal("0.004532")
    grouped = reprice_chunks([FrameChunk(frame)], table, by=["day"])
    assert sum(grouped.rows["cost_usd"]) == sum(expected)


def test_gpt55_whole_request_at_the_long_context_rate_above_272k(table):
    at = "2026-06-01T00:00:00Z"
    frame = usage({"timestamp": at, "model": "gpt-5.5", "input_tokens": 172_000, "cached_tokens": 100_000,
                   "output_tokens": 1000},
                  {"timestamp": at, "model": "gpt-5.5", "input_tokens": 172_001, "cached_tokens": 100_000,
                   "output_tokens": 1000})
    out = per_record(table, frame)
    # 272,000 prompt tokens: standard 5.00 / 0.50 / 30.00; one more: the whole request 10 / 1 / 45.
    assert out["cost_usd"][0] == cost(("5.00", "0.50", "5", "5", "30.00"), 172_000, 100_000, output=1000)
    assert out["cost_usd"][1] == cost(("10.00", "1.00", "10", "10", "45.00"), 172_001, 100_000, output=1000)
    assert out["rule"][1] == "list+long-context"


def test_reasoning_follows_the_output_multiplier_under_long_context(table):
    frame = usage({"timestamp": "2026-06-01T00:00:00Z", "model": "gpt-5.5", "input_tokens": 300_000,
                   "output_tokens": 1000, "reasoning_tokens": 2000})
    out = per_record(table, frame)
    # Reasoning bills as output; above 272K output is 30 x 1.5 = 45, and so is reasoning.
    assert out["cost_usd"][0] == (300_000 * Decimal(10) + 3000 * Decimal(45)) / M


def test_claude_cache_writes_batch_and_us_residency(table):
    at = "2026-10-01T12:00:00Z"
    frame = usage(
        {"timestamp": at, "model": "claude-opus-4-7", "input_tokens": 2000, "cached_tokens": 50_000,
         "cache_write_5m_tokens": 10_000, "cache_write_1h_tokens": 4000, "output_tokens": 3000},
        {"timestamp": at, "model": "claude-opus-4-7", "input_tokens": 2000, "output_tokens": 3000,
         "service_tier": "batch"},
        {"timestamp": at, "model": "claude-opus-4-7", "input_tokens": 2000, "output_tokens": 3000,
         "residency": True})
    out = per_record(table, frame)
    opus = ("5", "0.50", "6.25", "10", "25")
    assert out["cost_usd"][0] == cost(opus, 2000, 50_000, 10_000, 4000, 3000)
    assert out["cost_usd"][0] == Decimal("0.2125")  # 0.01 + 0.025 + 0.0625 + 0.04 + 0.075
    assert out["cost_usd"][1] == cost(opus, 2000, output=3000) / 2  # batch: half
    assert out["cost_usd"][2] == cost(opus, 2000, output=3000) * Decimal("1.1")  # US-only inference


def test_routing_and_retirement_per_record(table):
    frame = usage(
        {"timestamp": "2026-07-01T00:00:00Z", "model": "deepseek-chat"},             # billed as V4-Flash
        {"timestamp": "2026-07-24T16:00:00Z", "model": "deepseek-chat", "line": 9},  # retired this minute
        {"timestamp": "2026-09-12T00:00:00Z", "model": "deepseek-v4-flash"})         # routed to deepseek-flash
    frame["input_tokens"] = 1_000_000
    out = per_record(table, frame)
    assert out.attrs["records"] == 3 and out.attrs["priced"] == 2 and out.attrs["reported"] == 1
    assert out.attrs["problems"] == ["log.jsonl:9: model: 'deepseek-chat': deepseek-chat was retired at "
                                     "2026-07-24 16:00Z; use deepseek-v4-flash instead"]
    assert list(out["billed_model"]) == ["deepseek-v4-flash", "deepseek-flash"]
    assert out["rule"][1].startswith("deepseek-flash:")


def test_unknown_models_and_unoffered_tiers_are_reported_with_their_line(table):
    frame = usage({"timestamp": "2026-10-01T00:00:00Z", "model": "gpt-9", "line": 4},
                  {"timestamp": "2026-10-01T00:00:00Z", "model": "deepseek-v4-pro", "service_tier": "batch",
                   "line": 7},
                  {"timestamp": "2026-10-01T00:00:00Z", "model": "gpt-5.5", "input_tokens": 10, "line": 8})
    result = reprice_chunks([FrameChunk(frame)], table)
    assert (result.records, result.priced, result.reported) == (3, 1, 2)
    text = [str(p) for p in result.problems]
    assert text[0].startswith("log.jsonl:4: model: 'gpt-9': unknown model 'gpt-9'")
    assert text[1] == "log.jsonl:7: service_tier: 'batch': deepseek-v4-pro offers no batch tier; offered: " \
                      "standard"
    assert result.total_usd == Decimal(10) * Decimal("5.00") / M


def test_snapshot_ids_and_provider_qualified_names(table):
    # gpt-5.5-2026-04-23 is a listed alias; gpt-5.5-2026-11-20 stands for a snapshot the table does not list
    frame = usage({"timestamp": "2026-10-01T00:00:00Z", "model": "gpt-5.5-2026-11-20", "output_tokens": 1000},
                  {"timestamp": "2026-10-01T00:00:00Z", "provider": "openrouter",
                   "model": "deepseek/deepseek-v4-pro", "output_tokens": 1000},
                  {"timestamp": "2026-10-01T00:00:00Z", "model": "gpt-5.5-2026-04-23", "output_tokens": 1000})
    out = per_record(table, frame)
    assert list(out["model_priced"]) == ["gpt-5.5", "openrouter/deepseek-v4-pro", "gpt-5.5"]
    # OpenRouter after DeepSeek's 2026-08-16 change is assumed to pass DeepSeek's own schedule through:
    # Thursday 2026-10-01 00:00 UTC is off-peak, output 1.98
    assert list(out["cost_usd"]) == [Decimal("30.00") * 1000 / M, Decimal("1.98") * 1000 / M,
                                     Decimal("30.00") * 1000 / M]
    assert any("gpt-5.5-2026-11-20 is priced as gpt-5.5" in a for a in out.attrs["assumptions"])
    assert not any("gpt-5.5-2026-04-23 is priced as" in a for a in out.attrs["assumptions"])


def test_as_other_models_translates_tokens_and_marks_estimates(table):
    frame = usage({"timestamp": "2026-10-01T00:00:00Z", "model": "gpt-5.5", "input_tokens": 1000,
                   "cached_tokens": 2000, "output_tokens": 100, "service_tier": "flex"})
    out = per_record(table, frame, ["claude-opus-4-7", "gpt-5.4"])
    assert list(out["priced_as"]) == ["logged", "claude-opus-4-7", "gpt-5.4"]
    assert list(out["estimated"]) == [False, True, False]
    # o200k -> Opus 4.7 estimate: x1.30 (half up): 1300 input, 2600 cached, 130 output; flex is not an
    # Anthropic tier, so standard rates with a stated assumption.
    assert out["cost_usd"][1] == cost(("5", "0.50", "6.25", "10", "25"), 1300, 2600, output=130)
    # gpt-5.4 shares the tokenizer: counts unchanged, flex is half price.
    assert out["cost_usd"][2] == cost(("2.50", "0.25", "2.5", "2.5", "15.00"), 1000, 2000, output=100) / 2
    assert any("offers no flex tier" in a for a in out.attrs["assumptions"])


def test_chunked_and_whole_totals_are_identical_and_counts_balance(table):
    rng = np.random.default_rng(7)
    n = 5000
    models = np.array(["deepseek-v4-pro", "gpt-5.5", "claude-opus-4-7", "deepseek-v4-flash", "nope"])
    start = np.datetime64("2026-05-25T00:00:00", "s")
    frame = usage(*({"timestamp": str(start + np.timedelta64(int(s), "s")) + "Z", "model": m,
                     "input_tokens": int(i), "cached_tokens": int(c), "output_tokens": int(o)}
                    for s, m, i, c, o in zip(rng.integers(0, 150 * 86400, n), rng.choice(models, n),
                                             rng.integers(0, 400_000, n), rng.integers(0, 5000, n),
                                             rng.integers(0, 9000, n))))
    whole = reprice_chunks([FrameChunk(frame)], table, ["gpt-5.4"], by=["month"])
    parts = [FrameChunk(frame.iloc[i:i + 333]) for i in range(0, n, 333)]
    chunked = reprice_chunks(parts, table, ["gpt-5.4"], by=["month"])
    assert chunked.totals_usd == whole.totals_usd
    pd.testing.assert_frame_equal(chunked.rows, whole.rows)
    assert whole.records == n == whole.priced + whole.reported
    assert whole.reported == int((frame["model"] == "nope").sum())
    # Per-record costs sum exactly to the grouped totals.
    records = per_record(table, frame, ["gpt-5.4"])
    for label, total in whole.totals_usd.items():
        assert sum(records.loc[records["priced_as"] == label, "cost_usd"]) == total


def test_record_costs_fall_back_to_python_integers_when_int64_would_overflow(unlimited):
    repricer = Repricer(unlimited)
    frame = usage({"timestamp": "2026-10-01T00:00:00Z", "model": "acme-unlimited",
                   "output_tokens": 4_000_000_000_000_000})
    priced = repricer.price(frame)
    # 4e15 tokens x 15 USD per 1M = 6e10 USD
    assert record_costs(repricer.outcomes, priced.outcome[0], priced.tokens[0]) == [Decimal(60_000_000_000)]


def test_grouping_by_tag_and_day(table):
    frame = usage({"timestamp": "2026-10-01T00:00:00Z", "model": "gpt-5.5", "output_tokens": 1000, "tag:team": "a"},
                  {"timestamp": "2026-10-01T05:00:00Z", "model": "gpt-5.5", "output_tokens": 2000, "tag:team": "b"},
                  {"timestamp": "2026-10-02T00:00:00Z", "model": "gpt-5.5", "output_tokens": 4000, "tag:team": "a"})
    rows = reprice_chunks([FrameChunk(frame)], table, by=["tag:team", "day"]).rows
    assert list(zip(rows["tag:team"], rows["day"], rows["records"])) == [
        ("a", "2026-10-01", 1), ("a", "2026-10-02", 1), ("b", "2026-10-01", 1)]
    assert list(rows["cost_usd"]) == [Decimal(n) * Decimal("30.00") / M for n in (1000, 4000, 2000)]


def test_library_reprice_groups_and_keeps_metadata(table):
    frame = usage({"timestamp": "2026-10-01T00:00:00Z", "model": "gpt-5.5", "output_tokens": 1000})
    out = costcalc.reprice(frame, models=["deepseek-v4-pro"], by="month")
    assert list(out["priced_as"]) == ["logged", "deepseek-v4-pro"]
    assert out.attrs["total_usd"] == "0.03"
    assert out.attrs["price_table"]["version"] == table.version


def test_every_record_matches_a_quote_at_its_own_instant(table):
    """The vectorized path (segments cut per month, one searchsorted) against the per-request quote
    (rules resolved at the instant), on random records across models, tiers, cliffs and 2026."""
    rng = np.random.default_rng(11)
    n = 400
    models = ["deepseek-v4-pro", "deepseek-v4-flash", "gpt-5.5", "gpt-5.4", "claude-opus-4-7",
              "claude-sonnet-4-5", "gemini-3.1-pro", "openrouter/deepseek-v4-pro", "deepseek-chat"]
    tiers = ["standard", "standard", "batch", "flex", "priority"]
    start = np.datetime64("2026-04-20T00:00:00", "s")
    records = []
    for i in range(n):
        at = start + np.timedelta64(int(rng.integers(0, 220 * 86400)), "s")
        records.append({"timestamp": str(at) + "Z", "model": str(rng.choice(models)),
                        "input_tokens": int(rng.choice([1000, 150_000, 260_000])) + int(rng.integers(0, 20_000)),
                        "cached_tokens": int(rng.integers(0, 30_000)),
                        "cache_write_5m_tokens": int(rng.integers(0, 3)) * 1000,
                        "cache_write_1h_tokens": int(rng.integers(0, 2)) * 2000,
                        "output_tokens": int(rng.integers(0, 5000)), "reasoning_tokens": int(rng.integers(0, 3000)),
                        "service_tier": str(rng.choice(tiers)), "residency": bool(rng.random() < 0.2),
                        "line": i + 1})
    frame = usage(*records)
    out = per_record(table, frame)
    priced = dict(zip(out["line"], out["cost_usd"]))
    matched = refused = 0
    for r in records:
        try:
            q = costcalc.quote(r["model"], at=r["timestamp"], prices=table, tier=r["service_tier"],
                               residency=r["residency"], input=r["input_tokens"], cache_read=r["cached_tokens"],
                               cache_write_5m=r["cache_write_5m_tokens"], cache_write_1h=r["cache_write_1h_tokens"],
                               output=r["output_tokens"], reasoning=r["reasoning_tokens"])
        except costcalc.CostcalcError:
            assert r["line"] not in priced  # refused by quote: reported by reprice
            refused += 1
            continue
        assert priced[r["line"]] == q.total_usd, r
        matched += 1
    assert out.attrs["reported"] == refused and matched + refused == n
    assert matched > 150 and refused > 20  # both paths exercised


def test_an_as_model_without_a_price_leaves_the_logged_total_alone(table):
    frame = usage({"timestamp": "2026-09-01T00:00:00Z", "model": "gpt-5.5", "output_tokens": 1000},
                  {"timestamp": "2026-07-01T00:00:00Z", "model": "gpt-5.5", "output_tokens": 1000})
    result = reprice_chunks([FrameChunk(frame)], table, ["deepseek-chat"])  # retired 2026-07-24 16:00Z
    assert (result.records, result.priced, result.reported) == (2, 2, 0)
    assert result.totals_usd["logged"] == 2 * 1000 * Decimal("30.00") / M
    # deepseek-chat priced the July record only (as V4-Flash, x26/25 tokens: 1040 output)
    assert list(result.rows.loc[result.rows["priced_as"] == "deepseek-chat", "records"]) == [1]
    assert any(a.startswith("1 records have no price as deepseek-chat (deepseek-chat was retired")
               for a in result.assumptions)


def test_sums_beyond_int64_stay_exact(unlimited):
    frame = usage(*({"timestamp": "2026-09-01T00:00:00Z", "model": "acme-unlimited", "output_tokens": 10 ** 18}
                    for _ in range(10)))  # 10**19 tokens in all: more than int64 holds
    result = reprice_chunks([FrameChunk(frame)], unlimited)
    assert result.rows["output_tokens"][0] == 10 ** 19
    assert result.total_usd == Decimal(10 ** 19) * Decimal("15") / M


# -- per-record re-pricing (by=None) lists what --as models and tool fees leave out in an order set by its
# own input (revU 3): the process's shared PricePlan numbers errors and outcomes as earlier runs met them

LAUNCH = "gpt-5.5 launched at 2026-04-23 00:00Z; it has no price before then"


def _left_out_lines(table, frame: pd.DataFrame, models: list[str]) -> list[str]:
    return [line for line in per_record(table, frame, models).attrs["assumptions"] if "token counts" not in line]


def test_lines_of_what_is_left_out_do_not_follow_earlier_runs(table, monkeypatch):
    from costcalc.usage import price

    def record(timestamp: str, model: str = "claude-haiku-4-5") -> dict:
        return {"timestamp": timestamp, "model": model, "input_tokens": 1000}

    # --as gpt-5.5 (launched 2026-04-23) prices none of January's and February's records: one line per month
    # asked. Neither DeepSeek model has a web_search fee: one line per model
    june = "2026-06-10T00:00:00Z"
    frame = usage(record("2026-01-10T00:00:00Z"), record("2026-02-10T00:00:00Z"), record("2026-02-11T00:00:00Z"),
                  record(june, "deepseek-v4-pro"), record(june, "deepseek-v4-flash"))
    frame["web_search_calls"] = np.array([0, 0, 0, 2, 3], dtype=np.int64)
    earlier = usage(record("2026-02-10T00:00:00Z"), record(june, "deepseek-v4-flash"))
    earlier["web_search_calls"] = np.array([0, 1], dtype=np.int64)
    fee = "web_search calls in 1 records priced as logged on {0} are not priced: {0} has no web_search fee in the " \
          "price table then (their tokens are priced; the calls are left out of the totals, not counted as free)"
    as_gpt = "records have no price as gpt-5.5 ({0} (asked for 2026-{1}-01 00:00Z)): its totals leave them out"
    expected = ["1 " + as_gpt.format(LAUNCH, "01"), "2 " + as_gpt.format(LAUNCH, "02"),
                "3 " + fee.format("deepseek-v4-flash"), "2 " + fee.format("deepseek-v4-pro")]

    monkeypatch.setattr(price, "_PLANS", {})  # a fresh process
    alone = _left_out_lines(table, frame, ["gpt-5.5"])
    monkeypatch.setattr(price, "_PLANS", {})
    _left_out_lines(table, earlier, ["gpt-5.5"])  # February's error and flash's outcomes numbered first
    after = _left_out_lines(table, frame, ["gpt-5.5"])
    assert alone == after == expected
    assert reprice_chunks([FrameChunk(frame)], table, ["gpt-5.5"]).assumptions[-4:] == expected  # as totals list them
