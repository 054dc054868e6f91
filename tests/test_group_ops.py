"""Group sums, means and counts of the decimal dtype (costcalc.frames.decimal.group_op), its missing mask and
canonical(): every expected value worked by hand here. Group sums go a block of rows at a time
(_SUM_BLOCK) unless the rows are in group order, summing runs of a group's rows where they lie first: the
cases below put groups across block boundaries, in runs, out of order and in order."""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np
import pandas as pd
import pytest

from costcalc.frames.decimal import _SUM_BLOCK, DecimalArray, canonical, canonical_values, missing_mask


def decimals(*values) -> pd.Series:
    return pd.Series(pd.array([None if v is None else D(v) for v in values], dtype="decimal"))


def texts(series: pd.Series) -> list[str]:
    return [str(v) for v in series.tolist()]


def test_group_sums_are_written_canonical():
    # a: 1.50 + 1.50 = 3.00 -> 3; b: 2.10 - 0.10 = 2.00 -> 2; c: 0.000 -> 0; d: -1.25 + 0.05 = -1.20 -> -1.2;
    # e: 1E+3 -> 1000
    values = decimals("1.50", "2.10", "0.000", "-1.25", "1.50", "-0.10", "0.05", "1E+3")
    keys = ["a", "b", "c", "d", "a", "b", "d", "e"]
    assert texts(values.groupby(keys).sum()) == ["3", "2", "0", "-1.2", "1000"]


def test_negative_zero_sums_are_zero():
    # -0.50 + 0.50 = 0.00 (+0 half-even); a lone -0.000 is written 0 too
    values = decimals("-0.50", "0.50", "-0.000")
    assert texts(values.groupby([0, 0, 1]).sum()) == ["0", "0"]


def test_missing_values_missing_keys_and_an_all_missing_group():
    values = decimals("1.25", None, "2", None, None, "0.75")
    keys = pd.Series(["x", "x", "y", None, "z", "x"])
    # x: 1.25 + 0.75 = 2.00 -> 2 (its NA skipped); y: 2; z holds only an NA: sums to 0, has no mean
    assert texts(values.groupby(keys).sum()) == ["2", "2", "0"]
    means = values.groupby(keys).mean()
    assert texts(means.iloc[:2]) == ["1", "2"] and means.iloc[2] is pd.NA
    assert values.groupby(keys).count().tolist() == [2, 1, 0]
    # kept as a group of its own (dropna=False), the row without a key sums to 0 (its value is NA)
    kept = values.groupby(keys, dropna=False).sum()
    assert texts(kept) == ["2", "2", "0", "0"]


def test_no_values_at_all():
    # every value NA: each group sums to 0 and has no mean, no maximum, no running sum
    values = decimals(None, None)
    assert texts(values.groupby([0, 1]).sum()) == ["0", "0"]
    assert texts(values.groupby([0, 1]).sum(min_count=1)) == ["<NA>", "<NA>"]
    assert texts(values.groupby([0, 1]).mean()) == ["<NA>", "<NA>"]
    assert texts(values.groupby([0, 1]).max()) == ["<NA>", "<NA>"]
    assert texts(values.groupby([0, 1]).cumsum()) == ["<NA>", "<NA>"]
    nothing = pd.Series(pd.array([], dtype="decimal"))
    assert nothing.groupby(pd.Series([], dtype=int)).sum().tolist() == []


def test_min_count_and_skipna():
    values = decimals("1.10", "2.20", "5", None)
    keys = ["a", "a", "b", "c"]
    # a has 2 values, b 1, c none
    assert texts(values.groupby(keys).sum(min_count=1)) == ["3.3", "5", "<NA>"]
    assert texts(values.groupby(keys).sum(min_count=2)) == ["3.3", "<NA>", "<NA>"]
    with_na = decimals("1", None, "2")
    assert texts(with_na.groupby(["a", "a", "b"]).sum(skipna=False)) == ["<NA>", "2"]


def test_group_means_at_fifty_digits():
    values = decimals("1", "2", "1", "1", "2", "2.50", "3.50", "-1", "-2")
    keys = ["a", "a", "b", "b", "b", "c", "c", "d", "d"]
    # a: 3 / 2 = 1.5; b: 4 / 3 = 1.333... (50 digits, half-even: the last 3 stays); c: 6.00 / 2 = 3;
    # d: -3 / 2 = -1.5
    assert texts(values.groupby(keys).mean()) == ["1.5", "1." + "3" * 49, "3", "-1.5"]


