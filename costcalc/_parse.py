"""Parsing of human-written values: token counts like 1M, 250k, 1_000, numbers of requests, tool calls
like web_search=2 and ISO-8601 instants."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from .errors import shown

# Dates within FIRST_YEAR..LAST_YEAR, in files and on the command line: far beyond any real workload or
# price, and it keeps every computation inside datetime's range.
FIRST_YEAR, LAST_YEAR = 1970, 2999
_SUFFIX_EXP = {"": 0, "k": 3, "m": 6, "b": 9}
# Digits with optional _ separators, or commas in groups of three (1,000,000); "1,5M" is refused
# rather than read as 15M.
# ASCII digits only: Python's \d also matches １０ and ١٠٠, which a user never means as a count.
_COUNT = re.compile(r"((?:\d{1,3}(?:,\d{3})+|\d[\d_]*)(?:\.\d+)?)([kKmMbB]?)", re.ASCII)


def parse_count(text: str) -> int:
    """`1M` -> 1000000, `250k` -> 250000, `1_000` or `1,000` -> 1000, `1.5k` -> 1500.
    Raises ValueError with what is allowed."""
    return _whole(text, "token count", "tokens", "use a whole number like 1000, 1_000, 250k or 1M")


def parse_requests(text: str) -> int:
    """A number of requests (`--requests`): a whole number >= 1, written as token counts are (10, 1_000,
    10k). Raises ValueError with what is allowed."""
    allowed = "use a whole number of requests >= 1, like 1, 10, 1_000 or 10k"
    value = _whole(text, "number of requests", "requests", allowed, say_allowed_for_fractions=True)
    if value < 1:
        raise ValueError(f"{shown(text)} is not a number of requests; {allowed}")
    return value


def _whole(text: str, noun: str, unit: str, allowed: str, say_allowed_for_fractions: bool = False) -> int:
    """A whole number >= 0 below 10^15 written with an optional k/M/B suffix and _ or , separators;
    ValueError naming the `noun` (a token count, a number of requests) and what is `allowed` otherwise."""
    match = _COUNT.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{shown(text)} is not a {noun}; {allowed}")
    digits, suffix = match.groups()
    try:
        # scaleb and no multiplication: exact for any number of digits (no 28-digit rounding)
        value = Decimal(digits.replace("_", "").replace(",", "")).scaleb(_SUFFIX_EXP[suffix.lower()])
    except InvalidOperation:
        raise ValueError(f"{shown(text)} is not a {noun}") from None
    if value != value.to_integral_value():
        raise ValueError(f"{shown(text)} is not a whole number of {unit}"
                         + (f"; {allowed}" if say_allowed_for_fractions else ""))
    if value >= 10 ** 15:
        raise ValueError(f"{shown(text)} is more {unit} than costcalc prices at once (below 10^15)")
    return int(value)


_TOOL = re.compile(r"[a-z][a-z0-9_]{0,63}", re.ASCII)  # a tool name, as in a price table's fees


def parse_tool_calls(items) -> dict[str, int]:
    """`web_search=2` items (each may hold several, comma-separated: `web_search=2,web_fetch=1`) ->
    {tool: calls}. A tool named twice is refused (the user may have meant either count). Raises
    ValueError naming the bad item and what is allowed."""
    out: dict[str, int] = {}
    for item in [items] if isinstance(items, str) else items:
        for part in (p.strip() for p in str(item).split(",")):
            if not part:
                continue
            tool, sep, number = (s.strip() for s in part.partition("="))
            if not sep or not _TOOL.fullmatch(tool):
                raise ValueError(f"{shown(part)} is not TOOL=N; use a tool name in lower case and a number of "
                                 f"calls, e.g. web_search=2 (several: web_search=2,web_fetch=1)")
            try:
                calls = _whole(number, "number of calls", "calls", "")
            except ValueError:
                raise ValueError(f"{shown(part)}: {shown(number)} is not a number of calls; use a whole number "
                                 f"like 2, 1_000 or 10k") from None
            if tool in out:
                raise ValueError(f"{tool} is named twice ({tool}={out[tool]}, {tool}={calls}); name each tool once, "
                                 f"with its total calls (e.g. {tool}={out[tool] + calls})")
            out[tool] = calls
    return out


def parse_instant(text: str, *, to_the_minute: bool = False) -> datetime:
    """An ISO-8601 instant as an aware UTC datetime, years FIRST_YEAR..LAST_YEAR. Raises ValueError with
    an example of what is allowed. Two rule sets, one parser:

    - a query's instant (`quote --at`, `costcalc.quote(at=...)`, the default): a date alone means its
      00:00 UTC; an instant without an offset is read as UTC; seconds and fractions are kept.
    - `to_the_minute` (a price table's from/until): a date, a time to the minute (seconds only as :00)
      and an explicit offset (Z, +08:00, +0800, at most 18 hours): price changes are published to the
      minute and month splits work in whole minutes.
    """
    if to_the_minute:
        return _instant_to_the_minute(text)
    raw = text.strip()
    try:
        if not raw.isascii():
            raise ValueError
        value = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw)
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise ValueError(f"{shown(text)} is not an ISO-8601 instant like 2026-05-31T15:58Z "
                         f"(years {FIRST_YEAR}-{LAST_YEAR})") from None


_INSTANT = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})", re.ASCII)


def _instant_to_the_minute(text: str) -> datetime:
    """`2026-05-31T16:00Z` / `...:00+08:00` -> an aware UTC datetime (see parse_instant)."""
    bad = ValueError(f"{shown(text)} is not an instant with a UTC offset, to the minute, like 2026-05-31T16:00Z")
    match = _INSTANT.fullmatch(text.strip())
    if not match:
        raise bad
    day_text, hour, minute, second, offset = match.groups()
    if second not in (None, "00"):
        raise bad
    try:
        naive = datetime.fromisoformat(f"{day_text}T{hour}:{minute}")
    except ValueError:
        raise bad from None
    if offset == "Z":
        delta = timedelta(0)
    else:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        delta = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if abs(delta) > timedelta(hours=18) or int(digits[2:]) >= 60:
            raise bad
    if not FIRST_YEAR <= naive.year <= LAST_YEAR:
        raise bad
    return naive.replace(tzinfo=timezone(delta)).astimezone(timezone.utc)
