"""Budgets against plan spend, month by month. Pure: a rule and the spend it covers in, a status out.

A monthly budget is compared with each month's spend: `headroom` = budget - spend (negative: over,
by `overrun` = spend - budget). A period budget is compared with the spend summed from the first month:
it *runs out* in the first month whose running total is above it (that month's spend is not covered in
full), and `left` is what remains after the last month (negative: over). Amounts are exact, in the
budget's own currency.

A month whose spend has no price at all (mark "n/a": every model the budget covers is unavailable) has
no spend, headroom or status: it is neither within nor over budget. A month priced only in part (mark
"partial") is evaluated on what is priced and keeps its mark, so a reader sees the spend is understated.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from decimal import Decimal

from .money import EXACT, decimal_text

_ZERO = Decimal(0)


def evaluate(rule: dict, spend: dict[str, Decimal], months: list[str],
             marks: Mapping[str, str | None] | None = None) -> dict:
    """The status of one budget rule (`BudgetRule.to_dict()`, amounts as decimal text) given the spend
    it covers per month (in the rule's currency) and, per month, its mark (None, "n/a", "partial"; see
    the module docstring). JSON-plain: money as decimal text."""
    # spend carries up to 50 significant digits: EXACT's 120 keep every difference and running total
    # exact (the default 28 would round them)
    with decimal.localcontext(EXACT):
        return _evaluate(rule, spend, months, marks or {})


def _evaluate(rule: dict, spend: dict[str, Decimal], months: list[str], marks: Mapping[str, str | None]) -> dict:
    monthly = None if rule.get("monthly") is None else Decimal(rule["monthly"])
    period = None if rule.get("period") is None else Decimal(rule["period"])
    rows, over, running, runs_out = [], [], _ZERO, None
    for month in months:
        amount = spend.get(month, _ZERO)
        running += amount
        mark = marks.get(month)
        row: dict[str, str | bool | None] = {"month": month, "spend": None if mark == "n/a" else decimal_text(amount),
                                             "cumulative": decimal_text(running), "mark": mark}
        if monthly is not None and mark != "n/a":
            headroom = monthly - amount
            row["headroom"] = decimal_text(headroom)
            row["over"] = headroom < 0
            if headroom < 0:
                over.append({"month": month, "overrun": decimal_text(-headroom)})
        if period is not None:
            row["period_left"] = decimal_text(period - running)
            if runs_out is None and running > period:
                runs_out = month
        rows.append(row)
    out = {**rule, "months": rows, "period_spend": decimal_text(running)}
    if monthly is not None:
        out["over_months"] = over
        judged = [r for r in rows if "headroom" in r]  # n/a months have no headroom
        least = min(judged, key=lambda r: Decimal(str(r["headroom"]))) if judged else None
        out["least_headroom"] = None if least is None else {"month": least["month"], "headroom": least["headroom"]}
    if period is not None:
        out["runs_out"] = runs_out
        out["period_left"] = decimal_text(period - running)
    return out


__all__ = ["evaluate"]
