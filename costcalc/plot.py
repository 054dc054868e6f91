"""Charts of an estimate with matplotlib: for a notebook (`costcalc.plot(df)`) and as PNG/SVG files
(`save_charts(document, folder)`).

    costcalc.plot(df)                              # monthly spend, one panel per model, stacked by profile
    costcalc.plot(df, kind="cumulative")           # cumulative spend per plan (one model per profile)
    costcalc.plot(df, kind="per_1k_requests")      # cost per 1,000 requests: a panel per profile
    costcalc.plot(df, kind="tornado")              # each profile/model's range (low..high cases)
    costcalc.plot(df, kind="monthly", model="gpt-5.5", ax=ax)   # one model on your own Axes

Charts are drawn from the estimate document (`report/document.py`): its comparisons (each profile's
alternatives per case and month, with cost per 1,000 requests) and its plans (totals across profiles),
never from sums made here, so a saved JSON estimate charts the same as the DataFrame it came from and
the same figures as the HTML report. Money is shown in the document's currency (`ShownCurrency`: USD x the
fixed rate); ranges use the expected case unless `case=` says otherwise. The instants a model's price
changes are marked on the monthly chart, the same markers as the HTML report's
(`report.chartdata.price_changes`).

matplotlib is an optional dependency: `pip install 'costcalc[plot]'`. Saved files are reproducible:
the SVG id salt is fixed and no date is written, so the same document gives the same bytes.

One module (about 600 lines) with one job, drawing the document's charts with matplotlib: the chart
kinds share the document reader (`_Data`), style, colours, money ticks and the price-change labels'
layout, and `costcalc.plot` is this module made callable (`_CallableModule`, at the end). The data each
chart shows is computed elsewhere (`report/chartdata.py`, `report/plandoc.py`), as for the SVG charts.
"""

from __future__ import annotations

import math
import sys
import types
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import cast

from .errors import CostcalcError
from .report.chartdata import label_rows, price_changes
from .report.plandoc import horizon
from .report.document import check, upgrade
from .report.document import to_document
from .report.shown_currency import ShownCurrency

EXTRA = "pip install 'costcalc[plot]'"
KINDS = ("monthly", "cumulative", "per_1k_requests", "tornado")
CHART_FILES = {"monthly": "monthly-spend", "cumulative": "cumulative-spend",
               "per_1k_requests": "cost-per-1k-requests", "tornado": "ranges-tornado"}
_STYLE = {"font.size": 10, "axes.titlesize": 12, "axes.labelsize": 10, "xtick.labelsize": 8,
          "ytick.labelsize": 9, "legend.fontsize": 9, "figure.titlesize": 13, "axes.grid": True,
          "grid.alpha": 0.3, "axes.axisbelow": True}
_SAVE_STYLE = {**_STYLE, "svg.hashsalt": "costcalc", "svg.fonttype": "none", "savefig.dpi": 150,
               "path.simplify": True}
_LABEL_MAX = 40


def _matplotlib():
    try:
        import matplotlib
    except ImportError:
        raise CostcalcError(f"charts need matplotlib, which is not installed: {EXTRA}") from None
    return matplotlib


# -- public ----------------------------------------------------------------------------------------------

def plot(estimate, kind: str = "monthly", ax=None, *, case: str = "expected", profile: str | None = None,
         model: str | None = None, title: str | None = None):
    """Draw one chart of an estimate (its DataFrame, or its document dict).

    Returns the Axes drawn on; for kind="monthly" with several models and no `ax`, a Figure with one
    panel per model (pass `model=` to draw one model on your own `ax`); for kind="per_1k_requests" with
    several profiles and no `ax`, a Figure with one panel per profile, each profile's models on its own
    requests (pass `profile=` to draw one profile on your own `ax`). `profile=` keeps one profile,
    `case=` picks "expected", "low" or "high" where the estimate has ranges."""
    if kind not in KINDS:
        raise CostcalcError(f"kind: {kind!r}: one of {', '.join(KINDS)}")
    _matplotlib()
    if _is_sensitivity(estimate):  # costcalc.sensitivity(): the tornado of its inputs
        if kind != "tornado":
            raise CostcalcError("a sensitivity table draws only kind='tornado'")
        with _style(_STYLE):
            if ax is None:
                import matplotlib.pyplot as plt

                _, ax = plt.subplots(figsize=(9, 1.4 + 0.6 * max(len(estimate), 1)), layout="constrained")
            _draw_sensitivity(ax, estimate, title)
        return ax
    document = _document(estimate)
    with _style(_STYLE):
        if ax is None:
            import matplotlib.pyplot as plt

            if kind == "monthly":
                models = _Data(document, case, profile, model).models
                if len(models) > 1:
                    figure = plt.figure(figsize=_monthly_size(len(models)), layout="constrained")
                    _draw_monthly_panels(figure, document, case, profile, model, title)
                    return figure
            if kind == "per_1k_requests":
                profiles = _Data(document, case, profile, model).request_profiles
                if len(profiles) > 1:
                    figure = plt.figure(figsize=_monthly_size(len(profiles)), layout="constrained")
                    _draw_per_1k_panels(figure, document, case, profile, model, title)
                    return figure
            _, ax = plt.subplots(figsize=(9, 5), layout="constrained")
        _DRAW[kind](ax, document, case, profile, model, title)
    return ax


