"""The strict reader of a profile's `conversation:`, `agent:`, `failures:` and `units:` (the shapes of
conversation.py, agent.py, failures.py and units.py). Every problem names file, line, key, bad value and
what is allowed, like read.py's."""

from __future__ import annotations

import re
from decimal import Decimal

from .._validate import Reader
from .._yamlnodes import Node
from .agent import Agent
from .conversation import CONTEXT_POLICIES, MAX_STEPS, Caching, ContextPolicy, Conversation, Counts, History
from .failures import BILLED, MAX_RETRIES, Failures
from .model import _ONE, CACHE_TTLS, REASONING_MODES, Range
from .units import UNIT_PATTERN, Unit

CONVERSATION_KEYS = ("conversations_per_day", "turns", "system_tokens", "user_tokens_per_turn",
                     "reply_tokens_per_turn", "reasoning", "history", "cache", "context")
AGENT_KEYS = ("tasks_per_day", "steps", "system_tokens", "task_tokens", "tool_result_tokens_per_step",
              "output_tokens_per_step", "reasoning", "history", "cache", "context")
FAILURE_KEYS = ("rate", "billed", "retries")
# Keys of a profile a shape replaces (it derives requests, tokens and caching per turn)
SHAPED_OUT = ("requests_per_day", "requests_per_month", "input_tokens", "output_tokens", "samples",
              "cache_hit_rate", "cache_write")
_ZERO = Decimal(0)
_TOKENS = "a token count >= 0"
_HISTORY = "full, 'window N' (the last N tokens of history) or 'summarize every K at S' (K turns, S tokens)"
_WINDOW = re.compile(r"window\s+(\d+)(?:\s+tokens)?")
_SUMMARIZE = re.compile(r"summarize\s+every\s+(\d+)(?:\s+(?:turns|steps))?\s+at\s+(\d+)(?:\s+tokens)?")


def read_shape(r: Reader, node: Node, key: str, kind: str, value) -> tuple[Conversation | Agent, dict]:
    """(the shape, profile changes it makes: reasoning / reasoning_tokens). `value(r, node, key, what)`
    reads a number or a {low, expected, high} range (read.py's)."""
    if kind == "conversation":
        f = r.mapping(node, key, CONVERSATION_KEYS, ("conversations_per_day", "turns", "user_tokens_per_turn",
                                                      "reply_tokens_per_turn"))
        per_day = value(r, f["conversations_per_day"], f"{key}.conversations_per_day",
                        "a count of conversations >= 0, or {low, expected, high}")
        steps = _counts(r, f["turns"], f"{key}.turns", "turns", value)
        tokens = {name: _tokens(r, f, key, name) for name in ("system_tokens", "user_tokens_per_turn",
                                                               "reply_tokens_per_turn")}
        common = _common(r, f, key, steps)
        shape: Conversation | Agent = Conversation(per_day, steps, tokens["system_tokens"],
                                                   tokens["user_tokens_per_turn"], tokens["reply_tokens_per_turn"],
                                                   **common)
    else:
        f = r.mapping(node, key, AGENT_KEYS, ("tasks_per_day", "steps", "tool_result_tokens_per_step",
                                               "output_tokens_per_step"))
        per_day = value(r, f["tasks_per_day"], f"{key}.tasks_per_day",
                        "a count of tasks >= 0, or {low, expected, high}")
        steps = _counts(r, f["steps"], f"{key}.steps", "steps", value)
        tokens = {name: _tokens(r, f, key, name) for name in ("system_tokens", "task_tokens",
                                                               "tool_result_tokens_per_step",
                                                               "output_tokens_per_step")}
        common = _common(r, f, key, steps)
        shape = Agent(per_day, steps, tokens["system_tokens"], tokens["task_tokens"],
                      tokens["tool_result_tokens_per_step"], tokens["output_tokens_per_step"], **common)
    changes: dict[str, object] = {}
    if "reasoning" in f:
        child = f["reasoning"]
        if child.kind == "scalar" and isinstance(child.value, str):
            changes["reasoning"] = r.string(child, f"{key}.reasoning", allowed=REASONING_MODES)
        else:
            changes["reasoning_tokens"] = value(r, child, f"{key}.reasoning",
                                                "none, high, max, or reasoning tokens per turn >= 0")
    return shape, changes


