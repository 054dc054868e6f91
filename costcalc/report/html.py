"""Render an estimate document (`costcalc.estimate/2`) as one self-contained HTML page: the chosen plan's
summary and monthly chart first, then charts, each profile's alternatives, rules and notes.

No external assets (inline CSS, inline SVG charts from `svg.py`, no scripts; a Content-Security-Policy
forbids loading anything), every text from the document escaped, and deterministic: the same document
gives the same bytes (no rendering time, stable order, fixed number formatting).

The page is a template: costcalc/data/templates/estimate.html (package data, so it ships in the wheel
with the rest of costcalc/) holds the markup, the CSS and the fixed words, as named `string.Template`
pieces; this module reads the document, formats its numbers and fills the pieces through `_fill`, the
one place values are escaped (each once; markup built from other pieces, `Html`, goes in as it is). The
SVG charts come from svg.py, which escapes its own labels. The standard library's string.Template
rather than Jinja2: the page needs substitution only (its few loops and conditions read better as
Python over the document than as template logic), and Jinja2 would be a new core dependency (with
MarkupSafe) for one report, imported on every HTML rendering.

Money in tables is rounded to the cent figure by figure (`cents`), so an amount shows the same cents
whatever else the page holds; it is shown in the document's currency (USD x fx.rate, see `ShownCurrency`).
Charts show the expected case when the document has low/high cases.

Why one module of about 500 lines: it is the one place document sections become the template's pieces
(each section a short function filling a named piece); the markup is in the template, the charts in
svg.py, the figures in the document.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from html import escape
from importlib import resources
from string import Template

from ..money import decimal_text
from ..money import cents
from ..workload_plans import ALL_ON
from . import svg
from .chartdata import when
from .plandoc import horizon
from .document import NOT_AVAILABLE_KEY, verdict_caution
from .shown_currency import ShownCurrency
from .unitcosts import unit_label, unit_owners
from .document_types import (Amounts, Budget, ComparisonCase, EstimateDocument, Headline, ModelComparison,
                             ProfileComparison, ToolFee)
from .headline import budget_title, budget_verdicts
from .headline import not_available_note, plan_verdict, saving_shown, unit

__all__ = ["render_html"]

_EXPECTED = "expected"


def _e(text) -> str:
    """The one way a value becomes HTML text: escaped (quotes too, so it is safe in an attribute)."""
    return escape("" if text is None else str(text), quote=True)


class Html(str):
    """Markup html.py built from the document (each value in it escaped by _e as it went in): a template
    takes it as it is."""


@functools.lru_cache(maxsize=1)
def _templates() -> dict[str, Template]:
    """The report's templates (costcalc/data/templates/estimate.html, package data), by name."""
    text = (resources.files("costcalc") / "data" / "templates" / "estimate.html").read_text(encoding="utf-8")
    parts = re.split(r"^<!-- template: ([\w-]+)( inline)? -->\n", text, flags=re.MULTILINE)
    return {name: Template(body[:-1] if inline else body)  # inline: a piece of a line, without its newline
            for name, inline, body in zip(parts[1::3], parts[2::3], parts[3::3])}


def _fill(template: str, /, **values) -> Html:
    """A template with its values: each escaped here, once, unless it is markup built already."""
    return Html(_templates()[template].substitute({k: v if isinstance(v, Html) else _e(v)
                                                   for k, v in values.items()}))


def _money(value: Decimal) -> str:
    """Cents with thousands separators, from an exact Decimal (already in the shown currency)."""
    return f"{cents(value):,.2f}"


def _rate(value: Decimal) -> str:
    """Cost per 1,000 requests: cents, or four decimals under one unit."""
    if abs(value) >= 1 or value == 0:
        return _money(value)
    return f"{value.quantize(Decimal('0.0001')):f}"


# -- reading the document -----------------------------------------------------------------------------

def _expected_case(profile: ProfileComparison) -> ComparisonCase:
    """A profile's comparison in the expected case (the one charts and verdicts show)."""
    cases = {c["case"]: c for c in profile["cases"]}
    return cases.get(_EXPECTED) or profile["cases"][0]


def _order(values) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values))


# -- the page -----------------------------------------------------------------------------------------



