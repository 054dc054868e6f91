"""Render an estimate document as a terminal table, Markdown, CSV or JSON (HTML, XLSX and FOCUS in
their own modules).

JSON is the canonical form (exact decimal strings, all metadata); the others format what it holds: the
plan headline (report/headline.py) and each profile's comparison of its alternatives (the document's
`comparisons`). Money is rounded to the cent only here, each amount on its own (money.cents), so a
column of shown cents may differ from its shown total by a cent; the output says so once.
"""

from __future__ import annotations

import textwrap
from decimal import Decimal

import pandas as pd

from ..money import cents
from ..errors import _one_line
from ..text_tables import table
from . import ROUNDING_NOTE, csv_row, csv_text, left_out_rows, markdown_text, not_available_rows
from .headline import headline_lines, plan_csv_rows
from .document import NOT_AVAILABLE_KEY, dumps, to_document, to_frame, verdict_caution
from .shown_currency import ShownCurrency
from .document_types import ComparisonCase, CostLine, EstimateDocument, ModelComparison, ToolFee

_MAX_MODEL_COLUMNS = 5  # keeps the terminal table within 100 columns


def render_estimate(df: pd.DataFrame, fmt: str) -> str | bytes:
    """Every format renders the canonical document (report/document.py), never the frame directly, so
    `costcalc render SAVED.json` gives the same bytes as rendering at estimate time."""
    return render_document(to_document(df), fmt)


def render_document(document: EstimateDocument, fmt: str) -> str | bytes:
    if fmt == "json":
        return dumps(document)
    if fmt == "html":
        # lazy: only the format asked for loads its renderer
        from .html import render_html

        return render_html(document)
    if fmt == "xlsx":
        # lazy: only the format asked for loads its renderer
        from .xlsx import render_xlsx

        return render_xlsx(document)
    if fmt == "focus":
        # lazy: only the format asked for loads its renderer
        from .focus import render_focus

        return render_focus(document)
    if fmt == "csv":
        return to_csv(to_frame(document)) + plan_csv_rows(document) + comparison_csv_rows(document)
    return to_text(document, markdown=fmt == "markdown")


def comparison_csv_rows(document: EstimateDocument) -> str:
    """CSV comment rows after the plan rows: per profile, case and model, the comparison of its
    alternatives over the period (`# comparison`: rank, cheapest, totals, savings against the most
    expensive and the current model; exact, `cost` in meta.currency, `cost_usd` in USD)."""
    code = document["meta"].get("currency") or "USD"
    rows = []
    for profile in (document.get("comparisons") or {}).get("profiles", []):
        for case in profile["cases"]:
            for m in case["models"]:
                current = m["savings_vs_current"]
                rows.append(["# comparison", f"profile={profile['profile']}", f"case={case['case']}",
                             f"model={m['model']}", f"rank={m['rank']}", f"cheapest={'yes' if m['cheapest'] else 'no'}",
                             f"complete={'yes' if m.get('complete', True) else 'no'}",
                             f"cost_usd={m['total']['cost_usd']}", f"cost={m['total']['cost']}", f"currency={code}",
                             f"savings_vs_most_expensive={m['savings_vs_most_expensive']['cost']}",
                             f"savings_pct={m['savings_pct']}", f"current={profile['current'] or ''}",
                             f"savings_vs_current={'' if current is None else current['cost']}"])
    return "".join(csv_row(r) for r in rows)


def money(value: Decimal) -> str:
    return f"{cents(value):,.2f}"


def to_csv(df: pd.DataFrame) -> str:
    shown = ShownCurrency(df.attrs)
    columns = list(df.columns) + ["price_table_version", "price_table_sha256", "scenario", "currency",
                                  "usd_rate"]
    table = df.attrs.get("price_table", {})
    # the metadata columns go through the same cell rules as the data: an overlay's version or a
    # saved result's scenario is text from a file too
    extra = [table.get("version", ""), table.get("sha256", ""), df.attrs.get("scenario", ""), shown.code,
             shown.rate]
    return csv_text(columns, (list(record) + extra for record in df.itertuples(index=False))) + \
        not_available_rows(df.attrs.get("not_available")) + left_out_rows(df.attrs)


