"""Render token counts (`costcalc tokens`): table, CSV, JSON. Estimates are labelled and carry their band.
Works on plain rows (no pandas) so the command starts fast."""

from __future__ import annotations

import json
import textwrap

from ..text_tables import render
from . import csv_text
from ..tokens import COLUMNS, FileProblem, TokenRow
from ..tokens.tokenizers import TOKENIZERS

FORMATS = ("table", "csv", "json")


def totals(rows: list[TokenRow]) -> list[dict]:
    """Per model, in the order met: tokens, low and high summed."""
    out: dict[str, dict] = {}
    for row in rows:
        entry = out.setdefault(row.model, {"model": row.model, "tokenizer": row.tokenizer, "tokens": 0,
                                           "exact": row.exact, "low": 0, "high": 0})
        entry["tokens"] += row.tokens
        entry["low"] += row.low
        entry["high"] += row.high
    return list(out.values())


def render_tokens(rows: list[TokenRow], problems: list[FileProblem], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"rows": [row._asdict() for row in rows], "totals": totals(rows),
                           "problems": [p.__dict__ for p in problems]}, indent=2, ensure_ascii=False)
    if fmt == "csv":
        return csv_text(COLUMNS + ["kind"], (list(row) + [_kind(row.exact)] for row in rows))
    return _table(rows)


def _kind(exact: bool) -> str:
    return "exact" if exact else "estimate"


def _band(exact: bool, low: int, high: int) -> tuple[str, str]:
    return ("", "") if exact else (f"{low:,}", f"{high:,}")


def _table(rows: list[TokenRow]) -> str:
    if not rows:
        return "No text was counted."
    lines = [render(("path", "model", "tokens", "low", "high", "kind"),
                    [(r.path, r.model, f"{r.tokens:,}", *_band(r.exact, r.low, r.high), _kind(r.exact))
                     for r in rows], right=(False, False, True, True, True, False)), "", "Totals"]
    lines.append(render(("model", "tokenizer", "tokens", "low", "high", "kind"),
                        [(t["model"], t["tokenizer"], f"{t['tokens']:,}", *_band(t["exact"], t["low"], t["high"]),
                          _kind(t["exact"])) for t in totals(rows)],
                        right=(False, False, True, True, True, False)))
    notes = [TOKENIZERS[t].note for t in dict.fromkeys(r.tokenizer for r in rows) if not TOKENIZERS[t].exact]
    if notes:
        lines.append("")
        lines.extend(textwrap.fill(n, 100, initial_indent="  * ", subsequent_indent="    ") for n in notes)
    return "\n".join(lines)