def save_charts(document: dict, folder, formats=("png", "svg"), *, case: str = "expected") -> list[Path]:
    """Write the charts of an estimate document into `folder` (created if missing), one file per chart
    and format: monthly-spend, cumulative-spend, cost-per-1k-requests (a panel per profile), and
    ranges-tornado when the estimate has ranges. Returns the paths written, in that order."""
    _matplotlib()
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global figure state (Agg)

    document = _document(document)
    bad = [f for f in formats if f not in ("png", "svg", "pdf")]
    if bad:
        raise CostcalcError(f"formats: {', '.join(map(repr, bad))}: png, svg or pdf")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = _Data(document, case, None, None)
    kinds = ["monthly", "cumulative", "per_1k_requests"] + (["tornado"] if data.has_ranges else [])
    written = []
    with _style(_SAVE_STYLE):
        for kind in kinds:
            if kind == "monthly" and len(data.models) > 1:
                figure = Figure(figsize=_monthly_size(len(data.models)), layout="constrained")
                _draw_monthly_panels(figure, document, case, None, None, None)
            elif kind == "per_1k_requests" and len(data.request_profiles) > 1:
                figure = Figure(figsize=_monthly_size(len(data.request_profiles)), layout="constrained")
                _draw_per_1k_panels(figure, document, case, None, None, None)
            else:
                figure = Figure(figsize=(9, 5), layout="constrained")
                _DRAW[kind](figure.add_subplot(), document, case, None, None, None)
            for fmt in formats:
                path = folder / f"{CHART_FILES[kind]}.{fmt}"
                metadata = {"Date": None} if fmt in ("svg", "pdf") else {}
                if fmt == "pdf":
                    metadata["CreationDate"] = None
                    metadata.pop("Date")
                figure.savefig(path, format=fmt, metadata=metadata)
                written.append(path)
    return written


# -- data ------------------------------------------------------------------------------------------------

def _document(estimate) -> dict:
    if isinstance(estimate, dict):
        check(estimate)
        # its derived sections (plans, comparisons) again from its rows and meta, as a saved one loads:
        # a dict edited in a notebook (another currency, say) charts what it now says
        return cast(dict, upgrade(estimate))

    return cast(dict, to_document(estimate))  # the EstimateDocument TypedDict, read here as a plain dict


def _rows(document: dict, case: str):
    rows = document["rows"]
    has_case = any("case" in row for row in rows[:1])
    return [r for r in rows if not has_case or r.get("case") == case]


