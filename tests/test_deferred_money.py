"""Deferred decimal columns (costcalc.frames.decimal.DecimalArray.deferred): the projection keeps tokens and
cost_usd as integer numerators and makes the Decimals when a value is first needed. Building, counting and
passing a frame on must not make them; reading, copying and saving must give exactly the values."""

from __future__ import annotations

import copy
import pickle
from decimal import Decimal as D

import numpy as np
import pandas as pd
import pytest

from costcalc.frames import estimate_frame
from costcalc.frames.decimal import DecimalArray
from costcalc.projection import amounts, project


class Maker:
    """make() for a deferred array that counts its calls."""

    def __init__(self, values):
        self.values = values
        self.calls = 0

    def __call__(self) -> np.ndarray:
        self.calls += 1
        out = np.empty(len(self.values), dtype=object)
        out[:] = self.values
        return out


def test_nothing_is_made_until_a_value_is_read():
    maker = Maker([D("0.1"), D("0.2"), D("0.3")])
    array = DecimalArray.deferred(3, maker)
    frame = pd.DataFrame({"cost": pd.Series(array), "n": [1, 2, 3]})  # pandas copies: still deferred
    assert len(array) == 3 and len(frame) == 3 and str(frame["cost"].dtype) == "decimal"
    frame = frame.copy(deep=False)
    frame["more"] = 1
    assert frame.memory_usage()["cost"] == (8 + 104) * 3  # as the made array will hold (pointers, Decimals)
    assert maker.calls == 0
    # 0.1 + 0.2 + 0.3 = 0.6 exactly (a float sum would give 0.6000000000000001)
    assert frame["cost"].sum() == D("0.6")
    assert frame["cost"].tolist() == [D("0.1"), D("0.2"), D("0.3")]
    assert maker.calls == 1


def test_a_copy_taken_before_reading_is_independent():
    maker = Maker([D(1), D(2)])
    array = DecimalArray.deferred(2, maker)
    copied = array.copy()
    copied[0] = D(5)
    assert array.tolist() == [D(1), D(2)]
    assert copied.tolist() == [D(5), D(2)]
    assert maker.calls == 2  # each made its own values


def test_a_view_shares_the_values_it_makes():
    maker = Maker([D(1), D(2)])
    array = DecimalArray.deferred(2, maker)
    view = array.view()
    view[1] = D("7.5")
    assert array.tolist() == [D(1), D("7.5")]
    assert maker.calls == 1


def test_a_copy_after_a_view_made_and_changed_the_values_holds_the_change():
    # pandas makes such views (df.copy(deep=False)); a copy must equal the array, not the maker's values
    maker = Maker([D(1), D(2)])
    array = DecimalArray.deferred(2, maker)
    array.view()[0] = D(7)
    assert array.copy().tolist() == [D(7), D(2)] == array.tolist()
    assert maker.calls == 1
    frame = pd.DataFrame({"cost": pd.Series(DecimalArray.deferred(2, Maker([D(1), D(2)])))})
    shallow = frame.copy(deep=False)
    shallow["cost"].array[0] = D(7)
    assert frame.copy().equals(frame)


def test_pickles_and_deep_copies_hold_the_values_not_the_maker():
    array = DecimalArray.deferred(2, Maker([D("1.25"), pd.NA]))
    for again in (pickle.loads(pickle.dumps(array)), copy.deepcopy(array)):
        assert again._deferred is None
        assert again[0] == D("1.25") and again[1] is pd.NA


def test_a_maker_of_the_wrong_length_is_an_error_when_read():
    array = DecimalArray.deferred(3, Maker([D(1)]))
    assert len(array) == 3
    with pytest.raises(TypeError, match="expected 3 objects"):
        array.tolist()


