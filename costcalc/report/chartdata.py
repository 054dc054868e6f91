"""The data the charts show, computed once for both chart renderers: the inline SVG charts of the HTML
report (report/html.py, report/svg.py) and the matplotlib charts (costcalc.plot). Pure: from an
estimate document's cost lines to plain values (no drawing, no files).

    price_changes(rows, months)   per model, the instants its price changes, with their labels: the
                                  markers both charts draw
    when(text)                    an instant of the document as a chart and table show it
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal
from itertools import pairwise

_EXPECTED = "expected"


def instant_of(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _month_start(month: str) -> datetime:
    year, mon = (int(p) for p in month.split("-")[:2])
    return datetime(year, mon, 1, tzinfo=timezone.utc)


def _month_fraction(month: str, instant: datetime | None) -> float:
    """Where an instant sits inside its month, 0..1 (0 when unknown)."""
    if instant is None:
        return 0.0
    start = _month_start(month)
    days = calendar.monthrange(start.year, start.month)[1]
    share = (instant - start).total_seconds() / (days * 86400)
    return min(max(share, 0.0), 1.0)


def price_changes(rows: list[dict], months: list[str]) -> dict[str, list[dict]]:
    """Per model: the instants where its price changes, from the cost lines (expected case).

    Per profile and model, month by month: a rule label that was not in the previous month (when that
    month had cost lines) starts at its earliest period_start; in a profile's first month, a label that
    starts only after another label's last stretch ended (a promotion ending, peak/off-peak beginning)
    counts too. Labels that stop at a month boundary without a new one are marked as ending. A label
    whose rate for a component changes from one stretch to the next one it joins (a promotion cut
    further, like DeepSeek V4-Pro's cache-hit price on 2026-04-26) is marked as re-priced at that instant.
    Daily windows (peak hours, weekends) interleave and are never mistaken for a change. Profiles then
    merge: one marker per model and instant, naming the labels; instants close together stay apart (the
    chart lays their labels out so they never overlap)."""
    spans: dict[tuple[str, str], dict[str, dict[str, list]]] = defaultdict(lambda: defaultdict(dict))
    stretches: dict[tuple[str, str, str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for row in rows:  # a few hundred thousand lines in a big estimate: lookups kept to the needed ones
        case, rule = row.get("case"), row.get("rule")
        if rule is None or (case is not None and case != _EXPECTED):
            continue
        profile, model, label = str(row["profile"]), str(row["model"]), str(rule)
        span = spans[(profile, model)][str(row["month"])].setdefault(label, [None, None])
        start, end = row.get("period_start"), row.get("period_end")
        if start and (span[0] is None or start < span[0]):
            span[0] = start
        if end and (span[1] is None or end > span[1]):
            span[1] = end
        rate = row.get("usd_per_mtok")
        if start and end and rate is not None:
            stretches[(profile, model, label, str(row.get("component")))].append((str(start), str(end), str(rate)))
    index = {m: i for i, m in enumerate(months)}
    # model -> instant -> {"month": month, "new": {labels}, "ended": {labels}, "repriced": {labels}}
    found: dict[str, dict[str, dict]] = defaultdict(dict)

    def note(model: str, month: str, kind: str, label: str, instant: str) -> None:
        entry = found[model].setdefault(instant, {"month": month, "new": set(), "ended": set(),
                                                  "repriced": set()})
        entry[kind].add(label)

    for (_profile, model), by_month in spans.items():
        for month, labels in by_month.items():
            if month not in index:
                continue
            i = index[month]
            previous = by_month.get(months[i - 1]) if i > 0 else None
            following = by_month.get(months[i + 1]) if i + 1 < len(months) else None
            for label, (start, _end) in labels.items():
                if previous is not None:
                    is_new = label not in previous
                else:
                    is_new = any(other != label and other_end and start and start >= other_end
                                 for other, (_s, other_end) in labels.items())
                if is_new and start:
                    note(model, month, "new", label, start)
            if following is None:
                continue
            boundary = _month_start(months[i + 1]).strftime("%Y-%m-%dT%H:%M:%SZ")
            for label, (_start, end) in labels.items():
                if label in following:
                    continue
                if end and end < boundary:   # stopped inside this month
                    note(model, month, "ended", label, end)
                else:                        # stopped at the month boundary
                    note(model, months[i + 1], "ended", label, boundary)
    for (_profile, model, label, _component), runs in stretches.items():
        runs.sort()
        for (_s, end, rate), (start, _e2, next_rate) in pairwise(runs):
            month = start[:7]
            if start == end and Decimal(rate) != Decimal(next_rate) and month in index:
                note(model, month, "repriced", label, start)
    out: dict[str, list[dict]] = {}
    for model, by_instant in found.items():
        # A daily window's label first shows at its first window (peak from 01:00 the next day), so a
        # label that appears within a day of another one joins it: one change, at the earlier instant.
        merged: dict[str, dict] = {}
        for instant in sorted(by_instant):
            entry = by_instant[instant]
            last = merged[max(merged)] if merged else None
            at, last_at = instant_of(instant), instant_of(max(merged)) if merged else None
            if (last is not None and last["new"] and entry["new"] and not entry["repriced"]
                    and not entry["ended"] - last["ended"] and at is not None and last_at is not None
                    and (at - last_at).total_seconds() < 86400):
                last["new"] |= entry["new"]
                continue
            merged[instant] = entry
        markers = []
        for instant in sorted(merged):
            entry = merged[instant]
            new = sorted(entry["new"])
            repriced = sorted(entry["repriced"] - entry["new"])
            ended = sorted(entry["ended"] - entry["new"] - entry["repriced"])
            if new or repriced:
                marker_labels = new + repriced
                text = ", ".join(new + [f"{label} re-priced" for label in repriced])
                detail = f"{model}: {', '.join(new)} from {when(instant)}" if new else ""
                if repriced:
                    detail += ("; " if detail else f"{model}: ") + \
                        f"{', '.join(repriced)} at new rates from {when(instant)}"
                if ended:
                    detail += f" ({', '.join(ended)} no longer applies)"
            elif ended:
                marker_labels = ended
                text = ", ".join(ended) + " ends"
                detail = f"{model}: {', '.join(ended)} no longer applies from {when(instant)}"
            else:
                continue
            month = entry["month"]
            position = index[month] + _month_fraction(month, instant_of(instant))
            markers.append({"month": month, "position": position,
                            "label": text, "detail": detail, "labels": marker_labels, "at": instant})
        if markers:
            out[model] = markers
    return out


def when(text) -> str:
    """`2026-05-31T16:00:00Z` -> `2026-05-31 16:00 UTC` (text that is not an instant as it is)."""
    instant = instant_of(text)
    return instant.strftime("%Y-%m-%d %H:%M UTC") if instant else ("" if text is None else str(text))


__all__ = ["instant_of", "price_changes", "when"]


def label_rows(labels: list[tuple[float, float]], low: float, high: float, max_rows: int, pad: float,
               gap: float) -> list[tuple[int, float] | None]:
    """Where price-change labels go, for the SVG and the matplotlib charts alike: each label, given as
    (x of its line, width) in x order, on a row of the band above the plot, right of its line when it
    fits, else left of it, else centred, always within [low, high]; never within `gap` of another label
    on its row (a row without room passes it to the next). At most `max_rows` rows: a label that finds
    no room gets None (its dashed line alone marks the change). Returns (row, left edge) per label."""
    rows: list[list[tuple[float, float]]] = []
    out: list[tuple[int, float] | None] = []
    for x, width in labels:
        candidates = [min(max(c, low), high - width) for c in (x + pad, x - pad - width, x - width / 2)]
        spot = next(((row, left) for row, spans in enumerate(rows) for left in candidates
                     if all(left + width + gap <= a or left >= b + gap for a, b in spans)), None)
        if spot is None and len(rows) < max_rows:
            rows.append([])
            spot = (len(rows) - 1, candidates[0])
        if spot is not None:
            rows[spot[0]].append((spot[1], spot[1] + width))
        out.append(spot)
    return out
