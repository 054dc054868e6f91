"""Issue 11's last items: a key twice in a JSON object (usage logs, saved results, chat samples), counts
written as JSON floats, the block reader of JSON lines, and the caps on sample texts."""

from __future__ import annotations

import gzip
import io
import json
import random

import pytest
from click.testing import CliRunner

from costcalc import _json
from costcalc.cli import cli
from costcalc.errors import CostcalcError
from costcalc.usage import jsonlines
from costcalc.usage.read import iter_usage

GOOD = {"timestamp": "2026-12-01T00:00:00Z", "provider": "openai", "model": "gpt-5.5", "input_tokens": 10,
        "output_tokens": 5}


def _read(path, **kwargs):
    chunks = list(iter_usage(path, **kwargs))
    return (sum(c.records for c in chunks), sum(len(c.frame) for c in chunks),
            [p for c in chunks for p in c.problems], chunks)


def _raw_lines(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- a key twice in a JSON-lines record ----------------------------------------------------------------

def test_a_key_twice_in_a_record_is_a_reported_bad_record_and_the_run_goes_on(tmp_path):
    good = json.dumps(GOOD)
    twice = good[:-1] + ', "input_tokens": 10000000}'
    log = _raw_lines(tmp_path / "log.jsonl", [good, twice, good, twice.replace("input_tokens", "output_tokens")])
    records, priced, problems, chunks = _read(log)
    assert (records, priced) == (4, 2)
    assert [(p.line, p.key) for p in problems] == [(2, "input_tokens"), (4, "output_tokens")]
    assert all(str(p).endswith("appears twice in one object; which value holds would be arbitrary: give each "
                               "key once") for p in problems)
    frame = chunks[0].frame
    assert list(frame["line"]) == [1, 3] and list(frame["input_tokens"]) == [10, 10]


@pytest.mark.parametrize("fmt,line,key", [
    ("openai", {"created": 1796083200, "model": "gpt-5.5", "usage": {"prompt_tokens": 10, "completion_tokens": 5}},
     "usage.completion_tokens"),
    ("anthropic", {"timestamp": "2026-12-01T00:00:00Z", "model": "claude-opus-4-7",
                   "usage": {"input_tokens": 10, "output_tokens": 5}}, "usage.completion_tokens"),
    ("deepseek", {"created": 1796083200, "model": "deepseek-v4-pro",
                  "usage": {"prompt_cache_hit_tokens": 3, "prompt_cache_miss_tokens": 7, "completion_tokens": 5}},
     "usage.completion_tokens"),
    ("costcalc", GOOD, "completion_tokens"),
])
def test_every_json_lines_format_reports_a_key_twice_with_its_path(tmp_path, fmt, line, key):
    text = json.dumps(line)
    inner = '"completion_tokens": 1, "completion_tokens": 2'
    bad = (text[:-2] + ", " + inner + "}}") if "usage" in line else (text[:-1] + ", " + inner + "}")
    log = _raw_lines(tmp_path / "log.jsonl", [text, bad])
    records, priced, problems, _ = _read(log, format=fmt)
    assert (records, priced) == (2, 1)
    assert [(p.line, p.key) for p in problems] == [(2, key)]


def test_otlp_attributes_given_twice_refuse_the_span_only(tmp_path):
    def attr(key, kind, value):
        return {"key": key, "value": {kind: value}}

    usage = [attr("gen_ai.system", "stringValue", "openai"), attr("gen_ai.request.model", "stringValue", "gpt-5.5"),
             attr("gen_ai.usage.output_tokens", "intValue", 5), attr("gen_ai.usage.input_tokens", "intValue", 10)]
    spans = [{"startTimeUnixNano": "1796083200000000000", "attributes": usage},
             {"startTimeUnixNano": "1796083200000000000",
              "attributes": usage + [attr("gen_ai.usage.input_tokens", "intValue", 99)]},
             # a span without usage is no record, whatever it repeats
             {"startTimeUnixNano": "1796083200000000000", "attributes": [attr("http.url", "stringValue", "a")] * 2}]
    doc = {"resourceSpans": [{"resource": {"attributes": [attr("service.name", "stringValue", "api")]},
                              "scopeSpans": [{"spans": spans}]},
                             {"resource": {"attributes": [attr("service.name", "stringValue", "a"),
                                                          attr("service.name", "stringValue", "b")]},
                              "scopeSpans": [{"spans": spans[:1]}]}]}
    log = _raw_lines(tmp_path / "t.jsonl", [json.dumps(doc)])
    records, priced, problems, _ = _read(log, format="otel")
    assert (records, priced) == (3, 1)
    assert [(p.key, p.value) for p in problems] == [
        ("resourceSpans[0].scopeSpans[0].spans[1].attributes", "gen_ai.usage.input_tokens"),
        ("resourceSpans[1].resource.attributes", "service.name")]


def test_a_tag_given_both_in_tags_and_as_a_flat_column_is_refused(tmp_path):
    log = _raw_lines(tmp_path / "log.jsonl", [json.dumps({**GOOD, "tags": {"team": "a"}, "tag:team": "b"}),
                                              json.dumps({**GOOD, "tags": {"team": "a"}, "tag:env": "b"})])
    records, priced, problems, chunks = _read(log)
    assert (records, priced) == (2, 1)
    assert problems[0].key == "tag:team" and "also in `tags`" in problems[0].message
    assert list(chunks[0].frame["tag:env"]) == ["b"] and list(chunks[0].frame["tag:team"]) == ["a"]


def test_strict_stops_at_a_key_twice_after_the_good_records_before_it(tmp_path):
    good = json.dumps(GOOD)
    log = _raw_lines(tmp_path / "log.jsonl", [good, good, good[:-1] + ', "model": "gpt-5.4"}', good])
    seen = []
    with pytest.raises(CostcalcError, match=r"log.jsonl:3: model: appears twice"):
        for chunk in iter_usage(log, strict=True):
            seen.extend(chunk.frame["line"])
    assert seen == [1, 2]


def _random_value(rng: random.Random, depth: int):
    kind = rng.random()
    if depth > 3 or kind < 0.35:
        return rng.choice([rng.randint(-10 ** 12, 10 ** 12), rng.random() * 1e6, None, True, False,
                           rng.choice(['a "quoted" word', "back\\slash", "ünï 界 😀", "tab\there", '"', "\\u0022",
                                       '{"k": 1, "k": 2}', "line\nbreak", "", "k"])])
    if kind < 0.75:
        return {rng.choice(["k", "a", "b", "usage", 'q"x', "ü", "é", "0"]) + str(rng.randint(0, 3)):
                _random_value(rng, depth + 1) for _ in range(rng.randint(0, 5))}
    return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]


