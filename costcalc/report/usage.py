"""Render a re-pricing run (usage.run.RepriceResult) as a terminal table, Markdown, CSV or JSON.

JSON is the canonical form (exact decimal strings, counts, problems with file and line). Text views
round each amount to the cent on its own, so a row shows the same cents whatever else is shown beside it.
"""

from __future__ import annotations

import json
from decimal import Decimal

from ..errors import _one_line
from ..money import decimal_text
from ..money import cents
from .. import text_tables
from ..text_tables import WIDTH, render, wrap
from . import csv_table, markdown_text

FORMATS = ("table", "csv", "json", "markdown")
_TOKEN_HEADERS = (("input_tokens", "input"), ("cached_tokens", "cached"),
                  ("cache_write_5m_tokens", "write 5m"), ("cache_write_1h_tokens", "write 1h"),
                  ("output_tokens", "output"), ("reasoning_tokens", "reasoning"))
# tool calls get a column each only when some record made them (the fee is in cost USD)
_CALL_HEADERS = (("web_search_calls", "web searches"), ("web_fetch_calls", "web fetches"),
                 ("code_execution_calls", "code runs"))


def render_reprice(result, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(result.to_dict(), indent=2, ensure_ascii=False)
    if fmt == "csv":  # exact decimals, formula-neutralized text, the price table on every row
        return csv_table(result.rows, {"price_table_version": result.price_table.get("version"),
                                       "price_table_sha256": result.price_table.get("sha256")})
    return _text(result, markdown=fmt == "markdown")


def _rounded(result) -> list[Decimal]:
    """Cents per row, each rounded on its own: a row shows the same cents whatever else is grouped
    beside it (another log, another model)."""
    return [cents(value) for value in result.rows["cost_usd"]]


def _text(result, markdown: bool) -> str:
    rows = result.rows
    keys = list(result.by)
    calls = [(c, h) for c, h in _CALL_HEADERS if c in rows and rows[c].astype(bool).any()]
    counts = list(_TOKEN_HEADERS) + calls
    # calls no fee priced get a column beside them, so a 0.00 fee never reads as free calls
    if "unpriced_calls" in rows and rows["unpriced_calls"].astype(bool).any():
        counts.append(("unpriced_calls", "unpriced calls"))
    # with tool calls, their fees (a part of cost USD) get a column: a component of their own
    fees = ["tool fees USD"] if calls else []
    # the cost right after what names a row, so in a terminal (where a wide table is printed in blocks
    # of columns) the first block answers "what did it cost"; the token and call counts follow
    headers = keys + ["priced as", "model", "records", "cost USD"] + fees + [h for _, h in counts]
    body = []
    for row, cost in zip(rows.to_dict("records"), _rounded(result)):
        model = row["model"] + (" (est.)" if row["estimated"] else "")
        body.append([_cell(row[k], markdown) for k in keys] + [row["priced_as"], _cell(model, markdown),
                     f"{row['records']:,}", f"{cost:,.2f}"]
                    + [f"{cents(row['tool_fees_usd']):,.2f}" for _ in fees] + [f"{row[c]:,}" for c, _ in counts])
    right = [False] * (len(keys) + 2) + [True] * (len(counts) + len(fees) + 2)
    table = (text_tables.markdown(headers, body, right) if markdown
             else render(headers, body, right, width=WIDTH, keep=len(keys) + 2))
    sha = (result.price_table.get("sha256") or "")[:12]
    head = (f"Re-priced usage: {result.summary_line()}. Price table {result.price_table.get('version')} "
            f"(sha256 {sha}).")
    totals = "; ".join(f"{label} {cents(total):,.2f}{_left_out(result.unpriced_calls.get(label))}"
                       for label, total in result.totals_usd.items())
    # text: prose wrapped to the terminal width; Markdown: one line each (the renderer wraps)
    lines_of = (lambda text, initial="": [initial + text]) if markdown else \
        (lambda text, initial="": wrap(text, initial=initial))
    lines = [*lines_of(head), "", table, "", *lines_of(f"Total USD: {totals}")]
    if result.assumptions:
        lines += ["", "Assumptions:"] + [line for a in result.assumptions for line in lines_of(a, "- ")]
    if result.problems:
        lines += ["", *lines_of(f"Reported records ({result.reported:,}; each was left out of every total):")]
        # one line a record, never wrapped: like error lines, they are grepped for file:line
        lines += [f"- {_cell(p, markdown)}" for p in result.problems[:20]]
        if result.reported > 20:
            lines += lines_of(f"... {result.reported - 20:,} more (--format json lists the first "
                              f"{len(result.problems):,})", "- ")
    return "\n".join(lines)


def _left_out(unpriced: dict | None) -> str:
    """What a total leaves out: ' (without 6 unpriced web_search calls)', or nothing."""
    if not unpriced:
        return ""
    return " (without " + ", ".join(f"{calls:,} unpriced {tool} calls" for tool, calls in unpriced.items()) + ")"


def _cell(value, markdown: bool) -> str:
    """Text from a log (a model, a tag) on one row: control characters escaped; in Markdown also HTML
    and pipes."""
    return markdown_text(value) if markdown else _one_line("" if value is None else str(value))


# -- forecast against actuals --------------------------------------------------------------------------

VARIANCE_SCHEMA = "costcalc.variance/1"
_MONEY_COLUMNS = ("forecast_usd", "actual_usd", "variance_usd", "volume_usd", "mix_usd", "price_usd")


def render_variance(df, fmt: str) -> str:
    attrs = df.attrs
    if fmt == "json":
        rows = [{k: (decimal_text(v) if isinstance(v, Decimal) else v) for k, v in row.items()}
                for row in df.to_dict("records")]
        return json.dumps({"schema": VARIANCE_SCHEMA, "price_table": attrs.get("price_table"),
                           "records": attrs.get("records"), "priced": attrs.get("priced"),
                           "reported": attrs.get("reported"), "assumptions": attrs.get("assumptions", []),
                           "rows": rows, "problems": attrs.get("problems", [])}, indent=2, ensure_ascii=False)
    if fmt == "csv":
        return csv_table(df)
    markdown = fmt == "markdown"
    headers = ["month", "model", "forecast", "actual", "variance", "volume", "mix", "price"]
    body = []
    for r in df.to_dict("records"):
        # Each figure rounded to the cent on its own (the same cents whatever else is shown); the exact
        # figures, in json and csv, add up: variance = actual - forecast = volume + mix + price.
        figures = [cents(r[k]) for k in ("forecast_usd", "actual_usd", "variance_usd", "volume_usd", "mix_usd",
                                         "price_usd")]
        body.append([_cell(r["month"], markdown), _cell(r["model"], markdown), f"{figures[0]:,.2f}",
                     f"{figures[1]:,.2f}"] + [_signed(v) for v in figures[2:]])
    right = [False, False] + [True] * len(_MONEY_COLUMNS)
    table = text_tables.markdown(headers, body, right) if markdown else render(headers, body, right)
    sha = ((attrs.get("price_table") or {}).get("sha256") or "")[:12]
    lines = [f"Forecast against actual usage, USD. Actual: {attrs.get('records', 0):,} records, "
             f"{attrs.get('priced', 0):,} priced, {attrs.get('reported', 0):,} reported; price table "
             f"{(attrs.get('price_table') or {}).get('version')} (sha256 {sha}).", "", table, "",
             "variance = actual - forecast = volume (tokens at the forecast's mix and prices) + mix (another "
             "split between input, cache, output and reasoning) + price (other rates than forecast)."]
    if attrs.get("assumptions"):
        lines += ["", "Assumptions:"] + [f"- {a}" for a in attrs["assumptions"]]
    if attrs.get("problems"):
        lines += ["", "Reported records (left out of the actuals):"] + [f"- {_cell(p, markdown)}"
                                                                      for p in attrs["problems"][:20]]
    return "\n".join(lines)


def _signed(value: Decimal) -> str:
    if not value:
        return "0.00"
    return f"{value:+,.2f}"
