"""The estimate frame's `requests` column is deferred (its Decimals made when first read, from one count
per run): every way of reading it gives the counts by hand, whole or filtered first."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import costcalc

# a: 100 requests/day on two models, b: 7/day on one; December 2026 and January 2027 have 31 days each, so
# a month holds 100 x 31 = 3,100 (a) and 7 x 31 = 217 (b) requests, on the month's first cost line (input),
# 0 on its output line
PROFILES = pd.DataFrame({"name": ["a", "b"], "requests_per_day": [100, 7], "input_tokens": [1000, 10],
                         "output_tokens": [10, 1], "models": ["gpt-5.5;gpt-5.4", "gpt-5.4"]})
BY_HAND = [3100, 0, 3100, 0, 3100, 0, 3100, 0, 217, 0, 217, 0]


@pytest.fixture()
def estimate() -> pd.DataFrame:
    return costcalc.estimate(PROFILES, start="2026-12", months=2)


def test_made_only_when_read(estimate):
    assert estimate["requests"].array._decimals is None  # nothing made yet: a count per run, no Decimal per line
    assert estimate["requests"].tolist() == BY_HAND
    assert all(isinstance(v, Decimal) for v in estimate["requests"].tolist())


def test_filtered_before_read(estimate):
    b = estimate[(estimate["profile"] == "b").to_numpy()]
    assert b["requests"].tolist() == [217, 0, 217, 0]
    assert estimate.iloc[[3, 4, 8, 11]]["requests"].tolist() == [0, 3100, 217, 0]
    assert estimate["requests"].take(np.array([8, 0])).tolist() == [217, 3100]


def test_sums_and_the_requests_table(estimate):
    sums = estimate.groupby("profile", observed=True)["requests"].sum()
    assert sums["a"] == 4 * 3100 and sums["b"] == 2 * 217  # a: two models x two months
    table = costcalc.requests(estimate)
    assert table["requests"].tolist() == [3100] * 4 + [217] * 2
    assert table[["profile", "model", "month"]].values.tolist()[-1] == ["b", "gpt-5.4", "2027-01"]
