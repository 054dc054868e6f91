"""Conversations and agent loops as the requests they make: each turn (step) resends the history, so its
input grows turn by turn; this module derives, exactly, every turn's input, cache reads, cache writes and
output, and its weight (requests of that kind per conversation), so prompt-size rules (a 272K cliff) and
context windows apply per turn, never to a mean.

One loop serves both shapes (agent.py maps an agent onto it):

  prompt of step k = pinned + history kept at step k + new message
    conversation: pinned = system, new message = user turn, history grows by user + reply per turn
    agent:        pinned = system + task, no new message, history grows by output + tool result per step

History policies (what a step keeps of the earlier steps):
  full                   everything
  window N               the most recent N tokens of history
  summarize every K at S after every K steps a summarization call (input: the prompt so far, output S
                         tokens) replaces the history with its S-token summary
A context-window policy applies per model (its window arrives as an argument): `stop` ends the
conversation at the first step whose prompt would not fit (later steps are not made), `truncate` keeps the
most recent history that fits, `summarize` replaces the history with a summary call's output first.
Without one, a step above the window is the projection's over_limit matter (error, or exclude).

Caching (`cache: {reads: history, writes: 5m|1h}`): a step reads from cache the previous request's prompt
when it is still a prefix of this one (nothing dropped or replaced since), and writes the rest (the new
part) when writes are on; the first step writes its whole prompt. A window that slides, a truncation or a
summary changes the prefix: that step reads nothing and writes its whole prompt (conservative: a cache
breakpoint on the pinned part alone would still hit). Summarization calls read the previous prefix and
write nothing.

Weights: with turns T distributed as a histogram, step k is made in every conversation with T >= k, so its
weight is P(T >= k); the weights add up to the requests per conversation (E[T], plus summarization calls).
All arithmetic is Decimal addition and multiplication of given values: exact.

Pure: no I/O. The spec classes here are built by workloads/read.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from .values import Range

HISTORY_KINDS = ("full", "window", "summarize")
CONTEXT_POLICIES = ("stop", "truncate", "summarize")
# Steps per conversation or task are bounded: every step is its own kind of request (a prompt size of its
# own), and a loop of more steps than this is no workload a forecast can speak for.
MAX_STEPS = 2000
_ZERO = Decimal(0)
_ONE = Decimal(1)


@dataclass(frozen=True)
class Counts:
    """How many turns (steps) a conversation (task) has: (count, share of conversations); shares sum to 1.
    A plain number is one bin with share 1."""

    bins: tuple[tuple[int, Decimal], ...]

    @property
    def most(self) -> int:
        return max(n for n, s in self.bins if s) if any(s for _, s in self.bins) else 0

    def mean(self) -> Decimal:
        return sum((n * s for n, s in self.bins), _ZERO)

    def at_least(self, k: int) -> Decimal:
        """Share of conversations with at least k steps: the weight of step k."""
        return sum((s for n, s in self.bins if n >= k), _ZERO)


TurnsValue = Counts | Range  # a Range of whole numbers: each case is one fixed count


@dataclass(frozen=True)
class History:
    kind: str = "full"  # one of HISTORY_KINDS
    window_tokens: Decimal | None = None  # window N
    every: int | None = None  # summarize every K steps
    summary_tokens: Decimal | None = None  # at S tokens


@dataclass(frozen=True)
class Caching:
    reads: bool = False  # the previous request's prompt is read from cache while it is still a prefix
    writes: str | None = None  # cache write TTL (5m, 1h) of what is not read, or None


@dataclass(frozen=True)
class ContextPolicy:
    policy: str  # one of CONTEXT_POLICIES
    summary_tokens: Decimal | None = None  # for summarize


@dataclass(frozen=True)
class Loop:
    """The accounting both shapes share, at one case (no ranges)."""

    steps: Counts
    pinned: Decimal  # tokens every step starts with (system prompt, and an agent's task)
    new_tokens: Decimal  # tokens a step adds after its history (a user turn; 0 for an agent step)
    first_history: Decimal  # history of step 1 (0)
    growth: Decimal  # history added per step (the previous reply + the next user turn, or output + tool result)
    output: Decimal  # visible output tokens per step
    history: History = field(default_factory=History)
    cache: Caching = field(default_factory=Caching)
    context: ContextPolicy | None = None


@dataclass(frozen=True)
class Step:
    """One kind of request of a loop: its weight (requests of this kind per conversation or task) and the
    tokens of one such request by part. input + cache_read + cache_write = the prompt."""

    number: int  # the step (turn) it belongs to, 1 first
    weight: Decimal
    input: Decimal  # uncached input
    cache_read: Decimal
    cache_write: Decimal
    output: Decimal
    summary: bool = False  # a summarization call (no reasoning is added to it)

    @property
    def prompt(self) -> Decimal:
        return self.input + self.cache_read + self.cache_write

    def scaled(self, weight: Decimal) -> Step:
        return replace(self, weight=weight)


def derive(loop: Loop, context_window: int | None = None) -> tuple[Step, ...]:
    """Every step's request, weighted by how many conversations make it, in step order; summarization
    calls just before the step they precede. `context_window`: the model's, applied by the loop's context
    policy (ignored without one) to the prompt only, like the projection (the output is checked against
    the model's max output there)."""
    if loop.steps.most > MAX_STEPS:
        raise ValueError(f"more than {MAX_STEPS} steps")
    out: list[Step] = []
    accumulated = loop.first_history  # history since the last reset (summary), before any window
    summary_base = _ZERO  # a summary's tokens at the start of the history, after a reset
    previous_prompt: Decimal | None = None  # a prefix of the next prompt, while unchanged
    context = loop.context if context_window is not None else None
    limit = None if context is None else Decimal(context_window or 0)
    # the history policy's numbers (each set for its kind by the reader)
    every = loop.history.every or 1
    history_summary = loop.history.summary_tokens or _ZERO
    window = loop.history.window_tokens
    for k in range(1, loop.steps.most + 1):
        weight = loop.steps.at_least(k)
        if not weight:
            break
        broken = False
        if k > 1:
            accumulated += loop.growth
        history = summary_base + accumulated
        # history policy: summarize every K steps (a call before steps K+1, 2K+1, ...)
        if loop.history.kind == "summarize" and k > 1 and (k - 1) % every == 0:
            out.append(_summary_call(loop, k, weight, history, previous_prompt, history_summary))
            summary_base, accumulated, broken = history_summary, _ZERO, True
            history = summary_base
        elif window is not None and loop.history.kind == "window" and history > window:
            history, broken = window, True
        prompt = loop.pinned + history + loop.new_tokens
        if context is not None and limit is not None and prompt > limit:
            policy = context.policy
            if policy == "stop":
                break
            room = limit - loop.pinned - loop.new_tokens
            if room < 0:
                break  # not even the pinned part fits: no step can be made
            if policy == "truncate":
                history, broken = room, True
            else:  # summarize: the history so far (as much as fits) becomes a summary
                summary_tokens = context.summary_tokens or _ZERO
                out.append(_summary_call(loop, k, weight, min(history, room), previous_prompt, summary_tokens))
                summary_base, accumulated, broken = summary_tokens, _ZERO, True
                history = min(summary_tokens, room)
            prompt = loop.pinned + history + loop.new_tokens
        read = _ZERO
        if loop.cache.reads and previous_prompt is not None and not broken:
            read = previous_prompt
        write = prompt - read if loop.cache.writes else _ZERO
        out.append(Step(k, weight, prompt - read - write, read, write, loop.output))
        previous_prompt = prompt
    return _merged(out)


def _summary_call(loop: Loop, k: int, weight: Decimal, history: Decimal, previous_prompt: Decimal | None,
                  summary_tokens: Decimal) -> Step:
    """A summarization request before step k: the pinned part and the history in, the summary out. It reads
    the previous step's prompt from cache (the same prefix) and writes nothing."""
    prompt = loop.pinned + history
    read = previous_prompt if loop.cache.reads and previous_prompt is not None and previous_prompt <= prompt \
        else _ZERO
    return Step(k, weight, prompt - read, read, _ZERO, summary_tokens, summary=True)


def _merged(steps: list[Step]) -> tuple[Step, ...]:
    """Steps with the same tokens (a window's steady state) as one kind of request, weights added: fewer
    prompt sizes for the projection, the same volume and tokens."""
    merged: dict[tuple, Step] = {}
    for step in steps:
        key = (step.input, step.cache_read, step.cache_write, step.output, step.summary)
        found = merged.get(key)
        merged[key] = step if found is None else found.scaled(found.weight + step.weight)
    return tuple(merged.values())


def requests_per_unit(steps: tuple[Step, ...]) -> Decimal:
    """Requests one conversation (task) makes: the weights added."""
    return sum((s.weight for s in steps), _ZERO)


@dataclass(frozen=True)
class Conversation:
    """`conversation:` of a profile (values may be ranges until a case is chosen)."""

    per_day: Decimal | Range
    turns: TurnsValue
    system_tokens: Decimal
    user_tokens: Decimal
    reply_tokens: Decimal
    history: History = field(default_factory=History)
    cache: Caching = field(default_factory=Caching)
    context: ContextPolicy | None = None

    unit = "conversation"
    steps_key = "turns"

    @property
    def loop_output(self) -> Decimal:
        return self.reply_tokens

    def loop(self) -> Loop:
        return Loop(steps=_counts(self.turns), pinned=self.system_tokens, new_tokens=self.user_tokens,
                    first_history=_ZERO, growth=self.user_tokens + self.reply_tokens, output=self.reply_tokens,
                    history=self.history, cache=self.cache, context=self.context)

    def describe(self) -> str:
        return (f"{_num(self.per_day)} conversations/day x {_turns_text(self.turns)} turns (system "
                f"{_num(self.system_tokens)}, user {_num(self.user_tokens)}, reply {_num(self.reply_tokens)} "
                f"tokens per turn; history {_history_text(self.history)}{_cache_text(self.cache)}"
                f"{_context_text(self.context)})")


def _counts(value: TurnsValue) -> Counts:
    if isinstance(value, Range):
        raise ValueError("a range of steps is resolved to one case before it is derived")
    return value


def at_case(value: TurnsValue, case: str) -> Counts:
    """The count a case takes: a range's end as one fixed count, anything else as is."""
    if isinstance(value, Range):
        return Counts(((int(value.at(case)), _ONE),))
    return value


def shape_at(shape, case: str):
    """A Conversation or Agent with its turns (steps) at `case`: one fixed count."""
    key = shape.steps_key
    return replace(shape, **{key: at_case(getattr(shape, key), case)})


def _num(value: Decimal | Range) -> str:
    if isinstance(value, Range):
        return f"{_num(value.low)}..{_num(value.high)} (expected {_num(value.expected)})"
    return f"{value.normalize():,f}" if value == value.to_integral_value() else f"{value.normalize():f}"


def _turns_text(value: TurnsValue) -> str:
    if isinstance(value, Range):
        return _num(value)
    if len(value.bins) == 1:
        return str(value.bins[0][0])
    return "(" + ", ".join(f"{n}: {_num(s * 100)}%" for n, s in value.bins) + f"; mean {_num(value.mean())})"


def _history_text(history: History) -> str:
    if history.kind == "window" and history.window_tokens is not None:
        return f"window {_num(history.window_tokens)} tokens"
    if history.kind == "summarize" and history.summary_tokens is not None:
        return f"summarized every {history.every} turns at {_num(history.summary_tokens)} tokens"
    return "full"


def _cache_text(cache: Caching) -> str:
    parts = (["reads the history"] if cache.reads else []) + ([f"writes {cache.writes}"] if cache.writes else [])
    return f"; cache {' and '.join(parts)}" if parts else ""


def _context_text(context: ContextPolicy | None) -> str:
    if context is None:
        return ""
    extra = f" at {_num(context.summary_tokens)} tokens" if context.summary_tokens is not None else ""
    return f"; at the context window: {context.policy}{extra}"
