"""Resolutions remembered per table, keyed by what they can depend on, so a repeated question is a dict look-up.

A Resolution depends on the model asked for, the request's tier, residency and scenario, the class of its
prompt size (which side of each cliff it is on) and the instant. The instant matters only through:

- the price segment it falls in: between two consecutive instants where a rule, modifier, fee or route
  of the model (or a model it is routed to) starts or ends, it launches or it retires (`change_instants`,
  the same instants `resolve.boundaries` cuts a period at);
- for rules with clock conditions (DeepSeek's peak and off-peak hours, weekends, holidays), the local
  weekday and which window edges the local time of day lies between, in each zone such a rule reads, and
  whether the day is a holiday in each calendar one names.

`Timeline.state(at)` is that tuple. Two instants with the same state get the same rules, modifiers, route
and fees from `resolve`, so an answer remembered for one is right for the other (tests/test_resolve_memo.py
checks both sides of every change instant and clock edge, remembered against computed afresh). Errors are
never remembered: their messages name the instant and the prompt.

The memo lives on the table object (PriceTable.memo) and dies with it: a loaded table is never changed (its
mappings are read-only), so nothing remembered can go stale. It holds at most MAX_RESOLUTIONS answers and
is emptied when full: a usage log over many models and years stays bounded. Pure: nothing here reads the
clock or files.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator
from datetime import date, datetime, tzinfo

from ..calendar import zone
from .model import Conditions, Model, PriceTable

MAX_RESOLUTIONS = 16_384  # enough for every model x tier x prompt class x segment a year of quotes meets
_UTC_NAMES = ("UTC", "Etc/UTC")  # read as the instant itself: no zone conversion per call


def route_closure(table: PriceTable, model: Model) -> Iterator[Model]:
    """`model` and every model it may be routed to, at any time, each once."""
    seen: set[str] = set()
    pending = [model]
    while pending:
        current = pending.pop()
        if current.id in seen:
            continue
        seen.add(current.id)
        yield current
        pending.extend(table.models[route.billed_as] for route in current.routes)


def change_instants(table: PriceTable, model: Model) -> tuple[set[datetime], list[Conditions]]:
    """(every dated instant where something about `model`'s price may change, the conditions of its rules
    and modifiers that also read the local clock or calendar), following routes. Routes and fees have no
    clock conditions (the loader allows only from/until on them)."""
    points: set[datetime] = set()
    clocked: list[Conditions] = []
    for current in route_closure(table, model):
        if current.retired:
            points.add(current.retired.at)
        if current.launched:
            points.add(current.launched)
        for item in current.routes + current.fees + current.rules + current.modifiers:
            points.update(p for p in (item.when.start, item.when.end) if p)
            if item.when.has_clock:
                clocked.append(item.when)
    return points, clocked


class Timeline:
    """What the instant can change about one model's price (see the module docstring): `state(at)` is
    equal for two instants when all that is equal. Likewise for prompts, the class of a prompt of N
    tokens is bisect_right(thresholds, N): prompts between two thresholds match the same rules."""

    __slots__ = ("calendars", "dated_only", "instants", "thresholds", "utc_minutes", "zones")

    def __init__(self, table: PriceTable, model: Model, thresholds: list[int]):
        points, clocked = change_instants(table, model)
        self.instants = sorted(points)
        self.thresholds = thresholds
        edges: dict[str, set[int]] = {}
        calendars: dict[str, None] = {}
        for when in clocked:
            if when.hours is not None or when.weekdays is not None:
                minutes = edges.setdefault(when.timezone, set())
                for window in when.hours or ():
                    minutes.update((window.start_minute, window.end_minute))
            if when.holiday_calendar is not None:
                calendars[when.holiday_calendar] = None
        # (zone, or None for UTC, sorted window edges in minutes after local midnight) per zone read
        self.zones: tuple[tuple[tzinfo | None, list[int]], ...] = tuple(
            (None if name in _UTC_NAMES else zone(name), sorted(minutes)) for name, minutes in sorted(edges.items()))
        self.calendars: tuple[tuple[tzinfo, frozenset[date]], ...] = tuple(
            (zone(table.calendars[name].timezone), table.calendars[name].dates) for name in calendars)
        # no clock conditions: the state is the segment alone (resolve.remembered skips the call)
        self.dated_only = not self.zones and not self.calendars
        # clock conditions read in UTC alone (DeepSeek's off-peak hours): state() makes its tuple directly,
        # the same tuple as the general loop's, without the list (a third of the benchmark's records)
        self.utc_minutes = self.zones[0][1] if len(self.zones) == 1 and self.zones[0][0] is None and \
            not self.calendars else None

    def state(self, at: datetime) -> int | tuple:
        """The price segment of `at` (UTC), with the local clock readings clock conditions depend on."""
        segment = bisect_right(self.instants, at)
        if self.dated_only:
            return segment
        minutes = self.utc_minutes
        if minutes is not None:
            return (segment, at.weekday(), bisect_right(minutes, at.hour * 60 + at.minute))
        parts: list = [segment]
        for tz, minutes in self.zones:
            local = at if tz is None else at.astimezone(tz)
            parts += (local.weekday(), bisect_right(minutes, local.hour * 60 + local.minute))
        for tz, dates in self.calendars:
            parts.append(at.astimezone(tz).date() in dates)
        return tuple(parts)


def timeline(table: PriceTable, model_id: str, thresholds: Callable[[], list[int]]) -> Timeline:
    """The table's Timeline of `model_id`, built once; `thresholds()` gives its prompt thresholds."""
    timelines = table.memo.setdefault("timelines", {})
    found = timelines.get(model_id)
    if found is None:
        found = timelines[model_id] = Timeline(table, table.models[model_id], thresholds())
    return found


def resolutions(table: PriceTable) -> dict:
    """The table's remembered resolutions (key -> Resolution); callers add with `remember`."""
    found = table.memo.get("resolutions")
    if found is None:
        found = table.memo["resolutions"] = {}
    return found


def remember(memo: dict, key: tuple, value: object) -> None:
    if len(memo) >= MAX_RESOLUTIONS:
        memo.clear()  # bounded; the answers still needed come back on their next call
    memo[key] = value
