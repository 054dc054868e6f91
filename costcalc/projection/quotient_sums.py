"""The exact sum of many rounded quotients, each counted some number of times, without making a Decimal
per quotient: what summing a deferred tokens or cost_usd column (costcalc.projection.amounts.Joined), or
summing it per group, costs instead of making its values.

    sum over i of  counts[i] x DIVIDE.divide(numerators[g] x factors[i], divisors[g]),  g = groups[i]

(per group: over the i in each bucket; a group sum's i is a (group, distinct value) pair, counted).

Why: making a column's distinct values (0.59M Decimals for the 1,000-profile projection, ~110 bytes
each) takes fresh memory, which on some machines costs more than the divisions themselves (a page fault
on memory the host took back: ~50-80 us per 4 KiB page measured on a Firecracker VM), and the values are
not needed for their sum. So:

- a quotient that is exact (the division needs no rounding: g | N, with N/D written in at most 50
  significant digits) needs no division at all: its group's exact quotients add up, as integers, to
  (sum of counts x factors) x numerator / divisor, one Python division per group (and bucket) (most of a projection's
  values are exact: 64% of the 1,000-profile projection's distinct costs);
- every other quotient is divided (money.DIVIDE, the same division the column's value is made by) and
  added at once, in blocks of _BLOCK values: each quotient is dropped as soon as it is added, so the
  memory in use stays the same from block to block (no fresh pages).

The sum is exact or nothing: it runs in money.EXACT with Inexact trapped, and answers None when any step
would round (amounts spanning more than EXACT's 120 digits, never a projection's), so the caller sums the
made values instead. An exact sum's value does not depend on the order of its terms, so this is the value
adding the made quotients one by one gives; the caller's canonical() fixes the digits and exponent.

Pure computation.
"""

from __future__ import annotations

import decimal
import itertools
import math
import operator
from collections.abc import Callable
from decimal import Decimal

import numpy as np

from ..money import DIVIDE, EXACT

_BLOCK = 1 << 14  # values classified and divided at a time: the block's temporaries stay small and reused
_STRICT = EXACT.copy()
_STRICT.traps[decimal.Inexact] = True  # an exact sum or none (see the module docstring)
_DIGITS = 50 - 1e-6  # log10 bound of an exact quotient's digits (DIVIDE's 50; floats err by ~1e-15)
_SPLIT = 31  # int64 products added as two halves of 31 bits: a group's sums of them cannot overflow
_FITS = 2.0 ** 61  # a count x factor a float puts below this is below 2^62 in int64
_G_LIMIT = 2 ** 31  # residues below this multiply in int64 without overflow
_TABLE = 1 << 20  # (bucket, divisor group) entries of quotient_sums' table at most (16 MiB; a month groupby of the
# 1,000-profile projection: 36 x 7,748 = 0.28M): pages are touched where a bucket meets a group, fresh memory
# numerator x factor: exact or an error (a product past EXACT's 120 digits, even if only zeros were
# dropped: that would change the exponent a division gives an exact quotient); money.EXACT otherwise
PRODUCT = EXACT.copy()
PRODUCT.traps[decimal.Inexact] = PRODUCT.traps[decimal.Rounded] = True


class _Group:
    """One divisor's exact-quotient arithmetic: N / D = (N / g) x F / 10^m whenever g divides N (D = n / d
    in lowest terms, n = g x 2^a x 5^b with g coprime to 10, d = 2^c x 5^e, m = max(a, b),
    F = 2^twos x 5^fives with twos = c + m - a, fives = e + m - b). That quotient is written in at most 50
    significant digits when Q = (N / g) x F, stripped of its trailing zeros, is below 10^50:
    log10 |N| + log10 (F / g) - min(2s of Q, 5s of Q) < 50."""

    __slots__ = ("factor", "fives", "g", "log_scale", "places", "twos")

    def __init__(self, divisor: Decimal):
        n, d = divisor.as_integer_ratio()
        n = abs(n)  # a negative divisor flips every quotient's sign: the exact sum below keeps the sign
        if not n:  # a zero divisor: g = 0 sends its values to the division, which fails as the column's does
            self.g, self.places, self.twos, self.fives, self.factor, self.log_scale = 0, 0, 0, 0, 1, 0.0
            return
        a = _twos(n)
        g, b = _fives(n >> a)
        c = _twos(d)
        e = _fives(d >> c)[1]
        m = max(a, b)
        self.g, self.places, self.twos, self.fives = g, m, c + m - a, e + m - b
        self.factor = 2 ** self.twos * 5 ** self.fives
        self.log_scale = math.log10(self.factor) - math.log10(g)


