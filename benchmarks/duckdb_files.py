"""Re-pricing log FILES: local costcalc (its readers + its pricer) against `--engine duckdb` (DuckDB reading the
Parquet or CSV file itself, the compiled plan's SQL), each run in a fresh process, in alternation, best of N.

    python benchmarks/duckdb_files.py                          # 1,000,000 records, Parquet and CSV
    python benchmarks/duckdb_files.py --records 10000000 --repeat 1
    python benchmarks/duckdb_files.py --formats parquet --engines local,duckdb --repeat 3

The log is benchmarks/usage.py's synthetic one (same generator and seed: 9 models, every tier, residency,
long-context prompts, tags), written once into --cache as normalized Parquet (zstd, microsecond UTC
timestamps) and as CSV (ISO-8601 `...Z` timestamps, as DuckDB writes it). Every run prices by month, logged
and as deepseek-v4-pro, from the file. Figures per (format, engine):

- start-up: process start to the price table loaded (imports included);
- compute: reading + re-pricing the file (the call a user makes), best of --repeat; records/s from it,
  and the ratio to local on the same format (local compute / engine compute: above 1 = faster than local);
- peak RSS: the process's high-water mark (VmHWM) in its best run;
- total_usd: the logged total, which must be equal on both engines (`same` says so).

The machine's load average is printed before and after (timings on a shared machine are noisy: compare
the ratio, measured in alternation). Figures are printed, never asserted; --out writes them as JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from engines import result_figures  # noqa: E402  (this folder, just put on the path)

AS = ["deepseek-v4-pro"]
FORMATS = ("parquet", "csv")
ENGINES = ("local", "duckdb")


def _load() -> str:
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "?"


def generate(folder: Path, records: int, seed: int) -> None:
    """benchmarks/usage.py's records as log.parquet, then the same rows as log.csv (written by DuckDB)."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from usage import CHUNK, _arrow_table, _chunk_arrays

    folder.mkdir(parents=True, exist_ok=True)
    parquet, writer = folder / "log.parquet", None
    try:
        for index, start in enumerate(range(0, records, CHUNK)):
            table = _arrow_table(_chunk_arrays(index, min(CHUNK, records - start), seed))
            table = table.set_column(0, "timestamp", table.column("timestamp").cast(pa.timestamp("us", "UTC")))
            if writer is None:
                writer = pq.ParquetWriter(folder / "log.parquet.tmp", table.schema, compression="zstd")
            writer.write_table(table, row_group_size=CHUNK)
    finally:
        if writer is not None:
            writer.close()
    (folder / "log.parquet.tmp").rename(parquet)
    con = duckdb.connect()
    con.execute(f"COPY (SELECT strftime(timezone('UTC', timestamp), '%Y-%m-%dT%H:%M:%SZ') AS timestamp, * EXCLUDE "
                f"(timestamp) FROM read_parquet('{parquet}')) TO '{folder / 'log.csv.tmp'}' (HEADER, DELIMITER ',')")
    (folder / "log.csv.tmp").rename(folder / "log.csv")


def worker(engine: str, path: Path, started: float) -> dict:
    from costcalc.prices import load_prices

    table = load_prices()
    out: dict = {"engine": engine, "startup_s": time.time() - started}
    t0 = time.perf_counter()
    if engine == "local":
        from costcalc.api_usage import reprice_totals

        result = reprice_totals([str(path)], table, AS, ["month"])
    else:
        from costcalc.api_engines import reprice_engine

        result = reprice_engine([str(path)], "duckdb", prices=table, models=AS, by=["month"])
    out["compute_s"] = time.perf_counter() - t0
    out.update(result_figures(result))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2, help="runs per (format, engine), in alternation; best kept")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--cache", default="/tmp/costcalc-bench-duckdb-files")
    parser.add_argument("--out", help="write the figures as JSON to this file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--started", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, Path(args.path), args.started)))
        return
    folder = Path(args.cache) / f"n{args.records}-s{args.seed}"
    if not (folder / "log.csv").exists():
        t0 = time.perf_counter()
        generate(folder, args.records, args.seed)
        print(f"wrote {folder}/log.parquet and log.csv in {time.perf_counter() - t0:.0f} s")
    print(f"{args.records:,} records, by month, logged + as {', '.join(AS)}; load average {_load()}")
    engines, formats = args.engines.split(","), args.formats.split(",")
    best: dict[tuple[str, str], dict] = {}
    for _ in range(args.repeat):
        for fmt in formats:
            for engine in engines:  # in alternation: a load spike hits both engines alike
                path = folder / f"log.{fmt}"
                started = time.time()
                done = subprocess.run([sys.executable, __file__, "--worker", engine, "--path", str(path),
                                       "--started", str(started)], capture_output=True, text=True)
                if done.returncode:
                    last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
                    best.setdefault((fmt, engine), {"engine": engine, "format": fmt, "error": last})
                    continue
                run = {**json.loads(done.stdout.strip().splitlines()[-1]), "format": fmt}
                found = best.get((fmt, engine))
                if found is None or "error" in found or run["compute_s"] < found["compute_s"]:
                    best[(fmt, engine)] = run
    print(f"{'format':<8} {'engine':<7} {'start-up s':>10} {'compute s':>10} {'records/s':>12} {'vs local':>9} "
          f"{'peak MiB':>9}  total_usd (logged)")
    for (fmt, engine), r in best.items():
        if "error" in r:
            print(f"{fmt:<8} {engine:<7} failed: {r['error']}")
            continue
        local = best.get((fmt, "local"))
        ok = local is not None and "error" not in local
        ratio = local["compute_s"] / r["compute_s"] if ok else float("nan")
        same = "" if not ok else (" same" if r["totals_usd"] == local["totals_usd"] else " DIFFERENT")
        print(f"{fmt:<8} {engine:<7} {r['startup_s']:>10.1f} {r['compute_s']:>10.1f} "
              f"{r['records'] / r['compute_s']:>12,.0f} {ratio:>8.2f}x {r['peak_rss_mib'] or 0:>9,.0f}  "
              f"{r['total_usd']}{same}")
    print(f"load average after: {_load()}")
    if args.out:
        Path(args.out).write_text(json.dumps(list(best.values()), indent=1))


if __name__ == "__main__":
    main()
