"""What every reader shares: the bad-record exception, token-count and service-tier checks, tags.

Per-record helpers (`count`, `optional_count`, `tier`) are on the hot path of the JSON-lines readers:
each has a fast path of one or two type checks and builds its message only for a bad value.
"""

from __future__ import annotations

from typing import Any

from ...errors import _NO_VALUE, Problem
from ...prices.model import TIER_ALIASES, TIERS

# Counts at or above this are refused: costcalc prices below 10^15 tokens at once (as `_parse.parse_count`),
# and every count then fits a float64 exactly, which the columnar readers rely on.
MAX_TOKENS = 10 ** 15
COUNT_RULE = "must be a whole number of tokens >= 0"
TOO_MANY_TOKENS = "more tokens than costcalc counts in one record (below 10^15)"
CALLS_RULE = "must be a whole number of calls >= 0"
TOO_MANY_CALLS = "more calls than costcalc counts in one record (below 10^15)"
MISSING = _NO_VALUE  # a Problem value meaning "the key is absent": printed as nothing
# A JSON number with a fraction or an exponent is a float to the parser, and a float is not exact:
# 1.0000000000000001 arrives as 1.0 and 1e3 as 1000.0. A count must be written as a JSON integer.
FRACTION_RULE = ("a JSON number with a fraction or an exponent; a count must be a JSON integer (12, not 12.0 "
                 "or 1.2e1)")

# Service tiers as logged -> ours. OpenAI logs "default" (and "auto" when the request asked for auto and
# the response echoes it); TIER_ALIASES maps renamed tiers ("fast" is OpenAI's priority processing).
TIER_OF: dict[str | None, str] = {None: "standard", "": "standard", "default": "standard", "auto": "standard",
                              **{t: t for t in TIERS},
                                 **{alias: tier for alias, tier in TIER_ALIASES.items()}}
TIER_RULE = "one of " + ", ".join(sorted(k for k in TIER_OF if k)) + " (or absent = standard)"
SCALE_MESSAGE = ("Scale Tier is prepaid reserved capacity, not billed per token at list price; "
                 "leave these records out or log them with another tier")


class Bad(Exception):
    """One bad record: where in the record (dotted key), the value and what is allowed."""

    def __init__(self, key: str, value: object, message: str):
        super().__init__(message)
        self.key, self.value, self.message = key, value, message

    def problem(self, source: str, line: int, prefix: str = "") -> Problem:
        key = f"{prefix}.{self.key}" if prefix and self.key else (prefix or self.key)
        return Problem(source, line, key, self.value, self.message)


class NumberText:
    """A JSON number with a fraction or an exponent as written (`1.0000000000000001`, `1e3`): what a
    bad record quotes, where the parsed float would show 1.0 or 1000.0. `read_jsonl.py` re-reads a bad line
    with these in place of floats to quote the number exactly."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


def count(value: object, key_prefix: str, name: str) -> int:
    """A required token count: a JSON integer >= 0 (a float is refused: FRACTION_RULE)."""
    if type(value) is int and 0 <= value < MAX_TOKENS:
        return value
    return _slow_count(value, key_prefix + name, required=True)


def optional_count(value: object, key_prefix: str, name: str) -> int:
    """A count a provider may leave out or send as null (cache and reasoning details): absent = 0."""
    if type(value) is int and 0 <= value < MAX_TOKENS:
        return value
    if value is None:
        return 0
    return _slow_count(value, key_prefix + name, required=False)


def _slow_count(value: object, key: str, required: bool, rule: str = COUNT_RULE) -> int:
    if value is None:
        raise Bad(key, MISSING, "missing; " + rule)
    if type(value) is float or type(value) is NumberText:
        raise Bad(key, value, FRACTION_RULE)
    if type(value) is int and value >= MAX_TOKENS:
        raise Bad(key, value, TOO_MANY_TOKENS if rule == COUNT_RULE else TOO_MANY_CALLS)
    raise Bad(key, value, rule)  # negative, fractional, a string, a bool, an object


def calls(value: object, key_prefix: str, name: str) -> int:
    """A count of tool calls a log may leave out (absent or null = 0): a JSON integer >= 0."""
    if type(value) is int and 0 <= value < MAX_TOKENS:
        return value
    if value is None:
        return 0
    return _slow_count(value, key_prefix + name, required=False, rule=CALLS_RULE)


def tier(value: object, key_prefix: str, name: str) -> str:
    """A logged service tier as one of TIERS; Scale Tier and unknown names are bad records."""
    found = TIER_OF.get(value) if type(value) is str or value is None else None
    if found is not None:
        return found
    key = key_prefix + name
    if type(value) is str:
        found = TIER_OF.get(value.strip().lower())
        if found is not None:
            return found
        if value.strip().lower() == "scale":
            raise Bad(key, value, SCALE_MESSAGE)
    raise Bad(key, value, "unknown service tier; " + TIER_RULE)


TAG_RULE = "a tag must be text (or a number)"
TAG_NAME_RULE = "a tag needs a non-empty name"
_EXACT_INT = 2 ** 53  # float64 holds every whole number below this exactly


def tags(value: object, key: str) -> dict[str, str] | None:
    """A `tags` object as {name: text} (tag_text); a bad value or an empty name raises Bad."""
    if value is None:
        return None
    if type(value) is not dict:
        raise Bad(key, value, "must be an object of NAME: text labels")
    out = {}
    for name, found in value.items():
        if not name:
            raise Bad(key, value, TAG_NAME_RULE)
        text = found if type(found) is str else tag_text(found)
        if text is None:
            raise Bad(key + name if key.endswith(":") else f"{key}.{name}", found, TAG_RULE)
        out[name] = text
    return out


def tag_text(value: Any) -> str | None:
    """A tag value as text, the same for the same value in every format: text as is, null = "", true/false
    as JSON writes them, a whole number without ".0" (JSON 7 and 7.0, a Parquet int column with nulls
    read as float 7.0: all "7"), other numbers as Python's shortest repr. None for anything else."""
    kind = type(value)
    if kind is str:
        return value
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return str(int(value)) if value.is_integer() and abs(value) < _EXACT_INT else repr(value)
    return None


MODEL_MISSING = "missing; the model id as logged is required"


def model_name(value: object, key: str = "model") -> str:
    if type(value) is str and value.strip():
        return value
    if value is None:
        raise Bad(key, MISSING, MODEL_MISSING)
    raise Bad(key, value, "must be a non-empty model id")
