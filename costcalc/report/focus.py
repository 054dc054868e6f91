"""An estimate as FinOps FOCUS-shaped rows (CSV): one row per cost line of the canonical document, so a
FinOps tool that reads provider FOCUS exports can hold the forecast beside the actuals.

Mapping (FOCUS 1.x column names; costcalc's own details as `x_` columns, as FOCUS allows):

    BillingPeriodStart/End      the calendar month (UTC) of the line
    ChargePeriodStart/End       the stretch of that month the price rule applied (period_start/end)
    BillingCurrency             the shown currency (USD, or --currency at the --fx rate)
    PricingUnit, PricingQuantity    "1M Tokens", tokens / 1,000,000 (prices are per million tokens)
    ConsumedUnit, ConsumedQuantity  "Tokens", tokens
    ListUnitPrice, ListCost     the published price (promotions included: they were the public price),
                                before negotiated discounts from a price overlay
    ContractedUnitPrice, ContractedCost, EffectiveCost, BilledCost
                                the price after negotiated discounts: what the estimate projects (no
                                commitments or credits are modelled, so the three costs are equal)
    ServiceCategory, ServiceName "AI and Machine Learning", the model
    ProviderName, PublisherName, InvoiceIssuerName    the billed provider
    SkuId, SkuPriceId           model:component, and model:component:rule at its rate
    PricingCategory             "Standard" (list, promotional, peak/off-peak and batch prices are all
                                published per-token prices)
    ChargeCategory, ChargeFrequency     "Usage", "Usage-Based"
    Tags                        the profile's tags as a JSON object
    x_TokenDirection, x_TokenCache      input/output; miss, hit, write-5m, write-1h (empty for output)

Per-call tool fees (component `tool:NAME`) are usage charges of their own SKU, priced per call, not per
token: PricingUnit "1K Calls" (fees are published per 1,000 calls) with PricingQuantity = calls / 1,000 and
the unit prices per 1,000 calls; ConsumedUnit "Calls" with ConsumedQuantity = calls; SkuId
`model:tool:NAME`, SkuPriceId `model:tool:NAME:fee@USD_PER_1K_CALLS`; x_TokenDirection and x_TokenCache
empty. FOCUS leaves PricingUnit and ConsumedUnit free text (its examples include request and call counts).
    x_Profile, x_Case, x_Rule, x_Component, x_Scenario, x_PriceTableVersion, x_PriceTableSha256, x_UsdRate

Time a model cannot be priced (before its launch, after its retirement) has no rows (it is no charge); a
comment row per stretch after the rows says so (`# not available,...`); so do `# unpriced calls,...` rows
for tool calls no fee prices and `# over limit excluded,...` rows for requests `over_limit: exclude` left
out.

Amounts are exact decimal text (not rounded). Text cells are formula-neutralized (safe_cell). An
estimate with ranges gives the expected case only: FOCUS rows are charges, and a FinOps tool adds them
up, so the low and high alternatives stay in the other formats.
"""

from __future__ import annotations

import json
from decimal import Decimal

from ..money import decimal_text
from ..prices.model import TOOL_PREFIX
from . import csv_text, left_out_rows, not_available_rows
from .document import EXACT
from .shown_currency import ShownCurrency
from .document_types import EstimateDocument

COLUMNS = ["BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd", "BillingCurrency",
           "ChargeCategory", "ChargeFrequency", "ChargeDescription", "ServiceCategory", "ServiceName",
           "ProviderName", "PublisherName", "InvoiceIssuerName", "SkuId", "SkuPriceId", "PricingCategory",
           "PricingUnit", "PricingQuantity", "ListUnitPrice", "ContractedUnitPrice", "ListCost", "ContractedCost",
           "EffectiveCost", "BilledCost", "ConsumedUnit", "ConsumedQuantity", "Tags", "x_TokenDirection",
           "x_TokenCache", "x_Profile", "x_Case", "x_Rule", "x_Component", "x_Scenario", "x_PriceTableVersion",
           "x_PriceTableSha256", "x_UsdRate"]
_MTOK = Decimal(1_000_000)
_PER_1K = Decimal(1000)
_DIRECTION = {"input": "input", "cache_read": "input", "cache_write_5m": "input", "cache_write_1h": "input",
              "output": "output", "reasoning": "output"}
