"""Re-price normalized usage records (schema.py): exact money, no Python loop per record.

How a chunk of records is priced, for each model asked (the record's own, or each `--as` model):

1. Records are grouped by what decides their rates besides the instant: the model, the service tier,
   data residency and the prompt-size class (prompts between two cliff thresholds price alike). There
   are a handful of groups however many records there are.
2. For each group and calendar month the price table is cut into pieces of constant rates
   (`prices.resolve.segments`: promotions, peak/off-peak windows, routing, retirement). The cuts are
   cached, so a 10-million-record log segments each model-month once.
3. Every record finds its piece, keyed by group x stride + seconds: looked up per (group, day) where one
   piece covers the whole day (most days of most groups; blocked.PieceTable), searched (`np.searchsorted`)
   only for records on days a cut falls inside (time-of-day rules). A piece is an *outcome* (one model, rule and set of
   rates) or an error (no price, not launched yet, retired model), and records on an error are
   reported, not priced.
4. A record the model cannot take (its prompt above the model's context window, its output and
   reasoning above its max output) is an error too: one comparison with the smallest limit over the
   slice, then the few records above it against their own model's limit.

Speed (issue 15): a run's totals price each slice in blocks of BLOCK_RECORDS rows (`Repricer.blocks`,
usage/blocked.py): every per-record temporary is a view of a few buffers reused block after block, so a
call touches little fresh memory (each fresh 4 KiB page is a page fault, very slow on some virtual
machines), and what does not depend on the records (cuts, groups, the codes of a text value, the piece
in force per group and day) is built once per slice. The counts stay the frame's own column arrays (no
records x 9 matrix, no copy per target unless translated); nothing is done per model or per record in
Python. Text columns are coded per block by pyarrow's dictionary encoding (for pandas `str` columns this
hashing is the largest single cost). `price` prices a frame as one block (per-record results). What
pricing a slice says (assumptions; "did you mean" for the run's first unknown names, in its problems) is
settled when its last block is priced, in the order one pass over the slice says it, whatever the block
size (`Repricer._settle`).

Tool calls (web_search_calls, ...) are priced the same way, as three more count columns after the six
token columns: an outcome also holds the fee of each tool in force (USD per 1M calls, so calls x fee /
1M is the cost, like tokens x rate / 1M), and fee changes cut pieces like rate changes. Calls of a tool
the outcome has no fee for are left out of the cost, never priced as free: every result counts them
(an `unpriced_calls` column per row or record, `Repricer.unpriced_by_label` per tool for the totals)
and says so (`unpriced_notes`).

Money stays exact without a Decimal per record: the bill of a set of records priced under one outcome
is sum(tokens) x rate, so totals sum integer token counts per outcome and multiply by the Decimal rates
once (`outcome_cost`, used by totals.py). A per-record cost, when asked for, is integer arithmetic on rates scaled to
integers (`record_costs`, written at its outcome's own places). Both are exact and equal in value (their
exponents may differ: 0.00800000 a record, 0.008 a total), and a file priced in chunks
gives the same totals as the whole file because integer sums do not depend on the order.

Pure computation: frames and the price table arrive as arguments; nothing here reads files.

Why one module of about 800 lines: the price plan (cuts and outcomes, shared by runs) and the per-run
pricer (`Repricer`) are two halves of one searchsorted design and change together; partial sums and
their merging are in usage/partials.py, totals in usage/totals.py, the per-slice parts of blocked pricing
in usage/blocked.py.
"""

from __future__ import annotations

import dataclasses
import decimal
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, partial
from decimal import Decimal

import numpy as np
import pandas as pd

from .. import calendar as cal
from ..errors import CostcalcError, Problem
from ..prices.limits import CONTEXT, MAX_OUTPUT, above
from ..prices.model import COMPONENTS, TIERS, TOOLS, PriceTable
from ..money import EXACT, decimal_places, per_mtok
from ..prices.names import Hint, LoggedNames
from ..prices.resolve import Request, lookup, normalize_tier, prompt_thresholds, segments
from ..tokens.tokenizers import translation_ratio
from .blocked import PairCodes, PieceTable, SliceClock, SliceNotes, TextCodes, Workspace
from .schema import COUNT_COLUMNS, TOOL_COLUMNS

# Records priced per numpy pass: bounds the working memory (6 token columns and a few index arrays of
# int64, about 100 bytes a record) whatever the size of the frame handed in.
SLICE_RECORDS = 1_000_000
# Records per numpy pass within a slice when totals are summed block by block (Repricer.blocks): each
# per-record buffer is then 32k x 8 bytes = 256 KiB, reused by every block of a call instead of a fresh
# 8 MB array per temporary (usage/blocked.py says why that matters), and cache-sized. Measured on 1M
# records (CPU, best of 5): 8k rows 159 ms, 16k 143, 32k 134, 64k 127, 128k 124; minor page faults per
# call at 32k 0-1,450 (whether the C allocator serves the buffers from its heap or from fresh mappings
# depends on what the process freed before), against 8,000-10,500 for one pass over the 1M records.
BLOCK_RECORDS = 32_768
# Problems kept with their file and line; every bad record is still counted.
KEEP_PROBLEMS = 1000
_PROMPT_COMPONENTS = 4  # input, cache_read and the two cache writes: what selects a cliff tier
# The columns a record is priced on: six token counts (COMPONENTS order), then calls per TOOLS entry.
PRICED_COLUMNS = COUNT_COLUMNS + TOOL_COLUMNS
_TOKENS = len(COUNT_COLUMNS)
# How a problem names the counts a limit applies to (sums of the record's columns, not one of them).
PROMPT_KEY = "prompt_tokens"
OUTPUT_KEY = "output_tokens+reasoning_tokens"
_SUMS = {PROMPT_KEY: ("input_tokens", "cached_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens"),
         OUTPUT_KEY: ("output_tokens", "reasoning_tokens")}


