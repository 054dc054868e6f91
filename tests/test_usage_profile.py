"""Workload profiles derived from usage logs: hand-built normalized frames, hand-computed expectations."""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import yaml

import costcalc
from costcalc.errors import CostcalcError
from costcalc.usage.profile import PROMPT_CLIFFS, derive_profiles, exact_shares, profiles_yaml, prompt_bins
from costcalc.usage.schema import COLUMNS, SOURCE_COLUMNS, TOOL_COLUMNS
from costcalc.workloads import load_workloads
from costcalc.workloads.model import Histogram


def usage(records, tags=()):
    """A normalized usage frame: records are dicts with `at` (UTC text) and any of model, input, cached,
    w5, w1, output, reasoning, tier, residency and tag values."""
    n = len(records)
    frame = pd.DataFrame({
        "timestamp": pd.to_datetime([r["at"] for r in records], utc=True).astype("datetime64[ns, UTC]"),
        "provider": ["openai"] * n,
        "model": [r.get("model", "gpt-5.4") for r in records],
        "input_tokens": np.array([r.get("input", 0) for r in records], dtype=np.int64),
        "cached_tokens": np.array([r.get("cached", 0) for r in records], dtype=np.int64),
        "cache_write_5m_tokens": np.array([r.get("w5", 0) for r in records], dtype=np.int64),
        "cache_write_1h_tokens": np.array([r.get("w1", 0) for r in records], dtype=np.int64),
        "output_tokens": np.array([r.get("output", 0) for r in records], dtype=np.int64),
        "reasoning_tokens": np.array([r.get("reasoning", 0) for r in records], dtype=np.int64),
        **{c: np.array([r.get(c, 0) for r in records], dtype=np.int64) for c in TOOL_COLUMNS},
        "service_tier": [r.get("tier", "standard") for r in records],
        "residency": np.array([r.get("residency", False) for r in records], dtype=bool),
        "source": ["<DataFrame>"] * n,
        "line": np.arange(1, n + 1, dtype=np.int64),
    })
    for tag in tags:
        frame["tag:" + tag] = pd.Series([r.get(tag) for r in records], dtype="str")
    assert list(frame.columns[:len(COLUMNS) + 2]) == list(COLUMNS + SOURCE_COLUMNS)
    return frame


def one(document):
    (profile,) = document["profiles"].values()
    return profile


def hourly(start, days, **record):
    """One record at the start of every hour for `days` days."""
    stamps = pd.date_range(start, periods=24 * days, freq="h", tz="UTC")
    return [dict(record, at=str(t)) for t in stamps]


# -- volume -----------------------------------------------------------------------------------------

def test_requests_per_day_counts_24_hour_days_from_the_first_record():
    # 10:00 on the 2nd to 09:00 on the 4th: 1 day 23 hours -> 2 observed days; 5 records -> 2.5 a day
    records = [{"at": "2026-03-02T10:00Z"}, {"at": "2026-03-02T12:00Z"}, {"at": "2026-03-03T00:00Z"},
               {"at": "2026-03-03T15:00Z"}, {"at": "2026-03-04T09:00Z"}]
    p = one(derive_profiles(usage(records)))
    assert p["requests_per_day"] == 2.5
    assert "2026-03-02 to 2026-03-04" in p["note"] and "2 observed days" in p["note"]
    assert "5 usage records" in p["note"]


def test_a_whole_month_is_its_days_in_any_time_zone():
    records = hourly("2026-04-01", 30, input=100)  # 720 records, 00:00 UTC Apr 1 .. 23:00 UTC Apr 30
    for tz in ("UTC", "Asia/Shanghai", "America/Los_Angeles"):
        assert one(derive_profiles(usage(records), timezone=tz))["requests_per_day"] == 24


def test_a_daily_job_is_one_request_a_day():
    records = [{"at": f"2026-03-{d:02d}T02:00Z"} for d in range(1, 31)]  # 30 runs, 29 days apart
    assert one(derive_profiles(usage(records)))["requests_per_day"] == 1


