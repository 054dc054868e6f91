"""Per-request tokens: what one request of a profile sends and receives on a model, as bins (a
histogram's prompt sizes, or the one mean prompt), each with its share of the requests and its tokens
per request by component, and what a model's limits make of them (an error, or requests left out).

`request_bins` is the one place a profile becomes per-request token counts: a profile kind whose
requests differ by more than the prompt size (a conversation's turns) adds its bins there, each with
its own input, cache-read, cache-write and output tokens and share.

Pure computation.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple

from ..errors import _NO_VALUE, LimitError, Problem
from ..money import decimal_places
from ..prices.limits import CONTEXT, over_limit
from ..prices.limits import describe as describe_limit
from ..prices.model import COMPONENTS, Model
from ..shapes import shaped_bins
from ..token_units import limit_hint, translate, translated_parts, translation
from ..workloads.model import DEFAULT_REASONING_PER_OUTPUT_TOKEN, REASONING_PER_OUTPUT_TOKEN, Histogram, Profile, Range

_ZERO = Decimal(0)
_ORDER = {c: i for i, c in enumerate(COMPONENTS)}


class RequestBin(NamedTuple):
    """One kind of request of a profile on a model: the prompt size cliffs and the context window see
    (whole tokens, rounded up), its share of the requests, and its tokens per request by component
    (components with tokens only, in COMPONENTS order)."""

    prompt: int
    share: Decimal
    tokens: tuple[tuple[str, Decimal], ...]


def request_bins(profile: Profile, reasoning: Decimal, model: Model | None = None,
                 ratio: tuple[int, int] | None = None) -> list[RequestBin]:
    """The profile's requests (in the model's tokens, at one case) as bins: one per histogram bin, else
    one for the mean prompt. Cache reads and writes are shares of each bin's input. A conversation or
    agent profile (costcalc.shapes): one bin per kind of turn on `model`, its share the turn's weight
    (requests of it per conversation: the volume is conversations), its counts translated by `ratio`."""
    if profile.shape is not None and model is not None:
        return [RequestBin(prompt, weight, tuple(sorted(tokens, key=lambda t: _ORDER[t[0]])))
                for prompt, weight, tokens in shaped_bins(profile, model, reasoning, ratio)]
    out = []
    for prompt, share in _bins(profile):
        per_request = tuple((c, n) for c, n in _per_request(profile, prompt, reasoning).items() if n)
        # a cliff is crossed by any part of a token: a mean prompt of 272,000.5 is above 272,000
        out.append(RequestBin(ceil_tokens(prompt), share, per_request))
    return out


def at_case(value: Decimal | Range | None) -> Decimal:
    """A value of a profile at one case: the projection runs on profile.at_case(...), where no Range is
    left (and a count it reads is given)."""
    assert isinstance(value, Decimal), f"a profile at one case has numbers, not {value!r}"
    return value


def reasoning_tokens(profile: Profile, provider: str) -> Decimal:
    if profile.reasoning_tokens is not None:
        return at_case(profile.reasoning_tokens)
    if profile.reasoning is None:
        return _ZERO
    table = REASONING_PER_OUTPUT_TOKEN.get(provider, DEFAULT_REASONING_PER_OUTPUT_TOKEN)
    return at_case(profile.output_tokens) * table[profile.reasoning]


def _bins(profile: Profile) -> tuple[tuple[Decimal, Decimal], ...]:
    tokens = profile.input_tokens
    return tokens.bins if isinstance(tokens, Histogram) else ((at_case(tokens), Decimal(1)),)


def _per_request(profile: Profile, prompt: Decimal, reasoning: Decimal) -> dict[str, Decimal]:
    """Tokens of each component in one request with `prompt` input tokens (shares of the same input)."""
    read = prompt * at_case(profile.cache_hit_rate)
    write = prompt * at_case(profile.cache_write_share)
    tokens = dict.fromkeys(COMPONENTS, _ZERO)
    tokens["input"] = prompt - read - write
    tokens["cache_read"] = read
    tokens["cache_write_" + profile.cache_write_ttl] = write
    tokens["output"] = at_case(profile.output_tokens)
    tokens["reasoning"] = reasoning
    return tokens


def in_model_tokens(projector, profile: Profile, model: Model, model_name: str,
                     sampled) -> tuple[Profile, str]:
    """The profile's counts in the model's tokenizer (costcalc.token_units), remembered for the
    assumptions and the profile's info, and what a limit error adds about it."""
    t = _translation(profile.tokens_counted_with, model.tokenizer)
    from_samples = sampled is not None, sampled is not None and sampled.output is not None
    parts = translated_parts(*from_samples)
    projector.translations[(profile.name, model_name)] = (t, parts, model.tokenizer)
    if t is None or parts is None:
        return profile, ""
    # the models of one tokenizer share the translated profile (the profile object is kept with it, so its
    # id stays its own for the projection's life)
    key = (id(profile), t, from_samples)
    found = projector.translated.get(key)
    if found is None:
        found = projector.translated[key] = (profile, translate(profile, t, *from_samples), limit_hint(t))
    return found[1], found[2]


# a pure function of two tokenizer names, asked once per profile and model: computed once per pair
_translation = functools.lru_cache(maxsize=256)(translation)


def _share(share: Decimal) -> str:
    """A share as a percentage: exact when short (10%, 12.5%), else to two places (33.33%: a share of
    sample prompts is a 50-digit division)."""
    percent = (share * 100).normalize()
    if decimal_places(percent) > 2:
        percent = percent.quantize(Decimal("0.01"))
    return f"{percent:f}%"


def ceil_tokens(tokens: Decimal) -> int:
    return int(tokens.to_integral_value(rounding=decimal.ROUND_CEILING))


