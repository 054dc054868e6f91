"""A re-pricing run over a stream of normalized chunks: counts, problems and results together.

No I/O: the chunks arrive as an iterable (read.iter_usage reads files; a DataFrame is sliced), so the
same run works for a notebook frame, a file larger than memory, or a partition on a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd

from ..errors import CostcalcError, InputError
from ..prices.model import PriceTable
from ..money import exact_sum
from .price import PRICED_COLUMNS, SLICE_RECORDS, Repricer, record_costs, unpriced_call_counts
from .partials import Partials, finish_partials, problem_order
from .result import SCHEMA, RepriceResult  # re-exported: usage.run.RepriceResult is public
from .totals import Totals


def slices(frame: pd.DataFrame, size: int = SLICE_RECORDS) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), size):
        yield frame.iloc[start:start + size]


def _priced_slices(chunks: Iterable, repricer: Repricer, strict: bool):
    """(slice, PricedSlice) for every slice of every chunk; reading problems are reported as they come,
    strict stops at the first problem of either kind, and at the end every record read must be priced
    or reported."""
    read_records = 0
    for chunk in chunks:
        read_records += chunk.records
        repricer.report(chunk.problems, len(chunk.problems))
        if strict and chunk.problems:  # a frame's bad rows (log readers raise on their own)
            raise InputError(chunk.problems[:1])
        for part in slices(chunk.frame):
            priced = repricer.price(part)
            if strict and repricer.reported:
                raise InputError(repricer.problems[:1])
            yield part, priced
    _check_counts(read_records, repricer)


def reprice_partials(chunks: Iterable, table: PriceTable, models: list[str] | None = None,
                     by: list[str] | None = None, strict: bool = False) -> Partials:
    """Exact partial sums over a stream of read.UsageChunk, keyed by outcome value: merge those of
    several parts with partials.merge_partials, finish them with partials.finish_partials."""
    repricer = Repricer(table, models)
    labels = [t.label for t in repricer.targets]
    totals = Totals(["month"] if by is None else by, labels)
    for part, priced in _priced_slices(chunks, repricer, strict):
        totals.add(part, priced)
    sums: dict = {}
    for group, target, outcome, estimated, counts in totals.items(repricer.outcomes):
        key = (tuple(group), labels[target], outcome, estimated)
        found = sums.get(key)
        sums[key] = list(counts) if found is None else [a + b for a, b in zip(found, counts)]
    as_models = [t.model_id for t in repricer.targets[1:] if t.model_id is not None]  # --as targets name models
    return Partials(totals.by, as_models, table.meta(), sums,
                    repricer.priced + repricer.reported, repricer.priced, repricer.reported,
                    sorted(repricer.problems, key=problem_order), set(repricer.assumptions),
                    dict(repricer.unpriced_as), {k: list(v) for k, v in repricer.unpriced_calls.items()})


def reprice_chunks(chunks: Iterable, table: PriceTable, models: list[str] | None = None,
                   by: list[str] | None = None, strict: bool = False, components: bool = False) -> RepriceResult:
    """Grouped totals over a stream of read.UsageChunk (frame, records, problems); with `components`
    also the long per-component form that variance compares. The partials of one run, finished."""
    return finish_partials(reprice_partials(chunks, table, models, by, strict), components)


RECORD_COLUMNS = ["priced_as", "model_priced", "billed_model", "billed_provider", "rule", "estimated",
                  "unpriced_calls", "cost_usd"]


def price_records(chunks: Iterable, table: PriceTable, models: list[str] | None = None,
                  strict: bool = False) -> pd.DataFrame:
    """One row per priced record and priced_as: priced_as first, the normalized columns (token counts
    as billed: translated for --as models of another tokenizer family; tool call counts), then model_priced,
    billed_model, billed_provider, rule, estimated, unpriced_calls (the record's tool calls no fee
    priced: left out of its cost, not free) and cost_usd (exact Decimal).
    attrs: price_table, records, priced, reported, problems (strings), assumptions, total_usd,
    unpriced_calls ({priced_as: {tool: calls}})."""
    repricer = Repricer(table, models)
    labels = [t.label for t in repricer.targets]
    parts = []
    for part, priced in _priced_slices(chunks, repricer, strict):
        good = part.loc[priced.good].reset_index(drop=True)
        outcomes = repricer.outcomes
        for label, ids, tokens, estimated in zip(labels, priced.outcome, priced.tokens, priced.estimated):
            ok = ids >= 0  # an --as model may have no price for some records
            out = good.loc[ok].reset_index(drop=True)
            ids, tokens = ids[ok], tokens[ok]
            for i, column in enumerate(PRICED_COLUMNS):
                out[column] = tokens[:, i] if i < tokens.shape[1] else 0  # a slice without tool calls
            out.insert(0, "priced_as", label)
            for column, field_name in (("model_priced", "model"), ("billed_model", "billed_model"),
                                       ("billed_provider", "provider"), ("rule", "rule")):
                out[column] = np.array([getattr(o, field_name) for o in outcomes], dtype=object)[ids]
            out["estimated"] = estimated[ok]
            out["unpriced_calls"] = unpriced_call_counts(outcomes, ids, tokens)
            out["cost_usd"] = record_costs(outcomes, ids, tokens) if len(ids) else []
            parts.append(out)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=RECORD_COLUMNS)
    frame.attrs.update({"price_table": table.meta(), "records": repricer.priced + repricer.reported,
                        "priced": repricer.priced, "reported": repricer.reported,
                        "problems": [str(p) for p in sorted(repricer.problems, key=lambda p: (p.file, p.line or 0))],
                        "assumptions": repricer.assumptions + repricer.unpriced_notes(),
                        "total_usd": str(exact_sum(frame.loc[frame["priced_as"] == "logged", "cost_usd"])),
                        "unpriced_calls": repricer.unpriced_by_label()})
    return frame


def _check_counts(read_records: int, repricer: Repricer) -> None:
    """Nothing silently dropped: every record read is priced or reported."""
    if read_records != repricer.priced + repricer.reported:
        raise CostcalcError(f"internal error: {read_records} records read but {repricer.priced} priced and "
                            f"{repricer.reported} reported; please report it")


__all__ = ["RepriceResult", "SCHEMA", "price_records", "reprice_chunks", "reprice_partials"]
