"""Short plain texts counted without tiktoken's tables (costcalc/tokens/small.py) get tiktoken's count,
token for token, with both shipped encodings: on generated texts built to hit every branch of the
pre-tokenizer patterns (words in any case, contractions, digit runs, punctuation runs, spaces, tabs and
line ends in every mix) and uniform random printable ASCII, and on the repository's plain-text files.
Text it cannot be sure of (non-ASCII, control characters) and text past the budget go to tiktoken."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from costcalc.tokens import count as count_module
from costcalc.tokens import encodings
from costcalc.tokens.small import BUDGET_CHARS, MAX_PIECE_BYTES, SmallCounter, merged_parts

ROOT = Path(__file__).resolve().parents[1]
FRAGMENTS = ["the", "The", "THE", "tHe", "report", "Quarterly", "unbelievably", "x", "I", "a", "'s", "'S", "'t",
             "'re", "'VE", "'m", "'ll", "'D", "'", "''", "\"", "1", "12", "123", "1234", "2026-12-01", "3.14159",
             "$4,500.00", "!", "?!", "...", "--", "->", "==", "{", "}", "()", "[]", "<|endoftext|>", "#", "@user",
             "e-mail", "foo_bar", "fooBar", "x86_64", " ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", " \n",
             "\n ", "  \n\n  ", "https://example.com/a?b=c", "def f(x):\n    return x*2\n", "a1b2c3", "AbC123dEf"]
PRINTABLE = [chr(c) for c in range(0x20, 0x7F)] + ["\t", "\n", "\r"]


def reference(name: str, text: str) -> int:
    return len(encodings.encoding(name).encode_ordinary(text))


def unlimited(name: str) -> SmallCounter:
    pattern, _specials = encodings._spec(name)
    counter = SmallCounter(pattern, lambda: encodings.ranks(name))
    counter.budget = 10**12
    return counter


def generated(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    texts = ["", " ", "\n", "a", "'s", "'S ", "  x", "x  ", " \n \n", "1234567", "!!!!!!!!!!!!!!", "\r\n\r\n"]
    for _ in range(n):
        if rng.random() < 0.7:
            texts.append("".join(rng.choice(FRAGMENTS) for _ in range(rng.randrange(1, 25))))
        else:
            texts.append("".join(rng.choice(PRINTABLE) for _ in range(rng.randrange(1, 80))))
    return texts


@pytest.mark.parametrize("name", encodings.ENCODINGS)
def test_generated_texts_count_as_tiktoken_counts_them(name):
    counter = unlimited(name)
    for text in generated(seed=len(name), n=2000):
        assert counter.count(text) == reference(name, text), repr(text)


@pytest.mark.parametrize("name", encodings.ENCODINGS)
def test_the_repository_plain_text_counts_as_tiktoken_counts_it(name):
    counter = unlimited(name)
    checked = 0
    paths = sorted(ROOT.glob("*.md")) + sorted((ROOT / "examples").rglob("*")) + sorted(ROOT.glob("costcalc/_*.py"))
    for path in paths:
        if not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        found = counter.count(text)
        if found is None:  # not plain ASCII, or a piece too long to merge here: tiktoken's
            assert (any(not (c in "\t\n\r" or " " <= c <= "~") for c in text)
                    or any(len(piece) > MAX_PIECE_BYTES for piece in counter._split(text)))
            continue
        assert found == reference(name, text), path
        checked += 1
    assert checked >= 10


def test_a_merge_takes_the_lowest_rank_first_and_the_leftmost_on_a_tie():
    # by hand, ranks: ab 1, bc 0, abc 2 -> "abc": bc first (rank 0), then a+bc is not a token: 2 parts
    assert merged_parts(b"abc", {b"ab": 1, b"bc": 0}) == 2
    assert merged_parts(b"abc", {b"ab": 1, b"bc": 0, b"abc": 2}) == 1
    # "abab": the pair ab at 0 and at 2 has rank 0 both times; the left one merges first (ab a b), then
    # the right one (ab ab); abab is no token: 2 parts, or 1 when it is
    assert merged_parts(b"abab", {b"ab": 0}) == 2
    assert merged_parts(b"abab", {b"ab": 0, b"abab": 1}) == 1
    assert merged_parts(b"aaa", {b"aa": 0}) == 2  # (aa)a, never a(aa) then more


@pytest.mark.parametrize("text", ["café", "naïve\n", "\x00", "a\x0bb", "a\x0cb", "x\x1cy", "\x7f", "日本"])
def test_text_it_cannot_be_sure_of_goes_to_tiktoken(text):
    assert unlimited("o200k_base").count(text) is None


def test_past_the_budget_every_text_goes_to_tiktoken(monkeypatch):
    counter = unlimited("o200k_base")
    counter.budget = 10
    assert counter.count("0123456789") == reference("o200k_base", "0123456789")
    assert counter.budget == 0 and counter.count("x") is None
    # through the counting function: once tiktoken's Encoding is built, it counts every text
    monkeypatch.setattr(encodings, "_BUILT", {"o200k_base"})
    calls = []
    monkeypatch.setattr(encodings.SmallCounter, "count", lambda self, text: calls.append(text))
    tokenizer = count_module.TOKENIZERS["o200k"] if "o200k" in count_module.TOKENIZERS else \
        next(t for t in count_module.TOKENIZERS.values() if t.encoding == "o200k_base")
    assert count_module.base_count("hello world", tokenizer) == 2 and calls == []


@pytest.mark.parametrize("text", [" " * 8000, "-" * 8000, "ACGT" * 2000, "word " * 10 + "x" * 40])
def test_a_text_with_a_long_piece_goes_to_tiktoken(text):
    # merging here is quadratic in a piece's length (8,000 spaces took 10 s): tiktoken counts those, and the
    # budget is left for texts counted here
    counter = unlimited("o200k_base")
    counter.budget = BUDGET_CHARS
    assert counter.count(text) is None
    assert counter.budget == BUDGET_CHARS
    assert counter.count("x" * MAX_PIECE_BYTES) == reference("o200k_base", "x" * MAX_PIECE_BYTES)


def test_the_api_imports_no_tokenizer_engine_until_a_text_is_counted():
    # `costcalc estimate` imports the token-counting modules (a profile may have samples) and mostly counts
    # nothing: tiktoken and regex (about 30 ms) load when an encoding counts a text
    code = ("import sys, costcalc.api, costcalc.tokens.files\n"
            "print(sorted(m for m in ('tiktoken', 'regex') if m in sys.modules))\n"
            "from costcalc.prices import load_prices\n"
            "from costcalc.tokens.count import count\n"
            "count(load_prices(), 'hello world', 'gpt-5.5')\n"
            "print(sorted(m for m in ('tiktoken', 'regex') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    assert done.stdout.split("\n")[:2] == ["[]", "['regex']"]  # small.py counted it; tiktoken not even built
