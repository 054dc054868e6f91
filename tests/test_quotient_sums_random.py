"""Sums of quotients that round (costcalc.projection.quotient_sums): money.DIVIDE rounds N x f / D to 50
significant digits, half to even, and a deferred column's sum must be what adding those made values gives,
per bucket too. Expected sums are worked out by hand, or are the sum of DIVIDE's own quotients."""

from __future__ import annotations

import random
from decimal import Decimal as D

import numpy as np

from costcalc.frames.decimal import canonical
from costcalc.money import DIVIDE, EXACT, exact_sum
from costcalc.projection import quotient_sums as qs


def _sum(counts, groups, factors, numerators, divisors, buckets=None, bucket_count=1):
    factors = np.asarray(factors, dtype=object if any(abs(f) >= 2 ** 62 for f in factors) else np.int64)
    totals = qs.quotient_sums(np.asarray(counts, dtype=np.int64), np.asarray(groups, dtype=np.int32),
                              lambda a, b: factors[a:b], qs.QuotientGroups(numerators, divisors),
                              None if buckets is None else np.asarray(buckets, dtype=np.int64), bucket_count)
    return None if totals is None else [canonical(t) for t in totals]


def _made(counts, groups, factors, numerators, divisors, buckets=None, bucket_count=1):
    """What adding the made values gives: DIVIDE's quotient of each, times its count."""
    totals = [[] for _ in range(bucket_count)]
    for i, (count, group, factor) in enumerate(zip(counts, groups, factors)):
        value = DIVIDE.divide(EXACT.multiply(D(numerators[group]), D(factor)), divisors[group])
        totals[0 if buckets is None else buckets[i]].append(EXACT.multiply(value, count))
    return [canonical(exact_sum(t)) for t in totals]


def test_a_quotient_that_rounds_up_and_one_that_rounds_down():
    # 2 / 3 = 0.666...: 50 digits from the first 6, the next a 6: up, 0.666...67 (49 sixes, then a 7).
    # 1 / 3: down, 0.333...3 (50 threes).
    # Their sum, 0.666...67 + 0.333...33 = 1.000...00 (50 places), is 1; each counted twice: 2
    assert _sum([2, 2], [0, 0], [2, 1], [1], [D(3)]) == [D(2)]
    assert _sum([1], [0], [2], [1], [D(3)]) == [D("0." + "6" * 49 + "7")]


def test_a_divisor_with_twos_and_fives_and_counts():
    # 1 / 7E+2 = 1/700 = 0.00142857...: 50 digits from the first 1: 142857 eight times, then 14; the next
    #   digit is 2: down.
    # 3/700 = 0.00428571...: 428571 eight times, then 42; the next is 8: up, to ...43.
    one = D("0.00" + "142857" * 8 + "14")
    three = D("0.00" + "428571" * 8 + "43")
    assert _sum([1], [0], [1], [1], [D("7E+2")]) == [one]
    assert _sum([1], [0], [3], [1], [D("7E+2")]) == [three]
    assert _sum([5, 1], [0, 0], [1, 3], [1], [D("7E+2")]) == [canonical(EXACT.add(EXACT.multiply(5, one), three))]


def test_each_bucket_sums_its_own_rounded_quotients():
    # 1/3 in bucket 0: down, 0.333... (50 threes); 2/3 in bucket 1: up, 0.666...67 (49 sixes, a 7);
    # 5/3 in bucket 1: 1.666...67 (48 sixes after the point, a 7)
    expected_1 = EXACT.add(D("0." + "6" * 49 + "7"), D("1." + "6" * 48 + "7"))
    assert expected_1 == D("2." + "3" * 48 + "37")
    assert _sum([1, 1, 1], [0, 0, 0], [1, 2, 5], [1], [D(3)], [0, 1, 1], 2) == \
        [D("0." + "3" * 50), expected_1]


def test_random_quotients_sum_to_the_made_values():
    rng = random.Random(15)
    checked = 0
    for _ in range(300):
        groups_count = rng.randint(1, 6)
        numerators = [rng.choice([rng.randint(1, 10 ** rng.randint(1, 70)), 1, 7, 10 ** 30])
                      for _ in range(groups_count)]
        divisors = [D(rng.choice([3, 7, 9, 11, 13, 21, 49, 999, 3969, 1440, 43200, 86400 * 31, 2 ** 20 * 3,
                                  5 ** 30 * 7]) * 10 ** rng.randint(0, 12)).scaleb(rng.randint(-6, 14))
                    for _ in range(groups_count)]
        n = rng.randint(1, 60)
        groups = [rng.randrange(groups_count) for _ in range(n)]
        factors = [rng.choice([1, 3, rng.randint(1, 10 ** 6), rng.randint(1, 2 ** 40), rng.randint(1, 10 ** 17)])
                   for _ in range(n)]
        counts = [rng.choice([1, 1, 2, 7, 1000]) for _ in range(n)]
        buckets = [rng.randrange(3) for _ in range(n)]
        case = (counts, groups, factors, numerators, divisors)
        summed = _sum(*case)
        if summed is not None:  # None: a sum past 120 digits (numerators of 70 digits), made instead
            assert summed == _made(*case), case
            checked += 1
        per_bucket = _sum(*case, buckets, 3)
        if per_bucket is not None:
            assert per_bucket == _made(*case, buckets, 3), case
    assert checked > 200  # most sums fit 120 digits: the comparison ran
