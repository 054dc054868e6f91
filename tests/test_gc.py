"""The cyclic garbage collector is turned off while a big result is built (costcalc._gc) and left as it was
after: on after an estimate, a projection or an error mid-way; off when the caller had turned it off."""

from __future__ import annotations

import gc

import pandas as pd
import pytest

import costcalc
from costcalc.errors import CostcalcError

GOOD = pd.DataFrame({"name": ["a"], "models": ["gpt-5.5"], "requests_per_day": [10], "input_tokens": [100],
                     "output_tokens": [5]})


@pytest.mark.parametrize("enabled", [True, False])
def test_left_as_it_was_after_an_estimate_and_after_an_error(enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        costcalc.estimate(GOOD, start="2026-12", months=1)
        assert gc.isenabled() is enabled
        for bad in (GOOD.assign(models=["no-such-model"]),  # refused while loading
                    GOOD.assign(input_tokens=[100_000_000])):  # over the context window: in the projection
            with pytest.raises(CostcalcError):
                costcalc.estimate(bad, start="2026-12", months=1)
            assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
