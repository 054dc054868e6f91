"""The `plans:` and `budgets:` sections of a workloads file (and `--budget`), read into plain values.

A profile's `models` are alternatives; a *plan* picks one model per profile (costcalc.planning computes
them). A workloads file may name its own plans and set budgets:

    plans:
      migrate:                       # a plan of your own: these profiles on these models; a profile
        support-bot: deepseek-flash  # it does not name keeps its current model (said in the report)
    budgets:
      - {plan: current, monthly: 60000}            # a plan's total, every month
      - {profile: coding-agent, period: 200000}    # one profile on the chosen plan, over the period
      - {tag: team=support, monthly: 8000, period: 90000, currency: EUR}

A budget names exactly one of `plan` (current, cheapest, `all on MODEL` or a plan of `plans:`),
`profile` or `tag` (`KEY=VALUE`: the profiles with that tag), and `monthly` and/or `period` amounts
(in `currency`, default USD: compared with the estimate's money in that currency, so a EUR budget needs
`--currency EUR`). Profile and tag budgets apply to the chosen plan's models (`--plan`, default current).

Reading is pure: nodes in, values (or one Problem per mistake) out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ._validate import Invalid, Reader, suggest
from ._yamlnodes import Node
from .money import decimal_text

RESERVED_PLANS = ("current", "cheapest")
ALL_ON = "all on "  # the built-in plan putting every profile on one model: "all on gpt-5.5"
BUDGET_SCOPES = ("plan", "profile", "tag")
BUDGET_KEYS = BUDGET_SCOPES + ("monthly", "period", "currency")
_PLAN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,59}", re.ASCII)
_CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)


@dataclass(frozen=True)
class UserPlan:
    """A plan named in the workloads file: (profile, model) for the profiles it names."""

    name: str
    choices: tuple[tuple[str, str], ...]
    where: str = ""  # file:line, for errors found later (after --models)


@dataclass(frozen=True)
class BudgetRule:
    """A budget: `scope` plan (`name` is a plan), profile or tag (`profiles` it covers), a monthly and/or
    a period amount in `currency`, and where it was given (file:line or --budget)."""

    scope: str
    name: str
    profiles: tuple[str, ...]
    monthly: Decimal | None
    period: Decimal | None
    currency: str
    source: str

    def to_dict(self) -> dict:
        """JSON-plain (decimal text): what a result's metadata holds."""

        return {"scope": self.scope, "name": self.name, "profiles": list(self.profiles),
                "monthly": None if self.monthly is None else decimal_text(self.monthly),
                "period": None if self.period is None else decimal_text(self.period),
                "currency": self.currency, "source": self.source}


def plan_names(models_by_profile: dict[str, tuple[str, ...]], user: tuple[UserPlan, ...] = ()) -> list[str]:
    """Every plan an estimate of these profiles has: current, cheapest, all on MODEL for each model
    every profile lists (in the first profile's order), then the user's plans."""
    lists = list(models_by_profile.values())
    shared = [m for m in (lists[0] if lists else ()) if all(m in other for other in lists[1:])]
    return list(RESERVED_PLANS) + [ALL_ON + m for m in shared] + [p.name for p in user]


def read_plans(r: Reader, node: Node, models_by_profile: dict[str, tuple[str, ...]]) -> tuple[UserPlan, ...]:
    """`plans: {NAME: {PROFILE: MODEL, ...}}`: each model one the profile lists."""
    out = []
    for name, entry in r.named_entries(node, "plans").items():
        key = f"plans.{name}"
        name_node = Node(name, entry.key_line, "scalar")
        with r.item():
            if not isinstance(name, str) or not _PLAN_NAME.fullmatch(name):
                raise r.fail(name_node, key, "a plan name is 1-60 letters, digits, spaces, dots, dashes or "
                                             "underscores, starting with a letter or digit")
            if name in RESERVED_PLANS or name.startswith(ALL_ON):
                raise r.fail(name_node, key, "is a built-in plan's name (current, cheapest, all on MODEL); "
                                             "choose another")
            choices = []
            for profile, model_node in r.named_entries(entry, key).items():
                sub = f"{key}.{profile}"
                if profile not in models_by_profile:
                    hint = suggest(str(profile), list(models_by_profile), n=1)
                    tip = f" (did you mean {hint[0]!r}?)" if hint else ""
                    raise r.fail(Node(profile, model_node.key_line, "scalar"), sub,
                                 f"no profile of that name{tip}; profiles: {', '.join(models_by_profile)}")
                model = r.string(model_node, sub, what="a model id the profile lists")
                listed = models_by_profile[profile]
                if model not in listed:
                    raise r.fail(model_node, sub, f"not among profile {profile}'s models; one of "
                                                  f"{', '.join(listed)}")
                choices.append((profile, model))
            if not choices:
                raise r.fail(entry, key, "must name at least one profile and its model", entry.plain())
            out.append(UserPlan(name, tuple(choices), f"{r.file}:{entry.key_line}"))
    return tuple(out)


