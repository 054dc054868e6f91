"""The columnar JSON-lines path (costcalc/usage/jsonl_columns.py) against the per-line path it speeds up.

The per-line path is the reference: both read every JSON-lines log of the test corpus and generated logs
in each provider format (good blocks with hostile lines among them), and must give the same frames, the
same records and the same problems (file, line, key, value, message), and the same re-priced totals. A
hostile line (1.0 tokens, 2^64 tokens, "12", a key twice, NaN, bytes that are not UTF-8, deep nesting,
two objects on a line, ...) must send its block to the per-line path, never be coerced.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyarrow")

from costcalc.errors import CostcalcError
from costcalc.usage import jsonl_columns, read_ahead, read_jsonl
from costcalc.usage.formats.common import NumberText
from costcalc.usage.jsonlines import Block, LongLine
from costcalc.usage.read import iter_usage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import usage as bench  # noqa: E402  (benchmarks/usage.py: the seeded generator of provider logs)

LOG_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")


def _read(paths, columnar: bool, monkeypatch, format=None, chunk_records=250_000):
    """(frame of every chunk, records, problems) or the CostcalcError's text, with one path or the other."""
    monkeypatch.setattr(jsonl_columns, "ENABLED", columnar)
    try:
        chunks = list(iter_usage(paths, format=format, chunk_records=chunk_records))
    except CostcalcError as exc:
        return str(exc)
    frames = [c.frame for c in chunks if len(c.frame)]
    frame = pd.concat(frames, ignore_index=True) if frames else None
    return frame, sum(c.records for c in chunks), [_plain(p) for c in chunks for p in c.problems]


def _plain(problem) -> tuple:
    """A problem as comparable values (a number quoted as written is a NumberText, equal by its text)."""
    value = problem.value
    return (problem.file, problem.line, problem.key,
            ("as written", str(value)) if type(value) is NumberText else value, problem.message)


def _same(a, b) -> None:
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    assert a[1] == b[1]  # records
    assert a[2] == b[2]  # problems: file, line, key, value, message
    if a[0] is None or b[0] is None:
        assert a[0] is None and b[0] is None
    else:
        pd.testing.assert_frame_equal(a[0], b[0])  # values and dtypes


def _corpus_logs() -> list[Path]:
    found = [p for p in (ROOT / "tests").rglob("*") if p.is_file() and p.name.lower().endswith(LOG_SUFFIXES)]
    return sorted(p for p in found if "community" not in p.parts and "golden" not in p.parts)


@pytest.mark.parametrize("path", _corpus_logs(), ids=lambda p: p.name)
def test_every_test_log_reads_the_same(path, monkeypatch):
    for fmt in (None, "openai", "anthropic", "deepseek", "costcalc"):
        _same(_read(path, True, monkeypatch, fmt), _read(path, False, monkeypatch, fmt))


# -- generated logs: good blocks with hostile lines among them ------------------------------------------

HOSTILE = [
    b'{"a": 1.0}', b'{"a": 18446744073709551616}', b'{"a": "12"}', b'{"a": 1, "a": 2}', b'{"a": NaN}',
    b'{"a": Infinity}', b'{"a": "\xff"}', b'{"a": ' + b"[" * 600 + b"]" * 600 + b"}", b'{"a": 1} {"a": 2}',
    b"", b"   ", b'{"a":', b"[1, 2]", b"7", b'{"a": true}', b'{"a": "\\ud800"}', b'{"a": "x\ty"}',
    b'{"a": 1}\x00{"a": 2}', b'{"a": 1}\r{"a": 2}', b'\xef\xbb\xbf{"a": 1}', b'{"a": 1}  ',
    b'{"a": Inf}', b'{"a": -NaN}',
]
# Words pyarrow reads as floats and orjson refuses; in a record otherwise good, under a key no format reads
# (Inf got through when only NaN and Infinity were searched for)
NOT_JSON_NUMBERS = ["NaN", "-NaN", "Inf", "-Inf", "Infinity", "-Infinity", "[1, Inf]", '{"b": [NaN]}']


