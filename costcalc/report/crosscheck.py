"""Render a cross-check (costcalc.crosscheck's frame) as a terminal table, CSV or JSON. No computation:
the frame holds the disagreements and its attrs the per-file counts."""

from __future__ import annotations

import json
from decimal import Decimal

from ..errors import _one_line
from ..money import decimal_text
from ..text_tables import render
from . import csv_table
from .prices import rate_text

FORMATS = ("table", "csv", "json")
SCHEMA = "costcalc.crosscheck/1"


def render_crosscheck(frame, fmt: str) -> str:
    attrs = frame.attrs
    table = attrs.get("price_table") or {}
    if fmt == "json":
        rows = [{k: (decimal_text(v) if isinstance(v, Decimal) else v) for k, v in row.items()}
                for row in frame.to_dict("records")]
        return json.dumps({"schema": SCHEMA, "at": attrs.get("at"), "price_table": table,
                           "files": attrs.get("files", []), "disagreements": rows}, indent=2, ensure_ascii=False)
    if fmt == "csv":
        return csv_table(frame, {"at": attrs.get("at"), "price_table_version": table.get("version"),
                                 "price_table_sha256": table.get("sha256")})
    return _text(frame)


def _text(frame) -> str:
    attrs = frame.attrs
    table = attrs.get("price_table") or {}
    files = attrs.get("files", [])
    lines = [f"Cross-check at {attrs.get('at')} against price table {table.get('version')} "
             f"(sha256 {(table.get('sha256') or '')[:12]}):"]
    for f in files:
        lines.append(f"  {_one_line(f['file'])} ({f['source']}): {_n(f['models_compared'], 'model')} compared "
                     f"({_n(f['rates_compared'], 'rate')}), {_n(f['disagreements'], 'disagreement')}")
        lines.append(f"    {_n(f['table_models_missing_from_file'], 'table model')} missing from the file, "
                     f"{_n(f['file_models_not_in_table'], 'file model')} not in the table, "
                     f"{_n(f['entries_not_converted'], 'entry', 'entries')} not converted"
                     + (f",\n    {_n(f['not_comparable'], 'rule')} not comparable (a tier the table does not offer, "
                        f"a retired model, before launch)" if f["not_comparable"] else ""))
    if len(frame):
        several = len(files) > 1
        headers = (["file"] if several else []) + ["model", "tier", "prompt", "component", "table", "file rate",
                                                    "difference", "source id"]
        body = []
        for row in frame.to_dict("records"):
            body.append(([_one_line(row["file"])] if several else []) + [
                row["model"], row["tier"], f"{row['prompt_tokens']:,}", row["component"],
                rate_text(row["table_usd_per_mtok"]), rate_text(row["file_usd_per_mtok"]),
                _signed(row["difference_usd_per_mtok"]), _one_line(row["source_id"])])
        right = ([False] if several else []) + [False, False, True, False, True, True, True, False]
        lines += ["", render(headers, body, right)]
    else:
        lines += ["", "No disagreements."]
    lines += ["", "USD per 1M tokens; difference = file - table. Components a file leaves out, tiers the table",
              "does not offer and models only one side has are counted above, not compared."]
    return "\n".join(lines)


def _n(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _signed(value: Decimal) -> str:
    text = rate_text(abs(value))
    return ("-" if value < 0 else "+") + text if value else text
