"""A line's tokens and cost_usd are written with the digits its own inputs give (value AND exponent: what
str() shows in a notebook), never with digits another profile, another model in its chunk, or an earlier
estimate in the same process left behind. Decimals that are equal but written differently (500 and 500.0,
1.1 and 1.10, 5.00 and 5.0) share a dict or cache entry when keyed by value, so each such key is the text."""

from __future__ import annotations

import subprocess
import sys

import pytest

import costcalc
from costcalc.projection import frame


def profile(name: str, requests: str, models: str = "gpt-5.5", extra: str = "") -> str:
    return (f"  {name}:\n    requests_per_day: {requests}\n    input_tokens: 1000\n    output_tokens: 100\n"
            f"    models: [{models}]\n{extra}")


def lines(text: str, months: int = 1) -> dict[tuple[str, str, str, str], tuple[str, str]]:
    df = costcalc.estimate(costcalc.load_workloads("schema_version: 1\nprofiles:\n" + text), start="2026-06",
                           months=months)
    return {(r.profile, r.model, str(r.month), r.component): (str(r.tokens), str(r.cost_usd))
            for r in df.itertuples()}


# June 2026 has 30 days; gpt-5.5 standard: input 5.00, output 30.00 USD per 1M tokens.
# 500 a day: 500 x 30 x 1,000 = 15,000,000 input tokens, x 5.00 / 1M = 75.00 USD; 500 x 30 x 100 = 1,500,000
# output tokens, x 30.00 / 1M = 45.00 USD. 500.0 a day: the same values with one more place (15000000.0;
# 75.000, 45.000: the tokens' one place and the rate's two).
WHOLE = {"input": ("15000000", "75.00"), "output": ("1500000", "45.00")}
TENTHS = {"input": ("15000000.0", "75.000"), "output": ("1500000.0", "45.000")}


def gpt(found: dict, name: str) -> dict[str, tuple[str, str]]:
    return {key[3]: value for key, value in found.items() if key[0] == name and key[1] == "gpt-5.5"}


@pytest.mark.parametrize("first, second", [("500", "500.0"), ("500.0", "500")])
def test_profiles_of_equal_volumes_written_differently_keep_their_own_digits(first, second):
    found = lines(profile("a", first) + profile("b", second))
    assert gpt(found, "a") == (WHOLE if first == "500" else TENTHS)
    assert gpt(found, "b") == (WHOLE if second == "500" else TENTHS)


@pytest.mark.parametrize("flush", [1000, 1])
def test_a_lines_cost_digits_follow_its_own_rate_not_the_chunks(monkeypatch, flush):
    """deepseek-v4-flash's rates have more places (cache_read 0.028); gpt-5.5's lines keep the two of 5.00
    and 30.00 whether the DeepSeek lines share their chunk (FLUSH_RUNS 1000) or not (1)."""
    monkeypatch.setattr(frame, "FLUSH_RUNS", flush)
    mixed = lines(profile("a", "500", "gpt-5.5, deepseek-v4-flash", "    cache_hit_rate: 0.5\n") +
                  profile("b", "500"))
    assert gpt(mixed, "b") == WHOLE


def test_an_earlier_estimate_leaves_no_digits_behind():
    """In a fresh process (no cache filled by other tests): an estimate meeting 500.0, then one of 500."""
    script = ("import sys; sys.path.insert(0, 'tests'); from test_line_digits import lines, profile, gpt; "
              "lines(profile('a', '500.0')); print(gpt(lines(profile('b', '500')), 'b'))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(WHOLE)


def test_growth_and_traffic_written_differently_keep_their_own_digits():
    """growth 0.1 and 0.10, hour weights 1 and 1.0: each profile's lines are the lines it has alone."""
    hours = "    traffic:\n      timezone: UTC\n      hours: [{}]\n"
    variants = [("g1", "    growth_per_month: 0.1\n"), ("g2", "    growth_per_month: 0.10\n"),
                ("t1", hours.format(", ".join(["1"] * 12 + ["2"] * 12))),
                ("t2", hours.format(", ".join(["1.0"] * 12 + ["2.0"] * 12)))]
    together = lines("".join(profile(name, "500", extra=extra) for name, extra in variants), months=3)
    for name, extra in variants:
        alone = lines(profile(name, "500", extra=extra), months=3)
        assert {k: v for k, v in together.items() if k[0] == name} == alone, name
    # and the two writings do differ where their places do: growth's month 2 has 500 x 1.10 = 550.00 a day
    assert together[("g2", "gpt-5.5", "2026-07", "input")][0] != together[("g1", "gpt-5.5", "2026-07", "input")][0]
