"""The projection's frame: priced chunks of cost lines as one tidy DataFrame (COLUMNS, then a `tag:`
column per tag), and the attrs built from its runs (requests per run, list and native rates).

Pure computation.
"""

from __future__ import annotations

import functools
from decimal import Decimal

import numpy as np
import pandas as pd

from .. import calendar as cal
from ..money import DIVIDE
from ..prices.model import COMPONENTS, is_tool_component
from ..workloads.model import CASES, Profile
from ..frames.decimal import DecimalArray
from .amounts import Joined
from .pricing import Chunk, RunSpec, price
from .structures import Volumes
from .projector import _Projector

COLUMNS = ["profile", "model", "provider", "month", "rule", "component", "tokens", "usd_per_mtok",
           "cost_usd", "case", "period_start", "period_end"]
TAG_PREFIX = "tag:"
# Runs priced together: enough that numpy's per-call cost vanishes, few enough that the per-term arrays
# (a run has about 300 terms) stay in the cache and a big projection's peak memory stays small.
FLUSH_RUNS = 1000
_RUN_BLOCK = 2048  # runs (~6 lines each) marked at a time by _line_rates: index temporaries under 128 KiB
RUN_COLUMNS = ("profile", "model", "case", "month", "lines", "requests")
_ZERO = Decimal(0)


