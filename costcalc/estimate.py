"""The projection: profiles x models x calendar months -> a tidy DataFrame of exact cost lines.

Pure computation: the price table, the profiles, the months and the scenario arrive as arguments; no
files, clock or network. The work is organised so the expensive part (which price rule applies in which
minute of a month) is computed once per model, month and request class and shared by every profile;
what is left per profile is a few exact Decimal multiplications per line.

How a month is priced, for one profile and model:
  requests in a rule slot = volume x (traffic-weighted minutes the rule is in force) / (minutes per day)
  tokens                  = requests x tier share x prompt-size share x tokens per request of a component
  cost_usd                = tokens x usd_per_mtok / 1,000,000
The traffic weights are the profile's hour-of-day x weekday weights, scaled to average 1 over a week, so
a uniform profile weighs every minute 1 and `requests_per_day` is the average day.

Exactness: every line is accumulated as a numerator over one denominator per profile, model and month
and divided once at the end, so a result whose true value has a finite decimal expansion (46.695) comes
out exactly, not as 46.694999...; only truly repeating values (a 1/3 share) are rounded, at 50 digits.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pandas as pd

from . import calendar as cal
from .errors import CostcalcError, NoPriceError
from .prices.model import COMPONENTS, MTOK, PriceTable
from .prices.resolve import Request, lookup, segments
from . import __version__
from .workload import (CASES, DEFAULT_REASONING_PER_OUTPUT_TOKEN, REASONING_PER_OUTPUT_TOKEN, Histogram,
                       Profile, Traffic, Workloads, describe)

COLUMNS = ["profile", "model", "provider", "month", "rule", "component", "tokens", "usd_per_mtok",
           "cost_usd", "case", "period_start", "period_end"]
TAG_PREFIX = "tag:"
# Division is the only inexact step (a traffic share like 154/720); 50 digits keeps its error below
# 1e-40 of the amount, far under the cent at which results are rendered.
_CONTEXT = decimal.Context(prec=50, rounding=decimal.ROUND_HALF_EVEN)
_ZERO = Decimal(0)


@dataclass(frozen=True)
class _Slot:
    """One price resolution within a month window: a rule with its rates, and where it was in force."""

    label: str
    provider: str
    usd_per_mtok: dict[str, Decimal]
    minutes: int  # untouched by traffic shape
    ranges: tuple[tuple[int, int], ...]  # minute offsets [a, b) from the month start
    first: datetime
    last: datetime


class _Projector:
    def __init__(self, table: PriceTable, scenario: str):
        self.table = table
        self.scenario = scenario
        self._slots: dict[tuple, list[_Slot]] = {}
        self._weighted: dict[tuple, Decimal] = {}
        self.assumptions: list[str] = []
        self._said: set[str] = set()

    def note(self, text: str) -> None:
        if text not in self._said:
            self._said.add(text)
            self.assumptions.append(text)

    # -- shared per model/month/request ------------------------------------------------------------
    def slots(self, model_id: str, ym: tuple[int, int], window: tuple[datetime, datetime],
              request: Request) -> list[_Slot]:
        key = (model_id, ym, window, request)
        cached = self._slots.get(key)
        if cached is not None:
            return cached
        month0 = cal.month_start(*ym)
        grouped: dict[tuple, list] = {}
        for a, b, res in segments(self.table, model_id, window[0], window[1], request):
            entry = grouped.get(res.key)
            span = (cal.minutes(month0, a), cal.minutes(month0, b))
            if entry is None:
                grouped[res.key] = [res, [span], a, b]
            else:
                entry[1].append(span)
                entry[3] = b
        out = []
        for res, spans, first, last in grouped.values():
            out.append(_Slot(res.label, res.billed_model.provider, res.rates,
                             sum(b - a for a, b in spans), tuple(spans), first, last))
        self._slots[key] = out
        return out

    def weighted_minutes(self, slot: _Slot, ym: tuple[int, int], traffic: Traffic,
                         weights: tuple[Decimal, ...] | None) -> Decimal:
        """Minutes of the slot, each weighted by the profile's raw hour-of-week traffic weight in its
        own time zone (plain minutes for uniform traffic)."""
        if weights is None:
            return Decimal(slot.minutes)
        key = (id(slot), traffic)
        cached = self._weighted.get(key)
        if cached is None:
            buckets = cal.hour_of_week(traffic.timezone, *ym)
            counts = np.zeros(cal.HOURS_PER_WEEK, dtype=np.int64)
            for a, b in slot.ranges:
                counts += np.bincount(buckets[a:b], minlength=cal.HOURS_PER_WEEK)
            cached = sum((w * int(n) for w, n in zip(weights, counts) if n), _ZERO)
            self._weighted[key] = cached
        return cached


def week_weights(traffic: Traffic) -> tuple[Decimal, ...] | None:
    """Raw hour-of-week weights, Monday 00:00 first (None for uniform traffic)."""
    if traffic.uniform:
        return None
    return tuple(d * h for d in traffic.weekdays for h in traffic.hours)


def _per_day_scale(weights: tuple[Decimal, ...] | None) -> tuple[Decimal, Decimal]:
    """(numerator factor, denominator) turning raw weighted minutes into days of average traffic:
    the weights average 1 over a week once multiplied by 168 / sum(weights)."""
    if weights is None:
        return Decimal(1), Decimal(cal.MINUTES_PER_DAY)
    return Decimal(cal.HOURS_PER_WEEK), sum(weights, _ZERO) * cal.MINUTES_PER_DAY


def _window(profile: Profile, ym: tuple[int, int]) -> tuple[datetime, datetime] | None:
    start, end = cal.month_bounds(*ym)
    if profile.start is not None:
        start = max(start, cal.local_midnight(profile.start, profile.traffic.timezone))
    if profile.end is not None:
        end = min(end, cal.local_midnight(profile.end + timedelta(days=1), profile.traffic.timezone))
    return (start, end) if start < end else None


def _reasoning_tokens(profile: Profile, provider: str) -> Decimal:
    if profile.reasoning_tokens is not None:
        return profile.reasoning_tokens
    if profile.reasoning is None:
        return _ZERO
    table = REASONING_PER_OUTPUT_TOKEN.get(provider, DEFAULT_REASONING_PER_OUTPUT_TOKEN)
    return profile.output_tokens * table[profile.reasoning]


def _bins(profile: Profile) -> tuple[tuple[Decimal, Decimal], ...]:
    tokens = profile.input_tokens
    return tokens.bins if isinstance(tokens, Histogram) else ((tokens, Decimal(1)),)


def _per_request(profile: Profile, prompt: Decimal, reasoning: Decimal) -> dict[str, Decimal]:
    """Tokens of each component in one request with `prompt` input tokens (shares of the same input)."""
    read = prompt * profile.cache_hit_rate
    write = prompt * profile.cache_write_share
    tokens = dict.fromkeys(COMPONENTS, _ZERO)
    tokens["input"] = prompt - read - write
    tokens["cache_read"] = read
    tokens["cache_write_" + profile.cache_write_ttl] = write
    tokens["output"] = profile.output_tokens
    tokens["reasoning"] = reasoning
    return tokens


def project(workloads: Workloads | list[Profile], table: PriceTable, start: tuple[int, int], months: int,
            scenario: str = "actual", models: list[str] | None = None) -> pd.DataFrame:
    """Cost lines for every profile x model x month. See the module docstring for the arithmetic."""
    if months < 1:
        raise CostcalcError(f"months must be at least 1, not {months}")
    profiles = list(workloads)
    projector = _Projector(table, scenario)
    month_list = cal.months(*start, months)
    tag_names = sorted({k for p in profiles for k, _ in p.tags})
    columns: dict[str, list] = {c: [] for c in COLUMNS}
    tags: dict[str, list] = {t: [] for t in tag_names}
    any_ranges = any(p.has_ranges for p in profiles)
    with decimal.localcontext(_CONTEXT):
        for base in profiles:
            cases = CASES if base.has_ranges else ("expected",)
            chosen = [m for m in base.models if models is None or m in models]
            for model_name in chosen:
                model = lookup(table, model_name)
                for case in cases:
                    profile = base.at_case(case)
                    n_before = len(columns["profile"])
                    _project_one(projector, profile, model.id, model_name, month_list, start, scenario, case,
                                 columns)
                    added = len(columns["profile"]) - n_before
                    tag_map = dict(profile.tags)
                    for t in tag_names:
                        tags[t].extend([tag_map.get(t)] * added)
    frame = pd.DataFrame({**columns, **{TAG_PREFIX + t: v for t, v in tags.items()}})
    for name in ("profile", "model", "provider", "month", "rule", "component", "case"):
        frame[name] = frame[name].astype("category") if len(frame) else frame[name].astype(object)
    if not any_ranges:
        frame = frame.drop(columns=["case"])
    frame.attrs.update({
        "price_table": table.meta(),
        "scenario": scenario,
        "start": cal.month_label(*start),
        "months": months,
        "currency": "USD",
        "assumptions": projector.assumptions + _standing_assumptions(profiles),
        "profiles": {p.name: describe(p) for p in profiles},
        "costcalc_version": __version__,
    })
    return frame


def _standing_assumptions(profiles: list[Profile]) -> list[str]:
    out = ["Months are calendar months in UTC; a month is split at the exact minute a price changes.",
           "Requests are spread over each month by the profile's traffic shape (uniform unless given)."]
    if any(p.reasoning for p in profiles):
        out.append("reasoning: high/max means 2x/4x the output tokens as reasoning tokens (DeepSeek Think "
                   "Max ~4x from launch coverage; other families are planning assumptions).")
    return out


def _project_one(projector: _Projector, profile: Profile, model_id: str, model_name: str,
                 month_list: list[tuple[int, int]], start: tuple[int, int], scenario: str, case: str,
                 columns: dict[str, list]) -> None:
    table = projector.table
    model = table.models[model_id]
    tiers = []
    for tier, share in profile.tiers:
        if tier not in model.tiers:
            projector.note(f"{model_id} offers no {tier} tier: {profile.name}'s {tier} share is priced at "
                           f"its standard rates.")
            tier = "standard"
        tiers.append((tier, share))
    residency = profile.residency
    if residency and not model.residency:
        projector.note(f"{model_id} has no data-residency pricing: {profile.name} is priced without it.")
        residency = False
    weights = week_weights(profile.traffic)
    reasoning = _reasoning_tokens(profile, model.provider)
    bins = [(prompt, share, _per_request(profile, prompt, reasoning)) for prompt, share in _bins(profile)]
    anchor = (profile.start.year, profile.start.month) if profile.start else start
    growth_base = 1 + profile.growth_per_month
    append = [columns[c].append for c in COLUMNS]
    for ym in month_list:
        window = _window(profile, ym)
        if window is None:
            continue
        k = cal.months_between(anchor, ym)
        growth = growth_base ** k if k >= 0 else Decimal(1)
        # requests in a slot = volume_numerator x weighted minutes / denominator
        if profile.requests_per_day is not None:
            factor, denominator = _per_day_scale(weights)
            volume_numerator = profile.requests_per_day * growth * factor
        else:
            whole = cal.month_bounds(*ym)
            denominator = sum((projector.weighted_minutes(s, ym, profile.traffic, weights)
                               for s in _slots(projector, model_id, model_name, profile, ym, whole,
                                               Request(0, "standard", False, scenario))), _ZERO)
            volume_numerator = profile.requests_per_month * growth
        lines: dict[tuple, list] = {}
        for tier, tier_share in tiers:
            for prompt, bin_share, per_request in bins:
                request = Request(int(prompt), tier, residency, scenario)
                share = volume_numerator * tier_share * bin_share
                for slot in _slots(projector, model_id, model_name, profile, ym, window, request):
                    requests = share * projector.weighted_minutes(slot, ym, profile.traffic, weights)
                    if not requests:
                        continue  # no traffic while this rule was in force: no line
                    for component, per in per_request.items():
                        if not per:
                            continue
                        rate = slot.usd_per_mtok[component]
                        tokens = requests * per
                        key = (slot.label, component, rate)
                        line = lines.get(key)
                        if line is None:
                            lines[key] = [tokens, slot.first, slot.last, slot.provider]
                        else:
                            line[0] += tokens
                            line[1] = min(line[1], slot.first)
                            line[2] = max(line[2], slot.last)
        month = cal.month_label(*ym)
        cost_denominator = denominator * MTOK
        for (label, component, rate), (tokens, first, last, provider) in lines.items():
            for put, value in zip(append, (profile.name, model_name, provider, month, label, component,
                                           tokens / denominator, rate, tokens * rate / cost_denominator,
                                           case, first, last)):
                put(value)


def _slots(projector: _Projector, model_id: str, model_name: str, profile: Profile, ym, window,
           request: Request) -> list[_Slot]:
    try:
        return projector.slots(model_id, ym, window, request)
    except CostcalcError as exc:
        raise type(exc)(f"profile {profile.name}, model {model_name}, {cal.month_label(*ym)}: {exc}") \
            from None
