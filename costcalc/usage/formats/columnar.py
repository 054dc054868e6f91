"""Columnar usage (CSV, Parquet, a DataFrame in memory) normalized with numpy masks: no Python loop over
good rows; a Problem is built only for each bad row (the first thing wrong with it, in column order).

Columns are named by the schema (schema.py) or mapped with `mapping` {schema name: source column}.
Besides the schema names a mapping (or a column so named) may give the inclusive counts
`prompt_tokens` (all input: uncached + cached + cache writes, so input_tokens = prompt_tokens - cached -
writes) and `completion_tokens` (output including reasoning: output_tokens = completion_tokens -
reasoning), and `tag:NAME=column`. Unmapped columns named like schema columns are taken as they are,
and columns already named `tag:*` pass through.

Cells:
  timestamp       ISO-8601 text (Z or an offset; naive = UTC) or a number = unix seconds (>= 10^8);
                  datetime columns as they are (naive = UTC); years 1970-2262 (instants.py)
  model           required, kept as logged
  provider        absent or blank = ""
  counts          whole numbers >= 0 (12.0 is fine); input/prompt and output/completion are required in
                  every row, the cache and reasoning columns may be blank (= 0); so may the tool call
                  columns (web_search_calls, web_fetch_calls, code_execution_calls), which are 0 when
                  the file has no such column
  service_tier    standard, batch, flex, priority (and default/auto = standard, fast = priority);
                  blank = standard; scale is refused (prepaid capacity)
  residency       true/false, 1/0, yes/no (any case); blank = false
  tag:NAME        text; blank = ""; numbers and true/false as the JSON readers write them (7, not 7.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ...errors import CostcalcError, Problem, _one_line
from ..schema import COLUMNS, COUNT_COLUMNS, TAG_PREFIX, TOOL_COLUMNS
from .common import (CALLS_RULE, COUNT_RULE, MAX_TOKENS, MISSING, MODEL_MISSING, SCALE_MESSAGE, TIER_OF, TIER_RULE,
                     TOO_MANY_CALLS, TOO_MANY_TOKENS, tag_text)
from .instants import INSTANT_RULE, column_ns

INCLUSIVE = ("prompt_tokens", "completion_tokens")
TARGETS = COLUMNS + INCLUSIVE
_OPTIONAL_COUNTS = ("cached_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "reasoning_tokens") \
    + TOOL_COLUMNS
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def check_target(target: str, where: str) -> None:
    """A mapping target must be a schema column, prompt_tokens/completion_tokens or tag:NAME."""
    if target in TARGETS or (target.startswith(TAG_PREFIX) and len(target) > len(TAG_PREFIX)):
        return
    raise CostcalcError(f"{where}: {target!r} is not a usage column; map one of "
                        f"{', '.join(TARGETS)} or tag:NAME")


def plan_columns(columns: list, mapping: dict[str, str] | None, source: str) -> dict[str, str]:
    """{schema name: source column} for a file's header: the mapping, then columns named like the schema.
    Raises CostcalcError (one line naming the file) for a mapped column that is not there, two columns
    for one count, or a required column missing."""
    names = [c for c in columns if isinstance(c, str)]
    plan: dict[str, str] = {}
    for target, column in (mapping or {}).items():
        check_target(target, f"{source}: --map {target}={column}")
        if column not in names:
            raise CostcalcError(f"{source}: --map {target}={column}: no column {column!r} "
                                f"(columns: {_listed(names)})")
        plan[target] = column
    used = set(plan.values())
    for name in names:
        if name not in used and name not in plan and (name in TARGETS or name.startswith(TAG_PREFIX)):
            plan[name] = name
    for exclusive, inclusive in (("input_tokens", "prompt_tokens"), ("output_tokens", "completion_tokens")):
        if exclusive in plan and inclusive in plan:
            raise CostcalcError(f"{source}: both {exclusive} (column {plan[exclusive]!r}) and {inclusive} "
                                f"(column {plan[inclusive]!r}) given; use one: {inclusive} includes the "
                                "cached/reasoning tokens, " f"{exclusive} does not")
    for needed in (("timestamp",), ("model",), ("input_tokens", "prompt_tokens"),
                   ("output_tokens", "completion_tokens")):
        if not any(n in plan for n in needed):
            raise CostcalcError(f"{source}: no {' or '.join(needed)} column; name one with "
                                f"--map {needed[0]}=COLUMN (columns: {_listed(names)})")
    return plan


def _listed(names: list[str]) -> str:
    """Column names for an error line: the first 20, each one line and cut to 40 characters (a header
    may hold control characters or a megabyte-long name)."""
    if not names:
        return "none"
    shown_names = [_one_line(str(n)) if len(str(n)) <= 40 else _one_line(str(n)[:39]) + "…" for n in names[:20]]
    return ", ".join(shown_names) + (", ..." if len(names) > 20 else "")


class _Checker:
    """Collects one Problem per bad row: the first check a row fails wins. `source` is one file for every
    row, or one per row (a frame from read_usage holding several files)."""

    def __init__(self, source: str | np.ndarray, lines: np.ndarray):
        self.source, self.lines = source, lines
        self.bad = np.zeros(len(lines), dtype=bool)
        self.found: list[tuple[int, Problem]] = []  # (row, problem)

    def flag(self, mask: np.ndarray, key: str, raw: pd.Series | None, message: str) -> None:
        new = mask & ~self.bad
        if not new.any():
            return
        for i in np.flatnonzero(new):  # bad rows only
            value = MISSING if raw is None else _plain(raw.iloc[i])
            source = self.source if isinstance(self.source, str) else self.source[i]
            self.found.append((int(i), Problem(source, int(self.lines[i]), key, value, message)))
        self.bad |= new

    def problems(self) -> list[Problem]:
        """In row order, which is line order within a file."""
        return [problem for _, problem in sorted(self.found, key=lambda found: found[0])]


def _plain(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return MISSING
    return value.item() if isinstance(value, np.generic) else value


def normalize_columns(df: pd.DataFrame, plan: dict[str, str], source: str | np.ndarray, lines: np.ndarray
                      ) -> tuple[pd.DataFrame, list[Problem]]:
    """Normalized frame of the good rows and one Problem per bad row (in row order). `source`: the file,
    or one per row (a frame read from several files)."""
    check = _Checker(source, lines)
    out: dict[str, object] = {}
    model = df[plan["model"]]
    model_missing = _blank(model)
    check.flag(model_missing, plan["model"], None, MODEL_MISSING)
    out["timestamp"] = _timestamps(df[plan["timestamp"]], plan["timestamp"], check)
    counts = {name: _counts(df, plan, name, check) for name in COUNT_COLUMNS + TOOL_COLUMNS + INCLUSIVE
              if name in plan}
    for name in _OPTIONAL_COUNTS:
        counts.setdefault(name, np.zeros(len(df), dtype=np.int64))
    writes = counts["cached_tokens"] + counts["cache_write_5m_tokens"] + counts["cache_write_1h_tokens"]
    if "prompt_tokens" in counts:
        counts["input_tokens"] = counts.pop("prompt_tokens") - writes
        check.flag(counts["input_tokens"] < 0, plan["prompt_tokens"], df[plan["prompt_tokens"]],
                   "less than cached + cache-write tokens, which prompt_tokens includes")
    if "completion_tokens" in counts:
        counts["output_tokens"] = counts.pop("completion_tokens") - counts["reasoning_tokens"]
        check.flag(counts["output_tokens"] < 0, plan["completion_tokens"], df[plan["completion_tokens"]],
                   "less than reasoning_tokens, which completion_tokens includes")
    tiers = _tiers(df, plan, check)
    residency = _residency(df, plan, check)

    keep = ~check.bad
    every = bool(keep.all())  # the usual case: no filtering copy of each column

    def kept(values):
        return values if every else values[keep]

    frame = {"timestamp": kept(out["timestamp"]),
             "provider": kept(_text(df[plan["provider"]])) if "provider" in plan else "",
             "model": kept(_text(model))}
    for name in COUNT_COLUMNS + TOOL_COLUMNS:
        frame[name] = kept(counts[name])
    frame["service_tier"] = kept(tiers)
    frame["residency"] = kept(residency)
    frame["source"] = source if isinstance(source, str) else kept(source)
    frame["line"] = kept(lines).astype(np.int64, copy=False)
    for target in sorted(t for t in plan if t.startswith(TAG_PREFIX)):
        frame[target] = kept(_tag_texts(df[plan[target]]))
    return typed_frame(frame, int(keep.sum())), check.problems()


# A column's values: a list, tuple or numpy array, a pandas Categorical, or one text for every row.
Column = Sequence[Any] | np.ndarray | str


def typed_frame(columns: Mapping[str, Column | pd.Series], rows: int, copy: bool = True) -> pd.DataFrame:
    """A DataFrame with the schema's dtypes from plain columns (lists, tuples or numpy arrays; a Series is
    taken as it is); a str value instead of a sequence is that text in every row (source, a format's
    provider). copy=False: numpy arrays of the right dtype become the frame's columns as they are, for
    arrays made for this frame only (pandas would copy each one twice: into a Series, then into one
    block per dtype; fresh memory is slow on a VM that takes freed pages back)."""
    return pd.DataFrame({name: _series(name, values, rows, copy) for name, values in columns.items()},
                        copy=copy)


def _series(name: str, values: Column | pd.Series, rows: int, copy: bool = True) -> pd.Series:
    dtype = _dtype(name)
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, pd.Categorical):  # text through its distinct values (see _distinct)
        return pd.Series(values)
    if isinstance(values, str):  # one text for every row (a file name, a format's provider)
        return pd.Series(pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), categories=[values]))
    if dtype == "str" and not isinstance(values, np.ndarray):
        # numpy copies a tuple of str into an object array fastest by slice assignment (np.array(...)
        # inspects every element as a possible nested sequence)
        array = np.empty(len(values), dtype=object)
        array[:] = values
        values = array
    return pd.Series(values, dtype=dtype, copy=copy)


def _dtype(name: str) -> str:
    if name == "timestamp":
        return "datetime64[ns, UTC]"
    if name in COUNT_COLUMNS or name in TOOL_COLUMNS or name == "line":
        return "int64"
    if name == "residency":
        return "bool"
    return "str"


# Text columns are handled through their distinct values (pd.factorize: a C pass, fast on Arrow strings):
# checks and conversions run once per distinct value, and the output is a Categorical of codes, so a
# 10-million-row frame never becomes 10 million Python strings (a model or tier column has a handful).

def _distinct(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(code per row, -1 where missing; the distinct values as an object array)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def _per_row(codes: np.ndarray, per_value: list, missing) -> np.ndarray:
    """A per-distinct-value result spread to the rows; `missing` for rows with no value."""
    table = np.empty(len(per_value) + 1, dtype=object if not isinstance(missing, (bool, np.bool_)) else bool)
    table[:len(per_value)] = per_value
    table[-1] = missing
    return table[codes]  # code -1 picks the last entry


def _categorical(codes: np.ndarray, texts: list[str], missing: str = "") -> pd.Categorical:
    """Rows as a Categorical of `texts` (one per distinct value; equal texts share a category)."""
    categories = list(dict.fromkeys(texts + [missing]))
    index = {text: i for i, text in enumerate(categories)}
    remap = np.array([index[t] for t in texts] + [index[missing]], dtype=np.int64)
    return pd.Categorical.from_codes(remap[codes], categories=categories)


def _blank(column: pd.Series) -> np.ndarray:
    codes, uniques = _distinct(column)
    return _per_row(codes, [isinstance(u, str) and not u.strip() for u in uniques], True)


def _text(column: pd.Series) -> pd.Categorical:
    """Text cells (blank = "") as a Categorical."""
    codes, uniques = _distinct(column)
    return _categorical(codes, [str(u) for u in uniques])


def _tag_texts(column: pd.Series) -> pd.Categorical:
    """Tag cells as text, the same text as a JSON reader gives for the same value (common.tag_text):
    true/false lowercase, whole numbers without ".0" (an int column with nulls arrives as float)."""
    codes, uniques = _distinct(column)
    return _categorical(codes, [_cell_text(u) for u in uniques])


def _cell_text(value: object) -> str:
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and value == np.floor(value) \
            and abs(value) < 2 ** 53:
        return str(int(value))
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    text = tag_text(value.item() if isinstance(value, np.generic) else value)
    return str(value) if text is None else text


_PLAIN_COUNT = r"[0-9]+(?:\.0*)?"


def _counts(df: pd.DataFrame, plan: dict[str, str], name: str, check: _Checker) -> np.ndarray:
    raw = df[plan[name]]
    missing = raw.isna().to_numpy()
    if pd.api.types.is_bool_dtype(raw.dtype):
        number = np.full(len(raw), np.nan)  # true/false is not a token count
    else:
        number = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        invalid = ~missing & ~(np.isfinite(number) & (number >= 0) & (number < MAX_TOKENS)
                               & (number == np.floor(number)))
        too_many = invalid & np.isfinite(number) & (number >= MAX_TOKENS)
    if raw.dtype == object or pd.api.types.is_string_dtype(raw.dtype):
        # Text cells (CSV) are counts only as plain digits: to_numeric reads "1e3" as 1000 and
        # "1.0000000000000001" as exactly 1 (float), a silent guess either way. "1000.0", as a
        # spreadsheet or pandas writes a whole number, is still a count.
        text = raw.astype("str").str.strip()
        invalid |= ~missing & ~text.str.fullmatch(_PLAIN_COUNT).fillna(False).to_numpy(dtype=bool)
    required = name not in _OPTIONAL_COUNTS
    tool = name in TOOL_COLUMNS
    if required:
        check.flag(missing, plan[name], None, "missing; " + COUNT_RULE)
    # the JSON readers' messages (common._slow_count)
    check.flag(too_many, plan[name], raw, TOO_MANY_CALLS if tool else TOO_MANY_TOKENS)
    check.flag(invalid, plan[name], raw, CALLS_RULE if tool else COUNT_RULE)
    # float64 holds every count below 10^15 exactly; bad and blank cells become 0 (bad rows are dropped)
    return np.where(missing | invalid, 0, number).astype(np.int64)


def _timestamps(raw: pd.Series, key: str, check: _Checker) -> np.ndarray:
    """datetime64[ns] UTC wall time (0 where bad); flags missing and bad cells (instants.py)."""
    missing = raw.isna().to_numpy()
    check.flag(missing, key, None, "missing; a record needs a timestamp (ISO-8601 or unix seconds)")
    ns, good = column_ns(raw)
    check.flag(~missing & ~good, key, raw, INSTANT_RULE)
    return ns.view("datetime64[ns]")  # typed_frame marks it UTC


def _tiers(df: pd.DataFrame, plan: dict[str, str], check: _Checker):
    n = len(df)
    if "service_tier" not in plan:
        return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=["standard"])
    raw = df[plan["service_tier"]]
    codes, uniques = _distinct(raw)
    named = [str(u).strip().lower() for u in uniques]
    tiers = [TIER_OF.get(name) for name in named]
    unknown = _per_row(codes, [t is None for t in tiers], TIER_OF.get("") is None)
    scale = _per_row(codes, [name == "scale" for name in named], False)
    check.flag(unknown & scale, plan["service_tier"], raw, SCALE_MESSAGE)
    check.flag(unknown, plan["service_tier"], raw, "unknown service tier; " + TIER_RULE)
    return _categorical(codes, [t or "standard" for t in tiers], TIER_OF.get("") or "standard")


def _residency(df: pd.DataFrame, plan: dict[str, str], check: _Checker) -> np.ndarray:
    n = len(df)
    if "residency" not in plan:
        return np.zeros(n, dtype=bool)
    raw = df[plan["residency"]]
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.fillna(False).to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(raw.dtype):
        number = raw.to_numpy(dtype="float64", na_value=0.0)
        check.flag(~np.isin(number, (0.0, 1.0)), plan["residency"], raw, "must be true or false (or 1/0)")
        return number == 1.0
    text = raw.astype("str").str.strip().str.lower().where(raw.notna(), "")
    yes, no = text.isin(_TRUE).to_numpy(), text.isin(_FALSE).to_numpy()
    check.flag(~yes & ~no, plan["residency"], raw, "must be true or false (yes/no, 1/0; blank = false)")
    return yes
