"""What the runs of a projection share, as arrays: a request class's slots over a profile's month windows
(Structure: one row per month and slot, with its line ids, minutes and instants), the minutes weighed by a
traffic shape, and each profile's month volumes (Volume, with ids of the distinct (V, den) pairs).
costcalc.projection.pricing prices runs from these.

Pure computation.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

import numpy as np

from .. import calendar as cal
from ..money import EXACT
from ..prices.resolve import Request
from ..workloads.model import Profile
from .projector import _Projector, _per_day_scale, _slots, _window
from .request_bins import at_case

_ONE = Decimal(1)


@dataclass
class Structure:
    """A request class's slots (model, prompt class, tier, residency) in each month of a set of month
    windows, one row per (month, slot), as arrays. Shared by every profile with those windows."""

    month: np.ndarray    # month index
    slot: np.ndarray     # the slot's position within its month
    minutes: np.ndarray  # minutes in force, untouched by traffic
    first: np.ndarray    # epoch minutes of the first and last instant in force
    last: np.ndarray
    ids: dict[str, np.ndarray]  # component -> line id per row (-1: this slot has no such line)
    slots: list          # the _Slot of each row (its minute ranges weigh traffic)
    yms: list            # (year, month) of each row
    gaps: list           # (month index, window, stretches without a price), months with any
    max_slots: int       # most slots in one month
    max_minutes: int


@dataclass
class Volume:
    """A profile's month windows and volumes: what every model it runs on shares."""

    windows: tuple               # per month index: (start, end) or None (the profile is not running)
    vids: np.ndarray             # per month index: id of (V, den) in Volumes, -1 without a window or volume
    denominators: list           # per month index: den (None without a window)


class Volumes:
    """Distinct (V, den) pairs of a projection: a month's volume numerator and denominator."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, str], int] = {}
        self.numerators: list[int] = []  # V as an integer at `places`
        self.places: list[int] = []
        self.denominators: list[Decimal] = []

    def id(self, volume: Numerator, den: Decimal, den_text: str) -> int:
        """The id of (V, den), told apart by their texts (str: 500 and 500.0 are equal, but their lines'
        digits differ), which the caller makes once per distinct value, not once per profile and month."""
        key = (volume.text, den_text)
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.numerators)
            self.numerators.append(volume.scaled)
            self.places.append(volume.places)
            self.denominators.append(den)
        return found


class Numerator(NamedTuple):
    """A month's volume numerator V (_numerators), with what Volumes keeps of it: made once per distinct
    value, which every traffic shape of the same volume and growth shares."""

    month: int  # month index
    ym: tuple[int, int]
    value: Decimal
    text: str  # as written (str)
    places: int  # its decimal places as written (_places)
    scaled: int  # value x 10^places


def month_windows(projector: _Projector, profile: Profile, month_list: list[tuple[int, int]]) -> tuple:
    """Per month: the stretch the profile runs in it (start/end dates cut the first and last), or None."""
    key = (profile.start, profile.end, profile.traffic.timezone)
    found = projector.windows.get(key)
    if found is None:
        windows = tuple(_window(profile, ym) for ym in month_list)
        # shared only when written alike, time zones included (repr): pricing reads a window's own month
        found = projector.windows[key] = projector.window_sets.setdefault(repr(windows), windows)
    return found


def volume(projector: _Projector, volumes: Volumes, profile: Profile, month_list: list[tuple[int, int]],
           start: tuple[int, int], weights: tuple | None, weights_id: int) -> Volume:
    """The profile's month volumes, computed as before (growth powers and products at 50 digits: the
    caller runs in money.DIVIDE's context)."""
    # the numbers as written (repr): 500 and 500.0 are equal, but their lines' digits differ
    key = (repr(profile.requests_per_day), repr(profile.requests_per_month), repr(profile.growth_per_month),
           profile.start, profile.end, weights_id)
    found = projector.volumes.get(key)
    if found is not None:
        return found
    windows = month_windows(projector, profile, month_list)
    vids = np.full(len(month_list), -1, dtype=np.int64)
    denominators: list = [None] * len(month_list)
    per_day = profile.requests_per_day is not None
    # per day: one denominator, and numerators that do not depend on the weights; per month: the month's
    # traffic-weighted minutes divide
    factor, day_den = _day_scale(projector, weights, weights_id) if per_day else (None, None)
    count = profile.requests_per_day if per_day else profile.requests_per_month
    day_text = None if day_den is None else str(day_den)  # one denominator per profile: its text once
    for numerator in _numerators(projector, profile, month_list, start, windows, count, factor):
        den = day_den if day_den is not None else \
            projector.month_weight(numerator.ym, profile.traffic.timezone, weights, weights_id)
        denominators[numerator.month] = den
        if numerator.value:
            vids[numerator.month] = volumes.id(numerator, den, str(den) if day_text is None else day_text)
    found = projector.volumes[key] = Volume(windows, vids, denominators)
    return found