def test_profiles_leave_the_start_to_the_estimate():
    records = [{"at": "2026-03-10T00:00Z"}, {"at": "2026-03-31T20:00Z"}]
    profile = one(derive_profiles(usage(records)))
    assert "start" not in profile and "end" not in profile


# -- tokens -----------------------------------------------------------------------------------------

def test_prompt_bins_never_mix_the_sides_of_a_cliff():
    edges, counts, means = prompt_bins(np.array([100, 100, 272_000, 272_001, 300_000]), bins=1)
    assert edges == [200_000, 272_000, 300_000]  # cliffs inside the range, then the largest prompt
    assert counts == [2, 1, 2]
    assert means == [Decimal(100), Decimal(272_000), Decimal("286000.5")]


def test_prompt_bins_use_rounded_quantiles():
    prompts = np.array([3456, 3456, 9000, 9000])
    edges, counts, means = prompt_bins(prompts, bins=2)
    assert edges == [3500, 9000]  # the median 3,456 at two significant digits
    assert counts == [2, 2] and means == [Decimal(3456), Decimal(9000)]
    edges, counts, _ = prompt_bins(np.array([500] * 7), bins=6)
    assert (edges, counts) == ([500], [7])  # one size: one bin, however many were asked for


def test_input_histogram_is_the_whole_prompt_and_output_the_mean():
    records = [
        {"at": "2026-03-02T00:00Z", "input": 60, "cached": 30, "w5": 10, "output": 10},            # 100
        {"at": "2026-03-02T01:00Z", "input": 100, "output": 20, "reasoning": 40},                  # 100
        {"at": "2026-03-02T02:00Z", "input": 150_000, "cached": 150_000, "output": 30},            # 300,000
        {"at": "2026-03-02T03:00Z", "input": 272_000, "output": 40},                               # 272,000
    ]
    p = one(derive_profiles(usage(records), bins=1))
    assert p["input_tokens"] == {"histogram": [{"tokens": 100, "share": 0.5}, {"tokens": 272000, "share": 0.25},
                                               {"tokens": 300000, "share": 0.25}]}
    assert p["output_tokens"] == 25
    assert p["reasoning_tokens"] == 10  # 40 over 4 requests
    assert "<= 200,000 50.0% | 200,001-272,000 25.0% | 272,001-300,000 25.0%" in p["note"]


def test_no_reasoning_logged_gives_no_reasoning_key():
    p = one(derive_profiles(usage([{"at": "2026-03-02T00:00Z", "input": 5, "output": 5}])))
    assert "reasoning_tokens" not in p and "reasoning" not in p


def test_cache_hit_and_write_shares_are_token_weighted_shares_of_the_whole_prompt():
    records = [{"at": "2026-03-02T00:00Z", "input": 600, "cached": 300, "w5": 100},
               {"at": "2026-03-02T01:00Z", "input": 1000}]
    p = one(derive_profiles(usage(records)))
    assert p["cache_hit_rate"] == 0.15           # 300 / 2,000
    assert p["cache_write"] == {"ttl": "5m", "share": 0.05}  # 100 / 2,000


def test_mixed_cache_write_ttls_take_the_bigger_one_and_say_so():
    records = [{"at": "2026-03-02T00:00Z", "input": 100, "w5": 100, "w1": 300}]
    p = one(derive_profiles(usage(records)))
    assert p["cache_write"] == {"ttl": "1h", "share": 0.8}
    assert "25.0% 5m and 75.0% 1h" in p["note"]


def test_shares_sum_to_exactly_one():
    assert exact_shares([1, 1, 1]) == [Decimal("0.3334"), Decimal("0.3333"), Decimal("0.3333")]
    assert exact_shares([1, 9_999]) == [Decimal("0.0001"), Decimal("0.9999")]
    assert exact_shares([1, 99_999]) == [Decimal("0.00001"), Decimal("0.99999")]  # a tail keeps its digits


# -- tiers and residency ----------------------------------------------------------------------------

