"""A cost line is written with the decimal places of its own terms, as the implementation before the
exact-integer projection wrote it (tests/reference_projection.py: a line's tokens are a sum of Decimals,
requests x tokens per request, so its places are the most of its own terms'): an output line of 200 tokens
per request is not written with a reasoning line's 1234.5 places. Worked by hand below; the projection
sums a run at the most places of all its terms and keeps each line's shift (costcalc.projection.pricing.
_shifts_of), and a value is made with it (costcalc.projection.amounts.Money.shifts)."""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np

import costcalc
from costcalc.api import prices_from
from costcalc.projection import amounts

PROFILE = """schema_version: 1
profiles:
  a:
    requests_per_day: 1000
    input_tokens: 1200
    output_tokens: 200
{extra}    cache_hit_rate: 0.35
    tiers: {{standard: 0.6, batch: 0.4}}
    models: [gpt-5.4]
"""


def _written(frame, column):
    return [str(value) for value in frame[column].tolist()]


def test_rates_the_hand_work_below_uses():
    rules = prices_from(None).models["gpt-5.4"].rules
    assert {c: str(r) for c, r in rules[0].rates.items()} == {"input": "2.50", "cache_read": "0.25",
                                                               "output": "15.00"}


def test_each_line_is_written_with_its_own_terms_places():
    # April 2026: 30 days x 1,000 requests = 30,000; standard 0.6 -> 18,000.0 requests, batch 0.4 -> 12,000.0
    # per request: cache read 1200 x 0.35 = 420.00, input 1200 - 420.00 = 780.00, output 200, reasoning 1234.5
    # tokens = requests x per request, places added: 18,000.0 x 780.00 = 14,040,000.000 (3), x 420.00 =
    # 7,560,000.000 (3), x 200 = 3,600,000.0 (1), x 1234.5 = 22,221,000.00 (2); batch 12,000.0 x the same
    # cost = tokens x rate / 1,000,000 (the division exact: its places are the product's): standard rates 2.50,
    # 0.25, 15.00; batch at half (x 0.5: 1.250, 0.125, 7.500):
    #   14,040,000.000 x 2.50 / 10^6 = 35.10000     7,560,000.000 x 0.25 / 10^6 = 1.89000
    #   3,600,000.0 x 15.00 / 10^6 = 54.000         22,221,000.00 x 15.00 / 10^6 = 333.3150
    #   9,360,000.000 x 1.250 / 10^6 = 11.700000    5,040,000.000 x 0.125 / 10^6 = 0.630000
    #   2,400,000.0 x 7.500 / 10^6 = 18.0000        14,814,000.00 x 7.500 / 10^6 = 111.10500
    frame = costcalc.estimate(PROFILE.format(extra="    reasoning_tokens: 1234.5\n"), start="2026-04", months=1)
    assert frame["component"].tolist() == ["input", "cache_read", "output", "reasoning"] * 2
    assert _written(frame, "tokens") == ["14040000.000", "7560000.000", "3600000.0", "22221000.00",
                                         "9360000.000", "5040000.000", "2400000.0", "14814000.00"]
    assert _written(frame, "cost_usd") == ["35.10000", "1.89000", "54.000", "333.3150",
                                           "11.700000", "0.630000", "18.0000", "111.10500"]
    # sums are exact whatever the places: 35.1 + 1.89 + 54 + 333.315 + 11.7 + 0.63 + 18 + 111.105
    assert str(frame["cost_usd"].sum()) == "565.74"


