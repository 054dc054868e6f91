"""calendar.hour_of_week: each minute of a UTC month's local hour of the week (Monday 00:00 = 0), a shift
for a month with one UTC offset and block by block otherwise. Held here to the definition, a 15-minute
block at a time through datetime.astimezone, in zones with daylight saving, half- and quarter-hour
offsets, a 30-minute DST shift and a 2-hour one, and southern-hemisphere changes."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from costcalc import calendar as cal

ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Shanghai", "Australia/Lord_Howe", "Asia/Kathmandu",
         "America/St_Johns", "Pacific/Chatham", "Antarctica/Troll", "Australia/Sydney", "Pacific/Kiritimati",
         "America/Santiago"]


def _by_definition(tz_name: str, year: int, month: int) -> np.ndarray:
    start, end = cal.month_bounds(year, month)
    tz = cal.zone(tz_name)
    out = []
    at = start
    while at < end:
        local = at.astimezone(tz)
        out.append(local.weekday() * 24 + local.hour)
        at += timedelta(minutes=15)
    return np.repeat(np.array(out, dtype=np.int16), 15)


@pytest.mark.parametrize("tz", ZONES)
def test_every_minute_as_by_definition(tz):
    for year, month in cal.months(2026, 1, 24):
        assert np.array_equal(cal.hour_of_week(tz, year, month), _by_definition(tz, year, month)), (tz, year, month)


def test_a_known_minute_by_hand():
    # 2026-03-08 was a Sunday; New York moved to UTC-4 at 07:00 UTC (02:00 EST -> 03:00 EDT). March starts
    # on a Sunday at 00:00 UTC = Saturday 19:00 EST: hour of the week 5 x 24 + 19 = 139.
    minutes = cal.hour_of_week("America/New_York", 2026, 3)
    assert minutes[0] == 139
    change = (7 * 24 + 7) * 60  # 2026-03-08 07:00 UTC, minutes after the month's start
    assert minutes[change - 1] == 6 * 24 + 1  # 06:59 UTC = Sunday 01:59 EST
    assert minutes[change] == 6 * 24 + 3      # 07:00 UTC = Sunday 03:00 EDT


@pytest.mark.parametrize("tz", ZONES)
def test_hour_runs_are_the_runs_of_hour_of_week(tz):
    """calendar.hour_runs is made from the month's stretches of one UTC offset, not from hour_of_week's
    minutes: the same runs, hours and minutes per hour of the week, every month of two years."""
    for year, month in cal.months(2026, 1, 24):
        minutes = cal.hour_of_week(tz, year, month)
        starts = np.concatenate([[0], np.flatnonzero(minutes[1:] != minutes[:-1]) + 1, [len(minutes)]])
        got_starts, got_hours, got_counts = cal.hour_runs(tz, year, month)
        assert got_starts.tolist() == starts.tolist(), (tz, year, month)
        assert got_hours.tolist() == minutes[starts[:-1]].tolist(), (tz, year, month)
        assert got_counts.tolist() == np.bincount(minutes, minlength=cal.HOURS_PER_WEEK).tolist(), (tz, year, month)
        assert (got_starts.dtype, got_hours.dtype, got_counts.dtype) == (np.int32, np.int16, np.int64)


def test_hour_runs_across_a_fall_back_hour():
    # 2026-11-01: New York falls back at 06:00 UTC (02:00 EDT -> 01:00 EST). 05:00-06:00 UTC is Sunday 01:xx
    # EDT and 06:00-07:00 UTC Sunday 01:xx EST: one run of two hours, hour of the week 6 x 24 + 1 = 145.
    starts, hours, counts = cal.hour_runs("America/New_York", 2026, 11)
    run = starts.tolist().index(5 * 60)
    assert hours[run] == 145 and starts[run + 1] == 7 * 60
    assert counts[145] == 5 * 60 + 60  # five Sundays at 01:xx, the first one twice as long
