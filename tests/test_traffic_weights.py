"""projector.traffic_weights: a shape's 168 hour-of-week weights (weekday weight x hour weight) with each
distinct product made once per projection and shared by the shapes that have it, and _scaled's integers
over them. The products must be week_weights' own, digit for digit (1 x 1.0 is 1.0, not 1: the places a
weight is written at decide the places of the weighted minutes)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from costcalc.prices import load_prices
from costcalc.projection.projector import _Projector, week_weights
from costcalc.workloads.model import Traffic

from .helpers import ACME_200K, acme_table


@pytest.fixture(scope="module")
def projector(tmp_path_factory):
    path = tmp_path_factory.mktemp("weights") / "acme.yaml"
    path.write_text(acme_table("weights-test.1", ACME_200K), encoding="utf-8")
    return _Projector(load_prices(path), "actual")


def test_products_are_week_weights_own_digit_for_digit(projector):
    hours = (D("1"), D("1.0"), D("0.5"), D("2.50"), D("0")) + (D("1"),) * 19
    weekdays = (D("1.0"), D("2")) + (D("1"),) * 5
    first = Traffic("UTC", hours, weekdays)
    weights, _ = projector.traffic_weights(first)
    expected = week_weights(first)
    assert [str(w) for w in weights] == [str(w) for w in expected]
    # by hand: Monday (1.0) x hours 1, 1.0, 0.5, 2.50, 0 -> 1.0, 1.00, 0.50, 2.500, 0.0; Tuesday (2) x the same
    assert [str(w) for w in weights[:5]] == ["1.0", "1.00", "0.50", "2.500", "0.0"]
    assert [str(w) for w in weights[24:29]] == ["2", "2.0", "1.0", "5.00", "0"]
    # another shape (another zone) with some of the same factors shares those products, and is its own
    second = Traffic("Asia/Shanghai", (D("0.5"),) + (D("1"),) * 23, weekdays)
    again, _ = projector.traffic_weights(second)
    assert [str(w) for w in again] == [str(w) for w in week_weights(second)]
    assert again[1] is weights[0]  # 1.0 x 1 on Monday, made once
    assert str(again[0]) == "0.50" and again[0] is weights[2]


def test_scaled_integers_over_the_shared_products(projector):
    hours = (D("0.25"), D("3")) + (D("1"),) * 22
    traffic = Traffic("Europe/Berlin", hours, (D("1"),) * 7)
    weights, weights_id = projector.traffic_weights(traffic)
    array, places, ints = projector._scaled(weights, weights_id)
    # the finest weight is 0.25 (two places): every weight x 100, 0.25 -> 25, 3 -> 300, 1 -> 100
    assert places == 2
    assert ints[:3] == [25, 300, 100] and ints[24:27] == [25, 300, 100]
    assert sum(ints) == 7 * (25 + 300 + 22 * 100)
    assert array is not None and array.tolist() == ints
    # the same tuple again: the same integers (cached per shape)
    assert projector._scaled(weights, weights_id)[2] == ints


def test_uniform_traffic_has_no_weights(projector):
    assert projector.traffic_weights(Traffic())[0] is None
    # 1 and 1.0 are the same weight: uniform, as Traffic.uniform says
    assert projector.traffic_weights(Traffic("UTC", (D("1"), D("1.0")) * 12, (D("1"),) * 7))[0] is None
