"""Workload profiles: the schema, and loading from YAML, CSV or a pandas DataFrame.

Every source becomes the same Node tree (CSV and DataFrame cells are read with YAML's number rules, so
0.6 is the exact Decimal 0.6), and one strict reader turns it into frozen `Profile`s. Dotted CSV/DataFrame
column names build nested keys: `cache_write.share`, `tiers.batch`, `tags.team`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Iterable, Union
from weakref import WeakKeyDictionary

from ._files import MAX_HAND_WRITTEN_BYTES, MIB, TooLargeError, read_regular
from ._json import repeated_key, unique_quick
from ._schema import Invalid, Reader, suggest
from ._yamlnodes import Node, parse, read_input
from .errors import _NO_VALUE, InputError, Problem
from .prices.model import TIER_ALIASES, TIERS, TOOLS, WEEKDAYS
from .tokens.tokenizers import TOKENIZERS

SCHEMA_VERSION = 1
CASES = ("expected", "low", "high")
CACHE_TTLS = ("5m", "1h")
REASONING_MODES = ("none", "high", "max")
# What an estimate does with requests a model cannot take (a prompt above its context window, output
# above its max output): stop with an error naming profile, model and limit, or leave those requests
# out of the volume and say so in the assumptions.
OVER_LIMIT = ("error", "exclude")
# What a profile's token counts were counted with unless it says (`tokens_counted_with:`): OpenAI's o200k,
# the tokenizer most counting tools use.
DEFAULT_TOKENS_COUNTED_WITH = "o200k_base"
# `reasoning: high|max` -> reasoning tokens per request as a multiple of the visible output tokens, per
# provider family. Only DeepSeek's Think Max has a published figure (launch coverage: ~190M output tokens
# for a benchmark run against a 47M median, about 4x); the rest are planning assumptions, recorded in
# every result's assumptions. Give `reasoning_tokens` to use your own measurement instead.
REASONING_PER_OUTPUT_TOKEN = {
    "deepseek": {"none": Decimal(0), "high": Decimal(2), "max": Decimal(4)},
    "openai": {"none": Decimal(0), "high": Decimal(2), "max": Decimal(4)},
    "anthropic": {"none": Decimal(0), "high": Decimal(2), "max": Decimal(4)},
    "google": {"none": Decimal(0), "high": Decimal(2), "max": Decimal(4)},
}
DEFAULT_REASONING_PER_OUTPUT_TOKEN = REASONING_PER_OUTPUT_TOKEN["deepseek"]

PROFILE_KEYS = ("requests_per_day", "requests_per_month", "input_tokens", "output_tokens", "samples",
                "reasoning_tokens", "reasoning", "cache_hit_rate", "cache_write", "tiers", "residency",
                "traffic", "growth_per_month", "start", "end", "models", "tags", "note", "over_limit",
                "tool_calls_per_request", "use", "tokens_counted_with")
TOP_KEYS = ("schema_version", "defaults", "profiles", "plans", "budgets")
TOOL_PATTERN = r"[a-z][a-z0-9_]*"  # as a price table's `fees[].tool`
_ONE = Decimal(1)


@dataclass(frozen=True)
class Range:
    """An uncertain value: `case=low` takes `low`, `case=high` takes `high`."""

    low: Decimal
    expected: Decimal
    high: Decimal

    def at(self, case: str) -> Decimal:
        return getattr(self, case)


Value = Union[Decimal, Range]


@dataclass(frozen=True)
class Histogram:
    """Prompt sizes with their share of requests; shares sum to 1."""

    bins: tuple[tuple[Decimal, Decimal], ...]  # (tokens per request, share)

    def mean(self) -> Decimal:
        return sum((t * s for t, s in self.bins), Decimal(0))


@dataclass(frozen=True)
class Traffic:
    """When requests arrive, in the profile's own time zone: weights per hour of day and per weekday.
    Only ratios matter; uniform means every minute of the week is alike."""

    timezone: str = "UTC"
    hours: tuple[Decimal, ...] = (_ONE,) * 24
    weekdays: tuple[Decimal, ...] = (_ONE,) * 7  # Monday first

    @property
    def uniform(self) -> bool:
        return len(set(self.hours)) == 1 and len(set(self.weekdays)) == 1

    def describe(self) -> str:
        return "uniform" if self.uniform else f"shaped ({self.timezone})"


@dataclass(frozen=True)
class Samples:
    """Representative texts, read from files: each prompt (text or chat messages) is one request's input,
    each reply one request's output. Counted per model with that model's own tokenizer."""

    prompts: tuple[str, ...] = ()
    chats: tuple[tuple[dict, ...], ...] = ()  # message lists: all but a final assistant reply are input
    replies: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class SampledTokens:
    """Tokens per request one model's tokenizer derived from a profile's samples."""

    tokenizer: str
    exact: bool
    input: Histogram
    output: Decimal | None  # None: the profile's output_tokens apply
    input_low: Decimal
    input_high: Decimal


@dataclass(frozen=True)
class Origin:
    """Where a profile was read: its file, its dotted key and the line of each value a later check may
    point at. The projection refuses a request above a model's limits after loading; with this it names
    the file, line and key like a loading error does, and stays pure (nothing is read again)."""

    file: str
    key: str  # profiles.NAME
    line: int | None  # of the profile itself
    lines: tuple[tuple[str, int], ...] = ()  # (key below the profile, line): input_tokens.histogram[1].tokens

    def where(self, *keys: str) -> tuple[str, int | None]:
        """(full dotted key, line) of the first of `keys` recorded, else the profile's own."""
        found = dict(self.lines)
        for key in keys:
            if key in found:
                return f"{self.key}.{key}", found[key]
        return self.key, self.line


