"""Vectorized exact pricing: many (profile, model, case) runs priced at once, in integers.

A cost line's tokens, for one profile on one model in one month, are

  tokens = V x S / den    with  S = sum over (request class r, slot s) of share_r x minutes_s x per_(r,c)

V is the month's volume (requests per day x growth^k x the traffic factor, or requests per month x
growth^k: a Decimal per profile and month, computed at 50 digits as before), den the month's denominator
(minutes per average day, or the month's traffic-weighted minutes), share_r the class's share of the
requests (tier x histogram bin), minutes_s the slot's (traffic-weighted) minutes and per_(r,c) the
component's tokens per request. Each factor is a decimal, so each is an integer at a fixed number of
places per run (shares at the run's largest share places, tokens per request at its largest token places,
minutes at the traffic weights' places): S is an exact integer, summed in int64 when a bound proves it
cannot overflow (below), as Python integers otherwise. The one inexact step is the division, once per
distinct value, at money.DIVIDE's 50 digits:

  tokens   = DIVIDE(V_int x S, den x 10^(places of S + places of V))
  cost_usd = DIVIDE(V_int x S x rate_int, den x 10^(...) x 1,000,000 x 10^p)

with every rate an integer at its own places p. A line is written with its own places, as the sum of its
terms' Decimals was before (an exact quotient's exponent follows its operands'): the most of its own
terms' (share + minutes + tokens per request, each as written), not the run's. Its S, summed at the run's
places, is 10^shift x its S at its own (_shifts_of), and its value is made from S / 10^shift over the
divisor / 10^shift (amounts.Money.shifts): the same quotient, the line's own digits. Sums need no shift.

So every line is the exactly rounded quotient of its exact value (the implementation before this one
rounded products past 50 significant digits along the way: a compounding volume times a share).
A batch (costcalc.projection.frame.FLUSH_RUNS runs) keeps its lines as integers (Money: per line a code of
its distinct value, per distinct value S and its multiplier, per distinct cost the token value and rate):
the divisions happen when the frame's column is first read, one per distinct value, and equal values are
one Decimal object shared by every row that has it (a projection repeats many: the same tokens on models
that share a tokenizer and a price schedule). A run's requests are divided at once (attrs need them).

int64 bound: share_int < 2^a, minutes_int < 2^b, per_int < 2^c, at most n terms per line (one per
request class and slot of the month): S < n x 2^(a+b+c), checked per run against 2^62 with Python ints;
one run over it prices the whole batch with Python integers (object arrays), exact and slower.

Rows keep the old order: runs in the order they were added, months in order, and in a month its lines in
the order of their first (request class, slot, component).

Pure computation. Over 400 lines: one vectorized pipeline (kinds, segments, terms, sums, Money) whose steps
share the layout of their arrays; split, each part would need the others' layout spelled out again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

import numpy as np
import pandas as pd

from .. import calendar as cal
from ..prices.model import COMPONENTS
from ..workloads.model import Profile
from .projector import _Projector
from ..shapes import FAILED_PREFIX
from .request_bins import excluded_entry, left_out_note
from .amounts import Money, _codes, _distinct
from .structures import Structure, Volume, Volumes, _places, _scaled, weighted_minutes

# Pseudo line ids of a run's sums that are not cost lines: its requests, the requests it left out
# (over_limit: exclude), and -(_UNPRICED + t) the calls of its t-th tool no fee priced.
REQUESTS, LEFT_OUT, _UNPRICED = -1, -2, 3
_INT64_BOUND = 2 ** 62
# values summed at once (_sum_layout: kinds x terms): a batch's arrays are a few hundred KB, not tens of MB
_BATCH_TERMS = 1 << 15
_ORDER = {c: i for i, c in enumerate(COMPONENTS)}


@dataclass(slots=True)  # slots: a big projection holds 10,000 until its frame is built (a __dict__ each: MBs)
class RunSpec:
    """One profile on one model at one case, ready to price: its request classes, tools and volume."""

    profile: Profile
    model_name: str
    case: str
    # (structure, share of the requests, tokens per request by component, left out (over a limit))
    classes: list[tuple[Structure, Decimal, tuple[tuple[str, Decimal], ...], bool]]
    tools: list[tuple[str, str, Decimal]]  # (component, tool, calls per request)
    volume: Volume
    weights: tuple | None
    weights_id: int
    notes: Sequence[str] = ()  # said when the run is priced (the old order)
    excluded: tuple | None = None  # (model, bins, over) when over_limit: exclude leaves requests out
    attempts: Decimal = Decimal(1)  # requests reaching the model per request (failures: retries)


@dataclass
class Chunk:
    """Priced runs: cost lines as columns, and one entry per run that has lines."""

    ids: np.ndarray
    money: Money  # tokens and cost_usd
    periods: np.ndarray  # per line: its (first, last instant) as a code of projector.periods (2 or 4 bytes)
    specs: list[RunSpec]  # the runs priced (those with lines and those without)
    run_specs: np.ndarray  # per run with lines (in order): its position in specs,
    run_months: np.ndarray  # its month index,
    run_lines: np.ndarray   # its number of lines
    requests: np.ndarray    # and its requests (object: Decimals)


def price(projector: _Projector, volumes: Volumes, specs: list[RunSpec], months: int) -> Chunk:
    """Price the runs: cost lines (in order), each run's requests, the requests each run left out, and
    (through the projector, in run order) the notes, unpriced calls and exclusions of each run."""
    if not specs:
        empty = np.zeros(0, dtype=np.int64)
        return Chunk(empty, Money(empty, empty, empty, [], [], empty, empty, empty, [], []), empty, [], empty,
                     empty, empty, np.empty(0, dtype=object))
    lines, pseudo, vids, places = _sums(projector, specs, months)
    chunk = _decimals(projector, volumes, places, lines, pseudo, vids, specs)
    _report(projector, volumes, specs, pseudo, months, places)
    return chunk


@dataclass
class _Block:
    """The sums of the kinds first priced in one chunk, one after the other (each kind's groups in order:
    month, then the first term of each line): kinds point into it (_Rows), so a chunk gathers its runs'
    sums from a few blocks at once, not kind by kind. 4-byte months and line ids; a group's first and last
    instant as one 4-byte code (projector.periods: a projection has a few thousand distinct pairs). A chunk
    keeps its cost lines and its pseudo rows (requests, left out, unpriced calls) in blocks of their own, so
    each is gathered alone and no step after sorts one from the other line by line."""

    month: np.ndarray
    line: np.ndarray
    sum: np.ndarray   # int64, or Python ints (object) when a sum may pass 2^62
    period: np.ndarray
    shift: np.ndarray  # int16: the run's places above the group's own (_Layout.group_shifts)


@dataclass
class _Rows:
    """One kind's rows start:stop of a block."""

    block: _Block
    start: int
    stop: int


