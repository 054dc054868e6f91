"""The projection against hand-computed monthly costs, plus properties that must hold for any profile."""

import calendar
from fractions import Fraction
from decimal import Decimal as D

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import costcalc
from costcalc.money import exact_sum

KNOWN = None


def profiles(text, table):
    return costcalc.load_workloads(text, known_models=list(table.models) + list(table.aliases))


def run(table, body, start, months=1, scenario="actual", models="[gpt-5.5]", cases=False):
    text = f"schema_version: 1\nprofiles:\n  p:\n    models: {models}\n" + \
        "".join(f"    {line}\n" for line in body.strip().splitlines())
    return costcalc.estimate(profiles(text, table), prices=table, start=start, months=months,
                             scenario=scenario, cases=cases)


def total(df, **where):
    """Exact sum (at 120 digits: the default 28 would round a 10-million-dollar total at 1e-20)."""
    for key, value in where.items():
        df = df[df[key] == value]
    return exact_sum(df["cost_usd"])


BASE = """
requests_per_day: 1000
input_tokens: 1000
output_tokens: 1000
"""
# DeepSeek's own counts (the tests of DeepSeek's price rules price the counts as given)
DEEPSEEK_UNIT = "tokens_counted_with: deepseek-v4"


def test_gpt55_and_opus_june(table):
    # 30 days x 1,000 requests = 30,000 requests of 1,000 in + 1,000 out (o200k_base counts)
    df = run(table, BASE, "2026-06", models="[gpt-5.5, claude-opus-4-7]")
    assert total(df, model="gpt-5.5") == 30_000 * (D(1000) * 5 + D(1000) * 30) / 1_000_000  # 1050
    # Opus 4.7's tokenizer: the same text is 1.3x the o200k tokens (1,300 + 1,300) at 5 + 25 per 1M
    assert total(df, model="claude-opus-4-7") == 30_000 * (D(1300) * 5 + D(1300) * 25) / 1_000_000 == D(1170)


def test_v4_pro_may_actual_and_list(table):
    # actual: promo (0.435 + 0.87 per 1M) until 05-31 16:00, then the same price as standard
    # counts in DeepSeek's own tokenizer: priced as given
    df = run(table, BASE + DEEPSEEK_UNIT, "2026-05", models="[deepseek-v4-pro]")
    assert total(df) == 31_000 * (D("0.435") + D("0.87")) / 1000  # 40.455
    # list: 1.74 + 3.48 for 30 days and 16 hours, then 0.435 + 0.87 for the last 8 hours
    listed = run(table, BASE + DEEPSEEK_UNIT, "2026-05", scenario="list", models="[deepseek-v4-pro]")
    before = D(1000) * (30 * 24 + 16) / 24 * (D("1.74") + D("3.48")) / 1000
    after = D(1000) * 8 / 24 * (D("0.435") + D("0.87")) / 1000
    assert round(total(listed), 10) == round(before + after, 10) == D("160.515")
    # the month is split exactly at 16:00: two 'list' rows per component with different rates
    rates = sorted(set(listed.loc[listed["component"] == "input", "usd_per_mtok"]))
    assert rates == [D("0.435"), D("1.74")]
    split = listed[(listed["component"] == "input") & (listed["usd_per_mtok"] == D("1.74"))]
    assert split["period_end"].iloc[0] == pd.Timestamp("2026-05-31T16:00")  # naive UTC


def september_weekday_peak_share():
    """September 2026 by hand: weekdays x 7 peak hours out of 30 x 24 hours."""
    weekdays = sum(1 for day in range(1, 31) if calendar.weekday(2026, 9, day) < 5)
    assert weekdays == 22
    return D(weekdays * 7) / (30 * 24)