def render_html(document: EstimateDocument) -> str:
    """The whole report as one HTML string (UTF-8 text; write it as is)."""
    meta = document.get("meta", {})
    rows = document.get("rows", [])
    shown = ShownCurrency(meta)
    months = horizon(meta, rows)
    profiles_meta = meta.get("profiles") or {}
    profile_order = _order(list(profiles_meta) + [r["profile"] for r in rows])
    model_order = _order(r["model"] for r in rows)
    profile_colour = {p: svg.colour(i) for i, p in enumerate(profile_order)}
    model_colour = {m: svg.colour(i) for i, m in enumerate(model_order)}

    # (model, profile) -> month -> shown cost, expected case: the document's comparisons
    monthly: dict[tuple[str, str], dict[str, Decimal]] = {
        (m["model"], p["profile"]): {c["month"]: Decimal(c["cost"]) for c in m["months"]}
        for p in document["comparisons"]["profiles"] for m in _expected_case(p)["models"]}

    title = (f"costcalc estimate: {meta.get('start')} for {meta.get('months')} months, "
             f"scenario {meta.get('scenario')}, {shown.code}")
    out: list[str] = []
    if not rows:
        out.append(_fill("empty"))
    else:
        out.append(_plan_summary(document, months, profile_colour, shown))
        out.append(_charts(document, rows, months, monthly, model_order, profile_order, profile_colour,
                           model_colour, shown))
        out.append(_profiles(document, profiles_meta, profile_order, shown))
        out.append(_rules(rows, model_order))
    out.append(_not_available(meta))
    out.append(_assumptions(meta))
    out.append(_footer(meta))
    return _fill("page", version=meta.get("costcalc_version"), title=title, start=meta.get("start"),
                 months=meta.get("months"), scenario=meta.get("scenario"), currency=shown.code,
                 currency_note=shown.note, body=Html("".join(out)))


def _unit_costs(profiles: list, shown: ShownCurrency) -> Html | str:
    """Cost per unit (the whole plan's top-level units:, profiles' units:) per month and over the period;
    nothing without units."""

    columns = [(p, u) for p in profiles for u in p.get("units") or []]
    if not columns:
        return ""

    def cells(values: list) -> Html:
        return Html("".join(_fill("money-cell", value="n/a" if per is None else unit(per["cost"])) for per in values))

    months = [m["month"] for m in columns[0][1]["months"]]
    rows = [_fill("plan-unit-cost-row", month=month, cells=cells([u["months"][i]["per_unit"] for _, u in columns]))
            for i, month in enumerate(months)]
    return _fill("plan-unit-costs", code=shown.code,
                 heads=Html("".join(_fill("plan-unit-cost-head", label=f'{p["profile"]} per {unit_label(u)}',
                                          code=shown.code) for p, u in columns)),
                 rows=Html("".join(rows)), totals=cells([u["per_unit"] for _, u in columns]))


