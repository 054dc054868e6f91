"""Offline token counting with each model's own tokenizer (tiktoken as the engine)."""

from .count import TokenCount, count, count_chat, tokenizer_for
from .files import COLUMNS, FileProblem, TokenRow, count_files, count_texts
from .tokenizers import FRAMING, TOKENIZERS, Tokenizer

__all__ = ["COLUMNS", "FRAMING", "FileProblem", "TOKENIZERS", "TokenCount", "TokenRow", "Tokenizer", "count",
           "count_chat", "count_files", "count_texts", "tokenizer_for"]