def test_v4_pro_september_peak_off_peak(table):
    peak = september_weekday_peak_share()
    per_request_peak = D(1000) * (D("1.32") + D("3.96")) / 1_000_000
    per_request_off = D(1000) * (D("0.66") + D("1.98")) / 1_000_000
    expected = 30_000 * (peak * per_request_peak + (1 - peak) * per_request_off)
    df = run(table, BASE + DEEPSEEK_UNIT, "2026-09", models="[deepseek-v4-pro]")
    assert abs(total(df) - expected) < D("1e-20")
    assert round(total(df), 2) == D("96.14")
    # the same 1,000 + 1,000 counted with o200k: 1,040 + 1,040 DeepSeek tokens (x1.04), 4% more
    o200k = run(table, BASE, "2026-09", models="[deepseek-v4-pro]")
    assert abs(total(o200k) - expected * D("1.04")) < D("1e-20")


def test_v4_pro_september_with_half_cached(table):
    peak = september_weekday_peak_share()
    per_peak = (500 * D("1.32") + 500 * D("0.044") + 1000 * D("3.96")) / 1_000_000
    per_off = (500 * D("0.66") + 500 * D("0.022") + 1000 * D("1.98")) / 1_000_000
    df = run(table, BASE + DEEPSEEK_UNIT + "\ncache_hit_rate: 0.5", "2026-09", models="[deepseek-v4-pro]")
    assert round(total(df), 2) == round(30_000 * (peak * per_peak + (1 - peak) * per_off), 2) == D("84.52")


def test_cliff_priced_per_histogram_bin_not_mean(table):
    body = """
requests_per_day: 100
input_tokens: {histogram: [{tokens: 100000, share: 0.9}, {tokens: 400000, share: 0.1}]}
output_tokens: 2000
"""
    df = run(table, body, "2026-06")
    small = 2700 * (D(100_000) * 5 + D(2000) * 30) / 1_000_000    # 1512
    large = 300 * (D(400_000) * 10 + D(2000) * 45) / 1_000_000     # 1227
    assert total(df) == small + large == D("2739.00")
    mean_shortcut = 3000 * (D(130_000) * 5 + D(2000) * 30) / 1_000_000
    assert mean_shortcut == D("2130.00") and total(df) != mean_shortcut
    assert set(df["rule"]) == {"list", "list+long-context"}


def test_growth_compounds_monthly(table):
    body = """
requests_per_month: 10000
input_tokens: 1000
output_tokens: 100
growth_per_month: 0.1
start: 2026-06-01
"""
    df = run(table, body, "2026-06", months=4)
    month0 = total(df, month="2026-06")
    for k, month in enumerate(["2026-06", "2026-07", "2026-08", "2026-09"]):
        assert total(df, month=month) == month0 * D("1.1") ** k


def test_start_mid_month_and_end(table):
    body = BASE + "start: 2026-06-16\nend: 2026-07-10"
    df = run(table, body, "2026-06", months=3)
    per_request = D(1000) * 35 / 1_000_000
    assert total(df, month="2026-06") == 15 * 1000 * per_request
    assert total(df, month="2026-07") == 10 * 1000 * per_request
    assert "2026-08" not in set(df["month"].astype(str))


def test_traffic_shape_in_its_own_time_zone(table):
    # All traffic 09:00-10:00 Beijing on weekdays = 01:00-02:00 UTC: every request at peak.
    hours = ["0"] * 24
    hours[9] = "1"
    body = BASE + DEEPSEEK_UNIT + \
        f"\ntraffic: {{timezone: Asia/Shanghai, hours: [{', '.join(hours)}], weekdays: [1,1,1,1,1,0,0]}}"
    df = run(table, body, "2026-09", models="[deepseek-v4-pro]")
    assert set(df["rule"]) == {"peak"}
    # volume: the weights average 1 over the week, so a month has 30 x 1,000 requests... weighted by
    # how many of each weekday the month holds: 22 weekdays x (7/5 x 1,000) requests.
    requests = D(22) * 1000 * 7 / 5
    assert total(df) == requests * (D(1000) * (D("1.32") + D("3.96"))) / 1_000_000