class _Data:
    """The document's figures for charts, in the shown currency, as read from its comparisons (each
    profile's alternatives per case, month by month, computed once with the document): nothing is
    added up here."""

    def __init__(self, document: dict, case: str, profile: str | None, model: str | None):
        self.shown = ShownCurrency(document["meta"])
        compared = document["comparisons"]
        every = [p["profile"] for p in compared["profiles"]]
        cases = sorted({c["case"] for p in compared["profiles"] for c in p["cases"]}) or ["expected"]
        self.has_ranges = any(c != "expected" for c in cases)
        if case not in cases:
            raise CostcalcError(f"case: {case!r}: this estimate has {', '.join(cases)}")
        self.case, self.cases = case, cases
        if profile is not None and profile not in every:
            raise CostcalcError(f"profile: {profile!r}: no cost lines (profiles: {', '.join(sorted(every))})")
        picked = [(p["profile"], m) for p in compared["profiles"] if profile is None or p["profile"] == profile
                  for c in p["cases"] if c["case"] == case for m in c["models"]
                  if model is None or m["model"] == model]
        if model is not None and not picked:
            listed = sorted({m["model"] for p in compared["profiles"] for c in p["cases"] for m in c["models"]})
            raise CostcalcError(f"model: {model!r}: no cost lines (models: {', '.join(listed)})")
        self.profile = profile
        self.months = list(compared["months"])
        # models in the order the cost lines list them (the HTML report's colours and panels)
        order = {name: i for i, name in enumerate(dict.fromkeys(str(r["model"]) for r in document["rows"]))}
        self.models = sorted(dict.fromkeys(m["model"] for _, m in picked), key=lambda n: order.get(n, len(order)))
        self.profiles = list(dict.fromkeys(p for p, _ in picked))
        # (model, month, profile) -> shown cost; (profile, model, month) -> requests, cost per 1,000 requests
        self.cost = {(m["model"], c["month"], p): Decimal(c["cost"]) for p, m in picked for c in m["months"]}
        self.requests = {(p, m["model"], c["month"]): Decimal(c["requests"]) for p, m in picked for c in m["months"]
                         if Decimal(c["requests"])}
        self.per_1k = {(p, m["model"], c["month"]): Decimal(c["cost_per_1k"]["cost"]) for p, m in picked
                       for c in m["months"] if c["cost_per_1k"] is not None}
        self.totals = {(p, m["model"]): Decimal(m["total"]["cost"]) for p, m in picked}
        self.request_profiles = list(dict.fromkeys(p for p, _, _ in self.requests))


def _esc(text) -> str:
    """Label text as plain text: `$` would start matplotlib mathtext; long names are shortened."""
    text = str(text)
    if len(text) > _LABEL_MAX:
        text = text[:_LABEL_MAX - 1] + "\u2026"
    return text.replace("$", r"\$")


def _money_label(shown, what: str) -> str:
    return _esc(f"{what} ({shown.code}, {shown.symbol})")


def _money_ticks(ax, shown, places: int | None = None) -> None:
    from matplotlib.ticker import FuncFormatter

    symbol = shown.symbol

    def text(value, _pos):
        low, high = ax.get_ylim() if ax.yaxis is not None else (0, 0)
        digits = places if places is not None else (2 if max(abs(low), abs(high)) < 100 else 0)
        sign = "-" if value < 0 else ""
        return _esc(f"{sign}{symbol}{abs(value):,.{digits}f}")

    ax.yaxis.set_major_formatter(FuncFormatter(text))


def _scope(data: _Data) -> str:
    bits = []
    if data.profile:
        bits.append(f"profile {data.profile}")
    if data.has_ranges:
        bits.append(f"{data.case} case")
    return f" ({', '.join(bits)})" if bits else ""


def _month_axis(ax, months: list[str]) -> None:
    ax.set_xticks(range(len(months)))
    ax.set_xticklabels([_esc(m) for m in months], rotation=60 if len(months) > 6 else 0,
                       ha="right" if len(months) > 6 else "center")
    ax.set_xlabel("Month (UTC)")


@contextmanager
def _style(rc: dict):
    """rcParams for the duration, restoring only these keys afterwards: matplotlib.rc_context would
    restore every key, and so undo the interactive mode IPython's inline backend turns on when it
    creates its first figure (no later figure would be shown in the notebook)."""
    import matplotlib

    saved = {key: matplotlib.rcParams[key] for key in rc}
    matplotlib.rcParams.update(rc)
    try:
        yield
    finally:
        matplotlib.rcParams.update(saved)


def _colors(names: list[str]) -> dict:
    import matplotlib

    palette = matplotlib.colormaps["tab10" if len(names) <= 10 else "tab20"]
    return {name: palette(i % palette.N) for i, name in enumerate(names)}


# -- charts ----------------------------------------------------------------------------------------------

def _monthly_size(panels: int) -> tuple[float, float]:
    columns = min(3, panels)
    return (4.8 * columns + 1.0, 3.4 * math.ceil(panels / columns) + 1.2)


