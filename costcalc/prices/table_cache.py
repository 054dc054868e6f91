"""A checked copy of a parsed price table in the user's cache folder, so a command skips parsing and checking
pricing.yaml (about 25 ms of CPU on every command; loading the copy takes about 1 ms).

The YAML file stays the source of truth: the copy is found by a key over everything the parsed table depends
on - the file's bytes (sha256), the path and name it is recorded under, costcalc's version, the source of the
modules that parse and check it (so an edited loader never reads an older copy) and of PyYAML, Python's
version - and is written only from a table just parsed and checked without a problem. A copy is used only
when its header holds that key and the sha256 of its payload matches the one in its header; a corrupt,
truncated or stale copy is ignored (and replaced by the next load). The payload is a pickle read by an
unpickler that builds only the price table's own dataclasses, dates, instants and Decimals: it can make
nothing else, so a copy cannot run code. Overlays are parsed each time (they are layered over a table and
usually small); only a table loaded without a base is cached.

Where: `prices/` in costcalc's cache folder (costcalc/_cache.py: $COSTCALC_CACHE_DIR, else
$XDG_CACHE_HOME/costcalc, else the platform's); nothing is written where it cannot be.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import hashlib
import io
import pickle
import sys
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from .. import __version__
from .._cache import cache_root, checked_payload, read, write_atomic
from . import model
from .model import PriceTable

_MAGIC = b"costcalc-prices 1"
_HEADER_FIELDS = 3  # magic, key, payload sha256
# The modules whose code decides what a YAML file parses to (paths inside the costcalc package).
_LOADER_SOURCES = ("prices/load.py", "prices/model.py", "_validate.py", "_yamlnodes.py", "_parse.py", "calendar.py",
                   "errors.py")
# What a payload may name: the table's dataclasses and the standard types their fields hold.
_ALLOWED = {("datetime", n): getattr(datetime, n) for n in ("date", "datetime", "timedelta", "timezone")}
_ALLOWED[("decimal", "Decimal")] = decimal.Decimal
_ALLOWED.update({(model.__name__, name): value for name, value in vars(model).items()
                 if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == model.__name__})


@cache
def _loader_digest() -> str:
    """sha256 over the loader's source files and PyYAML's (found, not imported), read once per process."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for name in _LOADER_SOURCES:
        digest.update(name.encode() + b"\0")
        digest.update(read(package / name) or b"<missing>")
    spec = find_spec("yaml")
    digest.update(read(Path(spec.origin)) or b"<missing>" if spec and spec.origin else b"<no yaml>")
    return digest.hexdigest()


def key(path: Path, data: bytes, name: str) -> str:
    """What a cached copy of the table parsed from `data` (read from `path`, recorded as `name`) must match:
    `<where>-<what>`, where `<where>` names the file (path and name) alone, so a newer copy of the same file
    replaces the older ones (store) instead of piling up one per edit."""
    where = hashlib.sha256(f"{path}\0{name}".encode()).hexdigest()[:_WHERE_CHARS]
    parts = [__version__, _loader_digest(), sys.version, str(path), name,
             hashlib.sha256(data).hexdigest()]
    return f"{where}-{hashlib.sha256(chr(0).join(parts).encode()).hexdigest()}"


_WHERE_CHARS = 16


def _file(folder: Path, table_key: str) -> Path:
    return folder / f"table-{table_key[:_WHERE_CHARS + 1 + 32]}.pickle"


def _folder() -> Path | None:
    root = cache_root()
    return None if root is None else root / "prices"


def _header(table_key: str, payload_sha256: str) -> bytes:
    return b"\n".join([_MAGIC, table_key.encode(), payload_sha256.encode()]) + b"\n"


class _TableUnpickler(pickle.Unpickler):
    """Builds only what a price table holds; any other name in the payload is refused."""

    def find_class(self, module: str, name: str) -> type:
        found = _ALLOWED.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a price table")
        return found


def load(table_key: str) -> PriceTable | None:
    """The cached table of `table_key`, or None when there is no good copy."""
    folder = _folder()
    if folder is None:
        return None
    payload = checked_payload(_file(folder, table_key), _HEADER_FIELDS, lambda sha: _header(table_key, sha))
    if payload is None:
        return None
    try:
        table = _TableUnpickler(io.BytesIO(payload)).load()
    except Exception:  # any failure to rebuild means no good copy: the YAML is parsed instead
        return None
    return table if _sound(table) else None


def _sound(table: object) -> bool:
    """A PriceTable whose mappings hold what a parsed table's do (a copy made by hand with a valid header
    could hold anything the unpickler may build, and fail later as an internal error)."""
    if type(table) is not PriceTable:
        return False
    kinds = ((table.providers, model.Provider), (table.models, model.Model), (table.calendars, model.Calendar))
    return (all(isinstance(k, str) and type(v) is kind for mapping, kind in kinds for k, v in mapping.items())
            and all(isinstance(k, str) and isinstance(v, str) for k, v in table.aliases.items())
            and all(type(f) is model.SourceFile for f in table.files))


def store(table_key: str, table: PriceTable) -> bool:
    """Write a table just parsed and checked. False, with nothing written, when the folder cannot be."""
    folder = _folder()
    if folder is None:
        return False
    try:
        payload = pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):  # a table holding something unexpected
        return False
    data = _header(table_key, hashlib.sha256(payload).hexdigest()) + payload
    written = write_atomic(folder, _file(folder, table_key).name, data)
    if written:  # older copies of the same file (earlier bytes, loader or version) are of no more use
        for old in folder.glob(f"table-{table_key[:_WHERE_CHARS]}-*.pickle"):
            if old.name != _file(folder, table_key).name:
                old.unlink(missing_ok=True)
    return written
