"""What-if analyses on top of the projection: compare two estimates, the sensitivity of a total to each
uncertain input (a tornado), and break-even against a self-hosted deployment.

The computations here take the sides of a comparison, loaded `Workloads` and a `PriceTable` and call
the projection; they return DataFrames with exact money (costcalc's "decimal" dtype; attrs JSON-plain)
and never read files, the clock or the network (today's date arrives as an argument). The library entry
points (`costcalc.api`: `compare`, `compare_estimates`, `sensitivity`, `break_even`) accept the same
inputs as `costcalc.estimate` (paths, YAML text, DataFrames, overlays, estimate documents), load and
check them, and call these:

    compare_side(records, meta, profiles, sections, label)   one side of a comparison, from its cost lines
    compare_sides(a, b)            per month and model: a_usd, b_usd, diff_usd (b - a), pct of a
    sensitivity_frame(loaded, table, ...)   each ranged input at low and high, every other at expected
    break_even_frame(loaded, table, models, self_host={"usd_per_hour": 7.18, "tokens_per_second": 2500})

Exactness: sums are exact (dsum); the only divisions (a percentage, a cost per request, a break-even
volume) are carried to 50 significant digits.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import pandas as pd

from .calendar import parse_month
from .cost_cases import RANGED_INPUTS, TOOL_CALLS_KEY
from .cost_cases import ranged_inputs as _ranged_inputs
from .errors import CostcalcError
from .frames import estimate_frame, plain_attrs, with_money
from .money import DIVIDE, decimal_text, dsum
from .prices.model import SCENARIOS, PriceTable
from .projection import project, with_models
from .workloads.describe import describe
from .workloads.model import Profile, Workloads

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)

PLAN_PREFIX = "plan "  # compare's plan rows: model == "plan current" (was "all models": a sum of alternatives)
TOTAL = "total"
HOURS_PER_MONTH = Decimal(730)  # 8,760 hours a year / 12: the usual cloud billing month

COMPARE_COLUMNS = ["model", "month", "a_usd", "b_usd", "diff_usd", "pct"]
SENSITIVITY_COLUMNS = ["profile", "model", "input", "low_usd", "high_usd", "swing_usd", "expected_usd",
                       "low_value", "expected_value", "high_value"]
BREAK_EVEN_COLUMNS = [
    "profile", "model", "requests_per_month", "tokens_per_request", "api_usd_per_request",
    "api_usd_per_month", "ratio_to_cheapest", "cheapest",
    "node_requests_per_month", "node_usd_per_month", "nodes_at_volume", "self_host_usd_per_month",
    "break_even_requests_per_month", "self_host_always_cheaper_from", "cheaper_at_volume"]
_BREAK_EVEN_OTHER = ("profile", "model", "cheapest", "nodes_at_volume", "cheaper_at_volume")  # not decimals

def _div(a: Decimal, b: Decimal) -> Decimal:
    return DIVIDE.divide(a, b)


# -- compare ----------------------------------------------------------------------------------------

def compare_sides(a: tuple[dict[str, dict[str, Decimal]], dict],
                  b: tuple[dict[str, dict[str, Decimal]], dict]) -> pd.DataFrame:
    """Two estimates side by side (`costcalc.api.compare` documents the rows, columns and attrs; it reads
    estimate documents and DataFrames into sides with `compare_side`)."""
    a_costs, a_side = a
    b_costs, b_side = b
    models = list(dict.fromkeys(list(a_costs) + list(b_costs)))
    months = sorted({m for costs in (a_costs, b_costs) for per in costs.values() for m in per})
    rows = []

    def add(model, month, x, y):
        diff = (y - x) or _ZERO  # an exact 0, not 0E-49
        rows.append({"model": model, "month": month, "a_usd": x, "b_usd": y, "diff_usd": diff,
                     "pct": None if x == 0 else _div(diff * _HUNDRED, x)})

    for model in models:
        a_m, b_m = a_costs.get(model, {}), b_costs.get(model, {})
        present = [m for m in months if m in a_m or m in b_m]
        for month in present:
            add(model, month, a_m.get(month, _ZERO), b_m.get(month, _ZERO))
        add(model, TOTAL, dsum(a_m.values()), dsum(b_m.values()))
    # A profile's models are alternatives: across profiles only a plan (one model each) adds up. The
    # plan rows compare each side's chosen plan (current unless the estimate chose another).
    a_plan, b_plan = a_side["plan"], b_side["plan"]
    label = PLAN_PREFIX + (a_plan["name"] if a_plan["name"] == b_plan["name"]
                           else f"{a_plan['name']} (A) / {b_plan['name']} (B)")
    for month in sorted(set(months) | set(a_plan["months"]) | set(b_plan["months"])):
        add(label, month, a_plan["months"].get(month, _ZERO), b_plan["months"].get(month, _ZERO))
    add(label, TOTAL, dsum(a_plan["months"].values()), dsum(b_plan["months"].values()))
    frame = with_money(pd.DataFrame(rows, columns=COMPARE_COLUMNS), ("a_usd", "b_usd", "diff_usd", "pct"))
    frame.attrs.update({"sides": {"a": a_side, "b": b_side}, "notes": _side_notes(a_side, b_side)})
    return plain_attrs(frame)


def _chosen_plan(sections: dict) -> dict:
    """{name, months: {month: USD}, models: {profile: model}} of the chosen plan of a document's plan
    sections (an empty plan when there is none)."""
    chosen = (sections.get("headline") or {}).get("plan")
    for plan in sections.get("plans") or []:
        if plan["name"] == chosen:
            return {"name": plan["name"], "months": {m["month"]: Decimal(m["cost_usd"]) for m in plan["months"]},
                    "models": {p["profile"]: p["model"] for p in plan["profiles"]}}
    return {"name": chosen or "current", "months": {}, "models": {}}


def compare_side(records: Iterable[tuple[str, str, Decimal]], meta: Mapping, profiles: list[str], sections: dict,
         label: str) -> tuple[dict[str, dict[str, Decimal]], dict]:
    """One side of a comparison: {model: {month: cost}} of the expected case, and what describes the
    side. records: (model, month, cost_usd) of the expected case's cost lines; meta: the estimate's
    metadata (document meta or frame attrs); sections: its plan sections (costcalc.report.plandoc)."""
    plan = _chosen_plan(sections)
    costs: dict[str, dict[str, list[Decimal]]] = {}
    for model, month, cost in records:
        costs.setdefault(model, {}).setdefault(month, []).append(cost)
    summed = {model: {month: dsum(values) for month, values in per.items()} for model, per in costs.items()}
    table = meta.get("price_table") or {}
    described = {"label": label, "scenario": meta.get("scenario"),
                 "price_table": {"version": table.get("version"), "sha256": table.get("sha256"),
                                 "files": [f.get("path") for f in table.get("files", []) if isinstance(f, dict)]},
                 "start": meta.get("start"), "months": meta.get("months"), "fx": meta.get("fx"),
                 "profiles": profiles, "costcalc_version": meta.get("costcalc_version"),
                 "not_available": _unavailable(meta.get("not_available")), "plan": plan}
    return summed, described


def _unavailable(entries) -> dict[str, dict]:
    """Per model, over every profile: the months it is not available in (no price: before its launch,
    after its retirement), those it is available in only in part, and why. A month not available for
    one profile and partial for another counts as partial."""
    out: dict[str, dict] = {}
    for e in entries or []:
        model = out.setdefault(str(e["model"]), {"months": [], "partial": [], "detail": []})
        for month in e["months"]:
            kind = "partial" if month in e["partial"] else "months"
            if month not in model[kind]:
                model[kind].append(month)
        if e["detail"] not in model["detail"]:
            model["detail"].append(e["detail"])
    for model in out.values():
        model["months"] = sorted(m for m in model["months"] if m not in model["partial"])
        model["partial"].sort()
    return out


def _unavailable_note(model: str, gap: dict, where: str) -> str:
    said = []
    if gap["months"]:
        said.append(f"not available in {', '.join(gap['months'])}")
    if gap["partial"]:
        said.append(f"available only in part of {', '.join(gap['partial'])}")
    return (f"{model} is {' and '.join(said)}{where} ({'; '.join(gap['detail'])}): those months count its cost "
            f"as 0 or for part of the month, so its totals and the plan totals are not like for like "
            f"over the whole period.")


def _side_notes(a: dict, b: dict) -> list[str]:
    notes = []
    if (a["start"], a["months"]) != (b["start"], b["months"]):
        notes.append(f"The sides cover different months: {a['label']} from {a['start']} for {a['months']}, "
                     f"{b['label']} from {b['start']} for {b['months']}; a month on one side only counts "
                     f"as 0 on the other.")
    only_a = [p for p in a["profiles"] if p not in b["profiles"]]
    only_b = [p for p in b["profiles"] if p not in a["profiles"]]
    if only_a or only_b:
        parts = ([f"only in {a['label']}: {', '.join(only_a)}"] if only_a else []) + \
                ([f"only in {b['label']}: {', '.join(only_b)}"] if only_b else [])
        notes.append("The sides price different profiles (" + "; ".join(parts) + ").")
    if a["scenario"] != b["scenario"]:
        notes.append(f"Scenarios differ: A {a['scenario']}, B {b['scenario']}.")
    if a["price_table"]["sha256"] != b["price_table"]["sha256"]:
        notes.append(f"Price tables differ: A {a['price_table']['version']}, B {b['price_table']['version']}.")
    if (a["fx"] or None) != (b["fx"] or None):
        notes.append("The sides were shown in different currencies; both are compared in USD.")
    a_gaps, b_gaps = a.get("not_available") or {}, b.get("not_available") or {}
    for model in dict.fromkeys(list(a_gaps) + list(b_gaps)):
        if a_gaps.get(model) == b_gaps.get(model):
            notes.append(_unavailable_note(model, a_gaps[model], " on both sides"))
            continue
        for side, gaps in ((a, a_gaps), (b, b_gaps)):
            if model in gaps:
                notes.append(_unavailable_note(model, gaps[model], f" on {side['label']}"))
    return notes


# -- sensitivity ------------------------------------------------------------------------------------

def sensitivity_frame(loaded: Workloads, table: PriceTable, models: Iterable[str] | None = None, start=None,
                      months: int = 12, scenario: str = "actual", *, today: date) -> pd.DataFrame:
    """`costcalc.sensitivity` on loaded workloads (samples already counted) and a price table. start:
    the first month, or None for the earliest profile start, else `today`'s month.

    One projection with every ranged profile at expected, and one per (input, low|high) holding each
    profile that has that input varied and the rest at expected: profiles keep their own names, so
    notes and errors name them as an estimate would."""
    ranged = [p for p in loaded if p.has_ranges]
    skipped = [p.name for p in loaded if not p.has_ranges]
    runs: dict[tuple[str, str] | None, list[Profile]] = {None: [p.at_case("expected") for p in ranged]}
    keys = list(dict.fromkeys(key for p in ranged for key, _ in _ranged_inputs(p)))
    for key in keys:
        for side in ("low", "high"):
            varied = [_varied(p, key, side) for p in ranged if key in dict(_ranged_inputs(p))]
            if varied:
                runs[(key, side)] = varied
    if start is None:  # one start for every run: the one an estimate of all these profiles would have
        starts = [p.start for p in loaded if p.start is not None]
        if starts:
            start = min(starts)
    costs: dict[tuple, Decimal] = {}
    attrs: dict = {}
    assumptions: list[str] = []
    model_list = None if models is None else list(dict.fromkeys(models))
    if ranged:
        first = _first_month(loaded, start, today)
        for run, profiles in runs.items():
            df = _projected(Workloads(tuple(profiles), loaded.source), table, model_list, first, months, scenario)
            grouped = df.groupby(["profile", "model"], observed=True, sort=False)["cost_usd"].agg(dsum)
            costs.update({(run, str(p), str(m)): c for (p, m), c in grouped.items()})
            assumptions += [a for a in df.attrs.get("assumptions", []) if a not in assumptions]
            if run is None:
                attrs = df.attrs
    rows = []
    for profile in ranged:
        for model in model_list or list(profile.models):
            expected = costs.get((None, profile.name, model), _ZERO)
            group = []
            for key, value in _ranged_inputs(profile):
                low = costs.get(((key, "low"), profile.name, model), _ZERO)
                high = costs.get(((key, "high"), profile.name, model), _ZERO)
                group.append({"profile": profile.name, "model": model, "input": key, "low_usd": low,
                              "high_usd": high, "swing_usd": abs(high - low), "expected_usd": expected,
                              "low_value": value.low, "expected_value": value.expected,
                              "high_value": value.high})
            group.sort(key=lambda r: (-r["swing_usd"], r["input"]))
            rows.extend(group)
    frame = with_money(pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS), SENSITIVITY_COLUMNS[3:])
    frame.attrs.update({
        "start": attrs.get("start", None if start is None else str(start)[:7]), "months": months,
        "scenario": scenario, "price_table": table.meta(), "skipped": skipped,
        "profiles": {p.name: describe(p) for p in ranged}, "assumptions": assumptions,
        "costcalc_version": attrs.get("costcalc_version")})
    return plain_attrs(frame)


def _varied(profile: Profile, key: str, side: str) -> Profile:
    """The profile at expected, with the input `key` at its `side` (low or high)."""
    base = profile.at_case("expected")
    if key.startswith(TOOL_CALLS_KEY):
        tool = key[len(TOOL_CALLS_KEY):]
        calls = dict(profile.tool_calls)[tool].at(side)
        return replace(base, tool_calls=tuple((t, calls if t == tool else v) for t, v in base.tool_calls))
    field = next(f for f, k in RANGED_INPUTS if k == key)
    return replace(base, **{field: getattr(profile, field).at(side)})


def _first_month(loaded: Workloads, start, today: date) -> tuple[int, int]:
    """The first month an estimate of these workloads has: `start`, else the earliest profile start,
    else today's month (as `costcalc.estimate` chooses it)."""
    if start is None:
        starts = [p.start for p in loaded if p.start is not None]
        start = min(starts) if starts else today
    return parse_month(start)