def _with_a_key_twice(rng: random.Random, text: str) -> str | None:
    """The JSON text with one object's first key written again (as the last pair); None without objects."""
    starts = [i for i, c in enumerate(text) if c == "{" and text[i + 1:i + 2] == '"']
    if not starts:
        return None
    start = rng.choice(starts)
    obj, end = json.JSONDecoder().raw_decode(text, start)
    if not isinstance(obj, dict) or not obj:
        return None
    key = next(iter(obj))
    return text[:end - 1] + ", " + json.dumps(key) + ": 7" + text[end - 1:]


@pytest.mark.parametrize("seed", range(3))
def test_the_block_check_finds_exactly_the_lines_with_a_key_twice(seed):
    """Random nested records (strings holding quotes, escapes, \\u0022, JSON text, non-ASCII), written in
    several styles; one line in four gets a key twice somewhere. The block check flags those, only."""
    rng = random.Random(seed)
    lines, expected = [], set()
    for i in range(400):
        value = {"r": _random_value(rng, 0), "n": i}
        text = json.dumps(value, ensure_ascii=rng.random() < 0.5,
                          separators=rng.choice([(",", ":"), (", ", ": "), (" , ", " : ")]))
        if rng.random() < 0.25:
            twice = _with_a_key_twice(rng, text)
            if twice is not None:
                text = twice
                expected.add(i)
        lines.append(text)
    data = ("\n".join(lines) + "\n").encode("utf-8")
    block = jsonlines.Block(data, data.split(b"\n")[:-1], False)
    import orjson

    values = [orjson.loads(line) for line in block.lines]
    found = jsonlines.repeated_keys(block, values, set())
    assert set(found) == expected
    assert all(message == _json.REPEATED for _, message in found.values())


