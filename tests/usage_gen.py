"""A generated normalized usage log that reaches every pricing case, for differential tests (local
vs partials merged in random order vs engines): every model of the table plus an alias, a snapshot name
and an unknown name; every service tier plus a bad one; residency; prompts across every cliff and past
the context window; output past max output; instants over 2026 (peak/off-peak, promotions, launches,
retirements, month and day edges); tool calls; a tag. Deterministic for a seed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from costcalc.prices.model import PriceTable
from costcalc.usage.schema import COUNT_COLUMNS, TOOL_COLUMNS

START = pd.Timestamp("2026-01-01", tz="UTC")
SECONDS = 365 * 86400


def generated_log(table: PriceTable, records: int, seed: int = 14) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = sorted(table.models) + ["gpt-5.5-2026-04-23", "no-such-model"]
    names += [alias for model in table.models.values() for alias in model.aliases][:4]
    model = rng.choice(np.array(names, dtype=object), records)
    seconds = rng.integers(0, SECONDS, records)
    # a quarter of the records on the first or last second of a day: the edges a range filter must get right
    edge = rng.random(records) < 0.25
    seconds[edge] = (seconds[edge] // 86400) * 86400 + rng.choice([0, 86399], int(edge.sum()))
    # prompts log-uniform from 1 token to 2M tokens: below, between and above every cliff and context window
    prompt = np.exp(rng.uniform(0, np.log(2_000_000), records)).astype(np.int64)
    cached = (prompt * rng.uniform(0, 0.9, records)).astype(np.int64)
    writes = np.where(rng.random(records) < 0.2, (prompt - cached) // 4, 0)
    frame = pd.DataFrame({
        "timestamp": START + pd.to_timedelta(seconds, unit="s") + pd.to_timedelta(rng.integers(0, 10**9, records),
                                                                                 unit="ns"),
        "provider": "",
        "model": model,
        "input_tokens": prompt - cached - writes,
        "cached_tokens": cached,
        "cache_write_5m_tokens": writes,
        "cache_write_1h_tokens": np.where(rng.random(records) < 0.05, writes, 0),
        "output_tokens": np.exp(rng.uniform(0, np.log(300_000), records)).astype(np.int64),
        "reasoning_tokens": np.where(rng.random(records) < 0.3, rng.integers(0, 5000, records), 0),
    })
    for column in TOOL_COLUMNS:
        frame[column] = np.where(rng.random(records) < 0.05, rng.integers(1, 4, records), 0).astype(np.int64)
    frame["service_tier"] = rng.choice(np.array(["standard", "standard", "batch", "flex", "priority", "turbo"],
                                                dtype=object), records)
    frame["residency"] = rng.random(records) < 0.15
    frame["source"] = "gen.jsonl"
    frame["line"] = np.arange(1, records + 1, dtype=np.int64)
    frame["tag:team"] = rng.choice(np.array(["search", "chat", "", "ops"], dtype=object), records)
    for column in COUNT_COLUMNS + TOOL_COLUMNS:
        frame[column] = frame[column].astype(np.int64)
    return frame


__all__ = ["generated_log"]
