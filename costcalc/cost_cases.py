"""Cases named by cost: for each profile and model, `low` <= `expected` <= `high` in cost.

A profile's ranges ({low, expected, high}) are uncertain inputs. The `low` case takes each ranged input
at the end that lowers THAT MODEL's cost over the horizon, the `high` case at the end that raises it;
the end depends on the model (a higher cache-hit share lowers the cost where cached input is cheaper
than input, and does nothing where it is not) and on nothing else, so the cases keep their names.

An input's direction is known without computing when it cannot be otherwise (proved below, and
checked against a projection by tests/test_cost_cases.py); otherwise it is measured: the model's cost
with that input at an end and every other input at expected, per month, against the expected run.

  requests_per_day/month    more requests, more of every line; rates are >= 0 (the price loader
  (a shape's volume too:    refuses negative prices and factors): never lowers the cost.
   conversation.conversations_per_day, agent.tasks_per_day)
  growth_per_month          (1 + g)^k is non-decreasing in g for every month k >= 0 after the anchor
                            (months before it are not grown): never lowers the cost.
  tool_calls_per_request.*  calls x a fee >= 0 (calls without a fee are left out, not negative).
  conversation.turns,       a later turn (step) adds requests and changes none before it (workloads/
  agent.steps               conversation.py): never lowers the cost unless over_limit: exclude may drop it.
  output/reasoning_tokens   tokens x rates >= 0, raise the cost unless over_limit: exclude may drop the
  (a shape's reasoning too: requests a larger output puts above the max output (then measured).
   conversation.reasoning, agent.reasoning)
  input_tokens              the same, and only while no prompt-size rule (a cliff) can price a larger
                            prompt at another rate: measured when the model has one or requests may be
                            excluded.
  cache_hit_rate,           measured: each moves input tokens to another rate (cached read, cache
  cache_write.share         write), cheaper or dearer by model and month. The cost is affine in them
                            (tokens = prompt x share), so one end against the expected run gives the
                            sign of every month's effect: one projection, not two.

A measured input whose effect changes sign over the horizon (some months up, some down) takes its end
by the whole-period total, and an assumption line says so (profile, model, input).

Pure: the measuring runs through a `probe` the projection passes in (profile -> cost per month).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from decimal import Decimal
from collections.abc import Callable, Mapping, Sequence

from .workloads.model import Profile, Range

# Profile fields that can hold a {low, expected, high} range, with the key a workloads file (and
# `--set`) names them by. Kept in step with costcalc.workloads.model._RANGED (a test checks).
RANGED_INPUTS = (("requests_per_day", "requests_per_day"), ("requests_per_month", "requests_per_month"),
                 ("input_tokens", "input_tokens"), ("output_tokens", "output_tokens"),
                 ("reasoning_tokens", "reasoning_tokens"), ("cache_hit_rate", "cache_hit_rate"),
                 ("cache_write_share", "cache_write.share"), ("growth_per_month", "growth_per_month"))
TOOL_CALLS_KEY = "tool_calls_per_request."

RAISES, LOWERS = "raises", "lowers"
_VOLUME = ("requests_per_day", "requests_per_month", "growth_per_month", "conversation.conversations_per_day",
           "agent.tasks_per_day")
_TOKENS = ("output_tokens", "reasoning_tokens", "conversation.reasoning", "agent.reasoning")
_AFFINE = ("cache_hit_rate", "cache_write.share")
_STEPS = ("conversation.turns", "agent.steps")
_ZERO = Decimal(0)

CASES_NOTE = ("Cases: low and high take each range at the end that lowers (raises) that model's cost over the "
              "period, so for every profile and model the low case costs no more than expected and the high "
              "case no less; `costcalc sensitivity` names each input's low and high values.")


def ranged_inputs(profile: Profile) -> list[tuple[str, Range]]:
    """(key as a workloads file names it, range) of each ranged input: the fields of RANGED_INPUTS, then
    each tool's calls per request (`tool_calls_per_request.web_search`)."""
    out = [(input_key(profile, key), getattr(profile, field)) for field, key in RANGED_INPUTS
           if isinstance(getattr(profile, field), Range)]
    out += [(TOOL_CALLS_KEY + tool, value) for tool, value in profile.tool_calls if isinstance(value, Range)]
    if profile.shape_steps_range is not None:
        out.append((_steps_key(profile), profile.shape_steps_range))
    return out


