"""resolve.minute_segments: a month's pieces for a model whose clock rules read UTC alone, made with numpy
from the day's grid (the projection's slots of DeepSeek's peak and off-peak hours), the same as
resolve.segments cut one instant at a time; None wherever it does not apply, so the projection takes
the general path."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal as D
from itertools import pairwise

import pytest

from costcalc import calendar as cal
from costcalc.errors import CostcalcError
from costcalc.prices import Request, load_prices, segments
from costcalc.prices.resolve import minute_segments, minute_segments_of
from costcalc.projection.projector import _Projector

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

OVERLAY = """schema_version: 1
version: minute-test
providers:
  acme:
    name: Acme
    models:
      utc-clock:
        name: UTC off-peak window
        from: 2026-11-10T06:00Z
        prices:
          - label: peak
            when: {timezone: UTC, hours: ["00:00-16:30"]}
            rates: {input: 2, output: 4}
          - label: off-peak
            when: {until: 2026-12-15T00:00Z, timezone: UTC, hours: ["16:30-24:00"]}
            rates: {input: 1, output: 2}
          - label: cut
            when: {from: 2026-12-15T00:00Z, timezone: UTC, hours: ["16:30-24:00"]}
            rates: {input: 0.5, output: 1}
      tokyo-weekend:
        name: Tokyo weekends off
        prices:
          - {label: weekend, when: {timezone: Asia/Tokyo, weekdays: [sat, sun]}, rates: {input: 1, output: 1}}
          - {label: weekday, when: {timezone: Asia/Tokyo, weekdays: [mon, tue, wed, thu, fri]},
             rates: {input: 3, output: 3}}
"""


@pytest.fixture()
def overlay_table(tmp_path):
    path = tmp_path / "overlay.yaml"
    path.write_text(OVERLAY)
    return load_prices(overlays=[path])


def _minute(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(minutes=1)


def _same_as_segments(table, model: str, start: datetime, end: datetime, request: Request) -> bool:
    """minute_segments against segments; True when it applied (else it returned None)."""
    found = minute_segments(table, model, start, end, request)
    if found is None:
        return False
    cuts, answers = found
    slow = segments(table, model, start, end, request)
    assert cuts == [_minute(slow[0][0])] + [_minute(b) for _, b, _ in slow], (model, start)
    assert [(r.key, r.label, r.rates) for r in answers] == [(r.key, r.label, r.rates) for _, _, r in slow]
    return True


def test_equal_to_segments_for_every_bundled_model(table):
    """Every model, every month from before DeepSeek's clock rules began to years after (launches, promos,
    the weekend rule, retirements), whole months and windows cut at a local midnight of a half-hour zone, on
    two tiers and two prompt sizes; months a model cannot price fall back (None)."""
    applied = set()
    for model in table.models:
        for year, month in cal.months(2026, 6, 30):
            start, end = cal.month_bounds(year, month)
            windows = [(start, end), (cal.local_midnight(start.date() + timedelta(days=9), "Asia/Kolkata"), end)]
            for tier in ("standard", "batch"):
                for prompt in (1_000, 300_000):
                    for a, b in windows:
                        try:
                            segments(table, model, a, b, Request(prompt, tier))
                        except CostcalcError:  # not priced then: minute_segments must decline
                            assert minute_segments(table, model, a, b, Request(prompt, tier)) is None
                            continue
                        if _same_as_segments(table, model, a, b, Request(prompt, tier)):
                            applied.add(model)
    assert {"deepseek-v4-pro", "deepseek-v4-flash", "deepseek-flash"} <= applied
    assert not any(m.startswith(("gpt-", "claude-")) for m in applied)  # no clock rule: the general path


def test_a_utc_window_worked_by_hand(overlay_table):
    """November 2026 (30 days) after launch: peak 00:00-16:30 (990 minutes a day), off-peak 16:30-24:00 (450);
    a piece runs from a window edge to the next, so off-peak and the next day's peak are one piece each."""
    start, end = datetime(2026, 11, 11, tzinfo=timezone.utc), datetime(2026, 12, 1, tzinfo=timezone.utc)
    cuts, answers = minute_segments(overlay_table, "utc-clock", start, end, Request())
    first = _minute(start)
    assert len(answers) == 40  # 20 days, a peak and an off-peak piece each
    assert cuts[:3] == [first, first + 990, first + 1440]
    assert cuts[-1] == _minute(end)
    minutes = {"peak": 0, "off-peak": 0}
    for a, b, res in zip(cuts, cuts[1:], answers):
        minutes[res.label] += b - a
    assert minutes == {"peak": 20 * 990, "off-peak": 20 * 450}
    assert _same_as_segments(overlay_table, "utc-clock", start, end, Request())