def _twos(n: int) -> int:
    """How many times 2 divides n (0 for 0)."""
    return (n & -n).bit_length() - 1 if n else 0


def _fives(n: int) -> tuple[int, int]:
    """(n without its factors 5, how many there were); (0, 0) for 0."""
    count = 0
    while n and n % 5 == 0:
        n //= 5
        count += 1
    return n, count


_FIVE_POWERS = {5 ** k: k for k in range(200)}
_MANY_FIVES = 5 ** 199


def _fives_in(n: int) -> int:
    """How many times 5 divides n, at most 199 (fewer counted is only a stricter test): one gcd."""
    return _FIVE_POWERS[math.gcd(n, _MANY_FIVES)] if n else 0


class QuotientGroups:
    """Per divisor group (a numerator and a divisor), as arrays the blocks index by group: made once per
    column (a Joined keeps it), its 2s and 5s counted as blocks need them and kept for the next sum."""

    def __init__(self, numerators: list[int], divisors: list[Decimal]):
        shapes: dict[Decimal, _Group] = {}  # divisors repeat (a projection's: about 1,400 among 7,700)
        per_group = []
        for divisor in divisors:
            shape = shapes.get(divisor)
            if shape is None:
                shape = shapes[divisor] = _Group(divisor)
            per_group.append(shape)
        self.shapes = per_group
        # g too large for int64 residues (or 0): such a group's values are divided (g = 1 below)
        small = [0 < shape.g < _G_LIMIT for shape in per_group]
        self.eligible = np.array(small or [False], dtype=bool)
        self.g = np.array([shape.g if ok else 1 for shape, ok in zip(per_group, small)] or [1], dtype=np.int64)
        self.residues = np.array([n % shape.g if ok else 0 for n, shape, ok in zip(numerators, per_group, small)]
                                 or [0], dtype=np.int64)
        # log10 |numerator| + log10 (F / g) (a zero numerator: every quotient an exact 0)
        self.logs = np.array([math.log10(abs(n)) + shape.log_scale if n else -math.inf
                              for n, shape in zip(numerators, per_group)] or [0.0], dtype=float)
        # the 2s and 5s of numerator x F, counted for the groups that need them (-1: not yet)
        self.twos = np.full(len(self.g), -1, dtype=np.int64)
        self.fives = np.full(len(self.g), -1, dtype=np.int64)
        self.integers = numerators
        # as Decimals: a numerator N x factor is then a Decimal product (the factor, a small int, converts
        # fast; a 70-digit int product converted in each division took twice as long), exact (PRODUCT)
        self.numerators = np.empty(len(numerators), dtype=object)
        self.numerators[:] = [Decimal(n) for n in numerators]
        self.divisors = np.empty(len(divisors), dtype=object)
        self.divisors[:] = divisors

    def exact(self, counts: np.ndarray, groups: np.ndarray, factors: np.ndarray) -> np.ndarray:
        """Per value: its quotient is exact in 50 digits (g divides numerator x factor, and the quotient
        without its trailing zeros is below 10^50) and count x factor fits an int64 product."""
        magnitudes = np.abs(factors)
        divisor = self.g[groups]
        floats = magnitudes.astype(float)
        exact = (self.residues[groups] * (factors % divisor)) % divisor == 0
        exact &= self.eligible[groups]
        exact &= counts.astype(float) * floats < _FITS
        exact &= counts != 0
        with np.errstate(divide="ignore"):  # a zero factor: log10 0 = -inf, an exact 0
            digits = self.logs[groups] + np.log10(floats)
        long = np.flatnonzero(exact & (digits >= _DIGITS))  # exact only if trailing zeros make it short
        if len(long):
            at = groups[long]
            self._count_twos_and_fives(at)
            zeros = np.minimum(self.twos[at] + _factor_twos(magnitudes[long]),
                               self.fives[at] + _factor_fives(magnitudes[long]))
            exact[long] = digits[long] - zeros < _DIGITS
        return exact

    def _count_twos_and_fives(self, groups: np.ndarray) -> None:
        """Counts the 2s and 5s of the groups not yet counted (kept: the next block's and sum's)."""
        uncounted = groups[self.twos[groups] < 0]
        for group in (np.unique(uncounted).tolist() if len(uncounted) else []):
            numerator, shape = abs(self.integers[group]), self.shapes[group]
            self.twos[group] = _twos(numerator) + shape.twos
            self.fives[group] = _fives_in(numerator) + shape.fives


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
    """(the factors as int64, which of them are in it): Python ints (an object array) of 2^61 or more
    are 0 there and not in it (their values are divided), the others classified as int64's are (one big
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


def _factor_twos(values: np.ndarray) -> np.ndarray:
    """How many times 2 divides each non-negative int64 (0 for 0)."""
    lowest = values & -values
    with np.errstate(divide="ignore"):
        return np.where(values != 0, np.log2(lowest.astype(float)), 0).astype(np.int64)


def _factor_fives(values: np.ndarray) -> np.ndarray:
    """How many times 5 divides each non-negative int64 (0 for 0): 5^16, 5^8, 5^4, 5^2, 5 tried in turn
    (at most 27 fives below 2^63: five passes, where dividing by 5 while any divides took up to 27)."""
    count = np.zeros(len(values), dtype=np.int64)
    rest = np.where(values != 0, values, 1)
    for power in (16, 8, 4, 2, 1):
        divisible = rest % 5 ** power == 0
        count[divisible] += power
        rest[divisible] //= 5 ** power
    return count


def table_fits(bucket_count: int, group_count: int) -> bool:
    """Whether quotient_sums sums bucket_count buckets over group_count divisor groups (its table of exact
    values has an entry per pair; more than _TABLE: the caller makes the values instead, which costs less
    than a Python division per (bucket, group) pair of a group per profile, model and month)."""
    return bucket_count * max(group_count, 1) <= _TABLE


def quotient_sums(counts: np.ndarray, groups: np.ndarray, factors: Callable[[int, int], np.ndarray],
                  known: QuotientGroups, buckets: np.ndarray | None = None,
                  bucket_count: int = 1) -> list[Decimal] | None:
    """Per bucket b: sum over the positions i with buckets[i] == b (in any order; every position in
    bucket 0 if buckets is None) of counts[i] x DIVIDE.divide(numerator g x factors(start, stop)[i -
    start], divisor g), g = groups[i] (known: QuotientGroups of the numerators and divisors), exact (see
    the module docstring): the whole column's sum (one bucket) or a group sum's. `factors` gives the
    integer factors of positions start..stop (int64, or Python ints in an object array). None when a sum
    would round, or when the buckets are too many (table_fits); then the caller makes the values."""
    width = len(known.g)
    if not table_fits(bucket_count, width):
        return None
    # per (bucket, divisor group): the exact values' counts x factors, in two halves (zeros: pages are
    # touched only where a bucket meets a group)
    high = np.zeros(bucket_count * width, dtype=np.int64)
    low = np.zeros(bucket_count * width, dtype=np.int64)
    totals = [Decimal(0)] * bucket_count
    try:
        with decimal.localcontext(_STRICT):
            for start in range(0, len(counts), _BLOCK):
                stop = min(start + _BLOCK, len(counts))
                block_counts, block_groups, block_factors = counts[start:stop], groups[start:stop], factors(start, stop)
                block_buckets = None if buckets is None else buckets[start:stop]
                small, fits = _small_factors(block_factors)
                exact = known.exact(block_counts, block_groups, small)
                if fits is not None:
                    exact &= fits
                kept = np.flatnonzero(exact)
                products = block_counts[kept].astype(np.int64) * small[kept]
                keys = block_groups[kept]  # one bucket: no new int64 array (128 KiB a block, fresh pages each)
                if block_buckets is not None:
                    keys = block_buckets[kept].astype(np.int64) * width + keys
                np.add.at(high, keys, products >> _SPLIT)
                np.add.at(low, keys, products & ((1 << _SPLIT) - 1))
                divided = np.flatnonzero(~exact & (block_counts != 0))
                if len(divided):
                    _divided_sum(known, block_groups, block_factors, block_counts, divided, block_buckets, totals)
            for key in np.flatnonzero((high != 0) | (low != 0)).tolist():
                bucket, group = divmod(key, width)
                shape = known.shapes[group]
                quotient, remainder = divmod(known.integers[group] * ((int(high[key]) << _SPLIT) + int(low[key])),
                                             shape.g)
                if remainder:  # cannot happen (g divides each term's numerator); never guessed
                    return None
                value = Decimal(quotient * shape.factor).scaleb(-shape.places)
                totals[bucket] += -value if known.divisors[group] < 0 else value
    except (decimal.Inexact, decimal.Rounded):  # would round: the caller adds the made values
        return None
    return totals
