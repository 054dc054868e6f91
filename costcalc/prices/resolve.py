"""Which rates apply to a request: model lookup, dated routing, rule matching, modifiers; answers are
remembered per table (memo.py).

Pure computation: the instant and the request arrive as arguments; nothing here reads the clock or files.
"""

from __future__ import annotations

import difflib
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from itertools import pairwise

from ..calendar import local_clock_instants
from ..errors import (AmbiguousPriceError, CostcalcError, NoPriceError, NotLaunchedError, RetiredModelError,
                      UnknownModelError, shown)
from .memo import change_instants, remember, resolutions, timeline
from .model import (COMPONENTS, RATE_FALLBACK, SCENARIOS, TIER_ALIASES, TIERS, Fee, Model, Modifier,
                    PriceTable, Rule)

_MAX_ROUTE_HOPS = 8


@dataclass(frozen=True)
class Request:
    """What a price depends on besides the instant."""

    prompt_tokens: int = 0  # every input kind together: it selects cliff tiers
    tier: str = "standard"
    residency: bool = False
    scenario: str = "actual"


@dataclass(frozen=True)
class Resolution:
    """The rates in force for one model, instant and request, and the rules that produced them."""

    model: str  # the id asked for (after alias lookup)
    billed_model: Model  # the model whose prices apply (differs when routed)
    rule: Rule
    modifiers: tuple[Modifier, ...]
    rates: dict[str, Decimal]  # every component, USD per 1M tokens, modifiers applied
    fees: tuple[Fee, ...] = ()  # per-call tool fees of the billed model in force, one per tool

    def fee(self, tool: str) -> Fee | None:
        return next((f for f in self.fees if f.tool == tool), None)

    @property
    def fee_label(self) -> str:
        """The `rule` of fee lines: `fee`, prefixed by the billed model when routed (`deepseek-flash:fee`).
        A fee does not depend on the token rule (peak, promo, ...), so its lines do not split by it."""
        return "fee" if self.billed_model.id == self.model else f"{self.billed_model.id}:fee"

    def no_fee_message(self, tool: str, at: datetime) -> str:
        """Why a tool's calls have no price: the model and the tools it does price at that instant."""
        priced = ", ".join(f.tool for f in self.fees)
        billed = f" (billed as {self.billed_model.id})" if self.billed_model.id != self.model else ""
        at = _utc(at)
        # fees have no clock conditions (the loader allows only from/until): no calendars needed
        native = next((f for f in self.billed_model.fees if f.tool == tool and not f.priced_in_usd
                       and f.when.matches_time(at, {})), None)
        if native is not None:
            return (f"{self.model}{billed} publishes its {tool} fee at {at:%Y-%m-%d %H:%MZ} only in "
                    f"{native.native_text()} per 1,000 calls, with no USD price: the calls cannot be priced in USD")
        return (f"{self.model}{billed} has no {tool} fee at {at:%Y-%m-%d %H:%MZ}; "
                + (f"it prices calls of: {priced}" if priced else "it prices no tool calls then"))

    @cached_property
    def label(self) -> str:  # remembered: a remembered Resolution labels every line of every quote it prices
        """e.g. `promo`, `peak+batch`, `list+long-context+residency`, `deepseek-flash:off-peak` (routed)."""
        text = "+".join((self.rule.label,) + tuple(m.label for m in self.modifiers))
        if self.billed_model.id != self.model:
            text = f"{self.billed_model.id}:{text}"
        return text

    @cached_property
    def key(self) -> tuple:  # remembered: segments compares the keys of neighbouring pieces (thousands a month)
        return (self.billed_model.id, self.rule.key) + tuple(m.key for m in self.modifiers) + \
            tuple(f.key for f in self.fees)

    @property
    def discounted(self) -> bool:
        return any(m.kind == "discount" for m in self.modifiers)

    def native_rates(self, currency: str, discounts: bool = True) -> dict[str, Decimal] | None:
        """The provider's own prices in `currency` for this request (modifiers applied alike; without
        negotiated discounts when `discounts` is False), or None when the rule publishes none in it."""
        rates = self.rule.native.get(currency)
        if rates is None:
            return None
        return _apply(rates, self.modifiers if discounts else
                      tuple(m for m in self.modifiers if m.kind != "discount"))

    @property
    def list_rates(self) -> dict[str, Decimal]:
        """The rates before negotiated discounts (an overlay's `discounts:`): the published price of
        this request (FinOps FOCUS ListUnitPrice)."""
        if not self.discounted:
            return self.rates
        return effective_rates(self.rule, tuple(m for m in self.modifiers if m.kind != "discount"))


