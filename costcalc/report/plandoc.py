"""The plan, headline and budget sections of an estimate document (`costcalc.estimate/2`), computed once
from its cost lines and metadata (costcalc.planning, costcalc.budgets), so that renderers only format them.

    "plans": [{"name", "kind", "description", "notes": [...],
               "months": [{"month", "cost", "cost_usd", "mark"}],  # the plan's total per month; mark: null,
                                                                   # "n/a" (no profile priced), "partial"
               "total": {"cost", "cost_usd"},                       # over the period
               "profiles": [{"profile", "model", "months": [{"month", "cost", "cost_usd", "requests",
                                                             "mark"}],   # mark: null, "n/a", "partial"
                             "total": {...}, "requests", "requests_per_month",
                             "cost_per_request": {...} | null, "cost_per_1k": {...} | null,
                             "units": [{"unit", "count", "per_unit": {...} | null,      # with units: only
                                        "months": [{"month", "count", "per_unit"}]}]}],
               "units": [{"unit", "count", "per_unit": {...} | null,  # with top-level units: only: the plan's
                          "months": [{"month", "count", "per_unit", "mark"}]}]}],   # total per unit
    "headline": {"plan": chosen, "cheapest": {"plan", "total", "saves": {...} | null, "saves_pct"} | null,
                 "left_out": [month, ...], "not_compared": [plan, ...]},
    "budgets": [{rule..., "months": [{"month", "spend" | null, "cumulative", "headroom", "over", "period_left",
                                      "mark"}],   # n/a: no spend, headroom nor status (costcalc.budgets)
                 "over_months": [{"month", "overrun"}], "least_headroom", "runs_out", "period_left", ...}]

`cost` is in the shown currency (meta.currency: a provider's own published prices where the result used
them, else USD x fx.rate), `cost_usd` in USD; both exact decimal text. Only the expected case is planned
(low and high are alternatives of another kind). Budget amounts are in each budget's own currency.

A plan whose chosen model has no price for all or part of a month (mark n/a or partial) leaves that
month's cost out of its totals, so its total is never compared with others as if complete: `cheapest`
is the cheapest plan that covers every month (null when none does), `saves` is null when the chosen plan
leaves months out (`left_out`: those months), and `not_compared` names every plan that leaves months out.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from .. import planning
from ..budgets import evaluate
from ..errors import CostcalcError
from ..money import EXACT, decimal_text
from ..money import exact_sum
from ..workload_plans import UserPlan
from .sums import MonthlySums, monthly_sums
from .meta import document_meta, unavailable_months
from .shown_currency import ShownCurrency
from .unitcosts import plan_unit_costs, plan_units_by_key, stock_units, unit_costs, units_by_profile
from ..calendar import month_bounds, month_label, months
from ..frames import requests_entries
from ..summary import _bare

_ZERO = Decimal(0)


def _expected(record: dict) -> bool:
    return record.get("case") in (None, "expected")


def horizon(meta: Mapping[str, Any], rows: list[dict]) -> list[str]:
    """The period's months (meta start and months), with any month a row has besides."""

    try:
        year, month = (int(p) for p in str(meta.get("start")).split("-")[:2])
        out = [month_label(y, m) for y, m in months(year, month, int(meta.get("months") or 0))]  # none: no months
    except (TypeError, ValueError):
        out = []
    extra = sorted({str(r["month"]) for r in rows} - set(out))
    return out + extra


def plan_setup(meta: Mapping[str, Any], rows: list[dict]) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Per profile (in order): the models it lists, and its current model. A result made before plans
    (schema 1) lists neither: its models are those of its cost lines, in order, the first current."""
    models: dict[str, list[str]] = {}
    current: dict[str, str] = {}
    for name, info in (meta.get("profiles") or {}).items():
        info = info or {}
        if info.get("models"):
            models[name] = list(info["models"])
            current[name] = info.get("use") or info["models"][0]
    for row in rows:
        profile, model = str(row["profile"]), str(row["model"])
        listed = models.setdefault(profile, [])
        if model not in listed:
            listed.append(model)
        current.setdefault(profile, model)
    return {p: tuple(m) for p, m in models.items()}, current


def plan_sections(rows: list[dict], meta: dict, sums: MonthlySums | None = None) -> dict:
    """plans, headline, budgets and total_usd of a document (see the module docstring). sums: the
    lines' monthly_sums when the caller has them already."""
    # sums, differences and x1000 of 50-digit amounts stay exact at 120 digits (the default 28 rounds)
    with decimal.localcontext(EXACT):
        return _sections(rows, meta, sums or monthly_sums(rows, meta))


