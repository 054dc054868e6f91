"""Render a projection DataFrame as a terminal table, Markdown, CSV or JSON.

JSON is the canonical form (exact decimal strings, all metadata); the others are views of the same rows.
Money is rounded to the cent only here, with largest-remainder rounding so that every rendered column
adds up to its rendered total.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from decimal import Decimal

import pandas as pd

from ..summary import cents, summarize
from ..errors import _one_line
from ..textable import table
from . import ROUNDING_NOTE, csv_text, left_out_rows, markdown_text, not_available_rows
from .headline import headline_lines, plan_csv_rows
from .document import (NOT_AVAILABLE_KEY, Shown, dumps, fee_summary, in_shown_currency, month_columns,
                       to_document, to_frame, unavailable_months, verdict_caution)

_MAX_MODEL_COLUMNS = 5  # keeps the terminal table within 100 columns


def render_estimate(df: pd.DataFrame, fmt: str) -> str | bytes:
    """Every format renders the canonical document (report/document.py), never the frame directly, so
    `costcalc render SAVED.json` gives the same bytes as rendering at estimate time."""
    return render_document(to_document(df), fmt)


def render_document(document: dict, fmt: str) -> str | bytes:
    if fmt == "json":
        return dumps(document)
    if fmt == "html":
        from .html import render_html

        return render_html(document)
    if fmt == "xlsx":
        from .xlsx import render_xlsx

        return render_xlsx(document)
    if fmt == "focus":
        from .focus import render_focus

        return render_focus(document)
    if fmt == "csv":
        return to_csv(to_frame(document)) + plan_csv_rows(document)
    # amounts in the shown currency, native prices included (the same totals as HTML and XLSX)
    shown_document = in_shown_currency(document)
    return to_text(to_frame(shown_document), markdown=fmt == "markdown", fees=fee_summary(shown_document),
                   opening=headline_lines(document, markdown=fmt == "markdown"))


def money(value: Decimal) -> str:
    return f"{cents(value):,.2f}"


def to_csv(df: pd.DataFrame) -> str:
    shown = Shown(df.attrs)
    columns = list(df.columns) + ["price_table_version", "price_table_sha256", "scenario", "currency",
                                  "usd_rate"]
    table = df.attrs.get("price_table", {})
    # the metadata columns go through the same cell rules as the data: an overlay's version or a
    # saved result's scenario is text from a file too
    extra = [table.get("version", ""), table.get("sha256", ""), df.attrs.get("scenario", ""), shown.code,
             shown.rate]
    return csv_text(columns, (list(record) + extra for record in df.itertuples(index=False))) + \
        not_available_rows(df.attrs.get("not_available")) + left_out_rows(df.attrs)


def to_text(df: pd.DataFrame, markdown: bool, fees: list[dict] | None = None, opening: Sequence[str] = ()) -> str:
    """The report: `opening` (the plan headline, report/headline.py) first, then per profile the
    comparison of its alternative models."""
    attrs = df.attrs
    shown = Shown(attrs)
    # pandas deep-copies attrs into every slice and sort below: work on a frame without them
    df = df.copy(deep=False)
    df.attrs = {}
    lines = []
    title = (f"costcalc estimate: {attrs.get('start')} for {attrs.get('months')} months, "
             f"scenario {attrs.get('scenario')}, {shown.code} ({shown.symbol})")
    lines.append(f"# {title}" if markdown else title)
    if shown.code != "USD":
        lines.append(_wrap(shown.note, markdown, indent=""))
    if df.empty:
        lines += ["", "No cost lines: no profile has traffic in these months for these models."]
    lines += list(opening)
    if opening and not df.empty:
        lines += ["", "## Alternatives per profile" if markdown else "Alternatives per profile (each profile's "
                  "models side by side; the plans above pick one each):"]
    summary = summarize(df) if not df.empty else None
    months = month_columns([c for c in (summary.columns if summary is not None else [])
                            if len(c) == 7 and c[4] == "-"], attrs)
    profiles = attrs.get("profiles", {})
    marks = unavailable_months(attrs)
    present = [] if summary is None else set(summary["profile"])
    for name in [p for p in profiles if p in present]:
        info = profiles.get(name, {})
        assert summary is not None  # `present` is empty without one
        part = summary[summary["profile"] == name]
        expected = part[part["case"] == "expected"] if "case" in part.columns else part
        expected = expected.sort_values("model", key=lambda s: s.map(_model_order(df, name)))
        lines.append("")
        header = name + (f"  [{info['tags']}]" if info.get("tags") else "")
        lines.append(f"## {markdown_text(header)}" if markdown else _one_line(header))
        if info.get("summary"):
            lines.append(_wrap(info["summary"], markdown))
        if info.get("tokens_per_request"):
            lines.append(_wrap("Tokens per request from the samples, each model's own tokenizer: " +
                               "; ".join(_derived(m, t) for m, t in info["tokens_per_request"].items()) + ".",
                               markdown))
        models = list(expected["model"])
        marked = {m: marks[(name, m)] for m in models if (name, m) in marks}
        for chunk_start in range(0, len(models), _MAX_MODEL_COLUMNS):
            chunk = expected.iloc[chunk_start:chunk_start + _MAX_MODEL_COLUMNS]
            lines.append("")
            lines.append(_month_table(chunk, months, markdown, marked))
        if marked:
            lines.append("")
            lines.append(_wrap(NOT_AVAILABLE_KEY.replace("*", "\\*") if markdown else NOT_AVAILABLE_KEY, markdown))
        lines.append("")
        lines.append(_wrap(_verdict(expected, shown.code) + verdict_caution(attrs, name, models), markdown))
        own_fees = [f for f in fees or () if f["profile"] == name]
        if own_fees:
            lines += ["", _wrap(_fees_text(own_fees, shown.code), markdown)]
        if "case" in part.columns and (part["case"] != "expected").any():
            lines.append(_wrap(_ranges(part), markdown))
    lines.append("")
    if not df.empty:
        lines.append(_wrap("Price rules applied: " + _rules_applied(df), markdown, indent=""))
    lines.append("Assumptions:")
    for note in attrs.get("assumptions", []):
        lines.append(f"- {markdown_text(note)}" if markdown else textwrap.fill(note, 100, initial_indent="  - ",
                                                                 subsequent_indent="    "))
    table = attrs.get("price_table") or {}
    lines.append("")
    version = markdown_text(table.get("version")) if markdown else _one_line(str(table.get("version")))
    lines.append(f"Price table {version} (sha256 {_one_line(str(table.get('sha256'))[:12])}).")
    lines.append(ROUNDING_NOTE)
    return "\n".join(lines).rstrip() + "\n"


def _wrap(text: str, markdown: bool, indent: str = "  ") -> str:
    return text if markdown else textwrap.fill(text, 100, initial_indent=indent, subsequent_indent=indent)


def _derived(model: str, t: dict) -> str:
    text = f"{model} {t['input']} in"
    if not t["exact"]:
        text += f" (estimate, {t['input_low']}-{t['input_high']})"
    if t["output"] is not None:
        text += f" / {t['output']} out"
    return text


def _model_order(df: pd.DataFrame, profile: str) -> dict:
    order = list(dict.fromkeys(df.loc[df["profile"] == profile, "model"].astype(str)))
    return {m: i for i, m in enumerate(order)}


def _month_table(chunk: pd.DataFrame, months: list[str], markdown: bool, marked: dict | None = None) -> str:
    models = list(chunk["model"])
    marked = marked or {}
    # Every amount rounded to the cent on its own: a month shows the same cents whatever else is shown
    # (another horizon, another model); a column may then differ from its total by a cent or so.
    columns = []
    for _, row in chunk.iterrows():
        values = [row.get(m, Decimal(0)) for m in months]  # a month only marked n/a has no column
        mark = marked.get(row["model"], {})
        columns.append([_marked(money(v), mark.get(m), markdown) for v, m in zip(values, months)]
                       + [money(row["total_usd"])])
    rows = [[m] + [col[i] for col in columns] for i, m in enumerate(months)] + \
           [["total"] + [col[-1] for col in columns]]
    headers = ["month"] + [markdown_text(m) if markdown else m for m in models]
    return table(headers, rows, right=[False] + [True] * len(models), markdown_table=markdown, indent=2)


def _marked(text: str, mark: str | None, markdown: bool) -> str:
    """A month cell: n/a where the model has no price all month, a * where only part of it."""
    if mark == "n/a":
        return "n/a"
    if mark == "partial":
        return text + ("\\*" if markdown else "*")
    return text


def _verdict(expected: pd.DataFrame, code: str) -> str:
    if expected.empty:
        return "No cost in the expected case."
    if len(expected) < 2:
        row = expected.iloc[0]
        return f"{row['model']}: {money(row['total_usd'])} {code} over the period."
    # as in HTML: on a tie the most expensive is another model than the cheapest, never the model itself
    ranked = expected.sort_values(["rank", "model"])
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    return (f"Cheapest: {best['model']} at {money(best['total_usd'])} {code}, "
            f"{money(best['savings_vs_most_expensive_usd'])} {code} ({best['savings_pct']}%) less than "
            f"{worst['model']}.")


def _fees_text(fees: list[dict], code: str) -> str:
    """The tool fee component of the totals above, per model and tool."""
    bits = [f"{f['model']} {f['tool']}: {_calls(f['calls'])} calls, {money(f['cost'])} {code}" for f in fees]
    return "Tool fees (per call, included in the totals above): " + "; ".join(bits) + "."


def _calls(value: Decimal) -> str:
    """Calls over a month are exact but may be fractional (0.3 calls per request): whole when whole."""
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.1f}"


def _ranges(part: pd.DataFrame) -> str:
    bits = []
    for model in dict.fromkeys(part["model"]):
        rows = part[part["model"] == model].set_index("case")["total_usd"]
        # a case with no cost line at all (a range down to zero requests) costs nothing
        low, high = rows.get("low", Decimal(0)), rows.get("high", Decimal(0))
        bits.append(f"{model} {money(low)} to {money(high)}")
    return ("Cases by cost: low takes each range at the end that lowers this model's cost, high at the end that "
            "raises it: " + "; ".join(bits) + ".")


def _rules_applied(df: pd.DataFrame) -> str:
    used = df.groupby("model", observed=True)["rule"].agg(lambda s: ", ".join(sorted(set(map(str, s)))))
    return "; ".join(f"{model}: {rules}" for model, rules in used.items())