@dataclass(frozen=True)
class Outcome:
    """One way a record can be billed: the model priced as, where it was billed and at which rates."""

    model: str  # the model asked for (record's own after alias lookup, or the --as model)
    billed_model: str  # differs when routed (deepseek-v4-flash -> deepseek-flash)
    provider: str  # of the billed model
    rule: str  # e.g. `peak`, `promo`, `list+long-context`, `deepseek-flash:off-peak`
    rates: tuple[Decimal, ...]  # USD per 1M tokens, one per COMPONENTS entry, modifiers applied
    fees: tuple[Decimal | None, ...] = (None,) * len(TOOLS)  # USD per 1M calls per TOOLS entry; None: no fee

    @property
    def prices(self) -> tuple[Decimal, ...]:
        """Rates then fees, one per PRICED_COLUMNS entry (a tool without a fee prices its calls at 0:
        they are counted and reported, see Repricer.unpriced_calls)."""
        return self.rates + tuple(Decimal(0) if fee is None else fee for fee in self.fees)


@dataclass
class PricedSlice:
    """What `Repricer.price` returns for a frame: per input record (good or not) and per model asked, the
    outcome id and the counts it is billed for, kept as one array per column (views of the frame's own
    columns where nothing was translated: no copy of a 10-million-record slice). `outcome`, `tokens` and
    `estimated` give the same per good record (what price_records reads), built when first asked."""

    good: np.ndarray  # bool per input record: priced as logged (the others are reported)
    ids: list[np.ndarray]  # per model asked: int64 per input record, an index into Repricer.outcomes, or
    #                        < 0 (-1 - error id): a bad record, or one an --as model has no price for
    columns: list[list[np.ndarray]]  # per model asked: int64 per input record, one per PRICED_COLUMNS entry
    #                                  (only the six token columns when no record of the slice made a call)
    flags: list[np.ndarray | None]  # per model asked: bool per input record, counts translated (None: none)
    months: np.ndarray  # int64 per input record: calendar months since 1970-01 (UTC)
    days: np.ndarray  # int64 per input record: days since 1970-01-01 (UTC)

    @cached_property
    def outcome(self) -> list[np.ndarray]:
        """Per model asked: int32 per good record, an index into Repricer.outcomes, or < 0 where an
        --as model has no price for it (left out of its totals)."""
        return [ids[self.good].astype(np.int32) for ids in self.ids]

    @cached_property
    def tokens(self) -> list[np.ndarray]:
        """Per model asked: int64 (good records x 9), PRICED_COLUMNS order; only the six token columns
        (x 6) when no record of the slice made a tool call."""
        return [np.column_stack(columns)[self.good] if len(self.good) else
                np.zeros((0, len(columns)), dtype=np.int64) for columns in self.columns]

    @cached_property
    def estimated(self) -> list[np.ndarray]:
        """Per model asked: bool per good record, counts translated."""
        return [np.zeros(int(self.good.sum()), dtype=bool) if flags is None else flags[self.good]
                for flags in self.flags]


@dataclass
class _Target:
    """A model every record is priced under (`--as`), or None for each record's own model."""

    name: str | None
    model_id: str | None = None
    tokenizer: str | None = None

    @property
    def label(self) -> str:
        """The `priced_as` column: `logged` (each record's own model) or the --as model."""
        return self.model_id or "logged"