def input_key(profile: Profile, key: str) -> str:
    """The key of RANGED_INPUTS as this profile's file names it: a shape's volume (held in requests_per_day)
    is conversation.conversations_per_day or agent.tasks_per_day, and its reasoning per turn (held in
    reasoning_tokens) conversation.reasoning or agent.reasoning, unless the profile gave reasoning_tokens
    itself; other keys as they are."""
    shape = profile.shape
    if shape is None:
        return key
    kind = "conversation" if shape.unit == "conversation" else "agent"
    if key == "requests_per_day":
        return f"{kind}.{shape.unit}s_per_day"
    own_reasoning = profile.origin is not None and "reasoning_tokens" in dict(profile.origin.lines)
    if key == "reasoning_tokens" and not own_reasoning:
        return f"{kind}.reasoning"
    return key


def field_of(profile: Profile, key: str) -> str:
    """The Profile field of a ranged input's key (input_key's inverse)."""
    return next(f for f, k in RANGED_INPUTS if input_key(profile, k) == key)


def _steps_key(profile: Profile) -> str:
    """conversation.turns or agent.steps: a shape's ranged count, as the file names it."""
    shape = profile.shape
    if shape is None:
        return ""
    return ("conversation." if shape.unit == "conversation" else "agent.") + shape.steps_key


def at_ends(profile: Profile, ends: Mapping[str, str]) -> Profile:
    """The profile with each ranged input at the end `ends` names for its key ("low", "expected" or
    "high"; a key not named stays at expected)."""
    changes: dict[str, Any] = {}  # field name -> new value, of that field's type
    for field, key in RANGED_INPUTS:
        value = getattr(profile, field)
        if isinstance(value, Range):
            changes[field] = value.at(ends.get(input_key(profile, key), "expected"))
    if any(isinstance(v, Range) for _, v in profile.tool_calls):
        changes["tool_calls"] = tuple(
            (tool, v.at(ends.get(TOOL_CALLS_KEY + tool, "expected")) if isinstance(v, Range) else v)
            for tool, v in profile.tool_calls)
    if profile.shape_steps_range is not None:
        changes["shape"] = profile.shape_at(ends.get(_steps_key(profile), "expected"))
    return replace(profile, **changes) if changes else profile


def certain_direction(profile: Profile, key: str, has_prompt_rules: bool) -> str | None:
    """RAISES where a higher value cannot lower the cost on any model (see the module docstring), else
    None (measure it). `has_prompt_rules`: the model prices some prompt sizes by their own rule."""
    if key in _VOLUME or key.startswith(TOOL_CALLS_KEY):
        return RAISES
    if key in _STEPS and profile.over_limit != "exclude":
        return RAISES  # more turns (steps) add requests and change none before them
    excluding = profile.over_limit == "exclude"
    if key in _TOKENS and not excluding:
        return RAISES
    if key == "input_tokens" and not excluding and not has_prompt_rules:
        return RAISES
    return None


