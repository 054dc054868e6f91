"""The first read of a projection's tokens and cost_usd: a sum of the whole column without making a
Decimal per value (costcalc.projection.quotient_sums, amounts.Joined.total); the joins across chunks:
tests/test_joined_codes.py. Expected amounts are worked out by hand below."""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np
import pandas as pd
import pytest

from costcalc.frames.decimal import DecimalArray, canonical
from costcalc.money import DIVIDE, exact_sum
from costcalc.projection import amounts
from costcalc.projection import quotient_sums as qs
from costcalc.projection import project


class _CountingDivide:
    """money.DIVIDE that counts its divisions (what quotient_sums divides, not adds as integers)."""

    def __init__(self):
        self.calls = 0

    def divide(self, a, b):
        self.calls += 1
        return DIVIDE.divide(a, b)


def _sum(counts, groups, factors, numerators, divisors):
    factors = np.asarray(factors, dtype=object if any(abs(f) >= 2 ** 62 for f in factors) else np.int64)
    totals = qs.quotient_sums(np.asarray(counts, dtype=np.int64), np.asarray(groups, dtype=np.int32),
                              lambda a, b: factors[a:b], qs.QuotientGroups(numerators, divisors))
    return None if totals is None else totals[0]


def test_the_whole_sum_rounds_each_quotient_from_its_fraction_without_dividing(monkeypatch):
    counting = _CountingDivide()
    monkeypatch.setattr(qs, "DIVIDE", counting)
    # group 0: 7 / 3; group 1: 10 / 4E+1 (that is 40)
    #   7 x 3 / 3 = 7 exactly, twice:            14
    #   7 x 1 / 3 = 2.333... (50 digits), once:  2.3333333333333333333333333333333333333333333333333
    #   10 x 5 / 40 = 1.25 exactly, 3 times:      3.75
    #   10 x 3 / 40 = 0.75 exactly, once:         0.75
    # 14 + 3.75 + 0.75 = 18.5; + 2.333... (49 threes after the point) = 20.8333... (48 threes after the 8)
    total = _sum([2, 1, 3, 1], [0, 0, 1, 1], [3, 1, 5, 3], [7, 10], [D(3), D("4E+1")])
    assert canonical(total) == D("20.8" + "3" * 48)
    # none divided: 7 / 3 = 2 + 1/3, its fraction below a half: down (see quotient_sums)
    assert counting.calls == 0


def test_a_quotient_over_50_digits_is_rounded_as_the_column_rounds_it(monkeypatch):
    counting = _CountingDivide()
    monkeypatch.setattr(qs, "DIVIDE", counting)
    # (2 x 10^55 + 1) / 1 has 56 significant digits: DIVIDE rounds it to 50, 2.000...0E+55, so the +1 is lost
    assert canonical(_sum([1], [0], [1], [2 * 10 ** 55 + 1], [D(1)])) == 2 * D(10) ** 55
    assert counting.calls == 0
    # (10^55 + 1) / 1 likewise, to 10^55; but its log10 is within 1e-9 of 55, so its exponent is not left
    # to floats: divided
    assert canonical(_sum([1], [0], [1], [10 ** 55 + 1], [D(1)])) == D(10) ** 55
    assert counting.calls == 1
    # 2 x 10^60 x 3 / 3 = 2 x 10^60: 61 digits long but one significant digit, so exact
    assert canonical(_sum([1], [0], [3], [2 * 10 ** 60], [D(3)])) == 2 * D(10) ** 60
    assert counting.calls == 1
    # 2^70 (a factor past int64, Python ints) x 3 / 3 = 1180591620717411303424, divided
    assert canonical(_sum([1], [0], [2 ** 70], [3], [D(3)])) == D(1180591620717411303424)
    assert counting.calls == 2