def _sections(rows: list[dict], meta: dict, sums: MonthlySums) -> dict:

    shown = ShownCurrency(meta)
    months = horizon(meta, rows)
    usd_costs, costs = sums.expected(sums.usd), sums.expected(sums.cost)
    requests: dict[tuple[str, str], dict[str, Decimal]] = {}
    for entry in meta.get("requests") or []:
        if _expected(entry):
            per = requests.setdefault((str(entry["profile"]), str(entry["model"])), {})
            per[str(entry["month"])] = per.get(str(entry["month"]), _ZERO) + Decimal(str(entry["requests"]))
    units = units_by_profile(meta.get("units") or [])
    stocks = stock_units(meta.get("units") or [])
    models, current = plan_setup(meta, sums.pairs)
    user = tuple(UserPlan(name, tuple(choices.items())) for name, choices in (meta.get("user_plans") or {}).items())
    unavailable = {(str(e["profile"]), str(e["model"])) for e in meta.get("not_available") or []}
    built = planning.build_plans(models, current, costs, user, unavailable) if models else []
    chosen_name = meta.get("plan") or "current"
    names = [p.name for p in built]
    if built and chosen_name not in names:
        raise CostcalcError(f"plan {chosen_name!r} is not one of this estimate's plans: {', '.join(names)}")
    marks = unavailable_months(meta)
    shares = priced_shares(meta, requests, marks)
    plans = [_plan_entry(p, costs, usd_costs, requests, months, marks, units, stocks, shares) for p in built]
    plan_units = plan_units_by_key(meta.get("plan_units") or [])
    if plan_units:  # the file's top-level units: every plan's total per unit
        for plan, entry in zip(built, plans):
            by_cost = {m["month"]: Decimal(m["cost"]) for m in entry["months"]}
            by_usd = {m["month"]: Decimal(m["cost_usd"]) for m in entry["months"]}
            entry["units"] = plan_unit_costs(plan_units, tuple(plan.choices), by_cost, by_usd, months,
                                             set(left_out_months(entry)))
    by_name = {p["name"]: p for p in plans}
    chosen = by_name.get(chosen_name)
    headline: dict[str, Any] = {"plan": chosen_name if chosen else None, "cheapest": None,
                                "left_out": left_out_months(chosen) if chosen else [],
                                "not_compared": [p["name"] for p in plans if left_out_months(p)]}
    if chosen:
        headline["cheapest"] = _cheapest(plans, chosen)
    budgets = [_budget(rule, by_name, chosen_name, shown, months) for rule in meta.get("budget_rules") or []]
    total = chosen["total"]["cost_usd"] if chosen else "0"
    return {"plans": plans, "headline": headline, "budgets": budgets, "total_usd": total}


def left_out_months(plan: Mapping[str, Any]) -> list[str]:
    """The months (in order) where a plan's total leaves something out: a chosen model has no price
    for all (n/a) or part (partial) of the month. [] for a plan that covers the whole period."""
    marked = {m["month"] for p in plan["profiles"] for m in p["months"] if m.get("mark")}
    return [m["month"] for m in plan["months"] if m["month"] in marked]


def _cheapest(plans: list[dict], chosen: dict) -> dict | None:
    """The cheapest plan that covers every month, and what it saves against the chosen plan. A plan
    total that leaves months out looks cheap for covering less, so such a plan is never the cheapest
    and is never compared: when the chosen plan leaves months out, `saves` is None (not comparable).
    None when no plan covers every month."""
    complete = [p for p in plans if not left_out_months(p)]
    if not complete:
        return None
    low = min(complete, key=lambda p: (Decimal(p["total"]["cost"]), p["name"] != "cheapest"))
    if left_out_months(chosen):
        return {"plan": low["name"], "total": low["total"], "saves": None, "saves_pct": None}
    saved, pct = planning.savings(Decimal(chosen["total"]["cost"]), Decimal(low["total"]["cost"]))
    saved_usd, _ = planning.savings(Decimal(chosen["total"]["cost_usd"]), Decimal(low["total"]["cost_usd"]))
    return {"plan": low["name"], "total": low["total"],
            "saves": {"cost": decimal_text(saved), "cost_usd": decimal_text(saved_usd)},
            "saves_pct": None if pct is None else decimal_text(pct)}