def _day_scale(projector: _Projector, weights: tuple | None, weights_id: int) -> tuple[Decimal, Decimal]:
    """_per_day_scale once per traffic shape (its denominator adds 168 weights)."""
    key = ("day scale", weights_id)
    found = projector.volumes.get(key)
    if found is None:
        found = projector.volumes[key] = _per_day_scale(weights)
    return found


def _numerators(projector: _Projector, profile: Profile, month_list: list[tuple[int, int]],
                start: tuple[int, int], windows: tuple, count, factor: Decimal | None) -> list[Numerator]:
    """The volume numerator of each month the profile runs in: its requests per day or per month x growth^k
    (x the traffic factor, per day), at 50 digits as before. Shared by the profiles that differ only in their
    traffic weights (each shape of a per-day volume has its own denominator, the numerators are the same:
    their texts and integers are made here once, not per profile); keyed by the values as written (1000 and
    1000.0 give numerators at other places)."""
    key = ("numerators", factor is None, str(count), str(profile.growth_per_month), profile.start, id(windows),
           factor)
    found = projector.volumes.get(key)
    if found is None:
        anchor = (profile.start.year, profile.start.month) if profile.start else start
        growth_base = 1 + at_case(profile.growth_per_month)
        found = []
        for index, (ym, window) in enumerate(zip(month_list, windows)):
            if window is None:
                continue
            k = cal.months_between(anchor, ym)
            numerator = at_case(count) * (projector.growth(growth_base, k) if k > 0 else _ONE)
            if factor is not None:
                numerator *= factor
            text = str(numerator)
            places = _places_of_text(text)
            found.append(Numerator(index, ym, numerator, text, places, int(numerator.scaleb(places))))
        projector.volumes[key] = found
    return found


def structures(projector: _Projector, model_id: str, model_name: str, profile: Profile,
               month_list: list[tuple[int, int]], windows: tuple,
               requests: list[tuple[Request, tuple]]) -> list[Structure]:
    """The structure of each request class (Request, request key) over the month windows; slots are
    resolved month by month, every class in a month before the next month (the old order of errors)."""
    found: dict[tuple, Structure | None] = {key: projector.structures.get((key, id(windows)))
                                             for _, key in requests}
    missing = [(request, key) for request, key in dict((k, (r, k)) for r, k in requests).values()
               if found[key] is None]
    if missing:
        running = [window for window in windows if window is not None]
        for request, _ in missing:  # a UTC clock's pieces of every month at once
            projector.clock_pieces(model_id, running, request)
        rows: dict[tuple, list] = {key: [] for _, key in missing}
        for index, (ym, window) in enumerate(zip(month_list, windows)):
            if window is None:
                continue
            for request, key in missing:
                slots = projector._slots.get((key, window))
                if slots is None:
                    slots = _slots(projector, model_id, model_name, profile, ym, window, request)
                rows[key].append((index, ym, window, slots))
        for _, key in missing:
            found[key] = projector.structures[(key, id(windows))] = _structure(projector, key, rows[key])
    return [found[key] for _, key in requests]  # type: ignore[misc]  # every one filled above


