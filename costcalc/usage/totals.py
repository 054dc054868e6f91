"""Grouped re-pricing totals that stream: integer token sums per (group keys, outcome) accumulate chunk
by chunk, and money is computed once at the end from those sums, so chunked and whole-file totals are
identical to the last digit."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import numpy as np
import pandas as pd

from ..prices.model import COMPONENTS, TOOLS, tool_component
from ..money import exact_sum
from .blocked import TextCodes, Workspace
from .price import PRICED_COLUMNS, Outcome, PricedSlice, exact_cost, outcome_cost
from .schema import TAG_PREFIX

BY_CHOICES = ("month", "day", "model", "tag:NAME")
# Partial sums are merged when this many rows have piled up (bounds memory for day x tag groupings).
_MERGE_ROWS = 200_000


def check_by(by: list[str], columns=None) -> list[str]:
    """Validate --by keys; `model` is always a key of the output and needs no mention."""
    out = []
    for key in dict.fromkeys(by):  # a key named twice groups once
        if key in ("month", "day"):
            out.append(key)
        elif key == "model":
            continue
        elif key.startswith(TAG_PREFIX) and len(key) > len(TAG_PREFIX):
            out.append(key)
        else:
            raise ValueError(f"cannot group by {key!r}; allowed: month, day, model, tag:NAME")
    return out


_NO_CODES = np.zeros(0, dtype=np.int64)

class Totals:
    """Accumulates grouped token sums over priced chunks; `frame()` turns them into money.

    Keys are small integers (epoch month or day, a run-wide code per tag value, the priced_as index,
    the outcome id, the estimated flag), so grouping a chunk is one np.bincount per column over their
    mixed-radix code (`_dense_sums`), or where that code space is large one sort and one np.add.reduceat
    on int64 (`_sorted_sums`): exact, and no strings are built per record."""

    def __init__(self, by: list[str], priced_as: list[str]):
        self.by = check_by(by)
        self.priced_as = priced_as  # label per target, in Repricer.targets order
        self._tag_codes: dict[str, dict[object, int]] = {k: {} for k in self.by if k.startswith(TAG_PREFIX)}
        self._parts: list[np.ndarray] = []  # rows: key columns..., target, outcome, estimated, records,
        #                                     6 token and 3 call counts (PRICED_COLUMNS)
        self._rows = 0
        self._ws = Workspace()  # per-record buffers, reused block after block
        self._texts: dict[str, TextCodes] = {}  # tag columns of the frame last added, coded block by block
        self._texts_of: pd.DataFrame | None = None
        # per tag column of that frame: its TextCodes code -> the run-wide tag code, grown as values come
        self._tag_maps: dict[str, np.ndarray] = {}

    def add(self, frame: pd.DataFrame, priced: PricedSlice, rows: slice = slice(None)) -> None:
        """Sum the records of `priced`: the `rows` of `frame` (a block of it, Repricer.blocks), all by default."""
        if not priced.good.any():
            return
        keys, dims = self._keys(frame, priced, rows)  # key columns of the block (bad records included)
        all_good = bool(priced.good.all())
        for target, (ids, columns, flags) in enumerate(zip(priced.ids, priced.columns, priced.flags)):
            # an --as model may have no price for some records (Repricer.unpriced_as); bad ones are reported
            ok = ids >= 0 if target or not all_good else None
            if target and not all_good:
                ok &= priced.good
            if ok is not None and not ok.any():
                continue
            grouped = _dense_sums(keys, dims, target, ids, flags, columns, ok, self._ws)
            if grouped is None:  # a key space or sums too large for bincount: sort and reduce
                grouped = _sorted_sums(keys, target, ids, flags, columns, ok)
            missing = len(PRICED_COLUMNS) - len(columns)  # a slice without tool calls: zero calls
            if missing:
                grouped = np.column_stack([grouped, np.zeros((len(grouped), missing), dtype=grouped.dtype)])
            self._parts.append(grouped)
            self._rows += len(self._parts[-1])
        if self._rows > _MERGE_ROWS and len(self._parts) > 1:
            self._merge()

    def _merge(self) -> None:
        stacked = np.concatenate(self._parts)
        width = len(self.by) + 3
        self._parts = [_group(stacked[:, :width], stacked[:, width:])]
        self._rows = len(self._parts[0])

    def _keys(self, frame: pd.DataFrame, priced: PricedSlice, rows: slice
              ) -> tuple[list[np.ndarray], list[tuple[int, int]]]:
        """The key columns per record (epoch month or day, run-wide tag codes) and each one's (lowest,
        highest) value. Months and days are the pricer's (computed once per block)."""
        keys = []
        n = len(priced.good)
        if frame is not self._texts_of:  # a new slice: its tag columns are coded anew, block by block
            self._texts, self._tag_maps, self._texts_of = {}, {}, frame
        start = rows.start or 0
        for key in self.by:
            if key in ("month", "day"):
                keys.append(priced.months if key == "month" else priced.days)
            elif key not in frame:
                keys.append(np.full(n, self._tag_code(key, ""), dtype=np.int64))
            else:
                text = self._texts.get(key)
                if text is None:
                    text = self._texts[key] = TextCodes(frame[key])
                codes = text.codes(start, start + n, self._ws.int64(key, n))
                mapping = self._tag_maps.get(key, _NO_CODES)
                if len(mapping) < len(text.values):  # only the values this block met first are looked up
                    more = [self._tag_code(key, "" if pd.isna(u) else str(u)) for u in text.values[len(mapping):]]
                    mapping = self._tag_maps[key] = np.concatenate([mapping, np.array(more, dtype=np.int64)])
                np.take(mapping, codes, out=codes, mode="clip")  # clip: in place, no copy
                keys.append(codes)
        # each key's own range (days since 1970 start near 20,000: a range from 0 would make the dense path
        # give up on any --by day)
        return keys, [(int(k.min()), int(k.max())) if len(k) else (0, 0) for k in keys]

    def _tag_code(self, key: str, value: str) -> int:
        codes = self._tag_codes[key]
        return codes.setdefault(value, len(codes))

    def _sums(self, outcomes: list[Outcome]):
        """(group labels, target index, outcome, estimated, [records, 6 token + 3 call sums]) per row."""
        if not self._parts:
            return
        self._merge()
        k = len(self.by)
        values = {tag: {code: value for value, code in codes.items()} for tag, codes in self._tag_codes.items()}
        for row in self._parts[0].tolist():
            keys, (target, outcome_id, estimated), sums = row[:k], row[k:k + 3], row[k + 3:]
            labels = tuple(_label(key, value, values) for key, value in zip(self.by, keys))
            yield labels, target, outcomes[outcome_id], bool(estimated), sums

    def items(self, outcomes: list[Outcome]):
        """(group labels, target index, outcome, estimated, [records, 6 token + 3 call sums]) per row,
        the outcome by value (what partials are keyed by, see partials.py)."""
        return self._sums(outcomes)

    def frame(self, outcomes: list[Outcome]) -> pd.DataFrame:
        """One row per group key, priced-as label and model (see `rows_frame`)."""
        return rows_frame(self.by, self.priced_as, self._sums(outcomes))

    def components(self, outcomes: list[Outcome]) -> pd.DataFrame:
        """Long form per component (see `components_frame`)."""
        return components_frame(self.by, self.priced_as, self._sums(outcomes))


