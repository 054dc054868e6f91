"""The answer an estimate opens with, as text or Markdown: the chosen plan's spend per month per profile
and in total, the period total, the cheapest plan and what it saves, unit costs per profile on its
chosen model, every plan's total, and the budgets. Formats the document's plan sections
(report/plandoc.py); computes nothing. Text lines stay within 100 columns.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from ..errors import _one_line
from ..money import cents
from .. import text_tables
from . import markdown_text
from .document_types import (Budget, BudgetMonth, EstimateDocument, Headline, Plan, PlanMonth, PlanTotalMonth,
                             PlanUnitMonth, UnitMonth)
from . import csv_row
from .unitcosts import unit_label, unit_owners

WIDTH = 100
_INDENT = 2
_MAX_HEADER = 22  # a profile name wider than this is cut in a month table's header (and keyed below it)


def money(value) -> str:
    return f"{cents(Decimal(str(value))):,.2f}"


def unit(value) -> str:
    """A cost per request or per 1,000 requests: cents from one unit up, else four places more."""
    number = Decimal(str(value))
    if abs(number) >= 1 or number == 0:
        return money(number)
    return f"{number.quantize(Decimal('0.000001'), rounding=ROUND_HALF_EVEN):f}"


def count(value) -> str:
    number = Decimal(str(value))
    return f"{number:,.0f}"


def plan_label(name: str) -> str:
    return f"plan {name}"


def _text(value, markdown: bool) -> str:
    return markdown_text(value) if markdown else _one_line(str(value))


def _wrap(text: str, markdown: bool, indent: str = "  ") -> str:
    return text if markdown else textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


def table(headers: list[str], rows: list[list[str]], right: list[bool], markdown: bool) -> str:
    return text_tables.table(headers, rows, right, markdown_table=markdown, indent=_INDENT)


def chunks(first: list[str], columns: list[tuple[str, list[str]]], width: int = WIDTH) -> list[list[int]]:
    """Column indexes split into groups that, after the `first` column, fit in `width` characters."""
    base = _INDENT + max(len(c) for c in first)
    groups: list[list[int]] = [[]]
    used = base
    for i, (head, cells) in enumerate(columns):
        size = 2 + max([len(head)] + [len(c) for c in cells])
        if groups[-1] and used + size > width:
            groups.append([])
            used = base
        groups[-1].append(i)
        used += size
    return groups


def headers(names: list[str]) -> tuple[list[str], list[str]]:
    """Column headers for profile names (a long name cut, numbered so each stays distinct) and the key
    lines that give the full names of the cut ones."""
    out, key = [], []
    for i, name in enumerate(names, start=1):
        if len(name) <= _MAX_HEADER:
            out.append(name)
        else:
            short = f"{name[:_MAX_HEADER - 4]}…({i})"
            out.append(short)
            key.append(f"{short} = {name}")
    return out, key


def headline_lines(document: EstimateDocument, markdown: bool) -> list[str]:
    """The opening section of a text or Markdown estimate ([] when the document has no plans)."""
    plans = {p["name"]: p for p in document.get("plans") or []}
    chosen = plans.get((document.get("headline") or {}).get("plan") or "")
    if chosen is None:
        return []
    code = document["meta"].get("currency") or "USD"
    out = []
    title = (f"Plan {chosen['name']}: spend per month, {code}"
             f" ({chosen['description']})")
    out += ["", f"## {_text(title, markdown)}" if markdown else _wrap(_one_line(title), False, indent="")]
    for note in chosen.get("notes") or []:
        out.append(_wrap(f"Note: {_text(note, markdown)}.", markdown))
    out += _month_table(chosen, markdown)
    out += ["", _units_table(chosen, code, markdown)]
    out += _per_unit_table(chosen, code, markdown)
    out += [""] + _summary(document, plans, chosen, code, markdown)
    budgets = document.get("budgets") or []
    if budgets:
        out += [""] + _budget_lines(budgets, markdown)
    return out


def _month_table(plan: Plan, markdown: bool) -> list[str]:
    profiles = plan["profiles"]
    names = [_text(p["profile"], markdown) for p in profiles]
    heads, key = headers(names) if not markdown else (names, [])
    months = [m["month"] for m in plan["months"]]
    columns = [(h, [_cell(m, markdown) for m in p["months"]] + [money(p["total"]["cost"])])
               for h, p in zip(heads, profiles)]
    columns.append(("total", [_cell(m, markdown) for m in plan["months"]] + [money(plan["total"]["cost"])]))
    first = months + ["total"]
    groups = [list(range(len(columns)))] if markdown else chunks(["month"] + first, columns)
    out = []
    for group in groups:
        rows = [[label] + [columns[i][1][n] for i in group] for n, label in enumerate(first)]
        out += ["", table(["month"] + [columns[i][0] for i in group], rows, [False] + [True] * len(group),
                          markdown)]
    if key:
        out += [""] + [_wrap(line, False) for line in key]
    said = not_available_note(plan)
    if said:
        out += ["", _wrap(_text(said, markdown).replace("*", "\\*") if markdown else said, markdown)]
    return out


def _cell(month: PlanMonth | PlanTotalMonth, markdown: bool) -> str:
    """A profile's (or the plan's total) month: n/a where no price all month, a * where only part."""
    if month.get("mark") == "n/a":
        return "n/a"
    return money(month["cost"]) + (("\\*" if markdown else "*") if month.get("mark") == "partial" else "")


def not_available_note(plan: Plan) -> str:
    """Why a plan's month shows n/a or *, said once under its table ("" when no month is marked): which
    profile's model, and that the plan's total for those months leaves that stretch out."""
    bits = []
    for p in plan["profiles"]:
        none = [m["month"] for m in p["months"] if m.get("mark") == "n/a"]
        part = [m["month"] for m in p["months"] if m.get("mark") == "partial"]
        if none or part:
            when = ([f"{', '.join(none)} (n/a)"] if none else []) + ([f"part of {', '.join(part)} (*)"] if part else [])
            bits.append(f"{p['profile']} on {p['model']} in {' and '.join(when)}")
    if not bits:
        return ""
    return ("Not available: " + "; ".join(bits) + ". n/a: no price all month (before the model's launch or "
            "after its retirement), so no cost is shown, not zero; *: priced only while the model is "
            "available. The plan's totals for those months leave out what has no price.")


def _units_table(plan: Plan, code: str, markdown: bool) -> str:
    rows = []
    for p in plan["profiles"]:
        per, per_1k = p.get("cost_per_request"), p.get("cost_per_1k")
        rows.append([_text(p["profile"], markdown), _text(p["model"], markdown), count(p["requests_per_month"]),
                     "n/a" if per is None else unit(per["cost"]), "n/a" if per_1k is None else unit(per_1k["cost"]),
                     money(p["total"]["cost"])])
    if not markdown:
        for row in rows:  # a profile or model name is the user's text: keep the table within 100 columns
            row[0], row[1] = _cut(row[0], 24), _cut(row[1], 24)
    return table(["profile", "model", "requests/month", "per request", "per 1,000 req", f"period ({code})"],
                 rows, [False, False, True, True, True, True], markdown)


def _per_unit_table(plan: Plan, code: str, markdown: bool) -> list[str]:
    """Cost per unit (a profile's units:, the file's top-level units: as the whole plan's) per month and over
    the period, a column per profile and unit; [] when nothing names units."""
    columns = []
    for p in unit_owners(plan):
        for u in p.get("units") or []:
            shown = ["n/a" if m["per_unit"] is None else unit(m["per_unit"]["cost"]) for m in u["months"]]
            shown.append("n/a" if u["per_unit"] is None else unit(u["per_unit"]["cost"]))
            columns.append((f"{p['profile']} per {unit_label(u)}", shown, u))
    if not columns:
        return []
    names = [_text(c[0], markdown) for c in columns]
    heads, key = headers(names) if not markdown else (names, [])
    first = [m["month"] for m in columns[0][2]["months"]] + ["period"]
    cells = [(h, c[1]) for h, c in zip(heads, columns)]
    groups = [list(range(len(cells)))] if markdown else chunks(["month"] + first, cells)
    out = ["", _wrap(f"Cost per unit, plan {_text(plan['name'], markdown)} ({code}): each month's cost over its "
                     f"units; the period's over the period's units.", markdown, indent="")]
    for group in groups:
        rows = [[label] + [cells[i][1][n] for i in group] for n, label in enumerate(first)]
        out += ["", table(["month"] + [cells[i][0] for i in group], rows, [False] + [True] * len(group), markdown)]
    counts = "; ".join(f"{_text(c[0].replace(' per ', ': '), markdown)} {count(c[2]['count'])}"
                       + (" a month (a count per month: the period's cost over it)" if c[2].get("stock") else "")
                       for c in columns)
    out += ["", _wrap(f"Units over the period: {counts}.", markdown, indent="")]
    if key:
        out += [""] + [_wrap(line, False) for line in key]
    return out


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _summary(document: EstimateDocument, plans: dict[str, Plan], chosen: Plan, code: str, markdown: bool) -> list[str]:
    head = document["headline"]
    name = _text(chosen["name"], markdown)
    lines = [f"Period total, plan {name}: {money(chosen['total']['cost'])} {code}. Requests/month is the "
             f"average over the months its model has a price for; "
             f"cost per request is the period's cost over its requests."]
    lines.append(" ".join(_text(s, markdown) for s in plan_verdict(head, chosen["name"], code)))
    partial = set(head.get("not_compared") or [])
    others = "; ".join(f"{_text(p['name'], markdown)} {money(p['total']['cost'])}"
                       + (" (leaves months out)" if p["name"] in partial else "") for p in plans.values())
    lines.append(f"Plans over the period ({code}): {others}.")
    for plan in plans.values():
        if plan["name"] != chosen["name"] and plan["kind"] in ("cheapest", "user"):
            picks = ", ".join(f"{_text(p['profile'], markdown)} {_text(p['model'], markdown)}"
                              for p in plan["profiles"])
            notes = "".join(f" Note: {_text(n, markdown)}." for n in plan.get("notes") or [])
            lines.append(f"Plan {_text(plan['name'], markdown)}: {picks}.{notes}")
    lines.append("Each profile's models are alternatives: no figure adds them together; the comparisons "
                 "of each profile's models follow.")
    return [_wrap(line, markdown, indent="") + ("  " if markdown else "") for line in lines]


def saving_shown(head: Headline, chosen: str) -> bool:
    """Whether the headline says what the cheapest plan saves against the chosen one: another plan,
    both covering every month, and a saving above zero."""
    cheapest = head.get("cheapest")
    saves = cheapest["saves"] if cheapest else None
    return bool(cheapest and saves and cheapest["plan"] != chosen and Decimal(saves["cost"]) > 0)


def plan_verdict(head: Headline, chosen: str, code: str) -> list[str]:
    """The headline's cheapest-plan sentences (plain text; every format says the same). A plan whose
    total leaves out months without a price is never called the cheapest nor compared as if complete
    (report/plandoc.py decides which plans cover every month)."""
    cheapest = head.get("cheapest")
    left_out = list(head.get("left_out") or [])
    others = [p for p in head.get("not_compared") or [] if p != chosen]
    out = []
    if left_out:
        months = f"{len(left_out)} month{'s' if len(left_out) > 1 else ''} ({', '.join(left_out)})"
        out.append(f"Plan {chosen} leaves out what has no price in {months}: its total is not comparable "
                   f"with plans that cover every month.")
        if cheapest:
            out.append(f"Cheapest plan covering every month: {cheapest['plan']} at "
                       f"{money(cheapest['total']['cost'])} {code}.")
        else:
            out.append("No plan covers every month: plan totals are not compared.")
    elif cheapest and saving_shown(head, chosen):
        pct = cheapest.get("saves_pct")
        share = f" ({Decimal(pct).quantize(Decimal('0.1'))}%)" if pct is not None else ""
        saves = cheapest["saves"] or {"cost": "0"}
        out.append(f"Cheapest plan: {cheapest['plan']} at {money(cheapest['total']['cost'])} {code}, saving "
                   f"{money(saves['cost'])} {code}{share} against plan {chosen}.")
    else:
        out.append(f"Plan {chosen} is the cheapest plan.")
    if others:
        out.append(f"Not compared: plan{'s' if len(others) > 1 else ''} {', '.join(others)} "
                   f"(leave{'' if len(others) > 1 else 's'} out months without a price).")
    return out


def budget_title(budget: Budget) -> str:
    scope = budget["scope"]
    what = f"plan {budget['name']}" if scope == "plan" else f"{scope} {budget['name']} on plan {budget['plan']}"
    amounts = []
    if budget.get("monthly") is not None:
        amounts.append(f"{money(budget['monthly'])} {budget['currency']} a month")
    if budget.get("period") is not None:
        amounts.append(f"{money(budget['period'])} {budget['currency']} for the period")
    return f"{what}, {' and '.join(amounts)} ({budget['source']})"


def budget_verdicts(budget: Budget) -> list[str]:
    """What a budget's status says in words: months over and by how much, headroom, when a period
    budget runs out."""
    code = budget["currency"]
    out = []
    unpriced = [m["month"] for m in budget["months"] if m.get("mark") == "n/a"]
    partial = [m["month"] for m in budget["months"] if m.get("mark") == "partial"]
    if budget.get("monthly") is not None:
        over = budget.get("over_months") or []
        if over:
            out.append(f"over budget in {len(over)} of {len(budget['months'])} months: "
                       + ", ".join(f"{o['month']} by {money(o['overrun'])} {code}" for o in over))
        else:
            least: Mapping[str, Any] = budget.get("least_headroom") or {}
            every = "every month" if not unpriced else "every month with a price"
            out.append(f"within budget {every}; least headroom {money(least.get('headroom', 0))} {code} "
                       f"({least.get('month')})")
    if budget.get("period") is not None:
        left = Decimal(budget["period_left"])
        if budget.get("runs_out"):
            out.append(f"the period budget runs out in {budget['runs_out']}; {money(-left)} {code} over by "
                       f"the period's end")
        else:
            out.append(f"the period budget lasts: {money(left)} {code} left at the period's end")
    if unpriced:  # no spend to judge: neither within nor over budget
        out.append(f"no price in {', '.join(unpriced)} (n/a): no spend to judge")
    if partial:
        out.append(f"spend priced only in part in {', '.join(partial)} (*): it leaves out what has no price")
    return out


def _budget_lines(budgets: list[Budget], markdown: bool) -> list[str]:
    out = ["## Budgets" if markdown else "Budgets (headroom = budget - spend; negative: over):"]
    for budget in budgets:
        title = _text(budget_title(budget), markdown)
        said = "; ".join(budget_verdicts(budget))
        out += ["", _wrap(f"{title}: {said}.", markdown)]
        headers_ = ["month", "spend"]
        monthly, period = budget.get("monthly") is not None, budget.get("period") is not None
        if monthly:
            headers_ += ["headroom", "status"]
        if period:
            headers_ += ["cumulative", "period left"]
        rows = []
        for m in budget["months"]:
            row = [m["month"], _budget_spend(m, markdown)]
            if monthly:  # an n/a month has no headroom nor status; a partial one is flagged
                row += ["", "n/a"] if m.get("mark") == "n/a" else [
                    money(m["headroom"]), " ".join(filter(None, ["over" if m["over"] else "",
                                                                 "(partial)" if m.get("mark") else ""]))]
            if period:
                row += [money(m["cumulative"]), money(m["period_left"])]
            rows.append(row)
        right = [False, True] + ([True, False] if monthly else []) + ([True, True] if period else [])
        out += ["", table(headers_, rows, right, markdown)]
    return out


def _budget_spend(month: BudgetMonth, markdown: bool) -> str:
    if month.get("mark") == "n/a" or month.get("spend") is None:
        return "n/a"
    return money(month["spend"]) + (("\\*" if markdown else "*") if month.get("mark") == "partial" else "")


def plan_csv_rows(document: EstimateDocument) -> str:
    """CSV comment rows (like `# not available`) after the cost lines: each plan's total per month and
    over the period (`# plan`), its model per profile (`# plan choice`), cost per unit of profiles with
    units: (`# unit cost`, per month and `month=total`), the plan's total per unit of the file's top-level
    units: (`# plan unit cost`; empty cost and mark=n/a in a month the plan leaves out), and each budget's status per
    month (`# budget`) with a summary (`# budget status`). pandas: `read_csv(..., comment="#")`."""

    meta = document["meta"]
    code = meta.get("currency") or "USD"
    chosen = (document.get("headline") or {}).get("plan")
    rows = []
    for plan in document.get("plans") or []:
        mark = "yes" if plan["name"] == chosen else "no"
        for m in plan["months"] + [{"month": "total", **plan["total"], "mark": None}]:
            rows.append(["# plan", f"plan={plan['name']}", f"chosen={mark}", f"month={m['month']}",
                         f"cost_usd={m['cost_usd']}", f"cost={m['cost']}", f"currency={code}",
                         f"mark={m.get('mark') or ''}"])
        for p in plan["profiles"]:
            rows.append(["# plan choice", f"plan={plan['name']}", f"profile={p['profile']}", f"model={p['model']}",
                         f"cost_usd={p['total']['cost_usd']}", f"requests={p['requests']}"])
            for u in p.get("units") or []:  # cost per unit (units:), per month and over the period
                total: UnitMonth = {"month": "total", "count": u["count"], "per_unit": u["per_unit"]}
                for unit_month in [*u["months"], total]:
                    per = unit_month["per_unit"]
                    rows.append(["# unit cost", f"plan={plan['name']}", f"profile={p['profile']}", f"unit={u['unit']}",
                                 f"month={unit_month['month']}", f"units={unit_month['count']}",
                                 f"cost_usd={per['cost_usd'] if per else ''}", f"cost={per['cost'] if per else ''}",
                                 f"currency={code}"])
        for pu in plan.get("units") or []:  # the plan's total per unit (top-level units:); n/a: month left out
            whole: PlanUnitMonth = {"month": "total", "count": pu["count"], "per_unit": pu["per_unit"], "mark": None}
            for plan_month in [*pu["months"], whole]:
                per = plan_month["per_unit"]
                rows.append(["# plan unit cost", f"plan={plan['name']}", f"unit={pu['unit']}",
                             f"month={plan_month['month']}", f"units={plan_month['count']}",
                             f"cost_usd={per['cost_usd'] if per else ''}", f"cost={per['cost'] if per else ''}",
                             f"currency={code}", f"mark={plan_month.get('mark') or ''}"])
    for b in document.get("budgets") or []:
        head = [f"scope={b['scope']}", f"name={b['name']}", f"plan={b['plan']}", f"currency={b['currency']}",
                f"monthly={b.get('monthly') or ''}", f"period={b.get('period') or ''}"]
        for spent in b["months"]:
            rows.append(["# budget"] + head + [f"{k}={_csv_value(spent.get(k))}" for k in
                                                ("month", "spend", "headroom", "over", "cumulative", "period_left",
                                                 "mark")])
        over = ";".join(f"{o['month']}:{o['overrun']}" for o in b.get("over_months") or [])
        rows.append(["# budget status"] + head + [f"over_months={over}", f"runs_out={b.get('runs_out') or ''}",
                                                  f"period_left={b.get('period_left') or ''}",
                                                  f"source={b['source']}"])
    return "".join(csv_row(r) for r in rows)


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


__all__ = ["budget_title", "budget_verdicts", "headline_lines", "money", "not_available_note", "plan_csv_rows",
           "plan_verdict", "saving_shown", "unit"]
