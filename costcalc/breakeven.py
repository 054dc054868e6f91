"""Break-even against a self-hosted deployment, on top of the projection: per profile and model, the API
cost per request and per month against whole rented nodes of a fixed throughput, the volume where
self-hosting first wins and the volume from which it always does. Pure like costcalc.whatif (whose
month and projection helpers it shares): loaded `Workloads` and a `PriceTable` in, a DataFrame with exact
money out; `today` arrives as an argument. The library entry point is `costcalc.break_even` (api.py):

    break_even_frame(loaded, table, models, self_host={"usd_per_hour": 7.18, "tokens_per_second": 2500})

Exactness: sums are exact (exact_sum); the divisions (a cost per request, a break-even volume) are carried to
50 significant digits.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from .errors import CostcalcError
from .frames import plain_attrs, with_money
from .money import decimal_text, exact_sum
from .prices.model import PriceTable
from .whatif import _div, _first_month, _projected, _unavailable
from .workloads.model import Workloads

_ZERO = Decimal(0)
HOURS_PER_MONTH = Decimal(730)  # 8,760 hours a year / 12: the usual cloud billing month

BREAK_EVEN_COLUMNS = [
    "profile", "model", "requests_per_month", "tokens_per_request", "api_usd_per_request",
    "api_usd_per_month", "ratio_to_cheapest", "cheapest",
    "node_requests_per_month", "node_usd_per_month", "nodes_at_volume", "self_host_usd_per_month",
    "break_even_requests_per_month", "self_host_always_cheaper_from", "cheaper_at_volume"]
_BREAK_EVEN_OTHER = ("profile", "model", "cheapest", "nodes_at_volume", "cheaper_at_volume")  # not decimals


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
        assert self.tokens_per_second is not None  # of() requires exactly one of the two throughputs
        return _div(self.tokens_per_second * 3600 * hours, tokens_per_request)

    def assumptions(self) -> list[str]:
        through = (f"{_plain(self.requests_per_hour)} requests/hour" if self.requests_per_hour is not None
                   else f"{_plain(self.tokens_per_second or _ZERO)} tokens/second counting "
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
    costs = df.groupby(["profile", "model"], observed=True, sort=False)["cost_usd"].agg(exact_sum)
    tokens = df.groupby(["profile", "model", "component"], observed=True, sort=False)["tokens"].agg(exact_sum)
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
            n = exact_sum(requests.get((profile.name, model), []))
            cost = costs.get((profile.name, model), _ZERO)
            row: dict[str, Any] = dict.fromkeys(BREAK_EVEN_COLUMNS)
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
                       if host is not None and host.counts == "output" else exact_sum(per_component.values()))
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


__all__ = ["BREAK_EVEN_COLUMNS", "HOURS_PER_MONTH", "SelfHost", "break_even_frame", "break_even_volumes",
           "self_host_cost"]
