"""How long the canonical document takes to build: PROFILES profiles x 10 models x 36 months through
costcalc.estimate, then report.document.to_document (the JSON every format renders from), best of RUNS,
wall and CPU seconds. `--profile` prints the top of a cProfile of one to_document call instead. To
compare two checkouts, run it with each one's PYTHONPATH (the benchmark itself imports only costcalc's
public estimate and report.document.to_document).

    python benchmarks/to_document.py [PROFILES] [RUNS] [--profile]
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from big_estimate import profiles


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(args[0]) if args else 200
    runs = int(args[1]) if len(args) > 1 else 1
    import costcalc
    from costcalc.report.document import dumps, to_document

    df = costcalc.estimate(profiles(count), start="2026-12", months=36)
    print(f"{count} profiles: {len(df):,} cost lines")
    if "--profile" in sys.argv:
        profiler = cProfile.Profile()
        profiler.enable()
        to_document(df)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return
    times = [_timed(lambda: to_document(df)) for _ in range(runs)]
    wall, cpu = min(t[0] for t in times), min(t[1] for t in times)
    print(f"to_document: {wall:.2f} s wall, {cpu:.2f} s CPU (best of {runs})")
    print(f"its JSON: {len(dumps(to_document(df)).encode()) / 2 ** 20:.1f} MiB")


def _timed(call) -> tuple[float, float]:
    """Wall and CPU seconds of one call (CPU time is the steadier figure on a shared machine)."""
    t0, c0 = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - t0, time.process_time() - c0


if __name__ == "__main__":
    main()