def _hostile_records(fmt: str, good: dict) -> list[bytes]:
    """Lines that look like the format's records but are bad, or unusual, or not JSON."""
    text = json.dumps(good)
    usage_key = {"openai": "prompt_tokens", "deepseek": "prompt_cache_miss_tokens", "anthropic": "input_tokens",
                 "costcalc": "input_tokens"}[fmt]
    top = good if fmt == "costcalc" else good["usage"]
    value = top[usage_key]
    swaps = [f'"{usage_key}": {value}.0', f'"{usage_key}": 18446744073709551616', f'"{usage_key}": "{value}"',
             f'"{usage_key}": -1', f'"{usage_key}": 1000000000000000', f'"{usage_key}": null',
             f'"{usage_key}": true', f'"{usage_key}": 1e3', f'"{usage_key}": {value}, "{usage_key}": {value}']
    out = [text.replace(f'"{usage_key}": {value}', s, 1).encode() for s in swaps]
    for key, bad in (("model", '""'), ("model", '"  "'), ("model", "7"), ("tags", '{"team": 7}'),
                     ("tags", '{"": "x"}'), ("tags", '"x"'), ("tags", '{"team": {"a": 1}}')):
        changed = dict(good)
        changed[key] = json.loads(bad)
        out.append(json.dumps(changed).encode())
    if "timestamp" in good:
        for stamp in ("2026-02-30T00:00:00Z", "yesterday", "1960-01-01T00:00:00Z", 1790000000, None):
            out.append(json.dumps({**good, "timestamp": stamp}).encode())
    else:
        for created in (1e9, 5, "2026-05-01T00:00:00Z", None):
            out.append(json.dumps({**good, "created": created}).encode())
    out.extend(text[:-1].encode() + b', "latency": ' + word.encode() + b"}" for word in NOT_JSON_NUMBERS)
    return out + HOSTILE


def _good_lines(fmt: str, records: int) -> list[bytes]:
    a = bench._chunk_arrays(0, records, 11)
    if fmt == "costcalc":
        from readers import _own_lines  # benchmarks/readers.py

        return _own_lines(a, 0)["costcalc"].splitlines()
    return bench._json_lines(a, 0)[fmt].splitlines()


