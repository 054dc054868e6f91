"""The strict reader: a workloads Node tree (tree.py) -> `Workloads` of frozen `Profile`s (model.py), every value
checked, every problem naming file, line, key, bad value and what is allowed."""

from __future__ import annotations

import re
from typing import Any
from collections.abc import Iterable
from decimal import Decimal, localcontext

from .._validate import Reader, suggest
from .._yamlnodes import Node
from ..errors import _NO_VALUE
from ..money import DIVIDE
from ..prices.model import TIER_ALIASES, TIERS, TOOLS, WEEKDAYS
from ..tokens.tokenizers import TOKENIZERS
from ..workload_plans import plan_names, read_budgets, read_plans, read_use
from .model import (_ONE, CACHE_TTLS, OVER_LIMIT, PROFILE_KEYS, REASONING_MODES, SCHEMA_VERSION, TOOL_PATTERN,
                    TOP_KEYS, Histogram, Origin, Profile, Range, Traffic, Value, Workloads, has_reply)
from .conversation import derive, requests_per_unit, shape_at
from .read_shapes import SHAPED_OUT, read_failures, read_shape, read_units, shape_excludes
from .samples import read_samples


def read_workloads(root: Node, file: str, known_models: Iterable[str] | None,
                    known_tools: Iterable[str] | None = TOOLS) -> Workloads:
    r = Reader(file)
    known = sorted(set(known_models)) if known_models is not None else None
    accepted = frozenset(known or ())
    tools = sorted(set(known_tools)) if known_tools is not None else None
    profiles: list[Profile] = []
    top = {}
    with r.item():
        top = r.mapping(root, "", TOP_KEYS,
                        ("schema_version", "profiles"))
        version = r.integer(top["schema_version"], "schema_version", minimum=1)
        if version != SCHEMA_VERSION:
            raise r.fail(top["schema_version"], "schema_version",
                         f"this costcalc reads schema_version {SCHEMA_VERSION}")
    if top:
        defaults: dict[str, Node] = {}
        with r.item():
            if "defaults" in top:
                defaults = r.mapping(top["defaults"], "defaults", PROFILE_KEYS)
        with r.item():
            entries = top["profiles"]
            if entries.kind != "map" or not entries.value:
                raise r.fail(entries, "profiles", "must be a mapping of profile names to profiles",
                             entries.plain())
            for name, node in entries.value.items():
                with r.item():
                    if not name.strip() or any(ord(c) < 32 or ord(c) == 127 for c in name) or len(name) > 200:
                        # a name is a label in every report: one line, printable, short
                        raise r.fail(node, f"profiles.{name}", "a profile name is printable text on one line "
                                                               "(no control characters, at most 200 characters)",
                                     name)
                    profiles.append(_profile(r, name, node, defaults, known, tools, accepted))
    r.raise_if_problems()
    plans, budgets = _plans_and_budgets(r, top, profiles)
    plan_units: tuple = ()
    if top and "units" in top:
        with r.item():
            shaped = {p.shape.unit for p in profiles if p.shape is not None}
            plan_units = read_units(r, top["units"], "units", None, tuple(sorted(shaped)))
    r.raise_if_problems()
    return Workloads(tuple(profiles), file, plans, budgets, plan_units)


def _plans_and_budgets(r: Reader, top: dict[str, Node], profiles: list[Profile]) -> tuple[tuple, tuple]:
    """The file's `plans:` and `budgets:` (costcalc.workload_plans), checked against its profiles."""
    models = {p.name: p.models for p in profiles}
    plans: tuple = ()
    budgets: tuple = ()
    with r.item():
        if "plans" in top:
            plans = read_plans(r, top["plans"], models)
    with r.item():
        if "budgets" in top:
            budgets = read_budgets(r, top["budgets"], models, {p.name: p.tags for p in profiles},
                                   plan_names(models, plans))
    return plans, budgets


