"""What the projection (costcalc.projection) does with a profile's shapes (costcalc.workloads: conversation,
agent, failures, units):

  shaped_bins      a conversation's (agent's) turns as request bins: (prompt, weight, tokens per component),
                   the weight being requests of that turn per conversation, so the volume (conversations per
                   day) x weight is the turn's requests; the model's context window goes to the loop's policy
  with_failures    a request's tokens as succeeded shares plus the failed attempts' billed tokens
                   (FAILED_PREFIX components: lines of their own, rule "<label> (failed attempts)")
  attempts         requests reaching the model per request a user makes (retries included)
  units_entries    attrs["units"]: a profile's units per month (units:), from its requests
  plan_units_entries  attrs["plan_units"]: the top-level units: per month (whole product), per profile share
Pure computation: no I/O.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_CEILING, Decimal

from .errors import CostcalcError, InputError, Problem
from .prices.model import Model
from .tokens.tokenizers import translate_count
from .workloads.conversation import Step, derive, requests_per_unit
from .workloads.failures import Failures
from .workloads.model import Profile
from .workloads.units import Unit

FAILED_SUFFIX = " (failed attempts)"  # a failed attempt's line: its rule's label with this
FAILED_PREFIX = "failed:"  # a failed attempt's tokens of a component, until the projection gives them a line
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
        # a cliff is crossed by any part of a token: a prompt of 272,000.5 is above 272,000
        whole = int(step.prompt.to_integral_value(rounding=ROUND_CEILING))
        out.append((whole, step.weight, [(c, n) for c, n in parts.items() if n]))
    return out


def bills_cache_writes(model: Model) -> bool:
    """Whether a model's price gives cache writes a rate of their own (Anthropic's explicit caching):
    its provider caches only a prefix a request wrote, and bills that write."""
    return any(c in rule.rates for rule in model.rules for c in ("cache_write_5m", "cache_write_1h"))


def _check_cache_writes(profile: Profile, model: Model) -> None:
    """Refuse history reads without writes on a model that bills writes. Such a provider reads only a
    prefix an earlier request wrote (and billed), so pricing the reads alone undercounts: a 6-turn Opus
    4.7 conversation at 1,000/day came to 2,871.375 USD a month against 3,061.25 with its 5m writes.
    Refused rather than priced at an assumed 5m: the TTL is the user's choice (1h writes cost 1.6x 5m)
    and a silent assumption would change their figure unasked."""
    shape = profile.shape
    if shape is None or not shape.cache.reads or shape.cache.writes or not bills_cache_writes(model):
        return
    kind = "conversation" if shape.unit == "conversation" else "agent"
    message = f"{model.id} bills cache writes: reads of the history need writes: 5m or 1h"
    if profile.origin is None:  # a Profile made in code: no file to point at
        raise CostcalcError(f"profile {profile.name}: {kind}.cache.writes: none: {message}")
    key, line = profile.origin.where(f"{kind}.cache.writes", f"{kind}.cache", kind)
    raise InputError([Problem(profile.origin.file, line, key, "none", message)])


def turn_steps(profile: Profile, model: Model, ratio: tuple[int, int] | None = None) -> list[Step]:
    """A shaped profile's kinds of request on `model` (one case: no ranges), as shaped_bins prices them:
    derived in the profile's counts, the model's context window applied by the loop's policy, each turn
    translated by `ratio` (see shaped_bins)."""
    shape = profile.shape
    if shape is None:
        return []
    _check_cache_writes(profile, model)
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


def with_failures(failures: Failures | None, tokens: tuple[tuple[str, Decimal], ...]
                  ) -> tuple[tuple[str, Decimal], ...]:
    """A request's tokens with failures: each component's succeeded share (1 - r^(N+1)), then the failed
    attempts' billed tokens (r + ... + r^(N+1) of them) as FAILED_PREFIX components, lines of their own
    at the same rates. Without failures: the tokens as they are."""
    if failures is None or not failures.rate:
        return tokens
    succeeded, failed = failures.succeeded(), failures.failed()
    billed_input, billed_output = failures.billed_parts()
    billed = (_INPUT_PARTS if billed_input else ()) + (_OUTPUT_PARTS if billed_output else ())
    return tuple((c, n * succeeded) for c, n in tokens) + \
        tuple((FAILED_PREFIX + c, n * failed) for c, n in tokens if c in billed)


def attempts(failures: Failures | None) -> Decimal:
    """Requests that reach the model per request a user makes (retries included)."""
    return _ONE if failures is None else failures.attempts()


def per_unit_weight(profile: Profile, bins: list, over: list[bool]) -> Decimal | None:
    """Requests per conversation (task) of a shaped profile's priced bins (None for a plain profile):
    what turns its users' requests into conversations."""
    if profile.shape is None:
        return None
    return sum((weight for (_, weight, _), excluded in zip(bins, over) if not excluded), _ZERO)


def units_entries(requests: list[dict], info: dict[tuple[str, str, str], tuple]) -> list[dict]:
    """attrs["units"]: {profile, model, month, case, unit, count} per month and unit of the profiles with
    units:. `requests`: attrs["requests"] (retries included); `info`: (profile, model, case) -> (units,
    attempts per request, requests per conversation or None)."""
    out = []
    for entry in requests:
        found = info.get((entry["profile"], entry["model"], entry["case"]))
        if not found or not found[0]:
            continue
        units, tries, per_unit = found
        users = entry["requests"] / tries  # the users' requests: retries are not units
        shaped = None if per_unit is None else (users / per_unit if per_unit else _ZERO)
        for unit in units:
            out.append({"profile": entry["profile"], "model": entry["model"], "month": entry["month"],
                        "case": entry["case"], "unit": unit.name, "count": unit.count(users, shaped)})
            if unit.per_month is not None:  # a stock (users, seats): the period divides by it, not by a sum
                out[-1]["stock"] = True
    return out


def plan_units_entries(requests: list[dict], info: dict[tuple[str, str, str], tuple], units: tuple[Unit, ...],
                       shape_units: dict[str, str], months: list[str]) -> list[dict]:
    """attrs["plan_units"]: what the file's top-level units: count. A count per month is one entry per month
    with profile and model None (the whole product's); a derived unit or {per_request} is one entry per
    profile, model, month and case, that profile's share (a plan adds the shares of the models it chooses):
    `request` and per_request count every profile's users' requests, a shape's unit (conversation, task)
    the conversations (tasks) of the profiles of that shape. shape_units: profile -> its shape's unit."""
    out: list[dict] = []
    for unit in units:
        if unit.per_month is not None:
            out.extend({"profile": None, "model": None, "month": m, "case": "expected", "unit": unit.name,
                        "count": unit.per_month} for m in months)
            continue
        for entry in requests:
            found = info.get((entry["profile"], entry["model"], entry["case"]))
            if not found:
                continue
            _, tries, per_unit = found
            users = entry["requests"] / tries  # the users' requests: retries are not units
            if unit.per_request is None and unit.name != "request":
                if shape_units.get(entry["profile"]) != unit.name:
                    continue  # not a profile of that shape: no conversations (tasks) of its own
                count = users / per_unit if per_unit else _ZERO
            else:
                count = unit.count(users, None)
            out.append({"profile": entry["profile"], "model": entry["model"], "month": entry["month"],
                        "case": entry["case"], "unit": unit.name, "count": count})
    return out


__all__ = ["FAILED_PREFIX", "FAILED_SUFFIX", "attempts", "bills_cache_writes", "per_unit_weight", "plan_units_entries",
           "requests_per_unit",
           "shaped_bins", "turn_steps", "units_entries", "with_failures"]
