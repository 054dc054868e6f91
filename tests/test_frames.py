"""The frames costcalc returns behave as numbers in pandas and keep money exact: the twenty things a
finance user does first in a notebook, on an estimate frame and on a re-priced usage frame, each checked
against amounts computed by hand here.

The prices are a small table written here (every model available all of 2026):
    acme-a: 0.5 USD per 1M input tokens, 2 per 1M output tokens
    acme-b: 3 USD per 1M input tokens, 15 per 1M output tokens
Workloads, June-August 2026 (30, 31 and 31 days), uniform traffic:
    chat:   1,000 requests/day (low 500, high 2,000), 1,000 input + 100 output tokens each
            acme-a: 1,000 x 0.5 + 100 x 2 = 700 USD per 1M requests = 0.0007 per request
            acme-b: 1,000 x 3 + 100 x 15 = 4,500 USD per 1M requests = 0.0045 per request
    batch:  30,000 requests a month, 2,000 input + 500 output tokens each
            acme-a: 2,000 x 0.5 + 500 x 2 = 2,000 per 1M = 0.002 per request -> 60 a month
            acme-b: 2,000 x 3 + 500 x 15 = 13,500 per 1M = 0.0135 per request -> 405 a month
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal as D

import numpy as np
import pandas as pd
import pytest

import costcalc
from costcalc.frames import DecimalDtype
from costcalc.frames.decimal import DIVIDE, EXACT
from costcalc.prices import load_prices
from costcalc.money import exact_sum

from .helpers import acme_model, acme_table, scratch_file

TABLE = acme_table("frames-test.1",
                   acme_model("acme-a", "Acme A", "input: 0.5, output: 2", context_window=1_000_000),
                   acme_model("acme-b", "Acme B", "input: 3, output: 15", context_window=1_000_000))

WORKLOADS = """\
schema_version: 1
profiles:
  chat:
    requests_per_day: {low: 500, expected: 1000, high: 2000}
    input_tokens: 1000
    output_tokens: 100
    tags: {team: support}
    models: [acme-a, acme-b]
  batch:
    requests_per_month: 30000
    input_tokens: 2000
    output_tokens: 500
    tags: {team: data}
    models: [acme-a, acme-b]
"""

MONTHS = {"2026-06": 30, "2026-07": 31, "2026-08": 31}
PER_REQUEST = {("chat", "acme-a"): D("0.0007"), ("chat", "acme-b"): D("0.0045"),
               ("batch", "acme-a"): D("0.002"), ("batch", "acme-b"): D("0.0135")}


def requests_of(profile: str, month: str, case: str = "expected") -> D:
    if profile == "batch":
        return D(30_000)
    return {"low": 500, "expected": 1000, "high": 2000}[case] * D(MONTHS[month])


# By hand: (month, model) -> expected-case cost over both profiles
BY_MONTH_MODEL = {(month, model): sum((requests_of(p, month) * PER_REQUEST[(p, model)] for p in ("chat", "batch")),
                                      D(0))
                  for month in MONTHS for model in ("acme-a", "acme-b")}
# June acme-a: 30,000 x 0.0007 + 60 = 81; July acme-b: 31,000 x 0.0045 + 405 = 544.5
assert BY_MONTH_MODEL[("2026-06", "acme-a")] == D(81) and BY_MONTH_MODEL[("2026-07", "acme-b")] == D("544.5")
TOTAL = exact_sum(BY_MONTH_MODEL.values())  # 81 + 81.7 + 81.7 + 540 + 544.5 + 544.5 = 1,873.4
assert D("1873.4") == TOTAL


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    return load_prices(scratch_file(tmp_path_factory, "frames", "acme.yaml", TABLE))


@pytest.fixture(scope="module")
def estimate(table):
    return costcalc.estimate(WORKLOADS, prices=table, start="2026-06", months=3)


@pytest.fixture(scope="module")
def usage():
    """Four logged requests, by hand: 1,000,000 x 0.5 + 500,000 x 2 = 1.5 USD; 500,000 x 3 + 100,000 x 15 =
    3.0; one input token on acme-a, 0.0000005; and nothing, 0."""
    return pd.DataFrame({
        "timestamp": pd.to_datetime(["2026-06-10T12:00Z", "2026-07-02T08:00Z", "2026-07-15T00:00Z",
                                     "2026-07-20T00:00Z"]),
        "provider": "acme", "model": ["acme-a", "acme-b", "acme-a", "acme-b"],
        "input_tokens": [1_000_000, 500_000, 1, 0], "output_tokens": [500_000, 100_000, 0, 0]})


USAGE_BY_MONTH_MODEL = {("2026-06", "acme-a"): D("1.5"), ("2026-07", "acme-b"): D("3.0"),
                        ("2026-07", "acme-a"): D("0.0000005")}


@pytest.fixture(scope="module")
def repriced(usage, table):
    """A finance user's first step on a per-record frame: a month column."""
    df = costcalc.reprice(usage, prices=table)
    return df.assign(month=df["timestamp"].dt.strftime("%Y-%m"))