def test_a_lines_digits_do_not_depend_on_the_runs_other_lines():
    # no cache hits: every token count per request a whole number but the reasoning's 1234.55 (the run's
    # most places): without it, or with it, the input and output lines are written alike, with their own
    # places (a share of 1 place x whole tokens): 18,000.0 x 1200 = 21600000.0, x 200 = 3600000.0
    text = PROFILE.replace("cache_hit_rate: 0.35", "cache_hit_rate: 0")
    with_reasoning = costcalc.estimate(text.format(extra="    reasoning_tokens: 1234.55\n"), start="2026-04",
                                       months=1)
    without = costcalc.estimate(text.format(extra=""), start="2026-04", months=1)
    kept = with_reasoning[with_reasoning["component"] != "reasoning"]
    assert _written(kept, "tokens")[:2] == ["21600000.0", "3600000.0"]
    assert _written(with_reasoning[with_reasoning["component"] == "reasoning"], "tokens")[0] == "22221900.000"
    assert _written(kept, "tokens") == _written(without, "tokens")
    assert _written(kept, "cost_usd") == _written(without, "cost_usd")


def _money(sums, shifts):
    # token values S / 4 with S at 2 places (the divisor 4 x 10^2), one multiplier (V_int 3): 3 x S / 400;
    # cost values at rate 2.50 (250 at 2 places), one per token value
    count = len(sums)
    return amounts.Money(np.arange(count, dtype=np.int32), np.array(sums, dtype=np.int64),
                         np.zeros(count, dtype=np.int32), [3], [D(4).scaleb(2)], np.arange(count, dtype=np.int32),
                         np.arange(count, dtype=np.int32), np.zeros(count, dtype=np.int32), [250], [2],
                         None if shifts is None else np.array(shifts, dtype=np.uint8))


def test_a_values_shift_writes_it_with_its_own_places_and_leaves_its_value():
    # S = 1500 and 2,000,000,000 at 2 places: 3 x 1500 / 400 = 11.25 and 3 x 2e9 / 400 = 15000000.00 (the
    # quotient's ideal exponent -2); shifted by 2, the second is 3 x 20,000,000 / 4 = 15000000 (exponent 0);
    # by 1: 3 x 200,000,000 / 40 = 15000000.0
    # cost: tokens x 2.50 / 10^6, an exact quotient written with the product's places unless it needs more:
    # 11.25 x 2.50 = 28.1250 -> 0.000028125 (9 places needed, more than 4); 15000000.00 x 2.50 = 37500000.0000
    # -> 37.5000; 15000000 x 2.50 -> 37.50; 15000000.0 x 2.50 -> 37.500
    for shifts, tokens, cost in [(None, ["11.25", "15000000.00"], ["0.000028125", "37.5000"]),
                                 ([0, 2], ["11.25", "15000000"], ["0.000028125", "37.50"]),
                                 ([0, 1], ["11.25", "15000000.0"], ["0.000028125", "37.500"])]:
        money = _money([1500, 2_000_000_000], shifts)
        assert [str(v) for v in money.tokens()] == tokens
        assert [str(v) for v in money.cost()] == cost
        # the joined column makes the same Decimals, and sums them exactly whatever the shifts
        joined_tokens = amounts.Joined([money], "tokens")
        joined_cost = amounts.Joined([money], "cost", joined_tokens)
        assert [str(v) for v in joined_tokens()] == tokens
        assert [str(v) for v in joined_cost()] == cost
        assert joined_tokens.total() == D("15000011.25") and joined_cost.total() == D("37.500028125")


def test_equal_sums_with_other_shifts_are_other_values():
    # S = 2,000,000,000 twice, shifts 0 and 2: the same value, other digits (15000000.00, 15000000): two
    # distinct values; the same S and shift in a second chunk: one value with the first chunk's, on both lines
    first, second = _money([2_000_000_000, 2_000_000_000], [0, 2]), _money([2_000_000_000], [2])
    tokens = amounts.Joined([first, second], "tokens")
    assert tokens.count() == 2 and tokens.counts().tolist() == [1, 2]
    assert [str(v) for v in tokens()] == ["15000000.00", "15000000", "15000000"]
    cost = amounts.Joined([first, second], "cost", tokens)
    assert [str(v) for v in cost()] == ["37.5000", "37.50", "37.50"]
    assert tokens.total() == D(45_000_000) and cost.total() == D("112.5")


