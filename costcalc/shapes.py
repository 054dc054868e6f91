"""What the projection does with a profile's shapes (costcalc.workloads: conversation, agent, failures,
units), kept out of projection.py so its hot loop stays as it was:

  shaped_bins    a conversation's (agent's) turns as the projection's request bins: (prompt, weight,
                 tokens per component), the weight being requests of that turn per conversation, so the
                 volume (conversations per day) x weight is the turn's requests; the model's context window
                 goes to the loop's context policy
  failed_parts   per bin, the succeeded share of its tokens and the failed attempts' billed tokens (lines of
                 their own, rule "<label> (failed attempts)"), and requests reaching the model per request
  month_units    a month's units of a profile (units:), from its requests
Pure computation: no I/O.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from .prices.model import Model
from .tokens.tokenizers import translate_count
from .workloads.conversation import Step, derive, requests_per_unit
from .workloads.failures import Failures
from .workloads.model import Profile

FAILED_SUFFIX = " (failed attempts)"
_ZERO = Decimal(0)
_ONE = Decimal(1)
_INPUT_PARTS = ("input", "cache_read", "cache_write_5m", "cache_write_1h")
_OUTPUT_PARTS = ("output", "reasoning")

Bin = tuple[int, Decimal, list[tuple[str, Decimal]]]  # (prompt, weight or share, [(component, tokens)])


def shaped_bins(profile: Profile, model: Model, reasoning: Decimal,
                ratio: tuple[int, int] | None = None) -> list[Bin]:
    """The turns of a conversation (steps of an agent) on `model`: one bin per kind of request, with
    `reasoning` tokens per turn (none on a summarization call; `reasoning` is in the model's tokens).

    `ratio`: the translation of the profile's counts to the model's tokenizer (costcalc.token_units).
    Each turn is derived in the profile's own counts and then translated as a plain profile's request
    is: its whole prompt and its output each to whole tokens (half up), the cache read likewise, and
    the rest of the prompt is the written (or uncached) part; so a 1-turn conversation equals the plain
    profile with the same tokens on every model. The context window is taken back to the profile's
    counts for the loop's policy: the largest prompt whose translation fits."""
    shape = profile.shape
    if shape is None:
        return []
    ttl = shape.cache.writes
    out: list[Bin] = []
    for step in turn_steps(profile, model, ratio):
        parts = {"input": step.input, "cache_read": step.cache_read, "output": step.output,
                 "reasoning": _ZERO if step.summary else reasoning}
        if ttl:
            parts["cache_write_" + ttl] = step.cache_write
        prompt = step.prompt
        whole = int(prompt) if prompt == prompt.to_integral_value() else int(prompt.to_integral_value()) + 1
        out.append((whole, step.weight, [(c, n) for c, n in parts.items() if n]))
    return out


def turn_steps(profile: Profile, model: Model, ratio: tuple[int, int] | None = None) -> list[Step]:
    """A shaped profile's kinds of request on `model` (one case: no ranges), as shaped_bins prices them:
    derived in the profile's counts, the model's context window applied by the loop's policy, each turn
    translated by `ratio` (see shaped_bins)."""
    shape = profile.shape
    if shape is None:
        return []
    window = model.context_window if shape.context is not None else None
    if window is not None and ratio is not None:
        numerator, denominator = ratio
        window = -(-(2 * window + 1) * denominator // (2 * numerator)) - 1  # ceil((W + 1/2) d / n) - 1
    steps = derive(shape.loop(), window)
    return [_translated(s, ratio) for s in steps] if ratio is not None else list(steps)


def _translated(step: Step, ratio: tuple[int, int]) -> Step:
    prompt = translate_count(step.prompt, ratio)
    read = translate_count(step.cache_read, ratio)
    rest = prompt - read
    write, uncached = (rest, _ZERO) if step.cache_write else (_ZERO, rest)
    return replace(step, input=uncached, cache_read=read, cache_write=write,
                   output=translate_count(step.output, ratio))


def failed_parts(failures: Failures | None, bins: list[Bin]) -> tuple[dict[int, list], dict[int, list], Decimal]:
    """({id(tokens) -> succeeded tokens}, {id(tokens) -> failed attempts' billed tokens}, attempts per
    request) for the bins' token lists. Without failures: the tokens as they are, none failed, 1."""
    if failures is None or not failures.rate:
        return {id(b[2]): b[2] for b in bins}, {id(b[2]): [] for b in bins}, _ONE
    succeeded, failed = failures.succeeded(), failures.failed()
    billed_input, billed_output = failures.billed_parts()
    billed = (_INPUT_PARTS if billed_input else ()) + (_OUTPUT_PARTS if billed_output else ())
    ok = {id(b[2]): [(c, n * succeeded) for c, n in b[2]] for b in bins}
    bad = {id(b[2]): [(c, n * failed) for c, n in b[2] if c in billed] for b in bins}
    return ok, bad, failures.attempts()


def month_units(profile: Profile, bins: list[Bin], requests: Decimal) -> dict[str, Decimal]:
    """{unit: count} of one month with `requests` users' requests (retries not counted)."""
    if not profile.units:
        return {}
    shaped = None
    if profile.shape is not None:
        per_unit = sum((weight for _, weight, _ in bins), _ZERO)
        shaped = requests / per_unit if per_unit else _ZERO
    return {u.name: u.count(requests, shaped) for u in profile.units}


def units_entries(runs: list[tuple], units: list[dict[str, Decimal]], labels: list[str]) -> list[dict]:
    """attrs["units"]: {profile, model, month, case, unit, count} per run and unit."""
    return [{"profile": p, "model": m, "month": labels[i], "case": c, "unit": name, "count": n}
            for (p, m, i, c, _), per in zip(runs, units) for name, n in per.items()]


__all__ = ["FAILED_SUFFIX", "failed_parts", "month_units", "requests_per_unit", "shaped_bins", "turn_steps",
           "units_entries"]
