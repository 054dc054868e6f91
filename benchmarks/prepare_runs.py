"""The per-run Python of the big projection alone: how long costcalc.projection takes to turn each
(profile, model) of benchmarks/big_estimate.py's profiles into a pricing.RunSpec, before any pricing.

    python benchmarks/prepare_runs.py [PROFILES] [REPEATS]     # 1,000 profiles (10,000 runs), best of 5

projection._run on the loaded profiles with pricing left out (_Columns.add keeps nothing, _Columns.frame
builds nothing), each repeat on a fresh projector: what it prints is the whole preparation, the price table's
segmentation of each request class's months (projector.slots, printed on its own) included. `cached` runs
the same profiles again on the last projector, where every profile, preparation and structure is kept:
what is left per run. The load average is printed: on a shared machine compare figures taken together.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import big_estimate  # noqa: E402  (the same profiles as the big projection)

from costcalc import calendar as cal  # noqa: E402
from costcalc.api import prices_from, workloads_from  # noqa: E402
from costcalc.projection import _run  # noqa: E402
from costcalc.projection.frame import _Columns  # noqa: E402
from costcalc.projection.projector import _Projector  # noqa: E402
from costcalc.projection.structures import Volumes  # noqa: E402


class _Unpriced(_Columns):
    """Keeps no run: the preparation alone is measured."""

    def add(self, spec) -> None:
        pass

    def frame(self, profiles, month_list):  # type: ignore[override]
        return None


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    table = prices_from(None)
    profiles = list(workloads_from(big_estimate.profiles(count), table, ()))
    month_list = cal.months(2026, 12, 36)
    runs = sum(len(p.models) for p in profiles)
    whole, slots, cached = [], [], []
    for _ in range(repeats):
        projector = _Projector(table, "actual")
        spent = [0.0]
        segment = projector.slots

        def timed_slots(*args, segment=segment, spent=spent):
            t = time.perf_counter()
            try:
                return segment(*args)
            finally:
                spent[0] += time.perf_counter() - t

        projector.slots = timed_slots  # type: ignore[method-assign]
        t = time.perf_counter()
        _run(profiles, projector, month_list, (2026, 12), _Unpriced(projector, Volumes(), len(month_list)))
        whole.append(time.perf_counter() - t)
        slots.append(spent[0])
        t = time.perf_counter()
        _run(profiles, projector, month_list, (2026, 12), _Unpriced(projector, Volumes(), len(month_list)))
        cached.append(time.perf_counter() - t)
    best = whole.index(min(whole))
    print(f"prepare runs={runs:,} seconds={whole[best]:.3f} (of which slots {slots[best]:.3f}) "
          f"cached={min(cached):.3f} all={' '.join(f'{t:.3f}' for t in whole)} "
          f"load={' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