def test_traffic_across_daylight_saving(table):
    # 20:00 New York on weekdays: 00:00 UTC in September (EDT, off-peak), 01:00 UTC in December (EST,
    # peak), except Fridays, which are Saturday 01:00 UTC: weekend, off-peak.
    hours = ["0"] * 24
    hours[20] = "1"
    body = BASE + DEEPSEEK_UNIT + \
        f"\ntraffic: {{timezone: America/New_York, hours: [{', '.join(hours)}], weekdays: [1,1,1,1,1,0,0]}}"
    sep = run(table, body, "2026-09", models="[deepseek-v4-pro]")
    assert set(sep["rule"]) == {"off-peak"}
    dec = run(table, body, "2026-12", models="[deepseek-v4-pro]")
    # The UTC month December 2026 holds the New York evenings of Nov 30 (20:00 EST = Dec 1 01:00 UTC)
    # to Dec 30; Dec 31's evening is Jan 1 in UTC. Of those, Mon-Thu evenings are peak, Fridays not.
    evenings = [(2026, 11, 30)] + [(2026, 12, d) for d in range(1, 31)]
    mon_thu = sum(1 for y, m, d in evenings if calendar.weekday(y, m, d) < 4)
    fridays = sum(1 for y, m, d in evenings if calendar.weekday(y, m, d) == 4)
    assert (mon_thu, fridays) == (19, 4)
    per_evening = D(1000) * 7 / 5  # the week's traffic packed into five evenings
    assert total(dec, component="input", rule="peak") == mon_thu * per_evening * 1000 * D("1.32") / 1_000_000
    assert total(dec, component="input", rule="off-peak") == \
        fridays * per_evening * 1000 * D("0.66") / 1_000_000


def test_v4_flash_routed_mid_month(table):
    # September 2026: V4-Flash's own prices until 09-10 00:00 UTC, then billed as V4.1 Flash.
    df = run(table, BASE, "2026-09", models="[deepseek-v4-flash]")
    assert set(df["rule"]) == {"peak", "off-peak", "deepseek-flash:peak", "deepseek-flash:off-peak"}
    # period_start is naive UTC
    assert df.loc[df["rule"] == "deepseek-flash:peak", "period_start"].min() >= pd.Timestamp("2026-09-10T00:00")


def test_batch_share_and_unoffered_tier(table):
    body = BASE + "tiers: {standard: 0.5, batch: 0.5}"
    df = run(table, body, "2026-06", models="[gpt-5.5, deepseek-v4-pro]")
    # gpt-5.5: half at 35/1M per 1,000+1,000 tokens, half at 17.5
    assert total(df, model="gpt-5.5") == 15_000 * D("0.035") + 15_000 * D("0.0175")
    # DeepSeek has no batch tier: priced at standard, and the report says so; its tokens are the o200k
    # counts x1.04 (1,040 + 1,040 at 0.435 + 0.87 per 1M)
    assert total(df, model="deepseek-v4-pro") == 30_000 * 1040 * (D("0.435") + D("0.87")) / 1_000_000
    assert any("deepseek-v4-pro offers no batch tier" in a for a in df.attrs["assumptions"])


def test_cache_writes_billed_by_anthropic_as_writes(table):
    body = BASE + "cache_write: {ttl: 1h, share: 0.25}"
    df = run(table, body, "2026-06", models="[claude-opus-4-7, gpt-5.5]")
    # Opus (counts x1.3 for its tokenizer: 1,300 in, 1,300 out): 975 input at 5, 325 written (1h) at 10,
    # 1,300 output at 25 per request
    assert total(df, model="claude-opus-4-7") == 30_000 * (975 * D(5) + 325 * D(10) + 1300 * D(25)) / 1_000_000
    # GPT-5.5: writes are free; the written tokens bill as input
    assert total(df, model="gpt-5.5") == D(1050)


def test_reasoning_modes_and_tokens(table):
    df = run(table, BASE + "reasoning: max", "2026-06", models="[gpt-5.5]")
    # max = 4 x output tokens of reasoning, billed as output: 4,000 x 30 per 1M per request
    assert total(df, component="reasoning") == 30_000 * D(4000) * 30 / 1_000_000
    df = run(table, BASE + "reasoning_tokens: 500", "2026-06", models="[gpt-5.5]")
    assert total(df, component="reasoning") == 30_000 * D(500) * 30 / 1_000_000