def test_runs_alike_but_written_with_other_places_keep_their_own_digits():
    # profiles of one shape whose inputs are equal as numbers but written with other places (200 and 200.0
    # output tokens, tier shares of 0.5 and 0.50) are other kinds of run: each line keeps its own digits,
    # whichever profile comes first. April: 30,000 requests.
    #   output 200.0: 30,000 x 200.0 = 6000000.0, x 15.00 / 10^6 = 90.000; output 200: 6000000, 90.00
    #   reasoning 0.5: 15000.0, x 15.00 / 10^6 = 0.225
    #   shares 0.5: 15,000.0 requests a tier, input 1200 -> 18000000.0 (x 2.50: 45.000; batch x 1.250: 22.5000);
    #   shares 0.50: 15,000.00 requests -> 18000000.00 (45.0000; 22.50000)
    profiles = {
        "a": "    output_tokens: 200.0\n",
        "b": "    output_tokens: 200\n    reasoning_tokens: 0.5\n",
        "c": "    output_tokens: 200.0\n    reasoning_tokens: 0.5\n",
        "p": "    output_tokens: 200\n    tiers: {standard: 0.5, batch: 0.5}\n",
        "q": "    output_tokens: 200\n    tiers: {standard: 0.50, batch: 0.50}\n",
    }
    expected = {
        "a": [("input", "36000000", "90.00"), ("output", "6000000.0", "90.000")],
        "b": [("input", "36000000", "90.00"), ("output", "6000000", "90.00"), ("reasoning", "15000.0", "0.225")],
        "c": [("input", "36000000", "90.00"), ("output", "6000000.0", "90.000"), ("reasoning", "15000.0", "0.225")],
        "p": [("input", "18000000.0", "45.000"), ("output", "3000000.0", "45.000"),
              ("input", "18000000.0", "22.5000"), ("output", "3000000.0", "22.5000")],
        "q": [("input", "18000000.00", "45.0000"), ("output", "3000000.00", "45.0000"),
              ("input", "18000000.00", "22.50000"), ("output", "3000000.00", "22.50000")],
    }
    for order in (["a", "b", "c", "p", "q"], ["c", "b", "a", "q", "p"]):
        text = "schema_version: 1\nprofiles:\n" + "".join(
            f"  {name}:\n    requests_per_day: 1000\n    input_tokens: 1200\n{profiles[name]}    models: [gpt-5.4]\n"
            for name in order)
        frame = costcalc.estimate(text, start="2026-04", months=1)
        for name in order:
            rows = frame[frame["profile"] == name]
            got = list(zip(rows["component"], _written(rows, "tokens"), _written(rows, "cost_usd")))
            assert got == expected[name], (order, name)


def test_a_ranged_profiles_cases_are_chosen_alike_whatever_the_chunk_size(monkeypatch):
    # cache hit rate low 0, expected 0.5, high 0.8 (April, 30,000 requests of 1,200 in and 200 out, gpt-5.4):
    #   0.8: input 240.0 x 30,000 = 7,200,000.0 x 2.50 = 18.000, cache read 28,800,000.0 x 0.25 = 7.200,
    #        output 6,000,000 x 15.00 = 90.00: 115.200, the low case
    #   0.5: 45.000 + 4.500 + 90.00 = 139.500;  0: 90.00 + 90.00 = 180.00, the high case
    # with chunks of 1 or 3 runs a run's lines are priced in a chunk of its own before the case is summed
    from costcalc.projection import frame as frame_module

    text = ("schema_version: 1\nprofiles:\n  a:\n    requests_per_day: 1000\n    input_tokens: 1200\n"
            "    output_tokens: 200\n    cache_hit_rate: {low: 0, expected: 0.5, high: 0.8}\n    models: [gpt-5.4]\n")
    for runs in (1000, 3, 1):
        monkeypatch.setattr(frame_module, "FLUSH_RUNS", runs)
        frame = costcalc.estimate(text, start="2026-04", months=1, cases=True)
        totals = {case: str(frame[frame["case"] == case]["cost_usd"].sum()) for case in ("low", "expected", "high")}
        assert totals == {"low": "115.2", "expected": "139.5", "high": "180"}, runs
