"""Exact decimal text for money and rates. `Decimal.normalize()` would round to the context's 28 digits,
so trailing zeros are stripped from the text instead."""

from __future__ import annotations

from decimal import Decimal


def decimal_text(value: Decimal) -> str:
    """5.220 -> '5.22', 0.0036250 -> '0.003625', 1E+3 -> '1000', -0 -> '0'; never an exponent."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