def normalize_tier(tier: str) -> str:
    tier = TIER_ALIASES.get(tier, tier)
    if tier not in TIERS:
        raise NoPriceError(f"unknown service tier {tier!r}; allowed: {', '.join(TIERS)} (fast = priority)")
    return tier


def lookup(table: PriceTable, name: str, suggest: bool = True) -> Model:
    """A model by id, alias or provider-qualified id (`openrouter/deepseek/deepseek-v4-pro`). An unknown
    name's error suggests the nearest names unless `suggest` is False (a caller trying candidates)."""
    model_id = name if name in table.models else table.aliases.get(name)
    if model_id is None:
        names = sorted(set(table.models) | set(table.aliases))
        # no model id is long: a suggestion for a huge name would cost time and say nothing
        near = difflib.get_close_matches(name, names, n=3, cutoff=0.5) if suggest and len(name) <= 200 else []
        tip = f"; did you mean {', '.join(near)}?" if near else "; `costcalc prices list` shows them all"
        raise UnknownModelError(f"unknown model {shown(name)}{tip}")
    return table.models[model_id]


def resolve(table: PriceTable, name: str, at: datetime, request: Request = Request()) -> Resolution:
    """The rates in force for `name` at instant `at` (aware) for `request`. Remembered per table: a
    question that differs from an earlier one only in what cannot change the answer (the instant within
    the same price segment and clock reading, the prompt within the same cliff class) is a look-up
    (memo.py says exactly what the key holds and why that is enough)."""
    if request.scenario not in SCENARIOS:
        raise NoPriceError(f"unknown scenario {request.scenario!r}; allowed: {', '.join(SCENARIOS)}")
    return remembered(table, lookup(table, name), _utc(at), request.prompt_tokens, request.tier,
                      request.residency, request.scenario)


def remembered(table: PriceTable, asked: Model, at: datetime, prompt_tokens: int, tier: str, residency: bool,
               scenario: str) -> Resolution:
    """`resolve` for a model already looked up and an instant already in UTC, its request as values (the
    per-record quote path makes no Request): the remembered Resolution, or a new one remembered."""
    key = memo_key(table, asked, at, prompt_tokens, tier, residency, scenario)
    try:
        return table.memo["resolutions"][key]
    except KeyError:
        return remembered_afresh(table, asked, at, prompt_tokens, tier, residency, scenario, key)


def memo_key(table: PriceTable, asked: Model, at: datetime, prompt_tokens: int, tier: str, residency: bool,
             scenario: str) -> tuple:
    """What the Resolution of this question depends on (memo.py): equal keys, equal answers."""
    try:  # inline (not _timeline): the per-call resolve path
        line = table.memo["timelines"][asked.id]
    except KeyError:
        line = timeline(table, asked.id, lambda: prompt_thresholds(table, asked.id))
    return (asked.id, tier, residency, scenario, bisect_right(line.thresholds, prompt_tokens),  # prompt class
            bisect_right(line.instants, at) if line.dated_only else line.state(at))


def remembered_afresh(table: PriceTable, asked: Model, at: datetime, prompt_tokens: int, tier: str,
                      residency: bool, scenario: str, key: tuple) -> Resolution:
    """The Resolution computed from the rules and remembered under `key` (an error is raised before)."""
    found = resolve_afresh(table, asked.id, at, Request(prompt_tokens, tier, residency, scenario))
    remember(resolutions(table), key, found)
    return found


