"""A priced batch's tokens and cost_usd as the integers they are divided from (Money), and the distinct
values behind them: the Decimals are made when the frame's column is first read
(costcalc.frames.decimal.DecimalArray.deferred), by the same divisions in money.DIVIDE as if made at once.
Joined: the frame's column over all the chunks, each distinct value divided once across them; a sum of
the whole column, of a filter's rows or per group makes no Decimal per value (Joined.total,
Joined.group_totals, costcalc.projection.quotient_sums).
See costcalc.projection.pricing for the arithmetic.

Pure computation.
"""

from __future__ import annotations

import decimal
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..money import DIVIDE, UNBOUNDED
from ..prices.model import MTOK
from .quotient_sums import PRODUCT, QuotientGroups, quotient_sums, table_fits


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
    rate_ints: list[int]        # every rate as an integer at its places
    rate_places: list[int]      # every rate's decimal places as written (its cost's digits follow them)
    # per distinct token value: the places of its S above the value's own (pricing._shifts_of: S is summed at
    # its run's places, a line is written with its own terms'), None for none: a value is made from
    # S / 10^shift over the divisor / 10^shift, the same quotient written with the value's own places
    shifts: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.token_codes)

    def _token_numerators(self) -> np.ndarray:
        """Per distinct token value: V_int x S at the value's own places (Python ints)."""
        sums = self.sums if self.shifts is None else own_places(self.sums, self.shifts)
        return _objects(self.numerators)[self.multipliers] * sums.astype(object)

    def tokens(self) -> np.ndarray:
        """Each line's tokens (an object array of Decimals, equal values one object)."""
        divisors = _each_divisor(_objects(self.divisors), self.multipliers, self.shifts)
        values = map(DIVIDE.divide, self._token_numerators().tolist(), divisors.tolist())
        return _objects(values, len(self.sums))[self.token_codes]

    def cost(self) -> np.ndarray:
        """Each line's cost_usd: the token numerator x the rate as an integer, over the divisor x
        1,000,000 x 10^(the rate's places) (one divisor per (multiplier, places))."""
        numerators = self._token_numerators()[self.cost_tokens] * _objects(self.rate_ints)[self.cost_rates]
        places, place_of_rate = np.unique(np.array(self.rate_places or [0], dtype=np.int64), return_inverse=True)
        scales = [MTOK.scaleb(int(p)) for p in places]
        divisors = _objects([DIVIDE.multiply(divisor, scale) for divisor in self.divisors for scale in scales])
        pairs = self.multipliers[self.cost_tokens].astype(np.int64) * len(places) + place_of_rate[self.cost_rates]
        divisors = _each_divisor(divisors, pairs, None if self.shifts is None else self.shifts[self.cost_tokens])
        values = map(DIVIDE.divide, numerators.tolist(), divisors.tolist())
        return _objects(values, len(numerators))[self.cost_codes]

    def codes(self, name: str) -> np.ndarray:
        """Per line: its distinct value of `name` ("tokens" or "cost"): what Joined joins across chunks."""
        return self.token_codes if name == "tokens" else self.cost_codes

    def distinct(self, name: str) -> int:
        """How many distinct values of `name` ("tokens" or "cost") the lines have."""
        return len(self.sums) if name == "tokens" else len(self.cost_tokens)


