"""The price table as frozen domain objects. Built by `load.py`, read by `resolve.py` and `lint.py`.

Rates are USD per 1M tokens (Decimal). A model holds base rules (exactly one must match any request it
prices), promotions (override the base rule they name, ignored in the `list` scenario), modifiers
(multipliers that stack: batch, long context, residency, negotiated discounts), dated routes (billed as
another model) and an optional retirement.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType

from ..calendar import zone

# Token components, in the order every output lists them. Names match the quote CLI flags.
COMPONENTS = ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output", "reasoning")
# What a component is billed at when a rule gives no rate of its own: automatic caches (DeepSeek, OpenAI)
# bill the tokens they write as ordinary input; models without caching bill reads as input; reasoning
# (thinking) tokens bill as output unless a model says otherwise.
RATE_FALLBACK = {"cache_read": "input", "cache_write_5m": "input", "cache_write_1h": "input",
                 "reasoning": "output"}
TIERS = ("standard", "batch", "flex", "priority")
TIER_ALIASES = {"fast": "priority"}  # OpenAI renamed priority processing "Fast mode" on 2026-07-30
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SCENARIOS = ("actual", "list")
MTOK = Decimal(1_000_000)
# Per-call tool fees (a model's `fees:`) appear in results as components of their own, `tool:NAME`
# (`tool:web_search`). Their lines reuse the token columns so every line obeys one formula,
# cost_usd = tokens x usd_per_mtok / 1,000,000: `tokens` holds the number of calls and `usd_per_mtok`
# the fee in USD per 1,000,000 calls (usd_per_1k_calls x 1,000).
TOOL_PREFIX = "tool:"
# The tools a usage log records calls of (usage.schema: `web_search_calls`, ...). A price table may
# price any tool name; these are the ones logs carry and profiles are checked against by default.
TOOLS = ("web_search", "web_fetch", "code_execution")
CALLS_PER_1K = Decimal(1000)


def tool_component(tool: str) -> str:
    """`web_search` -> `tool:web_search`, the component of its fee lines."""
    return TOOL_PREFIX + tool


def is_tool_component(component: str) -> bool:
    return str(component).startswith(TOOL_PREFIX)


@dataclass(frozen=True)
class Window:
    """A daily time window [start, end) in minutes after local midnight; end may be 1440."""

    start_minute: int
    end_minute: int

    def __str__(self) -> str:
        return f"{_hhmm(self.start_minute)}-{_hhmm(self.end_minute)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Calendar:
    """Named holiday dates, read in the calendar's own time zone."""

    name: str
    timezone: str
    dates: frozenset[date]
    source: str
    checked: date