def resolve_afresh(table: PriceTable, name: str, at: datetime, request: Request = Request()) -> Resolution:
    """`resolve` computed from the rules, remembering nothing (what the memo is checked against)."""
    if request.scenario not in SCENARIOS:
        raise NoPriceError(f"unknown scenario {request.scenario!r}; allowed: {', '.join(SCENARIOS)}")
    asked = lookup(table, name)
    at = _utc(at)
    chain = _route_chain(table, asked, at)
    model = chain[-1]
    tier = normalize_tier(request.tier)
    if tier not in model.tiers:
        raise NoPriceError(f"{model.id} offers no {tier} tier; offered: {', '.join(model.tiers)}")
    if request.residency and not model.residency:
        raise NoPriceError(f"{model.id} has no data-residency pricing")
    req = Request(request.prompt_tokens, tier, request.residency, request.scenario)
    # A negotiated discount on the model asked for (or a hop on the way) follows it when it is routed.
    inherited = tuple(m for hop in chain[:-1] for m in hop.modifiers if m.kind == "discount")
    return _resolve_in(table, asked.id, model, at, req, inherited)


def _utc(at: datetime) -> datetime:
    if at.tzinfo is timezone.utc:
        return at
    if at.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return at.astimezone(timezone.utc)


def _route_chain(table: PriceTable, model: Model, at: datetime) -> list[Model]:
    """The model asked for and every model it is billed as at `at`, following dated routes
    (deepseek-chat -> deepseek-v4-flash -> deepseek-flash) and refusing retired ones. Last = billed."""
    if model.launched is not None and at < model.launched:
        raise NotLaunchedError(f"{model.id} launched at {model.launched:%Y-%m-%d %H:%MZ}; it has no price "
                               f"before then (asked for {at:%Y-%m-%d %H:%MZ})")
    chain = [model]
    for _ in range(_MAX_ROUTE_HOPS):
        if model.retired is not None and at >= model.retired.at:
            raise RetiredModelError(
                f"{model.id} was retired at {model.retired.at:%Y-%m-%d %H:%MZ}; "
                f"use {model.retired.replacement} instead")
        route = next((r for r in model.routes if r.when.matches_time(at, table.calendars)), None)
        if route is None:
            return chain
        model = table.models[route.billed_as]
        chain.append(model)
    raise NoPriceError(f"routing from {model.id} does not end after {_MAX_ROUTE_HOPS} hops")


def matching_rules(table: PriceTable, model: Model, at: datetime, req: Request) -> tuple[list[Rule],
                                                                                           list[Rule]]:
    """(base rules, promotions) of `model` that match. Lint uses this to find overlaps and gaps."""
    bases: list[Rule] = []
    promos: list[Rule] = []
    for rule in model.rules:
        if rule.when.matches_request(req.prompt_tokens, req.tier, req.residency) and \
                rule.when.matches_time(at, table.calendars):
            (promos if rule.is_promotion else bases).append(rule)
    return bases, promos


def _where(rule: Rule) -> str:
    """`file:line: ` of a rule, for errors about the table itself (an overlay's two overlapping rules)."""
    if not rule.file:
        return ""
    return f"{rule.file}:{rule.line}: " if rule.line else f"{rule.file}: "


def _resolve_in(table: PriceTable, asked: str, model: Model, at: datetime, req: Request,
                inherited: tuple[Modifier, ...] = ()) -> Resolution:
    bases, promos = matching_rules(table, model, at, req)
    if len(bases) > 1:
        raise AmbiguousPriceError(f"{_where(bases[1])}{model.id}: rules {bases[0].key} and {bases[1].key} both "
                                  f"match {at:%Y-%m-%d %H:%MZ}; the price table needs fixing")
    if not bases:
        raise NoPriceError(_no_price_message(model, at, req))
    rule = bases[0]
    if req.scenario == "actual" and promos:
        if len(promos) > 1:
            raise AmbiguousPriceError(f"{_where(promos[1])}{model.id}: promotions {promos[0].key} and "
                                      f"{promos[1].key} both match {at:%Y-%m-%d %H:%MZ}")
        rule = promos[0]
    mods = tuple(m for m in model.modifiers + inherited
                 if m.when.matches_request(req.prompt_tokens, req.tier, req.residency)
                 and m.when.matches_time(at, table.calendars))
    if req.residency and not any(m.when.residency for m in mods) and rule.when.residency is not True:
        raise NoPriceError(f"{model.id} has no data-residency price at {at:%Y-%m-%d %H:%MZ}")
    return Resolution(asked, model, rule, mods, effective_rates(rule, mods), fees_at(table, model, at))


