"""Agent loops as requests: a task runs `steps` model calls; each resends the system prompt, the task and
the transcript so far (every earlier step's output and tool result), so step k's prompt is
system + task + (k - 1) x (output + tool result). The accounting (history, caching, context window) is the
conversation loop's (conversation.py), with the system prompt and the task pinned at the start.

Pure: no I/O. Built by workloads/read.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .conversation import (Caching, ContextPolicy, History, Loop, TurnsValue, _cache_text, _context_text, _counts,
                           _history_text, _num, _turns_text)
from .values import Range

_ZERO = Decimal(0)


@dataclass(frozen=True)
class Agent:
    """`agent:` of a profile (values may be ranges until a case is chosen)."""

    per_day: Decimal | Range
    steps: TurnsValue
    system_tokens: Decimal
    task_tokens: Decimal
    tool_result_tokens: Decimal  # appended after every step's output
    output_tokens: Decimal  # per step (a tool call, or the final answer)
    history: History = field(default_factory=History)
    cache: Caching = field(default_factory=Caching)
    context: ContextPolicy | None = None

    unit = "task"
    steps_key = "steps"

    @property
    def loop_output(self) -> Decimal:
        return self.output_tokens

    def loop(self) -> Loop:
        return Loop(steps=_counts(self.steps), pinned=self.system_tokens + self.task_tokens, new_tokens=_ZERO,
                    first_history=_ZERO, growth=self.output_tokens + self.tool_result_tokens,
                    output=self.output_tokens, history=self.history, cache=self.cache, context=self.context)

    def describe(self) -> str:
        return (f"{_num(self.per_day)} tasks/day x {_turns_text(self.steps)} steps (system "
                f"{_num(self.system_tokens)}, task {_num(self.task_tokens)}, output {_num(self.output_tokens)} "
                f"and tool results {_num(self.tool_result_tokens)} tokens per step; history "
                f"{_history_text(self.history)}{_cache_text(self.cache)}{_context_text(self.context)})")