def frame_sections(df) -> dict:
    """plan_sections of an estimate DataFrame, from its cost lines summed per profile, model and month
    (expected case) rather than line by line: what `costcalc.plans` and compare use."""

    frame = _bare(df)
    if "case" in frame.columns:
        frame = frame[frame["case"].astype(str) == "expected"]
    money = [c for c in frame.columns if c == "cost_usd" or (c.startswith("cost_") and len(c) == 8)]
    rows = []
    if len(frame):
        grouped = frame.groupby(["profile", "model", "month"], observed=True, sort=False)
        sums = {c: grouped[c].agg(exact_sum) for c in money}
        for key in sums["cost_usd"].index:
            rows.append({"profile": str(key[0]), "model": str(key[1]), "month": str(key[2]),
                         **{c: decimal_text(sums[c][key]) for c in money}})

    return plan_sections(rows, document_meta(df.attrs, requests_entries(df)))


def _amounts(local: Decimal, usd: Decimal) -> dict:
    return {"cost": decimal_text(local), "cost_usd": decimal_text(usd)}


def priced_shares(meta: Mapping[str, Any], requests: dict[tuple[str, str], dict[str, Decimal]],
                  marks: dict[tuple[str, str], dict[str, str]]) -> dict[tuple[str, str], dict[str, Decimal]]:
    """(profile, model) -> month -> the share of the month the model has a price for, for its partial
    months: its requests over the profile's full month of requests (another model of the profile priced
    all that month), else the share of the month's time outside its not_available spans. What
    requests_per_month divides by, so a model launched mid-period is not averaged over months it had
    no price in."""
    full: dict[tuple[str, str], Decimal] = {}  # (profile, month) -> requests of a model priced all month
    for (profile, model), per in requests.items():
        for month, n in per.items():
            if not marks.get((profile, model), {}).get(month):
                full[(profile, month)] = max(full.get((profile, month), _ZERO), n)
    spans: dict[tuple[str, str], list[tuple[datetime, datetime]]] = {}
    for entry in meta.get("not_available") or []:
        spans.setdefault((str(entry["profile"]), str(entry["model"])), []).append(
            (datetime.fromisoformat(str(entry["from"]).replace("Z", "+00:00")),
             datetime.fromisoformat(str(entry["until"]).replace("Z", "+00:00"))))
    out: dict[tuple[str, str], dict[str, Decimal]] = {}
    for (profile, model), per_month in marks.items():
        for month, mark in per_month.items():
            if mark != "partial":
                continue
            whole = full.get((profile, month))
            if whole:
                share = requests.get((profile, model), {}).get(month, _ZERO) / whole
            else:
                start, end = month_bounds(*(int(p) for p in month.split("-")[:2]))
                gone = sum(max(0.0, (min(end, b) - max(start, a)).total_seconds())
                           for a, b in spans.get((profile, model), []))
                share = Decimal(str(1 - gone / (end - start).total_seconds()))
            out.setdefault((profile, model), {})[month] = share
    return out


def _priced_months(months: list[str], marked: dict[str, str], shares: dict[str, Decimal]) -> Decimal:
    """How many of the period's months a model has a price for: whole months unmarked, partial ones by
    their priced share, n/a ones not at all."""
    return exact_sum(_ZERO if marked.get(m) == "n/a" else shares.get(m, Decimal(1)) if marked.get(m) else Decimal(1)
                     for m in months)


