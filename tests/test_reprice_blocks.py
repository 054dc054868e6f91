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



# -- which unknown names get "did you mean", and the order assumptions are said in (issue 15: the same
# answer whatever the block size). One pass over a slice resolves its (provider, model) pairs by provider,
# then model, each numbered as first met in the slice: a pair's effects (its notes; whether it is among the
# first SUGGEST_FOR = 20 unknown names of the run, which alone get a hint) follow that order, not the order
# blocks meet the pairs in. What one pass said is what db3eb85 (the last version without blocks) said.

JUNE = "2026-06-01T00:00:00Z"
UNKNOWN = "; `costcalc prices list` shows them all"  # an unknown name's error without a hint
TYPO_HINT = "; did you mean gpt-5.5-pro, gpt-5.5, gpt-5.6-sol?"
MIMI_HINT = "; did you mean gpt-5.4-mini, gpt-5.4, openai/gpt-5.4-mini?"


def _record(provider: str, model: str, **fields) -> dict:
    return {"timestamp": JUNE, "provider": provider, "model": model, "input_tokens": 10, **fields}


def _names_log() -> pd.DataFrame:
    """21 unknown names and every kind of note, met by blocks of 1, 2, 3 or 7 rows in another order than
    one pass resolves them in. Providers by first row: '' 0, azure 1, deepseek 2, acme 3, zeta 4."""
    records = [_record("", "gpt-5.5"), _record("azure", "gpt-5.5", service_tier="flex"),
               _record("deepseek", "deepseek-v4-pro")]
    records += [_record("acme", f"q{i}") for i in range(17)]  # rows 4-20: names with no near model
    records += [_record("zeta", "gpt-5.5-typo"),  # row 21: the last unknown name of one pass (zeta is 4)
                _record("acme", "q17"),
                _record("acme", "gpt-5.5-typo"),  # row 23: the 20th unknown name (acme's models after q17)
                _record("", "gpt-5.4-mimi"),  # row 24: the 1st unknown name (provider '' is 0)
                _record("", "gpt-5.5-2026-01-01", residency=True),  # a snapshot; a residency record
                _record("", "claude-opus-4-7")]
    return usage(*records)


# Rows 4-20 and 22: q0-q16 and q17, no near model either way. One pass: gpt-5.4-mimi (provider 0) is the 1st
# unknown name, acme's q0-q17 the 2nd-19th, acme's gpt-5.5-typo the 20th: hinted; zeta's the 21st: not
# (blocks of 7 met zeta's in rows 15-21, before acme's and mimi's in rows 22-28, and hinted it instead).
NAMES_PROBLEMS = ([f"log.jsonl:{4 + i}: model: 'q{i}': unknown model 'q{i}'{UNKNOWN}" for i in range(17)]
                  + [f"log.jsonl:21: model: 'gpt-5.5-typo': unknown model 'gpt-5.5-typo'{UNKNOWN}",
                     f"log.jsonl:22: model: 'q17': unknown model 'q17'{UNKNOWN}",
                     f"log.jsonl:23: model: 'gpt-5.5-typo': unknown model 'gpt-5.5-typo'{TYPO_HINT}",
                     f"log.jsonl:24: model: 'gpt-5.4-mimi': unknown model 'gpt-5.4-mimi'{MIMI_HINT}"])
# One pass: first the notes of resolving names, in pair order (provider '''s snapshot in row 25 before
# azure's row 2); then per --as model, its translated counts in pair order (provider '''s gpt-5.5 and
# claude before deepseek's), then the tiers and residency it lacks by group (tier standard, first met,
# with and without residency, before flex).
NAMES_ASSUMPTIONS = [
    "gpt-5.5-2026-01-01 is priced as gpt-5.5 (a dated snapshot of it)",
    "azure records of gpt-5.5 are priced at openai's prices for gpt-5.5",
    "o200k_base token counts are translated to deepseek-v4 for deepseek-v4-flash (x26/25, research/tokenizers.md): "
    "those costs are estimates",
    "claude-opus-4.7-estimate token counts are translated to deepseek-v4 for deepseek-v4-flash (x4/5, "
    "research/tokenizers.md): those costs are estimates",
    "deepseek-v4-flash has no data-residency pricing: residency records are priced without it",
    "deepseek-v4-flash offers no flex tier: those records are priced at its standard tier",
    "o200k_base token counts are translated to claude-opus-4.7-estimate for claude-opus-4-7 (x13/10, "
    "research/tokenizers.md): those costs are estimates",
    "deepseek-v4 token counts are translated to claude-opus-4.7-estimate for claude-opus-4-7 (x5/4, "
    "research/tokenizers.md): those costs are estimates",
    "claude-opus-4-7 offers no flex tier: those records are priced at its standard tier",
    "claude-opus-4.7-estimate token counts are translated to o200k_base for gpt-5.5 (x10/13, "
    "research/tokenizers.md): those costs are estimates",
    "deepseek-v4 token counts are translated to o200k_base for gpt-5.5 (x25/26, research/tokenizers.md): "
    "those costs are estimates",
]


