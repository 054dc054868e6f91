"""Price one bundle of tokens: exact Decimal lines and a total."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timezone
from decimal import Decimal

import re
from collections.abc import Mapping

from ..errors import CostcalcError, NoPriceError, NotLaunchedError, shown
from ..money import decimal_text
from .limits import check_request
from .model import COMPONENTS, MTOK, SCENARIOS, TOOL_PREFIX, Model, PriceTable, tool_component
from .memo import remember
from .resolve import Resolution, _utc, lookup, memo_key, remembered_afresh

# How a quote names a component when it says what one request holds (the quote CLI's flag names).
_SAID = {"input": "input", "cache_read": "cached", "cache_write_5m": "cache-write-5m",
         "cache_write_1h": "cache-write-1h", "output": "output", "reasoning": "reasoning"}


_TOOL = re.compile(r"[a-z][a-z0-9_]{0,63}", re.ASCII)
# Bundles, quotes and their lines are frozen dataclasses. Priced one usage record at a time, their
# generated __init__ (an object.__setattr__ per field) was a third of a quote's time, so the hot path
# fills the instance's __dict__ in one step instead: the same object, equal to the one the generated
# constructor makes (tests/test_resolve_memo.py checks it), its values checked before.
_new = object.__new__


@dataclass(frozen=True, init=False)
class TokenBundle:
    """Additive, disjoint token counts of one request (or a batch of them).

    `input` is uncached input, `cache_read` input read from cache, `cache_write_*` input written to
    cache, `reasoning` reasoning tokens on top of `output`.
    """

    input: int = 0
    cache_read: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    output: int = 0
    reasoning: int = 0

    def __init__(self, input: int = 0, cache_read: int = 0, cache_write_5m: int = 0, cache_write_1h: int = 0,
                 output: int = 0, reasoning: int = 0) -> None:
        # Written out (init=False) rather than generated: a usage loop makes one bundle per record, and
        # the generated __init__ of a frozen dataclass sets each field with object.__setattr__. Here the
        # fields go straight into the instance dict (frozen blocks attribute assignment, not the dict;
        # tests/test_resolve_memo.py checks this signature against the fields). One comparison chain
        # checks the usual case (plain ints >= 0; a bool is not `int` by type; chained comparisons, not
        # min(): no call); the per-field loop names the culprit otherwise and still takes int subclasses.
        fields = self.__dict__
        fields["input"] = input
        fields["cache_read"] = cache_read
        fields["cache_write_5m"] = cache_write_5m
        fields["cache_write_1h"] = cache_write_1h
        fields["output"] = output
        fields["reasoning"] = reasoning
        if type(input) is int and type(cache_read) is int and type(cache_write_5m) is int \
                and type(cache_write_1h) is int and type(output) is int and type(reasoning) is int \
                and input >= 0 and cache_read >= 0 and cache_write_5m >= 0 and cache_write_1h >= 0 \
                and output >= 0 and reasoning >= 0:
            return
        for name in COMPONENTS:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a whole number of tokens >= 0, not {value!r}")

    @property
    def prompt_tokens(self) -> int:
        """What selects a cliff tier: every kind of input together."""
        return self.input + self.cache_read + self.cache_write_5m + self.cache_write_1h


@dataclass(frozen=True)
class QuoteLine:
    """One priced component. A tool fee line (`component` = `tool:web_search`) holds the number of calls
    in `tokens` and USD per 1,000,000 calls in `usd_per_mtok`, so cost_usd = tokens x usd_per_mtok / 1M
    holds for every line; `calls` and `usd_per_1k_calls` give them under their own names."""

    component: str
    tokens: int
    usd_per_mtok: Decimal
    cost_usd: Decimal
    rule: str

    @property
    def tool(self) -> str | None:
        return self.component[len(TOOL_PREFIX):] if self.component.startswith(TOOL_PREFIX) else None

    @property
    def calls(self) -> int | None:
        return self.tokens if self.tool else None

    @property
    def usd_per_1k_calls(self) -> Decimal | None:
        return self.usd_per_mtok / 1000 if self.tool else None


@dataclass(frozen=True)
class Quote:
    model: str
    billed_model: str
    provider: str
    at: datetime
    scenario: str
    tier: str
    residency: bool
    lines: tuple[QuoteLine, ...]
    price_table: dict = field(default_factory=dict)
    requests: int = 1  # the lines' tokens are totals over this many equal requests

    @cached_property
    def total_usd(self) -> Decimal:  # the lines are frozen, so their sum is too; `quote` fills it in as it goes
        return sum((line.cost_usd for line in self.lines), Decimal(0))

    @property
    def per_request(self) -> dict[str, Decimal]:
        """Tokens of each listed component (calls of each tool) in one of the equal requests (exact; may
        be fractional)."""
        return {ln.component: Decimal(ln.tokens) / self.requests for ln in self.lines}

    @property
    def summary(self) -> str:
        """What was priced, e.g. `10 requests of 100,000 input + 100,000 output tokens each` or
        `1 request of 20,000 input + 1,000 output tokens and 2 web_search calls`."""
        parts = " + ".join(f"{_count_text(ln.tokens, self.requests)} {_SAID[ln.component]}"
                           for ln in self.lines if not ln.tool)
        calls = " + ".join(f"{_count_text(ln.tokens, self.requests)} {ln.tool}" for ln in self.lines if ln.tool)
        tail = f" and {calls} calls" if calls else ""
        if self.requests == 1:
            return f"1 request of {parts} tokens{tail}"
        return f"{self.requests:,} requests of {parts} tokens{tail} each"

    def to_dict(self) -> dict:
        """The JSON shape of `costcalc quote --format json`; money as decimal strings. A tool fee line
        also names its `tool`, `calls` and `usd_per_1k_calls` (its tokens/usd_per_mtok are calls and USD
        per 1M calls, as in every costcalc result)."""
        return {
            "model": self.model,
            "billed_model": self.billed_model,
            "provider": self.provider,
            "at": self.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "scenario": self.scenario,
            "tier": self.tier,
            "residency": self.residency,
            "requests": self.requests,
            "summary": self.summary,
            "per_request": {c: decimal_text(n) for c, n in self.per_request.items()},
            "total_usd": decimal_text(self.total_usd),
            "lines": [_line_dict(ln) for ln in self.lines],
            "price_table": {"version": self.price_table.get("version"),
                            "sha256": self.price_table.get("sha256")},
        }

    def to_frame(self):
        # lazy: pandas only for to_frame; `costcalc quote` starts without it
        import pandas as pd

        from ..frames import json_plain, with_money

        frame = pd.DataFrame([ln.__dict__ for ln in self.lines],
                             columns=["component", "tokens", "usd_per_mtok", "cost_usd", "rule"])
        frame = with_money(frame, ["usd_per_mtok", "cost_usd"])  # exact decimals pandas computes with
        frame.attrs.update({"model": self.model, "at": self.at.isoformat(), "scenario": self.scenario,
                            "requests": self.requests, "summary": self.summary, "price_table": self.price_table})
        frame.attrs = json_plain(frame.attrs)
        return frame


def _line_dict(line: QuoteLine) -> dict:
    out = {"component": line.component, "tokens": line.tokens, "usd_per_mtok": decimal_text(line.usd_per_mtok),
           "cost_usd": decimal_text(line.cost_usd), "rule": line.rule}
    per_1k_calls = line.usd_per_1k_calls
    if per_1k_calls is not None:  # a tool fee line
        out.update({"tool": line.tool, "calls": line.calls, "usd_per_1k_calls": decimal_text(per_1k_calls)})
    return out


def _count_text(total: int, requests: int) -> str:
    whole, rest = divmod(total, requests)
    if not rest:
        return f"{whole:,}"
    return f"~{Decimal(total) / requests:,.2f}"


def _ceil_div(total: int, requests: int) -> int:
    """Tokens of one request, rounded up: any part of a token crosses a cliff or a limit (as in the
    projection, which rounds a mean prompt of 272,000.5 up)."""
    return -(-total // requests)


def quote(table: PriceTable, model: str, tokens: TokenBundle, at: datetime, tier: str = "standard",
          residency: bool = False, scenario: str = "actual", requests: int = 1,
          tool_calls: Mapping[str, int] | None = None) -> Quote:
    """Price `tokens`, the totals of `requests` equal requests (default: one request), and `tool_calls`
    {tool: calls} (totals too) at the model's per-call fees.

    Each request's prompt (every input kind together, divided by `requests`) selects the cliff tier and
    must fit the model's context window; each request's output and reasoning together must fit its max
    output (LimitError otherwise). The cost is `requests` times one request's cost, exactly. Each tool is
    a line of its own (`tool:web_search`), cost = calls x USD per call, exact; a tool the model has no fee
    for at `at` is a NoPriceError naming the model and the tools it does price.

    Priced one record at a time in a loop (benchmarks/run.py), this is a hot path: the resolution is
    remembered per table (resolve.remembered), the model's name, timeline and limits per table (`_asked`),
    and the result objects are built in one step each. Every check of the arguments still runs; only
    the work that repeats the same answer is skipped."""
    # one test for the usual case (a plain int >= 1); the full one refuses bools and takes int subclasses
    if (requests.__class__ is not int or requests < 1) and \
            (isinstance(requests, bool) or not isinstance(requests, int) or requests < 1):
        raise CostcalcError(f"requests must be a whole number of at least 1, not {requests!r}")
    memo = table.memo
    try:
        asked, max_prompt, max_output = memo["asked"][model]
    except KeyError:
        asked, max_prompt, max_output = _asked(table, model)  # an unknown name raises here, as lookup does
    if scenario not in SCENARIOS:  # before the instant is read, as resolve checks it
        raise NoPriceError(f"unknown scenario {scenario!r}; allowed: {', '.join(SCENARIOS)}")
    fresh, read, write_5m, write_1h, out, reasoning = counts = (
        tokens.input, tokens.cache_read, tokens.cache_write_5m, tokens.cache_write_1h, tokens.output,
        tokens.reasoning)  # in COMPONENTS order
    prompt = fresh + read + write_5m + write_1h  # TokenBundle.prompt_tokens, without the call
    output = out + reasoning
    if requests != 1:
        prompt, output = _ceil_div(prompt, requests), _ceil_div(output, requests)
    utc = at if at.tzinfo is _UTC else _utc(at)
    key = memo_key(table, asked, utc, prompt, tier, residency, scenario)
    try:
        res, shape = memo["quotes"][key]
    except KeyError:
        res, shape = _remember_shape(table, asked, utc, prompt, output, tier, residency, scenario, requests, key)
    if prompt > max_prompt or output > max_output:  # the limits as numbers: no call for a request that fits
        check_request(asked, prompt, output, _hint(requests))
    rates = res.rates
    label = res.label
    lines = []
    total = _ZERO  # Quote.total_usd, summed in the same order (so to the same value) as the property would
    for component, count, listed in zip(COMPONENTS, counts, _LISTED):
        if count or listed:
            rate = rates[component]
            cost = rate * count / MTOK
            total += cost
            line = _new(QuoteLine)
            fields = line.__dict__  # filled item by item: the class's shared keys, cheaper than a new dict
            fields["component"] = component
            fields["tokens"] = count
            fields["usd_per_mtok"] = rate
            fields["cost_usd"] = cost
            fields["rule"] = label
            lines.append(line)
    if tool_calls:
        total = _tool_lines(res, tool_calls, at, lines, total)
    made = _new(Quote)
    fields = made.__dict__
    fields.update(shape)  # the fields every quote of this key shares, in field order; then its own
    fields["at"] = at
    fields["lines"] = tuple(lines)
    fields["price_table"] = memo["meta"].copy()
    fields["residency"] = residency  # as given: 1 and True share a key
    fields["requests"] = requests
    fields["total_usd"] = total
    return made


def _remember_shape(table: PriceTable, asked: Model, at: datetime, prompt: int, output: int, tier: str,
                    residency: bool, scenario: str, requests: int, key: tuple) -> tuple[Resolution, dict]:
    """The Resolution of `key` (resolve.remembered's) and the fields its quotes share, remembered beside it
    under the same key and bound (memo.py: equal keys, equal answers); an error is raised, never kept."""
    try:
        res = table.memo.get("resolutions", {}).get(key) or \
            remembered_afresh(table, asked, at, prompt, tier, residency, scenario, key)
    except NotLaunchedError:
        raise
    except NoPriceError:
        check_request(asked, prompt, output, _hint(requests))  # a request it cannot take says more than "no price"
        raise
    billed = res.billed_model
    shape = {"model": res.model, "billed_model": billed.id, "provider": billed.provider, "at": None,
             "scenario": scenario, "tier": tier, "residency": residency, "lines": (), "price_table": None,
             "requests": 1, "total_usd": _ZERO}
    remember(table.memo.setdefault("quotes", {}), key, (res, shape))
    return res, shape


def _asked(table: PriceTable, name: str) -> tuple[Model, int | float, int | float]:
    """(the model `name` names, its context window, its max output), remembered per table with the table's
    meta (what every quote records); a limit the table does not give is infinite here (never exceeded)."""
    asked = lookup(table, name)
    found = (asked, _INFINITE if asked.context_window is None else asked.context_window,
             _INFINITE if asked.max_output_tokens is None else asked.max_output_tokens)
    memo = table.memo
    if "meta" not in memo:
        memo["meta"] = table.meta()
    memo.setdefault("asked", {})[name] = found  # bounded: names are the table's ids and aliases
    return found


def _tool_lines(res, tool_calls: Mapping[str, int], at: datetime, lines: list[QuoteLine], total: Decimal) -> Decimal:
    """Append a line per tool's calls at the model's per-call fee; the total with their cost added."""
    for tool, calls in tool_calls.items():
        if not isinstance(tool, str) or not _TOOL.fullmatch(tool):
            raise ValueError(f"tool_calls: {shown(tool)} is not a tool name (lower case, like web_search)")
        if not isinstance(calls, int) or isinstance(calls, bool) or calls < 0:
            raise ValueError(f"tool_calls[{tool!r}] must be a whole number of calls >= 0, not {calls!r}")
        fee = res.fee(tool)
        if fee is None:
            raise NoPriceError(res.no_fee_message(tool, at))
        cost = fee.usd_per_call * calls
        total += cost
        lines.append(QuoteLine(tool_component(tool), calls, fee.usd_per_mcall, cost, res.fee_label))
    return total


_ZERO = Decimal(0)
# A quote lists input and output even at 0 tokens; other components only when used (in COMPONENTS order).
_LISTED = tuple(component in ("input", "output") for component in COMPONENTS)
_INFINITE = float("inf")
_UTC = timezone.utc


def _hint(requests: int) -> str:
    return "" if requests > 1 else \
        " (if these counts are totals over several requests, give their number: --requests N)"


