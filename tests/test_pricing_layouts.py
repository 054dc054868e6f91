"""Runs of one layout (costcalc.projection.pricing: the same structures, components and request classes)
are grouped once per projection and each run's sums are its own values summed that way; their money worked
by hand, whether the runs share a chunk or not."""

from __future__ import annotations

from decimal import Decimal

import pytest

from costcalc.api import prices_from, workloads_from
from costcalc.projection import frame, pricing, project

# two kinds of run (other tokens per request) of one layout: gpt-5.5, standard tier, no cache hits
PROFILES = """schema_version: 1
profiles:
  a:
    requests_per_day: 1000
    input_tokens: 800
    output_tokens: 200
    models: [gpt-5.5]
  b:
    requests_per_day: 500
    input_tokens: 1000
    output_tokens: 100
    models: [gpt-5.5]
"""


@pytest.mark.parametrize("flush", [1000, 1])
def test_runs_of_one_layout_are_priced_each_by_its_own_values(monkeypatch, flush):
    monkeypatch.setattr(frame, "FLUSH_RUNS", flush)  # 1: each run its own chunk, the layout kept between
    kinds_per_layout: list[int] = []
    sum_layout = pricing._sum_layout

    def counted(projector, segments, months, layout, kinds, ranges):
        kinds_per_layout.append(len(kinds))
        return sum_layout(projector, segments, months, layout, kinds, ranges)

    monkeypatch.setattr(pricing, "_sum_layout", counted)
    table = prices_from(None)
    df = project(workloads_from(PROFILES, table, ()), table, (2026, 6), 1)
    got = {(row.profile, row.component): (str(row.tokens), str(row.cost_usd)) for row in df.itertuples()}
    # June 2026 has 30 days; gpt-5.5 standard: input 5.00, output 30.00 USD per 1M tokens.
    # a: 1,000 x 30 x 800 = 24,000,000 input tokens (120 USD), 1,000 x 30 x 200 = 6,000,000 output (180 USD)
    # b: 500 x 30 x 1,000 = 15,000,000 input tokens (75 USD), 500 x 30 x 100 = 1,500,000 output (45 USD)
    # (costs at the rates' 2 places); no cache_read line: a cache hit rate of 0 reads 0 tokens from the
    # cache (terms of 0 make no line)
    assert got == {("a", "input"): ("24000000", "120.00"), ("a", "output"): ("6000000", "180.00"),
                   ("b", "input"): ("15000000", "75.00"), ("b", "output"): ("1500000", "45.00")}
    assert sum(df["cost_usd"], Decimal(0)) == Decimal(420)
    assert kinds_per_layout == ([2] if flush > 1 else [1, 1])


def test_a_chunk_numbers_only_the_rates_its_lines_have():
    """pricing._chunk_rates: rates told apart by their text (5.0 and 5.00 make costs at other places), one
    code per distinct text in line id order, only for the ids the lines have (id 1's rate is no line's)."""
    import numpy as np

    meta = [("a", "input", Decimal("5.0")), ("b", "input", Decimal("7")), ("c", "output", Decimal("5.00")),
            ("d", "output", Decimal("5.0")), ("e", "input", Decimal("2"))]
    codes, rates = pricing._chunk_rates(meta, np.array([3, 0, 2, 2, 4, 0], dtype=np.int32))
    assert [str(r) for r in rates] == ["5.0", "5.00", "2"]
    assert codes.tolist() == [0, 0, 1, 0, 2]  # ids 0 and 3 share "5.0"; id 1 has no line
    # a chunk without lines: one placeholder rate, as before
    codes, rates = pricing._chunk_rates(meta, np.zeros(0, dtype=np.int32))
    assert rates == [Decimal(0)] and codes.tolist() == [0] * 5
