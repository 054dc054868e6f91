"""Price-change labels are never clipped and never overlap the axis or each other, in the HTML report's SVG
charts and in the matplotlib PNG/SVG charts, on the case that crowds them most: DeepSeek V4-Pro in spring
2026 (pricing.yaml: launched 2026-04-24; the 75% promotion from 2026-04-25 16:57 UTC; its cache-hit price
cut 2026-04-26 12:15 UTC; its end 2026-05-31 16:00 UTC; peak/off-peak from 2026-08-16 16:00 UTC), drawn at
several widths."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

import costcalc
from costcalc.report import svg
from costcalc.report.document import to_document
from costcalc.report.chartdata import price_changes
from costcalc.report.html import render_html
from costcalc.report.plandoc import horizon as _month_range

SVG = "{http://www.w3.org/2000/svg}"
WORKLOADS = """schema_version: 1
profiles:
  chat:
    requests_per_day: 10000
    input_tokens: 2000
    output_tokens: 300
    cache_hit_rate: 0.5
    models: [deepseek-v4-pro, deepseek-v4-flash]
  batch-jobs:
    requests_per_day: 2000
    input_tokens: 8000
    output_tokens: 1000
    models: [deepseek-v4-pro]
"""


@pytest.fixture(scope="module")
def spring():
    """April to September 2026 (six months)."""
    return to_document(costcalc.estimate(WORKLOADS, start="2026-04", months=6))


def test_the_spring_changes_are_each_marked_at_their_instant(spring):
    months = _month_range(spring["meta"], spring["rows"])
    pro = price_changes(spring["rows"], months)["deepseek-v4-pro"]
    assert [(m["at"], m["label"]) for m in pro] == [
        ("2026-04-25T16:57:00Z", "promo"),
        ("2026-04-26T12:15:00Z", "promo re-priced"),     # the cache-hit cut: same rule, new rates
        ("2026-05-31T16:00:00Z", "promo ends"),
        ("2026-08-16T16:00:00Z", "off-peak, peak"),      # the peak windows start the next day: one change
    ]
    # April 25 16:57 is (24 days + 16 h 57 min) / 30 days into April, month 0
    assert pro[0]["position"] == pytest.approx((24 * 1440 + 16 * 60 + 57) / (30 * 1440))


# -- SVG (the HTML report) ------------------------------------------------------------------------------

def label_boxes(chart: ET.Element) -> list[tuple[float, float, float, float, str]]:
    """(left, top, right, bottom, text) of every price-change label: from its position, its anchor and the
    estimated width of its text (11px bold: 0.64 x 11 px a character), ascent 11px, descent 3px."""
    boxes = []
    for text in chart.iter(f"{SVG}text"):
        if "price-change-label" not in text.get("class", ""):
            continue
        x, y, label = float(text.get("x")), float(text.get("y")), text.text or ""
        width = len(label) * 0.64 * 11
        anchor = text.get("text-anchor", "start")
        left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
        boxes.append((left, y - 11, left + width, y + 3, label))
    return boxes


def plot_area(chart: ET.Element) -> tuple[float, float, float]:
    """(y axis x, right end of the plot, baseline y) from the x axis' baseline."""
    base = next(e for e in chart.iter(f"{SVG}line") if e.get("class") == "baseline")
    return float(base.get("x1")), float(base.get("x2")), float(base.get("y1"))


def other_text_boxes(chart: ET.Element) -> list[tuple[float, float, float, float]]:
    """The title, legend and y tick labels (11-13px, 0.6 em a character)."""
    boxes = []
    for text in chart.iter(f"{SVG}text"):
        cls = text.get("class", "")
        if cls in ("chart-title", "chart-subtitle", "legend-label") or (cls == "tick-label"
                                                                         and text.get("text-anchor") == "end"):
            x, y, width = float(text.get("x")), float(text.get("y")), len(text.text or "") * 0.6 * 13
            left = x - width if text.get("text-anchor") == "end" else x
            boxes.append((left, y - 13, left + width, y + 3))
    return boxes


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def assert_labels_laid_out(chart: ET.Element, width: float, height: float, count: int) -> None:
    boxes = label_boxes(chart)
    assert len(boxes) == count
    axis, right, baseline = plot_area(chart)
    for left, top, end, bottom, label in boxes:
        assert left >= 0 and end <= width and top >= 0 and bottom <= height, (label, width)  # not clipped
        assert left >= axis and end <= right and bottom <= baseline, (label, width)          # not on an axis
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not overlap(a, b), (a, b, width)
        for other in other_text_boxes(chart):
            assert not overlap(a, other), (a, other, width)


