"""costcalc's speed and memory, and the same work done by peer tools (genai-prices, LiteLLM).

    python benchmarks/run.py            # about two minutes on 2 cores
    python benchmarks/run.py --quick    # the big projection with 100 profiles instead of 1,000

Peers are optional (pip install -r benchmarks/requirements.txt); a missing one is reported and skipped.
Nothing here touches the network: LiteLLM is told to use its bundled cost map. Figures are printed, never
asserted. Timings are the median (whole processes) or the best (in-process loops) of several runs.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from contextlib import nullcontext
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from importlib import metadata
from pathlib import Path

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # before litellm is imported: never fetch prices

HERE = Path(__file__).resolve().parent
INSTALL_HINT = "not installed (pip install -r benchmarks/requirements.txt)"
# Same names in all three tools at the versions in requirements.txt; the provider is passed explicitly.
MODELS = [("gpt-5.5", "openai"), ("claude-opus-4-7", "anthropic"), ("deepseek-v4-pro", "deepseek")]
SEPTEMBER = datetime(2026, 9, 1, tzinfo=timezone.utc)
MIB = 1 / 1024 if sys.platform != "darwin" else 1 / 1024 / 1024  # ru_maxrss: KiB on Linux, bytes on macOS


# -- timing helpers -----------------------------------------------------------------------------------

# A fresh wrapper process per run, so RUSAGE_CHILDREN's peak RSS is that one child's alone.
_WRAPPER = """import json, resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(json.dumps([rc, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))"""


def process(argv: list[str], runs: int = 5) -> tuple[float, float]:
    """Median wall seconds and median peak RSS (MiB) of `argv` run as a whole process."""
    seconds, rss = [], []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", _WRAPPER, *argv], capture_output=True, text=True)
        rc, wall, maxrss = json.loads(done.stdout)
        if rc:
            sys.exit(f"{' '.join(argv)} exited {rc}:\n{done.stderr}")
        seconds.append(wall)
        rss.append(maxrss * MIB)
    return statistics.median(seconds), statistics.median(rss)


def best(fn, *args, runs: int = 3):
    """(best seconds, result) of fn(*args) over `runs` calls."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - t0)
    return min(times), result


def peer(dist: str, module: str):
    """The peer's module, or None after saying it is not installed."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        print(f"  {dist}: {INSTALL_HINT}")
        return None
    return mod


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


# -- the same per-record work for each tool ----------------------------------------------------------
# A record: (model, provider, uncached input, cached input, output, timestamp).

def mixed_records(n: int, seed: int = 11) -> list[tuple]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        model, provider = rng.choice(MODELS)
        prompt = rng.choice([500, 2_000, 8_000, 30_000])
        cached = int(prompt * rng.choice([0, 0.3, 0.6, 0.9]))
        at = SEPTEMBER + timedelta(seconds=rng.randrange(91 * 86_400))  # September to November 2026
        out.append((model, provider, prompt - cached, cached, rng.choice([100, 300, 800, 2_000]), at))
    return out


def costcalc_loop(records, table):
    from costcalc.prices import TokenBundle, quote

    total = Decimal(0)
    for model, _provider, fresh, cached, output, at in records:
        total += quote(table, model, TokenBundle(input=fresh, cache_read=cached, output=output), at).total_usd
    return total


def genai_loop(records):
    from genai_prices import Usage, calc_price

    total = Decimal(0)
    for model, provider, fresh, cached, output, at in records:  # its input_tokens include cached ones
        usage = Usage(input_tokens=fresh + cached, cache_read_tokens=cached, output_tokens=output)
        price = calc_price(usage, model_ref=model, provider_id=provider, genai_request_timestamp=at)
        total += price.total_price
    return total


def litellm_loop(records):
    import litellm

    at_time = _litellm_pin() or (lambda _at: nullcontext())
    total = 0.0
    for model, provider, fresh, cached, output, at in records:
        with at_time(at):
            prompt_usd, completion_usd = litellm.cost_per_token(
                model=model, custom_llm_provider=provider, prompt_tokens=fresh + cached,
                completion_tokens=output, cache_read_input_tokens=cached)
        total += prompt_usd + completion_usd
    return total


def _litellm_pin():
    """cost_per_token takes no timestamp and applies off-peak windows at the wall clock; LiteLLM's
    internal pinned_billing_time(at) prices at a given instant instead. None if this version lacks it."""
    try:
        from litellm._internal_context import pinned_billing_time
    except ImportError:
        return None
    return pinned_billing_time


PEERS = [("genai-prices", "genai_prices", genai_loop), ("litellm", "litellm", litellm_loop)]


def row(name: str, seconds: float | None, n: int | None, ratio: float | None, total) -> None:
    cells = [f"  {name:<34}", f"{seconds:8.3f}" if seconds is not None else f"{'-':>8}",
             f"{n / seconds:>11,.0f}" if n and seconds else f"{'-':>11}",
             f"{ratio:8.2f}x" if ratio is not None else f"{'-':>9}", f"{float(total):>12,.5f}"]
    print("  ".join(cells))


def header(ratio: str) -> None:
    print(f"  {'':<34}  {'seconds':>8}  {'records/s':>11}  {ratio:>9}  {'total USD':>12}")


def run_peers(records, reference_seconds: float, suffix: str = "") -> None:
    """Each installed peer's best-of-3 loop over `records`; ratio = its seconds / reference_seconds."""
    for dist, module, loop in PEERS:
        if peer(dist, module) is None:
            continue
        try:
            seconds, total = best(loop, records)
        except Exception as exc:  # e.g. a peer that does not know a model name at its installed version
            print(f"  {dist} {version(dist)}: failed: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        row(f"{dist} {version(dist)}{suffix}", seconds, len(records), seconds / reference_seconds, total)


# -- the four measurements ----------------------------------------------------------------------------

def cli(runs: int = 5) -> None:
    print("\n1. `costcalc estimate` on the bundled examples, whole process incl. interpreter start\n"
          f"   (median of {runs})")
    script = Path(sys.executable).parent / "costcalc"  # the installed console script
    argv = [str(script)] if script.exists() else \
        [sys.executable, "-c", "from costcalc.cli import main; main()"]
    seconds, rss = process(argv + ["estimate"], runs)
    print(f"  costcalc estimate            {seconds:6.2f} s  peak RSS {rss:5.0f} MiB   (target < 1.5 s)")
    for what, code in (("python -c 'import costcalc'", "import costcalc"), ("python -c pass", "pass")):
        seconds, rss = process([sys.executable, "-c", code], runs)
        print(f"  {what:<28} {seconds:6.2f} s  peak RSS {rss:5.0f} MiB   (reference)")


def big(profiles: int, runs: int = 3) -> None:
    print(f"\n2. costcalc.estimate, {profiles:,} profiles x 10 models x 36 months\n"
          f"   (benchmarks/big_estimate.py in its own process, median of {runs})")
    figures = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, str(HERE / "big_estimate.py"), str(profiles)],
                              capture_output=True, text=True, check=True)
        figures.append(dict(pair.split("=") for pair in done.stdout.split()))
    seconds = statistics.median(float(f["seconds"]) for f in figures)
    rss = statistics.median(float(f["peak_rss_mib"]) for f in figures)
    print(f"  rows {figures[0]['rows']}  {seconds:.2f} s  peak RSS {rss:.0f} MiB   (target < 10 s and 2 GB)")
    if "column_s" in figures[0]:  # what a notebook does next with the frame (best of 3 in each process)
        column, grouped, summary = (statistics.median(float(f[key]) for f in figures)
                                    for key in ("column_s", "groupby_sum_s", "summarize_s"))
        print(f"  then df['cost_usd'] {column:.3f} s, groupby('month').cost_usd.sum() {grouped:.2f} s "
              f"(exact: {figures[0]['groupby_exact']}), costcalc.summarize(df) {summary:.2f} s")


