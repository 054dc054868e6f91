"""Render what-if results (costcalc.whatif) as a terminal table, Markdown, CSV or JSON.

JSON and CSV carry the exact decimal strings; text views round each amount to the cent on its own (the
same cents whatever else is shown) and say which side is which. No computation
beyond rounding and the display-currency conversion happens here.
"""

from __future__ import annotations

import json
import textwrap
from decimal import ROUND_CEILING, Decimal

import pandas as pd

from ..frames import python_values  # a Decimal or None per cell: what these renderings format
from ..money import decimal_text
from ..money import cents, exact_sum
from ..text_tables import table
from ..whatif import PLAN_PREFIX, TOTAL
from ..errors import _one_line
from . import ROUNDING_NOTE, csv_table, markdown_text
from .shown_currency import ShownCurrency

FORMATS = ("table", "csv", "json", "markdown")


# -- shared ---------------------------------------------------------------------------------------------

def _money(value: Decimal) -> str:
    return f"{cents(value):,.2f}"


def _signed(value: Decimal) -> str:
    """+1.23, -1.23, or 0.00 when the difference rounds to nothing (no sign on a zero)."""
    return ("+" if cents(value) > 0 else "") + _money(value)


def _pct(value) -> str:
    if value is None:
        return "n/a"
    rounded = value.quantize(Decimal("0.1"))
    rounded = rounded if rounded else abs(rounded)  # never -0.0%
    return ("+" if rounded > 0 else "") + f"{rounded:,f}%"


def _json_value(value):
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, (bool, int, str)):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def _records(df: pd.DataFrame) -> list[dict]:
    return [{k: _json_value(v) for k, v in r.items()} for r in df.to_dict(orient="records")]


def _wrap(text: str, markdown: bool, indent: str = "  ") -> str:
    return text if markdown else textwrap.fill(text, 100, initial_indent=indent, subsequent_indent=indent)


def _table(headers: list[str], rows: list[list[str]], right: list[bool], markdown: bool) -> str:
    if markdown:  # cells may hold a user's text (a model, a profile): escaped; headers are ours
        rows = [[markdown_text(c) for c in row] for row in rows]
    return table(headers, rows, right, markdown_table=markdown, indent=2)


def _text(value, markdown: bool) -> str:
    """Text from a user's files or a saved result, on one line; Markdown-escaped in Markdown."""
    return markdown_text(value) if markdown else _one_line(str(value))


def _table_meta(table: dict | None, markdown: bool = False) -> str:
    table = table or {}
    # an overlay's version is the user's text: a newline in it would start a heading of its own
    return f"{_text(table.get('version'), markdown)} (sha256 {_text(str(table.get('sha256'))[:12], markdown)})"


# -- compare --------------------------------------------------------------------------------------------

def render_compare(df: pd.DataFrame, fmt: str) -> str:
    df = python_values(df)
    if fmt == "json":
        return json.dumps(compare_json(df), indent=2, ensure_ascii=False)
    if fmt == "csv":
        sides = df.attrs["sides"]
        extra = {}
        for key in ("a", "b"):
            side = sides[key]
            extra.update({f"{key}_label": side["label"], f"{key}_scenario": side["scenario"],
                          f"{key}_price_table_version": side["price_table"]["version"],
                          f"{key}_price_table_sha256": side["price_table"]["sha256"]})
        return csv_table(df, extra)
    return _compare_text(df, markdown=fmt == "markdown")


def compare_json(df: pd.DataFrame) -> dict:
    return {"meta": {"schema": "costcalc.compare/1", "currency": "USD", "diff": "b_usd - a_usd",
                     "pct": "diff_usd / a_usd x 100 (null when a_usd is 0)",
                     "sides": _json_value(df.attrs["sides"]), "notes": list(df.attrs.get("notes", []))},
            "rows": _records(df)}


def _shown(df: pd.DataFrame):
    """The display currency: the documents' own when both sides agree, else USD."""
    a, b = df.attrs["sides"]["a"], df.attrs["sides"]["b"]
    fx = a.get("fx") if (a.get("fx") or None) == (b.get("fx") or None) else None
    if fx and fx.get("native"):  # a provider's own prices are not USD x rate: compare in USD
        fx = None
    return ShownCurrency({"fx": fx})


def _describe_side(key: str, side: dict, markdown: bool) -> str:
    files = [f for f in side["price_table"].get("files", []) if f]
    overlays = files[1:]
    prices = f"prices {_table_meta(side['price_table'], markdown)}"
    if overlays:
        prices += " with overlay " + ", ".join(_text(o, markdown) for o in overlays)
    profiles = ", ".join(_text(p, markdown) for p in side["profiles"]) or "none"
    return (f"{key.upper()} = {_text(side['label'], markdown)}: scenario {_text(side['scenario'], markdown)}, "
            f"{prices}; {_text(side['start'], markdown)} for {side['months']} months; profiles: {profiles}.")


