"""Calendar months, time zones, local clock instants and hour-of-week buckets. Pure: dates and zones
arrive as arguments.

Months are calendar months in UTC, the zone providers bill in. A profile's traffic shape is read in its
own zone, so each minute of a month is mapped to the profile-local hour of the week it falls in.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from functools import cache, lru_cache
from itertools import chain
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .errors import CostcalcError

if TYPE_CHECKING:
    import numpy as np

MINUTES_PER_DAY = 1440
HOURS_PER_WEEK = 168
_BLOCK_MINUTES = 15  # every UTC offset in the tz database is a multiple of 15 minutes


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=4096)
def month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=timezone.utc)


def parse_month(value) -> tuple[int, int]:
    """'2026-12', '2026-12-01', a date or datetime -> (year, month)."""
    if isinstance(value, (date, datetime)):
        return value.year, value.month
    if isinstance(value, tuple) and len(value) == 2:
        return int(value[0]), int(value[1])
    match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", str(value).strip(), re.ASCII)  # not ٢٠٢٦
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1970 <= int(match.group(1)) <= 2900:
        raise CostcalcError(f"start {value!r} is not a month like 2026-12 (years 1970-2900)")
    return int(match.group(1)), int(match.group(2))


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def months(year: int, month: int, count: int) -> list[tuple[int, int]]:
    return [add_months(year, month, i) for i in range(count)]


@lru_cache(maxsize=4096)
def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    return month_start(year, month), month_start(*add_months(year, month, 1))


def epoch_month_bounds(index: int) -> tuple[datetime, datetime]:
    """The bounds of the calendar month `index` months after 1970-01 (UTC)."""
    year, month = divmod(index, 12)
    return month_bounds(1970 + year, month + 1)


def month_label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def months_between(a: tuple[int, int], b: tuple[int, int]) -> int:
    return (b[0] * 12 + b[1]) - (a[0] * 12 + a[1])


@lru_cache(maxsize=4096)
def local_midnight(day: date, tz_name: str) -> datetime:
    """The UTC instant a local calendar day starts."""
    return datetime(day.year, day.month, day.day, tzinfo=zone(tz_name)).astimezone(timezone.utc)


def minutes(a: datetime, b: datetime) -> int:
    return int((b - a).total_seconds()) // 60


def local_clock_instants(zone_names, minutes_after_midnight, lo: datetime, hi: datetime) -> set[datetime]:
    """Every instant (UTC) at which a local clock in one of `zone_names` reads one of
    `minutes_after_midnight`, on each local day from the day before `lo` to the day after `hi`: where a
    local day, or a daily window with those edges, may begin or end. Remembered per question (a price
    table's clock rules are shared by models, and each asks about the same months)."""
    return set(_local_clock_instants(frozenset(zone_names), frozenset(minutes_after_midnight), lo, hi))


@lru_cache(maxsize=1024)
def _local_clock_instants(zone_names: frozenset[str], minutes_after_midnight: frozenset[int], lo: datetime,
                          hi: datetime) -> frozenset[datetime]:
    out: set[datetime] = set()
    for name in zone_names:
        tz = zone(name)
        day = lo.astimezone(tz).date() - timedelta(days=1)
        last = hi.astimezone(tz).date() + timedelta(days=1)
        utc = name in _UTC_NAMES  # the local clock is UTC's: the instants as they read (no conversion each)
        while day <= last:
            for minute in minutes_after_midnight:
                if utc:
                    out.add(datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=timezone.utc))
                else:
                    local = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)
                    out.add(local.astimezone(timezone.utc))
            day += timedelta(days=1)
    return frozenset(out)


_UTC_NAMES = ("UTC", "Etc/UTC")


