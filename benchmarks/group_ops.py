"""Group operations on 2M exact amounts (the "decimal" dtype), values already made: groupby sum, mean and
count with few groups (36 months, in runs of 4 rows: an estimate frame's layout), with many groups in
group order (360,000: profile, model, month) and with many groups in random order, and isna.

    python benchmarks/group_ops.py [ROWS]
    python benchmarks/group_ops.py --estimate [PROFILES]   # big_estimate.py's frame (1,000 profiles: 2M rows)

The second times what big_estimate.py does after the first read (an exact groupby-sum per month and
costcalc.summarize) with CPU seconds and faults beside wall seconds, and a sum per (profile, model, month).

Prints, per operation, the best of 5 calls: wall seconds, CPU seconds and the minor page faults of that
call (fresh memory touched: its cost moves with the host, see README.md). Runs on any checkout (public API
only): to compare two, run it alternately with PYTHONPATH set to each.
"""

from __future__ import annotations

import os
import random
import resource
import sys
import time
from decimal import Decimal

import numpy as np
import pandas as pd

import costcalc.frames.decimal  # noqa: F401  (registers the "decimal" dtype)


def amounts(rows: int, seed: int = 7) -> pd.Series:
    """Cost-line-like amounts: up to 30 significant digits, 6 to 30 decimal places, laid out as a made
    estimate column is (about 0.3 distinct Decimal objects a row, made in row order: memory order is
    row order, which is what a group operation's speed depends on most)."""
    rng = random.Random(seed)
    count = max(1, rows * 3 // 10)
    distinct = [Decimal(rng.randrange(1, 10 ** rng.randint(4, 30))).scaleb(-rng.randint(6, 30)) for _ in range(count)]
    picks = np.sort(np.random.default_rng(seed).integers(0, count, rows))
    values = np.array(distinct, dtype=object)[picks]
    return pd.Series(pd.array(values, dtype="decimal"))


def keys(rows: int) -> dict[str, np.ndarray]:
    """Group keys of `rows` rows: months in runs of 4, 360,000 groups in order, 360,000 shuffled."""
    row = np.arange(rows)
    many = row * 360_000 // rows
    return {"months": (row // 4) % 36, "many_in_order": many,
            "many_shuffled": np.random.default_rng(1).permutation(many)}


def timed(fn, runs: int = 5) -> tuple[float, float, int]:
    """(best wall seconds, best CPU seconds, minor faults of the best-wall call) of fn() over `runs` calls."""
    best = (float("inf"), float("inf"), 0)
    for _ in range(runs):
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
        if wall < best[0]:
            best = (wall, min(cpu, best[1]), faults)
        else:
            best = (best[0], min(cpu, best[1]), best[2])
    return best


def synthetic_cases(rows: int) -> dict:
    series = amounts(rows)
    cases = {"isna": lambda: series.isna()}
    for name, key in keys(rows).items():
        grouped = series.groupby(key)
        for how in ("sum", "mean", "count"):
            cases[f"{how}_{name}"] = lambda grouped=grouped, how=how: getattr(grouped, how)()
    return cases


def estimate_cases(count: int) -> dict:
    """big_estimate.py's frame twice: its money unmade (a sum of the whole column makes no value, nor does a
    group sum or mean: projection.amounts.Joined), and made (count() makes the column, as reading a value
    or a slice does): a notebook meets both, and their group sums take other paths. The unmade frame's
    profile x model x month sum has too many (group, value) pairs for the deferred table, so it makes the
    values: the unmade cases after it run on made values."""
    import costcalc
    from big_estimate import profiles

    frame = profiles(count)
    unmade = costcalc.estimate(frame, start="2026-12", months=36)
    unmade["cost_usd"].sum()  # the first read, as big_estimate.py's: still no value made
    made = costcalc.estimate(frame, start="2026-12", months=36)
    made["cost_usd"].count()  # makes every value
    cases = {}
    for state, df in (("unmade", unmade), ("made", made)):
        cases[f"{state}_groupby_month_sum"] = lambda df=df: df.groupby("month", observed=True)["cost_usd"].sum()
        cases[f"{state}_groupby_profile_model_month_sum"] = \
            lambda df=df: df.groupby(["profile", "model", "month"], observed=True)["cost_usd"].sum()
        cases[f"{state}_summarize"] = lambda df=df: costcalc.summarize(df)
    return cases


def main() -> None:
    numbers = [int(a) for a in sys.argv[1:] if not a.startswith("--")]
    if "--estimate" in sys.argv:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        cases = estimate_cases(numbers[0] if numbers else 1000)
    else:
        cases = synthetic_cases(numbers[0] if numbers else 2_000_000)
    print(f"{' '.join(sys.argv[1:])} load={os.getloadavg()[0]:.2f}")
    for name, fn in cases.items():
        wall, cpu, faults = timed(fn)
        print(f"{name:32s} wall_s={wall:.3f} cpu_s={cpu:.3f} minor_faults={faults}")


if __name__ == "__main__":
    main()
