"""Cases named by cost (issue 12, item 4): for every profile and model, low <= expected <= high in cost,
each range at the end that lowers (raises) that model's cost. Amounts by hand from the overlay's rates."""

from decimal import Decimal as D

import pytest

import costcalc
from costcalc import projection
from costcalc.cost_cases import RAISES, certain_direction, order_note, ranged_inputs
from costcalc.prices import load_prices
from costcalc.money import exact_sum

# Three models without a tokenizer (counts apply unchanged), rates in USD per 1M tokens:
#   cheap-cache: cached input (0.2) below input (2): a higher hit share lowers the cost
#   flat-cache:  cached input at the input rate (1): the hit share changes nothing (the table refuses a
#                cache hit dearer than a miss)
#   flip-write:  cache writes at 0.5 (below input, 1) in June, at 3 (above it) from July on
OVERLAY = """schema_version: 1
version: cost-cases-test
providers:
  acme:
    name: Acme
    models:
      cheap-cache:
        name: Cheap cache
        prices:
          - label: list
            rates: {input: 2, cache_read: 0.2, output: 10}
      flat-cache:
        name: Flat cache
        prices:
          - label: list
            rates: {input: 1, cache_read: 1, output: 10}
      flip-write:
        name: Flipping cache writes
        prices:
          - label: june
            when: {until: 2026-07-01T00:00Z}
            rates: {input: 1, cache_read: 0.1, cache_write_5m: 0.5, output: 10}
          - label: july
            when: {from: 2026-07-01T00:00Z}
            rates: {input: 1, cache_read: 0.1, cache_write_5m: 3, output: 10}
"""

RANGED = """schema_version: 1
profiles:
  p:
    requests_per_day: {low: 1000, expected: 1500, high: 2000}
    input_tokens: 1000
    output_tokens: 100
    cache_hit_rate: {low: 0.5, expected: 0.7, high: 0.85}
    models: [cheap-cache, flat-cache]
"""


@pytest.fixture()
def table(tmp_path):
    path = tmp_path / "overlay.yaml"
    path.write_text(OVERLAY)
    return load_prices(overlays=[path])


def totals(df):
    return {(str(m), str(c)): exact_sum(g["cost_usd"]) for (m, c), g in df.groupby(["model", "case"], observed=True)}


def test_low_expected_high_in_cost_on_two_models(table):
    df = costcalc.estimate(RANGED, prices=table, start="2026-06", months=1, cases=True)
    got = totals(df)
    # June: 30 days. Per request, in USD per 1M: input 1000 x (1 - hit), cached 1000 x hit, output 100.
    # cheap-cache: 2,000 (1 - h) + 200 h + 1,000 = 3,000 - 1,800 h. A higher hit lowers the cost, so
    #   low = 1,000/day at h = 0.85: 30,000 x 1,470 / 1e6 = 44.1
    #   expected = 1,500/day at 0.7: 45,000 x 1,740 / 1e6 = 78.3
    #   high = 2,000/day at h = 0.5: 60,000 x 2,100 / 1e6 = 126
    assert got[("cheap-cache", "low")] == D(30_000) * (3000 - 1800 * D("0.85")) / 1_000_000 == D("44.1")
    assert got[("cheap-cache", "expected")] == D("78.3")
    assert got[("cheap-cache", "high")] == D(60_000) * (3000 - 1800 * D("0.5")) / 1_000_000 == D(126)
    # flat-cache: 1,000 (1 - h) + 1,000 h + 1,000 = 2,000 whatever h: only the requests move the cost
    #   low = 30,000 x 2,000 / 1e6 = 60; expected 45,000 x 2,000 / 1e6 = 90; high 60,000 x 2,000 / 1e6 = 120
    assert (got[("flat-cache", "low")], got[("flat-cache", "expected")], got[("flat-cache", "high")]) == \
        (D(60), D(90), D(120))
    for model in ("cheap-cache", "flat-cache"):
        assert got[(model, "low")] < got[(model, "expected")] < got[(model, "high")]
    notes = df.attrs["assumptions"]
    assert "p: a higher cache_hit_rate lowers the cost on cheap-cache: there the low case takes it at 0.85 " \
           "and the high case at 0.5." in notes
    assert any(n.startswith("Cases: low and high take each range at the end that lowers (raises)") for n in notes)


