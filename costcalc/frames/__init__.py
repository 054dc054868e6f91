"""The frames costcalc hands to users, at the library's edge: exact money in the "decimal" dtype
(costcalc.frames.decimal: pandas sums, plots, rounds and saves it), instants as naive UTC (Excel has no
time zones), and `attrs` that are JSON-plain (decimal text, lists, dicts), so a frame goes to Parquet with
its metadata, and whose dicts and lists pandas' deep copy on every operation copies in C (PlainDict).

An estimate frame (`estimate_frame`) also has:
- `case`, always: `expected` only by default, `low`, `expected` and `high` with cases=True (ranges), so a
  plain `df.groupby("month").cost_usd.sum()` never adds alternatives;
- `requests`: the requests of a profile's month on a model (and case), carried by the first cost line of
  that month (0 on its other lines), so sums over whole months count each request once:
  `df.groupby(["model", "month"])[["cost_usd", "requests"]].sum()` gives cost per request. A sum per
  rule or component is not a request count. `costcalc.requests(df)` lists them one row per month.
"""

from __future__ import annotations

import copy
import pickle
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import yaml

from ..money import decimal_text
from .decimal import DecimalArray, DecimalDtype, money_array, plain_text

CASES = ("low", "expected", "high")
REQUESTS = "requests"
_RUN_KEYS = ("profile", "model", "month", "case")


def with_money(frame: pd.DataFrame, columns, trusted: bool = False) -> pd.DataFrame:
    """The frame's `columns` (those it has) as exact decimal columns, in place; returns the frame.
    trusted: the columns hold Decimals only (the projection's own): wrapped without a check or a copy."""
    for column in columns:
        if column in frame.columns and not isinstance(frame[column].dtype, DecimalDtype):
            values = frame[column].to_numpy(dtype=object, copy=False)
            array = DecimalArray(values) if trusted and values.ndim == 1 else money_array(values)
            frame[column] = pd.Series(array, index=frame.index, name=column)
    return frame


def naive_utc(frame: pd.DataFrame, columns=None) -> pd.DataFrame:
    """Time-zone-aware instants as naive UTC (to_excel refuses zones), in place; returns the frame."""
    for column in frame.columns if columns is None else columns:
        if column in frame.columns:
            dtype = frame[column].dtype
            if isinstance(dtype, pd.DatetimeTZDtype):
                frame[column] = frame[column].dt.tz_convert(None)  # to UTC, then the zone dropped
    return frame


_PLAIN = frozenset({str, int, float, bool, type(None)})  # JSON-plain as they are (exact types: not a subclass)


def json_plain(value):
    """Metadata as JSON-plain data: Decimals as exact decimal text, tuples as lists, instants as
    ISO-8601 text, NumPy scalars as Python ones."""
    kind = type(value)  # the common exact types first: an estimate's attrs are ~50k values
    if kind in _PLAIN:
        return value
    if kind is dict:  # plain leaves kept without a call each
        return {k if type(k) is str else str(k): v if type(v) in _PLAIN else json_plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [v if type(v) in _PLAIN else json_plain(v) for v in value]
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dict):
        return {str(k): json_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(json_plain(v) for v in value)
    if isinstance(value, np.generic):  # before float: numpy's float64 is a float subclass
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is pd.NA:
        return None
    return str(value)


def plain_attrs(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with JSON-plain attrs (in place); returns the frame."""
    frame.attrs = quick_copies(json_plain(dict(frame.attrs)))
    return frame


class PlainDict(dict):
    """A dict in a frame's attrs whose deep copy is made in C. pandas deep-copies attrs on every operation
    (a column access, a filter, each step of a groupby): a 1,000-profile estimate's attrs["profiles"] (1.8 MB
    as JSON) took 0.06 s per copy through copy.deepcopy, about 0.005 s through pickle, which copies every
    type exactly (a NumPy value or a Decimal put in by hand too; marshal wrote NumPy values as raw bytes) and
    keeps shared parts shared. Pickled, dumped to YAML or copied, it is a plain dict (__reduce__, the YAML
    representers below), so nothing reading attrs needs costcalc; only the attrs' own copy is re-wrapped."""

    def __deepcopy__(self, memo: dict) -> PlainDict:
        return PlainDict(_deep_copy(self, memo))

    def __reduce__(self):
        return dict, (dict(self),)


class PlainList(list):
    """A list in a frame's attrs whose deep copy is made in C (see PlainDict)."""

    def __deepcopy__(self, memo: dict) -> PlainList:
        return PlainList(_deep_copy(self, memo))

    def __reduce__(self):
        return list, (list(self),)


def _deep_copy(value: PlainDict | PlainList, memo: dict):
    """A plain deep copy through pickle; through copy.deepcopy for what pickle refuses (a function, a lock
    put in by hand: copy.deepcopy shares or refuses those as it always did)."""
    try:
        return pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError):
        return copy.deepcopy(dict(value) if isinstance(value, dict) else list(value), memo)