def test_zeros_and_a_negative_divisor():
    # 0 x 5 / 3 = 0; 6 x 0 / 7 = 0; 6 x 1 / -3 = -2, twice: -4
    assert _sum([1, 1, 2], [0, 1, 2], [5, 0, 1], [0, 6, 6], [D(3), D(7), D(-3)]) == D(-4)
    assert _sum([], [], [], [], []) == D(0)


def test_a_sum_that_would_round_at_120_digits_gives_none():
    # 10^100 + 1/3 (50 digits, down to 10^-50): 151 digits, more than money.EXACT's 120 exact ones
    assert _sum([1, 1], [0, 1], [1, 1], [10 ** 100, 1], [D(1), D(3)]) is None


def test_counts_and_factors_past_int64_products_are_still_exact():
    # 3 x (2^61 + 1) x 3 / 3, counted 5 times: count x factor passes 2^61, so it is divided, then x 5:
    # 5 x 3 x (2^61 + 1) = 15 x 2305843009213693953 = 34587645138205409295
    assert canonical(_sum([5], [0], [2 ** 61 + 1], [3], [D(1)])) == D(34587645138205409295)


def test_popcount_without_bitwise_count(monkeypatch):
    words = np.array([0, 1, 2 ** 64 - 1, 0b1011 << 60], dtype=np.uint64)
    expected = [0, 1, 64, 3]
    assert amounts._popcount(words).tolist() == expected
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    assert amounts._popcount(words).tolist() == expected


def _profiles(table):
    from costcalc.api import workloads_from

    # growth compounding over 36 months: volumes of 50 digits, so many costs need rounding; a traffic
    # shape in a time zone: traffic-weighted minutes as the denominator; b repeats a (values shared
    # across chunks)
    twin = ("    requests_per_day: 1000\n    input_tokens: 2000\n    output_tokens: 500\n"
            "    cache_hit_rate: 0.3\n    growth_per_month: 0.02\n    models: [gpt-5.5, claude-haiku-4-5]\n")
    shaped = ("    requests_per_day: 777\n    input_tokens: 3333\n    output_tokens: 123\n"
              "    growth_per_month: 0.05\n    traffic:\n      timezone: Asia/Shanghai\n"
              "      hours: [0, 1, 2, 4, 1, 1, 2, 0, 3, 1, 1, 2, 4, 1, 1, 2, 0, 3, 1, 1, 2, 4, 1, 1]\n"
              "    models: [deepseek-v4-flash, gpt-5.4-mini]\n")
    return workloads_from("schema_version: 1\nprofiles:\n  a:\n" + twin + "  b:\n" + twin + "  c:\n" + shaped,
                          table, ())


def _count_made(monkeypatch) -> list[int]:
    """How many values each division batch of a Joined column makes, appended as they are made."""
    made: list[int] = []
    original = amounts.Joined._divided
    monkeypatch.setattr(amounts.Joined, "_divided", lambda self, positions: made.append(len(positions)) or
                        original(self, positions))
    return made


def test_a_projection_column_sums_without_making_a_value_to_what_adding_the_values_gives(monkeypatch):
    from costcalc.api import prices_from
    from costcalc.projection import frame as frame_module

    monkeypatch.setattr(frame_module, "FLUSH_RUNS", 1)  # a chunk per run: values repeated across chunks
    made = _count_made(monkeypatch)
    table = prices_from(None)
    frame = project(_profiles(table), table, (2026, 12), 36)
    totals = {column: frame[column].sum() for column in ("tokens", "cost_usd")}
    assert made == []  # summed, nothing made
    for column, total in totals.items():
        joined = frame[column].array._deferred.make
        assert isinstance(joined, amounts.Joined) and len(joined.money) > 2
        by_money = np.concatenate([m.tokens() if column == "tokens" else m.cost() for m in joined.money])
        assert total.as_tuple() == canonical(exact_sum(by_money.tolist())).as_tuple()
        # the column itself: Money's values, digit for digit (Money divides by each rate's own places)
        assert list(map(str, frame[column].tolist())) == list(map(str, by_money.tolist()))