# The values a limit check points at (the prompt and the output of one request), with their parts, and
# the growth the projection holds to a million-fold.
_LOCATED = ("input_tokens", "output_tokens", "reasoning_tokens", "reasoning", "samples", "growth_per_month")


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


@dataclass(frozen=True)
class Profile:
    name: str
    models: tuple[str, ...]
    input_tokens: Value | Histogram
    output_tokens: Value
    requests_per_day: Value | None = None
    requests_per_month: Value | None = None
    reasoning_tokens: Value | None = None
    reasoning: str | None = None
    cache_hit_rate: Value = Decimal(0)
    cache_write_share: Value = Decimal(0)
    cache_write_ttl: str = "5m"
    tiers: tuple[tuple[str, Decimal], ...] = (("standard", _ONE),)
    residency: bool = False
    traffic: Traffic = field(default_factory=Traffic)
    growth_per_month: Value = Decimal(0)
    start: date | None = None
    end: date | None = None  # inclusive
    tags: tuple[tuple[str, str], ...] = ()
    note: str | None = None
    samples: Samples | None = None
    sampled: tuple[tuple[str, SampledTokens], ...] = ()  # per model id, filled in by count_samples()
    over_limit: str = "error"  # one of OVER_LIMIT
    # Calls of server-side tools per request, on average (`tool_calls_per_request: {web_search: 0.3}`):
    # priced at each model's per-call fee, one `tool:NAME` line per tool.
    tool_calls: tuple[tuple[str, Value], ...] = ()
    # The tokenizer the profile's token counts were counted with: each model gets them translated to
    # its own tokenizer family (costcalc.token_units). Samples are counted per model and stay exact.
    tokens_counted_with: str = DEFAULT_TOKENS_COUNTED_WITH
    # where it was read (None for a Profile made in code): errors found later name its file and line
    origin: Origin | None = field(default=None, compare=False, repr=False)
    use: str | None = None  # the model the `current` plan puts this profile on (None: the first listed)

    @property
    def current_model(self) -> str:
        return self.use if self.use is not None else self.models[0]

    @property
    def has_ranges(self) -> bool:
        return any(isinstance(getattr(self, f), Range) for f in _RANGED) or \
            any(isinstance(v, Range) for _, v in self.tool_calls)

    def at_case(self, case: str) -> "Profile":
        """This profile with every Range replaced by its value for `case` (low, expected, high)."""
        changes = {f: getattr(self, f).at(case) for f in _RANGED if isinstance(getattr(self, f), Range)}
        if any(isinstance(v, Range) for _, v in self.tool_calls):
            changes["tool_calls"] = tuple((t, v.at(case) if isinstance(v, Range) else v) for t, v in self.tool_calls)
        return replace(self, **changes) if changes else self