@pytest.mark.parametrize("width", [240, 320, 480, 720, 960])
def test_svg_labels_fit_and_never_overlap(spring, width):
    months = _month_range(spring["meta"], spring["rows"])
    markers = [svg.Marker(m["position"], m["label"], m["detail"])
               for m in price_changes(spring["rows"], months)["deepseek-v4-pro"]]
    series = [svg.Series("chat", [100.0, 120.0, 130.0, 130.0, 150.0, 160.0], svg.colour(0)),
              svg.Series("batch-jobs", [50.0, 60.0, 60.0, 60.0, 70.0, 80.0], svg.colour(1))]
    chart = svg.Chart(chart_id="t", kind="spend", title="deepseek-v4-pro: spend per month", x_label="Month (UTC)",
                      y_label="Spend per month, USD ($)", categories=months, width=width, height=320)
    element = ET.fromstring(svg.stacked_bars(chart, series, markers))
    assert_labels_laid_out(element, width, 320, count=4)
    # 04-25 and 04-26 are less than a pixel apart at any of these widths: their labels take two rows
    rows = {label: top for _, top, _, _, label in label_boxes(element)}
    assert rows["promo"] != rows["promo re-priced"]
    # the bars stay below the labels
    bar_tops = [float(r.get("y")) for r in element.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert min(bar_tops) >= max(bottom for _, _, _, bottom, _ in label_boxes(element))


def test_a_label_wider_than_the_plot_is_cut_and_whole_in_its_tooltip():
    long = "deepseek-flash:off-peak, deepseek-flash:peak, list+long-context+batch"
    chart = svg.Chart(chart_id="t", kind="spend", title="t", x_label="Month (UTC)", y_label="USD",
                      categories=["2026-09", "2026-10"], width=240, height=320)
    element = ET.fromstring(svg.stacked_bars(chart, [svg.Series("a", [1.0, 2.0], svg.colour(0))],
                                             [svg.Marker(0.3, long, f"x: {long} from 2026-09-10 04:00 UTC")]))
    assert_labels_laid_out(element, 240, 320, count=1)
    (_, _, _, _, shown), = label_boxes(element)
    assert shown.endswith("\u2026") and long.startswith(shown[:-1])
    assert long in element.find(f".//{SVG}g[@class='price-change']/{SVG}title").text


def test_html_report_labels_fit(spring):
    html = render_html(spring)
    spend = [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)
             if 'class="chart chart-spend"' in m]
    counts = {"deepseek-v4-pro": 4, "deepseek-v4-flash": 3}   # flash: its cut, peak/off-peak, its routing
    for chart in spend:
        model = chart.find(f"{SVG}title").text.split(":")[0]
        width, height = (float(v) for v in chart.get("viewBox").split()[2:])
        assert_labels_laid_out(chart, width, height, counts[model])


# -- matplotlib (PNG and SVG files, notebooks) ---------------------------------------------------------

matplotlib = pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")


