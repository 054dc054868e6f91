"""Text renderings of quotes and of the price table (`costcalc quote`, `prices list`, `prices show`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ..errors import CostcalcError
from ..prices import COMPONENTS, Model, PriceTable, Quote, Request, resolve
from ..prices.model import RATE_FALLBACK
from ..money import decimal_text
from ..text_tables import render, wrap

_RATE_COLUMNS = ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output")


def rate_text(value: Decimal | None) -> str:
    if value is None:
        return "-"
    text = decimal_text(value)
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"  # at least cents, never rounded: 0.003625 stays exact


def quote_table(q: Quote) -> str:
    tokens = [ln for ln in q.lines if not ln.tool]
    fees = [ln for ln in q.lines if ln.tool]
    rows = [(ln.component, f"{ln.tokens:,}", rate_text(ln.usd_per_mtok), rate_text(ln.cost_usd))
            for ln in tokens]
    # A tool fee line: its quantity is calls and its rate the published fee per 1,000 calls.
    rows += [(ln.component, f"{ln.calls:,} calls", f"{rate_text(ln.usd_per_1k_calls)} /1k calls",
              rate_text(ln.cost_usd)) for ln in fees]
    rows.append(("total", "", "", rate_text(q.total_usd)))
    routed = f" (billed as {q.billed_model})" if q.billed_model != q.model else ""
    head = [f"{q.model}{routed} at {q.at:%Y-%m-%d %H:%M}Z, tier {q.tier}"
            f"{', residency' if q.residency else ''}, scenario {q.scenario}",
            q.summary,
            f"rule: {tokens[0].rule if tokens else '-'}"]
    unit = "rates per 1M tokens" + ("; tool fees per 1,000 calls" if fees else "")
    foot = f"USD; {unit}; price table {q.price_table['version']} " \
           f"(sha256 {q.price_table['sha256'][:12]})"
    return "\n".join(head + ["", render(("component", "tokens", "usd_per_mtok", "cost_usd"), rows,
                                        right=(False, True, True, True)), "", foot])


def price_list_rows(table: PriceTable, at: datetime, provider: str | None) -> list[dict]:
    """One row per model: the standard rates in force at `at`, or why there are none."""
    rows = []
    for model in sorted(table.models.values(), key=lambda m: (m.provider, m.id)):
        if provider is not None and model.provider != provider:
            continue
        row = {"provider": model.provider, "model": model.id, "rule": None,
               **{c: None for c in _RATE_COLUMNS}, "confidence": model.confidence, "status": "ok"}
        try:
            res = resolve(table, model.id, at, Request())
        except CostcalcError as exc:
            row["status"] = str(exc)
        else:
            row["rule"] = res.label
            for c in _RATE_COLUMNS:
                row[c] = decimal_text(res.rates[c])
        rows.append(row)
    return rows


def price_list(rows: list[dict]) -> str:
    body = []
    notes = []
    for row in rows:
        if row["status"] != "ok":
            notes.append(f"  {row['model']}: {row['status']}")
            continue
        body.append((row["provider"], row["model"], row["rule"],
                     *(rate_text(Decimal(row[c])) for c in _RATE_COLUMNS), row["confidence"]))
    text = render(("provider", "model", "rule", "input", "cache_read", "write_5m", "write_1h", "output",
                   "confidence"), body, right=(False, False, False, True, True, True, True, True, False))
    text += "\n\nUSD per 1M tokens, standard tier. Writes shown at the input rate bill as input."
    if notes:
        text += "\nNot priced at this instant:\n" + "\n".join(notes)
    return text


def model_history(table: PriceTable, model: Model) -> str:
    """Everything the table says about one model, within `WIDTH` columns: each rule's time window on its
    own line under the rule (a window with hours and weekdays runs to 90 characters), prose wrapped."""
    lines = wrap(f"{model.id} — {model.name} ({table.providers[model.provider].name})")
    facts = [f"launched {model.launched:%Y-%m-%d %H:%MZ}" if model.launched else None,
             f"tokenizer {model.tokenizer or '-'}",
             f"context {model.context_window:,}" if model.context_window else None,
             f"max output {model.max_output_tokens:,}" if model.max_output_tokens else None,
             f"tiers {', '.join(model.tiers)}", "residency offered" if model.residency else None,
             f"confidence {model.confidence}"]
    lines += wrap("; ".join(f for f in facts if f), initial="  ")
    if model.aliases:
        lines += wrap("aliases: " + ", ".join(model.aliases), initial="  ", subsequent="    ")
    if model.rules:
        lines += [""] + wrap("Price rules (USD per 1M tokens; `=input` bills at the input rate; when each "
                             "applies, under it):")
        rows = []
        for rule in model.rules:
            label = rule.label + (f" (promotion of {rule.promotion_of})" if rule.is_promotion else "")
            rows.append((label, *(rate_text(rule.rates[c]) if c in rule.rates else "=" + RATE_FALLBACK[c]
                                  for c in _RATE_COLUMNS), rule.checked.isoformat() if rule.checked else "-"))
        lines += _with_when(render(("rule", "input", "cache_read", "write_5m", "write_1h", "output", "checked"),
                                   rows, right=(False, True, True, True, True, True, False), indent=2),
                            [rule.when.describe() for rule in model.rules])
    if model.modifiers:
        lines += ["", "Modifiers (multiply the base rates; they stack):"]
        rows = [(m.label, _factors(m.factors), m.kind) for m in model.modifiers]
        lines += _with_when(render(("modifier", "multiply", "kind"), rows, indent=2),
                            [m.when.describe() for m in model.modifiers])
    if model.fees:
        lines += [""] + wrap("Fees per tool call (USD per 1,000 calls; not token prices, no modifiers apply):")
        rows = [(f.tool, rate_text(f.usd_per_1k_calls) if f.priced_in_usd else "-",
                 ", ".join(f"{code} {decimal_text(v)}" for code, v in f.native.items()) or "-",
                 f.checked.isoformat() if f.checked else "-") for f in model.fees]
        lines += _with_when(render(("tool", "usd_per_1k", "native", "checked"), rows,
                                   right=(False, True, False, False), indent=2),
                            [f.when.describe() for f in model.fees])
    for route in model.routes:
        lines += [""] + wrap(f"Billed as {route.billed_as}: {route.when.describe()} ({route.source})",
                             subsequent="  ")
    if model.retired:
        lines += [""] + wrap(f"Retired at {model.retired.at:%Y-%m-%d %H:%MZ}; replacement "
                             f"{model.retired.replacement} ({model.retired.source})", subsequent="  ")
    notes = model.notes + table.providers[model.provider].notes
    if notes:
        lines += ["", "Notes:"]
        for note in notes:
            lines += wrap(note, initial="  - ")
    sources = sorted({r.source for r in model.rules} | {m.source for m in model.modifiers}
                     | {f.source for f in model.fees})
    if sources:
        lines += ["", "Sources:"]
        for source in sources:
            lines += wrap(source, initial="  ", subsequent="    ")  # a long URL breaks after a `/`
    lines += [""] + wrap(f"price table {table.version} (sha256 {table.sha256[:12]})")
    return "\n".join(lines)


def _with_when(table: str, whens: list[str]) -> list[str]:
    """The table's lines with each row's time window on the line(s) under it, indented past the first
    column's start."""
    lines = table.split("\n")
    out = lines[:2]  # the header and its rule
    for row, when in zip(lines[2:], whens):
        out.append(row)
        out += wrap(when, initial="      when: ", subsequent="            ")
    return out


def _factors(factors: dict[str, Decimal]) -> str:
    values = set(factors.values())
    if len(values) == 1 and len(factors) == len(COMPONENTS):
        return f"all x{decimal_text(values.pop())}"
    return ", ".join(f"{c} x{decimal_text(f)}" for c, f in factors.items())