@dataclass
class _Priced:
    """The sums of one kind of run (_Kind), every month it has a structure row in: its cost lines,
    its pseudo rows, and the decimal places of its S."""

    lines: _Rows
    pseudo: _Rows
    places: int


_FIELDS = ("month", "line", "sum", "period", "shift")


@dataclass
class _Groups:
    """A chunk's rows of one part (cost lines, or pseudo rows) in row order: per row its run key (run x
    months + month), line id (or pseudo id), S, period code and shift (_Layout.group_shifts)."""

    run_key: np.ndarray
    line: np.ndarray
    sum: np.ndarray
    period: np.ndarray
    shift: np.ndarray


def _sums(projector: _Projector, specs: list[RunSpec], months: int) -> tuple[_Groups, _Groups, np.ndarray, list[int]]:
    """Each run's S per (month, line id) in row order, its cost lines and its pseudo rows apart; each run's
    volume ids per month (runs x months, -1: no volume); and each run's places. Runs of one kind (the same
    structures, shares, tokens per request, tools, attempts and traffic, each written alike: _Kind) have
    the same sums in every month; they differ only in their volume and in the months they have one. So each kind is
    summed once (in a chunk; kinds of uniform traffic once per projection, kept in projector.priced) and
    each run takes its kind's sums in the months it has a volume: the 10,000 runs of the 1,000-profile
    benchmark are 3,490 kinds (490 of uniform traffic)."""
    kinds = [_signature(projector, spec) for spec in specs]
    kept: dict[_Kind, _Priced] = projector.priced
    # a kind with a traffic shape of its own (each profile's shape is its own kind) is not kept past this
    # chunk: it seldom comes again, and the kept sums are memory held for the whole projection
    new: dict[_Kind, RunSpec] = {}
    for kind, spec in zip(kinds, specs):
        if kind not in kept and kind not in new:
            new[kind] = spec
    priced: dict[_Kind, _Priced] = {}
    if new:
        priced = _price_kinds(projector, new, months)
    found = [priced[kind] if kind in priced else kept[kind] for kind in kinds]
    vids = np.stack([spec.volume.vids for spec in specs])  # per run and month: its volume's id, or -1
    return _gather([p.lines for p in found], vids), _gather([p.pseudo for p in found], vids), vids, \
        [p.places for p in found]


def _price_kinds(projector: _Projector, new: dict[_Kind, RunSpec], months: int) -> dict[_Kind, _Priced]:
    """The sums of kinds not priced before (one run of each), in blocks of this chunk; those of uniform
    traffic are also kept in projector.priced for the chunks after."""
    # uniform kinds first: the rows kept for the projection are then the first rows of each block (copied
    # as one slice, not picked row by row)
    order = sorted(new, key=lambda kind: new[kind].weights is not None)
    templates = [new[kind] for kind in order]
    kept_count = sum(spec.weights is None for spec in templates)
    segments = _Segments(projector, _weighed(projector, templates))
    for t, kind in enumerate(order):
        segments.add(t, new[kind], months, kind)
    lines, pseudo = (_blocks(lengths, columns, kept_count)
                     for lengths, columns in _summed_kinds(projector, segments, months, len(templates)))
    priced: dict[_Kind, _Priced] = {}
    for t, kind in enumerate(order):
        places = segments.places[t]
        priced[kind] = _Priced(lines[0][t], pseudo[0][t], places)
        if t < kept_count:  # uniform traffic: shared by many profiles
            projector.priced[kind] = _Priced(lines[1][t], pseudo[1][t], places)
    return priced


def _summed_kinds(projector: _Projector, segments: _Segments, months: int,
                  count: int) -> tuple[tuple[np.ndarray, list[np.ndarray]], ...]:
    """The groups of every kind (template) in template order, its cost lines and its pseudo rows apart
    (_in_template_order). Kinds of one layout (_Segments.layout: the same structures, components and
    request classes; the 3,490 kinds of the 1,000-profile benchmark have 20) group their terms alike: each
    layout is grouped once per projection (_Layout, kept in projector.layouts), each kind's S is a
    reduceat of its own values (_sum_layout)."""
    ranges = segments.run_ranges(count)
    layouts: dict[tuple, list[int]] = {}
    for t, (a, b) in enumerate(ranges):
        layouts.setdefault(segments.layout(a, b), []).append(t)
    pieces: list[tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]] = []
    for key, kinds in layouts.items():
        layout = projector.layouts.get(key)
        if layout is None:
            layout = projector.layouts[key] = _Layout.of(projector, segments, months, kinds[0], ranges[kinds[0]])
        pieces += _sum_layout(projector, segments, months, layout, kinds, ranges)
    sum_type = object if segments.is_wide() else np.int64
    line_pieces, pseudo_pieces = zip(*pieces) if pieces else ((), ())
    return _in_template_order(line_pieces, count, sum_type), _in_template_order(pseudo_pieces, count, sum_type)


