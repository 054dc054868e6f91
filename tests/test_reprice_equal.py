"""benchmarks/reprice_equal.py compares re-pricing results as they are written, not only by value: a
Decimal's exponent (0.008 against 0.00800000, equal in value) is a difference it must report."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from reprice_equal import first_difference, written  # benchmarks/reprice_equal.py


def _records(cost: str, total: str) -> pd.DataFrame:
    frame = pd.DataFrame({"model": ["gpt-5.5", "gpt-5.5"], "cost_usd": [Decimal("0.5"), Decimal(cost)]})
    frame.attrs["total_usd"] = Decimal(total)
    return frame


def test_equal_values_written_with_other_exponents_differ():
    same_value = _records("0.00800000", "0.508"), _records("0.008", "0.508")
    pd.testing.assert_frame_equal(*same_value)  # what the script compared before: equal
    assert written(same_value[0]) != written(same_value[1])
    assert written(_records("0.008", "0.508")) == written(_records("0.008", "0.508"))


def test_a_total_written_differently_in_attrs_or_a_tuple_is_found_and_named():
    old, now = written(_records("0.008", "0.508")), written(_records("0.008", "0.5080"))
    assert first_difference(old, now, "records") == \
        'records[4][\'total_usd\']: "Decimal(\'0.508\')" != "Decimal(\'0.5080\')"'
    summary = (5, [Decimal("1.10")], {"logged": Decimal("2")})
    changed = (5, [Decimal("1.10")], {"logged": Decimal("2.0")})
    assert first_difference(written(summary), written(changed), "month") == \
        'month[2][\'logged\']: "Decimal(\'2\')" != "Decimal(\'2.0\')"'


def test_a_frame_cell_written_differently_is_named_by_column_and_row():
    old, now = written(_records("0.00800000", "0.508")), written(_records("0.008", "0.508"))
    assert first_difference(old, now, "records") == \
        'records[3][1][1]: "Decimal(\'0.00800000\')" != "Decimal(\'0.008\')"'

