"""Logged timestamps -> int64 unix nanoseconds, for every reader (JSON lines per chunk, CSV, Parquet,
DataFrames), with one rule and one message.

An instant must fall in 1970-01-01 .. 2262-04-11 (the range of datetime64[ns], the schema's dtype). Each
value is checked in the unit it was parsed in (pandas 3 parses ISO-8601 text to microseconds or seconds
when that is all the text holds, and Parquet stores microseconds), before anything is scaled to
nanoseconds: a cast of 2999-01-01 to datetime64[ns] raises instead of giving a bad record.

A number is unix seconds, and only from 10^8 (1973-03-03) on: a smaller number is not the time of an API
request (a year such as 2026, a row number, a count in the wrong column), and reading it as seconds
would give an instant in the first days of 1970 that looks valid. It is a bad record instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NS_PER_S = 1_000_000_000
MAX_NS = 2 ** 63 - 1  # datetime64[ns] ends in 2262
MIN_SECONDS = 100_000_000  # 1973-03-03T09:46:40Z
MAX_SECONDS = MAX_NS // NS_PER_S
INSTANT_RULE = ("must be an ISO-8601 instant like 2026-05-31T15:58:00Z (years 1970-2262) or unix seconds "
                f"({MIN_SECONDS} to {MAX_SECONDS}, years 1973-2262)")


def text_ns(values: list) -> tuple[np.ndarray, np.ndarray]:
    """ISO-8601 text (Z or an offset; naive = UTC) -> (unix ns, good mask); unparseable text is bad."""
    parsed = pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601", utc=True, errors="coerce")
    # to_numpy with the Series' own unit: UTC values, no cast that could overflow
    return datetimes_ns(parsed.to_numpy(dtype=f"datetime64[{parsed.dt.unit}]"))


def datetimes_ns(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """datetime64 values of any unit (NaT allowed) -> (unix ns, good mask), range-checked in that unit."""
    unit, _ = np.datetime_data(values.dtype)
    # numpy's stubs accept only unit literals here; `unit` is a str read from the array's own dtype
    scale = int(np.timedelta64(1, unit) // np.timedelta64(1, "ns"))  # type: ignore[call-overload]
    raw = values.view(np.int64)
    good = (raw >= 0) & (raw <= MAX_NS // scale)  # NaT is the smallest int64: bad
    return np.where(good, raw, 0) * scale, good


def seconds_ns(seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unix seconds (float64, NaN allowed) -> (unix ns, good mask)."""
    with np.errstate(invalid="ignore"):
        good = np.isfinite(seconds) & (seconds >= MIN_SECONDS) & (seconds <= MAX_SECONDS)
    ns = np.round(np.where(good, seconds, 0) * NS_PER_S).astype(np.int64)
    whole = good & (seconds == np.floor(seconds))
    ns[whole] = seconds[whole].astype(np.int64) * NS_PER_S  # exact: float64 holds whole seconds exactly
    return ns, good


def column_ns(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column of timestamps -> (unix ns, good mask): datetime columns as they are (naive = UTC), numbers
    (and numeric text, as CSV gives them) = unix seconds, other text ISO-8601; true/false is bad."""
    n = len(raw)
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        return datetimes_ns(raw.to_numpy(dtype=f"datetime64[{raw.dt.unit}]"))  # as UTC
    if pd.api.types.is_datetime64_dtype(raw.dtype):
        return datetimes_ns(raw.to_numpy())
    if pd.api.types.is_bool_dtype(raw.dtype):
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    if pd.api.types.is_numeric_dtype(raw.dtype):
        return seconds_ns(raw.to_numpy(dtype="float64", na_value=np.nan))
    seconds = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    ns, good = seconds_ns(seconds)
    text = np.isnan(seconds) & raw.notna().to_numpy()
    if text.any():
        ns[text], good[text] = text_ns(raw[text].tolist())
    return ns, good
