"""An estimate document as an Excel workbook (.xlsx): Plan, Summary, Detail and Notes sheets.

Rendered from the canonical document (`report/document.py`) like every other format, so
`costcalc estimate --format xlsx` and `costcalc render SAVED.json --format xlsx` give the same bytes.

- Plan (first: the answer): the chosen plan's spend per month per profile and in total, the cheapest
  plan and what it saves, unit costs per profile, every plan's total, budgets (the document's plans).
- Summary: per profile (and case) and model, a column per month, the total, rank, cheapest and the
  savings against the profile's most expensive model (`costcalc.summarize`), then one row per plan (a
  profile's models are alternatives: never added together).
- Detail: every column of the document's rows, money as numbers, and `cost_usd_exact`, the exact
  decimal text of each cost (a spreadsheet stores binary doubles; openpyxl writes 16 significant digits).
- Notes: price table version and sha256, scenario, currency and rate, assumptions, what is not available
  (before a model's launch, after its retirement: no cost lines), profiles.

Money is written as numbers with a currency number format in the shown currency (USD x fx.rate, see
`ShownCurrency`). Every text cell goes through `safe_cell`, so a profile or tag named `=HYPERLINK(...)` stays
text. The bytes are reproducible: the workbook's created/modified properties and every zip entry's
date come from the document (its first month), not from the clock.

openpyxl is an optional dependency: `pip install 'costcalc[xlsx]'`.

One module (about 510 lines) with one job, the workbook: the four sheets share the cell styles
(`_Styles`), the header, width and number-format helpers, and the reproducible-bytes step (30 lines)
exists for this format only.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from collections.abc import Mapping
from typing import Any, cast

from ..errors import CostcalcError
from ..money import decimal_text
from ..money import cents
from . import safe_cell
from .document import NOT_AVAILABLE_KEY, check, fee_summary, share_percent, to_document, verdict_caution
from .shown_currency import ShownCurrency
from .document_types import EstimateDocument, Meta
from .unitcosts import unit_label, unit_owners
from .headline import budget_title, budget_verdicts, not_available_note, plan_verdict

EXTRA = "pip install 'costcalc[xlsx]'"
_EXCEL_MAX_ROWS = 1_048_576
_EXCEL_MAX_TEXT = 32_767
_MAX_WIDTH = 60
# Characters XML 1.0 cannot hold (openpyxl refuses them); tab, LF and CR are allowed.
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037\ufffe\uffff]")
_MONEY_COLUMNS = ("cost_usd",)
_RATE_COLUMNS = ("usd_per_mtok",)
_INSTANTS = ("period_start", "period_end")
_FALLBACK_TIME = dt.datetime(2000, 1, 1)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _openpyxl():
    try:
        import openpyxl
    except ImportError:
        raise CostcalcError(f"Excel output needs openpyxl, which is not installed: {EXTRA}") from None
    return openpyxl


def to_xlsx(estimate, path=None) -> bytes:
    """An estimate (the DataFrame of `costcalc.estimate`, or its document dict) as .xlsx bytes; also
    written to `path` when given.

        costcalc.to_xlsx(df, "estimate.xlsx")
    """
    document = cast(EstimateDocument, estimate) if isinstance(estimate, dict) else to_document(estimate)
    data = render_xlsx(document)
    if path is not None:
        Path(path).write_bytes(data)
    return data


def render_xlsx(document: EstimateDocument) -> bytes:
    """The workbook for an estimate document, as bytes (identical for identical documents)."""
    openpyxl = _openpyxl()
    check(document)
    meta = document["meta"]
    rows = document["rows"]
    if len(rows) + 1 > _EXCEL_MAX_ROWS:
        raise CostcalcError(f"{len(rows)} cost lines do not fit in one Excel sheet "
                            f"({_EXCEL_MAX_ROWS - 1} at most): use --format csv or json")
    shown = ShownCurrency(meta)
    when = _fixed_time(meta)

    book = openpyxl.Workbook()
    book.properties.created = when
    book.properties.modified = when
    book.properties.creator = f"costcalc {meta.get('costcalc_version') or ''}".strip()
    book.properties.lastModifiedBy = book.properties.creator
    book.properties.title = _text(f"costcalc estimate {meta.get('start')} ({meta.get('months')} months)")

    styles = _Styles(openpyxl, shown)
    _plan_sheet(book.active, document, shown, styles)
    _summary_sheet(book.create_sheet("Summary"), document, shown, styles)
    _detail_sheet(book.create_sheet("Detail"), document, shown, styles)
    _notes_sheet(book.create_sheet("Notes"), document, shown, styles)

    buffer = io.BytesIO()
    book.save(buffer)
    return _restamp(buffer.getvalue(), when)


# -- sheets ----------------------------------------------------------------------------------------------

def _summary_sheet(sheet, document: EstimateDocument, shown: ShownCurrency, styles: _Styles) -> None:
    sheet.title = "Summary"
    rows = document["rows"]
    code = shown.code
    if not rows:
        _header(sheet, ["profile", "model", f"total ({code})"], styles)
        sheet.append([_text("No cost lines: no profile has traffic in these months for these models.")])
        _finish(sheet, "A2")
        return
    section = document["comparisons"]
    months = section["months"]
    has_case = "case" in rows[0]
    keys = ["profile"] + (["case"] if has_case else []) + ["model", "provider"]
    header = keys + months + [f"total ({code})", "rank", "cheapest",
                              f"savings vs most expensive ({code})", "savings %"]
    _header(sheet, header, styles)
    first_money = len(keys) + 1
    marked = False
    for compared in section["profiles"]:
        for case in compared["cases"]:
            for model in sorted(case["models"], key=lambda m: (m["rank"], m["model"])):
                cells = {c["month"]: c for c in model["months"]}
                mark = {m: c["mark"] for m, c in cells.items() if c["mark"]}
                marked = marked or bool(mark)
                named = {"profile": compared["profile"], "case": case["case"], "model": model["model"],
                         "provider": model["provider"]}
                values: list[Any] = [_text(named[k]) for k in keys]
                # a month without a price is "n/a", not a zero; a partial month keeps its number, with a *
                values += ["n/a" if mark.get(m) == "n/a" else _number(Decimal(cells[m]["cost"]) if m in cells else
                                                                      Decimal(0)) for m in months]
                values += [_number(Decimal(model["total"]["cost"])), model["rank"], "yes" if model["cheapest"] else "",
                           _number(Decimal(model["savings_vs_most_expensive"]["cost"])),
                           _number(Decimal(model["savings_pct"]).quantize(Decimal("0.1")) / 100)]
                sheet.append(values)
                row = sheet.max_row
                for col in range(first_money, first_money + len(months) + 1):
                    sheet.cell(row, col).number_format = styles.money
                for i, m in enumerate(months):
                    if mark.get(m) == "partial":
                        sheet.cell(row, first_money + i).number_format = styles.partial
                    elif mark.get(m) == "n/a":
                        sheet.cell(row, first_money + i).alignment = styles.right
                sheet.cell(row, first_money + len(months) + 3).number_format = styles.money
                sheet.cell(row, first_money + len(months) + 4).number_format = styles.percent

    sheet.append([])
    # A profile's models are alternatives: the only totals across profiles are plans (one model each,
    # expected case), from the document's plan sections; the chosen plan's is the document's total_usd.
    chosen = (document.get("headline") or {}).get("plan")
    for plan in document.get("plans") or []:
        label = f"Plan {plan['name']}" + (" (chosen: the document's total_usd)" if plan["name"] == chosen else "")
        spend = {m["month"]: Decimal(m["cost"]) for m in plan["months"]}
        unpriced = {m["month"] for m in plan["months"] if m.get("mark") == "n/a"}  # n/a, not a zero
        sheet.append([_text(label)] + [None] * (len(keys) - 1)
                     + ["n/a" if m in unpriced else _number(spend.get(m, Decimal(0))) for m in months]
                     + [_number(Decimal(plan["total"]["cost"]))])
        row = sheet.max_row
        for col in range(1, first_money + len(months) + 1):
            cell = sheet.cell(row, col)
            cell.font = styles.bold
            if col >= first_money:
                cell.number_format = styles.money
    sheet.append([_text("Plan rows: one model per profile (see the Plan sheet); a profile's models are "
                        "alternatives and are never added together.")])
    sheet.append([])
    if marked:
        sheet.append([_text(NOT_AVAILABLE_KEY + " The Notes sheet lists what is not available.")])
    # the same caution the text and HTML verdicts carry, where a profile's totals are not like for like
    for compared in section["profiles"]:
        profile = compared["profile"]
        expected = next((c for c in compared["cases"] if c["case"] == "expected"), compared["cases"][0])
        ranked = sorted(expected["models"], key=lambda m: (m["rank"], m["model"]))
        caution = verdict_caution(document["meta"], profile, [m["model"] for m in ranked])
        if caution:
            sheet.append([_text(f"{profile}: {caution.strip()}")])
    sheet.append([_text(shown.note)])
    sheet.append([_text("Each cell is the exact cost as a binary number; cells are shown to the cent, so a "
                        "column of shown cents may differ from its shown total by a cent.")])
    _finish(sheet, sheet.cell(2, first_money).coordinate)


def _plan_sheet(sheet, document: EstimateDocument, shown: ShownCurrency, styles: _Styles) -> None:
    """The answer first: the chosen plan's spend per month per profile and in total, the cheapest plan
    and what it saves, unit costs, every plan's total and the budgets (the document's plan sections)."""

    sheet.title = "Plan"
    plans = {p["name"]: p for p in document.get("plans") or []}
    head = document.get("headline") or {"plan": None, "cheapest": None}
    chosen = plans.get(head.get("plan") or "")
    code = shown.code
    if chosen is None:
        _header(sheet, ["month", f"plan total ({code})"], styles)
        sheet.append([_text("No plan: no profile has a model with cost lines.")])
        _finish(sheet, "A2")
        return
    profiles = chosen["profiles"]
    _header(sheet, ["month"] + [f"{p['profile']} ({p['model']})" for p in profiles]
            + [f"plan {chosen['name']} ({code})"], styles)

    def money_row(values: list, label: str, bold: bool = False) -> None:
        sheet.append([_text(label)] + [_number(Decimal(v)) for v in values])
        for col in range(2, len(values) + 2):
            sheet.cell(sheet.max_row, col).number_format = styles.money
            if bold:
                sheet.cell(sheet.max_row, col).font = styles.bold
        if bold:
            sheet.cell(sheet.max_row, 1).font = styles.bold

    for i, month in enumerate(chosen["months"]):
        money_row([p["months"][i]["cost"] for p in profiles] + [month["cost"]], month["month"])
        for col, p in enumerate(profiles, start=2):  # no price all month: n/a, not a zero; part of it: a *
            mark = p["months"][i].get("mark")
            if mark == "n/a":
                sheet.cell(sheet.max_row, col).value = "n/a"
                sheet.cell(sheet.max_row, col).alignment = styles.right
            elif mark == "partial":
                sheet.cell(sheet.max_row, col).number_format = styles.partial
        total_cell = sheet.cell(sheet.max_row, len(profiles) + 2)  # the plan's total: marked like its profiles
        if month.get("mark") == "n/a":
            total_cell.value = "n/a"
            total_cell.alignment = styles.right
        elif month.get("mark") == "partial":
            total_cell.number_format = styles.partial
    money_row([p["total"]["cost"] for p in profiles] + [chosen["total"]["cost"]], "total", bold=True)
    sheet.append([])
    sheet.append([_text(f"Plan {chosen['name']}: {chosen['description']}. A profile's models are alternatives: "
                        f"no figure adds them together. Expected case.")])
    for note in chosen.get("notes") or []:
        sheet.append([_text(f"Note: {note}.")])
    said = not_available_note(chosen)
    if said:
        sheet.append([_text(said)])
    for sentence in plan_verdict(head, chosen["name"], code):  # a total that leaves months out is not compared
        sheet.append([_text(sentence)])
    sheet.append([])
    _bold_row(sheet, ["profile", "model", "requests/month", f"per request ({code})", f"per 1,000 requests ({code})",
                      f"period ({code})"], styles)
    for p in profiles:
        per, per_1k = p.get("cost_per_request"), p.get("cost_per_1k")
        sheet.append([_text(p["profile"]), _text(p["model"]), _number(Decimal(p["requests_per_month"])),
                      None if per is None else _number(Decimal(per["cost"])),
                      None if per_1k is None else _number(Decimal(per_1k["cost"])),
                      _number(Decimal(p["total"]["cost"]))])
        row = sheet.max_row
        sheet.cell(row, 3).number_format = styles.tokens
        sheet.cell(row, 4).number_format = styles.unit
        sheet.cell(row, 5).number_format = styles.unit
        sheet.cell(row, 6).number_format = styles.money
    _unit_rows(sheet, unit_owners(chosen), code, styles)  # the whole plan (top-level units:), then profiles
    sheet.append([])
    _bold_row(sheet, ["plan", "models", f"total ({code})", f"against plan {chosen['name']} ({code})"], styles)
    partial = set(head.get("not_compared") or [])
    for plan in plans.values():
        picks = ", ".join(f"{p['profile']}: {p['model']}" for p in plan["profiles"])
        total = Decimal(plan["total"]["cost"])
        # a total that leaves months out is not compared with another as if complete
        comparable = plan["name"] == chosen["name"] or not ({plan["name"], chosen["name"]} & partial)
        sheet.append([_text(plan["name"]), _text(picks), _number(total),
                      _number(total - Decimal(chosen["total"]["cost"])) if comparable else "not comparable"])
        sheet.cell(sheet.max_row, 3).number_format = styles.money
        sheet.cell(sheet.max_row, 4).number_format = styles.money
    for budget in document.get("budgets") or []:
        sheet.append([])
        sheet.append([_text(f"Budget: {budget_title(budget)}: {'; '.join(budget_verdicts(budget))}.")])
        sheet.cell(sheet.max_row, 1).font = styles.bold
        monthly, period = budget.get("monthly") is not None, budget.get("period") is not None
        _bold_row(sheet, ["month", f"spend ({budget['currency']})"] + (["headroom", "status"] if monthly else [])
                  + (["cumulative", "period left"] if period else []), styles)
        for m in budget["months"]:
            na = m.get("mark") == "n/a" or m["spend"] is None  # no price that month: no spend nor status
            values = [_text(m["month"]), "n/a" if na else _number(Decimal(str(m["spend"])))]
            if monthly:
                values += (["", "n/a"] if na else [_number(Decimal(m["headroom"])), ("over" if m["over"] else "")
                                                   + (" (partial)" if m.get("mark") else "")])
            if period:
                values += [_number(Decimal(m["cumulative"])), _number(Decimal(m["period_left"]))]
            sheet.append(values)
            for col, value in enumerate(values, start=1):
                if isinstance(value, float):
                    sheet.cell(sheet.max_row, col).number_format = _currency_format("", 2)
    sheet.append([])
    sheet.append([_text(shown.note)])
    _finish(sheet, "B2")


def _bold_row(sheet, names: list, styles: _Styles) -> None:
    sheet.append([_text(n) for n in names])
    for cell in sheet[sheet.max_row]:
        cell.font = styles.bold


def _detail_sheet(sheet, document: EstimateDocument, shown: ShownCurrency, styles: _Styles) -> None:
    rows = document["rows"]
    columns = list(rows[0]) if rows else ["profile", "model", "provider", "month", "rule", "component",
                                          "tokens", "usd_per_mtok", "cost_usd", "period_start", "period_end"]
    shown_column = f"cost_{shown.code.lower()}"
    # An estimate shown in another currency already carries cost_<code> (exact USD x rate); an older
    # or hand-made document may not: then it is added here from the same conversion.
    add_shown = shown.code != "USD" and shown_column not in columns
    _header(sheet, columns + ([shown_column] if add_shown else []) + ["cost_usd_exact"], styles)
    formats = {}
    for index, column in enumerate(columns, start=1):
        if column in _MONEY_COLUMNS:
            formats[index] = styles.usd
        elif column == shown_column and shown.code != "USD":
            formats[index] = styles.money
        elif column in _RATE_COLUMNS:
            formats[index] = styles.usd_rate
        elif column == "tokens":
            formats[index] = styles.tokens
        elif column in _INSTANTS:
            formats[index] = styles.instant
    if add_shown:
        formats[len(columns) + 1] = styles.money
    numeric = set(_MONEY_COLUMNS + _RATE_COLUMNS + ("tokens", shown_column))
    for line, row in enumerate(rows, start=2):
        values = [_detail_value(column, row.get(column), numeric) for column in columns]
        if add_shown:
            values.append(_number(shown(Decimal(str(row["cost_usd"])))))
        values.append(_text(decimal_text(Decimal(str(row["cost_usd"])))))
        sheet.append(values)
        for col, number_format in formats.items():
            sheet.cell(line, col).number_format = number_format
    _finish(sheet, "A2")


def _notes_sheet(sheet, document: EstimateDocument, shown: ShownCurrency, styles: _Styles) -> None:
    meta = document["meta"]
    table = meta.get("price_table") or {}
    fx: Mapping[str, Any] = meta.get("fx") or {}
    _header(sheet, ["item", "value"], styles)
    items = [
        ("schema", meta.get("schema")),
        ("costcalc version", meta.get("costcalc_version")),
        ("price table version", table.get("version")),
        ("price table sha256", table.get("sha256")),
        ("scenario", meta.get("scenario")),
        ("start month", meta.get("start")),
        ("months", meta.get("months")),
        ("currency", shown.code),
        ("currency symbol", shown.symbol),
        ("rate (units per 1 USD)", decimal_text(shown.rate)),
        ("rate source", fx.get("source") or ("none: USD" if shown.code == "USD" else "fixed budget rate")),
        ("money", shown.note),
        ("chosen plan", (document.get("headline") or {}).get("plan")),
        ("total (USD, exact)", document.get("total_usd")),
        ("precision", "Excel stores numbers as binary doubles, written here with 16 significant digits, "
                      "so money cells hold the exact decimal cost to within a tiny fraction of a cent. The exact "
                      "decimal cost in USD is in the Detail sheet's text column cost_usd_exact and in "
                      "the JSON form (costcalc estimate --format json)."),
        ("instants", "period_start and period_end are UTC (Excel has no time zones)."),
        ("cost lines", len(document["rows"])),
    ]
    for file in table.get("files") or []:
        items.append(("price table file", f"{file.get('path')} (version {file.get('version')}, "
                                          f"sha256 {file.get('sha256')})"))
    fees = fee_summary(document)
    if fees:
        items.append(("tool fee rows", "Rows whose component is tool:NAME are per-call tool fees: their tokens "
                                       "column holds the number of calls and usd_per_mtok the fee in USD per "
                                       "1,000,000 calls, so cost = tokens x usd_per_mtok / 1,000,000 on every row."))
    for fee in fees:
        calls = fee["calls"]
        calls_text = f"{calls:,.0f}" if calls == calls.to_integral_value() else f"{calls:,.1f}"
        items.append((f"tool fees {fee['profile']}", f"{fee['model']} {fee['tool']}: {calls_text} calls, "
                                                     f"{cents(fee['cost']):,.2f} {shown.code} over the period "
                                                     f"(expected case; included in the totals)"))
    for note in meta.get("assumptions") or []:
        items.append(("assumption", note))
    for e in meta.get("not_available") or []:
        text = (f"{e['model']} for {e['profile']}: {e['from']} until {e['until']}, {e['reason']} ({e['detail']}); "
                f"months {', '.join(e['months'])}")
        items.append(("not available", text + (f"; partial: {', '.join(e['partial'])}" if e["partial"] else "")))
    for e in meta.get("unpriced_calls") or []:
        text = (f"{e['model']} for {e['profile']}{_case(e)}: {_count(e['calls'])} {e['tool']} calls in "
                f"{', '.join(e['months'])} not priced ({e['detail']}); left out of the totals, not free")
        items.append(("unpriced calls", text))
    for e in meta.get("over_limit_excluded") or []:
        text = (f"{e['model']} for {e['profile']}{_case(e)}: {share_percent(Decimal(str(e['share'])))} of the "
                f"requests, {_count(e['requests'])} in {', '.join(e['months'])}, left out (over_limit: exclude; "
                f"{e['detail']})")
        items.append(("over limit excluded", text))
    for name, info in (meta.get("profiles") or {}).items():
        info = info or {}
        text = info.get("summary") or ""
        if info.get("tags"):
            text += f" [tags: {info['tags']}]"
        items.append((f"profile {name}", text))
    for item, value in items:
        sheet.append([_text(item), value if isinstance(value, (int, float)) and not isinstance(value, bool)
                      else _text(value)])
        sheet.cell(sheet.max_row, 2).alignment = styles.wrap
    _finish(sheet, "A2", widths={2: 100})


def _case(entry: dict) -> str:
    return f" ({entry['case']} case)" if entry.get("case", "expected") != "expected" else ""


def _count(value) -> str:
    """Calls or requests over a period: exact but maybe fractional (0.3 calls a request), whole when whole."""
    number = Decimal(str(value))
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.1f}"


# -- cells -----------------------------------------------------------------------------------------------

class _Styles:
    def __init__(self, openpyxl, shown: ShownCurrency):
        from openpyxl.styles import Alignment, Font, PatternFill

        self.bold = Font(bold=True)
        self.fill = PatternFill("solid", fgColor="DDE4EE")
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.money = _currency_format(shown.symbol, 2)
        self.partial = _currency_format(shown.symbol, 2, suffix="*")
        self.right = Alignment(horizontal="right")
        self.usd = _currency_format("$", 2)
        self.usd_rate = _currency_format("$", 2, extra=6)
        self.tokens = "#,##0"
        self.unit = _currency_format(shown.symbol, 2, extra=4)  # a cost per request: fractions of a cent
        self.percent = "0.0%"
        self.instant = "yyyy-mm-dd hh:mm"


def _unit_rows(sheet, profiles: list[Mapping[str, Any]], code: str, styles: _Styles) -> None:
    """Cost per unit (the whole plan's top-level units:, profiles' units:): one row per owner, unit and month,
    and one for the period."""
    rows = [(p, u) for p in profiles for u in p.get("units") or []]
    if not rows:
        return
    sheet.append([])
    _bold_row(sheet, ["profile", "unit", "month", "units", f"cost per unit ({code})"], styles)
    for p, u in rows:
        for label, count, per in [(m["month"], m["count"], m["per_unit"]) for m in u["months"]] + \
                [("period (units a month)" if u.get("stock") else "period", u["count"], u["per_unit"])]:
            sheet.append([_text(p["profile"]), _text(unit_label(u)), _text(label), _number(Decimal(count)),
                          None if per is None else _number(Decimal(per["cost"]))])
            sheet.cell(sheet.max_row, 4).number_format = styles.tokens
            sheet.cell(sheet.max_row, 5).number_format = styles.unit


def _currency_format(symbol: str, places: int, extra: int = 0, suffix: str = "") -> str:
    """`"€"#,##0.00`: the symbol as quoted literal text (a `"` cannot be quoted, so it is dropped)."""
    literal = '"' + symbol.replace('"', "") + '"'
    number = "#,##0." + "0" * places + "#" * extra + (f'"{suffix}"' if suffix else "")
    return f"{literal}{number};-{literal}{number}"


def _header(sheet, names: list, styles: _Styles) -> None:
    sheet.append([_text(n) for n in names])
    for cell in sheet[1]:
        cell.font = styles.bold
        cell.fill = styles.fill


def _finish(sheet, freeze: str, widths: dict | None = None) -> None:
    sheet.freeze_panes = freeze
    from openpyxl.utils import get_column_letter

    longest: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            value = cell.value
            if isinstance(value, float):
                size = 14
            elif isinstance(value, dt.datetime):
                size = 16
            else:
                size = max((len(part) for part in str(value).split("\n")), default=0)
            longest[cell.column] = max(longest.get(cell.column, 0), size)
    for column, size in longest.items():
        width = (widths or {}).get(column) or min(max(size + 2, 8), _MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(column)].width = width


def _text(value) -> str | None:
    """A text cell: formula-neutralized, XML-safe, within Excel's 32,767 characters."""
    if value is None:
        return None
    text = _ILLEGAL.sub("\ufffd", safe_cell(value))
    return text if len(text) <= _EXCEL_MAX_TEXT else text[:_EXCEL_MAX_TEXT - 1] + "\u2026"


