"""Price one bundle of tokens: exact Decimal lines and a total."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timezone
from decimal import Decimal

import re
from bisect import bisect_right
from collections.abc import Mapping

from ..errors import CostcalcError, NoPriceError, NotLaunchedError, shown
from ..money import decimal_text, per_mtok
from .limits import check_request
from .model import COMPONENTS, MTOK, SCENARIOS, TOOL_PREFIX, Model, PriceTable, tool_component
from .memo import Timeline, remember, timeline
from .resolve import Resolution, _utc, lookup, prompt_thresholds, remembered_afresh

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

    def __getstate__(self) -> dict:
        """What pickle and copy keep: the fields (lines made, if `quote` deferred them) and the total, not
        the makings of deferred lines."""
        self.lines  # noqa: B018  (made and kept in the instance dict if deferred)
        return {name: value for name, value in self.__dict__.items() if name not in _DEFERRAL_KEYS}

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

    Priced one record at a time in a loop (benchmarks/run.py), this is a hot path: the resolution and
    the fields its quotes share are remembered per table and key (`_remember_shape`), the model's name,
    timeline and limits per table (`_asked`); the total is summed here, and the token lines are made
    when `lines` is first read (`_DeferredLines`), from the same rates and counts. Every check of the
    arguments still runs; only the work that repeats the same answer, or that nobody reads, is skipped."""
    # one test for the usual case (a plain int >= 1); the full one refuses bools and takes int subclasses
    if (requests.__class__ is not int or requests < 1) and \
            (isinstance(requests, bool) or not isinstance(requests, int) or requests < 1):
        raise CostcalcError(f"requests must be a whole number of at least 1, not {requests!r}")
    memo = table.memo
    try:
        asked, max_prompt, max_output, line = memo["asked"][model]
    except KeyError:
        asked, max_prompt, max_output, line = _asked(table, model)  # an unknown name raises here, as lookup does
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
    # resolve.memo_key's key, built here without the call (its timeline is `_asked`'s); a test checks they agree
    key = (asked.id, tier, residency, scenario, bisect_right(line.thresholds, prompt),
           bisect_right(line.instants, utc) if line.dated_only else line.state(utc))
    try:
        res, shape = memo["quotes"][key]
    except KeyError:
        res, shape = _remember_shape(table, asked, utc, prompt, output, tier, residency, scenario, requests, key)
    if prompt > max_prompt or output > max_output:  # the limits as numbers: no call for a request that fits
        check_request(asked, prompt, output, _hint(requests))
    # Quote.total_usd: each line's cost as _token_lines makes it (rate x tokens / 1M), summed in COMPONENTS
    # order from 0, so to the same Decimal (value and exponent) as the property would sum the lines. Input
    # and output are lines even at 0 tokens (and their 0 can still lower the total's exponent).
    input_rate, read_rate, write_5m_rate, write_1h_rate, output_rate, reasoning_rate = shape["_rates"]
    total = _ZERO + input_rate * fresh / MTOK
    if read:
        total += read_rate * read / MTOK
    if write_5m:
        total += write_5m_rate * write_5m / MTOK
    if write_1h:
        total += write_1h_rate * write_1h / MTOK
    total += output_rate * out / MTOK
    if reasoning:
        total += reasoning_rate * reasoning / MTOK
    made = _new(Quote)
    fields = made.__dict__
    fields.update(shape)  # the fields every quote of this key shares (and its rates and rule); then its own
    fields["at"] = at
    fields["price_table"] = memo["meta"].copy()
    fields["residency"] = residency  # as given: 1 and True share a key
    fields["requests"] = requests
    fields["_counts"] = counts  # what _DeferredLines makes `lines` from
    if tool_calls:  # tool lines are checked now (an error belongs to this call), so all lines are made now
        lines = _token_lines(shape["_rates"], shape["_rule"], counts)
        total = _tool_lines(res, tool_calls, at, lines, total)
        fields["lines"] = tuple(lines)
    fields["total_usd"] = total
    return made


def _token_lines(rates: tuple[Decimal, ...], rule: str, counts: tuple[int, ...]) -> list[QuoteLine]:
    """A quote's token lines: one per component with tokens, and input and output always."""
    lines = []
    for component, rate, count, listed in zip(COMPONENTS, rates, counts, _LISTED):
        if count or listed:
            line = _new(QuoteLine)
            fields = line.__dict__  # filled item by item: the class's shared keys, cheaper than a new dict
            fields["component"] = component
            fields["tokens"] = count
            fields["usd_per_mtok"] = rate
            fields["cost_usd"] = per_mtok(count, rate)  # exact in any context: lines may be made later
            fields["rule"] = rule
            lines.append(line)
    return lines


class _DeferredLines:
    """`Quote.lines` of a quote made by `quote` without tool calls: the token lines, made from the quote's
    rates, rule and counts when first read and then kept in the instance dict (this descriptor defines no
    __set__, so the dict answers every later read; the same pattern as functools.cached_property). A loop
    that reads only `total_usd` makes no line objects. Equality, repr, replace, asdict and pickling read
    the attribute, so they see the same tuple as an eagerly built quote has. The costs are computed exactly
    (money.per_mtok), not in the Decimal context current when read: a caller who lowers the precision between
    the quote and the read still gets lines that add up to the total (made in the call, where counts below
    10^15 and rates of under 13 digits fit the default 28 digits)."""

    def __get__(self, quote: Quote | None, owner: type | None = None):
        if quote is None:
            return self
        fields = quote.__dict__
        try:
            rates, rule, counts = fields["_rates"], fields["_rule"], fields["_counts"]
        except KeyError:
            raise AttributeError(f"{type(quote).__name__!r} object has no attribute 'lines'") from None
        lines = fields["lines"] = tuple(_token_lines(rates, rule, counts))
        return lines


# Set after @dataclass made Quote: `lines` is a field with no default, so the class had no attribute of
# that name, and the generated __init__ still takes and stores it (a constructed quote never defers).
Quote.lines = _DeferredLines()  # type: ignore[assignment]
_DEFERRAL_KEYS = ("_rates", "_rule", "_counts")


def _remember_shape(table: PriceTable, asked: Model, at: datetime, prompt: int, output: int, tier: str,
                    residency: bool, scenario: str, requests: int, key: tuple) -> tuple[Resolution, dict]:
    """The Resolution of `key` (resolve.remembered's) and the fields its quotes share, remembered beside it
    under the same key and bound (memo.py: equal keys, equal answers); an error is raised, never kept.
    Beside the fields, the shape holds what the quote's lines are made of: the rates in COMPONENTS order
    and the rule label (resolved once per key, not per quote)."""
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
             "scenario": scenario, "tier": tier, "residency": residency, "price_table": None,
             "requests": 1, "total_usd": _ZERO,
             "_rates": tuple(res.rates[component] for component in COMPONENTS), "_rule": res.label}
    remember(table.memo.setdefault("quotes", {}), key, (res, shape))
    return res, shape


def _asked(table: PriceTable, name: str) -> tuple[Model, int | float, int | float, Timeline]:
    """(the model `name` names, its context window, its max output, its Timeline), remembered per table with
    the table's meta (what every quote records); a limit the table does not give is infinite here (never
    exceeded)."""
    asked = lookup(table, name)
    found = (asked, _INFINITE if asked.context_window is None else asked.context_window,
             _INFINITE if asked.max_output_tokens is None else asked.max_output_tokens,
             timeline(table, asked.id, lambda: prompt_thresholds(table, asked.id)))
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


