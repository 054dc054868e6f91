"""The projection: profiles x models x calendar months -> a tidy DataFrame of exact cost lines.

Pure computation: the price table, the profiles, the months and the scenario arrive as arguments; no
files, clock or network. The work is organised so the expensive part (which price rule applies in which
minute of a month) is computed once per model, month and request class and shared by every profile
(projector.py, and as arrays per request class and month windows in structures.py); each profile on
each model becomes a RunSpec (its request classes from request_bins.py, prepared once per model for the
profiles that write the token counts, tiers, limits setting and failures alike: _prepare), and the runs are priced
together, vectorized, in exact integers (pricing.py), then assembled into the frame (frame.py);
notes.py says what the lines leave out.

How a month is priced, for one profile and model:
  requests in a rule slot = volume x (traffic-weighted minutes the rule is in force) / (minutes per day)
  tokens                  = requests x tier share x prompt-size share x tokens per request of a component
  cost_usd                = tokens x usd_per_mtok / 1,000,000
The traffic weights are the profile's hour-of-day x weekday weights, scaled to average 1 over a week, so
a uniform profile weighs every minute 1 and `requests_per_day` is the average day.

What a model cannot price is marked, not fatal (infracost's "price not found"): the time before its
launch or after its retirement has no cost lines; `attrs["not_available"]` lists those stretches per
profile and model (a month cut by a launch or retirement is priced for the time the model exists and
listed as partial), and an assumption line says the same in words. Every other missing price (a gap in
the table, an unoffered combination) still stops the estimate.

Requests a model cannot take (a prompt above its context window, output above its max output) stop the
estimate with the profile, model and limit named, unless the profile says `over_limit: exclude`: then
those requests are left out of the volume, an assumption line says which share and how many, and
`attrs["over_limit_excluded"]` lists them per profile, model and case (share, requests, months, limit).

Per-call tool fees (a profile's `tool_calls_per_request: {web_search: 0.3}` on a model whose price table
has `fees:` for the tool) are lines of their own, component `tool:web_search`, rule `fee`:
  calls    = requests in a rule slot x calls per request          (in the `tokens` column)
  rate     = the fee in USD per 1,000,000 calls (usd_per_1k_calls x 1,000; in `usd_per_mtok`)
  cost_usd = calls x rate / 1,000,000 = calls x USD per call
so the one formula cost_usd = tokens x usd_per_mtok / 1,000,000 holds for every line of the frame. Fee
dates cut the month like rate changes (a fee change mid-month gives two lines). Calls of a tool the model
has no fee for while a slot is in force are not priced, and an assumption line names the model, the tool,
the profile and the months (never a silent zero); `attrs["unpriced_calls"]` counts them per profile,
model, tool and case, so a verdict can say a comparison leaves them out.

Conversations and agent loops (a profile's `conversation:` / `agent:`, costcalc.shapes): the volume is
conversations (tasks) per day and every kind of turn is a request bin of its own (request_bins.py), its
share the turn's weight (requests of that turn per conversation), so a cliff or a context window applies
to the turns that cross it. Failures (`failures:`): every component keeps its succeeded share and the
failed attempts' billed tokens are lines of their own (rule "<label> (failed attempts)", the same rate;
pricing.py gives them line ids), and the requests count the retries. Units (`units:`): attrs["units"]
counts them per profile, model and month, for cost per unit.

Exactness: every line is an exact integer numerator over one denominator per profile, model and month,
divided once at the end (pricing.py), so a result whose true value has a finite decimal expansion
(46.695) comes out exactly, not as 46.694999...; only truly repeating values (a 1/3 share) are rounded,
at 50 digits. The month's volume (requests x growth^k) is computed at 50 digits first, as it always was.

The frame's `tokens`, `usd_per_mtok` and `cost_usd` are "decimal" columns whose Decimals are made when a
value is first read (costcalc.frames.decimal.DecimalArray.deferred over pricing.Money's integers), so a
frame that is only built or passed on costs no Decimal per line, and a filtered frame (a filter by another
column, take) makes only its rows' distinct values when read (head and count() make the whole column);
the values read are the same divisions, made then.
attrs["requests"] is a table (frame.request_entries gives its rows as dicts): one row per (profile, model,
month, case) with lines.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import NamedTuple

import pandas as pd

from .. import __version__
from .._gc import without_cyclic_gc
from .. import calendar as cal
from ..cost_cases import at_ends, certain_direction, choose_ends, lowering_notes, order_note, ranged_inputs
from ..errors import CostcalcError
from ..money import DIVIDE, EXACT
from ..prices.model import Model, PriceTable, tool_component
from ..prices.resolve import Request, lookup, prompt_thresholds
from ..shapes import attempts, per_unit_weight, plan_units_entries, units_entries, with_failures
from ..token_units import notes as token_notes
from ..workloads.model import Profile, Workloads
from .frame import COLUMNS, TAG_PREFIX, _Columns, _line_rates, _requests, month_costs, request_entries
from .notes import (MAX_GROWTH_FACTOR, check_growth, not_available, not_available_notes, profiles_info,
                    standing_assumptions)
from .pricing import RunSpec
from .structures import Volume, Volumes, month_windows, structures, volume
from .projector import _Projector, week_weights
from .request_bins import at_case, ceil_tokens, in_model_tokens, over_limits, reasoning_tokens, request_bins

__all__ = ["COLUMNS", "MAX_GROWTH_FACTOR", "TAG_PREFIX", "not_available_notes", "project", "week_weights",
           "with_models"]
_ZERO = Decimal(0)


def with_models(loaded: Workloads, models: list[str], table: PriceTable) -> Workloads:
    """`--models a,b` replaces every profile's model list: compare the same workload on these."""
    for name in models:
        lookup(table, name)  # unknown names fail here with suggestions
    # the current plan puts each profile on the first of these (a `use:` from the file may not be one)
    return replace(loaded, profiles=tuple(replace(p, models=tuple(dict.fromkeys(models)), use=None) for p in loaded))


