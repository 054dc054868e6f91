"""How the first read of a projection's tokens and cost_usd numbers the chunks' distinct values across
chunks (costcalc.projection.amounts: _codes, _join_pairs, Joined's joins and counts). Codes and counts
are worked out by hand below; the values a joined column makes are Money's, digit for digit."""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np
import pandas as pd
import pytest

from costcalc.frames.decimal import DecimalArray
from costcalc.projection import amounts

def test_codes_number_keys_in_order_of_first_appearance_by_table_or_hash():
    keys = np.array([70_000, 5, 70_000, 3, 5, 5], dtype=np.int64)
    for bound in (70_001, 7_000_000):  # a table (70,001 <= 32 x 6 + 65,536), a hash factorize
        codes, distinct = amounts._codes(keys, bound)
        assert distinct.tolist() == [70_000, 5, 3]
        assert codes.tolist() == [0, 1, 0, 2, 1, 1]


def _pairs(to_global, firsts, seconds, distinct_firsts=True):
    return amounts._Pairs(np.array(to_global, dtype=np.int32), np.array(firsts, dtype=np.uint16),
                          np.array(seconds, dtype=np.int64), distinct_firsts)


def _joined(pieces, first_count, second_count):
    codes, firsts, seconds = amounts._join_pairs(pieces, first_count, second_count)
    return [c.tolist() for c in codes], firsts.tolist(), seconds.tolist()


def test_pairs_are_numbered_by_first_then_second_across_pieces_and_words():
    # 70 seconds: two words per first, seconds 64 and 69 in the second word
    # piece 0: firsts 0, 1 -> joined 2, 0; pairs (2, 64), (0, 3), (2, 5)
    # piece 1: firsts 0, 1 -> joined 0, 1; pairs (0, 3), (1, 69), (0, 64)
    # distinct, in order: (0, 3) (0, 64) (1, 69) (2, 5) (2, 64) -> codes 0..4
    pieces = [_pairs([2, 0], [0, 1, 0], [64, 3, 5]), _pairs([0, 1], [0, 1, 0], [3, 69, 64])]
    assert _joined(pieces, 3, 70) == ([[4, 0, 3], [0, 2, 1]], [0, 0, 1, 2, 2], [3, 64, 69, 5, 64])


def test_pairs_too_sparse_for_the_bitmap_are_numbered_in_order_of_first_appearance():
    # 1,000,000 firsts x 1 word is past the 3 pairs + 65,536: a hash factorize of first x 2 + second
    pieces = [_pairs([999_999, 5], [0, 1], [1, 0]), _pairs([5], [0, 0], [1, 0])]
    assert _joined(pieces, 1_000_000, 2) == ([[0, 1], [2, 1]], [999_999, 5, 5], [1, 0, 1])


@pytest.mark.parametrize("second_count", [6, 70])  # one word per first, two
def test_pairs_that_merge_in_one_piece_are_one_value(second_count):
    # a piece's firsts 0 and 1 are both joined 0 (its two token values are one): (0, 2) twice, and (0, 5)
    # seconds as given: 2 is or-ed, not added (added, bit 2 twice would carry into bit 3)
    # (distinct_firsts=False: the piece's own rows are or-ed into the joined ones, not assigned)
    pieces = [_pairs([0, 0], [0, 1, 0], [2, 2, 5], distinct_firsts=False), _pairs([1], [0], [3])]
    assert _joined(pieces, 2, second_count) == ([[0, 0, 1], [2]], [0, 0, 1], [2, 5, 3])
    # seconds 66 (bit 2 of a first's second word) merge the same way: (0, 2), (0, 66) and (1, 66)
    if second_count > 64:
        pieces = [_pairs([0, 0], [0, 1, 0], [66, 66, 2], distinct_firsts=False), _pairs([1], [0], [66])]
        assert _joined(pieces, 2, second_count) == ([[1, 1, 0], [2]], [0, 0, 1], [2, 66, 66])


