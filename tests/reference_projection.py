"""The projection as it was before the exact-integer rewrite (issue 15 item 2): a slow reference that
tests/test_projection_equality.py compares the fast one with, frame and attrs, to the last digit.

Copied from costcalc/projection.py at commit 3083669 with imports made absolute; not used by costcalc.
Its docstring follows.

The projection: profiles x models x calendar months -> a tidy DataFrame of exact cost lines.

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

What a model cannot price is marked, not fatal (infracost's "price not found"): the time before its
launch or after its retirement has no cost lines; `attrs["not_available"]` lists those stretches per
profile and model (a month cut by a launch or retirement is priced for the time the model exists and
listed as partial), and an assumption line says the same in words. Every other missing price (a gap in
the table, an unoffered combination) still stops the estimate.

Requests a model cannot take (a prompt above its context window, output above its max output) stop the
estimate with the profile, model and limit named, unless the profile says `over_limit: exclude`: then
those requests are left out of the volume, an assumption line says which share and how many, and
`attrs["over_limit_excluded"]` lists them per profile, model and case (share, requests, months, limit).

Per-call tool fees (a profile's `tool_calls_per_request: {web_search: 0.3}` on a model whose price table
has `fees:` for the tool) are lines of their own, component `tool:web_search`, rule `fee`:
  calls    = requests in a rule slot x calls per request          (in the `tokens` column)
  rate     = the fee in USD per 1,000,000 calls (usd_per_1k_calls x 1,000; in `usd_per_mtok`)
  cost_usd = calls x rate / 1,000,000 = calls x USD per call
so the one formula cost_usd = tokens x usd_per_mtok / 1,000,000 holds for every line of the frame. Fee
dates cut the month like rate changes (a fee change mid-month gives two lines). Calls of a tool the model
has no fee for while a slot is in force are not priced, and an assumption line names the model, the tool,
the profile and the months (never a silent zero); `attrs["unpriced_calls"]` counts them per profile,
model, tool and case, so a verdict can say a comparison leaves them out.

Exactness: every line is accumulated as a numerator over one denominator per profile, model and month
and divided once at the end, so a result whose true value has a finite decimal expansion (46.695) comes
out exactly, not as 46.694999...; only truly repeating values (a 1/3 share) are rounded, at 50 digits.
"""

from __future__ import annotations

import bisect
import contextlib
import decimal
import functools
import gc
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from costcalc import calendar as cal
from costcalc.money import DIVIDE
from costcalc.errors import _NO_VALUE, CostcalcError, LimitError, NotLaunchedError, Problem, RetiredModelError
from costcalc.prices.limits import describe as describe_limit
from costcalc.prices.limits import CONTEXT, over_limit
from costcalc.prices.model import COMPONENTS, MTOK, Model, PriceTable, is_tool_component, tool_component
from costcalc.prices.resolve import Request, lookup, prompt_thresholds, segments
from costcalc import __version__
from costcalc.cost_cases import CASES_NOTE, at_ends, choose_ends, lowering_notes, order_note, ranged_inputs
from costcalc.token_units import by_profile as translations_by_profile
from costcalc.token_units import limit_hint, profile_info, translate, translated_parts, translation
from costcalc.token_units import notes as token_notes
from costcalc.workloads.describe import describe
from costcalc.workloads.model import (CASES, DEFAULT_REASONING_PER_OUTPUT_TOKEN, REASONING_PER_OUTPUT_TOKEN, Histogram,
                              Profile, Traffic, Workloads)

# Set by project(exact_intermediates=True): the context every multiplication and sum runs in (exact
# at 1,000 digits) instead of DIVIDE's 50; divisions, growth and the volume stay at DIVIDE.
_CONTEXT = [DIVIDE]
_WIDE = decimal.Context(prec=1000, rounding=decimal.ROUND_HALF_EVEN)

COLUMNS = ["profile", "model", "provider", "month", "rule", "component", "tokens", "usd_per_mtok",
           "cost_usd", "case", "period_start", "period_end"]
TAG_PREFIX = "tag:"
_ZERO = Decimal(0)
_ONE = Decimal(1)

# calendar.hour_of_week as it was when this implementation was written: cached per zone and month
_hour_of_week = functools.lru_cache(maxsize=512)(cal.hour_of_week)


@dataclass(frozen=True)
class _Slot:
    """One price resolution within a month window: a rule with its rates, and where it was in force."""

    line_ids: dict[str, int]  # component -> id of its line meta (label, rate, provider...): lines merge on it
    minutes: Decimal  # untouched by traffic shape
    ranges: tuple[tuple[int, int], ...]  # minute offsets [a, b) from the month start (interned)
    first: int  # epoch minutes of the first and last instant in force (shared int objects: a big
    last: int   # projection holds millions of lines that point at them)