def _draw_monthly_panels(figure, document, case, profile, model, title) -> None:
    data = _Data(document, case, profile, model)
    columns = min(3, len(data.models))
    rows = math.ceil(len(data.models) / columns)
    colors = _colors(data.profiles)
    changes = _change_markers(document, case, data.months)
    axes = figure.subplots(rows, columns, squeeze=False)
    for index, name in enumerate(data.models):
        ax = axes[index // columns][index % columns]
        _monthly_bars(ax, data, name, colors, changes, legend=False)
        ax.set_title(_esc(name))
        if index % columns:
            ax.set_ylabel("")
    for extra in range(len(data.models), rows * columns):
        axes[extra // columns][extra % columns].set_visible(False)
    figure.suptitle(_esc(title) if title else
                    f"Monthly spend per model, stacked by profile{_esc(_scope(data))}")
    handles, labels = _legend_entries(data.profiles, colors, any(m in changes for m in data.models))
    figure.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 6),
                  title="Profile")
    _lay_out_change_labels(figure)


def _legend_entries(profiles, colors, with_change: bool):
    from matplotlib.artist import Artist
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Artist] = [Patch(facecolor=colors[p], label=_esc(p)) for p in profiles]
    if with_change:
        handles.append(Line2D([0], [0], color="0.25", linestyle="--", linewidth=1, label="price rule change"))
    return handles, [h.get_label() for h in handles]


def _monthly_bars(ax, data: _Data, model: str, colors: dict, changes: dict[str, list[dict]],
                  legend: bool = True) -> None:
    months = data.months
    bottom = [0.0] * len(months)
    for name in data.profiles:
        heights = [float(data.cost.get((model, month, name), 0)) for month in months]
        if not any(heights):
            continue
        ax.bar(range(len(months)), heights, bottom=bottom, color=colors[name], label=_esc(name), width=0.8)
        bottom = [b + h for b, h in zip(bottom, heights)]
    marked = False
    for change in changes.get(model, []):
        x = change["position"] - 0.5   # position 0 = the first month's start; its bar is centred on 0
        ax.axvline(x, color="0.25", linestyle="--", linewidth=1, zorder=3)
        # placed by _lay_out_change_labels once the figure's layout is known
        label = ax.text(x, 1.0, _esc(change["label"]), transform=ax.get_xaxis_transform(), fontsize=7,
                        color="0.2", gid=_CHANGE_GID, in_layout=False, zorder=4,
                        bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 1})
        label._costcalc_at = (x, label.get_text())   # its line's x (data) and full text, for the layout
        marked = True
    _month_axis(ax, months)
    ax.set_ylabel(_money_label(data.shown, "Spend per month"))
    _money_ticks(ax, data.shown)
    ax.set_xlim(-0.6, len(months) - 0.4)
    if legend:
        handles, labels = _legend_entries([p for p in data.profiles
                                           if any((model, m, p) in data.cost for m in months)], colors, marked)
        # beside the axes, not in them: the price-change labels have the top of the plot
        ax.legend(handles, labels, title="Profile", loc="upper left", bbox_to_anchor=(1.01, 1), frameon=True,
                  borderaxespad=0)


def _draw_monthly(ax, document, case, profile, model, title) -> None:
    data = _Data(document, case, profile, model)
    if len(data.models) > 1:
        raise CostcalcError(f"a monthly chart on one Axes shows one model: pass model= (one of "
                            f"{', '.join(data.models)}), or no ax= for a panel per model")
    if not data.models:
        raise CostcalcError("no cost lines to chart")
    name = data.models[0]
    _monthly_bars(ax, data, name, _colors(data.profiles), _change_markers(document, case, data.months))
    ax.set_title(_esc(title) if title else f"Monthly spend on {_esc(name)}, stacked by profile"
                 f"{_esc(_scope(data))}")
    _lay_out_change_labels(ax.figure)


_CHANGE_GID = "costcalc-price-change"
_LABEL_PAD_PX = 3    # between a label and its line, and from the axes' edges
_LABEL_GAP_PX = 5    # between two labels on a row


