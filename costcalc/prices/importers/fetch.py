"""The I/O edge of the importers: read a community table from a file, or download it when (and only
when) a user asks for it. Everything else in the package is pure."""

from __future__ import annotations

import os

from ..._files import read_regular
from ...errors import _NO_VALUE, CostcalcError, InputError, Problem, _one_line

MAX_BYTES = 64 * 1024 * 1024  # LiteLLM's map, the largest, is under 2 MB
TIMEOUT_SECONDS = 30


def read_source(path: str | os.PathLike) -> bytes:
    """A regular file's bytes, through the shared guard (_files.read_regular): a directory, FIFO or
    device is refused at once (reading a FIFO would wait for a writer forever), and a file above
    MAX_BYTES is refused after reading at most one byte more."""
    try:
        return read_regular(path, MAX_BYTES, "community price table")
    except OSError as exc:
        raise _problem(str(path), f"cannot read: {exc.strerror or exc}") from None


def download(url: str, timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_BYTES) -> bytes:
    """GET `url` (http or https) with a timeout and a size cap; one CostcalcError line on any failure."""
    import urllib.error
    import urllib.request

    if not url.startswith(("https://", "http://")):
        raise CostcalcError(f"cannot download {url!r}: only http:// and https:// URLs are fetched")
    request = urllib.request.Request(url, headers={"User-Agent": "costcalc (prices import)",
                                                   "Accept": "application/json, */*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise CostcalcError(f"cannot download {url}: {int(declared):,} bytes is above the "
                                    f"{max_bytes:,}-byte limit")
            data = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise CostcalcError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise CostcalcError(f"cannot download {url}: {exc.reason}") from None
    except (OSError, ValueError) as exc:  # timeouts, resets, a malformed URL
        raise CostcalcError(f"cannot download {url}: {exc}") from None
    if len(data) > max_bytes:
        raise CostcalcError(f"cannot download {url}: more than the {max_bytes:,}-byte limit")
    return data


def _problem(name: str, message: str) -> InputError:
    return InputError([Problem(_one_line(name), None, "", _NO_VALUE, message)])
