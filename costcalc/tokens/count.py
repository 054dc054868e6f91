"""Count tokens of texts and chat messages with each model's own tokenizer. No file I/O here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..errors import CostcalcError
from ..prices import PriceTable, lookup
from .encodings import encoding, is_built, small_counter
from .tokenizers import FRAMING, TOKENIZERS, Tokenizer


@dataclass(frozen=True)
class TokenCount:
    """A count for one model. For estimates, `low` and `high` bound it; for exact counts all three agree."""

    model: str
    tokenizer: str
    tokens: int
    exact: bool
    low: int
    high: int

    def to_dict(self) -> dict:
        return {"model": self.model, "tokenizer": self.tokenizer, "tokens": self.tokens, "exact": self.exact,
                "low": self.low, "high": self.high}


def tokenizer_for(table: PriceTable, model: str) -> Tokenizer:
    found = lookup(table, model)
    if found.tokenizer is None:
        raise CostcalcError(f"{found.id} names no tokenizer in the price table, so costcalc cannot count its "
                            f"tokens: count with a model that has one (e.g. gpt-5.5, o200k_base) or give token "
                            f"counts instead (input_tokens/output_tokens in a workload, --input/--output-tokens in "
                            f"a quote)")
    if found.tokenizer not in TOKENIZERS:
        raise CostcalcError(f"{found.id}: unknown tokenizer {found.tokenizer!r}; known: "
                            f"{', '.join(TOKENIZERS)}")
    return TOKENIZERS[found.tokenizer]


# Texts up to this many characters are counted as a list of token ids (at most 8 bytes a slot plus small
# ints: a few MiB); longer ones as a NumPy array, 4 bytes a token. NumPy is imported only then, so
# `costcalc tokens` on prompts and small files starts without it (0.05-0.1 s).
_LIST_COUNT_CHARS = 256 * 1024


def base_count(text: str, tokenizer: Tokenizer) -> int:
    """Tokens of `text` with the tokenizer's own (or base) encoding; special-token text counts as text.
    encode_to_numpy gives the same tokens as encode_ordinary here (no special tokens allowed or refused)
    at the same speed, in 4 bytes a token instead of a Python int each: a 20 MB file stays small."""
    name = tokenizer.encoding
    if not is_built(name):  # a few short plain texts: counted without building tiktoken's tables (small.py)
        small = small_counter(name).count(text)
        if small is not None:
            return small
    found = encoding(name)
    if len(text) <= _LIST_COUNT_CHARS:
        return len(found.encode_ordinary(text))
    return int(found.encode_to_numpy(text, allowed_special=set(), disallowed_special=()).size)


def count(table: PriceTable, text: str, model: str) -> TokenCount:
    tokenizer = tokenizer_for(table, model)
    tokens, low, high = tokenizer.scale(base_count(text, tokenizer))
    return TokenCount(lookup(table, model).id, tokenizer.name, tokens, tokenizer.exact, low, high)


def count_chat(table: PriceTable, messages: Iterable[Mapping], model: str) -> TokenCount:
    """OpenAI-style messages [{"role", "content"}]: content tokens plus the provider's chat framing."""
    tokenizer = tokenizer_for(table, model)
    per_message, per_request = FRAMING[tokenizer.name]
    base = per_request
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping) or "content" not in message:
            raise CostcalcError(f"message {i} must be a mapping with role and content")
        content = message["content"]
        if isinstance(content, list):  # content parts: count the text ones
            content = "".join(part.get("text", "") for part in content if isinstance(part, Mapping))
        if not isinstance(content, str):
            raise CostcalcError(f"message {i}: content must be text or a list of text parts")
        base += per_message + base_count(content, tokenizer)
        if message.get("name"):
            base += 1 + base_count(str(message["name"]), tokenizer)
    tokens, low, high = tokenizer.scale(base)
    return TokenCount(lookup(table, model).id, tokenizer.name, tokens, tokenizer.exact, low, high)
