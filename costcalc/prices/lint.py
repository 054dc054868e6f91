"""Lint a loaded price table: overlaps, gaps, promotions without their base rule, order, staleness.

Structural problems (types, unknown keys, negative prices, hit above miss, unknown zones, missing sources)
are caught while loading; these rules need the whole table. Pure: `today` arrives as an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from itertools import pairwise

from ..errors import _NO_VALUE, Problem
from .model import Model, PriceTable
from .resolve import Request, boundaries, matching_rules

STALE_AFTER_DAYS = 90
_EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)  # lint horizon for rules with no start date
_TAIL = timedelta(days=15)  # past the last change, long enough to see every weekday twice


@dataclass(frozen=True)
class LintReport:
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]


def lint(table: PriceTable, today: date) -> LintReport:
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for pid, provider in table.providers.items():
        # Order is a rule of each file, read in that file's line order: an overlay appends the models it
        # adds and restates others where the bundled table has them.
        by_file: dict[str, list] = {}
        for mid in provider.models:
            model = table.models[mid]
            by_file.setdefault(model.file, []).append(model)
        for models in by_file.values():
            models.sort(key=lambda m: m.line or 0)
            for before, model in pairwise(models):
                if model.id < before.id:
                    errors.append(Problem(model.file, model.line, f"providers.{pid}.models.{model.id}", model.id,
                                          f"models out of order: move {model.id!r} before {before.id!r} "
                                          f"(alphabetical within a provider)"))
    bundled = {f.path for f in table.files if f.name == "bundled:pricing.yaml"}
    for model in table.models.values():
        key = f"providers.{model.provider}.models.{model.id}"
        if model.confidence == "community" and model.file in bundled:
            errors.append(Problem(model.file, model.line, key + ".confidence", model.confidence,
                                  "the bundled table holds curated prices only; community prices belong in an "
                                  "overlay (costcalc prices import)"))
        errors.extend(_order(key, model))
        errors.extend(_launch(key, model, bundled))
        errors.extend(_fees(key, model))
        errors.extend(_coverage(model.file, key, table, model))
        warnings.extend(_stale(key, model, today))
    return LintReport(tuple(errors), tuple(warnings))


def _order(key: str, model: Model) -> list[Problem]:
    out = []
    for i in range(1, len(model.rules)):
        prev, cur = model.rules[i - 1], model.rules[i]
        if prev.when.start and (cur.when.start is None or cur.when.start < prev.when.start):
            out.append(Problem(cur.file, cur.line, f"{key}.prices[{i}]", cur.label,
                               f"rules out of order: move it before prices[{i - 1}] "
                               f"(rules are listed by their start)"))
    return out


def _launch(key: str, model: Model, bundled: set[str]) -> list[Problem]:
    """Every model of the bundled table says when it launched (a quote before that is refused, an estimate
    marks the months as not available); nothing of it may take effect before then."""
    if model.launched is None:
        if model.file in bundled:  # overlays and tables of one's own may leave it out
            return [Problem(model.file, model.line, f"{key}.from", _NO_VALUE,
                            "is required: the instant the model launched, like 2026-04-23T00:00Z (00:00Z "
                            "on the day when the hour is not published; say so in a note)")]
        return []
    out = []
    items = [(f"prices[{i}]", r) for i, r in enumerate(model.rules)] + \
            [(f"routes[{i}]", r) for i, r in enumerate(model.routes)] + \
            [(f"fees[{i}]", f) for i, f in enumerate(model.fees)]
    for name, item in items:
        start = item.when.start
        if start is not None and start < model.launched:
            out.append(Problem(getattr(item, "file", model.file) or model.file, getattr(item, "line", None),
                               f"{key}.{name}.when.from", f"{start:%Y-%m-%dT%H:%MZ}",
                               f"starts before the model's launch ({model.launched:%Y-%m-%dT%H:%MZ}); "
                               f"move the launch (from:) earlier or the rule later"))
    return out


def _fees(key: str, model: Model) -> list[Problem]:
    """Two fees for the same tool in force at once would make the price of a call ambiguous."""
    out = []
    far_past = datetime.min.replace(tzinfo=timezone.utc)
    far_future = datetime.max.replace(tzinfo=timezone.utc)
    for i, a in enumerate(model.fees):
        for j in range(i + 1, len(model.fees)):
            b = model.fees[j]
            if a.tool != b.tool:
                continue
            if (a.when.start or far_past) < (b.when.end or far_future) and \
                    (b.when.start or far_past) < (a.when.end or far_future):
                out.append(Problem(b.file or model.file, b.line, f"{key}.fees[{j}]", b.tool,
                                   f"overlaps fees[{i}] for the same tool; give them disjoint from/until"))
    return out


def _stale(key: str, model: Model, today: date) -> list[Problem]:
    out = []
    items = [(f"prices[{i}]", r) for i, r in enumerate(model.rules)] + \
            [(f"modifiers[{i}]", m) for i, m in enumerate(model.modifiers) if m.kind == "modifier"] + \
            [(f"fees[{i}]", f) for i, f in enumerate(model.fees)]
    for name, item in items:
        if item.checked is not None and (today - item.checked).days > STALE_AFTER_DAYS:
            out.append(Problem(item.file, item.line, f"{key}.{name}.checked", item.checked.isoformat(),
                               f"checked more than {STALE_AFTER_DAYS} days ago; verify the price at "
                               f"{item.source} and update the date"))
    return out


def _requests(model: Model) -> list[tuple[Request, bool]]:
    """Every distinct request class worth checking, and whether a gap in it is an error. Gaps only
    matter for ordinary prompts: a tier without a long-context price (priority) is a documented hole."""
    sizes = {0}
    for item in model.rules + model.modifiers:
        for threshold in (item.when.prompt_tokens_above, item.when.prompt_tokens_at_most):
            if threshold is not None:
                sizes.update((threshold, threshold + 1))
    residencies = (False, True) if model.residency else (False,)
    return [(Request(size, tier, residency), size == 0 and not residency)
            for tier in model.tiers for residency in residencies for size in sorted(sizes)]


def _life(table: PriceTable, model: Model) -> tuple[datetime, datetime]:
    instants = [p for item in model.rules + model.modifiers + model.routes
                for p in (item.when.start, item.when.end) if p]
    # A rule or route without a start reaches back before any dated one: lint from the horizon, so a
    # gap after it (an open-ended first rule, a later rule starting too late) is seen.
    starts = [item.when.start for item in model.rules + model.routes]
    if model.launched is not None:
        # Life begins at launch: a rule without a start begins there too, and a gap after launch shows.
        start = model.launched
    else:
        start = min([p for p in starts if p] + ([_EPOCH] if None in starts or not starts else []))
    # Holidays are dated too: look past the last one any rule uses, or a clash on it goes unseen.
    calendars = {name for item in model.rules + model.modifiers if (name := item.when.holiday_calendar) is not None}
    holidays = [datetime(d.year, d.month, d.day, tzinfo=timezone.utc) + timedelta(days=2)
                for name in calendars for d in table.calendars[name].dates]
    end = model.retired.at if model.retired else max(instants + holidays + [start]) + _TAIL
    return start, end


def _coverage(file: str, key: str, table: PriceTable, model: Model) -> list[Problem]:
    start, end = _life(table, model)
    cuts = [start] + [p for p in boundaries(table, model, start, end)] + [end]
    out: list[Problem] = []
    reported: set[tuple] = set()

    def gap(a: datetime, b: datetime | None, request: Request) -> None:
        # One line per gap: the same hole seen again for another tier or prompt size is not news.
        if ("gap", a, b) not in reported:
            reported.add(("gap", a, b))
            out.append(_gap(file, key, model, a, b, request))

    for request, gaps_matter in _requests(model):
        gap_start = None
        for a in cuts[:-1]:
            if any(r.when.matches_time(a, table.calendars) for r in model.routes):
                continue
            bases, promos = matching_rules(table, model, a, request)
            if len(bases) > 1 and (bases[0].key, bases[1].key) not in reported:
                reported.add((bases[0].key, bases[1].key))
                out.append(Problem(bases[1].file, bases[1].line, f"{key}.{_where(model, bases[1])}", bases[1].label,
                                   f"overlaps {_where(model, bases[0])} ({bases[0].label}) at "
                                   f"{a:%Y-%m-%d %H:%MZ} for {_describe(request)}; base rules must not "
                                   f"overlap (make one a promotion_of the other or narrow its when:)"))
            if len(promos) > 1 and (promos[0].key, promos[1].key) not in reported:
                reported.add((promos[0].key, promos[1].key))
                out.append(Problem(promos[1].file, promos[1].line, f"{key}.{_where(model, promos[1])}",
                                   promos[1].label, f"overlaps promotion {_where(model, promos[0])} at "
                                                    f"{a:%Y-%m-%d %H:%MZ}"))
            for promo in promos:
                if bases and promo.promotion_of != bases[0].label and (promo.key, "base") not in reported:
                    reported.add((promo.key, "base"))
                    out.append(Problem(promo.file, promo.line, f"{key}.{_where(model, promo)}.promotion_of",
                                       promo.promotion_of, f"at {a:%Y-%m-%d %H:%MZ} the base rule is "
                                                           f"{bases[0].label!r}, not the one it names"))
            if not bases and gaps_matter:
                gap_start = gap_start or a
            elif gap_start is not None:
                gap(gap_start, a, request)
                gap_start = None
        if gap_start is not None and model.retired is not None:
            gap(gap_start, end, request)
        elif gap_start is not None:
            gap(gap_start, None, request)
    return out


def _gap(file, key, model: Model, a: datetime, b: datetime | None, request: Request) -> Problem:
    until = f"{b:%Y-%m-%d %H:%MZ}" if b else "onwards"
    return Problem(file, model.line, key + ".prices", f"{a:%Y-%m-%d %H:%MZ} to {until}",
                   f"no base rule covers this time for {_describe(request)}: a gap in the model's "
                   f"active life (add a rule, a route, or a retirement)")


def _where(model: Model, rule) -> str:
    return f"prices[{model.rules.index(rule)}]"


def _describe(request: Request) -> str:
    parts = [f"tier {request.tier}"]
    if request.prompt_tokens:
        parts.append(f"{request.prompt_tokens:,}-token prompts")
    if request.residency:
        parts.append("residency")
    return ", ".join(parts)
