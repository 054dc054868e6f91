"""A profile in words: the one-line summary and tags shown in report headers and result metadata."""

from __future__ import annotations

from decimal import Decimal

from .model import _ONE, Histogram, Profile, Range, Value, has_reply
from .conversation import derive


def _num(value: Value) -> str:
    if isinstance(value, Range):
        return f"{_num(value.low)}..{_num(value.high)} (expected {_num(value.expected)})"
    return f"{value.normalize():,f}" if value == value.to_integral_value() else f"{value.normalize():f}"


def _pct(value: Value) -> str:
    if isinstance(value, Range):
        return f"{_pct(value.low)}..{_pct(value.high)}"
    return f"{(value * 100).normalize():f}%"


def describe(profile: Profile) -> dict:
    """A one-line reading of the profile and its tags, for report headers and result metadata."""
    parts = []
    if profile.shape is not None:  # conversations (tasks) per day and their turns say the volume and tokens
        parts.append(profile.shape.describe())
        if isinstance(profile.growth_per_month, Range) or profile.growth_per_month:
            parts[-1] += f", growth {_pct(profile.growth_per_month)}/month"
        if profile.reasoning_tokens is not None:
            parts.append(f"{_num(profile.reasoning_tokens)} reasoning tokens per turn")
        elif profile.reasoning:
            parts.append(f"reasoning: {profile.reasoning}")
        described = _tail(profile, parts)
        described["turns"] = turns_table(profile)
        return described
    if profile.requests_per_day is not None:
        parts.append(f"{_num(profile.requests_per_day)} requests/day")
    else:
        assert profile.requests_per_month is not None, "a profile gives requests per day or per month"
        parts.append(f"{_num(profile.requests_per_month)} requests/month")
    if isinstance(profile.growth_per_month, Range) or profile.growth_per_month:
        parts[-1] += f", growth {_pct(profile.growth_per_month)}/month"
    if profile.samples is not None:
        n = len(profile.samples.prompts) + len(profile.samples.chats)
        parts.append(f"input from {n} sample prompts")
    elif isinstance(profile.input_tokens, Histogram):
        bins = ", ".join(f"{_pct(s)} at {_num(t)}" for t, s in profile.input_tokens.bins)
        parts.append(f"input {bins}")
    else:
        parts.append(f"{_num(profile.input_tokens)} input")
    samples = profile.samples
    replies = samples is not None and (samples.replies or any(has_reply(c) for c in samples.chats))
    out = "output from sample replies" if replies else f"{_num(profile.output_tokens)} output"
    if profile.reasoning_tokens is not None:
        out += f" + {_num(profile.reasoning_tokens)} reasoning"
    parts.append(out + ("" if replies else " tokens/request") +
                 (f" (reasoning: {profile.reasoning})" if profile.reasoning else ""))
    if isinstance(profile.cache_hit_rate, Range) or profile.cache_hit_rate:
        parts.append(f"cache hit {_pct(profile.cache_hit_rate)}")
    if isinstance(profile.cache_write_share, Range) or profile.cache_write_share:
        parts.append(f"cache write {_pct(profile.cache_write_share)} ({profile.cache_write_ttl})")
    return _tail(profile, parts)


def _tail(profile: Profile, parts: list[str]) -> dict:
    """The clauses every profile has (tiers, residency, tools, traffic, dates, limits, failures, units)."""
    if profile.tiers != (("standard", _ONE),):
        parts.append(", ".join(f"{t} {_pct(s)}" for t, s in profile.tiers))
    if profile.residency:
        parts.append("data residency")
    if profile.tool_calls:
        parts.append(", ".join(f"{_num(v)} {tool} calls" for tool, v in profile.tool_calls) + " per request")
    if not profile.traffic.uniform:
        parts.append(f"traffic shaped in {profile.traffic.timezone}")
    if profile.start or profile.end:
        parts.append(f"{profile.start or '…'} to {profile.end or '…'}")
    if profile.over_limit == "exclude":
        parts.append("requests above a model's limits left out")
    if profile.failures is not None:
        parts.append(profile.failures.describe())
    if profile.units:
        parts.append("units " + ", ".join(u.describe() for u in profile.units))
    described: dict = {"summary": "; ".join(parts), "tags": ", ".join(f"{k}={v}" for k, v in profile.tags)}
    if profile.sampled:
        described["tokens_per_request"] = {model: {
            "input": _rounded(t.input.mean()), "output": None if t.output is None else _rounded(t.output),
            "tokenizer": t.tokenizer, "exact": t.exact, "input_low": _rounded(t.input_low),
            "input_high": _rounded(t.input_high)} for model, t in profile.sampled}
    return described


def _rounded(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1')):f}"


def turns_table(profile: Profile) -> list[dict]:
    """A shaped profile's turns (steps) at the expected case, in its own token counts and before any
    model's context window: per kind of request its weight (requests per conversation or task) and tokens
    (prompt = input + cache_read + cache_write), as exact decimal text. What the projection prices per
    model (translated to its tokenizer, its window's policy applied)."""

    shape = profile.shape_at("expected")
    if shape is None:
        return []
    rows = []
    for step in derive(shape.loop()):
        rows.append({"turn": step.number, "summary_call": step.summary, "weight": _plain(step.weight),
                     "prompt": _plain(step.prompt), "input": _plain(step.input),
                     "cache_read": _plain(step.cache_read), "cache_write": _plain(step.cache_write),
                     "output": _plain(step.output)})
    return rows


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"
