"""Showing money in another currency at a user-supplied fixed budget rate.

Prices and costs stay in USD (the price table's currency) and exact; a result only carries how its
money is shown: `{"base": "USD", "currency": "EUR", "rate": "0.92", "symbol": "€", "source": ...}`,
where rate is units of the currency per 1 USD. ShownCurrency money = USD x rate, exact. Rates come from the
user (`--fx EUR=0.92`, or an FX YAML file), never from the network: a finance team plans with a fixed
budget rate, not today's market rate.

FX YAML:

    schema_version: 1
    source: FY2027 budget rates (finance, 2026-11-01)
    rates: {EUR: 0.92, GBP: 0.79, CNY: 7.12}
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .errors import CostcalcError, shown
from .money import decimal_places
from ._validate import Invalid, Reader
from ._yamlnodes import parse, read_input

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CNY": "¥", "JPY": "¥", "INR": "₹", "KRW": "₩", "CHF": "CHF",
           "CAD": "C$", "AUD": "A$", "SGD": "S$", "HKD": "HK$", "BRL": "R$", "SEK": "kr", "NOK": "kr",
           "DKK": "kr", "PLN": "zł", "MXN": "MX$", "ZAR": "R", "ILS": "₪", "TRY": "₺", "TWD": "NT$"}
_CODE = re.compile(r"[A-Z]{3}")
_MAX_RATE = Decimal(10) ** 9
_MAX_PLACES = 8  # as the FX file's reader allows (_validate.Reader.decimal)


def fx_info(currency: str, rate: Decimal, source: str) -> dict | None:
    """The `fx` block a result carries (None for USD itself)."""
    if currency == "USD":
        return None
    return {"base": "USD", "currency": currency, "rate": str(rate), "symbol": SYMBOLS.get(currency, currency),
            "source": source}


def parse_rate(text: str, where: str) -> Decimal:
    """A rate from the command line, held to the same limits as an FX file's: above 0, below 10^9, at
    most 8 decimals (1E-999999 would show every amount as 0.00 and write megabytes of digits)."""
    try:
        rate = Decimal(str(text).strip()) if str(text).isascii() else None
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite() or not 0 < rate < _MAX_RATE or decimal_places(rate) > _MAX_PLACES:
        raise CostcalcError(f"{where}: {shown(text)}: a rate must be a number above 0 and below 10^9 with at most "
                            f"{_MAX_PLACES} decimals (units of the currency per 1 USD)")
    return rate


def parse_pair(text: str) -> tuple[str, Decimal]:
    """`EUR=0.92` -> ("EUR", Decimal("0.92"))."""
    code, sep, rate = str(text).partition("=")
    code = code.strip().upper()
    if not sep or not _CODE.fullmatch(code):
        raise CostcalcError(f"--fx {text!r}: use CODE=RATE (units per 1 USD), e.g. EUR=0.92, or an FX YAML file")
    return code, parse_rate(rate, f"--fx {code}")


def check_code(code: str) -> str:
    code = str(code).strip().upper()
    if not _CODE.fullmatch(code):
        raise CostcalcError(f"--currency {code!r}: a three-letter ISO 4217 code such as EUR, GBP or CNY")
    return code


def rates_from_yaml(root, path: str) -> tuple[dict[str, Decimal], str]:
    """(rates, source) from a parsed FX YAML document (`_yamlnodes` nodes, so problems name lines)."""

    r = Reader(path)
    rates: dict[str, Decimal] = {}
    source = f"FX file {path}"
    try:
        doc = r.mapping(root, "", ("schema_version", "source", "rates"), required=("rates",))
        if "source" in doc:
            source = r.string(doc["source"], "source")
        for key, node in r.named_entries(doc["rates"], "rates").items():
            with r.item():
                if not _CODE.fullmatch(str(key)):
                    raise r.fail(node, f"rates.{key}", "not a three-letter ISO 4217 code such as EUR", key)
                what = "a rate above 0 and below 10^9 (units of the currency per 1 USD)"
                value = r.decimal(node, f"rates.{key}", what, maximum=_MAX_RATE)
                if value == 0 or value >= _MAX_RATE:  # the limits of --fx: 0 < rate < 10^9
                    raise r.fail(node, f"rates.{key}", f"must be {what}")
                rates[str(key)] = value
    except Invalid:
        pass
    r.raise_if_problems()
    return rates, source


def load_fx(path: str) -> tuple[dict[str, Decimal], str]:
    """Read an FX YAML file (the edge: file I/O here, parsing above)."""

    text, _ = read_input(path)
    return rates_from_yaml(parse(text, str(path)), str(path))


def resolve_fx(currency: str | None, fx_options: list[str]) -> dict | None:
    """--currency and --fx (CODE=RATE pairs and/or FX YAML files, later ones win) -> the fx block."""
    pairs: dict[str, Decimal] = {}
    sources = []
    for option in fx_options:
        if "=" in option:
            code, rate = parse_pair(option)
            pairs[code] = rate
            sources.append(f"--fx {code}={rate}")
        else:
            rates, source = load_fx(option)
            pairs.update(rates)
            sources.append(source)
    if currency is None and len(pairs) > 1:
        raise CostcalcError("several rates given: name the one to show with --currency CODE")
    return choose(currency, pairs, "; ".join(sources))


def choose(currency: str | None, pairs: dict[str, Decimal], source: str) -> dict | None:
    """The fx block for `currency` from the rates given; USD needs none."""
    if currency is None:
        if len(pairs) == 1:  # --fx EUR=0.92 alone means "show EUR"
            currency = next(iter(pairs))
        else:
            return None
    currency = check_code(currency)
    if currency == "USD":
        return None
    if currency not in pairs:
        given = ", ".join(sorted(pairs)) or "none"
        raise CostcalcError(f"--currency {currency}: no rate given for it (rates given: {given}); add "
                            f"--fx {currency}=RATE (units per 1 USD)")
    return fx_info(currency, pairs[currency], source)


__all__ = ["SYMBOLS", "check_code", "choose", "fx_info", "load_fx", "parse_pair", "parse_rate",
           "rates_from_yaml", "resolve_fx"]
