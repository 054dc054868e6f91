"""A slow reference for `prices.quote`, written out from the rules, remembering nothing.

The rates come from `resolve_afresh` (which computes from the table's rules each call); each line's cost is
the formula written out, rate x tokens / 1,000,000 in Decimal; the quote is built by its dataclass
constructor, so its `total_usd` is the cached property's own sum of the lines from Decimal(0). The errors
come in the order `quote` documents: the model name, the scenario, the resolution (a request the model
cannot take says more than "no price"), then the request's limits. tests/test_quote_equality.py compares
the fast path with this on generated records.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from costcalc.errors import NoPriceError, NotLaunchedError
from costcalc.prices import SCENARIOS, PriceTable, Quote, QuoteLine, Request, TokenBundle, lookup
from costcalc.prices.limits import check_request
from costcalc.prices.model import tool_component
from costcalc.prices.resolve import resolve_afresh

ONE_MILLION = Decimal(1_000_000)
TOKEN_COMPONENTS = ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output", "reasoning")
ALWAYS_LISTED = ("input", "output")


def reference_quote(table: PriceTable, model: str, tokens: TokenBundle, at: datetime, tier: str = "standard",
                    residency: bool = False, scenario: str = "actual", requests: int = 1,
                    tool_calls: Mapping[str, int] | None = None) -> Quote:
    asked = lookup(table, model)
    if scenario not in SCENARIOS:
        raise NoPriceError(f"unknown scenario {scenario!r}; allowed: {', '.join(SCENARIOS)}")
    # one request's prompt and output, a part of a token rounded up (quote's _ceil_div)
    prompt = -(-tokens.prompt_tokens // requests)
    output = -(-(tokens.output + tokens.reasoning) // requests)
    hint = "" if requests > 1 else \
        " (if these counts are totals over several requests, give their number: --requests N)"
    try:
        res = resolve_afresh(table, model, at, Request(prompt, tier, residency, scenario))
    except NotLaunchedError:
        raise
    except NoPriceError:
        check_request(asked, prompt, output, hint)
        raise
    check_request(asked, prompt, output, hint)
    lines = []
    for component in TOKEN_COMPONENTS:
        count = getattr(tokens, component)
        if count or component in ALWAYS_LISTED:
            rate = res.rates[component]
            lines.append(QuoteLine(component, count, rate, rate * count / ONE_MILLION, res.label))
    for tool, calls in (tool_calls or {}).items():
        fee = res.fee(tool)
        if fee is None:
            raise NoPriceError(res.no_fee_message(tool, at))
        lines.append(QuoteLine(tool_component(tool), calls, fee.usd_per_mcall, fee.usd_per_call * calls,
                               res.fee_label))
    return Quote(model=res.model, billed_model=res.billed_model.id, provider=res.billed_model.provider, at=at,
                 scenario=scenario, tier=tier, residency=residency, lines=tuple(lines), price_table=table.meta(),
                 requests=requests)
