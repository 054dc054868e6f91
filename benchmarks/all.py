"""Issue 15's table in one run: each costcalc figure next to its reference, measured interleaved.

    python benchmarks/all.py --quick     # a few minutes on 2 shared cores: smaller logs, fewer runs
    python benchmarks/all.py             # the issue's sizes (10M records, 1,000 profiles): much longer

A figure alone says little on a shared machine (the load moves it 2-4x), so every row is a ratio taken in
one run: costcalc and its reference run alternately (A, B, A, B, ...; in-process loops in this process,
whole commands as alternating processes), the best of N of each is kept, and the load average is printed
before and after. Rows other work speeds up (projection, quote, start-up) call the public functions and
commands, so they measure whatever the checkout holds. Peers (genai-prices, LiteLLM, tokencost, DuckDB)
are optional: a missing one prints "not installed" and its row is skipped. Nothing touches the network.

Columns: path, now (costcalc), reference on the same work, goal, goal met?
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # before litellm is imported: never fetch prices

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import run as bench_run  # noqa: E402  (benchmarks/run.py: per-record loops of costcalc and the peers)
import usage as bench_usage  # noqa: E402  (benchmarks/usage.py: the seeded synthetic usage log)

ROWS: list[tuple[str, str, str, str, str]] = []


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def interleaved(fns: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Best seconds of each function, the functions called in turn `runs` times (A, B, A, B, ...)."""
    best = {name: float("inf") for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def processes(argvs: dict[str, list[str]], runs: int, env: dict | None = None) -> dict[str, float]:
    """Best wall seconds of whole commands run alternately, each a fresh process."""
    def runner(argv):
        return lambda: subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                                      env=env)
    return interleaved({name: runner(argv) for name, argv in argvs.items()}, runs)