@pytest.mark.parametrize("second_count", [6, 70])
def test_a_pair_given_twice_in_a_piece_of_distinct_firsts_is_one_value(second_count):
    # firsts are distinct joined ones, but (0, 2) comes twice (two rates of the chunk joined as one): added,
    # bit 2 twice would carry into bit 3, and with (0, 3) into bit 4: one pair where there are two. Found by
    # the bits set (2 for 4 pairs given) and or-ed: (0, 2), (0, 3), (1, 4)
    pieces = [_pairs([0, 1], [0, 0, 0, 1], [2, 2, 3, 4])]
    assert _joined(pieces, 2, second_count) == ([[0, 0, 1, 2]], [0, 0, 1], [2, 3, 4])


def test_pairs_are_numbered_alike_without_numpys_bitwise_count(monkeypatch):
    # NumPy before 2.0 has no bitwise_count: the byte table counts the bits of the 2-D bitmap, word by word
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    pieces = [_pairs([2, 0], [0, 1, 0], [64, 3, 5]), _pairs([0, 1], [0, 1, 0], [3, 69, 64])]
    assert _joined(pieces, 3, 70) == ([[4, 0, 3], [0, 2, 1]], [0, 0, 1, 2, 2], [3, 64, 69, 5, 64])
    words = np.array([[0, 2 ** 64 - 1], [5, 2 ** 63]], dtype=np.uint64)
    assert amounts._popcount(words).tolist() == [[0, 64], [2, 1]]


def test_no_pieces_and_an_empty_piece():
    assert _joined([], 4, 3) == ([], [], [])
    assert _joined([_pairs([1, 0], [], []), _pairs([1], [0], [2])], 2, 3) == ([[], [0]], [1], [2])


def _money(lines, sums, multipliers, numerators, divisors, cost_codes, cost_tokens, cost_rates, rate_ints,
           rate_places):
    sums = np.array(sums, dtype=object if max(sums) >= 2 ** 62 else np.int64)
    return amounts.Money(np.array(lines, dtype=np.int32), sums, np.array(multipliers, dtype=np.int32),
                         numerators, divisors, np.array(cost_codes, dtype=np.int32),
                         np.array(cost_tokens, dtype=np.int32), np.array(cost_rates, dtype=np.int32),
                         rate_ints, rate_places)


def test_a_chunks_equal_multipliers_join_as_one_value_and_count_every_line():
    # one chunk; multipliers 0 and 1 are both 1 / 3 (two volumes of equal digits), S = 6 for both: the token
    # values 6 x 1 / 3 = 2 are one joined value, held by all 3 lines; cost at rate 5 (0 places): 2 x 5 / 10^6
    # = 0.00001, once per token value in the chunk (cost values 0 and 1), one joined value
    money = _money([0, 1, 1], [6, 6], [0, 1], [1, 1], [D(3), D(3)], [0, 1, 1], [0, 1], [0, 0], [5], [0])
    tokens = amounts.Joined([money], "tokens")
    cost = amounts.Joined([money], "cost", tokens)
    assert tokens.count() == 1 and tokens.counts().tolist() == [3]
    assert cost.count() == 1 and cost.counts().tolist() == [3]
    assert [str(v) for v in cost()] == [str(v) for v in money.cost()] == ["0.00001"] * 3
    assert cost.total() == D("0.00003") and tokens.total() == D(6)


def test_a_chunks_rates_of_equal_digits_join_as_one_value():
    # rates 0 and 1 are both 7 at 0 places: the cost values (token 0, rate 0) and (token 0, rate 1) are one,
    # 4 x 1 / 1 x 7 / 10^6 = 0.000028, on both lines
    money = _money([0, 0], [4], [0], [1], [D(1)], [0, 1], [0, 0], [0, 1], [7, 7], [0, 0])
    cost = amounts.Joined([money], "cost")
    assert cost.count() == 1 and cost.counts().tolist() == [2]
    assert [str(v) for v in cost()] == ["0.000028", "0.000028"]


