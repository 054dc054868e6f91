"""Issue 15 items 4 and 5: per-record quotes, and whole-process start-up of the commands people run often.

    python benchmarks/startup.py                       # this checkout alone, about a minute
    python benchmarks/startup.py --against ../main     # and another checkout, alternating run by run

Every figure is the best of `--runs` (default 5), in-process loops and whole processes alike: on a shared
machine the best run is the one least disturbed by others. With --against, each run of each figure is taken
for both checkouts in turn, so both see the same load, and the ratio is printed. The load average is printed
first and last; read the figures next to it.

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
sys.path.insert(0, {bench!r})
from run import costcalc_loop, mixed_records
from costcalc.prices import load_prices
table, records = load_prices(), mixed_records(20_000)
costcalc_loop(records, table)
best = min((lambda s: (costcalc_loop(records, table), time.perf_counter() - s)[1])(time.perf_counter())
           for _ in range({runs}))
print(len(records) / best)"""


def load() -> str:
    one, five, _ = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min), {os.cpu_count()} CPUs"


def quotes(tree: Path, runs: int) -> float:
    code = _QUOTES.format(bench=str(ROOT / "benchmarks"), runs=runs)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env=dict(os.environ, PYTHONPATH=str(tree)))
    return float(done.stdout)


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    seconds = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr.decode()}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another costcalc checkout, measured alternately")
    args = parser.parse_args()
    trees = [ROOT] + ([args.against.resolve()] if args.against else [])
    names = ["this"] + (["against"] if args.against else [])
    print(load())
    print(f"checkouts: {', '.join(f'{n} = {t}' for n, t in zip(names, trees))}")

    rates = {t: 0.0 for t in trees}
    for _ in range(2):  # alternate whole measurements too: two best-of-N each
        for tree in trees:
            rates[tree] = max(rates[tree], quotes(tree, args.runs))
    cells = "   ".join(f"{n} {rates[t]:>9,.0f} rec/s" for n, t in zip(names, trees))
    ratio = f"   speed-up {rates[trees[0]] / rates[trees[1]]:.2f}x" if len(trees) > 1 else ""
    met = "met" if rates[ROOT] >= GOALS["quote"] else "NOT met"
    print(f"{'per-record prices.quote (run.py loop)':<40} {cells}{ratio}   goal >= {GOALS['quote']:,}: {met}")

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
        for label, argv, goal, cold in figures:
            best = {t: float("inf") for t in trees}
            for _ in range(args.runs):
                for name, tree in zip(names, trees):
                    if cold:
                        shutil.rmtree(cache / name, ignore_errors=True)
                    best[tree] = min(best[tree], timed(argv, envs[tree], tree))
            cells = "   ".join(f"{n} {best[t]:6.3f} s" for n, t in zip(names, trees))
            ratio = f"   speed-up {best[trees[1]] / best[trees[0]]:.2f}x" if len(trees) > 1 else ""
            verdict = f"   goal < {GOALS[goal]} s: {'met' if best[ROOT] < GOALS[goal] else 'NOT met'}" if goal else ""
            print(f"{label:<40} {cells}{ratio}{verdict}")
    print(load())


if __name__ == "__main__":
    main()