def has(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def add(path: str, now: str, reference: str, goal: str, met: bool | None) -> None:
    verdict = "-" if met is None else ("yes" if met else "no")
    ROWS.append((path, now, reference, goal, verdict))
    print(f"  {path}: {now} | {reference} | goal {goal} | {verdict}", flush=True)


def fresh_memory(mib: int = 64, pause_s: float = 3.0, runs: int = 3) -> str:
    """What touching fresh memory costs on this host, a physical reference for every row: `mib` MiB made
    (np.ones) right after the same amount was freed, and again after `pause_s` seconds idle. On a VM whose
    host takes freed pages back (virtio-balloon free page reporting, as on the Firecracker machines here),
    the second costs the host's fault on every page: measured 0.16 ms a MiB back-to-back and 0.4-23 ms a MiB
    after a 3 s pause. Every row allocates arrays afresh, so a row's figure moves with this too."""
    import numpy as np

    def touch() -> float:
        t0 = time.perf_counter()
        block = np.ones(mib * 2**20 // 8)
        seconds = time.perf_counter() - t0
        del block
        return seconds

    touch()
    warm = min(touch() for _ in range(runs))
    cold = []
    for _ in range(runs):
        time.sleep(pause_s)
        cold.append(touch())
    per_mib = 1e3 / mib
    return (f"fresh memory: {warm * per_mib:.2f} ms/MiB right after a free, {min(cold) * per_mib:.2f}-"
            f"{max(cold) * per_mib:.2f} ms/MiB after {pause_s:g} s idle ({mib} MiB, best of {runs} / range)")


def rate(records: int, seconds: float) -> str:
    per_second = records / seconds
    return f"{per_second / 1e3:,.0f}k rec/s" if per_second < 1e6 else f"{per_second / 1e6:.2f}M rec/s"


# -- rows ----------------------------------------------------------------------------------------------

def log_files(records: int) -> Path:
    """The synthetic log of benchmarks/usage.py (generated once into its cache)."""
    cache = Path("/tmp/costcalc-bench-usage") / f"n{records}-s2026"
    meta = cache / "meta.json"
    if not meta.exists() or json.loads(meta.read_text()).get("generator") != bench_usage.GENERATOR:
        print(f"  generating {records:,} records into {cache} ...", flush=True)
        bench_usage.generate(cache, records, 2026, 20_000)
    return cache


def memory_repricer(cache: Path) -> tuple[Callable[[], object], Callable[[], object]]:
    """(costcalc re-pricing the normalized frame of `cache` in memory, plain numpy doing the least the same
    answer needs: each record's tokens x one flat rate per model and component, no dates, tiers or cliffs,
    so a lower bound, not an equal design)."""
    import numpy as np
    import pandas as pd

    from costcalc.prices import load_prices
    from costcalc.usage.chunk import UsageChunk
    from costcalc.usage.run import reprice_chunks

    table = load_prices()
    frame = pd.read_parquet(cache / "log.parquet")
    counts = ["input_tokens", "cached_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "output_tokens",
              "reasoning_tokens"]

    def plain():
        codes, _ = pd.factorize(frame["model"])
        rates = np.arange(1, 1 + 6 * (codes.max() + 1), dtype=np.int64).reshape(-1, 6)  # micro-USD per token
        tokens = np.stack([frame[c].to_numpy() for c in counts], axis=1)
        return int((tokens * rates[codes]).sum())

    return (lambda: reprice_chunks([UsageChunk(frame, len(frame), [])], table, by=["month"])), plain


def from_memory(cache: Path, records: int, runs: int) -> None:
    """Re-pricing a normalized frame in memory: costcalc's vectorized pricer against plain numpy
    (memory_repricer), interleaved."""
    import resource

    costcalc, plain = memory_repricer(cache)
    best = interleaved({"costcalc": costcalc, "numpy": plain}, runs)
    now = records / best["costcalc"]
    QUOTE_RATE["memory"] = now
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    costcalc()  # one more call, after the interleaved ones: the fresh pages it touches (deterministic, unlike wall)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    add(f"re-pricing from memory, {records:,} records", rate(records, best["costcalc"]),
        f"plain numpy, flat rates (lower bound) {rate(records, best['numpy'])}; costcalc {faults:,} minor faults "
        f"a call", ">= 6M rec/s", now >= 6e6)


def json_lines(cache: Path, records: int, runs: int) -> None:
    """The three provider logs read and re-priced, columnar path against the per-line path, orjson alone
    (a parse of every line, nothing else), pyarrow's JSON reader alone and DuckDB's read_json (if
    installed), interleaved."""
    import orjson
    import pyarrow.json as pajson

    from costcalc.prices import load_prices
    from costcalc.usage import jsonl_columns
    from costcalc.usage.read import iter_usage
    from costcalc.usage.run import reprice_chunks

    table = load_prices()
    paths = [cache / f"{p}.jsonl" for p in bench_usage.PROVIDERS]
    totals = {}

    def costcalc(columnar: bool):
        def go():
            jsonl_columns.ENABLED = columnar
            try:
                result = reprice_chunks(iter_usage(paths), table, by=["month"])
            finally:
                jsonl_columns.ENABLED = True
            totals[columnar] = (result.total_usd, result.records, result.priced, result.reported)
        return go

    def orjson_alone():
        for path in paths:
            with open(path, "rb") as handle:
                for line in handle:
                    orjson.loads(line)

    def arrow_alone():
        for path in paths:
            pajson.read_json(path, read_options=pajson.ReadOptions(use_threads=False, block_size=4 << 20))

    fns = {"columnar": costcalc(True), "per-line": costcalc(False), "orjson": orjson_alone, "pyarrow": arrow_alone}
    if has("duckdb"):
        import duckdb

        def duck():
            con = duckdb.connect()
            con.execute("SET threads TO 1")
            for path in paths:
                con.execute(f"SELECT count(*) FROM read_json_auto('{path}')").fetchall()
        fns["duckdb"] = duck
    best = interleaved(fns, runs)
    same = totals[True] == totals[False]
    refs = [f"per-line path {rate(records, best['per-line'])} (same total: {'yes' if same else 'NO'})",
            f"orjson parse alone {rate(records, best['orjson'])}",
            f"pyarrow read_json alone {rate(records, best['pyarrow'])}",
            f"DuckDB 1 thread {rate(records, best['duckdb'])}" if "duckdb" in best else "DuckDB not installed"]
    now = records / best["columnar"]
    add(f"JSON lines end to end, {records:,} records (read + re-price)", rate(records, best["columnar"]),
        "; ".join(refs), ">= 600k rec/s, bad lines reported by line", now >= 6e5 and same)


def projection(runs: int) -> None:
    """benchmarks/big_estimate.py in its own process (wall seconds inside estimate, peak RSS): the issue's
    1,000 profiles, with --quick too (about 3 s a run). A goal scaled down to fewer profiles would judge
    the estimate's fixed cost (start of a projection, first-use imports of pandas' parts: ~0.1 s), not its
    speed per profile: 100 profiles are measured alongside, for that fixed cost, not judged."""
    def figures(profiles: int, count: int) -> list[dict[str, str]]:
        out = []
        for _ in range(count):
            done = subprocess.run([sys.executable, str(HERE / "big_estimate.py"), str(profiles)], capture_output=True,
                                  text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
            out.append(dict(pair.split("=") for pair in done.stdout.split()))
        return out

    # the frame's tokens and cost_usd are made when first read (DecimalArray.deferred): the estimate and the
    # first read of cost_usd together are what the goal judges, as when the estimate made them
    def seconds(runs_: list[dict[str, str]]) -> float:
        return min(float(f["seconds"]) + float(f["first_read_s"]) for f in runs_)

    big, small = [], []
    for _ in range(runs):  # alternating, so both sizes see the same load
        big += figures(1000, 1)
        small += figures(100, 1)
    rss = min(float(f["peak_rss_after_read_mib"]) for f in big)
    add(f"projection, 1,000 profiles x 10 models x 36 months ({big[0]['rows']} rows)",
        f"{seconds(big):.2f} s (estimate + first read of cost_usd), {rss:.0f} MiB",
        f"100 profiles ({small[0]['rows']} rows) in the same run: {seconds(small):.2f} s", "< 1 s, < 300 MiB",
        seconds(big) < 1 and rss < 300)


def quotes(runs: int, n: int = 20_000) -> None:
    """Per-record prices.quote against tokencost's per-record cost (if installed), interleaved."""
    from costcalc.prices import load_prices

    table = load_prices()
    records = bench_run.mixed_records(n)
    fns: dict[str, Callable[[], object]] = {"costcalc": lambda: bench_run.costcalc_loop(records, table)}
    if has("tokencost"):
        from tokencost import calculate_cost_by_tokens

        def tokencost_loop():
            for model, _provider, fresh, cached, output, _at in records:
                try:
                    calculate_cost_by_tokens(fresh + cached, model, "input")
                    calculate_cost_by_tokens(output, model, "output")
                except Exception:  # a model tokencost does not know: the loop still did the lookup
                    pass
        fns["tokencost"] = tokencost_loop
    best = interleaved(fns, runs)
    reference = f"tokencost {rate(n, best['tokencost'])}" if "tokencost" in best else "tokencost not installed"
    add("per-record prices.quote", rate(n, best["costcalc"]), reference, ">= 300k rec/s", n / best["costcalc"] >= 3e5)
    QUOTE_RATE["costcalc"] = n / best["costcalc"]


QUOTE_RATE: dict[str, float] = {}


def start_up(runs: int) -> None:
    """`costcalc estimate` on the examples and `costcalc tokens` on a small file, whole processes,
    alternating with `python -c "import pandas"`.

    As an installed costcalc runs: with compiled bytecode (pip compiles it at install; here a temporary
    PYTHONPYCACHEPREFIX warmed by one untimed run, even where PYTHONDONTWRITEBYTECODE is set, as in
    benchmarks/startup.py), so the figure is not the compiling of ~150 modules on every start; that figure
    is printed beside it. `tokens` is measured with an empty cache folder each run (the vocabularies and
    the price table read from the shipped files: the first run after an install; this row's figure) and
    with the folder an earlier run filled (every later run)."""
    cli = [sys.executable, "-m", "costcalc"]
    with tempfile.TemporaryDirectory() as folder:
        small = Path(folder) / "prompt.txt"
        small.write_text("Summarize the attached quarterly report in three bullet points.\n" * 20)
        base = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "COSTCALC_CACHE_DIR")}
        base["PYTHONPATH"] = str(ROOT)
        compiled = {**base, "PYTHONPYCACHEPREFIX": str(Path(folder) / "pyc"),
                    "COSTCALC_CACHE_DIR": str(Path(folder) / "warm")}
        uncompiled = {**base, "PYTHONDONTWRITEBYTECODE": "1", "COSTCALC_CACHE_DIR": str(Path(folder) / "warm")}
        empty = Path(folder) / "empty"

        def run(argv, env, fresh_cache=False):
            def go():
                if fresh_cache:
                    shutil.rmtree(empty, ignore_errors=True)
                subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
            return go

        for argv in (cli + ["estimate"], cli + ["tokens", str(small)]):  # compile and fill the cache, untimed
            run(argv, compiled)()
        best = interleaved({
            "estimate": run(cli + ["estimate"], compiled),
            "estimate, uncompiled": run(cli + ["estimate"], uncompiled),
            "tokens, empty cache": run(cli + ["tokens", str(small)], {**compiled, "COSTCALC_CACHE_DIR": str(empty)},
                                       fresh_cache=True),
            "tokens": run(cli + ["tokens", str(small)], compiled),
            "pandas": run([sys.executable, "-c", "import pandas"], compiled)}, runs)
    add("`costcalc estimate` on the examples, whole process", f"{best['estimate']:.2f} s",
        f"`import pandas` {best['pandas']:.2f} s; "
        f"uncompiled checkout (no bytecode) {best['estimate, uncompiled']:.2f} s",
        "< 0.9 s", best["estimate"] < 0.9)
    add("`costcalc tokens` cold start, small file, three models", f"{best['tokens, empty cache']:.2f} s (empty cache)",
        f"cache filled by an earlier run {best['tokens']:.2f} s", "< 0.7 s", best["tokens, empty cache"] < 0.7)


