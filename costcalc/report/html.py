"""Render an estimate document (`costcalc.estimate/2`) as one self-contained HTML page: the chosen plan's
summary and monthly chart first, then charts, each profile's alternatives, rules and notes.

No external assets (inline CSS, inline SVG charts from `svg.py`, no scripts; a Content-Security-Policy
forbids loading anything), every text from the document escaped, and deterministic: the same document
gives the same bytes (no rendering time, stable order, fixed number formatting).

Money in tables is rounded to the cent figure by figure (`cents`), so an amount shows the same cents
whatever else the page holds; it is shown in the document's currency (USD x fx.rate, see `Shown`). Charts show the
expected case when the document has low/high cases.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from html import escape

from ..money import decimal_text
from ..summary import cents, dsum, summarize
from . import svg
from .chartdata import when
from .plandoc import horizon
from .document import (NOT_AVAILABLE_KEY, Shown, fee_summary, in_shown_currency, month_columns, to_frame,
                       unavailable_months, verdict_caution)

__all__ = ["render_html"]

_EXPECTED = "expected"


def _e(text) -> str:
    return escape("" if text is None else str(text), quote=True)


def _money(value: Decimal) -> str:
    """Cents with thousands separators, from an exact Decimal (already in the shown currency)."""
    return f"{cents(value):,.2f}"


def _rate(value: Decimal) -> str:
    """Cost per 1,000 requests: cents, or four decimals under one unit."""
    if abs(value) >= 1 or value == 0:
        return _money(value)
    return f"{value.quantize(Decimal('0.0001')):f}"


# -- reading the document -----------------------------------------------------------------------------

def _expected(record: dict) -> bool:
    return record.get("case", _EXPECTED) in (_EXPECTED, None)


def _order(values) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values))


# -- the page -----------------------------------------------------------------------------------------

_CSS = """
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --rule: #d1d9e0; --band: #f6f8fa;
  --accent: #0a5fb4; --good: #1a7f37; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--ink);
  font: 14px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 28px 32px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--rule); }