def test_each_rounded_cost_of_a_projection_is_its_division():
    from costcalc.api import prices_from

    table = prices_from(None)
    frame = project(_profiles(table), table, (2026, 12), 36)
    joined = frame["cost_usd"].array._deferred.make
    count = joined.count()
    numerators = joined.tokens._numerators[joined._pair_multipliers].tolist()
    factors = joined._cost_factors(slice(0, count))
    # the values of some divisor groups, each in its own bucket: each bucket's sum is its one quotient
    kept = np.flatnonzero(joined._divided_by < 40)
    groups = joined._divided_by[kept].astype(np.int32)
    kept_factors = factors[kept]
    sums = qs.quotient_sums(np.ones(len(kept), dtype=np.int64), groups, lambda a, b: kept_factors[a:b],
                            qs.QuotientGroups(numerators, list(joined._divisors)), np.arange(len(kept)), len(kept))
    assert sums is not None and len(kept) > 100
    for i, value in enumerate(sums):
        group = int(groups[i])
        assert value == DIVIDE.divide(numerators[group] * int(kept_factors[i]), joined._divisors[group])


def test_a_maker_with_total_is_asked_first_and_none_falls_back_to_its_values():
    class Totalled:
        def __init__(self, values, total):
            self.values_made, self.total_given, self.asked = values, total, 0

        def __call__(self):
            return np.array(self.values_made, dtype=object)

        def total(self):
            self.asked += 1
            return self.total_given

    # a maker's own total: 0.1 + 0.2 = 0.3, nothing made
    maker = Totalled([D("0.1"), D("0.2")], D("0.30"))
    array = DecimalArray.deferred(2, maker)
    assert pd.Series(array).sum() == D("0.3") and maker.asked == 1 and array._decimals is None
    # None: the values are made and added: 0.1 + 0.2 = 0.3
    maker = Totalled([D("0.1"), D("0.2")], None)
    assert pd.Series(DecimalArray.deferred(2, maker)).sum() == D("0.3") and maker.asked == 1


@pytest.mark.parametrize("column", ["tokens", "cost_usd"])
def test_a_filtered_column_still_sums_its_own_rows(column):
    from costcalc.api import prices_from

    table = prices_from(None)
    frame = project(_profiles(table), table, (2026, 12), 3)
    kept = frame[frame["profile"] == "c"]
    # c's rows only, made one by one and added, against the filtered column's sum
    assert kept[column].sum() == canonical(exact_sum(frame[column].tolist()[i] for i in np.flatnonzero(
        (frame["profile"] == "c").to_numpy()).tolist()))


def test_a_filter_and_a_take_sum_their_rows_without_making_a_value(monkeypatch):
    from costcalc.api import prices_from

    made = _count_made(monkeypatch)
    table = prices_from(None)
    frame = project(_profiles(table), table, (2026, 12), 3)
    rows = np.flatnonzero((frame["profile"] == "c").to_numpy())
    kept = frame.iloc[rows]
    twice = frame["cost_usd"].take(np.concatenate([rows[:3], rows[:3]]))  # rows repeated: counted twice
    sums = {column: kept[column].sum() for column in ("tokens", "cost_usd")}
    twice_sum = twice.sum()
    assert made == []
    # against the values made and added one by one
    for column, total in sums.items():
        values = frame[column].tolist()
        assert total == canonical(exact_sum(values[i] for i in rows.tolist()))
    values = frame["cost_usd"].tolist()
    assert twice_sum == canonical(exact_sum(2 * values[i] for i in rows[:3].tolist()))


