"""What every usage-log reader shares: the chunk it yields, an empty normalized frame, opening a log (.gz too)
and the one-line reason of a file error."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._files import open_regular
from ..errors import CostcalcError, Problem, _one_line
from .formats.columnar import typed_frame
from .formats.common import MISSING, MODEL_MISSING
from .schema import COLUMNS, FRAME_SOURCE, SOURCE_COLUMNS

# What reading the file itself can raise: unreadable, a truncated .gz (EOFError), a corrupt one (zlib.error
# from inside the stream, BadGzipFile at its header).
FILE_ERRORS = (OSError, EOFError, gzip.BadGzipFile, zlib.error)


@dataclass
class UsageChunk:
    frame: pd.DataFrame  # normalized rows (schema.py), only good records
    records: int  # records seen in this chunk, good + bad
    problems: list[Problem]  # one per bad record


def with_names(chunk: UsageChunk) -> UsageChunk:
    """The chunk as the pricers take it. A frame made by hand may lack a record's provider or model, which a
    reader's never does; both engines read them as the readers do: no provider is "", a record with no model
    is reported (`model: missing; ...`, at its line: a frame without a `line` column gets one, so that the
    rows after it keep theirs)."""
    frame = chunk.frame
    if not len(frame) or "model" not in frame or "provider" not in frame:
        return chunk  # pricing says what is wrong with such a frame
    if not _any_missing(frame["model"]) and not _any_missing(frame["provider"]):
        return chunk
    no_model = frame["model"].isna().to_numpy()
    no_provider = frame["provider"].isna().to_numpy()
    if no_provider.any():
        frame = frame.assign(provider=frame["provider"].astype(object).where(~no_provider, ""))
    if not no_model.any():
        return UsageChunk(frame, chunk.records, chunk.problems)
    if "line" not in frame:
        frame = frame.assign(line=np.arange(1, len(frame) + 1, dtype=np.int64))
    rows = np.flatnonzero(no_model)
    sources = frame["source"].iloc[rows].astype(str).tolist() if "source" in frame else [FRAME_SOURCE] * len(rows)
    problems = [Problem(source, int(line), "model", MISSING, MODEL_MISSING)
                for source, line in zip(sources, frame["line"].iloc[rows].tolist())]
    return UsageChunk(frame.loc[~no_model], chunk.records, chunk.problems + problems)


def _any_missing(column: pd.Series) -> bool:
    """Whether a text column lacks a value anywhere; a reader's (a Categorical, or Arrow text) is looked at
    without a mask per row (fresh memory for every chunk of every run)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return bool(column.cat.codes.to_numpy().min(initial=0) < 0)
    if getattr(column.dtype, "storage", None) == "pyarrow" and hasattr(column.array, "__arrow_array__"):
        return bool(column.array.__arrow_array__().null_count)
    return bool(column.hasnans)


def empty_frame(tags: Iterable[str] = ()) -> pd.DataFrame:
    """A normalized frame with no rows (every column with its dtype)."""
    return typed_frame({name: [] for name in COLUMNS + SOURCE_COLUMNS + tuple(sorted(tags))}, 0)


def suffixes(path: Path) -> tuple[str, bool]:
    """(format suffix, gzipped) e.g. logs.jsonl.gz -> (".jsonl", True)."""
    name = path.name.lower()
    gz = name.endswith(".gz")
    return Path(name[:-3] if gz else name).suffix, gz



def open_binary(path: Path) -> io.BufferedIOBase:
    try:
        handle = open_regular(path)
    except OSError as exc:
        raise CostcalcError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return gzip.GzipFile(fileobj=handle, mode="rb") if suffixes(path)[1] else handle



def reason(exc: Exception) -> str:
    """The first line of an exception's text, control characters escaped (pyarrow quotes raw bytes)."""
    return _one_line((getattr(exc, "strerror", None) or str(exc) or type(exc).__name__).splitlines()[0])