def _compare_text(df: pd.DataFrame, markdown: bool) -> str:
    shown = _shown(df)
    sides = df.attrs["sides"]
    a_name, b_name = sides["a"]["label"], sides["b"]["label"]
    lines = []
    title = (f"costcalc compare: A = {_text(a_name, markdown)}, B = {_text(b_name, markdown)} "
             f"(expected case; a model over the profiles that list it, a plan over all)")
    lines += [f"# {title}", ""] if markdown else [title]
    for key in ("a", "b"):
        lines.append(_wrap(_describe_side(key, sides[key], markdown), markdown) + ("  " if markdown else ""))
    for note in df.attrs.get("notes", []):
        lines.append(_wrap("Note: " + _text(note, markdown), markdown))

    converted = df.assign(a_usd=df["a_usd"].map(shown), b_usd=df["b_usd"].map(shown))
    is_plan = converted["model"].astype(str).str.startswith(PLAN_PREFIX)
    plan_label = str(converted.loc[is_plan, "model"].iloc[0])
    models = [m for m in dict.fromkeys(converted.loc[~is_plan, "model"])]
    totals = converted[(converted["month"] == TOTAL) & ~is_plan]
    grand = converted[is_plan & (converted["month"] == TOTAL)].iloc[0]
    # Every amount is rounded on its own when shown (_money): the same cents whatever else is shown.
    a_tot = dict(zip(totals["model"], totals["a_usd"]))
    b_tot = dict(zip(totals["model"], totals["b_usd"]))
    pct = dict(zip(totals["model"], totals["pct"]))
    headers = ["model", "A", "B", "B - A", "change"]
    right = [False, True, True, True, True]
    rows = [[m, _money(a_tot[m]), _money(b_tot[m]), _signed(exact_sum((b_tot[m], -a_tot[m]))), _pct(pct[m])]
            for m in models]
    rows.append([plan_label, _money(grand["a_usd"]), _money(grand["b_usd"]),
                 _signed(exact_sum((grand["b_usd"], -grand["a_usd"]))), _pct(grand["pct"])])
    lines += ["", "## Totals by model" if markdown else "Totals by model", "", _table(headers, rows, right, markdown)]

    every = converted[is_plan & (converted["month"] != TOTAL)]
    by_month = f"By month, {_text(plan_label, markdown)} (one model per profile)"
    lines += ["", f"## {by_month}" if markdown else by_month, ""]
    lines.append(_table(["month"] + headers[1:], _month_rows(every),
                        right, markdown))

    lines += ["", "## By model and month" if markdown else "By model and month", ""]
    detail = []
    for model in models:
        part = converted[(converted["model"] == model) & (converted["month"] != TOTAL)]
        detail += [[model] + row for row in _month_rows(part)]
    lines.append(_table(["model", "month"] + headers[1:], detail, [False] + right, markdown))
    lines += ["", f"{shown.note} Change is B - A as a share of A.", ROUNDING_NOTE]
    return "\n".join(lines).rstrip() + "\n"


def _month_rows(part: pd.DataFrame) -> list[list[str]]:
    # each amount rounded on its own (the same cents whatever else is shown); B - A from the exact values
    return [[month, _money(x), _money(y), _signed(exact_sum((y, -x))), _pct(p)]
            for month, x, y, p in zip(part["month"], part["a_usd"], part["b_usd"], part["pct"])]


# -- sensitivity ----------------------------------------------------------------------------------------

def render_sensitivity(df: pd.DataFrame, fmt: str) -> str:
    df = python_values(df)
    extra = {"skipped": list(df.attrs.get("skipped", [])), "profiles": df.attrs.get("profiles", {}),
             "method": _SENSITIVITY_METHOD}
    return _render_table(df, fmt, "costcalc.sensitivity/1", extra, _sensitivity_text)


def _render_table(df: pd.DataFrame, fmt: str, schema: str, extra_meta: dict, text) -> str:
    """json / csv / table / markdown of a what-if table: the same metadata in every format (the
    period, scenario and price table; `extra_meta` in json)."""
    attrs = df.attrs
    if fmt == "json":
        meta = {"schema": schema, "currency": "USD", "start": attrs.get("start"), "months": attrs.get("months"),
                "scenario": attrs.get("scenario"), "price_table": attrs.get("price_table"), **extra_meta,
                "assumptions": list(attrs.get("assumptions", [])), "costcalc_version": attrs.get("costcalc_version")}
        return json.dumps({"meta": _json_value(meta), "rows": _records(df)}, indent=2, ensure_ascii=False)
    if fmt == "csv":
        table = attrs.get("price_table") or {}
        return csv_table(df, {"start": attrs.get("start"), "months": attrs.get("months"),
                         "scenario": attrs.get("scenario"), "price_table_version": table.get("version"),
                         "price_table_sha256": table.get("sha256")})
    return text(df, markdown=fmt == "markdown")


_SENSITIVITY_METHOD = ("Each ranged input set to its low, then its high value with every other input at its "
                       "expected value; totals over the whole period. swing_usd = |high_usd - low_usd|.")


