"""Re-pricing a frame in blocks (price.BLOCK_RECORDS rows per numpy pass, issue 15) gives what pricing it in
one pass gives: the same rows, totals to the last digit, problems and assumptions, whatever the block size,
with records of different months, pieces of price, cliff tiers and bad records on either side of a block
edge, and text columns held as pandas `str`, Categorical or object."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from costcalc.prices import load_prices
from costcalc.usage import price
from costcalc.usage.chunk import UsageChunk
from costcalc.usage.run import reprice_chunks

from .helpers import same_reprice
from .test_reprice import usage
from .usage_gen import generated_log

M = Decimal(1_000_000)
AS = ["deepseek-v4-flash", "claude-opus-4-7", "gpt-5.5"]
# Rates of pricing.yaml, USD per 1M tokens (input, cache read, output; reasoning bills as output):
GPT55 = (Decimal("5"), Decimal("0.50"), Decimal("30"))  # gpt-5.5 up to a 272,000-token prompt
GPT55_LONG = (Decimal("10"), Decimal("1"), Decimal("45"))  # gpt-5.5 above it: the whole request
DS_LIST = (Decimal("0.435"), Decimal("0.003625"), Decimal("0.87"))  # deepseek-v4-pro before 2026-08-16 16:00Z
DS_PEAK = (Decimal("1.32"), Decimal("0.044"), Decimal("3.96"))  # then 01:00-04:00 and 06:00-10:00 UTC
DS_OFF = (Decimal("0.66"), Decimal("0.022"), Decimal("1.98"))  # the rest of the day
DS = {"provider": "deepseek", "model": "deepseek-v4-pro", "input_tokens": 1000, "cached_tokens": 10000,
      "output_tokens": 500, "reasoning_tokens": 200}


@pytest.fixture(scope="module")
def table():
    return load_prices()


def _edges_log() -> pd.DataFrame:
    """Seven records: with blocks of 1, 2 or 3 rows each edge falls between two records of different months,
    pieces of price or cliff tiers, and the bad record (row 2) is the last of a 3-row block."""
    return usage(
        {"timestamp": "2026-06-30T23:59:59Z", "model": "gpt-5.5", "input_tokens": 1000, "output_tokens": 100},
        {"timestamp": "2026-07-01T00:00:00Z", "model": "gpt-5.5", "input_tokens": 172_001, "cached_tokens": 100_000,
         "output_tokens": 1000},
        {"timestamp": "2026-07-15T12:00:00Z", "model": "no-such-model", "input_tokens": 5},
        {"timestamp": "2026-08-17T03:59:59Z", **DS},  # peak (Monday 01:00-04:00)
        {"timestamp": "2026-08-17T04:00:00Z", **DS},  # off-peak: the window's end is exclusive
        {"timestamp": "2026-08-16T15:59:59Z", **DS},  # the last second of the old list price
        {"timestamp": "2026-07-31T23:59:59Z", "model": "gpt-5.5", "input_tokens": 2000},
    )


def _cost(rates, input_tokens=0, cached=0, output=0) -> Decimal:
    return (input_tokens * rates[0] + cached * rates[1] + output * rates[2]) / M


@pytest.mark.parametrize("block", [1, 2, 3, 4, 10**9])
def test_block_edges_priced_as_by_hand(table, block, monkeypatch):
    monkeypatch.setattr(price, "BLOCK_RECORDS", block)
    out = reprice_chunks([UsageChunk(_edges_log(), 7, [])], table, by=["month"])
    june = _cost(GPT55, 1000, output=100)  # 5,000 + 3,000 = 8,000 micro-USD
    assert june == Decimal("0.008")
    # 272,001 prompt tokens: the whole request at the long-context rates (1,720,010 + 100,000 + 45,000),
    # then 2,000 x 5 = 10,000
    july = _cost(GPT55_LONG, 172_001, 100_000, 1000) + _cost(GPT55, 2000)
    assert july == Decimal("1.865010") + Decimal("0.010")
    # 700 output + reasoning tokens each: peak 1,320 + 440 + 2,772; off-peak 660 + 220 + 1,386;
    # list 435 + 36.25 + 609
    august = _cost(DS_PEAK, 1000, 10000, 700) + _cost(DS_OFF, 1000, 10000, 700) + _cost(DS_LIST, 1000, 10000, 700)
    assert august == Decimal("0.004532") + Decimal("0.002266") + Decimal("0.00108025")
    costs = out.rows.groupby("month")["cost_usd"].sum()
    assert dict(costs) == {"2026-06": june, "2026-07": july, "2026-08": august}
    assert out.total_usd == june + july + august == Decimal("1.89088825")
    assert list(out.rows.groupby("month")["records"].sum()) == [1, 2, 3]
    assert (out.records, out.priced, out.reported) == (7, 6, 1)
    assert [(p.line, p.key, p.value) for p in out.problems] == [(3, "model", "no-such-model")]


@pytest.fixture(scope="module")
def log(table):
    frame = generated_log(table, 400, seed=21)
    frame.loc[5, "timestamp"] = pd.Timestamp("1971-03-04T05:06:07Z")  # a slice spanning ~20,000 days
    return frame


def _text_as(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    out = frame.copy()
    for column in ("provider", "model", "service_tier", "tag:team"):
        out[column] = out[column].astype("category" if kind == "category" else object if kind == "object" else "str")
        if kind == "chunked":  # arrow text in chunks of 7 rows (as pd.read_parquet gives): blocks span two
            import pyarrow as pa

            values = out[column].astype(object).tolist()
            chunks = pa.chunked_array([pa.array(values[i:i + 7], pa.large_string()) for i in range(0, len(values), 7)])
            out[column] = pd.Series(pd.arrays.ArrowStringArray(chunks), index=out.index)
            assert out[column].array.__arrow_array__().num_chunks > 1
    if kind == "category":  # a category no record uses: it names no model, so it must not be looked up
        out["model"] = out["model"].cat.add_categories(["never-used-model"])
    return out


@pytest.mark.parametrize("by", [["month"], ["day", "tag:team"]])
@pytest.mark.parametrize("block", [1, 2, 3, 64])
def test_blocks_give_the_one_pass_answer_on_every_pricing_case(table, log, by, block, monkeypatch):
    whole = reprice_chunks([UsageChunk(log, len(log), [])], table, AS, by, components=True)
    assert whole.reported > 0 and whole.problems and whole.assumptions  # the log reaches the bad cases
    monkeypatch.setattr(price, "BLOCK_RECORDS", block)
    blocked = reprice_chunks([UsageChunk(log, len(log), [])], table, AS, by, components=True)
    same_reprice(blocked, whole)
    assert whole.components is not None and blocked.components is not None
    pd.testing.assert_frame_equal(blocked.components, whole.components)


@pytest.mark.parametrize("kind", ["str", "category", "object", "chunked"])
def test_text_columns_of_any_dtype_give_the_same_answer(table, log, kind, monkeypatch):
    whole = reprice_chunks([UsageChunk(log, len(log), [])], table, AS, ["month", "tag:team"])
    monkeypatch.setattr(price, "BLOCK_RECORDS", 3)
    frame = _text_as(log, kind)
    blocked = reprice_chunks([UsageChunk(frame, len(frame), [])], table, AS, ["month", "tag:team"])
    same_reprice(blocked, whole)


def test_strict_stops_at_the_first_bad_record_whatever_the_block(table, monkeypatch):
    from costcalc.errors import InputError

    found = []
    for block in (1, 2, 10**9):
        monkeypatch.setattr(price, "BLOCK_RECORDS", block)
        with pytest.raises(InputError) as info:
            reprice_chunks([UsageChunk(_edges_log(), 7, [])], table, strict=True)
        found.append(str(info.value))
    assert found[0] == found[1] == found[2] and "no-such-model" in found[0] and ":3:" in found[0]


def test_a_dictionary_text_column_with_missing_values_gives_the_same_answer(table, log, monkeypatch):
    # an arrow dictionary column (as pyarrow reads a dictionary-encoded Parquet column) with nulls: pyarrow
    # returns such a column unchanged from dictionary_encode, its nulls as NaN indices; it is decoded first
    import pyarrow as pa

    with_gaps = log.copy()
    with_gaps["tag:team"] = with_gaps["tag:team"].astype(object)
    with_gaps.loc[with_gaps.index[::5], "tag:team"] = None
    whole = reprice_chunks([UsageChunk(with_gaps, len(with_gaps), [])], table, AS, ["month", "tag:team"])
    monkeypatch.setattr(price, "BLOCK_RECORDS", 3)
    encoded = with_gaps.copy()
    encoded["tag:team"] = pd.Series(pd.arrays.ArrowExtensionArray(
        pa.array(with_gaps["tag:team"].tolist(), pa.string()).dictionary_encode()), index=with_gaps.index)
    blocked = reprice_chunks([UsageChunk(encoded, len(encoded), [])], table, AS, ["month", "tag:team"])
    same_reprice(blocked, whole)