class _Projector:
    """Caches what every profile shares: which rule is in force in which minute of a month for a
    model and request class, and how a traffic shape weighs those minutes."""

    def __init__(self, table: PriceTable, scenario: str):
        self.table = table
        self.scenario = scenario
        self._slots: dict[tuple, list[_Slot]] = {}
        self._counts: dict[tuple, np.ndarray] = {}
        self._weighted: dict[tuple, Decimal] = {}
        self._ranges: dict[tuple, tuple] = {}
        self._thresholds: dict[str, list[int]] = {}
        self._month_minutes: dict[tuple[int, int], int] = {}
        # Every distinct (rule label, component, usd_per_mtok, provider, list rate, native rates) gets a
        # small id; rows carry the id, and the frame's rule/component/provider/rate columns are built
        # from it at once.
        self.line_ids: dict[tuple, int] = {}
        self.line_meta: list[tuple] = []
        self._growth: dict[str, list[Decimal]] = {}  # by the base as written: 1.1 and 1.10 give other digits
        self._int_weights: dict[int, tuple] = {}
        self._traffic: dict[Traffic, tuple] = {}
        self.assumptions: list[str] = []
        self._said: set[str] = set()
        # (request key, window) -> stretches [a, b) of the window without a price because the model was
        # not launched yet or retired then, with (reason, detail)
        self._gaps: dict[tuple, tuple] = {}
        # (profile, model as named) -> month index -> (gap stretches, partial): filled once per month
        self.unavailable: dict[tuple[str, str], dict[int, tuple]] = {}
        # (model as named, tool) -> profile -> months in which its calls of the tool had no fee
        self.unpriced_calls: dict[tuple[str, str], dict[str, list[str]]] = {}
        # (profile, model as named, tool, case) -> [months, calls]: the same calls counted, for
        # attrs["unpriced_calls"] (what a verdict and a CSV comment row say is left out)
        self.unpriced_counts: dict[tuple[str, str, str, str], list] = {}
        # attrs["over_limit_excluded"]: per profile, model and case, the requests over_limit: exclude left out
        self.excluded: list[dict] = []
        # (profile, model, input key, range) of each ranged input whose higher value lowers that model's
        # cost: its low case takes the high end (an assumption line per profile and input says so)
        self.lowering: list[tuple] = []
        # (profile, model as named) -> (Translation or None, counts translated, model's tokenizer): the
        # unit of the profile's token counts on each model (costcalc.token_units)
        self.translations: dict[tuple[str, str], tuple] = {}

    @contextlib.contextmanager
    def scratch(self):
        """Notes, unpriced calls and exclusions of a measuring run (cost_cases) are not the estimate's:
        they go to throw-away containers. Caches (slots, weights, line ids) are shared and kept."""
        saved = (self.assumptions, self._said, self.unpriced_calls, self.unpriced_counts, self.excluded)
        self.assumptions, self._said, self.unpriced_calls, self.unpriced_counts, self.excluded = \
            [], set(), {}, {}, []
        try:
            yield
        finally:
            self.assumptions, self._said, self.unpriced_calls, self.unpriced_counts, self.excluded = saved

    def note(self, text: str) -> None:
        if text not in self._said:
            self._said.add(text)
            self.assumptions.append(text)

    def unpriced(self, model_name: str, tool: str, profile: str, month: str, case: str, calls: Decimal) -> None:
        """`calls` of `tool` in `month` that no fee prices (left out of the cost, not zero)."""
        months = self.unpriced_calls.setdefault((model_name, tool), {}).setdefault(profile, [])
        if month not in months:
            months.append(month)
        entry = self.unpriced_counts.setdefault((profile, model_name, tool, case), [[], _ZERO])
        if month not in entry[0]:
            entry[0].append(month)
        entry[1] = DIVIDE.add(entry[1], calls)

    def unpriced_entries(self) -> list[dict]:
        """attrs["unpriced_calls"]: per profile, model, tool and case, the months and the calls no fee
        priced, and why (no fee in the table, or one published only in another currency)."""
        out = []
        for (profile, model, tool, case), (months, calls) in self.unpriced_counts.items():
            native = self._native_only(model, tool)
            detail = (f"{model} publishes its {tool} fee only in {native} per 1,000 calls (no USD price)" if native
                      else f"{model} has no {tool} fee in the price table")
            out.append({"profile": profile, "model": model, "tool": tool, "case": case, "months": list(months),
                        "calls": calls, "detail": detail})
        return out

    def unpriced_notes(self) -> list[str]:
        """One line per model and tool whose calls a profile makes but the table has no fee for: those
        calls are not priced (never a silent zero)."""
        out = []
        for (model, tool), by_profile in self.unpriced_calls.items():
            for profile, months in by_profile.items():
                if len(months) == 1:
                    when = months[0]
                elif len(months) == _span(months):  # consecutive months
                    when = f"{months[0]} to {months[-1]}"
                else:
                    when = ", ".join(months)
                native = self._native_only(model, tool)
                why = (f"publishes its {tool} fee only in {native} per 1,000 calls (no USD price) for (part "
                       f"of) {when}" if native else f"has no {tool} fee in the price table for (part of) {when}")
                out.append(f"{model} {why}: {profile}'s {tool} calls then are not priced (their cost is left "
                           f"out, not zero).")
        return out

    def _native_only(self, model_name: str, tool: str) -> str | None:
        """`5 CNY` when the model (or a model it is routed to) publishes `tool`'s fee only in another
        currency, for the assumption line."""
        pending, seen = [lookup(self.table, model_name).id], set()
        while pending:
            model = self.table.models[pending.pop()]
            if model.id in seen:
                continue
            seen.add(model.id)
            pending.extend(r.billed_as for r in model.routes)
            for fee in model.fees:
                if fee.tool == tool and not fee.priced_in_usd:
                    return fee.native_text()
        return None

    def traffic_weights(self, traffic: Traffic) -> tuple[tuple[Decimal, ...] | None, int]:
        """Hour-of-week weights of a traffic shape and a small id for cache keys. Interned here, so the
        id stays unique for the whole run."""
        found = self._traffic.get(traffic)
        if found is None:
            found = self._traffic[traffic] = (week_weights(traffic), len(self._traffic))
        return found

    def line_id(self, meta: tuple) -> int:
        found = self.line_ids.get(meta)
        if found is None:
            found = self.line_ids[meta] = len(self.line_meta)
            self.line_meta.append(meta)
        return found

    def growth(self, base: Decimal, k: int) -> Decimal:
        """base ** k, from a per-rate cache of successive powers (compounding is computed once)."""
        powers = self._growth.setdefault(str(base), [Decimal(1)])
        while len(powers) <= k:
            powers.append(powers[-1] * base)
        return powers[k]

    def month_minute(self, ym: tuple[int, int]) -> int:
        """Epoch minutes of a month's first instant."""
        minute = self._month_minutes.get(ym)
        if minute is None:
            minute = self._month_minutes[ym] = int(cal.month_start(*ym).timestamp()) // 60
        return minute

    def prompt_class(self, model_id: str, prompt: int) -> int:
        """Prompts between the same two cliff thresholds price alike: cache on the interval, not the
        exact size (a histogram of 1,000 prompt sizes still costs a handful of segmentations)."""
        thresholds = self._thresholds.get(model_id)
        if thresholds is None:
            thresholds = prompt_thresholds(self.table, model_id)
            self._thresholds[model_id] = thresholds
        return bisect.bisect_right(thresholds, prompt)

    # -- shared per model/month/request ------------------------------------------------------------
    def request_key(self, model_id: str, request: Request) -> tuple:
        """What, besides the month window, decides a model's slots."""
        return (model_id, self.prompt_class(model_id, request.prompt_tokens), request.tier, request.residency)

    def slots(self, model_id: str, ym: tuple[int, int], window: tuple[datetime, datetime],
              request: Request) -> list[_Slot]:
        key = (self.request_key(model_id, request), window)
        cached = self._slots.get(key)
        if cached is not None:
            return cached
        month0 = cal.month_start(*ym)
        grouped: dict[tuple, list] = {}
        gaps = []
        for a, b, res in segments(self.table, model_id, window[0], window[1], request, errors="return"):
            if isinstance(res, CostcalcError):
                if not isinstance(res, (NotLaunchedError, RetiredModelError)):
                    raise res  # a gap in the table or an ambiguity: the table is wrong, say so
                gaps.append((a, b) + self._gap_reason(model_id, res))
                continue
            entry = grouped.get(res.key)
            span = (cal.minutes(month0, a), cal.minutes(month0, b))
            if entry is None:
                grouped[res.key] = [res, [span]]
            else:
                entry[1].append(span)
        out = []
        for res, spans in grouped.values():
            ranges = self._ranges.setdefault(tuple(spans), tuple(spans))
            list_rates = res.list_rates
            native = {code: (res.native_rates(code), res.native_rates(code, discounts=False))
                      for code in res.rule.native}
            ids = {c: self.line_id((res.label, c, res.rates[c], res.billed_model.provider, list_rates[c],
                                    tuple((code, own[c], own_list[c]) for code, (own, own_list) in native.items())))
                   for c in COMPONENTS}
            # Per-call fees as lines of their own: calls in `tokens`, USD per 1M calls as the rate (no
            # modifier or negotiated discount applies to a fee, so its list rate is its rate).
            for fee in res.fees:
                rate = fee.usd_per_mcall
                ids[tool_component(fee.tool)] = self.line_id((
                    res.fee_label, tool_component(fee.tool), rate, res.billed_model.provider, rate,
                    tuple((code, fee.native_per_mcall(code), fee.native_per_mcall(code)) for code in fee.native)))
            out.append(_Slot(ids,
                             Decimal(sum(b - a for a, b in spans)), ranges,
                             self.month_minute(ym) + spans[0][0], self.month_minute(ym) + spans[-1][1]))
        self._slots[key] = out
        self._gaps[key] = tuple(gaps)
        return out

    def _gap_reason(self, model_id: str, error: CostcalcError) -> tuple[str, str]:
        """(reason, detail) of a stretch without a price; the detail does not depend on the instant,
        so the stretches of consecutive months merge."""
        if isinstance(error, NotLaunchedError):
            launched = self.table.models[model_id].launched
            return "not launched", f"{model_id} launched at {launched:%Y-%m-%d %H:%MZ}"
        return "retired", str(error)

    def mark_unavailable(self, profile: str, model_name: str, index: int, window: tuple[datetime, datetime],
                         gaps: tuple) -> None:
        """Remember a month's stretches without a price for a profile and model (once, whatever the
        case or request class: launch and retirement depend on the instant alone)."""
        by_month = self.unavailable.setdefault((profile, model_name), {})
        if index not in by_month:
            missing = sum((b - a for a, b, _, _ in gaps), timedelta(0))
            by_month[index] = (gaps, missing < window[1] - window[0])

    def weighted_minutes(self, slot: _Slot, ym: tuple[int, int], tz: str, weights: tuple[Decimal, ...],
                         weights_id: int) -> Decimal:
        """Minutes of the slot, each weighted by the profile's raw hour-of-week traffic weight in its
        own time zone. Slots of different tiers and models with the same minutes share the result."""
        key = (id(slot.ranges), ym, weights_id)
        cached = self._weighted.get(key)
        if cached is None:
            counts_key = (id(slot.ranges), ym, tz)
            counts = self._counts.get(counts_key)
            if counts is None:
                buckets = _hour_of_week(tz, *ym)
                counts = np.zeros(cal.HOURS_PER_WEEK, dtype=np.int64)
                for a, b in slot.ranges:
                    counts += np.bincount(buckets[a:b], minlength=cal.HOURS_PER_WEEK)
                self._counts[counts_key] = counts
            cached = self._weighted[key] = _dot(counts, self._scaled(weights, weights_id))
        return cached

    def month_weight(self, ym: tuple[int, int], tz: str, weights: tuple[Decimal, ...] | None,
                     weights_id: int) -> Decimal:
        """Traffic-weighted minutes of a whole calendar month (plain minutes for uniform traffic)."""
        key = ("month", ym, tz, weights_id)
        found = self._weighted.get(key)
        if found is None:
            start, end = cal.month_bounds(*ym)
            if weights is None:
                found = Decimal(cal.minutes(start, end))
            else:
                counts = np.bincount(_hour_of_week(tz, *ym), minlength=cal.HOURS_PER_WEEK).astype(np.int64)
                found = _dot(counts, self._scaled(weights, weights_id))
            self._weighted[key] = found
        return found

    def _scaled(self, weights: tuple[Decimal, ...], weights_id: int) -> tuple[np.ndarray, int, list[int]]:
        """The weights as integers times 10**places, so a dot product is exact integer arithmetic."""
        found = self._int_weights.get(weights_id)
        if found is None:
            places = max(max(-w.as_tuple().exponent, 0) for w in weights)
            ints = [int(w.scaleb(places)) for w in weights]
            found = self._int_weights[weights_id] = (np.array(ints, dtype=np.int64) if max(ints) < 2 ** 31
                                                     else None, places, ints)
        return found