def _value(r: Reader, node: Node, key: str, what: str, minimum=Decimal(0), maximum=None,
           integer: bool = False) -> Value:
    """A number or {low, expected, high}."""
    if node.kind == "map":
        f = r.mapping(node, key, ("low", "expected", "high"), ("low", "expected", "high"))
        low, mid, high = (_number(r, f[k], f"{key}.{k}", what, minimum, maximum) for k in ("low", "expected",
                                                                                           "high"))
        if not low <= mid <= high:
            raise r.fail(node, key, "a range needs low <= expected <= high", node.plain())
        return Range(low, mid, high)
    return _number(r, node, key, what, minimum, maximum)


def _number(r: Reader, node: Node, key: str, what: str, minimum, maximum) -> Decimal:
    return r.decimal(node, key, what, minimum=minimum, maximum=maximum, max_places=12)


def _values(value: Value) -> tuple[Decimal, ...]:
    return (value.low, value.expected, value.high) if isinstance(value, Range) else (value,)


def _profile(r: Reader, name: str, node: Node, defaults: dict[str, Node],
             known: list[str] | None, tools: list[str] | None = None,
             accepted: frozenset[str] = frozenset()) -> Profile:
    key = f"profiles.{name}"
    own = r.mapping(node, key, PROFILE_KEYS)
    # A profile that gives one of a pair of alternatives replaces an inherited default of the other.
    f = {k: v for k, v in defaults.items()
         if not any(k in pair and (set(pair) - {k}) & set(own) for pair in _ALTERNATIVES)}
    f.update(own)
    count = "a count >= 0, or {low, expected, high}"
    shaped = _shape(r, key, own, f)
    if shaped is not None:  # a conversation or agent: requests, tokens and caching come from it
        f = {k: v for k, v in f.items() if k in own or k not in SHAPED_OUT + tuple(shaped[2])}
    elif ("requests_per_day" in f) == ("requests_per_month" in f):
        raise r.fail(node, key, "give exactly one of requests_per_day or requests_per_month", _NO_VALUE)
    samples = read_samples(r, f["samples"], f"{key}.samples") if "samples" in f else None
    required = ["models"]
    if shaped is not None:
        pass
    elif samples is None:
        required += ["input_tokens", "output_tokens"]
    elif not (samples.replies or any(has_reply(c) for c in samples.chats)):
        required.append("output_tokens")
    for name_required in required:
        if name_required not in f:
            raise r.fail(node, f"{key}.{name_required}", "is required" + (
                " (or samples: with prompts and replies)" if samples is None and name_required != "models"
                else " (the samples give no replies)" if samples is not None else ""), _NO_VALUE)
    if samples is not None and "input_tokens" in f:
        raise r.fail(f["input_tokens"], f"{key}.input_tokens", "give samples or input_tokens, not both")
    changes: dict[str, Any] = _shaped_changes(r, key, f, shaped) if shaped is not None else {}
    for volume in ("requests_per_day", "requests_per_month"):
        if volume in f:
            changes[volume] = _value(r, f[volume], f"{key}.{volume}", count)
    if samples is not None:
        changes["samples"] = samples
        changes["input_tokens"] = Decimal(0)  # replaced per model by count_samples()
        changes["output_tokens"] = Decimal(0)
    if "input_tokens" in f:
        changes["input_tokens"] = _input_tokens(r, f["input_tokens"], f"{key}.input_tokens")
    if "output_tokens" in f:
        changes["output_tokens"] = _value(r, f["output_tokens"], f"{key}.output_tokens", count)
    if "reasoning_tokens" in f and "reasoning" in f:
        raise r.fail(f["reasoning"], f"{key}.reasoning", "give reasoning or reasoning_tokens, not both")
    if "reasoning_tokens" in f:
        changes["reasoning_tokens"] = _value(r, f["reasoning_tokens"], f"{key}.reasoning_tokens", count)
    if "reasoning" in f:
        changes["reasoning"] = r.string(f["reasoning"], f"{key}.reasoning", allowed=REASONING_MODES)
    rate = "a share between 0 and 1, or {low, expected, high}"
    if "cache_hit_rate" in f:
        changes["cache_hit_rate"] = _value(r, f["cache_hit_rate"], f"{key}.cache_hit_rate", rate,
                                           maximum=_ONE)
    if "cache_write" in f:
        cw = r.mapping(f["cache_write"], f"{key}.cache_write", ("ttl", "share"), ("share",))
        changes["cache_write_share"] = _value(r, cw["share"], f"{key}.cache_write.share", rate, maximum=_ONE)
        if "ttl" in cw:
            changes["cache_write_ttl"] = r.string(cw["ttl"], f"{key}.cache_write.ttl", allowed=CACHE_TTLS)
    hits = _values(changes.get("cache_hit_rate", Decimal(0)))
    writes = _values(changes.get("cache_write_share", Decimal(0)))
    if max(hits) + max(writes) > 1:
        raise r.fail(f.get("cache_write", f.get("cache_hit_rate")), f"{key}.cache_write.share",
                     "cache_hit_rate + cache_write.share must not exceed 1 (they are shares of the "
                     "same input tokens)", str(max(hits) + max(writes)))
    if "tiers" in f:
        changes["tiers"] = _tiers(r, f["tiers"], f"{key}.tiers")
    if "residency" in f:
        changes["residency"] = r.boolean(f["residency"], f"{key}.residency")
    if "traffic" in f:
        changes["traffic"] = _traffic(r, f["traffic"], f"{key}.traffic")
    if "growth_per_month" in f:
        changes["growth_per_month"] = _value(r, f["growth_per_month"], f"{key}.growth_per_month",
                                             "a monthly growth rate from -0.99 to 1 (0.05 = 5%), or "
                                             "{low, expected, high}", minimum=Decimal("-0.99"),
                                             maximum=_ONE)
    for day_key in ("start", "end"):
        if day_key in f and f[day_key].value is not None:
            changes[day_key] = r.day(f[day_key], f"{key}.{day_key}")
    if changes.get("start") and changes.get("end") and changes["end"] < changes["start"]:
        raise r.fail(f["end"], f"{key}.end", f"must not be before start ({changes['start']})")
    changes["models"] = _models(r, f["models"], f"{key}.models", known, accepted)
    if "use" in f:
        changes["use"] = read_use(r, f["use"], f"{key}.use", changes["models"])
    if "tags" in f:
        tags = r.named_entries(f["tags"], f"{key}.tags")
        changes["tags"] = tuple((k, _tag(r, v, f"{key}.tags.{k}")) for k, v in tags.items())
    if "note" in f:
        changes["note"] = r.string(f["note"], f"{key}.note")
    if "over_limit" in f:
        changes["over_limit"] = r.string(f["over_limit"], f"{key}.over_limit", allowed=OVER_LIMIT)
    if "tool_calls_per_request" in f:
        changes["tool_calls"] = _tool_calls(r, f["tool_calls_per_request"], f"{key}.tool_calls_per_request", tools)
    if "tokens_counted_with" in f:
        changes["tokens_counted_with"] = r.string(f["tokens_counted_with"], f"{key}.tokens_counted_with",
                                                  allowed=tuple(TOKENIZERS), what="a tokenizer name")
    if "failures" in f:
        changes["failures"] = read_failures(r, f["failures"], f"{key}.failures")
    if "units" in f:
        changes["units"] = read_units(r, f["units"], f"{key}.units", shaped[1].unit if shaped else None)
    changes["origin"] = _origin(r.file, key, node, f)
    return Profile(name=name, **changes)