def project(workloads: Workloads | list[Profile], table: PriceTable, start: tuple[int, int], months: int,
            scenario: str = "actual", cases: bool = True) -> pd.DataFrame:
    """Cost lines for every profile x model x month (and case, for profiles with ranges). See the
    module docstring for the arithmetic.

    cases=False: the caller keeps the expected case only (costcalc.frames.estimate_frame's default), so
    the low and high cases of a ranged profile are not priced where nothing the caller keeps depends on
    them (see _cases_matter); their rows may then be missing, everything else is the same."""
    if months < 1:
        raise CostcalcError(f"months must be at least 1, not {months}")
    profiles = list(workloads)
    projector = _Projector(table, scenario)
    month_list = cal.months(*start, months)
    for profile in profiles:
        check_growth(profile, start, month_list[-1])
    out = _Columns(projector, Volumes(), len(month_list))
    with without_cyclic_gc():  # many small objects, no cycles (costcalc._gc)
        return _project(workloads, profiles, projector, month_list, start, months, scenario, out, cases)


def _project(workloads, profiles: list[Profile], projector: _Projector, month_list: list[tuple[int, int]],
             start: tuple[int, int], months: int, scenario: str, out: _Columns, cases: bool) -> pd.DataFrame:
    """project()'s work, which it runs with the cyclic garbage collector off: the runs, then the attrs."""
    frame = _run(profiles, projector, month_list, start, out, cases)
    unavailable = not_available(projector, month_list)
    requests = _requests(out, month_list)
    # units: count the requests of the profiles with units (and every profile's for the file's own units)
    plan_units = getattr(workloads, "units", ())
    with_units = {key for key, info in projector.unit_info.items() if info[0]}
    entries = request_entries(requests, None if plan_units else lambda *key: key in with_units) \
        if plan_units or with_units else []
    ranged = any(p.has_ranges for p in profiles)
    if not ranged:
        frame = frame.drop(columns=["case"])
    frame.attrs.update({
        "price_table": projector.table.meta(),
        "scenario": scenario,
        "start": cal.month_label(*start),
        "months": months,
        "currency": "USD",
        "assumptions": projector.assumptions + token_notes(projector.translations)
        + lowering_notes(projector.lowering) + projector.unpriced_notes()
        + not_available_notes(unavailable) + standing_assumptions(profiles, ranged),
        # stretches of profile x model without a price (before launch, after retirement): not cost lines
        "not_available": unavailable,
        # what else the totals leave out: tool calls no fee prices, requests over a limit (over_limit: exclude)
        "unpriced_calls": projector.unpriced_entries(),
        "over_limit_excluded": projector.excluded,
        "profiles": profiles_info(profiles, projector.translations),
        "costcalc_version": __version__,
        # requests per profile, model, month (and case): what cost per 1,000 requests divides by (a table:
        # frame.request_entries gives its rows as dicts; costcalc.frames.estimate_frame makes it a column)
        "requests": requests,
        # units per profile, model, month (and case): what cost per unit divides by (a profile's units:)
        "units": units_entries(entries, projector.unit_info),
        # the file's top-level units: (the whole product's users, conversations): what a plan's total divides by
        "plan_units": plan_units_entries(entries, projector.unit_info, plan_units,
                                         {p.name: p.shape.unit for p in profiles if p.shape is not None},
                                         [cal.month_label(*ym) for ym in month_list]),
        **_line_rates(out, projector.line_meta),
    })
    return frame


