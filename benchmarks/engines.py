"""Re-pricing one log on each engine: local costcalc, DuckDB (the compiled plan's SQL), Spark SQL (the same
SQL) and the Spark UDF (costcalc's pricer in mapInArrow), each in a fresh process.

    python benchmarks/engines.py                   # 10,000,000 records (writes the log once: about 1 minute)
    python benchmarks/engines.py --quick           # 200,000 records
    python benchmarks/engines.py --records 1000000 --engines local,duckdb

The log is benchmarks/usage.py's synthetic one (same generator and seed) written once as normalized Parquet
with MICROSECOND timestamps (Spark cannot read nanosecond ones) into --cache. Every engine prices it by
month, logged and as deepseek-v4-pro. Figures per engine:

- start-up: process start to the log in memory (imports, the Spark session, reading the Parquet file);
- compute: re-pricing alone, records/s from it, and its ratio to local;
- peak RSS: of the Python process (for Spark also the JVM's, read from /proc before it stops);
- total_usd: the logged total, which must be equal on every engine (printed, and `same` says so).

Figures are printed, never asserted; --out writes them as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

ENGINES = ("local", "duckdb", "spark-sql", "spark-udf")
AS = ["deepseek-v4-pro"]
MIB = 1 / 1024


def _hwm(pid: str = "self") -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * MIB
    except OSError:
        pass
    return None


def generate(path: Path, records: int, seed: int) -> None:
    """benchmarks/usage.py's records, as one Parquet file with microsecond timestamps."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from usage import CHUNK, _arrow_table, _chunk_arrays

    path.parent.mkdir(parents=True, exist_ok=True)
    writer = None
    try:
        for index, start in enumerate(range(0, records, CHUNK)):
            table = _arrow_table(_chunk_arrays(index, min(CHUNK, records - start), seed))
            table = table.set_column(0, "timestamp", table.column("timestamp").cast(pa.timestamp("us", "UTC")))
            if writer is None:
                writer = pq.ParquetWriter(path.with_suffix(".tmp"), table.schema, compression="zstd")
            writer.write_table(table, row_group_size=CHUNK)
    finally:
        if writer is not None:
            writer.close()
    path.with_suffix(".tmp").rename(path)


def worker(engine: str, path: Path, started: float) -> dict:
    out: dict = {"engine": engine}
    if engine in ("local", "duckdb"):
        import pandas as pd

        from costcalc.prices import load_prices
        from costcalc.usage.chunk import UsageChunk

        table = load_prices()
        frame = pd.read_parquet(path)
        frame["timestamp"] = frame["timestamp"].astype("datetime64[ns, UTC]")
        out["startup_s"] = time.time() - started
        chunks = [UsageChunk(frame, len(frame), [])]
        t0 = time.perf_counter()
        if engine == "local":
            from costcalc.usage.run import reprice_chunks

            result = reprice_chunks(chunks, table, AS, ["month"])
        else:
            from costcalc.engines.duckdb import reprice_chunks_duckdb

            result = reprice_chunks_duckdb(chunks, table, AS, ["month"])
        out["compute_s"] = time.perf_counter() - t0
    else:
        from pyspark.sql import SparkSession

        from costcalc.engines.spark import reprice
        from costcalc.prices import load_prices

        table = load_prices()
        # a local session as one would set it up for one machine: no UI, shuffle partitions as many as
        # cores (not Spark's default 200 tasks for the sums' few thousand rows), Arrow for pandas
        spark = (SparkSession.builder.master("local[*]").appName("costcalc-bench").config("spark.ui.enabled", "false")
                 .config("spark.ui.showConsoleProgress", "false")
                 .config("spark.sql.shuffle.partitions", str(os.cpu_count() or 2))
                 .config("spark.sql.session.timeZone", "UTC").config("spark.driver.memory", "4g")
                 .config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate())
        df = spark.read.parquet(str(path))
        out["startup_s"] = time.time() - started
        t0 = time.perf_counter()
        result = reprice(df, table, AS, ["month"], mode=engine.split("-")[1])
        out["compute_s"] = time.perf_counter() - t0
        gateway = spark.sparkContext._gateway
        out["jvm_peak_rss_mib"] = _hwm(str(gateway.proc.pid)) if getattr(gateway, "proc", None) else None
        spark.stop()
    out.update(result_figures(result))
    return out


def result_figures(result) -> dict:
    """What a run reports of a RepriceResult (counts and totals as text) and this process's peak memory."""
    return dict(records=result.records, priced=result.priced, reported=result.reported,
                total_usd=str(result.total_usd), totals_usd={k: str(v) for k, v in result.totals_usd.items()},
                peak_rss_mib=_hwm())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--quick", action="store_true", help="200,000 records")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--cache", default="/tmp/costcalc-bench-engines")
    parser.add_argument("--out", help="write the figures as JSON to this file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--started", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    records = 200_000 if args.quick else args.records
    path = Path(args.cache) / f"n{records}-s{args.seed}" / "log.parquet"
    if args.worker:
        print(json.dumps(worker(args.worker, path, args.started)))
        return
    if not path.exists():
        t0 = time.perf_counter()
        generate(path, records, args.seed)
        print(f"wrote {path} ({path.stat().st_size / 2**20:,.0f} MiB) in {time.perf_counter() - t0:.0f} s")
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else "?"
    print(f"{records:,} records, by month, logged + as {', '.join(AS)}; load average {' '.join(load)}")
    results = []
    for engine in args.engines.split(","):
        started = time.time()
        done = subprocess.run([sys.executable, __file__, "--records", str(records), "--seed", str(args.seed),
                               "--cache", args.cache, "--worker", engine, "--started", str(started)],
                              capture_output=True, text=True)
        if done.returncode:
            last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
            results.append({"engine": engine, "error": last})
        else:
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        # a long run shows its progress, each engine's figures as they come
        shown = {k: v for k, v in results[-1].items() if k != "totals_usd"}
        print(f"  {engine} done in {time.time() - started:.0f} s: {json.dumps(shown)}", flush=True)
    local = next((r for r in results if r["engine"] == "local" and "error" not in r), None)
    print(f"{'engine':<10} {'start-up s':>10} {'compute s':>10} {'records/s':>12} {'vs local':>9} "
          f"{'peak MiB':>9} {'JVM MiB':>8}  total_usd (logged)")
    for r in results:
        if "error" in r:
            print(f"{r['engine']:<10} failed: {r['error']}")
            continue
        ratio = local["compute_s"] / r["compute_s"] if local else float("nan")
        jvm = r.get("jvm_peak_rss_mib")
        same = "" if not local else (" same" if r["totals_usd"] == local["totals_usd"] else " DIFFERENT")
        rate = r["records"] / r["compute_s"]
        print(f"{r['engine']:<10} {r['startup_s']:>10.1f} {r['compute_s']:>10.1f} {rate:>12,.0f} "
              f"{ratio:>8.2f}x {r['peak_rss_mib'] or 0:>9,.0f} {'' if jvm is None else f'{jvm:,.0f}':>8}  "
              f"{r['total_usd']}{same}")
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else "?"
    print(f"load average at the end {' '.join(load)}")
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
