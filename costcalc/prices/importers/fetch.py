"""The file edge of the importers: read a community table from a file. Downloading lives apart, in
download.py, imported only when a user asks for a download. Everything else in the package is pure."""

from __future__ import annotations

import os

from ..._files import read_regular
from ...errors import _NO_VALUE, InputError, Problem, _one_line

MAX_BYTES = 64 * 1024 * 1024  # LiteLLM's map, the largest, is under 2 MB


def read_source(path: str | os.PathLike[str]) -> bytes:
    """A regular file's bytes, through the shared guard (_files.read_regular): a directory, FIFO or
    device is refused at once (reading a FIFO would wait for a writer forever), and a file above
    MAX_BYTES is refused after reading at most one byte more."""
    try:
        return read_regular(path, MAX_BYTES, "community price table")
    except OSError as exc:
        raise _problem(str(path), f"cannot read: {exc.strerror or exc}") from None


def _problem(name: str, message: str) -> InputError:
    return InputError([Problem(_one_line(name), None, "", _NO_VALUE, message)])