def mpl_label_boxes(figure):
    """Pixel extents of the price-change labels (gid costcalc-price-change), from matplotlib's renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(figure.canvas, FigureCanvasAgg):
        FigureCanvasAgg(figure)
    figure.canvas.draw()   # a real draw: the layout and the text extents are the ones saved
    renderer = figure.canvas.get_renderer()
    return [(t, t.get_window_extent(renderer)) for ax in figure.axes for t in ax.texts
            if t.get_gid() == "costcalc-price-change" and t.get_visible()]


def assert_mpl_labels_laid_out(figure, count: int) -> None:
    labels = mpl_label_boxes(figure)
    assert len(labels) == count
    fig_box = figure.bbox
    for text, box in labels:
        ax_box = text.axes.get_window_extent()
        assert fig_box.x0 <= box.x0 and box.x1 <= fig_box.x1 and fig_box.y0 <= box.y0 and box.y1 <= fig_box.y1
        # inside the axes: right of the y axis, above the x axis, below the top
        assert ax_box.x0 <= box.x0 and box.x1 <= ax_box.x1 and ax_box.y0 <= box.y0 and box.y1 <= ax_box.y1, \
            (text.get_text(), box, ax_box)
    legends = [ax.get_legend().get_window_extent() for ax in figure.axes if ax.get_legend()]
    legends += [legend.get_window_extent() for legend in figure.legends]
    for i, (a_text, a) in enumerate(labels):
        assert not any(a.overlaps(legend) for legend in legends), a_text.get_text()
        for b_text, b in labels[i + 1:]:
            assert a_text.axes is not b_text.axes or not a.overlaps(b), (a_text.get_text(), b_text.get_text())


@pytest.mark.slow
@pytest.mark.parametrize("inches", [3.5, 5, 7, 10])
def test_png_labels_fit_and_never_overlap(spring, inches, tmp_path):
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from costcalc.plot import plot

    figure = Figure(figsize=(inches, 4), layout="constrained")
    ax = figure.add_subplot()
    plot(spring, kind="monthly", model="deepseek-v4-pro", ax=ax)
    assert_mpl_labels_laid_out(figure, count=4)
    texts = [t.get_text() for t, _ in mpl_label_boxes(figure)]
    assert sorted(texts) == sorted(["promo", "promo re-priced", "promo ends", "off-peak, peak"])
    figure.savefig(tmp_path / "chart.png")
    assert_mpl_labels_laid_out(figure, count=4)  # saving keeps them in place


def test_saved_panels_labels_fit(spring, tmp_path):
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from costcalc.plot import _draw_monthly_panels, _monthly_size

    figure = Figure(figsize=_monthly_size(2), layout="constrained")
    _draw_monthly_panels(figure, spring, "expected", None, None, None)
    assert_mpl_labels_laid_out(figure, count=4 + 3)


def test_more_changes_than_rows_leave_labels_out_never_overlapping():
    """Twenty changes in one month of a small chart: the label rows take at most 40% of the plot; the
    labels that find no room are left out, every change keeps its line and tooltip."""
    markers = [svg.Marker(0.02 + i * 0.01, f"rule-{i} re-priced", f"x: rule-{i} at new rates") for i in range(20)]
    chart = svg.Chart(chart_id="t", kind="spend", title="t", x_label="Month (UTC)", y_label="USD",
                      categories=["2026-04", "2026-05"], width=320, height=320)
    element = ET.fromstring(svg.stacked_bars(chart, [svg.Series("a", [1.0, 2.0], svg.colour(0))], markers))
    lines = [e for e in element.iter(f"{SVG}line") if e.get("class") == "price-change-line"]
    assert len(lines) == 20
    boxes = label_boxes(element)
    assert 1 <= len(boxes) < 20
    assert_labels_laid_out(element, 320, 320, count=len(boxes))
    _, _, baseline = plot_area(element)
    band = max(bottom for *_, bottom, _ in boxes) - min(top for _, top, *_ in boxes)
    assert band < baseline - max(bottom for *_, bottom, _ in boxes)   # the bars keep more room than the labels


def test_png_more_changes_than_rows_hide_labels_never_overlapping(spring):
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from costcalc.plot import _colors, _Data, _lay_out_change_labels, _monthly_bars

    data = _Data(spring, "expected", None, "deepseek-v4-pro")
    changes = {"deepseek-v4-pro": [{"position": 0.02 + i * 0.01, "label": f"rule-{i} re-priced"}
                                   for i in range(20)]}
    figure = Figure(figsize=(4, 3), layout="constrained")
    ax = figure.add_subplot()
    _monthly_bars(ax, data, "deepseek-v4-pro", _colors(data.profiles), changes, legend=False)
    _lay_out_change_labels(figure)
    shown = len(mpl_label_boxes(figure))
    assert 1 <= shown < 20
    assert_mpl_labels_laid_out(figure, count=shown)