class _Columns:
    """The runs added (RunSpec: one profile on one model at one case) until they are priced, then the
    priced chunks as columns. Profile, model, month and case are the same for a run of lines, so they
    are stored once per run and repeated when the frame is built; rule, component, rate and provider
    come from the line id."""

    def __init__(self, projector: _Projector, volumes: Volumes, months: int):
        self.projector = projector
        self.volumes = volumes
        self.months = months
        self.pending: list[RunSpec] = []
        self.chunks: list[Chunk] = []
        # per run with lines, in order, as columns: profile, model and case as codes (positions in the
        # dicts below, in the order first seen), month index, lines, requests (cost per 1,000 requests)
        self.run_columns: dict[str, list[np.ndarray]] = {k: [] for k in RUN_COLUMNS}
        self.profile_codes: dict[str, int] = {}
        self.model_codes: dict[str, int] = {}
        self._ids: np.ndarray | None = None

    def add(self, spec: RunSpec) -> None:
        self.pending.append(spec)
        if len(self.pending) >= FLUSH_RUNS:
            self.flush()

    def flush(self) -> Chunk:
        """Price the runs added since the last flush (notes and lists reach the projector in run order)."""
        chunk = price(self.projector, self.volumes, self.pending, self.months)
        self.pending = []
        self.chunks.append(chunk)
        specs = chunk.specs
        per_spec = {
            "profile": [self.profile_codes.setdefault(s.profile.name, len(self.profile_codes)) for s in specs],
            "model": [self.model_codes.setdefault(s.model_name, len(self.model_codes)) for s in specs],
            "case": [CASES.index(s.case) for s in specs]}
        for key, codes in per_spec.items():
            self.run_columns[key].append(np.array(codes, dtype=np.int32)[chunk.run_specs])
        self.run_columns["month"].append(chunk.run_months)
        self.run_columns["lines"].append(chunk.run_lines)
        self.run_columns["requests"].append(chunk.requests)
        return chunk

    def runs(self, key: str) -> np.ndarray:
        """A column of the runs with lines (RUN_COLUMNS)."""
        arrays = self.run_columns[key]
        if not arrays:
            return np.empty(0, dtype=object if key == "requests" else np.int64)
        if len(arrays) > 1:
            self.run_columns[key] = arrays = [np.concatenate(arrays)]
        return arrays[0]

    def run_names(self, key: str) -> tuple[np.ndarray, list[str]]:
        """(codes, names) of the runs' profile, model or case: names[codes] is each run's."""
        if key == "case":
            return self.runs(key), list(CASES)
        names = list(self.profile_codes if key == "profile" else self.model_codes)
        return self.runs(key), names

    def column(self, name: str) -> np.ndarray:
        arrays = [getattr(c, name) for c in self.chunks]
        if not arrays:
            return np.zeros(0, dtype=np.int32)
        return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)

    @property
    def ids(self) -> np.ndarray:
        return self.column("ids") if self.chunks or self._ids is None else self._ids

    def frame(self, profiles: list[Profile], month_list: list[tuple[int, int]]) -> pd.DataFrame:
        if self.pending:
            self.flush()
        counts = self.runs("lines")
        ids = self.column("ids")
        periods = [c.periods for c in self.chunks]
        # tokens and cost_usd stay integers until a value is read (pricing.Money, DecimalArray.deferred)
        money = [c.money for c in self.chunks]
        joined_tokens = Joined(money, "tokens")
        tokens = DecimalArray.deferred(len(ids), joined_tokens)
        cost = DecimalArray.deferred(len(ids), Joined(money, "cost", joined_tokens))
        self.chunks, self._ids = [], ids  # the frame holds the columns now
        meta = self.projector.line_meta

        def repeated(key: str, categories: list[str] | None = None) -> pd.Categorical:
            """A run column repeated on its lines; categories: in this order, else in the order seen."""
            codes, names = self.run_names(key)
            if categories is None:  # the names in the order of the first run with lines
                seen = pd.unique(codes)
                categories = [names[c] for c in seen.tolist()]
            where = {name: i for i, name in enumerate(categories)}
            recode: np.ndarray = np.array([where.get(name, -1) for name in names] or [0], dtype=_code_type(categories))
            return pd.Categorical.from_codes(np.repeat(recode[codes], counts), categories=categories)

        def by_line(position: int, categories: list | None = None) -> pd.Categorical:
            categories = categories or list(dict.fromkeys(m[position] for m in meta))
            codes = {c: i for i, c in enumerate(categories)}
            per_line: np.ndarray = np.array([codes[m[position]] for m in meta] or [0], dtype=_code_type(categories))
            return pd.Categorical.from_codes(per_line[ids], categories=categories)

        rates = np.empty(max(len(meta), 1), dtype=object)
        rates[:len(meta)] = [m[2] for m in meta]
        rates[len(meta):] = _ZERO  # no line has it (a frame without lines)
        names = [p.name for p in profiles]
        labels = [cal.month_label(*ym) for ym in month_list]
        data = {
            "profile": repeated("profile", names),
            "model": repeated("model"),
            "provider": by_line(3),
            "month": pd.Categorical.from_codes(np.repeat(self.runs("month").astype(_code_type(labels)), counts),
                                               categories=labels),
            "rule": by_line(0),
            "component": by_line(1, list(COMPONENTS) + list(dict.fromkeys(
                m[1] for m in meta if is_tool_component(m[1])))),
            "tokens": pd.Series(tokens, copy=False),
            "usd_per_mtok": pd.Series(DecimalArray.deferred(len(ids), _Coded(rates, ids)), copy=False),
            "cost_usd": pd.Series(cost, copy=False),
            "case": repeated("case", list(CASES)),
            "period_start": _utc_minutes(periods, [first for first, _ in self.projector.periods]),
            "period_end": _utc_minutes(periods, [last for _, last in self.projector.periods]),
        }
        frame = pd.DataFrame({c: data[c] for c in COLUMNS}, copy=False)
        profile_codes = np.asarray(data["profile"].codes)
        for tag in sorted({k for p in profiles for k, _ in p.tags}):
            values = sorted({v for p in profiles for k, v in p.tags if k == tag})
            by_profile: np.ndarray = np.array([values.index(dict(p.tags)[tag]) if tag in dict(p.tags) else -1
                                   for p in profiles] or [0], dtype=_code_type(values))
            frame[TAG_PREFIX + tag] = pd.Categorical.from_codes(by_profile[profile_codes], categories=values)
        return frame


