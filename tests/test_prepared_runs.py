"""Runs prepared once and shared (costcalc.projection._prepare): profiles that write the fields a run's
preparation reads alike share it on a model, and everything that names a profile (notes, errors, costs
from its own volume) stays its own; a field the preparation reads that differs (over_limit, failures)
gives a run of its own.

The table is acme-200k alone (tests/helpers.ACME_200K: 3 input / 15 output USD per 1M tokens, a 200,000
context window, the standard tier only). Every expected value is computed by hand in the test.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

import costcalc
from costcalc.errors import LimitError
from costcalc.money import exact_sum
from costcalc.prices import load_prices

from .helpers import ACME_200K, acme_table


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("prepared") / "acme.yaml"
    path.write_text(acme_table("prepared-test.1", ACME_200K), encoding="utf-8")
    return load_prices(path)


def estimate(table, profiles: str, start: str = "2026-06", months: int = 1):
    text = "schema_version: 1\nprofiles:\n" + profiles
    workloads = costcalc.load_workloads(text, known_models=list(table.models))
    return costcalc.estimate(workloads, prices=table, start=start, months=months)


def cost(df, **where) -> D:
    for key, value in where.items():
        df = df[df[key].astype(str) == value]
    return exact_sum(df["cost_usd"])


ALIKE = """\
    input_tokens: 1000
    output_tokens: 100
    tiers: {standard: 0.5, batch: 0.5}
    models: [acme-200k]
"""


def test_profiles_alike_keep_their_own_volume_notes_and_names(table):
    # b runs in another time zone with uniform traffic: the same whole UTC months, the same preparation
    df = estimate(table, "  a:\n    requests_per_day: 10\n" + ALIKE
                  + "  b:\n    requests_per_day: 20\n    traffic: {timezone: Asia/Tokyo}\n" + ALIKE)
    # a request: 1,000 x 3 / 1M + 100 x 15 / 1M = 0.003 + 0.0015 = 0.0045 USD (batch at the standard rates)
    # June (30 days): a 10 x 30 x 0.0045 = 1.35; b 20 x 30 x 0.0045 = 2.70
    assert cost(df, profile="a") == D("1.35")
    assert cost(df, profile="b") == D("2.70")
    notes = [n for n in df.attrs["assumptions"] if "offers no batch tier" in n]
    assert notes == ["acme-200k offers no batch tier: a's batch share is priced at its standard rates.",
                     "acme-200k offers no batch tier: b's batch share is priced at its standard rates."]
    assert set(df.attrs["profiles"]) == {"a", "b"}


HISTOGRAM = """\
    requests_per_day: 1000
    input_tokens: {histogram: [{tokens: 100000, share: 0.9}, {tokens: 300000, share: 0.1}]}
    output_tokens: 1000
    models: [acme-200k]
"""


def test_over_limit_is_read_per_profile(table):
    # a leaves the 300,000-token prompts out; b, alike but for over_limit, is refused, named
    with pytest.raises(LimitError, match=r"profiles\.b\.input_tokens\.histogram\[1\]\.tokens: 300000: model "
                                         r"acme-200k: 10% of its requests"):
        estimate(table, "  a:\n    over_limit: exclude\n" + HISTOGRAM + "  b:\n" + HISTOGRAM)
    # in the other order the error names b too (the first profile with an error)
    with pytest.raises(LimitError, match=r"profiles\.b\.input_tokens"):
        estimate(table, "  b:\n" + HISTOGRAM + "  a:\n    over_limit: exclude\n" + HISTOGRAM)
    # both excluding: June 30,000 requests a profile, 27,000 priced at 100,000 x 3 / 1M + 1,000 x 15 / 1M
    # = 0.315 each: 8,505.00 each
    df = estimate(table, "  a:\n    over_limit: exclude\n" + HISTOGRAM + "  b:\n    over_limit: exclude\n" + HISTOGRAM)
    assert cost(df, profile="a") == cost(df, profile="b") == D("8505.00")


def test_failures_are_read_per_profile(table):
    one = "    requests_per_day: 10\n    input_tokens: 1000\n    output_tokens: 100\n    models: [acme-200k]\n"
    df = estimate(table, "  a:\n    failures: {rate: 0.1, billed: input, retries: 0}\n" + one + "  b:\n" + one)
    # a: 0.9 of each request succeeds (1 - 0.1): 0.9 x 0.0045 = 0.00405; the failed attempts (0.1 a request)
    # bill their input: 0.1 x 1,000 x 3 / 1M = 0.0003; 0.00435 a request, 10 x 30 x 0.00435 = 1.305 in June
    assert cost(df, profile="a") == D("1.305")
    assert any(r.endswith("(failed attempts)") for r in df[df["profile"] == "a"]["rule"].astype(str))
    # b, alike but without failures: 10 x 30 x 0.0045 = 1.35, no failed-attempt lines
    assert cost(df, profile="b") == D("1.35")
    assert not any("failed" in r for r in df[df["profile"] == "b"]["rule"].astype(str))
