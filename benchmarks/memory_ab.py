"""The from-memory re-pricer (all.py's memory_repricer call: 1M records by month) in two checkouts, alternating
processes: records/s back-to-back and after time.sleep(3), CPU seconds and minor page faults per call (the
fresh memory a call touches: deterministic, unlike wall time, and slow on VMs that hand freed pages back to
their host). Issue 15, session s7.

    python benchmarks/memory_ab.py /path/to/old/checkout /path/to/new/checkout --rounds 5 --reps 3

Each process loads the log, makes two warm-up calls, then `rounds` times: sleep 3 s, one call ("after sleep"),
one more call right away ("back-to-back"). Best and median over all processes of a checkout; the load average
is printed before and after. Run benchmarks/all.py --quick once first so the 1M-record log exists.

    python benchmarks/memory_ab.py OLD NEW --strict-stop --rounds 5 --reps 3

times instead how soon a strict run (`strict=True`) over that log stops at its first bad record (revU 1), with
the first record made bad: `model` (an unknown name: whether its error gets "did you mean" depends on every
name of the slice), `tier` (an unknown service tier); `log` is the log as it is (its first bad record is line
20, a model asked for before its launch). `rounds` calls per case after a warm-up, back-to-back; CPU and wall
best and median, minor faults, and the error line (it must be the same in every checkout)."""

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


STRICT_CASES = ("model", "tier", "log")


def _spoiled(frame, case: str):
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


def one_strict(calls: int) -> None:
    """In a checkout's process: the timed strict calls per case, as JSON on stdout."""
    import resource

    import pandas as pd

    from costcalc.errors import InputError
    from costcalc.prices import load_prices
    from costcalc.usage.chunk import UsageChunk
    from costcalc.usage.run import reprice_chunks

    table = load_prices()
    log = pd.read_parquet(LOG)

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

    out: dict[str, list] = {}
    for case in STRICT_CASES:
        frame = _spoiled(log, case)
        timed(frame)  # warm-up: the shared price plan's cuts are built once per process
        out[case] = [timed(frame) for _ in range(calls)]
    print(json.dumps({**out, "records": len(log)}))


def _print_strict(found: dict[str, dict[str, list]]) -> None:
    for tree, cases in found.items():
        print(tree)
        for case, calls in cases.items():
            walls, cpus, faults = (sorted(c[i] for c in calls) for i in range(3))
            print(f"  {case:5s} CPU best {cpus[0] * 1000:6.1f} ms, median {cpus[len(cpus) // 2] * 1000:6.1f}; "
                  f"wall best {walls[0] * 1000:6.1f} ms, median {walls[len(walls) // 2] * 1000:6.1f}; "
                  f"minor faults median {faults[len(faults) // 2]:,}; {len(calls)} calls")
            for line in sorted({c[3] for c in calls}):
                print(f"        {line[:150]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="*")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--strict-stop", action="store_true", help="time strict runs that stop at a bad record")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        (one_strict if args.strict_stop else one)(args.rounds)
        return
    print("load average before:", " ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)
    kinds_timed = STRICT_CASES if args.strict_stop else ("sleep", "b2b")
    found: dict[str, dict[str, list]] = {tree: {kind: [] for kind in kinds_timed} for tree in args.checkouts}
    records = 0
    for _ in range(args.reps):
        for tree in args.checkouts:
            done = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", "--rounds", str(args.rounds)]
                                  + (["--strict-stop"] if args.strict_stop else []),
                                  cwd=tree, env=dict(os.environ, PYTHONPATH=tree), capture_output=True, text=True,
                                  check=True)
            answer = json.loads(done.stdout)
            records = answer["records"]
            for kind in kinds_timed:
                found[tree][kind] += answer[kind]
    print("load average after:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if args.strict_stop:
        _print_strict(found)
        return
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
