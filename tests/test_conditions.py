"""Condition kinds combine freely (AND): dates, daily windows and weekdays in a named zone, holiday
calendars, prompt size, tier, residency. The DeepSeek-on-Beijing-time reading (open conflict 2) is the
worked example: peak on Beijing weekdays 09:00-12:00 and 14:00-18:00, Chinese holidays off-peak."""

import hashlib
from datetime import datetime
from decimal import Decimal as D

import pytest

from costcalc.prices import Request, TokenBundle, bundled_path, load_prices, quote, resolve, segments

OVERLAY = """schema_version: 1
version: beijing-test
calendars:
  cn-test:
    timezone: Asia/Shanghai
    dates: [2026-10-01, 2026-10-02]
    source: https://example.org/holidays
    checked: 2026-11-01
providers:
  acme:
    name: Acme
    models:
      bj-model:
        name: Beijing-time model
        prices:
          - label: peak
            when: {from: 2026-09-01T00:00+08:00, timezone: Asia/Shanghai, weekdays: [mon, tue, wed, thu, fri],
                   hours: ["09:00-12:00", "14:00-18:00"], holidays: {calendar: cn-test, on: false}}
            rates: {input: 2, output: 4}
          - label: off-peak
            when: {from: 2026-09-01T00:00+08:00, timezone: Asia/Shanghai, weekdays: [mon, tue, wed, thu, fri],
                   hours: ["00:00-09:00", "12:00-14:00", "18:00-24:00"], holidays: {calendar: cn-test, on: false}}
            rates: {input: 1, output: 2}
          - label: off-peak
            when: {from: 2026-09-01T00:00+08:00, timezone: Asia/Shanghai, weekdays: [sat, sun],
                   holidays: {calendar: cn-test, on: false}}
            rates: {input: 1, output: 2}
          - label: holiday
            when: {from: 2026-09-01T00:00+08:00, holidays: {calendar: cn-test, on: true}}
            rates: {input: 1, output: 2}
      ny-model:
        name: New York windows
        prices:
          - label: day
            when: {timezone: America/New_York, hours: ["09:00-17:00"]}
            rates: {input: 3, output: 3}
          - label: night
            when: {timezone: America/New_York, hours: ["00:00-09:00", "17:00-24:00"]}
            rates: {input: 1, output: 1}
"""


@pytest.fixture()
def table(tmp_path):
    path = tmp_path / "overlay.yaml"
    path.write_text(OVERLAY)
    return load_prices(overlays=[path])


def label(table, model, when):
    return resolve(table, model, datetime.fromisoformat(when)).rule.label


def test_beijing_weekday_window(table):
    # Thursday 2026-09-03 10:00 Beijing = 02:00 UTC: peak; 13:00 Beijing: lunch, off-peak
    assert label(table, "bj-model", "2026-09-03T02:00+00:00") == "peak"
    assert label(table, "bj-model", "2026-09-03T05:00+00:00") == "off-peak"


def test_beijing_weekdays(table):
    # Sunday 2026-09-06 09:30 Beijing (01:30 UTC): weekend; Monday 09-07 09:30 Beijing: peak
    assert label(table, "bj-model", "2026-09-06T01:30+00:00") == "off-peak"
    assert label(table, "bj-model", "2026-09-07T01:30+00:00") == "peak"


def test_holiday_calendar_in_its_own_zone(table):
    # Thursday 2026-10-01 is a holiday in Beijing: 10:00 there (02:00 UTC) is not peak
    assert label(table, "bj-model", "2026-10-01T02:00+00:00") == "holiday"
    # 2026-09-30 17:00 UTC is already 10-01 01:00 in Beijing: holiday, though the UTC date is 09-30
    assert label(table, "bj-model", "2026-09-30T17:00+00:00") == "holiday"
    # Friday 2026-10-02 23:00 Beijing (15:00 UTC) is still the holiday; 10-05 (Monday) 10:00 is peak again
    assert label(table, "bj-model", "2026-10-02T15:00+00:00") == "holiday"
    assert label(table, "bj-model", "2026-10-05T02:00+00:00") == "peak"


def test_daylight_saving_moves_a_local_window_in_utc(table):
    # 09:00 New York is 13:00 UTC in July (EDT) and 14:00 UTC in December (EST)
    assert label(table, "ny-model", "2026-07-15T13:30+00:00") == "day"
    assert label(table, "ny-model", "2026-12-15T13:30+00:00") == "night"
    assert label(table, "ny-model", "2026-12-15T14:30+00:00") == "day"


def test_segments_split_at_local_boundaries_and_holidays(table):
    start = datetime.fromisoformat("2026-09-30T00:00+00:00")
    end = datetime.fromisoformat("2026-10-01T00:00+00:00")
    pieces = [(a.strftime("%H:%M"), b.strftime("%H:%M"), r.rule.label) for a, b, r in
              segments(table, "bj-model", start, end)]
    # Wednesday 09-30 in Beijing: 00:00-01:00 UTC off-peak (08:00-09:00 local), peak 09-12, lunch,
    # peak 14-18, evening off-peak, and the holiday from local midnight (16:00 UTC)
    assert pieces == [("00:00", "01:00", "off-peak"), ("01:00", "04:00", "peak"), ("04:00", "06:00", "off-peak"),
                      ("06:00", "10:00", "peak"), ("10:00", "16:00", "off-peak"), ("16:00", "00:00", "holiday")]


def test_quote_on_combined_conditions(table):
    q = quote(table, "bj-model", TokenBundle(input=1_000_000, output=1_000_000),
              datetime.fromisoformat("2026-09-03T02:00+00:00"))
    assert q.total_usd == D(6)


def test_lint_passes_on_the_overlay(table):
    from datetime import date

    from costcalc.prices.lint import lint

    report = lint(table, date(2026, 11, 22))
    assert [str(p) for p in report.errors] == []


def test_prompt_size_tier_and_residency_combine(table):
    bundled = load_prices()
    at = datetime.fromisoformat("2026-06-01T00:00+00:00")
    res = resolve(bundled, "gpt-5.5", at, Request(prompt_tokens=300_000, tier="flex", residency=True))
    assert res.label == "list+long-context+flex+residency"
    # 5 x 2 x 0.5 x 1.1 and 30 x 1.5 x 0.5 x 1.1
    assert (res.rates["input"], res.rates["output"]) == (D("5.5"), D("24.75"))


# -- the shipped table is pinned: a change must bump its version ---------------------------------------

PINNED_VERSION = "2026.12.01.4"
PINNED_SHA256 = "8587c2fabaab6df93c8f8cdb7a5cc012dd4c50f5d68aec8e046ffa2d76bf30d5"


def test_bundled_table_hash_is_pinned():
    digest = hashlib.sha256(bundled_path().read_bytes()).hexdigest()
    table = load_prices()
    assert table.sha256 == digest
    if digest != PINNED_SHA256:
        assert table.version != PINNED_VERSION, (
            "pricing.yaml changed but its `version` did not: bump version (YYYY.MM.DD.N), then update "
            "PINNED_VERSION and PINNED_SHA256 in this test")
        pytest.fail(f"pricing.yaml is now version {table.version} ({digest}); update PINNED_VERSION and "
                    f"PINNED_SHA256 in this test after checking the change")
    assert table.version == PINNED_VERSION
