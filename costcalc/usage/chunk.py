"""What every usage-log reader shares: the chunk it yields, an empty normalized frame, opening a log (.gz too)
and the one-line reason of a file error."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .._files import open_regular
from ..errors import CostcalcError, Problem, _one_line
from .formats.columnar import typed_frame
from .schema import COLUMNS, SOURCE_COLUMNS

# What reading the file itself can raise: unreadable, a truncated .gz (EOFError), a corrupt one (zlib.error
# from inside the stream, BadGzipFile at its header).
FILE_ERRORS = (OSError, EOFError, gzip.BadGzipFile, zlib.error)


@dataclass
class UsageChunk:
    frame: pd.DataFrame  # normalized rows (schema.py), only good records
    records: int  # records seen in this chunk, good + bad
    problems: list[Problem]  # one per bad record


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