def _run(profiles, projector, month_list, start, out, cases: bool = True) -> pd.DataFrame:
    # Division is the only inexact step (a traffic share like 154/720): money.DIVIDE's 50 digits keep its
    # error below 1e-40 of the amount, far under the cent at which results are rendered.
    with decimal.localcontext(DIVIDE):
        model_ids: dict[str, str] = {}  # model as named -> id (lookup once per name, not per run)
        for base in profiles:
            ranged = base.has_ranges
            for model_name in base.models:
                model_id = model_ids.get(model_name)
                if model_id is None:
                    model_id = model_ids[model_name] = lookup(projector.table, model_name).id
                if ranged:
                    _project_cases(projector, base, model_id, model_name, month_list, start, out, cases)
                else:
                    _project_one(projector, base, model_id, model_name, month_list, start, "expected", out)
        # the last runs are priced here, in the same context (their unpriced calls and left-out requests are
        # sums of Decimals: at Python's default 28 digits they differed from the other runs')
        return out.frame(profiles, month_list)


def _project_cases(projector: _Projector, profile: Profile, model_id: str, model_name: str,
                   month_list: list[tuple[int, int]], start: tuple[int, int], out: _Columns,
                   cases: bool = True) -> None:
    """A ranged profile on one model: the expected case, then low and high named by this model's cost
    (costcalc.cost_cases): each input at the end that lowers (raises) it. Inputs whose direction is
    not certain are measured against the expected run, in scratch projections that leave no trace.
    cases=False: low and high are prepared (their limit errors and notes are the same) but not priced
    when they cannot change what the expected case's frame holds (_cases_matter)."""
    has_rules = bool(prompt_thresholds(projector.table, model_id))  # a prompt size with its own rule
    if not cases and not _cases_matter(profile, has_rules):
        _project_one(projector, profile.at_case("expected"), model_id, model_name, month_list, start, "expected",
                     out)
        unused = _Columns(projector, out.volumes, len(month_list))  # never priced
        for case in ("low", "high"):
            ends = {key: case for key, _ in ranged_inputs(profile)}
            _project_one(projector, at_ends(profile, ends), model_id, model_name, month_list, start, case, unused,
                         ends)
        return

    def run(case: str, variant: Profile, ends=None) -> list[Decimal]:
        out.flush()  # the runs before this one: their notes come first
        first = len(out.chunks)  # the run's own chunks: adding it flushes past FLUSH_RUNS runs
        _project_one(projector, variant, model_id, model_name, month_list, start, case, out, ends)
        out.flush()
        return month_costs(out.chunks[first:], len(month_list))

    def probe(variant: Profile, end: str) -> list[Decimal]:
        scratch = _Columns(projector, out.volumes, len(month_list))
        with projector.scratch():
            _project_one(projector, variant, model_id, model_name, month_list, start, end, scratch)
            scratch.flush()
            return month_costs(scratch.chunks, len(month_list))

    expected = run("expected", profile.at_case("expected"))
    labels = [cal.month_label(*ym) for ym in month_list]
    low_ends, high_ends, notes, lowering = choose_ends(profile, model_name, expected, labels, probe, has_rules)
    for note in notes:
        projector.note(note)
    ranges = dict(ranged_inputs(profile))
    projector.lowering += [(profile.name, model_name, key, ranges[key]) for key, _ in lowering]
    totals = {"expected": sum(expected, _ZERO)}  # in money.DIVIDE's context (_run), as always
    for case, ends in (("low", low_ends), ("high", high_ends)):
        totals[case] = sum(run(case, at_ends(profile, ends), ends), _ZERO)
    disorder = order_note(profile.name, model_name, totals)
    if disorder:
        projector.note(disorder)


class _Own(NamedTuple):
    """What the runs of one profile (at one case) share on every model: computed once per profile, not per
    model (_own)."""

    weights: tuple | None
    weights_id: int
    windows: tuple  # month_windows
    volume: Volume
    tools: list  # (component, tool, calls per request) of the tools it calls
    tries: Decimal  # attempts per request (failures:)
    failing: Callable[[tuple], tuple]  # a request's tokens with its failed attempts' (failures:)
    sampled: dict  # model id -> tokens counted from samples
    # what a run's preparation (_Prepared) reads of the profile, as written (repr: 1000 and 1000.0 scale
    # to other places); None for a conversation or agent (its bins read more: prepared per run)
    key: str | None
    units: tuple  # projector.unit_info's entry of its runs without requests per conversation: one tuple


