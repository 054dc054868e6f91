"""Charts of an estimate: files written and readable, legible text, price-change markers, the
notebook helper, reproducible SVG."""

import copy
import re

import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.image import imread  # noqa: E402

import costcalc  # noqa: E402
import costcalc.plot as costcalc_plot  # noqa: E402
from costcalc.errors import CostcalcError  # noqa: E402
from costcalc.plot import plot, save_charts  # noqa: E402
from costcalc.report.chartdata import price_changes  # noqa: E402
from costcalc.report.document import to_document  # noqa: E402

from .helpers import PER_1K_WORKLOADS  # noqa: E402

EUR = {"base": "USD", "currency": "EUR", "rate": "0.92", "symbol": "€", "source": "--fx EUR=0.92"}


@pytest.fixture(scope="module")
def estimate():
    return costcalc.estimate(months=3, cases=True)  # low and high too: the tornado needs them


@pytest.fixture(scope="module")
def document(estimate):
    doc = to_document(estimate)
    doc["meta"]["fx"] = dict(EUR)
    doc["meta"]["currency"] = "EUR"
    return doc


@pytest.fixture(scope="module")
def changing():
    """DeepSeek V4 Pro across its promotion's end (2026-05-31) and the peak/off-peak rules (2026-08)."""
    profiles = pd.DataFrame([
        {"name": "chat", "requests_per_day": 10000, "input_tokens": 2000, "output_tokens": 300,
         "models": "[deepseek-v4-pro, gpt-5.5]", "start": "2026-05-01"},
        {"name": "$x$ \\frac{", "requests_per_day": 100, "input_tokens": 2000, "output_tokens": 300,
         "models": "[deepseek-v4-pro]", "start": "2026-05-01"},
    ])
    return to_document(costcalc.estimate(profiles, start="2026-05", months=5))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _svg_text(path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.slow
def test_save_charts_writes_png_and_svg(document, tmp_path):
    paths = save_charts(document, tmp_path / "charts")
    names = [p.name for p in paths]
    assert names == ["monthly-spend.png", "monthly-spend.svg", "cumulative-spend.png", "cumulative-spend.svg",
                     "cost-per-1k-requests.png", "cost-per-1k-requests.svg",
                     "ranges-tornado.png", "ranges-tornado.svg"]
    for path in paths:
        assert path.exists() and path.stat().st_size > 1000
        if path.suffix == ".png":
            pixels = imread(path)
            assert pixels.ndim == 3 and pixels.shape[0] > 300 and pixels.shape[1] > 600
            assert pixels.std() > 0  # not a blank image
    monthly = _svg_text(tmp_path / "charts" / "monthly-spend.svg")
    assert "Monthly spend per model, stacked by profile" in monthly
    assert "Spend per month (EUR, €)" in monthly
    assert "Month (UTC)" in monthly
    assert "support-bot" in monthly and "deepseek-v4-pro" in monthly  # legend and panel titles
    assert "€" in monthly
    cumulative = _svg_text(tmp_path / "charts" / "cumulative-spend.svg")
    assert "Cumulative spend per plan" in cumulative and "Cumulative spend (EUR, €)" in cumulative
    per_1k = _svg_text(tmp_path / "charts" / "cost-per-1k-requests.svg")
    assert "Cost per 1,000 requests per profile" in per_1k and "Cost per 1,000 requests (EUR, €)" in per_1k
    tornado = _svg_text(tmp_path / "charts" / "ranges-tornado.svg")
    assert "Total over 3 months (EUR, €)" in tornado and "rag-service · gpt-5.6-terra" in tornado


@pytest.mark.slow
def test_svg_is_reproducible(document, tmp_path):
    first = save_charts(document, tmp_path / "a", formats=("svg",))
    second = save_charts(copy.deepcopy(document), tmp_path / "b", formats=("svg",))
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
        assert "<dc:date>" not in a.read_text(encoding="utf-8")


@pytest.mark.slow
def test_no_tornado_without_ranges(changing, tmp_path):
    names = [p.name for p in save_charts(changing, tmp_path, formats=("png",))]
    assert names == ["monthly-spend.png", "cumulative-spend.png", "cost-per-1k-requests.png"]
    with pytest.raises(CostcalcError, match="no ranges"):
        plot(changing, kind="tornado")


@pytest.mark.slow
def test_price_changes_are_found_and_marked(changing, tmp_path):
    # one source of markers for the HTML and matplotlib charts (report.chartdata)
    months = ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09"]
    changes = price_changes(changing["rows"], months)
    pro = [(m["at"], m["labels"]) for m in changes["deepseek-v4-pro"]]
    # the promotion ends 2026-05-31 16:00 UTC (list prices again); peak/off-peak rules from 08-16 16:00 UTC
    assert pro == [("2026-05-31T16:00:00Z", ["list"]), ("2026-08-16T16:00:00Z", ["off-peak", "peak"])]
    assert "gpt-5.5" not in changes  # one list price throughout
    save_charts(changing, tmp_path, formats=("svg",))
    svg = _svg_text(tmp_path / "monthly-spend.svg")
    assert "price rule change" in svg
    # marked at their instants, as in the HTML report: list prices again from the promotion's end 05-31
    # 16:00, peak/off-peak from 08-16 16:00
    assert ">list<" in svg and ">off-peak, peak<" in svg
    assert "Spend per month (USD, $)" in svg
    # a profile named like mathtext is drawn as plain text
    assert "$x$ \\frac{" in svg


@pytest.mark.slow
def test_plot_kinds_for_a_notebook(estimate):
    figure = plot(estimate)  # several models: one panel per model
    assert isinstance(figure, matplotlib.figure.Figure)
    assert len([ax for ax in figure.axes if ax.get_visible()]) == len(estimate["model"].unique())
    ax = plot(estimate, kind="cumulative")
    assert ax.get_ylabel() == r"Cumulative spend (USD, \$)"
    assert "Cumulative spend per plan" in ax.get_title()
    ax = plot(estimate, kind="per_1k_requests", profile="support-bot")
    assert "profile support-bot" in ax.get_title()
    assert len(ax.get_lines()) == 4
    ax = plot(estimate, kind="tornado")
    assert len(ax.get_yticklabels()) == 7  # profiles with ranges x their models: 3 + 4
    _, mine = plt.subplots()
    assert plot(estimate, kind="monthly", model="gpt-5.5", ax=mine) is mine
    assert "gpt-5.5" in mine.get_title()


def test_per_1k_requests_matches_the_numbers(estimate):
    ax = plot(estimate, kind="per_1k_requests", profile="doc-analyzer", case="expected")
    doc = to_document(estimate)
    rows = [r for r in doc["rows"] if r["profile"] == "doc-analyzer" and r["model"] == "gpt-5.5"
            and r["month"] == "2026-12"]
    from decimal import Decimal

    cost = sum(Decimal(r["cost_usd"]) for r in rows)
    requests = next(Decimal(r["requests"]) for r in doc["meta"]["requests"]
                    if r["profile"] == "doc-analyzer" and r["model"] == "gpt-5.5" and r["month"] == "2026-12")
    line = next(line for line in ax.get_lines() if line.get_label() == "gpt-5.5")
    assert line.get_ydata()[0] == pytest.approx(float(cost / requests * 1000))


def test_per_1k_requests_is_a_panel_per_profile_by_hand(tmp_path):
    """gpt-5.5 (list 5 in / 30 out per 1M tokens), gpt-5.4-mini (0.75 / 4.50). Per 1,000 requests: short on
    gpt-5.5 1,000 x (1,000 x 5 + 100 x 30) / 1M = 8; on gpt-5.4-mini 1,000 x (1,000 x 0.75 + 100 x 4.5) / 1M
    = 1.2; long on gpt-5.5 1,000 x (100,000 x 5 + 2,000 x 30) / 1M = 560. Never gpt-5.5 over both: 58.18."""
    estimate = costcalc.estimate(PER_1K_WORKLOADS, start="2026-12", months=2)
    figure = plot(estimate, kind="per_1k_requests")
    panels = {ax.get_title(): ax for ax in figure.axes if ax.get_visible()}
    assert list(panels) == ["short", "long"]
    lines = {(title, line.get_label()): list(line.get_ydata()) for title, ax in panels.items()
             for line in ax.get_lines()}
    assert lines == {("short", "gpt-5.5"): [8.0, 8.0], ("short", "gpt-5.4-mini"): [1.2, 1.2],
                     ("long", "gpt-5.5"): [560.0, 560.0]}
    assert "each profile's models on its own requests" in figure.get_suptitle()
    # on your own Axes: one profile
    _, ax = plt.subplots()
    with pytest.raises(CostcalcError, match="profile="):
        plot(estimate, kind="per_1k_requests", ax=ax)
    assert plot(estimate, kind="per_1k_requests", profile="long", ax=ax) is ax
    assert [list(line.get_ydata()) for line in ax.get_lines()] == [[560.0, 560.0]]
    assert ax.get_title() == "Cost per 1,000 long requests per model (profile long)"
    # the saved file has the panels too
    save_charts(to_document(estimate), tmp_path, formats=("svg",))
    svg = _svg_text(tmp_path / "cost-per-1k-requests.svg")
    assert "Cost per 1,000 requests per profile" in svg
    assert all(f">{name}<" in svg for name in ("short", "long", "gpt-5.5", "gpt-5.4-mini"))  # titles, legend


def test_plot_takes_a_document_and_the_module_is_callable(document):
    ax = costcalc_plot(document, kind="cumulative")
    assert "EUR" in ax.get_ylabel()


def test_bad_arguments(estimate):
    with pytest.raises(CostcalcError, match="kind"):
        plot(estimate, kind="pie")
    with pytest.raises(CostcalcError, match="profile"):
        plot(estimate, kind="cumulative", profile="nope")
    with pytest.raises(CostcalcError, match="case"):
        plot(estimate, kind="cumulative", case="worst")
    _, ax = plt.subplots()
    with pytest.raises(CostcalcError, match="model="):
        plot(estimate, kind="monthly", ax=ax)
    with pytest.raises(CostcalcError, match="png, svg or pdf"):
        save_charts(to_document(estimate), "unused", formats=("gif",))


def test_missing_matplotlib_names_the_extra(monkeypatch, estimate):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(CostcalcError, match=re.escape("pip install 'costcalc[plot]'")):
        plot(estimate)


@pytest.mark.slow
def test_sensitivity_tornado_chart_from_the_cli(tmp_path):
    from click.testing import CliRunner

    from costcalc.cli import cli

    target = tmp_path / "tornado.svg"
    done = CliRunner().invoke(cli, ["sensitivity", "--months", "3", "--chart", str(target)])
    assert done.exit_code == 0, done.output
    svg = target.read_text()
    assert "Sensitivity: each uncertain input at its low and high value" in svg
    assert "cache_hit_rate 0.5..0.85" in svg and "Total over 3 months (USD, $)" in svg
    bad = CliRunner().invoke(cli, ["sensitivity", "--chart", str(tmp_path / "t.gif")])
    assert bad.exit_code == 2 and "name a .png or .svg file" in bad.stderr


def test_tornado_in_another_currency_is_converted():
    import costcalc
    from decimal import Decimal

    from costcalc.plot import plot

    usd = costcalc.estimate(months=2, cases=True)
    expected = usd[usd["case"] == "expected"]
    total = sum(expected.loc[(expected["profile"] == "coding-agent") & (expected["model"] == "gpt-5.6-sol"),
                             "cost_usd"], Decimal(0))
    ax = plot(costcalc.estimate(months=2, currency="EUR", fx="EUR=0.5", cases=True), kind="tornado")
    marks = {round(line.get_xdata()[0], 6) for line in ax.lines}
    assert round(float(total * Decimal("0.5")), 6) in marks  # the expected mark, in EUR


def test_charts_read_the_documents_plans_and_comparisons_by_hand(tmp_path):
    """The overlay of tests/test_comparisons.py (its docstring has the arithmetic), in USD a month:
    p1 alpha 1,200, beta 2,100 (use:), gamma 4,400;  p2 alpha 147 (current: first), beta 84, gamma 308.
    Plans, cumulative over 2026-12 and 2027-01 (a line per plan, never a model over its profiles):
        current  p1 beta + p2 alpha = 2,100 + 147 = 2,247  ->  2,247, 4,494
        cheapest p1 alpha + p2 beta = 1,200 + 84 = 1,284   ->  1,284, 2,568
        all on alpha 1,200 + 147 = 1,347 -> 1,347, 2,694;  all on beta 2,100 + 84 = 2,184 -> 2,184, 4,368
        all on gamma 4,400 + 308 = 4,708 -> 4,708, 9,416
    with profile=p2: the plan's p2 line alone (current alpha 147, 294; cheapest beta 84, 168).
    The monthly chart of alpha stacks p1 1,200 under p2 147 (bottom 1,200)."""
    from .test_comparisons import PRICES, WORKLOADS

    (tmp_path / "prices.yaml").write_text(PRICES)
    (tmp_path / "w.yaml").write_text(WORKLOADS)
    estimate = costcalc.estimate(str(tmp_path / "w.yaml"), prices=str(tmp_path / "prices.yaml"), start="2026-12",
                                 months=2)
    ax = plot(estimate, kind="cumulative")
    lines = {line.get_label(): list(line.get_ydata()) for line in ax.get_lines()}
    assert lines == {"plan current": [2247.0, 4494.0], "plan cheapest": [1284.0, 2568.0],
                     "plan all on alpha": [1347.0, 2694.0], "plan all on beta": [2184.0, 4368.0],
                     "plan all on gamma": [4708.0, 9416.0]}
    ax = plot(estimate, kind="cumulative", profile="p2")
    lines = {line.get_label(): list(line.get_ydata()) for line in ax.get_lines()}
    assert lines["plan current (alpha)"] == [147.0, 294.0] and lines["plan cheapest (beta)"] == [84.0, 168.0]
    with pytest.raises(CostcalcError, match="not model="):
        plot(estimate, kind="cumulative", model="alpha")
    _, ax = plt.subplots()
    plot(estimate, kind="monthly", model="alpha", ax=ax)
    bars = sorted((patch.get_x(), patch.get_y(), patch.get_height()) for patch in ax.patches)
    assert [(round(y, 6), round(h, 6)) for _, y, h in bars] == [(0, 1200), (1200, 147), (0, 1200), (1200, 147)]
