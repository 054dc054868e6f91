"""Re-pricing speed: a synthetic usage log of N records re-priced from memory, Parquet and JSON lines,
and the same records priced one at a time by genai-prices and LiteLLM.

    python benchmarks/usage.py                      # 10,000,000 records (the first run writes the log: 3.3 GB)
    python benchmarks/usage.py --records 1000000    # a quicker run

The log is generated once (seeded, vectorized) into --cache (default /tmp/costcalc-bench-usage) as
Parquet in the normalized schema and as provider-native JSON lines, one file per provider; later runs
with the same --records and --seed reuse it. Every measurement runs in a fresh process, so its peak RSS
is its own. Peers run in --peer-python (default /work/benchvenv/bin/python, a venv holding
benchmarks/requirements.txt) on a strided sample of the same records. Figures are printed, never
asserted; results are also written as JSON (--out).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # before litellm is imported: never fetch prices

HERE = Path(__file__).resolve().parent
GENERATOR = 1  # bump when the generated log changes, so cached logs are rebuilt
CHUNK = 1_000_000  # records generated (and Parquet row group size) at once
END = "2026-11-22T00:00:00"  # the log runs up to here (timestamps across 2026 so far)
TEAMS = ["search", "support", "agents", "ingest", "evals", "mobile", "ads", "research"]
TEAM_P = [0.22, 0.18, 0.16, 0.12, 0.10, 0.09, 0.08, 0.05]

# provider, model, share of records, first priced day, tiers {tier: p}, share with reasoning tokens
MODELS = [
    ("openai", "gpt-5.5", 0.20, "2026-04-23", {"standard": .85, "batch": .08, "flex": .04, "priority": .03}, .7),
    ("openai", "gpt-5.4-mini", 0.22, "2026-01-01", {"standard": .90, "batch": .10}, .4),
    ("anthropic", "claude-opus-4-7", 0.10, "2026-04-16", {"standard": .92, "batch": .08}, 0.0),
    ("anthropic", "claude-sonnet-4-6", 0.18, "2026-01-01", {"standard": .92, "batch": .08}, 0.0),
    ("deepseek", "deepseek-v4-pro", 0.12, "2026-04-24", {"standard": 1.0}, .6),
    ("deepseek", "deepseek-v4-flash", 0.18, "2026-04-24", {"standard": 1.0}, .3),
]
PROVIDERS = ["openai", "anthropic", "deepseek"]
TIERS = ["standard", "batch", "flex", "priority"]
EARLY_SHARE = 0.001  # DeepSeek records dated before V4's launch: no price, so reported (not priced)
LONG_SHARE = 0.015  # gpt-5.5 (not priority) and Anthropic prompts above 272K / 200K tokens
RESIDENCY_SHARE = 0.05  # claude-opus-4-7 records served US-only (inference_geo "us", x1.1)
MIB = 1 / 1024  # ru_maxrss and /proc figures are KiB on Linux


# -- memory figures -----------------------------------------------------------------------------------

def _status(field: str) -> float | None:
    """VmRSS / VmHWM of this process in MiB (Linux), else None."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * MIB
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset this process's peak RSS (VmHWM) so the next peak is of what follows (Linux >= 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _maxrss() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * MIB


# -- the synthetic log ------------------------------------------------------------------------------

