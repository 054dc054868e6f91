"""costcalc: project monthly LLM API spend from a dated, sourced price table.

    import costcalc
    df = costcalc.estimate("workloads.yaml", months=12)     # tidy DataFrame, exact Decimal money
    costcalc.summarize(df)                                  # month x model totals, cheapest, savings
    costcalc.requests(df)                                   # requests per profile, model and month
    costcalc.quote("gpt-5.5", input=300_000, output=2_000, at="2026-06-01T00:00Z")
    costcalc.count_tokens("some text", "claude-opus-4-7")     # exact or estimate (with a band)
    usage = costcalc.read_usage("responses.jsonl")          # real usage logs, normalized
    costcalc.reprice(usage, models=["deepseek-v4-pro"], by="month")   # what it cost, and on V4-Pro
    costcalc.import_prices("api.json", source="models.dev")   # a community table as overlay rows

Names are imported on first use (PEP 562), so `costcalc quote` and `costcalc tokens` start without
loading pandas.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "estimate": "api", "plans": "api", "plan_totals": "api",
    "quote": "api_prices", "count_tokens": "api_prices", "count_messages": "api_prices", "count_paths": "api_prices",
    "count_files": "api", "render": "api", "reprice_totals": "api_usage",
    "bundled_examples": "api", "read_usage": "api_usage", "reprice": "api_usage", "variance": "api_usage",
    "derive_profiles": "api_usage", "profile_logs": "api_usage", "price_list": "api_prices",
    "price_history": "api_prices", "check_prices": "api_prices", "plot": "plot", "save_charts": "plot",
    "to_xlsx": "report.xlsx",
    "render_xlsx": "report.xlsx", "compare": "api", "sensitivity": "api", "break_even": "api",
    "summarize": "summary", "load_prices": "prices", "PriceTable": "prices",
    "TokenBundle": "prices", "load_workloads": "workloads", "CostcalcError": "errors", "InputError": "errors",
    "UnknownModelError": "errors", "UnknownPlanError": "errors", "UnknownProviderError": "errors",
    "RetiredModelError": "errors", "NoPriceError": "errors",
    "NotLaunchedError": "errors", "LimitError": "errors", "AmbiguousPriceError": "errors",
    "import_prices": "community", "overlay_yaml": "community", "crosscheck": "community",
    "requests": "frames", "turns": "api",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'costcalc' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
