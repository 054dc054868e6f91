"""costcalc: project monthly LLM API spend from a dated, sourced price table.

    import costcalc
    df = costcalc.estimate("workloads.yaml", months=12)     # tidy DataFrame, exact Decimal money
    costcalc.summarize(df)                                  # month x model totals, cheapest, savings
    costcalc.quote("gpt-5.5", input=300_000, output=2_000, at="2026-06-01T00:00Z")
    costcalc.count_tokens("some text", "claude-opus-4-7")     # exact or estimate (with a band)
"""

__version__ = "0.1.0"

from .api import bundled_examples, count_files, count_messages, count_tokens, estimate, quote  # noqa: E402
from .errors import (AmbiguousPriceError, CostcalcError, InputError, NoPriceError,  # noqa: E402
                     RetiredModelError, UnknownModelError)
from .prices import PriceTable, TokenBundle, load_prices  # noqa: E402
from .summary import summarize  # noqa: E402
from .workload import load_workloads  # noqa: E402

__all__ = ["__version__", "estimate", "summarize", "quote", "load_prices", "load_workloads",
           "count_tokens", "count_messages", "count_files",
           "bundled_examples", "PriceTable", "TokenBundle", "CostcalcError", "InputError",
           "UnknownModelError", "RetiredModelError", "NoPriceError", "AmbiguousPriceError"]
