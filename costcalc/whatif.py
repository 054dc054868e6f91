"""What-if analyses on top of the projection: compare two estimates, and the sensitivity of a total to
each uncertain input (a tornado). Break-even against a self-hosted deployment is costcalc.breakeven.

The computations here take the sides of a comparison, loaded `Workloads` and a `PriceTable` and call
the projection; they return DataFrames with exact money (costcalc's "decimal" dtype; attrs JSON-plain)
and never read files, the clock or the network (today's date arrives as an argument). The library entry
points (`costcalc.api`: `compare`, `compare_estimates`, `sensitivity`, `break_even`) accept the same
inputs as `costcalc.estimate` (paths, YAML text, DataFrames, overlays, estimate documents), load and
check them, and call these:

    compare_side(records, meta, profiles, sections, label)   one side of a comparison, from its cost lines
    compare_sides(a, b)            per month and model: a_usd, b_usd, diff_usd (b - a), pct of a
    sensitivity_frame(loaded, table, ...)   each ranged input at low and high, every other at expected

Exactness: sums are exact (exact_sum); the only division (a percentage) is carried to 50 significant digits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pandas as pd

from .calendar import parse_month
from .cost_cases import RANGED_INPUTS, TOOL_CALLS_KEY, field_of
from .cost_cases import ranged_inputs as _ranged_inputs
from .errors import CostcalcError
from .frames import estimate_frame, plain_attrs, with_money
from .money import DIVIDE, exact_sum
from .prices.model import SCENARIOS, PriceTable
from .projection import project, with_models
from .workloads.describe import describe
from .workloads.model import Profile, Range, Workloads

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)

PLAN_PREFIX = "plan "  # compare's plan rows: model == "plan current" (was "all models": a sum of alternatives)
TOTAL = "total"

COMPARE_COLUMNS = ["model", "month", "a_usd", "b_usd", "diff_usd", "pct"]
SENSITIVITY_COLUMNS = ["profile", "model", "input", "low_usd", "high_usd", "swing_usd", "expected_usd",
                       "low_value", "expected_value", "high_value"]

def _div(a: Decimal, b: Decimal) -> Decimal:
    return DIVIDE.divide(a, b)


# -- compare ----------------------------------------------------------------------------------------

def compare_sides(a: tuple[dict[str, dict[str, Decimal]], dict],
                  b: tuple[dict[str, dict[str, Decimal]], dict]) -> pd.DataFrame:
    """Two estimates side by side (`costcalc.api.compare` documents the rows, columns and attrs; it reads
    estimate documents and DataFrames into sides with `compare_side`)."""
    a_costs, a_side = a
    b_costs, b_side = b
    models = list(dict.fromkeys(list(a_costs) + list(b_costs)))
    months = sorted({m for costs in (a_costs, b_costs) for per in costs.values() for m in per})
    rows = []

    def add(model, month, x, y):
        diff = (y - x) or _ZERO  # an exact 0, not 0E-49
        rows.append({"model": model, "month": month, "a_usd": x, "b_usd": y, "diff_usd": diff,
                     "pct": None if x == 0 else _div(diff * _HUNDRED, x)})

    for model in models:
        a_m, b_m = a_costs.get(model, {}), b_costs.get(model, {})
        present = [m for m in months if m in a_m or m in b_m]
        for month in present:
            add(model, month, a_m.get(month, _ZERO), b_m.get(month, _ZERO))
        add(model, TOTAL, exact_sum(a_m.values()), exact_sum(b_m.values()))
    # A profile's models are alternatives: across profiles only a plan (one model each) adds up. The
    # plan rows compare each side's chosen plan (current unless the estimate chose another).
    a_plan, b_plan = a_side["plan"], b_side["plan"]
    label = PLAN_PREFIX + (a_plan["name"] if a_plan["name"] == b_plan["name"]
                           else f"{a_plan['name']} (A) / {b_plan['name']} (B)")
    for month in sorted(set(months) | set(a_plan["months"]) | set(b_plan["months"])):
        add(label, month, a_plan["months"].get(month, _ZERO), b_plan["months"].get(month, _ZERO))
    add(label, TOTAL, exact_sum(a_plan["months"].values()), exact_sum(b_plan["months"].values()))
    frame = with_money(pd.DataFrame(rows, columns=COMPARE_COLUMNS), ("a_usd", "b_usd", "diff_usd", "pct"))
    frame.attrs.update({"sides": {"a": a_side, "b": b_side}, "notes": _side_notes(a_side, b_side)})
    return plain_attrs(frame)


def _chosen_plan(sections: dict) -> dict:
    """{name, months: {month: USD}, models: {profile: model}} of the chosen plan of a document's plan
    sections (an empty plan when there is none)."""
    chosen = (sections.get("headline") or {}).get("plan")
    for plan in sections.get("plans") or []:
        if plan["name"] == chosen:
            return {"name": plan["name"], "months": {m["month"]: Decimal(m["cost_usd"]) for m in plan["months"]},
                    "models": {p["profile"]: p["model"] for p in plan["profiles"]}}
    return {"name": chosen or "current", "months": {}, "models": {}}


def compare_side(records: Iterable[tuple[str, str, Decimal]], meta: Mapping, profiles: list[str], sections: dict,
         label: str) -> tuple[dict[str, dict[str, Decimal]], dict]:
    """One side of a comparison: {model: {month: cost}} of the expected case, and what describes the
    side. records: (model, month, cost_usd) of the expected case's cost lines; meta: the estimate's
    metadata (document meta or frame attrs); sections: its plan sections (costcalc.report.plandoc)."""
    plan = _chosen_plan(sections)
    costs: dict[str, dict[str, list[Decimal]]] = {}
    for model, month, cost in records:
        costs.setdefault(model, {}).setdefault(month, []).append(cost)
    summed = {model: {month: exact_sum(values) for month, values in per.items()} for model, per in costs.items()}
    table = meta.get("price_table") or {}
    described = {"label": label, "scenario": meta.get("scenario"),
                 "price_table": {"version": table.get("version"), "sha256": table.get("sha256"),
                                 "files": [f.get("path") for f in table.get("files", []) if isinstance(f, dict)]},
                 "start": meta.get("start"), "months": meta.get("months"), "fx": meta.get("fx"),
                 "profiles": profiles, "costcalc_version": meta.get("costcalc_version"),
                 "not_available": _unavailable(meta.get("not_available")), "plan": plan}
    return summed, described


def _unavailable(entries) -> dict[str, dict]:
    """Per model, over every profile: the months it is not available in (no price: before its launch,
    after its retirement), those it is available in only in part, and why. A month not available for
    one profile and partial for another counts as partial."""
    out: dict[str, dict] = {}
    for e in entries or []:
        model = out.setdefault(str(e["model"]), {"months": [], "partial": [], "detail": []})
        for month in e["months"]:
            kind = "partial" if month in e["partial"] else "months"
            if month not in model[kind]:
                model[kind].append(month)
        if e["detail"] not in model["detail"]:
            model["detail"].append(e["detail"])
    for model in out.values():
        model["months"] = sorted(m for m in model["months"] if m not in model["partial"])
        model["partial"].sort()
    return out


def _unavailable_note(model: str, gap: dict, where: str) -> str:
    said = []
    if gap["months"]:
        said.append(f"not available in {', '.join(gap['months'])}")
    if gap["partial"]:
        said.append(f"available only in part of {', '.join(gap['partial'])}")
    return (f"{model} is {' and '.join(said)}{where} ({'; '.join(gap['detail'])}): those months count its cost "
            f"as 0 or for part of the month, so its totals and the plan totals are not like for like "
            f"over the whole period.")


def _side_notes(a: dict, b: dict) -> list[str]:
    notes = []
    if (a["start"], a["months"]) != (b["start"], b["months"]):
        notes.append(f"The sides cover different months: {a['label']} from {a['start']} for {a['months']}, "
                     f"{b['label']} from {b['start']} for {b['months']}; a month on one side only counts "
                     f"as 0 on the other.")
    only_a = [p for p in a["profiles"] if p not in b["profiles"]]
    only_b = [p for p in b["profiles"] if p not in a["profiles"]]
    if only_a or only_b:
        parts = ([f"only in {a['label']}: {', '.join(only_a)}"] if only_a else []) + \
                ([f"only in {b['label']}: {', '.join(only_b)}"] if only_b else [])
        notes.append("The sides price different profiles (" + "; ".join(parts) + ").")
    if a["scenario"] != b["scenario"]:
        notes.append(f"Scenarios differ: A {a['scenario']}, B {b['scenario']}.")
    if a["price_table"]["sha256"] != b["price_table"]["sha256"]:
        notes.append(f"Price tables differ: A {a['price_table']['version']}, B {b['price_table']['version']}.")
    if (a["fx"] or None) != (b["fx"] or None):
        notes.append("The sides were shown in different currencies; both are compared in USD.")
    a_gaps, b_gaps = a.get("not_available") or {}, b.get("not_available") or {}
    for model in dict.fromkeys(list(a_gaps) + list(b_gaps)):
        if a_gaps.get(model) == b_gaps.get(model):
            notes.append(_unavailable_note(model, a_gaps[model], " on both sides"))
            continue
        for side, gaps in ((a, a_gaps), (b, b_gaps)):
            if model in gaps:
                notes.append(_unavailable_note(model, gaps[model], f" on {side['label']}"))
    return notes


# -- sensitivity ------------------------------------------------------------------------------------

def sensitivity_frame(loaded: Workloads, table: PriceTable, models: Iterable[str] | None = None, start=None,
                      months: int = 12, scenario: str = "actual", *, today: date) -> pd.DataFrame:
    """`costcalc.sensitivity` on loaded workloads (samples already counted) and a price table. start:
    the first month, or None for the earliest profile start, else `today`'s month.

    One projection with every ranged profile at expected, and one per (input, low|high) holding each
    profile that has that input varied and the rest at expected: profiles keep their own names, so
    notes and errors name them as an estimate would."""
    ranged = [p for p in loaded if p.has_ranges]
    skipped = [p.name for p in loaded if not p.has_ranges]
    runs: dict[tuple[str, str] | None, list[Profile]] = {None: [p.at_case("expected") for p in ranged]}
    keys = list(dict.fromkeys(key for p in ranged for key, _ in _ranged_inputs(p)))
    for key in keys:
        for side in ("low", "high"):
            varied = [_varied(p, key, side) for p in ranged if key in dict(_ranged_inputs(p))]
            if varied:
                runs[(key, side)] = varied
    if start is None:  # one start for every run: the one an estimate of all these profiles would have
        starts = [p.start for p in loaded if p.start is not None]
        if starts:
            start = min(starts)
    costs: dict[tuple, Decimal] = {}
    attrs: dict = {}
    assumptions: list[str] = []
    model_list = None if models is None else list(dict.fromkeys(models))
    if ranged:
        first = _first_month(loaded, start, today)
        for run, profiles in runs.items():
            df = _projected(Workloads(tuple(profiles), loaded.source), table, model_list, first, months, scenario)
            grouped = df.groupby(["profile", "model"], observed=True, sort=False)["cost_usd"].agg(exact_sum)
            costs.update({(run, str(p), str(m)): c for (p, m), c in grouped.items()})
            assumptions += [a for a in df.attrs.get("assumptions", []) if a not in assumptions]
            if run is None:
                attrs = df.attrs
    rows = []
    for profile in ranged:
        for model in model_list or list(profile.models):
            expected = costs.get((None, profile.name, model), _ZERO)
            group = []
            for key, value in _ranged_inputs(profile):
                low = costs.get(((key, "low"), profile.name, model), _ZERO)
                high = costs.get(((key, "high"), profile.name, model), _ZERO)
                group.append({"profile": profile.name, "model": model, "input": key, "low_usd": low,
                              "high_usd": high, "swing_usd": abs(high - low), "expected_usd": expected,
                              "low_value": value.low, "expected_value": value.expected,
                              "high_value": value.high})
            group.sort(key=lambda r: (-r["swing_usd"], r["input"]))
            rows.extend(group)
    frame = with_money(pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS), SENSITIVITY_COLUMNS[3:])
    frame.attrs.update({
        "start": attrs.get("start", None if start is None else str(start)[:7]), "months": months,
        "scenario": scenario, "price_table": table.meta(), "skipped": skipped,
        "profiles": {p.name: describe(p) for p in ranged}, "assumptions": assumptions,
        "costcalc_version": attrs.get("costcalc_version")})
    return plain_attrs(frame)


def _varied(profile: Profile, key: str, side: str) -> Profile:
    """The profile at expected, with the input `key` at its `side` (low or high)."""
    base = profile.at_case("expected")
    if key.startswith(TOOL_CALLS_KEY):
        tool = key[len(TOOL_CALLS_KEY):]
        given = dict(profile.tool_calls)[tool]
        calls = given.at(side) if isinstance(given, Range) else given
        return replace(base, tool_calls=tuple((t, calls if t == tool else v) for t, v in base.tool_calls))
    if profile.shape is not None and profile.shape_steps_range is not None \
            and key.endswith("." + profile.shape.steps_key):
        return replace(base, shape=profile.shape_at(side))  # conversation.turns, agent.steps
    field = field_of(profile, key)
    return replace(base, **{field: getattr(profile, field).at(side)})


def _first_month(loaded: Workloads, start, today: date) -> tuple[int, int]:
    """The first month an estimate of these workloads has: `start`, else the earliest profile start,
    else today's month (as `costcalc.estimate` chooses it)."""
    if start is None:
        starts = [p.start for p in loaded if p.start is not None]
        start = min(starts) if starts else today
    return parse_month(start)


def _projected(loaded: Workloads, table: PriceTable, models: list[str] | None, start: tuple[int, int],
               months: int, scenario: str) -> pd.DataFrame:
    """The expected case's cost lines as `costcalc.estimate` returns them (in USD, no plan chosen)."""
    if scenario not in SCENARIOS:
        raise CostcalcError(f"unknown scenario {scenario!r}; allowed: {', '.join(SCENARIOS)}")
    if models is not None:
        loaded = with_models(loaded, models, table)
    return estimate_frame(project(loaded, table, start, int(months), scenario, cases=False))


__all__ = ["compare_side", "compare_sides", "sensitivity_frame", "RANGED_INPUTS"]
