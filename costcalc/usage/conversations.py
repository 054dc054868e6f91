"""Conversation shapes derived from usage logs that carry a conversation or session id (a tag column,
`costcalc profile --conversation tag:session_id`), so a forecast starts from observed conversations.

Pure computation on a profile's records (numpy arrays); one pass of sorting, no Python loop per record.
The records of one id, in time order, are its turns (turn 1 first). Derived, per profile:

  conversations_per_day   distinct ids / observed days (as requests_per_day is derived: usage/profile.py);
                          a record without an id is a conversation of one turn
  turns                   a histogram of turns per conversation: each distinct count with its share while
                          there are at most MAX_BINS of them, else MAX_BINS quantile groups, each at its
                          conversations' mean count (whole turns)
  reply_tokens_per_turn   the mean output per record
  user_tokens_per_turn    the mean growth of the prompt from one turn to the next (turn k's prompt - turn
                          k-1's, over every k >= 2) less the mean reply: under full history a turn adds the
                          last reply and the new user message. A growth below the reply (a history that is
                          cut or not resent) gives 0, and the note says so
  system_tokens           the mean prompt of turn 1 less the user tokens (0 if below)
  cache                   reads: history when the cached tokens of turns >= 2 are at least half of the
                          previous turns' prompts; writes: the TTL that wrote more tokens, if any
The note gives the observed mean prompt and cache reads of the first turns (history growth and cache
reads per turn), and what does not fit the full-history model.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

MAX_BINS = 12
_TENTH = Decimal("0.1")


def conversation_shape(ids: np.ndarray, stamps: np.ndarray, prompt: np.ndarray, output: np.ndarray,
                       cached: np.ndarray, write_5m: np.ndarray, write_1h: np.ndarray, days: int,
                       shares) -> tuple[dict, list[str]]:
    """(the `conversation:` mapping, note lines) of one profile's records. `ids`: conversation codes, -1
    for a record without one; `shares(counts)`: exact shares summing to 1 (usage.profile.exact_shares)."""
    n = len(ids)
    # records without an id: each its own conversation (codes past the largest)
    ids = ids.copy()
    missing = ids < 0
    ids[missing] = ids.max(initial=-1) + 1 + np.arange(int(missing.sum()))
    order = np.lexsort((stamps, ids))
    ids, prompt, output, cached = ids[order], prompt[order], output[order], cached[order]
    first = np.ones(n, dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    starts = np.flatnonzero(first)
    lengths = np.diff(np.append(starts, n))
    turn = np.arange(n) - np.repeat(starts, lengths) + 1  # 1 for each conversation's first record
    conversations = len(starts)

    reply = Decimal(int(output.sum())) / n
    later = ~first
    growth = Decimal(0)
    if later.any():
        previous = np.roll(prompt, 1)
        growth = Decimal(int((prompt[later] - previous[later]).sum())) / int(later.sum())
    user = max(growth - reply, Decimal(0))
    first_prompt = Decimal(int(prompt[first].sum())) / conversations
    system = max(first_prompt - user, Decimal(0))
    notes = [f"Conversations: {conversations:,} ({int(missing.sum()):,} records without an id counted as "
             f"1-turn conversations); mean {Decimal(n) / conversations:.2f} turns."]
    if later.any() and growth < reply:
        notes.append(f"The prompt grows {growth:,.0f} tokens a turn, less than the mean reply ({reply:,.0f}): "
                     f"the history is cut or not resent; consider history: 'window N'.")
    shape: dict = {
        "conversations_per_day": _number(Decimal(conversations) / Decimal(days), Decimal("0.01")),
        "turns": _turns(lengths, shares),
        "system_tokens": _number(system, _TENTH),
        "user_tokens_per_turn": _number(user, _TENTH),
        "reply_tokens_per_turn": _number(reply, _TENTH),
        "history": "full",
    }
    cache: dict = {}
    if later.any():
        previous_prompts = int(np.roll(prompt, 1)[later].sum())
        if previous_prompts and int(cached[later].sum()) * 2 >= previous_prompts:
            cache["reads"] = "history"
    w5, w1 = int(write_5m.sum()), int(write_1h.sum())
    if w5 + w1:
        cache["writes"] = "5m" if w5 >= w1 else "1h"
    if cache:
        shape["cache"] = cache
    shown = []
    for k in range(1, min(int(turn.max()), 5) + 1):
        at = turn == k
        shown.append(f"turn {k}: prompt {prompt[at].mean():,.0f}, cache reads {cached[at].mean():,.0f}")
    notes.append("Observed per turn (mean tokens): " + "; ".join(shown) + ".")
    return shape, notes


def _turns(lengths: np.ndarray, shares) -> int | dict:
    values, counts = np.unique(lengths, return_counts=True)
    if len(values) == 1:
        return int(values[0])
    if len(values) > MAX_BINS:  # quantile groups of conversations, each at its mean count
        ordered = np.sort(lengths)
        groups = np.array_split(ordered, MAX_BINS)
        merged: dict[int, int] = {}
        for group in groups:
            if len(group):
                count = round(float(group.mean()))
                merged[count] = merged.get(count, 0) + len(group)
        values, counts = np.array(list(merged)), np.array(list(merged.values()))
    return {"histogram": [{"turns": int(v), "share": _plain(s)} for v, s in zip(values, shares(counts))]}


def _plain(value: Decimal):
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(f"{value:f}")


def _number(value: Decimal, step: Decimal):
    return _plain(value.quantize(step))