def _structure(projector: _Projector, key: tuple, rows: list) -> Structure:
    month, slot, minutes, first, last, objects, yms, gaps = [], [], [], [], [], [], [], []
    most = 0
    for index, ym, window, slots in rows:
        for position, s in enumerate(slots):
            month.append(index)
            slot.append(position)
            minutes.append(int(s.minutes))
            first.append(s.first)
            last.append(s.last)
            objects.append(s)
            yms.append(ym)
        most = max(most, len(slots))
        stretches = projector._gaps.get((key, window))
        if stretches:
            gaps.append((index, window, stretches))
    components = list(dict.fromkeys(c for s in objects for c in s.line_ids))
    ids = {c: np.array([s.line_ids.get(c, -1) for s in objects], dtype=np.int64) for c in components}
    return Structure(np.array(month, dtype=np.int64), np.array(slot, dtype=np.int64),
                     np.array(minutes, dtype=np.int64), np.array(first, dtype=np.int64),
                     np.array(last, dtype=np.int64), ids, objects, yms, gaps, most, max(minutes, default=0))


def weighted_minutes(projector: _Projector, structures: list[Structure], tz: str,
                     shapes: list[tuple[tuple, int]]) -> list[list[tuple[np.ndarray, int, int]]]:
    """Per structure of `structures` (all weighed in zone `tz`), per traffic shape (weights, weights id) of
    `shapes`: (minutes of each row weighed by the shape, as integers at `places`, places, the largest).
    Exact: counts of minutes per hour of the week times the weights scaled to integers (each row's counts
    sum to at most 44,640, weights below 2^31: below 2^47, so int64); weights at 2^31 or more are Python
    integers (object arrays). All the structures and shapes are weighed at once: one counts (distinct rows
    x 168) @ W (168 x shapes) product over the distinct counts of the structures' rows (_zone_counts), for
    those below 2^31 (a product per structure was ~65 us of fixed cost, 680 of them in a 1,000-profile
    projection), each row then taking its counts' products. The weighted minutes are the caller's (a
    profile's own shape seldom comes again): views of that product."""
    counts, index, starts = _zone_counts(projector, structures, tz)
    bounds = [(starts[id(s)], starts[id(s)] + len(s.month)) for s in structures]
    scaled = [projector._scaled(weights, weights_id) for weights, weights_id in shapes]
    by_shape: list[list[tuple[np.ndarray, int, int]]] = [[] for _ in shapes]
    narrow = [j for j, (array, _, _) in enumerate(scaled) if array is not None]
    if narrow:
        product = _exact_product(counts, np.stack([scaled[j][0] for j in narrow], axis=1))[index]  # rows x shapes
        most = _most_per_structure(product, bounds)
        for column, j in enumerate(narrow):
            by_shape[j] = [(product[a:b, column], scaled[j][1], most[k][column]) for k, (a, b) in enumerate(bounds)]
    for j, (array, places, ints) in enumerate(scaled):
        if array is None:
            minutes = (counts.astype(np.int64).astype(object) @ np.array(ints, dtype=object))[index]
            by_shape[j] = [(minutes[a:b], places, int(max(minutes[a:b].tolist(), default=0))) for a, b in bounds]
    return [[by_shape[j][k] for j in range(len(shapes))] for k in range(len(structures))]


