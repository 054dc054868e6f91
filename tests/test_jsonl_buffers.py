"""JSON-lines blocks read into reused buffers (jsonlines.line_blocks reuse=True, what the columnar path
reads with): the same lines, open ends and long lines as the copying reader, a buffer never written over
while a block still holds a view of it, and a bad line on either edge of a block still reported by its own
line with the totals worked out by hand."""

from __future__ import annotations

import gzip
import io
from decimal import Decimal

import pytest

from costcalc.usage import jsonl_columns, jsonlines, read_jsonl
from costcalc.usage.read import iter_usage


def _items(text: bytes, line_cap: int, block: int, reuse: bool) -> tuple[list, bool]:
    """(every line in order, None in place of each long line; whether the last block ends the file without
    a newline). Where the blocks split the lines, and how much of a long line its LongLine quotes, depend
    on where the reads fall."""
    out: list = []
    open_end = False
    for item in jsonlines.line_blocks(io.BytesIO(text), line_cap, block, reuse=reuse):
        if isinstance(item, jsonlines.LongLine):
            out.append(None)
            open_end = False
        else:
            assert bytes(item.view) == item.data
            out.extend(item.lines)
            open_end = item.open_end
    return out, open_end


TEXTS = {
    "bom, crlf, open end": b"\xef\xbb\xbf" + b"".join(b"%d:" % i + b"x" * (i * 7 % 50) + (b"\r\n" if i % 5 else b"\n")
                                                  for i in range(300)) + b"tail without newline",
    "long lines": b"short\n" + b"L" * 500 + b"\n" + b"M" * 40 + b"\nend\n" + b"N" * 300,
    "lines longer than a block, below the cap": b"a\n" + b"B" * 150 + b"\n" + b"c" * 20 + b"\n" + b"D" * 90 + b"\n",
    "only a byte-order mark": b"\xef\xbb\xbf",
    "empty": b"",
    "one newline": b"\n",
}


@pytest.mark.parametrize("name", list(TEXTS))
@pytest.mark.parametrize("block", [7, 16, 64, 1 << 20])
def test_reused_buffers_give_what_the_copying_reader_gives(name, block):
    text = TEXTS[name]
    for line_cap in (41, 200, 10_000):
        copied = _items(text, line_cap, block, reuse=False)
        assert _items(text, line_cap, block, reuse=True) == copied
        if line_cap == 10_000:  # no line above this cap: every line once, in order, the BOM dropped
            body = text[3:] if text.startswith(b"\xef\xbb\xbf") else text
            expected = body.split(b"\n")
            if not body or body.endswith(b"\n"):
                del expected[-1]  # the empty piece after the last newline
            assert copied[0] == expected


def test_a_buffer_is_never_written_over_while_a_block_holds_it():
    """All blocks kept at once (each holding a view of its buffer): every one keeps its own bytes, so no
    buffer was read into again while a view of it lived; dropped one by one, two buffers serve them all."""
    text = b"".join(b'{"n": %d, "pad": "%s"}\n' % (i, b"p" * (i % 17)) for i in range(2000))
    kept = list(jsonlines.line_blocks(io.BytesIO(text), 10_000, 256, reuse=True))
    assert b"".join(bytes(b.view) for b in kept) == text
    assert len({id(b.view.obj) for b in kept}) == len(kept)
    del kept
    buffers = set()
    for block in jsonlines.line_blocks(io.BytesIO(text), 10_000, 256, reuse=True):
        buffers.add(id(block.view.obj))
        del block  # the view dies here: its buffer may be read into again
    assert len(buffers) <= 2


def test_a_gzipped_log_reads_into_reused_buffers_the_same():
    text = b"".join(b'{"n": %d}\n' % i for i in range(5000))
    items = list(jsonlines.line_blocks(gzip.GzipFile(fileobj=io.BytesIO(gzip.compress(text))), 10_000, 512,
                                       reuse=True))
    assert b"".join(bytes(b.view) for b in items) == text


# gpt-5.5, standard tier (pricing.yaml, rule `list`): input 5.00 and output 30.00 USD per million tokens.
# A good record: 1,000 input and 100 output tokens = 1000 * 5 / 10^6 + 100 * 30 / 10^6 = 0.005 + 0.003 USD.
PER_RECORD = Decimal("0.008")


def _line(number: int, tokens: bytes = b"1000") -> bytes:
    """A costcalc-format record of one fixed length (tokens padded with spaces): a bad one put in its place
    leaves every block edge where it was."""
    return (b'{"timestamp": "2026-06-01T00:00:00Z", "model": "gpt-5.5", "input_tokens": %s, "output_tokens": 100,'
            b' "tags": {"n": "%05d"}}' % (tokens.ljust(6), number))


def test_bad_lines_on_block_edges_are_reported_by_line(tmp_path, monkeypatch):
    """A log in blocks of about a dozen lines (read as columns); bad records put on the first and the last
    line of blocks: those blocks go line by line, the problems name the exact lines, and the total is the
    good records' by hand. The per-line path gives the same problems."""
    from costcalc.prices import load_prices
    from costcalc.usage.run import reprice_chunks

    monkeypatch.setattr(read_jsonl, "COLUMNAR_BLOCK_BYTES", 2048)
    count = 600
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"\n".join(_line(i) for i in range(count)) + b"\n")
    sizes = []  # lines per columnar block of the good log
    real = jsonl_columns.block_reader

    def counting(format):
        read = real(format)
        if read is None:  # the per-line path (ENABLED off)
            return None

        def wrapped(data):
            found = read(data)
            sizes.append(None if found is None else found.rows)
            return found
        return wrapped

    monkeypatch.setattr("costcalc.usage.read.block_reader", counting)
    list(iter_usage(path))
    assert None not in sizes and sum(sizes) == count and len(sizes) > 10
    edges = [sum(sizes[:k]) for k in range(1, len(sizes))]  # 0-based index of each block's first line
    # the first line of a block; the last line of a block and the first of the next
    bad = {edges[2]: b"-5", edges[5] - 1: b"1.5", edges[5]: b'"12"'}
    lines = [_line(i, bad.get(i, b"1000")) for i in range(count)]
    path.write_bytes(b"\n".join(lines) + b"\n")
    table = load_prices()
    found = []
    for columnar in (True, False):
        monkeypatch.setattr(jsonl_columns, "ENABLED", columnar)
        sizes.clear()
        result = reprice_chunks(iter_usage(path, chunk_records=50), table, by=["month"])
        if columnar:
            assert sizes.count(None) == 3  # the three blocks with a bad line, read line by line
        problems = [(p.file, p.line, p.key, str(p.value), p.message) for c in iter_usage(path) for p in c.problems]
        found.append((result.total_usd, result.records, result.priced, problems))
    assert found[0] == found[1]
    total, records, priced, problems = found[0]
    assert [(line, key) for _, line, key, _, _ in problems] == [(i + 1, "input_tokens") for i in sorted(bad)]
    assert [value for _, _, _, value, _ in problems] == ["-5", "1.5", "12"]
    assert (records, priced) == (count, count - 3)
    assert total == (count - 3) * PER_RECORD