def _number(value: Decimal) -> float:
    """The nearest double to an exact Decimal (what Excel would store anyway)."""
    return float(value)


def _detail_value(column: str, value, numeric: set):
    if value is None:
        return None
    if column in numeric:
        try:
            return _number(Decimal(str(value)))
        except ArithmeticError:
            return _text(value)
    if column in _INSTANTS:
        try:
            instant = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return _text(value)
        if instant.tzinfo is not None:
            instant = instant.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return instant
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    return _text(value)


# -- reproducible bytes ----------------------------------------------------------------------------------

def _fixed_time(meta: Meta) -> dt.datetime:
    """The workbook's created/modified time: midnight UTC on the estimate's first day (a document
    carries no creation time, and the clock would make every rendering differ)."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", str(meta.get("start") or ""))
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1980 <= year <= 2107 and 1 <= month <= 12:
            return dt.datetime(year, month, 1)
    return _FALLBACK_TIME


def _restamp(data: bytes, when: dt.datetime) -> bytes:
    """The same zip with every entry dated `when` (zipfile stamps entries with the current time) and
    the core properties' modified time set to `when` (openpyxl's save sets it to now)."""
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(lambda m: m.group(1) + iso + m.group(2), content)
            target.writestr(entry, content)
    return out.getvalue()