@lru_cache(maxsize=256)
def hour_runs(tz_name: str, year: int, month: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """hour_of_week as runs of minutes in one local hour of the week: (the minute each run starts, then the
    month's minutes (int32); each run's hour of the week (int16); the month's minutes per hour of the week
    (int64)), read-only.
    About 750 runs a month: the cache keeps these (~12 KB a month and zone), not the 44,640 minutes
    (87 KB), which a big projection's 268 months and zones held for the whole process (11-22 MiB).
    Made from the month's stretches of one UTC offset (_offsets), each a shift of the clock, without the
    minutes: building 44,640 of them per month and zone was most of a big projection's first-use time
    (fresh pages are slow on a VM). tests/test_hour_of_week.py holds it to hour_of_week."""
    import numpy as np  # lazy: numpy on first use, as hour_of_week (costcalc quote starts without it)

    start, end = month_bounds(year, month)
    total = minutes(start, end)
    naive = start.replace(tzinfo=None)
    pieces = _offsets(start, end, zone(tz_name))
    starts, buckets = [], []
    for (first, offset), (last, _) in zip(pieces, pieces[1:] + [(total, None)]):
        local = naive + timedelta(minutes=first) + offset  # the wall clock at the stretch's first minute
        at = local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute - first  # minute of week - m
        aligned = first + (-(at + first)) % 60  # the first minute in the stretch a local hour starts
        run = np.arange(aligned if aligned > first else aligned + 60, last, 60, dtype=np.int64)
        starts += [np.array([first], dtype=np.int64), run]
        buckets += [np.array([(at + first) % (7 * MINUTES_PER_DAY) // 60], dtype=np.int64),
                    (at + run) % (7 * MINUTES_PER_DAY) // 60]
    begin, hours = np.concatenate(starts), np.concatenate(buckets)
    # a stretch may start in the hour the last one ended in (New York's 01:xx EDT, then 01:xx EST): one run
    keep = np.concatenate([[True], hours[1:] != hours[:-1]])
    begin, hours = np.append(begin[keep], total), hours[keep]
    # float weights hold these whole minutes (at most 44,640) exactly
    counts = np.bincount(hours, weights=np.diff(begin), minlength=HOURS_PER_WEEK).astype(np.int64)
    # kept for the process (a big projection: 144 months and zones): minutes as int32, hours of the week as
    # int16 (a third of int64's fresh pages); the counts, which dot products read, stay int64
    out = (begin.astype(np.int32), hours.astype(np.int16), counts)
    for array in out:
        array.setflags(write=False)
    return out


def hour_counts(tz_name: str, rows: list[tuple[tuple[int, int], tuple[tuple[int, int], ...]]]) -> np.ndarray:
    """Minutes per local hour of the week in `tz_name` of each row (a (year, month) and its minute ranges
    [a, b) from the month's start), as a rows x 168 int64 matrix: what traffic weights multiply. A row of
    the whole month is its month's counts (hour_runs: most rows of a projection, every model without a
    clock rule); the other rows all at once: their months' hour runs laid end to end on one minute line
    (each month's ranges shifted by the minutes before it), so one search finds the runs every range
    overlaps and one bincount adds them (a structure's rows one at a time were thousands of small numpy
    calls, most of a small projection's fixed cost). tests/test_projection_equality.py holds it to
    counting every minute."""
    import numpy as np  # lazy, as hour_runs

    out = np.empty((len(rows), HOURS_PER_WEEK), dtype=np.int64)
    runs = {ym: hour_runs(tz_name, *ym) for ym in dict.fromkeys(ym for ym, _ in rows)}
    cut = []  # the rows that are not a whole month
    for row, (ym, ranges) in enumerate(rows):
        month_starts, _, month_counts = runs[ym]
        if ranges == ((0, int(month_starts[-1])),):
            out[row] = month_counts
        else:
            cut.append(row)
    if cut:
        out[cut] = _range_counts(runs, [rows[row] for row in cut])
    return out


def _range_counts(runs: dict[tuple[int, int], tuple], rows: list[tuple[tuple[int, int], tuple]]) -> np.ndarray:
    """hour_counts of rows of minute ranges, from their months' hour runs (runs: hour_runs per month)."""
    import numpy as np  # lazy, as hour_runs

    first_minute: dict[tuple[int, int], int] = {}  # (year, month) -> its first minute on the line
    starts, buckets = [], []
    position = 0
    for ym in dict.fromkeys(ym for ym, _ in rows):
        month_starts, month_buckets, _ = runs[ym]
        first_minute[ym] = position
        starts.append(month_starts[:-1] + np.int64(position))  # the last entry is the month's end
        buckets.append(month_buckets)
        position += int(month_starts[-1])
    line = np.append(np.concatenate(starts), position)
    hours = np.concatenate(buckets)
    # every range's ends as one flat array of ints (tuples of three per range were half this function's time)
    per_row = [len(ranges) for _, ranges in rows]
    ends = np.fromiter(chain.from_iterable(chain.from_iterable(ranges) for _, ranges in rows), dtype=np.int64,
                       count=2 * sum(per_row)).reshape(-1, 2)
    row = np.repeat(np.arange(len(rows), dtype=np.int64), per_row)
    shift = np.repeat(np.array([first_minute[ym] for ym, _ in rows], dtype=np.int64), per_row)
    a, b = ends[:, 0] + shift, ends[:, 1] + shift
    # the runs of one hour of the week that each [a, b) overlaps (runs i..j-1), laid end to end: a run between
    # its range's first and last counts whole, those two are cut to [a, b) (a few arrays of the overlaps'
    # length, not one per step: fresh pages are slow on a VM)
    i = np.searchsorted(line, a, side="right") - 1
    j = np.searchsorted(line, b, side="left")
    overlaps = np.maximum(j - i, 0)
    firsts = np.cumsum(overlaps) - overlaps  # each range's first place among the overlaps
    run = np.arange(int(overlaps.sum()), dtype=np.int64)
    run += np.repeat(i - firsts, overlaps)
    lengths = np.diff(line)[run]
    cut = overlaps > 0
    i, j, a, b, firsts, last = i[cut], j[cut], a[cut], b[cut], firsts[cut], (firsts + overlaps - 1)[cut]
    lengths[firsts] = np.minimum(line[i + 1], b) - np.maximum(line[i], a)
    lengths[last] = np.minimum(line[j], b) - np.maximum(line[j - 1], a)  # the same run as the first's: alike
    cells = hours[run].astype(np.int64)
    cells += np.repeat(row * HOURS_PER_WEEK, overlaps)
    # float weights hold these whole minutes (at most 44,640 a row) exactly
    counts = np.bincount(cells, weights=lengths, minlength=len(rows) * HOURS_PER_WEEK)
    return counts.astype(np.int64).reshape(len(rows), HOURS_PER_WEEK)


def _offsets(start: datetime, end: datetime, tz) -> list[tuple[int, timedelta]]:
    """(minute from `start`, UTC offset) where each stretch of one offset begins within [start, end).
    Offsets are read every 12 hours (as _no_transition: transitions are rare and never shorter than a day)
    and at the last 15-minute block; a change between two readings is found by bisection on 15-minute
    blocks (every UTC offset, and so every change, falls on one). `start` is a whole second (a month's)."""
    blocks = minutes(start, end) // _BLOCK_MINUTES
    first = start.timestamp()  # a whole second: exact as a float, as is every block's instant from it

    def offset(block: int) -> timedelta:
        # the same instant in tz as (start + block x 15 minutes).astimezone(tz), made ~3x faster
        return datetime.fromtimestamp(first + block * _BLOCK_MINUTES * 60, tz).utcoffset()  # type: ignore[return-value]

    samples = list(range(0, blocks, 12 * 60 // _BLOCK_MINUTES))
    if samples[-1] != blocks - 1:
        samples.append(blocks - 1)
    out = [(0, offset(0))]
    for block in samples[1:]:
        known = offset(block)
        while known != out[-1][1]:  # a change after the last stretch's start, at or before `block`
            lo, hi = out[-1][0] // _BLOCK_MINUTES, block  # offset(lo) is the last stretch's, offset(hi) not
            while hi - lo > 1:
                middle = (lo + hi) // 2
                if offset(middle) == out[-1][1]:
                    lo = middle
                else:
                    hi = middle
            out.append((hi * _BLOCK_MINUTES, offset(hi)))
    return out


def hour_of_week(tz_name: str, year: int, month: int) -> np.ndarray:
    """For each minute of the UTC month, the local hour of the week (0 = Monday 00:00-01:00) in tz (not
    cached: see hour_runs)."""
    # numpy on first use, not at import: the price table (and so `costcalc quote`) uses this module's
    # months and zones and starts without numpy
    import numpy as np

    start, end = month_bounds(year, month)
    tz = zone(tz_name)
    blocks = minutes(start, end) // _BLOCK_MINUTES
    step = timedelta(minutes=_BLOCK_MINUTES)
    first_offset = start.astimezone(tz).utcoffset()
    if (end - step).astimezone(tz).utcoffset() == first_offset and \
            _no_transition(start, end, tz, first_offset):
        # One UTC offset all month (no daylight-saving change): local time is a shift, vectorized.
        local_start = start.astimezone(tz)
        first_minute = local_start.weekday() * MINUTES_PER_DAY + local_start.hour * 60 + local_start.minute
        minute_of_week = (first_minute + np.arange(blocks * _BLOCK_MINUTES, dtype=np.int64)) % (
            7 * MINUTES_PER_DAY)
        out = (minute_of_week // 60).astype(np.int16)
    else:
        ids = np.empty(blocks, dtype=np.int16)
        at = start
        for i in range(blocks):
            local = at.astimezone(tz)
            ids[i] = local.weekday() * 24 + local.hour
            at += step
        out = np.repeat(ids, _BLOCK_MINUTES)
    out.setflags(write=False)
    return out


def _no_transition(start: datetime, end: datetime, tz, offset) -> bool:
    """True when the zone keeps `offset` through the month (checked daily: transitions are rare and
    never shorter than a day, so a change that is undone within the month still shows)."""
    at = start
    while at < end:
        if at.astimezone(tz).utcoffset() != offset:
            return False
        at += timedelta(hours=12)
    return True
