"""The CSV chunker: a CSV usage log read with pandas in chunks of rows, every cell as text, each line capped,
lines numbered as the file has them, and a row with more cells than the header reported as a bad record."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from .._files import MIB
from ..errors import CostcalcError, Problem, shown
from .chunk import FILE_ERRORS, UsageChunk, open_binary, reason
from .formats.columnar import normalize_columns
from .formats.common import MISSING

# A CSV log's row is a few numbers, a model id and some tags: a row (or the header) above this is refused.
CSV_LINE_CAP = MIB
CSV_LINE_TOO_LONG = (f"a line longer than {CSV_LINE_CAP // MIB} MiB, the most a line of a CSV log (header or "
                     "row) may be; a row is a few numbers, a model and some tags")


class _LineTooLong(OSError):
    """A physical line of a CSV log above its cap; `line` is its number."""

    def __init__(self, line: int, message: str):
        super().__init__(0, message)
        self.line = line


class _CappedLines(io.RawIOBase):
    """A CSV log's bytes for pandas, refusing any physical line (the header too) above CSV_LINE_CAP as
    it goes: pandas would hold a 1 GB line, and every cell of it, in memory, for a minute. Per block
    read: two searches and a count of newlines, all in C."""

    def __init__(self, handle: io.BufferedIOBase):
        super().__init__()
        self._handle = handle
        self._line = 1  # the physical line the next byte belongs to
        self._run = 0  # bytes of that line read so far

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        # at most CSV_LINE_CAP bytes a block: a line inside one block is then never too long, and only
        # the line running on from the last block needs a check
        n = self._handle.readinto(memoryview(buffer)[:CSV_LINE_CAP])
        if not n:
            return n
        block = bytes(memoryview(buffer)[:n])
        first = block.find(b"\n")
        self._check(self._run + (n if first < 0 else first + 1))
        if first >= 0:
            self._line += block.count(b"\n")
            self._run = n - block.rfind(b"\n") - 1
        else:
            self._run += n
        return n

    def _check(self, length: int) -> None:
        if length > CSV_LINE_CAP:
            raise _LineTooLong(self._line, CSV_LINE_TOO_LONG)

    def close(self) -> None:
        self._handle.close()
        super().close()


def _capped_csv(path: Path) -> io.BufferedReader:
    """A CSV log opened for pandas: regular files only, .gz decompressed, lines capped."""
    return io.BufferedReader(_CappedLines(open_binary(path)), buffer_size=1 << 18)


def csv_header(path: Path) -> list[str]:
    try:
        with _capped_csv(path) as handle:
            names = list(pd.read_csv(handle, nrows=0, encoding="utf-8-sig", skip_blank_lines=False).columns)
        with _capped_csv(path) as handle:
            cells = pd.read_csv(handle, header=None, nrows=1, dtype=str, keep_default_na=False,
                                encoding="utf-8-sig", skip_blank_lines=False).iloc[0].tolist()
    except pd.errors.EmptyDataError:
        raise CostcalcError(f"{path}: empty file; a CSV usage log needs a header row") from None
    except _LineTooLong as exc:
        raise CostcalcError(f"{path}:{exc.line}: {exc.strerror}") from None
    except (*FILE_ERRORS, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise CostcalcError(f"{path}: cannot read as CSV: {reason(exc)}") from None
    repeated = sorted({c for c in cells if cells.count(c) > 1})
    if repeated:  # pandas would rename the second one (input_tokens.1) and read the first: silent
        raise CostcalcError(f"{path}:1: {shown(repeated[0])}: this column appears more than once in the header; "
                            "give each column once")
    return names


_SKIPPED = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")


def csv_chunks(path: Path, header: list[str], plan: dict[str, str], chunk_records: int
                ) -> Iterator[UsageChunk]:
    """CSV in chunks of rows, every cell read as text (so a model or tag "NA" stays "NA"; only empty
    cells are missing) and converted per column. Line numbers: the header is line 1 and blank lines are
    kept as rows (skip_blank_lines=False), so data rows count lines; a row with no text in any cell (a
    blank line, only commas) is not a record. A line with more cells than the header (1,000 written with
    a thousands separator) is a bad record: pandas skips it with a warning naming its line (all columns
    are read for that: `usecols` would silently cut such a line to the header's width), and each one
    becomes a Problem in the chunk that reaches its line (so a chunk may hold a few more than
    chunk_records records). Limitation: a quoted cell spanning several lines shifts the numbers of the
    rows after it (pandas does not report physical lines for rows)."""
    source = str(path)
    used = sorted(set(plan.values()))
    next_line = 2
    # (line, message) of too-long lines not yet reported. pandas handles a too-long FIRST data row apart
    # (it would take the extra cells as an index, or cut them with index_col=False): it is found by
    # looking at that row alone, and left out of the read.
    first_width = _first_row_width(path)
    skipped = [(2, _too_long_rule(first_width, len(header)))] if first_width > len(header) else []
    handle = _capped_csv(path)
    reader = pd.read_csv(handle, chunksize=chunk_records, dtype=str, keep_default_na=False, na_values=[""],
                         encoding="utf-8-sig", skip_blank_lines=False, index_col=False,
                         on_bad_lines="warn", skiprows=[1] if skipped else None)
    try:
        while True:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                df = next(reader, None)
            skipped.extend(_too_long(path, caught))
            if df is None:
                break
            lines = _row_lines(next_line, len(df), {line for line, _ in skipped})
            next_line = int(lines[-1]) + 1 if len(lines) else next_line
            yield from _csv_chunk(source, df[used], lines, plan, [s for s in skipped if s[0] < next_line])
            skipped = [s for s in skipped if s[0] >= next_line]
        if skipped:
            yield from _csv_chunk(source, pd.DataFrame(columns=used, dtype="str"), np.zeros(0, np.int64), plan,
                                  skipped)
    except _LineTooLong as exc:
        raise CostcalcError(f"{path}:{exc.line}: {exc.strerror}") from None
    except (*FILE_ERRORS, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise CostcalcError(f"{path}: cannot read as CSV after line {next_line - 1}: {reason(exc)}") from None
    finally:
        reader.close()
        handle.close()


def _too_long(path: Path, caught: list) -> list[tuple[int, str]]:
    """(line, message) of each line pandas skipped for having more cells than the header."""
    found: list[tuple[int, str]] = []
    for warning in caught:
        if not issubclass(warning.category, pd.errors.ParserWarning):
            continue
        text = str(warning.message)
        matches = _SKIPPED.findall(text)
        if not matches:  # a warning costcalc does not know: never drop the lines it may be about
            raise CostcalcError(f"{path}: cannot read as CSV: {text.strip()}")
        found.extend((int(line), _too_long_rule(int(saw), int(expected))) for line, expected, saw in matches)
    return found


def _too_long_rule(cells: int, header: int) -> str:
    return (f"{cells} cells, the header has {header}; a number written with a thousands separator "
            "(1,000), or text with a comma and no quotes?")


def _first_row_width(path: Path) -> int:
    """The number of cells on line 2 (0 when it is blank or absent)."""
    try:
        with _capped_csv(path) as handle:
            first = pd.read_csv(handle, header=None, skiprows=1, nrows=1, dtype=str, skip_blank_lines=False,
                                encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        return 0
    except _LineTooLong as exc:
        raise CostcalcError(f"{path}:{exc.line}: {exc.strerror}") from None
    except (*FILE_ERRORS, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise CostcalcError(f"{path}: cannot read as CSV: {reason(exc)}") from None
    return first.shape[1]


def _row_lines(first: int, rows: int, skipped: set[int]) -> np.ndarray:
    """The lines of `rows` consecutive data rows from line `first`, stepping over skipped lines."""
    lines = np.arange(first, first + rows + len(skipped), dtype=np.int64)
    if skipped:
        lines = lines[~np.isin(lines, np.fromiter(skipped, dtype=np.int64))]
    return lines[:rows]


def _csv_chunk(source: str, df: pd.DataFrame, lines: np.ndarray, plan: dict[str, str],
               too_long: list[tuple[int, str]]) -> Iterator[UsageChunk]:
    """One chunk of CSV rows (blank rows left out) plus the too-long lines it reached; none if empty."""
    record = ~df.isna().all(axis=1).to_numpy()
    if not record.all():
        df, lines = df[record].reset_index(drop=True), lines[record]
    frame, problems = normalize_columns(df.reset_index(drop=True), plan, source, lines)
    if too_long:
        problems = sorted(problems + [Problem(source, line, "", MISSING, message) for line, message in too_long],
                          key=lambda p: p.line or 0)
    if len(df) or problems:
        yield UsageChunk(frame, len(df) + len(too_long), problems)