def _sensitivity_text(df: pd.DataFrame, markdown: bool) -> str:
    attrs = df.attrs
    lines = []
    title = (f"costcalc sensitivity: {_text(attrs.get('start'), markdown)} for {attrs.get('months')} months, "
             f"scenario {_text(attrs.get('scenario'), markdown)}, USD")
    lines.append(f"# {title}" if markdown else title)
    lines.append(_wrap(_SENSITIVITY_METHOD + " Largest swing first.", markdown))
    if df.empty:
        lines += ["", "No profile has a range {low, expected, high}: nothing to vary."]
    groups = list(dict.fromkeys(zip(df["profile"], df["model"])))
    for profile, model in groups:
        part = df[(df["profile"] == profile) & (df["model"] == model)]
        lines.append("")
        header = f"{profile} on {model}: expected {_money(part['expected_usd'].iloc[0])} over the period"
        lines.append(f"## {markdown_text(header)}" if markdown else _one_line(header))
        lines.append("")
        rows = [[r.input, f"{decimal_text(r.low_value)} .. {decimal_text(r.high_value)}",
                 _money(r.low_usd), _money(r.high_usd), _money(r.swing_usd)] for r in part.itertuples()]
        lines.append(_table(["input", "low .. high", "total at low", "total at high", "swing"], rows,
                            [False, False, True, True, True], markdown))
    if attrs.get("skipped"):
        skipped = ", ".join(_text(name, markdown) for name in attrs["skipped"])
        lines += ["", _wrap("Without ranges (not varied): " + skipped + ".", markdown, "")]
    lines += ["", f"Price table {_table_meta(attrs.get('price_table'), markdown)}. Money in USD ($).",
                  ROUNDING_NOTE]
    return "\n".join(lines).rstrip() + "\n"


# -- break-even -----------------------------------------------------------------------------------------

def render_break_even(df: pd.DataFrame, fmt: str) -> str:
    df = python_values(df)
    extra = {"self_host": df.attrs.get("self_host"), "notes": list(df.attrs.get("notes", []))}
    return _render_table(df, fmt, "costcalc.break-even/1", extra, _break_even_text)


def _whole(value) -> str:
    """A request volume, rounded up to whole requests."""
    if value is None:
        return "never"
    return f"{int(value.to_integral_value(rounding=ROUND_CEILING)):,}"


def _break_even_text(df: pd.DataFrame, markdown: bool) -> str:
    attrs = df.attrs
    host = attrs.get("self_host")
    lines = []
    title = (f"costcalc break-even: {attrs.get('start')} for {attrs.get('months')} month(s), "
             f"scenario {attrs.get('scenario')}, USD")
    lines.append(f"# {title}" if markdown else title)
    for profile in dict.fromkeys(df["profile"]):
        part = df[df["profile"] == profile]
        # the profile's volume: a model not available in part of the months carries less of it
        volume = max((v for v in part["requests_per_month"] if v is not None), default=None)
        lines.append("")
        header = profile + (f": {_whole(volume)} requests/month" if volume is not None else ": no requests")
        lines.append(f"## {markdown_text(header)}" if markdown else _one_line(header))
        lines.append("")
        headers = ["model", "USD/1k req", "x cheapest", "API/month"]
        right = [False, True, True, True]
        if host is not None:
            headers += ["self-host/month", "break-even", "always above"]
            right += [True, True, True]
        rows = []
        for r in part.itertuples():
            if r.api_usd_per_request is None:
                rows.append([r.model] + ["-"] * (len(headers) - 1))
                continue
            ratio = r.ratio_to_cheapest
            row = [r.model, f"{(r.api_usd_per_request * 1000).quantize(Decimal('0.0001')):,f}",
                   "n/a" if ratio is None else f"{ratio.quantize(Decimal('0.01')):f}x", _money(r.api_usd_per_month)]
            if host is not None:
                row += [f"{_money(r.self_host_usd_per_month)} ({r.nodes_at_volume})",
                        _whole(r.break_even_requests_per_month), _whole(r.self_host_always_cheaper_from)]
            rows.append(row)
        lines.append(_table(headers, rows, right, markdown))
    lines += ["", "Notes:"]
    for note in attrs.get("notes", []):
        lines.append(f"- {note}" if markdown else textwrap.fill(note, 100, initial_indent="  - ",
                                                                 subsequent_indent="    "))
    if host is not None:
        note = ("self-host/month: at the profile's volume, with the nodes it needs in parentheses. "
                "break-even (requests/month): self-hosting is cheaper just above it (one node's monthly cost "
                "/ API cost per request); past each added node the API can be cheaper again until 'always "
                "above' (requests/month). 'never': one node costs more than the API bill of all the "
                "requests it can carry. Volumes rounded up to whole requests.")
        lines.append(f"- {note}" if markdown else textwrap.fill(note, 100, initial_indent="  - ",
                                                                 subsequent_indent="    "))
    lines += ["", f"Price table {_table_meta(attrs.get('price_table'), markdown)}. Money in USD ($).",
                  ROUNDING_NOTE]
    return "\n".join(lines).rstrip() + "\n"