def test_products_past_120_digits_keep_their_own_rates_places():
    """Joined divides a cost by one divisor per multiplier, every rate at the most places of any (here 4),
    and shifts a made value's product back to its own rate's places; a product past 120 digits takes the
    Python-int path, which must shift too. One multiplier V = 10^117 + 7 over 3; token values S = 3 and 7;
    rates 0.2800 (2800 at 4 places), 5.00 (500 at 2) and 3 (3 at 0): V x 3 x 2800 has 121 digits."""
    v = 10 ** 117 + 7
    money = amounts.Money(np.array([0, 1, 0], dtype=np.int32), np.array([3, 7], dtype=np.int64),
                          np.array([0, 0], dtype=np.int32), [v], [D(3)],
                          np.array([0, 1, 2], dtype=np.int32), np.array([0, 1, 0], dtype=np.int32),
                          np.array([0, 1, 2], dtype=np.int32), [2800, 500, 3], [4, 2, 0])
    joined = amounts.Joined([money], "cost")
    made = [str(value) for value in joined()]
    assert made == [str(value) for value in money.cost()]  # Money divides by each rate's own places
    # by hand, the third: V x 3 x 3 / (3 x 1,000,000) = 3 x 10^111 + 0.000021, at 50 digits
    assert made[2] == "3.0000000000000000000000000000000000000000000000000E+111"
    # and the second: V x 7 x 5.00 / 3 / 1,000,000 = 1.1666...7E+112 at 50 digits
    assert made[1] == str(DIVIDE.divide(D(v * 7 * 500), D(3 * 10 ** 6 * 100)))


def test_numerators_past_120_digits_are_made_and_summed_as_money_makes_them():
    # one multiplier V = 10^130 + 1 over 3; token values S = 3 (lines 0 and 2) and S = 7 (line 1); rate 2
    money = amounts.Money(np.array([0, 1, 0], dtype=np.int32), np.array([3, 7], dtype=np.int64),
                          np.array([0, 0], dtype=np.int32), [10 ** 130 + 1], [D(3)],
                          np.array([0, 1, 0], dtype=np.int32), np.array([0, 1], dtype=np.int32),
                          np.array([0, 0], dtype=np.int32), [2], [0])
    joined = amounts.Joined([money], "tokens")
    # (10^130 + 1) x 3 / 3 has 131 digits: rounded to 50, 1.000...0E+130; (10^130 + 1) x 7 / 3 = 2.333...E+130
    third = D("2." + "3" * 49 + "E+130")
    assert joined().tolist() == [D("1." + "0" * 49 + "E+130"), third, D("1." + "0" * 49 + "E+130")]
    assert [v.as_tuple() for v in joined().tolist()] == [v.as_tuple() for v in money.tokens().tolist()]
    # the products pass 120 digits: total() gives None and the sum adds the values: 2 x 10^130 + 2.333...E+130
    assert joined.total() is None
    assert pd.Series(DecimalArray.deferred(3, amounts.Joined([money], "tokens"))).sum() == D("4." + "3" * 49 + "E+130")


def test_a_zero_divisor_fails_as_the_division_does():
    # 6 x 1 / 0: the column's value would raise; so does its sum (decimal.DivisionByZero)
    with pytest.raises(ZeroDivisionError):
        _sum([1], [0], [1], [6], [D(0)])


def test_sums_per_bucket_add_each_buckets_quotients_and_leave_an_empty_bucket_zero(monkeypatch):
    counting = _CountingDivide()
    monkeypatch.setattr(qs, "DIVIDE", counting)
    # group 0: 7 / 3; group 1: 10 / 40 (as the first test); (count, group, factor, bucket):
    #   (2, 0, 3, 0)  7 x 3 / 3 = 7, twice:          14
    #   (1, 0, 1, 1)  7 / 3 = 2.333... (49 threes after the point)
    #   (3, 1, 5, 1)  10 x 5 / 40 = 1.25, 3 times:    3.75
    #   (1, 1, 3, 0)  10 x 3 / 40 = 0.75
    #   (2, 0, 1, 0)  7 / 3 twice: 4.666... (49 sixes after the point)
    # bucket 0: 14 + 0.75 + 4.666... = 19.41666... (49 places); bucket 1: 2.333... + 3.75 = 6.08333...;
    # bucket 2: nothing, 0
    factors = np.array([3, 1, 5, 3, 1], dtype=np.int64)
    totals = qs.quotient_sums(np.array([2, 1, 3, 1, 2], dtype=np.int64), np.array([0, 0, 1, 1, 0], dtype=np.int32),
                              lambda a, b: factors[a:b], qs.QuotientGroups([7, 10], [D(3), D("4E+1")]),
                              np.array([0, 1, 1, 0, 0], dtype=np.int64), 3)
    assert [canonical(t) for t in totals] == [D("19.41" + "6" * 47), D("6.08" + "3" * 47), D(0)]
    assert counting.calls == 0  # each rounding read from its fraction (see quotient_sums)