def _plan_summary(document, months, profile_colour, shown: ShownCurrency) -> str:
    """The answer first: the chosen plan's spend per month per profile and in total (a table and a
    stacked bar chart), the cheapest plan and what it saves, unit costs per profile on its chosen model,
    every plan's total and the budgets. Formats the document's plan sections; computes nothing."""

    plans = {p["name"]: p for p in document.get("plans") or []}
    head: Headline = document.get("headline") or Headline(plan=None, cheapest=None)
    chosen = plans.get(head.get("plan") or "")
    if chosen is None:
        return ""
    code, sym = shown.code, shown.symbol
    name = chosen["name"]
    cheapest = head.get("cheapest")
    sentences = plan_verdict(head, name, code)  # a plan total that leaves months out is never compared
    if cheapest and cheapest["saves"] and saving_shown(head, name):
        pct = cheapest.get("saves_pct")
        share = f" ({Decimal(pct).quantize(Decimal('0.1'))}%)" if pct is not None else ""
        verdict = Html(_fill("plan-cheapest", plan=cheapest["plan"], symbol=sym, share=share,
                             total=_money(Decimal(cheapest["total"]["cost"])),
                             saves=_money(Decimal(cheapest["saves"]["cost"])))
                       + (_fill("plan-verdict", text=" ".join(sentences[1:])) if sentences[1:] else ""))
    else:
        verdict = _fill("plan-verdict", text=" ".join(sentences))
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
    profiles = chosen["profiles"]
    # the plan's total month: n/a when no profile has a price, a * when some has none for all or part of it
    month_rows = [_fill("plan-month", month=month["month"], name=name,
                        total="n/a" if month.get("mark") == "n/a"
                        else _money(Decimal(month["cost"])) + ("*" if month.get("mark") else ""),
                        cells=Html("".join(_month_cell(cents(Decimal(p["months"][i]["cost"])),
                                                       p["months"][i].get("mark")) for p in profiles)))
                  for i, month in enumerate(chosen["months"])]
    units = []
    for p in profiles:
        per, per_1k = p.get("cost_per_request"), p.get("cost_per_1k")
        units.append(_fill("plan-unit", profile=p["profile"], model=p["model"],
                           requests=f'{Decimal(p["requests_per_month"]):,.0f}',
                           per_request="n/a" if per is None else unit(per["cost"]),
                           per_1k="n/a" if per_1k is None else unit(per_1k["cost"]),
                           total=_money(Decimal(p["total"]["cost"]))))
    plan_rows = []
    partial = set(head.get("not_compared") or [])
    for plan in plans.values():
        diff = Decimal(plan["total"]["cost"]) - Decimal(chosen["total"]["cost"])
        # a total that leaves months out is not compared with another as if complete
        against = ("not comparable" if plan["name"] != name and {plan["name"], name} & partial
                   else f'{"+" if diff > 0 else ""}{_money(diff)}')
        plan_rows.append(_fill("plan-row", name=plan["name"], total=_money(Decimal(plan["total"]["cost"])),
                               picks=", ".join(f'{p["profile"]}: {p["model"]}' for p in plan["profiles"]),
                               against=against))
    said = not_available_note(chosen)
    return _fill(
        "plan", name=name, description=chosen["description"], code=code, symbol=sym,
        notes=Html("".join(_fill("plan-note", note=note) for note in chosen.get("notes") or [])),
        total=_money(Decimal(chosen["total"]["cost"])), verdict=verdict,
        chart=Html(svg.stacked_bars(chart, series)),
        profile_heads=Html("".join(_fill("plan-profile-head", profile=p["profile"], model=p["model"])
                                   for p in profiles)),
        month_rows=Html("".join(month_rows)),
        profile_totals=Html("".join(_fill("money-cell", value=_money(Decimal(p["total"]["cost"])))
                                    for p in profiles)),
        not_available=_fill("plan-not-available", text=said) if said else "",
        unit_rows=Html("".join(units)), unit_costs=_unit_costs(unit_owners(chosen), shown),
        plan_rows=Html("".join(plan_rows)),
        budgets=Html("".join(_budget(budget) for budget in document.get("budgets") or [])))


def _budget(budget: Budget) -> Html:
    monthly, period = budget.get("monthly") is not None, budget.get("period") is not None
    heads = ((_fill("budget-monthly-heads") if monthly else "") + (_fill("budget-period-heads") if period else ""))
    rows = []
    for m in budget["months"]:
        na = m.get("mark") == "n/a" or m["spend"] is None  # no price that month: no spend nor status
        over = bool(monthly and not na and m["over"])
        cells = []
        if monthly and na:
            cells += [_fill("text-cell", text=""), _fill("text-cell", text="n/a")]
        elif monthly:
            cells += [_fill("money-cell", value=_money(Decimal(m["headroom"]))),
                      _fill("text-cell", text="over" if over else "")]
        if period:
            cells += [_fill("money-cell", value=_money(Decimal(m["cumulative"]))),
                      _fill("money-cell", value=_money(Decimal(m["period_left"])))]
        rows.append(_fill("budget-row", row_class=Html(' class="over"' if over else ""), month=m["month"],
                          spend="n/a" if na else _money(Decimal(str(m["spend"]))) + ("*" if m.get("mark") else ""),
                          cells=Html("".join(cells))))
    return _fill("budget", title=budget_title(budget), verdict="; ".join(budget_verdicts(budget)),
                 currency=budget["currency"], heads=Html(heads), rows=Html("".join(rows)))