def to_text(document: EstimateDocument, markdown: bool) -> str:
    """The report: the plan headline (report/headline.py) first, then per profile the comparison of its
    alternative models (the document's `comparisons`, report/comparisons.py). Formats; adds nothing up."""
    meta = document["meta"]
    rows = document["rows"]
    shown = ShownCurrency(meta)
    opening = headline_lines(document, markdown=markdown)
    lines = []
    title = (f"costcalc estimate: {meta.get('start')} for {meta.get('months')} months, "
             f"scenario {meta.get('scenario')}, {shown.code} ({shown.symbol})")
    lines.append(f"# {title}" if markdown else title)
    if shown.code != "USD":
        lines.append(_wrap(shown.note, markdown, indent=""))
    if not rows:
        lines += ["", "No cost lines: no profile has traffic in these months for these models."]
    lines += list(opening)
    if opening and rows:
        lines += ["", "## Alternatives per profile" if markdown else "Alternatives per profile (each profile's "
                  "models side by side; the plans above pick one each):"]
    section = document.get("comparisons") or {"months": [], "profiles": []}
    months = section["months"]
    profiles = meta.get("profiles", {})
    compared = {c["profile"]: c for c in section["profiles"]}
    for name in [p for p in profiles if p in compared]:
        info = profiles.get(name, {})
        cases = {c["case"]: c for c in compared[name]["cases"]}
        expected = cases.get("expected") or next(iter(cases.values()))
        lines.append("")
        header = name + (f"  [{info['tags']}]" if info.get("tags") else "")
        lines.append(f"## {markdown_text(header)}" if markdown else _one_line(header))
        if info.get("summary"):
            lines.append(_wrap(info["summary"], markdown))
        if info.get("tokens_per_request"):
            lines.append(_wrap("Tokens per request from the samples, each model's own tokenizer: " +
                               "; ".join(_derived(m, t) for m, t in info["tokens_per_request"].items()) + ".",
                               markdown))
        models = expected["models"]
        for chunk_start in range(0, len(models), _MAX_MODEL_COLUMNS):
            lines.append("")
            lines.append(_month_table(models[chunk_start:chunk_start + _MAX_MODEL_COLUMNS], months, markdown))
        if any(cell["mark"] for m in models for cell in m["months"]):
            lines.append("")
            lines.append(_wrap(NOT_AVAILABLE_KEY.replace("*", "\\*") if markdown else NOT_AVAILABLE_KEY, markdown))
        lines.append("")
        lines.append(_wrap(_verdict(expected, shown.code) + verdict_caution(meta, name, [m["model"] for m in models]),
                           markdown))
        own_fees = [(m["model"], fee) for m in models for fee in m["fees"]]
        if own_fees:
            lines += ["", _wrap(_fees_text(own_fees, shown.code), markdown)]
        if len(cases) > 1:
            lines.append(_wrap(_ranges(list(cases.values())), markdown))
    lines.append("")
    if rows:
        lines.append(_wrap("Price rules applied: " + _rules_applied(rows), markdown, indent=""))
    lines.append("Assumptions:")
    for note in meta.get("assumptions", []):
        lines.append(f"- {markdown_text(note)}" if markdown else textwrap.fill(note, 100, initial_indent="  - ",
                                                                 subsequent_indent="    "))
    table = meta.get("price_table") or {}
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


def _month_table(models: list[ModelComparison], months: list[str], markdown: bool) -> str:
    # Every amount rounded to the cent on its own: a month shows the same cents whatever else is shown
    # (another horizon, another model); a column may then differ from its total by a cent or so.
    columns = []
    for model in models:
        cells = {c["month"]: c for c in model["months"]}
        columns.append([_marked(money(Decimal(cells[m]["cost"])) if m in cells else money(Decimal(0)),
                                cells[m]["mark"] if m in cells else None, markdown) for m in months]
                       + [money(Decimal(model["total"]["cost"]))])
    rows = [[m] + [col[i] for col in columns] for i, m in enumerate(months)] + \
           [["total"] + [col[-1] for col in columns]]
    headers = ["month"] + [markdown_text(m["model"]) if markdown else m["model"] for m in models]
    return table(headers, rows, right=[False] + [True] * len(models), markdown_table=markdown, indent=2)


def _marked(text: str, mark: str | None, markdown: bool) -> str:
    """A month cell: n/a where the model has no price all month, a * where only part of it."""
    if mark == "n/a":
        return "n/a"
    if mark == "partial":
        return text + ("\\*" if markdown else "*")
    return text


def _verdict(case: ComparisonCase, code: str) -> str:
    models = {m["model"]: m for m in case["models"]}
    if not models or case["cheapest"] is None or case["most_expensive"] is None:
        return "No cost in the expected case."
    if len(models) < 2:
        only = case["models"][0]
        return f"{only['model']}: {money(Decimal(only['total']['cost']))} {code} over the period."
    # as in HTML: on a tie the most expensive is another model than the cheapest, never the model itself
    best, worst = models[case["cheapest"]], models[case["most_expensive"]]
    return (f"Cheapest: {best['model']} at {money(Decimal(best['total']['cost']))} {code}, "
            f"{money(Decimal(best['savings_vs_most_expensive']['cost']))} {code} "
            f"({percent(best['savings_pct'])}%) less than {worst['model']}.")


def percent(text: str) -> Decimal:
    """A savings share (exact text) to one decimal place, as every format shows it."""
    return Decimal(text).quantize(Decimal("0.1"))


def _fees_text(fees: list[tuple[str, ToolFee]], code: str) -> str:
    """The tool fee component of the totals above, per model and tool."""
    bits = [f"{model} {f['tool']}: {_calls(Decimal(f['calls']))} calls, {money(Decimal(f['cost']))} {code}"
            for model, f in fees]
    return "Tool fees (per call, included in the totals above): " + "; ".join(bits) + "."


def _calls(value: Decimal) -> str:
    """Calls over a month are exact but may be fractional (0.3 calls per request): whole when whole."""
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.1f}"


def _ranges(cases: list[ComparisonCase]) -> str:
    totals = {(c["case"], m["model"]): Decimal(m["total"]["cost"]) for c in cases for m in c["models"]}
    order = dict.fromkeys(m["model"] for c in cases
                          for m in sorted(c["models"], key=lambda m: (m["rank"], m["model"])))
    # a case with no cost line at all (a range down to zero requests) costs nothing
    bits = [f"{model} {money(totals.get(('low', model), Decimal(0)))} to "
            f"{money(totals.get(('high', model), Decimal(0)))}" for model in order]
    return ("Cases by cost: low takes each range at the end that lowers this model's cost, high at the end that "
            "raises it: " + "; ".join(bits) + ".")


def _rules_applied(rows: list[CostLine]) -> str:
    used: dict[str, set[str]] = {}
    for row in rows:
        if row.get("rule") is not None:
            used.setdefault(str(row["model"]), set()).add(str(row["rule"]))
    return "; ".join(f"{model}: {', '.join(sorted(rules))}" for model, rules in used.items())
