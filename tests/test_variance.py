"""Forecast against actuals: the variance split, by hand, and the CLI on a saved estimate."""

from __future__ import annotations

import json
from decimal import Decimal

import pandas as pd
from click.testing import CliRunner

import costcalc
from costcalc.cli import cli
from costcalc.usage.variance import variance

M = Decimal(1_000_000)


def long(*rows):
    return pd.DataFrame([(m, model, c, Decimal(t), Decimal(k)) for m, model, c, t, k in rows],
                        columns=["month", "model", "component", "tokens", "cost_usd"])


def test_split_into_volume_mix_and_price_by_hand():
    forecast = long(("2026-09", "gpt-5.5", "input", 1_000_000, "5.00"),
                    ("2026-09", "gpt-5.5", "output", 100_000, "3.00"))
    # More tokens, more of them output, and the input billed at the long-context rate (10 instead of 5).
    actual = long(("2026-09", "gpt-5.5", "input", 1_500_000, "15.00"),
                  ("2026-09", "gpt-5.5", "output", 300_000, "9.00"))
    row = variance(forecast, actual).iloc[0]
    assert (row["forecast_usd"], row["actual_usd"], row["variance_usd"]) == (Decimal(8), Decimal(24), Decimal(16))
    per_token = Decimal(8) / Decimal(1_100_000)
    volume = Decimal(700_000) * Decimal(8) / Decimal(1_100_000)          # 5.0909...
    mix = Decimal("7.5") + Decimal(9) - Decimal(1_800_000) * per_token  # actual tokens at forecast rates
    price = Decimal(1_500_000) * (Decimal(10) - Decimal(5)) / M         # 7.50: the input rate doubled
    assert abs(row["volume_usd"] - volume) < Decimal("1e-20")
    assert abs(row["mix_usd"] - mix) < Decimal("1e-20")
    assert abs(row["price_usd"] - price) < Decimal("1e-20")
    assert row["volume_usd"] + row["mix_usd"] + row["price_usd"] == row["variance_usd"]


def test_unforecast_model_is_all_volume_and_months_follow_the_actuals():
    forecast = long(("2026-09", "gpt-5.5", "input", 1_000_000, "5"), ("2026-10", "gpt-5.5", "input", 1_000_000, "5"))
    actual = long(("2026-09", "claude-opus-4-7", "input", 1_000_000, "5"))
    out = variance(forecast, actual)
    assert list(zip(out["month"], out["model"])) == [("2026-09", "claude-opus-4-7"), ("2026-09", "gpt-5.5")]
    opus, gpt = out.iloc[0], out.iloc[1]
    assert (opus["volume_usd"], opus["mix_usd"], opus["price_usd"]) == (Decimal(5), 0, 0)
    assert (gpt["actual_usd"], gpt["volume_usd"], gpt["variance_usd"]) == (0, Decimal(-5), Decimal(-5))


WORKLOAD = """\
schema_version: 1
profiles:
  api:
    models: [gpt-5.4]
    requests_per_day: 100
    input_tokens: 1000
    output_tokens: 100
"""