def _chunk_arrays(index: int, n: int, seed: int) -> dict:
    """Records index*CHUNK .. +n as numpy arrays, from their own seeded generator (no Python loop)."""
    import numpy as np

    rng = np.random.default_rng([seed, index])
    shares = np.array([m[2] for m in MODELS])
    model = rng.choice(len(MODELS), size=n, p=shares / shares.sum()).astype(np.int8)
    provider = np.array([PROVIDERS.index(m[0]) for m in MODELS], dtype=np.int8)[model]
    end = np.datetime64(END, "s").astype(np.int64)
    first = np.array([np.datetime64(m[3], "s").astype(np.int64) for m in MODELS])[model]
    year = np.datetime64("2026-01-01", "s").astype(np.int64)
    early = (provider == PROVIDERS.index("deepseek")) & (rng.random(n) < EARLY_SHARE)
    first = np.where(early, year, first)
    last = np.where(early, np.datetime64("2026-04-24", "s").astype(np.int64), end)
    seconds = first + (rng.random(n) * (last - first)).astype(np.int64)

    tier = np.zeros(n, dtype=np.int8)
    for code, m in enumerate(MODELS):
        rows = np.flatnonzero(model == code)
        names, p = list(m[4]), np.array(list(m[4].values()))
        tier[rows] = np.array([TIERS.index(t) for t in names], dtype=np.int8)[
            rng.choice(len(names), size=len(rows), p=p / p.sum())]

    prompt = np.clip(np.exp(rng.normal(8.5, 1.3, n)), 20, 200_000).astype(np.int64)
    gpt55 = model == 0
    anthropic = provider == PROVIDERS.index("anthropic")
    long = (((gpt55 & (tier != TIERS.index("priority"))) | anthropic) & (rng.random(n) < LONG_SHARE))
    prompt = np.where(long, rng.integers(272_001, 900_000, n), prompt)
    cached = np.where(rng.random(n) < 0.6, (prompt * rng.uniform(0.2, 0.95, n)).astype(np.int64), 0)
    writes = np.where(anthropic & (rng.random(n) < 0.3),
                      ((prompt - cached) * rng.uniform(0.3, 0.9, n)).astype(np.int64), 0)
    one_hour = rng.random(n) < 0.15
    write_1h = np.where(one_hour, writes, 0)
    write_5m = writes - write_1h
    output = np.clip(np.exp(rng.normal(6.0, 1.1, n)), 1, 64_000).astype(np.int64)
    reasoning_p = np.array([m[5] for m in MODELS])[model]
    reasoning = np.where(rng.random(n) < reasoning_p,
                         np.clip(np.exp(rng.normal(6.7, 1.0, n)), 1, 64_000), 0).astype(np.int64)
    residency = (model == 2) & (rng.random(n) < RESIDENCY_SHARE)
    team = rng.choice(len(TEAMS), size=n, p=TEAM_P).astype(np.int8)
    return {"seconds": seconds, "provider": provider, "model": model, "input": prompt - cached - writes,
            "cached": cached, "write_5m": write_5m, "write_1h": write_1h, "output": output,
            "reasoning": reasoning, "tier": tier, "residency": residency, "team": team}


def _arrow_table(a: dict):
    import pyarrow as pa

    def decoded(codes, names):
        return pa.DictionaryArray.from_arrays(pa.array(codes.astype("int32")), pa.array(names)).dictionary_decode()

    return pa.table({
        "timestamp": pa.array((a["seconds"] * 1_000_000_000).astype("datetime64[ns]"), pa.timestamp("ns", "UTC")),
        "provider": decoded(a["provider"], PROVIDERS),
        "model": decoded(a["model"], [m[1] for m in MODELS]),
        "input_tokens": a["input"], "cached_tokens": a["cached"], "cache_write_5m_tokens": a["write_5m"],
        "cache_write_1h_tokens": a["write_1h"], "output_tokens": a["output"], "reasoning_tokens": a["reasoning"],
        "service_tier": decoded(a["tier"], TIERS), "residency": a["residency"],
        "tag:team": decoded(a["team"], TEAMS),
    })


# Provider-native JSON lines: OpenAI and DeepSeek Chat Completions responses (with `created`), Anthropic
# Messages usage rows (Anthropic responses carry no time, so a logged `timestamp`); tags at the top level.
_OPENAI = ('{"id":"chatcmpl-%d","object":"chat.completion","created":%d,"model":"%s","service_tier":"%s",'
           '"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,'
           '"prompt_tokens_details":{"cached_tokens":%d},"completion_tokens_details":{"reasoning_tokens":%d}},'
           '"tags":{"team":"%s"}}')
_DEEPSEEK = ('{"id":"%d","object":"chat.completion","created":%d,"model":"%s","usage":{"prompt_tokens":%d,'
             '"completion_tokens":%d,"total_tokens":%d,"prompt_cache_hit_tokens":%d,"prompt_cache_miss_tokens":%d,'
             '"completion_tokens_details":{"reasoning_tokens":%d}},"tags":{"team":"%s"}}')
_ANTHROPIC = ('{"timestamp":"%sZ","id":"msg_%d","type":"message","model":"%s","usage":{"input_tokens":%d,'
              '"cache_creation_input_tokens":%d,"cache_read_input_tokens":%d,"cache_creation":'
              '{"ephemeral_5m_input_tokens":%d,"ephemeral_1h_input_tokens":%d},"output_tokens":%d,'
              '"service_tier":"%s","inference_geo":"%s"},"tags":{"team":"%s"}}')


