"""Equality of re-pricing between two checkouts on the benchmark logs (issue 15: the faster paths give
identical rows, totals, problems and assumptions to the previous implementation).

    PYTHONPATH=/path/to/old/checkout python benchmarks/reprice_equal.py dump /tmp/old.pkl
    PYTHONPATH=$PWD python benchmarks/reprice_equal.py check /tmp/old.pkl

Compares, from memory (the 1,000,000-record log of benchmarks/usage.py): grouped by month; by day and
tag:team with three --as models; per-record prices (every 50th record, one --as model); and the three
provider JSON-lines logs of 300,000 records read and re-priced by day and tag:team. Run benchmarks/all.py
--quick first so both logs exist in /tmp/costcalc-bench-usage."""

from __future__ import annotations

import argparse
import pickle
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
        print(f"{name}: identical")


if __name__ == "__main__":
    main()
