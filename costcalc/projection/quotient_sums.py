"""The exact sum of many rounded quotients, each counted some number of times, without making a Decimal
per quotient: what summing a deferred tokens or cost_usd column (costcalc.projection.amounts.Joined), or
summing it per group, costs instead of making its values.

    sum over i of  counts[i] x DIVIDE.divide(numerators[g] x factors[i], divisors[g]),  g = groups[i]

(per group: over the i in each bucket; a group sum's i is a (group, distinct value) pair, counted).

Why: making a column's distinct values (0.59M Decimals for the 1,000-profile projection, ~110 bytes
each) takes fresh memory, which on some machines costs more than the divisions themselves (a page fault
on memory the host took back: ~50-80 us per 4 KiB page measured on a Firecracker VM), and the values are
not needed for their sum. Nor are the divisions:

DIVIDE rounds x = N f / D (N, D a divisor group's numerator and divisor, f a value's factor) to 50
significant digits: to r = round(x / 10^e) x 10^e, e = floor(log10 x) - 49, half to even. With z = x /
10^e, whose fractional part is phi, round(z) = z - phi + u (u = 1 when phi > 1/2). Over a group's values
in a bucket, in units of 10^e0 (e0 the group's smallest e, 10^k = 10^(e - e0)):

    sum of count x round(z) x 10^k = (N / D / 10^e0) x sum of count x f  +  sum of count x 10^k x (u - phi)

The left side is an integer K; the first term on the right is an exact fraction (Python ints, once per
group and bucket); the second is added in units of 2^-24, each term within 2 units of its true value (phi =
f x beta mod 1 in 64-bit fixed point, beta the fractional part of N / D / 10^e known to 128 bits,
_fraction_times; the term count x 10^k x (u - phi) rounded from a float), so for fewer than 2^21 values it
is within 1/4: K is the integer nearest to the right side, and the sum is K x 10^e0, exactly. A value whose
rounding is not certain from 64 bits (phi within 2^-62 of 1/2: a tie or nearly), whose exponent is not
certain from floats (log10 x within 1e-9 of an integer), or that the bounds below do not cover, is divided
(money.DIVIDE, as the column's value is made, _divided_sum). Nothing is guessed: a sum further than 1/4
from an integer (which the bounds rule out) gives None. The 1,000-profile projection's cost_usd: 4,265 of
0.81M distinct values divided, where dividing every quotient that is not exact divided 0.22M (0.10 s).

Values are read in blocks of _BLOCK, twice (each group's exponents first): the memory in use stays the
same from block to block (no fresh pages).

The sum is exact or nothing: it runs in money.EXACT with Inexact trapped, and answers None when any step
would round (amounts spanning more than EXACT's 120 digits, never a projection's), so the caller sums the
made values instead. An exact sum's value does not depend on the order of its terms, so this is the value
adding the made quotients one by one gives; the caller's canonical() fixes the digits and exponent.

Pure computation.
"""

from __future__ import annotations

import decimal
import functools
import itertools
import math
import operator
from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple

import numpy as np

from ..money import DIVIDE, EXACT

