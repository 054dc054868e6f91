"""Issue 15 items 4 and 5: per-record quotes, and whole-process start-up of the commands people run often.

    python benchmarks/startup.py                       # this checkout alone, about a minute
    python benchmarks/startup.py --against ../main     # and another checkout, alternating run by run

Every figure is the best of `--runs` (default 5), in-process loops and whole processes alike: on a shared
machine the best run is the one least disturbed by others. Each is given by wall time and by CPU time
(user + system): on a machine with more runnable processes than cores, CPU time says more. With --against,
each run of each figure is taken for both checkouts in turn, so both see the same load, and the ratio is
printed. The load average is printed first and last; read the figures next to it.

Whole processes run `python -m costcalc` with PYTHONPATH at the checkout, as an installed costcalc runs:
with compiled bytecode (in a temporary PYTHONPYCACHEPREFIX, warmed by one untimed run, so nothing is written
into the checkouts) even where PYTHONDONTWRITEBYTECODE is set, which would otherwise recompile every module on
every start. `costcalc tokens` is measured cold (an empty vocabulary cache folder each run: the ranks are read
from the shipped files and the cache written) and warm (the cache written by an earlier run). Nothing is
asserted: tests assert behaviour, this prints speed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOALS = {"quote": 300_000, "estimate": 0.9, "tokens": 0.7}
# One process per checkout measures the per-record loop of benchmarks/run.py (20,000 records, table loaded
# once) and prints records per second.
_QUOTES = """import sys, time
import costcalc
assert costcalc.__file__.startswith({tree!r}), costcalc.__file__
sys.path.insert(0, {bench!r})
from run import costcalc_loop, mixed_records
from costcalc.prices import load_prices
table, records = load_prices(), mixed_records(20_000)
costcalc_loop(records, table)
wall, cpu = [], []
for _ in range({runs}):
    start, start_cpu = time.perf_counter(), time.process_time()
    costcalc_loop(records, table)
    wall.append(time.perf_counter() - start)
    cpu.append(time.process_time() - start_cpu)
print(len(records) / min(wall), len(records) / min(cpu))"""


def load() -> str:
    one, five, _ = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min), {os.cpu_count()} CPUs"


def quotes(tree: Path, runs: int) -> tuple[float, float]:
    """(records/s by wall time, records/s by CPU time) of the per-record loop, best runs."""
    code = _QUOTES.format(bench=str(ROOT / "benchmarks"), runs=runs, tree=str(tree))
    # cwd at the checkout: `python -c` puts the working folder first on sys.path, before PYTHONPATH
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env=dict(os.environ, PYTHONPATH=str(tree)), cwd=tree)
    wall, cpu = done.stdout.split()
    return float(wall), float(cpu)


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of `argv` as a whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr.decode()}")
    return seconds, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another costcalc checkout, measured alternately")
    args = parser.parse_args()
    trees = [ROOT] + ([args.against.resolve()] if args.against else [])
    names = ["this"] + (["against"] if args.against else [])
    print(load())
    print(f"checkouts: {', '.join(f'{n} = {t}' for n, t in zip(names, trees))}")

    rates = {t: (0.0, 0.0) for t in trees}
    for _ in range(2):  # alternate whole measurements too: two best-of-N each
        for tree in trees:
            wall, cpu = quotes(tree, args.runs)
            rates[tree] = (max(rates[tree][0], wall), max(rates[tree][1], cpu))
    for i, kind in enumerate(("wall", "CPU")):
        cells = "   ".join(f"{n} {rates[t][i]:>9,.0f} rec/s" for n, t in zip(names, trees))
        ratio = f"   speed-up {rates[trees[0]][i] / rates[trees[1]][i]:.2f}x" if len(trees) > 1 else ""
        met = "met" if rates[ROOT][i] >= GOALS["quote"] else "NOT met"
        print(f"{'per-record prices.quote, ' + kind:<40} {cells}{ratio}   goal >= {GOALS['quote']:,}: {met}")

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        small = Path(tmp) / "prompt.txt"
        small.write_text("Summarise the attached contract in three bullet points.\n" * 20, encoding="utf-8")
        base = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "COSTCALC_CACHE_DIR")}
        envs = {t: dict(base, PYTHONPATH=str(t), XDG_CACHE_HOME=str(cache / n),
                        PYTHONPYCACHEPREFIX=str(Path(tmp) / "pyc" / n)) for n, t in zip(names, trees)}
        costcalc = [sys.executable, "-m", "costcalc"]
        figures = [
            ("python -c pass", [sys.executable, "-c", "pass"], None, False),
            ("python -c 'import pandas'", [sys.executable, "-c", "import pandas"], None, False),
            ("costcalc --help", costcalc + ["--help"], None, False),
            ("costcalc quote gpt-5.5 ...", costcalc + ["quote", "gpt-5.5", "--input", "10k", "--output-tokens", "1k",
                                                       "--at", "2026-09-01T00:00Z"], None, False),
            ("costcalc prices list", costcalc + ["prices", "list", "--at", "2026-09-01T00:00Z"], None, False),
            ("costcalc estimate (bundled examples)", costcalc + ["estimate"], "estimate", False),
            ("costcalc tokens FILE (3 models), cold", costcalc + ["tokens", str(small)], "tokens", True),
            ("costcalc tokens FILE (3 models), warm", costcalc + ["tokens", str(small)], "tokens", False),
        ]
        for tree in trees:  # compile bytecode once, untimed
            timed(costcalc + ["tokens", str(small)], envs[tree], tree)
            timed(costcalc + ["estimate"], envs[tree], tree)
        print(f"{'whole process, best wall (best CPU)':<40}")
        for label, argv, goal, cold in figures:
            best = {t: (float("inf"), float("inf")) for t in trees}
            for _ in range(args.runs):
                for name, tree in zip(names, trees):
                    if cold:
                        shutil.rmtree(cache / name, ignore_errors=True)
                    wall, cpu = timed(argv, envs[tree], tree)
                    best[tree] = (min(best[tree][0], wall), min(best[tree][1], cpu))
            cells = "   ".join(f"{n} {best[t][0]:6.3f} s ({best[t][1]:.3f})" for n, t in zip(names, trees))
            ratio = f"   speed-up {best[trees[1]][0] / best[trees[0]][0]:.2f}x" if len(trees) > 1 else ""
            verdict = ""
            if goal:
                verdict = f"   goal < {GOALS[goal]} s: {'met' if best[ROOT][0] < GOALS[goal] else 'NOT met'}"
            print(f"{label:<40} {cells}{ratio}{verdict}")
    print(load())


if __name__ == "__main__":
    main()