def _json_lines(a: dict, start: int) -> dict[str, bytes]:
    """{provider: JSON lines} of a chunk: str % tuple over column lists (about 1 us a record)."""
    import numpy as np

    out = {}
    models = np.array([m[1] for m in MODELS])
    teams = np.array(TEAMS)
    ids = np.arange(start, start + len(a["seconds"]))
    for code, provider in enumerate(PROVIDERS):
        rows = np.flatnonzero(a["provider"] == code)
        get = {k: v[rows] for k, v in a.items()}
        prompt = get["input"] + get["cached"] + get["write_5m"] + get["write_1h"]
        completion = get["output"] + get["reasoning"]
        common = (models[get["model"]].tolist(),)
        team = teams[get["team"]].tolist()
        if provider == "openai":
            tier = np.array(["default", "batch", "flex", "priority"])[get["tier"]].tolist()
            cols = (ids[rows].tolist(), get["seconds"].tolist(), *common, tier, prompt.tolist(),
                    completion.tolist(), (prompt + completion).tolist(), get["cached"].tolist(),
                    get["reasoning"].tolist(), team)
            template = _OPENAI
        elif provider == "deepseek":
            cols = (ids[rows].tolist(), get["seconds"].tolist(), *common, prompt.tolist(), completion.tolist(),
                    (prompt + completion).tolist(), get["cached"].tolist(), get["input"].tolist(),
                    get["reasoning"].tolist(), team)
            template = _DEEPSEEK
        else:
            stamps = np.datetime_as_string(get["seconds"].astype("datetime64[s]"), unit="s").tolist()
            tier = np.array(TIERS)[get["tier"]].tolist()
            geo = np.where(get["residency"], "us", "global").tolist()
            cols = (stamps, ids[rows].tolist(), *common, get["input"].tolist(),
                    (get["write_5m"] + get["write_1h"]).tolist(), get["cached"].tolist(), get["write_5m"].tolist(),
                    get["write_1h"].tolist(), get["output"].tolist(), tier, geo, team)
            template = _ANTHROPIC
        out[provider] = ("\n".join(map(template.__mod__, zip(*cols))) + "\n").encode() if len(rows) else b""
    return out


def _sample_positions(records: int, sample: int):
    import numpy as np

    return np.unique(np.linspace(0, records - 1, num=min(sample, records)).astype(np.int64))


def generate(cache: Path, records: int, seed: int, sample: int) -> dict:
    """Write log.parquet, {provider}.jsonl and sample.json (the peers' records) into `cache`."""
    import numpy as np
    import orjson
    import pyarrow.parquet as pq

    cache.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    positions = _sample_positions(records, sample)
    picked = []
    writer = None
    handles = {p: open(cache / f"{p}.jsonl", "wb") for p in PROVIDERS}
    try:
        for index, start in enumerate(range(0, records, CHUNK)):
            n = min(CHUNK, records - start)
            a = _chunk_arrays(index, n, seed)
            table = _arrow_table(a)
            if writer is None:
                writer = pq.ParquetWriter(cache / "log.parquet", table.schema, compression="zstd")
            writer.write_table(table, row_group_size=CHUNK)
            for provider, text in _json_lines(a, start).items():
                handles[provider].write(text)
            local = positions[(positions >= start) & (positions < start + n)] - start
            picked.append({k: v[local] for k, v in a.items()})
    finally:
        if writer is not None:
            writer.close()
        for handle in handles.values():
            handle.close()
    s = {k: np.concatenate([p[k] for p in picked]).tolist() for k in picked[0]}
    rows = [[PROVIDERS[s["provider"][i]], MODELS[s["model"][i]][1], s["seconds"][i], s["input"][i], s["cached"][i],
             s["write_5m"][i], s["write_1h"][i], s["output"][i], s["reasoning"][i], TIERS[s["tier"][i]],
             bool(s["residency"][i]), TEAMS[s["team"][i]]] for i in range(len(s["seconds"]))]
    (cache / "sample.json").write_bytes(orjson.dumps(rows))
    meta = {"generator": GENERATOR, "records": records, "seed": seed, "sample": len(rows),
            "seconds": time.perf_counter() - t0,
            "bytes": {f.name: f.stat().st_size for f in sorted(cache.iterdir()) if f.suffix in (".parquet", ".jsonl")}}
    (cache / "meta.json").write_text(json.dumps(meta, indent=1))
    return meta