def test_the_projection_makes_no_decimals_for_a_frame_that_is_not_read(monkeypatch):
    from costcalc.api import prices_from, workloads_from

    # per column: how many distinct values were made, each time any were (None: all of them); the frame's
    # tokens and cost_usd divide in amounts.Joined._divided
    made: dict[str, list] = {"tokens": [], "cost": []}
    original = amounts.Joined._divided

    def counted(self, positions):
        made[self.name].append(None if len(positions) == self.count() else len(positions))
        return original(self, positions)

    monkeypatch.setattr(amounts.Joined, "_divided", counted)
    table = prices_from(None)
    loaded = workloads_from("schema_version: 1\nprofiles:\n  chat:\n    requests_per_day: 1000\n"
                            "    input_tokens: 2000\n    output_tokens: 500\n    models: [gpt-5.5]\n",
                            table, ())
    frame = estimate_frame(project(loaded, table, (2027, 1), 2))
    assert len(frame) > 0 and made == {"tokens": [], "cost": []}
    # January 2027 (counted in o200k, gpt-5.5's own tokenizer: no translation): 31 days x 1,000 requests =
    # 31,000 requests x 2,000 input tokens = 62,000,000 tokens
    january = frame[(frame["month"] == "2027-01") & (frame["component"] == "input")]
    assert made == {"tokens": [], "cost": []}  # a filtered frame is still deferred
    assert january["tokens"].sum() == D(62_000_000)
    assert made == {"tokens": [], "cost": []}  # a filter's sum makes no value either (Joined.total(counts))
    assert january["tokens"].tolist() == [D(62_000_000)]
    assert made == {"tokens": [1], "cost": []}  # read: the one row's value only
    # cost per line is tokens x rate / 1,000,000, whatever the rate the table gives
    for tokens, rate, cost in zip(frame["tokens"], frame["usd_per_mtok"], frame["cost_usd"]):
        assert cost == tokens * rate / D(1_000_000)
    assert made == {"tokens": [1, None], "cost": [None]}


def test_rows_taken_before_reading_stay_deferred_and_are_checked_at_once():
    maker = Maker([D("0.1"), D("0.2"), D("0.3"), D("0.4")])
    array = DecimalArray.deferred(4, maker)
    taken = array.take([3, 1, -1])  # -1 without allow_fill: the last row, as numpy counts
    filled = array.take([0, -1], allow_fill=True, fill_value=D(9))
    filtered = array[np.array([True, False, True, False])]
    again = taken.take([1, 0])  # a take of a take
    assert maker.calls == 0
    with pytest.raises(IndexError):
        array.take([4])
    with pytest.raises(ValueError):
        array.take([-2], allow_fill=True)
    assert taken.tolist() == [D("0.4"), D("0.2"), D("0.4")]
    assert filled.tolist() == [D("0.1"), D(9)]
    assert filtered.tolist() == [D("0.1"), D("0.3")]
    assert again.tolist() == [D("0.2"), D("0.4")]
    assert maker.calls == 4 and array._decimals is None  # each made its own rows; the array is still deferred
    # a take after a view made and changed the values takes the changed values
    array.view()[1] = D(5)
    assert array.take([1]).tolist() == [D(5)]


def test_a_maker_with_rows_makes_only_the_rows_taken():
    asked = []

    class Rows(Maker):
        def rows(self, positions):
            asked.append(positions.tolist())
            return self()[positions]

    array = DecimalArray.deferred(5, Rows([D(n) for n in range(5)]))
    frame = pd.DataFrame({"cost": pd.Series(array), "n": range(5)})
    kept = frame[frame["n"] >= 3]
    assert asked == []
    # 3 + 4 = 7
    assert kept["cost"].sum() == D(7) and asked == [[3, 4]]


def test_a_sum_with_missing_values_skips_them_or_is_missing():
    # summed as they are first (an NA makes that sum NA), then again without the NAs: 0.1 + 0.3 = 0.4
    array = DecimalArray.deferred(3, Maker([D("0.1"), pd.NA, D("0.3")]))
    series = pd.Series(array)
    assert series.sum() == D("0.4")
    assert series.sum(skipna=False) is pd.NA
    assert series.sum(min_count=3) is pd.NA and series.sum(min_count=2) == D("0.4")
    assert pd.Series(DecimalArray.deferred(2, Maker([D("0.1"), D("0.2")]))).sum(min_count=3) is pd.NA