class _Prepared(NamedTuple):
    """What a run's preparation makes of a profile's token counts, tiers and month windows on a model: the
    same for every profile whose fields in _Own.key are written alike (a limit error, which names the
    profile, is raised while preparing, so a prepared run is one without)."""

    missing_tiers: tuple[str, ...]  # tiers the model does not offer (priced at standard rates: a note each)
    no_residency: bool  # residency asked of a model without residency pricing (a note)
    translation: tuple  # projector.translations' entry (in_model_tokens)
    classes: list  # RunSpec.classes
    excluded: tuple | None  # RunSpec.excluded
    per_unit: Decimal | None  # requests per conversation (shapes.per_unit_weight)
    gaps: list  # Structure.gaps of the first class: stretches without a price (before launch, after retirement)


def _own(projector: _Projector, profile: Profile, month_list: list[tuple[int, int]], start: tuple[int, int],
         volumes: Volumes) -> _Own:
    """A profile's part of its runs (the same on every model): traffic weights, month windows and volumes,
    tools, failures, and the key its runs' preparations are shared under."""
    weights, weights_id = projector.traffic_weights(profile.traffic)
    failures = profile.failures
    failing = _unchanged if failures is None or not failures.rate else \
        functools.lru_cache(maxsize=None)(functools.partial(with_failures, failures))
    key = None if profile.shape is not None else repr((
        profile.input_tokens, profile.output_tokens, profile.reasoning_tokens, profile.reasoning,
        profile.cache_hit_rate, profile.cache_write_share, profile.cache_write_ttl, profile.tokens_counted_with,
        profile.tiers, profile.residency, profile.over_limit, failures))
    tries = attempts(failures)
    return _Own(weights, weights_id, month_windows(projector, profile, month_list),
                volume(projector, volumes, profile, month_list, start, weights, weights_id),
                # calls per request of each tool the profile uses (a fee line where the model prices the tool)
                [(tool_component(tool), tool, at_case(calls)) for tool, calls in profile.tool_calls if calls],
                tries, failing, dict(profile.sampled), key, (profile.units, tries, None))


def _project_one(projector: _Projector, profile: Profile, model_id: str, model_name: str,
                 month_list: list[tuple[int, int]], start: tuple[int, int], case: str,
                 out: _Columns, ends: Mapping[str, str] | None = None) -> None:
    """Add one profile (at one case) on one model to `out` as a RunSpec: its request classes (tier x
    request bin) with their slot structures, tools and month volumes. Priced when `out` flushes.
    `ends`: which end of each range the case took (a case named by cost may take an input's high end
    for `low`), so a limit error names the value at fault. What the profile's runs share on every model
    (_own) is computed at its first run (kept with the profile, so its id stays its own). The preparation
    (_prepare) is shared by the runs of a model whose profiles write the fields it reads alike (1,000
    profiles have a few dozen token shapes): only the first of them computes it."""
    kept = projector.owns.get(id(profile))
    if kept is None or kept[0] is not profile:
        kept = projector.owns[id(profile)] = (profile, _own(projector, profile, month_list, start, out.volumes))
    own = kept[1]
    sampled = own.sampled.get(model_id)
    # tokens counted from samples differ per model: prepared per run
    key = None if own.key is None or sampled is not None else (model_id, own.key, id(own.windows))
    prepared = None if key is None else projector.prepared.get(key)
    if prepared is None:
        model = projector.table.models[model_id]
        prepared = _prepare(projector, profile, model, model_id, model_name, month_list, case, ends, own, sampled)
        if key is not None:
            projector.prepared[key] = prepared
    else:  # what the preparation records per profile and model (in_model_tokens)
        projector.translations[(profile.name, model_name)] = prepared.translation
    notes: Sequence[str] = ()  # most runs have none: no list each
    if prepared.missing_tiers or prepared.no_residency:
        notes = [f"{model_id} offers no {tier} tier: {profile.name}'s {tier} share is priced at its standard "
                 f"rates." for tier in prepared.missing_tiers]
        if prepared.no_residency:
            notes.append(f"{model_id} has no data-residency pricing: {profile.name} is priced without it.")
    projector.unit_info[(profile.name, model_name, case)] = own.units if prepared.per_unit is None else \
        (profile.units, own.tries, prepared.per_unit)
    for index, window, gaps in prepared.gaps:
        projector.mark_unavailable(profile.name, model_name, index, window, gaps)
    # the profile as the run got it (its counts in its own unit: the classes hold the model's)
    out.add(RunSpec(profile, model_name, case, prepared.classes, own.tools, own.volume, own.weights,
                    own.weights_id, notes, prepared.excluded, own.tries))