def _dot(counts: np.ndarray, scaled: tuple[np.ndarray | None, int, list[int]]) -> Decimal:
    """Exact sum of counts x weights. numpy's int64 dot when it cannot overflow (weights below 2**31
    and a month's minutes below 2**16 keep every sum below 2**63), Python integers otherwise."""
    array, places, ints = scaled
    if array is not None:
        total = int(np.dot(counts, array))
    else:
        total = sum(int(n) * w for n, w in zip(counts, ints) if n)
    return Decimal(total).scaleb(-places)


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


def with_models(loaded: Workloads, models: list[str], table: PriceTable) -> Workloads:
    """`--models a,b` replaces every profile's model list: compare the same workload on these."""
    for name in models:
        lookup(table, name)  # unknown names fail here with suggestions
    # the current plan puts each profile on the first of these (a `use:` from the file may not be one)
    return replace(loaded, profiles=tuple(replace(p, models=tuple(dict.fromkeys(models)), use=None) for p in loaded))


def project(workloads: Workloads | list[Profile], table: PriceTable, start: tuple[int, int], months: int,
            scenario: str = "actual", exact_intermediates: bool = False) -> pd.DataFrame:
    """Cost lines for every profile x model x month. See the module docstring for the arithmetic."""
    if months < 1:
        raise CostcalcError(f"months must be at least 1, not {months}")
    profiles = list(workloads)
    projector = _Projector(table, scenario)
    _CONTEXT[0] = _WIDE if exact_intermediates else DIVIDE
    month_list = cal.months(*start, months)
    for profile in profiles:
        _check_growth(profile, start, month_list[-1])
    out = _Columns(projector)
    # Millions of small objects (Decimals, per-month line lists) and no reference cycles: the cyclic
    # garbage collector would rescan them again and again (a third of a big run's time) for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        frame = _run(profiles, projector, month_list, start, out)
    finally:
        if collecting:
            gc.enable()
    unavailable = _not_available(projector, month_list)
    if not any(p.has_ranges for p in profiles):
        frame = frame.drop(columns=["case"])
    frame.attrs.update({
        "price_table": table.meta(),
        "scenario": scenario,
        "start": cal.month_label(*start),
        "months": months,
        "currency": "USD",
        "assumptions": projector.assumptions + token_notes(projector.translations)
        + lowering_notes(projector.lowering) + projector.unpriced_notes()
        + not_available_notes(unavailable) + _standing_assumptions(profiles),
        # stretches of profile x model without a price (before launch, after retirement): not cost lines
        "not_available": unavailable,
        # what else the totals leave out: tool calls no fee prices, requests over a limit (over_limit: exclude)
        "unpriced_calls": projector.unpriced_entries(),
        "over_limit_excluded": projector.excluded,
        "profiles": _profiles_info(profiles, projector.translations),
        "costcalc_version": __version__,
        # requests per profile, model, month (and case): what cost per 1,000 requests divides by
        "requests": _requests(out, month_list),
        # units: (issue 16) came after this copy; the profiles compared against it have none
        "units": [],
        "plan_units": [],  # the file's top-level units: (issue 16) likewise: none in the files compared
        **_line_rates(out, projector.line_meta),
    })
    return frame


