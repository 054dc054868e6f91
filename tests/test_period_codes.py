"""A cost line's first and last instant travel as one code of projector.periods (pricing keeps a 2-byte code
per line, the frame's period columns are taken from the table): the pairs must come back exactly, for any
int32 epoch minutes (before 1970 too), with one code per distinct pair across batches."""

from __future__ import annotations

import numpy as np

from costcalc.api import prices_from
from costcalc.projection.projector import _Projector


def test_pairs_come_back_exactly_with_one_code_each():
    projector = _Projector(prices_from(None), "actual")
    lowest, highest = -2 ** 31, 2 ** 31 - 1  # the ends of int32 epoch minutes
    first = np.array([-5, 0, highest, -5, 100, lowest], dtype=np.int32)
    last = np.array([-1, highest, highest, -1, lowest, lowest], dtype=np.int32)
    codes = projector.period_codes(first, last)
    assert [projector.periods[c] for c in codes.tolist()] == list(zip(first.tolist(), last.tolist()))
    assert codes[0] == codes[3]  # (-5, -1) twice: one code
    assert len(projector.periods) == 5
    # a later batch (another chunk) gets the same codes for the same pairs, a new one for a new pair
    again = projector.period_codes(np.array([100, 7, -5], dtype=np.int32), np.array([lowest, 8, -1], dtype=np.int32))
    assert again.tolist() == [codes[4], 5, codes[0]]
    assert projector.periods[5] == (7, 8)
    assert projector.period_codes(first[:0], last[:0]).tolist() == []
