"""The cyclic garbage collector off while a big result is built.

Loading workloads, projecting and assembling an estimate make millions of small objects (Nodes, Decimals,
Profiles, slots, attrs' dicts) and no reference cycles: the collector would rescan every object the process
holds again and again for nothing (a 1,000-row DataFrame's first load took ~1.5x as long with it; a
1,000-profile estimate's full collections cost ~0.05-0.1 s after the projection alone).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """The collector off inside the block, then left as it was (a caller that turned it off keeps it off;
    nested blocks leave it off until the outermost ends)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
