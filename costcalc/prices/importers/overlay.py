"""Imported rows -> the text of a costcalc price overlay (YAML the loader reads back exactly).

Written by hand rather than by a YAML library: rates must appear as plain decimal text (never an
exponent or a float), every name quoted, and the layout stable so two imports of one file diff cleanly.
Pure: rows and the header facts arrive as arguments.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

from ...errors import _one_line
from ...money import decimal_text
from ..load import SCHEMA_VERSION
from ..model import TIERS
from .common import FEE_TOOLS, RATE_COMPONENTS


def _missing(value: object) -> bool:
    """None, NaN or pandas' NA: a cell with nothing in it (rows may come back from a user's DataFrame)."""
    try:
        return value is None or bool(value != value)
    except TypeError:  # pd.NA refuses a truth value
        return True


def _q(text: object) -> str:
    """A double-quoted YAML scalar (JSON's escapes are YAML's; ASCII only, so nothing is ambiguous)."""
    return json.dumps(str(text), ensure_ascii=True)


def overlay_text(records: list[dict], *, source: str, checked: str, version: str, header: list[str]) -> str:
    """`records`: rows with status "imported" (see place.COLUMNS). `source`: what every rule cites
    (`file:PATH#sha256=...` or the URL it was downloaded from, with its sha256). `checked`: YYYY-MM-DD."""
    providers: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    names: dict[str, str] = {}
    for row in records:
        if row["status"] != "imported":
            continue
        providers[row["provider"]][row["model"]].append(row)
        names.setdefault(row["provider"], row.get("provider_name") or row["provider"])
    # A file name may hold a newline: escaped, so a header line can never become YAML.
    lines = [f"# {_one_line(h)}" for h in header]
    lines += [f"schema_version: {SCHEMA_VERSION}", f"version: {_q(version)}", "currency: USD",
              "unit: usd_per_mtok", "providers:"]
    if not providers:
        lines[-1] = "providers: {}"
    for pid in sorted(providers):
        lines += [f"  {_q(pid)}:", f"    name: {_q(names[pid])}", "    models:"]
        for mid in sorted(providers[pid]):
            lines += _model(mid, providers[pid][mid], source, checked)
    return "\n".join(lines) + "\n"


def _model(mid: str, rules: list[dict], source: str, checked: str) -> list[str]:
    first = rules[0]
    curated = not _missing(first.get("curated_as"))
    tiers = [t for t in TIERS if any(r["tier"] == t for r in rules)]
    if "standard" not in tiers:
        tiers.insert(0, "standard")
    out = [f"      {_q(mid)}:", f"        name: {_q(first.get('name') or mid)}"]
    if not curated and not _missing(first.get("aliases")) and len(first["aliases"]):
        out.append("        aliases: [" + ", ".join(_q(a) for a in first["aliases"]) + "]")
    for key in ("context_window", "max_output_tokens"):
        if not _missing(first.get(key)):
            out.append(f"        {key}: {int(first[key])}")
    out.append("        tiers: [" + ", ".join(tiers) + "]")
    out.append("        confidence: community")
    notes = [] if _missing(first.get("notes")) else list(first["notes"])
    if notes:
        out.append("        notes:")
        out += [f"          - {_q(n)}" for n in notes]
    out.append("        prices:")
    ordered = sorted(rules, key=lambda r: (not _missing(r.get("effective_from")),
                                           "" if _missing(r.get("effective_from")) else r["effective_from"]))
    for rule in ordered:
        out += _rule(rule, multi_tier=len(tiers) > 1, source=source, checked=checked)
    out += _fees(ordered, source, checked)
    if curated:
        # The table's own multipliers (batch, long context) and routes would act on community rates that
        # already include them, or bypass them: the restated model carries only what the source says.
        out += ["        modifiers: []", "        routes: []"]
    return out


def _fees(rules: list[dict], source: str, checked: str) -> list[str]:
    """Per-call tool fees, one per tool and period of the rules (a restated curated model keeps the
    table's fees unless the source prices the tool itself)."""
    seen: dict[tuple, Decimal] = {}
    for rule in rules:
        period = (None if _missing(rule.get("effective_from")) else rule["effective_from"],
                  None if _missing(rule.get("effective_until")) else rule["effective_until"])
        for tool in FEE_TOOLS:
            value = rule.get(f"{tool}_usd_per_1k_calls")
            if value is not None and not _missing(value):  # (`is not None` again for the type checker)
                seen.setdefault((tool,) + period, Decimal(value))
    if not seen:
        return []
    out = ["        fees:"]
    for (tool, start, until), value in seen.items():
        when = [f"from: {_q(start)}"] if start else []
        when += [f"until: {_q(until)}"] if until else []
        out.append(f"          - tool: {tool}")
        out.append(f"            usd_per_1k_calls: {decimal_text(value)}")
        if when:
            out.append("            when: {" + ", ".join(when) + "}")
        out.append(f"            source: {_q(source)}")
        out.append(f"            checked: {checked}")
    return out


def _rule(rule: dict, multi_tier: bool, source: str, checked: str) -> list[str]:
    out = [f"          - label: {rule['label']}"]
    when = []
    if not _missing(rule.get("effective_from")):
        when.append(f"from: {_q(rule['effective_from'])}")
    if not _missing(rule.get("effective_until")):
        when.append(f"until: {_q(rule['effective_until'])}")
    if not _missing(rule.get("hours_utc")):
        when.append("hours: [" + ", ".join(_q(h) for h in rule["hours_utc"].split()) + "]")
    if not _missing(rule.get("prompt_tokens_above")):
        when.append(f"prompt_tokens_above: {int(rule['prompt_tokens_above'])}")
    if not _missing(rule.get("prompt_tokens_at_most")):
        when.append(f"prompt_tokens_at_most: {int(rule['prompt_tokens_at_most'])}")
    if multi_tier:
        when.append(f"tiers: [{rule['tier']}]")
    if when:
        out.append("            when: {" + ", ".join(when) + "}")
    rates = []
    for component in RATE_COMPONENTS:
        value = rule.get(f"{component}_usd_per_mtok")
        if value is not None and not _missing(value):  # (`is not None` again for the type checker)
            rates.append(f"{component}: {decimal_text(Decimal(value))}")
    out.append("            rates: {" + ", ".join(rates) + "}")
    out.append(f"            source: {_q(source)}")
    out.append(f"            checked: {checked}")
    return out