def test_a_quote_written_as_an_escape_cannot_hide_a_key_twice():
    # the second key's two quotes are "paid back" by two quotes written \u0022 elsewhere: equal totals
    raw = b'{"a": 1, "a": 2, "t": "\\u0022\\u0022"}'
    import orjson

    value = orjson.loads(raw)
    assert _json.quotes(raw) == _json.rewritten_quotes(value)  # the counts alone would pass it
    assert not _json.unique_quick(raw, value)
    assert _json.repeated_key(raw) == ("a", _json.REPEATED)


# -- counts written as JSON floats ------------------------------------------------------------------------

def test_float_counts_are_bad_records_quoting_the_number_as_written(tmp_path):
    good = json.dumps(GOOD)
    log = _raw_lines(tmp_path / "log.jsonl", [
        good.replace('"input_tokens": 10', '"input_tokens": 1.0000000000000001'),
        good.replace('"output_tokens": 5', '"output_tokens": 1e3'),
        good.replace('"output_tokens": 5', '"output_tokens": 5.0'),
        good[:-1] + ', "web_search_calls": 1E0}',
        good.replace('"input_tokens": 10', '"input_tokens": 18446744073709551616'),  # a float to orjson
        # floats where the schema takes them stay fine: unix seconds, a tag
        good.replace('"2026-12-01T00:00:00Z"', "1796083200.5")[:-1] + ', "tag:ratio": 0.25}',
    ])
    records, priced, problems, chunks = _read(log)
    assert (records, priced) == (6, 1)
    assert [(p.line, p.key, str(p.value)) for p in problems] == [
        (1, "input_tokens", "1.0000000000000001"), (2, "output_tokens", "1e3"), (3, "output_tokens", "5.0"),
        (4, "web_search_calls", "1E0"), (5, "input_tokens", "18446744073709551616")]
    assert all("a JSON number with a fraction or an exponent; a count must be a JSON integer" in p.message
               for p in problems[:4])
    assert problems[4].message == "more tokens than costcalc counts in one record (below 10^15)"
    assert list(chunks[0].frame["tag:ratio"]) == ["0.25"]


def test_an_otlp_double_value_count_is_refused_with_its_text(tmp_path):
    attrs = [{"key": "gen_ai.request.model", "value": {"stringValue": "gpt-5.5"}},
             {"key": "gen_ai.usage.input_tokens", "value": {"doubleValue": 10}},
             {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "5"}}]
    doc = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [
        {"startTimeUnixNano": "1796083200000000000", "attributes": attrs}]}]}]})
    log = _raw_lines(tmp_path / "t.jsonl", [doc.replace('"doubleValue": 10', '"doubleValue": 1.00e1')])
    _, priced, problems, _ = _read(log, format="otel")
    assert priced == 0
    assert (problems[0].key, str(problems[0].value)) == (
        "resourceSpans[0].scopeSpans[0].spans[0].attributes.gen_ai.usage.input_tokens", "1.00e1")


# -- the block reader ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("block", [7, 64, 1 << 20])
def test_line_blocks_give_every_line_once_in_order(monkeypatch, block):
    monkeypatch.setattr(jsonlines, "BLOCK_BYTES", block)
    text = b"\xef\xbb\xbf" + b"".join(b"%d:" % i + b"x" * (i * 7 % 50) + (b"\r\n" if i % 5 else b"\n")
                                      for i in range(300)) + b"tail without newline"
    got, open_ends = [], []
    for item in jsonlines.line_blocks(io.BytesIO(text), line_cap=10_000):
        got.extend(item.lines)
        open_ends.append(item.open_end)
    assert got == text[3:].split(b"\n")
    assert open_ends[-1] is True and not any(open_ends[:-1])


def test_line_blocks_cut_long_lines_and_read_on(monkeypatch):
    monkeypatch.setattr(jsonlines, "BLOCK_BYTES", 16)
    text = b"short\n" + b"L" * 500 + b"\n" + b"M" * 40 + b"\nend\n" + b"N" * 300
    items = list(jsonlines.line_blocks(io.BytesIO(text), line_cap=41))
    kinds = [type(i).__name__ for i in items]
    lines = [line for i in items if type(i) is jsonlines.Block for line in i.lines]
    assert lines == [b"short", b"M" * 40, b"end"]
    assert kinds.count("LongLine") == 2  # the 500-byte line and the final 300 bytes without a newline
    assert all(i.head.startswith((b"L", b"N")) for i in items if type(i) is jsonlines.LongLine)