def read_budgets(r: Reader, node: Node, models_by_profile: dict[str, tuple[str, ...]],
                 tags_by_profile: dict[str, tuple[tuple[str, str], ...]], plans: list[str]) -> tuple[BudgetRule, ...]:
    """`budgets: [{plan|profile|tag: ..., monthly: N, period: N, currency: USD}, ...]`."""
    out = []
    for i, entry in enumerate(r.sequence(node, "budgets", "a list of budgets ({plan|profile|tag, monthly, "
                                                          "period})")):
        key = f"budgets[{i}]"
        with r.item():
            f = r.mapping(entry, key, BUDGET_KEYS)
            scopes = [s for s in BUDGET_SCOPES if s in f]
            if len(scopes) != 1:
                raise r.fail(entry, key, "name exactly one of plan, profile or tag", entry.plain())
            scope = scopes[0]
            name = r.string(f[scope], f"{key}.{scope}", what="text")
            if scope == "plan" and name not in plans:
                raise r.fail(f[scope], f"{key}.plan", f"unknown plan; plans: {', '.join(plans)}")
            if scope == "profile":
                if name not in models_by_profile:
                    raise r.fail(f[scope], f"{key}.profile", f"no profile of that name; profiles: "
                                                             f"{', '.join(models_by_profile)}")
                profiles: tuple[str, ...] = (name,)
            elif scope == "tag":
                tag, eq, value = name.partition("=")
                if not eq or not tag or not value:
                    raise r.fail(f[scope], f"{key}.tag", "must be KEY=VALUE, like team=support")
                profiles = tuple(p for p, tags in tags_by_profile.items() if (tag, value) in tags)
                if not profiles:
                    raise r.fail(f[scope], f"{key}.tag", "no profile has this tag")
            else:
                profiles = ()
            amounts = {}
            for kind in ("monthly", "period"):
                if kind in f:
                    amounts[kind] = r.decimal(f[kind], f"{key}.{kind}", "an amount of money above 0",
                                              minimum=Decimal(0), max_places=2)
                    if amounts[kind] <= 0:
                        raise r.fail(f[kind], f"{key}.{kind}", "must be an amount of money above 0")
            if not amounts:
                raise r.fail(entry, key, "give monthly and/or period (an amount of money)", entry.plain())
            currency = "USD"
            if "currency" in f:
                currency = r.string(f["currency"], f"{key}.currency", what="a three-letter currency code like EUR")
                if not _CURRENCY.fullmatch(currency):
                    raise r.fail(f["currency"], f"{key}.currency", "must be a three-letter currency code like EUR")
            out.append(BudgetRule(scope, name, profiles, amounts.get("monthly"), amounts.get("period"), currency,
                                  f"{r.file}:{entry.line}"))
    return tuple(out)


def read_use(r: Reader, node: Node, key: str, models: tuple[str, ...]) -> str:
    """A profile's `use:` model: one of its own `models`."""
    model = r.string(node, key, what="a model id the profile lists")
    if model not in models:
        raise r.fail(node, key, f"not among the profile's models; one of {', '.join(models)}")
    return model


__all__ = ["ALL_ON", "BUDGET_KEYS", "BudgetRule", "Invalid", "RESERVED_PLANS", "UserPlan", "plan_names",
           "read_budgets", "read_plans", "read_use"]