@dataclass(frozen=True)
class Conditions:
    """All conditions must hold (AND). None means 'no condition of this kind'."""

    start: datetime | None = None  # inclusive instant (UTC)
    end: datetime | None = None  # exclusive instant (UTC)
    timezone: str = "UTC"  # for hours, weekdays and holidays
    hours: tuple[Window, ...] | None = None
    weekdays: frozenset[int] | None = None  # 0 = Monday
    holiday_calendar: str | None = None
    on_holidays: bool | None = None  # True: only on holidays; False: never on holidays
    prompt_tokens_above: int | None = None
    prompt_tokens_at_most: int | None = None
    tiers: frozenset[str] | None = None
    residency: bool | None = None

    @property
    def has_clock(self) -> bool:
        """True when the rule depends on the local time of day or the local date, not only on instants."""
        return self.hours is not None or self.weekdays is not None or self.holiday_calendar is not None

    def matches_request(self, prompt_tokens: int, tier: str, residency: bool) -> bool:
        if self.prompt_tokens_above is not None and not prompt_tokens > self.prompt_tokens_above:
            return False
        if self.prompt_tokens_at_most is not None and not prompt_tokens <= self.prompt_tokens_at_most:
            return False
        if self.tiers is not None and tier not in self.tiers:
            return False
        if self.residency is not None and residency != self.residency:
            return False
        return True

    def matches_time(self, at: datetime, calendars: Mapping[str, Calendar]) -> bool:
        if self.start is not None and at < self.start:
            return False
        if self.end is not None and at >= self.end:
            return False
        if not self.has_clock:
            return True
        local = at.astimezone(zone(self.timezone))
        if self.weekdays is not None and local.weekday() not in self.weekdays:
            return False
        if self.hours is not None:
            minute = local.hour * 60 + local.minute
            if not any(w.start_minute <= minute < w.end_minute for w in self.hours):
                return False
        if self.holiday_calendar is not None:
            calendar = calendars[self.holiday_calendar]
            holiday = at.astimezone(zone(calendar.timezone)).date() in calendar.dates
            if holiday != self.on_holidays:
                return False
        return True

    def describe(self) -> str:
        """A compact human reading, for `prices show`."""
        parts = []
        if self.start or self.end:
            parts.append(f"{_when(self.start) or '…'} → {_when(self.end) or '…'}")
        if self.weekdays is not None:
            parts.append(",".join(WEEKDAYS[d] for d in sorted(self.weekdays)))
        if self.hours is not None:
            parts.append(" ".join(str(w) for w in self.hours))
        if self.weekdays is not None or self.hours is not None:
            parts.append(self.timezone)
        if self.holiday_calendar:
            parts.append(("on " if self.on_holidays else "not on ") + self.holiday_calendar)
        if self.prompt_tokens_above is not None:
            parts.append(f"prompt > {self.prompt_tokens_above:,}")
        if self.prompt_tokens_at_most is not None:
            parts.append(f"prompt <= {self.prompt_tokens_at_most:,}")
        if self.tiers is not None:
            parts.append("tier " + "/".join(t for t in TIERS if t in self.tiers))
        if self.residency is not None:
            parts.append("residency" if self.residency else "no residency")
        return "; ".join(parts) or "always"


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%MZ") if at else ""


@dataclass(frozen=True)
class Rule:
    """A base price (or a promotion of one) with its rates per component."""

    label: str
    rates: dict[str, Decimal]  # only the components the source gives; see RATE_FALLBACK
    when: Conditions
    source: str
    checked: date | None  # None: an overlay's figure, sourced by the overlay file itself
    promotion_of: str | None = None
    note: str | None = None
    key: str = ""  # where it is defined, e.g. "deepseek-v4-pro.prices[3]"; unique in the table
    line: int | None = None
    file: str = ""  # the price file (bundled table or overlay) it comes from
    # Prices the provider publishes in another currency (DeepSeek's CNY list is not its USD list times
    # an exchange rate): currency -> component -> rate per 1M tokens. Used instead of converting.
    native: dict[str, dict[str, Decimal]] = field(default_factory=dict)

    @property
    def is_promotion(self) -> bool:
        return self.promotion_of is not None

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rule) and other.key == self.key


@dataclass(frozen=True)
class Modifier:
    """Multiplies the base rates when its conditions hold (batch, long context, residency, discount)."""

    label: str
    factors: dict[str, Decimal]  # component -> multiplier; components not listed are unchanged
    when: Conditions
    source: str
    checked: date | None
    kind: str = "modifier"  # or "discount" (negotiated, from an overlay)
    key: str = ""
    line: int | None = None
    file: str = ""

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Modifier) and other.key == self.key


@dataclass(frozen=True)
class Fee:
    """A charge per call of a named server-side tool (web search, fetch, code execution): not a token
    price, so modifiers (batch, long context, residency) leave it alone. Published per 1,000 calls."""

    tool: str
    # None when the provider publishes the fee only in another currency (DeepSeek's Search/Fetch: 5 CNY
    # per 1,000 calls, no USD price found): such calls have no USD price, and say so, never a made-up rate.
    usd_per_1k_calls: Decimal | None
    when: Conditions
    source: str
    checked: date | None
    note: str | None = None
    # The provider's own price per 1,000 calls in another currency (DeepSeek: 5 CNY), used instead of
    # converting when a result is shown in that currency.
    native: dict[str, Decimal] = field(default_factory=dict)
    key: str = ""
    line: int | None = None
    file: str = ""

    @property
    def priced_in_usd(self) -> bool:
        return self.usd_per_1k_calls is not None

    def native_text(self) -> str:
        """`5 CNY` per 1,000 calls, for messages about a fee published only in another currency."""
        return ", ".join(f"{value.normalize():f} {code}" for code, value in self.native.items())

    def _usd_per_1k(self) -> Decimal:
        if self.usd_per_1k_calls is None:
            raise ValueError(f"a fee of {self.native_text()} has no USD price (check priced_in_usd first)")
        return self.usd_per_1k_calls

    @property
    def usd_per_call(self) -> Decimal:
        return self._usd_per_1k() / CALLS_PER_1K

    @property
    def usd_per_mcall(self) -> Decimal:
        """USD per 1,000,000 calls: what a fee line's `usd_per_mtok` column holds."""
        return self._usd_per_1k() * CALLS_PER_1K

    def native_per_mcall(self, currency: str) -> Decimal | None:
        """The provider's own price per 1,000,000 calls in `currency`, or None when it publishes none."""
        own = self.native.get(currency)
        return None if own is None else own * CALLS_PER_1K

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fee) and other.key == self.key