def _plan_entry(plan, costs, usd_costs, requests, months, marks: dict[tuple[str, str], dict[str, str]],
                units: dict | None = None, stocks: dict[tuple[str, str], set[str]] | None = None,
                shares: dict[tuple[str, str], dict[str, Decimal]] | None = None) -> dict:
    profiles = []
    for profile, model in plan.choices:
        own, own_usd = costs.get((profile, model), {}), usd_costs.get((profile, model), {})
        counts = requests.get((profile, model), {})
        total, total_usd = exact_sum(own.values()), exact_sum(own_usd.values())
        n = exact_sum(counts.values())
        per = planning.unit_cost(total, n)
        per_usd = planning.unit_cost(total_usd, n)
        marked = marks.get((profile, model), {})  # months the model has no price all month (n/a) or part of it
        profiles.append({
            "profile": profile, "model": model,
            "months": [{"month": m, **_amounts(own.get(m, _ZERO), own_usd.get(m, _ZERO)),
                        "requests": decimal_text(counts.get(m, _ZERO)), "mark": marked.get(m)} for m in months],
            "total": _amounts(total, total_usd), "requests": decimal_text(n),
            # averaged over the months the model has a price for (partial ones pro rata), not all months
            "requests_per_month": decimal_text(planning.unit_cost(
                n, _priced_months(months, marked, (shares or {}).get((profile, model), {}))) or _ZERO),
            "cost_per_request": None if per is None or per_usd is None else _amounts(per, per_usd),
            "cost_per_1k": None if per is None or per_usd is None else _amounts(per * 1000, per_usd * 1000)})
        if units and (profile, model) in units:
            profiles[-1]["units"] = unit_costs(units[(profile, model)], own, own_usd, months,
                                               (stocks or {}).get((profile, model), set()))
    by_month = planning.monthly_totals(plan, costs, months)
    by_month_usd = planning.monthly_totals(plan, usd_costs, months)
    return {"name": plan.name, "kind": plan.kind, "description": plan.description, "notes": list(plan.notes),
            "months": [{"month": m, **_amounts(by_month[m], by_month_usd[m]),
                        "mark": combined_mark([p["months"][i]["mark"] for p in profiles])}
                       for i, m in enumerate(months)],
            "total": _amounts(exact_sum(by_month.values()), exact_sum(by_month_usd.values())), "profiles": profiles}


def combined_mark(marks: list[str | None]) -> str | None:
    """A sum's mark from its parts' marks: "n/a" when no part has a price (every part n/a), "partial"
    when some part has none for all or part of the month, else None. A sum of no parts is unmarked."""
    if marks and all(m == "n/a" for m in marks):
        return "n/a"
    return "partial" if any(marks) else None


def _budget(rule: dict, plans: dict[str, dict], chosen: str, shown, months: list[str]) -> dict:
    """One budget rule evaluated against its plan's (or the chosen plan's profiles') spend."""
    currency = rule.get("currency") or "USD"
    if currency == shown.code:
        field = "cost"
    elif currency == "USD":
        field = "cost_usd"
    else:
        raise CostcalcError(f"{rule.get('source')}: budget in {currency}: the estimate is shown in {shown.code}; "
                            f"show it in {currency} (--currency {currency} --fx {currency}=RATE) or give the "
                            f"budget in {shown.code}")
    plan_name = rule["name"] if rule["scope"] == "plan" else chosen
    plan = plans.get(plan_name)
    if plan is None:
        raise CostcalcError(f"{rule.get('source')}: budget for plan {plan_name!r}: no such plan; plans: "
                            f"{', '.join(plans)}")
    if rule["scope"] == "plan":
        spend = {m["month"]: Decimal(m[field]) for m in plan["months"]}
        marks = {m["month"]: m.get("mark") for m in plan["months"]}
    else:
        covered = set(rule.get("profiles") or [])
        spend = {m: _ZERO for m in months}
        parts: dict[str, list[str | None]] = {m: [] for m in months}
        for entry in plan["profiles"]:
            if entry["profile"] in covered:
                for m in entry["months"]:
                    spend[m["month"]] = spend[m["month"]] + Decimal(m[field])
                    parts[m["month"]].append(m.get("mark"))
        marks = {m: combined_mark(parts[m]) for m in months}
    return {**evaluate(rule, spend, months, marks), "plan": plan_name}


__all__ = ["frame_sections", "horizon", "left_out_months", "plan_sections", "plan_setup"]