FRAMES = {"estimate": ("estimate", BY_MONTH_MODEL), "reprice": ("repriced", USAGE_BY_MONTH_MODEL)}


@pytest.fixture(params=list(FRAMES))
def case(request):
    """(frame, hand-computed cost per (month, model))"""
    fixture, expected = FRAMES[request.param]
    return request.getfixturevalue(fixture), expected


def model_sums(expected: dict) -> dict:
    out: dict = {}
    for (_, model), v in expected.items():
        out[model] = out.get(model, D(0)) + v
    return out


# -- the twenty things, on both frames ---------------------------------------------------------------------

def test_money_is_a_numeric_exact_dtype(case):
    df, _ = case
    assert isinstance(df["cost_usd"].dtype, DecimalDtype)
    assert "cost_usd" in df.select_dtypes("number").columns
    assert all(type(v) is D for v in df["cost_usd"])  # the values themselves are Decimals


def test_total_and_groupby_sum_are_exact(case):
    df, expected = case
    assert df["cost_usd"].sum() == exact_sum(expected.values())
    by_month = df.groupby("month", observed=True)["cost_usd"].sum()
    for month in {m for m, _ in expected}:
        assert by_month[month] == exact_sum(v for (m, _), v in expected.items() if m == month)
    assert isinstance(by_month.dtype, DecimalDtype)


def test_filter_by_model_then_monthly_sum(case):
    df, expected = case
    part = df[df["model"] == "acme-a"].groupby("month", observed=True)["cost_usd"].sum()
    assert part.to_dict() == {m: v for (m, model), v in expected.items() if model == "acme-a"}


def test_pivot_month_by_model(case):
    df, expected = case
    pivot = df.pivot_table(index="month", columns="model", values="cost_usd", aggfunc="sum", observed=True)
    for (month, model), value in expected.items():
        assert pivot.loc[month, model] == value
    missing = [(m, model) for m in pivot.index for model in pivot.columns if (m, model) not in expected]
    assert all(pd.isna(pivot.loc[m, model]) for m, model in missing)


def test_top_lines_sorted_and_nlargest(case):
    df, _ = case
    by_hand = sorted(df["cost_usd"].tolist(), reverse=True)[:5]
    assert df.nlargest(5, "cost_usd")["cost_usd"].tolist() == by_hand
    assert df.sort_values("cost_usd", ascending=False)["cost_usd"].head(5).tolist() == by_hand
    assert df["cost_usd"].nsmallest(1).iloc[0] == min(df["cost_usd"].tolist())


def test_share_of_total(case):
    df, expected = case
    share = df.groupby("model", observed=True)["cost_usd"].sum() / df["cost_usd"].sum() * 100
    total = exact_sum(expected.values())
    for model, cost in model_sums(expected).items():
        assert share[model] == EXACT.multiply(DIVIDE.divide(cost, total), 100)  # division at 50 digits, x 100 exact
    assert abs(exact_sum(share) - 100) < D("1e-45")


def test_monthly_cumulative_spend(case):
    df, expected = case
    cumulative = df.groupby("month", observed=True)["cost_usd"].sum().sort_index().cumsum()
    running, by_hand = D(0), {}
    for month in sorted({m for m, _ in expected}):
        running += exact_sum(v for (m, _), v in expected.items() if m == month)
        by_hand[month] = running
    assert cumulative.to_dict() == by_hand
    # a running sum per model, within each model's own rows
    per_model = df.sort_values("month").groupby("model", observed=True)["cost_usd"].cumsum()
    assert per_model.groupby(df["model"], observed=True).max().to_dict() == model_sums(expected)


