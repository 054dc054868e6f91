"""Fuzzing every reader (issue 11): mutated valid inputs (bytes flipped, the file cut short, control
characters and hostile numbers put in, lines repeated so keys appear twice, values replaced by ones of the
wrong type) go through the library entry points a notebook calls. The contract, at the library level:
either a result, or a CostcalcError whose lines are single lines naming the file; never another
exception. Per-record problems of usage logs (reported, the read goes on) are held to the same rule.

Examples are derandomized so CI is repeatable; COSTCALC_FUZZ_EXAMPLES=2000 runs a longer, random search.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costcalc.errors import CostcalcError

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "community"
_AT = datetime(2026, 12, 1, tzinfo=timezone.utc)
_LONG = int(os.environ.get("COSTCALC_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=_LONG or 60, deadline=None, derandomize=not _LONG, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# -- mutations ------------------------------------------------------------------------------------------

HOSTILE_TEXT = ["\x00", "\r", "\n", "\x1b[31m", "\u2028", "\ufeff", "\x85", "\t", '"', "'", "{", "[", "]", "}",
                ":", ",", "#", "&a", "*a", "!!python/name:os.system", "<<: *a", "? ", "- ", "=2+2"]
HOSTILE_VALUES = ["1E+999999", "1E-999999", "9" * 400, "-1", "-0", "1e400", ".nan", ".inf", "NaN", "Infinity",
                  "0x10", "0o17", "1_000", "１０", "١٠٠", "¹²", "1.0000000000000001", "2026-13-45",
                  "99999-01-01T00:00Z", "[1]", "{}", "true", "null", '""', "[]", '"x"', "~", "18446744073709551616"]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # an error line is one printable line
_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """`seed` with one to three mutations applied in turn."""
    data = seed
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "number", "line", "drop", "value"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
        elif kind == "cut":
            data = data[:at]
        elif kind == "insert":
            data = data[:at] + draw(st.sampled_from(HOSTILE_TEXT)).encode() + data[at:]
        elif kind in ("number", "value"):  # a number in the file replaced by a hostile value
            numbers = list(_NUMBER.finditer(data))
            if numbers:
                m = numbers[draw(st.integers(0, len(numbers) - 1))]
                data = data[:m.start()] + draw(st.sampled_from(HOSTILE_VALUES)).encode() + data[m.end():]
        elif kind in ("line", "drop"):  # a line repeated (a key twice) or left out
            lines = data.splitlines(keepends=True)
            if lines:
                i = draw(st.integers(0, len(lines) - 1))
                lines[i:i + 1] = [lines[i]] * (2 if kind == "line" else 0)
                data = b"".join(lines)
    return data


@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def assert_contract(exc: CostcalcError, path: Path) -> None:
    lines = exc.lines
    assert lines, repr(exc)
    for line in lines:
        assert not _CONTROL.search(line), line
        assert len(line) < 1000, line[:300]
        assert path.name in line, line


def check(path: Path, fn):
    """fn(path) gives a result or a CostcalcError that keeps the contract; anything else fails."""
    try:
        return fn(path)
    except CostcalcError as exc:
        assert_contract(exc, path)
        return None


# -- price tables -----------------------------------------------------------------------------------------

OVERLAY = b"""\
schema_version: 1
version: "fuzz.1"
providers:
  acme:
    name: Acme
    models:
      acme-1:
        name: Acme One
        from: 2026-01-01T00:00Z
        aliases: [acme-one]
        tokenizer: o200k
        context_window: 200000
        max_output_tokens: 32000
        prices:
          - label: list
            rates: {input: 1.5, cache_read: 0.15, output: 6}
            source: https://example.com/acme
            checked: 2026-11-01
          - label: promo
            promotion_of: list
            when: {from: 2026-06-01T00:00Z, until: 2026-07-01T00:00Z}
            rates: {input: 0.75, output: 3}
            source: https://example.com/acme
            checked: 2026-11-01
      acme-2:
        name: Acme Two
        prices:
          - label: peak
            when: {timezone: Asia/Shanghai, weekdays: [mon, tue, wed, thu, fri], hours: ["08:00-20:00"]}
            rates: {input: 2, output: 8}
            native: {CNY: {input: 14, output: 56}}
            source: https://example.com/acme
            checked: 2026-11-01
          - label: off-peak
            when: {timezone: Asia/Shanghai, weekdays: [mon, tue, wed, thu, fri], hours: ["00:00-08:00", "20:00-24:00"]}
            rates: {input: 1, output: 4}
            source: https://example.com/acme
            checked: 2026-11-01
          - label: off-peak
            when: {timezone: Asia/Shanghai, weekdays: [sat, sun]}
            rates: {input: 1, output: 4}
            source: https://example.com/acme
            checked: 2026-11-01
