"""An estimate's attrs: JSON-plain, their dicts and lists deep-copied in C (PlainDict, PlainList) because
pandas deep-copies attrs on every operation; a copy is still equal, independent and JSON-plain."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pickle
import threading
import yaml

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


def test_values_put_in_by_hand_are_deep_copied_as_they_are():
    attrs = quick_copies({"profiles": {"a": {"n": 1}}, "list": [{"x": 1}], "months": 3})
    attrs["profiles"]["a"]["n"] = Decimal("1.5")  # put in by hand: not JSON-plain
    attrs["list"].append(object())
    copied = copy.deepcopy(attrs)
    assert copied["profiles"] == {"a": {"n": Decimal("1.5")}} and copied["profiles"]["a"] is not attrs["profiles"]["a"]
    assert copied["list"][0] == {"x": 1} and copied["list"][0] is not attrs["list"][0]
    assert isinstance(copied["profiles"], PlainDict) and isinstance(copied["list"], PlainList)
    assert copied["months"] == 3
    attrs["list"].append(threading.Lock())  # pickle refuses a lock: copied by copy.deepcopy, which refuses it too
    try:
        copy.deepcopy(attrs)
    except TypeError as exc:
        assert "lock" in str(exc)
    else:
        raise AssertionError("a lock was deep-copied")


def test_numpy_values_put_in_attrs_survive_operations():
    """pandas copies attrs on every operation: a NumPy value nested in them stays that value (marshal, used
    before, wrote it as raw bytes)."""
    df = costcalc.estimate(PROFILES, start="2026-12", months=2)
    df.attrs["profiles"]["a"]["share"] = np.float64(1.5)
    df.attrs["profiles"]["a"]["counts"] = np.arange(3)
    copied = df.head(1).attrs["profiles"]["a"]
    assert type(copied["share"]) is np.float64 and copied["share"] == 1.5
    assert copied["counts"].tolist() == [0, 1, 2]


def test_attrs_dump_and_pickle_as_plain_dicts_and_lists():
    df = costcalc.estimate(PROFILES, start="2026-12", months=2)
    dumped = yaml.safe_load(yaml.safe_dump(df.attrs))
    assert dumped["profiles"]["a"]["models"] == ["gpt-5.5", "claude-sonnet-4-6"]
    assert "python/object" not in yaml.dump(df.attrs)
    loaded = pickle.loads(pickle.dumps(df.attrs))
    assert type(loaded["profiles"]) is dict and type(loaded["assumptions"]) is list
    assert loaded == df.attrs


def test_json_plain_makes_numpy_scalars_python_ones():
    from costcalc.frames import json_plain

    plain = json_plain({"share": np.float64(1.5), "n": np.int64(2), "list": [np.float32(0.5)]})
    assert plain == {"share": 1.5, "n": 2, "list": [0.5]}
    assert type(plain["share"]) is float and type(plain["n"]) is int and type(plain["list"][0]) is float