# -- measurements, each in its own process ---------------------------------------------------------

def _result(result, seconds: float, records: int, **extra) -> dict:
    return {"records": records, "seconds": seconds, "priced": result.priced, "reported": result.reported,
            "total_usd": str(result.total_usd), "peak_rss_mib": _maxrss(), **extra}


def worker(mode: str, cache: Path, per_record: int) -> dict:
    import pandas as pd

    import costcalc
    from costcalc.prices import load_prices
    from costcalc.usage.chunk import UsageChunk
    from costcalc.usage.run import reprice_chunks

    table = load_prices()
    imported_rss = _status("VmRSS")
    jsonl = [str(cache / f"{p}.jsonl") for p in PROVIDERS]
    if mode == "memory":
        frame = pd.read_parquet(cache / "log.parquet")
        gc.collect()
        holding = _status("VmRSS")
        resettable = _reset_peak()
        runs = []  # the first run pays for fresh memory pages; later ones reuse them: report both
        while len(runs) < 3 and sum(runs) < 60:
            t0 = time.perf_counter()
            result = reprice_chunks([UsageChunk(frame, len(frame), [])], table, by=["month"])
            runs.append(time.perf_counter() - t0)
            if len(runs) == 1:
                peak = _status("VmHWM") if resettable else None
        out = _result(result, min(runs), len(frame), frame_rss_mib=holding, imported_rss_mib=imported_rss,
                      reprice_peak_rss_mib=peak, runs=runs)
        del result
        gc.collect()
        resettable = _reset_peak()
        t0 = time.perf_counter()
        rows = costcalc.reprice(frame, prices=table, by="month")
        out["api"] = {"seconds": time.perf_counter() - t0, "total_usd": rows.attrs["total_usd"],
                      "priced": rows.attrs["priced"], "reported": rows.attrs["reported"],
                      "peak_rss_mib": _status("VmHWM") if resettable else None}
        return out
    if mode in ("parquet", "jsonl"):
        from costcalc.usage.read import iter_usage

        paths = [str(cache / "log.parquet")] if mode == "parquet" else jsonl
        t0 = time.perf_counter()
        result = reprice_chunks(iter_usage(paths), table, by=["month"])
        return _result(result, time.perf_counter() - t0, result.records, imported_rss_mib=imported_rss)
    if mode == "per-record":
        import pyarrow.parquet as pq

        frame = pq.ParquetFile(cache / "log.parquet").read_row_group(0).to_pandas().iloc[:per_record]
        gc.collect()
        resettable = _reset_peak()
        t0 = time.perf_counter()
        rows = costcalc.reprice(frame, prices=table)
        seconds = time.perf_counter() - t0
        return {"records": len(frame), "seconds": seconds, "priced": rows.attrs["priced"],
                "reported": rows.attrs["reported"], "total_usd": rows.attrs["total_usd"],
                "peak_rss_mib": _status("VmHWM") if resettable else _maxrss()}
    if mode == "sample":  # costcalc's exact cost of each sample record, for the comparison with the peers
        frame = _sample_frame(cache)
        rows = costcalc.reprice(frame, prices=table)
        cost = {int(line): str(c) for line, c in zip(rows["line"], rows["cost_usd"])}
        rule = {int(line): r for line, r in zip(rows["line"], rows["rule"])}
        lines = range(1, len(frame) + 1)
        return {"cost": [cost.get(i) for i in lines], "rule": [rule.get(i) for i in lines]}
    raise SystemExit(f"unknown mode {mode}")


def _sample_frame(cache: Path):
    import orjson
    import pandas as pd

    rows = orjson.loads((cache / "sample.json").read_bytes())
    frame = pd.DataFrame(rows, columns=["provider", "model", "timestamp", "input_tokens", "cached_tokens",
                                        "cache_write_5m_tokens", "cache_write_1h_tokens", "output_tokens",
                                        "reasoning_tokens", "service_tier", "residency", "tag:team"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], unit="s", utc=True).astype("datetime64[ns, UTC]")
    return frame


# -- peers (run under --peer-python) --------------------------------------------------------------

