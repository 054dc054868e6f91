"""Sums of quotients without a division (costcalc.projection.quotient_sums): each quotient's rounding to 50
digits is read from 64-bit fixed-point fractions and each divisor group's exact sum put back together from
integers. Expected sums are worked out by hand below, or are plain money.DIVIDE quotients added one by
one."""

from __future__ import annotations

import decimal
import random
from decimal import Decimal as D

import numpy as np

from costcalc.frames.decimal import canonical
from costcalc.money import DIVIDE, EXACT, UNBOUNDED
from costcalc.projection import quotient_sums as qs

from .test_quotient_sums import _CountingDivide


def _total(counts, groups, factors, numerators, divisors, buckets=None, bucket_count=1):
    """quotient_sums' sums (one, or one per bucket), canonical."""
    factors = np.asarray(factors, dtype=object if any(abs(f) >= 2 ** 62 for f in factors) else np.int64)
    totals = qs.quotient_sums(np.asarray(counts, dtype=np.int64), np.asarray(groups, dtype=np.int32),
                              lambda a, b: factors[a:b], qs.QuotientGroups(numerators, divisors),
                              None if buckets is None else np.asarray(buckets, dtype=np.int64), bucket_count)
    if totals is None:
        return None
    return canonical(totals[0]) if buckets is None else [canonical(t) for t in totals]


def _made(counts, groups, factors, numerators, divisors, buckets=None, bucket_count=1):
    """Plain DIVIDE quotients, each times its count, added (per bucket)."""
    terms: list[list[D]] = [[] for _ in range(bucket_count)]
    for i, (c, g, f) in enumerate(zip(counts, groups, factors)):
        quotient = DIVIDE.divide(EXACT.multiply(D(numerators[g]), D(f)), divisors[g])
        terms[0 if buckets is None else buckets[i]].append(EXACT.multiply(quotient, c))
    with decimal.localcontext(UNBOUNDED):  # exactly, whatever the digits (EXACT's 120 would round some)
        sums = [canonical(sum(t, D(0))) for t in terms]
    return sums[0] if buckets is None else sums


def test_fraction_words_of_a_third_and_of_random_fractions():
    # 1/3 = 0.010101... in binary: every 32-bit word 0x55555555
    assert [int(w[0]) for w in qs._fraction_words(np.array([1]), np.array([3]))] == [0x55555555] * 4
    rng = random.Random(5)
    moduli = [rng.choice([2, 3, 7, rng.randrange(2, 2 ** 59), 2 ** 59 - 1]) for _ in range(400)]
    residues = [rng.choice([0, 1, m - 1, rng.randrange(m)]) for m in moduli]
    # words the floats guess one too low (a quotient 5/8 = 2684354560 / 2^32 exactly, residue and modulus
    # past 2^53, which floats round) and one too high (a residue just below the modulus)
    residues += [165939353595429835, 2 ** 59 - 2]
    moduli += [265502965752687736, 2 ** 59 - 1]
    assert int(np.floor(165939353595429835 * 2.0 ** 32 / 265502965752687736)) == 2684354559
    words = qs._fraction_words(np.array(residues, dtype=np.int64), np.array(moduli, dtype=np.int64))
    for i, (r, m) in enumerate(zip(residues, moduli)):
        expected = (r << 128) // m  # the fraction truncated to 128 bits
        assert [int(w[i]) for w in words] == [(expected >> s) & 0xFFFFFFFF for s in (96, 64, 32, 0)], (r, m)


def test_fraction_times_is_at_most_4_below_the_exact_fraction():
    # 1 x 1/3: 0x5555555555555555 (2^64 / 3 truncated), exactly
    words = qs._fraction_words(np.array([1]), np.array([3]))
    assert int(qs._fraction_times(np.array([1]), np.array([0]), words)[0]) == 0x5555555555555555
    # 3 x 1/3 = 1: its fraction is 0, computed from below as 2^64 - 1 or so (it wraps): -phi is at most 4
    assert int((-qs._fraction_times(np.array([3]), np.array([0]), words)).view(np.int64)[0]) in range(0, 5)
    rng = random.Random(6)
    moduli = [rng.choice([3, 7, rng.randrange(2, 2 ** 59)]) for _ in range(500)]
    residues = [rng.randrange(m) for m in moduli]
    factors = [rng.choice([0, 1, rng.randrange(2 ** 32), rng.randrange(2 ** 61), 2 ** 61 - 1]) for _ in moduli]
    words = qs._fraction_words(np.array(residues, dtype=np.int64), np.array(moduli, dtype=np.int64))
    phi = qs._fraction_times(np.array(factors, dtype=np.int64), np.arange(len(moduli)), words)
    for f, r, m, got in zip(factors, residues, moduli, phi.tolist()):
        exact = ((f * r % m) << 64) // m  # frac(f x r / m) x 2^64, truncated
        assert (exact - got) % 2 ** 64 < 5, (f, r, m)