def test_convert_to_eur_with_a_float_rate_and_round_for_the_report(case):
    df, expected = case
    eur = df.groupby("model", observed=True)["cost_usd"].sum() * 0.92  # the rate as typed, not its binary float
    for model, cost in model_sums(expected).items():
        assert eur[model] == cost * D("0.92")
    shown = eur.round(2)
    assert isinstance(shown.dtype, DecimalDtype)
    assert shown.to_dict() == {m: (c * D("0.92")).quantize(D("0.01")) for m, c in model_sums(expected).items()}
    # half-even, as every rendering rounds: 0.125 -> 0.12, 0.135 -> 0.14
    assert pd.Series([D("0.125"), D("0.135")], dtype="decimal").round(2).tolist() == [D("0.12"), D("0.14")]


def test_arithmetic_with_ints_floats_decimals_and_columns(case):
    df, _ = case
    cost = df["cost_usd"]
    assert (cost * 2).tolist() == [v * 2 for v in cost]
    assert (cost + D("0.1")).tolist() == [v + D("0.1") for v in cost]
    assert (cost - cost).tolist() == [D(0)] * len(cost)
    assert (cost / 3).tolist() == [DIVIDE.divide(v, D(3)) for v in cost]
    assert (1 - cost).tolist() == [1 - v for v in cost]
    assert (cost.astype(float) == np.array([float(v) for v in cost])).all()


def test_describe(case):
    df, _expected = case
    summary = df["cost_usd"].describe()  # pandas gives Float64 for every extension dtype
    values = [v for v in df["cost_usd"]]
    assert summary["count"] == len(values)
    assert summary["max"] == float(max(values)) and summary["min"] == float(min(values))
    assert summary["mean"] == pytest.approx(float(exact_sum(values) / len(values)))
    assert df["cost_usd"].mean() == DIVIDE.divide(exact_sum(values), D(len(values)))  # exact Decimal itself


def test_parquet_round_trip_keeps_values_and_attrs(case, tmp_path):
    pytest.importorskip("pyarrow", reason="pyarrow is the parquet extra")
    df, _ = case
    path = tmp_path / "frame.parquet"
    df.to_parquet(path)
    back = pd.read_parquet(path)
    assert back.attrs == df.attrs  # JSON-plain metadata survives
    # decimal128(38, 18): 18 places kept; back as Decimals, and as this dtype with .astype("decimal")
    exact = back["cost_usd"].astype("decimal")
    assert exact.tolist() == [v.quantize(D("1e-18")) for v in df["cost_usd"]]
    assert exact.sum() == df["cost_usd"].sum()  # these amounts have fewer than 18 places


