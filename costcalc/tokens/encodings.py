"""Offline tiktoken encodings built from vocabulary files shipped in the package, hash-checked at load.

Nothing is downloaded: the ranks are read from package data, their decompressed sha256 is compared with the
expected value, and `tiktoken.Encoding` is built directly. A hash-checked copy of the tokens is kept in the
user's cache folder (rank_cache.py) and read instead on later runs; the shipped files stay the source of
truth. Each encoding is built once, on first use (about 0.15-0.4 s, most of it tiktoken building its own
tables); importing costcalc loads none. Short plain texts are counted from the same ranks without building
it while a budget lasts (small.py).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from binascii import a2b_base64
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from ..errors import CostcalcError
from . import rank_cache
from .small import SmallCounter

if TYPE_CHECKING:
    import tiktoken

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


def _vocabulary(name: str, expected_sha256: str, first_rank: int) -> dict[bytes, int]:
    """token -> rank of the shipped `{name}.tiktoken.gz`, from the hash-checked copy in the user's cache
    folder when there is one (rank_cache.py; about 4 times faster), else from the shipped file, which then
    fills the cache. Either way the same dict: the copy holds the tokens of the checked file in rank order."""
    tokens = rank_cache.load(name, expected_sha256, first_rank)
    if tokens is not None:
        return dict(zip(tokens, range(first_rank, first_rank + len(tokens))))
    ranks = _ranks(f"{name}.tiktoken.gz", expected_sha256, first_rank)
    rank_cache.store(name, expected_sha256, first_rank, list(ranks))
    return ranks


@cache
def _deepseek_meta() -> dict:
    return json.loads(_data("deepseek_v4.json"))


def _spec(name: str) -> tuple[str, dict[str, int]]:
    """(pre-tokenizer pattern, special tokens) of encoding `name`."""
    if name == "o200k_base":
        return O200K_PATTERN, O200K_SPECIALS
    if name == "deepseek_v4":
        meta = _deepseek_meta()
        # The converted DeepSeek V4 tokenizer: see tools/build_deepseek_tokenizer.py for why it is exact.
        return meta["pattern"], meta["special_tokens"]
    raise CostcalcError(f"unknown encoding {name!r}; known: {', '.join(ENCODINGS)}")


@cache
def ranks(name: str) -> dict[bytes, int]:
    """token -> rank of encoding `name`, read once (shared by tiktoken's Encoding and small.py)."""
    if name == "o200k_base":
        return _vocabulary("o200k_base", O200K_SHA256, 0)
    if name == "deepseek_v4":
        return _vocabulary("deepseek_v4", _deepseek_meta()["ranks_sha256"], 3)
    raise CostcalcError(f"unknown encoding {name!r}; known: {', '.join(ENCODINGS)}")


@cache
def encoding(name: str) -> tiktoken.Encoding:
    """The tiktoken Encoding `o200k_base` or `deepseek_v4`, built from package data on first use."""
    # lazy: tiktoken (and its regex engine) load only when an Encoding is built; `costcalc estimate` imports
    # the token-counting modules (a profile may have samples) and mostly counts nothing
    import tiktoken

    pattern, specials = _spec(name)
    built = tiktoken.Encoding(name, pat_str=pattern, mergeable_ranks=ranks(name), special_tokens=specials)
    _BUILT.add(name)
    return built


@cache
def small_counter(name: str) -> SmallCounter:
    """Counts short plain texts of encoding `name` before (or instead of) building its Encoding (small.py)."""
    pattern, _specials = _spec(name)
    return SmallCounter(pattern, lambda: ranks(name))


def is_built(name: str) -> bool:
    """Whether encoding `name`'s tiktoken Encoding has been built in this process."""
    return name in _BUILT


_BUILT: set[str] = set()