def _charts(document, rows, months, monthly, model_order, profile_order, profile_colour, model_colour,
            shown: ShownCurrency) -> Html:
    unit = f"{shown.code} ({shown.symbol})"
    markers = document["price_changes"]  # computed once, with the document
    plans = {p["name"]: p for p in document.get("plans") or []}
    spend = []
    for n, model in enumerate(model_order):
        series = []
        for profile in profile_order:
            by_month = monthly.get((model, profile))
            if not by_month:
                continue
            series.append(svg.Series(profile, [float(by_month[m]) if m in by_month else None
                                               for m in months], profile_colour[profile]))
        # a total across profiles is a plan's: the `all on MODEL` plan where every profile lists the model
        all_on = plans.get(f"{ALL_ON}{model}")
        listing = sum(1 for profile in profile_order if (model, profile) in monthly)
        subtitle = (f"plan {all_on['name']}: {shown.symbol}{_money(Decimal(all_on['total']['cost']))} over the period"
                    if all_on else f"listed by {listing} of {len(profile_order)} profiles: no plan puts every "
                                   f"profile on it")
        chart = svg.Chart(chart_id=f"spend-{n}", kind="spend",
                          title=f"{model}: spend per month",
                          subtitle=subtitle,
                          x_label="Month (UTC)", y_label=f"Spend per month, {unit}", categories=months,
                          symbol=shown.symbol,
                          description=f"Stacked bars: {model}'s spend per month in {shown.code}, one segment "
                                      f"per profile; dashed lines mark price rule changes.")
        model_markers = [svg.Marker(m["position"], m["label"], m["detail"]) for m in markers.get(model, [])]
        caption = _fill("price-changes", details="; ".join(m.detail for m in model_markers)) if model_markers else ""
        spend.append(_fill("spend-figure", model=model, chart=Html(svg.stacked_bars(chart, series, model_markers)),
                           caption=caption))

    # (b) cumulative spend per plan (a model's spend over the profiles that list it adds nothing up a
    # company would pay: plans pick one model per profile)
    cumulative = []
    for n, plan in enumerate(document.get("plans") or []):
        running = Decimal(0)
        values: list[float | None] = []
        for month in plan["months"]:
            running += Decimal(month["cost"])
            # no price at all that month (n/a): a gap, not a flat line that reads as spending nothing
            values.append(None if month.get("mark") == "n/a" else float(running))
        cumulative.append(svg.Series(f'plan {plan["name"]}', values, svg.colour(n)))
    cumulative_chart = svg.Chart(
        chart_id="cumulative", kind="cumulative", title="Cumulative spend per plan", x_label="Month (UTC)",
        y_label=f"Cumulative spend, {unit}", symbol=shown.symbol, width=960, height=380,
        categories=[m["month"] for m in (document.get("plans") or [{"months": []}])[0]["months"]],
        description=f"Lines: each plan's spend summed from the first month, in {shown.code}.")

    # (c) cost per 1,000 requests, one chart per profile: its models on the same requests. A figure per
    # model over all the profiles that list it would average different workloads (a model listed only by
    # heavy profiles would look dear next to one listed by light ones), so it is never drawn.
    per_1k = _per_1k(document, months)
    figures, rows_1k = [], []
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
        figures.append(_fill("per-1k-figure", profile=profile, chart=Html(svg.lines(chart, series))))
        rows_1k += [_fill("per-1k-row", profile=profile, model=model, cells=Html("".join(
            _fill("per-1k-cell", profile=profile, model=model, month=month, value="" if v is None else _rate(v))
            for month, v in zip(months, values)))) for model, values in by_model.items()]
    return _fill("charts", spend=Html("".join(spend)), cumulative=Html(svg.lines(cumulative_chart, cumulative)),
                 per_1k=Html("".join(figures)), unit=unit, rows=Html("".join(rows_1k)),
                 heads=Html("".join(_fill("month-head", model=m) for m in months)))


