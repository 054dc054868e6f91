"""How an estimate's money is shown: the currency a document (or a frame's attrs) names, its symbol and rate per
USD, and the exact conversion every section and renderer uses. Its own module, below the document and the
sections derived from it (report/sums.py, plandoc.py, comparisons.py), so each imports it at the top."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..money import convert, decimal_text


class ShownCurrency:
    """How a document's money is shown: currency code, symbol, rate per USD and the conversion."""

    def __init__(self, meta_or_attrs: Mapping[str, Any]):
        fx = meta_or_attrs.get("fx")
        self.code = fx["currency"] if fx else "USD"
        self.symbol = fx["symbol"] if fx else "$"
        self.rate = Decimal(str(fx["rate"])) if fx else Decimal(1)
        self.source = fx.get("source") if fx else None
        self.native = list(fx.get("native", [])) if fx else []  # providers priced in their own currency
        self.column = f"cost_{self.code.lower()}"  # a document row's cost in the shown currency

    def cost(self, row) -> Decimal:
        """A row's cost in the shown currency: its `cost_<code>` (which holds a provider's own prices
        where it publishes them), else cost_usd converted. Use this, not __call__, for cost lines."""
        if self.code != "USD" and row.get(self.column) is not None:
            return Decimal(row[self.column])
        return self(Decimal(row["cost_usd"]))

    def __call__(self, usd: Decimal) -> Decimal:
        """Exact: USD x rate (a 50-digit cost times a rate needs more than the default 28 digits)."""
        return convert(usd, self.rate) if self.rate != 1 else usd

    @property
    def note(self) -> str:
        """One line every rendering shows."""
        if self.code == "USD":
            return "Money in USD ($)."
        text = (f"Money in {self.code} ({self.symbol}) at 1 USD = {decimal_text(self.rate)} {self.code}"
                f" ({self.source or 'fixed budget rate'}); prices are USD prices converted at that rate")
        if self.native:
            text += (f", except {', '.join(self.native)}, billed at its own published {self.code} prices "
                     f"(not converted)")
        return text + "."
