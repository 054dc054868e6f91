"""The user's cache folder: files costcalc can always rebuild from what it ships, kept to start faster.

Used by the vocabulary ranks (tokens/rank_cache.py) and the parsed price table (prices/table_cache.py).
Every file here is a copy: its reader checks it (a header naming what it was made from, a sha256 of its
payload) and ignores a file that does not match; the shipped or given source stays the truth.

Where: $COSTCALC_CACHE_DIR, else $XDG_CACHE_HOME/costcalc, else the platform's cache folder (~/.cache,
~/Library/Caches, %LOCALAPPDATA%) + `costcalc`. Nothing is written where the folder cannot be created or
written. Writes go to a temporary file renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


def cache_root() -> Path | None:
    """costcalc's own cache folder, or None when no cache folder can be named."""
    own = os.environ.get("COSTCALC_CACHE_DIR")
    if own:
        return Path(own)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative value is invalid and ignored
        base = Path(xdg)
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        try:
            base = Path.home() / ".cache"
        except RuntimeError:  # no home directory to name
            return None
    return base / "costcalc"


def read(path: Path) -> bytes | None:
    """The file's bytes, or None when it cannot be read (missing, a folder, no permission)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def checked_payload(path: Path, header_fields: int, header: Callable[[str], bytes]) -> bytes | None:
    """The payload of a copy at `path`, or None when there is no good one. A copy is `header_fields` lines
    of header, the last the payload's sha256, then the payload; `header(sha256)` is the header the reader
    expects with that hash in its place, so a copy made from anything else (or damaged) is not used."""
    data = read(path)
    if data is None:
        return None
    parts = data.split(b"\n", header_fields)
    if len(parts) != header_fields + 1:
        return None
    payload = parts[-1]
    claimed = parts[header_fields - 1].decode("ascii", "replace")
    if header(claimed) != data[:len(data) - len(payload)] or hashlib.sha256(payload).hexdigest() != claimed:
        return None
    return payload


def write_atomic(folder: Path, name: str, data: bytes) -> bool:
    """Write `data` to folder/name through a temporary file renamed into place. False, with nothing
    written, when the folder cannot be created or written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK):
            return False
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{name}-", suffix=".tmp", delete=False) as handle:
            temporary = handle.name
            try:
                handle.write(data)
            except OSError:
                handle.close()
                os.unlink(temporary)
                raise
        try:
            os.replace(temporary, folder / name)
        except OSError:
            os.unlink(temporary)
            raise
    except OSError:
        return False
    return True