def rows_frame(by: list[str], priced_as: list[str], items: Iterable[tuple]) -> pd.DataFrame:
    """One row per group key, priced-as label and model: records, tokens per component, calls per
    tool, unpriced_calls (those calls no fee priced: left out of the cost, not free), the tool fees
    of the priced calls (tool_fees_usd, a part of cost_usd) and exact cost_usd (Decimal, tokens and
    fees). Sorted by the keys, then priced_as in the order asked, then model. `items`: (group labels,
    target index, Outcome, estimated, [records, 6 token + 3 call sums]) in any order, a key may repeat."""
    columns = by + ["priced_as", "model", "estimated", "records"] + list(PRICED_COLUMNS) + \
        ["unpriced_calls", "tool_fees_usd", "cost_usd"]
    merged: dict[tuple, list] = {}
    tokens = len(COMPONENTS)
    for labels, target, outcome, estimated, sums in items:
        group = tuple(labels) + (target, outcome.model, estimated)
        entry = merged.setdefault(group, [[0] * len(sums), [], [], 0])
        entry[0] = [a + b for a, b in zip(entry[0], sums)]
        entry[1].append(outcome_cost(outcome, sums[1:]))
        calls_fees = list(zip(sums[1 + tokens:], outcome.fees))
        entry[2].extend(exact_cost(calls, fee) for calls, fee in calls_fees if calls and fee is not None)
        entry[3] += sum(calls for calls, fee in calls_fees if fee is None)
    k = len(by)
    out = [list(group[:k]) + [priced_as[group[k]], group[k + 1], group[k + 2]] + sums
           + [unpriced, exact_sum(fees), exact_sum(costs)]
           for group, (sums, costs, fees, unpriced) in sorted(merged.items())]
    frame = pd.DataFrame(out, columns=columns)
    for column in ["records", "unpriced_calls"] + list(PRICED_COLUMNS):
        # int64 unless a sum outgrew it (then the Python integers stay, exact)
        if all(-2 ** 63 <= v < 2 ** 63 for v in frame[column]):
            frame[column] = frame[column].astype("int64")
    return frame


