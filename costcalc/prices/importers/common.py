"""What every importer shares: exact money from community tables, ids and providers in costcalc's form,
and the rules a converted entry carries (one per tier, prompt band, period and daily window).

Pure: the source document arrives parsed (numbers already Decimal, see jsontext.py); nothing here reads
files, the clock or the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Context, Decimal, InvalidOperation

from ..model import TIERS

MTOK = Decimal(1_000_000)
# Above this a "price" is a typo or a sentinel, not a rate: o1-pro's output, the dearest listed, is 600.
MAX_USD_PER_MTOK = Decimal(10_000)
MAX_PLACES = 8  # the loader refuses more decimals per 1M tokens (a float artefact)
_SIGNIFICANT = Context(prec=15)
_ROUNDING_TOLERANCE = Decimal("1e-6")  # a binary float carries 15 significant digits; more are artefacts
RATE_COMPONENTS = ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output", "reasoning")

MODEL_ID = re.compile(r"[a-z0-9][a-z0-9._:/-]*")
ALIAS = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*")
PROVIDER_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
MAX_ID_LENGTH = 200

# Source provider names that mean a costcalc provider of another name. Everything else keeps the
# source's own name in lower case.
PROVIDER_ALIASES = {
    "gemini": "google", "google-ai-studio": "google",
    "vertex_ai-language-models": "vertex_ai", "vertex_ai-anthropic_models": "vertex_ai",
    "vertex_ai-mistral_models": "vertex_ai", "vertex_ai-deepseek_models": "vertex_ai",
    "vertex_ai-openai_models": "vertex_ai", "vertex_ai-qwen_models": "vertex_ai",
    "vertex_ai-llama_models": "vertex_ai", "vertex_ai-ai21_models": "vertex_ai", "google-vertex": "vertex_ai",
    "google-vertex-anthropic": "vertex_ai",
    "text-completion-openai": "openai", "together_ai": "together", "togetherai": "together",
    "fireworks_ai": "fireworks", "fireworks-ai": "fireworks", "bedrock_converse": "bedrock",
    "amazon-bedrock": "bedrock", "aws": "bedrock", "x-ai": "xai", "mistralai": "mistral",
    "moonshot": "moonshotai", "zai": "zhipuai", "z-ai": "zhipuai",
}
# First-party labs: their model ids stand alone (`gpt-5.5`, `grok-4`). A host's ids carry the host
# (`openrouter/deepseek/deepseek-v4-pro`), as the bundled table writes them, so two hosts of one model
# never share an id.
LABS = frozenset({"openai", "anthropic", "google", "deepseek", "xai", "mistral", "moonshotai", "zhipuai",
                  "minimax", "alibaba", "qwen", "cohere", "perplexity", "ai21", "meta"})
PROVIDER_NAMES = {
    "openai": "OpenAI", "anthropic": "Anthropic", "google": "Google", "deepseek": "DeepSeek", "xai": "xAI",
    "mistral": "Mistral AI", "openrouter": "OpenRouter", "together": "Together AI", "fireworks": "Fireworks AI",
    "deepinfra": "DeepInfra", "bedrock": "Amazon Bedrock", "vertex_ai": "Google Vertex AI",
    "azure": "Microsoft Azure", "azure_ai": "Azure AI Foundry", "groq": "Groq",
}


class BadValue(ValueError):
    """A figure or name that cannot be converted; its message is the reason an entry is skipped."""


# -- money --------------------------------------------------------------------------------------------

def _decimal(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise BadValue(f"{what} is not a number ({_show(value)})")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise BadValue(f"{what} is not a number ({_show(value)})") from None
    else:
        raise BadValue(f"{what} is not a number ({_show(value)})")
    if not number.is_finite():
        raise BadValue(f"{what} is not a number ({_show(value)})")
    return number


def usd_per_mtok(value: object, what: str, per_token: bool, notes: list[str] | None = None) -> Decimal:
    """A source figure as exact USD per 1M tokens. Per-token figures are multiplied by 10^6 exactly;
    digits beyond a float's 15 significant ones are artefacts (3.0000000000000004e-06 -> 3), and what is
    left must fit the table's 8 decimal places (1.25e-07 -> 0.125). A repeating fraction written out by a
    float (1/12 as 0.08333333333333334) is rounded to 8 places when that moves it by less than a
    millionth of itself; the rounding is added to `notes`."""
    number = _exact(value, what, 6 if per_token else 0, "price", MAX_USD_PER_MTOK, "1M tokens")
    if _places(number) > MAX_PLACES:
        rounded = _plain(number.quantize(Decimal(1).scaleb(-MAX_PLACES)))
        if rounded == 0 or abs(rounded - number) > number * _ROUNDING_TOLERANCE:
            raise BadValue(f"{what} has more than {MAX_PLACES} decimal places per 1M tokens ({_show(value)})")
        if notes is not None:
            notes.append(f"{what} {_show(value)} rounded to {rounded} per 1M tokens ({MAX_PLACES} decimal places)")
        number = rounded
    return number


def _exact(value: object, what: str, scale: int, kind: str, maximum: Decimal, unit: str) -> Decimal:
    """A source figure (a `kind`: price or fee) times 10^scale, exactly, in USD per `unit`: digits beyond
    a float's 15 significant ones dropped as artefacts, trailing zeros dropped; refused when negative or
    above `maximum` (a typo or a sentinel, not a rate)."""
    number = _decimal(value, what)
    if number.adjusted() > 20:
        raise BadValue(f"{what} is an absurd {kind} ({_show(value)})")
    number = _SIGNIFICANT.plus(number)
    if scale:
        number = number.scaleb(scale)
    if number < 0:
        raise BadValue(f"{what} is a negative {kind} ({_show(value)})")
    if number > maximum:
        raise BadValue(f"{what} is an absurd {kind} ({_show(value)}: above {maximum} USD per {unit})")
    return _plain(number)


def _places(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def _plain(number: Decimal) -> Decimal:
    """Trailing zeros dropped without an exponent: 3.000000 -> 3, 0.12500 -> 0.125 (normalize() alone
    would give 3E+1 for 30)."""
    if number == 0:
        return Decimal(0)
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return Decimal(text)


MAX_USD_PER_1K_CALLS = Decimal(1_000)
FEE_TOOLS = ("web_search",)


def usd_per_1k_calls(value: object, what: str, per_call: bool) -> Decimal:
    """A per-call tool fee (a web search) as exact USD per 1,000 calls, the table's unit."""
    number = _exact(value, what, 3 if per_call else 0, "fee", MAX_USD_PER_1K_CALLS, "1,000 calls")
    if _places(number) > MAX_PLACES:
        raise BadValue(f"{what} has more than {MAX_PLACES} decimal places per 1,000 calls ({_show(value)})")
    return number


