"""Strict readers over YAML Nodes: each check either returns a typed value or records one Problem.

A loader reads one item (a rule, a model, a profile) inside `reader.item()`: the first problem in that item
is recorded and the item is skipped, so one mistake gives one error line instead of a cascade.
"""

from __future__ import annotations

import difflib
import re
from contextlib import suppress
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._parse import FIRST_YEAR, LAST_YEAR, parse_instant
from ._yamlnodes import Node
from .errors import _NO_VALUE, InputError, Problem


# Numbers in files stay below 10^15 (dates within _parse.FIRST_YEAR..LAST_YEAR): far beyond any real
# workload or price, and it keeps every computation inside Decimal's range.
MAX_DIGITS = 15
_INT_LIMIT = 10 ** MAX_DIGITS  # a whole number below it has adjusted() < MAX_DIGITS


@lru_cache(maxsize=4096)
def _whole(value: int) -> Decimal:
    """Decimal(value) of a whole number, one object per value: a file's counts repeat (1,000 profiles of a
    few volumes and token counts), and an immutable Decimal is shared as well as copied."""
    return Decimal(value)


class _Item:
    """Reader.item's block: contextlib.suppress(Invalid) as a plain class (a file of 1,000 profiles enters
    thousands; a generator-based context manager cost several times more per block)."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, value, traceback) -> bool:
        return kind is not None and issubclass(kind, Invalid)


_ITEM = _Item()


class Invalid(Exception):
    """Raised inside an item after its problem was recorded; caught by `Reader.item`."""


class Reader:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    # -- recording -----------------------------------------------------------------------------------
    def fail(self, node: Node | None, key: str, message: str, value: object = _NO_VALUE) -> Invalid:
        if value is _NO_VALUE and node is not None and node.kind == "scalar":
            value = node.value
        if isinstance(value, (list, dict)):
            value = Flow(value)
        self.problems.append(Problem(self.file, node.line if node else None, key, value, message))
        return Invalid()

    def item(self) -> _Item:
        """A block whose Invalid (a problem already recorded) ends it and lets the reader go on with the next
        item; any other exception passes."""
        return _ITEM

    def raise_if_problems(self) -> None:
        if self.problems:
            raise InputError(self.problems)

    # -- shapes --------------------------------------------------------------------------------------
    def mapping(self, node: Node, key: str, allowed: set[str] | tuple[str, ...],
                required: set[str] | tuple[str, ...] = ()) -> dict[str, Node]:
        if node.kind != "map":
            what = "must be a mapping" + (" of " + _names(allowed) if allowed else " of names to entries")
            raise self.fail(node, key, what, node.plain())
        for name, child in node.value.items():
            if name not in allowed:
                hint = suggest(name, allowed, n=1)
                tip = f" (did you mean {hint[0]!r}?)" if hint else ""
                self.problems.append(Problem(self.file, child.key_line, _join(key, name), name,
                                             f"unknown key{tip}; allowed: {_names(allowed)}"))
                raise Invalid()
        for name in required:
            if name not in node.value:
                raise self.fail(node, _join(key, name), "is required", _NO_VALUE)
        return node.value

    def named_entries(self, node: Node, key: str) -> dict[str, Node]:
        """A mapping whose keys are names chosen by the author (providers, models, calendars, tags)."""
        if node.kind != "map":
            raise self.fail(node, key, "must be a mapping of names to entries", node.plain())
        return node.value

    def sequence(self, node: Node, key: str, what: str = "a list") -> list[Node]:
        if node.kind != "seq":
            raise self.fail(node, key, f"must be {what}", node.plain())
        return node.value

    def string(self, node: Node, key: str, allowed: tuple[str, ...] | None = None,
               pattern: str | None = None, what: str = "text") -> str:
        value = node.value
        if node.kind != "scalar" or not isinstance(value, str) or not value:
            raise self.fail(node, key, f"must be {what}" + (f": one of {_names(allowed)}" if allowed else ""),
                            node.plain())
        if allowed is not None and value not in allowed:
            hint = suggest(value, allowed, n=1)
            tip = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise self.fail(node, key, f"not allowed{tip}; one of {_names(allowed)}")
        if pattern is not None and not re.fullmatch(pattern, value):
            raise self.fail(node, key, f"must be {what}")
        return value

    def boolean(self, node: Node, key: str) -> bool:
        if node.kind != "scalar" or not isinstance(node.value, bool):
            raise self.fail(node, key, "must be true or false", node.plain())
        return node.value

    def integer(self, node: Node, key: str, minimum: int = 0) -> int:
        value = node.value
        if node.kind != "scalar" or node.quoted or isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(node, key, f"must be a whole number >= {minimum}", node.plain())
        if value < minimum:
            raise self.fail(node, key, f"must be a whole number >= {minimum}")
        return value

    def decimal(self, node: Node, key: str, what: str, minimum: Decimal | None = Decimal(0),
                maximum: Decimal | None = None, max_places: int = 8) -> Decimal:
        """A number read exactly. Quoted strings and YAML's .inf/.nan are refused; so are numbers with
        more than `max_places` decimals, which in a price table are almost always a float artifact
        (0.30000000000000004 written back from 0.1 + 0.2)."""
        value = node.value
        if node.kind != "scalar" or node.quoted or isinstance(value, bool) or \
                not isinstance(value, (int, Decimal)):
            raise self.fail(node, key, f"must be {what}", node.plain())
        if type(value) is int and -_INT_LIMIT < value < _INT_LIMIT and (minimum is None or value >= minimum) \
                and (maximum is None or value <= maximum):
            return _whole(value)  # a whole number within every bound: the checks below all pass
        value = Decimal(value)
        if not value.is_finite():  # an infinity or NaN from a DataFrame's float cell (YAML's are refused above)
            raise self.fail(node, key, f"must be {what}", node.plain())
        if value.adjusted() >= MAX_DIGITS:  # no price, count or share is this large: a typo or a trap
            raise self.fail(node, key, f"must be {what}, below 10^{MAX_DIGITS}")
        if minimum is not None and value < minimum:
            raise self.fail(node, key, f"must be {what}")
        if maximum is not None and value > maximum:
            raise self.fail(node, key, f"must be {what}")
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > max_places:
            raise self.fail(node, key, f"has more than {max_places} decimal places (a float artifact?); "
                                       f"write the exact figure")
        return value

    def instant(self, node: Node, key: str) -> datetime:
        """An exact instant with an explicit offset, to the minute: 2026-05-31T16:00Z."""
        text = node.value if node.kind == "scalar" else None
        parsed = None
        if isinstance(text, str):
            with suppress(ValueError):
                parsed = parse_instant(text, to_the_minute=True)
        if parsed is None:
            raise self.fail(node, key, "must be an instant with a UTC offset, to the minute, "
                                       "like 2026-05-31T16:00Z", node.plain())
        return parsed

    def day(self, node: Node, key: str) -> date:
        text = node.value if node.kind == "scalar" else None
        try:
            value = date.fromisoformat(str(text)) if isinstance(text, str) else _bad_date()
        except ValueError:
            raise self.fail(node, key, "must be a date like 2026-11-22", node.plain()) from None
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise self.fail(node, key, f"must be a date between {FIRST_YEAR} and {LAST_YEAR}")
        return value

    def tz(self, node: Node, key: str) -> str:
        name = self.string(node, key, what="an IANA time zone name like UTC or Asia/Shanghai")
        if not known_tz(name):
            raise self.fail(node, key, "unknown time zone; use an IANA name like UTC, Asia/Shanghai, "
                                       "America/New_York")
        return name

    def known_name(self, node: Node, key: str, names: list[str], what: str, described: str | None = None,
                   listing: str = "") -> str:
        """A name among `names` (a `what`: model, ...); `described` says what is allowed when the value is
        not text at all (default: "a {what} id as text"), `listing` where the names are listed (said when
        no near name is suggested)."""
        value = self.string(node, key, what=described or f"a {what} id as text")
        if value not in names:
            hint = suggest(value, names, n=3)
            tip = f"; did you mean {', '.join(hint)}?" if hint else (f"; {listing}" if listing else "")
            raise self.fail(node, key, f"unknown {what}{tip}")
        return value


class Flow:
    """A list or mapping in an error line, shown as YAML flow text (`[1.50]`, not `[Decimal('1.50')]`).
    Compares equal to the plain value."""

    def __init__(self, value: object):
        self.value = value

    def __str__(self) -> str:
        return _flow(self.value)

    def __repr__(self) -> str:
        return _flow(self.value)

    def __eq__(self, other: object) -> bool:
        return self.value == (other.value if isinstance(other, Flow) else other)

    def __hash__(self) -> int:
        return hash(_flow(self.value))


def _flow(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def suggest(name: str, options, n: int = 3) -> list[str]:
    """Nearest names: ones that extend what was typed (cache_hit -> cache_hit_rate) first, then by
    similarity."""
    options = list(options)
    prefixed = [o for o in options if o.startswith(name) and o != name]
    close = [o for o in difflib.get_close_matches(name, options, n=n) if o not in prefixed]
    return (prefixed + close)[:n]


def _bad_date():
    raise ValueError


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _names(allowed) -> str:
    return ", ".join(sorted(allowed)) if not isinstance(allowed, tuple) else ", ".join(allowed)




_TZ_CACHE: dict[str, bool] = {}


def known_tz(name: str) -> bool:
    if name not in _TZ_CACHE:
        try:
            ZoneInfo(name)
            _TZ_CACHE[name] = True
        except (ZoneInfoNotFoundError, ValueError, OSError):
            _TZ_CACHE[name] = False
    return _TZ_CACHE[name]