def _said(table, frames: list[pd.DataFrame], block: int | None) -> tuple[list[str], list[str]]:
    """(problems, assumptions) of one Repricer pricing `frames` (one slice each) in blocks of `block` rows
    (None: BLOCK_RECORDS), as it lists them: in the order it says them."""
    repricer = price.Repricer(table, AS, shared=False)
    for frame in frames:
        for _rows, _priced in repricer.blocks(frame, block):
            pass
    return [str(p) for p in repricer.problems], repricer.assumptions


@pytest.mark.parametrize("block", [1, 2, 3, 7, None])
def test_hints_and_assumptions_as_one_pass_says_them_whatever_the_block(table, block):
    assert _said(table, [_names_log()], block) == (NAMES_PROBLEMS, NAMES_ASSUMPTIONS)


@pytest.mark.parametrize("block", [1, 2, 7])
def test_a_run_gives_its_problems_with_the_hints_of_one_pass(table, block, monkeypatch):
    monkeypatch.setattr(price, "BLOCK_RECORDS", block)
    frame = _names_log()
    out = reprice_chunks([UsageChunk(frame, len(frame), [])], table, AS)
    assert [str(p) for p in out.problems] == NAMES_PROBLEMS
    assert out.assumptions[:len(NAMES_ASSUMPTIONS)] == sorted(NAMES_ASSUMPTIONS)  # a run lists them sorted


def test_the_first_twenty_unknown_names_are_counted_over_the_run_slice_after_slice(table):
    # the 21 unknown names in two slices. The first (rows 1-22) resolves q0-q17 and zeta's typo (the 1st
    # to 19th unknown names of the run: hinted, zeta's too); the second (rows 23-27) numbers acme first
    # (row 23), so acme's typo is the 20th (hinted) and gpt-5.4-mimi the 21st: no hint
    frame = _names_log()
    first, second = frame.iloc[:22], frame.iloc[22:]
    problems, _ = _said(table, [first, second], 10**9)
    assert problems[17:] == [f"log.jsonl:21: model: 'gpt-5.5-typo': unknown model 'gpt-5.5-typo'{TYPO_HINT}",
                             f"log.jsonl:22: model: 'q17': unknown model 'q17'{UNKNOWN}",
                             f"log.jsonl:23: model: 'gpt-5.5-typo': unknown model 'gpt-5.5-typo'{TYPO_HINT}",
                             f"log.jsonl:24: model: 'gpt-5.4-mimi': unknown model 'gpt-5.4-mimi'{UNKNOWN}"]
    for block in (1, 2, 7):
        assert _said(table, [first, second], block) == _said(table, [first, second], 10**9)


def test_strict_names_the_first_bad_record_as_one_pass_does(table, monkeypatch):
    # the first bad record (row 2, zeta's typo) is the 21st unknown name of one pass: acme's 20 names of
    # rows 3-22 come first (acme is provider 0). Blocks of 1 or 2 rows meet it first; it gets no hint still
    from costcalc.errors import InputError

    records = [_record("acme", "gpt-5.5"), _record("zeta", "gpt-5.5-typo")]
    records += [_record("acme", f"q{i}") for i in range(20)]
    for block in (1, 2, 7, 10**9):
        monkeypatch.setattr(price, "BLOCK_RECORDS", block)
        with pytest.raises(InputError) as info:
            reprice_chunks([UsageChunk(usage(*records), len(records), [])], table, strict=True)
        assert str(info.value).endswith(
            f"log.jsonl:2: model: 'gpt-5.5-typo': unknown model 'gpt-5.5-typo'{UNKNOWN}"), block


def test_a_typo_past_the_first_block_gets_the_hint_of_one_pass(table):
    # the review's case at the default block size (32,768 records): 40,000 records, 25 unknown acme names
    # in rows 2-26, a typo of provider '' in row 35,001. One pass resolves provider '' first (row 1):
    # the typo is the first unknown name and is hinted, though the first block met the acme names
    records = [_record("", "gpt-5.5")] * 40_000
    records[1:26] = [_record("acme", f"q{i}") for i in range(25)]
    records[35_000] = _record("", "gpt-5.5-typo")
    out = reprice_chunks([UsageChunk(usage(*records), len(records), [])], table)
    assert price.BLOCK_RECORDS < 35_000 and len(out.problems) == 26
    assert str(out.problems[-1]) == f"log.jsonl:35001: model: 'gpt-5.5-typo': unknown model 'gpt-5.5-typo'{TYPO_HINT}"


@pytest.mark.parametrize("block", [1, 2, 3, 7])
def test_the_generated_log_says_what_one_pass_says_in_its_order(table, log, block):
    # every pricing case of the generated log, priced as two slices: problems and assumptions in order
    slices = [log.iloc[:150], log.iloc[150:]]
    one_pass = _said(table, slices, 10**9)
    assert one_pass[0] and len(one_pass[1]) > 5
    assert _said(table, slices, block) == one_pass