@dataclass(frozen=True)
class Route:
    """From `when.start` until `when.end`, requests to this model are billed as `billed_as`."""

    billed_as: str
    when: Conditions
    source: str
    checked: date | None  # None: an overlay's figure, sourced by the overlay file itself


@dataclass(frozen=True)
class Retirement:
    at: datetime  # first instant the model is refused
    replacement: str
    source: str
    checked: date | None  # None: an overlay's figure, sourced by the overlay file itself


@dataclass(frozen=True)
class Model:
    id: str
    provider: str
    name: str
    aliases: tuple[str, ...] = ()
    # The first instant the model could be called: no price before it (a quote is refused, an estimate
    # marks the months before it as not available). None only in overlays that do not say.
    launched: datetime | None = None
    tokenizer: str | None = None
    context_window: int | None = None
    max_output_tokens: int | None = None
    tiers: tuple[str, ...] = ("standard",)
    rules: tuple[Rule, ...] = ()
    modifiers: tuple[Modifier, ...] = ()
    routes: tuple[Route, ...] = ()
    fees: tuple[Fee, ...] = ()
    retired: Retirement | None = None
    notes: tuple[str, ...] = ()
    confidence: str = "high"
    line: int | None = None
    file: str = ""

    @property
    def residency(self) -> bool:
        """Whether a data-residency option is priced (a residency modifier or rule)."""
        return any(item.when.residency for item in self.modifiers + self.rules)


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    models: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceFile:
    path: str
    sha256: str
    version: str
    # How results name the file: the bundled table by name, not by where this machine installed it,
    # so a saved result (and its golden file) does not depend on the install location.
    name: str = ""


_MAPPINGS = ("providers", "models", "calendars", "aliases")  # read-only views on a PriceTable


@dataclass(frozen=True)
class PriceTable:
    schema_version: int
    version: str
    currency: str
    providers: Mapping[str, Provider]
    models: Mapping[str, Model]
    calendars: Mapping[str, Calendar]
    notes: tuple[str, ...]
    files: tuple[SourceFile, ...]
    aliases: Mapping[str, str] = field(default_factory=dict)  # alias or provider/id -> model id
    # Answers remembered for this table (memo.py: resolutions and each model's timeline). A table is
    # never changed once built (its mappings are read-only views), so they stay right as long as it
    # lives. Not part of its value: equality, repr and dataclasses.replace leave it out.
    memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in _MAPPINGS:
            value = getattr(self, name)
            if not isinstance(value, MappingProxyType):
                object.__setattr__(self, name, MappingProxyType(value))

    def __getstate__(self) -> dict:
        """Pickled (prices/table_cache.py) with plain dicts for the read-only views, which do not pickle,
        and without the memo: answers are remembered again by the table that is loaded."""
        state = dict(self.__dict__)
        for name in _MAPPINGS:
            state[name] = dict(state[name])
        state["memo"] = {}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    @property
    def sha256(self) -> str:
        """The bundled file's hash alone, or, with overlays, a hash over every file's hash in order."""
        if len(self.files) == 1:
            return self.files[0].sha256

        joined = "\n".join(f.sha256 for f in self.files).encode()
        return hashlib.sha256(joined).hexdigest()

    def meta(self) -> dict:
        """What every result records about the prices it used."""
        return {"version": self.version, "sha256": self.sha256,
                "files": [{"path": f.name or f.path, "sha256": f.sha256, "version": f.version}
                          for f in self.files]}