def _tokens(r: Reader, f: dict[str, Node], key: str, name: str) -> Decimal:
    if name not in f:
        return _ZERO
    return r.decimal(f[name], f"{key}.{name}", _TOKENS, minimum=_ZERO, max_places=12)


def _counts(r: Reader, node: Node, key: str, what: str, value) -> Counts | Range:
    """A whole number >= 1, {low, expected, high} of whole numbers, or {histogram: [{turns, share}...]}."""
    allowed = f"a whole number of {what} from 1 to {MAX_STEPS}, {{low, expected, high}}, or " \
              f"{{histogram: [{{{what}: N, share: S}}, ...]}}"
    fields = node.value if node.kind == "map" and isinstance(node.value, dict) else {}
    if "histogram" in fields:
        f = r.mapping(node, key, ("histogram",), ("histogram",))
        bins = []
        for i, item in enumerate(r.sequence(f["histogram"], f"{key}.histogram", f"a list of {{{what}, share}}")):
            b = r.mapping(item, f"{key}.histogram[{i}]", (what, "share"), (what, "share"))
            n = _whole(r, b[what], f"{key}.histogram[{i}].{what}", allowed)
            share = r.decimal(b["share"], f"{key}.histogram[{i}].share", "a share between 0 and 1",
                              minimum=_ZERO, maximum=_ONE, max_places=12)
            bins.append((n, share))
        if not bins:
            raise r.fail(f["histogram"], f"{key}.histogram", f"must list at least one {{{what}, share}}", [])
        total = sum((s for _, s in bins), _ZERO)
        if total != 1:
            raise r.fail(f["histogram"], f"{key}.histogram", "shares must sum to 1", str(total))
        return Counts(tuple(bins))
    if node.kind == "map":
        ranged = value(r, node, key, allowed)
        for end in ("low", "expected", "high"):
            _whole(r, fields[end], f"{key}.{end}", allowed)
        return ranged
    return Counts(((_whole(r, node, key, allowed), _ONE),))


def _whole(r: Reader, node: Node, key: str, allowed: str) -> int:
    number = r.decimal(node, key, allowed, minimum=_ONE, maximum=Decimal(MAX_STEPS), max_places=12)
    if number != number.to_integral_value():
        raise r.fail(node, key, f"must be {allowed}")
    return int(number)


def _common(r: Reader, f: dict[str, Node], key: str, steps: Counts | Range) -> dict:
    out: dict[str, object] = {}
    if "history" in f:
        out["history"] = _history(r, f["history"], f"{key}.history")
    if "cache" in f:
        c = r.mapping(f["cache"], f"{key}.cache", ("reads", "writes"))
        reads = r.string(c["reads"], f"{key}.cache.reads", allowed=("history", "none")) if "reads" in c else "none"
        writes = r.string(c["writes"], f"{key}.cache.writes", allowed=CACHE_TTLS + ("none",)) \
            if "writes" in c else "none"
        out["cache"] = Caching(reads == "history", None if writes == "none" else writes)
    if "context" in f:
        out["context"] = _context(r, f["context"], f"{key}.context")
    return out


def _history(r: Reader, node: Node, key: str) -> History:
    text = node.value if node.kind == "scalar" and isinstance(node.value, str) else None
    if text is not None:
        text = " ".join(text.split())
        if text == "full":
            return History()
        found = _WINDOW.fullmatch(text)
        if found:
            return History("window", window_tokens=Decimal(found.group(1)))
        found = _SUMMARIZE.fullmatch(text)
        if found and int(found.group(1)) >= 1:
            return History("summarize", every=int(found.group(1)), summary_tokens=Decimal(found.group(2)))
    raise r.fail(node, key, f"must be {_HISTORY}", node.plain())