def choose_ends(profile: Profile, model: str, expected: Sequence[Decimal], months: Sequence[str],
                probe: Callable[[Profile, str], Sequence[Decimal]], has_prompt_rules: bool
                ) -> tuple[dict[str, str], dict[str, str], list[str], list[tuple[str, str]]]:
    """(ends of the low case, ends of the high case, sign-change notes, [(key, LOWERS)...]) for one
    profile on one model. `expected`: the model's cost per month with every range at expected;
    `probe(profile, end)`: the cost per month of a profile without ranges (`end` names the case its
    errors speak of)."""
    low_ends: dict[str, str] = {}
    high_ends: dict[str, str] = {}
    notes: list[str] = []
    lowering: list[tuple[str, str]] = []
    for key, value in ranged_inputs(profile):
        direction = certain_direction(profile, key, has_prompt_rules) if value.low != value.high else RAISES
        if direction is None:
            effect = _effect_per_month(profile, key, value, expected, probe)
            total = sum(effect, _ZERO)
            direction = LOWERS if total < 0 else RAISES
            up = [m for m, e in zip(months, effect) if e > 0]
            down = [m for m, e in zip(months, effect) if e < 0]
            if up and down:
                notes.append(_sign_change_note(profile.name, model, key, value, up, down, direction))
        if direction == LOWERS:
            low_ends[key], high_ends[key] = "high", "low"
            lowering.append((key, LOWERS))
        else:
            low_ends[key], high_ends[key] = "low", "high"
    return low_ends, high_ends, notes, lowering


def _effect_per_month(profile: Profile, key: str, value: Range, expected: Sequence[Decimal],
                      probe: Callable[[Profile, str], Sequence[Decimal]]) -> list[Decimal]:
    """Per month, a number with the sign of the change in cost when the input goes from low to high."""
    if key in _AFFINE:
        # affine: the sign of (an end - expected) is the sign of (high - low) in every month
        end = "high" if value.high != value.expected else "low"
        costs = probe(_varied(profile, key, end), end)
        sign = 1 if end == "high" else -1
        return [sign * (c - e) for c, e in zip(costs, expected)]
    low = probe(_varied(profile, key, "low"), "low")
    high = probe(_varied(profile, key, "high"), "high")
    return [h - lo for lo, h in zip(low, high)]


def _varied(profile: Profile, key: str, end: str) -> Profile:
    """The profile at expected with the input `key` at `end` (no range left)."""
    return at_ends(profile, {key: end})


def _months_text(months: list[str]) -> str:
    return months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}" if len(months) > 3 \
        else ", ".join(months)


def _sign_change_note(profile: str, model: str, key: str, value: Range, up: list[str], down: list[str],
                      direction: str) -> str:
    low_end, high_end = (value.high, value.low) if direction == LOWERS else (value.low, value.high)
    return (f"{profile} on {model}: a higher {key} raises the cost in {_months_text(up)} and lowers it in "
            f"{_months_text(down)}; over the whole period it {direction} it, so the low case takes {key} "
            f"at {_plain(low_end)} and the high case at {_plain(high_end)}.")


def lowering_notes(found: list[tuple[str, str, str, Range]]) -> list[str]:
    """One line per profile and input that lowers the cost on some models: (profile, model, key, range)
    entries grouped, so a reader sees which end each case took."""
    grouped: dict[tuple[str, str], list[str]] = {}
    ranges: dict[tuple[str, str], Range] = {}
    for profile, model, key, value in found:
        grouped.setdefault((profile, key), []).append(model)
        ranges[(profile, key)] = value
    out = []
    for (profile, key), models in grouped.items():
        value = ranges[(profile, key)]
        out.append(f"{profile}: a higher {key} lowers the cost on {', '.join(models)}: there the low case "
                   f"takes it at {_plain(value.high)} and the high case at {_plain(value.low)}.")
    return out


def order_note(profile: str, model: str, totals: Mapping[str, Decimal]) -> str | None:
    """A line when the cases are out of order (inputs whose effects interact, e.g. a cliff that flips
    another input's direction): never silent."""
    low, expected, high = (totals.get(c, _ZERO) for c in ("low", "expected", "high"))
    if low <= expected <= high:
        return None
    return (f"{profile} on {model}: its ranges interact, so the cases are not in cost order (low {low:.2f}, "
            f"expected {expected:.2f}, high {high:.2f} USD): each input's end was chosen with the others at "
            f"expected.")


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"
