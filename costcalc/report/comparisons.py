"""The per-profile comparisons of alternatives in an estimate document (`costcalc.estimate/2`), computed
once from its cost lines and metadata, so that renderers (text, Markdown, HTML, XLSX) only format them.

A profile's `models` are alternatives: this section sets them side by side, per case, and never adds
them together (totals across profiles are plans: report/plandoc.py).

    "comparisons": {
      "months": ["2026-12", ...],             # the month columns: the period's months, months with cost
                                              # lines outside it, and months marked not available
      "profiles": [{"profile", "current",     # current: the model the profile uses (`use:`, else first)
        "cases": [{"case": "expected",        # low / expected / high when the result has cases
                   "cheapest", "most_expensive",   # models; on a tie, by rank then model name
                                                   # (null, and no models: no cost line in this case)
                   "models": [{"model", "provider",
                     "months": [{"month", "cost", "cost_usd", "requests",
                                 "cost_per_1k": {"cost", "cost_usd"} | null,   # null: no requests
                                 "mark": null | "n/a" | "partial"}],           # not available (meta)
                     "total": {"cost", "cost_usd"}, "rank": 1, "cheapest": true,
                     "complete": true,      # priced every month (no month marked n/a or partial)
                     "savings_vs_most_expensive": {"cost", "cost_usd"},
                     "savings_pct": "12.5",          # of the most expensive model's total, exact text
                     "savings_vs_current": {"cost", "cost_usd"} | null,   # current - this; null when
                                                                          # the current model has no lines
                     "fees": [{"tool", "calls", "cost", "cost_usd"}]}]}]}]}   # per-call tool fees,
                                                                                # included in the total

`cost` is in the shown currency (meta.currency: a provider's own published prices where the result used
them, else USD x fx.rate), `cost_usd` in USD; both exact decimal text, as in the plan sections. Rank,
cheapest and savings compare the amounts shown (`cost`): with native prices, the order in USD could
differ, and a reader compares what is shown. A month without a cost line costs 0 there.

A model with no price for all or part of some month (`complete` false) costs less for covering less,
so, as planning.build_plans does, complete models rank first and `cheapest` / `most_expensive` (and the
savings against the most expensive) are among the complete models; only when none is complete are all
compared.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from ..money import DIVIDE, EXACT, decimal_text
from ..money import exact_sum
from .document_types import (Amounts, Comparisons, ComparisonCase, Mark, ModelComparison, MonthComparison,
                             ProfileComparison, ToolFee)
from .plandoc import horizon, plan_setup
from .sums import MonthlySums, monthly_sums
from .meta import unavailable_months
from .shown_currency import ShownCurrency

_ZERO = Decimal(0)
_TOOL = "tool:"


def comparisons(rows: list[dict], meta: Mapping[str, Any], sums: MonthlySums | None = None) -> Comparisons:
    """The comparisons section of a document with these cost lines and meta (module docstring). sums:
    the lines' monthly_sums when the caller has them already."""
    with decimal.localcontext(EXACT):  # sums and differences of 50-digit amounts stay exact
        return _comparisons(rows, meta, sums or monthly_sums(rows, meta))


def month_columns(rows: list[dict], meta: Mapping[str, Any]) -> list[str]:
    """The months a comparison shows: the period's, any a cost line has besides, and those meta's
    not_available marks, in order."""
    marked = {m for e in meta.get("not_available") or [] for m in e["months"]}
    return sorted(set(horizon(meta, rows)) | marked)


def _amounts(cost: Decimal, usd: Decimal) -> Amounts:
    return {"cost": decimal_text(cost), "cost_usd": decimal_text(usd)}


