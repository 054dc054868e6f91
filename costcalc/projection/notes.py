"""What a projection says besides its cost lines: the stretches a model has no price for, the standing
assumption lines, each profile's info, and the check that growth stays within what exact arithmetic
renders.

Pure computation.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from .. import calendar as cal
from ..cost_cases import CASES_NOTE
from ..errors import CostcalcError, Problem
from ..token_units import by_profile as translations_by_profile
from ..token_units import profile_info
from ..workloads.describe import describe
from ..workloads.model import Profile
from .projector import _Projector


def profiles_info(profiles: list[Profile], translations: dict) -> dict[str, dict]:
    """describe() of each profile, with the unit of its token counts and their translation per model."""
    grouped = translations_by_profile(translations)
    texts: dict = {}  # each translation's factor and band text, made once for all profiles
    out = {}
    for profile in profiles:
        info = out[profile.name] = describe(profile)
        units = profile_info(grouped.get(profile.name, {}), profile.name, profile.tokens_counted_with, texts)
        if units:
            info["summary"] += "; " + units.pop("summary_clause")
            info.update(units)
    return out


# A volume that compounds past a million-fold is no plan, and the amounts it makes would outgrow the
# exact arithmetic that renders cents (2x a month for 600 months is 10^180).
MAX_GROWTH_FACTOR = Decimal(10) ** 6


def check_growth(profile: Profile, start: tuple[int, int], last: tuple[int, int]) -> None:
    rate = profile.growth_per_month
    highest = rate.high if hasattr(rate, "high") else rate
    if highest <= 0:
        return
    anchor = (profile.start.year, profile.start.month) if profile.start else start
    steps = cal.months_between(anchor, last)
    if steps > 0 and (1 + highest) ** steps > MAX_GROWTH_FACTOR:
        what = (f"compounds to more than {MAX_GROWTH_FACTOR:,}x over {steps} months; shorten the horizon "
                f"(--months) or lower the growth")
        if profile.origin is None:  # a Profile made in code: no file to point at
            raise CostcalcError(f"profile {profile.name}: growth_per_month {highest} {what}")
        key, line = profile.origin.where("growth_per_month.high", "growth_per_month")
        raise CostcalcError(str(Problem(profile.origin.file, line, key, highest, what)))


def _instant(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def not_available(projector: _Projector, month_list: list[tuple[int, int]]) -> list[dict]:
    """attrs["not_available"]: per profile and model, each stretch without a price (consecutive months
    merged while the reason stays the same), with the months it touches and those of them that are
    partial (priced for the rest of the month). JSON-plain: instants as UTC text."""
    labels = [cal.month_label(*ym) for ym in month_list]
    out: list[dict] = []
    for (profile, model), by_month in projector.unavailable.items():
        current = None
        for index in sorted(by_month):
            gaps, partial = by_month[index]
            for a, b, reason, detail in gaps:
                if current is not None and current["until"] == _instant(a) and \
                        (current["reason"], current["detail"]) == (reason, detail):
                    current["until"] = _instant(b)
                else:
                    current = {"profile": profile, "model": model, "from": _instant(a), "until": _instant(b),
                               "reason": reason, "detail": detail, "months": [], "partial": []}
                    out.append(current)
                if labels[index] not in current["months"]:
                    current["months"].append(labels[index])
                if partial and labels[index] not in current["partial"]:
                    current["partial"].append(labels[index])
    return out


def not_available_notes(entries: list[dict]) -> list[str]:
    """The assumption lines that say in words what attrs["not_available"] lists."""
    notes = []
    for e in entries:
        full = [m for m in e["months"] if m not in e["partial"]]
        said = []
        if full:
            span = full[0] if len(full) == 1 else f"{full[0]} to {full[-1]}"
            said.append(f"not priced in {span}")
        if e["partial"]:
            said.append(f"{', '.join(e['partial'])} priced only in part (partial month)")
        notes.append(f"Not available: {e['model']} for {e['profile']} from {e['from'][:16].replace('T', ' ')}Z "
                     f"until {e['until'][:16].replace('T', ' ')}Z, {e['reason']} ({e['detail']}): "
                     f"{'; '.join(said)}.")
    if entries:
        notes.append("A model not available for part of the period costs less over it for that reason alone: "
                     "compare models over the months where each is available.")
    return notes


def standing_assumptions(profiles: list[Profile], ranged: bool | None = None) -> list[str]:
    """The assumption lines every estimate has, and those of ranges and reasoning modes when a profile
    has them. `ranged`: whether any profile has ranges, when the caller knows already."""
    out = ["Months are calendar months in UTC; a month is split at the exact minute a price changes.",
           "Requests are spread over each month by the profile's traffic shape (uniform unless given)."]
    if ranged is None:
        ranged = any(p.has_ranges for p in profiles)
    if ranged:
        out.append(CASES_NOTE)
    if any(p.reasoning for p in profiles):
        out.append("reasoning: high/max means 2x/4x the output tokens as reasoning tokens (DeepSeek Think "
                   "Max ~4x from launch coverage; other families are planning assumptions).")
    return out