def _change_markers(document: dict, case: str, months: list[str]) -> dict[str, list[dict]]:
    """The instants a model's price changes (the HTML report's markers, the same rows): per model,
    [{position (months from the first month's start), label, detail, ...}]."""
    if case == "expected" and "price_changes" in document \
            and months == horizon(document.get("meta") or {}, document.get("rows") or []):
        return document["price_changes"]  # the document's own markers (the HTML report draws the same)
    rows = [{**r, "case": "expected"} for r in _rows(document, case)]
    return price_changes(rows, months)


def _lay_out_change_labels(figure) -> None:
    """Put each price-change label on a row at the top of its axes, beside its line (right of it when it
    fits, else left, else as near as the axes' edges allow), never outside the axes and never on another
    label; raise the y limit so the bars stay below the rows. Needs the figure's layout, so it lays the
    figure out first (draw_without_rendering) and repeats until the axes stop moving: the new y limit can
    change the tick labels' width and so the layout."""
    axes = [ax for ax in figure.axes if any(t.get_gid() == _CHANGE_GID for t in ax.texts)]
    if not axes:
        return
    for ax in axes:
        top = max(ax.dataLim.y1, 0) or 1.0
        ax.set_ylim(0, top * 1.02)
    previous = None
    for _ in range(4):
        figure.draw_without_rendering()
        boxes = [tuple(ax.get_window_extent().bounds) for ax in axes]
        if boxes == previous:
            break
        previous = boxes
        for ax in axes:
            _place_labels_on(ax)


def _place_labels_on(ax) -> None:
    box = ax.get_window_extent()
    texts = sorted((t for t in ax.texts if t.get_gid() == _CHANGE_GID), key=lambda t: t._costcalc_at[0])
    if not texts:
        return
    low, high = box.x0 + _LABEL_PAD_PX, box.x1 - _LABEL_PAD_PX
    sized = []
    for text in texts:
        at, full = text._costcalc_at
        text.set_text(full)
        text.set_visible(True)
        text.set_horizontalalignment("left")
        width = text.get_window_extent().width
        keep = len(full)
        while width > high - low and keep > 1:   # wider than the axes: cut, the line is still marked
            keep -= 1
            text.set_text(full[:keep] + "\u2026")
            width = text.get_window_extent().width
        sized.append((text, ax.transData.transform((at, 0))[0], width, text.get_window_extent().height))
    row_height = max(h for *_, h in sized) + 2
    max_rows = max(int(0.4 * box.height / row_height), 1)   # the bars keep 60% of the height
    spots = label_rows([(x, width) for _t, x, width, _h in sized], low, high, max_rows, _LABEL_PAD_PX,
                       _LABEL_GAP_PX)
    for (text, _x, _width, _h), spot in zip(sized, spots):
        if spot is None:
            text.set_visible(False)   # no room: the dashed line alone marks the change
            continue
        row, left = spot
        # axes-fraction coordinates: the label's top-left corner, `row` rows below the axes' top
        text.set_transform(ax.transAxes)
        text.set_verticalalignment("top")
        text.set_position(((left - box.x0) / box.width, 1 - (_LABEL_PAD_PX + 1 + row * row_height) / box.height))
    used_rows = max((spot[0] + 1 for spot in spots if spot is not None), default=0)
    band = used_rows * row_height + 2 * _LABEL_PAD_PX
    top = max(ax.dataLim.y1, 0) or 1.0
    ax.set_ylim(0, top * box.height / (box.height - band))