def test_a_factor_past_int64_sends_only_its_own_value_to_division(monkeypatch):
    counting = _CountingDivide()
    monkeypatch.setattr(qs, "DIVIDE", counting)
    # group 0: 1 / 3. Factors 6 (2 exactly) and 3 x 2^70 (2^70 = 1180591620717411303424 exactly, but past
    # int64: divided) and 9 (3 exactly), in one block: 2 + 1180591620717411303424 + 3
    big = 3 * 2 ** 70
    factors = np.array([6, big, 9], dtype=object)
    totals = qs.quotient_sums(np.ones(3, dtype=np.int64), np.zeros(3, dtype=np.int32), lambda a, b: factors[a:b],
                              qs.QuotientGroups([1], [D(3)]))
    assert canonical(totals[0]) == D(2 ** 70 + 5)
    assert counting.calls == 1


def test_too_many_buckets_for_the_table_gives_none(monkeypatch):
    monkeypatch.setattr(qs, "_TABLE", 3)
    factors = np.array([1, 1], dtype=np.int64)
    # 2 buckets x 2 divisor groups = 4 table entries > 3
    assert qs.quotient_sums(np.ones(2, dtype=np.int64), np.array([0, 1], dtype=np.int32), lambda a, b: factors[a:b],
                            qs.QuotientGroups([1, 1], [D(1), D(2)]), np.array([0, 1], dtype=np.int64), 2) is None


def _third_chunks() -> list[amounts.Money]:
    """Two chunks of tokens, each value S x 1 / 3: chunk A's lines S = 3, 1, 3 (1, 0.333..., 1), chunk B's
    S = 1, 6 (0.333..., 2). 0.333... is 50 threes after the point (DIVIDE's 50 digits)."""
    def chunk(codes, sums):
        lines = np.array(codes, dtype=np.int32)
        return amounts.Money(lines, np.array(sums, dtype=np.int64), np.zeros(len(sums), dtype=np.int32), [1], [D(3)],
                             lines, np.arange(len(sums), dtype=np.int32), np.zeros(len(sums), dtype=np.int32), [1], [0])

    return [chunk([0, 1, 0], [3, 1]), chunk([0, 1], [1, 6])]


def test_a_group_sum_across_chunks_makes_no_value_and_skips_rows_in_no_group(monkeypatch):
    made = _count_made(monkeypatch)
    column = pd.Series(DecimalArray.deferred(5, amounts.Joined(_third_chunks(), "tokens")))
    # the rows' groups: a, b, b, b and NaN (in no group); c has no row
    keys = pd.Categorical(["a", "b", "b", "b", None], categories=["a", "b", "c"])
    sums = column.groupby(keys, observed=False).sum()
    means = column.groupby(keys, observed=False).mean()
    counted = column.groupby(keys, observed=False).sum(min_count=1)
    assert made == []
    # a: 1; b: 0.333... + 1 + 0.333... = 1.666... (50 sixes); c: 0 (no row), NA with min_count=1
    assert sums.tolist() == [D(1), D("1." + "6" * 50), D(0)]
    assert str(sums["a"]) == "1"  # canonical, as a group sum of made values is
    assert counted.tolist()[:2] == sums.tolist()[:2] and counted["c"] is pd.NA
    # means: a 1 / 1 = 1; b 1.666... / 3 = 0.555... (rounded to 50 fives: the next digit is a 3); c NA
    assert means.tolist()[:2] == [D(1), D("0." + "5" * 50)] and means["c"] is pd.NA