"""


def _overlay(path):
    from costcalc.prices import TokenBundle, load_prices, quote

    table = load_prices(overlays=[path])
    for model in ("acme-1", "acme-2"):
        if model in table.models:
            quote(table, model, TokenBundle(input=1000, output=100), at=_AT)
    return table


def _base(path):
    from costcalc.prices import load_prices
    from costcalc.prices.lint import lint

    return lint(load_prices(path), _AT.date())


@pytest.mark.slow
@given(data=mutated(OVERLAY))
@FUZZ
def test_fuzz_price_overlay(data, scratch):
    check(write(scratch, "overlay.yaml", data), _overlay)


@given(data=mutated(OVERLAY))
@FUZZ
def test_fuzz_price_table(data, scratch):
    check(write(scratch, "table.yaml", data), _base)


# -- workloads --------------------------------------------------------------------------------------------

WORKLOADS = b"""\
schema_version: 1
defaults: {start: 2026-06-01}
profiles:
  support-bot:
    requests_per_day: {low: 500, expected: 1000, high: 2000}
    input_tokens: 3000
    output_tokens: 400
    cache_hit_rate: 0.6
    cache_write: {ttl: 5m, share: 0.1}
    traffic:
      timezone: America/New_York
      hours: [1, 1, 1, 1, 1, 1, 2, 4, 6, 8, 8, 8, 8, 8, 8, 8, 6, 4, 3, 2, 2, 1, 1, 1]
      weekdays: {mon: 1, tue: 1, wed: 1, thu: 1, fri: 1, sat: 0.4, sun: 0.3}
    growth_per_month: 0.05
    tiers: {batch: 0.5, standard: 0.5}
    models: [gpt-5.5, deepseek-v4-pro]
    tags: {team: support}
  agent:
    requests_per_month: 30000
    input_tokens: {histogram: [{tokens: 2000, share: 0.7}, {tokens: 30000, share: 0.3}]}
    output_tokens: 1500
    reasoning: high
    tool_calls_per_request: {web_search: 0.5}
    models: [claude-opus-4-7]