def _projected(loaded: Workloads, table: PriceTable, models: list[str] | None, start: tuple[int, int],
               months: int, scenario: str) -> pd.DataFrame:
    """The expected case's cost lines as `costcalc.estimate` returns them (in USD, no plan chosen)."""
    if scenario not in SCENARIOS:
        raise CostcalcError(f"unknown scenario {scenario!r}; allowed: {', '.join(SCENARIOS)}")
    if models is not None:
        loaded = with_models(loaded, models, table)
    return estimate_frame(project(loaded, table, start, int(months), scenario, cases=False))


# -- break-even -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SelfHost:
    """A self-hosted deployment: whole nodes rented by the hour, each carrying a fixed throughput.

    usd_per_hour: one node (e.g. 7.18 for 2x H200, 55.50 for an 8x B300 node: GPU-cloud examples, not
    facts about your deployment). Throughput per node: tokens_per_second (counting `counts` = "all"
    tokens of a request - input, cached, output, reasoning - or only "output" = output + reasoning), or
    requests_per_hour. utilization: the share of that throughput you can really use (peaks, headroom).
    """

    usd_per_hour: Decimal
    tokens_per_second: Decimal | None = None
    requests_per_hour: Decimal | None = None
    counts: str = "all"
    utilization: Decimal = Decimal(1)
    hours_per_month: Decimal = HOURS_PER_MONTH

    @classmethod
    def of(cls, spec) -> SelfHost:
        if isinstance(spec, SelfHost):
            return spec
        if not isinstance(spec, Mapping):
            raise CostcalcError("self_host: give a mapping like {'usd_per_hour': 7.18, 'tokens_per_second': 2500}")
        allowed = {"usd_per_hour", "tokens_per_second", "requests_per_hour", "counts", "utilization",
                   "hours_per_month"}
        unknown = sorted(set(spec) - allowed)
        if unknown:
            raise CostcalcError(f"self_host: unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")
        values = {}
        for key in ("usd_per_hour", "tokens_per_second", "requests_per_hour", "utilization", "hours_per_month"):
            if spec.get(key) is not None:
                values[key] = _positive(spec[key], key)
        if "usd_per_hour" not in values:
            raise CostcalcError("self_host: usd_per_hour is required (what one node costs per hour)")
        if ("tokens_per_second" in values) == ("requests_per_hour" in values):
            raise CostcalcError("self_host: give exactly one of tokens_per_second or requests_per_hour "
                                "(one node's throughput)")
        if values.get("utilization", Decimal(1)) > 1:
            raise CostcalcError(f"self_host: utilization {values['utilization']}: must be above 0 and at most 1")
        counts = spec.get("counts", "all")
        if counts not in ("all", "output"):
            raise CostcalcError(f"self_host: counts {counts!r}: must be 'all' or 'output'")
        return cls(counts=counts, **values)

    def node_usd_per_month(self) -> Decimal:
        return self.usd_per_hour * self.hours_per_month

    def capacity(self, tokens_per_request: Decimal) -> Decimal | None:
        """Requests one node carries in a month at the given tokens per request (None: unbounded)."""
        hours = self.hours_per_month * self.utilization
        if self.requests_per_hour is not None:
            return self.requests_per_hour * hours
        if tokens_per_request == 0:
            return None
        return _div(self.tokens_per_second * 3600 * hours, tokens_per_request)

    def assumptions(self) -> list[str]:
        through = (f"{_plain(self.requests_per_hour)} requests/hour" if self.requests_per_hour is not None
                   else f"{_plain(self.tokens_per_second)} tokens/second counting "
                        + ("all tokens of a request (input, cached, output, reasoning)" if self.counts == "all"
                           else "output and reasoning tokens only"))
        return [f"Self-hosting: whole nodes at {_plain(self.usd_per_hour)} USD/hour each, paid for "
                f"{_plain(self.hours_per_month)} hours a month whether busy or not; one node carries "
                f"{through} at {_plain(self.utilization * 100)}% utilization. Nodes needed = "
                f"ceil(monthly requests / one node's monthly capacity). No staff, storage, network or "
                f"idle-scaling costs; the self-hosted model is assumed to serve the same requests with "
                f"the same token counts as the API model."]


