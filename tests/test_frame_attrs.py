"""An estimate's attrs: JSON-plain, their dicts and lists deep-copied in C (PlainDict, PlainList) because
pandas deep-copies attrs on every operation; a copy is still equal, independent and JSON-plain."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pandas as pd

import costcalc
from costcalc.frames import PlainDict, PlainList, quick_copies

PROFILES = pd.DataFrame({"name": ["a", "b"], "requests_per_day": [100, 7], "input_tokens": [1000, 10],
                         "output_tokens": [10, 1], "models": ["gpt-5.5;claude-sonnet-4-6", "gpt-5.4"]})


def test_an_operation_copies_attrs_equal_and_independent():
    df = costcalc.estimate(PROFILES, start="2026-12", months=2)
    assert isinstance(df.attrs["profiles"], PlainDict) and isinstance(df.attrs["assumptions"], PlainList)
    column = df["cost_usd"]  # pandas deep-copies the attrs here
    assert column.attrs == df.attrs and column.attrs["profiles"] is not df.attrs["profiles"]
    column.attrs["profiles"]["a"]["models"].append("changed")
    column.attrs["assumptions"][0] = "changed"
    assert df.attrs["profiles"]["a"]["models"] == ["gpt-5.5", "claude-sonnet-4-6"]
    assert df.attrs["assumptions"][0] != "changed"
    assert json.loads(json.dumps(df.attrs)) == df.attrs  # still JSON-plain


def test_a_value_marshal_cannot_copy_is_deep_copied_as_before():
    attrs = quick_copies({"profiles": {"a": {"n": 1}}, "list": [{"x": 1}], "months": 3})
    attrs["profiles"]["a"]["n"] = Decimal("1.5")  # put in by hand: not JSON-plain, not marshal's
    attrs["list"].append(object())
    copied = copy.deepcopy(attrs)
    assert copied["profiles"] == {"a": {"n": Decimal("1.5")}} and copied["profiles"]["a"] is not attrs["profiles"]["a"]
    assert copied["list"][0] == {"x": 1} and copied["list"][0] is not attrs["list"][0]
    assert isinstance(copied["profiles"], PlainDict) and isinstance(copied["list"], PlainList)
    assert copied["months"] == 3
