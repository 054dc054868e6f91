"""structures.weighted_minutes multiplies minute counts by traffic weights in float64 halves (numpy's integer
matmul has no BLAS): the products must be the exact integers, up to the largest counts and weights."""

from __future__ import annotations

import sys
from decimal import Decimal

import numpy as np

import costcalc.projection  # loads the package (its structures module is shadowed by a function's name)

structures = sys.modules["costcalc.projection.structures"]


def exact(counts: np.ndarray, weights: np.ndarray) -> list:
    """The product in Python integers, written out: sum over the 168 hours of count x weight."""
    return [[sum(int(counts[r, h]) * int(weights[h, j]) for h in range(168)) for j in range(weights.shape[1])]
            for r in range(counts.shape[0])]


def test_the_largest_counts_and_weights_multiply_exactly():
    # a 31-day month in one hour of the week would be 44,640 minutes; spread as a month is, and all in one
    counts = np.zeros((3, 168), dtype=np.uint16)
    counts[0, :] = 44640 // 168  # 265 a hour (44,520 minutes)
    counts[1, 5] = 44640
    counts[2, 0], counts[2, 167] = 1, 300
    weights = np.zeros((168, 3), dtype=np.int64)
    weights[:, 0] = 2 ** 31 - 1  # the largest weight the int64 path takes
    weights[:, 1] = np.arange(168) * 12_345_679 + 65_535  # both 16-bit halves busy
    weights[:, 2] = 1
    got = structures._exact_product(counts, weights)
    assert got.dtype == np.int64
    assert got.tolist() == exact(counts, weights)
    # by hand: 168 hours x 265 minutes x (2^31 - 1), and 44,640 minutes x (2^31 - 1)
    assert got[0, 0] == 168 * 265 * 2_147_483_647 == 95_605_971_964_440  # 44,520 x 2,147,483,647
    assert got[1, 0] == 44_640 * 2_147_483_647 == 95_863_670_002_080


def test_random_counts_and_weights_multiply_exactly():
    rng = np.random.default_rng(11)
    for _ in range(30):
        rows = int(rng.integers(1, 40))
        counts = np.stack([np.bincount(rng.integers(0, 168, int(rng.integers(0, 44641))), minlength=168)
                           for _ in range(rows)]).astype(np.uint16)
        weights = rng.integers(0, 2 ** 31, (168, int(rng.integers(1, 6))))
        assert structures._exact_product(counts, weights).tolist() == exact(counts, weights)


def test_blocks_of_rows_meet_exactly():
    # one shape: a block is 262,144 // 168 = 1,560 rows; 3,200 rows are two whole blocks and a part, each
    # row its own counts, so a row landing in the wrong block (or twice) changes the result
    rows = 3200
    counts = np.zeros((rows, 168), dtype=np.float64)
    counts[np.arange(rows), np.arange(rows) % 168] = np.arange(rows) + 1
    weights = (np.arange(168, dtype=np.int64) * 1_000_003 + 7)[:, None]
    got = structures._exact_product(counts, weights)
    assert got.shape == (rows, 1)
    assert got[:, 0].tolist() == [(r + 1) * ((r % 168) * 1_000_003 + 7) for r in range(rows)]
    assert got[1559, 0] == 1560 * (47 * 1_000_003 + 7) and got[1560, 0] == 1561 * (48 * 1_000_003 + 7)


class _Counts:
    """The projector's part weighted_minutes uses, with each slot standing for its row's counts per hour."""

    _scaled = costcalc.projection.projector._Projector._scaled

    def __init__(self):
        self.weighted_rows: dict = {}
        self._int_weights: dict = {}
        self._distinct: dict = {}
        self.counted = 0

    def hour_counts(self, rows, tz, dtype=np.int64):
        """Each row's counts, the rows of equal counts (the same object) once."""
        self.counted += len(rows)
        positions: dict = {}
        index = np.array([positions.setdefault(id(counts), len(positions)) for counts, _ in rows], dtype=np.int64)
        firsts = {id(counts): counts for counts, _ in rows}
        return (np.stack(list(firsts.values()), dtype=dtype) if rows else np.zeros((0, 168), dtype=dtype)), index


