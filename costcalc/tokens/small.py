"""Counting a few short texts without building tiktoken's tables: the same byte-pair merges, in Python.

Building a tiktoken Encoding costs about 0.15 s a vocabulary (its Rust CoreBPE copies 200,000 ranks into
its own maps), most of `costcalc tokens` on a prompt or a small file. Counting a few kilobytes needs only
a handful of look-ups, so texts are counted here, from the same hash-checked ranks, until the text counted
this way passes a budget (then building the Encoding is the cheaper way, and every later text uses it).

Exact, and only where that is certain: the text must be printable ASCII, tabs and line ends. There the
pre-tokenizer pattern's classes (\\p{L}, \\p{N}, \\s, ...) mean the same in the `regex` module as in the
Rust engine tiktoken uses (no Unicode-version differences can reach ASCII), and the merge loop is
tiktoken's own: a piece that is a token counts 1; otherwise its bytes merge, the adjacent pair of lowest
rank first (the leftmost on a tie), until no pair is a token. Any other text returns None and is counted
by tiktoken. tests/test_tokens_small.py compares both on generated and shipped texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Printable ASCII, tab, line feed, carriage return: where the pattern's classes cannot differ between engines.
_PLAIN = re.compile(r"[\t\n\r\x20-\x7e]*")
BUDGET_CHARS = 64 * 1024  # text counted here per encoding before building tiktoken's tables is cheaper
# Merging a piece here is quadratic in its length (tiktoken's loop, in Python): a text with a piece longer than
# this (a run of spaces, dashes or letters: 8,000 spaces took 10 s) goes to tiktoken, whose loop is in Rust.
# Words and numbers are far shorter: the pre-tokenizer cuts digits into threes and letters at case changes.
MAX_PIECE_BYTES = 32


class SmallCounter:
    """Counts texts with one encoding's pattern and ranks while its budget lasts."""

    def __init__(self, pattern: str, ranks: Callable[[], dict[bytes, int]]):
        # lazy: the regex module (about 20 ms to import) only when a text is counted, not when
        # costcalc's token modules are imported by commands that count nothing
        import regex

        # Version 1 for the set operations (&&, --) DeepSeek's pattern uses, as the Rust engine reads them.
        self._split = regex.compile(pattern, regex.V1 if ("&&" in pattern or "--" in pattern) else 0).findall
        self._ranks = ranks
        self.budget = BUDGET_CHARS

    def count(self, text: str) -> int | None:
        """Tokens of `text` (encode_ordinary's count), or None when this counter does not take it."""
        if len(text) > self.budget or not _PLAIN.fullmatch(text):
            return None
        pieces = self._split(text)
        if any(len(piece) > MAX_PIECE_BYTES for piece in pieces):
            return None
        self.budget -= len(text)
        ranks = self._ranks()
        total = 0
        for piece in pieces:
            data = piece.encode("ascii")
            total += 1 if data in ranks else merged_parts(data, ranks)
        return total


def merged_parts(data: bytes, ranks: dict[bytes, int]) -> int:
    """How many tokens byte-pair merging makes of `data` (tiktoken's _byte_pair_merge, counted)."""
    parts = [data[i:i + 1] for i in range(len(data))]
    while len(parts) > 1:
        best = None
        at = 0
        for i in range(len(parts) - 1):
            rank = ranks.get(parts[i] + parts[i + 1])
            if rank is not None and (best is None or rank < best):
                best, at = rank, i
        if best is None:
            break
        parts[at:at + 2] = [parts[at] + parts[at + 1]]
    return len(parts)