def peer_worker(cache: Path, runs: int, budget: float) -> dict:
    """genai-prices calc_price and LiteLLM cost_per_token over the sample, one record at a time: best of
    `runs` loops (fewer if a loop takes more than `budget` seconds), and each record's cost."""
    from datetime import datetime, timezone
    from importlib import metadata

    rows = json.loads((cache / "sample.json").read_bytes())  # json: the peers' venv need not have orjson
    records = [(p, m, datetime.fromtimestamp(s, timezone.utc), i, c, w5, w1, o, r, t, res)
               for p, m, s, i, c, w5, w1, o, r, t, res, _team in rows]
    out = {}

    def timed(loop):
        best, costs = None, None
        for _ in range(runs):
            t0 = time.perf_counter()
            costs = loop()
            seconds = time.perf_counter() - t0
            best = seconds if best is None else min(best, seconds)
            if seconds > budget:
                break
        return best, costs

    try:
        from genai_prices import Usage, calc_price
    except ImportError:
        out["genai-prices"] = {"error": "not installed"}
    else:
        def genai_loop():
            costs = []
            for p, m, at, i, c, w5, w1, o, r, t, _res in records:
                usage = Usage(input_tokens=i + c + w5 + w1, cache_read_tokens=c, cache_write_tokens=w5 + w1,
                              cache_write_5m_tokens=w5, cache_write_1h_tokens=w1, output_tokens=o + r)
                context = None if t == "standard" else (
                    {"processing": "batch"} if t == "batch" else {"service_tier": t})
                try:
                    costs.append(str(calc_price(usage, model_ref=m, provider_id=p, genai_request_timestamp=at,
                                                price_context=context).total_price))
                except Exception as exc:  # unknown model at this instant, ...
                    costs.append("error: " + type(exc).__name__)
            return costs

        seconds, costs = timed(genai_loop)
        out["genai-prices"] = {"version": metadata.version("genai-prices"), "seconds": seconds,
                               "records": len(records), "cost": costs}
    try:
        import litellm
    except ImportError:
        out["litellm"] = {"error": "not installed"}
    else:
        from contextlib import nullcontext

        try:
            from litellm._internal_context import pinned_billing_time
        except ImportError:
            pinned_billing_time = None

        def litellm_loop():
            costs = []
            for p, m, at, i, c, w5, w1, o, r, t, res in records:
                with pinned_billing_time(at) if pinned_billing_time else nullcontext():
                    try:
                        prompt_usd, completion_usd = litellm.cost_per_token(
                            model=m, custom_llm_provider=p, prompt_tokens=i + c + w5 + w1,
                            completion_tokens=o + r, cache_read_input_tokens=c,
                            cache_creation_input_tokens=w5 + w1,
                            service_tier=None if t == "standard" else t,
                            data_residency="us" if res else None)
                        costs.append(repr(prompt_usd + completion_usd))
                    except Exception as exc:
                        costs.append("error: " + type(exc).__name__)
            return costs

        seconds, costs = timed(litellm_loop)
        out["litellm"] = {"version": metadata.version("litellm"), "seconds": seconds, "records": len(records),
                          "cost": costs, "pinned": pinned_billing_time is not None}
    return out


# -- the driver --------------------------------------------------------------------------------------

def _run(argv: list[str], timeout: float) -> dict:
    t0 = time.perf_counter()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"stopped after {timeout:.0f} s"}
    if done.returncode:
        last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
        return {"error": f"exit {done.returncode}: {last}", "stderr": done.stderr[-3000:]}
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["process_seconds"] = time.perf_counter() - t0
    return out


