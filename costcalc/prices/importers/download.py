"""Downloading a community table: the only network code in costcalc, imported only when a user asks
for a download (`prices import --download`, `import_prices(download=True)`)."""

from __future__ import annotations

import urllib.error
import urllib.request

from ...errors import CostcalcError
from .fetch import MAX_BYTES

TIMEOUT_SECONDS = 30


def download(url: str, timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_BYTES) -> bytes:
    """GET `url` (http or https) with a timeout and a size cap; one CostcalcError line on any failure."""

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