def _profiles_info(profiles: list[Profile], translations: dict) -> dict[str, dict]:
    """describe() of each profile, with the unit of its token counts and their translation per model."""
    grouped = translations_by_profile(translations)
    out = {}
    for profile in profiles:
        info = out[profile.name] = describe(profile)
        units = profile_info(grouped.get(profile.name, {}), profile.name, profile.tokens_counted_with)
        if units:
            info["summary"] += "; " + units.pop("summary_clause")
            info.update(units)
    return out


# A volume that compounds past a million-fold is no plan, and the amounts it makes would outgrow the
# exact arithmetic that renders cents (2x a month for 600 months is 10^180).
MAX_GROWTH_FACTOR = Decimal(10) ** 6


def _check_growth(profile: Profile, start: tuple[int, int], last: tuple[int, int]) -> None:
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


def _run(profiles, projector, month_list, start, out) -> pd.DataFrame:
    # Division is the only inexact step (a traffic share like 154/720): money.DIVIDE's 50 digits keep its
    # error below 1e-40 of the amount, far under the cent at which results are rendered.
    with decimal.localcontext(_CONTEXT[0]):
        for base in profiles:
            for model_name in base.models:
                model_id = lookup(projector.table, model_name).id
                if base.has_ranges:
                    _project_cases(projector, base, model_id, model_name, month_list, start, out)
                else:
                    _project_one(projector, base, model_id, model_name, month_list, start, "expected", out)
    return out.frame(profiles, month_list)