def _shape(r: Reader, key: str, own: dict[str, Node], f: dict[str, Node]) -> tuple | None:
    """(kind, shape, profile changes) of a profile's conversation: or agent: (read_shapes.py), else None.
    The keys a shape replaces are refused beside it in the profile itself (a default of them is ignored)."""
    kinds = [k for k in ("conversation", "agent") if k in f]
    if not kinds:
        return None
    if len(kinds) == 2:
        raise r.fail(f["agent"], f"{key}.agent", "give conversation: or agent:, not both")
    kind = kinds[0]
    shape_excludes(r, own, key, kind)
    shape, changes = read_shape(r, f[kind], f"{key}.{kind}", kind, _value)
    for plain in ("reasoning", "reasoning_tokens"):
        if changes and plain in own:
            raise r.fail(own[plain], f"{key}.{plain}", f"give reasoning in {kind}: or here, not both")
    return kind, shape, changes


def _shaped_changes(r: Reader, key: str, f: dict[str, Node], shaped: tuple) -> dict[str, object]:
    """A shaped profile's fields: requests_per_day holds conversations (tasks) per day, output_tokens the
    output per turn, input_tokens the mean prompt of the expected case (for descriptions only: the
    projection prices each turn's own)."""
    _, shape, changes = shaped
    steps = derive(shape_at(shape, "expected").loop())
    per_unit = requests_per_unit(steps)
    with localcontext(DIVIDE):
        mean = sum((s.weight * s.prompt for s in steps), Decimal(0)) / per_unit if per_unit else Decimal(0)
    return {**changes, "shape": shape, "requests_per_day": shape.per_day, "input_tokens": mean,
            "output_tokens": shape.loop_output}