_BLOCK = 1 << 14  # values classified and divided at a time: the block's temporaries stay small and reused
_STRICT = EXACT.copy()
_STRICT.traps[decimal.Inexact] = True  # an exact sum or none (see the module docstring)
_SPLIT = 31  # int64 products added as two halves of 31 bits: a group's sums of them cannot overflow
_LOW_HALF = (1 << _SPLIT) - 1
_FITS = 2.0 ** 61  # an object array's factor a float puts below this is below 2^62: int64 (_small_factors)
_TABLE = 1 << 20  # (bucket, divisor group) keys of quotient_sums' table at most (6 rows, 48 MiB; a month groupby
# of the 1,000-profile projection: 36 x 7,795 = 0.28M): pages are touched where a bucket meets a group, fresh memory
# numerator x factor: exact or an error (a product past EXACT's 120 digits, even if only zeros were
# dropped: that would change the exponent a division gives an exact quotient); money.EXACT otherwise
PRODUCT = EXACT.copy()
PRODUCT.traps[decimal.Inexact] = PRODUCT.traps[decimal.Rounded] = True
# the roundings (module docstring)
_ROUNDED_VALUES = 1 << 21  # rounded values of a key at most: its error stays below 1/4 unit
_MODULUS_LIMIT = 1 << 59  # beta's denominator below this: 10 x a residue of it stays in int64
_SPAN_LIMIT = 18  # a group's exponents e - e0 at most this (10^k exact as a float)
_WEIGHT_LIMIT = 2 ** 29  # count x 10^k below this: its (u - phi) term in 2^-24 units is below 2^52 (floats)
_LOG_MARGIN = 1e-9  # log10 x this close to an integer: e is not trusted to floats (the value is divided)
_UNITS = 24  # (u - phi) terms added in units of 2^-24
_TERM_SPLIT = 26  # terms (|term| < 2^52) added as two halves: a group's sums of them cannot overflow
_HALF = np.uint64(1 << 63)
_NEAR_HALF = np.uint64((1 << 63) - 4)  # phi x 2^64 computed is 0 to 4 below the true one: these may be a tie
_WORD = np.uint64(32)
_LOW_WORD = np.uint64((1 << 32) - 1)
_POWERS_OF_10 = np.array([10.0 ** k for k in range(_SPAN_LIMIT + 1)])  # exact in floats


def _ratio(divisor: Decimal) -> tuple[int, int]:
    """|divisor| as n / d in lowest terms."""
    n, d = divisor.as_integer_ratio()
    return abs(n), d


def _decimal_objects(integers: list[int]) -> np.ndarray:
    """The integers as Decimals, in an object array."""
    out = np.empty(len(integers), dtype=object)
    out[:] = [Decimal(n) for n in integers]
    return out


class QuotientGroups:
    """Per divisor group (a numerator and a divisor), as arrays the blocks index by group: made once per
    column (a Joined keeps it), each part when a sum first needs it (the numerators as Decimals only for a
    division)."""

    def __init__(self, numerators: list[int], divisors: list[Decimal]):
        self.integers = numerators
        self.divisors = np.empty(len(divisors), dtype=object)
        self.divisors[:] = divisors

    @functools.cached_property
    def ratios(self) -> list[tuple[int, int]]:
        """Each group's |divisor| as n / d in lowest terms."""
        ratios: dict[Decimal, tuple[int, int]] = {}
        return [ratios.get(divisor) or ratios.setdefault(divisor, _ratio(divisor)) for divisor in self.divisors]

    @functools.cached_property
    def numerators(self) -> np.ndarray:
        """The numerators as Decimals: a numerator N x factor is then a Decimal product (the factor, a small
        int, converts fast; a 70-digit int product converted in each division took twice as long), exact
        (PRODUCT)."""
        return _decimal_objects(self.integers)

    @functools.cached_property
    def quotient_logs(self) -> np.ndarray:
        """Per group log10 |numerator / divisor|; NaN for a zero numerator or divisor (quotient_sums divides
        their values: 0, or fails as the column's division does)."""
        logs = [math.log10(abs(n)) - math.log10(a) + math.log10(b) if n and a else math.nan
                for n, (a, b) in zip(self.integers, self.ratios)]
        return np.array(logs or [0.0], dtype=float)

    @functools.cached_property
    def signs(self) -> list[int]:
        """Per group the sign of numerator / divisor (1 or -1)."""
        return [-1 if (n < 0) != (d < 0) else 1 for n, d in zip(self.integers, self.divisors)]


