"""`costcalc reprice --jobs N` against one process on a multi-file log of provider JSON lines.

    python benchmarks/jobs.py                          # 1,000,000 records in 12 files, --jobs 1 against 2
    python benchmarks/jobs.py --records 200000 --jobs 1,2,4 --runs 3

The log is benchmarks/usage.py's synthetic one (same generator), written once into --cache as provider JSON
lines (OpenAI, Anthropic, DeepSeek), cut into --parts parts per provider (parts x 3 files). Each run is the
whole command, `python -m costcalc reprice FILES --jobs N --format json`, in a fresh process, wall time from
start to exit (start-up, spawning the workers and merging included). Runs alternate between the job counts
(best of --runs each: the machine is shared), and the load average is printed before and after. Every run's
JSON must be byte-identical to the first (`same`). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))


def generate(folder: Path, records: int, parts: int, seed: int) -> list[Path]:
    """usage.py's records as provider JSON lines, `parts` files per provider (written once)."""
    from usage import PROVIDERS, _chunk_arrays, _json_lines

    files = [folder / f"{provider}-{part}.jsonl" for part in range(parts) for provider in PROVIDERS]
    if all(f.exists() for f in files):
        return files
    folder.mkdir(parents=True, exist_ok=True)
    per_part = -(-records // parts)
    for part in range(parts):
        start = part * per_part
        n = min(per_part, records - start)
        texts = _json_lines(_chunk_arrays(part, n, seed), start)
        for provider in PROVIDERS:
            path = folder / f"{provider}-{part}.jsonl"
            path.with_suffix(".tmp").write_bytes(texts.get(provider, b""))
            path.with_suffix(".tmp").rename(path)
    return files


def run(files: list[Path], jobs: int) -> tuple[float, bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "costcalc", "reprice", *map(str, files), "--jobs", str(jobs),
                           "--format", "json", "--by", "month,model"], capture_output=True, env=env, check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1) or not done.stdout.startswith(b"{"):  # 1: records reported, JSON written
        raise SystemExit(f"--jobs {jobs} failed: {done.stderr.decode()[-500:]}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--parts", type=int, default=4, help="files per provider (3 providers)")
    parser.add_argument("--jobs", default="1,2", help="job counts to compare, comma-separated")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", default="/tmp/costcalc-bench-jobs")
    args = parser.parse_args()
    counts = [int(j) for j in args.jobs.split(",")]
    folder = Path(args.cache) / f"n{args.records}-p{args.parts}-s{args.seed}"
    files = generate(folder, args.records, args.parts, args.seed)
    size = sum(f.stat().st_size for f in files) / 2**20
    print(f"{args.records:,} records in {len(files)} JSON-lines files ({size:,.0f} MiB); cpus {os.cpu_count()}; "
          f"load average before {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    times: dict[int, list[float]] = {j: [] for j in counts}
    first: bytes | None = None
    same = True
    for _ in range(args.runs):
        for jobs in counts:
            seconds, output = run(files, jobs)
            times[jobs].append(seconds)
            first = output if first is None else first
            same = same and output == first
    base = min(times[counts[0]])
    print(f"{'jobs':>4}  {'best s':>7}  {'runs s':<24} {'speed-up':>8}")
    for jobs in counts:
        best = min(times[jobs])
        runs = ", ".join(f"{t:.1f}" for t in times[jobs])
        print(f"{jobs:>4}  {best:>7.2f}  {runs:<24} {base / best:>7.2f}x")
    print(f"output identical across every run: {'same' if same else 'DIFFERENT'}; load average after "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
