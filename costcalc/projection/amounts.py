"""A priced batch's tokens and cost_usd as the integers they are divided from (Money), and the distinct
values behind them: the Decimals are made when the frame's column is first read
(costcalc.frames.decimal.DecimalArray.deferred), by the same divisions in money.DIVIDE as if made at once.
See costcalc.projection.pricing for the arithmetic.

Pure computation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from ..money import DIVIDE
from ..prices.model import MTOK


@dataclass
class Money:
    """A chunk's tokens and cost_usd, kept as the integers they are divided from until a value is read
    (the frame's columns are DecimalArray.deferred): one Decimal per distinct value is made then, by
    `tokens()` and `cost()`, exactly as if made at once (the same divisions in money.DIVIDE)."""

    token_codes: np.ndarray     # per line: its distinct token value
    sums: np.ndarray            # per distinct token value: S (int64, or Python ints in an object array)
    multipliers: np.ndarray     # per distinct token value: its multiplier (V_int over a divisor)
    numerators: list[int]       # per multiplier: V_int
    divisors: list[Decimal]     # per multiplier: den x 10^(places of S + places of V)
    cost_codes: np.ndarray      # per line: its distinct cost value
    cost_tokens: np.ndarray     # per distinct cost value: its distinct token value
    cost_rates: np.ndarray      # ... and its rate (a position in rate_ints)
    rate_ints: list[int]        # every rate as an integer at rate_places
    rate_places: int

    def __len__(self) -> int:
        return len(self.token_codes)

    def _token_numerators(self, distinct: np.ndarray | None = None) -> np.ndarray:
        sums, multipliers = (self.sums, self.multipliers) if distinct is None else \
            (self.sums[distinct], self.multipliers[distinct])
        return _objects(self.numerators)[multipliers] * sums.astype(object)

    def tokens(self) -> np.ndarray:
        """Each line's tokens (an object array of Decimals, equal values one object)."""
        return self.token_values()[self.token_codes]

    def cost(self) -> np.ndarray:
        """Each line's cost_usd (an object array of Decimals, equal values one object)."""
        return self.cost_values()[self.cost_codes]

    def codes(self, name: str) -> np.ndarray:
        """Per line: its distinct value of `name` ("tokens" or "cost")."""
        return self.token_codes if name == "tokens" else self.cost_codes

    def distinct(self, name: str) -> int:
        """How many distinct values of `name` ("tokens" or "cost") the lines have."""
        return len(self.sums) if name == "tokens" else len(self.cost_tokens)

    def values(self, name: str, distinct: np.ndarray | None = None) -> np.ndarray:
        """The distinct values of `name` ("tokens" or "cost"): all, or those at positions `distinct`."""
        return self.token_values(distinct) if name == "tokens" else self.cost_values(distinct)

    def token_values(self, distinct: np.ndarray | None = None) -> np.ndarray:
        """The distinct token values (all, or those at positions `distinct`) as Decimals."""
        multipliers = self.multipliers if distinct is None else self.multipliers[distinct]
        return _objects(map(DIVIDE.divide, self._token_numerators(distinct).tolist(),
                            _objects(self.divisors)[multipliers].tolist()), len(multipliers))

    def cost_values(self, distinct: np.ndarray | None = None) -> np.ndarray:
        """The distinct cost_usd values (all, or those at positions `distinct`): the token numerator x the
        rate as an integer, over the divisor x 1,000,000 x 10^(rate places) (one divisor per multiplier,
        not per (multiplier, rate))."""
        tokens, rates = (self.cost_tokens, self.cost_rates) if distinct is None else \
            (self.cost_tokens[distinct], self.cost_rates[distinct])
        # every token numerator once, then taken per cost value (a token value has a cost per rate); for a
        # few rows, only theirs
        token_numerators = self._token_numerators()[tokens] if distinct is None else self._token_numerators(tokens)
        numerators = token_numerators * _objects(self.rate_ints)[rates]
        scale = MTOK.scaleb(self.rate_places)
        divisors = _objects([DIVIDE.multiply(divisor, scale) for divisor in self.divisors])
        return _objects(map(DIVIDE.divide, numerators.tolist(), divisors[self.multipliers[tokens]].tolist()),
                        len(numerators))


def _distinct(sums: np.ndarray, multiplier: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct values V_int x S / divisor: (code of each row's value, and per distinct value its S and
    multiplier). Integer work only; Money divides."""
    if not len(sums):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    count = max(count, 1)
    if sums.dtype != object and int(sums.max()) < (2 ** 62) // count and int(sums.min()) >= 0:
        # S and the multiplier as one int64 key: one factorize, not two
        codes, uniques = pd.factorize(sums * count + multiplier)
        uniques = np.asarray(uniques, dtype=np.int64)
        return codes, uniques // count, uniques % count
    s_codes, s_uniques = pd.factorize(sums)
    codes, uniques = pd.factorize(s_codes.astype(np.int64) * count + multiplier)
    uniques = np.asarray(uniques, dtype=np.int64)
    s_values = np.asarray(s_uniques)
    return codes, s_values[uniques // count], uniques % count


def _objects(values: Iterable, count: int = -1) -> np.ndarray:
    """An object array of the values as they are (fromiter: about 5x faster than filling an empty array
    from a list, which checks every element for a sequence)."""
    if isinstance(values, list):
        count = len(values)
    return np.fromiter(values, dtype=object, count=count)