def test_a_filtered_group_sum_sums_its_rows(monkeypatch):
    made = _count_made(monkeypatch)
    column = pd.Series(DecimalArray.deferred(5, amounts.Joined(_third_chunks(), "tokens")))
    kept = column[np.array([False, True, True, True, True])]  # 0.333..., 1, 0.333..., 2
    sums = kept.groupby(np.array(["x", "y", "x", "y"])).sum()
    assert made == []
    assert sums.tolist() == [D("0." + "6" * 50), D(3)]


@pytest.mark.parametrize("column", ["tokens", "cost_usd"])
def test_a_projections_group_sums_are_the_made_values_group_sums(monkeypatch, column):
    from costcalc.api import prices_from
    from costcalc.projection import frame as frame_module

    monkeypatch.setattr(frame_module, "FLUSH_RUNS", 1)  # a chunk per run: values repeated across chunks
    table = prices_from(None)
    frame = project(_profiles(table), table, (2026, 12), 36)
    made = _count_made(monkeypatch)
    by = [frame["month"], frame[["profile", "model"]].apply(tuple, axis=1)]
    deferred = [frame.groupby(keys, observed=True)[column].sum() for keys in by]
    mean = frame.groupby("model", observed=True)[column].mean()
    assert made == []
    values = pd.Series(frame[column].tolist(), index=frame.index)  # made, one by one
    for keys, sums in zip(by, deferred):
        expected = {k: canonical(exact_sum(v.tolist())) for k, v in values.groupby(keys.to_numpy())}
        assert {k: str(v) for k, v in sums.items()} == {k: str(v) for k, v in expected.items()}
    for model, value in mean.items():
        rows = values[(frame["model"] == model).to_numpy()].tolist()
        assert str(value) == str(canonical(DIVIDE.divide(exact_sum(rows), D(len(rows)))))


def test_cost_factors_past_int64_are_python_ints_and_the_others_stay_exact(monkeypatch):
    # tokens S = 3 and 2^61 over multiplier 1 / 3; one rate 2 (0 places): factors S x 2 = 6 and 2^62 (past
    # the int64 check), lines: S = 3, 2^61, 3
    lines = np.array([0, 1, 0], dtype=np.int32)
    money = amounts.Money(lines, np.array([3, 2 ** 61], dtype=np.int64), np.zeros(2, dtype=np.int32), [1], [D(3)],
                          lines, np.arange(2, dtype=np.int32), np.zeros(2, dtype=np.int32), [2], [0])
    joined = amounts.Joined([money], "cost")
    joined._map()
    factors = joined._cost_factors(slice(0, 2))
    assert factors.tolist() == [6, 2 ** 62] and [type(f) for f in factors.tolist()] == [int, int]
    made = _count_made(monkeypatch)
    column = pd.Series(DecimalArray.deferred(3, joined))
    # costs: 6 / (3 x 10^6) = 0.000002 (lines 0 and 2) and 2^62 / (3 x 10^6) = 4611686018427387904 / 3 /
    # 10^6 = 1537228672809.129301333... (50 digits: 13 before the point, "129301" and 31 threes after it);
    # groups x: lines 0 and 1 (0.000002 + that: the 6th place 1 -> 3), y: line 2
    big = DIVIDE.divide(D(2 ** 62), D(3_000_000))
    assert str(big) == "1537228672809.129301" + "3" * 31
    sums = column.groupby(np.array(["x", "x", "y"])).sum()
    assert made == []
    assert sums.tolist() == [D("1537228672809.129303" + "3" * 31), D("0.000002")]