def _project_cases(projector: _Projector, profile: Profile, model_id: str, model_name: str,
                   month_list: list[tuple[int, int]], start: tuple[int, int], out: _Columns) -> None:
    """A ranged profile on one model: the expected case, then low and high named by this model's cost
    (costcalc.cost_cases): each input at the end that lowers (raises) it. Inputs whose direction is
    not certain are measured against the expected run, in scratch projections that leave no trace."""
    def run(case: str, variant: Profile, ends=None) -> list[Decimal]:
        runs, lines = len(out.runs), len(out.cost)
        _project_one(projector, variant, model_id, model_name, month_list, start, case, out, ends)
        return _month_costs(out, runs, lines, len(month_list))

    def probe(variant: Profile, end: str) -> list[Decimal]:
        scratch = _Columns(projector)
        with projector.scratch():
            _project_one(projector, variant, model_id, model_name, month_list, start, end, scratch)
        return _month_costs(scratch, 0, 0, len(month_list))

    expected = run("expected", profile.at_case("expected"))
    labels = [cal.month_label(*ym) for ym in month_list]
    has_rules = bool(prompt_thresholds(projector.table, model_id))  # a prompt size with its own rule
    low_ends, high_ends, notes, lowering = choose_ends(profile, model_name, expected, labels, probe, has_rules)
    for note in notes:
        projector.note(note)
    ranges = dict(ranged_inputs(profile))
    projector.lowering += [(profile.name, model_name, key, ranges[key]) for key, _ in lowering]
    totals = {"expected": _dsum(expected)}
    for case, ends in (("low", low_ends), ("high", high_ends)):
        totals[case] = _dsum(run(case, at_ends(profile, ends), ends))
    disorder = order_note(profile.name, model_name, totals)
    if disorder:
        projector.note(disorder)


def _month_costs(out: _Columns, runs_from: int, lines_from: int, months: int) -> list[Decimal]:
    """Cost per month index of the runs appended to `out` since (runs_from, lines_from)."""
    costs = [_ZERO] * months
    position = lines_from
    for _, _, index, _, count in out.runs[runs_from:]:
        costs[index] = DIVIDE.add(costs[index], _dsum(out.cost[position:position + count]))
        position += count
    return costs


class _Columns:
    """Column-wise accumulation. Profile, model, month and case are the same for a run of lines, so
    they are stored once per run and repeated when the frame is built; rule, component, rate and
    provider come from the line id. What is left per line: an id, two Decimals and two shared ints."""

    def __init__(self, projector: _Projector):
        self.projector = projector
        self.runs: list[tuple[str, str, int, str, int]] = []  # profile, model, month index, case, lines
        self.requests: list[Decimal] = []  # requests in each run's month (cost per 1,000 requests)
        # one entry per line in each: line id, tokens, cost_usd, first and last instant (epoch minutes);
        # columns, not row tuples, because transposing millions of tuples costs more than filling these
        self.ids: list[int] = []
        self.tokens: list[Decimal] = []
        self.cost: list[Decimal] = []
        self.first: list[int] = []
        self.last: list[int] = []

    def frame(self, profiles: list[Profile], month_list: list[tuple[int, int]]) -> pd.DataFrame:
        counts = np.array([r[4] for r in self.runs], dtype=np.int64)
        ids = np.array(self.ids, dtype=np.int64)
        tokens, cost, first, last = self.tokens, self.cost, self.first, self.last
        meta = self.projector.line_meta

        def repeated(values: list[str], categories: list[str]) -> pd.Categorical:
            codes = {c: i for i, c in enumerate(categories)}
            return pd.Categorical.from_codes(np.repeat(np.array([codes[v] for v in values], dtype=np.int32),
                                                       counts), categories=categories)

        def by_line(position: int, categories: list | None = None) -> pd.Categorical:
            categories = categories or list(dict.fromkeys(m[position] for m in meta))
            codes = {c: i for i, c in enumerate(categories)}
            per_line = np.array([codes[m[position]] for m in meta] or [0], dtype=np.int32)
            return pd.Categorical.from_codes(per_line[ids], categories=categories)

        rates = np.empty(max(len(meta), 1), dtype=object)
        rates[:len(meta)] = [m[2] for m in meta]
        names = [p.name for p in profiles]
        labels = [cal.month_label(*ym) for ym in month_list]
        data = {
            "profile": repeated([r[0] for r in self.runs], names),
            "model": repeated([r[1] for r in self.runs], list(dict.fromkeys(r[1] for r in self.runs))),
            "provider": by_line(3),
            "month": repeated([labels[r[2]] for r in self.runs], labels),
            "rule": by_line(0),
            "component": by_line(1, list(COMPONENTS) + list(dict.fromkeys(
                m[1] for m in meta if is_tool_component(m[1])))),
            "tokens": pd.Series(tokens, dtype=object),
            "usd_per_mtok": pd.Series(rates[ids], dtype=object),
            "cost_usd": pd.Series(cost, dtype=object),
            "case": repeated([r[3] for r in self.runs], list(CASES)),
            "period_start": pd.to_datetime(np.array(first, dtype=np.int64), unit="m", utc=True),
            "period_end": pd.to_datetime(np.array(last, dtype=np.int64), unit="m", utc=True),
        }
        frame = pd.DataFrame({c: data[c] for c in COLUMNS})
        for tag in sorted({k for p in profiles for k, _ in p.tags}):
            values = sorted({v for p in profiles for k, v in p.tags if k == tag})
            by_profile = {p.name: dict(p.tags).get(tag) for p in profiles}
            codes = np.array([values.index(by_profile[r[0]]) if by_profile[r[0]] is not None else -1
                              for r in self.runs], dtype=np.int32)
            frame[TAG_PREFIX + tag] = pd.Categorical.from_codes(np.repeat(codes, counts), categories=values)
        return frame


