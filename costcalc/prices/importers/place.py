"""Where converted entries go: left to the curated table, into the overlay, or skipped (a duplicate, or an
id the table gives another provider's model), with every name checked so the overlay loads cleanly.

Pure: the entries and the table arrive as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..model import PriceTable
from .common import FEE_TOOLS, RATE_COMPONENTS, Entry

STATUSES = ("imported", "curated", "skipped")
COLUMNS = ["status", "provider", "model", "source_id", "curated_as", "label", "tier", "prompt_tokens_above",
           "prompt_tokens_at_most", "effective_from", "effective_until", "hours_utc",
           *[f"{c}_usd_per_mtok" for c in RATE_COMPONENTS], *[f"{t}_usd_per_1k_calls" for t in FEE_TOOLS],
           "context_window", "max_output_tokens", "name",
           "aliases", "provider_name", "notes", "reason"]


@dataclass(frozen=True)
class Placed:
    entry: Entry
    status: str  # imported (goes into the overlay), curated (left to the table), skipped
    curated_as: str | None = None  # the table's model this entry is (curated models)
    reason: str | None = None

    @property
    def provider(self) -> str | None:
        return self.entry.provider

    @property
    def model(self) -> str | None:
        """The id the overlay writes: the table's own id for a curated model."""
        return self.curated_as or self.entry.model


def place(entries: list[Entry], table: PriceTable, include_curated: bool = False) -> list[Placed]:
    known = {mid.lower(): mid for mid in table.models}
    known.update({alias.lower(): mid for alias, mid in table.aliases.items()})
    claimed: dict[str, tuple[str, str | None]] = {}  # lower-case name -> (source id, provider) of the imported holder
    emitted_curated: dict[str, str] = {}  # table id -> source id of the entry restating it
    out: list[Placed] = []
    for entry in entries:
        if entry.reason is not None:
            out.append(Placed(entry, "skipped", reason=entry.reason))
            continue
        hit = next((known[n.lower()] for n in _own(entry) if n.lower() in known), None)
        if hit is None:
            hit = next((known[a.lower()] for a in entry.aliases if a.lower() in known
                        and table.models[known[a.lower()]].provider == entry.provider), None)
        if hit is not None and table.models[hit].provider == entry.provider:
            if not include_curated:
                out.append(Placed(entry, "curated", hit, f"curated in the price table as {hit}"))
            elif hit in emitted_curated:
                out.append(Placed(entry, "skipped", hit, f"the same model as {emitted_curated[hit]!r} "
                                                         f"(curated as {hit}), listed earlier"))
            else:
                rules = _since_launch(entry.rules, table.models[hit].launched)
                if not rules:
                    out.append(Placed(entry, "skipped", hit, f"every price in the file predates {hit}'s launch"))
                    continue
                emitted_curated[hit] = entry.source_id
                # The table's name (restated, so the overlay also checks alone) and aliases stay; the
                # community rates replace its rules.
                out.append(Placed(replace(entry, aliases=(), rules=rules, name=table.models[hit].name), "imported", hit,
                                  f"curated in the price table as {hit}; included on request"))
            continue
        holder = next((claimed[n.lower()] for n in _own(entry) if n.lower() in claimed), None)
        if holder is not None and holder[1] == entry.provider:
            out.append(Placed(entry, "skipped", reason=f"the same model id as {holder[0]!r}, listed earlier"))
            continue
        if hit is not None or holder is not None:
            # A lab's bare id another provider already uses (Claude on Vertex in genai-prices' google list):
            # the id qualified with its provider is still free.
            if hit is not None:
                other = table.models[hit].provider
            else:
                assert holder is not None  # the branch is taken for a hit or a holder
                other = holder[1] or ""
            qualified = f"{entry.provider}/{entry.model}"
            if entry.host or qualified.lower() in known or qualified.lower() in claimed:
                out.append(Placed(entry, "skipped", reason=f"{entry.model!r} already names {other}'s model"))
                continue
            entry = replace(entry, model=qualified, notes=entry.notes + (
                f"id qualified with its provider: {entry.model!r} names {other}'s model",))
        for name in _own(entry):
            claimed[name.lower()] = (entry.source_id, entry.provider)
        aliases = []
        dropped = []
        for alias in entry.aliases:
            mine = claimed.get(alias.lower(), (entry.source_id,))[0] == entry.source_id
            if not mine or alias.lower() in known:
                dropped.append(alias)
            else:
                claimed[alias.lower()] = (entry.source_id, entry.provider)
                aliases.append(alias)
        notes = entry.notes + ((f"aliases left out (they name other models): {', '.join(dropped)}",)
                               if dropped else ())
        out.append(Placed(replace(entry, aliases=tuple(aliases), notes=notes), "imported"))
    return out


def _since_launch(rules, launched):
    """A restated curated model keeps the table's launch: nothing of it may start earlier."""
    if launched is None:
        return rules
    out = []
    for rule in rules:
        if rule.end is not None and rule.end <= launched:
            continue
        if rule.start is not None and rule.start < launched:
            rule = replace(rule, start=launched)
        out.append(rule)
    return tuple(out)


def _own(entry: Entry) -> list[str]:
    """The id and the provider-qualified id the loader adds as an alias."""
    assert entry.model is not None and entry.provider is not None, "only converted entries are placed"
    return [entry.model] + ([] if entry.model.startswith(entry.provider + "/") else
                            [f"{entry.provider}/{entry.model}"])


def rows(placed: list[Placed], table: PriceTable, source_label: str) -> list[dict]:
    """One row per rule of every converted entry (imported or curated), one row per skipped entry."""
    out = []
    for item in placed:
        entry = item.entry
        provider_name = (table.providers[entry.provider].name if entry.provider in table.providers
                         else entry.provider_name) if entry.provider else None
        notes = (f"Imported from {source_label}: {entry.source_id}",) + entry.notes
        if entry.ignored:
            notes += ("Not imported from the source (costcalc prices tokens only): " + ", ".join(entry.ignored),)
        base: dict[str, object] = {"status": item.status, "provider": entry.provider, "model": item.model,
                "source_id": entry.source_id, "curated_as": item.curated_as, "context_window": entry.context_window,
                "max_output_tokens": entry.max_output_tokens, "name": entry.name or item.model,
                "aliases": entry.aliases, "provider_name": provider_name or entry.provider, "notes": notes,
                "reason": item.reason}
        if not entry.rules:
            out.append({column: base.get(column) for column in COLUMNS})
            continue
        for rule in entry.rules:
            row = dict(base, label=rule.label, tier=rule.tier, prompt_tokens_above=rule.above,
                       prompt_tokens_at_most=rule.at_most, effective_from=_instant(rule.start),
                       effective_until=_instant(rule.end),
                       hours_utc=" ".join(rule.hours) if rule.hours else None)
            for component in RATE_COMPONENTS:
                row[f"{component}_usd_per_mtok"] = rule.rates.get(component)
            fees = dict(rule.fees)
            for tool in FEE_TOOLS:
                row[f"{tool}_usd_per_1k_calls"] = fees.get(tool)
            out.append({column: row.get(column) for column in COLUMNS})
    return out


def _instant(at) -> str | None:
    return at.strftime("%Y-%m-%dT%H:%MZ") if at is not None else None
