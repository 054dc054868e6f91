"""The parsed price table's checked copy in the cache folder (costcalc/prices/table_cache.py): a second load
reads it and gives the same table; a corrupt, truncated, stale or foreign copy is ignored and replaced;
nothing is written where the folder cannot be; a table with problems is never cached; overlays are parsed
each time; the copy cannot make anything but a price table."""

from __future__ import annotations

import hashlib
import pickle
from datetime import datetime, timezone
from decimal import Decimal as D

import pytest

from costcalc.errors import InputError
from costcalc.prices import TokenBundle, bundled_path, load_prices, quote
from costcalc.prices import load as load_module
from costcalc.prices.model import PriceTable
from costcalc.prices import table_cache

SMALL = """schema_version: 1
version: "t.1"
providers:
  acme:
    name: Acme
    models:
      acme-one:
        name: Acme One
        prices:
          - label: list
            when: {from: "2026-01-01T00:00Z"}
            rates: {input: 2, output: 8}
            source: https://example.com/prices
            checked: 2026-01-01
"""
AT = datetime(2026, 9, 1, tzinfo=timezone.utc)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(folder))
    return folder / "prices"


def copies(folder):
    return sorted(folder.glob("table-*.pickle")) if folder.exists() else []


def no_parsing(monkeypatch):
    """Loads after this fail if they parse the YAML: what they return came from the cache."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("parsed the YAML instead of reading the cached table")
    monkeypatch.setattr(load_module, "parse", refuse)


def test_the_second_load_reads_the_copy_and_equals_the_first(cache_dir, monkeypatch):
    first = load_prices()
    assert len(copies(cache_dir)) == 1
    no_parsing(monkeypatch)
    second = load_prices()
    assert second == first and second is not first
    assert second.meta() == first.meta() and second.sha256 == first.sha256
    assert second.files[0].name == "bundled:pricing.yaml"
    with pytest.raises(TypeError):  # still read-only views
        second.models["x"] = None  # type: ignore[index]
    assert second.memo == {}
    # gpt-5.5 list in September 2026: 1,000 x 5 / 1M + 100 x 30 / 1M = 0.005 + 0.003 = 0.008 USD
    tokens = TokenBundle(input=1000, output=100)
    assert quote(second, "gpt-5.5", tokens, AT).total_usd == quote(first, "gpt-5.5", tokens, AT).total_usd \
        == D("0.008")


def test_a_used_table_is_cached_without_its_memo(cache_dir):
    table = load_prices()
    quote(table, "gpt-5.5", TokenBundle(input=10), AT)
    assert table.memo
    again = pickle.loads(pickle.dumps(table))
    assert again == table and again.memo == {}


@pytest.mark.parametrize("spoil", [
    lambda data: data[:len(data) // 2],  # truncated
    lambda data: data[:-10] + bytes(10),  # payload changed: its sha256 no longer matches the header
    lambda data: b"costcalc-prices 0" + data[len(b"costcalc-prices 1"):],  # another format
    lambda data: b"",
])
def test_a_corrupt_copy_is_ignored_and_replaced(cache_dir, spoil):
    first = load_prices()
    (copy,) = copies(cache_dir)
    good = copy.read_bytes()
    copy.write_bytes(spoil(good))
    assert load_prices() == first
    assert copy.read_bytes() == good  # rewritten by the load that parsed the YAML


def test_a_copy_that_names_anything_else_is_refused(cache_dir, tmp_path):
    load_prices()
    (copy,) = copies(cache_dir)
    key = copy.read_bytes().split(b"\n")[1].decode()
    marker = tmp_path / "ran"
    payload = pickle.dumps(_Evil(str(marker)))
    header = b"\n".join([b"costcalc-prices 1", key.encode(), hashlib.sha256(payload).hexdigest().encode()]) + b"\n"
    copy.write_bytes(header + payload)  # a well-formed copy whose payload would run code
    assert table_cache.load(key) is None
    assert load_prices().version  # parsed from the YAML instead
    assert not marker.exists()


class _Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_an_edited_file_is_parsed_again(cache_dir, tmp_path):
    path = tmp_path / "prices.yaml"
    path.write_text(SMALL)
    assert quote(load_prices(path), "acme-one", TokenBundle(input=1_000_000), AT).total_usd == D(2)  # 1M x 2 / 1M
    assert quote(load_prices(path), "acme-one", TokenBundle(input=1_000_000), AT).total_usd == D(2)
    path.write_text(SMALL.replace("input: 2,", "input: 3,"))
    assert quote(load_prices(path), "acme-one", TokenBundle(input=1_000_000), AT).total_usd == D(3)  # not stale
    assert len(copies(cache_dir)) == 1  # the newer copy replaced the older one of the same file
    other = tmp_path / "other.yaml"
    other.write_text(SMALL)
    load_prices(other)
    assert len(copies(cache_dir)) == 2  # one copy per file


def test_a_copy_holding_something_else_than_a_table_is_refused(cache_dir, monkeypatch):
    """A hand-made copy with a valid header whose models are not models: parsed from the YAML instead."""
    table = load_prices()
    (copy,) = copies(cache_dir)
    key = copy.read_bytes().split(b"\n")[1].decode()
    state = table.__getstate__()
    state["models"] = {name: "not a model" for name in state["models"]}
    forged = PriceTable.__new__(PriceTable)
    forged.__setstate__(state)
    payload = pickle.dumps(forged)
    header = b"\n".join([b"costcalc-prices 1", key.encode(), hashlib.sha256(payload).hexdigest().encode()]) + b"\n"
    copy.write_bytes(header + payload)
    assert table_cache.load(key) is None
    assert load_prices() == table


def test_the_same_bytes_elsewhere_keep_their_own_path(cache_dir, tmp_path):
    one, two = tmp_path / "one.yaml", tmp_path / "two.yaml"
    one.write_text(SMALL)
    two.write_text(SMALL)
    load_prices(one)
    assert load_prices(two).files[0].path == str(two)  # the path is part of the key, as it is of the table


def test_a_table_with_problems_is_never_cached(cache_dir, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(SMALL.replace("input: 2,", "input: -2,"))
    messages = []
    for _ in range(2):
        with pytest.raises(InputError) as caught:
            load_prices(path)
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and "input" in messages[0]
    assert copies(cache_dir) == []


def test_overlays_are_parsed_each_time(cache_dir, tmp_path, monkeypatch):
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(SMALL)
    table = load_prices(overlays=[overlay])
    assert "acme-one" in table.models and len(copies(cache_dir)) == 1  # the bundled base only
    calls = []
    original = load_module.parse
    monkeypatch.setattr(load_module, "parse", lambda text, file: calls.append(file) or original(text, file))
    assert load_prices(overlays=[overlay]) == table
    assert calls == [str(overlay)]  # the base came from the cache, the overlay was parsed


def test_nothing_is_written_where_the_folder_cannot_be(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(blocker))  # the cache folder would be a-file/prices
    assert load_prices() == load_prices()
    assert blocker.read_text() == "not a folder"


def test_the_key_follows_the_bytes_the_path_and_the_loader():
    data = bundled_path().read_bytes()
    key = table_cache.key(bundled_path(), data, "bundled:pricing.yaml")
    assert key == table_cache.key(bundled_path(), data, "bundled:pricing.yaml")
    assert key != table_cache.key(bundled_path(), data + b"\n", "bundled:pricing.yaml")
    assert key != table_cache.key(bundled_path(), data, "")
    assert key != table_cache.key(bundled_path().with_name("other.yaml"), data, "bundled:pricing.yaml")
    table_cache._loader_digest.cache_clear()
    try:
        table_cache._LOADER_SOURCES += ("money.py",)  # type: ignore[misc]
        assert key != table_cache.key(bundled_path(), data, "bundled:pricing.yaml")
    finally:
        table_cache._LOADER_SOURCES = table_cache._LOADER_SOURCES[:-1]  # type: ignore[misc]
        table_cache._loader_digest.cache_clear()
