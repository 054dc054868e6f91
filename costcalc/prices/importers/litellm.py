"""LiteLLM's cost map (`model_prices_and_context_window.json`): model key -> per-token float costs.

Mapped: input_cost_per_token, output_cost_per_token, cache_read_input_token_cost,
cache_creation_input_token_cost (5-minute write), cache_creation_input_token_cost_above_1hr (1-hour write),
output_cost_per_reasoning_token, search_context_cost_per_query (the web_search fee, when one price for
every context size); each with `_above_<N>k_tokens` (a cliff: a prompt above N x 1000 tokens
pays that price on every token, as LiteLLM's `_get_token_base_cost` applies it) and a `_batches`, `_flex`
or `_priority` tier suffix; max_input_tokens (context window), max_output_tokens, litellm_provider, mode. A non-zero
input_cost_per_request or output_cost_per_request (a fee per request, which costcalc does not price) skips
the model: its token prices alone would understate its cost.
Ignored (listed in each model's notes): audio, image, video, character and per-second costs, other tool
prices, regional uplifts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from .common import (
    BadValue,
    Entry,
    Series,
    build_rules,
    model_id,
    provider_id,
    refuse_request_fee,
    skipped,
    token_count,
    usd_per_1k_calls,
    usd_per_mtok,
)

NAME = "litellm"
TITLE = "LiteLLM cost map (model_prices_and_context_window.json)"
URL = "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
CHAT_MODES = ("chat", "responses", "completion")

_COST_KEY = re.compile(
    r"(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost"
    r"|cache_creation_input_token_cost(?:_above_1hr)?|output_cost_per_reasoning_token)"
    r"(?:_above_(\d+)(k)?_tokens)?(?:_(batches|flex|priority))?")
_COMPONENT = {"input_cost_per_token": "input", "output_cost_per_token": "output",
              "cache_read_input_token_cost": "cache_read", "cache_creation_input_token_cost": "cache_write_5m",
              "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
              "output_cost_per_reasoning_token": "reasoning"}
_TIER = {None: "standard", "batches": "batch", "flex": "flex", "priority": "priority"}
_REQUEST_FEES = ("input_cost_per_request", "output_cost_per_request")


def matches(doc: object) -> bool:
    """A mapping of model keys to objects that carry `litellm_provider` or per-token costs."""
    if not isinstance(doc, dict) or not doc:
        return False
    values = [v for k, v in doc.items() if k != "sample_spec"][:50]
    return bool(values) and all(isinstance(v, dict) for v in values) and \
        any("litellm_provider" in v or "input_cost_per_token" in v for v in values)


def entries(doc: dict, host_of: Callable[[str], bool]) -> list[Entry]:
    return [_entry(key, value, host_of) for key, value in doc.items() if key != "sample_spec"]


def _entry(key: str, value: object, host_of: Callable[[str], bool]) -> Entry:
    if not isinstance(value, dict):
        return skipped(key, "not an object")
    mode = value.get("mode")
    if mode is not None and mode not in CHAT_MODES:
        return skipped(key, f"mode {mode!r} is not a chat model")
    try:
        source_provider = value.get("litellm_provider")
        pid = provider_id(source_provider)
        host = host_of(pid)
        raw = key
        prefix = f"{str(source_provider).lower()}/"
        if raw.lower().startswith(prefix) and prefix != f"{pid}/":
            raw = raw[len(prefix):]
        mid, aliases = model_id(pid, raw, host)
        notes: list[str] = []
        tiers, ignored = _series(value, notes)
        fees = _fees(value, ignored)
        rules = build_rules(tiers, fees=fees)
    except BadValue as exc:
        return skipped(key, str(exc))
    if isinstance(value.get("deprecation_date"), str):
        notes.append(f"deprecation_date in the source: {value['deprecation_date']}")
    return Entry(source_id=key, provider=pid, model=mid, name=key, aliases=aliases,
                 context_window=token_count(value.get("max_input_tokens"), "max_input_tokens"),
                 max_output_tokens=token_count(value.get("max_output_tokens"), "max_output_tokens"),
                 rules=rules, ignored=tuple(ignored), host=host, notes=tuple(notes))


def _fees(value: dict, ignored: list[str]) -> dict:
    """`search_context_cost_per_query` (USD per query by search context size) is the web_search fee when
    every size costs the same; sizes priced apart have no costcalc equivalent and are left out."""
    per_query = value.get("search_context_cost_per_query")
    if not isinstance(per_query, dict) or not per_query:
        return {}
    prices = {usd_per_1k_calls(v, f"search_context_cost_per_query.{k}", per_call=True) for k, v in per_query.items()}
    if len(prices) != 1:
        ignored.append("search_context_cost_per_query")
        ignored.sort()
        return {}
    fee = prices.pop()
    return {"web_search": fee} if fee else {}


def _series(value: dict, notes: list[str]) -> tuple[dict[str, dict[str, Series]], list[str]]:
    bases: dict[tuple[str, str], Decimal] = {}
    steps: dict[tuple[str, str], dict[int, Decimal]] = {}
    ignored = []
    for key, raw in value.items():
        if key in _REQUEST_FEES:
            refuse_request_fee(raw, key, "request")
            continue
        match = _COST_KEY.fullmatch(key)
        if match is None:
            if ("cost" in key or "price" in key) and raw not in (None, 0, Decimal(0), {}) \
                    and key != "search_context_cost_per_query":
                ignored.append(key)
            continue
        if raw is None:
            continue
        name, number, thousands, suffix = match.groups()
        price = usd_per_mtok(raw, key, per_token=True, notes=notes)
        slot = (_TIER[suffix], _COMPONENT[name])
        if number is None:
            bases[slot] = price
        else:
            threshold = int(number) * (1000 if thousands else 1)
            steps.setdefault(slot, {})[threshold] = price
    tiers: dict[str, dict[str, Series]] = {}
    for slot in set(bases) | set(steps):
        tier, component = slot
        tiers.setdefault(tier, {})[component] = Series(bases.get(slot), tuple(sorted(steps.get(slot, {}).items())))
    return tiers, sorted(ignored)