def test_one_group_over_three_exponents_rounds_each_value_without_a_division(monkeypatch):
    counting = _CountingDivide()
    monkeypatch.setattr(qs, "DIVIDE", counting)
    # 1/3: 0.333...3 (50 threes: down); 2/3: 0.666...67 (49 sixes, a 7: up); 40/3 = 13.333...3 (48 threes
    # after the point: down), counted twice. 0.333...3 + 0.666...67 = 1.000...0 (50 places) = 1, and
    # 2 x 13.333...3 = 26.666...6 (48 sixes): 27.666...6 (48 sixes after the point)
    assert _total([1, 1, 2], [0, 0, 0], [1, 2, 40], [1], [D(3)]) == D("27." + "6" * 48)
    assert counting.calls == 0


def test_a_divisor_of_many_twos_rounds_from_its_residues(monkeypatch):
    counting = _CountingDivide()
    monkeypatch.setattr(qs, "DIVIDE", counting)
    # 1 / (3 x 2^-100) = 2^100 / 3 = 422550200076076467165567735125.333... (30 digits before the point):
    # 50 digits keep 20 after it, the next a 3: down. Twice, and 2 x 2^100 / 3 (...250.666..., up to
    # ...250.66666666666666666667) once: 422550200076076467165567735125.33333333333333333333 x 2 +
    # 845100400152152934331135470250.66666666666666666667 = 1690200800304305868662270940501.33333333333333333333
    divisor = D(f"{3 * 5 ** 100}E-100")  # 3 x 5^100 / 10^100 = 3 / 2^100, exactly
    assert divisor.as_integer_ratio() == (3, 2 ** 100)
    assert _total([2, 1], [0, 0], [1, 2], [1], [divisor]) == D("1690200800304305868662270940501.33333333333333333333")
    assert counting.calls == 0


def test_a_tie_is_divided_and_rounds_half_to_even(monkeypatch):
    counting = _CountingDivide()
    monkeypatch.setattr(qs, "DIVIDE", counting)
    # (2 x 10^50 + 5) / 10 = 2 x 10^49 + 0.5: 51 digits, the last a 5 exactly: half to even, down to 2E+49.
    # (2 x 10^50 + 15) / 10 = 2 x 10^49 + 1.5: up to ...2. Their fraction is exactly a half: not read from
    # 64 bits (it may be a hair either side), divided
    assert _total([1], [0], [1], [2 * 10 ** 50 + 5], [D(10)]) == D(2 * 10 ** 49)
    assert _total([1], [0], [1], [2 * 10 ** 50 + 15], [D(10)]) == D(2 * 10 ** 49 + 2)
    assert counting.calls == 2


def test_values_past_the_bounds_are_divided_and_still_summed(monkeypatch):
    counting = _CountingDivide()
    monkeypatch.setattr(qs, "DIVIDE", counting)
    # 1/3 = 0.333...3 (50 threes) counted 2^30 times: weight 2^30, past _WEIGHT_LIMIT: divided, then
    # times its count, 1073741824
    third = D("0." + "3" * 50)
    assert _total([2 ** 30], [0], [1], [1], [D(3)]) == canonical(EXACT.multiply(third, 1073741824))
    assert counting.calls == 1
    # a group whose values span more exponents than _SPAN_LIMIT (1 here): 1/3 and 100/3 (33.333...3, 48
    # threes after the point): both divided. 33.333...3 + 0.333...3 = 33.666...6 (48 sixes), then the
    # third's last two threes
    monkeypatch.setattr(qs, "_SPAN_LIMIT", 1)
    assert _total([1, 1], [0, 0], [1, 100], [1], [D(3)]) == D("33." + "6" * 48 + "33")
    assert counting.calls == 3


def test_zero_counts_factors_and_numerators_add_nothing(monkeypatch):
    counting = _CountingDivide()
    monkeypatch.setattr(qs, "DIVIDE", counting)
    # a count of 0, a factor of 0, a numerator of 0 (group 1), and 2 / 3 = 0.666...67, negated by the
    # divisor -3 of group 2
    assert _total([0, 1, 1, 1], [0, 0, 1, 2], [1, 0, 5, 2], [1, 0, 1], [D(3), D(3), D(-3)]) == \
        D("-0." + "6" * 49 + "7")
    assert counting.calls == 1  # the zero numerator's value (0), not worth a case of its own


