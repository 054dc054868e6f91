"""Offline tiktoken encodings built from vocabulary files shipped in the package, hash-checked at load.

Nothing is downloaded and nothing is written to a cache directory: the ranks are read from package data,
their decompressed sha256 is compared with the expected value, and `tiktoken.Encoding` is built directly.
Each encoding is built once, on first use (about 0.1-0.4 s); importing costcalc loads none.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from binascii import a2b_base64
from functools import cache
from importlib import resources

import tiktoken

from ..errors import CostcalcError

# As stated in tiktoken's own tiktoken_ext/openai_public.py (the vocabulary file comes from the
# bpe-openai 0.1.4 wheel, whose decompressed bytes match it).
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
O200K_PATTERN = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])
O200K_SPECIALS = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}

ENCODINGS = ("o200k_base", "deepseek_v4")


class TokenizerDataError(CostcalcError):
    """Shipped tokenizer data is missing or does not match its hash (a broken install)."""


def _data(name: str) -> bytes:
    path = resources.files("costcalc") / "data" / "tokenizers" / name
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TokenizerDataError(f"tokenizer data {name} is missing from the costcalc package ({exc}); "
                                 f"reinstall costcalc") from None


def _ranks(file: str, expected_sha256: str, first_rank: int | None = None) -> dict[bytes, int]:
    """token -> rank from a "base64-token rank" file, after checking its sha256.

    With `first_rank`, the ranks are taken to run on from it line by line, without parsing them: the
    hash has just pinned the content, and tests/test_tokens_exact.py proves both shipped files are
    numbered that way. That and one split with C-level maps (binascii, not base64, which validates on
    every call) keep o200k's 200,000 lines to about 0.1 s, most of `costcalc tokens`'s start-up."""
    raw = gzip.decompress(_data(file))
    digest = hashlib.sha256(raw).hexdigest()
    if digest != expected_sha256:
        raise TokenizerDataError(f"tokenizer data {file} has sha256 {digest}, expected {expected_sha256}; "
                                 f"the install is damaged: reinstall costcalc")
    parts = raw.split()
    if len(parts) % 2:
        raise TokenizerDataError(f"tokenizer data {file} is not 'token rank' lines; reinstall costcalc")
    tokens = map(a2b_base64, parts[0::2])
    if first_rank is None:
        return dict(zip(tokens, map(int, parts[1::2])))
    return dict(zip(tokens, range(first_rank, first_rank + len(parts) // 2)))


@cache
def encoding(name: str) -> tiktoken.Encoding:
    """The tiktoken Encoding `o200k_base` or `deepseek_v4`, built from package data on first use."""
    if name == "o200k_base":
        return tiktoken.Encoding("o200k_base", pat_str=O200K_PATTERN,
                                 mergeable_ranks=_ranks("o200k_base.tiktoken.gz", O200K_SHA256, 0),
                                 special_tokens=O200K_SPECIALS)
    if name == "deepseek_v4":
        meta = json.loads(_data("deepseek_v4.json"))
        # The converted DeepSeek V4 tokenizer: see tools/build_deepseek_tokenizer.py for why it is exact.
        return tiktoken.Encoding("deepseek_v4", pat_str=meta["pattern"],
                                 mergeable_ranks=_ranks("deepseek_v4.tiktoken.gz", meta["ranks_sha256"], 3),
                                 special_tokens=meta["special_tokens"])
    raise CostcalcError(f"unknown encoding {name!r}; known: {', '.join(ENCODINGS)}")