def test_a_sign_change_over_the_horizon_is_stated_and_the_total_decides(table):
    text = """schema_version: 1
profiles:
  p:
    requests_per_day: 1000
    input_tokens: 1000
    output_tokens: 0
    cache_write: {share: {low: 0, expected: 0.5, high: 1}}
    models: [flip-write]
"""
    df = costcalc.estimate(text, prices=table, start="2026-06", months=2, cases=True)
    got = totals(df)
    # w = the share of input written to the cache (5m)
    # June (30,000 requests): 1,000 (1 - w) + 500 w = 1,000 - 500 w  -> 30 - 15 w USD
    # July (31,000 requests): 1,000 (1 - w) + 3,000 w = 1,000 + 2,000 w -> 31 + 62 w USD
    # the period: 61 + 47 w: a higher share raises the total, so low takes w = 0 and high w = 1
    assert got[("flip-write", "low")] == D(61)
    assert got[("flip-write", "expected")] == D(61) + 47 * D("0.5")
    assert got[("flip-write", "high")] == D(108)
    june = df[(df["month"] == "2026-06")]
    # in June alone the high case (h = 1) is the cheaper one: the month's effect is stated, not hidden
    june_cost = {case: exact_sum(june[june["case"] == case]["cost_usd"]) for case in ("high", "low")}
    assert june_cost["high"] == D(15) < june_cost["low"]
    assert ("p on flip-write: a higher cache_write.share raises the cost in 2026-07 and lowers it in 2026-06; "
            "over the whole period it raises it, so the low case takes cache_write.share at 0 and the high "
            "case at 1.") in df.attrs["assumptions"]


def test_extra_projections_only_for_ranged_profiles_and_only_as_needed(table, monkeypatch):
    calls = []
    real = projection._project_one

    def counting(projector, profile, model_id, model_name, month_list, start, case, out, ends=None):
        calls.append((profile.name, model_name, case))
        return real(projector, profile, model_id, model_name, month_list, start, case, out, ends)

    monkeypatch.setattr(projection, "_project_one", counting)
    text = RANGED + """  plain:
    requests_per_day: 10
    input_tokens: 10
    output_tokens: 10
    models: [cheap-cache, flat-cache]
"""
    costcalc.estimate(text, prices=table, start="2026-06", months=3)
    # the plain profile: one run per model. p: expected, low, high and ONE measuring run per model (the
    # hit rate is affine, measured at one end against the expected run; requests are certain)
    assert [c for c in calls if c[0] == "plain"] == [("plain", "cheap-cache", "expected"),
                                                      ("plain", "flat-cache", "expected")]
    assert len([c for c in calls if c[0] == "p"]) == 2 * 4


def test_certain_directions_hold_when_measured():
    """The inputs costcalc.cost_cases calls certain never lower a model's cost: measured here by
    sensitivity (each input at low and at high, the rest at expected) on models with cliffs, tiers,
    discounts and per-call fees."""
    text = """schema_version: 1
profiles:
  p:
    requests_per_day: {low: 100, expected: 200, high: 400}
    input_tokens: {low: 200000, expected: 260000, high: 300000}
    output_tokens: {low: 100, expected: 500, high: 2000}
    reasoning_tokens: {low: 0, expected: 100, high: 1000}
    growth_per_month: {low: -0.1, expected: 0.02, high: 0.2}
    cache_hit_rate: 0.3
    tiers: {standard: 0.7, batch: 0.3}
    tool_calls_per_request: {web_search: {low: 0, expected: 0.2, high: 1}}
    models: [gpt-5.5, deepseek-v4-pro, claude-sonnet-4-5, gemini-3.1-pro, claude-opus-4-7]
"""
    table = load_prices()
    sens = costcalc.sensitivity(text, prices=table, start="2026-11", months=4)
    [profile] = costcalc.load_workloads(text, known_models=list(table.models))
    for row in sens.itertuples():
        assert row.high_usd >= row.low_usd, (row.model, row.input)
        if row.input != "input_tokens":  # measured on a model with a cliff, certain elsewhere
            assert certain_direction(profile, row.input, has_prompt_rules=True) == RAISES
    assert {k for k, _ in ranged_inputs(profile)} == set(sens["input"])
    # gpt-5.5, claude-sonnet-4-5 and gemini-3.1-pro price prompts above 272K/200K by their own rule: the
    # input range is measured there, and is certain on a model without such a rule
    assert certain_direction(profile, "input_tokens", has_prompt_rules=True) is None
    assert certain_direction(profile, "input_tokens", has_prompt_rules=False) == RAISES
    df = costcalc.estimate(text, prices=table, start="2026-11", months=4, cases=True)
    got = totals(df)
    for model in profile.models:
        assert got[(model, "low")] <= got[(model, "expected")] <= got[(model, "high")], model


def test_sensitivity_keeps_naming_input_values(table):
    sens = costcalc.sensitivity(RANGED, prices=table, start="2026-06", months=1)
    row = sens[(sens["model"] == "cheap-cache") & (sens["input"] == "cache_hit_rate")].iloc[0]
    # low_usd: the hit rate at its LOW value (0.5), requests at expected: 45,000 x 2,100 / 1e6 = 94.5,
    # above high_usd (0.85: 45,000 x 1,470 / 1e6 = 66.15): sensitivity names values, not cost ends
    assert (row["low_value"], row["high_value"]) == (D("0.5"), D("0.85"))
    assert (row["low_usd"], row["high_usd"]) == (D("94.5"), D("66.15"))


def test_cases_out_of_order_are_stated():
    assert order_note("p", "m", {"low": D(1), "expected": D(2), "high": D(3)}) is None
    note = order_note("p", "m", {"low": D(3), "expected": D(2), "high": D(4)})
    assert note.startswith("p on m: its ranges interact, so the cases are not in cost order (low 3.00")
