"""JSON-lines reading speed: `iter_usage` over a log of N lines in each JSON-lines format, nothing priced.

    python benchmarks/readers.py                    # 1,000,000 lines per format, best of 3 runs
    python benchmarks/readers.py --lines 200000 --runs 1 --formats openai costcalc
    python benchmarks/readers.py --against /work/main   # another checkout's reader, runs interleaved

The logs (openai, anthropic, deepseek as benchmarks/usage.py writes them; costcalc's own schema; OTLP
JSON with one GenAI span per line) are generated once into --cache (default /tmp/costcalc-bench-readers)
from usage.py's seeded generator, and reused while --lines is the same. Each run reads one whole file in
a fresh process (`python -c`, PYTHONPATH = this checkout) and reports the seconds inside `iter_usage`
(imports excluded; wall time of the fastest run, and the least CPU time of any run, steadier on a busy
machine) and the records read. With --against, each run of this checkout is followed by one of
the other, so both see the same machine load. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import usage  # noqa: E402  (benchmarks/usage.py: the seeded generator and provider templates)

FORMATS = ("openai", "anthropic", "deepseek", "costcalc", "otel")
_COSTCALC = ('{"timestamp":"%sZ","provider":"%s","model":"%s","input_tokens":%d,"cached_tokens":%d,'
             '"cache_write_5m_tokens":%d,"cache_write_1h_tokens":%d,"output_tokens":%d,"reasoning_tokens":%d,'
             '"service_tier":"%s","tag:team":"%s"}')
_OTEL = ('{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"%s"}}]},'
         '"scopeSpans":[{"scope":{"name":"genai"},"spans":[{"traceId":"%032x","spanId":"%016x","name":"chat %s",'
         '"startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":['
         '{"key":"gen_ai.provider.name","value":{"stringValue":"%s"}},'
         '{"key":"gen_ai.request.model","value":{"stringValue":"%s"}},'
         '{"key":"gen_ai.usage.input_tokens","value":{"intValue":"%d"}},'
         '{"key":"gen_ai.usage.output_tokens","value":{"intValue":"%d"}},'
         '{"key":"gen_ai.usage.cache_read.input_tokens","value":{"intValue":"%d"}}]}]}]}]}')


def _own_lines(a: dict, start: int) -> dict[str, bytes]:
    """costcalc and otel lines of a generated chunk (every provider's records)."""
    import numpy as np

    models = np.array([m[1] for m in usage.MODELS])[a["model"]].tolist()
    providers = np.array(usage.PROVIDERS)[a["provider"]].tolist()
    teams = np.array(usage.TEAMS)[a["team"]].tolist()
    stamps = np.datetime_as_string(a["seconds"].astype("datetime64[s]"), unit="s").tolist()
    tiers = np.array(usage.TIERS)[a["tier"]].tolist()
    own = zip(stamps, providers, models, a["input"].tolist(), a["cached"].tolist(), a["write_5m"].tolist(),
              a["write_1h"].tolist(), a["output"].tolist(), a["reasoning"].tolist(), tiers, teams)
    ids = range(start, start + len(stamps))
    nanos = (a["seconds"] * 1_000_000_000).tolist()
    prompt = (a["input"] + a["cached"] + a["write_5m"] + a["write_1h"]).tolist()
    completion = (a["output"] + a["reasoning"]).tolist()
    spans = zip(teams, ids, ids, models, nanos, [n + 10 ** 9 for n in nanos], providers, models, prompt,
                completion, a["cached"].tolist())
    return {"costcalc": ("\n".join(map(_COSTCALC.__mod__, own)) + "\n").encode(),
            "otel": ("\n".join(map(_OTEL.__mod__, spans)) + "\n").encode()}


def generate(cache: Path, lines: int, seed: int = 7) -> None:
    """{format}.jsonl with exactly `lines` lines each."""
    cache.mkdir(parents=True, exist_ok=True)
    meta = cache / "meta.json"
    if meta.exists() and json.loads(meta.read_text()) == {"lines": lines, "seed": seed, "generator": 1}:
        return
    left = {f: lines for f in FORMATS}
    handles = {f: open(cache / f"{f}.jsonl", "wb") for f in FORMATS}  # noqa: SIM115 (closed in finally)
    try:
        index = 0
        while any(left.values()):
            a = usage._chunk_arrays(index, usage.CHUNK, seed)
            texts = {**usage._json_lines(a, index * usage.CHUNK), **_own_lines(a, index * usage.CHUNK)}
            for name, text in texts.items():
                if left[name]:
                    kept = text.split(b"\n")[:-1][:left[name]]
                    handles[name].write(b"\n".join(kept) + b"\n")
                    left[name] -= len(kept)
            index += 1
    finally:
        for handle in handles.values():
            handle.close()
    meta.write_text(json.dumps({"lines": lines, "seed": seed, "generator": 1}))


_WORKER = """
import sys, time, json
from costcalc.usage.read import iter_usage
t0, c0 = time.perf_counter(), time.process_time()
records = problems = 0
for chunk in iter_usage(sys.argv[1], format=sys.argv[2]):
    records += chunk.records
    problems += len(chunk.problems)
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "records": records,
                  "problems": problems}))
"""


def _run(path: Path, fmt: str, root: Path) -> dict:
    # cwd=root: `python -c` puts the working folder first on sys.path, before PYTHONPATH, so run from
    # another checkout the worker would import that checkout's costcalc
    out = subprocess.run([sys.executable, "-c", _WORKER, str(path), fmt], capture_output=True, text=True,
                         env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, check=True, cwd=str(root))
    return json.loads(out.stdout)


def measure(path: Path, fmt: str, runs: int, roots: list[Path]) -> list[dict]:
    """Per root: the best run and every run's seconds; the roots' runs interleaved."""
    results: list[list[dict]] = [[] for _ in roots]
    for _ in range(runs):
        for found, root in zip(results, roots):
            found.append(_run(path, fmt, root))
    return [{**min(found, key=lambda r: r["seconds"]), "runs": [round(r["seconds"], 2) for r in found],
             "best_cpu": min(r["cpu"] for r in found)} for found in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", nargs="*", default=list(FORMATS), choices=FORMATS)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/costcalc-bench-readers"))
    parser.add_argument("--against", type=Path, help="another checkout of costcalc to time the same way")
    args = parser.parse_args()
    roots = [ROOT] + ([args.against.resolve()] if args.against else [])
    generate(args.cache, args.lines)
    with open("/proc/loadavg") as handle:
        print(f"load average {handle.read().split()[0]}; {args.lines:,} lines per file; best of {args.runs}")
    for fmt in args.formats:
        path = args.cache / f"{fmt}.jsonl"
        size = path.stat().st_size / 2 ** 20
        for root, r in zip(roots, measure(path, fmt, args.runs, roots)):
            label = fmt if root == ROOT else f"  {root}"
            print(f"{label:10} {size:7.0f} MiB  {r['seconds']:6.2f} s  {r['records'] / r['seconds'] / 1e3:7.0f} k "
                  f"records/s  cpu {r['best_cpu']:6.2f} s  ({r['records']:,} records, {r['problems']:,} problems; "
                  f"runs {r['runs']})", flush=True)


if __name__ == "__main__":
    main()
