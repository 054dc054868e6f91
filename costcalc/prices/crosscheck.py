"""Where a community table disagrees with the curated one at an instant: per model, tier, prompt band and
component, the table's rate against the file's.

Only what the file states is compared: a component the file leaves out, a tier the table does not offer
at that instant, a model the file lacks or one the table does not have are not disagreements (they are
counted). Pure: the table, the converted entries and the instant arrive as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..errors import CostcalcError
from .importers.common import RATE_COMPONENTS, Entry, RuleSpec
from .importers.place import place
from .model import PriceTable, zone
from .resolve import Request, resolve

COLUMNS = ["file", "source", "model", "source_id", "tier", "prompt_tokens", "component", "table_usd_per_mtok",
           "file_usd_per_mtok", "difference_usd_per_mtok", "table_rule"]


@dataclass(frozen=True)
class FileCheck:
    """The comparison of one file with the table."""

    file: str
    source: str
    rows: list[dict]
    entries: int  # model entries in the file
    compared: tuple[str, ...]  # table models the file has (each compared once)
    comparisons: int  # rates compared
    lacking: tuple[str, ...]  # table models of the file's providers, priced at the instant, the file lacks
    unmatched: int  # file models the table does not have (community only)
    skipped: int  # file entries that could not be converted
    not_comparable: list[str] = field(default_factory=list)  # why some matched rules could not be compared

    def summary(self) -> dict:
        return {"file": self.file, "source": self.source, "entries": self.entries,
                "models_compared": len(self.compared), "rates_compared": self.comparisons,
                "disagreements": len(self.rows), "table_models_missing_from_file": len(self.lacking),
                "file_models_not_in_table": self.unmatched, "entries_not_converted": self.skipped,
                "not_comparable": len(self.not_comparable)}


def compare(table: PriceTable, entries: list[Entry], at: datetime, file: str, source: str) -> FileCheck:
    at = at.astimezone(timezone.utc)
    placed = place(entries, table, include_curated=False)
    rows: list[dict] = []
    compared: list[str] = []
    comparisons = 0
    not_comparable: list[str] = []
    for item in placed:
        curated_as = item.curated_as
        if item.status != "curated" or curated_as is None or curated_as in compared:
            continue
        compared.append(curated_as)
        for rule in item.entry.rules:
            if not _active(rule, at):
                continue
            prompt = rule.above + 1 if rule.above is not None else 0
            try:
                res = resolve(table, curated_as, at, Request(prompt_tokens=prompt, tier=rule.tier))
            except CostcalcError as exc:
                not_comparable.append(f"{item.entry.source_id} ({rule.label}): {exc}")
                continue
            for component in RATE_COMPONENTS:
                if component not in rule.stated or component not in rule.rates:
                    continue
                comparisons += 1
                ours, theirs = res.rates[component], rule.rates[component]
                if ours != theirs:
                    rows.append({"file": file, "source": source, "model": curated_as,
                                 "source_id": item.entry.source_id, "tier": rule.tier, "prompt_tokens": prompt,
                                 "component": component, "table_usd_per_mtok": ours, "file_usd_per_mtok": theirs,
                                 "difference_usd_per_mtok": theirs - ours, "table_rule": res.label})
    providers = {item.entry.provider for item in placed if item.entry.provider is not None}
    lacking = tuple(sorted(m.id for m in table.models.values()
                           if m.provider in providers and m.id not in compared and _priced(table, m.id, at)))
    order = {c: i for i, c in enumerate(RATE_COMPONENTS)}
    rows.sort(key=lambda r: (r["model"], r["tier"], r["prompt_tokens"], order[r["component"]]))
    return FileCheck(file, source, rows, len(entries), tuple(compared), comparisons, lacking,
                     sum(1 for p in placed if p.status == "imported"),
                     sum(1 for p in placed if p.status == "skipped"), not_comparable)


def _active(rule: RuleSpec, at: datetime) -> bool:
    if rule.start is not None and at < rule.start:
        return False
    if rule.end is not None and at >= rule.end:
        return False
    if rule.hours:
        local = at.astimezone(zone("UTC"))
        minute = local.hour * 60 + local.minute
        windows = [tuple(int(x[:2]) * 60 + int(x[3:]) for x in h.split("-")) for h in rule.hours]
        return any(a <= minute < b for a, b in windows)
    return True


def _priced(table: PriceTable, model: str, at: datetime) -> bool:
    try:
        resolve(table, model, at)
    except CostcalcError:
        return False
    return True
