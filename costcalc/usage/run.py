"""A re-pricing run over a stream of normalized chunks: counts, problems and results together.

No I/O: the chunks arrive as an iterable (read.iter_usage reads files; a DataFrame is sliced), so the
same run works for a notebook frame, a file larger than memory, or a partition on a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from ..errors import CostcalcError, InputError, Problem
from ..prices.model import PriceTable
from ..prices.names import Hint
from ..money import exact_sum
from .price import (KEEP_PROBLEMS, PRICED_COLUMNS, SLICE_RECORDS, PricedSlice, Repricer, UnknownRows,
                    record_costs, unpriced_call_counts)
from .chunk import with_names
from .partials import Partials, finish_partials, first_problems
from .result import SCHEMA, RepriceResult  # re-exported: usage.run.RepriceResult is public
from .totals import Totals


def slices(frame: pd.DataFrame, size: int = SLICE_RECORDS) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), size):
        yield frame.iloc[start:start + size]


class FirstProblems:
    """The run's first KEEP_PROBLEMS problems in partials.problem_order, whatever order they are met in (a
    chunk's reading problems before its pricing ones, a frame's rows out of line order), bounded in memory.

    sources: the run's files in the order given; None: in the order the chunks bring them (one stream over
    files read in the order given, as read.iter_usage reads them), growing as new files come."""

    def __init__(self, sources: Sequence[str] | None, keep: int = KEEP_PROBLEMS):
        self.derive = sources is None
        self.sources: list[str] = list(sources or ())
        self._known = set(self.sources)
        self.keep = keep
        self.problems: list[Problem] = []

    def meet(self, chunk) -> None:
        """Files of a chunk not named yet (derived order only): its frame's sources in row order, then its
        problems' files."""
        if not self.derive:
            return
        frame = chunk.frame
        if "source" not in frame or not len(frame):
            names = ["<DataFrame>"] if len(frame) else []
        elif isinstance(frame["source"].dtype, pd.CategoricalDtype) and len(frame["source"].cat.categories) == 1:
            names = [str(frame["source"].cat.categories[0])]  # a reader's chunk: one file
        else:  # unique values in order of appearance
            names = [str(name) for name in pd.unique(frame["source"])]
        for name in names + [p.file for p in chunk.problems]:
            if name not in self._known:
                self._known.add(name)
                self.sources.append(name)

    def add(self, problems: list[Problem]) -> None:
        if problems:
            self.problems.extend(problems)
            if len(self.problems) > 2 * self.keep:  # trimmed now and then: bounded, and cheap per problem
                self.problems = first_problems(self.problems, self.sources, self.keep)

    def first(self) -> list[Problem]:
        return first_problems(self.problems, self.sources, self.keep)


def problem_order_slices(frame: pd.DataFrame, sources: list[str]) -> Iterator[pd.DataFrame]:
    """The slices a run prices a chunk's frame in: its rows in problem order, SLICE_RECORDS at a time."""
    return slices(_in_problem_order(frame, sources))


def _in_problem_order(frame: pd.DataFrame, sources: list[str]) -> pd.DataFrame:
    """The frame's rows in problem order (file's place in `sources`, then line), so the pricer's first bad
    rows of a slice are its first problems; a reader's chunk (one file, lines rising) is returned as is."""
    if "source" not in frame or "line" not in frame or len(frame) < 2:
        return frame
    lines = frame["line"].to_numpy(dtype=np.int64)
    source = frame["source"]
    if isinstance(source.dtype, pd.CategoricalDtype):  # the readers': codes, no string per record
        names = [str(name) for name in source.cat.categories]
        codes = source.cat.codes.to_numpy() if len(names) > 1 else np.zeros(1, dtype=np.int8)
    else:
        codes, uniques = pd.factorize(source)
        names = [str(name) for name in uniques]
    if codes.min() == codes.max():  # one file (a reader's chunk): rows in line order unless shuffled
        if bool(np.all(lines[1:] >= lines[:-1])):
            return frame
        return frame.iloc[np.argsort(lines, kind="stable")]
    place = {name: i for i, name in reversed(list(enumerate(sources)))}
    rank = np.array([place.get(name, len(sources)) for name in names], dtype=np.int64)
    by_name = np.argsort(np.argsort(np.array(names, dtype=object), kind="stable"), kind="stable")
    file_order = (rank * len(names) + by_name)[codes.astype(np.int64)]
    ordered = (np.all(file_order[1:] >= file_order[:-1])
               and np.all((file_order[1:] > file_order[:-1]) | (lines[1:] >= lines[:-1])))
    return frame if ordered else frame.iloc[np.lexsort((lines, file_order))]