def _utc_minutes(codes: list[np.ndarray], minutes: list[int]) -> pd.Series:
    """The instants minutes[code] of each line (codes: the chunks' period codes, in order; minutes: epoch
    minutes per code) as UTC instants, in the unit pd.to_datetime(minutes, unit="m", utc=True) gives, made
    in the one int64 array the column keeps (each piece taken into it: no concatenated copy, no temporary)
    already in the unit (the table is scaled, not the lines): to_datetime's general conversion took about
    80 ms per 2M-line column."""
    unit = _minutes_unit()
    per_minute = 60 * {"s": 1, "ms": 10 ** 3, "us": 10 ** 6, "ns": 10 ** 9}[unit]
    table = np.array(minutes or [0], dtype=np.int64)
    largest = max(abs(int(table.min())), abs(int(table.max())))
    if largest >= np.iinfo(np.int64).max // per_minute:  # past the unit's range: pandas says so
        return pd.Series(pd.to_datetime(np.concatenate([table[c] for c in codes] or [table[:0]]), unit="m", utc=True))
    table *= per_minute
    # the column's own datetime array (it owns its memory: pandas copies an array that is a view of
    # another when it must own it), written through an int64 view
    instants = np.empty(sum(len(p) for p in codes), dtype=f"datetime64[{unit}]")
    values = instants.view(np.int64)
    position = 0
    for piece in codes:
        np.take(table, piece, out=values[position:position + len(piece)])
        position += len(piece)
    try:
        # UTC instants are their own wall times: wrapped as they are (tz_localize copies every line, 16 MB
        # per 2M-line column); pandas' constructor of its own datetime arrays, so checked, else localized
        utc = pd.arrays.DatetimeArray._simple_new(instants, dtype=pd.DatetimeTZDtype(unit, "UTC"))
        if str(utc.dtype) == f"datetime64[{unit}, UTC]" and len(utc) == len(values):
            return pd.Series(utc, copy=False)
    except (AttributeError, AssertionError, TypeError, ValueError):  # _simple_new asserts its arguments
        pass
    return pd.Series(instants, copy=False).dt.tz_localize("UTC")


@functools.lru_cache(maxsize=1)
def _minutes_unit() -> str:
    """The datetime unit pandas gives epoch minutes (microseconds in pandas 3, nanoseconds before)."""
    return str(pd.to_datetime(np.zeros(1, dtype=np.int64), unit="m", utc=True).dtype.unit)


def _code_type(categories: list) -> type:
    """The integer type pandas keeps a categorical's codes in (codes made in it are not copied again)."""
    return np.int8 if len(categories) < 127 else np.int16 if len(categories) < 32_767 else np.int32


class _Coded:
    """make() of a column from its distinct values and a code per line (usd_per_mtok: a rate per line id);
    codes() and values() let a sum, a group sum or a filter use the distinct values
    (costcalc.frames.decimal.DecimalArray.deferred)."""

    def __init__(self, values: np.ndarray, codes: np.ndarray):
        self._values, self._codes = values, codes

    def __call__(self) -> np.ndarray:
        return self._values[self._codes]

    def codes(self) -> np.ndarray:
        return self._codes

    def values(self, positions: np.ndarray | None = None) -> np.ndarray:
        return self._values.copy() if positions is None else self._values[positions]


def month_costs(chunks: list[Chunk], months: int) -> list[Decimal]:
    """Cost per month index of the chunks' runs (one profile on one model: a chunk, or more when FLUSH_RUNS
    is smaller than its runs): each run's lines added in order, then to its month, at money.DIVIDE's 50
    digits (as the sums that chose a ranged profile's cases always were)."""
    costs = [_ZERO] * months
    for chunk in chunks:
        position = 0
        cost = chunk.money.cost().tolist()
        for index, count in zip(chunk.run_months.tolist(), chunk.run_lines.tolist()):
            total = _ZERO
            for value in cost[position:position + count]:
                total = DIVIDE.add(total, value)
            costs[index] = DIVIDE.add(costs[index], total)
            position += count
    return costs


