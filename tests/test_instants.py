"""One instant parser (costcalc._parse.parse_instant) with two rule sets: a query's and a price table's."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from costcalc._parse import parse_instant

UTC = timezone.utc


def test_a_query_instant_is_lenient():
    assert parse_instant("2026-05-31") == datetime(2026, 5, 31, tzinfo=UTC)  # a date: its 00:00 UTC
    assert parse_instant("2026-05-31T15:58") == datetime(2026, 5, 31, 15, 58, tzinfo=UTC)  # no offset: UTC
    assert parse_instant("2026-05-31T15:58:30+08:00") == datetime(2026, 5, 31, 7, 58, 30, tzinfo=UTC)


def test_a_price_table_instant_is_to_the_minute_with_an_offset():
    assert parse_instant("2026-05-31T16:00Z", to_the_minute=True) == datetime(2026, 5, 31, 16, tzinfo=UTC)
    assert parse_instant("2026-05-31T16:00:00+0800", to_the_minute=True) == datetime(2026, 5, 31, 8, tzinfo=UTC)
    for text in ("2026-05-31", "2026-05-31T16:00", "2026-05-31T16:00:30Z", "2026-05-31T16:00+19:00",
                 "2026-05-31T16:00+08:60", "3000-01-01T00:00Z"):
        with pytest.raises(ValueError, match="to the minute"):
            parse_instant(text, to_the_minute=True)


@pytest.mark.parametrize("text", ["1969-12-31", "3000-01-01", "31/05/2026", "٢٠٢٦-05-31"])
def test_both_refuse_what_is_not_an_instant(text):
    with pytest.raises(ValueError):
        parse_instant(text)
    with pytest.raises(ValueError):
        parse_instant(text, to_the_minute=True)
