"""`costcalc tokens` counts files as a stream (tokens/files.py): cut after a line break that text follows,
the stretches' counts add up exactly to the whole's, for both tokenizer families; a stretch without such a
break past the cap is refused with one line; memory stays bounded."""

from __future__ import annotations

import io
import random

import pytest
from click.testing import CliRunner

from costcalc.cli import cli
from costcalc.tokens import files
from costcalc.tokens.count import base_count
from costcalc.tokens.tokenizers import TOKENIZERS
from tests import corpus

ENCODERS = [TOKENIZERS["o200k_base"], TOKENIZERS["deepseek-v4"]]


@pytest.fixture(scope="module")
def mixed_text() -> str:
    """About 1.5 MB of the mixed corpus (code, English, CJK, Cyrillic, Arabic, Hindi, JSON, digit and
    whitespace runs, emoji) plus the fuzz strings, joined by varied line breaks so that many cuts land
    next to whitespace, digits, CJK, punctuation and combining marks."""
    rng = random.Random(11)
    parts = corpus.build(1_500_000) + corpus.fuzz(3000)
    breaks = ["\n", "\n\n", "\r\n", " \n", "\n ", "\n\t", "\n\u3000", "\n\u00a0", "\n1", "\n。", "\n\u0301"]
    return "".join(p + rng.choice(breaks) for p in parts)


def _stream_counts(text: str, monkeypatch, read_bytes: int) -> tuple[dict, int, int]:
    monkeypatch.setattr(files, "READ_BYTES", read_bytes)
    data = text.encode("utf-8")
    cuts = sum(1 for _ in files.text_stretches(io.BytesIO(data))) - 1
    counts, size = files.count_stream(io.BytesIO(data), [(t.encoding, t) for t in ENCODERS])
    return counts, size, cuts


@pytest.mark.parametrize("read_bytes", [4096, 65_537])
def test_streamed_counts_equal_whole_counts_on_the_mixed_corpus(mixed_text, monkeypatch, read_bytes):
    counts, size, cuts = _stream_counts(mixed_text, monkeypatch, read_bytes)
    assert cuts > 15  # the stream was really cut, many times
    assert size == len(mixed_text.encode("utf-8"))
    for tokenizer in ENCODERS:
        assert counts[tokenizer.encoding] == base_count(mixed_text, tokenizer), tokenizer.name


def test_a_cut_never_lands_before_whitespace_or_inside_a_character(monkeypatch):
    # 3-byte characters across every read boundary, and line breaks followed only by whitespace: the one
    # cut is after the break that text follows
    text = "界" * 5000 + "\n \n\t\n" + "界" * 5000 + "\nx" + "y" * 10
    monkeypatch.setattr(files, "READ_BYTES", 1001)
    stretches = [s for s, _ in files.text_stretches(io.BytesIO(text.encode("utf-8")))]
    assert "".join(stretches) == text
    assert all(s.endswith("\n") for s in stretches[:-1])
    assert all(not s[:1].isspace() for s in stretches[1:])


def test_a_stretch_without_a_break_past_the_cap_is_refused(monkeypatch):
    monkeypatch.setattr(files, "READ_BYTES", 100)
    monkeypatch.setattr(files, "MAX_UNBROKEN_BYTES", 1000)
    with pytest.raises(files.TextProblem, match="without a line break followed by text"):
        list(files.text_stretches(io.BytesIO(b"ab\n" + b"x" * 2000 + b"\nend")))
    # the same length with breaks is counted
    assert "".join(s for s, _ in files.text_stretches(io.BytesIO(b"x\n" * 1000))) == "x\n" * 1000


def test_bad_utf8_names_its_byte_in_a_later_block(monkeypatch):
    monkeypatch.setattr(files, "READ_BYTES", 64)
    data = b"a\n" * 100 + b"\xff" + b"b"
    with pytest.raises(files.TextProblem, match=r"not UTF-8 text \(byte 200:"):
        list(files.text_stretches(io.BytesIO(data)))


def test_cli_tokens_of_an_unbroken_file_past_the_cap_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "READ_BYTES", 1000)
    monkeypatch.setattr(files, "MAX_UNBROKEN_BYTES", 5000)
    big = tmp_path / "one-line.txt"
    big.write_text("word " * 2000)
    result = CliRunner().invoke(cli, ["tokens", str(big), "--models", "gpt-5.5"])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "one-line.txt" in lines[0] and "without a line break followed by text" in lines[0]


def test_cli_tokens_from_stdin_streams_the_same_count(monkeypatch):
    monkeypatch.setattr(files, "READ_BYTES", 50)
    text = "Hello, world.\nSecond line with ünïcode and 12345 digits.\n" * 40
    result = CliRunner().invoke(cli, ["tokens", "-", "--models", "gpt-5.5", "--format", "csv"], input=text)
    assert result.exit_code == 0, result.output
    row = result.stdout.splitlines()[1].split(",")
    assert row[0] == "<stdin>" and int(row[3]) == base_count(text, TOKENIZERS["o200k_base"])