def test_gzipped_log_with_a_key_twice(tmp_path):
    good = json.dumps(GOOD)
    path = tmp_path / "log.jsonl.gz"
    path.write_bytes(gzip.compress(("\n".join([good] * 3000 + [good[:-1] + ', "model": "x"}'] + [good]) + "\n")
                                   .encode()))
    records, priced, problems, _ = _read(path)
    assert (records, priced) == (3002, 3001) and [(p.line, p.key) for p in problems] == [(3001, "model")]


# -- saved results and chat samples ---------------------------------------------------------------------------

def _saved(tmp_path):
    target = tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["estimate", "--months", "1", "--format", "json", "--output", str(target)])
    assert result.exit_code == 0, result.output
    return target


@pytest.mark.parametrize("command", [["render", "{in}"], ["compare", "{in}", "{ok}"],
                                     ["variance", "--forecast", "{in}", "--actual", "{log}"]])
def test_a_saved_result_with_a_key_twice_is_refused_in_one_line(tmp_path, command):
    from tests.test_badinput import ROOT

    ok = _saved(tmp_path)
    text = ok.read_text(encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text(text.replace('"months": 1,', '"months": 1, "months": 2,', 1), encoding="utf-8")
    assert text != bad.read_text(encoding="utf-8")
    args = [a.replace("{in}", str(bad)).replace("{ok}", str(ok))
            .replace("{log}", str(ROOT / "examples" / "usage" / "openai.jsonl")) for a in command]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [f"costcalc: {bad}: meta.months: appears twice in one object; which value "
                                          "holds would be arbitrary: give each key once"]


def test_a_chat_sample_with_a_key_twice_names_file_line_and_key(tmp_path):
    (tmp_path / "chats.jsonl").write_text('{"messages": [{"role": "user", "content": "hi"}]}\n'
                                          '{"messages": [], "messages": [{"role": "user", "content": "x"}]}\n')
    workload = tmp_path / "w.yaml"
    workload.write_text("schema_version: 1\nprofiles:\n  p:\n    requests_per_day: 10\n    output_tokens: 10\n"
                        "    start: 2026-12-01\n    models: [gpt-5.5]\n    samples: {messages: chats.jsonl}\n")
    result = CliRunner().invoke(cli, ["estimate", str(workload), "--months", "1"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [f"costcalc: {tmp_path / 'chats.jsonl'}:2: messages: appears twice in one "
                                          "object; which value holds would be arbitrary: give each key once"]


def test_sample_caps_per_file_in_all_and_a_file_named_twice_counts_once(tmp_path, monkeypatch):
    from costcalc.workloads import samples as wl

    monkeypatch.setattr(wl, "SAMPLE_FILE_BYTES", 100)
    monkeypatch.setattr(wl, "SAMPLES_BYTES", 250)
    for name, size in [("a.txt", 90), ("b.txt", 90), ("c.txt", 90), ("big.txt", 101)]:
        (tmp_path / name).write_text("w" * size)

    def run(prompts_per_profile):
        body = "".join(f"  p{i}:\n    requests_per_day: 10\n    output_tokens: 10\n    start: 2026-12-01\n"
                       f"    models: [gpt-5.5]\n    samples: {{prompts: [{', '.join(p)}]}}\n"
                       for i, p in enumerate(prompts_per_profile))
        path = tmp_path / "w.yaml"
        path.write_text("schema_version: 1\nprofiles:\n" + body)
        return CliRunner().invoke(cli, ["estimate", str(path), "--months", "1"])

    # a.txt and b.txt in two profiles each: 180 bytes read, under 250
    assert run([["a.txt", "b.txt"], ["b.txt", "a.txt"]]).exit_code == 0
    over_file = run([["big.txt"]])
    assert over_file.exit_code == 1 and over_file.stdout == "" and len(over_file.stderr.splitlines()) == 1
    assert "big.txt" in over_file.stderr
    assert "the most a sample file (one request's prompt or reply) may be" in over_file.stderr
    over_all = run([["a.txt", "b.txt"], ["c.txt"]])
    assert over_all.exit_code == 1 and "c.txt" in over_all.stderr and "in all" in over_all.stderr