"""

WORKLOADS_CSV = b"""\
name,requests_per_day,input_tokens,output_tokens,cache_hit_rate,start,models,tags.team,growth_per_month
support-bot,1000,3000,400,0.6,2026-06-01,gpt-5.5;deepseek-v4-pro,support,0.05
batch-job,200,"{low: 100, expected: 200, high: 400}",100,,2026-06-01,[claude-opus-4-7],data,
"""


def _workloads(path):
    from costcalc.api import estimate

    return estimate(str(path), start="2026-06", months=2)


@pytest.mark.slow
@given(data=mutated(WORKLOADS))
@FUZZ
def test_fuzz_workloads_yaml(data, scratch):
    check(write(scratch, "workloads.yaml", data), _workloads)


@pytest.mark.slow
@given(data=mutated(WORKLOADS_CSV))
@FUZZ
def test_fuzz_workloads_csv(data, scratch):
    check(write(scratch, "workloads.csv", data), _workloads)


# -- FX files ---------------------------------------------------------------------------------------------

FX = b"schema_version: 1\nsource: FY2027 budget rates\nrates: {EUR: 0.92, GBP: 0.79, CNY: 7.12}\n"


def _fx(path):
    from costcalc.fx import load_fx

    return load_fx(str(path))


@given(data=mutated(FX))
@FUZZ
def test_fuzz_fx_file(data, scratch):
    check(write(scratch, "fx.yaml", data), _fx)


# -- usage logs -------------------------------------------------------------------------------------------

def _usage(path, format=None, mapping=None):
    from costcalc.usage.read import iter_usage

    records = 0
    for chunk in iter_usage(path, format=format, mapping=mapping, chunk_records=3):
        assert chunk.records == len(chunk.frame) + len(chunk.problems)
        records += chunk.records
        for problem in chunk.problems:
            text = str(problem)
            assert not _CONTROL.search(text) and path.name in text and len(text) < 1000, text
    return records


def _jsonl(*records) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


OPENAI = (ROOT / "examples" / "usage" / "openai.jsonl").read_bytes().splitlines(keepends=True)[:4]
ANTHROPIC = (ROOT / "examples" / "usage" / "anthropic.jsonl").read_bytes().splitlines(keepends=True)[:4]
DEEPSEEK = (ROOT / "examples" / "usage" / "deepseek.jsonl").read_bytes().splitlines(keepends=True)[:4]
COSTCALC = _jsonl({"timestamp": "2026-09-01T00:00:00Z", "provider": "openai", "model": "gpt-5.5", "input_tokens": 10,
                   "cached_tokens": 2, "output_tokens": 5, "reasoning_tokens": 1, "service_tier": "flex",
                   "tag:team": "a"},
                  {"timestamp": 1788239855, "model": "claude-opus-4-7", "input_tokens": 7, "cached_tokens": 0,
                   "cache_write_1h_tokens": 3, "output_tokens": 8, "web_search_calls": 1, "residency": True})


def _attr(key, value):
    kind = "intValue" if isinstance(value, int) else "stringValue"
    return {"key": key, "value": {kind: str(value) if kind == "intValue" else value}}


OTEL = _jsonl({"resourceSpans": [{"resource": {"attributes": [_attr("service.name", "bot")]}, "scopeSpans": [
    {"spans": [{"name": "chat", "startTimeUnixNano": "1788239855000000123", "attributes": [
        _attr("gen_ai.provider.name", "anthropic"), _attr("gen_ai.request.model", "claude-sonnet-4-5"),
        _attr("gen_ai.usage.input_tokens", 1000), _attr("gen_ai.usage.cache_read.input_tokens", 600),
        _attr("gen_ai.usage.output_tokens", 50)]},
     {"name": "chat", "startTimeUnixNano": "1788239855000000000", "attributes": [
         _attr("gen_ai.system", "openai"), _attr("gen_ai.request.model", "gpt-5"),
         _attr("gen_ai.usage.input_tokens", 10), _attr("gen_ai.usage.output_tokens", 8)]}]}]}]})
CSV_LOG = (b"timestamp,provider,model,input_tokens,cached_tokens,output_tokens,service_tier,tag:team\n"
           b"2026-09-01T00:00:00Z,openai,gpt-5.5,1200,100,300,standard,a\n"
           b"2026-09-01T01:00:00+02:00,anthropic,claude-opus-4-7,10,0,5,batch,b\n"
           b"1788239855,deepseek,deepseek-v4-pro,7,3,1,,\n")
MAPPED = b"ts,model_name,pt,out,team\n2026-09-01T00:00:00Z,gpt-5.5,1200,300,x\n2026-09-02T00:00:00Z,gpt-5.4,1,2,y\n"


@pytest.mark.slow
@pytest.mark.parametrize("name,seed,format", [
    ("openai.jsonl", b"".join(OPENAI), "openai"), ("anthropic.jsonl", b"".join(ANTHROPIC), "anthropic"),
    ("deepseek.jsonl", b"".join(DEEPSEEK), "deepseek"), ("otel.jsonl", OTEL, "otel"),
    ("costcalc.jsonl", COSTCALC, "costcalc"), ("detected.jsonl", b"".join(OPENAI), None),
    ("costcalc.csv", CSV_LOG, None)])
def test_fuzz_usage_log(name, seed, format, scratch):
    @given(data=mutated(seed))
    @FUZZ
    def run(data):
        check(write(scratch, name, data), lambda p: _usage(p, format))

    run()


@pytest.mark.slow
@given(data=mutated(MAPPED))
@FUZZ
def test_fuzz_usage_csv_mapped(data, scratch):
    mapping = {"timestamp": "ts", "model": "model_name", "input_tokens": "pt", "output_tokens": "out",
               "tag:team": "team"}
    check(write(scratch, "gateway.csv", data), lambda p: _usage(p, "csv", mapping))


@given(data=mutated(b"".join(OPENAI)), level=st.integers(0, 9))
@FUZZ
def test_fuzz_usage_gzip(data, level, scratch):
    """Mutations of the compressed bytes: a corrupt stream is one line, never zlib.error."""
    packed = gzip.compress(b"".join(OPENAI), compresslevel=level)
    cut = len(data) % (len(packed) + 1)
    check(write(scratch, "openai.jsonl.gz", packed[:cut] + data[:8] + packed[cut + 8:]), _usage)


def _parquet_seed() -> bytes:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table({"timestamp": ["2026-09-01T00:00:00Z", "2026-09-02T00:00:00Z"], "model": ["gpt-5.5", "gpt-5.4"],
                      "input_tokens": [10, 20], "output_tokens": [1, 2], "tag:team": ["a", "b"]})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def test_fuzz_usage_parquet(scratch):
    seed = _parquet_seed()

    @given(data=mutated(seed))
    @FUZZ
    def run(data):
        check(write(scratch, "usage.parquet", data), _usage)

    run()


# -- saved results ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def saved_seed() -> bytes:
    from costcalc.api import estimate
    from costcalc.report.document import dumps, to_document

    df = estimate(WORKLOADS.decode(), start="2026-06", months=2, currency="EUR", fx=["EUR=0.92"])
    return dumps(to_document(df)).encode()


def _saved(path):
    from costcalc.report.document import load
    from costcalc.report.estimate import render_document

    document = load(str(path))
    for fmt in ("table", "csv", "json", "markdown", "html", "focus"):
        render_document(document, fmt)
    return document


@pytest.mark.slow
def test_fuzz_saved_result(saved_seed, scratch):
    # the document's text is large: mutate a compact copy so the mutations land in every part of it
    compact = json.dumps(json.loads(saved_seed), separators=(",", ":")).replace("},{", "},\n{").encode()

    @given(data=mutated(compact))
    @FUZZ
    def run(data):
        check(write(scratch, "estimate.json", data), _saved)

    run()


# -- community price tables -------------------------------------------------------------------------------

def _import(source):
    def run(path):
        from costcalc.community import import_prices, overlay_yaml

        frame = import_prices(path, source=source, checked="2026-12-01")
        overlay_yaml(frame)
        return frame
    return run


def _crosscheck(path):
    from costcalc.community import crosscheck

    return crosscheck([path], at="2026-12-01")


@pytest.mark.slow
@pytest.mark.parametrize("name,source", [("litellm.json", "litellm"), ("genai-prices.json", "genai-prices"),
                                         ("genai-prices-provider.yml", "genai-prices"),
                                         ("openrouter.json", "openrouter"), ("models-dev.json", "models.dev")])
def test_fuzz_community_import(name, source, scratch):
    seed = (FIXTURES / name).read_bytes()

    @given(data=mutated(seed))
    @FUZZ
    def run(data):
        path = write(scratch, name, data)
        check(path, _import(source))
        check(path, _crosscheck)

    run()