def _prepare(projector: _Projector, profile: Profile, model: Model, model_id: str, model_name: str,
             month_list: list[tuple[int, int]], case: str, ends: Mapping[str, str] | None, own: _Own,
             sampled) -> _Prepared:
    """A profile's request classes on a model (tier x request bin, in the model's tokens) with their slot
    structures over its month windows; a limit error (or a gap in the price table) stops here."""
    missing_tiers = []
    tiers = []
    for tier, share in profile.tiers:
        if tier not in model.tiers:
            missing_tiers.append(tier)
            tier = "standard"
        tiers.append((tier, share))
    residency = profile.residency
    no_residency = bool(residency and not model.residency)
    if no_residency:
        residency = False
    if sampled is not None:  # tokens per request counted from samples with this model's tokenizer
        profile = replace(profile, input_tokens=sampled.input,
                          output_tokens=profile.output_tokens if sampled.output is None else sampled.output)
    counted = profile  # as the profile gives them: what a limit error points at
    profile, hint = in_model_tokens(projector, profile, model, model_name, sampled)
    reasoning = reasoning_tokens(profile, model.provider)
    translation = projector.translations[(profile.name, model_name)]
    translated = translation[0]
    bins = _request_bins(projector, profile, reasoning, model, None if translated is None else translated.ratio)
    over = over_limits(profile, model, model_name, bins, ceil_tokens(at_case(profile.output_tokens) + reasoning), case,
                       sampled is not None, ends, counted, hint)
    requests, classes = [], []
    failing = own.failing
    for tier, tier_share in tiers:
        for (prompt, bin_share, per_request), excluded in zip(bins, over):
            # one projector per scenario: its slot cache may leave the scenario out of its keys.
            # Excluded requests are only counted: priced as a small prompt, their slots give the minutes.
            request = Request(0 if excluded else prompt, tier, residency, projector.scenario)
            requests.append((request, projector.request_key(model_id, request)))
            # failures: the succeeded share of every component and the failed attempts' own lines
            classes.append((EXACT.multiply(tier_share, bin_share), failing(per_request), excluded))
    found = structures(projector, model_id, model_name, profile, month_list, own.windows, requests)
    return _Prepared(tuple(missing_tiers), no_residency, translation,
                     [(s, share, per, excluded) for s, (share, per, excluded) in zip(found, classes)],
                     (model, bins, over) if any(over) else None, per_unit_weight(profile, bins, over), found[0].gaps)


def _request_bins(projector: _Projector, profile: Profile, reasoning: Decimal, model, ratio) -> list:
    """request_bins, once per profile and reasoning tokens for a plain profile (its bins do not depend on the
    model otherwise: the models of a provider, or of one tokenizer, share them). The profile is kept with
    its bins, so a later profile that gets the same id is not taken for it."""
    if profile.shape is not None:
        return request_bins(profile, reasoning, model, ratio)
    key = (id(profile), str(reasoning))  # as written: 1000 and 1000.0 scale to other places
    found = projector.bins.get(key)
    if found is None or found[0] is not profile:
        found = projector.bins[key] = (profile, request_bins(profile, reasoning, model, ratio))
    return found[1]


def _unchanged(tokens: tuple) -> tuple:
    """A request's tokens without failures (shapes.with_failures returns them as they are)."""
    return tokens


def _cases_matter(profile: Profile, has_prompt_rules: bool) -> bool:
    """Whether a frame of the expected case alone can depend on pricing the low and high cases: when an
    input's direction must be measured (the notes say which end each case took), when over_limit:
    exclude may leave requests out (a note per case), or when tool calls may go unpriced (the months in
    the unpriced-calls note come from every case). Otherwise every ranged input raises the cost
    (costcalc.cost_cases proves which), so low <= expected <= high holds without computing it (no order
    note), each case takes every input at its own end, and only the cases' limit errors remain: those
    come from preparing the runs, which still happens."""
    if profile.over_limit == "exclude" or profile.tool_calls:
        return True
    return any(value.low != value.high and certain_direction(profile, key, has_prompt_rules) is None
               for key, value in ranged_inputs(profile))