def test_sums_across_blocks_out_of_group_order():
    # 0.01 in every row, group = row % 3: rows 0..n-1 with n = 2 blocks + 3 rows: groups 0 and 1 hold
    # (n + 2) // 3 rows, group 2 n // 3; each block shares every group with the blocks before it
    n = 2 * _SUM_BLOCK + 3
    values = pd.Series(DecimalArray(np.full(n, D("0.01"), dtype=object)))
    sums = values.groupby(np.arange(n) % 3).sum()
    rows = [(n + 2) // 3, (n + 2) // 3, n // 3]
    assert rows == [43692, 43692, 43691]
    assert texts(sums) == ["436.92", "436.92", "436.91"]


def test_sums_of_runs_across_blocks():
    # runs of 4 rows of one month, 36 months over and over (an estimate frame's layout): 2 blocks + 10 rows.
    # Row i holds i (as an amount with two places) in month (i // 4) % 36: each month's sum is the sum of its rows
    n = 2 * _SUM_BLOCK + 10
    rows = np.arange(n)
    months = (rows // 4) % 36
    values = pd.Series(DecimalArray(np.array([D(i).scaleb(-2) for i in range(n)], dtype=object)))
    by_hand = [sum(int(i) for i in rows[months == m]) for m in range(36)]  # in hundredths
    assert texts(values.groupby(months).sum()) == [str(canonical(D(total).scaleb(-2))) for total in by_hand]
    assert values.groupby(months).count().tolist() == [int((months == m).sum()) for m in range(36)]


def test_sums_in_group_order_across_blocks():
    # group = row // 1000: each group 1,000 rows of 0.01 = 10, the last one the rows left over
    n = 2 * _SUM_BLOCK + 75
    values = pd.Series(DecimalArray(np.full(n, D("0.01"), dtype=object)))
    sums = values.groupby(np.arange(n) // 1000).sum()
    assert texts(sums.iloc[:-1]) == ["10"] * (n // 1000)
    assert str(sums.iloc[-1]) == str(canonical(D(n % 1000) * D("0.01")))  # 131,147 rows: 147 x 0.01 = 1.47
    assert str(sums.iloc[-1]) == "1.47"


def test_a_one_row_group_keeps_more_digits_than_sums_carry():
    # a sum is exact to 120 digits; a one-row group's sum is its value, written canonical without rounding
    long = "1" * 130 + ".50"
    assert texts(decimals(long, "1").groupby([0, 1]).sum()) == ["1" * 130 + ".5", "1"]


@pytest.mark.parametrize(("value", "text"), [
    ("1.50", "1.5"), ("0E-65", "0"), ("-0.000", "0"), ("-0", "0"), ("1E+3", "1000"), ("-1.2300E+5", "-123000"),
    ("0.0000001", "1E-7"), ("-0.00000010", "-1E-7"), ("7", "7"), ("12.3450", "12.345"),
])
def test_canonical(value, text):
    assert str(canonical(D(value))) == text
    assert [str(v) for v in canonical_values(np.array([D(value)], dtype=object))] == [text]


def test_canonical_leaves_what_is_no_amount():
    assert canonical(pd.NA) is pd.NA
    assert str(canonical(D("NaN"))) == "NaN"


def test_the_missing_mask_of_views_and_after_setting():
    array = DecimalArray(np.array([D(1), pd.NA, D(2), pd.NA, D(3)], dtype=object))
    assert array.isna().tolist() == [False, True, False, True, False]
    assert array[::2].isna().tolist() == [False, False, False]
    assert array[1::2].isna().tolist() == [True, True]
    assert array[::-1].isna().tolist() == [False, True, False, True, False]
    assert array[:0].isna().tolist() == []
    array[0] = None  # set as NA
    array[1] = "4.5"
    assert array.isna().tolist() == [True, False, False, True, False]
    assert missing_mask(np.array([D(0), None], dtype=object)).tolist() == [False, False]  # pd.NA only
    with pytest.raises(TypeError, match="object array"):
        missing_mask(np.zeros(3))


def test_a_decimal_nan_in_a_users_object_column_is_missing():
    """A user's object column of Decimals (read_csv with a Decimal converter reads "NaN" as Decimal('NaN'),
    "sNaN" as a signalling one): a NaN is missing, as to_decimal has it, so it is neither counted nor
    summed: 1.5 + 2 = 3.5 over 2 values, mean 1.75; grouped [a, a, b]: a = 1.5 (the NaN skipped), b = 2."""
    from costcalc.frames.decimal import money_array

    values = money_array(np.array([D("1.5"), D("NaN"), D("2")], dtype=object))
    assert values.isna().tolist() == [False, True, False]
    assert money_array(np.array([D("sNaN"), D("1")], dtype=object)).isna().tolist() == [True, False]
    series = pd.Series(values)
    assert (series.count(), str(series.sum()), str(series.mean())) == (2, "3.5", "1.75")
    grouped = series.groupby(["a", "a", "b"]).sum()
    assert [str(v) for v in grouped] == ["1.5", "2"]
