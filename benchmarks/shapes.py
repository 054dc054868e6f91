"""Conversations priced turn by turn: wall time of costcalc.estimate for one conversation profile of N turns
(every turn its own prompt size) on gpt-5.5 and claude-opus-4-7 over 12 months, full history and a
200,000-token window (whose steady state merges into one kind of request), each the best of 3.

Run: python benchmarks/shapes.py [TURNS ...]   (default 10 100 1000 2000)
"""

from __future__ import annotations

import sys
import time

import costcalc

PROFILE = """schema_version: 1
profiles:
  chat:
    models: [gpt-5.5, claude-opus-4-7]
    over_limit: exclude
    conversation:
      conversations_per_day: 1000
      turns: {turns}
      system_tokens: 2000
      user_tokens_per_turn: 150
      reply_tokens_per_turn: 400
      history: {history}
      cache: {{reads: history, writes: 5m}}
"""


def best_of(turns: int, history: str, runs: int = 3) -> float:
    text = PROFILE.format(turns=turns, history=history)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        costcalc.estimate(text, start="2027-01", months=12)
        times.append(time.perf_counter() - began)
    return min(times)


if __name__ == "__main__":
    counts = [int(a) for a in sys.argv[1:]] or [10, 100, 1000, 2000]
    print(f"{'turns':>6}  {'full history':>13}  {'window 200000':>13}")
    for n in counts:
        print(f"{n:>6}  {best_of(n, 'full'):>12.2f}s  {best_of(n, 'window 200000'):>12.2f}s")