_ALTERNATIVES = (("requests_per_day", "requests_per_month"), ("reasoning", "reasoning_tokens"),
                 ("samples", "input_tokens"))
_RANGED = ("requests_per_day", "requests_per_month", "input_tokens", "output_tokens", "reasoning_tokens",
           "cache_hit_rate", "cache_write_share", "growth_per_month")


@dataclass(frozen=True)
class Workloads:
    profiles: tuple[Profile, ...]
    source: str  # file path, "<DataFrame>", ...
    plans: tuple = ()  # UserPlan (costcalc.workload_plans): the file's own plans
    budgets: tuple = ()  # BudgetRule: the file's budgets

    def __iter__(self):
        return iter(self.profiles)


# -- loading ----------------------------------------------------------------------------------------

def load_workloads(source, known_models: Iterable[str] | None = None,
                   overrides: Iterable[tuple[str, str, str]] = (),
                   known_tools: Iterable[str] | None = TOOLS) -> Workloads:
    """Profiles from a YAML or CSV path, YAML text, or a DataFrame (one row per profile, a `name` column).

    `known_models`: ids and aliases to accept in `models:`. `overrides`: (profile or *, dotted key,
    value text) applied before validation, as `costcalc estimate --set` does. `known_tools`: tool names
    to accept in `tool_calls_per_request` (default: the tools usage logs record; the API adds every
    tool the price table has a fee for; None accepts any lower-case name).
    """
    root, file = _to_tree(source)
    for profile, key, value in overrides:
        _apply_override(root, file, profile, key, value)
    return _read_workloads(root, file, known_models, known_tools)


def _base_dir(file: str) -> Path:
    return Path(file).resolve().parent if not file.startswith("<") else Path.cwd()


def _to_tree(source) -> tuple[Node, str]:
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return _frame_tree(source), "<DataFrame>"
    if isinstance(source, str) and "\n" in source:
        return parse(source, "<text>"), "<text>"
    path = Path(source)
    text, _ = read_input(path)
    if path.suffix.lower() == ".csv":
        return _csv_tree(text, str(path)), str(path)
    return parse(text, str(path)), str(path)


def _cell(text: str, file: str, line: int) -> Node:
    """A CSV cell read as a YAML value (numbers exact, `[a, b]` lists); `a;b` also makes a list."""
    text = text.strip()
    if text == "":
        return Node(None, line, "scalar")
    try:
        node = parse(text, file)
    except InputError:
        return Node(text, line, "scalar", quoted=True)
    if node.kind == "scalar" and isinstance(node.value, str) and ";" in node.value:
        node = Node([Node(_cell(p, file, line).value, line, "scalar")
                     for p in node.value.split(";") if p.strip()], line, "seq")
    _set_line(node, line)
    return node


def _set_line(node: Node, line: int) -> None:
    # Iterative and once per node: YAML aliases make a cell a graph that shares nodes, and walking it
    # as a tree takes exponential time (a 9-level alias chain in one cell is 9^9 visits).
    seen: set[int] = set()
    pending = [node]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        current.line = line
        if current.kind == "map":
            pending.extend(current.value.values())
        elif current.kind == "seq":
            pending.extend(current.value)


def _rows_tree(rows: list[tuple[int, dict[str, Node]]], file: str) -> Node:
    profiles: dict[str, Node] = {}
    reader = Reader(file)
    for line, cells in rows:
        name_node = cells.pop("name", None) or cells.pop("profile", None)
        if name_node is None or name_node.value in (None, ""):
            raise InputError([Problem(file, line, "name", _NO_VALUE,
                                      "every row needs a profile name (a `name` column)")])
        name = str(name_node.value)
        if name in profiles:
            raise InputError([Problem(file, line, "name", name,
                                      f"duplicate profile (first at line {profiles[name].line})")])
        tree: dict[str, Node] = {}
        for column, node in cells.items():
            if node.value is None and node.kind == "scalar":
                continue  # an empty cell means "not given"
            parts = column.split(".")
            target = tree
            for part in parts[:-1]:
                child = target.setdefault(part, Node({}, line, "map"))
                if child.kind != "map":
                    reader.fail(node, column, "conflicts with another column of the same name")
                    raise InputError(reader.problems)
                target = child.value
            if parts[-1] in target:  # `tiers` and `tiers.batch`: which one wins would be arbitrary
                reader.fail(node, column, "conflicts with another column of the same name")
                raise InputError(reader.problems)
            target[parts[-1]] = node
        profiles[name] = Node(tree, line, "map")
    return Node({"schema_version": Node(SCHEMA_VERSION, 1, "scalar"),
                 "profiles": Node(profiles, 1, "map")}, 1, "map")


