"""Aligned plain-text tables for the terminal: no colours, no box drawing, safe to pipe."""

from __future__ import annotations

from typing import Sequence


def render(headers: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[bool] | None = None,
           indent: int = 0) -> str:
    """Columns padded to their widest cell; `right[i]` right-aligns column i (numbers)."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    right = right or [False] * len(headers)
    pad = " " * indent
    lines = []
    for n, row in enumerate(cells):
        parts = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right)]
        lines.append(pad + "  ".join(parts).rstrip())
        if n == 0:
            lines.append(pad + "  ".join("-" * w for w in widths))
    return "\n".join(lines)
