"""Inline SVG charts for the HTML report, drawn by hand: no plotting library, no fonts, no scripts.

Every chart is one `<svg class="chart ...">` with a `<title>`, a `<desc>`, `role="img"` and
`aria-labelledby`, a title line, axis titles (units and currency), tick labels, a legend and a fixed
colour-blind-safe palette. Output is deterministic: coordinates are printed with two decimals, series
keep the order they are given in, and nothing depends on the clock or on hashing.

Values come in as numbers already converted to the shown currency (floats are fine here: they only
place pixels; the money a reader reads is in the report's tables, rounded from exact Decimals).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from .chartdata import label_rows

# Okabe-Ito (colour-blind safe), then Tableau tones; cycled beyond that (the legend still names each).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#8C6D31", "#4D4D4D",
           "#B8A200", "#7F3C8D")

_FONT = 12
_CHAR = 0.6 * _FONT  # a rough width per character of the system sans-serif at 12px
_LEGEND_MAX = 36     # legend entries longer than this are cut (the full text is in the entry's <title>)


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _e(text) -> str:
    return escape(str(text), quote=True)


def _n(value: float) -> str:
    """Stable coordinate text: two decimals, no '-0.00'."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]   # one per category (month); None = no value (a gap)
    colour: str


@dataclass(frozen=True)
class Marker:
    position: float   # in category units: 0 = start of the first month, 1.5 = middle of the second
    label: str        # short text drawn at the top of the line
    detail: str = ""  # tooltip / accessible text


@dataclass
class Chart:
    """What every chart kind shares: size, title, axes, the categories (months)."""
    chart_id: str
    kind: str                       # css class: "spend", "cumulative", "per-1k"
    title: str
    x_label: str
    y_label: str
    categories: Sequence[str]
    symbol: str = "$"
    width: int = 480
    height: int = 320
    description: str = ""
    subtitle: str = ""
    extra_classes: Sequence[str] = field(default_factory=tuple)


# -- scales and ticks -----------------------------------------------------------------------------------

def nice_ticks(top: float, count: int = 5) -> list[float]:
    """0 .. a round number >= top in 1-2-2.5-5 steps; [0, 1] for an empty or zero range."""
    if not top or top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= raw:
            break
    step *= power
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def money_full(value: float, symbol: str) -> str:
    """Tooltip money: $1,234.56 (sub-cent values keep four decimals)."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{symbol}{value:,.2f}" if value >= 1 or value == 0 else f"{sign}{symbol}{value:.4f}"


def money_tick(value: float, symbol: str) -> str:
    """A short money label: $0, $250, $1.5k, $12k, $1.2M (the axis title names the currency)."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            scaled = value / size
            text = f"{scaled:.1f}".rstrip("0").rstrip(".") if scaled < 100 else f"{scaled:.0f}"
            return f"{sign}{symbol}{text}{suffix}"
    if value == 0:
        return f"{symbol}0"
    if value < 1:
        return f"{sign}{symbol}{value:.3f}".rstrip("0").rstrip(".")
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{sign}{symbol}{text}"


# -- layout ---------------------------------------------------------------------------------------------

def _legend(entries: Sequence[tuple[str, str, str]], x0: float, y0: float, width: float) -> tuple[str, float]:
    """Swatch + name entries wrapped into rows; returns (svg, height used). entries: (name, colour, shape)."""
    parts = ['<g class="legend">']
    x, y, row_height = x0, y0, 16
    for name, fill, shape in entries:
        shown = name if len(name) <= _LEGEND_MAX else name[:_LEGEND_MAX - 1] + "\u2026"
        item_width = 14 + 4 + len(shown) * _CHAR + 14
        if x > x0 and x + item_width > x0 + width:
            x, y = x0, y + row_height
        parts.append(f'<g class="legend-item"><title>{_e(name)}</title>')
        if shape == "line":
            parts.append(f'<line x1="{_n(x)}" y1="{_n(y + 6)}" x2="{_n(x + 14)}" y2="{_n(y + 6)}" '
                         f'stroke="{fill}" stroke-width="2.5"/>'
                         f'<circle cx="{_n(x + 7)}" cy="{_n(y + 6)}" r="3" fill="{fill}"/>')
        else:
            parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="12" height="12" rx="2" fill="{fill}"/>')
        parts.append(f'<text x="{_n(x + 18)}" y="{_n(y + 10)}" class="legend-label">{_e(shown)}</text></g>')
        x += item_width
    parts.append("</g>")
    return "".join(parts), (y - y0) + row_height


