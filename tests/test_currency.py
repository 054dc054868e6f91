"""Money shown in another currency: fixed budget rates from --fx or an FX file, exact conversion, and a
provider's own published prices in that currency used instead of converting."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

import costcalc
from costcalc.cli import cli
from costcalc.errors import CostcalcError, InputError

OVERLAY = """\
schema_version: 1
version: cny-test
providers:
  acme:
    name: ACME
    models:
      acme-llm:
        name: ACME model priced in CNY too
        prices:
          - label: list
            rates: {input: 1, output: 2}
            native:
              CNY: {input: 7, output: 15}
"""
WORKLOAD = """\
schema_version: 1
profiles:
  p:
    models: [acme-llm, gpt-5.4]
    requests_per_month: 1000
    input_tokens: 1000
    output_tokens: 1000
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "cny.yaml").write_text(OVERLAY)
    (tmp_path / "w.yaml").write_text(WORKLOAD)
    return tmp_path


def test_conversion_is_exact_and_travels_with_the_frame(files):
    df = costcalc.estimate(str(files / "w.yaml"), prices=str(files / "cny.yaml"), start="2026-12", months=1,
                           currency="EUR", fx="EUR=0.9137")
    assert df.attrs["fx"] == {"base": "USD", "currency": "EUR", "rate": "0.9137", "symbol": "€",
                              "source": "--fx EUR=0.9137"}
    assert all(eur == usd * Decimal("0.9137") for usd, eur in zip(df["cost_usd"], df["cost_eur"]))


def test_a_provider_own_currency_prices_are_used_not_converted(files):
    df = costcalc.estimate(str(files / "w.yaml"), prices=str(files / "cny.yaml"), start="2026-12", months=1,
                           currency="CNY", fx=["CNY=7.1"])
    by_model = df.groupby("model", observed=True)["cost_cny"].agg(lambda s: sum(s, Decimal(0)))
    # acme: 1,000 requests x (1,000 x 7 + 1,000 x 15) / 1M CNY, its own prices
    assert by_model["acme-llm"] == Decimal("22")
    # gpt-5.4 has no CNY prices: 1,000 x (1,000 x 2.50 + 1,000 x 15.00) / 1M USD x 7.1
    assert by_model["gpt-5.4"] == Decimal("17.5") * Decimal("7.1")
    assert df.attrs["fx"]["native"] == ["acme"]
    text = CliRunner().invoke(cli, ["estimate", str(files / "w.yaml"), "--prices", str(files / "cny.yaml"),
                                    "--start", "2026-12", "--months", "1", "--currency", "CNY", "--fx",
                                    "CNY=7.1"]).output
    assert "CNY (¥)" in text and "acme, billed at its own published CNY prices" in text
    assert "22.00" in text and "124.25" in text


def test_render_shows_a_saved_usd_result_in_another_currency(files):
    runner = CliRunner()
    saved = files / "r.json"
    runner.invoke(cli, ["estimate", str(files / "w.yaml"), "--prices", str(files / "cny.yaml"), "--start",
                        "2026-12", "--months", "1", "--format", "json", "--output", str(saved)])
    done = runner.invoke(cli, ["render", str(saved), "--format", "json", "--currency", "GBP", "--fx", "GBP=0.8"])
    assert done.exit_code == 0, done.output
    document = json.loads(done.output)
    assert document["meta"]["fx"]["symbol"] == "£" and document["meta"]["currency"] == "GBP"
    # the total is the current plan's (each profile's first model), shown in GBP from the rows' GBP costs
    first = {name: info["models"][0] for name, info in document["meta"]["profiles"].items()}
    chosen = [r for r in document["rows"] if r["model"] == first[r["profile"]]]
    assert sum(Decimal(r["cost_usd"]) for r in chosen) == Decimal(document["total_usd"])
    current = next(p for p in document["plans"] if p["name"] == "current")
    assert sum(Decimal(r["cost_gbp"]) for r in chosen) == Decimal(current["total"]["cost"])


def test_fx_file_with_several_rates(files):
    (files / "fx.yaml").write_text("schema_version: 1\nsource: FY27 budget\nrates: {EUR: 0.92, GBP: 0.79}\n")
    df = costcalc.estimate(str(files / "w.yaml"), prices=str(files / "cny.yaml"), start="2026-12", months=1,
                           currency="GBP", fx=str(files / "fx.yaml"))
    assert df.attrs["fx"]["rate"] == "0.79" and df.attrs["fx"]["source"] == "FY27 budget"


@pytest.mark.parametrize("args, message", [
    (["--fx", "EUR=0"], "--fx EUR: '0': a rate must be a number above 0"),
    (["--fx", "EURO=1"], "use CODE=RATE"),
    (["--currency", "JPY", "--fx", "EUR=0.9"], "--currency JPY: no rate given for it (rates given: EUR)"),
    (["--currency", "eu"], "a three-letter ISO 4217 code"),
])
def test_bad_currency_options_are_one_line(args, message, files):
    done = CliRunner().invoke(cli, ["estimate", str(files / "w.yaml"), "--prices", str(files / "cny.yaml"),
                                    "--start", "2026-12", *args])
    assert done.exit_code == 1 and done.stdout == ""
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_fx_file_errors_name_the_line(files):
    (files / "fx.yaml").write_text("schema_version: 1\nrates:\n  EUR: 0.92\n  gbp: -1\n")
    with pytest.raises(InputError) as err:
        costcalc.estimate(str(files / "w.yaml"), prices=str(files / "cny.yaml"), currency="EUR",
                          fx=str(files / "fx.yaml"))
    assert str(err.value).startswith(f"{files / 'fx.yaml'}:4: rates.gbp: 'gbp': not a three-letter ISO 4217 code")


