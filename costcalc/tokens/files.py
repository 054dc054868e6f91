"""Count the tokens of files, folders and globs for several models: the I/O edge of token counting."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

from .._files import read_regular
from ..prices import PriceTable, lookup
from .count import base_count, tokenizer_for

_BINARY_PROBE = 8192
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


def read_text(path: Path) -> tuple[str | None, FileProblem | None]:
    try:
        data = read_regular(path)
    except OSError as exc:
        return None, FileProblem(str(path), f"cannot read: {exc.strerror or exc}", False)
    if b"\0" in data[:_BINARY_PROBE]:
        return None, FileProblem(str(path), "binary file, skipped", True)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, FileProblem(str(path), f"not UTF-8 text (byte {exc.start}: {exc.reason})", False)


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


def count_files(table: PriceTable, paths: Iterable[str], models: list[str],
                progress: Callable[[int], None] | None = None) -> tuple[list[TokenRow], list[FileProblem]]:
    """Counts per file and model, and the files skipped (binary) or failed, in the order met."""
    files, problems = expand(paths)

    def texts():
        for path in files:
            text, problem = read_text(path)
            if problem is not None:
                problems.append(problem)
                if progress is not None:
                    progress(_size(path))
                continue
            yield str(path), text

    rows = count_texts(table, texts(), models, progress)
    return rows, problems


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
