"""A hash-checked copy of each vocabulary's tokens in the user's cache folder, so a later `costcalc tokens`
skips reading the shipped rank file (decompress, split, base64-decode 200,000 lines: about 0.1 s each).

The shipped files stay the source of truth: a cache file is written only from ranks just read from them and
checked against their pinned sha256, and it is named after that hash, so a costcalc that ships another
vocabulary never reads an old file. A file is used only when its header matches (format, Python's marshal
version, the pinned hash, the first rank) and the sha256 of its payload matches the one in its header; a
corrupted, truncated or stale file is ignored and rewritten. The payload is the token list marshalled (data
only: marshal loads no code from it), its hash checked before it is loaded.

Where: `tokenizers/` in costcalc's cache folder (costcalc/_cache.py: $COSTCALC_CACHE_DIR, else
$XDG_CACHE_HOME/costcalc, else the platform's). Nothing is written where the folder cannot be created or
written: the ranks come from the shipped file each time then, exactly as without a cache. Writes go to a
temporary file renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import marshal
from pathlib import Path

from .._cache import cache_root, checked_payload, write_atomic

_MAGIC = b"costcalc-ranks 1"
_HEADER_FIELDS = 5  # magic, marshal version, pinned source sha256, first rank, payload sha256


def cache_folder() -> Path | None:
    """The folder the rank files go in, or None when no cache folder can be named."""
    root = cache_root()
    return None if root is None else root / "tokenizers"


def _path(folder: Path, name: str, source_sha256: str) -> Path:
    return folder / f"{name}-{source_sha256[:16]}.ranks"


def _header(source_sha256: str, first_rank: int, payload_sha256: str) -> bytes:
    return b"\n".join([_MAGIC, str(marshal.version).encode(), source_sha256.encode(), str(first_rank).encode(),
                       payload_sha256.encode()]) + b"\n"


def load(name: str, source_sha256: str, first_rank: int) -> list[bytes] | None:
    """The tokens of vocabulary `name` in rank order from the cache, or None when there is no good copy."""
    folder = cache_folder()
    if folder is None:
        return None
    payload = checked_payload(_path(folder, name, source_sha256), _HEADER_FIELDS,
                              lambda sha: _header(source_sha256, first_rank, sha))
    if payload is None:
        return None
    try:
        tokens = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if type(tokens) is not list or not all(type(t) is bytes for t in tokens):
        return None
    return tokens


def store(name: str, source_sha256: str, first_rank: int, tokens: list[bytes]) -> bool:
    """Write the tokens of a vocabulary just read from the shipped file (checked against `source_sha256`).
    False, with nothing written, when the cache folder cannot be created or written."""
    folder = cache_folder()
    if folder is None:
        return False
    payload = marshal.dumps(tokens)
    data = _header(source_sha256, first_rank, hashlib.sha256(payload).hexdigest()) + payload
    return write_atomic(folder, _path(folder, name, source_sha256).name, data)