@dataclass
class _Layout:
    """How the runs of one layout group their terms, whatever their values: per term that is not 0 in every
    run (share x tokens per request not 0) its segment (an offset in its run's segments) and its row in
    that segment's structure; the grouping (_grouping); and per part of the groups (cost lines, pseudo
    rows) which groups they are, their month index, line id (or pseudo id) and period code."""

    segment: np.ndarray
    within: np.ndarray
    grouping: _Grouping
    parts: tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], ...]
    segment_count: int  # segments of each run
    # per (pattern of the segments' places (its bytes), run places): each group's shift (group_shifts); runs
    # of a layout mostly write their shares and tokens alike (one pattern per layout in the 1,000-profile
    # benchmark), so a batch's shifts are one cached row
    shifts: dict[tuple[bytes, int], np.ndarray] = field(default_factory=dict)

    def group_shifts(self, segment_places: np.ndarray, run_places: np.ndarray) -> np.ndarray:
        """Each group's shift (int16): its run's places (`run_places`, per kind) above the group's own, the
        most of its own terms' (share + minutes + tokens per request, each as written: `segment_places`,
        kinds x segment_count, _Segments.places_of). See _shifts_of. One row (per group) when the kinds'
        are alike, as the groups' months and line ids are; kinds x groups otherwise."""
        if (segment_places == segment_places[0]).all() and (run_places == run_places[0]).all():
            return self._shift_row(segment_places[0], int(run_places[0]))
        return np.stack([self._shift_row(row, int(places)) for row, places in zip(segment_places, run_places)])

    def _shift_row(self, segment_places: np.ndarray, run_places: int) -> np.ndarray:
        key = (segment_places.tobytes(), run_places)
        found = self.shifts.get(key)
        if found is None:
            found = self.shifts[key] = _shifts_of(self.grouping, segment_places[self.segment], run_places)
        return found

    @staticmethod
    def of(projector: _Projector, segments: _Segments, months: int, kind: int,
           segment_range: tuple[int, int]) -> _Layout:
        """The layout of one kind's segments."""
        a, b = segment_range
        terms = segments.all_terms(months, a, b)
        # terms whose share x tokens per request is 0 are 0 in every run of the layout (make no line); those
        # whose minutes are 0 (this kind's weights) need not be: the layout keeps them, each run is checked
        live = segments.share_per(terms["segment"]) != 0
        if not live.all():
            terms = {name: values[live] for name, values in terms.items()}
        grouping = _grouping(terms, segments)
        period = projector.period_codes(grouping.reduce(np.minimum, terms["first"]),
                                        grouping.reduce(np.maximum, terms["last"]))
        month = (grouping.run_key - kind * months).astype(np.int32)
        line = grouping.line.astype(np.int32)
        parts = tuple((groups, month[groups], line[groups], period[groups])
                      for groups in (np.flatnonzero(line >= 0), np.flatnonzero(line < 0)))
        return _Layout(terms["segment"] - a, terms["within"], grouping, parts, b - a)


