"""Offline token counting with each model's own tokenizer (tiktoken as the engine).

Names are imported on first use (PEP 562, as in costcalc/__init__.py): the price loader reads only
tokenizer names, and should not pay for importing tiktoken. The function `count` is not exported
here: it shares its name with the submodule, which Python binds on the package once imported; use
`from costcalc.tokens.count import count`.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "TokenCount": "count", "count_chat": "count", "tokenizer_for": "count",
    "COLUMNS": "files", "FileProblem": "files", "TokenRow": "files", "count_files": "files",
    "count_texts": "files", "FRAMING": "tokenizers", "TOKENIZERS": "tokenizers", "Tokenizer": "tokenizers",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'costcalc.tokens' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__():
    return sorted(__all__)
