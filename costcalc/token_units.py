"""Token counts have a unit: the tokenizer a profile's counts were counted with (`tokens_counted_with:`,
o200k_base by default, per profile or in `defaults:`).

Each model gets the counts translated to its own tokenizer family with the documented ratios, exactly as
`costcalc reprice --as` translates logged counts: `translation_ratio` for the factor, whole tokens half
up (`translate_count`). Every translation is an estimate (the ratios are averages over kinds of text), so
it is labelled with its band in the assumptions and in the profile's info.

What is translated, per request:
  input tokens    a number, a range at the end its case takes, each histogram bin (the cache shares are
                  shares of the translated input; cliffs and the context window see the translated prompt)
  output tokens   the visible reply
Not translated:
  samples:        counted per model with that model's own tokenizer already (exact, or its tokenizer's
                  own estimate); replies from samples likewise. Output tokens given as a number next to
                  samples without replies are translated.
  reasoning_tokens  the model's own hidden text, not the user's: a given figure is a planning number for
                  that model's reasoning and applies as given. `reasoning: high|max` is a multiple of the
                  output, so it follows the translated output.
  tool calls      calls, not tokens.
A model whose table entry names no tokenizer keeps the counts as given (and an assumption line says so).

Pure: the price table's tokenizer names arrive with the model.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .tokens.tokenizers import relative_to_o200k, translate_count, translation_band
from .workloads.model import Histogram, Profile

_ONE = (1, 1)


@dataclass(frozen=True)
class Translation:
    """From `source` counts to a model's `target` tokenizer: ratio (numerator, denominator) and band."""

    source: str
    target: str
    ratio: tuple[int, int]  # (1, 1): the same numbers, still an estimate in another tokenizer
    band: tuple[Decimal, Decimal]

    def factor(self) -> str:
        """1.3, 1.04, or 20/21 (about 0.9524) where the ratio has no short decimal."""
        num, den = self.ratio
        value = Decimal(num) / Decimal(den)
        if value * den == num and len(f"{value.normalize():f}") <= 8:
            return f"{value.normalize():f}"
        return f"{num}/{den} (about {value:.4f})"

    def band_text(self) -> str:
        low, high = (_short(b) for b in self.band)
        return f"{low}-{high}"


def translation(source: str, target: str | None) -> Translation | None:
    """How counts in `source` become counts in `target`; None when they are the same tokenizer or the
    model names none."""
    if target is None or target == source:
        return None
    ratio = Fraction(relative_to_o200k(target)) / Fraction(relative_to_o200k(source))
    return Translation(source, target, (ratio.numerator, ratio.denominator), translation_band(source, target))


def translated_parts(input_from_samples: bool, output_from_samples: bool) -> str | None:
    """Which counts a profile gives in its own unit (None: all come from samples, per model)."""
    if input_from_samples:
        return None if output_from_samples else "output"
    return "input and output"


def translate(profile: Profile, t: Translation, input_from_samples: bool, output_from_samples: bool) -> Profile:
    """The profile (at one case: no ranges) with its counts in the model's tokenizer."""
    if t.ratio == _ONE:
        return profile
    changes: dict[str, Any] = {}  # field name -> new value, of that field's type
    if not input_from_samples:
        tokens = profile.input_tokens
        if isinstance(tokens, Histogram):
            changes["input_tokens"] = Histogram(tuple((translate_count(n, t.ratio), s) for n, s in tokens.bins))
        else:
            assert isinstance(tokens, Decimal), "a profile at one case has no ranges"
            changes["input_tokens"] = translate_count(tokens, t.ratio)
    if not output_from_samples:
        output = profile.output_tokens
        assert isinstance(output, Decimal), "a profile at one case has no ranges"
        changes["output_tokens"] = translate_count(output, t.ratio)
    return replace(profile, **changes)


def limit_hint(t: Translation | None) -> str:
    """What a limit error adds when the request's size is a translated count."""
    if t is None or t.ratio == _ONE:
        return ""
    return (f" (the profile's {t.source} counts x{t.factor()} for its tokenizer {t.target}: an estimate, band "
            f"{t.band_text()})")


def notes(translations: dict[tuple[str, str], tuple]) -> list[str]:
    """Assumption lines, one per translation (source, target tokenizer, counts translated) naming each
    model with the profiles it prices, from {(profile, model): (Translation | None, parts, tokenizer)}."""
    grouped: dict[tuple, dict[str, list[str]]] = {}
    for (profile, model), (t, parts, tokenizer) in translations.items():
        if parts is not None and (t is not None or tokenizer is None):
            grouped.setdefault((t, parts), {}).setdefault(model, []).append(profile)
    out = []
    for (t, parts), models in grouped.items():
        names = ", ".join(f"{model} ({', '.join(profiles)})" for model, profiles in models.items())
        if t is None:
            out.append(f"{names}: no tokenizer in the price table: the {parts} counts apply as given.")
        elif t.ratio == _ONE:
            out.append(f"{names}: {parts} counts taken from {t.source} unchanged (x1) for {t.target} (estimate, "
                       f"band {t.band_text()}).")
        else:
            out.append(f"{names}: {parts} counts translated from {t.source} x{t.factor()} to {t.target} "
                       f"(estimate, band {t.band_text()}; research/tokenizers.md).")
    if out:
        out.append("Token counts given as numbers are counted with the profile's tokens_counted_with "
                   "(o200k_base unless it says) and translated per model as above; reasoning_tokens given as "
                   "numbers are the model's own and are not translated; samples are counted per model.")
    return out


def profile_info(translations: dict[str, tuple], profile: str, source: str,
                 texts: dict[Translation, tuple[str, str]] | None = None) -> dict:
    """What the profile's info (meta.profiles) says about its counts' unit: `tokens_counted_with`, and per
    model the translation (factor and band) where there is one; `summary_clause` for the one-line text.
    `translations`: {model: (Translation | None, parts, tokenizer)} of this profile. `texts`: a dict the
    caller passes to every profile of an estimate, so each translation's factor and band text is made
    once (a handful of translations for 10,000 profile x model pairs)."""
    texts = {} if texts is None else texts
    per_model = {}
    for model, (t, parts, _) in translations.items():
        if t is None or parts is None:
            continue
        if t not in texts:
            texts[t] = (t.factor(), t.band_text())
        factor, band = texts[t]
        per_model[model] = {"tokenizer": t.target, "factor": factor, "band": band, "translated": parts,
                            "estimate": True}
    if not per_model:
        return {}
    clause = "counts in " + source + "; per model: " + ", ".join(
        f"{m} x{i['factor']} (est. {i['band']})" for m, i in per_model.items())
    return {"tokens_counted_with": source, "token_translation": per_model, "summary_clause": clause}


def by_profile(translations: dict[tuple[str, str], tuple]) -> dict[str, dict[str, tuple]]:
    """{(profile, model): entry} as {profile: {model: entry}} (one pass, for profile_info)."""
    out: dict[str, dict[str, tuple]] = {}
    for (profile, model), entry in translations.items():
        out.setdefault(profile, {})[model] = entry
    return out


def _short(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.001')).normalize():f}"
    return text if "." in text and len(text.split(".")[1]) >= 2 else f"{value.quantize(Decimal('0.01')):f}"