class Coded:
    """A maker that also gives each row's distinct value (codes) and makes only the distinct values asked
    for (values): what a sum of an unmade column uses instead of making every row."""

    def __init__(self, distinct, codes):
        self.distinct, self._codes = distinct, np.asarray(codes)
        self.asked: list[list[int]] = []
        self.calls = 0

    def __call__(self) -> np.ndarray:
        self.calls += 1
        return self.values()[self._codes]

    def codes(self):
        return self._codes

    def values(self, positions=None):
        positions = np.arange(len(self.distinct)) if positions is None else positions
        self.asked.append(positions.tolist())
        out = np.empty(len(positions), dtype=object)
        out[:] = [self.distinct[p] for p in positions.tolist()]
        return out


def test_a_sum_of_a_coded_column_adds_each_distinct_value_times_its_count():
    from costcalc.frames.decimal import coded_sum

    # 0.10 three times, 1.005 twice, 2 once (distinct 3, 5E+1, is on no row):
    # 3 x 0.10 + 2 x 1.005 + 2 = 0.30 + 2.010 + 2 = 4.310
    distinct = [D("0.10"), D("1.005"), D("2"), D("5E+1")]
    codes = [0, 1, 1, 2, 0, 0]
    maker = Coded(distinct, codes)
    array = DecimalArray.deferred(6, maker)
    assert pd.Series(array).sum() == D("4.31")
    assert maker.calls == 0 and maker.asked == [[0, 1, 2]] and array._decimals is None  # no row was made
    # the exact sum keeps the digits and exponent adding the rows one by one gives: 4.310 (exponent -3)
    assert coded_sum(np.asarray(codes), maker.values).as_tuple() == D("4.310").as_tuple()
    # rows taken before reading: only their distinct values are made (rows 1, 3: 1.005 + 2 = 3.005)
    assert pd.Series(array.take([1, 3])).sum() == D("3.005") and maker.asked[-1] == [1, 2]
    # a group sum: group a = rows 0, 1, 2 (0.10 + 1.005 + 1.005 = 2.110), b = rows 3, 4, 5 (2 + 0.10 + 0.10)
    frame = pd.DataFrame({"cost": pd.Series(DecimalArray.deferred(6, Coded(distinct, codes))),
                          "group": list("aaabbb")})
    sums = frame.groupby("group")["cost"].sum()
    assert sums["a"] == D("2.110") and sums["b"] == D("2.20")


def test_the_frame_divides_each_value_once_across_chunks_and_makes_what_money_makes(monkeypatch):
    from costcalc.api import prices_from, workloads_from
    from costcalc.frames.decimal import coded_sum
    from costcalc.money import exact_sum
    from costcalc.projection import frame as frame_module

    monkeypatch.setattr(frame_module, "FLUSH_RUNS", 1)  # a chunk per run: twins' values in several chunks
    table = prices_from(None)
    twin = "    requests_per_day: 1000\n    input_tokens: 2000\n    output_tokens: 500\n" \
           "    cache_hit_rate: 0.3\n    models: [gpt-5.5, claude-haiku-4-5]\n"
    loaded = workloads_from("schema_version: 1\nprofiles:\n  a:\n" + twin + "  b:\n" + twin, table, ())
    frame = project(loaded, table, (2027, 1), 3)
    for column in ("tokens", "cost_usd"):
        joined = frame[column].array._deferred.make
        assert isinstance(joined, amounts.Joined) and len(joined.money) > 2
        # profile b repeats a's values: each distinct value once across the chunks
        per_chunk = sum(m.distinct("tokens" if column == "tokens" else "cost") for m in joined.money)
        assert joined.count() * 2 <= per_chunk
        by_money = np.concatenate([m.tokens() if column == "tokens" else m.cost() for m in joined.money])
        made = joined()
        assert [v.as_tuple() for v in made.tolist()] == [v.as_tuple() for v in by_money.tolist()]
        assert coded_sum(joined.codes(), joined.values).as_tuple() == exact_sum(by_money.tolist()).as_tuple()


def test_a_coded_column_with_a_missing_value_sums_as_a_made_one():
    # 0.5 + 0.5 + NA: 1.0 without the NA, NA with skipna=False
    array = DecimalArray.deferred(3, Coded([D("0.5"), pd.NA], [0, 0, 1]))
    assert pd.Series(array).sum() == D("1.0")
    assert pd.Series(DecimalArray.deferred(3, Coded([D("0.5"), pd.NA], [0, 0, 1]))).sum(skipna=False) is pd.NA
