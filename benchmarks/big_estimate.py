"""1,000 profiles x 10 models x 36 months through costcalc.estimate; prints wall time and peak RSS, then
what a notebook does next with the frame: one column access (`df["cost_usd"]`), an exact groupby-sum
per month and `costcalc.summarize(df)`, each the best of 3.

Run as its own process (peak RSS is per process): python benchmarks/big_estimate.py [PROFILES]

`--projection`: the projection alone (costcalc.projection.project on the loaded profiles, what issue 15
measures: wall and CPU seconds, peak RSS); `--projection --reference`: the same with the implementation
it replaced (tests/reference_projection.py), for the before/after ratio. Run them one after the other
(or alternately, several times) so both see the same machine load. costcalc's frame makes the Decimals of
tokens and cost_usd when a value is first read (costcalc.frames.decimal.DecimalArray.deferred): both modes
also print what that first read costs (first_read_*), so the deferred work is never hidden.
"""

from __future__ import annotations

import random
import resource
import sys
import time
from decimal import Decimal

import pandas as pd

MODELS = ["deepseek-v4-pro", "deepseek-v4-flash", "deepseek-flash", "gpt-5.5", "gpt-5.4", "gpt-5.4-mini",
          "claude-opus-4-7", "claude-sonnet-4-6", "claude-haiku-4-5", "gemini-3.1-pro"]
ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Shanghai"]


def profiles(count: int, seed: int = 7) -> pd.DataFrame:
    """A varied but reproducible set: volumes, prompt sizes, cache rates, tiers, traffic shapes."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        shaped = rng.random() < 0.3
        row = {
            "name": f"profile-{i:04d}",
            "requests_per_day": rng.choice([100, 1_000, 5_000, 20_000, 100_000]),
            "input_tokens": rng.choice([500, 2_000, 8_000, 30_000, 120_000]),
            "output_tokens": rng.choice([100, 300, 800, 2_000]),
            "cache_hit_rate": rng.choice([0, 0.3, 0.6, 0.9]),
            "tiers.standard": 0.8, "tiers.batch": 0.2,
            "growth_per_month": rng.choice([0, 0.02, 0.05]),
            "models": MODELS,
            "tags.team": rng.choice(["search", "support", "data", "legal"]),
        }
        if shaped:
            row["traffic.timezone"] = rng.choice(ZONES)
            row["traffic.hours"] = "[" + ", ".join(str(rng.choice([0, 1, 2, 4])) for _ in range(24)) + "]"
        rows.append(row)
    return pd.DataFrame(rows)


def projection_only(count: int, reference: bool) -> None:
    from costcalc.api import prices_from, workloads_from

    if reference:
        sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
        from tests.reference_projection import project
    else:
        from costcalc.projection import project
    table = prices_from(None)
    loaded = workloads_from(profiles(count), table, ())
    wall, cpu = time.perf_counter(), time.process_time()
    frame = project(loaded, table, (2026, 12), 36)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_mib = _peak_mib()
    # the exact values: costcalc makes the Decimals of tokens and cost_usd when they are first read (the
    # reference made them in the projection); what that first read costs, and the peak after it
    read = time.process_time()
    for column in ("tokens", "cost_usd"):
        frame[column].sum()
    read = time.process_time() - read
    print(f"{'reference' if reference else 'costcalc'} projection profiles={count} rows={len(frame):,} "
          f"seconds={wall:.2f} cpu_seconds={cpu:.2f} peak_rss_mib={peak_mib:.0f} "
          f"first_read_cpu_seconds={read:.2f} peak_rss_after_read_mib={_peak_mib():.0f}")


def _peak_mib() -> float:
    """This process's peak RSS in MiB. On Linux VmHWM, the peak of this process's own memory: ru_maxrss
    also keeps the peak of the process it was forked from (the kernel carries it over the exec), so run by
    benchmarks/all.py, whose process holds a 1M-record log, it reported ~580 MiB for a 191 MiB run."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    # ru_maxrss: KiB on Linux, bytes on macOS
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def _minor_faults() -> int:
    """This process's minor page faults so far: fresh memory touched (each a page, or a huge page). On this
    project's VMs a fault on memory freed a few seconds earlier costs the host's fault too (benchmarks/all.py
    prints that cost), so the count explains much of a wall figure that moves between runs."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def main() -> None:
    numbers = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(numbers[0]) if numbers else 1000
    if "--projection" in sys.argv:
        projection_only(count, "--reference" in sys.argv)
        return
    import costcalc

    frame = profiles(count)
    # costcalc imports its API on first use (PEP 562): that import is start-up, which all.py measures as a
    # whole process (`costcalc estimate`), so it is timed here on its own (import_s), not inside the estimate
    t0 = time.perf_counter()
    estimate = costcalc.estimate
    imported = time.perf_counter() - t0
    faults = _minor_faults()
    t0 = time.perf_counter()
    df = estimate(frame, start="2026-12", months=36)
    elapsed = time.perf_counter() - t0
    peak_mib = _peak_mib()  # the estimate's peak, before the frame operations below
    estimate_faults, faults = _minor_faults() - faults, _minor_faults()
    # tokens and cost_usd are made (Decimals) when first read: that first read, timed on its own
    first = time.perf_counter()
    df["cost_usd"].sum()
    first_read = time.perf_counter() - first
    read_faults = _minor_faults() - faults
    read_peak_mib = _peak_mib()
    column = best(lambda: df["cost_usd"])
    grouped = best(lambda: df.groupby("month", observed=True)["cost_usd"].sum())
    summary = best(lambda: costcalc.summarize(df))
    # the groupby-sum must be exact: the same as adding the Decimals at 120 digits
    from costcalc.money import exact_sum

    exact = exact_sum(df["cost_usd"]) == exact_sum(Decimal(str(v)) for v in grouped[1])
    print(f"profiles={count} models={len(MODELS)} months=36 rows={len(df):,} seconds={elapsed:.2f} "
          f"import_s={imported:.3f} peak_rss_mib={peak_mib:.0f} first_read_s={first_read:.3f} "
          f"peak_rss_after_read_mib={read_peak_mib:.0f} "
          f"minor_faults_estimate={estimate_faults} minor_faults_first_read={read_faults} "
          f"column_s={column[0]:.3f} "
          f"groupby_sum_s={grouped[0]:.3f} "
          f"summarize_s={summary[0]:.2f} groupby_exact={exact}")


def best(fn, runs: int = 3):
    """(best seconds, result of the last call) of fn() over `runs` calls."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


if __name__ == "__main__":
    main()