@pytest.mark.parametrize("fmt", ["openai", "anthropic", "deepseek", "costcalc"])
def test_generated_logs_with_hostile_lines_read_the_same(fmt, tmp_path, monkeypatch):
    monkeypatch.setattr(read_jsonl, "COLUMNAR_BLOCK_BYTES", 4096)  # blocks of about a dozen lines
    good = _good_lines(fmt, 2500)
    hostile = _hostile_records(fmt, json.loads(good[0]))
    lines = list(good)
    step = len(good) // (len(hostile) + 1)
    for i, bad in enumerate(hostile):
        lines.insert((i + 1) * step + i, bad)
    lines.insert(len(lines) // 3, good[5].replace(b"}", b"}\r", -1)[:-1] + b"\r")  # a CRLF line
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    used = []
    real = jsonl_columns.block_reader

    def counting(format):
        read = real(format)
        if read is None:
            return None

        def wrapped(data):
            found = read(data)
            used.append(found is not None)
            return found
        return wrapped

    monkeypatch.setattr("costcalc.usage.read.block_reader", counting)
    for chunk_records in (250_000, 50):  # 50: chunks that join and split blocks of about a dozen lines
        columnar = _read(path, True, monkeypatch, fmt, chunk_records)
        assert sum(used) >= 5  # the blocks of good records were read as columns
        assert not all(used)  # the hostile ones were not
        used.clear()
        _same(columnar, _read(path, False, monkeypatch, fmt, chunk_records))
        # most hostile lines are bad records (some are fine: a tag 7 is the text "7", created 1e9 is seconds)
        assert len(columnar[2]) >= len(hostile) // 2


@pytest.mark.parametrize("fmt", ["openai", "anthropic", "deepseek", "costcalc"])
def test_a_block_with_any_hostile_line_falls_back(fmt):
    read = jsonl_columns.block_reader(fmt)
    good = _good_lines(fmt, 200)[:20]
    block = b"\n".join(good) + b"\n"
    assert read(block, 20) is not None and read(block).rows == 20  # lines counted by the reader itself
    assert read(block, 19) is None  # a count that is not the block's: never trusted
    for bad in _hostile_records(fmt, json.loads(good[0])):
        lines = good[:10] + [bad] + good[10:]
        data = b"\n".join(lines) + b"\n"
        assert read(data, data.count(b"\n")) is None, bad


def test_counts_by_hand():
    """One record per format, its columns worked out from the provider's rules (schema.py)."""
    openai = (b'{"created": 1780000000, "model": "gpt-5.5", "service_tier": "flex", "usage": {"prompt_tokens": 1000,'
              b' "completion_tokens": 50, "prompt_tokens_details": {"cached_tokens": 200},'
              b' "completion_tokens_details": {"reasoning_tokens": 20}}, "tags": {"team": "a"}}\n')
    found = jsonl_columns.block_reader("openai")(openai, 1)
    # input = prompt - cached = 1000 - 200 = 800; output = completion - reasoning = 50 - 20 = 30
    assert [int(found[c][0]) for c in ("input_tokens", "cached_tokens", "output_tokens", "reasoning_tokens")] \
        == [800, 200, 30, 20]
    assert found["timestamp"][0] == 1780000000 * 10 ** 9
    assert found["service_tier"].to_pylist() == ["flex"] and found["tag:team"].to_pylist() == ["a"]
    anthropic = (b'{"timestamp": "2026-06-01T12:00:00Z", "model": "claude-opus-4-7", "usage": {"input_tokens": 10,'
                 b' "cache_read_input_tokens": 5, "cache_creation_input_tokens": 7, "cache_creation":'
                 b' {"ephemeral_5m_input_tokens": 3, "ephemeral_1h_input_tokens": 4}, "output_tokens": 9,'
                 b' "inference_geo": "us"}}\n'
                 b'{"timestamp": "2026-06-01T12:00:01+02:00", "model": "claude-opus-4-7", "usage": {"input_tokens": 1,'
                 b' "cache_creation_input_tokens": 6, "output_tokens": 2, "service_tier": "batch"}}\n')
    found = jsonl_columns.block_reader("anthropic")(anthropic, 2)
    # line 2 has no cache_creation split: all 6 written tokens are 5-minute writes (the default TTL)
    assert found["cache_write_5m_tokens"].tolist() == [3, 6] and found["cache_write_1h_tokens"].tolist() == [4, 0]
    assert found["cached_tokens"].tolist() == [5, 0] and found["residency"].tolist() == [True, False]
    assert found["service_tier"].to_pylist() == ["standard", "batch"]
    # 2026-06-01T12:00:01+02:00 is 10:00:01 UTC: 2 h less one second before the first record
    assert int(found["timestamp"][0] - found["timestamp"][1]) == (2 * 3600 - 1) * 10 ** 9
    deepseek = (b'{"created": 1790000000, "model": "deepseek-v4-pro", "usage": {"prompt_tokens": 30, '
                b'"prompt_cache_hit_tokens": 12, "prompt_cache_miss_tokens": 18, "completion_tokens": 9, '
                b'"completion_tokens_details": {"reasoning_tokens": 4}}}\n')
    found = jsonl_columns.block_reader("deepseek")(deepseek, 1)
    assert [int(found[c][0]) for c in ("input_tokens", "cached_tokens", "output_tokens", "reasoning_tokens")] \
        == [18, 12, 5, 4]
    # prompt 31 != hit 12 + miss 18: not the common shape, the per-line path reports it
    assert jsonl_columns.block_reader("deepseek")(deepseek.replace(b'"prompt_tokens": 30', b'"prompt_tokens": 31'),
                                                  1) is None


def test_totals_equal_to_the_last_digit(tmp_path, monkeypatch):
    """Re-priced totals of the three provider logs, each path."""
    from costcalc.prices import load_prices
    from costcalc.usage.run import reprice_chunks

    monkeypatch.setattr(read_jsonl, "COLUMNAR_BLOCK_BYTES", 65536)
    a = bench._chunk_arrays(0, 20_000, 3)
    paths = []
    for fmt, text in bench._json_lines(a, 0).items():
        paths.append(tmp_path / f"{fmt}.jsonl")
        paths[-1].write_bytes(text)
    table = load_prices()
    totals = []
    for columnar in (True, False):
        monkeypatch.setattr(jsonl_columns, "ENABLED", columnar)
        result = reprice_chunks(iter_usage(paths), table, by=["month"])
        totals.append((result.total_usd, result.priced, result.reported, result.records))
    assert totals[0] == totals[1]
    assert totals[0][3] == 20_000


def test_without_pyarrow_every_block_is_read_line_by_line(monkeypatch):
    monkeypatch.setattr(jsonl_columns, "_arrow", False)
    assert jsonl_columns.block_reader("openai") is None
    assert jsonl_columns.block_reader("otel") is None


def test_timestamps_in_a_block_are_exact():
    lines = [json.dumps({"timestamp": f"2026-01-0{d}T00:00:00.5Z", "model": "m", "input_tokens": 1,
                         "output_tokens": 1}).encode() for d in range(1, 4)]
    found = jsonl_columns.block_reader("costcalc")(b"\n".join(lines) + b"\n", 3)
    day = 86_400 * 10 ** 9
    assert np.diff(found["timestamp"]).tolist() == [day, day]
    assert int(found["timestamp"][0]) % 10 ** 9 == 5 * 10 ** 8


@pytest.mark.slow
@pytest.mark.parametrize("name", ["jsonl_50k_unknown", "jsonl_20k_pairs_last_bad", "jsonl_one_line_huge"])
def test_generated_hostile_corpus_reads_the_same(name, tmp_path, monkeypatch):
    """The JSON-lines inputs tests/test_badinput.py generates (many distinct models, a bad last line, a line
    past the cap), each path, and strict reading (stop at the first bad record) too."""
    from tests.test_badinput import GENERATORS

    path = GENERATORS[name](tmp_path)
    _same(_read(path, True, monkeypatch), _read(path, False, monkeypatch))
    stopped = []
    for columnar in (True, False):
        monkeypatch.setattr(jsonl_columns, "ENABLED", columnar)
        frames = []
        try:
            frames.extend(c.frame for c in iter_usage(path, strict=True))
            stopped.append((None, sum(len(f) for f in frames)))
        except CostcalcError as exc:
            stopped.append((str(exc), sum(len(f) for f in frames)))
    assert stopped[0] == stopped[1]


def test_utc_texts_worked_out_from_bytes_equal_the_reference():
    """_utc_seconds_ns (YYYY-MM-DDTHH:MM:SSZ by arithmetic on the bytes) against text_ns (pandas) on
    random instants 1970-2261, and every other text refused (None) so the reference reads it."""
    import pyarrow as pa

    from costcalc.usage.formats.instants import text_ns

    rng = np.random.default_rng(5)
    seconds = rng.integers(0, (2262 - 1970) * 365 * 86_400, 20_000)
    edges = ["1970-01-01T00:00:00Z", "2000-02-29T23:59:59Z", "2024-02-29T12:00:00Z", "2261-12-31T23:59:59Z",
             "1972-12-31T23:59:59Z"]
    texts = [s + "Z" for s in np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")] + edges
    found = jsonl_columns._utc_seconds_ns(pa.array(texts))
    expected, good = text_ns(texts)
    assert good.all() and found is not None and (found == expected).all()
    assert int(jsonl_columns._utc_seconds_ns(pa.array(["1970-01-02T00:00:01Z"]))[0]) == (86_400 + 1) * 10 ** 9
    for other in ("2026-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
                  "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z",
                  "2026-12-31T23:59:60Z", "1969-12-31T23:59:59Z", "2262-04-12T00:00:00Z", "2026-01-01 00:00:00Z",
                  "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00", "2026-1-01T00:00:00Z", "２026-01-01T00:00:00Z",
                  "2026-01-01T00:00:0aZ"):
        assert jsonl_columns._utc_seconds_ns(pa.array(["2026-05-01T00:00:00Z", other])) is None, other



def test_a_read_error_comes_after_the_blocks_before_it():
    """The columnar read of the next block runs ahead on worker threads; a file that breaks part-way (a
    truncated .gz) still hands over every block read before the break, in order, then the error."""
    def blocks():
        yield Block(b'{"a": 1}\n', None, False)
        yield LongLine(b"x" * 10)
        yield Block(b'{"a": 2}\n{"a": 3}\n', None, False)
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")

    seen = []
    with pytest.raises(EOFError):
        for block, ahead in read_ahead.parsed_ahead(blocks(), lambda data: (data, data.count(b"\n"))):
            seen.append((type(block).__name__, None if ahead is None else ahead.result()))
    assert seen == [("Block", (b'{"a": 1}\n', 1)), ("LongLine", None), ("Block", (b'{"a": 2}\n{"a": 3}\n', 2))]


def test_nan_and_inf_in_text_keep_a_block_columnar():
    """The words NaN and Inf inside text (a tag, a model) are not numbers: without a float column in the
    block it is still read as columns; with one (a float elsewhere) the block goes line by line."""
    read = jsonl_columns.block_reader("costcalc")
    line = (b'{"timestamp": "2026-01-01T00:00:00Z", "model": "gpt-5.5", "input_tokens": 1, "output_tokens": 2,'
            b' "tags": {"team": "NaN Info"}}\n')
    found = read(line * 3, 3)
    assert found is not None and found["tag:team"].to_pylist() == ["NaN Info"] * 3
    with_float = line[:-2] + b', "latency": 0.5}\n'
    assert read(line * 2 + with_float, 3) is None


def test_blocks_read_ahead_come_out_in_file_order():
    """READ_AHEAD blocks are read at once on worker threads (the first two reads wait for each other: with
    one worker they could not both start) and finish in any order (each read waits longer the earlier its
    block); they still come out in file order, each with its own read, and a read error after all of them."""
    import threading
    import time

    count = 7
    datas = [b'{"n": %d}\n' % i * (i + 1) for i in range(count)]
    both = threading.Barrier(2, timeout=10)

    def blocks():
        for data in datas:
            yield Block(data, None, False)
        raise EOFError("truncated")

    def slow_read(data):
        lines = data.count(b"\n")
        if lines <= 2:
            both.wait()  # BrokenBarrierError if the two first reads do not run at once
        time.sleep(0.002 * (count - lines))
        return data, lines

    seen = []
    with pytest.raises(EOFError):
        for block, ahead in read_ahead.parsed_ahead(blocks(), slow_read):
            seen.append((block.data, ahead.result()))
    assert seen == [(data, (data, i + 1)) for i, data in enumerate(datas)]


def _chunks_then_error(paths, columnar: bool, monkeypatch, strict: bool = False, apart: bool = False
                       ) -> tuple[list, str | None]:
    """Every chunk's (records, problems, frame) until the error, and the error's text; `apart`: each file
    read by an iter_usage call of its own (no next file to start early)."""
    monkeypatch.setattr(jsonl_columns, "ENABLED", columnar)
    seen = []
    try:
        for group in ([[p] for p in paths] if apart else [paths]):
            for chunk in iter_usage(group, chunk_records=700, strict=strict):
                seen.append((chunk.records, [_plain(p) for p in chunk.problems], chunk.frame))
    except CostcalcError as exc:
        return seen, str(exc)
    return seen, None


def _same_chunks(a: tuple[list, str | None], b: tuple[list, str | None]) -> None:
    assert a[1] == b[1]
    assert [(records, problems) for records, problems, _ in a[0]] == [(r, p) for r, p, _ in b[0]]
    for (_, _, one), (_, _, other) in zip(a[0], b[0]):
        pd.testing.assert_frame_equal(one, other)


def _joined_chunks(found: tuple[list, str | None]) -> tuple:
    """(frame, records, problems) of all chunks, or the error's text, as _read gives them."""
    if found[1] is not None:
        return found[1]
    frames = [frame for _, _, frame in found[0] if len(frame)]
    return (pd.concat(frames, ignore_index=True), sum(r for r, _, _ in found[0]),
            [p for _, problems, _ in found[0] for p in problems])


def test_the_next_files_reads_start_early_and_change_nothing(tmp_path, monkeypatch):
    """The next JSON-lines file's columnar reads start once the file before it has handed over its last
    block (read.iter_usage, read_ahead.StartedBlocks). The chunks, their problems, a read error of the
    next file (a truncated .gz: after every chunk of the file before it) and a strict stop are the same as
    reading each file on its own, and the rows and problems the same as line by line; a strict stop
    leaves no read running."""
    import gzip
    import threading

    monkeypatch.setattr(read_jsonl, "COLUMNAR_BLOCK_BYTES", 8192)
    good = {fmt: _good_lines(fmt, 12_000) for fmt in ("openai", "anthropic")}  # 4,900 and 3,400 lines
    first = tmp_path / "openai.jsonl"
    first.write_bytes(b"\n".join(good["openai"][:2000] + [b'{"a": 1}'] + good["openai"][2000:2500]) + b"\n")
    second = tmp_path / "anthropic.jsonl"
    second.write_bytes(b"\n".join(good["anthropic"][:2500]) + b"\n")
    third = tmp_path / "b.jsonl"
    third.write_bytes(second.read_bytes())
    truncated = tmp_path / "anthropic.jsonl.gz"
    truncated.write_bytes(gzip.compress(second.read_bytes())[:30_000])
    early = []

    real_blocks = read_jsonl.file_blocks

    def counted(path, read_block):
        early.append(path.name)
        return real_blocks(path, read_block)

    monkeypatch.setattr("costcalc.usage.read.file_blocks", counted)
    for paths in ([first, second], [first, truncated], [second, first, third]):
        early.clear()
        columnar = _chunks_then_error(paths, True, monkeypatch)
        assert early == [p.name for p in paths[1:]]  # each next file's reads started early
        _same_chunks(columnar, _chunks_then_error(paths, True, monkeypatch, apart=True))
        assert sum(records for records, _, _ in columnar[0]) >= 2500
        if columnar[1] is None:
            _same(_joined_chunks(columnar), _joined_chunks(_chunks_then_error(paths, False, monkeypatch)))
        else:
            assert columnar[1] == _chunks_then_error(paths, False, monkeypatch)[1]
            assert columnar[1].startswith(f"{truncated}: cannot read")
    # a strict stop at the last line of the first file: after the second file's reads started
    last_bad = tmp_path / "last_bad.jsonl"
    last_bad.write_bytes(b"\n".join(good["openai"][:2500] + [b'{"a": 1}']) + b"\n")
    for paths in ([first, second], [last_bad, second]):
        early.clear()
        stopped = _chunks_then_error(paths, True, monkeypatch, strict=True)
        assert stopped[1] is not None and stopped[1] == _chunks_then_error(paths, False, monkeypatch, strict=True)[1]
        assert early == ([] if paths[0] == first else [second.name])
        _same_chunks(stopped, _chunks_then_error(paths, True, monkeypatch, strict=True, apart=True))
    assert not [t for t in threading.enumerate() if t.name.startswith("costcalc-jsonl")]


def test_edge_files_read_the_same_alone_and_in_a_row(tmp_path, monkeypatch):
    """An empty file, one record without a newline, a last line without a newline after many blocks, a bad
    line in the last block and one in a block read ahead (the second and third blocks of a file): the same
    rows, records and problems as line by line, each file alone and all in one call (where each next
    file's reads start early)."""
    monkeypatch.setattr(read_jsonl, "COLUMNAR_BLOCK_BYTES", 4096)  # about a dozen lines a block
    good = _good_lines("anthropic", 3000)[:400]
    bad = b'{"timestamp": "2026-01-01T00:00:00Z", "model": "claude-opus-4-7", "usage": {"input_tokens": 1.0}}'
    files = {
        "empty.jsonl": b"",
        "one_open.jsonl": good[0],
        "open_end.jsonl": b"\n".join(good),
        "bad_last_block.jsonl": b"\n".join(good[:-3] + [bad] + good[-3:]) + b"\n",
        "bad_read_ahead.jsonl": b"\n".join(good[:15] + [bad] + good[15:30] + [b"{"] + good[30:]) + b"\n",
    }
    paths = []
    for name, data in files.items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    for group in [[p] for p in paths] + [paths, paths[::-1]]:
        columnar = _read(group, True, monkeypatch, "anthropic", chunk_records=50)
        _same(columnar, _read(group, False, monkeypatch, "anthropic", chunk_records=50))
    problems = _read(paths, True, monkeypatch, "anthropic")[2]
    assert [(Path(p[0]).name, p[1]) for p in problems] == [
        ("bad_last_block.jsonl", 398), ("bad_read_ahead.jsonl", 16), ("bad_read_ahead.jsonl", 32)]