def _zone_counts(projector: _Projector, structures: list[Structure],
                 tz: str) -> tuple[np.ndarray, np.ndarray, dict[int, int]]:
    """The minute counts per hour of the week (in `tz`) of the distinct rows of `structures`, stacked as
    float64 (what _exact_product multiplies), the position of each row's counts in that stack (the
    structures' rows one after the other), and the first row of each structure (by id). Kept per zone for
    the next chunk of the projection: its chunks mostly weigh the same structures (every profile of a zone
    runs on the same models), so the stack is made once, not per chunk; a chunk with other structures makes
    a new one in its place (projector.hour_counts keeps the counts of each row's minute ranges, month and
    zone for the projection)."""
    key = ("stacked", tz)
    found = projector.weighted_rows.get(key)
    wanted = {id(s) for s in structures}
    if found is not None and found[2].keys() == wanted:
        return found
    lengths = [len(s.month) for s in structures]
    starts = dict(zip((id(s) for s in structures), np.cumsum([0, *lengths[:-1]]).tolist()))
    rows = [row for s in structures for row in zip(s.slots, s.yms)]
    counts, index = projector.hour_counts(rows, tz, np.float64)
    found = projector.weighted_rows[key] = (counts, index, starts)
    return found


def _most_per_structure(product: np.ndarray, bounds: list[tuple[int, int]]) -> list[list[int]]:
    """The largest value of each structure's rows (bounds: its first row and the row after its last) per
    column of `product`; 0 for a structure without rows (as max of nothing in weighted_minutes' callers)."""
    most = [[0] * product.shape[1] for _ in bounds]
    filled = [k for k, (a, b) in enumerate(bounds) if b > a]
    if filled:
        # reduceat over the first rows of the structures with rows: each runs to the next one's first row,
        # so the structures must be in their stacked order, which bounds may not be
        order = sorted(filled, key=lambda k: bounds[k][0])
        firsts = np.array([bounds[k][0] for k in order], dtype=np.int64)
        maxima = np.maximum.reduceat(product, firsts, axis=0).tolist()
        for k, row in zip(order, maxima):
            most[k] = row
    return most


# rows x hours x shapes of one product block: OpenBLAS multiplies a dgemm of at most 65,536 x 4 (its
# SMP_THRESHOLD_MIN x GEMM_MULTITHREAD_THRESHOLD) multiply-adds on the calling thread and wakes its worker
# threads for a larger one; on a loaded 2-core machine the wake-ups cost more than the product (a zone's
# 828-row stack x 7 shapes: ~4 ms a product with threads, ~0.3 ms in blocks)
_BLOCK_MULTIPLY_ADDS = 65_536 * 4


def _exact_product(counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """counts @ weights exactly, as int64: counts (whole numbers >= 0, each row summing to at most 44,640 <
    2^16) and weights (int64, |w| < 2^31). numpy's integer matmul has no BLAS (about 5x slower here), so it
    is multiplied in float64: every product and partial sum, in whatever order BLAS adds, is an integer of
    magnitude at most sum(counts) x max|w| < 2^16 x 2^31 = 2^47, inside float64's exact integers (2^53), so
    each step is exact (an FMA too). In blocks of rows, each on the calling thread (_BLOCK_MULTIPLY_ADDS)."""
    floats = weights.astype(np.float64)
    out = np.empty((len(counts), weights.shape[1]), dtype=np.int64)
    step = max(1, _BLOCK_MULTIPLY_ADDS // max(1, counts.shape[1] * weights.shape[1]))
    for first in range(0, len(counts), step):
        block = counts[first:first + step].astype(np.float64, copy=False)  # no copy of a float64 stack
        out[first:first + step] = block @ floats  # whole numbers: the cast to int64 is exact
    return out


def _places(value: Decimal) -> int:
    """Decimal places of a value as written (0 for an integer, whatever its exponent): 500.0 has 1, 500 has
    0. Cached by the value's text: 500 == 500.0, so a cache keyed by the value would give one the other's
    places, and a line's digits would depend on what was projected before it."""
    return _places_of_text(str(value))


@functools.lru_cache(maxsize=4096)
def _places_of_text(text: str) -> int:
    exponent = Decimal(text).as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


@functools.lru_cache(maxsize=4096)
def _scaled(value: Decimal, places: int) -> int:
    """value x 10^places as an exact integer (places >= the value's own)."""
    return int(value.scaleb(places, context=EXACT))
