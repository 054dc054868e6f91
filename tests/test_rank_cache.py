"""The vocabulary cache (costcalc/tokens/rank_cache.py): a hash-checked copy of each shipped rank file in
the user's cache folder. It gives the same ranks as the shipped file (so the same tokens), is written only
where it can be, and a corrupted, truncated or stale copy is detected and rebuilt from the shipped file.
Every test here points the cache at its own tmp folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from costcalc.tokens import encodings, rank_cache
from costcalc.tokens.count import base_count
from costcalc.tokens.encodings import O200K_SHA256, _ranks, _vocabulary
from costcalc.tokens.tokenizers import TOKENIZERS
from tests import corpus

ROOT = Path(__file__).resolve().parents[1]
O200K_FILE = f"o200k_base-{O200K_SHA256[:16]}.ranks"


@pytest.fixture(scope="module")
def shipped():
    return _ranks("o200k_base.tiktoken.gz", O200K_SHA256, 0)


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(tmp_path))
    return tmp_path / "tokenizers"


def shipped_read_refused(monkeypatch):
    """From now on, reading the shipped rank file fails the test: the ranks must come from the cache."""
    def refuse(*args, **kwargs):
        raise AssertionError("the shipped rank file was read")
    monkeypatch.setattr(encodings, "_ranks", refuse)


def test_first_use_writes_the_cache_and_later_uses_read_it(cache, shipped, monkeypatch):
    assert _vocabulary("o200k_base", O200K_SHA256, 0) == shipped  # from the shipped file
    assert (cache / O200K_FILE).is_file()
    shipped_read_refused(monkeypatch)
    again = _vocabulary("o200k_base", O200K_SHA256, 0)
    assert again == shipped and list(again.items()) == list(shipped.items())  # same ranks, same order


def test_the_deepseek_vocabulary_too(cache, monkeypatch):
    import json

    meta = json.loads(encodings._data("deepseek_v4.json"))
    fresh = _ranks("deepseek_v4.tiktoken.gz", meta["ranks_sha256"], 3)
    assert _vocabulary("deepseek_v4", meta["ranks_sha256"], 3) == fresh
    shipped_read_refused(monkeypatch)
    assert _vocabulary("deepseek_v4", meta["ranks_sha256"], 3) == fresh
    assert min(fresh.values()) == 3


@pytest.mark.parametrize("damage", ["flip a payload byte", "truncate", "another marshal version", "empty",
                                    "another first rank", "not a list"])
def test_a_damaged_or_stale_copy_is_ignored_and_rebuilt(cache, shipped, damage):
    _vocabulary("o200k_base", O200K_SHA256, 0)
    path = cache / O200K_FILE
    data = bytearray(path.read_bytes())
    if damage == "flip a payload byte":
        data[len(data) // 2] ^= 0x01
    elif damage == "truncate":
        del data[len(data) // 3:]
    elif damage == "another marshal version":
        data = data.replace(b"\n%d\n" % __import__("marshal").version, b"\n99\n", 1)
    elif damage == "empty":
        data = bytearray()
    elif damage == "another first rank":
        data = data.replace(b"\n0\n", b"\n1\n", 1)
    elif damage == "not a list":  # a consistent file (right hashes) whose payload is not a token list
        import hashlib
        import marshal

        payload = marshal.dumps({"a": 1})
        data = bytearray(rank_cache._header(O200K_SHA256, 0, hashlib.sha256(payload).hexdigest()) + payload)
    path.write_bytes(bytes(data))
    assert rank_cache.load("o200k_base", O200K_SHA256, 0) is None
    assert _vocabulary("o200k_base", O200K_SHA256, 0) == shipped  # rebuilt from the shipped file ...
    assert rank_cache.load("o200k_base", O200K_SHA256, 0) == list(shipped)  # ... and rewritten whole


def test_a_copy_of_another_vocabulary_version_is_never_read(cache, shipped):
    _vocabulary("o200k_base", O200K_SHA256, 0)
    other = "0" * 64  # a costcalc shipping another o200k file pins another hash: another file name
    assert rank_cache.load("o200k_base", other, 0) is None
    # even a file copied to the other name is refused: its header names the hash it was built from
    (cache / f"o200k_base-{other[:16]}.ranks").write_bytes((cache / O200K_FILE).read_bytes())
    assert rank_cache.load("o200k_base", other, 0) is None


def test_nothing_is_written_where_the_folder_cannot_be(tmp_path, monkeypatch, shipped):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(blocker))  # the cache folder would be a-file/tokenizers
    assert _vocabulary("o200k_base", O200K_SHA256, 0) == shipped
    assert rank_cache.store("o200k_base", O200K_SHA256, 0, list(shipped)) is False
    assert blocker.read_text() == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_a_read_only_folder_is_left_alone(tmp_path, monkeypatch, shipped):
    folder = tmp_path / "tokenizers"
    folder.mkdir()
    folder.chmod(0o500)
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(tmp_path))
    try:
        assert _vocabulary("o200k_base", O200K_SHA256, 0) == shipped
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_where_the_cache_goes(monkeypatch, tmp_path):
    monkeypatch.delenv("COSTCALC_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert rank_cache.cache_folder() == tmp_path / "xdg" / "costcalc" / "tokenizers"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # invalid per the XDG spec: ignored
    if sys.platform.startswith("linux"):
        assert rank_cache.cache_folder() == Path.home() / ".cache" / "costcalc" / "tokenizers"
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(tmp_path / "own"))
    assert rank_cache.cache_folder() == tmp_path / "own" / "tokenizers"


def test_list_and_array_counts_agree(monkeypatch):
    # base_count counts short texts as a list of ids and long ones as a NumPy array: the same tokens
    from costcalc.tokens import count as count_module

    texts = corpus.build(300_000)[:40] + corpus.fuzz(200)
    for tokenizer in (TOKENIZERS["o200k_base"], TOKENIZERS["deepseek-v4"]):
        monkeypatch.setattr(count_module, "_LIST_COUNT_CHARS", 10**12)
        as_list = [base_count(t, tokenizer) for t in texts]
        monkeypatch.setattr(count_module, "_LIST_COUNT_CHARS", -1)
        as_array = [base_count(t, tokenizer) for t in texts]
        assert as_list == as_array and sum(as_list) > 10_000


def test_tokens_command_with_and_without_a_cache(tmp_path):
    """Cold (empty cache: written), warm (read from it) and with an unusable folder: the same output."""
    prompt = tmp_path / "p.txt"
    prompt.write_text("Summarise the attached contract in three bullet points.\n价格 模型 🤖\n")
    outputs = []
    for cache_dir in (tmp_path / "cache", tmp_path / "cache", prompt):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "COSTCALC_CACHE_DIR": str(cache_dir)}
        done = subprocess.run([sys.executable, "-m", "costcalc", "tokens", str(prompt), "--format", "json"],
                              capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0 and done.stderr == "", done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "cache" / "tokenizers").iterdir()) == \
        ["deepseek_v4", "o200k_base"]
