"""Cost per unit of a plan's profiles (a profile's `units:`, costcalc.workloads.units) and of the whole plan
(the file's top-level `units:`: the plan's total over all its profiles / the product's users, conversations):
per month and over the period, in the shown currency and in USD, for the document's plan sections
(plandoc.py) and the renderers that show them (headline tables, CSV, HTML, XLSX).

    per month:       the month's cost / the month's units (meta.units, counted by the projection)
    over the period: the period's cost / the period's units; for a stock (a count per month: users,
                     seats; meta.units `stock`) the period's cost / the average count per month: 50 users
                     over 2 months are 50 users, not 100 user-months
Exact decimals (the division at money.DIVIDE's 50 digits); rounded only when shown. A plan's month that
leaves something out (a chosen model has no price for all or part of it: mark n/a or partial) has no
cost per unit (null, shown n/a), and neither has its period: the plan's total leaves that cost out.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..money import DIVIDE, decimal_text
from ..money import exact_sum

_ZERO = Decimal(0)


def stock_units(entries: list[dict]) -> dict[tuple[str, str], set[str]]:
    """{(profile, model): units} of meta.units counted per month as a stock (users, seats), not added up."""
    out: dict[tuple[str, str], set[str]] = {}
    for e in entries:
        if e.get("stock"):
            out.setdefault((str(e["profile"]), str(e["model"])), set()).add(str(e["unit"]))
    return out


def unit_label(cost: Mapping[str, object]) -> str:
    """A unit as reports name it: `request` says that retries are not counted (shapes.units_entries counts the
    users' requests; the retries' cost is in the numerator)."""
    unit = str(cost["unit"])
    return f"{unit} (retries not counted)" if unit == "request" and not cost.get("stock") else unit


def units_by_profile(entries: list[dict]) -> dict[tuple[str, str], dict[str, dict[str, Decimal]]]:
    """{(profile, model): {unit: {month: count}}} of meta.units, expected case only."""
    out: dict[tuple[str, str], dict[str, dict[str, Decimal]]] = {}
    for e in entries:
        if e.get("case") not in (None, "expected"):
            continue
        per = out.setdefault((str(e["profile"]), str(e["model"])), {}).setdefault(str(e["unit"]), {})
        per[str(e["month"])] = per.get(str(e["month"]), _ZERO) + Decimal(str(e["count"]))
    return out


def _per(cost: Decimal, usd: Decimal, count: Decimal) -> dict | None:
    if not count:
        return None
    with decimal.localcontext(DIVIDE):
        return {"cost": decimal_text(cost / count), "cost_usd": decimal_text(usd / count)}


def unit_costs(units: dict[str, dict[str, Decimal]], costs: dict[str, Decimal], usd: dict[str, Decimal],
               months: list[str], stocks: set[str] | frozenset[str] = frozenset()) -> list[dict]:
    """[{unit, count, per_unit, months: [{month, count, per_unit}]}] of one profile on its plan's model.
    `stocks`: units counted per month (stock_units); their period count is the average count per month."""
    out = []
    for unit, counts in units.items():
        rows = [{"month": m, "count": decimal_text(counts.get(m, _ZERO)),
                 "per_unit": _per(costs.get(m, _ZERO), usd.get(m, _ZERO), counts.get(m, _ZERO))} for m in months]
        count = exact_sum(counts.get(m, _ZERO) for m in months)
        counted = [m for m in months if m in counts]
        if unit in stocks and counted:
            with decimal.localcontext(DIVIDE):
                count = exact_sum(counts[m] for m in counted) / len(counted)
        entry: dict[str, object] = {"unit": unit, "count": decimal_text(count)}
        if unit in stocks:
            entry["stock"] = True
        entry.update({"per_unit": _per(exact_sum(costs.values()), exact_sum(usd.values()), count), "months": rows})
        out.append(entry)
    return out


def plan_units_by_key(entries: list[dict]) -> dict[str, dict[tuple[str, str] | None, dict[str, Decimal]]]:
    """{unit: {(profile, model) or None (the product's own count): {month: count}}} of meta.plan_units,
    expected case only."""
    out: dict[str, dict[tuple[str, str] | None, dict[str, Decimal]]] = {}
    for e in entries:
        if e.get("case") not in (None, "expected"):
            continue
        key = None if e.get("profile") is None else (str(e["profile"]), str(e["model"]))
        per = out.setdefault(str(e["unit"]), {}).setdefault(key, {})
        per[str(e["month"])] = per.get(str(e["month"]), _ZERO) + Decimal(str(e["count"]))
    return out


def plan_unit_costs(units: dict[str, dict[tuple[str, str] | None, dict[str, Decimal]]],
                    choices: tuple[tuple[str, str], ...], costs: dict[str, Decimal], usd: dict[str, Decimal],
                    months: list[str], left_out: set[str]) -> list[dict]:
    """[{unit, count, per_unit, months: [{month, count, per_unit, mark}]}] of one plan: its total (costs, usd:
    per month) / the units the plan counts (the product's own count, plus the shares of the profile-model
    pairs it chooses). left_out: the months its total leaves something out of (no figure, mark n/a)."""
    out = []
    for unit, shares in units.items():
        counted = [shares[key] for key in [None, *choices] if key in shares]
        counts = {m: exact_sum(c.get(m, _ZERO) for c in counted) for m in months}
        rows = [{"month": m, "count": decimal_text(counts[m]),
                 "per_unit": None if m in left_out else _per(costs.get(m, _ZERO), usd.get(m, _ZERO), counts[m]),
                 "mark": "n/a" if m in left_out else None} for m in months]
        count = exact_sum(counts.values())
        # the product's own count per month (users, seats) is a stock: over the period, the average count
        # per month (10,000 users for 2 months are 10,000 users, not 20,000 user-months), as unit_costs does
        stock = None in shares
        if stock and months:
            count = DIVIDE.divide(count, Decimal(len(months)))
        period = None if left_out else _per(exact_sum(costs.get(m, _ZERO) for m in months),
                                            exact_sum(usd.get(m, _ZERO) for m in months), count)
        entry: dict[str, Any] = {"unit": unit, "count": decimal_text(count), "per_unit": period, "months": rows}
        if stock:
            entry["stock"] = True
        out.append(entry)
    return out


WHOLE_PLAN = "plan"  # the label of the plan's own units (top-level units:) beside the profiles' units


def unit_owners(plan: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """What a renderer's unit table lists: the whole plan (its `units`, labelled WHOLE_PLAN) first, then
    the plan's profiles (their own `units`). Each has "profile" and "units"."""
    own = [{"profile": WHOLE_PLAN, "model": "", "units": plan["units"]}] if plan.get("units") else []
    return [*own, *plan["profiles"]]