def over_limits(profile: Profile, model: Model, model_name: str, bins: list, output: int, case: str,
                 sampled: bool = False, ends: Mapping[str, str] | None = None, counted: Profile | None = None,
                 hint: str = "") -> list[bool]:
    """Per prompt bin: whether its requests exceed the model's context window or max output. An error
    naming the file, line and key of the value at fault (the profile's origin), the model and the limit,
    unless the profile says `over_limit: exclude`. `profile` holds the counts in the model's tokenizer,
    `counted` as the profile gives them (the value an error shows); `hint` says how one became the other."""
    over = [share > 0 and over_limit(model, prompt, output) is not None for prompt, share, _ in bins]
    if any(over) and profile.over_limit != "exclude":
        index = over.index(True)
        prompt, share, _ = bins[index]
        limit = over_limit(model, prompt, output)
        assert limit is not None  # this bin is over a limit
        which = f" ({case} case)" if case != "expected" else ""
        part = f"{_share(share)} of its requests: " if len(bins) > 1 else ""
        advice = "set over_limit: exclude in the profile to leave such requests out of the estimate"
        shape = profile.shape
        if shape is not None:  # a conversation's (agent's) later turns grow past the limit
            kind = "conversation" if shape.unit == "conversation" else "agent"
            part = f"a {'turn' if kind == 'conversation' else 'step'} of its {shape.unit}s: "
            advice = (f"set context: stop, truncate or {{summarize: N}} in {kind}:, or over_limit: exclude in "
                      f"the profile")
        what = f"{part}{describe_limit(model.id, *limit)}{hint}"
        if profile.origin is None:  # a Profile made in code: no file to point at
            raise LimitError(f"profile {profile.name}{which}, model {model_name}: {what}; {advice}")
        value: object
        if shape is not None:
            steps = getattr((counted or profile).shape, shape.steps_key)
            key, line = profile.origin.where(f"{kind}.{shape.steps_key}", kind)
            value = steps.bins[0][0] if len(steps.bins) == 1 else "(a histogram)"
        else:
            key, line, value = _limit_location(profile, model, limit[0], index, case, sampled, ends, counted)
        raise LimitError(str(Problem(profile.origin.file, line, key, value,
                                     f"model {model_name}{which}: {what}; {advice}")))
    return over


def _limit_location(profile: Profile, model: Model, limit: str, index: int, case: str,
                    sampled: bool, ends: Mapping[str, str] | None = None,
                    counted: Profile | None = None) -> tuple[str, int | None, object]:
    """(dotted key, line, value) of what puts a request above `limit`: the prompt (a histogram bin, a
    ranged value at this case, the mean) or the output (output_tokens, else the reasoning that adds to
    it); the samples when the tokens were counted from them. Values as the profile gives them
    (`counted`); whether the output alone is too large is judged in the model's tokens (`profile`)."""
    origin = profile.origin
    assert origin is not None  # the caller points at the file only for a profile read from one
    if sampled:
        return (*origin.where("samples"), _NO_VALUE)
    fits = model.max_output_tokens is None or at_case(profile.output_tokens) <= model.max_output_tokens
    profile = counted or profile
    if limit == CONTEXT:
        tokens = profile.input_tokens
        if isinstance(tokens, Histogram):
            return (*origin.where(f"input_tokens.histogram[{index}].tokens", "input_tokens"),
                    tokens.bins[index][0])
        return (*origin.where(f"input_tokens.{_end(ends, 'input_tokens', case)}", "input_tokens"),
                tokens)
    value: object
    name, value = "output_tokens", profile.output_tokens
    if fits and profile.reasoning_tokens is not None:
        name, value = "reasoning_tokens", profile.reasoning_tokens
    elif fits and profile.reasoning is not None:
        name, value = "reasoning", profile.reasoning
    return (*origin.where(f"{name}.{_end(ends, name, case)}", name), value)


def _end(ends: Mapping[str, str] | None, key: str, case: str) -> str:
    """The end of `key`'s range a case took: its own name unless the case is named by cost."""
    return case if ends is None else ends.get(key, case)


def excluded_entry(profile: Profile, model: Model, model_name: str, bins: list, over: list[bool],
                    left_out: list[tuple[str, Decimal]], case: str) -> dict:
    """attrs["over_limit_excluded"] entry: the share of the profile's requests left out on a model, the
    requests that makes over the period, the months with any, and the limits they are above."""
    reasons = []
    share = _ZERO
    for (prompt, bin_share, per_request), excluded in zip(bins, over):
        if excluded:
            share += bin_share
            output = sum((n for c, n in per_request if c in ("output", "reasoning")), _ZERO)
            limit = over_limit(model, prompt, ceil_tokens(output))
            assert limit is not None  # an excluded bin is over a limit
            text = describe_limit(model.id, *limit)
            if text not in reasons:
                reasons.append(text)
    if profile.shape is not None:  # bin weights are requests per conversation (task): a share of them
        share = share / sum((b[1] for b in bins), _ZERO)
    return {"profile": profile.name, "model": model_name, "case": case, "share": share,
            "requests": sum((n for _, n in left_out), _ZERO), "months": [m for m, n in left_out if n],
            "detail": "; ".join(reasons)}


def left_out_note(entry: dict, per_month: list[Decimal]) -> str:
    counts = sorted({int(n.to_integral_value()) for n in per_month if n})
    if not counts:
        many = "none in these months"
    elif len(counts) == 1:
        many = f"{counts[0]:,} requests a month"
    else:
        many = f"{counts[0]:,} to {counts[-1]:,} requests a month"
    which = f" ({entry['case']} case)" if entry["case"] != "expected" else ""
    return (f"over_limit: exclude: {_share(entry['share'])} of {entry['profile']}'s requests{which} are left "
            f"out on {entry['model']} ({entry['detail']}): {many}.")