def refuse_request_fee(value: object, what: str, unit: str) -> None:
    """A fee charged per request (not per token, nor per tool call) has no place in a costcalc rule: an
    entry that charges one would be imported at its token prices alone, below its real cost, so it is
    skipped (BadValue). A fee of 0 (or none) is no fee. `unit` is what the figure is per: "request" or
    "1,000 requests"."""
    if value is None:
        return
    if _decimal(value, what) == 0:
        return
    raise BadValue(f"{what} is a fee per request ({_show(value)} USD per {unit}), which costcalc does not "
                   f"price: its token prices alone would understate the cost")


def token_count(value: object, what: str) -> int | None:
    """A context window or output limit: a whole number >= 1 (a float like 8192.0 is accepted), or None
    when the source gives none or gives nonsense (a limit is information, not a reason to skip)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = _decimal(value, what)
    except BadValue:
        return None
    if number != number.to_integral_value() or number < 1 or number >= 10 ** 12:
        return None
    return int(number)


def _show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


# -- names ----------------------------------------------------------------------------------------------

def provider_id(name: object) -> str:
    """A source's provider name as a costcalc provider id (lower case, mapped where names differ)."""
    if not isinstance(name, str) or not name.strip():
        raise BadValue(f"no provider given ({_show(name)})")
    pid = name.strip().lower()
    pid = PROVIDER_ALIASES.get(pid, pid)
    if not PROVIDER_ID.fullmatch(pid) or len(pid) > 60:
        raise BadValue(f"provider {_show(name)} is not a provider id (letters, digits, . _ -)")
    return pid