def test_slice_notes_are_listed_by_the_place_one_pass_first_says_them():
    from costcalc.usage.blocked import SliceNotes

    notes = SliceNotes()
    notes.say((1, 1, 0), "residency")  # a later block's group: said first, placed after the tier note
    notes.say((0, 1, 5), "late")
    notes.say((0, 1, 2), "tier")  # one call at one place says two notes: tier, then residency
    notes.say((0, 1, 2), "residency")
    notes.say((0, 0, 9), "late")  # said again at an earlier place: that is where one pass says it
    assert notes.in_order() == ["late", "tier", "residency"]
    assert notes.in_order() == []  # each slice's notes are listed once


# -- a strict run stops at the slice's first bad record (revU 1): no block after the first with a bad
# record is priced, and its error line is one pass's. Only an unknown name's line depends on the rest of
# the slice (whether it is among the run's first 20 unknown names in one pass's order): then the rest's
# (provider, model) pairs are coded, not priced; for any other error nothing after the block is looked at.

def _strict_stop(table, records: list[dict], block: int, monkeypatch) -> tuple[str, list[int], list[int]]:
    """(the error line, first rows of the blocks priced, first rows of the blocks whose pairs were coded)."""
    from costcalc.errors import InputError
    from costcalc.usage.blocked import PairCodes

    priced, coded = [], []
    price_block, pair_codes = price.Repricer._price_block, PairCodes.codes
    monkeypatch.setattr(price.Repricer, "_price_block",
                        lambda self, target, pieces, clock, block, *rest:
                        priced.append(block.start) or price_block(self, target, pieces, clock, block, *rest))
    monkeypatch.setattr(PairCodes, "codes",
                        lambda self, start, *rest: coded.append(start) or pair_codes(self, start, *rest))
    monkeypatch.setattr(price, "BLOCK_RECORDS", block)
    with pytest.raises(InputError) as info:
        reprice_chunks([UsageChunk(usage(*records), len(records), [])], table, strict=True)
    return str(info.value), priced, coded


@pytest.mark.parametrize("block", [1, 2, 3, 10**9])
def test_strict_prices_nothing_after_the_block_of_the_first_bad_record(table, block, monkeypatch):
    # row 3 is the typo, rows 4-10 unknown names of acme. Provider '' (rows 1-3) is numbered first, so the
    # typo is the run's first unknown name in one pass and is hinted; acme's names are coded, not priced
    records = [_record("", "gpt-5.5"), _record("", "gpt-5.5"), _record("", "gpt-5.5-typo")]
    records += [_record("acme", f"q{i}") for i in range(7)]
    line, priced, coded = _strict_stop(table, records, block, monkeypatch)
    assert line.endswith(f"log.jsonl:3: model: 'gpt-5.5-typo': unknown model 'gpt-5.5-typo'{TYPO_HINT}")
    assert priced == list(range(0, 3, block))  # the blocks up to the one holding row 3
    assert coded == list(range(0, 10, block))  # every pair of the slice, each block once


@pytest.mark.parametrize("block", [1, 2, 7, 10**9])
def test_strict_codes_the_rest_when_the_hint_depends_on_it(table, block, monkeypatch):
    # zeta's typo (row 2) is the 21st unknown name of one pass: acme (provider 0, row 1) has q0-q19 in
    # rows 3-22. Blocks of 1 and 2 price rows 1-2 only, and still give it no hint
    records = [_record("acme", "gpt-5.5"), _record("zeta", "gpt-5.5-typo")]
    records += [_record("acme", f"q{i}") for i in range(20)]
    line, priced, coded = _strict_stop(table, records, block, monkeypatch)
    assert line.endswith(f"log.jsonl:2: model: 'gpt-5.5-typo': unknown model 'gpt-5.5-typo'{UNKNOWN}")
    assert priced == list(range(0, 2, block))  # the blocks up to the one holding row 2
    assert coded == list(range(0, 22, block))


@pytest.mark.parametrize("block", [1, 2, 3, 10**9])
def test_strict_looks_at_nothing_after_a_bad_record_whose_line_cannot_change(table, block, monkeypatch):
    # row 2: a tier no model offers; rows 3-6 unknown names (which would be hinted): neither priced nor coded
    records = [_record("", "gpt-5.5"), _record("", "gpt-5.5", service_tier="platinum")]
    records += [_record("acme", f"gpt-5.5-typo{i}") for i in range(4)]
    line, priced, coded = _strict_stop(table, records, block, monkeypatch)
    assert line.endswith("log.jsonl:2: service_tier: 'platinum': unknown service tier 'platinum'; "
                         "allowed: standard, batch, flex, priority (fast = priority)")
    assert priced == coded == list(range(0, 2, block))