def _requests(out: _Columns, month_list: list[tuple[int, int]]) -> list[dict]:
    """Requests per profile, model, month and case (what cost per 1,000 requests divides by)."""
    labels = [cal.month_label(*ym) for ym in month_list]
    return [{"profile": profile, "model": model, "month": labels[index], "case": case, "requests": n}
            for (profile, model, index, case, _), n in zip(out.runs, out.requests)]


def _line_rates(out: _Columns, meta: list[tuple]) -> dict[str, list[dict]]:
    """Per model (as the rows name it), rule, component and rate: the rate before negotiated discounts
    where one applied (FOCUS ListCost), and the provider's own prices in other currencies where it
    publishes them (used by --currency instead of converting). Keyed by model: two models of one
    provider may share a rule label and a rate and still differ here."""
    special = [i for i, m in enumerate(meta) if m[4] != m[2] or m[5]]
    if not special:
        return {"list_rates": [], "native_rates": []}
    names = list(dict.fromkeys(r[1] for r in out.runs))
    model_codes = np.repeat(np.array([names.index(r[1]) for r in out.runs], dtype=np.int64),
                            np.array([r[4] for r in out.runs], dtype=np.int64))
    ids = np.array(out.ids, dtype=np.int64)
    chosen = np.isin(ids, special)
    pairs = sorted(set(zip(model_codes[chosen].tolist(), ids[chosen].tolist())))
    list_rates, native_rates = [], []
    for code, line in pairs:
        rule, component, rate, provider, list_rate, native = meta[line]
        where = {"model": names[code], "provider": provider, "rule": rule, "component": component,
                 "usd_per_mtok": rate}
        if list_rate != rate:
            list_rates.append({**where, "list_usd_per_mtok": list_rate})
        for currency, own, own_list in native:
            native_rates.append({**where, "currency": currency, "per_mtok": own, "list_per_mtok": own_list})
    return {"list_rates": list_rates, "native_rates": native_rates}


def _span(months: list[str]) -> int:
    """Calendar months from the first to the last label, inclusive (2026-10, 2026-12 -> 3)."""
    (y0, m0), (y1, m1) = ((int(t[:4]), int(t[5:7])) for t in (months[0], months[-1]))
    return (y1 - y0) * 12 + m1 - m0 + 1