def peers(cache: Path, memory_records: int, runs: int, n: int = 20_000) -> None:
    """Each installed peer's per-record loop (benchmarks/run.py, n mixed records) interleaved with costcalc
    re-pricing `memory_records` from memory (A, B, C, A, B, C, ...): the ratio of records per second,
    both taken under the same load. A peer missing prints "not installed"."""
    records = bench_run.mixed_records(n)
    fns: dict[str, Callable[[], object]] = {"costcalc": memory_repricer(cache)[0]}
    texts = []
    for dist, module, loop in bench_run.PEERS:
        if not has(module):
            texts.append(f"{dist} not installed")
            continue
        try:
            loop(records[:200])  # a peer that does not know a model at its installed version fails here
        except Exception as exc:
            texts.append(f"{dist} failed ({type(exc).__name__})")
            continue
        fns[dist] = lambda loop=loop: loop(records)
    best = interleaved(fns, runs)
    memory_rate = memory_records / best["costcalc"]
    ratios = {dist: memory_rate / (n / seconds) for dist, seconds in best.items() if dist != "costcalc"}
    texts = [f"{dist} {rate(n, best[dist])}" for dist in ratios] + texts
    text = "; ".join(texts + [f"costcalc from memory {rate(memory_records, best['costcalc'])} in the same run"])
    if not ratios:
        add("peers, per record, same records", "-", text, ">= 300x both from memory", None)
        return
    shown = ", ".join(f"{ratios[k]:,.0f}x {k}" for k in ratios)
    add("peers, per record, same records", f"from memory {shown}", text, ">= 300x both from memory",
        all(r >= 300 for r in ratios.values()) and len(ratios) == 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller logs, fewer runs")
    parser.add_argument("--runs", type=int, help="runs of each side (best of N); default 3 quick, 5 full")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 5)
    records = 300_000 if args.quick else 10_000_000
    memory_records = 1_000_000 if args.quick else 10_000_000
    print(f"load average before: {load()}; {os.cpu_count()} CPUs; best of {runs}, interleaved", flush=True)
    host = fresh_memory()
    print(host, flush=True)
    cache = log_files(records)
    memory_cache = cache if memory_records == records else log_files(memory_records)
    from_memory(memory_cache, memory_records, runs)
    json_lines(cache, records, runs)
    projection(runs)
    quotes(runs)
    start_up(runs)
    peers(memory_cache, memory_records, runs)
    out = io.StringIO()
    out.write("\n| path | now | reference on the same work | goal | goal met? |\n|---|---:|---|---:|---|\n")
    for row in ROWS:
        out.write("| " + " | ".join(row) + " |\n")
    print(out.getvalue())
    print(f"load average after: {load()}")
    print(f"{host}; again at the end: {fresh_memory()}")


if __name__ == "__main__":
    main()