h3 { font-size: 16px; margin: 28px 0 6px; }
p { margin: 6px 0; }
.subtitle { color: var(--muted); margin: 0 0 8px; }
.note { color: var(--muted); font-size: 13px; }
.currency-note { background: var(--band); border-left: 3px solid var(--accent); padding: 6px 10px; }
.tags { color: var(--muted); font-size: 13px; font-weight: normal; margin-left: 8px; }
table { border-collapse: collapse; margin: 8px 0 12px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 12px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); font-weight: 600; white-space: nowrap; }
td.money, th.money { text-align: right; white-space: nowrap; }
caption { caption-side: top; text-align: left; padding: 0 0 4px; }
tr.total td { font-weight: 600; border-top: 2px solid var(--ink); }
tr.over td { color: #b3261e; }
.headline { font-size: 15px; }
tbody tr:nth-child(even) td { background: #fbfcfd; }
.cheapest { color: var(--good); font-weight: 600; }
.scroll { overflow-x: auto; }
.verdict { font-weight: 500; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 18px 24px; }
figure { margin: 0; }
figcaption { color: var(--muted); font-size: 12px; }
svg.chart { display: block; max-width: 100%; height: auto; background: #fff; }
svg.chart .chart-title { font-weight: 600; font-size: 13px; fill: var(--ink); }
svg.chart .chart-subtitle { fill: var(--muted); font-size: 11px; }
svg.chart .tick-label, svg.chart .legend-label { fill: var(--muted); font-size: 11px; }
svg.chart .axis-label { fill: var(--ink); font-size: 11px; }
svg.chart .grid { stroke: #e5e9ee; stroke-width: 1; }
svg.chart .baseline { stroke: var(--ink); stroke-width: 1; }
svg.chart .price-change-line { stroke: #b3261e; stroke-width: 1.5; stroke-dasharray: 4 3; }
svg.chart .price-change-label { fill: #b3261e; font-size: 11px; font-weight: 600; paint-order: stroke;
  stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg.chart .bar { stroke: #fff; stroke-width: 0.5; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
ul { margin: 6px 0; padding-left: 22px; }
details summary { cursor: pointer; color: var(--accent); }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--rule);
  padding-top: 10px; }
@media print { .charts { display: block; } figure { break-inside: avoid; margin-bottom: 16px; } }
"""


def render_html(document: dict) -> str:
    """The whole report as one HTML string (UTF-8 text; write it as is)."""
    document = in_shown_currency(document)  # amounts in the shown currency, native prices included
    meta = document.get("meta", {})
    rows = document.get("rows", [])
    shown = Shown(meta)
    months = horizon(meta, rows)
    profiles_meta = meta.get("profiles") or {}
    profile_order = _order(list(profiles_meta) + [r["profile"] for r in rows])
    model_order = _order(r["model"] for r in rows)
    profile_colour = {p: svg.colour(i) for i, p in enumerate(profile_order)}
    model_colour = {m: svg.colour(i) for i, m in enumerate(model_order)}

    monthly: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)   # (model, profile) -> month -> USD
    for record in document.get("totals", []):
        if _expected(record):
            key = (str(record["model"]), str(record["profile"]))
            month = str(record["month"])
            monthly[key][month] = monthly[key].get(month, Decimal(0)) + Decimal(str(record["cost_usd"]))

    title = (f"costcalc estimate: {meta.get('start')} for {meta.get('months')} months, "
             f"scenario {meta.get('scenario')}, {shown.code}")
    out = ['<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
           '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
           'style-src \'unsafe-inline\'; img-src data:">\n'
           '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
           f'<meta name="generator" content="costcalc {_e(meta.get("costcalc_version") or "")}">\n'
           f'<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n']
    out.append(f'<header><h1>costcalc estimate</h1>\n<p class="subtitle">'
               f'Start <strong class="start">{_e(meta.get("start"))}</strong> &middot; '
               f'<strong class="months">{_e(meta.get("months"))}</strong> months &middot; '
               f'scenario <strong class="scenario">{_e(meta.get("scenario"))}</strong> &middot; '
               f'currency <strong class="currency">{_e(shown.code)}</strong></p>\n'
               f'<p class="currency-note">{_e(shown.note)}</p></header>\n')

    if not rows:
        out.append('<p class="empty">No cost lines: no profile has traffic in these months for these models.</p>\n')
    else:
        out.append(_plan_summary(document, months, profile_colour, shown))
        out.append(_charts(document, rows, months, monthly, model_order, profile_order, profile_colour,
                           model_colour, shown))
        out.append(_profiles(document, profiles_meta, profile_order, shown))
        out.append(_rules(rows, model_order))
    out.append(_not_available(meta))
    out.append(_assumptions(meta))
    out.append(_footer(meta))
    out.append("</main>\n</body>\n</html>\n")
    return "".join(out)


def _money_head(label: str, shown: Shown) -> str:
    return f'<th class="money">{_e(label)} ({_e(shown.code)})</th>'


def _plan_summary(document, months, profile_colour, shown: Shown) -> str:
    """The answer first: the chosen plan's spend per month per profile and in total (a table and a
    stacked bar chart), the cheapest plan and what it saves, unit costs per profile on its chosen model,
    every plan's total and the budgets. Formats the document's plan sections; computes nothing."""
    from .headline import budget_title, budget_verdicts, unit

    plans = {p["name"]: p for p in document.get("plans") or []}
    head = document.get("headline") or {}
    chosen = plans.get(head.get("plan"))
    if chosen is None:
        return ""
    code, sym = shown.code, shown.symbol
    name = chosen["name"]
    parts = [f'<section id="plan" data-plan="{_e(name)}"><h2>Plan {_e(name)}: spend per month</h2>\n',
             f'<p class="note">A plan picks one model per profile ({_e(chosen["description"])}); a profile\'s '
             f'models are alternatives, so no figure adds them together. Expected case.</p>\n']
    for note in chosen.get("notes") or []:
        parts.append(f'<p class="note">Note: {_e(note)}.</p>\n')
    parts.append(f'<p class="headline">Plan {_e(name)} over the period: <strong class="plan-total" '
                 f'data-plan="{_e(name)}">{sym}{_money(Decimal(chosen["total"]["cost"]))}</strong> {_e(code)}.')
    cheapest = head.get("cheapest")
    if cheapest and cheapest["plan"] != name and Decimal(cheapest["saves"]["cost"]) > 0:
        pct = cheapest.get("saves_pct")
        share = f" ({Decimal(pct).quantize(Decimal('0.1'))}%)" if pct is not None else ""
        parts.append(f' Cheapest plan: {_e(cheapest["plan"])} at <span class="plan-total" '
                     f'data-plan="{_e(cheapest["plan"])}">{sym}{_money(Decimal(cheapest["total"]["cost"]))}</span>, '
                     f'saving <span class="plan-saving">{sym}{_money(Decimal(cheapest["saves"]["cost"]))}</span>'
                     f'{share}.')
    else:
        parts.append(f" Plan {_e(name)} is the cheapest plan.")
    parts.append("</p>\n")
    # chart: the chosen plan's months, one stacked segment per profile
    series = [svg.Series(f'{p["profile"]} ({p["model"]})', [float(Decimal(m["cost"])) for m in p["months"]],
                         profile_colour.get(p["profile"], svg.colour(i)))
              for i, p in enumerate(chosen["profiles"])]
    chart = svg.Chart(chart_id="plan-months", kind="plan", title=f"Plan {name}: spend per month",
                      subtitle=f"{sym}{_money(Decimal(chosen['total']['cost']))} over the period",
                      x_label="Month (UTC)", y_label=f"Spend per month, {code} ({sym})",
                      categories=[m["month"] for m in chosen["months"]], symbol=sym, width=960, height=380,
                      description=f"Stacked bars: plan {name}'s spend per month in {code}, one segment per "
                                  f"profile on its chosen model.")
    parts.append('<figure class="chart-figure wide">' + svg.stacked_bars(chart, series) + "</figure>\n")
    # table: months x profiles, plan total
    profiles = chosen["profiles"]
    parts.append('<div class="scroll"><table class="plan-months"><thead><tr><th>Month</th>'
                 + "".join(f'<th class="money">{_e(p["profile"])}<br><span class="note">{_e(p["model"])}</span></th>'
                           for p in profiles)
                 + _money_head("Plan total", shown) + "</tr></thead><tbody>\n")
    for i, month in enumerate(chosen["months"]):
        parts.append(f'<tr><td>{_e(month["month"])}</td>' + "".join(
            f'<td class="money">{_money(Decimal(p["months"][i]["cost"]))}</td>' for p in profiles)
            + f'<td class="money plan-month" data-plan="{_e(name)}" data-month="{_e(month["month"])}">'
            f'{_money(Decimal(month["cost"]))}</td></tr>\n')
    parts.append('<tr class="total"><td>Total</td>' + "".join(
        f'<td class="money">{_money(Decimal(p["total"]["cost"]))}</td>' for p in profiles)
        + f'<td class="money plan-total" data-plan="{_e(name)}">{_money(Decimal(chosen["total"]["cost"]))}</td>'
        f'</tr>\n</tbody></table></div>\n')
    # unit costs
    parts.append('<div class="scroll"><table class="plan-units"><caption class="note">Per profile on its '
                 'chosen model: requests per month (average over the period), cost per request and per 1,000 '
                 'requests (the period\'s cost over its requests).</caption><thead><tr><th>Profile</th>'
                 '<th>Model</th><th class="money">Requests/month</th>' + _money_head("Per request", shown)
                 + _money_head("Per 1,000 requests", shown) + _money_head("Period", shown)
                 + "</tr></thead><tbody>\n")
    for p in profiles:
        per, per_1k = p.get("cost_per_request"), p.get("cost_per_1k")
        parts.append(f'<tr><td>{_e(p["profile"])}</td><td>{_e(p["model"])}</td>'
                     f'<td class="money">{Decimal(p["requests_per_month"]):,.0f}</td>'
                     f'<td class="money">{"n/a" if per is None else _e(unit(per["cost"]))}</td>'
                     f'<td class="money">{"n/a" if per_1k is None else _e(unit(per_1k["cost"]))}</td>'
                     f'<td class="money">{_money(Decimal(p["total"]["cost"]))}</td></tr>\n')
    parts.append("</tbody></table></div>\n")
    # every plan
    parts.append('<div class="scroll"><table class="plans"><caption class="note">Every plan over the period.'
                 '</caption><thead><tr><th>Plan</th><th>Models</th>' + _money_head("Total", shown)
                 + _money_head(f"Against plan {name}", shown) + "</tr></thead><tbody>\n")
    for plan in plans.values():
        picks = ", ".join(f'{p["profile"]}: {p["model"]}' for p in plan["profiles"])
        diff = Decimal(plan["total"]["cost"]) - Decimal(chosen["total"]["cost"])
        parts.append(f'<tr><td>{_e(plan["name"])}</td><td class="note">{_e(picks)}</td>'
                     f'<td class="money plan-total" data-plan="{_e(plan["name"])}">'
                     f'{_money(Decimal(plan["total"]["cost"]))}</td>'
                     f'<td class="money">{"+" if diff > 0 else ""}{_money(diff)}</td></tr>\n')
    parts.append("</tbody></table></div>\n")
    for budget in document.get("budgets") or []:
        monthly, period = budget.get("monthly") is not None, budget.get("period") is not None
        parts.append(f'<h3>Budget: {_e(budget_title(budget))}</h3>\n<p class="budget-verdict">'
                     f'{_e("; ".join(budget_verdicts(budget)))}.</p>\n<div class="scroll"><table class="budget">'
                     f'<thead><tr><th>Month</th><th class="money">Spend ({_e(budget["currency"])})</th>'
                     + ('<th class="money">Headroom</th><th>Status</th>' if monthly else "")
                     + ('<th class="money">Cumulative</th><th class="money">Period left</th>' if period else "")
                     + "</tr></thead><tbody>\n")
        for m in budget["months"]:
            over = monthly and m["over"]
            row_class = ' class="over"' if over else ""
            parts.append(f'<tr{row_class}><td>{_e(m["month"])}</td>'
                         f'<td class="money">{_money(Decimal(m["spend"]))}</td>'
                         + (f'<td class="money">{_money(Decimal(m["headroom"]))}</td>'
                            f'<td>{"over" if over else ""}</td>' if monthly else "")
                         + (f'<td class="money">{_money(Decimal(m["cumulative"]))}</td>'
                            f'<td class="money">{_money(Decimal(m["period_left"]))}</td>' if period else "")
                         + "</tr>\n")
        parts.append("</tbody></table></div>\n")
    parts.append("</section>\n")
    return "".join(parts)


def _charts(document, rows, months, monthly, model_order, profile_order, profile_colour, model_colour,
            shown: Shown) -> str:
    unit = f"{shown.code} ({shown.symbol})"
    markers = document["price_changes"]  # computed once, with the document
    parts = ['<section id="charts"><h2>Charts</h2>\n',
             '<p class="note">Expected case. Dashed red lines mark where a model\'s price rule changes '
             '(the rule label that starts there); hover a bar, point or line for exact values.</p>\n',
             '<h3>Monthly spend per model, by profile</h3>\n<p class="note">One chart per model, each on its '
             'own scale; bars stack the profiles that use the model.</p>\n<div class="charts">\n']
    for n, model in enumerate(model_order):
        series = []
        for profile in profile_order:
            by_month = monthly.get((model, profile))
            if not by_month:
                continue
            series.append(svg.Series(profile, [float(shown(by_month[m])) if m in by_month else None
                                               for m in months], profile_colour[profile]))
        total = dsum(v for s_profile in profile_order for v in monthly.get((model, s_profile), {}).values())
        chart = svg.Chart(chart_id=f"spend-{n}", kind="spend",
                          title=f"{model}: spend per month",
                          subtitle=f"{shown.symbol}{_money(shown(total))} over the period",
                          x_label="Month (UTC)", y_label=f"Spend per month, {unit}", categories=months,
                          symbol=shown.symbol,
                          description=f"Stacked bars: {model}'s spend per month in {shown.code}, one segment "
                                      f"per profile; dashed lines mark price rule changes.")
        model_markers = [svg.Marker(m["position"], m["label"], m["detail"]) for m in markers.get(model, [])]
        parts.append(f'<figure class="chart-figure" data-model="{_e(model)}">'
                     + svg.stacked_bars(chart, series, model_markers))
        if model_markers:
            parts.append('<figcaption class="price-change-list">Price changes: '
                         + "; ".join(_e(m.detail) for m in model_markers) + "</figcaption>")
        parts.append("</figure>\n")
    parts.append("</div>\n")

    # (b) cumulative spend per plan (a model's spend over the profiles that list it adds nothing up a
    # company would pay: plans pick one model per profile)
    cumulative = []
    for n, plan in enumerate(document.get("plans") or []):
        running, values = Decimal(0), []
        for month in plan["months"]:
            running += Decimal(month["cost"])
            values.append(float(running))
        cumulative.append(svg.Series(f'plan {plan["name"]}', values, svg.colour(n)))
    chart = svg.Chart(chart_id="cumulative", kind="cumulative", title="Cumulative spend per plan",
                      x_label="Month (UTC)", y_label=f"Cumulative spend, {unit}",
                      categories=[m["month"] for m in (document.get("plans") or [{"months": []}])[0]["months"]],
                      symbol=shown.symbol, width=960, height=380,
                      description=f"Lines: each plan's spend summed from the first month, in {shown.code}.")
    parts.append('<h3>Cumulative spend per plan</h3>\n<figure class="chart-figure wide">'
                 + svg.lines(chart, cumulative) + "</figure>\n")

    # (c) cost per 1,000 requests, one chart per profile: its models on the same requests. A figure per
    # model over all the profiles that list it would average different workloads (a model listed only by
    # heavy profiles would look dear next to one listed by light ones), so it is never drawn.
    per_1k = _per_1k(document, months, shown)
    parts.append('<h3>Cost per 1,000 requests, per profile</h3>\n<p class="note">One chart per profile: each '
                 'of its models priced on the same requests (the profile\'s own mix of tokens), so the lines '
                 'compare like with like. Each chart has its own scale.</p>\n<div class="charts">\n')
    rows_1k = []
    for n, profile in enumerate(p for p in profile_order if p in per_1k):
        by_model = per_1k[profile]
        series = [svg.Series(model, [None if v is None else float(v) for v in values], model_colour[model])
                  for model, values in by_model.items()]
        chart = svg.Chart(chart_id=f"per-1k-{n}", kind="per-1k", title=f"{profile}: cost per 1,000 requests",
                          subtitle=f"{len(by_model)} model{'s' if len(by_model) != 1 else ''} on this profile's "
                                   f"requests",
                          x_label="Month (UTC)", y_label=f"Cost per 1,000 requests, {unit}", categories=months,
                          symbol=shown.symbol,
                          description=f"Lines: the cost of 1,000 of {profile}'s requests per month in "
                                      f"{shown.code} on each model it lists: its cost on that model divided "
                                      f"by its requests.")
        parts.append(f'<figure class="chart-figure" data-profile="{_e(profile)}">' + svg.lines(chart, series)
                     + "</figure>\n")
        rows_1k += [(profile, model, values) for model, values in by_model.items()]
    parts.append("</div>\n")
    parts.append('<details><summary>Data: cost per 1,000 requests per profile</summary><div class="scroll">'
                 '<table class="per-1k-table"><thead><tr><th>Profile</th><th>Model</th>'
                 + "".join(f'<th class="money">{_e(m)}</th>' for m in months) + "</tr></thead><tbody>\n")
    for profile, model, per_month in rows_1k:
        parts.append(f"<tr><td>{_e(profile)}</td><td>{_e(model)}</td>" + "".join(
            f'<td class="money per-1k" data-profile="{_e(profile)}" data-model="{_e(model)}" '
            f'data-month="{_e(month)}">{"" if v is None else _rate(v)}</td>' for month, v in zip(months, per_month))
            + "</tr>\n")
    parts.append(f"</tbody></table></div><p class=\"note\">In {_e(unit)}.</p></details>\n</section>\n")
    return "".join(parts)


def _per_1k(document, months, shown: Shown) -> dict[str, dict[str, list[Decimal | None]]]:
    """profile -> model -> per month: the shown cost of 1,000 of the profile's requests on the model
    (expected case; None for a month without requests). Exact: cost / requests x 1000."""
    cost: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for record in document.get("totals", []):
        if _expected(record):
            cost[(str(record["profile"]), str(record["model"]), str(record["month"]))] += \
                Decimal(str(record["cost_usd"]))
    requests: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for record in document.get("meta", {}).get("requests", []):
        if _expected(record):
            requests[(str(record["profile"]), str(record["model"]), str(record["month"]))] += \
                Decimal(str(record["requests"]))
    out: dict[str, dict[str, list[Decimal | None]]] = {}
    for profile, model, _month in requests:
        out.setdefault(profile, {}).setdefault(model, [])
    for profile, by_model in out.items():
        for model in by_model:
            for month in months:
                n = requests.get((profile, model, month))
                by_model[model].append(shown(cost.get((profile, model, month), Decimal(0))) / n * 1000
                                       if n else None)
    return out


def _profiles(document, profiles_meta, profile_order, shown: Shown) -> str:
    frame = to_frame(document)
    frame.attrs.clear()   # pandas deep-copies attrs (requests per month...) on every step; not needed here
    summary = summarize(frame)
    months = month_columns([c for c in summary.columns if len(str(c)) == 7 and str(c)[4] == "-"],
                           document.get("meta", {}))
    model_rank = {m: i for i, m in enumerate(_order(r["model"] for r in document["rows"]))}
    fees = fee_summary(document)
    marks = unavailable_months(document.get("meta", {}))
    parts = ['<section id="profiles"><h2>Profiles</h2>\n']
    for profile in profile_order:
        part = summary[summary["profile"] == profile]
        if part.empty:
            continue
        info = profiles_meta.get(profile) or {}
        has_cases = "case" in part.columns
        expected = part[part["case"] == _EXPECTED] if has_cases else part
        parts.append(f'<article class="profile" data-profile="{_e(profile)}"><h3>{_e(profile)}')
        if info.get("tags"):
            parts.append(f'<span class="tags">{_e(info["tags"])}</span>')
        parts.append("</h3>\n")
        if info.get("summary"):
            parts.append(f'<p class="profile-summary">{_e(info["summary"])}</p>\n')
        if info.get("tokens_per_request"):
            bits = "; ".join(_derived(m, t) for m, t in info["tokens_per_request"].items())
            parts.append(f'<p class="note">Tokens per request from the samples, each model\'s own tokenizer: '
                         f'{_e(bits)}.</p>\n')
        # summary: models x total, cheapest, savings (expected case, cheapest first)
        parts.append('<div class="scroll"><table class="summary"><thead><tr><th>Model</th><th>Provider</th>'
                     + _money_head("Total", shown) + '<th>Rank</th>'
                     + _money_head("Savings vs most expensive", shown) + '<th class="money">Savings %</th>'
                     '</tr></thead><tbody>\n')
        for _, row in expected.sort_values(["rank", "model"]).iterrows():
            cheapest = bool(row["cheapest"])
            badge = ' <span class="cheapest">cheapest</span>' if cheapest else ""
            row_class = ' class="cheapest-row"' if cheapest else ""
            parts.append(f'<tr{row_class}><td>{_e(row["model"])}{badge}</td>'
                         f'<td>{_e(row["provider"])}</td>'
                         f'<td class="money model-total" data-profile="{_e(profile)}" data-model="{_e(row["model"])}">'
                         f'{_money(shown(row["total_usd"]))}</td><td>{int(row["rank"])}</td>'
                         f'<td class="money">{_money(shown(row["savings_vs_most_expensive_usd"]))}</td>'
                         f'<td class="money">{_e(decimal_text(row["savings_pct"]))}%</td></tr>\n')
        parts.append("</tbody></table></div>\n")
        marked = {m: marks[(profile, m)] for m in expected["model"] if (profile, m) in marks}
        caution = verdict_caution(document.get("meta", {}), profile, list(expected["model"]))
        parts.append(f'<p class="verdict">{_e(_verdict(expected, shown) + caution)}</p>\n')
        own_fees = [f for f in fees if f["profile"] == profile]
        if own_fees:
            parts.append(_fees_table(profile, own_fees, shown))
        if has_cases and (part["case"] != _EXPECTED).any():
            parts.append(_ranges(part, shown))
        ordered = expected.sort_values("model", key=lambda s: s.map(lambda m: model_rank.get(m, 0)))
        parts.append(_month_table(profile, ordered, months, shown, marked))
        parts.append("</article>\n")
    parts.append("</section>\n")
    return "".join(parts)


def _fees_table(profile: str, fees: list[dict], shown: Shown) -> str:
    """The per-call tool fees of a profile: their own component, included in the totals."""
    body = "".join(
        f'<tr><td>{_e(f["model"])}</td><td class="mono">{_e(f["tool"])}</td>'
        f'<td class="money">{_e(_calls(f["calls"]))}</td>'
        f'<td class="money fee" data-profile="{_e(profile)}" data-model="{_e(f["model"])}" '
        f'data-tool="{_e(f["tool"])}">{_money(f["cost"])}</td></tr>\n' for f in fees)
    return ('<div class="scroll"><table class="fees"><caption class="note">Tool fees per call over the period '
            '(expected case), included in the totals above.</caption><thead><tr><th>Model</th><th>Tool</th>'
            '<th class="money">Calls</th>' + _money_head("Fees", shown) + '</tr></thead><tbody>\n' + body
            + '</tbody></table></div>\n')


def _calls(value: Decimal) -> str:
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.1f}"


def _derived(model: str, t: dict) -> str:
    text = f"{model} {t.get('input')} in"
    if not t.get("exact", True):
        text += f" (estimate, {t.get('input_low')}-{t.get('input_high')})"
    if t.get("output") is not None:
        text += f" / {t['output']} out"
    return text


def _verdict(expected, shown: Shown) -> str:
    sym = shown.symbol
    if expected.empty:
        return "No cost in the expected case."
    if len(expected) < 2:
        row = expected.iloc[0]
        return f"{row['model']}: {sym}{_money(shown(row['total_usd']))} over the period."
    best = expected.sort_values(["rank", "model"]).iloc[0]
    worst = expected.sort_values(["rank", "model"]).iloc[-1]
    return (f"Cheapest: {best['model']} at {sym}{_money(shown(best['total_usd']))}, "
            f"{sym}{_money(shown(best['savings_vs_most_expensive_usd']))} ({decimal_text(best['savings_pct'])}%) "
            f"less than {worst['model']}.")


def _ranges(part, shown: Shown) -> str:
    rows = []
    for model in dict.fromkeys(part["model"]):
        by_case = part[part["model"] == model].set_index("case")["total_usd"]
        rows.append(f"<tr><td>{_e(model)}</td>" + "".join(
            f'<td class="money">{_money(shown(by_case.get(case, Decimal(0))))}</td>'
            for case in ("low", _EXPECTED, "high")) + "</tr>\n")
    return ('<p class="note">Cases by cost: low takes each range at the end that lowers this model\'s cost, '
            'high at the end that raises it.</p>'
            '<div class="scroll"><table class="cases"><thead><tr><th>Model</th>'
            + _money_head("Low", shown) + _money_head("Expected", shown) + _money_head("High", shown)
            + "</tr></thead><tbody>\n" + "".join(rows) + "</tbody></table></div>\n")


def _month_cell(value: Decimal, mark: str | None) -> str:
    if mark == "n/a":
        return '<td class="money not-available" title="not available: no price">n/a</td>'
    if mark == "partial":
        return (f'<td class="money partial" title="partial month: priced only while the model is '
                f'available">{value:,.2f}*</td>')
    return f'<td class="money">{value:,.2f}</td>'


def _month_table(profile: str, expected, months: list[str], shown: Shown, marked: dict | None = None) -> str:
    models = list(expected["model"])
    marked = marked or {}
    columns = []
    for _, row in expected.iterrows():
        values = [shown(row.get(m, Decimal(0))) for m in months]  # a month only marked n/a has no column
        columns.append(([cents(v) for v in values], cents(shown(row["total_usd"]))))
    head = "".join(f'<th class="money">{_e(m)}</th>' for m in models)
    body = []
    for i, month in enumerate(months):
        body.append(f"<tr><td>{_e(month)}</td>" + "".join(
            _month_cell(col[0][i], marked.get(m, {}).get(month)) for m, col in zip(models, columns)) + "</tr>\n")
    body.append('<tr class="total"><td>Total</td>' + "".join(
        f'<td class="money month-total" data-profile="{_e(profile)}" data-model="{_e(m)}">{col[1]:,.2f}</td>'
        for m, col in zip(models, columns)) + "</tr>\n")
    key = f" {_e(NOT_AVAILABLE_KEY)}" if marked else ""
    return (f'<div class="scroll"><table class="months" data-profile="{_e(profile)}"><caption class="note">'
            f'Monthly spend per model, {_e(shown.code)} ({_e(shown.symbol)}), expected case; cents rounded so '
            f'each column adds up to its total.{key}</caption><thead><tr><th>Month</th>{head}</tr></thead><tbody>\n'
            + "".join(body) + "</tbody></table></div>\n")


def _rules(rows, model_order) -> str:
    seen: dict[tuple[str, str], dict] = {}
    for row in rows:
        if row.get("rule") is None:
            continue
        key = (str(row["model"]), str(row["rule"]))
        entry = seen.setdefault(key, {"months": set(), "start": None, "end": None})
        entry["months"].add(str(row["month"]))
        start, end = row.get("period_start"), row.get("period_end")
        if start and (entry["start"] is None or start < entry["start"]):
            entry["start"] = start
        if end and (entry["end"] is None or end > entry["end"]):
            entry["end"] = end
    parts = ['<section id="rules"><h2>Price rules applied</h2>\n<div class="scroll"><table class="rules">'
             '<thead><tr><th>Model</th><th>Rule</th><th>Months</th><th>First applied</th><th>Last applied until'
             '</th></tr></thead><tbody>\n']
    rank = {m: i for i, m in enumerate(model_order)}
    for (model, rule) in sorted(seen, key=lambda k: (rank.get(k[0], 0), k[1])):
        entry = seen[(model, rule)]
        months = sorted(entry["months"])
        span = months[0] if len(months) == 1 else f"{months[0]} \u2013 {months[-1]}"
        parts.append(f'<tr><td>{_e(model)}</td><td class="mono">{_e(rule)}</td><td>{_e(span)}</td>'
                     f'<td class="mono">{_e(when(entry["start"]))}</td>'
                     f'<td class="mono">{_e(when(entry["end"]))}</td></tr>\n')
    parts.append("</tbody></table></div></section>\n")
    return "".join(parts)


def _not_available(meta) -> str:
    """Stretches without a price (before a model's launch, after its retirement): no cost lines, so
    listed here, in the manner of infracost's "price not found"."""
    entries = meta.get("not_available") or []
    if not entries:
        return ""
    rows = "".join(
        f'<tr><td>{_e(e["profile"])}</td><td>{_e(e["model"])}</td><td class="mono">{_e(when(e["from"]))}</td>'
        f'<td class="mono">{_e(when(e["until"]))}</td><td>{_e(", ".join(e["months"]))}</td>'
        f'<td>{_e(", ".join(e["partial"]))}</td><td>{_e(e["reason"])}: {_e(e["detail"])}</td></tr>\n'
        for e in entries)
    return ('<section id="not-available"><h2>Not available</h2>\n<p class="note">No price, so no cost: '
            'these stretches are left out of every total. A partial month is priced for the rest of the '
            'month.</p>\n<div class="scroll"><table class="not-available"><thead><tr><th>Profile</th>'
            '<th>Model</th><th>From</th><th>Until</th><th>Months</th><th>Partial</th><th>Reason</th>'
            f'</tr></thead><tbody>\n{rows}</tbody></table></div></section>\n')


def _assumptions(meta) -> str:
    items = "".join(f"<li>{_e(a)}</li>\n" for a in meta.get("assumptions") or [])
    return f'<section id="assumptions"><h2>Assumptions</h2>\n<ul class="assumptions">\n{items}</ul></section>\n'


def _footer(meta) -> str:
    table = meta.get("price_table") or {}
    return (f'<footer><p>Price table <strong class="price-table-version">{_e(table.get("version"))}</strong>, '
            f'sha256 <code class="price-table-sha256">{_e(table.get("sha256"))}</code>. '
            f'costcalc {_e(meta.get("costcalc_version"))}, schema {_e(meta.get("schema"))}. '
            f'Each amount is rounded to the cent on its own; exact decimals in the json and csv formats.'
            f'</p></footer>\n')