def test_tier_shares_are_shares_of_requests():
    tiers = ["standard", "standard", "batch", "flex", "standard", "priority", "batch", "standard"]
    records = [{"at": f"2026-03-02T0{i}:00Z", "input": 10 * (i + 1), "tier": t} for i, t in enumerate(tiers)]
    p = one(derive_profiles(usage(records)))
    assert p["tiers"] == {"standard": 0.5, "batch": 0.25, "flex": 0.125, "priority": 0.125}
    assert p["residency"] is False


def test_residency_follows_the_majority_and_a_mix_is_noted():
    records = [{"at": f"2026-03-02T0{i}:00Z", "residency": i < 3} for i in range(4)]
    p = one(derive_profiles(usage(records)))
    assert p["residency"] is True and "Data residency on 75.0% of requests" in p["note"]


# -- traffic ----------------------------------------------------------------------------------------

def test_traffic_is_read_in_the_profile_time_zone():
    # 01:00 UTC every day for a week (Mon Mar 2 .. Sun Mar 8) is 09:00 in Shanghai
    records = [{"at": f"2026-03-{d:02d}T01:00Z"} for d in range(2, 9)]
    p = one(derive_profiles(usage(records), timezone="Asia/Shanghai"))
    assert p["traffic"]["timezone"] == "Asia/Shanghai"
    assert p["traffic"]["hours"] == [0] * 9 + [24] + [0] * 14  # all traffic at 09:00; weights average 1
    assert p["traffic"]["weekdays"] == {d: 1 for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    assert p["requests_per_day"] == 1


def test_weekday_weights_are_rates_over_the_hours_the_window_held():
    # Mon 10:00 (x2) and Wed 10:00 UTC: 3 observed days, the window Mon 10:00 .. Thu 10:00 holds 14 Monday
    # hours, 24 Tuesday and Wednesday hours and 10 Thursday hours. Rates: Mon 2/14, Tue 0, Wed 1/24,
    # Thu 0 (mean 62/1344): Mon 2688/868 = 3.10, Wed 56/62 = 0.90; unseen Fri-Sun weigh 1.
    records = [{"at": "2026-03-02T10:00Z"}, {"at": "2026-03-02T10:30Z"}, {"at": "2026-03-04T10:00Z"}]
    p = one(derive_profiles(usage(records)))
    assert p["traffic"]["weekdays"] == {"mon": 3.1, "tue": 0, "wed": 0.9, "thu": 0, "fri": 1, "sat": 1, "sun": 1}
    assert "Weekdays not in the log weigh as the average day: fri, sat, sun." in p["note"]


def test_uniform_traffic_is_just_the_time_zone():
    p = one(derive_profiles(usage(hourly("2026-04-01", 30)), timezone="Europe/Berlin"))
    assert p["traffic"] == {"timezone": "Europe/Berlin"}


def test_a_30_day_month_does_not_favour_the_weekdays_it_has_five_of():
    # April 2026 has five Wednesdays and Thursdays; a uniform log must still be uniform
    records = hourly("2026-04-01", 30)
    assert one(derive_profiles(usage(records)))["traffic"] == {"timezone": "UTC"}


# -- grouping ---------------------------------------------------------------------------------------

def test_by_model_names_profiles_for_the_cli():
    records = [{"at": "2026-03-02T00:00Z", "model": "gpt-5.4"}, {"at": "2026-03-02T01:00Z", "model": "gpt-5.4"},
               {"at": "2026-03-02T02:00Z", "model": "gpt-5-4"}, {"at": "2026-03-02T03:00Z", "model": "gpt-5.5"}]
    profiles = derive_profiles(usage(records))["profiles"]
    assert list(profiles) == ["gpt-5-4", "gpt-5-4-2", "gpt-5-5"]  # most requests first; no dots; no clash
    assert profiles["gpt-5-4"]["models"] == ["gpt-5.4"]
    assert profiles["gpt-5-4-2"]["models"] == ["gpt-5-4"]


def test_by_tag_groups_values_and_the_untagged():
    records = [
        {"at": "2026-03-02T00:00Z", "team": "search", "product": "web", "model": "gpt-5.4"},
        {"at": "2026-03-02T01:00Z", "team": "search", "product": "web", "model": "gpt-5.4"},
        {"at": "2026-03-02T02:00Z", "team": "legal", "product": "web", "model": "gpt-5.5"},
        {"at": "2026-03-02T03:00Z", "team": "legal", "product": "app", "model": "gpt-5.4"},
        {"at": "2026-03-02T04:00Z", "team": "legal", "product": "app", "model": "gpt-5.5"},
        {"at": "2026-03-02T05:00Z", "team": None, "product": "web", "model": "gpt-5.4"},
        {"at": "2026-03-02T06:00Z", "team": "", "product": "web", "model": "gpt-5.4"},
    ]
    profiles = derive_profiles(usage(records, tags=("team", "product")), by="tag:team")["profiles"]
    assert list(profiles) == ["legal", "search", "no-team"]
    assert profiles["legal"]["models"] == ["gpt-5.5", "gpt-5.4"]  # most requests first
    assert profiles["legal"]["tags"] == {"team": "legal"}            # product varies: not a tag
    assert profiles["search"]["tags"] == {"team": "search", "product": "web"}
    assert profiles["no-team"]["tags"] == {"product": "web"}
    assert profiles["no-team"]["requests_per_day"] == 2
    assert "prices all of this traffic on each" in profiles["legal"]["note"]


def test_bad_arguments_are_clear_errors():
    frame = usage([{"at": "2026-03-02T00:00Z"}], tags=("team",))
    with pytest.raises(CostcalcError, match="by must be"):
        derive_profiles(frame, by="team")
    with pytest.raises(CostcalcError, match="no column 'tag:product'; tag columns: tag:team"):
        derive_profiles(frame, by="tag:product")
    with pytest.raises(CostcalcError, match="unknown time zone"):
        derive_profiles(frame, timezone="Mars/Olympus")
    with pytest.raises(CostcalcError, match="no records"):
        derive_profiles(frame.iloc[:0])
    with pytest.raises(CostcalcError, match="missing the columns residency"):
        derive_profiles(frame.drop(columns=["residency"]))


def test_the_cliffs_cover_the_bundled_price_table(table):
    found = {t for model in table.models.values() for item in model.rules + model.modifiers
             for t in (item.when.prompt_tokens_above, item.when.prompt_tokens_at_most) if t is not None}
    assert found and found <= set(PROMPT_CLIFFS)


# -- round trip and consistency with the projection -------------------------------------------------

def test_yaml_round_trip_loads_and_estimates(tmp_path):
    records = [{"at": f"2026-03-{d:02d}T{h:02d}:00Z", "model": m, "input": 1000 * d, "cached": 10 * h,
                "w1": 5, "output": 100 + h, "reasoning": h, "tier": "batch" if h % 3 else "standard",
                "team": "a" if d % 2 else "b"}
               for d in range(1, 29) for h in range(0, 24, 5) for m in ("gpt-5.4", "claude-opus-4-7")]
    document = derive_profiles(usage(records, tags=("team",)), timezone="America/New_York")
    text = profiles_yaml(document, header="from test logs\nsecond line")
    assert text.startswith("# from test logs\n# second line\n")
    assert "  # From 140 usage records, 2026-02-28 to 2026-03-28 (America/New_York)" in text
    assert "note:" not in text  # the note is the comment
    assert yaml.safe_load(text)["profiles"].keys() == document["profiles"].keys()
    path = tmp_path / "derived.yaml"
    path.write_text(text)
    loaded = costcalc.load_workloads(path)
    assert [p.name for p in loaded] == ["claude-opus-4-7", "gpt-5-4"]
    assert isinstance(loaded.profiles[0].input_tokens, Histogram)
    df = costcalc.estimate(path, months=1, start="2026-06")
    assert set(df["profile"]) == {"claude-opus-4-7", "gpt-5-4"} and sum(df["cost_usd"]) > 0
    # the plain document dumps with yaml.safe_dump and loads unchanged as well
    assert len(load_workloads(yaml.safe_dump(document, sort_keys=False)).profiles) == 2
    by_tag = derive_profiles(usage(records, tags=("team",)), by="tag:team")
    assert costcalc.estimate(profiles_yaml(by_tag), months=1, start="2026-06")["cost_usd"].sum() > 0


def _june_cost(text: str) -> Decimal:
    df = costcalc.estimate(text, months=1, start="2026-06")  # June: 30 days
    return sum(df["cost_usd"], Decimal(0))


def test_a_uniform_log_projects_to_its_own_cost():
    # Every hour of April 2026 (30 days): a 1,000-token prompt (600 input + 400 cached, 200 output, 100
    # reasoning) and a 3,000-token one (1,000 + 2,000 cached, 500 output). gpt-5.4 standard: $2.50
    # input, $0.25 cached, $15.00 output and reasoning per 1M. A day: 24 x 1,600 input = 38,400 -> $0.096;
    # 24 x 2,400 cached = 57,600 -> $0.0144; 24 x 700 output = 16,800 -> $0.252; 2,400 reasoning ->
    # $0.036. $0.3984 a day, $11.952 for a 30-day month.
    records = hourly("2026-04-01", 30, input=600, cached=400, output=200, reasoning=100) + \
        hourly("2026-04-01", 30, input=1000, cached=2000, output=500)
    p = one(derive_profiles(usage(records), timezone="Asia/Tokyo"))
    assert p["requests_per_day"] == 48 and p["cache_hit_rate"] == 0.6
    assert p["input_tokens"]["histogram"] == [{"tokens": 1000, "share": 0.5}, {"tokens": 3000, "share": 0.5}]
    assert _june_cost(profiles_yaml({"schema_version": 1, "profiles": {"log": p}})) == Decimal("11.952")


def test_the_cliff_survives_the_profile():
    # Every 10 minutes of April 2026 (4,320 records), prompts cycling through six sizes on both sides of
    # gpt-5.4's 272,000 cliff; a quarter cached; outputs cycling through five sizes independently of the
    # prompt. Above the cliff the whole request pays 2x input and cached and 1.5x output. The expected
    # month is the log's own cost (the log spans exactly 30 days).
    stamps = pd.date_range("2026-04-01", periods=30 * 144, freq="10min", tz="UTC")
    sizes = [2_000, 50_000, 271_000, 272_000, 272_001, 400_000]
    records = []
    for i, t in enumerate(stamps):
        prompt = sizes[i % 6]
        records.append({"at": str(t), "input": prompt - prompt // 4, "cached": prompt // 4,
                        "output": 300 + 100 * (i % 5)})
    frame = usage(records)
    above = (frame["input_tokens"] + frame["cached_tokens"]) > 272_000
    factor_in = np.where(above, 2.0, 1.0)
    factor_out = np.where(above, 1.5, 1.0)
    expected = float((frame["input_tokens"] * 2.5 * factor_in + frame["cached_tokens"] * 0.25 * factor_in
                      + frame["output_tokens"] * 15.0 * factor_out).sum()) / 1e6
    p = one(derive_profiles(frame))
    edges = [272_000 < h["tokens"] for h in p["input_tokens"]["histogram"]]
    assert edges.count(True) >= 1 and edges.count(False) >= 1
    cost = float(_june_cost(profiles_yaml({"schema_version": 1, "profiles": {"log": p}})))
    assert cost == pytest.approx(expected, rel=2e-4)
    # what a mean prompt would have cost instead: the histogram is what keeps the estimate right
    mean = dict(p, input_tokens=float(sum(sizes) / 6))
    assert abs(float(_june_cost(profiles_yaml({"schema_version": 1, "profiles": {"log": mean}}))) - expected) \
        > 0.05 * expected


def test_output_that_grows_across_a_cliff_is_noted():
    records = [{"at": "2026-03-02T00:00Z", "input": 1000, "output": 100},
               {"at": "2026-03-02T01:00Z", "input": 300_000, "output": 900}]
    p = one(derive_profiles(usage(records)))
    assert p["output_tokens"] == 500
    assert "Prompts above 200,000 tokens average 900 output tokens, not 500" in p["note"]
    assert "understated" in p["note"]