def test_excel_round_trip(case, tmp_path):
    openpyxl = pytest.importorskip("openpyxl", reason="openpyxl is the xlsx extra")
    df, expected = case
    path = tmp_path / "frame.xlsx"
    df.to_excel(path, index=False)  # time-zone-aware instants would make this fail
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    costs = [row[header.index("cost_usd")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(v, (int, float)) for v in costs)  # numbers, not text
    assert sum(costs) == pytest.approx(float(exact_sum(expected.values())))


def test_csv_is_plain_exact_decimal_text(case):
    df, _ = case
    text = df.assign(zero=df["cost_usd"] - df["cost_usd"]).to_csv(index=False)
    assert "E-" not in text and "E+" not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [D(r["cost_usd"]) for r in rows] == df["cost_usd"].tolist()
    assert {r["zero"] for r in rows} == {"0"}


def test_plot_draws_the_numbers(case):
    matplotlib = pytest.importorskip("matplotlib", reason="matplotlib is the plot extra")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df, expected = case
    monthly = df.pivot_table(index="month", columns="model", values="cost_usd", aggfunc="sum", observed=True)
    ax = monthly.plot()
    drawn = {line.get_label(): np.ma.filled(np.ma.masked_invalid(line.get_ydata()), np.nan)
             for line in ax.get_lines()}
    for model in monthly.columns:
        by_hand = [float(expected[(m, model)]) if (m, model) in expected else np.nan for m in monthly.index]
        np.testing.assert_allclose(drawn[model], by_hand, equal_nan=True)
    df.groupby("model", observed=True)["cost_usd"].sum().plot(kind="bar")
    plt.close("all")


def test_merge_two_frames(case):
    df, expected = case
    monthly = df.groupby(["month", "model"], observed=True)["cost_usd"].sum().reset_index()
    budget = pd.DataFrame({"model": ["acme-a", "acme-b"], "budget_usd": [100, 500]})
    merged = monthly.merge(budget, on="model")
    merged["headroom"] = merged["budget_usd"] - merged["cost_usd"]
    for month, model, headroom in zip(merged["month"], merged["model"], merged["headroom"]):
        assert headroom == {"acme-a": 100, "acme-b": 500}[model] - expected[(month, model)]


def test_display_is_readable(case):
    df, _expected = case
    shown = repr(df.assign(zero=df["cost_usd"] - df["cost_usd"], third=df["cost_usd"] / 3))
    assert "0E-" not in shown and "E-" not in shown
    assert max(len(cell) for line in shown.splitlines() for cell in line.split()) < 20  # no 50-digit noise
    assert "decimal" in repr(df.dtypes)


def test_attrs_are_json_plain(case):
    df, _ = case
    assert json.loads(json.dumps(df.attrs)) == df.attrs


# -- estimate frames ---------------------------------------------------------------------------------------

def test_default_frame_holds_the_expected_case_only(table, estimate):
    assert set(estimate["case"]) == {"expected"}
    with_cases = costcalc.estimate(WORKLOADS, prices=table, start="2026-06", months=3, cases=True)
    assert set(with_cases["case"]) == {"low", "expected", "high"}
    # a plain monthly sum of the default frame is the expected case, never a mix of the three
    june = estimate[estimate["model"] == "acme-a"].groupby("month", observed=True)["cost_usd"].sum()["2026-06"]
    assert june == D(81)
    chat_low = with_cases[(with_cases["case"] == "low") & (with_cases["profile"] == "chat") &
                          (with_cases["model"] == "acme-a") & (with_cases["month"] == "2026-06")]
    assert chat_low["cost_usd"].sum() == 500 * 30 * D("0.0007")
    assert with_cases.attrs["cases"] == ["low", "expected", "high"] and estimate.attrs["cases"] == ["expected"]


def test_requests_column_counts_each_request_once(estimate):
    g = estimate.groupby(["profile", "model", "month"], observed=True)[["cost_usd", "requests"]].sum()
    for (profile, model, month), row in g.iterrows():
        assert row["requests"] == requests_of(profile, month)
        assert row["cost_usd"] / row["requests"] == PER_REQUEST[(profile, model)]  # cost per request
    table = costcalc.requests(estimate)
    assert list(table.columns) == ["profile", "model", "month", "case", "requests"]
    assert len(table) == 2 * 2 * 3
    assert table["requests"].sum() == 2 * (30_000 * 3 + 1000 * (30 + 31 + 31))
    assert "requests" not in estimate.attrs


def test_instants_are_naive_utc(estimate):
    assert str(estimate["period_start"].dtype).startswith("datetime64") and estimate["period_start"].dt.tz is None
    assert estimate["period_start"].min() == pd.Timestamp("2026-06-01")
    assert estimate["period_end"].max() == pd.Timestamp("2026-09-01")


def test_summarize_is_exact_decimals(estimate):
    summary = costcalc.summarize(estimate)
    chat_b = summary[(summary["profile"] == "chat") & (summary["model"] == "acme-b")].iloc[0]
    assert chat_b["2026-07"] == 31_000 * D("0.0045")
    assert chat_b["total_usd"] == 92_000 * D("0.0045")
    assert chat_b["savings_vs_most_expensive_usd"] == 0
    chat_a = summary[(summary["profile"] == "chat") & (summary["model"] == "acme-a")].iloc[0]
    assert chat_a["savings_vs_most_expensive_usd"] == 92_000 * (D("0.0045") - D("0.0007"))
    assert isinstance(summary["total_usd"].dtype, DecimalDtype) and bool(chat_a["cheapest"])


def test_the_document_is_unchanged_by_the_frame(table):
    from costcalc.report.document import to_document, to_frame

    df = costcalc.estimate(WORKLOADS, prices=table, start="2026-06", months=3, cases=True)
    document = to_document(df)
    assert "requests" not in document["rows"][0] and document["rows"][0]["case"] in ("low", "expected", "high")
    june = {(r["profile"], r["model"], r["case"]): D(r["requests"]) for r in document["meta"]["requests"]
            if r["month"] == "2026-06"}
    assert june[("chat", "acme-a", "low")] == 15_000 and june[("batch", "acme-b", "expected")] == 30_000
    # a saved document read back and written again is the same document (render --currency relies on it)
    assert to_document(to_frame(document)) == document
    assert "case" not in to_document(costcalc.estimate(WORKLOADS.replace("{low: 500, expected: 1000, high: 2000}",
                                                                         "1000"), prices=table, start="2026-06",
                                                       months=1))["rows"][0]


# -- every frame the library returns ----------------------------------------------------------------------

def test_every_frame_has_exact_numeric_money_and_json_attrs(table, estimate, usage, tmp_path):
    pytest.importorskip("pyarrow", reason="pyarrow is the parquet extra")
    from costcalc import api

    frames = {
        "summarize": (costcalc.summarize(estimate), "total_usd"),
        "reprice by month": (costcalc.reprice(usage, prices=table, by="month"), "cost_usd"),
        "variance": (costcalc.variance(estimate, usage, prices=table), "variance_usd"),
        "compare": (api.compare(estimate, estimate), "diff_usd"),
        "sensitivity": (costcalc.sensitivity(WORKLOADS, prices=table, start="2026-06", months=1), "swing_usd"),
        "break_even": (costcalc.break_even(WORKLOADS, prices=table, start="2026-06",
                                           self_host={"usd_per_hour": 2, "tokens_per_second": 100}),
                       "api_usd_per_request"),
        "quote": (costcalc.quote("acme-a", input=1_000_000, output=1, at="2026-06-01T00:00Z",
                                 prices=table).to_frame(), "cost_usd"),
    }
    for name, (frame, money) in frames.items():
        assert isinstance(frame[money].dtype, DecimalDtype), name
        assert json.loads(json.dumps(frame.attrs)) == frame.attrs, name
        frame.to_parquet(tmp_path / f"{name}.parquet")
        frame.select_dtypes("number").sum()  # every numeric column sums
    reprice = frames["reprice by month"][0]
    assert reprice["cost_usd"].sum() == exact_sum(USAGE_BY_MONTH_MODEL.values())
    # compare of a frame with itself: no difference, 0 shown as 0
    assert set(frames["compare"][0]["diff_usd"]) == {D(0)}
    # sensitivity: chat's requests_per_day 500 .. 2,000 on acme-a in June: 30 x 500 x 0.0007 .. 30 x 2,000 x 0.0007
    sens = frames["sensitivity"][0]
    row = sens[(sens["model"] == "acme-a") & (sens["input"] == "requests_per_day")].iloc[0]
    assert (row["low_usd"], row["high_usd"], row["swing_usd"]) == (D("10.5"), D(42), D("31.5"))
    be = frames["break_even"][0].set_index(["profile", "model"])
    assert be.loc[("batch", "acme-b"), "api_usd_per_request"] == D("0.0135")
    assert be["nodes_at_volume"].dtype == "Int64"
    assert frames["quote"][0]["cost_usd"].sum() == D("0.5") + D("0.000002")


# -- the dtype on its own ------------------------------------------------------------------------------------

def test_fifty_digit_amounts_are_not_rounded_at_28_digits():
    third = DIVIDE.divide(D(1), D(3))  # 50 significant digits
    s = pd.Series([third, third, third], dtype="decimal")
    assert s.sum() == D("0." + "9" * 50)  # exact, where 28 digits would round it to 1
    assert s.groupby([0, 0, 1]).sum().tolist() == [EXACT.add(third, third), third]
    assert (s * 3).tolist() == [D("0." + "9" * 50)] * 3


def test_missing_values_and_division_by_zero_are_na():
    s = pd.Series([D(1), None, D(0)], dtype="decimal")
    assert s.isna().tolist() == [False, True, False]
    assert (D(1) / s).isna().tolist() == [False, True, True]  # 1 / 0: no amount
    assert s.sum() == 1 and s.sum(min_count=4) is pd.NA
    assert s.fillna(0).tolist() == [D(1), D(0), D(0)]


def test_floats_are_taken_by_their_shortest_repr():
    s = pd.Series([1, 0.1, "2.50"], dtype="decimal")
    assert s.tolist() == [D(1), D("0.1"), D("2.50")]
    assert (s + 0.2).tolist() == [D("1.2"), D("0.3"), D("2.70")]


def test_a_group_sum_shows_the_digits_the_column_sum_shows():
    # 1.50 + 1.50 = 3.00 added exactly; a whole column's sum is written 3 (canonical), and a group's sum and
    # mean are written the same way, so a month's total and the grand total never differ in trailing zeros
    values = pd.array([D("1.50"), D("1.50"), D("2.0"), D("0.25")], dtype=DecimalDtype())
    frame = pd.DataFrame({"month": ["2026-12", "2026-12", "2027-01", "2027-01"], "cost_usd": values})
    sums = frame.groupby("month")["cost_usd"].sum()
    assert [str(v) for v in sums.tolist()] == ["3", "2.25"]
    assert str(frame["cost_usd"].iloc[:2].sum()) == "3"
    means = frame.groupby("month")["cost_usd"].mean()
    assert [str(v) for v in means.tolist()] == ["1.5", "1.125"]  # 3 / 2 and 2.25 / 2
