"""Count the tokens of files, folders and globs for several models: the I/O edge of token counting.

Files are counted as a stream, in bounded memory whatever their size: read a few MiB at a time, decoded
as UTF-8 on the way, and cut only after a line break that text follows (a newline, then a character that
is not whitespace). Such a cut is a boundary of both tokenizers' pre-tokenization (o200k's and DeepSeek
V4's patterns: no piece runs across a newline into text, and no piece ending there looks past it), so
the counts of the stretches add up exactly to the count of the whole file (tests/test_tokens_stream.py
checks it on the mixed-language corpus). A stretch with no such break in MAX_UNBROKEN_BYTES (a huge
one-line file) cannot be cut exactly, so it is refused, saying so, rather than held whole.
"""

from __future__ import annotations

import codecs
import glob
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple

from .._files import MIB, open_regular
from ..prices import PriceTable, lookup
from .count import base_count, tokenizer_for
from .tokenizers import Tokenizer

_BINARY_PROBE = 8192
READ_BYTES = 4 * MIB  # read (and decoded) at once
MAX_UNBROKEN_BYTES = 64 * MIB  # the longest stretch counted whole: a line break followed by text ends one
UNBROKEN = (f"more than {MAX_UNBROKEN_BYTES // MIB} MiB without a line break followed by text; costcalc counts "
            "a file a stretch at a time, cut after line breaks, so counts stay exact in bounded memory: split it "
            "after a line break (the parts' counts add up to the whole's)")
COLUMNS = ["path", "model", "tokenizer", "tokens", "bytes", "exact", "low", "high"]


class TokenRow(NamedTuple):
    path: str
    model: str
    tokenizer: str
    tokens: int
    bytes: int
    exact: bool
    low: int
    high: int


@dataclass(frozen=True)
class FileProblem:
    path: str
    message: str
    skipped: bool  # True: a binary file passed over (a note); False: a failure (exit status 1)


