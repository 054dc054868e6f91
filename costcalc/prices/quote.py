"""Price one bundle of tokens: exact Decimal lines and a total."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import re
from typing import Mapping

from ..errors import NoPriceError, shown
from ..money import decimal_text
from .model import COMPONENTS, MTOK, TOOL_PREFIX, PriceTable, tool_component
from .resolve import Request, resolve


_TOOL = re.compile(r"[a-z][a-z0-9_]{0,63}", re.ASCII)


@dataclass(frozen=True)
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

    def __post_init__(self):
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

    @property
    def total_usd(self) -> Decimal:
        return sum((line.cost_usd for line in self.lines), Decimal(0))

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
            "total_usd": decimal_text(self.total_usd),
            "lines": [_line_dict(ln) for ln in self.lines],
            "price_table": {"version": self.price_table.get("version"),
                            "sha256": self.price_table.get("sha256")},
        }

    def to_frame(self):
        import pandas as pd

        frame = pd.DataFrame([ln.__dict__ for ln in self.lines],
                             columns=["component", "tokens", "usd_per_mtok", "cost_usd", "rule"])
        frame.attrs.update({"model": self.model, "at": self.at.isoformat(), "scenario": self.scenario,
                            "price_table": self.price_table})
        return frame


def _line_dict(line: QuoteLine) -> dict:
    out = {"component": line.component, "tokens": line.tokens, "usd_per_mtok": decimal_text(line.usd_per_mtok),
           "cost_usd": decimal_text(line.cost_usd), "rule": line.rule}
    if line.tool:
        out.update({"tool": line.tool, "calls": line.calls, "usd_per_1k_calls": decimal_text(line.usd_per_1k_calls)})
    return out


def quote(table: PriceTable, model: str, tokens: TokenBundle, at: datetime, tier: str = "standard",
          residency: bool = False, scenario: str = "actual", tool_calls: Mapping[str, int] | None = None) -> Quote:
    """Price a bundle of tokens, and `tool_calls` {tool: calls} at the model's per-call fees: one line
    per tool (`tool:web_search`), cost = calls x USD per call, exact. A tool the model has no fee for at
    `at` is a NoPriceError naming the model and the tools it does price."""
    res = resolve(table, model, at, Request(tokens.prompt_tokens, tier, residency, scenario))
    lines = []
    for component in COMPONENTS:
        count = getattr(tokens, component)
        if count == 0 and component not in ("input", "output"):
            continue
        rate = res.rates[component]
        lines.append(QuoteLine(component, count, rate, rate * count / MTOK, res.label))
    for tool, calls in (tool_calls or {}).items():
        if not isinstance(tool, str) or not _TOOL.fullmatch(tool):
            raise ValueError(f"tool_calls: {shown(tool)} is not a tool name (lower case, like web_search)")
        if not isinstance(calls, int) or isinstance(calls, bool) or calls < 0:
            raise ValueError(f"tool_calls[{tool!r}] must be a whole number of calls >= 0, not {calls!r}")
        fee = res.fee(tool)
        if fee is None:
            raise NoPriceError(res.no_fee_message(tool, at))
        lines.append(QuoteLine(tool_component(tool), calls, fee.usd_per_mcall, fee.usd_per_call * calls,
                               res.fee_label))
    return Quote(res.model, res.billed_model.id, res.billed_model.provider, at, scenario,
                 tier, residency, tuple(lines), table.meta())