def test_ranges_give_three_cases(table):
    # cases are named by cost: a higher cache hit share lowers gpt-5.5's cost (0.5 cached against 5
    # input), so the high case takes the hit rate at its low end (0.0) and the low case at 1.0
    df = run(table, BASE + "cache_hit_rate: {low: 0.0, expected: 0.5, high: 1.0}", "2026-06", cases=True)
    by_case = {case: total(df, case=case) for case in ("low", "expected", "high")}
    assert by_case["high"] == D(1050)
    assert by_case["low"] == 30_000 * (1000 * D("0.5") + 1000 * D(30)) / 1_000_000
    assert by_case["low"] < by_case["expected"] < by_case["high"]


def test_retired_model_in_window_is_not_available_not_an_error(table):
    # deepseek-chat is retired at 2026-07-24 16:00 UTC: July is priced until then (23 days and 16 hours
    # of 1,000 requests a day, billed as V4-Flash 0.14 in + 0.28 out), August is not available.
    df = run(table, BASE + DEEPSEEK_UNIT, "2026-07", months=2, models="[deepseek-chat]")
    # 568 hours x 1,000/24 requests an hour x 1,000 tokens x 0.42 per 1M = 9.94
    assert total(df) == D(23 * 24 + 16) * 1000 * 1000 * (D("0.14") + D("0.28")) / 24 / 1_000_000 == D("9.94")
    assert set(df["month"].astype(str)) == {"2026-07"}
    [entry] = df.attrs["not_available"]
    assert (entry["reason"], entry["from"], entry["until"], entry["months"], entry["partial"]) == \
        ("retired", "2026-07-24T16:00:00Z", "2026-09-01T00:00:00Z", ["2026-07", "2026-08"], ["2026-07"])
    assert "use deepseek-v4-flash" in entry["detail"]


def test_a_horizon_before_launch_is_not_available_not_an_error(table):
    # deepseek-v4-pro launched 2026-04-24 (the bundled table): March and April before the 24th are not
    # available; the estimate goes on and prices April from the launch on
    df = run(table, BASE, "2026-03", months=2, models="[deepseek-v4-pro]")
    [entry] = df.attrs["not_available"]
    assert (entry["model"], entry["reason"], entry["months"], entry["partial"]) == \
        ("deepseek-v4-pro", "not launched", ["2026-03", "2026-04"], ["2026-04"])
    assert entry["until"] == "2026-04-24T00:00:00Z"
    assert set(df["month"].astype(str)) == {"2026-04"}
    assert df["period_start"].min() == pd.Timestamp("2026-04-24T00:00")  # naive UTC


def test_metadata_travels_with_the_frame(table):
    df = run(table, BASE, "2026-06", scenario="list")
    assert df.attrs["price_table"]["sha256"] == table.sha256
    assert df.attrs["price_table"]["version"] == table.version
    assert df.attrs["scenario"] == "list" and df.attrs["start"] == "2026-06"
    assert list(df.columns[:9]) == ["profile", "model", "provider", "month", "rule", "component", "tokens",
                                    "usd_per_mtok", "cost_usd"]


def test_rows_reconcile_with_summary(table):
    df = costcalc.estimate(prices=table, start="2026-12", months=3)
    summary = costcalc.summarize(df)
    for _, row in summary.iterrows():
        part = df[(df["profile"] == row["profile"]) & (df["model"] == row["model"])]
        if "case" in df.columns:
            part = part[part["case"] == row["case"]]
        # exact rational sums: the summary's totals are the lines' sums with no rounding at all
        assert Fraction(row["total_usd"]) == sum(map(Fraction, part["cost_usd"]))
        assert Fraction(row["total_usd"]) == sum(Fraction(row[m]) for m in ("2026-12", "2027-01", "2027-02"))
    cheapest = summary[(summary["profile"] == "support-bot") & summary["cheapest"]]
    assert list(cheapest["model"]) == ["deepseek-flash"]