def _compare(sample: list, ours: dict, peers: dict) -> list[dict]:
    """Per model: the sample totals of each tool, over all records every tool priced, and over the
    like-for-like ones (standard tier, prompt within the base rates, no residency)."""
    from decimal import Decimal

    long_limit = {"gpt-5.5": 272_000, "claude-sonnet-4-6": 200_000}
    names = [n for n in ("genai-prices", "litellm") if "cost" in peers.get(n, {})]
    out = []
    for model in [m[1] for m in MODELS]:
        for subset in ("all", "like-for-like"):
            sums = {"costcalc": Decimal(0), **{n: Decimal(0) for n in names}}
            count = 0
            for k, row in enumerate(sample):
                if row[1] != model or ours["cost"][k] is None:
                    continue
                peer_costs = [peers[n]["cost"][k] for n in names]
                if any(c.startswith("error") for c in peer_costs):
                    continue
                prompt = row[3] + row[4] + row[5] + row[6]
                if subset == "like-for-like" and (row[9] != "standard" or row[10]
                                                  or prompt > long_limit.get(model, 10 ** 12)):
                    continue
                count += 1
                sums["costcalc"] += Decimal(ours["cost"][k])
                for n, c in zip(names, peer_costs):
                    sums[n] += Decimal(c)
            out.append({"model": model, "subset": subset, "records": count,
                        **{k: f"{v:.4f}" for k, v in sums.items()}})
    for n in names:
        errors = {}
        for k, c in enumerate(peers[n]["cost"]):
            if c.startswith("error"):
                errors[sample[k][1]] = errors.get(sample[k][1], 0) + 1
        if errors:
            out.append({"model": f"{n} errors", "subset": json.dumps(errors)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/costcalc-bench-usage"),
                        help="where the generated log is kept (a sub-folder per size and seed)")
    parser.add_argument("--sample", type=int, default=20_000, help="records priced by the peers")
    parser.add_argument("--per-record", type=int, default=1_000_000,
                        help="records for costcalc.reprice(df) with one exact cost per record")
    parser.add_argument("--peer-python", default="/work/benchvenv/bin/python")
    parser.add_argument("--modes", default="memory,parquet,jsonl,per-record,peers")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed per measurement")
    parser.add_argument("--out", type=Path, help="results as JSON (default: results.json in the cache)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--peer-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    cache = args.cache / f"n{args.records}-s{args.seed}"

    if args.peer_worker:
        print(json.dumps(peer_worker(cache, runs=3, budget=20)))
        return
    if args.worker == "generate":
        print(json.dumps(generate(cache, args.records, args.seed, args.sample)))
        return
    if args.worker:
        print(json.dumps(worker(args.worker, cache, args.per_record)))
        return

    from importlib import metadata

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"costcalc {metadata.version('costcalc')}, Python {platform.python_version()}, pandas "
          f"{metadata.version('pandas')}, pyarrow {metadata.version('pyarrow')}, {os.cpu_count()} CPUs, "
          f"load {load:.2f}")
    me = [sys.executable, str(Path(__file__).resolve()), "--records", str(args.records), "--seed", str(args.seed),
          "--cache", str(args.cache), "--sample", str(args.sample), "--per-record", str(args.per_record)]
    meta_path = cache / "meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if meta.get("generator") != GENERATOR or meta.get("sample") is None:
        print(f"generating {args.records:,} records into {cache} ...", flush=True)
        meta = _run(me + ["--worker", "generate"], timeout=3600)
        if "error" in meta:
            sys.exit(f"generation failed: {meta['error']}\n{meta.get('stderr', '')}")
        print(f"  generated in {meta['seconds']:.1f} s")
    sizes = ", ".join(f"{name} {size / 2**20:,.0f} MiB" for name, size in meta["bytes"].items())
    print(f"log: {args.records:,} records ({cache}): {sizes}")

    modes = args.modes.split(",")
    results: dict = {"records": args.records, "seed": args.seed, "load": load, "files": meta["bytes"]}
    for mode in ("memory", "parquet", "jsonl", "per-record"):
        if mode in modes:
            print(f"  {mode} ...", flush=True)
            results[mode] = _run(me + ["--worker", mode], args.timeout)
            if "error" in results[mode]:
                print(f"    {results[mode]['error']}\n{results[mode].get('stderr', '')}")
    peers, ours, sample = {}, None, None
    if "peers" in modes:
        print("  peers ...", flush=True)
        if Path(args.peer_python).exists():
            peers = _run([args.peer_python] + me[1:] + ["--peer-worker"], args.timeout)
        else:
            peers = {"error": f"{args.peer_python} not found (a venv with benchmarks/requirements.txt)"}
        ours = _run(me + ["--worker", "sample"], args.timeout)
        import orjson

        sample = orjson.loads((cache / "sample.json").read_bytes())
    _report(results, peers, ours, sample)
    out = args.out or cache / "results.json"
    results["peers"] = {k: {kk: vv for kk, vv in v.items() if kk != "cost"} if isinstance(v, dict) else v
                        for k, v in peers.items()}
    out.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nresults: {out}")


def _report(results: dict, peers: dict, ours: dict | None, sample: list | None) -> None:
    names = [n for n in ("genai-prices", "litellm") if "seconds" in peers.get(n, {})]
    rate = {n: peers[n]["records"] / peers[n]["seconds"] for n in names}
    rows = []

    def add(label, fig, seconds=None, rss=None, ratio=True):
        if fig is None:
            return
        if "error" in fig:
            rows.append((label, "-", "-", "-", "-", fig["error"][:60]))
            return
        seconds = fig["seconds"] if seconds is None else seconds
        n = fig["records"]
        rps = n / seconds
        ratios = "  ".join(f"{rps / rate[p]:>8,.0f}x" for p in names) if ratio else ""
        rows.append((label, f"{n:,}", f"{seconds:.2f}", f"{rps:,.0f}", f"{rss:,.0f}" if rss else "-", ratios))

    mem = results.get("memory")
    if mem and "error" not in mem:
        rss = mem.get("reprice_peak_rss_mib") or mem["peak_rss_mib"]
        add(f"memory: reprice_chunks(frame) best of {len(mem['runs'])}", mem, rss=rss)
        add("memory: reprice_chunks(frame) 1st run", mem, seconds=mem["runs"][0], rss=rss)
        api = dict(mem["api"], records=mem["records"])
        add("memory: costcalc.reprice(df, by=month)", api, rss=api.get("peak_rss_mib"))
    else:
        add("memory", mem)
    add("Parquet: reprice_chunks(iter_usage)", results.get("parquet"),
        rss=(results.get("parquet") or {}).get("peak_rss_mib"))
    add("JSON lines: reprice_chunks(iter_usage)", results.get("jsonl"),
        rss=(results.get("jsonl") or {}).get("peak_rss_mib"))
    add("per record: costcalc.reprice(df) [Decimal/rec]", results.get("per-record"),
        rss=(results.get("per-record") or {}).get("peak_rss_mib"))
    for n in names:
        add(f"{n} {peers[n]['version']} loop (sample)", peers[n], rss=None, ratio=False)

    print("\n" + "  ".join([f"{'mode':<46}", f"{'records':>11}", f"{'seconds':>8}", f"{'records/s':>11}",
                            f"{'peak MiB':>8}"] + [f"{'vs ' + p[:6]:>9}" for p in names]))
    for label, n, s, rps, rss, ratios in rows:
        print("  ".join([f"{label:<46}", f"{n:>11}", f"{s:>8}", f"{rps:>11}", f"{rss:>8}", ratios]))
    if mem and "error" not in mem:
        print(f"\nmemory mode: RSS after imports and the price table {mem['imported_rss_mib']:,.0f} MiB; holding the "
              f"frame {mem['frame_rss_mib']:,.0f} MiB; peak while re-pricing {mem['reprice_peak_rss_mib'] or 0:,.0f} "
              f"MiB (whole process incl. reading the Parquet: {mem['peak_rss_mib']:,.0f} MiB)")
    totals = {k: (results[k]["total_usd"], results[k]["priced"], results[k]["reported"])
              for k in ("memory", "parquet", "jsonl") if k in results and "error" not in results[k]}
    if totals:
        same = len({t for t, _p, _r in totals.values()}) == 1
        print("totals (logged, USD): " + "; ".join(f"{k} {t} ({p:,} priced, {r:,} reported)"
                                                     for k, (t, p, r) in totals.items())
              + (("  -> identical" if same else "  -> DIFFER") if len(totals) > 1 else ""))
    for n in ("genai-prices", "litellm"):
        if "error" in peers.get(n, {}):
            print(f"{n}: {peers[n]['error']}")
    if "error" in peers:
        print(f"peers: {peers['error']}")
    if ours and sample and names and "error" not in ours:
        print(f"\nSample of {len(sample):,} records (every {results['records'] // max(len(sample), 1):,}th): "
              "per-model totals in USD, records every tool priced")
        print(f"  {'model':<20} {'subset':<14} {'records':>7} {'costcalc':>12}"
              + "".join(f" {n:>12}" for n in names))
        for row in _compare(sample, ours, peers):
            if "records" not in row:
                print(f"  {row['model']}: {row['subset']}")
                continue
            print(f"  {row['model']:<20} {row['subset']:<14} {row['records']:>7} {row['costcalc']:>12}"
                  + "".join(f" {row[n]:>12}" for n in names))


if __name__ == "__main__":
    main()