class Joined:
    """The tokens or cost_usd of a projection's chunks (Money, in line order) as one column coded by its
    distinct values across all the chunks: `codes()` per line, `values(positions)` the Decimals of those
    distinct values. Chunks repeat one another's values (the 1,000-profile projection: 1.07M distinct cost
    values chunk by chunk, 0.59M across them), so each is divided once, and a group sum or a filter's sum
    needs only the distinct values and how often each occurs (costcalc.frames.decimal: a maker's `codes`);
    a sum of the whole column, `total()`, not even those: each quotient's rounding is read from its fraction
    and each divisor group's sum put together from integers, nearly none divided, none kept
    (costcalc.projection.quotient_sums; no memory grows with the column: the first read of the 1,000-profile
    projection touched ~22k fresh pages, 90 MB, when it made and kept its values).
    A distinct value is (S, multiplier) for tokens, (token value, rate) for cost_usd, with multipliers and
    rates keyed by their exact integers and divisor digits: a value is made as the same quotient of the same
    operands as Money's (_operands), so it is the same Decimal (digits and exponent)."""

    def __init__(self, money: list[Money], name: str, tokens: Joined | None = None):
        self.money, self.name = [m for m in money if len(m)], name
        self.tokens = tokens  # cost_usd: the chunks' tokens joined (shared with the tokens column)
        self._local: list[np.ndarray] | None = None  # per chunk: its distinct value -> the joined one
        self._count = 0
        # tokens: per joined value its S, multiplier and shift (Money.shifts); per multiplier V_int and the divisor
        self._sums = self._multipliers = self._numerators = self._divisors = self._shifts_of_tokens = _EMPTY
        # cost_usd: per joined value its token value, rate (a position in _rate_ints) and divisor (a position
        # in _divisors, whose multipliers are _pair_multipliers); every rate at the most places of any
        # (_rate_ints: one divisor per multiplier), and at its own with the places between (_own_rate_ints,
        # _shifts: a made value's digits are its own rate's)
        self._tokens = self._rate_codes = self._divided_by = self._pair_multipliers = self._rate_ints = _EMPTY
        self._own_rate_ints = self._shifts = _EMPTY
        self._made: np.ndarray | None = None  # every distinct value, once made
        self._decimals: np.ndarray | None = None  # tokens: V_int of each multiplier as a Decimal
        self._known: QuotientGroups | None = None  # what sums divide by (_quotient_groups)
        self._total: Decimal | None = None  # total(), once asked (_totalled)
        self._totalled = False

    def __call__(self) -> np.ndarray:
        """Every line's value (DecimalArray.deferred's make): each distinct value made once."""
        return self.values()[self.codes()]

    def codes(self) -> np.ndarray:
        """Per line: its distinct value (positions in values())."""
        local = self._map()
        if not local:
            return np.zeros(0, dtype=np.int32)
        return np.concatenate([to_global[m.codes(self.name)] for m, to_global in zip(self.money, local)])

    def count(self) -> int:
        """How many distinct values the lines have."""
        self._map()
        return self._count

    def counts(self) -> np.ndarray:
        """How many lines hold each distinct value (int64), from each chunk's own counts: no code per line
        is made."""
        local = self._map()
        counts = np.zeros(self._count, dtype=np.int64)
        for m, to_global in zip(self.money, local):
            np.add.at(counts, to_global, np.bincount(m.codes(self.name), minlength=len(to_global)))
        return counts

    def total(self, counts: np.ndarray | None = None) -> Decimal | None:
        """The exact sum of every line's value without making the values (DecimalArray.deferred's `total`:
        a sum of the whole column, or with `counts`, how many of a filter's rows hold each distinct value,
        of those rows): each distinct value times its count, its rounding read from its fraction, not
        divided (costcalc.projection.quotient_sums); None when that sum would round (then
        the caller adds the made values). The whole column's is kept: a second sum is free."""
        if counts is not None:  # a filter's rows hold few of the values: only those are read
            present = np.flatnonzero(counts)
            return _only(self._sums_of(present, np.asarray(counts, dtype=np.int64)[present], None, 1))
        if not self._totalled:
            self._total, self._totalled = _only(self._sums_of(None, self.counts(), None, 1)), True
        return self._total

    def group_totals(self, ids: np.ndarray, group_count: int, codes: np.ndarray | None = None) -> list[Decimal] | None:
        """Per group 0..group_count-1 the exact sum of its rows' values, none made (DecimalArray.deferred's
        `group_totals`: a groupby sum or mean): ids, each row's group (negative: in none); codes, each row's
        distinct value (codes() if None; a filter's rows: theirs). The rows are counted per (group, distinct
        value) pair (integer work: the 1,000-profile projection's 2M rows by month are 0.86M pairs) and the
        pairs summed as total() sums the distinct values, per group. None when a sum would round or the
        groups are too many (quotient_sums.quotient_sums); then the caller makes the values."""
        self._map()
        count = max(self._count, 1)
        if group_count * count >= 2 ** 62 or not table_fits(group_count, len(self._divisors)):
            return None
        codes = self.codes() if codes is None else np.asarray(codes)
        # a (group, value) key per row: int32 when it fits (a month groupby: 36 x 0.59M), half the fresh memory
        # and a faster sort than int64
        keys = np.asarray(ids).astype(np.int32 if group_count * count < 2 ** 31 else np.int64)
        keys *= count
        keys += codes
        if len(keys) and int(np.min(ids)) < 0:
            keys = keys[np.asarray(ids) >= 0]
        pairs, pair_counts = np.unique(keys, return_counts=True)
        return self._sums_of(pairs % count, pair_counts, pairs // count, group_count)

    def _sums_of(self, values: np.ndarray | None, counts: np.ndarray, buckets: np.ndarray | None,
                 bucket_count: int) -> list[Decimal] | None:
        """quotient_sums of counts[i] x the distinct value values[i] (the first len(counts) values if None),
        per bucket (buckets[i]; all in bucket 0 if None)."""
        self._map()
        at = slice(0, len(counts)) if values is None else values

        def positions(a: int, b: int) -> slice | np.ndarray:
            return slice(a, b) if values is None else values[a:b]

        if self.name == "tokens":
            return quotient_sums(counts, self._multipliers[at], lambda a, b: self._sums[positions(a, b)],
                                 self._quotient_groups(), buckets, bucket_count)
        return quotient_sums(counts, self._divided_by[at], lambda a, b: self._cost_factors(positions(a, b)),
                             self._quotient_groups(), buckets, bucket_count)

    def _quotient_groups(self) -> QuotientGroups:
        """The divisor groups quotient_sums divides by (tokens: per multiplier; cost_usd: per (multiplier,
        rate places)), made once: the column's sum and its group sums share them."""
        if self._known is None:
            if self.name == "tokens":
                numerators = self._numerators.tolist()
            else:
                tokens = self.tokens
                assert tokens is not None
                numerators = tokens._numerators[self._pair_multipliers].tolist() if len(self._pair_multipliers) else []
            self._known = QuotientGroups(numerators, list(self._divisors))
        return self._known

    def _cost_factors(self, at: slice | np.ndarray, rate_ints: np.ndarray | None = None,
                      token_shifts: np.ndarray | None = None) -> np.ndarray:
        """S x rate of the distinct cost values `at` (the rates at the most places, _rate_ints, unless
        others are given; S at its value's own places with the token values' `token_shifts`): int64 where
        every product fits (checked by floats, far from the edge), else Python ints."""
        tokens = self.tokens
        assert tokens is not None
        sums = tokens._sums[self._tokens[at]]
        if token_shifts is not None:
            sums = own_places(sums, token_shifts)
        rates = (self._rate_ints if rate_ints is None else rate_ints)[self._rate_codes[at]]
        if sums.dtype == object or rates.dtype == object:
            return sums.astype(object) * rates.astype(object)
        fits = sums.astype(float) * rates.astype(float) < _INT64_SAFE
        if bool(fits.all()):
            return sums * rates
        # the few past int64 as Python ints, the others multiplied as int64 (a group sum's blocks, of pairs
        # ordered by group, meet one in most blocks: all as Python ints took 3x longer)
        products = np.empty(len(sums), dtype=object)
        products[fits] = sums[fits] * rates[fits]
        products[~fits] = sums[~fits].astype(object) * rates[~fits].astype(object)
        return products

    def values(self, positions: np.ndarray | None = None) -> np.ndarray:
        """The distinct values at `positions` (all if None) as Decimals: the same divisions as Money's,
        a batch at a time (the operands, 60-digit integers, are never all held at once). Once all are made
        they are kept (a group sum, then the whole column, divide once): about 120 bytes a value, less than
        the column they make. A sum of the whole column does not come here (total())."""
        if self._made is None and (positions is None or len(positions) == self.count()):
            self._made = self._divided(np.arange(self.count()))
        if self._made is not None:
            return self._made.copy() if positions is None else self._made[positions]
        return self._divided(np.asarray(positions, dtype=np.int64))

    def _divided(self, positions: np.ndarray) -> np.ndarray:
        out = np.empty(len(positions), dtype=object)
        for start in range(0, len(positions), _BATCH):
            numerators, factors, divisors, shifts = self._operands(positions[start:start + _BATCH])
            try:
                products = map(PRODUCT.multiply, numerators.tolist(), factors.tolist())
                if shifts is not None:
                    products = map(UNBOUNDED.scaleb, products, shifts.tolist())
                made = _objects(map(DIVIDE.divide, products, divisors.tolist()), len(factors))
            except (decimal.Inexact, decimal.Rounded):  # a product past 120 digits: as Python ints
                products = map(operator.mul, map(int, numerators.tolist()), factors.tolist())
                if shifts is not None:
                    products = map(UNBOUNDED.scaleb, map(Decimal, products), shifts.tolist())
                made = _objects(map(DIVIDE.divide, products, divisors.tolist()), len(factors))
            out[start:start + len(factors)] = made
        return out

    def _operands(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """(numerators, factors, divisors, shifts) of the distinct values at `positions`: each value is
        DIVIDE.divide(numerator x factor x 10^shift, divisor), the numerator V_int as a Decimal (object
        array), the factor S (tokens) or S x rate (cost_usd) as int64 or Python ints, S at the value's own
        places (Money.shifts), the divisor a Decimal. The product is exact (quotient_sums.PRODUCT, else
        Python ints), the same integer Money divides (a Decimal x a small int: about twice as fast as dividing
        a 70-digit Python int, which each division converts). A divisor holds its run's places of S and, for
        a cost, the most places of any rate; the factor holds the value's own places of S and its own rate's,
        and the places between are the product's exponent (shift, None when 0): the quotient is then Money's
        (which divides by the divisor / 10^shift instead), digits and exponent."""
        self._map()
        if self.name == "tokens":
            multipliers = self._multipliers[positions]
            shifts = self._shifts_of_tokens[positions]
            return (self._decimal_numerators()[multipliers], own_places(self._sums[positions], shifts),
                    self._divisors[multipliers], shifts if shifts.any() else None)
        tokens = self.tokens
        assert tokens is not None
        token_positions = self._tokens[positions]
        multipliers = tokens._multipliers[token_positions]
        token_shifts = tokens._shifts_of_tokens[token_positions]
        shifts = self._shifts[self._rate_codes[positions]] + token_shifts
        return (tokens._decimal_numerators()[multipliers],
                self._cost_factors(positions, self._own_rate_ints, token_shifts),
                self._divisors[self._divided_by[positions]], shifts if shifts.any() else None)

    def _decimal_numerators(self) -> np.ndarray:
        """Each multiplier's V_int as a Decimal (made once)."""
        if self._decimals is None or len(self._decimals) != len(self._numerators):
            self._decimals = _objects([Decimal(n) for n in self._numerators.tolist()])
        return self._decimals

    def _map(self) -> list[np.ndarray]:
        """Joins the chunks' distinct values (integer work, once); returns the per-chunk maps."""
        if self._local is None:
            if self.name == "tokens":
                self._join_tokens()
            else:
                self._join_costs()
        assert self._local is not None
        return self._local

    def _join_tokens(self) -> None:
        money = self.money
        # the multipliers of every chunk, joined by their integer and their divisor's exact digits and
        # exponent (1.440E+5 and 144000 divide to different exponents): str() tells them apart, as
        # as_tuple() does, 7x faster; a key's id is its place in the dict (insertion order)
        joined: dict[tuple[int, str], int] = {}
        chunk_ids = []  # per chunk: its multipliers' joined ids
        for m in money:
            ids = [joined.setdefault(key, len(joined)) for key in zip(m.numerators, map(str, m.divisors))]
            chunk_ids.append(np.array(ids or [0], dtype=np.int32))
        numerators = [numerator for numerator, _ in joined]
        divisors = [Decimal(text) for _, text in joined]  # the same digits and exponent
        self._numerators, self._divisors = _objects(numerators), _objects(divisors)
        if not money:
            self._local = []
            return
        # a value is (S, multiplier, shift): the shift joins with its multiplier (equal S and multipliers with
        # other shifts are other digits)
        width = 1 + max((int(m.shifts.max(initial=0)) for m in money if m.shifts is not None), default=0)
        count = max(len(numerators), 1) * width
        sums = [m.sums for m in money]
        # (S, multiplier) as one int64 key: S x multipliers + the multiplier (S numbered first when past int64)
        s_values = None
        if all(s.dtype != object and (int(s.min()) >= 0 and int(s.max()) < 2 ** 62 // count) for s in sums):
            keys = np.concatenate(sums).astype(np.int64, copy=False)
        else:
            keys, s_values = pd.factorize(np.concatenate([s.astype(object) for s in sums]))
            keys = keys.astype(np.int64, copy=False)
        # in place, the multipliers chunk by chunk: each fresh 0.6M-key array is 1.2k page faults
        keys *= count
        start = 0
        for m, chunk_id in zip(money, chunk_ids):
            keys[start:start + len(m.sums)] += (chunk_id * width)[m.multipliers]
            if m.shifts is not None:
                keys[start:start + len(m.sums)] += m.shifts
            start += len(m.sums)
        if s_values is None:
            # its table sized for half the keys distinct, not pandas' all (chunks repeat one another's values:
            # the 1,000-profile projection's 0.60M are 0.31M distinct): half the table, 25% faster and 2k fewer
            # page faults
            codes, uniques = pd.factorize(keys, size_hint=len(keys) // 2)
            self._sums = uniques // count
        else:
            codes, uniques = _codes(keys, (len(s_values) + 1) * count)
            self._sums = np.asarray(s_values, dtype=object)[uniques // count]
        multipliers = uniques % count
        self._multipliers = multipliers // width if width > 1 else multipliers
        shift_type = np.uint8 if width <= 2 ** 8 else np.uint16  # as pricing narrows Money.shifts
        self._shifts_of_tokens = (multipliers % width).astype(shift_type) if width > 1 else \
            np.zeros(len(uniques), dtype=np.uint8)
        self._count = len(uniques)
        self._local = _split(codes, [len(m.sums) for m in money])

    def _join_costs(self) -> None:
        if self.tokens is None:
            self.tokens = Joined(self.money, "tokens")
        tokens = self.tokens
        token_local = tokens._map()
        if not self.money:
            self._local = []
            return
        # rates joined by (integer, places): equal rates written with other places make other digits
        rates: dict[tuple[int, int], int] = {}
        chunk_rates = [[rates.setdefault((r, p), len(rates)) for r, p in zip(m.rate_ints, m.rate_places)]
                       for m in self.money]
        # whether a chunk's token values stay distinct joined (two multipliers of equal digits, or a value
        # given twice, make one)
        seen = np.zeros(tokens.count(), dtype=bool)
        rate_type = _small_int(len(rates))
        pieces = [_Pairs(to_global, m.cost_tokens, _recoded(m.cost_rates, ids, rate_type), _injective(to_global, seen))
                  for m, to_global, ids in zip(self.money, token_local, chunk_rates)]
        self._local, self._tokens, value_rates = _join_pairs(pieces, tokens.count(), len(rates))
        del pieces
        rate_list = list(rates)
        # one divisor per multiplier: every rate at the most places of any (its digits come back as a made
        # value's shift, _operands), so sums group by as few divisors as before rates kept their own places
        most = max(p for _, p in rate_list)
        self._rate_ints = _int_array([r * 10 ** (most - p) for r, p in rate_list])
        self._own_rate_ints = _int_array([r for r, _ in rate_list])
        self._shifts = np.array([most - p for _, p in rate_list], dtype=np.int64)
        self._rate_codes = value_rates.astype(rate_type, copy=False)
        del value_rates
        # the divisor per multiplier: the token divisor x 1,000,000 x 10^(most), as Money's at those places;
        # numbered per token value (0.3M, not per cost value, 0.8M: every token value has cost values, its
        # lines'), multipliers in token order
        pair_codes, pair_values = _codes(tokens._multipliers, len(tokens._numerators))
        scale = MTOK.scaleb(most)
        self._divisors = _objects([DIVIDE.multiply(tokens._divisors[p], scale) for p in pair_values.tolist()])
        self._pair_multipliers = pair_values
        self._divided_by = pair_codes.astype(_small_int(len(pair_values)))[self._tokens]
        self._count = len(self._tokens)


_EMPTY = np.zeros(0, dtype=np.int64)
_INT64_SAFE = 2 ** 62  # a product a float puts below this is below 2^63 (floats err by far less than 2x)
_BATCH = 1 << 16  # distinct values divided at a time


def _int_array(ints: list[int]) -> np.ndarray:
    """int64 when every value is in [0, _INT64_SAFE) (what the float check of _cost_factors needs), else
    Python ints."""
    fits = all(0 <= r < _INT64_SAFE for r in ints)
    return np.array(ints or [0], dtype=np.int64 if fits else object)


def _only(totals: list[Decimal] | None) -> Decimal | None:
    """The one bucket's sum of quotient_sums, or None."""
    return None if totals is None else totals[0]


class _Pairs(NamedTuple):
    """A chunk's distinct cost values as pairs (joined token, rate): each value's token in the chunk
    (`firsts`, a position in `to_global`, the chunk's token values -> the joined ones) and its joined rate
    (`seconds`); `distinct_firsts`: whether to_global holds no joined token twice."""

    to_global: np.ndarray
    firsts: np.ndarray
    seconds: np.ndarray
    distinct_firsts: bool


def _join_pairs(pieces: list[_Pairs], first_count: int, second_count: int) -> tuple[list[np.ndarray], np.ndarray,
                                                                                      np.ndarray]:
    """Pairs (first in [0, first_count), second in [0, second_count)), given in pieces, coded by their
    distinct values across the pieces: (per piece each pair's code, int32; per distinct pair its first, int32,
    and its second). A bitmap of `width` 64-bit words per first, one bit per second, when it has at most
    65,536 words more than there are pairs (the 1,000-profile projection's cost values: 0.3M tokens x 63
    rates, 2.4 MB, for 1.5M pairs): codes numbering the pairs in increasing (first, second) order (a pair's
    code: how many distinct pairs come before it), the bits set per piece in the piece's own words (its
    tokens: 60k, where or-ing 1.5M bits into the joined bitmap took 12 ms); else a hash factorize of first x
    second_count + second (codes in order of first appearance)."""
    total = sum(len(piece.firsts) for piece in pieces)
    width = (max(second_count, 1) + 63) >> 6  # words per first
    if first_count * width > total + (1 << 16):
        count = max(second_count, 1)
        keys = [piece.to_global[piece.firsts].astype(np.int64) * count + piece.seconds for piece in pieces]
        joined, uniques = _codes(np.concatenate(keys) if keys else _EMPTY, max(first_count * count, 1))
        return _split(joined, [len(k) for k in keys]), (uniques // count).astype(np.int32), uniques % count
    words = np.zeros((first_count, width), dtype=np.uint64)
    for piece in pieces:
        # each first's words in this piece, then or-ed into the joined ones: distinct pairs are distinct bits,
        # so adding them is or-ing them (np.add.at has a fast loop, np.bitwise_or.at does not). A pair given
        # twice (two rates or token values of the chunk joined as one) carries into another bit: then fewer
        # bits are set than pairs were added (an add sets at most one bit, none on a carry), and they are
        # or-ed instead
        own = np.zeros((len(piece.to_global), width), dtype=np.uint64)
        word, bit = _word_of(piece, width), _BIT[_bit_of(piece)]
        np.add.at(own.reshape(-1), word, bit)
        if int(_popcount(own).sum(dtype=np.int64)) != len(word):
            own[:] = 0
            np.bitwise_or.at(own.reshape(-1), word, bit)
        if piece.distinct_firsts:  # each of own's rows is its own joined first's
            words[piece.to_global] |= own
        else:
            np.bitwise_or.at(words, piece.to_global, own)
    ones = _popcount(words)
    before = np.cumsum(ones, dtype=np.int32).reshape(words.shape)  # int32: the codes' own type
    count = int(before[-1, -1]) if len(before) else 0
    before -= ones  # per word: the distinct pairs in the words before it
    codes: list[np.ndarray] = []
    seconds: np.ndarray = np.empty(count, dtype=_small_int(second_count))
    for piece in pieces:
        word = _word_of(piece, width)
        below = words[piece.to_global].reshape(-1)[word]
        below &= _BELOW[_bit_of(piece)]  # the pairs set below this one in its word
        code = before[piece.to_global].reshape(-1)[word]
        code += _popcount(below)
        seconds[code] = piece.seconds
        codes.append(code)
    firsts = np.repeat(np.arange(first_count, dtype=np.int32), ones.sum(axis=1, dtype=np.int32))
    return codes, firsts, seconds


def _injective(to_global: np.ndarray, seen: np.ndarray) -> bool:
    """Whether no two positions of to_global hold one value (`seen`: all False, left so; as long as the
    values' range): a scatter and a count, not a sort."""
    seen[to_global] = True
    distinct = int(np.count_nonzero(seen)) == len(to_global)
    seen[to_global] = False
    return distinct


def _recoded(codes: np.ndarray, joined: list[int], type_: type) -> np.ndarray:
    """codes (positions in a chunk's list) as positions in the joined list (joined: each position's, in
    `type_`), the codes themselves when the lists are the same (every chunk's rates are the projection's)."""
    if joined == list(range(len(joined))):
        return codes
    return np.array(joined or [0], dtype=type_)[codes]


def _word_of(piece: _Pairs, width: int) -> np.ndarray:
    """Each pair's word among its piece's own (firsts x width words), as intp: numpy turns an index of a
    smaller type into intp on every use (an index of 2-byte codes took 3x as long)."""
    word = piece.firsts.astype(np.intp)
    if width > 1:
        word *= width
        word += piece.seconds >> 6
    return word


def _bit_of(piece: _Pairs) -> np.ndarray:
    """Each pair's bit in its word (second mod 64), as intp (_word_of)."""
    bit = piece.seconds.astype(np.intp)
    bit &= 63
    return bit


_BIT = np.left_shift(np.uint64(1), np.arange(64, dtype=np.uint64))  # 1 << b: bit b of a word
_BELOW = _BIT - np.uint64(1)  # the bits below bit b
_BYTE_ONES = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def _popcount(words: np.ndarray) -> np.ndarray:
    """The set bits of each uint64 (np.bitwise_count from NumPy 2.0; a byte table before it)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(words)
    return _BYTE_ONES[words.view(np.uint8)].reshape(*words.shape, 8).sum(axis=-1, dtype=np.uint8)


def _small_int(count: int) -> type:
    """The smallest signed integer type that holds positions below `count`."""
    return np.int8 if count <= 127 else np.int16 if count <= 32_767 else np.int32


def _split(codes: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    """codes cut into consecutive pieces of these sizes, as int32 (views of int32 codes: together they
    hold the whole)."""
    ends = np.cumsum(sizes).tolist()
    return [codes[a:b].astype(np.int32, copy=False) for a, b in zip([0] + ends[:-1], ends)]


def _codes(keys: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """(code of each key, the distinct keys) of int64 keys in [0, bound), codes (int32 from the table, intp
    from the factorize) in the order the keys first come (pricing numbers a chunk's cost values with it;
    Joined numbers the chunks' values with it, roughly in line order, so a column made from them reads memory
    nearly in order: numbered by key instead, summarize read them about 15% slower). A table of the bound's
    size when it is at most ~32x the keys (about 3x faster than a hash factorize; the codes are right
    whatever order numpy assigns repeated keys in), else a hash factorize. A chunk of the 1,000-profile
    projection has ~19x (60k token values x 63 rates, 200k lines): with the factorize there, the estimate
    took 56k minor faults, with the table 23-25k and 0.02-0.05 s less (glibc serves the chunk's next large
    arrays from the freed table's pages)."""
    count = len(keys)
    if not count or bound > 32 * count + 65536 or count >= 2 ** 31:
        codes, uniques = pd.factorize(keys)
        return codes, np.asarray(uniques, dtype=np.int64)
    table = np.empty(bound, dtype=np.int32)  # only the keys' places are written and read
    table[keys[::-1]] = np.arange(count - 1, -1, -1, dtype=np.int32)
    rows = np.flatnonzero(table[keys] == np.arange(count, dtype=np.int32))  # one row per distinct key
    table[keys[rows]] = np.arange(len(rows), dtype=np.int32)
    return table[keys], keys[rows]


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


def own_places(sums: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Each S (summed at its run's places) at its value's own places: S // 10^shift, exact (Money.shifts)."""
    if not shifts.any():
        return sums
    most = int(shifts.max())
    wide = sums.dtype == object or most > 18
    powers = np.array([10 ** k for k in range(most + 1)], dtype=object if wide else np.int64)
    return sums // powers[shifts]


def _each_divisor(divisors: np.ndarray, at: np.ndarray, shifts: np.ndarray | None) -> np.ndarray:
    """divisors[at] (an object array of Decimals), each over 10^its shift (Money.shifts): exact whatever the
    caller's context, one Decimal per distinct (divisor, shift), not one per value."""
    if shifts is None or not shifts.any():
        return divisors[at]
    width = int(shifts.max()) + 1
    codes, pairs = _codes(at.astype(np.int64) * width + shifts, len(divisors) * width)
    made = map(UNBOUNDED.scaleb, divisors[pairs // width].tolist(), (-(pairs % width)).tolist())
    return _objects(made, len(pairs))[codes]


def _objects(values: Iterable, count: int = -1) -> np.ndarray:
    """An object array of the values as they are (fromiter: about 5x faster than filling an empty array
    from a list, which checks every element for a sequence)."""
    if isinstance(values, list):
        count = len(values)
    return np.fromiter(values, dtype=object, count=count)