def _csv_tree(text: str, file: str) -> Node:
    reader = csv.reader(io.StringIO(text))
    try:
        return _csv_rows(reader, file)
    except csv.Error as exc:  # a lone carriage return or NUL in an unquoted cell, a runaway quote...
        raise InputError([Problem(file, reader.line_num or 1, "", _NO_VALUE, f"not valid CSV: {exc}")]) from None


def _csv_rows(reader, file: str) -> Node:
    try:
        header = next(reader)
    except StopIteration:
        raise InputError([Problem(file, 1, "", _NO_VALUE, "the file is empty")]) from None
    header = [h.strip() for h in header]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:  # which of two equal columns wins would be silent and arbitrary
        raise InputError([Problem(file, 1, repeated[0], _NO_VALUE, "this column appears more than once in the "
                                                                   "header; give each column once")])
    rows = []
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InputError([Problem(file, line, "", _NO_VALUE,
                                      f"has {len(row)} cells; the header has {len(header)}")])
        rows.append((line, {h: _cell(c, file, line) for h, c in zip(header, row)}))
    return _rows_tree(rows, file)


def _missing(value) -> bool:
    """None, NaN, NaT and pd.NA: an empty cell in any column dtype."""
    import pandas as pd

    if isinstance(value, (list, tuple, dict)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _frame_tree(frame) -> Node:
    rows = []
    for position, (_, record) in enumerate(frame.iterrows(), start=1):
        cells = {}
        for column, value in record.items():
            if _missing(value):
                cells[str(column)] = Node(None, position, "scalar")
            elif isinstance(value, (list, tuple)):
                cells[str(column)] = Node([Node(str(v), position, "scalar") for v in value], position, "seq")
            elif isinstance(value, float):
                # repr gives the shortest text that round-trips: 0.6 -> "0.6", exact from then on.
                cells[str(column)] = Node(Decimal(repr(value)), position, "scalar")
            elif isinstance(value, bool) or hasattr(value, "item") and isinstance(value.item(), bool):
                cells[str(column)] = Node(bool(value), position, "scalar")
            elif hasattr(value, "item") and isinstance(value.item(), int):
                cells[str(column)] = Node(int(value), position, "scalar")
            elif isinstance(value, int):
                cells[str(column)] = Node(value, position, "scalar")
            elif isinstance(value, Decimal):
                cells[str(column)] = Node(value, position, "scalar")
            elif hasattr(value, "isoformat"):
                cells[str(column)] = Node(value.isoformat()[:10], position, "scalar")
            else:
                cells[str(column)] = _cell(str(value), "<DataFrame>", position)
        rows.append((position, cells))
    return _rows_tree(rows, "<DataFrame>")


def _apply_override(root: Node, file: str, profile: str, key: str, value: str) -> None:
    """`--set support-bot.cache_hit_rate=0.8` (or `*.growth_per_month=0.1` for every profile)."""
    problems = [Problem("--set", None, f"{profile}.{key}", value, "")]
    profiles = root.value.get("profiles") if root.kind == "map" else None
    if profiles is None or profiles.kind != "map":
        return
    names = list(profiles.value) if profile == "*" else [profile]
    if profile != "*" and profile not in profiles.value:
        import difflib

        near = difflib.get_close_matches(profile, list(profiles.value), n=1)
        tip = f" (did you mean {near[0]!r}?)" if near else ""
        raise InputError([replace(problems[0], message=f"no profile named {profile!r}{tip}; profiles: "
                                  + ", ".join(profiles.value))])
    parsed = _cell(value, "--set", 0)
    for name in names:
        target = profiles.value[name]
        parts = key.split(".")
        for part in parts[:-1]:
            if target.kind != "map":
                raise InputError([replace(problems[0], message="cannot set a key inside a non-mapping")])
            target = target.value.setdefault(part, Node({}, 0, "map"))
        if target.kind != "map":
            raise InputError([replace(problems[0], message="cannot set a key inside a non-mapping")])
        # line 0 marks a value that came from --set: errors about it say so instead of a file line
        node = Node(parsed.value, 0, parsed.kind, parsed.quoted)
        _set_line(node, 0)
        target.value[parts[-1]] = node


# -- validation -------------------------------------------------------------------------------------

def _read_workloads(root: Node, file: str, known_models: Iterable[str] | None,
                    known_tools: Iterable[str] | None = TOOLS) -> Workloads:
    r = Reader(file)
    known = sorted(set(known_models)) if known_models is not None else None
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
                    profiles.append(_profile(r, name, node, defaults, known, tools))
    r.raise_if_problems()
    plans, budgets = _plans_and_budgets(r, top, profiles)
    r.raise_if_problems()
    return Workloads(tuple(profiles), file, plans, budgets)


def _plans_and_budgets(r: Reader, top: dict[str, Node], profiles: list[Profile]) -> tuple[tuple, tuple]:
    """The file's `plans:` and `budgets:` (costcalc.workload_plans), checked against its profiles."""
    from .workload_plans import plan_names, read_budgets, read_plans

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
             known: list[str] | None, tools: list[str] | None = None) -> Profile:
    key = f"profiles.{name}"
    own = r.mapping(node, key, PROFILE_KEYS)
    # A profile that gives one of a pair of alternatives replaces an inherited default of the other.
    f = {k: v for k, v in defaults.items()
         if not any(k in pair and (set(pair) - {k}) & set(own) for pair in _ALTERNATIVES)}
    f.update(own)
    count = "a count >= 0, or {low, expected, high}"
    if ("requests_per_day" in f) == ("requests_per_month" in f):
        raise r.fail(node, key, "give exactly one of requests_per_day or requests_per_month", _NO_VALUE)
    samples = _samples(r, f["samples"], f"{key}.samples") if "samples" in f else None
    required = ["models"]
    if samples is None:
        required += ["input_tokens", "output_tokens"]
    elif not (samples.replies or any(_has_reply(c) for c in samples.chats)):
        required.append("output_tokens")
    for name_required in required:
        if name_required not in f:
            raise r.fail(node, f"{key}.{name_required}", "is required" + (
                " (or samples: with prompts and replies)" if samples is None and name_required != "models"
                else " (the samples give no replies)" if samples is not None else ""), _NO_VALUE)
    if samples is not None and "input_tokens" in f:
        raise r.fail(f["input_tokens"], f"{key}.input_tokens", "give samples or input_tokens, not both")
    changes: dict[str, object] = {}
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
    changes["models"] = _models(r, f["models"], f"{key}.models", known)
    if "use" in f:
        from .workload_plans import read_use

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
    changes["origin"] = _origin(r.file, key, node, f)
    return Profile(name=name, **changes)


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


