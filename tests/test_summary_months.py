"""costcalc.summarize on a frame built by hand: its month columns whatever the month column's dtype (text, a
categorical with months no line has), every figure worked by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pandas as pd
import pytest

import costcalc

# m1: 2026-12 1.50 + 1.50 = 3, 2027-01 0.25: total 3.25; m2: 2026-12 2.00 = 2, no 2027-01 line (0): total 2
LINES = [("m1", "2026-12", "1.50"), ("m1", "2026-12", "1.50"), ("m1", "2027-01", "0.25"), ("m2", "2026-12", "2.00")]


def frame(month_dtype) -> pd.DataFrame:
    months = pd.Series([month for _, month, _ in LINES])
    if month_dtype == "category":  # a month no line has among the categories
        months = months.astype(pd.CategoricalDtype(["2026-11", "2026-12", "2027-01"]))
    return pd.DataFrame({"profile": "p", "model": [m for m, _, _ in LINES], "provider": "x", "month": months,
                         "cost_usd": pd.array([D(v) for _, _, v in LINES], dtype="decimal")})


@pytest.mark.parametrize("month_dtype", ["str", "category"])
def test_summarize_has_a_column_per_month_with_lines(month_dtype):
    out = costcalc.summarize(frame(month_dtype))
    assert list(out.columns[:5]) == ["profile", "model", "provider", "2026-12", "2027-01"]
    assert out["model"].tolist() == ["m2", "m1"]  # m2 cheaper: rank 1
    assert [str(v) for v in out["2026-12"]] == ["2", "3"]
    assert [str(v) for v in out["2027-01"]] == ["0", "0.25"]
    assert [str(v) for v in out["total_usd"]] == ["2", "3.25"]
    assert out["rank"].tolist() == [1, 2]
    # against the most expensive (3.25): m2 saves 3.25 - 2 = 1.25, 1.25 / 3.25 = 38.46...% -> 38.5; m1
    # 3.25 - 3.25 = 0.00 (an exact difference keeps the places)
    assert [str(v) for v in out["savings_vs_most_expensive_usd"]] == ["1.25", "0.00"]
    assert [str(v) for v in out["savings_pct"]] == ["38.5", "0.0"]


class CountedCopies:
    """attrs metadata that counts its deep copies."""

    copies = 0

    def __deepcopy__(self, memo):
        CountedCopies.copies += 1
        return self


def test_summarize_never_deep_copies_the_frames_attrs():
    df = frame("category")
    df.attrs = {"meta": CountedCopies()}
    before = CountedCopies.copies
    out = costcalc.summarize(df)
    assert CountedCopies.copies == before
    assert out.attrs["meta"] is df.attrs["meta"]  # the summary carries the frame's attrs as they are
    assert [str(v) for v in out["total_usd"]] == ["2", "3.25"]
