"""The exact-integer projection (costcalc.projection) against the implementation it replaced, kept in
tests/reference_projection.py: every column of every row and every attrs entry, to the last digit: every
Decimal written with the same digits (a line's trailing zeros are those of its own terms' places).

The old implementation multiplied and added in a 50-digit context, so a product past 50 significant
digits (a compounding volume, requests x (1.05)^k at 50 digits, times a share and the minutes) was rounded
along the way; the new one keeps every product exact and rounds once, in the final division. So:

- against the reference run with exact intermediates (its multiplications and sums in a 1,000-digit
  context; divisions, growth powers and the month volume at 50 digits as before): equal everywhere;
- against the reference as it was: equal everywhere on horizons short enough that no product passes 50
  digits (the examples over 2 months), and within 1e-40 of each amount on long compounding horizons.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from tests import reference_projection
from costcalc.api import prices_from, workloads_from
from costcalc.projection import project
from costcalc.projection.frame import request_entries

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def table():
    return prices_from(None)


def written(value):
    """`value` with every Decimal in it as its text: 5.0324274 and 5.03242740 are equal, but a column, an
    export or attrs written with either show other digits."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: written(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [written(item) for item in value]
    return value


def assert_same(new, old, tolerance: Decimal | None = None) -> None:
    """Same columns, rows, values and attrs, every Decimal written with the same digits; money within
    `tolerance` of each amount where given (values only)."""
    assert list(new.columns) == list(old.columns)
    assert len(new) == len(old)
    for column in old.columns:
        got, want = new[column].tolist(), old[column].tolist()
        if tolerance is not None and column in ("tokens", "cost_usd"):
            far = [(g, w) for g, w in zip(got, want) if abs(g - w) > tolerance * abs(w)]
            assert not far, (column, far[:3])
        else:
            assert got == want, (column, [(g, w) for g, w in zip(got, want) if g != w][:3])
            got, want = written(got), written(want)
            assert got == want, (column, [(g, w) for g, w in zip(got, want) if g != w][:3])
    if tolerance is None:
        new_attrs, old_attrs = dict(new.attrs), dict(old.attrs)
        requests = new_attrs.pop("requests", None)
        if isinstance(requests, pd.DataFrame):  # the projection's table of requests, a row per run
            requests = request_entries(requests)
        assert written(requests) == written(old_attrs.pop("requests", None))
        assert written(new_attrs) == written(old_attrs)


def both(loaded, table, start, months, exact_intermediates=True):
    return (project(loaded, table, start, months),
            reference_projection.project(loaded, table, start, months, exact_intermediates=exact_intermediates))


def test_examples_long_horizon_equal_the_reference_with_exact_intermediates(table):
    loaded = workloads_from(ROOT / "examples" / "workloads.yaml", table, ())
    assert_same(*both(loaded, table, (2026, 12), 36))


def test_examples_equal_the_reference_as_it_was_where_no_product_passes_50_digits(table):
    loaded = workloads_from(ROOT / "examples" / "workloads.yaml", table, ())
    assert_same(*both(loaded, table, (2026, 12), 2, exact_intermediates=False))


def test_compounding_over_three_years_differs_from_the_old_rounding_below_1e_40(table):
    loaded = workloads_from(ROOT / "examples" / "workloads.yaml", table, ())
    new, old = both(loaded, table, (2026, 12), 36, exact_intermediates=False)
    assert_same(new, old, tolerance=Decimal("1e-40"))
    # and the difference is real: the old rounding changed some last digits (so the test above could fail)
    assert new["cost_usd"].tolist() != old["cost_usd"].tolist()


def test_golden_workloads_equal(table):
    loaded = workloads_from(ROOT / "tests" / "golden" / "workloads.yaml", table, ())
    assert_same(*both(loaded, table, (2026, 8), 2, exact_intermediates=False))


MODELS = ["deepseek-chat", "deepseek-v4-flash", "deepseek-v4-pro", "deepseek-flash", "gpt-5.5", "gpt-5.4",
          "gpt-5.4-mini", "gpt-5.6-terra", "claude-opus-4-7", "claude-sonnet-4-6", "claude-haiku-4-5",
          "claude-sonnet-5", "gemini-3.1-pro", "gemini-3.6-flash", "kimi-k3", "qwen3.8-flash"]
ZONES = ["UTC", "America/New_York", "Asia/Shanghai", "Europe/Berlin"]


