"""Parsing of human-written numbers on the command line: token counts like 1M, 250k, 1_000."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_SUFFIX = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
# Digits with optional _ separators, or commas in groups of three (1,000,000); "1,5M" is refused
# rather than read as 15M.
_COUNT = re.compile(r"((?:\d{1,3}(?:,\d{3})+|\d[\d_]*)(?:\.\d+)?)([kKmMbB]?)")


def parse_count(text: str) -> int:
    """`1M` -> 1000000, `250k` -> 250000, `1_000` or `1,000` -> 1000, `1.5k` -> 1500.
    Raises ValueError with what is allowed."""
    match = _COUNT.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a token count; use a whole number like 1000, 1_000, 250k or 1M")
    digits, suffix = match.groups()
    try:
        value = Decimal(digits.replace("_", "").replace(",", "")) * _SUFFIX[suffix.lower()]
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a token count") from None
    if value != value.to_integral_value():
        raise ValueError(f"{text!r} is not a whole number of tokens")
    return int(value)
