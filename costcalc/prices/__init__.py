"""The price table: schema and loading (load), resolution (resolve), quotes (quote), lint (lint); community
tables converted to overlays (importers/) and compared with the table (crosscheck)."""

from .load import bundled_path, load_prices
from .model import COMPONENTS, SCENARIOS, TIERS, Model, PriceTable
from .quote import Quote, QuoteLine, TokenBundle, quote
from .resolve import Request, Resolution, lookup, resolve, segments

__all__ = ["COMPONENTS", "SCENARIOS", "TIERS", "Model", "PriceTable", "Quote", "QuoteLine", "Request",
           "Resolution", "TokenBundle", "bundled_path", "load_prices", "lookup", "quote", "resolve",
           "segments"]
