"""What pricing costs inside the 1,000-profile projection (benchmarks/big_estimate.py's profiles, 10 models,
36 months): wall and CPU seconds of costcalc.projection.pricing.price and its parts (_sums, _decimals,
_report) summed over a projection's chunks, for the first projection of the process (cold caches: what
big_estimate.py measures) and the best of the others; with --memory, what pricing keeps for the whole
projection (projector.priced, projector.weighted_rows) and its peak above what it started from
(tracemalloc, which slows the run: no timings then). The load average is printed: on a shared machine
compare figures measured one after the other.

Run: python benchmarks/pricing_parts.py [PROFILES] [--runs N] [--memory]
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import big_estimate

from costcalc.api import prices_from, workloads_from
from costcalc.projection import frame as frame_module
from costcalc.projection import pricing, project

PARTS = ("_sums", "_decimals", "_report")


def main() -> None:
    args = sys.argv[1:]
    runs = 3
    if "--runs" in args:
        at = args.index("--runs")
        runs = int(args[at + 1])
        del args[at:at + 2]
    numbers = [a for a in args if not a.startswith("--")]
    count = int(numbers[0]) if numbers else 1000
    table = prices_from(None)
    loaded = workloads_from(big_estimate.profiles(count), table, ())
    if "--memory" in sys.argv:
        memory(loaded, table)
        return
    spent: dict[str, list[float]] = {}

    def timed(name: str, function):
        def call(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                totals = spent.setdefault(name, [0.0, 0.0])
                totals[0] += time.perf_counter() - wall
                totals[1] += time.process_time() - cpu
        return call

    for name in PARTS:
        setattr(pricing, name, timed(name, getattr(pricing, name)))
    frame_module.price = timed("price", frame_module.price)  # what _Columns.flush calls
    results = []
    for _ in range(max(runs, 2)):
        spent.clear()
        project(loaded, table, (2026, 12), 36)
        results.append({name: tuple(values) for name, values in spent.items()})
    for label, chosen in (("first", results[0]), ("best_of_rest", _best(results[1:]))):
        figures = " ".join(f"{name}={chosen[name][0]:.3f}s(cpu {chosen[name][1]:.3f})"
                           for name in ("price",) + PARTS)
        print(f"pricing profiles={count} {label}: {figures}")
    print("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()))


def _best(results: list[dict]) -> dict:
    return {name: min(r[name] for r in results) for name in results[0]}


def memory(loaded, table) -> None:
    kept: dict = {}
    peaks: list[float] = []
    price = frame_module.price

    def measured(projector, *args):
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = price(projector, *args)
        peaks.append((tracemalloc.get_traced_memory()[1] - start) / 2 ** 20)
        kept["projector"] = projector
        return out

    frame_module.price = measured
    tracemalloc.start()
    project(loaded, table, (2026, 12), 36)
    projector = kept["projector"]
    blocks = {id(rows.block): rows.block for p in projector.priced.values() for rows in (p.lines, p.pseudo)}
    priced = sum(_nbytes(getattr(b, name)) for b in blocks.values() for name in pricing._FIELDS)
    weighted = sum(_nbytes(v) for v in projector.weighted_rows.values())
    print(f"pricing memory: kept priced={priced / 2 ** 20:.1f} MiB ({len(projector.priced)} kinds) "
          f"weighted_rows={weighted / 2 ** 20:.1f} MiB ({len(projector.weighted_rows)} entries); "
          f"peak above the start of price() per chunk: max={max(peaks):.1f} MiB mean={sum(peaks) / len(peaks):.1f}")


def _nbytes(value) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    return 0


if __name__ == "__main__":
    main()
