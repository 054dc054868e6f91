"""structures.weighted_minutes multiplies minute counts by traffic weights in float64 halves (numpy's integer
matmul has no BLAS): the products must be the exact integers, up to the largest counts and weights."""

from __future__ import annotations

import sys

import numpy as np

import costcalc.projection  # noqa: F401  (loads the package; the module is shadowed by a function's name)

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