for _dumper in (yaml.SafeDumper, yaml.Dumper):  # yaml.safe_dump(df.attrs) as with plain dicts and lists
    _dumper.add_representer(PlainDict, yaml.representer.SafeRepresenter.represent_dict)
    _dumper.add_representer(PlainList, yaml.representer.SafeRepresenter.represent_list)


def quick_copies(attrs: dict) -> dict:
    """attrs with each dict and list value as a PlainDict or PlainList: the same values, cheap to deep-copy."""
    return {k: PlainDict(v) if type(v) is dict else PlainList(v) if type(v) is list else v for k, v in attrs.items()}


def python_values(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every column as Python objects and None where a value is missing: what the text
    renderers format (a Decimal or None per cell)."""
    out = frame.astype(object)
    return out.where(out.notna(), None)


# -- estimate frames -------------------------------------------------------------------------------------

ESTIMATE_MONEY = ("tokens", "usd_per_mtok", "cost_usd")


def estimate_frame(frame: pd.DataFrame, cases: bool = False) -> pd.DataFrame:
    """A projection's frame as the library returns it: a `case` column (expected only unless `cases`),
    the `requests` column from attrs["requests"], exact decimal money, naive UTC instants and
    JSON-plain attrs (metadata numbers as decimal text, as in the canonical document)."""
    attrs = dict(frame.attrs)
    frame.attrs = {}  # pandas deep-copies attrs on every column access: none while the frame is built
    entries = attrs.pop("requests", [])
    ranged = "case" in frame.columns
    if not ranged:
        expected = pd.Categorical.from_codes(np.full(len(frame), CASES.index("expected"), dtype=np.int8),
                                             categories=list(CASES))
        # where a frame with ranges has it: after cost_usd
        where = list(frame.columns).index("cost_usd") + 1 if "cost_usd" in frame.columns else len(frame.columns)
        frame.insert(where, "case", expected)
    held = list(CASES) if cases and ranged else ["expected"]
    if held != list(CASES) and ranged:
        frame = frame[(frame["case"] == "expected").to_numpy()].reset_index(drop=True)
        if isinstance(entries, pd.DataFrame):
            entries = entries[(entries["case"] == "expected").to_numpy()].reset_index(drop=True)
        else:
            entries = [e for e in entries if e.get("case", "expected") == "expected"]
    frame = frame.copy(deep=False)
    frame[REQUESTS] = _requests_column(frame, entries)
    with_money(frame, ESTIMATE_MONEY, trusted=True)
    naive_utc(frame, ("period_start", "period_end"))
    for name in ("unpriced_calls", "over_limit_excluded"):  # what the totals leave out, per case
        attrs[name] = [e for e in attrs.get(name, []) if e.get("case", "expected") in held]
    attrs["cases"] = held
    frame.attrs = quick_copies(json_plain(attrs))
    return frame


def _run_starts(frame: pd.DataFrame) -> np.ndarray:
    """Row positions where a (profile, model, month, case) run of cost lines begins: the projection
    writes each run's lines together, and two runs in a row always differ in one of these."""
    n = len(frame)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    changed = np.zeros(n, dtype=bool)
    changed[0] = True
    for key in _RUN_KEYS:
        if key in frame.columns:
            codes = frame[key].array.codes if isinstance(frame[key].dtype, pd.CategoricalDtype) \
                else pd.factorize(frame[key])[0]
            changed[1:] |= codes[1:] != codes[:-1]
    return np.flatnonzero(changed)


def _requests_column(frame: pd.DataFrame, entries: list[dict] | pd.DataFrame) -> DecimalArray:
    """Each run's requests on its first line, zero elsewhere (see the module docstring). `entries`: a
    dict per run, or the projection's table of them (columns profile, model, month, case, requests).
    In run order (the projection's table): a deferred column whose Decimals are made when first read
    (_RunRequests), so a 2M-line frame holds 360k counts, not 2M objects."""
    starts = _run_starts(frame)
    if isinstance(entries, pd.DataFrame):
        counts = entries["requests"].to_numpy(dtype=object)
        if len(starts) == len(counts) and all(_same_at(frame, entries, key, starts) for key in _RUN_KEYS):
            return DecimalArray.deferred(len(frame), _RunRequests(len(frame), starts, counts))
        given = [_text_at(entries, key, np.arange(len(entries))) for key in _RUN_KEYS]
        listed = counts.tolist()
    else:
        given = [np.array([str(e.get(key, "expected") if key == "case" else e[key]) for e in entries], dtype=object)
                 for key in _RUN_KEYS]
        listed = [e["requests"] for e in entries]
    at = [_text_at(frame, key, starts) for key in _RUN_KEYS]
    if len(starts) == len(listed) and all(np.array_equal(a, g) for a, g in zip(at, given)):
        return DecimalArray.deferred(len(frame), _RunRequests(len(frame), starts, np.array(listed, dtype=object)))
    # not in run order (a hand-made frame): each on its run's first line, by key
    values = np.full(len(frame), Decimal(0), dtype=object)
    first = {key: i for key, i in reversed(list(zip(zip(*at), starts.tolist())))}
    for key, n in zip(zip(*given), listed):
        if key in first:
            values[first[key]] += Decimal(str(n))
    return DecimalArray(values)


class _RunRequests:
    """make() of a deferred requests column: `counts[i]` at row `starts[i]`, Decimal(0) on every other row
    (the values the eager column held: one shared Decimal(0), the counts as Decimals)."""

    def __init__(self, length: int, starts: np.ndarray, counts: np.ndarray):
        self.length, self.starts, self.counts = length, starts, counts

    def _decimals(self, counts: np.ndarray) -> list[Decimal]:
        return [n if isinstance(n, Decimal) else Decimal(str(n)) for n in counts.tolist()]

    def __call__(self) -> np.ndarray:
        values = np.full(self.length, Decimal(0), dtype=object)
        values[self.starts] = self._decimals(self.counts)
        return values

    def rows(self, positions: np.ndarray) -> np.ndarray:
        positions = np.asarray(positions, dtype=np.int64)
        values = np.full(len(positions), Decimal(0), dtype=object)
        if len(self.starts) and len(positions):
            run = np.minimum(np.searchsorted(self.starts, positions), len(self.starts) - 1)
            first = self.starts[run] == positions
            values[first] = self._decimals(self.counts[run[first]])
        return values


def _same_at(frame: pd.DataFrame, entries: pd.DataFrame, key: str, starts: np.ndarray) -> bool:
    """Whether the frame's `key` at the runs' first lines reads as the entries' `key`, row by row (as
    text, like _text_at). Two categoricals with text categories are compared by their codes."""
    ours, theirs = frame[key], entries[key]
    if isinstance(ours.dtype, pd.CategoricalDtype) and isinstance(theirs.dtype, pd.CategoricalDtype) and \
            _all_text(ours.cat.categories) and _all_text(theirs.cat.categories):
        # their codes as ours: a category we lack -> -2 (differs from every code, -1 (missing) too)
        where = ours.cat.categories.get_indexer(theirs.cat.categories)
        where[where < 0] = -2
        mapped = np.append(where, -1)[theirs.array.codes]  # code -1 (missing) stays -1
        if np.array_equal(ours.array.codes[starts], mapped):
            return True
    return bool(np.array_equal(_text_at(frame, key, starts), _text_at(entries, key, np.arange(len(entries)))))


def _all_text(categories: pd.Index) -> bool:
    return categories.inferred_type in ("string", "empty")


def _text_at(frame: pd.DataFrame, key: str, rows: np.ndarray) -> np.ndarray:
    """The column's values at `rows` as text (categoricals through their codes: no full materializing)."""
    column = frame[key]
    if isinstance(column.dtype, pd.CategoricalDtype):
        names = np.array([str(c) for c in column.cat.categories] + ["nan"], dtype=object)
        return names[column.array.codes[rows]]
    return np.array([str(v) for v in column.to_numpy()[rows]], dtype=object)


def requests(df: pd.DataFrame) -> pd.DataFrame:
    """Requests per profile, model, month and case of an estimate frame (one row per month in which
    the profile ran on the model; what cost per request divides by), in the frame's order."""
    if REQUESTS not in df.columns:
        raise ValueError("this frame has no `requests` column (costcalc.estimate frames have one)")
    carried = df[(df[REQUESTS] != 0).to_numpy()]
    keys = [k for k in _RUN_KEYS if k in df.columns]
    out = carried[keys + [REQUESTS]].reset_index(drop=True)
    for key in keys:
        out[key] = out[key].astype(str)
    out.attrs = {}
    return out


def requests_entries(df: pd.DataFrame) -> list[dict]:
    """meta.requests of the canonical document: {profile, model, month, case, requests} per run, the
    requests as exact decimal text."""
    if REQUESTS not in df.columns:
        return [{**r, "requests": plain_text(Decimal(str(r["requests"])))} for r in df.attrs.get("requests", [])]
    table = requests(df)
    columns = [table[k].tolist() if k in table.columns else ["expected"] * len(table) for k in _RUN_KEYS]
    return [{"profile": p, "model": m, "month": month, "case": c, "requests": plain_text(n)}
            for p, m, month, c, n in zip(*columns, table[REQUESTS].tolist())]


__all__ = ["CASES", "DecimalArray", "DecimalDtype", "PlainDict", "PlainList", "estimate_frame", "json_plain",
           "money_array", "naive_utc", "plain_attrs", "python_values", "quick_copies", "requests", "requests_entries",
           "with_money"]