def _structure(*rows: dict[int, int]):
    """A structure whose rows count these minutes per hour of the week (hour -> minutes)."""
    hours = []
    for row in rows:
        counts = np.zeros(168, dtype=np.int64)
        for hour, minutes in row.items():
            counts[hour] = minutes
        hours.append(counts)
    n = len(rows)
    empty = np.zeros(n, dtype=np.int64)
    return structures.Structure(empty, empty, empty, empty, empty, {}, hours, [(2026, 1)] * n, [], 1, 0)


def _weights(hours: dict[int, str], other: str) -> tuple:
    return tuple(Decimal(hours.get(h, other)) for h in range(168))


def test_structures_and_shapes_of_a_zone_weighed_at_once():
    a = _structure({0: 60, 1: 30}, {167: 120})
    none = _structure()  # no rows (weighed to nothing, the largest 0)
    c = _structure({1: 10})
    doubled = _weights({0: "2"}, "1")         # places 0
    halves = _weights({1: "1.5"}, "0.5")      # places 1: 5 and 15
    wide = _weights({0: "2147483648"}, "1")   # 2^31: Python integers
    projector = _Counts()
    got = structures.weighted_minutes(projector, [a, none, c], "UTC", [(doubled, 1), (halves, 2), (wide, 3)])
    as_lists = [[(m.tolist(), places, most) for m, places, most in per_shape] for per_shape in got]
    # by hand: a's first row 60 x 2 + 30 x 1 = 150, its second 120 x 1; at places 1: 60 x 5 + 30 x 15 = 750,
    # 120 x 5 = 600; 60 x 2^31 + 30 = 128,849,018,910
    assert as_lists[0] == [([150, 120], 0, 150), ([750, 600], 1, 750), ([128_849_018_910, 120], 0, 128_849_018_910)]
    assert as_lists[1] == [([], 0, 0), ([], 1, 0), ([], 0, 0)]
    assert as_lists[2] == [([10], 0, 10), ([150], 1, 150), ([10], 0, 10)]
    assert projector.counted == 3


def test_the_stack_of_a_zone_is_kept_for_the_same_structures():
    a, b = _structure({5: 7}), _structure({6: 3}, {7: 4})
    shape = _weights({5: "3", 7: "10"}, "1")
    projector = _Counts()
    first = structures.weighted_minutes(projector, [a, b], "UTC", [(shape, 1)])
    # the same structures in another order (a later chunk's first use): the stack kept, b's rows still its own
    again = structures.weighted_minutes(projector, [b, a], "UTC", [(shape, 1)])
    assert projector.counted == 3
    assert [m.tolist() for (m, _, _), in first] == [[21], [3, 40]]
    assert [(m.tolist(), most) for (m, _, most), in again] == [([3, 40], 40), ([21], 21)]
    # other structures: a new stack in its place
    c = _structure({7: 2})
    assert [m.tolist() for (m, _, _), in structures.weighted_minutes(projector, [a, c], "UTC", [(shape, 1)])] \
        == [[21], [20]]
    assert projector.counted == 5


def test_rows_of_equal_counts_are_multiplied_once_and_each_row_takes_its_product():
    a = _structure({0: 60}, {1: 30})
    hour_2 = np.zeros(168, dtype=np.int64)
    hour_2[2] = 5
    zeros = np.zeros(3, dtype=np.int64)
    # b's first and last rows are a's (the same minute ranges and month: one counts row each)
    b = structures.Structure(zeros, zeros, zeros, zeros, zeros, {}, [a.slots[1], hour_2, a.slots[0]],
                             [(2026, 1)] * 3, [], 1, 0)
    shape = _weights({0: "3", 2: "7"}, "1")
    projector = _Counts()
    got = structures.weighted_minutes(projector, [a, b], "UTC", [(shape, 1)])
    # by hand: 60 x 3 = 180, 30 x 1 = 30, 5 x 7 = 35
    assert [(m.tolist(), most) for (m, _, most), in got] == [([180, 30], 180), ([30, 35, 180], 180)]
    counts, index, _ = projector.weighted_rows[("stacked", "UTC")]
    assert counts.shape == (3, 168) and index.tolist() == [0, 1, 1, 2, 0]