def fees_at(table: PriceTable, model: Model, at: datetime, usd_only: bool = True) -> tuple[Fee, ...]:
    """The per-call fees of `model` in force at `at`, in table order, one per tool. With `usd_only` (what
    a Resolution holds), a fee published only in another currency is left out: its calls have no USD price."""
    found: dict[str, Fee] = {}
    for fee in model.fees:
        if fee.when.matches_time(at, table.calendars):
            if fee.tool in found:
                raise AmbiguousPriceError(f"{model.id}: fees {found[fee.tool].key} and {fee.key} both price "
                                          f"{fee.tool} at {at:%Y-%m-%d %H:%MZ}; the price table needs fixing")
            found[fee.tool] = fee
    return tuple(f for f in found.values() if f.priced_in_usd or not usd_only)


def effective_rates(rule: Rule, modifiers: tuple[Modifier, ...]) -> dict[str, Decimal]:
    return _apply(rule.rates, modifiers)


def _apply(given: dict[str, Decimal], modifiers: tuple[Modifier, ...]) -> dict[str, Decimal]:
    """Every component's rate from the rates a rule gives (fallbacks filled in), modifiers applied."""
    rates = {}
    for component in COMPONENTS:
        rate = given.get(component)
        if rate is None:
            rate = given[RATE_FALLBACK[component]]
        for mod in modifiers:
            # A component billed like another (reasoning as output, cache writes as input) follows that
            # component's multiplier unless the modifier names it: GPT-5.5's long-context x1.5 on output
            # applies to its reasoning tokens too.
            factor = mod.factors.get(component, mod.factors.get(RATE_FALLBACK.get(component, component)))
            if factor is not None:
                rate *= factor
        rates[component] = rate
    return rates


def _no_price_message(model: Model, at: datetime, req: Request) -> str:
    relevant = [r for r in model.rules if r.when.matches_request(req.prompt_tokens, req.tier, req.residency)]
    starts = [r.when.start for r in relevant]
    dated = [s for s in starts if s is not None]
    if dated and len(dated) == len(starts) and at < min(dated):
        return f"{model.id} has no price before {min(dated):%Y-%m-%d %H:%MZ} (the table starts there)"
    extra = []
    if req.tier != "standard":
        extra.append(f"tier {req.tier}")
    if req.prompt_tokens:
        extra.append(f"a {req.prompt_tokens:,}-token prompt")
    what = " with " + " and ".join(extra) if extra else ""
    hint = ""
    capped = [r.when.prompt_tokens_at_most for r in model.rules
              if r.when.prompt_tokens_at_most is not None and r.when.matches_request(0, req.tier, req.residency)]
    if capped and req.prompt_tokens > max(capped):
        limit = max(capped)
        hint = (f" (the {req.tier} tier is priced only for prompts up to {limit:,} tokens: use another tier "
                f"for longer prompts)")
    return f"{model.id} has no published price{what} at {at:%Y-%m-%d %H:%MZ}{hint}"


# -- time segments ----------------------------------------------------------------------------------

def boundaries(table: PriceTable, model: Model, start: datetime, end: datetime) -> list[datetime]:
    """Every instant in (start, end) where something about `model`'s price may change: effective dates
    of rules, modifiers, fees, routes, launch and retirement (following routes), and for clock-based rules
    each local midnight and window edge in the rule's own time zone. Remembered per table, model and
    period (like resolutions, memo.py): a projection asks for the same model's period once per profile and
    request kind, and a clock-based model's period has two cuts a day for every day."""
    key = (model.id, start, end)
    memo = table.memo.setdefault("boundaries", {})
    found = memo.get(key)
    if found is None:
        found = tuple(_boundaries(table, model, start, end))
        remember(memo, key, found)
    return list(found)