def _priced_slices(chunks: Iterable, repricer: Repricer, strict: bool, kept: FirstProblems, reorder: bool = True,
                   blocked: bool = False) -> Iterator[tuple[pd.DataFrame, slice, PricedSlice]]:
    """(slice, rows, PricedSlice of those rows) for every slice of every chunk; reading problems are
    reported as they come, strict stops at the first problem of either kind, and at the end every record
    read must be priced or reported. The problems go to `kept` (the repricer's list is emptied after each
    slice, so each slice has room for its own first problems). reorder=False keeps a frame's rows in their
    order (one output row per record), its first problems then those of its first bad rows. blocked: each
    slice priced in blocks of price.BLOCK_RECORDS rows (rows: the block's; its arrays are reused by the
    next block), else in one (rows: all of the slice)."""
    read_records = 0
    for chunk in map(with_names, chunks):
        read_records += chunk.records
        kept.meet(chunk)
        repricer.report([], len(chunk.problems))  # counted here, kept in problem order by `kept`
        kept.add(chunk.problems)
        if strict and chunk.problems:  # a frame's bad rows (log readers raise on their own)
            raise InputError(chunk.problems[:1])
        for part in problem_order_slices(chunk.frame, kept.sources) if reorder else slices(chunk.frame):
            blocks = repricer.blocks(part, strict=strict) if blocked else iter([(slice(None), repricer.price(part))])
            for rows, priced in blocks:
                yield part, rows, priced
            if strict and repricer.reported:  # once the blocks stop: its problems read as one pass's
                raise InputError(repricer.problems[:1])  # (the hints of its unknown names are settled then)
            kept.add(repricer.problems)
            repricer.problems = []
    _check_counts(read_records, repricer)


def reprice_partials(chunks: Iterable, table: PriceTable, models: list[str] | None = None,
                     by: list[str] | None = None, strict: bool = False,
                     sources: Sequence[str] | None = ()) -> Partials:
    """Exact partial sums over a stream of read.UsageChunk, keyed by outcome value: merge those of
    several parts with partials.merge_partials, finish them with partials.finish_partials.
    sources: the run's files in the order given (the first key of the problem order; give every part of
    a run the same list); () orders files by name; None takes the order the chunks bring them in."""
    return _partials(chunks, Repricer(table, models), by, strict, sources)


def hinted_partials(chunks: Iterable, table: PriceTable, models: list[str] | None = None,
                    by: list[str] | None = None, strict: bool = False, sources: Sequence[str] | None = ()
                    ) -> tuple[Partials, list[Hint], UnknownRows]:
    """reprice_partials, with the "did you mean" hints its run gave (in order) and the pair of each kept
    problem of an unknown name: for a run over whole files priced apart (api_jobs), which decides the hints
    again over all its files in order (prices.names.hinted_over)."""
    repricer = Repricer(table, models)
    partials = _partials(chunks, repricer, by, strict, sources)
    kept = {(problem.file, problem.line, str(problem.value)) for problem in partials.problems}
    return partials, list(repricer.hints), {row: p for row, p in repricer.unknown_rows.items() if row in kept}


def _partials(chunks: Iterable, repricer: Repricer, by: list[str] | None, strict: bool,
              sources: Sequence[str] | None) -> Partials:
    table = repricer.table
    kept = FirstProblems(sources)
    labels = [t.label for t in repricer.targets]
    totals = Totals(["month"] if by is None else by, labels)
    for part, rows, priced in _priced_slices(chunks, repricer, strict, kept, blocked=True):
        totals.add(part, priced, rows)
    sums: dict = {}
    for group, target, outcome, estimated, counts in totals.items(repricer.outcomes):
        key = (tuple(group), labels[target], outcome, estimated)
        found = sums.get(key)
        sums[key] = list(counts) if found is None else [a + b for a, b in zip(found, counts)]
    as_models = [t.model_id for t in repricer.targets[1:] if t.model_id is not None]  # --as targets name models
    return Partials(totals.by, as_models, table.meta(), sums,
                    repricer.priced + repricer.reported, repricer.priced, repricer.reported,
                    kept.first(), set(repricer.assumptions),
                    dict(repricer.unpriced_as), {k: list(v) for k, v in repricer.unpriced_calls.items()},
                    tuple(kept.sources))


def reprice_chunks(chunks: Iterable, table: PriceTable, models: list[str] | None = None,
                   by: list[str] | None = None, strict: bool = False, components: bool = False,
                   sources: Sequence[str] | None = None) -> RepriceResult:
    """Grouped totals over a stream of read.UsageChunk (frame, records, problems); with `components`
    also the long per-component form that variance compares. The partials of one run, finished; its
    problems in the order the chunks bring the files (or `sources`), then line."""
    return finish_partials(reprice_partials(chunks, table, models, by, strict, sources), components)


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
    kept = FirstProblems(None)
    labels = [t.label for t in repricer.targets]
    parts = []
    for part, _rows, priced in _priced_slices(chunks, repricer, strict, kept, reorder=False):
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
                        "problems": [str(p) for p in kept.first()],
                        "assumptions": repricer.assumptions + repricer.unpriced_notes(),
                        "total_usd": str(exact_sum(frame.loc[frame["priced_as"] == "logged", "cost_usd"])),
                        "unpriced_calls": repricer.unpriced_by_label()})
    return frame


def _check_counts(read_records: int, repricer: Repricer) -> None:
    """Nothing silently dropped: every record read is priced or reported."""
    if read_records != repricer.priced + repricer.reported:
        raise CostcalcError(f"internal error: {read_records} records read but {repricer.priced} priced and "
                            f"{repricer.reported} reported; please report it")


__all__ = ["RepriceResult", "SCHEMA", "hinted_partials", "price_records", "reprice_chunks", "reprice_partials"]