def _requests(out: _Columns, month_list: list[tuple[int, int]]) -> pd.DataFrame:
    """Requests per profile, model, month and case (what cost per 1,000 requests divides by), one row
    per run with lines in the frame's order: columns profile, model, month, case (categoricals) and
    requests (Decimals). A table, not a dict per run: a big projection has hundreds of thousands."""
    labels = [cal.month_label(*ym) for ym in month_list]
    columns = {}
    for key in ("profile", "model", "month", "case"):
        codes, names = (out.runs("month"), labels) if key == "month" else out.run_names(key)
        columns[key] = pd.Categorical.from_codes(codes.astype(np.int32), categories=list(dict.fromkeys(names)))
    requests = out.runs("requests")
    return pd.DataFrame({**columns, "requests": pd.Series(requests, dtype=object, copy=False)}, copy=False)


def request_entries(table: pd.DataFrame, keep=None) -> list[dict]:
    """The rows of a requests table (_requests) as {profile, model, month, case, requests} dicts;
    keep(profile, model, case): only the rows it is true for."""
    columns = [table[key].astype(object).tolist() for key in ("profile", "model", "month", "case")]
    return [{"profile": profile, "model": model, "month": month, "case": case, "requests": n}
            for profile, model, month, case, n in zip(*columns, table["requests"].tolist())
            if keep is None or keep(profile, model, case)]


def _line_rates(out: _Columns, meta: list[tuple]) -> dict[str, list[dict]]:
    """Per model (as the rows name it), rule, component and rate: the rate before negotiated discounts
    where one applied (FOCUS ListCost), and the provider's own prices in other currencies where it
    publishes them (used by --currency instead of converting). Keyed by model: two models of one
    provider may share a rule label and a rate and still differ here."""
    special = [i for i, m in enumerate(meta) if m[4] != m[2] or m[5]]
    if not special or not len(out.runs("lines")):
        return {"list_rates": [], "native_rates": []}
    codes, all_names = out.run_names("model")
    seen = pd.unique(codes)  # models in the order of their first run with lines
    names = [all_names[c] for c in seen.tolist()]
    recode: np.ndarray = np.zeros(len(all_names), dtype=_code_type(names))
    recode[seen] = np.arange(len(seen))
    # which line ids each model's lines use, marked a block of runs at a time: a model code per line in
    # blocks of ~12k lines, not for the whole frame (millions of lines: fresh pages, slow on a VM)
    used = np.zeros((len(names), len(meta)), dtype=bool)
    ids, lines = out.ids, out.runs("lines")
    position = 0
    for first in range(0, len(lines), _RUN_BLOCK):
        counts = lines[first:first + _RUN_BLOCK]
        block = int(counts.sum())
        used[np.repeat(recode[codes[first:first + _RUN_BLOCK]], counts), ids[position:position + block]] = True
        position += block
    is_special = np.zeros(len(meta), dtype=bool)
    is_special[special] = True
    # sorted by (model, line id), as the rows are listed
    pairs = zip(*(axis.tolist() for axis in np.nonzero(used & is_special)))
    list_rates, native_rates = [], []
    for code, line in pairs:
        rule, component, rate, provider, list_rate, native = meta[line]
        where = {"model": names[code], "provider": provider, "rule": rule, "component": component,
                 "usd_per_mtok": rate}
        if list_rate != rate:
            list_rates.append({**where, "list_usd_per_mtok": list_rate})
        for currency, own, own_list in native:
            native_rates.append({**where, "currency": currency, "per_mtok": own, "list_per_mtok": own_list})
    return {"list_rates": list_rates, "native_rates": native_rates}