def test_a_dated_change_inside_the_month(overlay_table):
    """From 2026-12-15 off-peak is the `cut` rule at 0.5: 14 days of off-peak at 1 before, 17 at 0.5 after."""
    start, end = cal.month_bounds(2026, 12)
    cuts, answers = minute_segments(overlay_table, "utc-clock", start, end, Request())
    by_rate: dict = {}
    for a, b, res in zip(cuts, cuts[1:], answers):
        by_rate[(res.label, res.rates["input"])] = by_rate.get((res.label, res.rates["input"]), 0) + b - a
    assert by_rate == {("peak", D(2)): 31 * 990, ("off-peak", D(1)): 14 * 450, ("cut", D("0.5")): 17 * 450}
    assert _same_as_segments(overlay_table, "utc-clock", start, end, Request())


def test_declines_where_it_does_not_apply(overlay_table):
    """Before launch (a piece without a price: segments names its instant), a clock in another zone, an
    unknown scenario, an instant off the minute: None."""
    assert minute_segments(overlay_table, "utc-clock", *cal.month_bounds(2026, 11), Request()) is None
    assert minute_segments(overlay_table, "tokyo-weekend", *cal.month_bounds(2026, 11), Request()) is None
    start, end = cal.month_bounds(2026, 12)
    assert minute_segments(overlay_table, "utc-clock", start, end, Request(scenario="nope")) is None
    assert minute_segments(overlay_table, "utc-clock", start + timedelta(seconds=30), end, Request()) is None


def test_projection_slots_before_launch_keep_the_gap(overlay_table):
    """The launch month takes the general path: its slots start at the launch instant and the stretch before
    it is a gap (not launched); the next month's slots come from minute_segments and agree with it."""
    projector = _Projector(overlay_table, "actual")
    window = cal.month_bounds(2026, 11)
    slots = projector.slots("utc-clock", (2026, 11), window, Request())
    gaps = projector._gaps[(projector.request_key("utc-clock", Request()), window)]
    # the stretch before launch, in the pieces segments cut it into (each error names its own instant)
    assert gaps[0][0] == window[0] and gaps[-1][1] == datetime(2026, 11, 10, 6, tzinfo=timezone.utc)
    assert all(b == a2 for (_, b, *_), (a2, *_) in pairwise(gaps))
    assert {reason for _, _, reason, _ in gaps} == {"not launched"}
    launch = 9 * 1440 + 360  # minutes from 1 November to the launch
    assert sum(int(s.minutes) for s in slots) == 30 * 1440 - launch
    december = projector.slots("utc-clock", (2026, 12), cal.month_bounds(2026, 12), Request())
    assert [(int(s.minutes), len(s.ranges)) for s in december] == [(31 * 990, 31), (14 * 450, 14), (17 * 450, 17)]


def test_many_windows_at_once_each_as_alone(overlay_table):
    """minute_segments_of cuts every window on one grid: each window's answer is the one it gets alone. A
    window ending inside a peak (3 December 08:00) and the next one starting there: the next one's first piece
    is its own (peak 08:00-16:30, 510 minutes), not merged into the window before; a month before launch and
    a window off the minute are None without taking the others with them; January is not asked (a gap
    between windows) and March is cut as alone."""
    def at(day: int, hour: int = 0, month: int = 12, year: int = 2026) -> datetime:
        return datetime(year, month, day, hour, tzinfo=timezone.utc)

    windows = [cal.month_bounds(2026, 11), (at(1), at(3, 8)), (at(3, 8), at(5)),
               (at(5) + timedelta(seconds=30), at(1, month=1, year=2027)), cal.month_bounds(2027, 3)]
    found = minute_segments_of(overlay_table, "utc-clock", windows, Request())
    assert found == [minute_segments(overlay_table, "utc-clock", a, b, Request()) for a, b in windows]
    assert found[0] is None and found[3] is None
    first = _minute(at(1))
    assert found[1][0] == [first, first + 990, first + 1440, first + 1440 + 990, first + 2880, first + 2880 + 480]
    assert [r.label for r in found[1][1]] == ["peak", "off-peak", "peak", "off-peak", "peak"]
    third = _minute(at(3, 8))
    assert found[2][0] == [third, third + 510, third + 960, third + 960 + 990, third + 960 + 1440]
    assert [r.label for r in found[2][1]] == ["peak", "off-peak", "peak", "off-peak"]
    for a, b in (windows[1], windows[2], windows[4]):
        assert _same_as_segments(overlay_table, "utc-clock", a, b, Request())
    assert minute_segments_of(overlay_table, "tokyo-weekend", windows[1:3], Request()) == [None, None]