def _sum_layout(projector: _Projector, segments: _Segments, months: int, layout: _Layout, kinds: list[int],
                ranges: list[tuple[int, int]]) -> list[tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]]:
    """The groups of kinds of one layout as pieces, each (kinds, month, line id, S per kind and group,
    period code) of its cost lines and of its pseudo rows: every kind's values summed as the layout
    groups them, about _BATCH_TERMS values at a time. A kind with a term of zero value (a traffic weight of 0
    over a whole structure row) has fewer terms, maybe fewer groups or other first and last instants:
    grouped on its own (_sum_kind)."""
    firsts = np.array([ranges[k][0] for k in kinds], dtype=np.int64)
    pieces: list[tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]] = []
    step = max(1, _BATCH_TERMS // max(len(layout.segment), 1))
    for i in range(0, len(kinds), step):
        batch = np.array(kinds[i:i + step], dtype=np.int64)
        batch_firsts = firsts[i:i + step]
        values = segments.values(batch_firsts[:, None] + layout.segment, layout.within)  # kinds x terms
        zero = (values == 0).any(axis=1)
        if zero.any():
            values, batch_firsts = values[~zero], batch_firsts[~zero]
            pieces += [_sum_kind(projector, segments, months, k, ranges[k]) for k in batch[zero].tolist()]
            batch = batch[~zero]
        if len(batch):
            sums = layout.grouping.reduce(np.add, values)
            shift = layout.group_shifts(segments.places_of(batch_firsts[:, None] + np.arange(layout.segment_count)),
                                        segments.run_places[batch])
            lines, pseudo = ((batch, month, line, sums[:, groups], period, shift[..., groups])
                             for groups, month, line, period in layout.parts)
            pieces.append((lines, pseudo))
    return pieces


def _sum_kind(projector: _Projector, segments: _Segments, months: int, kind: int,
              segment_range: tuple[int, int]) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """One kind's groups as a piece of _sum_layout's."""
    terms = segments.terms(months, *segment_range)
    groups = _aggregate(terms, segments)
    kinds = np.array([kind], dtype=np.int64)
    shift = _shifts_of(groups["grouping"], segments.places_of(terms["segment"]), segments.places[kind])
    month = (groups["run_key"] - kind * months).astype(np.int32)
    line = groups["line"].astype(np.int32)
    period = projector.period_codes(groups["first"], groups["last"])
    lines, pseudo = ((kinds, month[rows], line[rows], groups["sum"][None, rows], period[rows], shift[rows])
                     for rows in (line >= 0, line < 0))
    return lines, pseudo


def _in_template_order(pieces: Sequence[tuple[np.ndarray, ...]], count: int,
                       sum_type: type) -> tuple[np.ndarray, list[np.ndarray]]:
    """The pieces' groups as columns (month, line id, S, period code, shift), each kind's after those of the
    kinds before it, and how many each kind has."""
    lengths = np.zeros(count, dtype=np.int64)
    for kinds, month, _, _, _, _ in pieces:
        lengths[kinds] = len(month)
    starts = np.cumsum(lengths) - lengths
    total = int(lengths.sum())
    month, line, period = (np.empty(total, dtype=np.int32) for _ in range(3))
    sums: np.ndarray = np.empty(total, dtype=sum_type)
    shift = np.empty(total, dtype=np.int16)
    for kinds, piece_month, piece_line, piece_sums, piece_period, piece_shift in pieces:
        at = (starts[kinds][:, None] + np.arange(len(piece_month))).ravel()
        month[at] = np.tile(piece_month, len(kinds))
        line[at] = np.tile(piece_line, len(kinds))
        period[at] = np.tile(piece_period, len(kinds))
        sums[at] = piece_sums.ravel()
        shift[at] = np.tile(piece_shift, len(kinds)) if piece_shift.ndim == 1 else piece_shift.ravel()
    return lengths, [month, line, sums, period, shift]


def _blocks(lengths: np.ndarray, columns: list[np.ndarray], kept_count: int) -> tuple[list[_Rows], list[_Rows]]:
    """Rows of the templates (kinds, in order: `lengths` rows each) as a block of this chunk, and the rows of
    the first kept_count (uniform traffic) as the block kept for the whole projection (traffic shapes' sums
    die with the chunk): per template its rows in the first, per kept one in the second."""
    block = _Block(*columns)
    ends = np.cumsum(lengths)
    starts = (ends - lengths).tolist()
    ends_list = ends.tolist()
    rows = [_Rows(block, a, b) for a, b in zip(starts, ends_list)]
    if kept_count == len(lengths):
        kept = block
    else:
        stop = ends_list[kept_count - 1] if kept_count else 0
        kept = _Block(*(column[:stop].copy() for column in columns))
    return rows, [_Rows(kept, a, b) for a, b in zip(starts[:kept_count], ends_list[:kept_count])]


def _gather(found: list[_Rows], vids: np.ndarray) -> _Groups:
    """Every run's rows (found: each run's kind's rows) gathered at once from the blocks they are in, in the
    months the run has a volume (not running, or no requests: no rows, as if never summed)."""
    months = vids.shape[1]
    blocks: dict[int, tuple[_Block, int]] = {}
    offset = 0
    for rows in found:
        if id(rows.block) not in blocks:
            blocks[id(rows.block)] = (rows.block, offset)
            offset += len(rows.block.month)
    pool = {name: np.concatenate([getattr(b, name) for b, _ in blocks.values()]) if len(blocks) > 1
            else getattr(next(iter(blocks.values()))[0], name) for name in _FIELDS}
    run_starts = np.array([blocks[id(rows.block)][1] + rows.start for rows in found], dtype=np.int64)
    lengths = np.array([rows.stop - rows.start for rows in found], dtype=np.int64)
    ends = np.cumsum(lengths)
    # each row's place in the pool, and its run key (run x months + month), added in place: no temporary of
    # the rows' length beside them (fresh pages)
    index = np.repeat(run_starts - (ends - lengths), lengths)
    index += np.arange(len(index), dtype=np.int64)
    run_key = np.repeat(np.arange(0, len(found) * months, months, dtype=np.int64), lengths)
    run_key += pool["month"][index]
    if (vids < 0).any():
        keep = vids.ravel()[run_key] >= 0
        index, run_key = index[keep], run_key[keep]
    return _Groups(run_key, *(pool[name][index] for name in ("line", "sum", "period", "shift")))


def _weighed(projector: _Projector, specs: list[RunSpec]) -> dict[tuple, tuple[np.ndarray, int, int]]:
    """The traffic-weighted minutes of every (structure, traffic shape) the runs use, per (id(structure),
    weights id): the structures and shapes of one zone weighed at once (structures.weighted_minutes), so a
    structure is also weighed by the zone's shapes of runs that do not use it (rows x shapes of one product:
    cheaper than picking the pairs apart)."""
    # per zone: its structures and traffic shapes, by id, in first use
    zones: dict[str, tuple[dict[int, Structure], dict[int, tuple]]] = {}
    for spec in specs:
        if spec.weights is None:
            continue
        tz = spec.profile.traffic.timezone  # a weights id is one traffic shape: one zone
        structures, shapes = zones.setdefault(tz, ({}, {}))
        shapes.setdefault(spec.weights_id, spec.weights)
        for structure, _, _, _ in spec.classes:
            structures.setdefault(id(structure), structure)
    out: dict[tuple, tuple[np.ndarray, int, int]] = {}
    for tz, (structures, shapes) in zones.items():
        weighed = weighted_minutes(projector, list(structures.values()), tz, [(w, i) for i, w in shapes.items()])
        for structure_id, per_shape in zip(structures, weighed):
            for weights_id, minutes in zip(shapes, per_shape):
                out[(structure_id, weights_id)] = minutes
    return out


class _Kind(NamedTuple):
    """What decides a run's sums S and the places its lines are written with (not its volume): a kind of
    run, summed once (_sums). Values are compared as numbers (200 == 200.0) and their places apart, so runs
    whose inputs are written with other places (200 and 200.0 tokens, shares of 0.5 and 0.50) are other
    kinds: other digits."""

    parts: tuple           # per request class: (structure id, share, tokens per request, left out)
    tools: tuple           # (component, tool, calls per request)
    attempts: Decimal
    weights_id: int        # the traffic shape
    class_places: tuple    # per request class: (its share's places, the places of each of its tokens)
    tool_places: tuple     # each tool's calls' places
    attempts_places: int
    share_places: int      # S's integers: the most places of the shares
    per_places: int        # ... and of the tokens per request, tool calls and attempts


def _signature(projector: _Projector, spec: RunSpec) -> _Kind:
    """The run's kind (_Kind); its request classes' part once per classes list (runs prepared alike share
    one)."""
    classes = spec.classes
    found = projector.class_signatures.get(id(classes))
    if found is None or found[0] is not classes:
        found = projector.class_signatures[id(classes)] = (classes, *_class_signature(classes))
    _, parts, class_places, share_places, per_places = found
    tool_places = tuple(_places(calls) for _, _, calls in spec.tools)
    attempts_places = _places(spec.attempts)
    return _Kind(parts, tuple(spec.tools), spec.attempts, spec.weights_id, class_places, tool_places,
                 attempts_places, share_places, max(per_places, attempts_places, *tool_places))


def _class_signature(classes: list) -> tuple[tuple, tuple, int, int]:
    """The request classes' part of a run's _Kind: (structure id, share, tokens, left out) per class, per
    class its share's places and the places of each of its tokens per request, and the most places of
    the shares and of the tokens."""
    share_places = per_places = 0
    parts = []
    own: dict[int, tuple[int, ...]] = {}  # id(tokens) -> places of each: the tiers of a bin share its tokens
    for structure, share, tokens, excluded in classes:
        share_places = max(share_places, _places(share))
        if id(tokens) not in own:
            own[id(tokens)] = tuple(_places(n) for _, n in tokens)
            per_places = max((per_places, *own[id(tokens)]))
        # id(structure) names one structure: projector.structures holds every structure as long as
        # projector.priced holds their sums (the whole projection), so an id is never reused meanwhile
        parts.append((id(structure), share, tokens, excluded))
    class_places = tuple((_places(share), own[id(tokens)]) for _, share, tokens, _ in classes)
    return tuple(parts), class_places, share_places, per_places


class _Segments:
    """One segment per (run, request class, component): a run of terms over its structure's rows."""

    def __init__(self, projector: _Projector, weighed: dict[tuple, tuple[np.ndarray, int, int]]):
        self.projector = projector
        self.weighed = weighed  # (id(structure), weights id) -> weighted minutes (_weighed)
        self.structures: dict[int, int] = {}  # id(structure) -> batch index
        self.structure_list: list[Structure] = []
        self.sources: dict[tuple, int] = {}  # (id(structure), weights id) -> minutes source index
        self.source_list: list[np.ndarray] = []
        # (structure, minutes source, component column, pseudo line id, share, per, run, class, component
        # position, places) of each segment; its places are those of its terms (_shifts_of)
        self.segments: list[tuple[int, int, int, int, int, int, int, int, int, int]] = []
        self.places: list[int] = []  # per run: places of its S (its most share + minutes + most per places)
        self.wide = False            # a run's sums may pass 2^62: Python integers
        self.columns: dict[str, int] = {c: i for i, c in enumerate(COMPONENTS)}
        self._column_names: list[str | None] = []  # per column its component (layout)
        self.most_slots = 1
        self.most_classes = 1
        self.most_tools = 0
        self._laid_out = False  # _lay_out: once every segment is added

    def add(self, b: int, spec: RunSpec, months: int, kind: _Kind) -> None:
        """Run b's segments (its kind: the places of its integers and of each term's own inputs)."""
        share_places, per_places = kind.share_places, kind.per_places
        # the tiers of a bin share its tokens tuple: each distinct one scaled once
        distinct = {id(tokens): tokens for _, _, tokens, _ in spec.classes}
        scaled = {key: [(c, _scaled(n, per_places)) for c, n in tokens] for key, tokens in distinct.items()}
        tools = [(component, _scaled(calls, per_places)) for component, _, calls in spec.tools]
        one = 10 ** per_places  # a request counts 1 (requests, requests left out)
        tries = _scaled(spec.attempts, per_places)  # a request with its retries (failures:)
        biggest_per = max([n for values in scaled.values() for _, n in values] + [n for _, n in tools]
                          + [one, tries])
        self.most_classes = max(self.most_classes, len(spec.classes))
        self.most_tools = max(self.most_tools, len(spec.tools))
        pseudo_index = len(COMPONENTS) + 1 + self.most_tools
        biggest_share = biggest_minutes = 0
        minutes_places = 0
        slots = 1
        for r, (structure, share, tokens, excluded) in enumerate(spec.classes):
            s = self.structures.get(id(structure))
            if s is None:
                s = self.structures[id(structure)] = len(self.structure_list)
                self.structure_list.append(structure)
                for c in structure.ids:
                    self.columns.setdefault(c, len(self.columns))
            source = self.sources.get((id(structure), spec.weights_id))
            minutes, minutes_places, most = (structure.minutes, 0, structure.max_minutes) if spec.weights is None \
                else self.weighed[(id(structure), spec.weights_id)]
            if source is None:
                source = self.sources[(id(structure), spec.weights_id)] = len(self.source_list)
                self.source_list.append(minutes)
            for c, _ in tokens:
                if c.startswith(FAILED_PREFIX) and c not in structure.ids:
                    self._failed_ids(structure, c)
            biggest_minutes = max(biggest_minutes, most)
            slots = max(slots, structure.max_slots)
            share_int = _scaled(share, share_places)
            biggest_share = max(biggest_share, share_int)
            # a term's places: its share's, its minutes' and its tokens per request's (calls, attempts)
            share_own, per_own = kind.class_places[r]
            places = share_own + minutes_places
            add = self.segments.append
            if excluded:
                add((s, source, -1, LEFT_OUT, share_int, one, b, r, pseudo_index, places))
                continue
            for (c, per), per_places_own in zip(scaled[id(tokens)], per_own):
                add((s, source, self.columns[c], -1, share_int, per, b, r, _ORDER[c.removeprefix(FAILED_PREFIX)],
                     places + per_places_own))
            for t, (component, per) in enumerate(tools):
                column = self.columns.setdefault(component, len(self.columns))
                add((s, source, column, -(_UNPRICED + t), share_int, per, b, r, len(COMPONENTS) + t,
                     places + kind.tool_places[t]))
            add((s, source, -1, REQUESTS, share_int, tries, b, r, pseudo_index, places + kind.attempts_places))
        self.most_slots = max(self.most_slots, slots)
        self.places.append(share_places + minutes_places + per_places)
        if (len(spec.classes) * slots * biggest_share * biggest_minutes * biggest_per) >= _INT64_BOUND \
                or biggest_share * biggest_per >= _INT64_BOUND:  # terms: share x per first (any minutes)
            self.wide = True

    def _failed_ids(self, structure: Structure, component: str) -> None:
        """A structure's line ids of a failed-attempts component (costcalc.shapes.with_failures): its base
        component's lines, labelled as failed attempts (projector.failed_line). Kept on the (shared)
        structure; made only for a run with failures, so a projection without them has no such lines."""
        base = structure.ids.get(component.removeprefix(FAILED_PREFIX), np.full(len(structure.month), -1))
        structure.ids[component] = np.array([self.projector.failed_line(int(i)) if i >= 0 else -1 for i in base],
                                            dtype=np.int64)
        self.columns.setdefault(component, len(self.columns))

    def run_ranges(self, count: int) -> list[tuple[int, int]]:
        """Each run's segments [a, b) (segments come in run order; a run may have none)."""
        self._lay_out()
        ends = np.searchsorted(self._runs, np.arange(1, count + 1)).tolist()
        return list(zip([0] + ends[:-1], ends))

    def layout(self, a: int, b: int) -> tuple:
        """What decides how segments a to b group their terms (_grouping), not their values: per segment its
        structure, component, pseudo id, request class and component position, and whether share x tokens
        per request is 0 (its terms make no line). Alike in every chunk of a projection (the structure by
        its id: projector.structures holds every structure for the whole projection)."""
        if len(self._column_names) != len(self.columns) + 1:
            self._column_names = [*self.columns, None]  # column -1: no component (a pseudo row)
        structures, names = self.structure_list, self._column_names
        return tuple((id(structures[s]), names[column], pseudo, r, index, share * per != 0)
                     for s, _, column, pseudo, share, per, _, r, index, _ in self.segments[a:b])

    def is_wide(self) -> bool:
        """Whether sums are Python integers (object arrays): a run's may pass 2^62, or minutes do."""
        self._lay_out()
        return self._wide

    def share_per(self, segment: np.ndarray) -> np.ndarray:
        """share x tokens per request of each segment (integers at the run's places)."""
        return self._share_per[segment]

    def values(self, segment: np.ndarray, within: np.ndarray) -> np.ndarray:
        """The terms' values, share x per x minutes, of segments at their structure's rows `within` (arrays
        of one shape, or broadcast: kinds x terms)."""
        return self._share_per[segment] * self._all_minutes[self._source_offsets[self._sources[segment]] + within]

    def places_of(self, segment: np.ndarray) -> np.ndarray:
        """The places of each segment's terms (int16): its share's + its minutes' + its tokens per request's
        (calls, attempts), each as written."""
        return self._seg_places[segment]

    def _lay_out(self) -> None:
        """The arrays every batch of terms reads: the structures' rows one after the other (month, slot,
        instants, the line id of each component), the minutes sources, and the segments as columns."""
        if self._laid_out:
            return
        self._laid_out = True
        structures = self.structure_list
        lengths = np.array([len(s.month) for s in structures], dtype=np.int64)
        self._offsets = offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        self._month = np.concatenate([s.month for s in structures])
        self._slot = np.concatenate([s.slot for s in structures])
        # instants (epoch minutes: below 2^31 until the year 6053) and line ids (a few thousand) in 4 bytes:
        # half the memory of the terms' widest columns
        self._first = np.concatenate([s.first for s in structures]).astype(np.int32)
        self._last = np.concatenate([s.last for s in structures]).astype(np.int32)
        ids = np.full((len(self._month), len(self.columns) + 1), -1, dtype=np.int32)  # last column: no line
        for s, structure in enumerate(structures):
            for c, values in structure.ids.items():
                ids[offsets[s]:offsets[s] + lengths[s], self.columns[c]] = values
        self._ids = ids
        source_lengths = np.array([len(m) for m in self.source_list], dtype=np.int64)
        self._source_offsets = np.concatenate([[0], np.cumsum(source_lengths)[:-1]]).astype(np.int64)
        self._wide = wide = self.wide or any(m.dtype == object for m in self.source_list)
        self._all_minutes = np.concatenate([m.astype(object) if wide else m for m in self.source_list])
        table = list(zip(*self.segments))
        self._struct, self._sources, self._components, self._pseudos, self._runs, self._positions, \
            self._indexes = (np.array(table[i], dtype=np.int64) for i in (0, 1, 2, 3, 6, 7, 8))
        dtype = object if wide else np.int64
        # share x per once per segment (below 2^62 unless wide: _Segments.add)
        self._share_per = np.array(table[4], dtype=dtype) * np.array(table[5], dtype=dtype)
        self._seg_length = lengths[self._struct]
        self._seg_places = np.array(table[9], dtype=np.int16)
        self.run_places = np.array(self.places, dtype=np.int16)  # per run: its places (self.places)

    def terms(self, months: int, a: int, b: int) -> dict[str, np.ndarray]:
        """The terms of segments a to b as arrays: run key (run x months + month), within-run position, line
        id (or a pseudo id), S-part (share x minutes x per), first and last instant. Every month of a
        structure, whether the run has a volume in it or not (_sums leaves those months out); no term whose
        value is zero (tokens per request of 0, a traffic weight of 0): it makes no line."""
        columns = self.all_terms(months, a, b)
        keep = columns["value"] != 0
        if not keep.all():
            columns = {name: values[keep] for name, values in columns.items()}
        return columns

    def all_terms(self, months: int, a: int, b: int) -> dict[str, np.ndarray]:
        """terms(), zeros too, and per term its segment ("segment") and its row in its structure ("within")."""
        self._lay_out()
        offsets, ids = self._offsets, self._ids
        struct = self._struct[a:b]
        seg_length = self._seg_length[a:b]

        def each(per_segment: np.ndarray) -> np.ndarray:  # a segment's value on each of its terms
            return np.repeat(per_segment, seg_length)

        within = np.arange(int(seg_length.sum()), dtype=np.int64) - each(np.cumsum(seg_length) - seg_length)
        row = each(offsets[struct]) + within
        segment = each(np.arange(a, b, dtype=np.int64))
        # each term's line id: its structure's row in its component's column (flat), or the segment's pseudo id
        line = ids.ravel()[each(offsets[struct] * ids.shape[1] + self._components[a:b]) + within * ids.shape[1]]
        line = np.where(line >= 0, line, each(self._pseudos[a:b].astype(np.int32)))
        width = len(COMPONENTS) + 2 + self.most_tools  # positions in a slot: components, tools, pseudo rows
        position = each((self._positions[a:b] * self.most_slots) * width + self._indexes[a:b]) \
            + self._slot[row] * width
        run_key = each(self._runs[a:b] * months) + self._month[row]
        return {"run_key": run_key, "position": position, "line": line, "value": self.values(segment, within),
                "first": self._first[row], "last": self._last[row], "segment": segment, "within": within}

    def span(self) -> int:
        """More than any within-run position (terms): a run key times it plus a position orders a run's terms."""
        return self.most_classes * self.most_slots * (len(COMPONENTS) + 2 + self.most_tools)


def _shifts_of(grouping: _Grouping, term_places: np.ndarray, run_places: int) -> np.ndarray:
    """Each group's shift: its run's places above its own, the most of its own terms' (`term_places`).
    S is summed at the run's places (the most of any of its terms: every term an integer), so a group's S
    is 10^shift x its value at its own places, and a line is written with those (as the sum of its terms'
    Decimals was before): its digits do not depend on the run's other lines (a reasoning count of 1234.5
    gave the input line a trailing zero). Values are made with it (amounts.Money); sums need none."""
    return (run_places - grouping.reduce(np.maximum, term_places)).astype(np.int16)


@dataclass
class _Grouping:
    """How terms are summed per (run, line id): terms `taken` in group order, each group's first position in
    it (`starts`), the groups in the order of their first term within the run (`appearance`), and the
    groups' run keys and line ids in that order."""

    taken: np.ndarray
    starts: np.ndarray
    appearance: np.ndarray
    run_key: np.ndarray
    line: np.ndarray

    def reduce(self, ufunc: np.ufunc, values: np.ndarray) -> np.ndarray:
        """ufunc over each group's values (the last axis: one row per run of a layout, _sum_layout)."""
        if not len(self.starts):
            return values[..., :0]
        return ufunc.reduceat(values[..., self.taken], self.starts, axis=-1)[..., self.appearance]


def _grouping(terms: dict[str, np.ndarray], segments: _Segments) -> _Grouping:
    """Group the terms per (run, line id): groups in the order of their first term within the run."""
    run_key, span, position = terms["run_key"], segments.span(), terms["position"]
    pseudo = _UNPRICED + segments.most_tools + 1
    width = len(segments.projector.line_meta) + pseudo
    key = run_key * width + terms["line"] + pseudo
    # groups by sorting (a hash factorize of every term costs twice as much): one sort on (group, place in
    # the run), so each group's terms are together in position order and its first term is its first
    if len(key) and (int(key.max()) + 1) * span < _INT64_BOUND:
        taken = np.argsort(key * span + position, kind="stable")  # unique keys; terms come in runs
    else:  # too wide for one int64 key: by place in the run (run_key x span + position), then by group
        order = np.argsort(run_key * span + position, kind="stable")
        taken = order[np.argsort(key[order], kind="stable")]
    sorted_keys = key[taken]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]) if len(key) else \
        np.zeros(0, dtype=np.int64)
    heads = taken[starts]  # each group's first term: the groups in the order of their first term in the run
    appearance = np.argsort(run_key[heads] * span + position[heads], kind="stable")
    uniques = sorted_keys[starts][appearance]
    return _Grouping(taken, starts, appearance, uniques // width, uniques % width - pseudo)


def _aggregate(terms: dict[str, np.ndarray], segments: _Segments) -> dict:
    """Sum the terms per (run, line id): groups in the order of their first term within the run, each with
    its sum and its first and last instant (and the grouping)."""
    grouping = _grouping(terms, segments)
    return {"run_key": grouping.run_key, "line": grouping.line, "sum": grouping.reduce(np.add, terms["value"]),
            "first": grouping.reduce(np.minimum, terms["first"]), "last": grouping.reduce(np.maximum, terms["last"]),
            "grouping": grouping}


def _decimals(projector: _Projector, volumes: Volumes, run_places: list[int], lines: _Groups, pseudo: _Groups,
              vids: np.ndarray, specs: list[RunSpec]) -> Chunk:
    """The cost lines' tokens and cost_usd as Money (integers, divided when read: see Money), and each
    run's requests as Decimals: one division per distinct value (see the module docstring)."""
    months = vids.shape[1]
    numerators, divisors, multiplier_of = _multipliers(volumes, run_places, vids, pseudo.run_key)
    requests_rows = pseudo.line == REQUESTS
    request_keys = pseudo.run_key[requests_rows]
    # a value is (S, multiplier, shift): equal S and multipliers with other shifts are other digits
    width = 1 + max(int(lines.shift.max(initial=0)), int(pseudo.shift.max(initial=0)))
    multiplier_of *= width
    tokens_codes, token_sums, token_keys = _distinct(lines.sum, multiplier_of[lines.run_key] + lines.shift,
                                                     len(divisors) * width)
    token_multipliers, token_shifts = np.divmod(token_keys, width)
    request_codes, request_sums, request_keys_distinct = _distinct(
        pseudo.sum[requests_rows], multiplier_of[request_keys] + pseudo.shift[requests_rows], len(divisors) * width)
    request_multipliers, request_shifts = np.divmod(request_keys_distinct, width)
    line = lines.line
    # cost: one value per distinct (token value, rate)
    rate_codes, rates = _chunk_rates(projector.line_meta, line)
    cost_codes, cost_uniques = _codes(tokens_codes * len(rates) + rate_codes[line], len(token_sums) * len(rates))
    # each rate at its own places, as the cost is written (rate x tokens / 1M): a line's digits never depend
    # on the other models priced in its chunk
    rate_places = [_places(rate) for rate in rates]
    # codes in the smallest unsigned type that holds them (a chunk's lines are kept until the frame is read:
    # 2M lines of the 1,000-profile projection): most distinct token values and multipliers of a chunk fit 2
    # bytes, the rates 1
    money = Money(_narrow(tokens_codes, len(token_sums)), token_sums, _narrow(token_multipliers, len(divisors)),
                  numerators, divisors, _narrow(cost_codes, len(cost_uniques)),
                  _narrow(cost_uniques // len(rates), len(token_sums)), _narrow(cost_uniques % len(rates), len(rates)),
                  [_scaled(rate, places) for rate, places in zip(rates, rate_places)], rate_places,
                  _narrow(token_shifts, width) if width > 1 else None)
    requests_array = Money(request_codes, request_sums, request_multipliers, numerators, divisors,
                           *(np.zeros(0, dtype=np.int64),) * 3, [], [], _narrow(request_shifts, width)).tokens()
    # runs: those with cost lines, in order (lines come in run-month order); each with its requests (a
    # run-month with lines has a requests sum)
    counts = np.bincount(lines.run_key, minlength=vids.size)
    keys = np.flatnonzero(counts)
    requests = requests_array[np.searchsorted(request_keys, keys)] if len(keys) else np.empty(0, dtype=object)
    # per line 2 bytes for its period and its line id while a projection has fewer than 2^15 of them
    periods = lines.period.astype(np.int16 if len(projector.periods) < 2 ** 15 else np.int32)
    ids = line.astype(np.int16 if len(projector.line_meta) < 2 ** 15 else np.int32)
    return Chunk(ids, money, periods, specs, _narrow(keys // months, len(specs)), _narrow(keys % months, months),
                 counts[keys].astype(np.int32), requests)


def _chunk_rates(meta: list[tuple], line: np.ndarray) -> tuple[np.ndarray, list[Decimal]]:
    """The rates of a chunk's lines (line ids `line`), each distinct one once, in line id order, and per line
    id its rate's position among them (0 for an id no line has). Rates are told apart by their text: 5.00
    and 5.0 are equal, but a cost's digits follow its own rate's places. Only the rates the lines have: the
    (token value, rate) table _codes numbers cost values in is that much smaller (49 of a projection's 63
    rates in each chunk of the 1,000-profile benchmark)."""
    rate_of: dict[str, tuple[int, Decimal]] = {}
    codes = np.zeros(max(len(meta), 1), dtype=np.int64)
    for i in np.flatnonzero(np.bincount(line, minlength=len(meta))).tolist():
        codes[i] = rate_of.setdefault(str(meta[i][2]), (len(rate_of), meta[i][2]))[0]
    return codes, [rate for _, rate in rate_of.values()] or [Decimal(0)]


def _multipliers(volumes: Volumes, run_places: list[int], vids: np.ndarray,
                 pseudo_keys: np.ndarray) -> tuple[list[int], list[Decimal], np.ndarray]:
    """The chunk's multipliers, V_int over den x 10^(places of S + places of V), each found once (numerators,
    divisors), and per run key (run x months + month) its multiplier's position: numbered in the order of
    the run-months that have rows (each has a pseudo row: its requests, or what it left out)."""
    has_rows = np.zeros(vids.size, dtype=bool)
    has_rows[pseudo_keys] = True
    keys = (vids.astype(np.int64) * 4096 + np.array(run_places, dtype=np.int64)[:, None]).ravel()
    multiplier_of = np.full(vids.size, -1, dtype=np.int64)
    multiplier_of[has_rows], distinct = pd.factorize(keys[has_rows])
    numerators, divisors = [], []
    for key in np.asarray(distinct, dtype=np.int64).tolist():
        vid, s_places = divmod(key, 4096)
        numerators.append(volumes.numerators[vid])
        divisors.append(volumes.denominators[vid].scaleb(s_places + volumes.places[vid]))
    return numerators, divisors, multiplier_of


def _narrow(codes: np.ndarray, count: int) -> np.ndarray:
    """Codes in [0, count) in the smallest unsigned type that holds them (int32 past 2^16)."""
    return codes.astype(np.uint8 if count <= 2 ** 8 else np.uint16 if count <= 2 ** 16 else np.int32)


def _report(projector: _Projector, volumes: Volumes, specs: list[RunSpec], pseudo: _Groups, months: int,
            places: list[int]) -> None:
    """Per run, in order: its notes, the calls no fee priced, and what over_limit: exclude left out."""
    line = pseudo.line
    rare = np.flatnonzero(line <= LEFT_OUT)
    amounts = _pseudo_amounts(volumes, specs, pseudo, rare, months, places)
    by_run: dict[int, list[tuple[int, Decimal]]] = {}
    for i, amount in zip(rare.tolist(), amounts.tolist()):
        by_run.setdefault(int(pseudo.run_key[i]) // months, []).append((i, amount))
    for b, spec in enumerate(specs):
        for note in spec.notes:
            projector.note(note)
        left_out = []
        for i, amount in by_run.get(b, []):
            label = cal.month_label(*_month_of(spec, int(pseudo.run_key[i]) % months))
            if line[i] == LEFT_OUT:
                left_out.append((label, amount))
            else:
                tool = spec.tools[-int(line[i]) - _UNPRICED][1]
                projector.unpriced(spec.model_name, tool, spec.profile.name, label, spec.case, amount)
        if spec.excluded is not None:
            model, bins, over = spec.excluded
            entry = excluded_entry(spec.profile, model, spec.model_name, bins, over, left_out, spec.case)
            projector.excluded.append(entry)
            projector.note(left_out_note(entry, [n for _, n in left_out]))


def _pseudo_amounts(volumes: Volumes, specs: list[RunSpec], pseudo: _Groups, rows: np.ndarray, months: int,
                    places: list[int]) -> np.ndarray:
    """The Decimals of pseudo rows `rows` (requests left out, calls no fee priced: few), made as Money makes a
    line's, each written with its own places (Money.shifts)."""
    runs, month = (part.tolist() for part in np.divmod(pseudo.run_key[rows], months))
    vids = [int(specs[b].volume.vids[index]) for b, index in zip(runs, month)]
    divisors = [volumes.denominators[vid].scaleb(places[b] + volumes.places[vid]) for vid, b in zip(vids, runs)]
    each = np.arange(len(rows))
    empty = np.zeros(0, dtype=np.int64)
    return Money(each, pseudo.sum[rows], each, [volumes.numerators[vid] for vid in vids], divisors, empty, empty,
                 empty, [], [], pseudo.shift[rows]).tokens()


def _month_of(spec: RunSpec, index: int) -> tuple[int, int]:
    window: tuple[datetime, datetime] = spec.volume.windows[index]
    return window[0].year, window[0].month