def _context(r: Reader, node: Node, key: str) -> ContextPolicy:
    """stop | truncate | {summarize: S tokens}"""
    what = "stop, truncate, or {summarize: S} (a summary of S tokens replaces the history)"
    if node.kind == "map":
        f = r.mapping(node, key, ("summarize",), ("summarize",))
        tokens = r.decimal(f["summarize"], f"{key}.summarize", _TOKENS, minimum=_ZERO, max_places=12)
        return ContextPolicy("summarize", tokens)
    policy = r.string(node, key, allowed=tuple(p for p in CONTEXT_POLICIES if p != "summarize"), what=what)
    return ContextPolicy(policy)


def read_failures(r: Reader, node: Node, key: str) -> Failures:
    f = r.mapping(node, key, FAILURE_KEYS, ("rate",))
    rate = r.decimal(f["rate"], f"{key}.rate", "a share of attempts from 0 to below 1 (0.05 = 5%)",
                     minimum=_ZERO, maximum=_ONE, max_places=12)
    if rate >= 1:
        raise r.fail(f["rate"], f"{key}.rate", "must be below 1 (every attempt failing never ends)")
    billed = r.string(f["billed"], f"{key}.billed", allowed=BILLED) if "billed" in f else "input"
    retries = r.integer(f["retries"], f"{key}.retries") if "retries" in f else 0
    if retries > MAX_RETRIES:
        raise r.fail(f["retries"], f"{key}.retries", f"must be a whole number from 0 to {MAX_RETRIES}")
    return Failures(rate, billed, retries)


def read_units(r: Reader, node: Node, key: str, shape_unit: str | None,
               plan_shapes: tuple[str, ...] | None = None) -> tuple[Unit, ...]:
    """{user: 12000, conversation: derived, ticket: {per_request: 0.25}}: a profile's (shape_unit: its
    shape's unit), or the file's top-level units (plan_shapes: the units of the file's shaped profiles, a
    derived one summed over them)."""
    derivable = ("request",) + ((shape_unit,) if shape_unit else ()) + (plan_shapes or ())
    where_derived = "in this profile" if plan_shapes is None else "here (from the file's profiles)"
    out = []
    for name, child in r.named_entries(node, key).items():
        where = f"{key}.{name}"
        if not isinstance(name, str) or not re.fullmatch(UNIT_PATTERN, name, flags=re.ASCII):
            raise r.fail(Node(name, child.key_line, "scalar"), where,
                         "a unit name is lower case, like user, conversation or ticket")
        if child.kind == "scalar" and child.value == "derived":
            if name not in derivable:
                raise r.fail(child, where, f"only {', '.join(derivable)} can be derived {where_derived}; give "
                                           f"{name} as a count per month or {{per_request: N}}")
            out.append(Unit(name, derived=True))
        elif child.kind == "map":
            f = r.mapping(child, where, ("per_request",), ("per_request",))
            out.append(Unit(name, per_request=r.decimal(f["per_request"], f"{where}.per_request",
                                                        "units per request > 0 (0.25 = one in four requests)",
                                                        minimum=_ZERO, max_places=12)))
            if not out[-1].per_request:
                raise r.fail(f["per_request"], f"{where}.per_request", "must be above 0")
        else:
            count = r.decimal(child, where, "a count per month > 0, derived, or {per_request: N}", minimum=_ZERO,
                              max_places=12)
            if not count:
                raise r.fail(child, where, "must be above 0 (a cost per unit divides by it)")
            out.append(Unit(name, per_month=count))
    if not out:
        raise r.fail(node, key, "must name at least one unit", {})
    return tuple(out)


def shape_excludes(r: Reader, f: dict[str, Node], key: str, kind: str) -> None:
    """A shape derives requests, tokens and caching: the plain keys for them are refused beside it."""
    for name in SHAPED_OUT:
        if name in f:
            raise r.fail(f[name], f"{key}.{name}", f"give {kind}: or {name}, not both ({kind}: derives the "
                                                   f"requests, tokens and caching of every turn)")