def _tool_calls(r: Reader, node: Node, key: str, known: list[str] | None) -> tuple[tuple[str, Value], ...]:
    """{web_search: 0.3, web_fetch: {low: 0, expected: 0.1, high: 0.5}}: calls per request, >= 0."""
    entries = r.named_entries(node, key)
    out = []
    for tool, child in entries.items():
        name_node = Node(tool, child.key_line, "scalar")
        if not isinstance(tool, str) or not re.fullmatch(TOOL_PATTERN, tool, flags=re.ASCII):
            raise r.fail(name_node, f"{key}.{tool}", "must be a tool name in lower case, like "
                         + ", ".join(known or TOOLS))
        if known is not None and tool not in known:
            hint = suggest(tool, known, n=1) if len(tool) <= 200 else []  # no tool name is long
            tip = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise r.fail(name_node, f"{key}.{tool}", f"unknown tool{tip}; known: {', '.join(known)}")
        out.append((tool, _value(r, child, f"{key}.{tool}", "a number of calls per request >= 0 (0.3 = "
                                                            "one call in about three requests), or "
                                                            "{low, expected, high}")))
    return tuple(out)



def _tag(r: Reader, node: Node, key: str) -> str:
    if node.kind != "scalar" or node.value is None or isinstance(node.value, bool):
        raise r.fail(node, key, "must be a short text value", node.plain())
    return str(node.value)


def _input_tokens(r: Reader, node: Node, key: str) -> Value | Histogram:
    if node.kind == "map" and "histogram" in node.value:
        f = r.mapping(node, key, ("histogram",), ("histogram",))
        bins = []
        for i, b in enumerate(r.sequence(f["histogram"], key + ".histogram",
                                         "a list of {tokens, share}")):
            bf = r.mapping(b, f"{key}.histogram[{i}]", ("tokens", "share"), ("tokens", "share"))
            bins.append((_number(r, bf["tokens"], f"{key}.histogram[{i}].tokens", "a token count >= 0",
                                 Decimal(0), None),
                         _number(r, bf["share"], f"{key}.histogram[{i}].share", "a share between 0 and 1",
                                 Decimal(0), _ONE)))
        if not bins:
            raise r.fail(f["histogram"], key + ".histogram", "must list at least one {tokens, share}", [])
        total = sum(s for _, s in bins)
        if total != 1:
            raise r.fail(f["histogram"], key + ".histogram", "shares must sum to 1", str(total))
        return Histogram(tuple(bins))
    return _value(r, node, key, "a token count >= 0, {low, expected, high}, or {histogram: [...]}")


def _tiers(r: Reader, node: Node, key: str) -> tuple[tuple[str, Decimal], ...]:
    allowed = TIERS + tuple(TIER_ALIASES)
    f = r.mapping(node, key, allowed)
    shares: dict[str, Decimal] = {}
    for name, child in f.items():
        tier = TIER_ALIASES.get(name, name)
        share = _number(r, child, f"{key}.{name}", "a share between 0 and 1", Decimal(0), _ONE)
        shares[tier] = shares.get(tier, Decimal(0)) + share
    total = sum(shares.values(), Decimal(0))
    if total != 1:
        raise r.fail(node, key, "tier shares must sum to 1", str(total))
    return tuple((t, shares[t]) for t in TIERS if shares.get(t))