def test_a_token_value_given_twice_in_a_chunk_keeps_its_costs_apart():
    # token values 0 and 1 are both S = 4 over 1/1 (a value given twice: pricing never makes one, a Money made
    # by hand may): one joined token value; its costs at rate 7 and 9 (0 places) stay two values:
    # 4 x 7 / 10^6 = 0.000028 and 4 x 9 / 10^6 = 0.000036, total 0.000064
    money = _money([0, 1], [4, 4], [0, 0], [1], [D(1)], [0, 1], [0, 1], [0, 1], [7, 9], [0, 0])
    cost = amounts.Joined([money], "cost")
    assert [str(v) for v in cost()] == [str(v) for v in money.cost()] == ["0.000028", "0.000036"]
    assert cost.total() == D("0.000064")


def test_a_cost_value_given_twice_in_a_chunk_is_one_value():
    # cost values 0 and 1 are both (token 0, rate 7): one value, 0.000028, on two lines; (token 0, rate 9)
    # 0.000036 on the third: total 0.000092
    money = _money([0, 0, 0], [4], [0], [1], [D(1)], [0, 1, 2], [0, 0, 0], [0, 0, 1], [7, 9], [0, 0])
    cost = amounts.Joined([money], "cost")
    assert cost.count() == 2 and cost.counts().tolist() == [2, 1]
    assert [str(v) for v in cost()] == ["0.000028", "0.000028", "0.000036"]
    assert cost.total() == D("0.000092")


def test_sums_past_int64_join_across_chunks_as_python_ints():
    # chunk a: S = 2^70 (lines 0, 2) and 3 (line 1); chunk b: S = 3 (line 0), 2^70 (line 1); chunk c (int64
    # sums): S = 3; one multiplier 1 / 1 in all: two joined token values, 2^70 on 3 lines and 3 on 3; rate 1
    # at 0 places
    big = 2 ** 70
    a = _money([0, 1, 0], [big, 3], [0, 0], [1], [D(1)], [0, 1, 0], [0, 1], [0, 0], [1], [0])
    b = _money([0, 1], [3, big], [0, 0], [1], [D(1)], [0, 1], [0, 1], [0, 0], [1], [0])
    c = _money([0], [3], [0], [1], [D(1)], [0], [0], [0], [1], [0])
    tokens = amounts.Joined([a, b, c], "tokens")
    assert tokens.counts().tolist() == [3, 3] and tokens._sums.tolist() == [big, 3]
    assert tokens.total() == D(3 * big + 9)  # 3 x 1180591620717411303424 + 9 = 3541774862152233910281
    column = pd.Series(DecimalArray.deferred(6, amounts.Joined([a, b, c], "cost", amounts.Joined([a, b, c], "tokens"))))
    assert [str(v) for v in column] == [str(v) for v in np.concatenate([a.cost(), b.cost(), c.cost()])]
    # 2^70 / 10^6 = 1180591620717411.303424, three times; 3 / 10^6 three times: 0.000009
    assert column.sum() == D("3541774862152233.910281")


def test_empty_chunks_are_left_out_and_one_chunk_joins_alone():
    empty = amounts.Money(*(np.zeros(0, dtype=np.int32),) * 3, [], [], *(np.zeros(0, dtype=np.int32),) * 3, [], [])
    one = _money([1, 0, 1], [5, 8], [0, 0], [1], [D(2)], [0, 1, 0], [1, 0], [0, 0], [3], [0])
    cost = amounts.Joined([empty, one, empty], "cost")
    assert len(cost.money) == 1
    # token values 8 / 2 = 4 (lines 0, 2) and 5 / 2 = 2.5 (line 1); costs x 3 / 10^6: 0.000012 and 0.0000075
    assert [str(v) for v in cost()] == ["0.000012", "0.0000075", "0.000012"]
    # joined by (token, rate): 2.5 (the chunk's first token value) x 3 first, on line 1; 4 x 3 on lines 0, 2
    assert cost.counts().tolist() == [1, 2] and cost.total() == D("0.0000315")
    nothing = amounts.Joined([empty], "cost")
    assert nothing.count() == 0 and nothing.counts().tolist() == [] and nothing.codes().tolist() == []