def _divided_sum(known: QuotientGroups, groups: np.ndarray, factors: np.ndarray, counts: np.ndarray,
                 positions: np.ndarray, buckets: np.ndarray | None, totals: list[Decimal]) -> None:
    """Adds to totals[bucket] the quotients at `positions` (of a block) in that bucket, divided (money.DIVIDE,
    as the column's values are made) times their counts, each dropped once added (no memory grows with the
    count). Values that occur once (most) are added without the multiply."""
    if buckets is not None:  # each bucket's quotients one run: summed by one sum() call
        positions = positions[np.argsort(buckets[positions], kind="stable")]
    once = counts[positions] == 1
    for chosen, counted in ((positions[once], False), (positions[~once], True)):
        if not len(chosen):
            continue
        picked = groups[chosen]
        quotients = map(DIVIDE.divide, map(PRODUCT.multiply, known.numerators[picked].tolist(),
                                           factors[chosen].tolist()),
                        known.divisors[picked].tolist())
        terms = map(operator.mul, quotients, counts[chosen].tolist()) if counted else quotients
        for bucket, length in _runs(buckets[chosen] if buckets is not None else None, len(chosen)):
            totals[bucket] = sum(itertools.islice(terms, length), totals[bucket])


def _small_factors(factors: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(the factors as int64, which of them are in it): of an object array (Python ints), those of 2^61 or
    more are 0 there and not in it (their values are divided), the others classified as int64's are (one big
    factor in a block left every value of the block to division: a group sum's blocks, of pairs ordered by
    group, met one in most blocks); (factors, None) when they are int64 already."""
    if factors.dtype != object:
        return factors, None
    try:  # by floats (far from the edge: they err by far less than 2x), 10x faster than bit_length()
        fits = np.abs(factors.astype(float)) < _FITS
    except OverflowError:  # a factor past 10^308
        fits = np.fromiter((int(f).bit_length() < 61 for f in factors.tolist()), dtype=bool, count=len(factors))
    small = np.zeros(len(factors), dtype=np.int64)
    small[fits] = factors[fits].astype(np.int64)
    return small, fits


def _runs(buckets: np.ndarray | None, count: int) -> list[tuple[int, int]]:
    """(bucket, how many) of each run of equal buckets, in order; one run of bucket 0 if None."""
    if buckets is None:
        return [(0, count)]
    starts = np.flatnonzero(np.concatenate([[True], buckets[1:] != buckets[:-1]]))
    lengths = np.diff(np.append(starts, count))
    return list(zip(buckets[starts].tolist(), lengths.tolist()))


def table_fits(bucket_count: int, group_count: int) -> bool:
    """Whether quotient_sums sums bucket_count buckets over group_count divisor groups (its table has an entry
    per (bucket, group) key; more than _TABLE: the caller makes the values instead, which costs less than
    the Python arithmetic per key of a group per profile, model and month)."""
    return bucket_count * max(group_count, 1) <= _TABLE


def quotient_sums(counts: np.ndarray, groups: np.ndarray, factors: Callable[[int, int], np.ndarray],
                  known: QuotientGroups, buckets: np.ndarray | None = None,
                  bucket_count: int = 1) -> list[Decimal] | None:
    """Per bucket b: sum over the positions i with buckets[i] == b (in any order; every position in
    bucket 0 if buckets is None) of counts[i] x DIVIDE.divide(numerator g x factors(start, stop)[i -
    start], divisor g), g = groups[i] (known: QuotientGroups of the numerators and divisors), exact, with
    no division for most values (see below): the whole column's sum (one bucket) or a group sum's.
    `factors` gives the integer factors of positions start..stop (int64, or Python ints in an object
    array). None when a sum would round at money.EXACT's 120 digits, or when the buckets are too many
    (table_fits); then the caller makes the values."""
    if not table_fits(bucket_count, len(known.integers)):
        return None
    try:
        with decimal.localcontext(_STRICT):
            return _Rounding(counts, groups, factors, known, buckets, bucket_count).totals()
    except (decimal.Inexact, decimal.Rounded):
        return None


class _Block(NamedTuple):
    """A block of values as quotient_sums' passes see them: its counts, groups (intp: numpy turns a smaller
    index type into intp on every use), buckets (None: all in bucket 0), factors (as given, and as int64:
    _small_factors), the values to divide (a mask) and the others to round (positions, with their
    exponents e)."""

    counts: np.ndarray
    groups: np.ndarray
    buckets: np.ndarray | None
    factors: np.ndarray
    small: np.ndarray
    divide: np.ndarray
    rounded: np.ndarray
    exponents: np.ndarray


class _Rounding:
    """quotient_sums' two passes over the values, a block at a time: each divisor group's smallest and
    largest exponent e (its units, and beta's exponent), then each value's rounding, added per (bucket,
    group) key (bucket x groups + group)."""

    def __init__(self, counts: np.ndarray, groups: np.ndarray, factors: Callable[[int, int], np.ndarray],
                 known: QuotientGroups, buckets: np.ndarray | None, bucket_count: int):
        self.counts, self.groups, self.factors, self.known, self.buckets = counts, groups, factors, known, buckets
        self.width = width = max(len(known.integers), 1)
        self.highest = np.full(width, np.iinfo(np.int64).min, dtype=np.int64)
        self.lowest = np.full(width, np.iinfo(np.int64).max, dtype=np.int64)
        # per key: sum count x f as count x (f's bits above the low 31) and count x (its low 31 bits), each
        # product (below 2^61: count < 2^29, 0 <= f < 2^63) in two 31-bit halves; the two 26-bit halves of
        # the (u - phi) terms in 2^-24 units (zeros: pages are touched only where a bucket meets a group)
        self.sums = np.zeros((6, bucket_count * width), dtype=np.int64)
        # the rounded values per key, counted when a key may hold _ROUNDED_VALUES of them (the error bound)
        self.rounded = np.zeros(bucket_count * width, dtype=np.int64) if len(counts) >= _ROUNDED_VALUES else None
        self.divided = [Decimal(0)] * bucket_count  # per bucket the divided values' sum (_divided_sum)

    def totals(self) -> list[Decimal]:
        for start in range(0, len(self.counts), _BLOCK):
            block = self._block(start, min(start + _BLOCK, len(self.counts)))
            picked = block.groups[block.rounded]
            np.maximum.at(self.highest, picked, block.exponents)
            np.minimum.at(self.lowest, picked, block.exponents)
        fractions = _GroupFractions(self.known, self.highest, self.lowest)
        for start in range(0, len(self.counts), _BLOCK):
            self._add(self._block(start, min(start + _BLOCK, len(self.counts))), fractions)
        if self.rounded is not None and int(self.rounded.max()) >= _ROUNDED_VALUES:
            raise decimal.Inexact  # the error bound does not hold: made instead
        return self._sum_keys(fractions)

    def _block(self, start: int, stop: int) -> _Block:
        """The values start..stop: those that add 0 (a zero count, factor or numerator) are left out, those
        whose exponent is certain from floats (log10 x = log10 |N / D| + log10 f, not within _LOG_MARGIN of
        an integer) rounded, the others divided (a factor past int64 or negative, a zero divisor)."""
        counts, groups = self.counts[start:stop], self.groups[start:stop].astype(np.intp)
        buckets = None if self.buckets is None else self.buckets[start:stop]
        block_factors = self.factors(start, stop)
        small, fits = _small_factors(block_factors)  # a factor past int64 is 0 in small: not rounded
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = self.known.quotient_logs[groups] + np.log10(small.astype(float))
            floors = np.floor(logs)
            logs -= floors  # NaN for a zero numerator or divisor (quotient_logs) or factor: not rounded
        rounded = (logs > _LOG_MARGIN) & (logs < 1 - _LOG_MARGIN) & (counts != 0)
        divide = (counts != 0) & ~rounded & ((small != 0) if fits is None else ((small != 0) | ~fits))
        at = np.flatnonzero(rounded)
        return _Block(counts, groups, buckets, block_factors, small, divide, at, floors[at].astype(np.int64) - 49)

    def _add(self, block: _Block, fractions: _GroupFractions) -> None:
        """Adds the block's rounded values to their keys' sums; divides the others (_divided_sum): those
        of a group _GroupFractions cannot round, weights past _WEIGHT_LIMIT and roundings within 4 x 2^-64
        of a half."""
        at, exponents = block.rounded, block.exponents
        groups = block.groups[at]
        usable = fractions.usable[groups]
        at, exponents, groups = at[usable], exponents[usable], groups[usable]
        counts, f = block.counts[at], block.small[at]
        # each value's weight count x 10^(e - e0), in units of 10^e0 (e0: the group's smallest e)
        weights = counts.astype(float) * _POWERS_OF_10[exponents - self.lowest[groups]]
        kept = weights < _WEIGHT_LIMIT  # so count < 2^29
        phi = _fraction_times(f, fractions.row_of_zero[groups] - exponents, fractions.words)
        kept &= (phi < _NEAR_HALF) | (phi > _HALF)
        # (u - phi) x 2^64 as int64 is -phi: it wraps to 2^64 - phi when phi > 1/2 (u = 1); each term, x 2^24,
        # as a float is within 1.5 of its integer (|term| < 2^52); a value not kept adds 0 (it is divided)
        weights[~kept] = 0
        terms = np.rint(weights * (-phi).view(np.int64).astype(float) * 2.0 ** (_UNITS - 64)).astype(np.int64)
        counts = np.where(kept, counts, 0).astype(np.int64)
        keys = groups if block.buckets is None else block.buckets[at].astype(np.intp) * self.width + groups
        high, low = counts * (f >> _SPLIT), counts * (f & _LOW_HALF)
        for row, part in enumerate((high >> _SPLIT, high & _LOW_HALF, low >> _SPLIT, low & _LOW_HALF,
                                    terms >> _TERM_SPLIT, terms & ((1 << _TERM_SPLIT) - 1))):
            np.add.at(self.sums[row], keys, part)
        if self.rounded is not None:
            np.add.at(self.rounded, keys, kept)
        divide = block.divide
        divide[block.rounded] = True
        divide[at[kept]] = False
        divided = np.flatnonzero(divide)
        if len(divided):
            _divided_sum(self.known, block.groups, block.factors, block.counts, divided, block.buckets, self.divided)

    def _sum_keys(self, fractions: _GroupFractions) -> list[Decimal]:
        """Each key's K x 10^e0 (see above), added per bucket and exponent as integers, then as Decimals."""
        by_exponent: dict[tuple[int, int], int] = {}
        signs = self.known.signs
        present = np.flatnonzero((self.sums[:4] != 0).any(axis=0))  # the keys of a value: count x f > 0
        groups = present % self.width
        scale = 1 << _UNITS
        for key, group, lowest, highest, high_high, high_low, low_high, low_low, term_high, term_low in zip(
                present.tolist(), groups.tolist(), self.lowest[groups].tolist(), self.highest[groups].tolist(),
                *self.sums[:, present].tolist()):
            numerator, modulus = fractions.exact[group]
            products = (((high_high << _SPLIT) + high_low) << _SPLIT) + (low_high << _SPLIT) + low_low
            top = (numerator * _power_of_10(highest - lowest) * products * scale
                   + ((term_high << _TERM_SPLIT) + term_low) * modulus)
            below = modulus * scale
            whole = (2 * top + below) // (2 * below)
            if abs(top - whole * below) * 4 > below:  # cannot happen (the error is below 1/4); never guessed
                raise decimal.Inexact
            at = (key // self.width, lowest)
            by_exponent[at] = by_exponent.get(at, 0) + whole * signs[group]
        totals = self.divided
        for (bucket, exponent), whole in by_exponent.items():
            totals[bucket] += Decimal(whole).scaleb(exponent)
        return totals


class _GroupFractions:
    """Per group with rounded values (highest >= lowest: its values' largest and smallest e): N / D / 10^E
    (E = highest) as an exact fraction P / B (`exact`), and beta_j, the fractional part of N / D / 10^(E -
    j) = 10^j P / B, for j = 0 .. E - lowest, as four 32-bit words of a 128-bit fixed-point fraction
    (`words`: beta_j of group g in row row_of_zero[g] - (E - j), so a value's row is row_of_zero[g] - e).
    `usable`: B below _MODULUS_LIMIT and the span within _SPAN_LIMIT (else the group's values are
    divided)."""

    def __init__(self, known: QuotientGroups, highest: np.ndarray, lowest: np.ndarray):
        width = len(highest)
        self.exact: dict[int, tuple[int, int]] = {}
        kept, moduli, residues, spans = [], [], [], []
        present = np.flatnonzero(highest >= lowest)
        for group, top, bottom in zip(present.tolist(), highest[present].tolist(), lowest[present].tolist()):
            span = top - bottom
            n, d = known.ratios[group]
            numerator = abs(known.integers[group]) * d
            if top >= 0:
                denominator = n * _power_of_10(top)
            else:
                numerator, denominator = numerator * _power_of_10(-top), n
            common = math.gcd(numerator, denominator)
            numerator, denominator = numerator // common, denominator // common
            if denominator >= _MODULUS_LIMIT or span > _SPAN_LIMIT:
                continue
            self.exact[group] = (numerator, denominator)
            kept.append(group)
            moduli.append(denominator)
            residues.append(numerator % denominator)
            spans.append(span)
        self.usable = np.zeros(width, dtype=bool)
        self.usable[kept] = True
        rows = np.array(spans, dtype=np.int64) + 1
        first = np.cumsum(rows) - rows  # each kept group's beta_0
        self.row_of_zero = np.zeros(width, dtype=np.int64)
        self.row_of_zero[kept] = first + highest[kept]
        powers = np.arange(int(rows.sum())) - np.repeat(first, rows)  # each row's j
        class_moduli = np.repeat(np.array(moduli, dtype=np.int64), rows)
        fractions = np.repeat(np.array(residues, dtype=np.int64), rows)
        for j in range(1, int(rows.max()) if len(rows) else 0):  # 10^j P mod B from 10^(j-1) P mod B
            at = np.flatnonzero(powers == j)
            fractions[at] = fractions[at - 1] * 10 % class_moduli[at]
        self.words = _fraction_words(fractions, class_moduli)


@functools.lru_cache(maxsize=256)
def _power_of_10(k: int) -> int:
    """10^k as a Python int, made once (a projection's groups share a few dozen)."""
    return 10 ** k


def _fraction_words(residues: np.ndarray, moduli: np.ndarray) -> tuple[np.ndarray, ...]:
    """residue / modulus (0 <= residue < modulus < 2^59) as four 32-bit words of a 128-bit fraction,
    truncated (four uint64 arrays, the highest first): long division 32 bits at a time, each word guessed
    by floats (off by at most one: they err by about 2^-51 of the word) and corrected by its remainder,
    computed modulo 2^64 (exact: the true one lies between -modulus and 2 x modulus)."""
    remainders = residues.astype(np.uint64)
    divisors = moduli.astype(np.uint64)
    words = []
    for _ in range(4):
        guess = np.floor(remainders.astype(float) * 2.0 ** 32 / divisors.astype(float)).astype(np.uint64)
        remainders = (remainders << _WORD) - guess * divisors
        low = remainders.view(np.int64) < 0
        guess[low] -= np.uint64(1)
        remainders[low] += divisors[low]
        high = remainders >= divisors
        guess[high] += np.uint64(1)
        remainders[high] -= divisors[high]
        words.append(guess)
    return tuple(words)


def _fraction_times(factors: np.ndarray, rows: np.ndarray, words: tuple[np.ndarray, ...]) -> np.ndarray:
    """The fractional part of factor x beta, x 2^64 (uint64), per factor (0 <= factor < 2^63) and beta (its
    row of the four `words`, _fraction_words): 0 to 4 below the exact one. With factor = high x 2^32 + low
    and beta = w1 2^-32 + w2 2^-64 + w3 2^-96 + w4 2^-128, the products that reach the 64 bits below the
    point, each 32 x 32 bits (exact in uint64), added modulo 2^64; what is dropped (the two shifted right,
    low x w4, and beta past w4) is each below one unit."""
    factors = factors.astype(np.uint64)
    high, low = factors >> _WORD, factors & _LOW_WORD
    w1, w2, w3, w4 = (word[rows] for word in words)
    out = (high * w2) << _WORD
    out += high * w3
    out += (high * w4) >> _WORD
    out += (low * w1) << _WORD
    out += low * w2
    out += (low * w3) >> _WORD
    return out