def _instant(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _not_available(projector: _Projector, month_list: list[tuple[int, int]]) -> list[dict]:
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


def _standing_assumptions(profiles: list[Profile]) -> list[str]:
    out = ["Months are calendar months in UTC; a month is split at the exact minute a price changes.",
           "Requests are spread over each month by the profile's traffic shape (uniform unless given)."]
    if any(p.has_ranges for p in profiles):
        out.append(CASES_NOTE)
    if any(p.reasoning for p in profiles):
        out.append("reasoning: high/max means 2x/4x the output tokens as reasoning tokens (DeepSeek Think "
                   "Max ~4x from launch coverage; other families are planning assumptions).")
    return out


def _project_one(projector: _Projector, profile: Profile, model_id: str, model_name: str,
                 month_list: list[tuple[int, int]], start: tuple[int, int], case: str,
                 out: _Columns, ends: Mapping[str, str] | None = None) -> None:
    """Append the cost lines of one profile (at one case) on one model. This is the hot loop of a big
    projection: shared work is cached on the projector, and each line costs a few Decimal operations.
    `ends`: which end of each range the case took (a case named by cost may take an input's high end
    for `low`), so a limit error names the value at fault."""
    model = projector.table.models[model_id]
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
    weights, weights_id = projector.traffic_weights(profile.traffic)
    tz = profile.traffic.timezone
    sampled = dict(profile.sampled).get(model_id)
    if sampled is not None:  # tokens per request counted from samples with this model's tokenizer
        profile = replace(profile, input_tokens=sampled.input,
                          output_tokens=profile.output_tokens if sampled.output is None else sampled.output)
    counted = profile  # as the profile gives them: what a limit error points at
    profile, hint = _in_model_tokens(projector, profile, model, model_name, sampled)
    reasoning = _reasoning_tokens(profile, model.provider)
    bins = []
    for prompt, share in _bins(profile):
        per_request = [(c, n) for c, n in _per_request(profile, prompt, reasoning).items() if n]
        # a cliff is crossed by any part of a token: a mean prompt of 272,000.5 is above 272,000
        bins.append((_ceil(prompt), share, per_request))
    over = _over_limits(profile, model, model_name, bins, _ceil(profile.output_tokens + reasoning), case,
                        sampled is not None, ends, counted, hint)
    requests_by_tier = []
    for tier, tier_share in tiers:
        for (prompt, bin_share, per_request), excluded in zip(bins, over):
            # one projector per scenario: its slot cache may leave the scenario out of its keys.
            # Excluded requests are only counted: priced as a small prompt, their slots give the minutes.
            request = Request(0 if excluded else prompt, tier, residency, projector.scenario)
            requests_by_tier.append((request, projector.request_key(model_id, request), tier_share * bin_share,
                                     per_request, excluded))
    left_out: list[tuple[str, Decimal]] = []  # (month, requests left out) per month (over_limit: exclude)
    # calls per request of each tool the profile uses (a fee line where the model prices the tool)
    tools = [(tool_component(tool), tool, calls) for tool, calls in profile.tool_calls if calls]
    slot_cache = projector._slots
    anchor = (profile.start.year, profile.start.month) if profile.start else start
    growth_base = 1 + profile.growth_per_month
    per_day = _per_day_scale(weights)
    put_id, put_tokens, put_cost = out.ids.append, out.tokens.append, out.cost.append
    put_first, put_last = out.first.append, out.last.append
    for index, ym in enumerate(month_list):
        window = _window(profile, ym)
        if window is None:
            continue
        k = cal.months_between(anchor, ym)
        with decimal.localcontext(DIVIDE):
            growth = projector.growth(growth_base, k) if k > 0 else _ONE
        # requests in a slot = volume_numerator x weighted minutes / denominator
        if profile.requests_per_day is not None:
            factor, denominator = per_day
            volume_numerator = DIVIDE.multiply(DIVIDE.multiply(profile.requests_per_day, growth), factor)
        else:
            # the month's volume spread by traffic over the whole calendar month (prices play no part:
            # a model without a price in part of the month is fine while the profile is not running)
            denominator = projector.month_weight(ym, tz, weights, weights_id)
            volume_numerator = DIVIDE.multiply(profile.requests_per_month, growth)
        lines: dict[int, list] = {}  # line id -> [token numerator, first, last]
        month_requests = _ZERO  # numerator, like the tokens
        month_left_out = _ZERO
        month_unpriced: dict[str, Decimal] = {}  # tool -> calls numerator no fee priced
        for request, request_key, share, per_request, excluded in requests_by_tier:
            share = volume_numerator * share
            slots = slot_cache.get((request_key, window))
            if slots is None:
                slots = _slots(projector, model_id, model_name, profile, ym, window, request)
            for slot in slots:
                minutes = slot.minutes if weights is None else \
                    projector.weighted_minutes(slot, ym, tz, weights, weights_id)
                requests = share * minutes
                if not requests:
                    continue  # no traffic while this rule was in force: no line
                if excluded:
                    month_left_out += requests
                    continue
                month_requests += requests
                ids = slot.line_ids
                for component, per in per_request:
                    key = ids[component]
                    line = lines.get(key)
                    if line is None:
                        lines[key] = [requests * per, slot.first, slot.last]
                    else:
                        line[0] += requests * per
                        if slot.first < line[1]:
                            line[1] = slot.first
                        if slot.last > line[2]:
                            line[2] = slot.last
                for component, tool, per in tools:
                    key = ids.get(component)
                    if key is None:  # no fee for this tool while this slot was in force: counted, not priced
                        month_unpriced[tool] = month_unpriced.get(tool, _ZERO) + requests * per
                        continue
                    line = lines.get(key)
                    if line is None:
                        lines[key] = [requests * per, slot.first, slot.last]
                    else:
                        line[0] += requests * per
                        if slot.first < line[1]:
                            line[1] = slot.first
                        if slot.last > line[2]:
                            line[2] = slot.last
        gaps = projector._gaps.get((requests_by_tier[0][1], window))
        if gaps:
            projector.mark_unavailable(profile.name, model_name, index, window, gaps)
        for tool, calls in month_unpriced.items():
            projector.unpriced(model_name, tool, profile.name, cal.month_label(*ym), case,
                               DIVIDE.divide(calls, denominator))
        if any(over):
            left_out.append((cal.month_label(*ym), DIVIDE.divide(month_left_out, denominator)))
        if not lines:
            continue
        cost_denominator = denominator * MTOK
        meta = projector.line_meta
        for key, (tokens, first, last) in lines.items():
            put_id(key)
            put_tokens(DIVIDE.divide(tokens, denominator))
            put_cost(DIVIDE.divide(tokens * meta[key][2], cost_denominator))
            put_first(first)
            put_last(last)
        out.runs.append((profile.name, model_name, index, case, len(lines)))
        out.requests.append(DIVIDE.divide(month_requests, denominator))
    if any(over):
        excluded = _excluded_entry(profile, model, model_name, bins, over, left_out, case)
        projector.excluded.append(excluded)
        projector.note(_left_out_note(excluded, [n for _, n in left_out]))


def _in_model_tokens(projector: _Projector, profile: Profile, model: Model, model_name: str,
                     sampled) -> tuple[Profile, str]:
    """The profile's counts in the model's tokenizer (costcalc.token_units), remembered for the
    assumptions and the profile's info, and what a limit error adds about it."""
    t = translation(profile.tokens_counted_with, model.tokenizer)
    from_samples = sampled is not None, sampled is not None and sampled.output is not None
    parts = translated_parts(*from_samples)
    projector.translations[(profile.name, model_name)] = (t, parts, model.tokenizer)
    if t is None or parts is None:
        return profile, ""
    return translate(profile, t, *from_samples), limit_hint(t)


def _share(share: Decimal) -> str:
    """A share as a percentage: exact when short (10%, 12.5%), else to two places (33.33%: a share of
    sample prompts is a 50-digit division)."""
    percent = (share * 100).normalize()
    if -percent.as_tuple().exponent > 2:
        percent = percent.quantize(Decimal("0.01"))
    return f"{percent:f}%"


def _ceil(tokens: Decimal) -> int:
    return int(tokens.to_integral_value(rounding=decimal.ROUND_CEILING))


def _over_limits(profile: Profile, model: Model, model_name: str, bins: list, output: int, case: str,
                 sampled: bool = False, ends: Mapping[str, str] | None = None, counted: Profile | None = None,
                 hint: str = "") -> list[bool]:
    """Per prompt bin: whether its requests exceed the model's context window or max output. An error
    naming the file, line and key of the value at fault (the profile's origin), the model and the limit,
    unless the profile says `over_limit: exclude`. `profile` holds the counts in the model's tokenizer,
    `counted` as the profile gives them (the value an error shows); `hint` says how one became the other."""
    over = [share > 0 and over_limit(model, prompt, output) is not None for prompt, share, _ in bins]
    if any(over) and profile.over_limit != "exclude":
        index = over.index(True)
        prompt, share, _ = bins[index]
        limit = over_limit(model, prompt, output)
        which = f" ({case} case)" if case != "expected" else ""
        part = f"{_share(share)} of its requests: " if len(bins) > 1 else ""
        what = f"{part}{describe_limit(model.id, *limit)}{hint}"
        if profile.origin is None:  # a Profile made in code: no file to point at
            raise LimitError(f"profile {profile.name}{which}, model {model_name}: {what}; set over_limit: "
                             f"exclude in the profile to leave such requests out of the estimate")
        key, line, value = _limit_location(profile, model, limit[0], index, case, sampled, ends, counted)
        raise LimitError(str(Problem(profile.origin.file, line, key, value,
                                     f"model {model_name}{which}: {what}; set over_limit: exclude in the "
                                     f"profile to leave such requests out of the estimate")))
    return over


def _limit_location(profile: Profile, model: Model, limit: str, index: int, case: str,
                    sampled: bool, ends: Mapping[str, str] | None = None,
                    counted: Profile | None = None) -> tuple[str, int | None, object]:
    """(dotted key, line, value) of what puts a request above `limit`: the prompt (a histogram bin, a
    ranged value at this case, the mean) or the output (output_tokens, else the reasoning that adds to
    it); the samples when the tokens were counted from them. Values as the profile gives them
    (`counted`); whether the output alone is too large is judged in the model's tokens (`profile`)."""
    if sampled:
        return (*profile.origin.where("samples"), _NO_VALUE)
    fits = model.max_output_tokens is None or profile.output_tokens <= model.max_output_tokens
    profile = counted or profile
    if limit == CONTEXT:
        tokens = profile.input_tokens
        if isinstance(tokens, Histogram):
            return (*profile.origin.where(f"input_tokens.histogram[{index}].tokens", "input_tokens"),
                    tokens.bins[index][0])
        return (*profile.origin.where(f"input_tokens.{_end(ends, 'input_tokens', case)}", "input_tokens"),
                tokens)
    name, value = "output_tokens", profile.output_tokens
    if fits and profile.reasoning_tokens is not None:
        name, value = "reasoning_tokens", profile.reasoning_tokens
    elif fits and profile.reasoning is not None:
        name, value = "reasoning", profile.reasoning
    return (*profile.origin.where(f"{name}.{_end(ends, name, case)}", name), value)


def _end(ends: Mapping[str, str] | None, key: str, case: str) -> str:
    """The end of `key`'s range a case took: its own name unless the case is named by cost."""
    return case if ends is None else ends.get(key, case)


def _excluded_entry(profile: Profile, model: Model, model_name: str, bins: list, over: list[bool],
                    left_out: list[tuple[str, Decimal]], case: str) -> dict:
    """attrs["over_limit_excluded"] entry: the share of the profile's requests left out on a model, the
    requests that makes over the period, the months with any, and the limits they are above."""
    reasons = []
    share = _ZERO
    for (prompt, bin_share, per_request), excluded in zip(bins, over):
        if excluded:
            share += bin_share
            output = sum((n for c, n in per_request if c in ("output", "reasoning")), _ZERO)
            text = describe_limit(model.id, *over_limit(model, prompt, _ceil(output)))
            if text not in reasons:
                reasons.append(text)
    return {"profile": profile.name, "model": model_name, "case": case, "share": share,
            "requests": _dsum(n for _, n in left_out), "months": [m for m, n in left_out if n],
            "detail": "; ".join(reasons)}


def _left_out_note(entry: dict, per_month: list[Decimal]) -> str:
    counts = sorted({int(n.to_integral_value()) for n in per_month if n})
    if not counts:
        many = "none in these months"
    elif len(counts) == 1:
        many = f"{counts[0]:,} requests a month"
    else:
        many = f"{counts[0]:,} to {counts[-1]:,} requests a month"
    which = f" ({entry['case']} case)" if entry["case"] != "expected" else ""
    return (f"over_limit: exclude: {_share(entry['share'])} of {entry['profile']}'s requests{which} are left "
            f"out on {entry['model']} ({entry['detail']}): {many}.")


def _slots(projector: _Projector, model_id: str, model_name: str, profile: Profile, ym, window,
           request: Request) -> list[_Slot]:
    try:
        return projector.slots(model_id, ym, window, request)
    except CostcalcError as exc:
        raise type(exc)(f"profile {profile.name}, model {model_name}, {cal.month_label(*ym)}: {exc}") \
            from None


def _dsum(values) -> Decimal:
    """A sum at DIVIDE's 50 digits, as the original summed inside its DIVIDE context."""
    total = _ZERO
    for value in values:
        total = DIVIDE.add(total, value)
    return total