def model_id(provider: str, name: object, host: bool) -> tuple[str, tuple[str, ...]]:
    """(costcalc id, aliases) for a source's model name under `provider`. A host's ids start with the
    host; a lab's do not. Ids are lower case; a source name in another case stays as an alias."""
    if not isinstance(name, str) or not name.strip():
        raise BadValue(f"no model id given ({_show(name)})")
    raw = name.strip()
    rest = raw[len(provider) + 1:] if raw.lower().startswith(provider + "/") else raw
    full = f"{provider}/{rest}" if host else rest
    mid = full.lower()
    if len(mid) > MAX_ID_LENGTH or not MODEL_ID.fullmatch(mid):
        raise BadValue(f"model id {_show(raw)} does not fit costcalc's ids (letters, digits, . _ : / -)")
    aliases = (full,) if full != mid and ALIAS.fullmatch(full) else ()
    return mid, aliases


def alias_names(names, model: str) -> tuple[str, ...]:
    """Other names a source gives a model, kept where they are valid aliases and differ from the id."""
    out: list[str] = []
    for name in names:
        if isinstance(name, str) and name != model and len(name) <= MAX_ID_LENGTH and ALIAS.fullmatch(name) \
                and name not in out:
            out.append(name)
    return tuple(out)


# -- rules ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Series:
    """One component's price within a tier: `base`, then from each threshold up the step's price (a cliff:
    a prompt above the threshold pays that price on every token)."""

    base: Decimal | None = None
    steps: tuple[tuple[int, Decimal], ...] = ()

    def at(self, above: int | None) -> Decimal | None:
        price = self.base
        for threshold, step in self.steps:
            if above is not None and threshold <= above:
                price = step
        return price

    def stated_at(self, above: int | None) -> bool:
        """Whether the source states this component for the band starting above `above` itself."""
        if above is None:
            return self.base is not None
        return any(threshold == above for threshold, _ in self.steps)


@dataclass(frozen=True)
class RuleSpec:
    """One price rule of a converted entry: rates for a tier and prompt band in a period and daily window."""

    tier: str
    rates: dict[str, Decimal]
    stated: frozenset[str]  # components the source states for this tier and band (crosscheck compares these)
    above: int | None = None  # prompt_tokens_above
    at_most: int | None = None  # prompt_tokens_at_most
    start: datetime | None = None
    end: datetime | None = None
    hours: tuple[str, ...] | None = None  # "HH:MM-HH:MM" windows in UTC
    window: str = ""  # a short name of the window for the label, e.g. "0030-1630"
    fees: tuple[tuple[str, Decimal], ...] = ()  # (tool, USD per 1,000 calls) in force over the rule's period

    @property
    def label(self) -> str:
        label = "list" if self.tier == "standard" else self.tier
        if self.above is not None:
            label += f"-above-{_size(self.above)}"
        if self.window:
            label += f"-{self.window}"
        return label


def _size(tokens: int) -> str:
    return f"{tokens // 1000}k" if tokens % 1000 == 0 and tokens else str(tokens)


@dataclass(frozen=True)
class Entry:
    """One model of a community table, converted, or the reason it could not be."""

    source_id: str  # its key or id in the source
    provider: str | None = None
    model: str | None = None
    name: str = ""
    aliases: tuple[str, ...] = ()
    context_window: int | None = None
    max_output_tokens: int | None = None
    rules: tuple[RuleSpec, ...] = ()
    ignored: tuple[str, ...] = ()  # source price fields costcalc does not represent
    provider_name: str | None = None
    host: bool = False
    reason: str | None = None  # why it was skipped; None when converted
    notes: tuple[str, ...] = field(default=())


