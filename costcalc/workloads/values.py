"""An uncertain value of a workload: {low, expected, high}. Its own module, below everything that holds one
(profiles in model.py, conversation and agent shapes), so those import it without importing each other."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Range:
    """An uncertain value: `case=low` takes `low`, `case=high` takes `high`."""

    low: Decimal
    expected: Decimal
    high: Decimal

    def at(self, case: str) -> Decimal:
        return getattr(self, case)


Value = Decimal | Range