def _traffic(r: Reader, node: Node, key: str) -> Traffic:
    if node.kind == "scalar" and node.value == "uniform":
        return Traffic()
    f = r.mapping(node, key, ("timezone", "hours", "weekdays"))
    tz = r.tz(f["timezone"], key + ".timezone") if "timezone" in f else "UTC"
    hours = _weights(r, f.get("hours"), key + ".hours", 24, [str(h) for h in range(24)])
    days = _weights(r, f.get("weekdays"), key + ".weekdays", 7, list(WEEKDAYS))
    return Traffic(tz, hours, days)


def _weights(r: Reader, node: Node | None, key: str, size: int, names: list[str]) -> tuple[Decimal, ...]:
    """A list of `size` weights, or a mapping of some names to weights (others weigh 0)."""
    if node is None:
        return (_ONE,) * size
    what = "a weight >= 0"
    if node.kind == "seq":
        if len(node.value) != size:
            raise r.fail(node, key, f"must list {size} weights ({names[0]}..{names[-1]})", len(node.value))
        weights = tuple(_number(r, n, f"{key}[{i}]", what, Decimal(0), None) for i, n in enumerate(node.value))
    else:
        f = r.mapping(node, key, tuple(names))
        weights = tuple(_number(r, f[n], f"{key}.{n}", what, Decimal(0), None) if n in f else Decimal(0)
                        for n in names)
    if not any(weights):
        raise r.fail(node, key, "at least one weight must be above 0", node.plain())
    return weights


_MODEL_LIST = "`costcalc prices list` shows them all"
_MODEL_ID = f"a model id of the price table as text, e.g. gpt-5.5 ({_MODEL_LIST})"


def _models(r: Reader, node: Node, key: str, known: list[str] | None,
            accepted: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """`accepted`: `known` as a set (made once per file), to accept a known id without a scan of the list."""
    items = [node] if node.kind == "scalar" else r.sequence(node, key, "a list of model ids")
    out = []
    for i, item in enumerate(items):
        sub = f"{key}[{i}]" if node.kind == "seq" else key
        if item.kind == "scalar" and type(item.value) is str and item.value in accepted and item.value not in out:
            out.append(item.value)  # a known id (known_name's checks all pass): without a scan of the list
            continue
        name = r.known_name(item, sub, known, "model", _MODEL_ID, _MODEL_LIST) if known is not None \
            else r.string(item, sub, what=_MODEL_ID)
        if name in out:
            raise r.fail(item, sub, "listed twice")
        out.append(name)
    if not out:
        raise r.fail(node, key, "must list at least one model", [])
    return tuple(out)



# The values a limit check points at (the prompt and the output of one request), with their parts, and
# the growth the projection holds to a million-fold.
_LOCATED = ("input_tokens", "output_tokens", "reasoning_tokens", "reasoning", "samples", "growth_per_month",
            "conversation", "agent")


def _origin(file: str, key: str, node: Node, f: dict[str, Node]) -> Origin:
    lines: list[tuple[str, int]] = []

    def walk(name: str, child: Node, depth: int) -> None:
        lines.append((name, child.key_line))
        if depth > 3:  # input_tokens.histogram[i].tokens is as deep as a located value goes
            return
        if child.kind == "map":
            for sub, grandchild in child.value.items():
                walk(f"{name}.{sub}", grandchild, depth + 1)
        elif child.kind == "seq" and name.endswith(".histogram"):
            for i, item in enumerate(child.value):
                walk(f"{name}[{i}]", item, depth + 1)

    for name in _LOCATED:
        if name in f:
            walk(name, f[name], 0)
    return Origin(file, key, node.key_line, tuple(lines))



_ALTERNATIVES = (("requests_per_day", "requests_per_month"), ("reasoning", "reasoning_tokens"),
                 ("samples", "input_tokens"), ("conversation", "agent"),
                 # a plain profile under a default shape (a shaped one ignores the plain defaults: _shape)
                 ("conversation", "requests_per_day"), ("conversation", "requests_per_month"),
                 ("agent", "requests_per_day"), ("agent", "requests_per_month"))