def test_summarize_does_not_mutate(table):
    df = run(table, BASE, "2026-06", models="[gpt-5.5, claude-opus-4-7]")
    before = df.copy()
    summary = costcalc.summarize(df)
    pd.testing.assert_frame_equal(df, before)
    # gpt-5.5 1,050; Opus 1,170 (its tokenizer counts 1.3x: see test_gpt55_and_opus_june)
    gpt = summary[summary["model"] == "gpt-5.5"].iloc[0]
    assert gpt["rank"] == 1 and gpt["savings_vs_most_expensive_usd"] == D(120) and gpt["cheapest"]
    opus = summary[summary["model"] == "claude-opus-4-7"].iloc[0]
    assert opus["rank"] == 2 and opus["savings_vs_most_expensive_usd"] == 0


# -- properties -------------------------------------------------------------------------------------

MODELS = ["gpt-5.5", "claude-opus-4-7", "deepseek-v4-pro", "deepseek-v4-flash", "gemini-3.1-pro",
          "claude-sonnet-4-5"]
counts = st.integers(min_value=0, max_value=500_000)
# the smallest max output of MODELS (Sonnet 4.5: 64,000) over its tokenizer's factor (1.05)
outputs = st.integers(min_value=0, max_value=60_952)
shares = st.decimals(min_value=0, max_value=1, places=2)
months = st.sampled_from(["2026-05", "2026-08", "2026-09", "2026-12"])


def profile_body(volume, prompt, output, hit, model_list):
    return (f"requests_per_day: {volume}\ninput_tokens: {prompt}\noutput_tokens: {output}\n"
            f"cache_hit_rate: {hit}\n"), f"[{', '.join(model_list)}]"


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(volume=st.integers(1, 100_000), prompt=counts, output=outputs, hit=shares, month=months,
       factor=st.integers(2, 9))
def test_cost_is_linear_in_volume_and_never_negative(table, volume, prompt, output, hit, month, factor):
    body, models = profile_body(volume, prompt, output, hit, MODELS)
    scaled, _ = profile_body(volume * factor, prompt, output, hit, MODELS)
    one = run(table, body, month, models=models)
    many = run(table, scaled, month, models=models)
    assert all(c >= 0 for c in one["cost_usd"])
    for model in MODELS:
        assert abs(total(many, model=model) - factor * total(one, model=model)) < D("1e-20")


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prompt=counts, output=outputs, low=shares, high=shares, month=months)
def test_more_cache_hits_never_cost_more(table, prompt, output, low, high, month):
    low, high = min(low, high), max(low, high)
    a = run(table, profile_body(1000, prompt, output, low, MODELS)[0], month, models=f"[{', '.join(MODELS)}]")
    b = run(table, profile_body(1000, prompt, output, high, MODELS)[0], month, models=f"[{', '.join(MODELS)}]")
    for model in MODELS:
        assert total(b, model=model) <= total(a, model=model)


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(split=st.integers(2, 30), month=st.sampled_from([(2026, 5), (2026, 8), (2026, 9)]))
def test_splitting_a_period_sums_to_the_whole(table, split, month):
    year, mon = month
    last = calendar.monthrange(year, mon)[1]
    split = min(split, last)
    first_part = BASE + f"start: {year}-{mon:02d}-01\nend: {year}-{mon:02d}-{split - 1:02d}" if split > 1 else None
    second_part = BASE + f"start: {year}-{mon:02d}-{split:02d}\nend: {year}-{mon:02d}-{last:02d}"
    label = f"{year}-{mon:02d}"
    models = "[deepseek-v4-pro, deepseek-v4-flash, gpt-5.5]"
    whole = total(run(table, BASE, label, models=models))
    parts = total(run(table, second_part, label, models=models))
    if first_part:
        parts += total(run(table, first_part, label, models=models))
    assert abs(whole - parts) < D("1e-20")