def _comparisons(rows: list[dict], meta: Mapping[str, Any], monthly: MonthlySums) -> Comparisons:

    shown = ShownCurrency(meta)
    months = month_columns(rows, meta)
    # (profile, case, model) -> month -> (shown cost, USD cost)
    sums: dict[tuple[str, str, str], dict[str, tuple[Decimal, Decimal]]] = {}
    for (profile, case, model, month), cost in monthly.cost.items():
        sums.setdefault((profile, case, model), {})[month] = (cost, monthly.usd[(profile, case, model, month)])
    cases = dict.fromkeys(case for _, case, _ in sums)
    # per-call tool fees per tool: [calls], [shown], [USD]; providers: the first line's
    fees: dict[tuple[str, str, str], dict[str, tuple[list, list, list]]] = {}
    providers: dict[tuple[str, str], str] = {}
    for row in rows:
        pair = (str(row["profile"]), str(row["model"]))
        if pair not in providers:
            providers[pair] = str(row.get("provider"))
        component = str(row.get("component"))
        if component.startswith(_TOOL):
            case = str(row.get("case") or "expected")
            fee = fees.setdefault((pair[0], case, pair[1]), {}).setdefault(component[len(_TOOL):], ([], [], []))
            fee[0].append(Decimal(str(row["tokens"])))
            fee[1].append(shown.cost(row))
            fee[2].append(Decimal(str(row["cost_usd"])))
    requests: dict[tuple[str, str, str, str], Decimal] = {}
    for entry in meta.get("requests") or []:
        key = (str(entry["profile"]), str(entry.get("case") or "expected"), str(entry["model"]), str(entry["month"]))
        requests[key] = requests.get(key, _ZERO) + Decimal(str(entry["requests"]))
    marks = unavailable_months(meta)
    _, current = plan_setup(meta, monthly.pairs)
    profiles = list(dict.fromkeys([*(meta.get("profiles") or {}), *(p for p, _, _ in sums)]))
    out: list[ProfileComparison] = []
    for profile in profiles:
        entries: list[ComparisonCase] = []
        for case in cases:
            models = [m for p, c, m in sums if p == profile and c == case]
            if not models:
                continue
            built = [_model(profile, case, model, providers[(profile, model)], sums[(profile, case, model)],
                            fees.get((profile, case, model), {}), requests, marks.get((profile, model), {}), months)
                     for model in models]
            entries.append(_ranked(case, built, current.get(profile)))
        if entries and not any(e["case"] == "expected" for e in entries):
            # low or high has cost lines, expected none (a range from zero requests): said, not skipped
            at = next((i for i, e in enumerate(entries) if e["case"] == "high"), len(entries))
            entries.insert(at, {"case": "expected", "cheapest": None, "most_expensive": None, "models": []})
        if entries:
            out.append({"profile": profile, "current": current.get(profile), "cases": entries})
    return {"months": months, "profiles": out}


def _model(profile: str, case: str, model: str, provider: str, per_month: dict[str, tuple[Decimal, Decimal]],
           tool_fees: dict[str, tuple[list, list, list]], requests: dict, marks: dict[str, str],
           months: list[str]) -> ModelComparison:
    cells: list[MonthComparison] = []
    costs, usds = [], []
    for month in months:
        cost, usd = per_month.get(month, (_ZERO, _ZERO))
        costs.append(cost)
        usds.append(usd)
        n = requests.get((profile, case, model, month), _ZERO)
        # a cost over requests: 50 significant digits, half even (money.DIVIDE)
        per_1k = _amounts(DIVIDE.divide(cost * 1000, n), DIVIDE.divide(usd * 1000, n)) if n else None
        cells.append({"month": month, "cost": decimal_text(cost), "cost_usd": decimal_text(usd),
                      "requests": decimal_text(n), "cost_per_1k": per_1k,
                      "mark": cast("Mark", marks.get(month))})
    fee_list: list[ToolFee] = [{"tool": tool, "calls": decimal_text(exact_sum(calls)),
                                "cost": decimal_text(exact_sum(cost)), "cost_usd": decimal_text(exact_sum(usd))}
                               for tool, (calls, cost, usd) in tool_fees.items()]
    return {"model": model, "provider": provider, "months": cells, "total": _amounts(exact_sum(costs), exact_sum(usds)),
            "rank": 0, "cheapest": False, "complete": not any(cell["mark"] for cell in cells),
            "savings_vs_most_expensive": _amounts(_ZERO, _ZERO), "savings_pct": "0",
            "savings_vs_current": None, "fees": fee_list}


def _ranked(case: str, models: list[ModelComparison], current: str | None) -> ComparisonCase:
    """Rank (1 = cheapest; equal totals share the lower rank; complete models first), savings against
    the most expensive (complete) model and the current model, filled into the models of one profile and
    case."""
    totals = [Decimal(m["total"]["cost"]) for m in models]
    # compared: the complete models (an incomplete total is low for covering less), all when none is
    pool = [i for i, m in enumerate(models) if m["complete"]] or list(range(len(models)))
    keys = [(0 if i in pool else 1, totals[i]) for i in range(len(models))]
    # on equal totals the most expensive is the model last by name (sorting by rank, model: the last)
    most_index = max(pool, key=lambda i: (totals[i], models[i]["model"]))
    most, most_usd = totals[most_index], Decimal(models[most_index]["total"]["cost_usd"])
    by_model = {m["model"]: m for m in models}
    base = by_model.get(current) if current else None
    for model, total, key in zip(models, totals, keys):
        usd = Decimal(model["total"]["cost_usd"])
        model["rank"] = 1 + sum(1 for other in keys if other < key)
        model["cheapest"] = model["rank"] == 1
        model["savings_vs_most_expensive"] = _amounts(most - total, most_usd - usd)
        model["savings_pct"] = decimal_text(DIVIDE.divide((most - total) * 100, most)) if most else "0"
        if base is not None:
            model["savings_vs_current"] = _amounts(Decimal(base["total"]["cost"]) - total,
                                                   Decimal(base["total"]["cost_usd"]) - usd)
    ordered = sorted((models[i] for i in pool), key=lambda m: (m["rank"], m["model"]))
    return {"case": case, "cheapest": ordered[0]["model"], "most_expensive": ordered[-1]["model"], "models": models}


__all__ = ["comparisons", "month_columns"]