def _boundaries(table: PriceTable, model: Model, start: datetime, end: datetime) -> list[datetime]:
    points, clocked = change_instants(table, model)
    for when in clocked:
        lo = max(start, when.start) if when.start else start
        hi = min(end, when.end) if when.end else end
        if lo < hi:
            points.update(_clock_points(when, lo, hi, table))
    return sorted(p for p in points if start < p < end)


def _clock_points(when, lo: datetime, hi: datetime, table: PriceTable) -> set[datetime]:
    """Local midnights and window edges of a clock-based rule, in its zone and its holiday calendar's."""
    zones = {when.timezone}
    if when.holiday_calendar:
        zones.add(table.calendars[when.holiday_calendar].timezone)
    minutes = {0}
    for w in when.hours or ():
        minutes.update((w.start_minute, w.end_minute % 1440))
    return local_clock_instants(zones, minutes, lo, hi)


def segments(table: PriceTable, name: str, start: datetime, end: datetime,
             request: Request = Request(), errors: str = "raise"
             ) -> list[tuple[datetime, datetime, Resolution | CostcalcError]]:
    """Split [start, end) into pieces with one Resolution each; adjacent equal pieces are merged.
    errors="raise": raise the error `resolve` would for the first instant it cannot price.
    errors="return": such a piece carries the error instead (re-pricing logs reports the records in
    it and goes on; an equal error on adjacent pieces is merged like a Resolution)."""
    asked = lookup(table, name)
    start, end = _utc(start), _utc(end)
    cuts = [start] + boundaries(table, asked, start, end) + [end]
    out: list[tuple[datetime, datetime, Resolution | CostcalcError]] = []
    resolve_at = _resolver(table, asked, request)
    for a, b in pairwise(cuts):
        res: Resolution | CostcalcError
        try:
            res = resolve_at(a)
        except CostcalcError as exc:
            if errors == "raise":
                raise
            res = exc
        if out and _same(out[-1][2], res):
            out[-1] = (out[-1][0], b, out[-1][2])
        else:
            out.append((a, b, res))
    return out


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MINUTE = timedelta(minutes=1)


def minute_segments(table: PriceTable, name: str, start: datetime, end: datetime, request: Request = Request()
                    ) -> tuple[list[int], list[Resolution]] | None:
    """segments(table, name, start, end, request) in epoch minutes, for a model whose clock rules all read the
    UTC clock (DeepSeek's off-peak hours: ~90 pieces a month): (the cuts, from start to end; the Resolution of
    each piece between two cuts), made with numpy from the day's grid of window edges and each piece's
    Timeline state (memo.py) as one integer, instead of one instant at a time; a Resolution per distinct
    state, remembered per request class (the states of every month are the same few dozen). None where that
    does not apply: no such clock, another zone or a holiday calendar, an instant off the whole minute, or a
    piece without a price (`segments` says which, with its own instant).
    tests/test_projection_equality.py holds it to segments for every model of the bundled table."""
    return minute_segments_of(table, name, [(start, end)], request)[0]


