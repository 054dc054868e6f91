"""Issue 15 items 4 and 5: per-record quotes, and whole-process start-up of the commands people run often.

    python benchmarks/startup.py            # about a minute on 2 shared cores
    python benchmarks/startup.py --runs 9   # more runs, steadier best figures

Every figure is the best of `--runs` (default 5): in-process loops and whole processes alike, since on a
shared machine the best run is the one least disturbed by others. The load average is printed first and
last; read the figures next to it. Whole processes are run with the interpreter running this script and
PYTHONPATH at this checkout, so the figures are this tree's, installed or not.

`costcalc tokens` is measured cold (an empty vocabulary cache folder each run, so the ranks are read
from the shipped files and the cache written) and warm (the cache written by an earlier run). Nothing is
asserted: tests assert behaviour, this prints speed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

GOALS = {"quote": 300_000, "estimate": 0.9, "tokens": 0.7}


def load() -> str:
    one, five, _ = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min), {os.cpu_count()} CPUs"


def best_process(argv: list[str], runs: int, env: dict[str, str], before=None) -> float:
    """Best wall seconds of `argv` as a whole process (stdout discarded); `before()` runs untimed first."""
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
        times.append(time.perf_counter() - start)
        if done.returncode:
            sys.exit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr.decode()}")
    return min(times)


def quotes(runs: int, n: int = 20_000) -> float:
    """Records per second of benchmarks/run.py's per-record loop (prices.quote, table loaded once)."""
    from run import costcalc_loop, mixed_records

    from costcalc.prices import load_prices

    table = load_prices()
    records = mixed_records(n)
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        costcalc_loop(records, table)
        seconds.append(time.perf_counter() - start)
    return n / min(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = args.runs
    print(load())
    rate = quotes(runs)
    print(f"per-record prices.quote (benchmarks/run.py loop, 20,000 records)  {rate:>10,.0f} rec/s   "
          f"goal >= {GOALS['quote']:,} rec/s: {'met' if rate >= GOALS['quote'] else 'NOT met'}")

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_CACHE_HOME=str(cache))
        env.pop("COSTCALC_CACHE_DIR", None)
        small = Path(tmp) / "prompt.txt"
        small.write_text("Summarise the attached contract in three bullet points.\n" * 20, encoding="utf-8")
        costcalc = [sys.executable, "-m", "costcalc"]

        def clear_cache() -> None:
            subprocess.run(["rm", "-rf", str(cache)], check=True)

        figures = [
            ("python -c pass", [sys.executable, "-c", "pass"], None, None),
            ("python -c 'import pandas'", [sys.executable, "-c", "import pandas"], None, None),
            ("costcalc --help", costcalc + ["--help"], None, None),
            ("costcalc quote gpt-5.5 ...", costcalc + ["quote", "gpt-5.5", "--input", "10k", "--output-tokens",
                                                       "1k", "--at", "2026-09-01T00:00Z"], None, None),
            ("costcalc prices list", costcalc + ["prices", "list", "--at", "2026-09-01T00:00Z"], None, None),
            ("costcalc estimate (bundled examples)", costcalc + ["estimate"], "estimate", None),
            ("costcalc tokens FILE, 3 models, cold", costcalc + ["tokens", str(small)], "tokens", clear_cache),
            ("costcalc tokens FILE, 3 models, warm", costcalc + ["tokens", str(small)], None, None),
        ]
        for label, argv, goal, before in figures:
            seconds = best_process(argv, runs, env, before)
            verdict = ""
            if goal:
                verdict = f"goal < {GOALS[goal]} s: {'met' if seconds < GOALS[goal] else 'NOT met'}"
            print(f"{label:<40} {seconds:6.3f} s   {verdict}")
    print(load())


if __name__ == "__main__":
    main()