class _Frame:
    """The plot area of a chart: title, legend, axes, gridlines and tick labels; maps data to pixels."""

    def __init__(self, chart: Chart, legend: Sequence[tuple[str, str, str]], top: float):
        self.chart = chart
        self.left, self.right = 64.0, 14.0
        legend_top = 46.0 if chart.subtitle else 30.0
        legend_svg, legend_height = _legend(legend, self.left, legend_top, chart.width - self.left - self.right)
        self.legend_svg = legend_svg
        self.plot_top = legend_top + legend_height + 16.0
        self.plot_bottom = chart.height - 48.0
        self.plot_left = self.left
        self.plot_right = chart.width - self.right
        self.ticks = nice_ticks(top)
        self.top = self.ticks[-1]
        n = max(len(chart.categories), 1)
        self.band = (self.plot_right - self.plot_left) / n

    def y(self, value: float) -> float:
        share = value / self.top if self.top else 0.0
        return self.plot_bottom - share * (self.plot_bottom - self.plot_top)

    def x(self, position: float) -> float:
        """position in category units (0 = left edge of the first category)."""
        return self.plot_left + position * self.band

    def open(self) -> str:
        c = self.chart
        title_id, desc_id = f"{c.chart_id}-title", f"{c.chart_id}-desc"
        classes = " ".join(["chart", f"chart-{c.kind}", *c.extra_classes])
        return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{_e(classes)}" id="{_e(c.chart_id)}" '
                f'role="img" aria-labelledby="{_e(title_id)} {_e(desc_id)}" viewBox="0 0 {c.width} {c.height}" '
                f'width="100%" preserveAspectRatio="xMidYMid meet" font-size="{_FONT}">'
                f'<title id="{_e(title_id)}">{_e(c.title)}</title>'
                f'<desc id="{_e(desc_id)}">{_e(c.description or c.title)}</desc>'
                f'<text class="chart-title" x="{_n(self.left)}" y="18">{_e(c.title)}</text>'
                + (f'<text class="chart-subtitle" x="{_n(self.left)}" y="34">{_e(c.subtitle)}</text>'
                   if c.subtitle else "")
                + self.legend_svg)

    def axes(self) -> str:
        c = self.chart
        parts = ['<g class="axis axis-y">']
        for tick in self.ticks:
            y = self.y(tick)
            parts.append(f'<line class="grid" x1="{_n(self.plot_left)}" y1="{_n(y)}" x2="{_n(self.plot_right)}" '
                         f'y2="{_n(y)}"/>'
                         f'<text class="tick-label" x="{_n(self.plot_left - 6)}" y="{_n(y + 4)}" '
                         f'text-anchor="end">{_e(money_tick(tick, c.symbol))}</text>')
        middle = (self.plot_top + self.plot_bottom) / 2
        parts.append(f'<text class="axis-label axis-label-y" x="14" y="{_n(middle)}" text-anchor="middle" '
                     f'transform="rotate(-90 14 {_n(middle)})">{_e(c.y_label)}</text></g>')
        parts.append('<g class="axis axis-x">')
        parts.append(f'<line class="baseline" x1="{_n(self.plot_left)}" y1="{_n(self.plot_bottom)}" '
                     f'x2="{_n(self.plot_right)}" y2="{_n(self.plot_bottom)}"/>')
        every = max(1, math.ceil(54 / self.band)) if self.band else 1
        for i, category in enumerate(c.categories):
            if i % every:
                continue
            x = self.x(i + 0.5)
            parts.append(f'<text class="tick-label" x="{_n(x)}" y="{_n(self.plot_bottom + 16)}" '
                         f'text-anchor="middle">{_e(category)}</text>')
        parts.append(f'<text class="axis-label axis-label-x" x="{_n((self.plot_left + self.plot_right) / 2)}" '
                     f'y="{_n(c.height - 10)}" text-anchor="middle">{_e(c.x_label)}</text></g>')
        return "".join(parts)


# Price-change labels: 11px bold (see the report's CSS). A generous width per character, so the estimate
# is never narrower than the text a browser draws, and a row height that leaves air between rows.
LABEL_FONT = 11
LABEL_CHAR = 0.64 * LABEL_FONT
LABEL_ROW = 14
_LABEL_GAP = 6   # the least space between two labels on a row
_LABEL_PAD = 4   # between a label and its line


@dataclass(frozen=True)
class _Placed:
    marker: Marker
    x: float       # the line
    left: float    # the label's box, text-anchor start
    text: str      # what is drawn (cut with an ellipsis only when wider than the plot)
    row: int


def label_width(text: str) -> float:
    return len(text) * LABEL_CHAR


def _place_labels(frame: _Frame, markers: Sequence[Marker]) -> list[_Placed]:
    """Each label on a row of the band above the plot, beside its line: right of it when it fits, else
    left of it, else as near as the plot's edges allow; never past the y axis or the chart's right edge,
    never on another label (a row that has no room for it passes it to the next). The rows take at most
    40% of the plot's height: a label that finds no room then is left out (its line, its tooltip and the
    chart's caption still name the change)."""
    low, high = frame.plot_left, frame.plot_right
    max_rows = max(int(0.4 * (frame.plot_bottom - frame.plot_top) / LABEL_ROW), 1)
    ordered = sorted(markers, key=lambda m: m.position)
    shown = []
    for marker in ordered:
        text = marker.label
        if label_width(text) > high - low:
            keep = max(int((high - low) / LABEL_CHAR) - 1, 1)
            text = text[:keep] + "\u2026"
        shown.append(text)
    xs = [frame.x(m.position) for m in ordered]
    spots = label_rows([(x, label_width(t)) for x, t in zip(xs, shown)], low, high, max_rows, _LABEL_PAD,
                       _LABEL_GAP)
    placed = []
    for marker, x, text, spot in zip(ordered, xs, shown, spots):
        # no room: the line alone
        placed.append(_Placed(marker, x, low, "", 0) if spot is None else _Placed(marker, x, spot[1], text, spot[0]))
    return placed