def _draw_cumulative(ax, document, case, profile, model, title) -> None:
    """Each plan's spend summed from the first month (the document's plan totals, as the HTML report
    draws them): a model's spend over the profiles that list it is nothing a company would pay, so no
    line adds alternatives up. With profile=, each plan's line for that profile alone."""
    data = _Data(document, case, profile, model)  # checks case= and profile=
    if model is not None:
        raise CostcalcError("a cumulative chart draws plans (one model per profile): pass profile=, not model=")
    if case != "expected":
        raise CostcalcError(f"case: {case!r}: plans are priced on the expected case; a cumulative chart "
                            f"draws it only")
    plans = document.get("plans") or []
    colors = _colors([p["name"] for p in plans])
    months = [m["month"] for m in plans[0]["months"]] if plans else []
    ends = []
    for plan in plans:
        if profile is None:
            cells = plan["months"]
            label = f"plan {plan['name']}"
        else:
            chosen = next(p for p in plan["profiles"] if p["profile"] == profile)
            cells, label = chosen["months"], f"plan {plan['name']} ({chosen['model']})"
        running, values = Decimal(0), []
        for cell in cells:
            running += Decimal(cell["cost"])
            values.append(float(running))
        ax.plot(range(len(months)), values, marker="o", markersize=3, color=colors[plan["name"]],
                label=_esc(label))
        ends.append((values[-1] if values else 0.0, plan["name"]))
    top = max((v for v, _ in ends), default=0) or 1
    placed: list[float] = []
    for value, name in sorted(ends, reverse=True):
        if any(abs(value - other) < 0.04 * top for other in placed):
            continue  # too close to a label already placed; the legend still names the line
        placed.append(value)
        ax.annotate(_esc(f"{data.shown.symbol}{value:,.0f}"), xy=(len(months) - 1, value),
                    xytext=(4, 0), textcoords="offset points", fontsize=8, va="center", color=colors[name])
    _month_axis(ax, months)
    ax.set_xlim(-0.3, len(months) - 0.3 + 0.12 * len(months))
    ax.set_ylabel(_money_label(data.shown, "Cumulative spend"))
    _money_ticks(ax, data.shown)
    ax.set_title(_esc(title) if title else f"Cumulative spend per plan{_esc(_scope(data))}")
    ax.legend(title="Plan", loc="upper left")


def _per_1k_lines(ax, data: _Data, profile: str, colors: dict) -> None:
    """One line per model `profile` lists: its cost of 1,000 of the profile's requests per month. Per
    profile, never over several: a model's figure averaged over different workloads compares nothing."""
    seen: list[float] = []
    for name in data.models:
        xs, ys = [], []
        for i, month in enumerate(data.months):
            per_1k = data.per_1k.get((profile, name, month))  # None: no requests that month
            if per_1k is not None:
                xs.append(i)
                ys.append(float(per_1k))
        if xs:
            ax.plot(xs, ys, marker="o", markersize=3, color=colors[name], label=_esc(name))
            seen += ys
    _month_axis(ax, data.months)
    ax.set_xlim(-0.5, len(data.months) - 0.5)
    positive = [y for y in seen if y > 0]
    log = bool(positive) and max(positive) / min(positive) > 50
    if log:
        from matplotlib.ticker import NullFormatter

        ax.set_yscale("log")  # models differ by orders of magnitude per request
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylabel(_money_label(data.shown, "Cost per 1,000 requests") + (", log scale" if log else ""))
    _money_ticks(ax, data.shown, places=2)


def _per_1k_data(document, case, profile, model) -> _Data:
    data = _Data(document, case, profile, model)
    if not data.requests:
        raise CostcalcError("this estimate carries no request counts (meta.requests): "
                            "cost per 1,000 requests cannot be charted")
    return data


def _draw_per_1k(ax, document, case, profile, model, title) -> None:
    data = _per_1k_data(document, case, profile, model)
    if len(data.request_profiles) > 1:
        raise CostcalcError(f"cost per 1,000 requests on one Axes shows one profile: pass profile= (one of "
                            f"{', '.join(data.request_profiles)}), or no ax= for a panel per profile")
    name = data.request_profiles[0]
    _per_1k_lines(ax, data, name, _colors(data.models))
    ax.set_title(_esc(title) if title else
                 f"Cost per 1,000 {_esc(name)} requests per model{_esc(_scope(data))}")
    ax.legend(title="Model", loc="best")