def _positive(value, key: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (decimal.InvalidOperation, ValueError):
        raise CostcalcError(f"self_host: {key} {value!r}: must be a number above 0") from None
    if not number.is_finite() or number <= 0:
        raise CostcalcError(f"self_host: {key} {value!r}: must be a number above 0")
    return number


def _plain(value: Decimal) -> str:
    return decimal_text(value)


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=decimal.ROUND_CEILING))


def self_host_cost(volume: Decimal, node_capacity: Decimal | None, node_usd_per_month: Decimal) -> tuple[int, Decimal]:
    """(nodes, USD per month) to carry `volume` requests a month: ceil(volume / capacity) whole nodes."""
    if volume <= 0:
        return 0, _ZERO
    nodes = 1 if node_capacity is None else _ceil(_div(volume, node_capacity))
    return nodes, nodes * node_usd_per_month


def break_even_volumes(usd_per_request: Decimal, node_capacity: Decimal | None,
                       node_usd_per_month: Decimal) -> tuple[Decimal | None, Decimal | None]:
    """(first, always) monthly volumes for one model against self-hosting, or (None, None) when
    self-hosting is never cheaper.

    API cost is c x V; self-hosting is n(V) x F with n(V) = ceil(V / cap). Self-hosting is cheaper on
    the n-node step where c x V > n x F, so it first wins just above V = F / c - if that is within one
    node's capacity (c x cap > F); otherwise a node always costs more than the API bill of the requests
    it can carry, at every volume. Just past each step the new node can hand the lead back to the API;
    from the step N = ceil(c cap / (c cap - F)) on it never does, so self-hosting is cheaper at every
    volume above (N - 1) x F / c ("always"). At exactly F / c the two cost the same.
    """
    if usd_per_request <= 0:
        return None, None
    fixed = node_usd_per_month
    first = _div(fixed, usd_per_request)
    if node_capacity is None:
        return first, first
    per_node = usd_per_request * node_capacity  # API cost of one full node's requests
    if per_node <= fixed:
        return None, None
    steps = _ceil(_div(per_node, per_node - fixed))
    return first, _div((steps - 1) * fixed, usd_per_request)