def components_frame(by: list[str], priced_as: list[str], items: Iterable[tuple]) -> pd.DataFrame:
    """Long form: one row per group key, priced_as, model and price component (COMPONENTS names, as
    in an estimate, then `tool:NAME` for calls a fee priced, with the calls in `tokens`), with tokens
    and exact cost_usd. What forecast-vs-actual variance compares. `items` as for rows_frame."""
    merged: dict[tuple, list] = {}
    components = COMPONENTS + tuple(tool_component(t) for t in TOOLS)
    fees = (None,) * len(COMPONENTS)
    for labels, target, outcome, _estimated, sums in items:
        for component, tokens, rate, fee in zip(components, sums[1:], outcome.prices, fees + outcome.fees):
            if component not in COMPONENTS and (fee is None or not tokens):
                continue  # a tool not used, or calls no fee priced (Repricer reports those)
            entry = merged.setdefault(tuple(labels) + (priced_as[target], outcome.model, component), [0, []])
            entry[0] += tokens
            entry[1].append(exact_cost(tokens, rate))
    columns = by + ["priced_as", "model", "component", "tokens", "cost_usd"]
    return pd.DataFrame([list(key) + [tokens, exact_sum(costs)] for key, (tokens, costs) in sorted(merged.items())],
                        columns=columns)


def _label(key: str, value: int, tag_values: dict) -> str:
    if key == "month":
        return str(np.datetime64(value, "M"))
    if key == "day":
        return str(np.datetime64(value, "D"))
    return tag_values[key][value]


_DENSE_KEYS = 1 << 20  # composite key spaces up to this size are summed with bincount