def test_native_prices_must_not_claim_usd(files):
    (files / "bad.yaml").write_text(OVERLAY.replace("CNY:", "USD:"))
    with pytest.raises(CostcalcError, match="a three-letter ISO 4217 code other than USD"):
        costcalc.load_prices(overlays=[str(files / "bad.yaml")])


TWO_MODELS = """\
schema_version: 1
version: two-models
discounts:
  - {model: acme-a, multiply: 0.5, label: negotiated, source: "contract:A"}
  - {model: acme-b, multiply: 0.25, label: negotiated, source: "contract:B"}
providers:
  acme:
    name: ACME
    models:
      acme-a:
        name: A
        prices:
          - label: standard
            rates: {input: 2, output: 8}
            native:
              CNY: {input: 14, output: 56}
      acme-b:
        name: B
        prices:
          - label: standard
            rates: {input: 4, output: 3}
            native:
              CNY: {input: 28, output: 24}
"""
TWO_WORKLOAD = """\
schema_version: 1
profiles:
  p:
    models: [acme-a, acme-b]
    requests_per_month: 1000
    input_tokens: 1000
    output_tokens: 0
"""


def test_list_and_native_prices_are_per_model_not_per_rule_label(tmp_path):
    """Both models discount to the same 1 USD input rate under the same label: their list prices (2 and
    4) and their own CNY prices (14 x 0.5 = 7 and 28 x 0.25 = 7) must still be their own."""
    (tmp_path / "o.yaml").write_text(TWO_MODELS)
    (tmp_path / "w.yaml").write_text(TWO_WORKLOAD)
    args = [str(tmp_path / "w.yaml"), "--prices", str(tmp_path / "o.yaml"), "--start", "2026-12", "--months", "1"]
    import csv
    import io

    focus = CliRunner().invoke(cli, ["estimate", *args, "--format", "focus"]).output
    rows = {(r["ServiceName"], r["x_Component"]): r for r in csv.DictReader(io.StringIO(focus))}
    a, b = rows[("acme-a", "input")], rows[("acme-b", "input")]
    # 1,000 requests x 1,000 input tokens = 1M tokens: list 2 and 4 USD, contracted 1 USD each
    assert (a["ListUnitPrice"], a["ListCost"], a["ContractedCost"]) == ("2", "2", "1")
    assert (b["ListUnitPrice"], b["ListCost"], b["ContractedCost"]) == ("4", "4", "1")
    cny = CliRunner().invoke(cli, ["estimate", *args, "--format", "focus", "--currency", "CNY", "--fx",
                                   "CNY=7.1"]).output
    rows = {(r["ServiceName"], r["x_Component"]): r for r in csv.DictReader(io.StringIO(cny))}
    a, b = rows[("acme-a", "input")], rows[("acme-b", "input")]
    assert (a["ListUnitPrice"], a["ListCost"], a["BilledCost"]) == ("14", "14", "7")
    assert (b["ListUnitPrice"], b["ListCost"], b["BilledCost"]) == ("28", "28", "7")


def test_every_format_shows_the_same_native_totals(files):
    args = ["estimate", str(files / "w.yaml"), "--prices", str(files / "cny.yaml"), "--start", "2026-12",
            "--months", "1", "--currency", "CNY", "--fx", "CNY=7.1"]
    runner = CliRunner()
    for fmt in ("table", "markdown", "html"):
        text = runner.invoke(cli, [*args, "--format", fmt]).output
        assert "22.00" in text and "21.30" not in text, fmt  # acme-llm at its own 22 CNY, not 3 USD x 7.1
    pytest.importorskip("openpyxl")
    import openpyxl

    runner.invoke(cli, [*args, "--format", "xlsx", "--output", str(files / "n.xlsx")])
    summary = {row[1]: row for row in openpyxl.load_workbook(files / "n.xlsx")["Summary"].iter_rows(values_only=True)}
    assert summary["acme-llm"][4] == 22 and summary["gpt-5.4"][4] == pytest.approx(124.25)


def test_focus_leaves_low_and_high_cases_out(tmp_path):
    (tmp_path / "w.yaml").write_text("schema_version: 1\nprofiles:\n  p:\n    models: [gpt-5.4]\n"
                                     "    requests_per_month: {low: 0, expected: 10, high: 20}\n"
                                     "    input_tokens: 1000\n    output_tokens: 0\n")
    text = CliRunner().invoke(cli, ["estimate", str(tmp_path / "w.yaml"), "--start", "2026-12", "--months", "1",
                                    "--format", "focus"]).output
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["x_Case"] for r in rows} == {"expected"}
    assert sum(Decimal(r["BilledCost"]) for r in rows) == 10 * 1000 * Decimal("2.50") / 1_000_000


def test_native_prices_are_used_even_at_a_rate_of_one():
    from costcalc.report.shown_currency import ShownCurrency

    shown = ShownCurrency({"fx": {"currency": "CNY", "symbol": "¥", "rate": "1", "source": "--fx CNY=1"}})
    assert shown.cost({"cost_usd": "1", "cost_cny": "7"}) == Decimal(7)
