"""The from-memory pricer's fast paths (issue 15 item 3) against the plain ones they replace, on a generated
log reaching every pricing case (tests/usage_gen.py: every model, tiers, residency, cliffs, context and
output limits, peak/off-peak windows that cut every day, launches and retirements, tool calls, bad records):

- a record's piece found per (group, day) and searched only on days a cut falls inside, against one
  np.searchsorted over every record (`price._DAY_TABLE = 0` forces it);
- grouped sums by one bincount per column over a mixed-radix key, against sort-and-reduce
  (`totals._DENSE_KEYS = 0` forces it);
- limits compared only on records above the smallest limit, prompt classes from per-model arrays: checked
  against a record-by-record reading of the price table (`prices.limits.over_limit`).

Same rows, totals to the last digit, problems (file, line, key, value, message) and assumptions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from costcalc.prices import load_prices
from costcalc.prices.limits import over_limit
from costcalc.usage import blocked, price, totals
from costcalc.usage.chunk import UsageChunk
from costcalc.usage.price import Repricer
from costcalc.usage.run import price_records, reprice_chunks

from .usage_gen import generated_log

AS = ["deepseek-v4-flash", "claude-opus-4-7", "gpt-5.5"]


@pytest.fixture(scope="module")
def table():
    return load_prices()


@pytest.fixture(scope="module")
def log(table):
    frame = generated_log(table, 6000, seed=15)
    # a record decades before the others: a day span of ~20,000 days in one slice
    frame.loc[7, "timestamp"] = pd.Timestamp("1971-03-04T05:06:07Z")
    return frame


def _result(table, log, by):
    out = reprice_chunks([UsageChunk(log, len(log), [])], table, AS, by)
    return out.rows, out.totals_usd, [str(p) for p in out.problems], out.assumptions, out.records, out.reported


def _same(a, b):
    pd.testing.assert_frame_equal(a[0], b[0])
    assert a[1:] == b[1:]


@pytest.mark.parametrize("by", [["month"], ["day", "tag:team"]])
def test_fast_paths_give_the_plain_paths_answer(table, log, by, monkeypatch):
    fast = _result(table, log, by)
    monkeypatch.setattr(price, "_DAY_TABLE", 0)
    monkeypatch.setattr(totals, "_DENSE_KEYS", 0)
    plain = _result(table, log, by)
    _same(fast, plain)
    assert fast[5] > 0 and fast[2]  # the log has bad records, reported in both
    # records priced + reported = read, and the day grouping really spans many groups
    assert fast[4] == len(log)


def test_per_record_prices_equal_with_either_piece_search(table, log, monkeypatch):
    fast = price_records([UsageChunk(log, len(log), [])], table, AS[:1])
    monkeypatch.setattr(price, "_DAY_TABLE", 0)
    plain = price_records([UsageChunk(log, len(log), [])], table, AS[:1])
    pd.testing.assert_frame_equal(fast, plain)
    assert fast.attrs == plain.attrs


def test_pieces_equal_searchsorted_on_cut_days():
    # two groups in January 1970 (so seconds since 1970 are seconds of the month): cuts at the month's start,
    # inside days (16:30, 00:30), at a day edge, and on day 7 a piece from 01:00 to 02:00 between two pieces
    # of the same outcome (the day's first and last second have equal outcomes but not the same piece)
    starts = {0: np.array([0, 86_400 + 59_400, 2 * 86_400 + 1_800, 5 * 86_400, 7 * 86_400 + 3_600,
                           7 * 86_400 + 7_200], dtype=np.int64),
              1: np.array([0, 3 * 86_400 + 1], dtype=np.int64)}
    outcomes = {0: np.array([10, 11, 10, 12, 13, 12], dtype=np.int64), 1: np.array([20, 21], dtype=np.int64)}
    rng = np.random.default_rng(3)
    n = 5000
    group = rng.integers(0, 2, n).astype(np.int64)
    seconds = rng.integers(0, 10 * 86_400, n)
    seconds[:24] = np.array([86_400 + 59_399, 86_400 + 59_400, 5 * 86_400 - 1, 5 * 86_400, 3 * 86_400,
                             3 * 86_400 + 1, 0, 86_399, 86_400, 2 * 86_400 + 1_799, 7 * 86_400 + 3_599,
                             7 * 86_400 + 3_600] * 2)
    ns = seconds * 1_000_000_000 + rng.integers(0, 1_000_000_000, n)  # fractions of a second are floored
    expected = np.array([outcomes[g][np.searchsorted(starts[g], s, side="right") - 1]
                         for g, s in zip(group.tolist(), seconds.tolist())])
    for limit in (price._DAY_TABLE, 0):  # per (group, day) table, then a search for every record
        clock = blocked.SliceClock(ns, price._month_start)
        assert clock.base == 0 and clock.n_months == 1
        table = blocked.PieceTable(clock, limit)
        for g in (0, 1):
            assert table.group(("model", "tier", False, g)) == g
            table.add(g, 0, starts[g], outcomes[g])
        day = clock.days(0, n, np.empty(n, dtype=np.int64))
        found = table.lookup(group, day, 0, np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64))
        assert (found == expected).all()
        assert (table.table is None) == (limit == 0)


def test_limits_match_a_record_by_record_reading(table, log):
    repricer = Repricer(table)
    priced = repricer.price(log)
    ids = priced.ids[0]
    messages = {i: repricer.plan.errors[-1 - int(v)][1] for i, v in enumerate(ids) if v < 0}
    names = dict(zip(zip(log["provider"], log["model"]), map(repricer.model_of, log["provider"], log["model"])))
    checked = 0
    for i, row in enumerate(log.itertuples(index=False)):
        model_id, _error = names[(row.provider, row.model)]
        if model_id is None:
            continue
        prompt = row.input_tokens + row.cached_tokens + row.cache_write_5m_tokens + row.cache_write_1h_tokens
        found = over_limit(table.models[model_id], prompt, row.output_tokens + row.reasoning_tokens)
        if found is not None:
            # above a limit: reported (as that limit, or for another reason found first: tier, date)
            assert i in messages
            checked += "context window" in messages[i] or "max output" in messages[i]
        elif i in messages:
            assert "context window" not in messages[i] and "max output" not in messages[i]
    assert checked > 50  # the log reaches both limits on many records


def test_day_totals_take_the_dense_path_over_the_days_of_the_log(table, monkeypatch):
    """Days are counted from 1970 (about 20,000 in 2026): the key's range is its own minimum to maximum, not
    0 to maximum, or every `--by day` run with a few outcomes would give up the dense sums and sort."""
    frame = generated_log(table, 2000, seed=16)
    calls = {"sorted": 0}
    real = totals._sorted_sums

    def counted(*args, **kwargs):
        calls["sorted"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(totals, "_sorted_sums", counted)
    days = frame["timestamp"].dt.floor("D").nunique()
    assert days > 30  # the generated log spans months
    dense = reprice_chunks([UsageChunk(frame, len(frame), [])], table, AS, ["day"])
    assert calls["sorted"] == 0
    monkeypatch.setattr(totals, "_DENSE_KEYS", 0)
    plain = reprice_chunks([UsageChunk(frame, len(frame), [])], table, AS, ["day"])
    assert calls["sorted"] > 0
    pd.testing.assert_frame_equal(dense.rows, plain.rows)
    assert dense.totals_usd == plain.totals_usd