def minute_segments_of(table: PriceTable, name: str, windows: Sequence[tuple[datetime, datetime]],
                       request: Request = Request()) -> list[tuple[list[int], list[Resolution]] | None]:
    """minute_segments of each window (start, end) of `windows` (ordered, not overlapping: a projection's
    month windows), made at once: one grid of cuts over them all and one pass over its pieces (per window
    they were a dozen numpy calls each, most of a small projection's price lookups). A window's pieces are
    cut where its own would be, and perhaps at a few more instants (the grid's edges from a day next to a
    dated clock condition that does not reach the window): a piece cut there has the state, so the
    Resolution key, of its neighbour and merges back into it, so each window's answer is minute_segments'
    own. None for a window where minute_segments gives None."""
    import numpy as np  # lazy: the quote path starts without numpy

    asked = lookup(table, name)
    clock = _minute_clock(table, asked)
    if clock is None or request.scenario not in SCENARIOS:
        return [None] * len(windows)
    bounds = _minute_bounds(windows)
    wanted = [b for b in bounds if b is not None]
    if not wanted:
        return [None] * len(windows)
    points, clocked, instants, edges = clock
    first, last = min(a for a, _ in wanted), max(b for _, b in wanted)
    cut_parts = [points, np.array([m for b in wanted for m in b], dtype=np.int64)]
    for since, until, day_edges in clocked:  # as _clock_points: the edges of each day from the day before lo
        lo = max(first, since) if since is not None else first  # to the day after hi
        hi = min(last, until) if until is not None else last
        if lo < hi:
            days = np.arange(lo // 1440 - 1, hi // 1440 + 2, dtype=np.int64)
            cut_parts.append((days[:, None] * 1440 + day_edges[None, :]).ravel())
    cuts = np.sort(np.concatenate(cut_parts))  # a sort, not np.unique: its hash was most of this function's time
    cuts = cuts[(cuts >= first) & (cuts <= last) & np.r_[True, cuts[1:] != cuts[:-1]]]
    starts = cuts[:-1]
    # Timeline.state of each piece's first instant, (price segment, weekday, window-edge bucket), as one code
    states = (np.searchsorted(instants, starts, side="right") * 7 + (starts // 1440 + 3) % 7) * (len(edges) + 1) \
        + np.searchsorted(edges, starts % 1440, side="right")  # 1970-01-01 was a Thursday: weekday 3
    # each window's pieces: its first cut's piece to the piece before its last cut
    window_pieces = [None if b is None else np.searchsorted(cuts, b).tolist() for b in bounds]
    inside = np.zeros(len(starts), dtype=bool)  # pieces between windows (months not asked) are not resolved
    for found in window_pieces:
        if found is not None:
            inside[found[0]:found[1]] = True
    codes, where, state_of = np.unique(np.where(inside, states, -1), return_index=True, return_inverse=True)
    answers, failed = _state_answers(table, asked, request, codes.tolist(), [_EPOCH + int(starts[i]) * _MINUTE
                                                                               for i in where.tolist()])
    keys: dict[tuple, int] = {}
    state_of = state_of.ravel()
    key_of = np.array([-1 if res is None else keys.setdefault(res.key, len(keys)) for res in answers],
                      dtype=np.int64)[state_of]
    # adjacent pieces of one key merge, as in segments (_same: equal keys), within a window; a run's answer is
    # its first piece's
    run_starts = np.flatnonzero(np.r_[True, key_of[1:] != key_of[:-1]]).tolist()
    no_price = np.r_[0, np.cumsum(np.isin(state_of, failed))].tolist()  # pieces without a price before each
    cut_list, state_list = cuts.tolist(), state_of.tolist()
    out: list[tuple[list[int], list[Resolution]] | None] = []
    for found in window_pieces:
        if found is None or no_price[found[1]] > no_price[found[0]]:
            out.append(None)
            continue
        a, b = found
        runs = run_starts[bisect_right(run_starts, a):bisect_right(run_starts, b - 1)]
        runs.insert(0, a)  # a window's first piece starts a run of its own
        out.append(([cut_list[i] for i in runs] + [cut_list[b]], [answers[state_list[i]] for i in runs]))
    return out


def _minute_bounds(windows: Sequence[tuple[datetime, datetime]]) -> list[tuple[int, int] | None]:
    """Each window's (start, end) in epoch minutes, None for one off the whole minute."""
    out: list[tuple[int, int] | None] = []
    for start, end in windows:
        start, end = _utc(start), _utc(end)
        whole = not (start.second or start.microsecond or end.second or end.microsecond)
        out.append(((start - _EPOCH) // _MINUTE, (end - _EPOCH) // _MINUTE) if whole else None)
    return out


def _state_answers(table: PriceTable, asked: Model, request: Request, codes: list[int],
                   instants: list[datetime]) -> tuple[list[Resolution | None], list[int]]:
    """The Resolution of each Timeline state code (resolved at its first piece's instant, remembered per
    request class), None for code -1 (no piece asked) and for a state without a price; and the positions of
    those without a price."""
    prompt_class = bisect_right(_timeline(table, asked).thresholds, request.prompt_tokens)
    known = table.memo.setdefault("minute states", {}).setdefault(
        (asked.id, request.tier, request.residency, request.scenario, prompt_class), {})
    resolve_at = None
    answers: list[Resolution | None] = []
    failed = []
    for position, (code, at) in enumerate(zip(codes, instants)):
        res = known.get(code) if code >= 0 else None
        if res is None and code >= 0:
            resolve_at = resolve_at or _resolver(table, asked, request)
            try:
                res = known[code] = resolve_at(at)
            except CostcalcError:
                failed.append(position)
        answers.append(res)
    return answers, failed


def _minute_clock(table: PriceTable, asked: Model) -> tuple | None:
    """What minute_segments reads of a model, in epoch minutes (numpy arrays), once per table: (its change
    instants; (start or None, end or None, a day's window edges) of each clock condition; its Timeline's
    instants and edges), or None when its clock is not UTC's alone or an instant is off the whole minute."""
    import numpy as np  # lazy: as minute_segments

    memo = table.memo.setdefault("minute clocks", {})
    if asked.id in memo:
        return memo[asked.id]
    line = _timeline(table, asked)
    points, clocked = change_instants(table, asked)
    found = None
    if line.utc_minutes is not None and not any(at.second or at.microsecond for at in points):
        def minute(at):
            return None if at is None else (at - _EPOCH) // _MINUTE
        def day_edges(when) -> np.ndarray:  # as _clock_points: midnight and each window's edges
            return np.array(sorted({0} | {m for w in when.hours or () for m in (w.start_minute, w.end_minute % 1440)}),
                            dtype=np.int64)
        found = (np.array(sorted(minute(at) for at in points), dtype=np.int64),
                 [(minute(when.start), minute(when.end), day_edges(when)) for when in clocked],
                 np.array([minute(at) for at in line.instants], dtype=np.int64),
                 np.array(line.utc_minutes, dtype=np.int64))
    memo[asked.id] = found
    return found


def _timeline(table: PriceTable, asked: Model):
    """The table's Timeline of a model (memo.timeline), from its memo when already built."""
    try:
        return table.memo["timelines"][asked.id]
    except KeyError:
        return timeline(table, asked.id, lambda: prompt_thresholds(table, asked.id))


def _resolver(table: PriceTable, asked: Model, request: Request) -> Callable[[datetime], Resolution]:
    """resolve(table, asked.id, at, request) as a function of the instant alone, for the pieces of one period:
    the model, the request's checks and every part of the memo key but the instant's state found once
    (a clock rule cuts a month into a hundred pieces; memo_key per piece was most of their time)."""
    if request.scenario not in SCENARIOS:
        return lambda at: resolve(table, asked.id, at, request)  # raises as resolve does
    line = _timeline(table, asked)
    prompt, tier, residency, scenario = request.prompt_tokens, request.tier, request.residency, request.scenario
    prefix = (asked.id, tier, residency, scenario, bisect_right(line.thresholds, prompt))  # as memo_key's
    memo = resolutions(table)

    def at_instant(at: datetime) -> Resolution:
        at = _utc(at)
        key = prefix + (bisect_right(line.instants, at) if line.dated_only else line.state(at),)
        found = memo.get(key)
        return found if found is not None else \
            remembered_afresh(table, asked, at, prompt, tier, residency, scenario, key)
    return at_instant


def _same(a: Resolution | CostcalcError, b: Resolution | CostcalcError) -> bool:
    if a is b:  # a remembered Resolution is one object for all the pieces it answers
        return True
    if isinstance(a, Resolution) and isinstance(b, Resolution):
        return a.key == b.key
    return type(a) is type(b) and str(a) == str(b)


def prompt_thresholds(table: PriceTable, model_id: str) -> list[int]:
    """Sorted prompt sizes where some rule of the model (or a model it is routed to) changes: a prompt
    of T - 1 tokens and one of T may price differently. Prompts between two thresholds price alike."""
    out: set[int] = set()
    seen: set[str] = set()
    pending = [model_id]
    while pending:
        model = table.models[pending.pop()]
        if model.id in seen:
            continue
        seen.add(model.id)
        pending.extend(r.billed_as for r in model.routes)
        for item in model.rules + model.modifiers:
            for t in (item.when.prompt_tokens_above, item.when.prompt_tokens_at_most):
                if t is not None:
                    out.add(t + 1)  # class boundary: prompts >= t + 1 are "above t"
    return sorted(out)