def _per_1k(document: EstimateDocument, months: list[str]) -> dict[str, dict[str, list[Decimal | None]]]:
    """profile -> model -> per month: the shown cost of 1,000 of the profile's requests on the model
    (expected case; None for a month without requests), from the document's comparisons."""
    out: dict[str, dict[str, list[Decimal | None]]] = {}
    for profile in document["comparisons"]["profiles"]:
        for model in _expected_case(profile)["models"]:
            cells = {c["month"]: c["cost_per_1k"] for c in model["months"]}
            if any(cells.values()):
                out.setdefault(profile["profile"], {})[model["model"]] = [_cost(cells.get(m)) for m in months]
    return out


def _cost(amounts: Amounts | None) -> Decimal | None:
    return None if amounts is None else Decimal(amounts["cost"])


def _profiles(document: EstimateDocument, profiles_meta: dict, profile_order: list[str], shown: ShownCurrency) -> str:
    section = document["comparisons"]
    months = section["months"]
    compared = {c["profile"]: c for c in section["profiles"]}
    model_rank = {m: i for i, m in enumerate(_order(r["model"] for r in document["rows"]))}  # column order
    articles = []
    for profile in [p for p in profile_order if p in compared]:
        cases = {c["case"]: c for c in compared[profile]["cases"]}
        expected = _expected_case(compared[profile])
        info = profiles_meta.get(profile) or {}
        # summary: models x total, cheapest, savings (expected case, cheapest first)
        rows = [_fill("profile-model", profile=profile, model=row["model"], provider=row["provider"],
                      row_class=Html(' class="cheapest-row"' if row["cheapest"] else ""),
                      badge=Html(' <span class="cheapest">cheapest</span>' if row["cheapest"] else ""),
                      total=_money(Decimal(row["total"]["cost"])), rank=row["rank"], pct=_percent(row["savings_pct"]),
                      saving=_money(Decimal(row["savings_vs_most_expensive"]["cost"])))
                for row in _by_rank(expected["models"])]
        models = [m["model"] for m in _by_rank(expected["models"])]
        caution = verdict_caution(document.get("meta", {}), profile, models)
        own_fees = [(m["model"], fee) for m in expected["models"] for fee in m["fees"]]
        ordered = sorted(expected["models"], key=lambda m: model_rank.get(m["model"], 0))
        tokens = info.get("tokens_per_request")
        articles.append(_fill(
            "profile", profile=profile, code=shown.code, rows=Html("".join(rows)),
            tags=_fill("profile-tags", tags=info["tags"]) if info.get("tags") else "",
            summary=_fill("profile-summary", summary=info["summary"]) if info.get("summary") else "",
            tokens=_fill("profile-tokens", bits="; ".join(_derived(m, t) for m, t in tokens.items())) if tokens else "",
            verdict=_verdict(expected, shown) + caution,
            fees=_fees_table(profile, own_fees, shown) if own_fees else "",
            ranges=_ranges(list(cases.values()), shown) if len(cases) > 1 else "",
            months=Html(_month_table(profile, ordered, months, shown))))
    return _fill("profiles", articles=Html("".join(articles)))


def _by_rank(models: list[ModelComparison]) -> list[ModelComparison]:
    return sorted(models, key=lambda m: (m["rank"], m["model"]))


def _percent(text: str) -> str:
    """A savings share to one decimal place, without a trailing .0 (12.5, 40)."""
    return decimal_text(Decimal(text).quantize(Decimal("0.1")))


def _fees_table(profile: str, fees: list[tuple[str, ToolFee]], shown: ShownCurrency) -> Html:
    """The per-call tool fees of a profile: their own component, included in the totals."""
    rows = "".join(_fill("fee", profile=profile, model=model, tool=f["tool"], calls=_calls(Decimal(f["calls"])),
                         cost=_money(Decimal(f["cost"]))) for model, f in fees)
    return _fill("fees", code=shown.code, rows=Html(rows))


def _calls(value: Decimal) -> str:
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.1f}"


def _derived(model: str, t: dict) -> str:
    text = f"{model} {t.get('input')} in"
    if not t.get("exact", True):
        text += f" (estimate, {t.get('input_low')}-{t.get('input_high')})"
    if t.get("output") is not None:
        text += f" / {t['output']} out"
    return text