def _draw_per_1k_panels(figure, document, case, profile, model, title) -> None:
    data = _per_1k_data(document, case, profile, model)
    profiles = data.request_profiles
    columns = min(3, len(profiles))
    rows = math.ceil(len(profiles) / columns)
    colors = _colors(data.models)
    axes = figure.subplots(rows, columns, squeeze=False)
    for index, name in enumerate(profiles):
        ax = axes[index // columns][index % columns]
        _per_1k_lines(ax, data, name, colors)
        ax.set_title(_esc(name))
        if index % columns:
            ax.set_ylabel("")
    for extra in range(len(profiles), rows * columns):
        axes[extra // columns][extra % columns].set_visible(False)
    figure.suptitle(_esc(title) if title else
                    f"Cost per 1,000 requests per profile: each profile's models on its own requests"
                    f"{_esc(_scope(data))}")
    from matplotlib.lines import Line2D

    handles = [Line2D([0], [0], color=colors[m], marker="o", markersize=3, label=_esc(m)) for m in data.models]
    figure.legend(handles, [h.get_label() for h in handles], loc="outside lower center",
                  ncols=min(len(handles), 6), title="Model")


def _draw_tornado(ax, document, case, profile, model, title) -> None:
    data = _Data(document, "expected", profile, model)
    if not data.has_ranges:
        raise CostcalcError("no ranges in this estimate ({low, expected, high} values give low and high "
                            "cases; costcalc.estimate(..., cases=True) keeps them): a tornado chart needs them")
    # each profile and model's total per case, as the document's comparisons hold them
    by_case = {c: _Data(document, c, profile, model).totals if c in data.cases else {}
               for c in ("low", "expected", "high")}
    bars = []
    for key in by_case["expected"]:
        if not any(key in by_case[c] for c in ("low", "high")):
            continue
        values = {c: float(by_case[c].get(key, Decimal(0))) for c in ("low", "expected", "high")}
        bars.append((f"{key[0]} \u00b7 {key[1]}", values))
    bars.sort(key=lambda b: abs(b[1]["high"] - b[1]["low"]))
    for y, (_label, v) in enumerate(bars):
        low, high = min(v["low"], v["high"]), max(v["low"], v["high"])
        ax.barh(y, v["expected"] - low, left=low, color="#4C72B0", height=0.6,
                label="below expected" if y == 0 else None)
        ax.barh(y, high - v["expected"], left=v["expected"], color="#DD8452", height=0.6,
                label="above expected" if y == 0 else None)
        ax.plot([v["expected"]] * 2, [y - 0.35, y + 0.35], color="black", linewidth=1.2,
                label="expected" if y == 0 else None)
    ax.set_yticks(range(len(bars)))
    ax.set_yticklabels([_esc(label) for label, _ in bars])
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: _esc(f"{data.shown.symbol}{value:,.0f}")))
    ax.set_xlabel(_money_label(data.shown, f"Total over {len(data.months)} months"))
    ax.set_title(_esc(title) if title else
                 "Range of each profile and model's total: every range at the end that lowers / raises it")
    ax.legend(loc="lower right")


def _is_sensitivity(value) -> bool:
    columns = getattr(value, "columns", ())
    return all(c in columns for c in ("input", "low_usd", "high_usd", "expected_usd"))


def _draw_sensitivity(ax, table, title) -> None:
    """One bar per profile, model and uncertain input from its low to its high total, largest swing
    on top, the expected total marked: which assumption moves the total most."""
    rows = sorted(table.to_dict("records"), key=lambda r: abs(r["high_usd"] - r["low_usd"]))
    for y, r in enumerate(rows):
        low, high, mid = float(r["low_usd"]), float(r["high_usd"]), float(r["expected_usd"])
        ax.barh(y, mid - min(low, high), left=min(low, high), color="#4C72B0", height=0.6,
                label="below expected" if y == 0 else None)
        ax.barh(y, max(low, high) - mid, left=mid, color="#DD8452", height=0.6,
                label="above expected" if y == 0 else None)
        ax.plot([mid] * 2, [y - 0.35, y + 0.35], color="black", linewidth=1.2, label="expected" if y == 0 else None)
    ax.set_yticks(range(len(rows)))
    # two lines a bar: where (profile, model), then what moved and its range
    ax.set_yticklabels([f"{_esc(r['profile'])} \u00b7 {_esc(r['model'])}\n"
                        f"{_esc(r['input'])} {_esc(r['low_value'])}..{_esc(r['high_value'])}" for r in rows])
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"${value:,.0f}"))
    months = table.attrs.get("months")
    ax.set_xlabel(f"Total over {months} months (USD, $)" if months else "Total (USD, $)")
    ax.set_title(_esc(title) if title else "Sensitivity: each uncertain input at its low and high value")
    if rows:
        ax.legend(loc="lower right")


_DRAW = {"monthly": _draw_monthly, "cumulative": _draw_cumulative, "per_1k_requests": _draw_per_1k,
         "tornado": _draw_tornado}


# `costcalc.plot` is both this module and its plot() function: once `import costcalc.plot` has run,
# the package attribute is the module, so the module itself is callable as plot().
class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return plot(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