def break_even_frame(loaded: Workloads, table: PriceTable, models: Iterable[str] | None = None, self_host=None,
                     start=None, months: int = 1, scenario: str = "actual", *, today: date) -> pd.DataFrame:
    """`costcalc.break_even` on loaded workloads (samples already counted) and a price table. start:
    the first month, or None for the earliest profile start, else `today`'s month."""
    host = None if self_host is None else SelfHost.of(self_host)
    expected = Workloads(tuple(p.at_case("expected") for p in loaded), loaded.source)
    df = _projected(expected, table, None if models is None else list(models), _first_month(expected, start, today),
                    months, scenario)
    costs = df.groupby(["profile", "model"], observed=True, sort=False)["cost_usd"].agg(dsum)
    tokens = df.groupby(["profile", "model", "component"], observed=True, sort=False)["tokens"].agg(dsum)
    requests: dict[tuple[str, str], list[Decimal]] = {}
    for profile, model, n in zip(df["profile"], df["model"], df["requests"]):
        if n:  # carried by the first cost line of each month (costcalc.frames)
            requests.setdefault((str(profile), str(model)), []).append(n)
    rows = []
    inactive = []
    # (profile, model) -> its stretches without a price (before launch, after retirement)
    gaps: dict[tuple[str, str], list[dict]] = {}
    for e in df.attrs.get("not_available", []):
        gaps.setdefault((str(e["profile"]), str(e["model"])), []).append(e)
    unavailable: dict[str, list[str]] = {}  # model -> profiles it has no price for in any month
    partly: dict[str, list[str]] = {}  # model -> profiles it is priced for in part of the months only
    for profile in loaded:
        names = list(dict.fromkeys(models)) if models is not None else list(profile.models)
        group = []
        for model in names:
            n = dsum(requests.get((profile.name, model), []))
            cost = costs.get((profile.name, model), _ZERO)
            row = dict.fromkeys(BREAK_EVEN_COLUMNS)
            row.update({"profile": profile.name, "model": model, "cheapest": False})
            if (profile.name, model) in gaps:
                # not available is not "no requests": say which, and that the figures cover less time
                (unavailable if n <= 0 else partly).setdefault(model, []).append(profile.name)
            if n <= 0:
                if (profile.name, model) not in gaps:
                    inactive.append(f"{profile.name} on {model}")
                group.append(row)
                continue
            per_component = {c: tokens.get((profile.name, model, c), _ZERO)
                             for c in ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output",
                                       "reasoning")}
            counted = (per_component["output"] + per_component["reasoning"]
                       if host is not None and host.counts == "output" else dsum(per_component.values()))
            volume = _div(n, Decimal(months))
            usd_per_request = _div(cost, n)
            row.update({"requests_per_month": volume, "tokens_per_request": _div(counted, n),
                        "api_usd_per_request": usd_per_request, "api_usd_per_month": _div(cost, Decimal(months))})
            if host is not None:
                capacity = host.capacity(row["tokens_per_request"])
                fixed = host.node_usd_per_month()
                nodes, monthly = self_host_cost(volume, capacity, fixed)
                first, always = break_even_volumes(usd_per_request, capacity, fixed)
                api_month = row["api_usd_per_month"]
                row.update({"node_requests_per_month": capacity, "node_usd_per_month": fixed,
                            "nodes_at_volume": nodes, "self_host_usd_per_month": monthly,
                            "break_even_requests_per_month": first, "self_host_always_cheaper_from": always,
                            "cheaper_at_volume": ("self-host" if monthly < api_month else
                                                  "api" if monthly > api_month else "equal")})
            group.append(row)
        priced = [r["api_usd_per_request"] for r in group if r["api_usd_per_request"] is not None]
        best = min(priced) if priced else None
        for row in group:
            if row["api_usd_per_request"] is not None and best is not None:
                row["ratio_to_cheapest"] = _div(row["api_usd_per_request"], best) if best else None
                row["cheapest"] = row["api_usd_per_request"] == best
        rows.extend(group)
    frame = with_money(pd.DataFrame(rows, columns=BREAK_EVEN_COLUMNS),
                       [c for c in BREAK_EVEN_COLUMNS if c not in _BREAK_EVEN_OTHER])
    frame["nodes_at_volume"] = frame["nodes_at_volume"].astype("Int64")  # whole nodes; NA without self_host
    notes = [f"API cost per request and tokens per request are averages over {months} month(s) from "
             f"{df.attrs.get('start')} in the expected case (ranges at their expected value), scenario "
             f"{scenario}; requests_per_month is the average monthly volume over those months.",
             "Per-token pricing makes each API model's monthly cost proportional to its volume: between two "
             "API models there is no volume break-even - the cheaper one per request is cheaper at every "
             "volume, unless one has a volume discount (a negotiated overlay discount is per-token too). "
             "ratio_to_cheapest compares them."]
    if host is not None:
        notes += host.assumptions()
    details = _unavailable(df.attrs.get("not_available"))
    for model, names in unavailable.items():
        notes.append(f"Not available in these months (no price, so no cost per request): {model} for "
                     f"{', '.join(names)} ({'; '.join(details[model]['detail'])}).")
    for model, names in partly.items():
        notes.append(f"{model} is not available in part of these months for {', '.join(names)} "
                     f"({'; '.join(details[model]['detail'])}): its cost per request is over the time it is "
                     f"available, and requests_per_month and API/month count only that time.")
    if inactive:
        notes.append("No requests in these months (no cost per request): " + ", ".join(inactive) + ".")
    frame.attrs.update({"start": df.attrs.get("start"), "months": months, "scenario": scenario,
                        "price_table": table.meta(),
                        "self_host": None if host is None else {
                            "usd_per_hour": host.usd_per_hour, "tokens_per_second": host.tokens_per_second,
                            "requests_per_hour": host.requests_per_hour, "counts": host.counts,
                            "utilization": host.utilization, "hours_per_month": host.hours_per_month},
                        "notes": notes, "assumptions": list(df.attrs.get("assumptions", [])),
                        "costcalc_version": df.attrs.get("costcalc_version")})
    return plain_attrs(frame)


__all__ = ["compare_side", "compare_sides", "sensitivity_frame", "break_even_frame", "break_even_volumes",
           "self_host_cost", "SelfHost", "RANGED_INPUTS", "HOURS_PER_MONTH"]