def test_cli_variance_against_a_saved_estimate(tmp_path):
    (tmp_path / "w.yaml").write_text(WORKLOAD)
    runner = CliRunner()
    saved = tmp_path / "forecast.json"
    done = runner.invoke(cli, ["estimate", str(tmp_path / "w.yaml"), "--start", "2026-09", "--months", "2",
                               "--format", "json", "--output", str(saved)])
    assert done.exit_code == 0, done.output
    # Actual September: 20 requests of 2,000 input and 100 output tokens (twice the forecast input).
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps({"timestamp": f"2026-09-{d:02d}T12:00:00Z", "model": "gpt-5.4",
                                       "usage": {"prompt_tokens": 2000, "completion_tokens": 100}}) + "\n"
                           for d in range(1, 21)))
    done = runner.invoke(cli, ["variance", "--forecast", str(saved), "--actual", str(log), "--format", "json"])
    assert done.exit_code == 0, done.output
    rows = json.loads(done.output)["rows"]
    assert [(r["month"], r["model"]) for r in rows] == [("2026-09", "gpt-5.4")]  # October has no actuals
    row = {k: Decimal(v) if k.endswith("_usd") or k.endswith("_tokens") else v for k, v in rows[0].items()}
    # Forecast: 30 days x 100 requests x (1000 x 2.50 + 100 x 15.00) / 1M = 12.00
    assert row["forecast_usd"] == Decimal("12.00")
    # Actual: 20 x (2000 x 2.50 + 100 x 15.00) / 1M = 0.13
    assert row["actual_usd"] == Decimal("0.13")
    assert row["volume_usd"] + row["mix_usd"] + row["price_usd"] == row["variance_usd"] == Decimal("-11.87")
    assert abs(row["price_usd"]) < Decimal("1e-30")  # same rates as forecast


def test_library_variance_takes_a_forecast_dataframe(tmp_path):
    (tmp_path / "w.yaml").write_text(WORKLOAD)
    forecast = costcalc.estimate(str(tmp_path / "w.yaml"), start="2026-09", months=1)
    actual = pd.DataFrame({"timestamp": pd.to_datetime(["2026-09-05T00:00:00Z"], utc=True), "model": ["gpt-5.4"],
                           "input_tokens": [1000], "output_tokens": [100]})
    out = costcalc.variance(forecast, actual)
    assert out["actual_usd"][0] == (1000 * Decimal("2.50") + 100 * Decimal("15.00")) / M
    assert out["forecast_usd"][0] == Decimal("12.00")


def test_rendered_cents_are_each_figure_rounded_on_its_own():
    from costcalc.report.usage import render_variance
    from costcalc.money import cents

    forecast = long(("2026-09", "a", "input", 1_000_000, "2.026"), ("2026-09", "b", "input", 3, "0.014"),
                    ("2026-09", "c", "output", 7, "1.005"))
    actual = long(("2026-09", "a", "input", 1_003_000, "2.025"), ("2026-09", "b", "output", 9, "0.026"),
                  ("2026-09", "c", "output", 1, "0.333"))
    frame = variance(forecast, actual)
    table = render_variance(frame, "table").splitlines()
    rows = [line.split() for line in table if line.startswith("2026-09")]
    assert len(rows) == 3
    for (_, model, *shown), exact in zip(rows, frame.to_dict("records")):
        assert model == exact["model"]
        want = [cents(exact[k]) for k in ("forecast_usd", "actual_usd", "variance_usd", "volume_usd", "mix_usd",
                                          "price_usd")]
        assert [Decimal(x) for x in shown] == want
    # model a by hand: forecast 2.026 -> 2.03, actual 2.025 -> 2.02 (half to even), variance -0.001 -> 0.00:
    # the shown variance is not 2.02 - 2.03; it is the exact variance in cents
    assert rows[0][2:5] == ["2.03", "2.02", "0.00"]


def test_variance_is_actual_minus_forecast_to_the_last_digit():
    # 50-digit costs, as the projection produces: the difference must not be rounded to 28 digits
    f_cost = "1234567.8901234567890123456789012345678901234567891"
    a_cost = "7654321.0987654321098765432109876543210987654321099"
    forecast = long(("2026-09", "m", "input", 1_000_000, f_cost))
    actual = long(("2026-09", "m", "input", 2_000_000, a_cost))
    row = variance(forecast, actual).iloc[0]
    # by hand, digit by digit: 7654321.0987654321098765432109876543210987654321099
    #                         -1234567.8901234567890123456789012345678901234567891
    assert row["variance_usd"] == Decimal("6419753.2086419753208641975320864197532086419753208")
    with __import__("decimal").localcontext() as ctx:
        ctx.prec = 200
        assert row["volume_usd"] + row["mix_usd"] + row["price_usd"] == row["variance_usd"]
