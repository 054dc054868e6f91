"""`costcalc reprice` end to end, one log per provider format: the inclusive/additive token semantics
of each provider pinned by a hand-computed bill (rates from pricing.yaml, USD per 1M tokens)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from costcalc.cli import cli

M = Decimal(1_000_000)
ROOT = Path(__file__).resolve().parents[1]
SEP_1 = int(datetime(2026, 9, 1, tzinfo=timezone.utc).timestamp())  # unix seconds, a Tuesday


def run(*args):
    result = CliRunner().invoke(cli, ["reprice", *map(str, args)])
    return result


def jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def total(result) -> Decimal:
    assert result.exit_code == 0, result.output
    return Decimal(json.loads(result.output)["total_usd"])


def test_openai_chat_completions_cached_inside_prompt_reasoning_inside_completion(tmp_path):
    log = jsonl(tmp_path / "openai.jsonl", [
        {"id": "a", "object": "chat.completion", "created": SEP_1, "model": "gpt-5.5", "service_tier": "default",
         "usage": {"prompt_tokens": 12_000, "completion_tokens": 900,
                   "prompt_tokens_details": {"cached_tokens": 8000},
                   "completion_tokens_details": {"reasoning_tokens": 300}}},
        {"id": "b", "object": "chat.completion", "created": SEP_1 + 60, "model": "gpt-5.5", "service_tier": "flex",
         "usage": {"prompt_tokens": 1000, "completion_tokens": 100}}])
    # a: 4,000 uncached x 5.00 + 8,000 cached x 0.50 + (600 output + 300 reasoning) x 30.00
    a = (4000 * Decimal("5.00") + 8000 * Decimal("0.50") + 900 * Decimal("30.00")) / M
    # b: flex is half price
    b = (1000 * Decimal("5.00") + 100 * Decimal("30.00")) / M / 2
    assert total(run(log, "--format", "json")) == a + b == Decimal("0.055")


def test_openai_responses_api_usage(tmp_path):
    log = jsonl(tmp_path / "responses.jsonl", [
        {"id": "resp_1", "object": "response", "created_at": SEP_1, "model": "gpt-5.4",
         "usage": {"input_tokens": 5000, "input_tokens_details": {"cached_tokens": 1000},
                   "output_tokens": 2000, "output_tokens_details": {"reasoning_tokens": 1500}}}])
    expected = (4000 * Decimal("2.50") + 1000 * Decimal("0.25") + 2000 * Decimal("15.00")) / M
    assert total(run(log, "--format", "json")) == expected == Decimal("0.04025")


def test_anthropic_input_excludes_cache_reads_and_writes(tmp_path):
    log = jsonl(tmp_path / "anthropic.jsonl", [
        {"timestamp": "2026-09-01T10:00:00Z",
         "response": {"id": "msg_1", "type": "message", "model": "claude-opus-4-7",
                      "usage": {"input_tokens": 2000, "cache_read_input_tokens": 50_000,
                                "cache_creation_input_tokens": 14_000,
                                "cache_creation": {"ephemeral_5m_input_tokens": 10_000,
                                                   "ephemeral_1h_input_tokens": 4000},
                                "output_tokens": 3000, "service_tier": "standard"}}},
        {"timestamp": "2026-09-01T10:01:00Z",
         "response": {"id": "msg_2", "type": "message", "model": "claude-opus-4-7",
                      "usage": {"input_tokens": 1000, "output_tokens": 1000, "inference_geo": "us"}}}])
    first = (2000 * Decimal(5) + 50_000 * Decimal("0.50") + 10_000 * Decimal("6.25") + 4000 * Decimal(10)
             + 3000 * Decimal(25)) / M
    second = (1000 * Decimal(5) + 1000 * Decimal(25)) / M * Decimal("1.1")  # US-only inference: x1.1
    assert total(run(log, "--format", "json")) == first + second == Decimal("0.2455")


def test_deepseek_hit_and_miss_add_up_to_the_prompt_across_the_peak_switch(tmp_path):
    usage = {"prompt_tokens": 11_000, "prompt_cache_hit_tokens": 10_000, "prompt_cache_miss_tokens": 1000,
             "completion_tokens": 700, "completion_tokens_details": {"reasoning_tokens": 200}}
    aug_16_1559 = int(datetime(2026, 8, 16, 15, 59, tzinfo=timezone.utc).timestamp())  # last list minute
    log = jsonl(tmp_path / "deepseek.jsonl", [
        {"id": "1", "object": "chat.completion", "created": aug_16_1559, "model": "deepseek-v4-pro", "usage": usage},
        {"id": "2", "object": "chat.completion", "created": aug_16_1559 + 60, "model": "deepseek-v4-pro",
         "usage": usage},
        {"id": "3", "object": "chat.completion", "created": aug_16_1559 + 60 + 10 * 3600, "model": "deepseek-v4-pro",
         "usage": usage}])  # 2026-08-17T02:00Z, Monday: peak
    rates = [("0.435", "0.003625", "0.87"), ("0.66", "0.022", "1.98"), ("1.32", "0.044", "3.96")]
    expected = sum((1000 * Decimal(i) + 10_000 * Decimal(c) + 700 * Decimal(o)) / M for i, c, o in rates)
    done = run(log, "--by", "day", "--format", "json")
    assert total(done) == expected
    rows = json.loads(done.output)["rows"]
    assert [(r["day"], r["records"]) for r in rows] == [("2026-08-16", 2), ("2026-08-17", 1)]


def otlp_span(start_ns: int, attributes: dict) -> dict:
    def value(v):
        return {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}

    return {"traceId": "t", "spanId": "s", "name": "chat", "startTimeUnixNano": str(start_ns),
            "attributes": [{"key": k, "value": value(v)} for k, v in attributes.items()]}


def test_otel_genai_spans_input_includes_cache_and_other_spans_are_not_records(tmp_path):
    spans = [
        otlp_span(SEP_1 * 10**9, {"gen_ai.provider.name": "anthropic", "gen_ai.response.model": "claude-opus-4-7",
                                 "gen_ai.usage.input_tokens": 66_000,
                                 "gen_ai.usage.cache_read.input_tokens": 50_000,
                                 "gen_ai.usage.cache_creation.input_tokens": 10_000,
                                 "gen_ai.usage.output_tokens": 3000}),
        otlp_span(SEP_1 * 10**9, {"http.method": "POST"}),  # not an LLM call
    ]
    doc = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name",
                                                            "value": {"stringValue": "bot"}}]},
                              "scopeSpans": [{"spans": spans}]}]}
    log = jsonl(tmp_path / "spans.jsonl", [doc])
    # input 66,000 includes 50,000 reads and 10,000 writes (5-minute): 6,000 uncached
    expected = (6000 * Decimal(5) + 50_000 * Decimal("0.50") + 10_000 * Decimal("6.25") + 3000 * Decimal(25)) / M
    done = run(log, "--by", "tag:service", "--format", "json")
    out = json.loads(done.output)
    assert total(done) == expected and out["records"] == 1
    assert out["rows"][0]["tag:service"] == "bot"


def test_csv_with_a_column_mapping_and_inclusive_prompt_tokens(tmp_path):
    log = tmp_path / "gateway.csv"
    log.write_text("ts,model_name,pt,cached,out,team\n"
                   "2026-09-01T00:00:00Z,gpt-5.5,10000,4000,500,search\n"
                   "2026-09-01T01:00:00Z,gpt-5.5,2000,0,100,=cmd()\n", encoding="utf-8")
    done = run(log, "--map", "timestamp=ts,model=model_name,prompt_tokens=pt,cached_tokens=cached,"
                             "output_tokens=out,tag:team=team", "--by", "tag:team", "--format", "csv")
    assert done.exit_code == 0, done.output
    rows = list(pd.read_csv(pd.io.common.StringIO(done.output), dtype=str).itertuples(index=False))
    by_team = {r._0: Decimal(r.cost_usd) for r in rows}
    assert by_team["search"] == (6000 * Decimal(5) + 4000 * Decimal("0.50") + 500 * Decimal(30)) / M
    assert by_team["'=cmd()"] == (2000 * Decimal(5) + 100 * Decimal(30)) / M  # formula neutralized


def test_parquet_in_the_normalized_schema(tmp_path):
    frame = pd.DataFrame({"timestamp": pd.to_datetime(["2026-09-01T00:00:00Z"] * 3, utc=True),
                          "provider": "openai", "model": ["gpt-5.4-mini"] * 3,
                          "input_tokens": [1000, 2000, 3000], "cached_tokens": [0, 1000, 0],
                          "output_tokens": [100, 200, 300]})
    path = tmp_path / "usage.parquet"
    frame.to_parquet(path)
    expected = (6000 * Decimal("0.75") + 1000 * Decimal("0.075") + 600 * Decimal("4.50")) / M
    assert total(run(path, "--format", "json")) == expected


CORRUPT = [
    '{"created": 1788220800, "model": "gpt-5.5", "usage": {"prompt_tokens": 100, "completion_tokens": 10}}',
    '{"created": 1788220800, "model": "gpt-5.5", "usage": {"prompt_tokens": 100, "completion_tokens": -10}}',
    'not json at all',
    '',
    '{"created": 1788220800, "model": "gpt-6-ultra", "usage": {"prompt_tokens": 100, "completion_tokens": 10}}',
    '{"created": 1788220800, "model": "gpt-5.5", "usage": {"prompt_tokens": 100, "completion_tokens": 10}}',
    '{"created": 1788220800, "model": "gpt-5.5", "usage": {"prompt_tok',
]


def test_corrupt_log_reports_each_bad_record_with_its_line_and_goes_on(tmp_path):
    log = tmp_path / "bad.jsonl"
    log.write_text("\n".join(CORRUPT), encoding="utf-8")
    done = run(log, "--log-format", "openai", "--format", "json")
    assert done.exit_code == 1
    out = json.loads(done.stdout)
    assert (out["records"], out["priced"], out["reported"]) == (6, 2, 4)
    assert [(p["line"], p["key"]) for p in out["problems"]] == [(2, "usage.completion_tokens"), (3, ""),
                                                                 (5, "model"), (7, "")]
    assert all(p["file"] == str(log) for p in out["problems"])
    assert Decimal(out["total_usd"]) == 2 * (100 * Decimal(5) + 10 * Decimal(30)) / M
    assert done.stderr.strip() == "costcalc: 6 records: 2 priced, 4 reported"


def test_strict_stops_at_the_first_bad_record_with_one_line_and_no_output_file(tmp_path):
    log = tmp_path / "bad.jsonl"
    log.write_text("\n".join(CORRUPT), encoding="utf-8")
    target = tmp_path / "out.json"
    done = run(log, "--log-format", "openai", "--strict", "--output", target)
    assert done.exit_code == 1 and done.stdout == "" and not target.exists()
    assert done.stderr.startswith(f"costcalc: {log}:2: usage.completion_tokens: -10: ")
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args, message", [
    (["--by", "week"], "cannot group by 'week'"),
    (["--as", "gpt-9"], "unknown model 'gpt-9'"),
    (["--log-format", "xml"], "'xml' is not one of"),
    (["--map", "timestamp"], "use SCHEMA=COLUMN pairs"),
])
def test_bad_options_are_one_line_usage_errors(tmp_path, args, message):
    log = jsonl(tmp_path / "ok.jsonl", [{"created": SEP_1, "model": "gpt-5.5",
                                        "usage": {"prompt_tokens": 1, "completion_tokens": 1}}])
    done = run(log, *args)
    assert done.exit_code == 2 and done.stdout == ""
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_as_models_in_json_and_table(tmp_path):
    log = jsonl(tmp_path / "openai.jsonl", [{"created": SEP_1, "model": "gpt-5.5",
                                            "usage": {"prompt_tokens": 1000, "completion_tokens": 100}}])
    out = json.loads(run(log, "--as", "gpt-5.4,claude-opus-4-7", "--format", "json").output)
    assert out["as_models"] == ["gpt-5.4", "claude-opus-4-7"]
    assert out["totals_usd"] == {"logged": "0.008", "gpt-5.4": "0.004",
                                 "claude-opus-4-7": str((1300 * Decimal(5) + 130 * Decimal(25)) / M)}
    table = run(log, "--as", "claude-opus-4-7").output
    assert "claude-opus-4-7 (est.)" in table and "Total USD: logged 0.01; claude-opus-4-7 0.01" in table


def test_tag_values_with_newlines_stay_on_one_table_row(tmp_path):
    log = jsonl(tmp_path / "t.jsonl", [{"created": SEP_1, "model": "gpt-5.5", "tags": {"team": "a\nb|c"},
                                        "usage": {"prompt_tokens": 1, "completion_tokens": 1}}])
    for fmt in ("table", "markdown"):
        out = run(log, "--by", "tag:team", "--format", fmt).output
        row = [line for line in out.splitlines() if "gpt-5.5" in line]
        # a table wider than the terminal prints in blocks of columns, each repeating the row's keys
        blocks = 1 if fmt == "markdown" else sum(1 for line in out.splitlines() if line.startswith("tag:team"))
        assert len(row) == blocks and all("a\\nb" in line for line in row)


def test_profile_refuses_models_the_table_cannot_price_and_lists_bad_records(tmp_path):
    log = tmp_path / "p.jsonl"
    records = [{"created": SEP_1, "model": "gpt-9", "usage": {"prompt_tokens": 1, "completion_tokens": 1}},
               {"created": SEP_1, "model": "gpt-5.5", "usage": {"prompt_tokens": -1, "completion_tokens": 1}}]
    log.write_text("".join(json.dumps(record) + "\n" for record in records))
    target = tmp_path / "w.yaml"
    done = CliRunner().invoke(cli, ["profile", str(log), "--output", str(target)])
    assert done.exit_code == 1 and done.stdout == "" and not target.exists()
    assert done.stderr.splitlines() == [
        f"costcalc: {log}:2: usage.prompt_tokens: -1: must be a whole number of tokens >= 0",
        "costcalc: usage has models the price table does not know: 'gpt-9'; add them with a price overlay "
        "(--prices) or leave their records out"]


def test_profile_of_a_log_then_estimate(tmp_path):
    target = tmp_path / "w.yaml"
    logs = sorted(str(p) for p in (ROOT / "examples" / "usage").glob("*.jsonl"))
    done = CliRunner().invoke(cli, ["profile", *logs, "--timezone", "Asia/Shanghai", "--output", str(target)])
    assert done.exit_code == 0, done.output
    text = target.read_text()
    for model in ("gpt-5.5", "claude-opus-4-7", "deepseek-v4-pro", "deepseek-v4-flash", "gpt-5.4-mini"):
        assert f"models: [{model}]" in text
    done = CliRunner().invoke(cli, ["estimate", str(target), "--start", "2026-10", "--months", "1", "--format", "json"])
    assert done.exit_code == 0, done.output
    assert Decimal(json.loads(done.output)["total_usd"]) > 0
