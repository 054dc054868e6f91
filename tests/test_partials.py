"""Mergeable exact partials (issue 14 item 1): a log split into random parts, each re-priced on its own
(in its own process, as far as pickling goes), merged in random order and grouping, finishes into the
same rows, totals (to the last digit), problems and assumptions as one run over the whole log."""

from __future__ import annotations

import pickle
import random
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costcalc.usage.chunk import UsageChunk
from costcalc.usage.partials import finish_partials, merge_partials
from costcalc.usage.run import reprice_chunks, reprice_partials

from .helpers import same_reprice
from .usage_gen import generated_log

AS = ["deepseek-v4-pro", "claude-opus-4-7"]
BY = ["month", "tag:team"]


@pytest.fixture(scope="module")
def log(table):
    return generated_log(table, 2000, seed=14)


@pytest.fixture(scope="module")
def whole(table, log):
    return reprice_chunks([UsageChunk(log, len(log), [])], table, AS, BY)


def test_the_log_reaches_the_cases(whole, log):
    """The generated log is worth differencing: errors of every kind, --as fallbacks, tool calls."""
    assert whole.records == len(log) == whole.priced + whole.reported
    assert whole.reported > 100
    keys = {p.key for p in whole.problems}
    assert {"model", "service_tier", "prompt_tokens"} <= keys
    assert len(whole.rows["model"].unique()) > 20
    assert all(total > 0 for total in whole.totals_usd.values())


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.integers(2, 7), seed=st.integers(0, 2**32 - 1))
def test_random_partitions_merged_in_random_order_equal_one_run(table, log, whole, parts, seed):
    rng = np.random.default_rng(seed)
    owner = rng.integers(0, parts, len(log))
    partials = []
    for k in range(parts):
        piece = log[owner == k]
        partial = reprice_partials([UsageChunk(piece, len(piece), [])], table, AS, BY)
        partials.append(pickle.loads(pickle.dumps(partial)))  # as if from another process
    shuffle = random.Random(seed)
    while len(partials) > 1:  # merge random pairs (or triples) until one is left
        shuffle.shuffle(partials)
        take = min(len(partials), shuffle.choice([2, 3]))
        partials = [merge_partials(*partials[:take])] + partials[take:]
    same_reprice(finish_partials(partials[0]), whole)


def test_merge_is_commutative_and_associative(table, log):
    a, b, c = (reprice_partials([UsageChunk(p, len(p), [])], table, AS, BY)
               for p in (log.iloc[:700], log.iloc[700:1500], log.iloc[1500:]))
    results = [finish_partials(x) for x in (merge_partials(merge_partials(a, b), c),
                                            merge_partials(a, merge_partials(b, c)),
                                            merge_partials(c, b, a), merge_partials(b, a, c))]
    for other in results[1:]:
        same_reprice(results[0], other)


def test_first_problems_are_the_smallest_lines_whichever_part_holds_them(table, log):
    late, early = log.iloc[1000:], log.iloc[:1000]
    merged = merge_partials(*(reprice_partials([UsageChunk(p, len(p), [])], table) for p in (late, early)),
                            keep_problems=5)
    one = reprice_partials([UsageChunk(log, len(log), [])], table)
    assert [p.line for p in merged.problems] == [p.line for p in one.problems[:5]]
    assert merged.reported == one.reported


def test_keyed_by_value_not_by_encounter_order(table):
    """The trap: the same outcome meets different ids in different processes. Two logs whose records
    meet the pieces of price in opposite orders still merge into the sums of one run, by hand:
    gpt-5.5 at list rates (input 5, output 30 USD per 1M on 2026-06-02, pricing.yaml) and claude-opus-4-7
    (input 5, output 25): 100K input (below every long-context cliff) + 100K output each."""
    def frame(models):
        return pd.DataFrame({"timestamp": pd.to_datetime(["2026-06-02T10:00:00Z"] * 2), "provider": "",
                             "model": models, "input_tokens": 100_000, "cached_tokens": 0,
                             "cache_write_5m_tokens": 0, "cache_write_1h_tokens": 0, "output_tokens": 100_000,
                             "reasoning_tokens": 0, "service_tier": "standard", "residency": False,
                             "source": "x", "line": [1, 2]})
    one = reprice_partials([UsageChunk(frame(["gpt-5.5", "claude-opus-4-7"]), 2, [])], table, by=[])
    two = reprice_partials([UsageChunk(frame(["claude-opus-4-7", "gpt-5.5"]), 2, [])], table, by=[])
    result = finish_partials(merge_partials(one, two))
    # gpt-5.5 (5 + 30) x 0.1, claude-opus-4-7 (5 + 25) x 0.1, twice each (once per log) = 13 USD
    assert result.total_usd == 2 * (5 + 30) * Decimal("0.1") + 2 * (5 + 25) * Decimal("0.1") == 13
    assert {o.model for (_, _, o, _) in merge_partials(one, two).sums} == {"gpt-5.5", "claude-opus-4-7"}
    assert len(merge_partials(one, two).sums) == 2  # one key per outcome, whichever id each process gave it


def test_partials_priced_on_another_table_do_not_merge(table, log, tmp_path):
    a = reprice_partials([UsageChunk(log.iloc[:10], 10, [])], table)
    b = pickle.loads(pickle.dumps(a))
    b.price_table = {**b.price_table, "sha256": "0" * 64}
    with pytest.raises(ValueError, match="different price tables"):
        merge_partials(a, b)