def expand(paths: Iterable[str]) -> tuple[list[Path], list[FileProblem]]:
    """Files named, found under folders (recursively, sorted), or matched by globs."""
    files: list[Path] = []
    problems: list[FileProblem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, names in os.walk(path):  # does not follow symlinked folders: no loops
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                # regular files only: a FIFO or a device in the folder would block the read forever
                files.extend(Path(root) / n for n in sorted(names)
                             if not n.startswith(".") and (Path(root) / n).is_file())
        elif path.is_file():
            files.append(path)
        elif path.exists():
            problems.append(FileProblem(raw, "not a regular file (a device, FIFO or socket)", False))
        elif glob.has_magic(raw):
            matched = sorted(glob.glob(raw, recursive=True))
            files.extend(Path(m) for m in matched if Path(m).is_file())
            if not matched:
                problems.append(FileProblem(raw, "no file matches this pattern", False))
        else:
            problems.append(FileProblem(raw, "no such file or folder", False))
    return list(dict.fromkeys(files)), problems


class TextProblem(Exception):
    """A file that cannot be counted: `message` says why, `skipped` is True for a binary file (a note)."""

    def __init__(self, message: str, skipped: bool = False):
        super().__init__(message)
        self.message, self.skipped = message, skipped


def text_stretches(handle: IO[bytes]) -> Iterator[tuple[str, int]]:
    """(text, bytes it came from) stretches of a binary stream, each cut after a line break followed by
    text (see the module docstring), in order. Raises TextProblem for a binary file (a NUL in its first
    8 KiB), bad UTF-8 (naming the byte) or a stretch above MAX_UNBROKEN_BYTES."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    pending: list[str] = []  # text read since the last cut
    pending_bytes = 0
    offset = 0  # bytes read before this block
    while True:
        data = handle.read(READ_BYTES)
        if offset == 0 and b"\0" in data[:_BINARY_PROBE]:
            raise TextProblem("binary file, skipped", skipped=True)
        try:
            text = decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise TextProblem(f"not UTF-8 text (byte {offset + exc.start}: {exc.reason})") from None
        offset += len(data)
        if not data:
            if pending:
                yield "".join(pending), pending_bytes
            return
        cut = _last_break(text)
        if cut < 0:
            pending.append(text)
            pending_bytes += len(data)
            if pending_bytes > MAX_UNBROKEN_BYTES:
                raise TextProblem(UNBROKEN)
            continue
        stretch = "".join((*pending, text[:cut]))
        yield stretch, len(stretch.encode("utf-8"))  # the bytes it was decoded from, exactly
        pending = [text[cut:]]
        pending_bytes = len(pending[0].encode("utf-8"))


def _last_break(text: str) -> int:
    """The index just after the last newline of `text` that a non-whitespace character follows, or -1.
    (Python's isspace covers every Unicode White_Space character the tokenizers' \\s matches, and a few
    more: a stretch is cut less often, never at a wrong place.)"""
    end = len(text)
    while True:
        found = text.rfind("\n", 0, end)
        if found < 0:
            return -1
        if found + 1 < len(text) and not text[found + 1].isspace():
            return found + 1
        end = found


def count_stream(handle: IO[bytes], encodings: Iterable[tuple[str, Tokenizer]],
                 progress: Callable[[int], None] | None = None) -> tuple[dict[str, int], int]:
    """({encoding: base tokens}, bytes) of a whole stream, counted a stretch at a time; `encodings` are
    (encoding name, a tokenizer using it) pairs. Raises TextProblem."""
    counts = {name: 0 for name, _ in encodings}
    total = 0
    for text, size in text_stretches(handle):
        for name, tokenizer in encodings:
            counts[name] += base_count(text, tokenizer)
        total += size
        if progress is not None:
            progress(size)
    return counts, total


def count_texts(table: PriceTable, named_texts: Iterable[tuple[str, str]], models: list[str],
                progress: Callable[[int], None] | None = None) -> list[TokenRow]:
    """One row per text and model. Each base encoding runs once per text, whatever the models."""
    tokenizers = [(lookup(table, m).id, tokenizer_for(table, m)) for m in models]
    rows = []
    for name, text in named_texts:
        size = len(text.encode("utf-8"))
        base: dict[str, int] = {}
        for model_id, tokenizer in tokenizers:
            if tokenizer.encoding not in base:
                base[tokenizer.encoding] = base_count(text, tokenizer)
            tokens, low, high = tokenizer.scale(base[tokenizer.encoding])
            rows.append(TokenRow(name, model_id, tokenizer.name, tokens, size, tokenizer.exact, low, high))
        if progress is not None:
            progress(size)
    return rows


def count_handle(table: PriceTable, name: str, handle: IO[bytes], models: list[str],
                 progress: Callable[[int], None] | None = None) -> list[TokenRow]:
    """One row per model for a whole binary stream (a file, stdin), counted a stretch at a time. Raises
    TextProblem."""
    tokenizers = [(lookup(table, m).id, tokenizer_for(table, m)) for m in models]
    encodings = list({t.encoding: t for _, t in tokenizers}.items())
    counts, size = count_stream(handle, encodings, progress)
    rows = []
    for model_id, tokenizer in tokenizers:
        tokens, low, high = tokenizer.scale(counts[tokenizer.encoding])
        rows.append(TokenRow(name, model_id, tokenizer.name, tokens, size, tokenizer.exact, low, high))
    return rows


def count_files(table: PriceTable, paths: Iterable[str], models: list[str],
                progress: Callable[[int], None] | None = None) -> tuple[list[TokenRow], list[FileProblem]]:
    """Counts per file and model, and the files skipped (binary) or failed, in the order met. Each file
    is counted as a stream (count_handle): memory stays bounded whatever its size."""
    files, problems = expand(paths)
    rows = []
    for path in files:
        try:
            with open_regular(path) as handle:
                rows += count_handle(table, str(path), handle, models, progress)
        except OSError as exc:
            problems.append(FileProblem(str(path), f"cannot read: {exc.strerror or exc}", False))
        except TextProblem as exc:
            problems.append(FileProblem(str(path), exc.message, exc.skipped))
            if progress is not None:
                progress(_size(path))
    return rows, problems


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
