"""How soon a strict re-pricing run stops at a bad first record (issue 15, revU 1): the 1M-record log of
benchmarks/usage.py from memory, its first record made bad, `reprice_chunks(..., strict=True)` until it
raises, in two checkouts as alternating processes. CPU and wall seconds and minor page faults per call,
best and median, and the error line (it must be the same in every checkout).

    python benchmarks/strict_stop.py /path/to/old/checkout /path/to/new/checkout --reps 3 --calls 5

Bad first records: `model` (an unknown name: whether its error gets "did you mean" depends on every name of
the slice), `tier` (an unknown service tier); `log`: the log as it is (its first bad record is line 20, a
model asked for before its launch). Run benchmarks/all.py --quick once first so the log exists."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

LOG = "/tmp/costcalc-bench-usage/n1000000-s2026/log.parquet"
CASES = ("model", "tier", "log")


def _bad(frame, case: str):
    """The frame with its first record made bad (`log`: the frame as it is)."""
    if case == "log":
        return frame
    frame = frame.copy()
    column, value = ("service_tier", "platinum") if case == "tier" else ("model", "gpt-5.5-typo")
    values = frame[column].to_numpy(dtype=object, copy=True)
    values[0] = value
    frame[column] = values
    frame[column] = frame[column].astype(frame["provider"].dtype)  # the reader's text dtype
    return frame


def one(calls: int) -> None:
    """In a checkout's process: the timed calls per case, as JSON on stdout."""
    import resource

    import pandas as pd

    from costcalc.errors import InputError
    from costcalc.prices import load_prices
    from costcalc.usage.chunk import UsageChunk
    from costcalc.usage.run import reprice_chunks

    table = load_prices()
    log = pd.read_parquet(LOG)
    out: dict[str, list] = {}
    for case in CASES:
        frame = _bad(log, case)

        def timed(frame) -> tuple[float, float, int, str]:
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            cpu, wall = time.process_time(), time.perf_counter()
            try:
                reprice_chunks([UsageChunk(frame, len(frame), [])], table, by=["month"], strict=True)
                line = "no error"
            except InputError as exc:
                line = str(exc)
            return (time.perf_counter() - wall, time.process_time() - cpu,
                    resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults, line)

        timed(frame)  # warm-up: the shared price plan's cuts are built once per process
        out[case] = [timed(frame) for _ in range(calls)]
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="*")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.calls)
        return
    print("load average before:", " ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)
    found: dict[str, dict[str, list]] = {tree: {case: [] for case in CASES} for tree in args.checkouts}
    for _ in range(args.reps):
        for tree in args.checkouts:
            done = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", "--calls", str(args.calls)],
                                  cwd=tree, env=dict(os.environ, PYTHONPATH=tree), capture_output=True, text=True,
                                  check=True)
            for case, calls in json.loads(done.stdout).items():
                found[tree][case] += calls
    print("load average after:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for tree, cases in found.items():
        print(tree)
        for case, calls in cases.items():
            walls, cpus, faults = (sorted(c[i] for c in calls) for i in range(3))
            lines = {c[3] for c in calls}
            print(f"  {case:5s} CPU best {cpus[0] * 1000:6.1f} ms, median {cpus[len(cpus) // 2] * 1000:6.1f}; "
                  f"wall best {walls[0] * 1000:6.1f} ms, median {walls[len(walls) // 2] * 1000:6.1f}; "
                  f"minor faults median {faults[len(faults) // 2]:,}; {len(calls)} calls")
            for line in sorted(lines):
                print(f"        {line[:150]}")


if __name__ == "__main__":
    main()