def _has_reply(chat: tuple[dict, ...]) -> bool:
    return bool(chat) and chat[-1].get("role") == "assistant"


# Sample texts (`samples:`): each prompt or reply file is one request's text, and the largest context window
# in the table (1.05M tokens) is a few MiB of text; a messages file holds many chats, like a hand-written
# file. All sample files of one workloads file together are capped too (a glob can match a whole disk),
# and each file is read once however many profiles name it.
SAMPLE_FILE_BYTES = 16 * MIB
SAMPLES_BYTES = 64 * MIB
SAMPLE_FILES = 10_000


@dataclass
class _SampleTexts:
    texts: dict[Path, str] = field(default_factory=dict)
    bytes: int = 0


_SAMPLE_TEXTS: WeakKeyDictionary[Reader, _SampleTexts] = WeakKeyDictionary()


def _samples(r: Reader, node: Node, key: str) -> Samples:
    """samples: {prompts: [paths or globs], replies: [...], messages: chats.jsonl} (paths relative to the
    workloads file). A JSONL line is {"messages": [{"role", "content"}, ...]}; a final assistant message
    is the reply."""
    import glob as globbing
    import json

    f = r.mapping(node, key, ("prompts", "replies", "messages"))
    if not f:
        raise r.fail(node, key, "give prompts, replies and/or messages", node.plain())
    base = _base_dir(r.file)

    def files(name: str) -> list[Path]:
        items = [f[name]] if f[name].kind == "scalar" else r.sequence(f[name], f"{key}.{name}", "a list of "
                                                                                               "paths or globs")
        found: list[Path] = []
        for i, item in enumerate(items):
            pattern = r.string(item, f"{key}.{name}[{i}]" if f[name].kind == "seq" else f"{key}.{name}",
                               what="a path or glob")
            full = pattern if Path(pattern).is_absolute() else str(base / pattern)
            matched = sorted(globbing.glob(full, recursive=True))
            matched = [Path(m) for m in matched if Path(m).is_file()]
            if not matched:
                raise r.fail(item, f"{key}.{name}", "matches no file")
            found.extend(matched)
        return found

    def text(path: Path, item: Node, cap: int = SAMPLE_FILE_BYTES) -> str:
        store = _SAMPLE_TEXTS.setdefault(r, _SampleTexts())
        resolved = path.resolve()
        if resolved in store.texts:  # a file named by several profiles is read (and counted) once
            return store.texts[resolved]
        if len(store.texts) >= SAMPLE_FILES:
            raise r.fail(item, key, f"more than {SAMPLE_FILES:,} sample files in one workloads file; samples are "
                         "a few representative requests (give a smaller glob)", str(path))
        try:
            what = "sample file (one request's prompt or reply)" if cap == SAMPLE_FILE_BYTES else "messages file"
            data = read_regular(path, cap, what)
            if store.bytes + len(data) > SAMPLES_BYTES:
                raise TooLargeError(0, f"samples of one workloads file may hold {SAMPLES_BYTES // MIB} MiB in all, "
                                       "and this one goes past that; samples are a few representative requests")
            found = data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise r.fail(item, f"{key}", f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}",
                         str(path)) from None
        store.texts[resolved] = found
        store.bytes += len(data)
        return found

    prompts = tuple(text(p, f["prompts"]) for p in files("prompts")) if "prompts" in f else ()
    replies = tuple(text(p, f["replies"]) for p in files("replies")) if "replies" in f else ()
    chats = []
    if "messages" in f:
        for path in files("messages"):
            for number, line in enumerate(text(path, f["messages"], MAX_HAND_WRITTEN_BYTES).splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    repeated = None if unique_quick(line.encode("utf-8"), record) else repeated_key(line)
                    if repeated is not None:
                        r.problems.append(Problem(str(path), number, repeated[0], _NO_VALUE,
                                                  repeated[1]))
                        raise Invalid()
                    messages = record["messages"] if isinstance(record, dict) else record
                    if not isinstance(messages, list) or not all(
                            isinstance(m, dict) and isinstance(m.get("content"), (str, list)) for m in messages):
                        raise ValueError("messages must be a list of {role, content}")
                except (ValueError, KeyError, TypeError) as exc:
                    r.problems.append(Problem(str(path), number, "messages", line[:40],
                                              f"not a chat sample: {exc}; expected "
                                              '{"messages": [{"role": ..., "content": ...}]}'))
                    raise Invalid() from None
                chats.append(tuple(messages))
    if not prompts and not chats:
        raise r.fail(node, key, "give prompts or messages: the input side of each request", node.plain())
    return Samples(prompts, tuple(chats), replies, str(base))


def _exact_shares(bins: list[tuple[int, int]], n: Decimal) -> tuple[tuple[Decimal, Decimal], ...]:
    """(tokens, count) -> (tokens, share) with shares that sum to exactly 1: 50-digit divisions, and the
    last share is what the others leave (1/3 + 1/3 + 1/3 would otherwise fall short)."""
    with localcontext() as ctx:
        ctx.prec = 50
        shares = [Decimal(k) / n for _, k in bins[:-1]]
        shares.append(1 - sum(shares, Decimal(0)))
    return tuple((Decimal(t), s) for (t, _), s in zip(bins, shares))


def count_samples(profile: Profile, table, models: Iterable[str]) -> Profile:
    """The profile with per-model tokens per request counted from its samples (each model with its own
    tokenizer). I/O: loads tokenizer vocabularies on first use."""
    if profile.samples is None:
        return profile
    from .prices import lookup
    from .tokens import count_chat, tokenizer_for
    from .tokens.count import base_count

    samples = profile.samples
    sampled = []
    encoded: dict[tuple[str, str], int] = {}  # GPT and the Claude estimates share o200k: count once

    def counted(text: str, tokenizer) -> int:
        key = (tokenizer.encoding, text)
        if key not in encoded:
            encoded[key] = base_count(text, tokenizer)
        return encoded[key]

    for name in models:
        model_id = lookup(table, name).id
        tokenizer = tokenizer_for(table, model_id)
        counts = [tokenizer.scale(counted(t, tokenizer)) for t in samples.prompts]
        for chat in samples.chats:
            prompt = chat[:-1] if _has_reply(chat) else chat
            c = count_chat(table, prompt, model_id)
            counts.append((c.tokens, c.low, c.high))
        outputs = [tokenizer.scale(counted(t, tokenizer))[0] for t in samples.replies]
        for chat in samples.chats:
            if _has_reply(chat):
                content = chat[-1]["content"]
                if isinstance(content, list):
                    content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
                outputs.append(tokenizer.scale(counted(content, tokenizer))[0])
        n = Decimal(len(counts))
        bins: dict[int, int] = {}
        for tokens, _, _ in counts:
            bins[tokens] = bins.get(tokens, 0) + 1
        histogram = Histogram(_exact_shares(sorted(bins.items()), n))
        output = (Decimal(sum(outputs)) / len(outputs)) if outputs else None
        sampled.append((model_id, SampledTokens(
            tokenizer.name, tokenizer.exact, histogram, output,
            Decimal(sum(c[1] for c in counts)) / n, Decimal(sum(c[2] for c in counts)) / n)))
    return replace(profile, sampled=tuple(sampled))


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


def _models(r: Reader, node: Node, key: str, known: list[str] | None) -> tuple[str, ...]:
    items = [node] if node.kind == "scalar" else r.sequence(node, key, "a list of model ids")
    out = []
    for i, item in enumerate(items):
        sub = f"{key}[{i}]" if node.kind == "seq" else key
        name = r.known_name(item, sub, known, "model", _MODEL_ID, _MODEL_LIST) if known is not None \
            else r.string(item, sub, what=_MODEL_ID)
        if name in out:
            raise r.fail(item, sub, "listed twice")
        out.append(name)
    if not out:
        raise r.fail(node, key, "must list at least one model", [])
    return tuple(out)


__all__ = ["CASES", "OVER_LIMIT", "Histogram", "Profile", "Range", "Traffic", "Workloads", "load_workloads",
           "REASONING_PER_OUTPUT_TOKEN", "Invalid"]


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
    if profile.requests_per_day is not None:
        parts.append(f"{_num(profile.requests_per_day)} requests/day")
    else:
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
    replies = samples is not None and (samples.replies or any(_has_reply(c) for c in samples.chats))
    out = "output from sample replies" if replies else f"{_num(profile.output_tokens)} output"
    if profile.reasoning_tokens is not None:
        out += f" + {_num(profile.reasoning_tokens)} reasoning"
    parts.append(out + ("" if replies else " tokens/request") +
                 (f" (reasoning: {profile.reasoning})" if profile.reasoning else ""))
    if isinstance(profile.cache_hit_rate, Range) or profile.cache_hit_rate:
        parts.append(f"cache hit {_pct(profile.cache_hit_rate)}")
    if isinstance(profile.cache_write_share, Range) or profile.cache_write_share:
        parts.append(f"cache write {_pct(profile.cache_write_share)} ({profile.cache_write_ttl})")
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
    out = {"summary": "; ".join(parts), "tags": ", ".join(f"{k}={v}" for k, v in profile.tags)}
    if profile.sampled:
        out["tokens_per_request"] = {model: {
            "input": _rounded(t.input.mean()), "output": None if t.output is None else _rounded(t.output),
            "tokenizer": t.tokenizer, "exact": t.exact, "input_low": _rounded(t.input_low),
            "input_high": _rounded(t.input_high)} for model, t in profile.sampled}
    return out


def _rounded(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1')):f}"