def _verdict(case: ComparisonCase, shown: ShownCurrency) -> str:
    sym = shown.symbol
    models = {m["model"]: m for m in case["models"]}
    if not models or case["cheapest"] is None or case["most_expensive"] is None:
        return "No cost in the expected case."
    if len(models) < 2:
        only = case["models"][0]
        return f"{only['model']}: {sym}{_money(Decimal(only['total']['cost']))} over the period."
    best, worst = models[case["cheapest"]], models[case["most_expensive"]]
    return (f"Cheapest: {best['model']} at {sym}{_money(Decimal(best['total']['cost']))}, "
            f"{sym}{_money(Decimal(best['savings_vs_most_expensive']['cost']))} ({_percent(best['savings_pct'])}%) "
            f"less than {worst['model']}.")


def _ranges(cases: list[ComparisonCase], shown: ShownCurrency) -> Html:
    totals = {(c["case"], m["model"]): Decimal(m["total"]["cost"]) for c in cases for m in c["models"]}
    order = dict.fromkeys(m["model"] for c in cases for m in _by_rank(c["models"]))
    rows = "".join(_fill("case-row", model=model, **{case: _money(totals.get((case, model), Decimal(0)))
                                                      for case in ("low", _EXPECTED, "high")}) for model in order)
    return _fill("cases", code=shown.code, rows=Html(rows))


def _month_cell(value: Decimal, mark: str | None) -> Html:
    """A month's cents; n/a where the model has no price all month, a * where only part of it."""
    if mark == "n/a":
        return _fill("cell-na")
    if mark == "partial":
        return _fill("cell-partial", value=f"{value:,.2f}")
    return _fill("money-cell", value=f"{value:,.2f}")


def _month_table(profile: str, models: list[ModelComparison], months: list[str], shown: ShownCurrency) -> Html:
    columns = []
    for model in models:
        cells = {c["month"]: c for c in model["months"]}
        values = [(cents(Decimal(cells[m]["cost"])), cells[m]["mark"]) if m in cells else (cents(Decimal(0)), None)
                  for m in months]
        columns.append((model["model"], values, cents(Decimal(model["total"]["cost"]))))
    rows = "".join(_fill("month-row", month=month, cells=Html("".join(_month_cell(*col[1][i]) for col in columns)))
                   for i, month in enumerate(months))
    marked = any(mark for col in columns for _, mark in col[1])
    return _fill("months", profile=profile, code=shown.code, symbol=shown.symbol,
                 key=f" {NOT_AVAILABLE_KEY}" if marked else "", rows=Html(rows),
                 heads=Html("".join(_fill("month-head", model=name) for name, _, _ in columns)),
                 totals=Html("".join(_fill("month-total", profile=profile, model=name, total=f"{total:,.2f}")
                                     for name, _, total in columns)))


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
    rank = {m: i for i, m in enumerate(model_order)}
    parts = []
    for (model, rule) in sorted(seen, key=lambda k: (rank.get(k[0], 0), k[1])):
        entry = seen[(model, rule)]
        months = sorted(entry["months"])
        span = months[0] if len(months) == 1 else f"{months[0]} \u2013 {months[-1]}"
        parts.append(_fill("rule", model=model, rule=rule, months=span, first=when(entry["start"]),
                           last=when(entry["end"])))
    return _fill("rules", rows=Html("".join(parts)))


def _not_available(meta) -> str:
    """Stretches without a price (before a model's launch, after its retirement): no cost lines, so
    listed here, in the manner of infracost's "price not found"."""
    entries = meta.get("not_available") or []
    if not entries:
        return ""
    rows = "".join(_fill("not-available-row", profile=e["profile"], model=e["model"], start=when(e["from"]),
                         end=when(e["until"]), months=", ".join(e["months"]), partial=", ".join(e["partial"]),
                         reason=e["reason"], detail=e["detail"]) for e in entries)
    return _fill("not-available", rows=Html(rows))


def _assumptions(meta) -> str:
    items = "".join(_fill("assumption", text=a) for a in meta.get("assumptions") or [])
    return _fill("assumptions", items=Html(items))


def _footer(meta) -> str:
    table = meta.get("price_table") or {}
    return _fill("footer", version=table.get("version"), sha256=table.get("sha256"),
                 costcalc_version=meta.get("costcalc_version"), schema=meta.get("schema"))
