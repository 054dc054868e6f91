"""Workload profiles in memory: the frozen dataclasses every loader produces and the projection reads, and the
names and choices of the workloads file's keys."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from .conversation import shape_at
# Range (an uncertain value) lives in values.py, below the shapes that use it too; imported here for the many
# readers that know it as workloads.model.Range.
from .values import Range, Value

if TYPE_CHECKING:  # annotations only: the profile holds these, this module never builds them
    from .agent import Agent
    from .conversation import Conversation
    from .failures import Failures
    from .units import Unit

SCHEMA_VERSION = 1
CASES = ("expected", "low", "high")
CACHE_TTLS = ("5m", "1h")
REASONING_MODES = ("none", "high", "max")
# What an estimate does with requests a model cannot take (a prompt above its context window, output
# above its max output): stop with an error naming profile, model and limit, or leave those requests
# out of the volume and say so in the assumptions.
OVER_LIMIT = ("error", "exclude")
# What a profile's token counts were counted with unless it says (`tokens_counted_with:`): OpenAI's o200k,
# the tokenizer most counting tools use.
DEFAULT_TOKENS_COUNTED_WITH = "o200k_base"
# `reasoning: high|max` -> reasoning tokens per request as a multiple of the visible output tokens, per
# provider family. Only DeepSeek's Think Max has a published figure (launch coverage: ~190M output tokens
# for a benchmark run against a 47M median, about 4x); the rest are planning assumptions, recorded in
# every result's assumptions. Give `reasoning_tokens` to use your own measurement instead.
REASONING_PER_OUTPUT_TOKEN = {
    "deepseek": {"none": Decimal(0), "high": Decimal(2), "max": Decimal(4)},
    "openai": {"none": Decimal(0), "high": Decimal(2), "max": Decimal(4)},
    "anthropic": {"none": Decimal(0), "high": Decimal(2), "max": Decimal(4)},
    "google": {"none": Decimal(0), "high": Decimal(2), "max": Decimal(4)},
}
DEFAULT_REASONING_PER_OUTPUT_TOKEN = REASONING_PER_OUTPUT_TOKEN["deepseek"]

PROFILE_KEYS = ("requests_per_day", "requests_per_month", "input_tokens", "output_tokens", "samples",
                "reasoning_tokens", "reasoning", "cache_hit_rate", "cache_write", "tiers", "residency",
                "traffic", "growth_per_month", "start", "end", "models", "tags", "note", "over_limit",
                "tool_calls_per_request", "use", "tokens_counted_with", "conversation", "agent", "failures",
                "units")
TOP_KEYS = ("schema_version", "defaults", "profiles", "plans", "budgets", "units")
TOOL_PATTERN = r"[a-z][a-z0-9_]*"  # as a price table's `fees[].tool`
_ONE = Decimal(1)


@dataclass(frozen=True)
class Histogram:
    """Prompt sizes with their share of requests; shares sum to 1."""

    bins: tuple[tuple[Decimal, Decimal], ...]  # (tokens per request, share)

    def mean(self) -> Decimal:
        return sum((t * s for t, s in self.bins), Decimal(0))


@dataclass(frozen=True)
class Traffic:
    """When requests arrive, in the profile's own time zone: weights per hour of day and per weekday.
    Only ratios matter; uniform means every minute of the week is alike."""

    timezone: str = "UTC"
    hours: tuple[Decimal, ...] = (_ONE,) * 24
    weekdays: tuple[Decimal, ...] = (_ONE,) * 7  # Monday first

    @property
    def uniform(self) -> bool:
        return len(set(self.hours)) == 1 and len(set(self.weekdays)) == 1

    def describe(self) -> str:
        return "uniform" if self.uniform else f"shaped ({self.timezone})"


@dataclass(frozen=True)
class Samples:
    """Representative texts, read from files: each prompt (text or chat messages) is one request's input,
    each reply one request's output. Counted per model with that model's own tokenizer."""

    prompts: tuple[str, ...] = ()
    chats: tuple[tuple[dict, ...], ...] = ()  # message lists: all but a final assistant reply are input
    replies: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class SampledTokens:
    """Tokens per request one model's tokenizer derived from a profile's samples."""

    tokenizer: str
    exact: bool
    input: Histogram
    output: Decimal | None  # None: the profile's output_tokens apply
    input_low: Decimal
    input_high: Decimal


@dataclass(frozen=True)
class Origin:
    """Where a profile was read: its file, its dotted key and the line of each value a later check may
    point at. The projection refuses a request above a model's limits after loading; with this it names
    the file, line and key like a loading error does, and stays pure (nothing is read again)."""

    file: str
    key: str  # profiles.NAME
    line: int | None  # of the profile itself
    lines: tuple[tuple[str, int], ...] = ()  # (key below the profile, line): input_tokens.histogram[1].tokens

    def where(self, *keys: str) -> tuple[str, int | None]:
        """(full dotted key, line) of the first of `keys` recorded, else the profile's own."""
        found = dict(self.lines)
        for key in keys:
            if key in found:
                return f"{self.key}.{key}", found[key]
        return self.key, self.line