_CACHE = {"input": "miss", "cache_read": "hit", "cache_write_5m": "write-5m", "cache_write_1h": "write-1h"}
_KIND = {"input": "input tokens (cache miss)", "cache_read": "cached input tokens (cache hit)",
         "cache_write_5m": "input tokens written to a 5-minute cache",
         "cache_write_1h": "input tokens written to a 1-hour cache", "output": "output tokens",
         "reasoning": "reasoning tokens"}


def render_focus(document: EstimateDocument) -> str:
    meta = document["meta"]
    shown = ShownCurrency(meta)
    table = meta.get("price_table") or {}
    list_rates = {(r["model"], r["rule"], r["component"], Decimal(r["usd_per_mtok"])): Decimal(r["list_usd_per_mtok"])
                  for r in meta.get("list_rates", [])}
    native_list = {(r["model"], r["rule"], r["component"], Decimal(r["usd_per_mtok"])): Decimal(r["list_per_mtok"])
                   for r in meta.get("native_rates", []) if r["currency"] == shown.code}
    records = []
    for row in document["rows"]:
        if row.get("case", "expected") != "expected":
            continue  # low/high are alternatives to the expected case: charges must add up, so not here
        tokens = Decimal(row["tokens"])  # calls, on a tool fee row
        rate = Decimal(row["usd_per_mtok"])  # USD per 1M calls, on a tool fee row
        key = (row["model"], row["rule"], row["component"], rate)
        list_rate = list_rates.get(key, rate)
        billed = shown.cost(row)  # the provider's own price in the shown currency where it has one
        unit, list_unit = shown(rate), shown(list_rate)
        list_cost = billed if list_rate == rate else shown(EXACT.divide(EXACT.multiply(tokens, list_rate), _MTOK))
        if key in native_list:  # the provider's own prices: unit prices and list cost in them too
            list_unit = native_list[key]
            unit = EXACT.divide(EXACT.multiply(billed, _MTOK), tokens) if tokens else list_unit
            list_cost = EXACT.divide(EXACT.multiply(tokens, list_unit), _MTOK)
        start, end = _month_bounds(row["month"])
        tags = {k[4:]: v for k, v in row.items() if k.startswith("tag:") and v is not None}
        component = row["component"]
        tool = component[len(TOOL_PREFIX):] if component.startswith(TOOL_PREFIX) else None
        if tool:  # priced per 1,000 calls: the unit prices per 1M calls scaled down
            unit, list_unit = EXACT.divide(unit, _PER_1K), EXACT.divide(list_unit, _PER_1K)
            pricing = ("1K Calls", decimal_text(EXACT.scaleb(tokens, -3)), "Calls")
            description = f"{row['model']} {tool} calls, per-call fee ({row['profile']})"
            sku_price = f"{row['model']}:{component}:{row['rule']}@{decimal_text(EXACT.divide(rate, _PER_1K))}"
        else:
            pricing = ("1M Tokens", decimal_text(EXACT.scaleb(tokens, -6)), "Tokens")
            description = f"{row['model']} {_KIND.get(component, component)}, {row['rule']} price ({row['profile']})"
            sku_price = f"{row['model']}:{component}:{row['rule']}@{decimal_text(rate)}"
        cells = [
            start, end, row.get("period_start") or start, row.get("period_end") or end, shown.code,
            "Usage", "Usage-Based", description,
            "AI and Machine Learning", row["model"], row["provider"], row["provider"], row["provider"],
            f"{row['model']}:{component}", sku_price, "Standard", pricing[0], pricing[1],
            decimal_text(list_unit), decimal_text(unit), decimal_text(list_cost), decimal_text(billed),
            decimal_text(billed), decimal_text(billed), pricing[2], decimal_text(tokens),
            json.dumps(tags, sort_keys=True, ensure_ascii=False) if tags else "",
            _DIRECTION.get(component, ""), _CACHE.get(component, ""), row["profile"], row.get("case") or "",
            row["rule"], component, meta.get("scenario") or "", table.get("version") or "",
            table.get("sha256") or "", decimal_text(shown.rate),
        ]
        records.append(cells)
    # no charge where a model is not available: said in comment rows after the charges
    return csv_text(COLUMNS, records) + not_available_rows(meta.get("not_available")) + \
        left_out_rows(meta, expected_only=True)


def _month_bounds(month: str) -> tuple[str, str]:
    year, number = int(month[:4]), int(month[5:7])
    following = (year + 1, 1) if number == 12 else (year, number + 1)
    return f"{year:04d}-{number:02d}-01T00:00:00Z", f"{following[0]:04d}-{following[1]:02d}-01T00:00:00Z"
