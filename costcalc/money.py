"""Money: the one home of costcalc's exact decimal arithmetic, its rounding for display and its text.

    EXACT     120 significant digits: + - x and sums. Cost lines carry up to 50 significant digits, so
              their sums and products with rates and exchange rates are exact (no rounding at all) and a
              total always equals the lines it sums, in any order.
    DIVIDE    50 significant digits: division, the one inexact step (a traffic share like 154/720, a cost
              per request, a percentage); its error stays below 1e-40 of the amount, far under a cent.
    UNBOUNDED no limit: for the steps that cannot round (normalize(), adding 0, scaleb) on a value of any digits.
    exact_sum(values)               an exact sum (pandas would fall back to floats for some dtypes)
    cents(value)               to the cent, half to even, never -0.00: each shown amount on its own
    decimal_text(value)        exact text, never an exponent
    convert(usd, rate)         USD x a fixed rate per USD, exact
    per_mtok(count, rate)      count x a rate per million (tokens or calls), exact

Both contexts round half to even and trap invalid operations, division by zero and overflow (the
standard library's defaults): a computation that divides by zero fails, never yields Infinity.
`Decimal.normalize()` would round to the current context's 28 digits, so `decimal_text` strips trailing
zeros from the text instead.
"""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_EVEN, Decimal

_TRAPS = [decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow]
EXACT = decimal.Context(prec=120, rounding=ROUND_HALF_EVEN, traps=_TRAPS)
DIVIDE = decimal.Context(prec=50, rounding=ROUND_HALF_EVEN, traps=_TRAPS)
# for steps that never round whatever a value's digits (normalize(), + 0: frames.decimal.canonical; a
# product's scaleb: projection.amounts)
UNBOUNDED = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN,
                            rounding=ROUND_HALF_EVEN, traps=_TRAPS)

MTOK = Decimal(1_000_000)  # rates are per million tokens (or calls)
_CENT = Decimal("0.01")
_ZERO = Decimal(0)


def exact_sum(values) -> Decimal:
    """Exact sum of Decimals (pandas would fall back to floats for some dtypes; never for money)."""
    with decimal.localcontext(EXACT):
        return sum(values, _ZERO)


def cents(value: Decimal) -> Decimal:
    """To the cent, half to even; an amount that rounds to zero is 0.00, never -0.00 (a difference of
    -1e-40 between two equal totals is no saving)."""
    rounded = value.quantize(_CENT, rounding=ROUND_HALF_EVEN, context=EXACT)
    return rounded if rounded else abs(rounded)


def decimal_text(value: Decimal) -> str:
    """5.220 -> '5.22', 0.0036250 -> '0.003625', 1E+3 -> '1000', -0 -> '0'; never an exponent."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def decimal_places(value: Decimal) -> int:
    """The digits after the point of a finite Decimal as written: 1.50 -> 2, 7 -> 0, 1E+3 -> -3."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):  # 'n', 'N' or 'F': NaN, sNaN or Infinity have no places
        raise ValueError(f"{value} is not a finite number")
    return -exponent


def convert(usd: Decimal, rate: Decimal) -> Decimal:
    """An amount in USD in another currency at `rate` units per USD: exact (a 50-digit cost times a rate
    needs more than the default 28 digits)."""
    return EXACT.multiply(usd, rate)


def per_mtok(count: Decimal | int, rate: Decimal) -> Decimal:
    """What `count` tokens (or calls) cost at `rate` per million: exact (a division by 10^6 only moves
    the decimal point)."""
    return EXACT.divide(EXACT.multiply(count, rate), MTOK)


def quotient(a: Decimal, b: Decimal) -> Decimal:
    """a / b to 50 significant digits (DIVIDE)."""
    return DIVIDE.divide(a, b)


__all__ = ["DIVIDE", "EXACT", "MTOK", "cents", "convert", "decimal_places", "decimal_text", "exact_sum", "per_mtok",
           "quotient"]