def throughput(table, n: int = 20_000) -> None:
    print(f"\n3. Per-record pricing: {n:,} usage records priced one at a time (best of 3)\n"
          f"   models: {', '.join(m for m, _p in MODELS)} (these names in every tool); uncached + cached\n"
          "   input and output tokens; timestamps spread over September-November 2026")
    records = mixed_records(n)
    header("peer time")
    seconds, total = best(costcalc_loop, records, table)
    row(f"costcalc {version('costcalc')} (prices.quote)", seconds, n, 1.0, total)
    run_peers(records, seconds)
    print("   peer time = peer seconds / costcalc seconds = costcalc records/s / peer records/s.\n"
          "   Throughput only; each tool uses its own prices. LiteLLM computes in floats and keeps no price\n"
          "   history (one current price and off-peak windows per model); genai-prices has start dates and\n"
          "   daily peak windows but no weekday rule, so it prices DeepSeek's weekends at peak.")
    if "litellm" in sys.modules:
        how = ("each record is priced at its\n   own time through LiteLLM's internal "
               "litellm._internal_context.pinned_billing_time" if _litellm_pin() else
               "this version has no pinned_billing_time,\n"
               "   so records are priced at the wall clock (LiteLLM's totals depend on when this runs)")
        print(f"   LiteLLM's cost_per_token takes no timestamp; {how}.")