def generated(seed: int, count: int) -> str:
    """A workloads file of `count` varied profiles: every feature the projection prices."""
    rng = random.Random(seed)
    lines = ["schema_version: 1", "profiles:"]

    def ranged(low, expected, high):
        return f"{{low: {low}, expected: {expected}, high: {high}}}" if rng.random() < 0.25 else str(expected)

    for i in range(count):
        lines.append(f"  p{i}:")
        if rng.random() < 0.7:
            lines.append(f"    requests_per_day: {ranged(50, rng.choice([100, 1000, 12345]), 20000)}")
        else:
            lines.append(f"    requests_per_month: {ranged(1000, rng.choice([30000, 777777]), 900000)}")
        if rng.random() < 0.3:
            lines.append("    input_tokens:")
            lines.append("      histogram:")
            lines.append(f"        - {{tokens: {rng.choice([800, 5000, 150000])}, share: 0.7}}")
            lines.append(f"        - {{tokens: {rng.choice([250000, 300000, 1500000])}, share: 0.3}}")
            lines.append("    over_limit: exclude")
        else:
            lines.append(f"    input_tokens: {ranged(100, rng.choice([1200, 7000, 33333]), 90000)}")
        lines.append(f"    output_tokens: {ranged(50, rng.choice([200, 900]), 3000)}")
        choice = rng.random()
        if choice < 0.2:
            lines.append(f"    reasoning: {rng.choice(['high', 'max'])}")
        elif choice < 0.3:
            lines.append(f"    reasoning_tokens: {rng.choice([500, 1234.5])}")
        lines.append(f"    cache_hit_rate: {ranged(0, rng.choice([0, 0.35, 0.8]), 0.9)}")
        if rng.random() < 0.4:
            lines.append(f"    cache_write: {{ttl: {rng.choice(['5m', '1h'])}, share: {rng.choice([0.05, 0.1])}}}")
        if rng.random() < 0.4:
            lines.append(f"    tiers: {{standard: 0.6, {rng.choice(['batch', 'flex', 'priority'])}: 0.4}}")
        if rng.random() < 0.2:
            lines.append("    residency: true")
        if rng.random() < 0.4:
            hours = ", ".join(str(rng.choice([0, 1, 2, 3.5])) for _ in range(24))
            lines.append("    traffic:")
            lines.append(f"      timezone: {rng.choice(ZONES)}")
            lines.append(f"      hours: [{hours}]")
            if rng.random() < 0.5:
                lines.append("      weekdays: {mon: 1, tue: 1, wed: 1, thu: 1, fri: 1, sat: 0.4, sun: 0.25}")
        if rng.random() < 0.5:
            lines.append(f"    growth_per_month: {ranged(0, rng.choice([0.02, 0.05, 0.1]), 0.15)}")
        if rng.random() < 0.3:
            lines.append(f"    start: 2026-0{rng.choice([3, 5, 7])}-{rng.choice([10, 17])}")
        if rng.random() < 0.3:
            lines.append(f"    end: 2027-0{rng.choice([1, 2])}-{rng.choice([15, 20])}")
        if rng.random() < 0.3:
            lines.append(f"    tool_calls_per_request: {{web_search: {ranged(0.1, 0.3, 0.9)}}}")
        if rng.random() < 0.3:
            lines.append(f"    tokens_counted_with: {rng.choice(['deepseek-v4', 'claude-estimate'])}")
        lines.append(f"    models: [{', '.join(rng.sample(MODELS, 3))}]")
        lines.append(f"    tags: {{team: t{rng.randrange(3)}}}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_profiles_equal(table, seed):
    loaded = workloads_from(generated(seed, 25), table, ())
    assert_same(*both(loaded, table, (2026, 3), 14))


def shared_kinds(seed: int, count: int) -> str:
    """generated() profiles, each followed by copies that price alike per request (the same tokens, tiers,
    traffic and models: one kind of run, summed once, costcalc.projection.pricing._sums) but differ in
    volume, growth, the months they run or no requests at all, so each run takes its kind's sums in its
    own months at its own volume."""
    rng = random.Random(seed)
    text = generated(seed, count)
    head, *profiles = text.split("\n  p")
    out = [head]
    for i, body in enumerate(profiles):
        lines = body.rstrip("\n").split("\n")
        group = ["\n".join(lines)]
        keep = [line for line in lines[1:] if not line.lstrip().startswith(
            ("requests_per_", "growth_per_month", "start:", "end:"))]
        for copy in range(rng.choice([1, 2])):
            volume = rng.choice(["requests_per_day: 0", "requests_per_day: 777", "requests_per_month: 4321",
                                 "requests_per_day: {low: 10, expected: 20, high: 40}"])
            extra = [f"    {volume}"]
            if rng.random() < 0.5:
                extra.append(f"    growth_per_month: {rng.choice([0.03, 0.2])}")
            if rng.random() < 0.4:
                extra.append("    start: 2026-05-01")
            if rng.random() < 0.4:
                extra.append("    end: 2026-12-31")
            group.append(f"{i}c{copy}:\n" + "\n".join(extra + keep))
        rng.shuffle(group)  # the first run of a kind (the one summed) may be any of them
        out += group
    return "\n  p".join(out) + "\n"


@pytest.mark.parametrize("seed", [4, 5])
def test_runs_of_one_kind_equal(table, seed):
    loaded = workloads_from(shared_kinds(seed, 12), table, ())
    assert_same(*both(loaded, table, (2026, 3), 14))


@pytest.mark.parametrize("seed", [4, 5])
def test_runs_of_one_kind_priced_in_small_chunks_equal(table, seed, monkeypatch):
    """Chunks of 7 runs: a kind summed in one chunk is taken by runs of later ones (its sums kept in a
    block of their first chunk: pricing._Block), so a chunk gathers its runs' sums from several blocks."""
    from costcalc.projection import frame

    monkeypatch.setattr(frame, "FLUSH_RUNS", 7)
    loaded = workloads_from(shared_kinds(seed, 12), table, ())
    assert_same(*both(loaded, table, (2026, 3), 14))


def shared_zone_shapes(seed: int, count: int) -> str:
    """Profiles with traffic shapes of their own in one zone, on the same models and tiers: their runs share
    structures, so pricing weighs all their shapes at once (one counts @ W product per structure and zone,
    costcalc.projection.structures.weighted_minutes); some shapes have weights with so many decimal places
    that, scaled to integers, they pass 2^31 (Python integers, object arrays) beside those that do not."""
    rng = random.Random(seed)
    lines = ["schema_version: 1", "profiles:"]
    for i in range(count):
        if i % 3 == 1:  # 12 decimal places: 0.123456789012 x 10^12 is past 2^31
            hours = ", ".join(rng.choice(["0.123456789012", "1", "2.5", "0"]) for _ in range(24))
        else:
            hours = ", ".join(str(rng.choice([0, 1, 2, 3.5])) for _ in range(24))
        lines += [f"  z{i}:", f"    requests_per_day: {rng.choice([100, 1234, 50000])}",
                  f"    input_tokens: {rng.choice([800, 7000])}", f"    output_tokens: {rng.choice([200, 900])}",
                  f"    cache_hit_rate: {rng.choice([0, 0.35])}", "    tiers: {standard: 0.6, batch: 0.4}",
                  f"    growth_per_month: {rng.choice([0, 0.05])}", "    traffic:",
                  f"      timezone: {rng.choice(['America/New_York', 'Europe/Berlin'])}", f"      hours: [{hours}]"]
        if i % 4 == 0:
            lines.append("      weekdays: {mon: 1, tue: 1, wed: 1, thu: 1, fri: 1, sat: 0.4, sun: 0.25}")
        lines.append("    models: [gpt-5.4, claude-haiku-4-5, gemini-3.1-pro]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", [6, 7])
def test_shapes_sharing_a_zone_and_structures_equal(table, seed):
    loaded = workloads_from(shared_zone_shapes(seed, 14), table, ())
    assert_same(*both(loaded, table, (2026, 3), 14))


@pytest.mark.slow
def test_the_1000_profile_benchmark_equals(table):
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import big_estimate

    loaded = workloads_from(big_estimate.profiles(1000), table, ())
    assert_same(*both(loaded, table, (2026, 12), 36))


def _estimate_frame(frame):
    from costcalc.frames import estimate_frame

    return estimate_frame(frame)


@pytest.mark.parametrize("source", ["examples", 1, 2])
def test_expected_only_frames_skip_nothing_they_show(table, source):
    """project(cases=False) (what estimate() without cases asks) prices low and high only where they
    can change the expected case's frame: that frame, attrs included, is the same as with every case."""
    text = ROOT / "examples" / "workloads.yaml" if source == "examples" else generated(source, 25)
    loaded = workloads_from(text, table, ())
    every = _estimate_frame(project(loaded, table, (2026, 3), 14))
    raw = project(loaded, table, (2026, 3), 14, cases=False)
    with_low = raw[raw["case"] == "low"].groupby(["profile", "model"], observed=True).ngroups
    assert_same(_estimate_frame(raw), every)
    ranged = sum(len(p.models) for p in loaded if p.has_ranges)
    # some ranged profiles still need their cases priced (a measured input), and some do not
    assert 0 < with_low < ranged, (with_low, ranged)


def test_slot_minutes_per_hour_of_the_week_equal_counting_every_minute():
    """calendar.hour_counts sums each row's minute ranges over runs of one hour of the week, every row at
    once on one minute line of its months; the slow way counts the hour of every minute
    (calendar.hour_of_week). Zones with a daylight-saving change in the month (New York in March and
    November, Berlin in October, Lord Howe's half hour) included; rows of one month apart and mixed, a
    range ending at its month's end (where the next month's first run starts on the line), an empty range
    (inside the month and at its end), and the whole month cut in three (each cut inside a run: the runs on
    either side of it are cut to their ranges, not counted whole)."""
    import numpy as np

    from costcalc import calendar as cal

    rng = random.Random(5)
    months = [(2026, 3), (2026, 10), (2026, 11), (2027, 4)]
    for tz in ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe"]:
        rows, slow = [], []
        for ym in months + [months[1], months[0]]:  # a month met again after others
            minutes = cal.hour_of_week(tz, *ym)
            for k in (1, 2, 4):
                points = sorted(rng.sample(range(len(minutes) + 1), 2 * k))
                rows.append((ym, tuple((points[2 * x], points[2 * x + 1]) for x in range(k))))
                slow.append(sum(np.bincount(minutes[a:b], minlength=cal.HOURS_PER_WEEK) for a, b in rows[-1][1]))
            rows += [(ym, ((0, len(minutes)),)), (ym, ((len(minutes) - 90, len(minutes)),)), (ym, ((60, 60),)),
                     (ym, ((len(minutes), len(minutes)),)), (ym, ((0, 59), (59, 61), (61, len(minutes))))]
            slow += [np.bincount(minutes, minlength=cal.HOURS_PER_WEEK),
                     np.bincount(minutes[-90:], minlength=cal.HOURS_PER_WEEK), np.zeros(cal.HOURS_PER_WEEK),
                     np.zeros(cal.HOURS_PER_WEEK), np.bincount(minutes, minlength=cal.HOURS_PER_WEEK)]
        got = cal.hour_counts(tz, rows)
        assert got.dtype == np.int64 and got.shape == (len(rows), cal.HOURS_PER_WEEK)
        for (ym, ranges), counts, expected in zip(rows, got, slow):
            assert counts.tolist() == expected.tolist(), (tz, ym, ranges)
        # a whole month counts every minute once: 31 x 1,440 in March and October, 30 x 1,440 in Nov. and April
        whole = [int(got[r].sum()) for r, (ym, ranges) in enumerate(rows) if ranges == ((0, ranges[0][1]),)]
        assert whole == [44_640, 44_640, 43_200, 43_200, 44_640, 44_640], (tz, whole)
    assert cal.hour_counts("UTC", []).shape == (0, cal.HOURS_PER_WEEK)


def zero_slot_shapes() -> str:
    """Profiles on the same models, tiers and tokens (runs of one layout: pricing._Segments.layout, summed
    together), whose traffic puts no weight on a whole structure row in some: a profile running only on
    Friday 2026-05-01 with Fridays weighed 0 (every term of that month is 0), beside ones weighing Fridays 1
    or running into June; a cache hit rate of 0 (cache reads 0 tokens per request: terms of 0 in every run
    of the layout) and of 0.5."""
    lines = ["schema_version: 1", "profiles:"]
    for i in range(8):
        friday = "0" if i % 2 else "1"
        lines += [f"  w{i}:", f"    requests_per_day: {1000 + 7 * i}", "    input_tokens: 800",
                  "    output_tokens: 200", f"    cache_hit_rate: {0 if i < 4 else 0.5}", "    traffic:",
                  "      timezone: UTC", "      hours: [" + ", ".join(["0"] * 23 + ["1"]) + "]",
                  f"      weekdays: {{mon: 1, tue: 1, wed: 1, thu: 1, fri: {friday}, sat: 1, sun: 1}}",
                  "    start: 2026-05-01", "    end: 2026-05-01" if i % 4 < 2 else "    end: 2026-06-30",
                  "    models: [gpt-5.4, claude-haiku-4-5]"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("flush", [1000, 3])
def test_runs_of_one_layout_with_zero_weighted_rows_equal(table, monkeypatch, flush):
    """Kinds of one layout are grouped once per projection and summed together (pricing._sum_layout; in
    chunks of 3 runs, a layout grouped in one chunk serves the later ones); one whose weights make a term 0
    has fewer terms, so it is summed on its own (pricing._sum_kind): both equal the reference."""
    from costcalc.projection import frame, pricing

    monkeypatch.setattr(frame, "FLUSH_RUNS", flush)

    calls = {"layout": [], "kind": 0}
    sum_layout, sum_kind = pricing._sum_layout, pricing._sum_kind

    def counted_layout(projector, segments, months, layout, kinds, ranges):
        calls["layout"].append(len(kinds))
        return sum_layout(projector, segments, months, layout, kinds, ranges)

    def counted_kind(*args):
        calls["kind"] += 1
        return sum_kind(*args)

    monkeypatch.setattr(pricing, "_sum_layout", counted_layout)
    monkeypatch.setattr(pricing, "_sum_kind", counted_kind)
    loaded = workloads_from(zero_slot_shapes(), table, ())
    assert_same(*both(loaded, table, (2026, 4), 4))
    assert calls["kind"] > 0 and max(calls["layout"]) > 1