@dataclass(frozen=True)
class Profile:
    name: str
    models: tuple[str, ...]
    # The WHOLE prompt per request (uncached + cache reads + cache writes: cache_hit_rate and
    # cache_write_share are shares of it), unlike a usage log's input_tokens, the uncached part only.
    input_tokens: Value | Histogram
    output_tokens: Value
    requests_per_day: Value | None = None
    requests_per_month: Value | None = None
    reasoning_tokens: Value | None = None
    reasoning: str | None = None
    cache_hit_rate: Value = Decimal(0)
    cache_write_share: Value = Decimal(0)
    cache_write_ttl: str = "5m"
    tiers: tuple[tuple[str, Decimal], ...] = (("standard", _ONE),)
    residency: bool = False
    traffic: Traffic = field(default_factory=Traffic)
    growth_per_month: Value = Decimal(0)
    start: date | None = None
    end: date | None = None  # inclusive
    tags: tuple[tuple[str, str], ...] = ()
    note: str | None = None
    samples: Samples | None = None
    sampled: tuple[tuple[str, SampledTokens], ...] = ()  # per model id, filled in by count_samples()
    over_limit: str = "error"  # one of OVER_LIMIT
    # Calls of server-side tools per request, on average (`tool_calls_per_request: {web_search: 0.3}`):
    # priced at each model's per-call fee, one `tool:NAME` line per tool.
    tool_calls: tuple[tuple[str, Value], ...] = ()
    # The tokenizer the profile's token counts were counted with: each model gets them translated to
    # its own tokenizer family (costcalc.token_units). Samples are counted per model and stay exact.
    tokens_counted_with: str = DEFAULT_TOKENS_COUNTED_WITH
    # where it was read (None for a Profile made in code): errors found later name its file and line
    origin: Origin | None = field(default=None, compare=False, repr=False)
    use: str | None = None  # the model the `current` plan puts this profile on (None: the first listed)
    # `conversation:` or `agent:` (workloads/conversation.py, agent.py): requests and tokens derived per
    # turn. Then requests_per_day holds conversations (tasks) per day, output_tokens the output per turn,
    # and input_tokens the mean prompt (for descriptions; the projection prices every turn's own).
    shape: Conversation | Agent | None = None
    failures: Failures | None = None  # failed attempts and retries (workloads/failures.py)
    units: tuple[Unit, ...] = ()  # what cost per unit divides by (workloads/units.py)

    @property
    def current_model(self) -> str:
        return self.use if self.use is not None else self.models[0]

    @property
    def has_ranges(self) -> bool:
        return any(isinstance(getattr(self, f), Range) for f in _RANGED) or \
            any(isinstance(v, Range) for _, v in self.tool_calls) or self.shape_steps_range is not None

    @property
    def shape_steps_range(self) -> Range | None:
        """The shape's turns (steps) when they are a {low, expected, high} range."""
        steps = None if self.shape is None else getattr(self.shape, self.shape.steps_key)
        return steps if isinstance(steps, Range) else None

    def at_case(self, case: str) -> Profile:
        """This profile with every Range replaced by its value for `case` (low, expected, high)."""
        changes = {f: getattr(self, f).at(case) for f in _RANGED if isinstance(getattr(self, f), Range)}
        if any(isinstance(v, Range) for _, v in self.tool_calls):
            changes["tool_calls"] = tuple((t, v.at(case) if isinstance(v, Range) else v) for t, v in self.tool_calls)
        if self.shape_steps_range is not None:
            changes["shape"] = self.shape_at(case)
        return replace(self, **changes) if changes else self

    def shape_at(self, case: str) -> Conversation | Agent | None:
        """The shape with its turns (steps) at `case`: one fixed count."""
        return None if self.shape is None else shape_at(self.shape, case)



_RANGED = ("requests_per_day", "requests_per_month", "input_tokens", "output_tokens", "reasoning_tokens",
           "cache_hit_rate", "cache_write_share", "growth_per_month")


@dataclass(frozen=True)
class Workloads:
    profiles: tuple[Profile, ...]
    source: str  # file path, "<DataFrame>", ...
    plans: tuple = ()  # UserPlan (costcalc.workload_plans): the file's own plans
    budgets: tuple = ()  # BudgetRule: the file's budgets
    # the top-level `units:`: units of the whole product (users of every profile), what each plan's
    # total divides by (report/unitcosts.py plan_unit_costs)
    units: tuple[Unit, ...] = ()

    def __iter__(self):
        return iter(self.profiles)



def has_reply(chat: tuple[dict, ...]) -> bool:
    return bool(chat) and chat[-1].get("role") == "assistant"
