"""The from-memory re-pricer (all.py's memory_repricer call: 1M records by month) in two checkouts, alternating
processes: records/s back-to-back and after time.sleep(3), CPU seconds and minor page faults per call (the
fresh memory a call touches: deterministic, unlike wall time, and slow on VMs that hand freed pages back to
their host). Issue 15, session s7.

    python benchmarks/memory_ab.py /path/to/old/checkout /path/to/new/checkout --rounds 5 --reps 3

Each process loads the log, makes two warm-up calls, then `rounds` times: sleep 3 s, one call ("after sleep"),
one more call right away ("back-to-back"). Best and median over all processes of a checkout; the load average
is printed before and after. Run benchmarks/all.py --quick once first so the 1M-record log exists."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

LOG = "/tmp/costcalc-bench-usage/n1000000-s2026/log.parquet"


def one(rounds: int) -> None:
    """In a checkout's process: the timed calls, as JSON on stdout."""
    import resource

    import pandas as pd

    from costcalc.prices import load_prices
    from costcalc.usage.chunk import UsageChunk
    from costcalc.usage.run import reprice_chunks

    table = load_prices()
    frame = pd.read_parquet(LOG)

    def timed() -> tuple[float, float, int, str]:
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        cpu, wall = time.process_time(), time.perf_counter()
        result = reprice_chunks([UsageChunk(frame, len(frame), [])], table, by=["month"])
        return (time.perf_counter() - wall, time.process_time() - cpu,
                resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults, str(result.total_usd))

    timed()
    timed()
    out: dict[str, list] = {"sleep": [], "b2b": []}
    for _ in range(rounds):
        time.sleep(3)
        out["sleep"].append(timed())
        out["b2b"].append(timed())
    print(json.dumps({**out, "records": len(frame)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="*")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.rounds)
        return
    print("load average before:", " ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)
    found: dict[str, dict[str, list]] = {tree: {"sleep": [], "b2b": []} for tree in args.checkouts}
    records = 0
    for _ in range(args.reps):
        for tree in args.checkouts:
            done = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", "--rounds", str(args.rounds)],
                                  cwd=tree, env=dict(os.environ, PYTHONPATH=tree), capture_output=True, text=True,
                                  check=True)
            answer = json.loads(done.stdout)
            records = answer["records"]
            for kind in ("sleep", "b2b"):
                found[tree][kind] += answer[kind]
    print("load average after:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for tree, kinds in found.items():
        totals = {total for calls in kinds.values() for *_, total in calls}
        print(f"{tree}: total_usd {', '.join(sorted(totals))}")
        for kind, calls in kinds.items():
            walls = sorted(c[0] for c in calls)
            cpus = sorted(c[1] for c in calls)
            faults = sorted(c[2] for c in calls)
            name = "after sleep(3)" if kind == "sleep" else "back-to-back"
            median = records / walls[len(walls) // 2] / 1e6
            print(f"  {name:15s} best {records / walls[0] / 1e6:5.2f}M rec/s, median {median:5.2f}M; "
                  f"CPU best {cpus[0] * 1000:.0f} ms; "
                  f"minor faults a call median {faults[len(faults) // 2]:,} ({faults[0]:,}-{faults[-1]:,}); "
                  f"{len(calls)} calls")


if __name__ == "__main__":
    main()
