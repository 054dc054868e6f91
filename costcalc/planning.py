"""Plans: one model per profile, and what that costs per month. Pure: plain values in, plain values out.

A profile's `models` are alternatives to compare, so adding them up means nothing. What a company will
spend is a *plan*: one model chosen for each profile. The built-in plans:

- `current`: each profile's `use:` model (default: the first model it lists; with `--models a,b`, a);
- `cheapest`: each profile's cheapest alternative over the period, expected case (a model without a
  price for part of the period is chosen only when every alternative lacks one: its total would look
  cheap for covering less); ties go to the model listed first;
- `all on MODEL`: for each model every profile lists, every profile on it;

and the plans a workloads file names (`plans:`), which keep the current model of a profile they do not
name (and say so). Every figure that adds across profiles is a plan total, labelled with its plan.

Costs come in as {(profile, model): {month: amount}} of the expected case; each plan's lines are the
chosen model's months, so a plan total is an exact sum of cost lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .money import DIVIDE, EXACT, exact_sum
from .workload_plans import ALL_ON, RESERVED_PLANS, UserPlan, plan_names

_ZERO = Decimal(0)


@dataclass(frozen=True)
class Plan:
    """A plan: its name, kind (current, cheapest, all-on, user), one (profile, model) per profile in
    profile order, and notes saying how models were chosen where it is not obvious."""

    name: str
    kind: str
    choices: tuple[tuple[str, str], ...]
    description: str
    notes: tuple[str, ...] = ()

    def model(self, profile: str) -> str:
        return dict(self.choices)[profile]


def build_plans(models: dict[str, tuple[str, ...]], current: dict[str, str],
                costs: dict[tuple[str, str], dict[str, Decimal]], user: tuple[UserPlan, ...] = (),
                unavailable: set[tuple[str, str]] | frozenset = frozenset()) -> list[Plan]:
    """Every plan (in the order of plan_names) for profiles with these model lists (in profile order).

    current: {profile: model} of the `current` plan. costs: expected-case cost per (profile, model) and
    month (what `cheapest` compares over the period). unavailable: (profile, model) pairs without a price
    for part of the period."""
    profiles = list(models)
    out = [Plan("current", "current", tuple((p, current[p]) for p in profiles),
                "each profile on its use: model, by default the first it lists")]
    cheapest, notes = [], []
    for profile in profiles:
        listed = models[profile]
        covered = [m for m in listed if (profile, m) not in unavailable] or list(listed)
        totals = {m: exact_sum(costs.get((profile, m), {}).values()) for m in covered}
        best = min(covered, key=lambda m: (totals[m], covered.index(m)))
        cheapest.append((profile, best))
        left = [m for m in listed if m not in covered]
        if left:
            notes.append(f"{profile}: {', '.join(left)} not considered (no price for part of the period)")
    out.append(Plan("cheapest", "cheapest", tuple(cheapest),
                    "each profile on its cheapest alternative over the period, expected case", tuple(notes)))
    for name in plan_names(models)[len(RESERVED_PLANS):]:
        model = name[len(ALL_ON):]
        out.append(Plan(name, "all-on", tuple((p, model) for p in profiles), f"every profile on {model}"))
    for plan in user:
        chosen = dict(plan.choices)
        kept = [p for p in profiles if p not in chosen]
        kept_notes = (f"keeps the current model of {', '.join(f'{p} ({current[p]})' for p in kept)} "
                      f"(not named by the plan)",) if kept else ()
        out.append(Plan(plan.name, "user", tuple((p, chosen.get(p, current[p])) for p in profiles),
                        "named in the workloads file (plans:)", kept_notes))
    return out


def find(plans: list[Plan], name: str) -> Plan:
    for plan in plans:
        if plan.name == name:
            return plan
    raise KeyError(name)


def plan_lines(plan: Plan, costs: dict[tuple[str, str], dict[str, Decimal]],
               months: list[str]) -> list[tuple[str, str, str, Decimal]]:
    """(profile, model, month, cost) for every profile and month of the period (0 where the chosen
    model has no cost line that month)."""
    return [(profile, model, month, costs.get((profile, model), {}).get(month, _ZERO))
            for profile, model in plan.choices for month in months]


def monthly_totals(plan: Plan, costs: dict[tuple[str, str], dict[str, Decimal]],
                   months: list[str]) -> dict[str, Decimal]:
    """The plan's total per month: its chosen models' costs, added across profiles (exact)."""
    return {month: exact_sum(costs.get(choice, {}).get(month, _ZERO) for choice in plan.choices) for month in months}


def unit_cost(cost: Decimal, requests: Decimal) -> Decimal | None:
    """Cost per request (None without requests), to 50 significant digits."""
    return DIVIDE.divide(cost, requests) if requests else None  # carried to 50 significant digits


def savings(chosen: Decimal, other: Decimal) -> tuple[Decimal, Decimal | None]:
    """What `other` saves against `chosen` (negative: it costs more) and that as a percentage of
    chosen (None when chosen is 0)."""
    saved = EXACT.subtract(chosen, other)  # differences of 50-digit amounts, exact
    return (saved or _ZERO), (DIVIDE.divide(EXACT.multiply(saved, 100), chosen) if chosen else None)


__all__ = ["Plan", "build_plans", "find", "monthly_totals", "plan_lines", "savings", "unit_cost"]
