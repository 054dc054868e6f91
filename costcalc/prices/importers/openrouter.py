"""An OpenRouter `GET /api/v1/models` response: {"data": [{id, name, context_length, pricing, top_provider,
architecture, ...}]}, prices as USD-per-token strings.

Every model is OpenRouter's own offer, so it is imported under the `openrouter` provider as
`openrouter/<id>` (the bundled table's spelling, e.g. openrouter/deepseek-v4-pro with the alias
openrouter/deepseek/deepseek-v4-pro). Mapped: pricing.prompt, pricing.completion,
pricing.input_cache_read, pricing.input_cache_write (5-minute write), pricing.internal_reasoning (when it
differs from completion); pricing.web_search (USD per search) as the web_search fee; context_length;
top_provider.max_completion_tokens; canonical_slug (an alias);
architecture.output_modalities (a model that outputs no text is skipped). A price of -1 marks a router
whose price varies per request: skipped. A non-zero pricing.request (a fee per request, which costcalc
does not price) skips the model too: its token prices alone would understate its cost. Optional prices
given as "0" mean "not priced separately" (billed as input, or reasoning as output). Ignored: image and
audio prices (named in each model's notes).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from .common import (
    object_at,
    text_at,
    BadValue,
    Entry,
    Series,
    build_rules,
    model_id,
    refuse_request_fee,
    skipped,
    token_count,
    usd_per_1k_calls,
    usd_per_mtok,
)

NAME = "openrouter"
TITLE = "OpenRouter /api/v1/models response"
URL = "https://openrouter.ai/api/v1/models"
PROVIDER = "openrouter"

_PRICES = {"prompt": "input", "completion": "output", "input_cache_read": "cache_read",
           "input_cache_write": "cache_write_5m", "internal_reasoning": "reasoning"}


def matches(doc: object) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        return False
    sample = doc["data"][:20]
    return all(isinstance(m, dict) and "id" in m for m in sample)


def entries(doc: dict, host_of: Callable[[str], bool]) -> list[Entry]:
    return [_entry(i, model) for i, model in enumerate(doc["data"])]


def _entry(index: int, model: object) -> Entry:
    if not isinstance(model, dict):
        return skipped(f"data[{index}]", "not an object")
    source_id = str(model.get("id", f"data[{index}]"))
    arch = object_at(model, "architecture")
    outputs = arch.get("output_modalities")
    if isinstance(outputs, list) and "text" not in outputs:
        return skipped(source_id, f"outputs {', '.join(map(str, outputs)) or 'nothing'}, not text")
    pricing = model.get("pricing")
    if not isinstance(pricing, dict) or not pricing:
        return skipped(source_id, "no prices")
    try:
        mid, aliases = model_id(PROVIDER, model.get("id"), host=True)
        slug = model.get("canonical_slug")
        if isinstance(slug, str) and slug and slug.lower() != source_id.lower():
            extra, _ = model_id(PROVIDER, slug, host=True)
            aliases = aliases + (extra,)
        notes: list[str] = []
        series, ignored = _series(pricing, notes)
        fees = {}
        if pricing.get("web_search") is not None and str(pricing["web_search"]).strip() not in ("0", ""):
            fees["web_search"] = usd_per_1k_calls(pricing["web_search"], "pricing.web_search", per_call=True)
        rules = build_rules({"standard": series}, fees=fees)
    except BadValue as exc:
        return skipped(source_id, str(exc))
    top = object_at(model, "top_provider")
    name = text_at(model, "name") or mid
    return Entry(source_id=source_id, provider=PROVIDER, model=mid, name=name, aliases=aliases,
                 context_window=token_count(model.get("context_length"), "context_length"),
                 max_output_tokens=token_count(top.get("max_completion_tokens"), "max_completion_tokens"),
                 rules=rules, ignored=tuple(ignored), provider_name="OpenRouter", host=True, notes=tuple(notes))


def _series(pricing: dict, notes: list[str]) -> tuple[dict[str, Series], list[str]]:
    rates: dict[str, Decimal] = {}
    ignored = []
    for key, value in pricing.items():
        if value is None:
            continue
        component = _PRICES.get(key)
        if _is_minus_one(value):
            raise BadValue(f"pricing.{key} is -1: the price varies per request (a router), no fixed rate")
        if key == "request":
            refuse_request_fee(value, "pricing.request", "request")
            continue
        if component is None:
            if str(value).strip() not in ("0", "0.0", "") and key != "web_search":
                ignored.append(f"pricing.{key}")
            continue
        rates[component] = usd_per_mtok(value, f"pricing.{key}", per_token=True, notes=notes)
    for optional in ("cache_read", "cache_write_5m", "reasoning"):
        if rates.get(optional) == 0:
            del rates[optional]
    if "reasoning" in rates and rates["reasoning"] == rates.get("output"):
        del rates["reasoning"]
    return {c: Series(r) for c, r in rates.items()}, sorted(ignored)


def _is_minus_one(value: object) -> bool:
    try:
        return Decimal(str(value).strip()) == -1
    except ArithmeticError:
        return False