def _group(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Rows of int64 `keys` (all >= 0) with equal keys merged, `values` (>= 0) summed exactly: int64
    where no sum can reach 2**63, Python integers (object arrays) where one might."""
    keys = keys.astype(np.int64, copy=False)
    if values.dtype != object and int(values.max(initial=0)) * len(values) >= 2 ** 63:
        values = values.astype(object)
    dims = keys.max(axis=0) + 1
    size = float(np.prod(dims.astype(float)))
    if size < 2.0 ** 62:
        composite = np.ravel_multi_index(keys.T, dims)
        # bincount sums in float64, which is exact while every partial sum stays below 2**53: guaranteed
        # when the largest value times the number of rows is below it.
        if size <= _DENSE_KEYS and values.dtype != object and int(values.max(initial=0)) * len(values) < 2 ** 53:
            counts = np.bincount(composite, minlength=int(size))
            present = np.flatnonzero(counts)
            sums = np.column_stack([np.bincount(composite, weights=values[:, j], minlength=int(size))[present]
                                    for j in range(values.shape[1])]).astype(np.int64)
            return np.column_stack([np.column_stack(np.unravel_index(present, dims)), sums])
        order = np.argsort(composite)
        ordered = composite[order]
        starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    else:
        order = np.lexsort(keys.T[::-1])
        ordered = keys[order]
        starts = np.flatnonzero(np.concatenate([[True], np.any(ordered[1:] != ordered[:-1], axis=1)]))
    return np.column_stack([keys[order[starts]], np.add.reduceat(values[order], starts, axis=0)])


def _sorted_sums(keys: list[np.ndarray], target: int, ids: np.ndarray, flags: np.ndarray | None,
                 columns: list[np.ndarray], ok: np.ndarray | None) -> np.ndarray:
    """What `_dense_sums` gives, for any key space and any sums: the kept records' rows through `_group`."""
    if ok is not None:
        keys, ids, columns = [k[ok] for k in keys], ids[ok], [c[ok] for c in columns]
        flags = None if flags is None else flags[ok]
    estimated = np.zeros(len(ids), dtype=np.int64) if flags is None else flags.astype(np.int64)
    stacked = keys + [np.full(len(ids), target, dtype=np.int64), ids.astype(np.int64), estimated]
    return _group(np.column_stack(stacked), np.column_stack([np.ones(len(ids), dtype=np.int64)] + columns))


def _dense_sums(keys: list[np.ndarray], dims: list[tuple[int, int]], target: int, ids: np.ndarray,
                flags: np.ndarray | None, columns: list[np.ndarray], ok: np.ndarray | None,
                ws: Workspace | None = None) -> np.ndarray | None:
    """The rows `_group` gives for one target (keys..., target, outcome, estimated, records, sums), by one
    bincount per column over a mixed-radix code of the keys: no sort, no copy of the counts, records
    left out (`ok` False) sent to one extra bucket that is dropped. None when the code space is above
    _DENSE_KEYS or a sum could reach 2**53 (bincount adds in float64, exact below that). `ws`: buffers
    reused from call to call (the code and each count as float64)."""
    n = len(ids)
    n_outcomes = int(ids.max(initial=0)) + 1
    radix = [hi - lo + 1 for lo, hi in dims] + [n_outcomes, 1 if flags is None else 2]  # estimated: 0 or 0/1
    size = 1
    for r in radix:
        size *= r
    if size > _DENSE_KEYS or any(int(c.max(initial=0)) * n >= 2 ** 53 for c in columns):
        return None
    ws = ws or Workspace()
    code = ws.int64("code", n)
    if not keys:
        code.fill(0)
    for i, (key, (lo, _hi), r) in enumerate(zip(keys, dims, radix)):
        if i:
            np.multiply(code, r, out=code)
            np.add(code, key, out=code)
            np.subtract(code, lo, out=code)
        else:
            np.subtract(key, lo, out=code)
    np.multiply(code, n_outcomes, out=code)
    np.add(code, ids, out=code)
    if flags is not None:
        np.multiply(code, 2, out=code)
        np.add(code, flags, out=code)
    if ok is not None:
        code[~ok] = size  # the dropped bucket
    records = np.bincount(code, minlength=size + 1)[:size]
    present = np.flatnonzero(records)
    parts = np.unravel_index(present, radix)
    out = [part + lo for part, (lo, _hi) in zip(parts, dims)]
    out += [np.full(len(present), target, dtype=np.int64), parts[-2], parts[-1], records[present]]
    weights = ws.float64("weights", n)
    for c in columns:
        np.copyto(weights, c)  # exact: every count is below 2**53 (checked above)
        out.append(np.bincount(code, weights=weights, minlength=size + 1)[present].astype(np.int64))
    return np.column_stack(out).astype(np.int64)


def totals_by(frame: pd.DataFrame) -> dict[str, Decimal]:
    """Total cost per priced_as label (logged first), exact."""
    return {label: exact_sum(part) for label, part in frame.groupby("priced_as", sort=False)["cost_usd"]}


__all__ = ["BY_CHOICES", "Totals", "check_by", "components_frame", "rows_frame", "totals_by", "COMPONENTS"]