def monthly(table, runs: int = 5) -> None:
    import pandas as pd

    import costcalc

    print("\n4. Same monthly answer: DeepSeek V4-Pro, September 2026, 1,000 requests/day of 1,000 input +\n"
          "   1,000 output tokens, uniform traffic, weekday peak/off-peak prices (expected 96.14 USD)")
    header("/estimate")
    # counts in DeepSeek's own tokenizer, as the per-request tools below are given them
    profile = pd.DataFrame([{"name": "ds", "requests_per_day": 1000, "input_tokens": 1000,
                             "output_tokens": 1000, "models": ["deepseek-v4-pro"],
                             "tokens_counted_with": "deepseek-v4"}])
    estimate_seconds, frame = best(lambda: costcalc.estimate(profile, start="2026-09", months=1), runs=runs)
    answer = sum(frame["cost_usd"], Decimal(0))
    row("costcalc.estimate, 1 call", estimate_seconds, None, 1.0, answer)

    # A per-request tool prices each request at its own instant: 30,000 evenly spaced, 86.4 s apart.
    spacing = timedelta(days=30) / 30_000
    requests = [("deepseek-v4-pro", "deepseek", 1000, 0, 1000, SEPTEMBER + (i + 0.5) * spacing)
                for i in range(30_000)]
    seconds, total = best(costcalc_loop, requests, table)
    row("costcalc quote x 30,000 requests", seconds, len(requests), seconds / estimate_seconds, total)
    run_peers(requests, estimate_seconds, " x 30,000")
    # The cross-check: the same quotes once per minute, each minute carrying 30,000/43,200 requests.
    minutes = [("deepseek-v4-pro", "deepseek", 1000, 0, 1000, SEPTEMBER + timedelta(minutes=i))
               for i in range(43_200)]
    minute_total = costcalc_loop(minutes, table) * 30_000 / 43_200
    row("costcalc quote x 43,200 minutes", None, None, None, minute_total)
    same = round(minute_total, 2) == round(answer, 2)
    print(f"   Cross-check: per-minute quotes x 30,000/43,200 = {minute_total:.2f} USD, "
          f"{'the same as' if same else 'NOT the same as'} the estimate.\n"
          "   Requests 86.4 s apart put 292 of each weekday's 1,000 requests in the 7 peak hours, not\n"
          "   291.67: about +0.02 USD. genai-prices has no weekday rule (its issue 582), so it bills\n"
          f"   weekends at peak. Seconds: best of 3; the estimate best of {runs} (it loads the price table\n"
          "   on each call).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 profiles in the big projection")
    args = parser.parse_args()

    from costcalc.prices import load_prices

    load = getattr(os, "getloadavg", lambda: (float("nan"),))()[0]
    print(f"costcalc {version('costcalc')}, Python {platform.python_version()}, pandas {version('pandas')}, "
          f"{os.cpu_count()} CPUs, load {load:.2f}")
    print("peers: " + ", ".join(f"{dist} {version(dist)}" for dist, _m, _f in PEERS))
    table = load_prices()  # once, for the per-record loops
    cli()
    big(100 if args.quick else 1000)
    throughput(table)
    monthly(table)


if __name__ == "__main__":
    main()
