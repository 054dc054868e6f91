"""What every profile shares in a projection, cached once per run: which price rule is in force in which
minute of a month for a model and request class (slots), how a traffic shape weighs those minutes, the
line ids (rule, component, rate) rows point at, and the notes and lists a projection collects on the way.

Pure computation: the price table and the scenario arrive as arguments. Over 400 lines: one class, the
projection's shared state, whose caches and the notes they feed belong together.
"""

from __future__ import annotations

import bisect
import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

from .. import calendar as cal
from ..errors import CostcalcError, NotLaunchedError, RetiredModelError
from ..money import decimal_places
from ..prices.model import COMPONENTS, PriceTable, tool_component
from ..prices.resolve import Request, lookup, minute_segments, minute_segments_of, prompt_thresholds, segments
from ..shapes import FAILED_SUFFIX
from ..workloads.model import Profile, Traffic

_ZERO = Decimal(0)


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
        # (request key, window) -> resolve.minute_segments' answer, made for a structure's windows at once
        # (clock_pieces) and taken by the window's slots
        self._clock_pieces: dict[tuple, Any] = {}
        self._res_line_ids: dict[int, tuple] = {}  # id(Resolution) -> (it, its line ids): _line_ids_of
        self.translated: dict[tuple, tuple] = {}  # request_bins.in_model_tokens: a profile's counts per tokenizer
        self._counts: dict[tuple, Any] = {}  # (id(ranges), month, zone) -> minutes per hour of the week
        self._weighted: dict[tuple, Decimal] = {}
        self._ranges: dict[tuple, tuple] = {}
        self._thresholds: dict[str, list[int]] = {}
        self._month_minutes: dict[tuple[int, int], int] = {}
        # Every distinct (rule label, component, usd_per_mtok, provider, list rate, native rates) gets a
        # small id; rows carry the id, and the frame's rule/component/provider/rate columns are built
        # from it at once.
        self.line_ids: dict[tuple, int] = {}
        self.line_meta: list[tuple] = []
        self.failed: dict[int, int] = {}  # line id -> its failed attempts' line id (failures:)
        # (profile, model, case) -> (units, attempts per request, requests per conversation or None), for
        # attrs["units"] (costcalc.shapes.units_entries)
        self.unit_info: dict[tuple[str, str, str], tuple] = {}
        self._growth: dict[str, list[Decimal]] = {}  # by the base as written (1.1 and 1.10: other digits)
        self._int_weights: dict[int, tuple] = {}
        # _week_weights: a number per traffic factor as written (as_tuple()), the product of each pair of
        # them, each weekday's row of products, and each shape's distinct products (id(weights) -> (weights,
        # products))
        self._factors: dict[tuple, int] = {}
        self._products: dict[tuple[int, int], Decimal] = {}
        self._days: dict[tuple, tuple] = {}  # (weekday factor, hour factors) -> the day's 24 products
        self._distinct: dict[int, tuple] = {}
        self._traffic: dict[tuple, tuple] = {}  # by the shape as written (hours of 1 and of 1.0 are equal)
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
        # costcalc.projection.structures' caches: a request class's slots over a profile's months as arrays
        # (per request key and month windows), their minutes weighed by a traffic shape, month windows
        # per (start, end, time zone), month volumes per profile
        self.structures: dict[tuple, Any] = {}  # pricing.Structure
        self.weighted_rows: dict[tuple, Any] = {}  # per zone: its structures' minute counts stacked (_zone_counts)
        self.windows: dict[tuple, tuple] = {}
        self.volumes: dict[tuple, Any] = {}  # pricing.Volume
        # pricing._sums: the sums of each kind of run (pricing._Kind -> pricing._Priced), shared by
        # every run of that kind
        self.priced: dict[Any, Any] = {}
        # pricing._summed_kinds: how the runs of one layout group their terms (pricing._Layout), per layout
        self.layouts: dict[tuple, Any] = {}
        # id(RunSpec.classes) -> (the classes, their part of pricing._signature): runs prepared alike share
        # one classes list (projection._prepare), so its signature is made once; the list is kept with it
        self.class_signatures: dict[int, tuple] = {}
        # (id(profile), reasoning tokens as text) -> (profile, its request bins): a plain profile's bins
        # (projection._request_bins)
        self.bins: dict[tuple, tuple] = {}
        # (model id, what the preparation reads of a profile as written, id of its month windows) ->
        # projection._Prepared: a run's request classes and structures, shared by the profiles alike
        self.prepared: dict[tuple, Any] = {}
        # id(profile) -> (profile, projection._Own): what a profile's runs share on every model
        self.owns: dict[int, tuple] = {}
        # month windows by their repr (instants and time zones): profiles in other time zones without start
        # or end dates run the same windows (whole UTC months), so they share one tuple and the structures
        # keyed by its id
        self.window_sets: dict[str, tuple] = {}
        # every distinct (first, last instant) of a cost line, as epoch minutes: lines carry a code of it
        # (2 bytes, not 8 for two int32 instants), the frame's period columns are made from these
        self.periods: list[tuple[int, int]] = []
        self._period_ids: dict[int, int] = {}

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
        entry[1] += calls

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
        key = (traffic.timezone, tuple(map(str, traffic.hours)), tuple(map(str, traffic.weekdays)))
        found = self._traffic.get(key)
        if found is None:
            found = self._traffic[key] = (self._week_weights(traffic), len(self._traffic))
        return found

    def _week_weights(self, traffic: Traffic) -> tuple[Decimal, ...] | None:
        """week_weights(traffic), each distinct product one object shared by every shape that has it (a big
        projection has hundreds of shapes of a few distinct weights: 168 new Decimals each were megabytes of
        fresh memory), and a weekday's 24 products one tuple (weekdays mostly weigh alike). Factors are told
        apart as written (as_tuple: 1 and 1.0 make products at other places). The distinct products of the
        shape are kept for _scaled."""
        if traffic.uniform:
            return None
        factors, products, days = self._factors, self._products, self._days
        hours = tuple(factors.setdefault(h.as_tuple(), len(factors)) for h in traffic.hours)
        rows = []
        for day in traffic.weekdays:
            day_key = factors.setdefault(day.as_tuple(), len(factors))
            row = days.get((day_key, hours))
            if row is None:
                made = []
                for hour, hour_key in zip(traffic.hours, hours):
                    product = products.get((day_key, hour_key))
                    if product is None:
                        product = products[(day_key, hour_key)] = day * hour
                    made.append(product)
                row = days[(day_key, hours)] = tuple(made)
            rows.append(row)
        weights = tuple(chain.from_iterable(rows))
        distinct = {id(p): p for row in {id(r): r for r in rows}.values() for p in row}
        self._distinct[id(weights)] = (weights, list(distinct.values()))
        return weights

    def failed_line(self, line_id: int) -> int:
        """The line id of failed attempts priced like line `line_id` (costcalc.shapes.with_failures): the
        same rate, the rule labelled as failed attempts, so they are a line of their own in the frame."""
        found = self.failed.get(line_id)
        if found is None:
            label, *rest = self.line_meta[line_id]
            found = self.failed[line_id] = self.line_id((label + FAILED_SUFFIX, *rest))
        return found

    def line_id(self, meta: tuple) -> int:
        found = self.line_ids.get(meta)
        if found is None:
            found = self.line_ids[meta] = len(self.line_meta)
            self.line_meta.append(meta)
        return found

    def period_codes(self, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        """The code in self.periods of each (first, last) pair of epoch minutes (int32 arrays), as int32."""
        if not len(first):
            return np.zeros(0, dtype=np.int32)
        # one int64 key per pair: first in the high half, last (shifted to be non-negative) in the low one
        keys = first.astype(np.int64) << 32
        keys += last.astype(np.int64) + 2 ** 31
        codes, uniques = pd.factorize(keys)
        ids = self._period_ids
        for key in uniques.tolist():
            if key not in ids:
                ids[key] = len(self.periods)
                self.periods.append((key >> 32, (key & 0xFFFFFFFF) - 2 ** 31))
        return np.array([ids[key] for key in uniques.tolist()], dtype=np.int32)[codes]

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

    def clock_pieces(self, model_id: str, windows: list[tuple[datetime, datetime]], request: Request) -> None:
        """The UTC-clock pieces (resolve.minute_segments) of the windows whose slots are not known yet, made at
        once (a structure's 36 months: one grid, not 36) and kept until each window's slots take them."""
        key = self.request_key(model_id, request)
        todo = [w for w in windows if (key, w) not in self._slots and (key, w) not in self._clock_pieces]
        if not todo:
            return
        try:
            found = minute_segments_of(self.table, model_id, todo, request)
        except CostcalcError:
            return  # each window's slots meet it again, and name the profile, model and month
        self._clock_pieces.update(((key, w), pieces) for w, pieces in zip(todo, found))

    def slots(self, model_id: str, ym: tuple[int, int], window: tuple[datetime, datetime],
              request: Request) -> list[_Slot]:
        key = (self.request_key(model_id, request), window)
        cached = self._slots.get(key)
        if cached is not None:
            return cached
        pieces, gaps = self._pieces(model_id, ym, window, request)
        grouped: dict[tuple, list] = {}
        for span, res in pieces:
            entry = grouped.get(res.key)  # remembered on the Resolution (one object for many pieces)
            if entry is None:
                grouped[res.key] = [res, [span]]
            else:
                entry[1].append(span)
        out = []
        for res, spans in grouped.values():
            ranges = self._ranges.setdefault(tuple(spans), tuple(spans))
            ids = self._line_ids_of(res)
            out.append(_Slot(dict(ids),
                             Decimal(sum(b - a for a, b in spans)), ranges,
                             self.month_minute(ym) + spans[0][0], self.month_minute(ym) + spans[-1][1]))
        self._slots[key] = out
        self._gaps[key] = tuple(gaps)
        return out

    def _pieces(self, model_id: str, ym: tuple[int, int], window: tuple[datetime, datetime],
                request: Request) -> tuple[list[tuple[tuple[int, int], Any]], list]:
        """The priced pieces of a month window in order, as ((first, end minute from the month's start),
        Resolution), and its stretches without a price (before launch, after retirement), with their reason."""
        key = (self.request_key(model_id, request), window)
        found = self._clock_pieces.pop(key) if key in self._clock_pieces else \
            minute_segments(self.table, model_id, window[0], window[1], request)
        if found is not None:  # a clock rule read in UTC: every piece in minutes at once (~90 a month)
            month = self.month_minute(ym)
            cuts, answers = found
            return [((a - month, b - month), res) for a, b, res in zip(cuts, cuts[1:], answers)], []
        month0 = cal.month_start(*ym)
        pieces, gaps = [], []
        # the pieces follow each other: a piece starts at the minute the one before ended (a clock rule cuts a
        # month into dozens of pieces: each instant is turned into minutes once)
        previous, minute = None, 0
        for a, b, res in segments(self.table, model_id, window[0], window[1], request, errors="return"):
            first = minute if a == previous else cal.minutes(month0, a)
            previous, minute = b, cal.minutes(month0, b)
            if isinstance(res, CostcalcError):
                if not isinstance(res, (NotLaunchedError, RetiredModelError)):
                    raise res  # a gap in the table or an ambiguity: the table is wrong, say so
                gaps.append((a, b) + self._gap_reason(model_id, res))
            else:
                pieces.append(((first, minute), res))
        return pieces, gaps

    def _line_ids_of(self, res) -> dict[str, int]:
        """component -> line id of a Resolution's lines (rule label, component, rate, provider, list rate,
        native rates): made once per Resolution object (kept with it, so its id stays its own), which
        answers the same request class in many months."""
        found = self._res_line_ids.get(id(res))
        if found is not None and found[0] is res:
            return found[1]
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
        self._res_line_ids[id(res)] = (res, ids)
        return ids

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

    def hour_counts(self, rows: list[tuple[_Slot, tuple[int, int]]], tz: str,
                    dtype: type = np.int64) -> tuple[np.ndarray, np.ndarray]:
        """Minutes per hour of the week in `tz` of each distinct (slot ranges, month) of `rows`, as a
        distinct x 168 matrix of `dtype`, and per row the position of its counts in it: what traffic weights
        multiply (projection/structures.weighted_minutes), once per distinct row (structures of other tiers
        and models share most of them: 576 distinct of 3,312 rows in a 36-month projection; a matrix of
        every row was megabytes of fresh pages per zone, and as many times the products). Cached per minute
        ranges, month and zone; the rows not seen yet are counted together (calendar.hour_counts)."""
        known = self._counts
        positions: dict[tuple, int] = {}  # each distinct row's position, in the order first met
        index = np.empty(len(rows), dtype=np.int64)
        missing: dict[tuple, tuple] = {}  # the distinct rows not counted before
        for row, (slot, ym) in enumerate(rows):
            key = (id(slot.ranges), ym, tz)
            position = positions.get(key)
            if position is None:
                position = positions[key] = len(positions)
                if key not in known:
                    missing[key] = (ym, slot.ranges)
            index[row] = position
        if missing:
            known.update(zip(missing, cal.hour_counts(tz, list(missing.values()))))
        if not positions:
            return np.zeros((0, cal.HOURS_PER_WEEK), dtype=dtype), index
        return np.stack([known[key] for key in positions], dtype=dtype), index  # made in dtype: no int64 copy

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
                found = _dot(cal.hour_runs(tz, *ym)[2], self._scaled(weights, weights_id))
            self._weighted[key] = found
        return found

    def _scaled(self, weights: tuple[Decimal, ...], weights_id: int) -> tuple[np.ndarray, int, list[int]]:
        """The weights as integers times 10**places, so a dot product is exact integer arithmetic."""
        found = self._int_weights.get(weights_id)
        if found is None:
            # 168 weights of a few distinct values: exponents and scaled integers once per distinct one
            # the distinct objects (traffic_weights' shapes share their products: listed when made)
            known = self._distinct.get(id(weights))
            distinct = known[1] if known is not None and known[0] is weights else \
                list({id(w): w for w in weights}.values())
            exponents = {w.as_tuple().exponent for w in distinct}
            finite = [e for e in exponents if isinstance(e, int)]
            places = max(0, -min(finite)) if len(finite) == len(exponents) else \
                max(max(decimal_places(w), 0) for w in distinct)  # not finite: decimal_places says so
            memo = {id(w): int(w.scaleb(places)) for w in distinct}
            ints = [memo[id(w)] for w in weights]
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


def _slots(projector: _Projector, model_id: str, model_name: str, profile: Profile, ym, window,
           request: Request) -> list[_Slot]:
    try:
        return projector.slots(model_id, ym, window, request)
    except CostcalcError as exc:
        raise type(exc)(f"profile {profile.name}, model {model_name}, {cal.month_label(*ym)}: {exc}") \
            from None


def _span(months: list[str]) -> int:
    """Calendar months from the first to the last label, inclusive (2026-10, 2026-12 -> 3)."""
    (y0, m0), (y1, m1) = ((int(t[:4]), int(t[5:7])) for t in (months[0], months[-1]))
    return (y1 - y0) * 12 + m1 - m0 + 1
