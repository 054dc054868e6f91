"""models.dev's `api.json`: provider id -> {name, models: {model id -> {cost, limit, modalities, ...}}}, with
prices in USD per 1M tokens.

Mapped: cost.input, cost.output, cost.cache_read, cost.cache_write (5-minute write), cost.reasoning;
cost.tiers [{tier: {type: context, size}, ...}] (or the older cost.context_over_200k) as cliffs above
`size` prompt tokens; experimental.modes.fast.cost as the priority tier (fast mode); limit.context
(context window), limit.output (max output tokens); modalities.output (a model that outputs no text is
skipped); status deprecated (a note). Ignored: input_audio / output_audio prices and other modes (named
in each model's notes), limit.input (the context window is limit.context), release dates.
"""

from __future__ import annotations

from collections.abc import Callable

from .common import (BadValue, Entry, Series, build_rules, model_id, object_at, provider_id, skipped, text_at,
                     token_count, usd_per_mtok)

NAME = "models.dev"
TITLE = "models.dev api.json"
URL = "https://models.dev/api.json"

_COST = {"input": "input", "output": "output", "cache_read": "cache_read", "cache_write": "cache_write_5m",
         "reasoning": "reasoning"}
_NOT_TOKENS = ("context_over_200k", "tiers")


def matches(doc: object) -> bool:
    if not isinstance(doc, dict) or not doc:
        return False
    values = list(doc.values())[:20]
    return all(isinstance(v, dict) and isinstance(v.get("models"), dict) for v in values)


def entries(doc: dict, host_of: Callable[[str], bool]) -> list[Entry]:
    out: list[Entry] = []
    for key, provider in doc.items():
        try:
            pid = provider_id(provider.get("id", key))
        except BadValue as exc:
            out += [skipped(f"{key}:{m}", str(exc)) for m in provider["models"]]
            continue
        pname = provider.get("name") if isinstance(provider.get("name"), str) else None
        for mkey, model in provider["models"].items():
            out.append(_entry(pid, pname, mkey, model, host_of))
    return out


def _entry(pid: str, pname: str | None, key: str, model: object, host_of: Callable[[str], bool]) -> Entry:
    source_id = f"{pid}:{key}"
    if not isinstance(model, dict):
        return skipped(source_id, "not an object")
    outputs = (model.get("modalities") or {}).get("output") if isinstance(model.get("modalities"), dict) else None
    if isinstance(outputs, list) and "text" not in outputs:
        return skipped(source_id, f"outputs {', '.join(map(str, outputs)) or 'nothing'}, not text")
    cost = model.get("cost")
    if not isinstance(cost, dict) or not cost:
        return skipped(source_id, "no prices")
    try:
        host = host_of(pid)
        mid, aliases = model_id(pid, model.get("id", key), host)
        notes: list[str] = []
        standard, ignored = _series(cost, "cost", notes)
        tiers = {"standard": standard}
        modes = (model.get("experimental") or {}).get("modes") if isinstance(model.get("experimental"), dict) \
            else None
        if isinstance(modes, dict):
            for mode, spec in modes.items():
                if mode == "fast" and isinstance(spec, dict) and isinstance(spec.get("cost"), dict):
                    tiers["priority"], more = _series(spec["cost"], "experimental.modes.fast.cost", notes)
                    ignored += more
                else:
                    ignored.append(f"experimental.modes.{mode}")
        rules = build_rules(tiers)
    except BadValue as exc:
        return skipped(source_id, str(exc))
    limit = object_at(model, "limit")
    if model.get("status") == "deprecated":
        notes.append("deprecated in the source")
    name = text_at(model, "name") or mid
    return Entry(source_id=source_id, provider=pid, model=mid, name=name, aliases=aliases,
                 context_window=token_count(limit.get("context"), "limit.context"),
                 max_output_tokens=token_count(limit.get("output"), "limit.output"),
                 rules=rules, ignored=tuple(sorted(set(ignored))), provider_name=pname, host=host,
                 notes=tuple(notes))


def _series(cost: dict, where: str, notes: list[str]) -> tuple[dict[str, Series], list[str]]:
    bases = {}
    ignored = []
    for key, value in cost.items():
        if key in _NOT_TOKENS or value is None:
            continue
        component = _COST.get(key)
        if component is None:
            if value not in (0,):
                ignored.append(f"{where}.{key}")
            continue
        bases[component] = usd_per_mtok(value, f"{where}.{key}", per_token=False, notes=notes)
    steps: dict[str, list] = {}
    tiers = cost.get("tiers")
    if tiers is None and isinstance(cost.get("context_over_200k"), dict):
        tiers = [{**cost["context_over_200k"], "tier": {"type": "context", "size": 200_000}}]
    if tiers is not None:
        if not isinstance(tiers, list):
            raise BadValue(f"{where}.tiers is not a list")
        for i, tier in enumerate(tiers):
            spec = object_at(tier, "tier") if isinstance(tier, dict) else {}
            size = token_count(spec.get("size"), "size")
            if size is None or spec.get("type", "context") != "context":
                raise BadValue(f"{where}.tiers[{i}] is not a context tier with a size")
            for key, value in tier.items():
                component = _COST.get(key)
                if component is not None and value is not None:
                    steps.setdefault(component, []).append(
                        (size, usd_per_mtok(value, f"{where}.tiers[{i}].{key}", per_token=False, notes=notes)))
    series = {}
    for component in set(bases) | set(steps):
        found = sorted(steps.get(component, []))
        if len({s for s, _ in found}) != len(found):
            raise BadValue(f"{where}.tiers: two tiers of the same size")
        series[component] = Series(bases.get(component), tuple(found))
    return series, ignored