def object_at(record: dict, key: str) -> dict:
    """record[key] when it is a JSON object, else {} (a missing or malformed part reads as empty)."""
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def text_at(record: dict, key: str) -> str | None:
    """record[key] when it is text that is not empty, else None."""
    value = record.get(key)
    return value if isinstance(value, str) and value else None


def skipped(source_id: object, reason: str) -> Entry:
    return Entry(source_id=str(source_id), reason=reason)


def build_rules(tiers: dict[str, dict[str, Series]], start: datetime | None = None, end: datetime | None = None,
                hours: tuple[str, ...] | None = None, window: str = "",
                fees: dict[str, Decimal] | None = None) -> tuple[RuleSpec, ...]:
    """Rules for one period from each tier's per-component series.

    The standard tier needs input and output. A component a tier leaves out takes the standard tier's
    price for the same prompt band (as LiteLLM's cost code falls back to the standard key). A tier with no
    cliffs of its own, on a model whose standard tier has some, is priced only up to the first cliff: the
    source says nothing about its long prompts, and a hole is better than a silent wrong price. A zero
    cache or reasoning price beside a paid input (output) price means "not billed separately": it is left
    out, so those tokens bill by costcalc's fallbacks (as input, reasoning as output)."""
    tiers = {tier: _without_restated_reasoning(series) for tier, series in tiers.items()}
    standard = tiers.get("standard", {})
    missing = [c for c in ("input", "output") if standard.get(c, Series()).base is None]
    if missing:
        raise BadValue("no token prices" if len(missing) == 2 else f"no {missing[0]} price")
    standard_cuts = _cuts(standard)
    out: list[RuleSpec] = []
    for tier in TIERS:
        series = tiers.get(tier)
        if series is None:
            continue
        cuts = _cuts(series)
        cap = standard_cuts[0] if not cuts and tier != "standard" and standard_cuts else None
        bands = [None] + cuts
        for i, above in enumerate(bands):
            at_most = bands[i + 1] if i + 1 < len(bands) else cap
            rates: dict[str, Decimal] = {}
            stated: set[str] = set()
            for component in RATE_COMPONENTS:
                own = series.get(component)
                price = own.at(above) if own is not None else None
                if own is not None and own.stated_at(above):
                    stated.add(component)
                if price is None and tier != "standard" and component in standard:
                    price = standard[component].at(above)
                if price is not None:
                    rates[component] = price
            if "input" not in rates or "output" not in rates:
                raise BadValue(f"the {tier} tier has no input or output price")
            for component, paid in _ZERO_MEANS_UNSET.items():
                # LiteLLM writes 0 for "not billed separately" (DeepSeek's automatic cache writes); free
                # cache or reasoning tokens beside a paid input or output would be a pricing first.
                if rates.get(component) == 0 and rates[paid] > 0:
                    del rates[component]
                    stated.discard(component)
            if rates.get("cache_read", Decimal(0)) > rates["input"]:
                if "cache_read" in stated:
                    raise BadValue(f"cache read price {rates['cache_read']} is above the input price "
                                   f"{rates['input']}")
                del rates["cache_read"]  # a borrowed standard-tier read price: bill reads as input instead
            out.append(RuleSpec(tier, rates, frozenset(stated), above, at_most, start, end, hours, window,
                                tuple(sorted((fees or {}).items()))))
    return tuple(out)


_ZERO_MEANS_UNSET = {"cache_read": "input", "cache_write_5m": "input", "cache_write_1h": "input",
                     "reasoning": "output"}


def _without_restated_reasoning(series: dict[str, Series]) -> dict[str, Series]:
    """A flat reasoning price equal to the output price says "reasoning bills as output": left to costcalc's
    fallback, so reasoning follows output above a cliff and in other tiers instead of staying put."""
    reasoning, output = series.get("reasoning"), series.get("output")
    if reasoning is not None and output is not None and not reasoning.steps and reasoning.base == output.base:
        return {c: s for c, s in series.items() if c != "reasoning"}
    return series


def _cuts(series: dict[str, Series]) -> list[int]:
    return sorted({threshold for s in series.values() for threshold, _ in s.steps})
