"""Render token counts (`costcalc tokens`): table, CSV, JSON. Estimates are labelled and carry their band."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd

from ..textable import render
from ..tokens.tokenizers import TOKENIZERS

FORMATS = ("table", "csv", "json")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def totals(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty:
        return pd.DataFrame(columns=["model", "tokenizer", "tokens", "exact", "low", "high"])
    grouped = df.groupby(["model", "tokenizer", "exact"], sort=False)[["tokens", "low", "high"]].sum()
    return grouped.reset_index()[["model", "tokenizer", "tokens", "exact", "low", "high"]]


def render_tokens(df: pd.DataFrame, fmt: str) -> str:
    if fmt == "json":
        rows = [{"path": r.path, "model": r.model, "tokenizer": r.tokenizer, "tokens": int(r.tokens),
                 "bytes": int(r.bytes), "exact": bool(r.exact), "low": int(r.low), "high": int(r.high)}
                for r in df.itertuples(index=False)]
        tot = [{"model": r.model, "tokenizer": r.tokenizer, "tokens": int(r.tokens), "exact": bool(r.exact),
                "low": int(r.low), "high": int(r.high)} for r in totals(df).itertuples(index=False)]
        return json.dumps({"rows": rows, "totals": tot, "problems": df.attrs.get("problems", [])}, indent=2,
                          ensure_ascii=False)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(list(df.columns) + ["kind"])
        for record in df.itertuples(index=False):
            cells = [("'" + str(v) if isinstance(v, str) and v.startswith(_FORMULA_START) else v) for v in record]
            writer.writerow(cells + ["exact" if record.exact else "estimate"])
        return out.getvalue()
    return _table(df)


def _kind(exact: bool) -> str:
    return "exact" if exact else "estimate"


def _band(row) -> tuple[str, str]:
    return ("", "") if row.exact else (f"{int(row.low):,}", f"{int(row.high):,}")


def _table(df: pd.DataFrame) -> str:
    lines = []
    if not df.empty:
        rows = [(r.path, r.model, f"{int(r.tokens):,}", *_band(r), _kind(r.exact)) for r in df.itertuples()]
        lines.append(render(("path", "model", "tokens", "low", "high", "kind"), rows,
                            right=(False, False, True, True, True, False)))
        lines.append("")
        tot = totals(df)
        rows = [(r.model, r.tokenizer, f"{int(r.tokens):,}", *_band(r), _kind(r.exact))
                for r in tot.itertuples()]
        lines.append("Totals")
        lines.append(render(("model", "tokenizer", "tokens", "low", "high", "kind"), rows,
                            right=(False, False, True, True, True, False)))
        notes = [TOKENIZERS[t].note for t in dict.fromkeys(df["tokenizer"]) if not TOKENIZERS[t].exact]
        if notes:
            lines.append("")
            lines.extend(f"  * {n}" for n in notes)
    else:
        lines.append("No text was counted.")
    return "\n".join(lines)