@dataclass
class PricePlan:
    """What pricing against one table computes once and every run can reuse: the cuts per group-month,
    the outcomes and errors they number, the prompt thresholds per model. Nothing in it depends on the
    records priced, only on the table, so runs share it (`price_plan`): a notebook re-pricing log after
    log segments each model-month once. Picklable; ids are this plan's own (partials key by value)."""

    table: PriceTable
    outcomes: list[Outcome] = field(default_factory=list)
    outcome_ids: dict[Outcome, int] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (the record's column at fault, message)
    error_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    cuts: dict[tuple, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    thresholds: dict[str, np.ndarray] = field(default_factory=dict)


_PLANS: dict[tuple[int, str], PricePlan] = {}
_KEEP_PLANS = 4  # tables whose plans are kept (a plan holds its table, so an id is never reused meanwhile)


def price_plan(table: PriceTable) -> PricePlan:
    """The shared plan of this table object (built on first use, the oldest of _KEEP_PLANS dropped)."""
    key = (id(table), table.sha256)
    found = _PLANS.get(key)
    if found is None or found.table is not table:
        while len(_PLANS) >= _KEEP_PLANS:
            _PLANS.pop(next(iter(_PLANS)))
        found = _PLANS[key] = PricePlan(table)
    return found


# (file, line, model) of a kept problem of an unknown name -> its record's provider
UnknownRows = dict[tuple[str, int | None, str], str]


class Repricer:
    """Prices frame after frame against one table: the per-run state (counts, problems, assumptions) over
    a PricePlan shared by every run on that table (cuts, outcomes). One Repricer per run (a CLI call, a
    `reprice()` call); `shared=False` gives it a plan of its own (ids numbered from 0 by this run)."""

    def __init__(self, table: PriceTable, models: list[str] | None = None, keep_problems: int = KEEP_PROBLEMS,
                 shared: bool = True):
        self.table = table
        # Every record is priced as logged (what it really cost), then under each --as model.
        self.targets = [_Target(None)] + [self._target(name) for name in models or ()]
        self.plan = price_plan(table) if shared else PricePlan(table)
        self.outcomes = self.plan.outcomes
        self._outcome_ids = self.plan.outcome_ids
        self._errors = self.plan.errors
        self._error_ids = self.plan.error_ids
        self._cuts = self.plan.cuts
        self._names = LoggedNames(table, note=self.note)
        # (file, line, model) of the first problems of an unknown name -> their record's provider: which of
        # the model's (provider, model) pairs it is, for a run over files that decides "did you mean" again
        # (api_jobs). A reader's problems come in problem order: the first keep_problems hold all it keeps.
        self.unknown_rows: UnknownRows = {}
        self._thresholds = self.plan.thresholds
        self.keep_problems = keep_problems
        self.priced = 0
        self.reported = 0
        self.problems: list[Problem] = []
        self.assumptions: list[str] = []
        self.unpriced_as: Counter = Counter()  # (--as model, reason) -> records it could not price
        # (priced_as label, model, tool) -> [records, calls] of calls with no fee for that tool
        self.unpriced_calls: dict[tuple[str, str, str], list[int]] = {}
        self._no_fee: np.ndarray = np.zeros((0, len(TOOLS)), dtype=bool)

    # -- bookkeeping ---------------------------------------------------------------------------------
    def note(self, text: str) -> None:
        if text not in self.assumptions:
            self.assumptions.append(text)

    def report(self, problems: list[Problem], count: int) -> None:
        """Count `count` bad records; keep the first problems with their file and line."""
        self.reported += count
        room = self.keep_problems - len(self.problems)
        if room > 0:
            self.problems.extend(problems[:room])

    def _target(self, name: str) -> _Target:
        model = lookup(self.table, name)  # an unknown --as model is a usage error for the whole run
        return _Target(name, model.id, model.tokenizer)

    def _outcome_id(self, target_model: str, res) -> int:
        # Keyed by what a bill shows, not by which rule entry produced it: the table's several
        # off-peak entries (daily, then weekday rules) with equal rates are one outcome.
        fees = tuple(None if res.fee(tool) is None else res.fee(tool).usd_per_mcall for tool in TOOLS)
        outcome = Outcome(target_model, res.billed_model.id, res.billed_model.provider, res.label,
                          tuple(res.rates[c] for c in COMPONENTS), fees)
        found = self._outcome_ids.get(outcome)
        if found is None:
            found = self._outcome_ids[outcome] = len(self.outcomes)
            self.outcomes.append(outcome)
        return found

    def _error_id(self, message: str, column: str = "model") -> int:
        key = (column, message)
        found = self._error_ids.get(key)
        if found is None:
            found = self._error_ids[key] = len(self._errors)
            self._errors.append(key)
        return found

    # -- names ---------------------------------------------------------------------------------------
    def model_of(self, provider: str, model: str) -> tuple[str | None, str | None]:
        """(model id, None) for a logged (provider, model) pair, or (None, error message): see
        costcalc.prices.names; what a resolution assumes joins this run's assumptions."""
        return self._names.model_of(provider, model)

    def thresholds(self, model_id: str) -> np.ndarray:
        found = self._thresholds.get(model_id)
        if found is None:
            found = self._thresholds[model_id] = np.array(prompt_thresholds(self.table, model_id), dtype=np.int64)
        return found

    # -- cuts ----------------------------------------------------------------------------------------
    def month_cuts(self, target_model: str, model_id: str, tier: str, residency: bool, prompt_class: int,
                   month: int) -> tuple[np.ndarray, np.ndarray]:
        """(start second of each piece, outcome id >= 0 or -1 - error id) for a group in one month
        (months counted from 1970-01). The first piece starts at the month's first second."""
        key = (target_model, model_id, tier, residency, prompt_class, month)
        found = self._cuts.get(key)
        if found is not None:
            return found
        thresholds = self.thresholds(model_id)
        prompt = int(thresholds[prompt_class - 1]) if prompt_class else 0  # a prompt size in the class
        start, end = cal.epoch_month_bounds(month)
        starts, ids = [], []
        for a, _b, res in segments(self.table, model_id, start, end, Request(prompt, tier, residency),
                                   errors="return"):
            starts.append(int(a.timestamp()))
            ids.append(-1 - self._error_id(str(res)) if isinstance(res, CostcalcError)
                       else self._outcome_id(target_model, res))
        found = self._cuts[key] = (np.array(starts, dtype=np.int64), np.array(ids, dtype=np.int64))
        return found

    # -- pricing -------------------------------------------------------------------------------------
    def price(self, frame: pd.DataFrame) -> PricedSlice:
        """Price every record of a normalized frame as logged and under every --as model, in one block
        (what price_records and the engines read: arrays of their own, per record of the frame). Records
        the logged model cannot price are reported (with source, line, column and value)."""
        return next(self._blocks(frame, max(len(frame), 1)))[1]

    def blocks(self, frame: pd.DataFrame, size: int | None = None, strict: bool = False
               ) -> Iterator[tuple[slice, PricedSlice]]:
        """Price a frame block by block (BLOCK_RECORDS rows; see usage/blocked.py for why): (rows, the
        PricedSlice of those rows) per block, in row order, the same answers as `price`. A block's arrays
        are buffers the next block reuses: use each before asking for the next (Totals.add does). The
        slice's problems and assumptions are final when its last block is handed on (leave `problems` as
        it is until then: the slice's are given their hints in place). strict: the caller stops at the
        slice's first problem, so the first block with a bad record is the last handed on (its problems'
        hint is still one pass's: the rest of the slice's names are coded, not priced, when it depends
        on them)."""
        return self._blocks(frame, size or BLOCK_RECORDS, strict)

    def _blocks(self, frame: pd.DataFrame, size: int, strict: bool = False) -> Iterator[tuple[slice, PricedSlice]]:
        n = len(frame)
        size = max(min(size, n), 1)
        ws = Workspace()
        clock = SliceClock(frame["timestamp"].to_numpy(dtype="datetime64[ns]").view(np.int64), _month_start)
        # Tool call columns join the token columns only when some record of the slice made a call (most
        # logs make none): a slice without calls is priced on the six token columns alone, as fast as
        # before. A frame without the columns (made by hand, not read_usage's) has no calls. Each column
        # stays its own array (a view of the frame's): no (records x 9) matrix is built.
        calls = [frame[c].to_numpy(dtype=np.int64, copy=False) for c in TOOL_COLUMNS if c in frame]
        names = COUNT_COLUMNS + (TOOL_COLUMNS if any(c.any() for c in calls) else ())
        counts = [frame[c].to_numpy(dtype=np.int64, copy=False) if c in frame else np.zeros(n, dtype=np.int64)
                  for c in names]
        pairs = PairCodes(TextCodes(frame["provider"]), TextCodes(frame["model"]), self._names)
        notes = SliceNotes()  # said when the slice ends, in one pass's order (as the pairs' effects)
        first_problem, problem_pairs = len(self.problems), []  # the slice's problems: their records' pairs
        tier_text = TextCodes(frame["service_tier"])
        tiers: list = []
        residency = frame["residency"].to_numpy(dtype=bool)
        pieces = [PieceTable(clock, _DAY_TABLE) for _ in self.targets]
        for start in range(0, max(n, 1), size):
            stop = min(start + size, n)
            m = stop - start
            day = clock.days(start, stop, ws.int64("day", m))
            month = ws.int64("month", m)
            np.take(clock.month_of_day, day, out=month, mode="clip")  # clip: no copy of `out`
            own = pairs.codes(start, stop, ws.int64("pair", m), ws.int64("scratch", m))
            tier = tier_text.codes(start, stop, ws.int64("tier", m))
            tiers.extend(_tier_or_error(value) for value in tier_text.values[len(tiers):])
            block = _Block(start, day, month, own, pairs.ids, pairs.order, tier, tiers, residency[start:stop],
                           [c[start:stop] for c in counts])
            per_target = [self._price_block(target, table, clock, block, ws, i, notes)
                          for i, (target, table) in enumerate(zip(self.targets, pieces))]
            # A record the logged model cannot price is reported; one an --as model cannot price (retired
            # or not yet launched then) stays in the logged totals and is left out of that model's, said once.
            logged = per_target[0][0]
            good = ws.flags("good", m)
            np.greater_equal(logged, 0, out=good)
            all_good = bool(good.all())
            if not all_good:
                bad_rows = np.flatnonzero(~good)
                before = len(self.problems)
                self._report_rows(frame, bad_rows + start, -1 - logged[bad_rows])
                problem_pairs.extend(own[bad_rows[:len(self.problems) - before]].tolist())  # those kept
            for target, (ids, _, _) in zip(self.targets[1:], per_target[1:]):
                missing = ids < 0 if all_good else (ids < 0) & good
                if missing.any():
                    for error, count in enumerate(np.bincount(-1 - ids[missing])):
                        if count:
                            self.unpriced_as[(target.model_id, self._errors[error][1])] += int(count)
            if len(counts) > _TOKENS:
                for target, (ids, columns, _) in zip(self.targets, per_target):
                    priced = good & (ids >= 0)
                    self._count_unpriced_calls(target, ids[priced], np.column_stack(columns[_TOKENS:])[priced])
            self.priced += m if all_good else int(good.sum())
            np.add(day, clock.day_lo, out=day)  # epoch days now (the models asked are priced)
            last = stop == n or (strict and not all_good)  # strict: the slice's first problem is this block's
            if last:  # before the last block is handed on: a caller may stop at it (strict)
                if stop < n and problem_pairs and pairs.may_be_hinted(problem_pairs[0]):
                    # a strict stop at an unknown name: whether it is hinted depends on every pair of the
                    # slice (PairCodes), so the rest of the slice's pairs are coded (not priced)
                    pairs.code_rows(stop, n, size, ws)
                self._settle(pairs, notes, first_problem, problem_pairs)
            yield slice(start, stop), PricedSlice(good, [ids for ids, _, _ in per_target],
                                                  [columns for _, columns, _ in per_target],
                                                  [flags for _, _, flags in per_target], month, day)
            if last:
                return

    def _settle(self, pairs: PairCodes, notes: SliceNotes, first_problem: int, problem_pairs: list[int]) -> None:
        """What pricing a slice says, had when its last block is priced, in the order one pass over it
        says it (blocks meet pairs and groups in another order): its new names' effects (notes; "did you
        mean" for the run's first unknown names, given to the problems reported for them: the slice's
        from `first_problem`, their records' pairs `problem_pairs`), then the notes of the models asked."""
        hinted = pairs.settle()
        if hinted:
            for i, code in enumerate(problem_pairs):
                if code in hinted:
                    problem = self.problems[first_problem + i]
                    self.problems[first_problem + i] = dataclasses.replace(problem, message=hinted[code])
        for i, code in enumerate(problem_pairs[:self.keep_problems - len(self.unknown_rows)]):
            if pairs.ids[code][0] is None:  # no model id: an unknown name (a known one's problem is its price's)
                problem = self.problems[first_problem + i]
                self.unknown_rows[(problem.file, problem.line, str(problem.value))] = pairs.provider_of(code)
        for text in notes.in_order():
            self.note(text)

    @property
    def hints(self) -> list[Hint]:
        """The unknown names this run gave "did you mean", in the order it gave them."""
        return self._names.hints

    def unpriced_notes(self) -> list[str]:
        """What --as models could not price, one line per model and reason; and tool calls no fee
        prices, one line per priced_as, model and tool (sorted: see `unpriced_notes`)."""
        return unpriced_notes(self.unpriced_as, self.unpriced_calls)

    def unpriced_by_label(self) -> dict[str, dict[str, int]]:
        """{priced_as label: {tool: calls no fee priced}} for every label, in target order (empty when
        all its calls were priced): what the totals of each label leave out."""
        return unpriced_by_label([target.label for target in self.targets], self.unpriced_calls)

    def _count_unpriced_calls(self, target: _Target, ids: np.ndarray, calls: np.ndarray) -> None:
        """Count the calls of records whose outcome has no fee for that tool (vectorized: a bincount
        over outcome ids per tool column)."""
        if not calls.any():
            return
        if len(self._no_fee) < len(self.outcomes):
            self._no_fee = no_fee_matrix(self.outcomes)
        unpriced = self._no_fee[ids] & (calls > 0)
        for column, tool in enumerate(TOOLS):
            rows = unpriced[:, column]
            if not rows.any():
                continue
            records = np.bincount(ids[rows], minlength=len(self.outcomes))
            summed = np.zeros(len(self.outcomes), dtype=np.int64)
            np.add.at(summed, ids[rows], calls[rows, column])
            for outcome_id in np.flatnonzero(records):
                key = (target.label, self.outcomes[outcome_id].model, tool)
                entry = self.unpriced_calls.setdefault(key, [0, 0])
                entry[0] += int(records[outcome_id])
                entry[1] += int(summed[outcome_id])

    def _price_block(self, target: _Target, pieces: PieceTable, clock: SliceClock, block: _Block, ws: Workspace,
                     index: int, notes: SliceNotes) -> tuple[np.ndarray, list[np.ndarray], np.ndarray | None]:
        """(outcome id or -1 - error id per record, its billed counts per column, translated flags or None)
        for one block under the `index`-th model asked; the ids are written into that target's buffer.
        Notes are said to `notes` with their place in one pass: (index, 0, pair) for translated counts,
        (index, 1, tier, residency, class, month) for what the model does not offer."""
        m = len(block.day)
        # The model each record is asked under (as a small code) and its translated token counts.
        if target.name is None:
            name_codes = block.own
            model_ids = [mid for mid, _ in block.own_ids]
            name_errors = [err for _, err in block.own_ids]
            columns, estimated = block.counts, None
        else:
            name_codes = ws.int64("zeros", m)
            name_codes.fill(0)
            model_ids, name_errors = [target.model_id], [None]
            columns, estimated = self._translate(target, block, lambda code, text: notes.say(
                (index, 0) + block.pair_order[code], text))
        prompt = ws.int64("prompt", m)
        np.add(columns[0], columns[1], out=prompt)
        np.add(prompt, columns[2], out=prompt)
        np.add(prompt, columns[3], out=prompt)
        group = ws.int64("group", m)  # first the k-th thresholds of the records' models, then their groups
        classes, n_classes = self._prompt_classes(model_ids, name_codes, prompt, ws.int64("scratch", m), group, ws)

        # Groups: (name, tier, residency, class) as one small mixed-radix code, then the slice's group
        # numbers (PieceTable.group), which every block shares.
        n_tiers = max(len(block.tiers), 1)
        code = ws.int64("code", m)
        np.multiply(name_codes, n_tiers, out=code)
        np.add(code, block.tier, out=code)
        np.multiply(code, 2, out=code)
        np.add(code, block.residency, out=code)
        np.multiply(code, n_classes, out=code)
        np.add(code, classes, out=code)
        present = np.flatnonzero(np.bincount(code)) if m else np.zeros(0, dtype=np.int64)
        mapping = np.zeros(int(present[-1]) + 1 if len(present) else 1, dtype=np.int64)
        for packed in present.tolist():
            cls, rest = packed % n_classes, packed // n_classes
            res, rest = rest % 2, rest // 2
            mapping[packed] = pieces.group((rest // n_tiers, rest % n_tiers, bool(res), cls))
        np.take(mapping, code, out=group, mode="clip")

        # The pieces of every (group, month) met for the first time in the slice.
        n_months = clock.n_months
        np.multiply(group, n_months, out=code)
        np.add(code, block.month, out=code)
        np.subtract(code, clock.month_lo, out=code)
        for flat in np.flatnonzero(np.bincount(code)).tolist() if m else ():
            g, month = divmod(flat, n_months)
            if (g, month) in pieces.built:
                continue
            name_code, tier_code, res, cls = pieces.keys[g]
            error = self._group_error(target, model_ids[name_code], name_errors[name_code], block.tiers[tier_code],
                                      res)
            if error is not None:
                starts = np.array([_month_start(clock.month_lo + month)], dtype=np.int64)
                outcome = np.array([error], dtype=np.int64)
            else:
                tier, has_residency = self._request_for(target, model_ids[name_code], block.tiers[tier_code], res,
                                                        partial(notes.say, (index, 1, tier_code, res, cls, month)))
                starts, outcome = self.month_cuts(target.model_id or model_ids[name_code], model_ids[name_code],
                                                  tier, has_residency, cls, clock.month_lo + month)
            pieces.add(g, month, starts, outcome)
        ids = pieces.lookup(group, block.day, block.start, ws.int64(f"ids{index}", m), code)
        self._limits(ids, model_ids, name_codes, prompt, columns)
        return ids, columns, estimated

    def _prompt_classes(self, model_ids: list, name_codes: np.ndarray, prompt: np.ndarray, out: np.ndarray,
                        kth_of_record: np.ndarray, ws: Workspace) -> tuple[np.ndarray, int]:
        """Per record, how many of its model's prompt thresholds (cliffs) its prompt reaches (written
        into `out`; `kth_of_record` is overwritten), and the number of classes (one more than the most
        thresholds of a model): the k-th threshold of every model as one small array picked by model
        code, a comparison per k (models have zero to two), instead of a mask and a search per model."""
        m = len(prompt)
        found = [self.thresholds(mid) if mid is not None else np.zeros(0, dtype=np.int64) for mid in model_ids]
        depth = max((len(t) for t in found), default=0)
        out.fill(0)
        reached, has_of_record = ws.flags("reached", m), ws.flags("has", m)
        for k in range(depth):
            has = np.array([len(t) > k for t in found], dtype=bool)
            kth = np.array([int(t[k]) if len(t) > k else 0 for t in found], dtype=np.int64)
            np.take(kth, name_codes, out=kth_of_record, mode="clip")
            np.greater_equal(prompt, kth_of_record, out=reached)
            if not has.all():
                np.take(has, name_codes, out=has_of_record, mode="clip")
                np.logical_and(reached, has_of_record, out=reached)
            np.add(out, reached, out=out)
        return out, depth + 1

    def _limits(self, outcome: np.ndarray, model_ids: list, name_codes: np.ndarray, prompt: np.ndarray,
                columns: list[np.ndarray]) -> None:
        """Records otherwise priced that the model cannot take become errors (in place): a prompt above
        its context window, output + reasoning above its max output. Unknown limits are not checked.
        No pass per model: one comparison with the smallest limit of the models present finds the few
        records that can be above theirs, and only those are compared with their own model's limit."""
        output, reasoning = columns[COMPONENTS.index("output")], columns[COMPONENTS.index("reasoning")]
        unlimited = np.iinfo(np.int64).max
        for limit, key, attribute in ((CONTEXT, PROMPT_KEY, "context_window"),
                                      (MAX_OUTPUT, OUTPUT_KEY, "max_output_tokens")):
            values = [None if mid is None else getattr(self.table.models[mid], attribute) for mid in model_ids]
            known = [v for v in values if v is not None]
            if not known:
                continue
            smallest = min(known)
            # Only records above the smallest limit can be above theirs: one comparison over the slice,
            # then the candidates' own limits.
            if key == PROMPT_KEY:
                rows = np.flatnonzero(prompt > smallest)
            elif int(output.max(initial=0)) <= smallest // 2 and int(reasoning.max(initial=0)) <= smallest // 2:
                continue  # then output + reasoning <= smallest too
            else:
                rows = np.flatnonzero((output > smallest) | (reasoning > smallest) | (output + reasoning > smallest))
            if not len(rows):
                continue
            per_record = np.array([unlimited if v is None else v for v in values], dtype=np.int64)[name_codes[rows]]
            if key == PROMPT_KEY:
                over = prompt[rows] > per_record
            else:
                # either part alone above the limit, or (both small, so no int64 overflow) their sum
                out, think = output[rows], reasoning[rows]
                over = (out > per_record) | (think > per_record) | (out + think > per_record)
            rows = rows[over & (outcome[rows] >= 0)]
            if not len(rows):
                continue
            for code in np.unique(name_codes[rows]).tolist():
                assert values[code] is not None  # an unknown limit is never exceeded
                outcome[rows[name_codes[rows] == code]] = -1 - self._error_id(
                    above(model_ids[code], limit, values[code]), key)

    def _group_error(self, target: _Target, model_id: str | None, name_error: str | None, tier,
                     residency: bool) -> int | None:
        """-1 - error id when no record of a group can be priced whatever its instant, else None.
        Named after the record's column at fault: model, service_tier or residency."""
        if name_error is not None:
            return -1 - self._error_id(name_error, "model")
        if isinstance(tier, CostcalcError):
            return -1 - self._error_id(str(tier), "service_tier")
        if target.name is None:  # under --as models these fall back (see _request_for)
            assert model_id is not None  # a name without an error names a model
            model = self.table.models[model_id]
            if tier not in model.tiers:
                return -1 - self._error_id(f"{model_id} offers no {tier} tier; offered: {', '.join(model.tiers)}",
                                           "service_tier")
            if residency and not model.residency:
                return -1 - self._error_id(f"{model_id} has no data-residency pricing", "residency")
        return None

    def _request_for(self, target: _Target, model_id: str, tier, residency: bool,
                     say: Callable[[str], None] | None = None) -> tuple[str, bool]:
        """A record's own model prices its own tier and residency (errors if not offered: reported).
        Under an --as model an unoffered tier is priced at standard and residency dropped, said once
        (to `say`, else noted now)."""
        if target.name is None:
            return tier, residency
        say = say or self.note
        model = self.table.models[model_id]
        if tier not in model.tiers:
            say(f"{model_id} offers no {tier} tier: those records are priced at its standard tier")
            tier = "standard"
        if residency and not model.residency:
            say(f"{model_id} has no data-residency pricing: residency records are priced without it")
            residency = False
        return tier, residency

    def _translate(self, target: _Target, block: _Block, say: Callable[[int, str], None]
                   ) -> tuple[list[np.ndarray], np.ndarray]:
        """Counts in the target's tokenizer: each record's own model names its tokenizer; a different
        one scales every count by the documented ratio (rounded half up), and the record is marked as
        estimated (said to `say` with the pair's code). Records whose own model is unknown keep their
        counts (they are reported anyway)."""
        counts, own_codes = block.counts, block.own
        columns = list(counts)  # a column is copied only when some record's counts change
        estimated = np.zeros(len(own_codes), dtype=bool)
        for code, (model_id, _err) in enumerate(block.own_ids):
            if model_id is None:
                continue
            source = self.table.models[model_id].tokenizer
            ratio = translation_ratio(source, target.tokenizer)
            if ratio is None:
                continue
            num, den = ratio
            rows = own_codes == code
            for j in range(_TOKENS):  # token counts only: a tool call is a call under any tokenizer
                if columns[j] is counts[j]:
                    columns[j] = counts[j].copy()
                columns[j][rows] = (counts[j][rows] * (2 * num) + den) // (2 * den)
            estimated[rows] = True
            say(code, f"{source} token counts are translated to {target.tokenizer} for {target.model_id} "
                      f"(x{num}/{den}, research/tokenizers.md): those costs are estimates")
        return columns, estimated

    def _report_rows(self, frame: pd.DataFrame, rows: np.ndarray, error_ids: np.ndarray) -> None:
        kept = rows[: max(self.keep_problems - len(self.problems), 0)]
        if not len(kept):
            self.report([], len(rows))
            return
        # Only the kept rows' cells are taken (no whole-column conversion); a cell is read as `.iloc[row]`
        # gives it (numpy scalars as Python values, text as str).
        sources = frame["source"].iloc[kept].to_numpy() if "source" in frame else ["<DataFrame>"] * len(kept)
        lines = frame["line"].iloc[kept].to_numpy() if "line" in frame else kept + 1
        cells: dict[str, np.ndarray] = {}
        kept_errors = error_ids[:len(kept)]
        for column in {self._errors[int(err)][0] for err in np.unique(kept_errors)}:
            if column in _SUMS:  # a limit: the record's count it applies to
                cells[column] = sum(frame[c].iloc[kept].to_numpy().astype(object) for c in _SUMS[column])
            else:
                cells[column] = frame[column].iloc[kept].to_numpy()
        problems = []
        for i, (src, line, err) in enumerate(zip(sources, lines, kept_errors)):
            column, message = self._errors[int(err)]
            cell = cells[column][i]
            value: object = int(cell) if column in _SUMS else (cell.item() if hasattr(cell, "item") else str(cell))
            problems.append(Problem(str(src), int(line), column, value, message))
        self.report(problems, len(rows))


def unpriced_notes(unpriced_as: dict[tuple[str, str], int],
                   unpriced_calls: dict[tuple[str, str, str], list[int]]) -> list[str]:
    """One line per (--as model, reason) the model could not price and per (priced_as, model, tool)
    whose calls no fee priced, each kind sorted by its key: an order set by this run's input alone (the
    dicts are filled in the order of error and outcome ids, which the process's shared PricePlan numbers
    as earlier runs met them; merged partials have no order of their own)."""
    out = [f"{count:,} records have no price as {model} ({message}): its totals leave them out"
           for (model, message), count in sorted(unpriced_as.items())]
    for (label, model, tool), (records, calls) in sorted(unpriced_calls.items()):
        as_what = "as logged" if label == "logged" else f"as {label}"
        out.append(f"{calls:,} {tool} calls in {records:,} records priced {as_what} on {model} are not "
                   f"priced: {model} has no {tool} fee in the price table then (their tokens are priced; "
                   f"the calls are left out of the totals, not counted as free)")
    return out


def unpriced_by_label(labels: list[str], unpriced_calls: dict[tuple[str, str, str], list[int]]
                      ) -> dict[str, dict[str, int]]:
    """{priced_as label: {tool: calls no fee priced}} for every label in `labels` order."""
    out: dict[str, dict[str, int]] = {label: {} for label in labels}
    # tools in TOOLS order, whatever order the calls were met in (merged partials have no such order)
    for (label, _model, tool), (_records, calls) in sorted(unpriced_calls.items(),
                                                           key=lambda item: TOOLS.index(item[0][2])):
        out[label][tool] = out[label].get(tool, 0) + calls
    return out


# -- money ------------------------------------------------------------------------------------------

# Token sums (up to ~10**21) times rates (up to ~20 significant digits) need more than the default 28
# digits to stay exact: money.EXACT's 120 are far beyond any real bill.

def exact_cost(tokens: int, rate: Decimal) -> Decimal:
    """USD of `tokens` at `rate` per 1M tokens, exactly."""
    return per_mtok(Decimal(int(tokens)), rate)


def outcome_cost(outcome: Outcome, tokens) -> Decimal:
    """Exact USD of token and call sums (PRICED_COLUMNS order) billed under one outcome."""
    with decimal.localcontext(EXACT):
        return sum((exact_cost(t, rate) for t, rate in zip(tokens, outcome.prices)), Decimal(0))


@dataclass
class ScaledRates:
    """Each outcome's rates as integers at the outcome's own places (the most of its rates): rate x
    10**places. A record's cost in units of 10**-(places + 6) USD is then an exact integer dot product,
    written with its own outcome's places: not the most of every outcome the plan holds, which is shared by
    the process, so a record's digits would follow what else was priced in its log or before it."""

    ints: np.ndarray  # (outcomes x 9), int64 or object (Python ints) when int64 could overflow
    places: np.ndarray  # per outcome, int64

    @classmethod
    def of(cls, outcomes: list[Outcome]) -> ScaledRates:
        places = [max((max(decimal_places(r), 0) for r in o.prices), default=0) for o in outcomes]
        ints = [[int(r.scaleb(p)) for r in o.prices] for o, p in zip(outcomes, places)]
        return cls(np.array(ints, dtype=object).reshape(len(outcomes), len(PRICED_COLUMNS)),
                   np.array(places, dtype=np.int64))


def no_fee_matrix(outcomes: list[Outcome]) -> np.ndarray:
    """bool (outcomes x tools): True where the outcome has no fee for that tool (its calls unpriced)."""
    return np.array([[fee is None for fee in o.fees] for o in outcomes], dtype=bool) \
        .reshape(len(outcomes), len(TOOLS))


def unpriced_call_counts(outcomes: list[Outcome], outcome_ids: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """int64 per record: its tool calls that no fee prices (left out of its cost, not free). Vectorized:
    a mask per outcome picked by id, times the call columns."""
    if tokens.shape[1] <= _TOKENS or not len(outcome_ids):  # a slice without tool calls
        return np.zeros(len(outcome_ids), dtype=np.int64)
    return (tokens[:, _TOKENS:] * no_fee_matrix(outcomes)[outcome_ids]).sum(axis=1).astype(np.int64)


def record_costs(outcomes: list[Outcome], outcome_ids: np.ndarray, tokens: np.ndarray) -> list[Decimal]:
    """Exact USD per record. int64 arithmetic where it cannot overflow, Python integers otherwise."""
    scaled = ScaledRates.of(outcomes)
    rate_ints = scaled.ints
    rate_ints = rate_ints[:, :tokens.shape[1]]  # six token columns when no record made a tool call
    largest_rate = max((abs(int(v)) for v in rate_ints.flat), default=0)
    largest_count = int(tokens.max(initial=0))
    if largest_rate * largest_count * len(PRICED_COLUMNS) < 2 ** 63:
        units = (tokens * rate_ints.astype(np.int64)[outcome_ids]).sum(axis=1)
    else:
        units = (tokens.astype(object) * rate_ints[outcome_ids]).sum(axis=1)
    exponents = -(scaled.places[outcome_ids] + 6)
    return [EXACT.scaleb(Decimal(int(u)), e) for u, e in zip(units.tolist(), exponents.tolist())]


# -- time -------------------------------------------------------------------------------------------

def _month_start(month: int) -> int:
    """The first second (since 1970, UTC) of a month counted from 1970-01."""
    return int(cal.epoch_month_bounds(month)[0].timestamp())


@dataclass
class _Block:
    """What every model asked shares about a block of records: its first row in the slice, each record's
    day since the slice's first day and epoch month, (provider, model) pair code and the pairs' (model id,
    error) and place in one pass (PairCodes.order), tier code and the tiers (or their errors), residency and
    count columns (views of the frame's)."""

    start: int
    day: np.ndarray
    month: np.ndarray
    own: np.ndarray
    own_ids: list
    pair_order: list
    tier: np.ndarray
    tiers: list
    residency: np.ndarray
    counts: list[np.ndarray]


_DAY_TABLE = 1 << 22  # (group x day) tables up to this many entries are used to find pieces


# -- helpers ------------------------------------------------------------------------------------------

def _codes(frame: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, list[tuple]]:
    """Small dense integer codes for the distinct value combinations of `columns` (O(n): factorize,
    then a bincount over the mixed-radix code, no sort), and the combinations in code order."""
    if not len(frame):
        return np.zeros(0, dtype=np.int64), []
    if len(columns) == 1:  # factorize's codes are already dense, numbered in the order values appear
        c, u = pd.factorize(frame[columns[0]], sort=False, use_na_sentinel=False)
        return c.astype(np.int64, copy=False), [(value,) for value in u]
    codes = np.zeros(len(frame), dtype=np.int64)
    uniques = []
    space = 1
    for column in columns:
        c, u = pd.factorize(frame[column], sort=False, use_na_sentinel=False)
        uniques.append(list(u))
        codes = codes * len(u) + c
        space *= len(u)
    if space > max(4 * len(frame), 1 << 16):
        # Many distinct values in each column (20,000 providers x 20,000 models): a bincount over the
        # whole product space would take gigabytes for a few thousand real pairs; sort instead.
        present, dense_codes = np.unique(codes, return_inverse=True)
    else:
        present = np.flatnonzero(np.bincount(codes))
        dense = np.zeros(int(present[-1]) + 1, dtype=np.int64)
        dense[present] = np.arange(len(present))
        dense_codes = dense[codes]
    combos = []
    for value in present.tolist():
        parts = []
        for u in reversed(uniques):
            value, index = divmod(value, len(u))
            parts.append(u[index])
        combos.append(tuple(reversed(parts)))
    return dense_codes.astype(np.int64, copy=False), combos


def settle_names(names: LoggedNames, part: pd.DataFrame) -> None:
    """Have the effects of a slice's (provider, model) pairs new to the run (`names`: its notes, "did you
    mean" for the run's first unknown names) in the order pricing the slice has them, without pricing it:
    for an engine that prices elsewhere (DuckDB) and must hint the names the local pricer hints."""
    pairs = PairCodes(TextCodes(part["provider"]), TextCodes(part["model"]), names)
    pairs.code_rows(0, len(part), BLOCK_RECORDS, Workspace())
    pairs.settle()


def _tier_or_error(tier: str):
    try:
        return normalize_tier(str(tier))
    except CostcalcError as exc:
        return exc


__all__ = ["PRICED_COLUMNS", "Outcome", "PricedSlice", "Repricer", "outcome_cost", "record_costs", "settle_names",
           "unpriced_call_counts", "SLICE_RECORDS", "TIERS"]