def test_random_groups_sum_to_the_divided_values(monkeypatch):
    counting = _CountingDivide()
    monkeypatch.setattr(qs, "DIVIDE", counting)
    rng = random.Random(21)
    checked = narrow_values = narrow_divided = 0
    for case_number in range(200):
        groups_count = rng.randint(1, 5)
        numerators = [rng.choice([1, 7, rng.randint(1, 10 ** rng.randint(1, 45))]) for _ in range(groups_count)]
        # divisors g x 2^a x 5^b at various places: the residue's modulus mixes g, 2s and 5s
        divisors = [D(f"{rng.choice([1, 3, 7, 9, 21, 49, 999, 3969, 43200]) * 2 ** rng.randint(0, 60)}E"
                      f"{rng.randint(-40, 20)}") / D(2) ** rng.randint(0, 30) * rng.choice([1, 1, 1, -1])
                    for _ in range(groups_count)]
        n = rng.randint(1, 80)
        groups = [rng.randrange(groups_count) for _ in range(n)]
        # narrow cases, as a projection's: small counts, a group's values within 6 powers of 10 (each weighs
        # at most 36 x 10^6, below _WEIGHT_LIMIT); wide ones reach past the bounds (divided)
        narrow = case_number % 2 == 0
        if narrow:
            base = rng.randint(1, 10 ** 10)  # count x factor below 2^61 (its sum in int64 halves)
            factors = [base * rng.randint(1, 10 ** 6) for _ in range(n)]
            counts = [rng.choice([1, 1, 2, 36]) for _ in range(n)]
        else:
            factors = [rng.choice([1, 3, rng.randint(1, 10 ** 6), rng.randint(1, 2 ** 40), rng.randint(1, 2 ** 60)])
                       for _ in range(n)]
            counts = [rng.choice([1, 1, 2, 36, 1000]) for _ in range(n)]
        case = (counts, groups, factors, numerators, divisors)
        before = counting.calls
        total = _total(*case)
        if total is not None:  # None: the sum spans more than EXACT's 120 digits (it would round)
            assert total == _made(*case), case
            checked += 1
        buckets = [rng.randrange(4) for _ in range(n)]  # and per bucket: a group's keys share its units
        per_bucket = _total(*case, buckets, 4)
        if per_bucket is not None:
            assert per_bucket == _made(*case, buckets, 4), case
        if narrow:
            narrow_values += n
            narrow_divided += counting.calls - before
    assert checked > 150
    assert narrow_divided < narrow_values // 20  # _made's divisions are not counted: nearly every value rounded


def test_a_key_of_too_many_values_for_the_error_bound_gives_none(monkeypatch):
    # at _ROUNDED_VALUES values (and more) a key's error bound is not proven: None, the caller makes the
    # values. 3 here: 1/3, 2/3 and 4/3 in one group are too many; split 2 + 1 over two groups they are not
    # (0.333...3 + 0.666...67 = 1, + 1.333...3 (49 threes after the point))
    monkeypatch.setattr(qs, "_ROUNDED_VALUES", 3)
    assert _total([1, 1, 1], [0, 0, 0], [1, 2, 4], [1], [D(3)]) is None
    assert _total([1, 1, 1], [0, 0, 1], [1, 2, 4], [1, 1], [D(3), D(3)]) == D("2." + "3" * 49)


def test_count_times_factor_past_int64_is_still_rounded(monkeypatch):
    counting = _CountingDivide()
    monkeypatch.setattr(qs, "DIVIDE", counting)
    # (2^60 + 1) / 3 = 384307168202282325.666... (18 digits before the point, 32 after: up, to ...67),
    # counted 36 times: 36 x 384307168202282325 = 13835058055282163700, plus 36 x 0.666...67 (32 places) =
    # 24.00000000000000000000000000000012; and 3 x 2^60 / 3 = 2^60 exactly, 36 times: 41505174165846491136.
    # count x factor is past 2^61 in both (as int64 products they would overflow)
    assert _total([36], [0], [2 ** 60 + 1], [1], [D(3)]) == D("13835058055282163724.00000000000000000000000000000012")
    assert _total([36], [0], [3 * 2 ** 60], [1], [D(3)]) == D(41505174165846491136)
    assert counting.calls == 0


def test_a_value_whose_exponent_floats_cannot_tell_is_divided(monkeypatch):
    counting = _CountingDivide()
    monkeypatch.setattr(qs, "DIVIDE", counting)
    # 38430348554971589474014 x 374703861439141863 / 1.440E+11
    #   = 100000000000000001259649907512.1090142227916666... (the 6 repeating): just past 10^29, where a float's
    #   log10 reads 29.0 or 28.999999999999996: which digit is the 50th is not certain from floats
    #   (_LOG_MARGIN), so it is divided: 30 digits before the point and 20 after, the 51st a 6 (up)
    assert _total([1], [0], [374703861439141863], [38430348554971589474014], [D("1.440E+11")]) == \
        D("100000000000000001259649907512.10901422279166666667")
    assert counting.calls == 1