def _reserve_label_band(frame: _Frame, placed: Sequence[_Placed]) -> float:
    """Move the plot down below the labels' rows; returns the band's top."""
    band_top = frame.plot_top
    if placed:
        frame.plot_top += (max(p.row for p in placed) + 1) * LABEL_ROW + 4
    return band_top


def _markers(frame: _Frame, placed: Sequence[_Placed], band_top: float) -> str:
    if not placed:
        return ""
    parts = ['<g class="price-changes">']
    for p in placed:
        baseline = band_top + (p.row + 1) * LABEL_ROW - 3
        top = baseline - LABEL_FONT + 2 if p.text else frame.plot_top
        parts.append(f'<g class="price-change"><title>{_e(p.marker.detail or p.marker.label)}</title>'
                     f'<line class="price-change-line" x1="{_n(p.x)}" y1="{_n(top)}" '
                     f'x2="{_n(p.x)}" y2="{_n(frame.plot_bottom)}"/>'
                     + (f'<text class="price-change-label" x="{_n(p.left)}" y="{_n(baseline)}" '
                        f'text-anchor="start">{_e(p.text)}</text>' if p.text else "") + '</g>')
    parts.append("</g>")
    return "".join(parts)


# -- chart kinds ----------------------------------------------------------------------------------------

def stacked_bars(chart: Chart, series: Sequence[Series], markers: Sequence[Marker] = ()) -> str:
    """One bar per category, stacked by series (profiles), with vertical price-change markers."""
    n = len(chart.categories)
    stack_tops = [sum((s.values[i] or 0.0) for s in series) for i in range(n)]
    top = max(stack_tops, default=0.0)
    frame = _Frame(chart, [(s.name, s.colour, "box") for s in series], top)
    placed = _place_labels(frame, markers)   # their rows go in a band above the plot
    band_top = _reserve_label_band(frame, placed)
    parts = [frame.open(), frame.axes(), '<g class="bars">']
    bar_width = frame.band * 0.68
    base = [0.0] * n
    for s in series:
        parts.append(f'<g class="series" fill="{s.colour}"><title>{_e(s.name)}</title>')
        for i, value in enumerate(s.values):
            if not value:
                continue
            y_top, y_bottom = frame.y(base[i] + value), frame.y(base[i])
            base[i] += value
            x = frame.x(i + 0.5) - bar_width / 2
            parts.append(f'<rect class="bar" x="{_n(x)}" y="{_n(y_top)}" width="{_n(bar_width)}" '
                         f'height="{_n(max(y_bottom - y_top, 0.0))}"><title>{_e(s.name)}, '
                         f'{_e(chart.categories[i])}: {_e(money_full(value, chart.symbol))}</title></rect>')
        parts.append("</g>")
    parts.append("</g>")
    parts.append(_markers(frame, placed, band_top))
    parts.append("</svg>")
    return "".join(parts)


def lines(chart: Chart, series: Sequence[Series]) -> str:
    """One line per series over the categories, a dot per value; None values break the line."""
    top = max((v for s in series for v in s.values if v is not None), default=0.0)
    frame = _Frame(chart, [(s.name, s.colour, "line") for s in series], top)
    parts = [frame.open(), frame.axes(), '<g class="lines">']
    for s in series:
        parts.append(f'<g class="series"><title>{_e(s.name)}</title>')
        runs: list[list[tuple[float, float]]] = []
        run: list[tuple[float, float]] = []
        for i, value in enumerate(s.values):
            if value is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append((frame.x(i + 0.5), frame.y(value)))
        if run:
            runs.append(run)
        for points in runs:
            if len(points) > 1:
                path = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
                parts.append(f'<polyline class="line" points="{path}" fill="none" stroke="{s.colour}" '
                             f'stroke-width="2"/>')
        for i, value in enumerate(s.values):
            if value is None:
                continue
            parts.append(f'<circle class="point" cx="{_n(frame.x(i + 0.5))}" cy="{_n(frame.y(value))}" r="2.8" '
                         f'fill="{s.colour}"><title>{_e(s.name)}, {_e(chart.categories[i])}: '
                         f'{_e(money_full(value, chart.symbol))}</title></circle>')
        parts.append("</g>")
    parts.append("</g></svg>")
    return "".join(parts)
