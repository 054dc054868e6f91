"""Equality of re-pricing between two checkouts on the benchmark logs (issue 15: the faster paths give
identical rows, totals, problems and assumptions to the previous implementation).

    PYTHONPATH=/path/to/old/checkout python benchmarks/reprice_equal.py dump /tmp/old.pkl
    PYTHONPATH=$PWD python benchmarks/reprice_equal.py check /tmp/old.pkl

Compares, from memory (the 1,000,000-record log of benchmarks/usage.py): grouped by month; by day and
tag:team with three --as models; per-record prices (every 50th record, one --as model); and the three
provider JSON-lines logs of 300,000 records read and re-priced by day and tag:team. Run benchmarks/all.py
--quick first so both logs exist in /tmp/costcalc-bench-usage.

Equal Decimals written differently (0.008 and 0.00800000) compare equal, so every value is also compared as
it is written: each Decimal by its str (value and exponent: what a user's file or notebook shows)."""

from __future__ import annotations

import argparse
import pickle
from decimal import Decimal
from pathlib import Path

import pandas as pd

from costcalc.prices import load_prices
from costcalc.usage.chunk import UsageChunk
from costcalc.usage.read import iter_usage
from costcalc.usage.run import price_records, reprice_chunks

CACHE = Path("/tmp/costcalc-bench-usage")


def results() -> dict:
    table = load_prices()
    frame = pd.read_parquet(CACHE / "n1000000-s2026" / "log.parquet")

    def summary(result):
        return (result.rows, result.records, result.priced, result.reported, [str(p) for p in result.problems],
                result.assumptions, result.totals_usd)

    out = {"month": summary(reprice_chunks([UsageChunk(frame, len(frame), [])], table, by=["month"])),
           "day_team_as": summary(reprice_chunks([UsageChunk(frame, len(frame), [])], table, by=["day", "tag:team"],
                                                 models=["gpt-5.5", "claude-opus-4-7", "deepseek-v4-flash"]))}
    sample = frame.iloc[::50].reset_index(drop=True)
    out["records"] = price_records([UsageChunk(sample, len(sample), [])], table, models=["gpt-5.4-mini"])
    logs = [CACHE / "n300000-s2026" / f"{p}.jsonl" for p in ("openai", "anthropic", "deepseek")]
    out["jsonl"] = summary(reprice_chunks(iter_usage(logs), table, by=["day", "tag:team"]))
    return out


def written(value):
    """`value` with every Decimal, in frames, attrs, lists, tuples and dicts, replaced by its repr (its str
    within Decimal('...')): equal exactly when the digits and exponents are (a frame by its columns, dtypes
    and written cells)."""
    if isinstance(value, Decimal):
        return repr(value)
    if isinstance(value, pd.DataFrame):
        return ("DataFrame", list(value.columns), [str(t) for t in value.dtypes],
                [written(value[c].tolist()) for c in value.columns], written(value.attrs))
    if isinstance(value, dict):
        return {key: written(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(written(item) for item in value)
    return value


def first_difference(old, now, where: str = "") -> str:
    """Where two `written` forms first differ, for the failure message."""
    if type(old) is not type(now) or not isinstance(old, (dict, list, tuple)):
        return f"{where}: {old!r} != {now!r}"
    if isinstance(old, dict):
        if old.keys() != now.keys():
            return f"{where}: keys {sorted(old.keys() ^ now.keys(), key=str)} differ"
        pairs = [(f"{where}[{key!r}]", old[key], now[key]) for key in old]
    else:
        if len(old) != len(now):
            return f"{where}: {len(old)} != {len(now)} items"
        pairs = [(f"{where}[{i}]", a, b) for i, (a, b) in enumerate(zip(old, now))]
    return next(first_difference(a, b, place) for place, a, b in pairs if a != b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["dump", "check"])
    parser.add_argument("path", type=Path)
    args = parser.parse_args()
    found = results()
    if args.action == "dump":
        args.path.write_bytes(pickle.dumps(found))
        return
    before = pickle.loads(args.path.read_bytes())
    for name, now in found.items():
        old = before[name]
        if isinstance(old, pd.DataFrame):
            pd.testing.assert_frame_equal(old, now)
            assert old.attrs == now.attrs, name
        else:
            pd.testing.assert_frame_equal(old[0], now[0])
            assert old[1:] == now[1:], name
        digits_old, digits_now = written(old), written(now)
        assert digits_old == digits_now, f"{name}: values equal, written differently: " + \
            first_difference(digits_old, digits_now, name)
        print(f"{name}: identical (every Decimal's str too)")


if __name__ == "__main__":
    main()
