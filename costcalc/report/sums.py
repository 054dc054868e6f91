"""A document's cost per profile, case, model and month, in the shown currency and in USD, summed once
from its cost lines for the sections derived from them: the plans (report/plandoc.py) and each
profile's comparison of its alternatives (report/comparisons.py). One pass over the lines instead of
one per section: a 1,000-profile estimate has millions of them.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..money import EXACT
from ..money import exact_sum
from .shown_currency import ShownCurrency

Key = tuple[str, str, str, str]  # (profile, case, model, month)


@dataclass(frozen=True)
class MonthlySums:
    cost: dict[Key, Decimal]   # in the shown currency (meta.currency), native prices included
    usd: dict[Key, Decimal]    # in USD
    pairs: list[dict[str, str]]  # {"profile", "model"} in the lines' order of first appearance

    def expected(self, amounts: dict[Key, Decimal]) -> dict[tuple[str, str], dict[str, Decimal]]:
        """(profile, model) -> month -> amount, expected case: what plans are built from."""
        out: dict[tuple[str, str], dict[str, Decimal]] = {}
        for (profile, case, model, month), amount in amounts.items():
            if case == "expected":
                out.setdefault((profile, model), {})[month] = amount
        return out


def monthly_sums(rows: list[dict], meta: Mapping[str, Any]) -> MonthlySums:
    """Exact sums (120 digits) of each (profile, case, model, month)'s cost lines; a line without a case
    is the expected case."""

    shown = ShownCurrency(meta)
    converted = shown.code != "USD"
    costs: dict[Key, list[Decimal]] = {}
    usds: dict[Key, list[Decimal]] = {}
    for row in rows:
        key = (str(row["profile"]), str(row.get("case") or "expected"), str(row["model"]), str(row["month"]))
        usd = Decimal(str(row["cost_usd"]))
        usds.setdefault(key, []).append(usd)
        costs.setdefault(key, []).append(shown.cost(row) if converted else usd)
    with decimal.localcontext(EXACT):
        cost = {k: exact_sum(v) for k, v in costs.items()}
        usd_sums = {k: exact_sum(v) for k, v in usds.items()}
    pairs = [{"profile": p, "model": m} for p, m in dict.fromkeys((k[0], k[2]) for k in usds)]
    return MonthlySums(cost, usd_sums, pairs)


__all__ = ["Key", "MonthlySums", "monthly_sums"]
