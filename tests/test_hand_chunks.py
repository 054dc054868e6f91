"""A chunk made by hand (not by a reader) whose frame lacks a record's provider or model: both engines read it
as the readers do - no provider is "", a record with no model is reported at its line - where DuckDB raised a
TypeError and the local pricer priced a provider named "None" and reported a model named 'None'."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from costcalc.usage.chunk import UsageChunk
from costcalc.usage.run import reprice_chunks

from .test_reprice import usage

engine = pytest.importorskip("costcalc.engines.duckdb")

AT = "2026-06-10T00:00:00Z"
MISSING_MODEL = "model: missing; the model id as logged is required"
# gpt-5.5 on 2026-06-10 (pricing.yaml, standard tier): input 5, output 30 USD per 1M tokens; a record of 10 input
# and 1 output tokens: 10 x 5 / 1M + 1 x 30 / 1M = 0.00005 + 0.00003
RECORD_USD = Decimal("0.00008")


def _frame(providers: list, models: list) -> pd.DataFrame:
    return usage(*({"timestamp": AT, "provider": "openai", "model": "gpt-5.5", "input_tokens": 10,
                    "output_tokens": 1} for _ in models)).assign(provider=providers, model=models)


def _both(table, frame: pd.DataFrame) -> list:
    chunk = UsageChunk(frame, len(frame), [])
    local, duck = reprice_chunks([chunk], table), engine.reprice_chunks_duckdb([chunk], table)
    said = [([str(p) for p in r.problems], r.assumptions, r.totals_usd["logged"], r.reported) for r in (local, duck)]
    assert said[1] == said[0]
    return said[0]


@pytest.mark.parametrize("missing", [np.nan, None])
def test_no_provider_is_blank(table, missing):
    problems, assumptions, total, reported = _both(table, _frame([missing, "openai"], ["gpt-5.5", "gpt-5.5"]))
    assert (problems, assumptions, reported) == ([], [], 0)  # no "None records of gpt-5.5 are priced at ..."
    assert total == 2 * RECORD_USD


@pytest.mark.parametrize("missing", [np.nan, None])
@pytest.mark.parametrize("lines", [False, True])
def test_no_model_is_reported_at_its_line(table, missing, lines):
    # rows 2 and 4 have no model; row 3's typo is reported at line 3 still (the rows are not renumbered)
    frame = _frame(["openai"] * 4, ["gpt-5.5", missing, "gpt-5.5-typo", missing])
    if not lines:
        frame = frame.drop(columns=["source", "line"])
    problems, _, total, reported = _both(table, frame)
    where = "log.jsonl" if lines else "<DataFrame>"
    assert problems[0] == f"{where}:2: {MISSING_MODEL}"
    assert problems[1].startswith(f"{where}:3: model: 'gpt-5.5-typo': unknown model 'gpt-5.5-typo'")
    assert problems[2] == f"{where}:4: {MISSING_MODEL}"
    assert (total, reported) == (RECORD_USD, 3)
