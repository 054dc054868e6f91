"""Usage log readers: every format normalized to the additive schema, bad records reported one by one."""

import gzip
import os
import json

import numpy as np
import pandas as pd
import pytest

from costcalc.errors import CostcalcError, InputError
from costcalc.usage.chunk import UsageChunk
from costcalc.usage.read import FORMATS, iter_usage, normalize_frame, parse_mapping
from costcalc.usage.schema import COLUMNS, COUNT_COLUMNS, SOURCE_COLUMNS

T0 = pd.Timestamp("2026-05-31T15:58:00Z")
T0_UNIX = int(T0.timestamp())  # 1780243080


def write_lines(path, records, raw_tail=""):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records) + raw_tail)
    return path


def read_all(paths, **kwargs) -> UsageChunk:
    chunks = list(iter_usage(paths, **kwargs))
    for chunk in chunks:
        assert chunk.records == len(chunk.frame) + len(chunk.problems)
    frame = pd.concat([c.frame for c in chunks], ignore_index=True) if chunks else None
    return UsageChunk(frame, sum(c.records for c in chunks), [p for c in chunks for p in c.problems])


def counts(frame, row):
    return tuple(int(frame.loc[row, c]) for c in COUNT_COLUMNS)


def assert_schema(frame, tags=()):
    assert list(frame.columns) == list(COLUMNS + SOURCE_COLUMNS) + [f"tag:{t}" for t in tags]
    assert str(frame["timestamp"].dtype) == "datetime64[ns, UTC]"
    for column in COUNT_COLUMNS + ("line",):
        assert frame[column].dtype == np.int64, column
    assert frame["residency"].dtype == bool
    for column in ("provider", "model", "service_tier", "source") + tuple(f"tag:{t}" for t in tags):
        dtype = frame[column].dtype  # text, or a Categorical of text (columns read through distinct values)
        text = dtype.categories.dtype if isinstance(dtype, pd.CategoricalDtype) else dtype
        assert pd.api.types.is_string_dtype(text), column
        assert not frame[column].isna().any(), column


# ------------------------------------------------------------------------------------------- openai


def test_openai_chat_and_responses_split_inclusive_counts(tmp_path):
    log = write_lines(tmp_path / "openai.jsonl", [
        # Chat: prompt 1200 includes 1024 cached; completion 300 includes 100 reasoning
        {"id": "c1", "object": "chat.completion", "created": T0_UNIX, "model": "gpt-5", "service_tier": "default",
         "usage": {"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500,
                   "prompt_tokens_details": {"cached_tokens": 1024},
                   "completion_tokens_details": {"reasoning_tokens": 100}}},
        "",  # blank line: not a record, but counts for line numbers
        # Responses in a gateway wrapper: its own timestamp wins over created_at; tags
        {"timestamp": "2026-06-01T08:00:00+02:00", "tags": {"team": "search", "env": "prod"},
         "response": {"object": "response", "created_at": T0_UNIX, "model": "gpt-5-mini", "service_tier": "flex",
                      "usage": {"input_tokens": 50, "output_tokens": 20,
                                "input_tokens_details": {"cached_tokens": 10},
                                "output_tokens_details": {"reasoning_tokens": 5}}}},
        # usage row with the fields at the top level, "fast" = priority, no details
        {"timestamp": "2026-06-01T00:00:00", "model": "gpt-5", "service_tier": "fast", "prompt_tokens": 7,
         "completion_tokens": 3},
        {"created": T0_UNIX, "model": "gpt-5", "service_tier": "batch",
         "usage": {"prompt_tokens": 12, "completion_tokens": 0, "prompt_tokens_details": None}},
    ])
    got = read_all(log)
    frame = got.frame
    assert got.records == 4 and got.problems == []
    assert_schema(frame, tags=("env", "team"))
    assert counts(frame, 0) == (1200 - 1024, 1024, 0, 0, 300 - 100, 100)
    assert counts(frame, 1) == (50 - 10, 10, 0, 0, 20 - 5, 5)
    assert counts(frame, 2) == (7, 0, 0, 0, 3, 0)
    assert counts(frame, 3) == (12, 0, 0, 0, 0, 0)
    assert list(frame["service_tier"]) == ["standard", "flex", "priority", "batch"]
    assert list(frame["line"]) == [1, 3, 4, 5]
    assert set(frame["source"]) == {str(log)}
    assert list(frame["provider"]) == ["openai"] * 4
    assert list(frame["model"]) == ["gpt-5", "gpt-5-mini", "gpt-5", "gpt-5"]
    assert list(frame["timestamp"]) == [T0, pd.Timestamp("2026-06-01T06:00Z"), pd.Timestamp("2026-06-01T00:00Z"), T0]
    assert list(frame["tag:team"]) == ["", "search", "", ""]
    assert not frame["residency"].any()


def test_openai_inconsistencies_and_scale_tier_are_problems(tmp_path):
    log = write_lines(tmp_path / "o.jsonl", [
        {"created": T0_UNIX, "model": "m", "usage": {"prompt_tokens": 10, "completion_tokens": 5,
                                                     "prompt_tokens_details": {"cached_tokens": 11}}},
        {"created": T0_UNIX, "model": "m", "usage": {"prompt_tokens": 10, "completion_tokens": 5,
                                                     "completion_tokens_details": {"reasoning_tokens": 6}}},
        {"created": T0_UNIX, "model": "m", "service_tier": "scale", "usage": {"prompt_tokens": 1, "completion_tokens": 1}},
        {"created": T0_UNIX, "model": "m", "service_tier": "gold", "usage": {"prompt_tokens": 1, "completion_tokens": 1}},
        {"created": T0_UNIX, "model": "m", "usage": {"prompt_tokens": 1, "completion_tokens": 1}},
    ])
    got = read_all(log, format="openai")
    assert got.records == 5 and len(got.frame) == 1 and list(got.frame["line"]) == [5]
    lines = [str(p) for p in got.problems]
    assert lines[0] == (f"{log}:1: usage.prompt_tokens_details.cached_tokens: 11: "
                        "more than prompt_tokens (10), which includes them")
    assert lines[1].startswith(f"{log}:2: usage.completion_tokens_details.reasoning_tokens: 6: more than")
    assert lines[2].startswith(f"{log}:3: service_tier: 'scale': Scale Tier is prepaid")
    assert lines[3].startswith(f"{log}:4: service_tier: 'gold': unknown service tier; one of ")


# ---------------------------------------------------------------------------------------- anthropic


def test_anthropic_cache_writes_ttl_tiers_and_residency(tmp_path):
    log = write_lines(tmp_path / "claude.jsonl", [
        # the split: 5m and 1h writes (their sum agrees with cache_creation_input_tokens)
        {"timestamp": "2026-05-31T15:58:00Z", "tags": {"team": "a"},
         "response": {"id": "msg_1", "type": "message", "model": "claude-sonnet-4-5",
                      "usage": {"input_tokens": 40, "cache_read_input_tokens": 2000,
                                "cache_creation_input_tokens": 700,
                                "cache_creation": {"ephemeral_5m_input_tokens": 500, "ephemeral_1h_input_tokens": 200},
                                "output_tokens": 900, "service_tier": "priority", "inference_geo": "us"}}},
        # only the total: all 5-minute writes (the default TTL)
        {"timestamp": T0_UNIX, "model": "claude-haiku-4-5",
         "usage": {"input_tokens": 3, "cache_creation_input_tokens": 300, "cache_read_input_tokens": 0,
                   "output_tokens": 10, "service_tier": "batch", "inference_geo": "global"}},
        # usage fields at the top level, nulls for the absent details
        {"timestamp": "2026-05-31T15:58:00Z", "model": "claude-opus-4-5", "input_tokens": 1,
         "cache_read_input_tokens": None, "cache_creation_input_tokens": None, "output_tokens": 2},
    ])
    got = read_all(log)  # detected: cache_* fields
    frame = got.frame
    assert got.problems == [] and got.records == 3
    assert_schema(frame, tags=("team",))
    assert counts(frame, 0) == (40, 2000, 500, 200, 900, 0)  # thinking stays inside output: reasoning 0
    assert counts(frame, 1) == (3, 0, 300, 0, 10, 0)
    assert counts(frame, 2) == (1, 0, 0, 0, 2, 0)
    assert list(frame["service_tier"]) == ["priority", "batch", "standard"]
    assert list(frame["residency"]) == [True, False, False]
    assert list(frame["provider"]) == ["anthropic"] * 3
    assert list(frame["timestamp"]) == [T0, T0, T0]


def test_anthropic_needs_a_timestamp_and_a_consistent_split(tmp_path):
    usage = {"input_tokens": 1, "output_tokens": 1, "cache_creation_input_tokens": 10,
             "cache_creation": {"ephemeral_5m_input_tokens": 4, "ephemeral_1h_input_tokens": 5}}
    log = write_lines(tmp_path / "c.jsonl", [
        {"timestamp": "2026-05-31T15:58:00Z", "model": "claude-x", "usage": usage},
        {"model": "claude-x", "usage": {"input_tokens": 1, "output_tokens": 1}},
        {"timestamp": "2026-05-31T15:58:00Z", "model": "claude-x",
         "usage": {"input_tokens": 1, "output_tokens": 1, "inference_geo": "mars"}},
    ])
    got = read_all(log, format="anthropic")
    assert got.records == 3 and len(got.frame) == 0
    assert [p.line for p in got.problems] == [1, 2, 3]
    assert got.problems[0].key == "usage.cache_creation_input_tokens" and got.problems[0].value == 10
    assert "(9)" in got.problems[0].message
    assert got.problems[1].key == "timestamp" and "Anthropic responses carry no time" in got.problems[1].message
    assert got.problems[2].key == "usage.inference_geo"


# ----------------------------------------------------------------------------------------- deepseek


def test_deepseek_hit_miss_and_reasoning(tmp_path):
    log = write_lines(tmp_path / "ds.jsonl", [
        {"id": "x", "created": T0_UNIX, "model": "deepseek-reasoner",
         "usage": {"prompt_tokens": 1000, "prompt_cache_hit_tokens": 640, "prompt_cache_miss_tokens": 360,
                   "completion_tokens": 500, "completion_tokens_details": {"reasoning_tokens": 420}}},
        {"created": T0_UNIX, "model": "deepseek-chat",
         "usage": {"prompt_tokens": 1000, "prompt_cache_hit_tokens": 600, "prompt_cache_miss_tokens": 300,
                   "completion_tokens": 5}},
    ])
    got = read_all(log)
    assert got.records == 2 and len(got.frame) == 1
    assert counts(got.frame, 0) == (360, 640, 0, 0, 80, 420)
    assert got.frame.loc[0, "provider"] == "deepseek"
    [problem] = got.problems
    assert (problem.line, problem.key, problem.value) == (2, "usage.prompt_tokens", 1000)
    assert "(900)" in problem.message


# ------------------------------------------------------------------------------------------- otel


def _attr(key, value):
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}  # int64 as a string, as protobuf JSON writes it
    return {"key": key, "value": {"stringValue": value}}


def _span(start_ns, **attrs):
    return {"traceId": "ab", "spanId": "cd", "name": "chat", "startTimeUnixNano": str(start_ns),
            "attributes": [_attr(k.replace("__", "."), v) for k, v in attrs.items()]}


def test_otel_genai_spans(tmp_path):
    t0_ns = T0_UNIX * 1_000_000_000 + 123
    doc1 = {"resourceSpans": [{"resource": {"attributes": [_attr("service.name", "chatbot")]},
                               "scopeSpans": [{"scope": {"name": "x"}, "spans": [
        _span(t0_ns, gen_ai__provider__name="anthropic", gen_ai__request__model="claude-sonnet-4-5",
              gen_ai__response__model="claude-sonnet-4-5-20250929", gen_ai__usage__input_tokens=1000,
              gen_ai__usage__cache_read__input_tokens=600, gen_ai__usage__cache_creation__input_tokens=300,
              gen_ai__usage__output_tokens=50),
        {"name": "http GET", "startTimeUnixNano": str(t0_ns), "attributes": [_attr("http.method", "GET")]},
        _span(t0_ns, gen_ai__system="openai", gen_ai__request__model="gpt-5", gen_ai__usage__input_tokens=10,
              gen_ai__usage__output_tokens=8, gen_ai__usage__reasoning__output_tokens=6,
              openai__response__service_tier="priority"),
    ]}]}]}
    doc2 = {"resourceSpans": [{"scopeSpans": [{"spans": [
        _span(t0_ns, gen_ai__provider__name="aws.bedrock", gen_ai__request__model="anthropic.claude",
              gen_ai__usage__input_tokens=5, gen_ai__usage__output_tokens=1),
        _span(t0_ns, gen_ai__provider__name="anthropic", gen_ai__request__model="claude",
              gen_ai__usage__input_tokens=5, gen_ai__usage__cache_read__input_tokens=9,
              gen_ai__usage__output_tokens=1),
    ]}]}]}
    log = write_lines(tmp_path / "traces.jsonl", [doc1, doc2])
    got = read_all(log)
    frame = got.frame
    assert got.records == 4  # the HTTP span is not a record
    assert counts(frame, 0) == (1000 - 600 - 300, 600, 300, 0, 50, 0)
    assert counts(frame, 1) == (10, 0, 0, 0, 2, 6)
    assert counts(frame, 2) == (5, 0, 0, 0, 1, 0)
    assert list(frame["provider"]) == ["anthropic", "openai", "aws.bedrock"]
    assert list(frame["model"]) == ["claude-sonnet-4-5-20250929", "gpt-5", "anthropic.claude"]
    assert list(frame["service_tier"]) == ["standard", "priority", "standard"]
    assert list(frame["line"]) == [1, 1, 2]
    assert list(frame["tag:service"]) == ["chatbot", "chatbot", ""]
    assert frame.loc[0, "timestamp"] == T0 + pd.Timedelta(nanoseconds=123)
    [problem] = got.problems
    assert problem.line == 2
    assert problem.key == "resourceSpans[0].scopeSpans[0].spans[1].attributes.gen_ai.usage.input_tokens"
    assert "include both" in problem.message


# ----------------------------------------------------------------------------------------- costcalc


def test_costcalc_jsonl_and_gzip(tmp_path):
    records = [{"timestamp": "2026-05-31T15:58:00Z", "provider": "openai", "model": "gpt-5", "input_tokens": 1,
                "cached_tokens": 2, "cache_write_5m_tokens": 3, "cache_write_1h_tokens": 4, "output_tokens": 5,
                "reasoning_tokens": 6, "service_tier": "flex", "residency": True, "tag:team": "a"},
               {"timestamp": T0_UNIX, "model": "gpt-5", "input_tokens": 7, "cached_tokens": 0, "output_tokens": 8}]
    path = tmp_path / "usage.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join(json.dumps(r) for r in records) + "\n")
    got = read_all(path)
    assert got.problems == []
    assert_schema(got.frame, tags=("team",))
    assert counts(got.frame, 0) == (1, 2, 3, 4, 5, 6)
    assert counts(got.frame, 1) == (7, 0, 0, 0, 8, 0)
    assert list(got.frame["residency"]) == [True, False]
    assert list(got.frame["provider"]) == ["openai", ""]
    assert list(got.frame["tag:team"]) == ["a", ""]


# ---------------------------------------------------------------------------------------- detection


@pytest.mark.parametrize("record, expected", [
    ({"resourceSpans": []}, "otel"),
    ({"usage": {"prompt_tokens": 1, "prompt_cache_hit_tokens": 0}}, "deepseek"),
    ({"usage": {"prompt_tokens": 1}}, "openai"),
    ({"response": {"usage": {"input_tokens": 1, "input_tokens_details": {}}}}, "openai"),
    ({"usage": {"input_tokens": 1, "cache_read_input_tokens": 0}}, "anthropic"),
    ({"cache_creation": {}, "input_tokens": 1}, "anthropic"),
    ({"input_tokens": 1, "cached_tokens": 0}, "costcalc"),
])
def test_detection_from_the_first_record(tmp_path, record, expected):
    from costcalc.usage.read import _detect_json

    path = write_lines(tmp_path / "x.ndjson", ["", record])
    assert _detect_json(path) == expected


def test_ambiguous_missing_and_folder_errors_name_the_file(tmp_path):
    ambiguous = write_lines(tmp_path / "a.jsonl", [{"model": "m", "usage": {"input_tokens": 1, "output_tokens": 1}}])
    with pytest.raises(CostcalcError) as err:
        list(iter_usage(ambiguous))
    assert str(err.value) == (f"{ambiguous}: cannot tell the log format from its first record; "
                              f"name it with --log-format (format= in Python): one of {', '.join(FORMATS)}")
    with pytest.raises(CostcalcError, match="no such file"):
        list(iter_usage(tmp_path / "missing.jsonl"))
    with pytest.raises(CostcalcError, match="is a folder"):
        list(iter_usage(tmp_path))
    if hasattr(os, "mkfifo"):  # refused at once by the shared guard, not waited on
        fifo = tmp_path / "pipe.jsonl"
        os.mkfifo(fifo)
        with pytest.raises(CostcalcError) as err:
            list(iter_usage([ambiguous, fifo]))
        assert str(err.value) == f"{fifo}: cannot read: not a regular file (a device, FIFO or socket)"
    odd = tmp_path / "x.csv"
    odd.write_text("when,what,in,out\n2026-01-01,m,1,2\n")
    with pytest.raises(CostcalcError, match=r"x.csv: no timestamp column; name one with --map timestamp=COLUMN"):
        list(iter_usage(odd))
    with pytest.raises(CostcalcError, match="unknown usage format"):
        list(iter_usage(odd, format="xml"))


# ------------------------------------------------------------------------------------- corrupt files


CORRUPT = [
    {"created": T0_UNIX, "model": "m", "usage": {"prompt_tokens": 5, "completion_tokens": 1}},  # 1 good
    '{"created": 1, "model": "m", "usage": {',  # 2 bad JSON
    '[1, 2, 3]',  # 3 not an object
    {"created": T0_UNIX, "model": "m", "usage": {"prompt_tokens": -5, "completion_tokens": 1}},  # 4 negative
    {"model": "m", "usage": {"prompt_tokens": 5, "completion_tokens": 1}},  # 5 no timestamp
    "",  # 6 blank: not a record
    {"created": T0_UNIX, "model": "m", "usage": {"prompt_tokens": 5, "completion_tokens": 1.5}},  # 7 float
    {"created": T0_UNIX, "usage": {"prompt_tokens": 5, "completion_tokens": 1}},  # 8 no model
    {"created": "last tuesday", "model": "m", "usage": {"prompt_tokens": 5, "completion_tokens": 1}},  # 9
    {"created": T0_UNIX, "model": "m", "usage": {"prompt_tokens": 5, "completion_tokens": 2}},  # 10 good
]
TRUNCATED = '{"created": 1780243080, "model": "m", "usage": {"prompt_to'  # 11, no newline


def test_corrupt_file_gives_one_problem_per_bad_record(tmp_path):
    log = write_lines(tmp_path / "bad.jsonl", CORRUPT, raw_tail=TRUNCATED)
    got = read_all(log, format="openai")
    assert got.records == 10 and len(got.frame) == 2 and len(got.problems) == 8
    assert list(got.frame["line"]) == [1, 10]
    assert [p.line for p in got.problems] == [2, 3, 4, 5, 7, 8, 9, 11]
    shown = [str(p) for p in got.problems]
    assert "not valid JSON" in shown[0]
    assert "must be a JSON object" in shown[1] and "not a list" in shown[1]
    assert shown[2] == f"{log}:4: usage.prompt_tokens: -5: must be a whole number of tokens >= 0"
    assert shown[3].startswith(f"{log}:5: timestamp: missing;")
    assert shown[4] == (f"{log}:7: usage.completion_tokens: 1.5: a JSON number with a fraction or an exponent; "
                        "a count must be a JSON integer (12, not 12.0 or 1.2e1)")
    assert shown[5].startswith(f"{log}:8: model: missing;")
    assert shown[6].startswith(f"{log}:9: timestamp: 'last tuesday': must be an ISO-8601 instant")
    assert "truncated" in shown[7]


def test_strict_raises_at_the_first_bad_line(tmp_path):
    log = write_lines(tmp_path / "bad.jsonl", CORRUPT)
    with pytest.raises(InputError) as err:
        list(iter_usage(log, format="openai", strict=True))
    assert len(err.value.problems) == 1
    assert str(err.value).startswith(f"{log}:2: ")


def test_strict_reports_a_bad_timestamp_before_later_problems(tmp_path):
    good = {"created": T0_UNIX, "model": "m", "usage": {"prompt_tokens": 5, "completion_tokens": 1}}
    log = write_lines(tmp_path / "bad.jsonl", [good, {**good, "created": "soon"}, {**good, "model": None}])
    with pytest.raises(InputError) as err:
        list(iter_usage(log, format="openai", strict=True))
    assert err.value.problems[0].line == 2


# -------------------------------------------------------------------------------------------- chunks


def test_chunks_concatenate_to_the_same_frame(tmp_path):
    records = [{"created": T0_UNIX + i, "model": f"m{i}", "tags": {"n": str(i)},
                "usage": {"prompt_tokens": 10 + i, "completion_tokens": i,
                          "prompt_tokens_details": {"cached_tokens": i}}} for i in range(10)]
    records[4]["usage"]["prompt_tokens"] = -1
    log = write_lines(tmp_path / "ten.jsonl", records)
    chunks = list(iter_usage(log, chunk_records=3))
    assert [c.records for c in chunks] == [3, 3, 3, 1]
    for chunk in chunks:
        assert chunk.records == len(chunk.frame) + len(chunk.problems)
    whole = list(iter_usage(log))
    assert len(whole) == 1
    pieced = pd.concat([c.frame for c in chunks], ignore_index=True)
    pd.testing.assert_frame_equal(pieced, whole[0].frame)
    assert [p.line for c in chunks for p in c.problems] == [5]
    assert list(pieced["input_tokens"]) == [10] * 9  # (10 + i) - i


# ------------------------------------------------------------------------------------ CSV and Parquet


def test_csv_with_mapping_and_inclusive_prompt_tokens(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "ts,model_name,ptoks,cache_hits,writes_1h,ctoks,think,team,tier,eu\n"
        "2026-05-31T15:58:00Z,gpt-5,1000,600,100,50,20,search,flex,false\n"  # line 2
        f"{T0_UNIX},claude-x,10,0,,5,,NA,,yes\n"  # line 3: unix seconds; blank optional counts = 0
        "2026-05-31 15:58:00,gpt-5,10,20,0,5,0,x,,\n"  # line 4: cached > prompt
        "2026-05-31T15:58:00Z,gpt-5,-3,0,0,5,0,x,,\n"  # line 5: negative
        "2026-05-31T15:58:00Z,,10,0,0,5,0,x,,\n"  # line 6: no model
        "2026-05-31T15:58:00Z,gpt-5,10,0,0,5,0,x,scale,\n"  # line 7: scale tier
        "2026-05-31T15:58:00Z,gpt-5,10.0,0,0,5,0,x,,\n"  # line 8: 10.0 is fine
    )
    mapping = parse_mapping("timestamp=ts, model=model_name,prompt_tokens=ptoks,cached_tokens=cache_hits,"
                            "cache_write_1h_tokens=writes_1h,completion_tokens=ctoks,reasoning_tokens=think,"
                            "tag:team=team,service_tier=tier,residency=eu")
    got = read_all(path, mapping=mapping)
    frame = got.frame
    assert got.records == 7 and len(frame) == 3
    assert_schema(frame, tags=("team",))
    assert list(frame["line"]) == [2, 3, 8]
    assert counts(frame, 0) == (1000 - 600 - 100, 600, 0, 100, 50 - 20, 20)
    assert counts(frame, 1) == (10, 0, 0, 0, 5, 0)
    assert counts(frame, 2) == (10, 0, 0, 0, 5, 0)
    assert list(frame["timestamp"]) == [T0, T0, T0]
    assert list(frame["tag:team"]) == ["search", "NA", "x"]  # "NA" is a label, not a missing value
    assert list(frame["service_tier"]) == ["flex", "standard", "standard"]
    assert list(frame["residency"]) == [False, True, False]
    shown = [str(p) for p in got.problems]
    assert [p.line for p in got.problems] == [4, 5, 6, 7]
    assert shown[0].startswith(f"{path}:4: ptoks: '10': less than cached + cache-write tokens")
    assert shown[1] == f"{path}:5: ptoks: '-3': must be a whole number of tokens >= 0"
    assert shown[2].startswith(f"{path}:6: model_name: missing")
    assert "Scale Tier" in shown[3]


def test_csv_in_the_schema_needs_no_mapping_and_chunks(tmp_path):
    path = tmp_path / "usage.csv"
    rows = [f"2026-05-31T15:{i:02d}:00Z,openai,gpt-5,{i},1,0,0,2,0,standard,false" for i in range(7)]
    path.write_text("timestamp,provider,model,input_tokens,cached_tokens,cache_write_5m_tokens,"
                    "cache_write_1h_tokens,output_tokens,reasoning_tokens,service_tier,residency\n"
                    + "\n".join(rows) + "\n")
    chunks = list(iter_usage(path, chunk_records=3))
    assert [c.records for c in chunks] == [3, 3, 1]
    frame = pd.concat([c.frame for c in chunks], ignore_index=True)
    assert list(frame["line"]) == list(range(2, 9))
    assert list(frame["input_tokens"]) == list(range(7))
    assert_schema(frame)


def test_parquet_round_trip_with_mapping(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table({
        "when": pa.array([pd.Timestamp("2026-05-31T15:58:00"), pd.Timestamp("2026-05-31T15:58:00"), None],
                         type=pa.timestamp("us")),  # naive = UTC
        "llm": ["claude-x", "claude-y", "claude-z"],
        "in": [40, 7, 1], "read": [2000, 0, 0], "w5": [500, 0, 0], "w1h": [200, None, 0], "out": [900, -1, 3],
        "team": ["a", "b", "c"],
    })
    path = tmp_path / "usage.parquet"
    pq.write_table(table, path)
    mapping = {"timestamp": "when", "model": "llm", "input_tokens": "in", "cached_tokens": "read",
               "cache_write_5m_tokens": "w5", "cache_write_1h_tokens": "w1h", "output_tokens": "out",
               "tag:team": "team"}
    got = read_all(path, mapping=mapping, chunk_records=2)
    assert got.records == 3 and len(got.frame) == 1
    assert_schema(got.frame, tags=("team",))
    assert counts(got.frame, 0) == (40, 2000, 500, 200, 900, 0)
    assert got.frame.loc[0, "timestamp"] == T0
    assert [(p.line, p.key) for p in got.problems] == [(2, "out"), (3, "when")]


def test_parquet_without_pyarrow_says_which_extra(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    path = tmp_path / "u.parquet"
    path.write_bytes(b"PAR1")
    with pytest.raises(CostcalcError, match=r"reading Parquet needs the parquet extra: pip install 'costcalc\[parquet\]'"):
        list(iter_usage(path))


# ---------------------------------------------------------------------------------------- DataFrames


def test_normalize_frame_reports_bad_rows_by_position():
    df = pd.DataFrame({"timestamp": [T0, T0, T0], "model": ["a", "b", "c"], "input_tokens": [1, -2, 3],
                       "output_tokens": [4, 5, 6], "cached_tokens": [0, 0, 1], "extra": [1, 2, 3]},
                      index=[10, 20, 30])
    got = normalize_frame(df)
    assert got.records == 3 and list(got.frame["line"]) == [1, 3]
    assert list(got.frame["source"]) == ["<DataFrame>"] * 2
    assert counts(got.frame, 1) == (3, 1, 0, 0, 6, 0)
    [problem] = got.problems
    assert str(problem) == "<DataFrame>:2: input_tokens: -2: must be a whole number of tokens >= 0"
    assert_schema(got.frame)


@pytest.mark.parametrize("text, message", [
    ("timestamp", "use SCHEMA=COLUMN pairs"),
    ("timestamp=a,cost=b", "'cost' is not a usage column"),
    ("model=a,model=b", "model is mapped twice"),
    ("tag:=x", "'tag:' is not a usage column"),
])
def test_parse_mapping_refuses_bad_text(text, message):
    with pytest.raises(CostcalcError, match=message):
        parse_mapping(text)


def test_parse_mapping():
    assert parse_mapping("timestamp=ts, model = model_name,tag:team=team") == {
        "timestamp": "ts", "model": "model_name", "tag:team": "team"}


# ------------------------------------------------------------------------- fast path == checked path


@pytest.mark.parametrize("record", [
    {"created": T0_UNIX, "model": "m", "service_tier": "priority", "tags": {"a": "b"},
     "usage": {"prompt_tokens": 9, "completion_tokens": 4, "prompt_tokens_details": {"cached_tokens": None},
               "completion_tokens_details": {"reasoning_tokens": 4}}},
    {"timestamp": "2026-01-01", "created": 5, "model": "m", "usage": {"prompt_tokens": 0, "completion_tokens": 0}},
    {"created": T0_UNIX, "model": " ", "usage": {"prompt_tokens": 1, "completion_tokens": 1}},
    {"created": T0_UNIX, "model": "m", "usage": {"prompt_tokens": True, "completion_tokens": 1}},
    {"created": T0_UNIX, "model": "m", "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                                 "prompt_tokens_details": [1]}},
    {"created": T0_UNIX, "model": "m", "tags": "team-a", "usage": {"prompt_tokens": 1, "completion_tokens": 1}},
    {"created": T0_UNIX, "model": "m", "service_tier": {"x": 1}, "usage": {"prompt_tokens": 1, "completion_tokens": 1}},
])
def test_openai_fast_path_agrees_with_the_checked_path(record):
    from costcalc.usage.formats.common import Bad
    from costcalc.usage.formats.providers import _openai_checked, openai_record

    def outcome(read):
        try:
            return read(record)
        except Bad as bad:
            return (bad.key, bad.message)

    assert outcome(openai_record) == outcome(_openai_checked)


@pytest.mark.parametrize("usage", [
    {"input_tokens": 1, "output_tokens": 2, "cache_creation_input_tokens": 3,
     "cache_creation": {"ephemeral_5m_input_tokens": 1, "ephemeral_1h_input_tokens": 2}},
    {"input_tokens": 1, "output_tokens": 2, "cache_creation_input_tokens": True,
     "cache_creation": {"ephemeral_5m_input_tokens": 1, "ephemeral_1h_input_tokens": None}},
    {"input_tokens": 1, "output_tokens": 2, "cache_creation": {"ephemeral_5m_input_tokens": False}},
    {"input_tokens": 1, "output_tokens": 2, "cache_read_input_tokens": 3.0, "inference_geo": "us"},
    {"input_tokens": 1, "output_tokens": -2},
    {"input_tokens": 1, "output_tokens": 2, "service_tier": "scale"},
])
def test_anthropic_fast_path_agrees_with_the_checked_path(usage):
    from costcalc.usage.formats.common import Bad
    from costcalc.usage.formats.providers import _anthropic_checked, anthropic_record

    record = {"timestamp": "2026-01-01T00:00:00Z", "model": "claude", "usage": usage}

    def outcome(read):
        try:
            return read(record)
        except Bad as bad:
            return (bad.key, bad.message)

    assert outcome(anthropic_record) == outcome(_anthropic_checked)


def test_bad_tag_values_and_gzip_csv(tmp_path):
    log = write_lines(tmp_path / "t.jsonl", [
        {"created": T0_UNIX, "model": "m", "tags": {"team": 7, "env": None}, "usage": {"prompt_tokens": 1, "completion_tokens": 1}},
        {"created": T0_UNIX, "model": "m", "tags": {"team": {"nested": 1}}, "usage": {"prompt_tokens": 1, "completion_tokens": 1}},
    ])
    got = read_all(log)
    assert list(got.frame["tag:team"]) == ["7"] and list(got.frame["tag:env"]) == [""]
    [problem] = got.problems
    assert (problem.line, problem.key) == (2, "tags.team")
    path = tmp_path / "u.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("timestamp,model,prompt_tokens,completion_tokens\n2026-05-31T15:58:00Z,m,3,4\n")
    got = read_all(path)
    assert counts(got.frame, 0) == (3, 0, 0, 0, 4, 0) and list(got.frame["line"]) == [2]


# ------------------------------------------------------------------------------- review regressions


def test_instants_after_2262_are_bad_records_in_every_reader(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    good = {"timestamp": "2026-06-01T00:00:00Z", "model": "gpt-5.5", "usage": {"prompt_tokens": 10, "completion_tokens": 5}}
    log = write_lines(tmp_path / "far.jsonl", [{**good, "timestamp": "2999-01-01T00:00:00Z"}, good,
                                               {**good, "timestamp": 99_999_999_999}])  # unix seconds in 5138
    got = read_all(log)
    assert got.records == 3 and list(got.frame["line"]) == [2]
    assert [(p.line, p.key) for p in got.problems] == [(1, "timestamp"), (3, "timestamp")]
    assert "(years 1970-2262)" in got.problems[0].message
    csv = tmp_path / "far.csv"
    csv.write_text("timestamp,model,input_tokens,output_tokens\n2999-01-01,gpt-5.5,1,2\n2026-06-01,gpt-5.5,1,2\n")
    got = read_all(csv)
    assert got.records == 2 and list(got.frame["line"]) == [3]
    assert str(got.problems[0]).startswith(f"{csv}:2: timestamp: '2999-01-01': must be an ISO-8601 instant")
    path = tmp_path / "far.parquet"
    pq.write_table(pa.table({"timestamp": pa.array([pd.Timestamp("2999-01-01").to_pydatetime(),
                                                    pd.Timestamp("2026-06-01").to_pydatetime()], type=pa.timestamp("us")),
                             "model": ["m", "m"], "input_tokens": [1, 1], "output_tokens": [1, 1]}), path)
    got = read_all(path)
    assert got.records == 2 and list(got.frame["line"]) == [2]
    assert got.frame.loc[0, "timestamp"] == pd.Timestamp("2026-06-01T00:00:00Z")
    assert [(p.line, p.key) for p in got.problems] == [(1, "timestamp")]


def test_small_numbers_are_not_unix_timestamps(tmp_path):
    csv = tmp_path / "year.csv"
    csv.write_text("timestamp,model,input_tokens,output_tokens\n2026,gpt-5.5,1,2\n100000000,gpt-5.5,1,2\n")
    got = read_all(csv)
    assert list(got.frame["timestamp"]) == [pd.Timestamp("1973-03-03T09:46:40Z")]  # 10^8 s: the first accepted
    [problem] = got.problems
    assert str(problem).startswith(f"{csv}:2: timestamp: '2026': must be an ISO-8601 instant")
    assert "100000000 to 9223372036" in problem.message
    log = write_lines(tmp_path / "small.jsonl", [{"created": 2026, "model": "m", "usage": {"prompt_tokens": 1, "completion_tokens": 1}}])
    assert [p.key for p in read_all(log).problems] == ["timestamp"]


def test_csv_row_with_more_cells_than_the_header_is_a_problem(tmp_path):
    csv = tmp_path / "x.csv"
    csv.write_text("timestamp,model,input_tokens,output_tokens\n"
                   "2026-09-01,gpt-5.5,1,000,500\n"  # 2: a thousands separator, first data row
                   "2026-09-01,gpt-5.5,3,4\n"  # 3 good
                   "\n"  # 4 blank: not a record, but counts for line numbers
                   "2026-09-01,gpt-5.5,1,2,3,4\n"  # 5: two extra cells
                   ",,,\n"  # 6 no text: not a record
                   "2026-09-01,gpt-5.5,7,8\n")  # 7 good
    for chunk_records in (2, 1000):
        got = read_all(csv, chunk_records=chunk_records)
        assert got.records == 4
        assert list(got.frame["line"]) == [3, 7]
        assert list(got.frame["input_tokens"]) == [3, 7]
        assert [str(p) for p in got.problems] == [
            f"{csv}:2: 5 cells, the header has 4; a number written with a thousands separator (1,000), "
            "or text with a comma and no quotes?",
            f"{csv}:5: 6 cells, the header has 4; a number written with a thousands separator (1,000), "
            "or text with a comma and no quotes?"]


def test_normalize_frame_keeps_source_and_line_of_a_read_frame(tmp_path):
    good = {"timestamp": "2026-06-01T00:00:00Z", "model": "gpt-5.5", "input_tokens": 1, "output_tokens": 1}
    log = write_lines(tmp_path / "x.jsonl", [good, "", {**good, "model": "a"}])
    frame = read_all(log).frame
    frame.loc[1, "input_tokens"] = -1  # a bad count in the record read from x.jsonl:3
    got = normalize_frame(frame)
    assert list(got.frame["line"]) == [1] and list(got.frame["source"]) == [str(log)]
    assert [str(p) for p in got.problems] == [f"{log}:3: input_tokens: -1: must be a whole number of tokens >= 0"]


def test_strict_yields_the_good_records_before_the_first_bad_one(tmp_path):
    good = {"created": T0_UNIX, "model": "m", "usage": {"prompt_tokens": 5, "completion_tokens": 1}}
    log = write_lines(tmp_path / "s.jsonl", [good, {**good, "model": "n"}, {**good, "usage": {"prompt_tokens": -1}}, good])
    chunks = []
    with pytest.raises(InputError) as err:
        for chunk in iter_usage(log, strict=True):
            chunks.append(chunk)
    assert [(c.records, list(c.frame["line"]), c.problems) for c in chunks] == [(2, [1, 2], [])]
    assert [p.line for p in err.value.problems] == [3]
    log = write_lines(tmp_path / "first.jsonl", [{**good, "usage": {"prompt_tokens": -1}}, good])
    chunks = []
    with pytest.raises(InputError):
        for chunk in iter_usage(log, strict=True):
            chunks.append(chunk)
    assert chunks == []  # nothing before line 1


def test_a_file_named_twice_is_read_once(tmp_path):
    good = {"timestamp": "2026-06-01T00:00:00Z", "model": "gpt-5.5", "input_tokens": 1, "output_tokens": 1}
    log = write_lines(tmp_path / "a.jsonl", [good])
    other = write_lines(tmp_path / "b.jsonl", [good, good])
    (tmp_path / "x").mkdir()
    got = read_all([log, tmp_path / "x" / ".." / "a.jsonl", other, log])
    assert got.records == 3
    assert list(got.frame["source"]) == [str(log), str(other), str(other)]


def test_costcalc_detected_without_cached_tokens(tmp_path):
    log = write_lines(tmp_path / "min.jsonl", [
        {"timestamp": "2026-06-01T00:00:00Z", "model": "gpt-5.5", "input_tokens": 5, "output_tokens": 1},
        {"timestamp": "2026-06-01T00:00:00Z", "model": "gpt-5.5", "input_tokens": 5, "output_tokens": 1,
         "input_tokens_details": {"cached_tokens": 4}}])  # an OpenAI Responses row: refused, not misread
    got = read_all(log)
    assert got.records == 2 and counts(got.frame, 0) == (5, 0, 0, 0, 1, 0)
    assert list(got.frame["provider"]) == [""]
    [problem] = got.problems
    assert (problem.line, problem.key) == (2, "input_tokens_details")
    assert "--log-format" in problem.message


def _batch_line(i, **response):
    body = {"id": f"chatcmpl-{i}", "object": "chat.completion", "created": T0_UNIX, "model": "gpt-5.5",
            "service_tier": "default", "usage": {"prompt_tokens": 100, "completion_tokens": 10,
                                                 "prompt_tokens_details": {"cached_tokens": 40}}}
    return {"id": f"batch_req_{i}", "custom_id": f"task-{i}",
            "response": {"status_code": 200, "request_id": f"req_{i}", "body": body, **response}, "error": None}


def test_openai_batch_output_lines(tmp_path):
    flex = _batch_line(2)
    flex["response"]["body"]["service_tier"] = "flex"
    responses = _batch_line(5)
    responses["response"]["body"] = {"object": "response", "created_at": T0_UNIX, "model": "gpt-5.5",
                                     "usage": {"input_tokens": 20, "output_tokens": 7,
                                               "input_tokens_details": {"cached_tokens": 0},
                                               "output_tokens_details": {"reasoning_tokens": 3}}}
    log = write_lines(tmp_path / "batch_output.jsonl", [
        {"id": "batch_req_0", "custom_id": "task-0", "response": None,  # 1 failed: not billed, not a record
         "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}},
        _batch_line(1),  # 2
        flex,  # 3
        _batch_line(3, status_code=500, body={"error": {"message": "server error"}}),  # 4 not billed
        responses,  # 5
        _batch_line(6, body={"model": "gpt-5.5"}),  # 6 status 200 but no usage: a bad record
    ])
    got = read_all(log)  # detected from the first line, a failed request
    assert got.records == 4
    assert list(got.frame["line"]) == [2, 3, 5]
    assert list(got.frame["service_tier"]) == ["batch", "flex", "batch"]
    assert counts(got.frame, 0) == (60, 40, 0, 0, 10, 0)
    assert counts(got.frame, 2) == (20, 0, 0, 0, 4, 3)
    assert list(got.frame["timestamp"]) == [T0] * 3
    [problem] = got.problems
    assert (problem.line, problem.key) == (6, "response.body.usage")


def test_count_too_big_says_the_same_in_every_reader(tmp_path):
    csv = tmp_path / "big.csv"
    csv.write_text("timestamp,model,input_tokens,output_tokens\n2026-06-01,m,1000000000000000,1\n")
    log = write_lines(tmp_path / "big.jsonl", [{"timestamp": "2026-06-01", "model": "m", "input_tokens": 10 ** 15, "output_tokens": 1}])
    frame = pd.DataFrame({"timestamp": ["2026-06-01"], "model": ["m"], "input_tokens": [1e15], "output_tokens": [1]})
    messages = {read_all(csv).problems[0].message, read_all(log).problems[0].message,
                normalize_frame(frame).problems[0].message}
    assert messages == {"more tokens than costcalc counts in one record (below 10^15)"}


def test_tag_with_an_empty_name_and_tag_text_across_formats(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    log = write_lines(tmp_path / "t.jsonl", [
        {"created": T0_UNIX, "model": "m", "tags": {"": "x"}, "usage": {"prompt_tokens": 1, "completion_tokens": 1}},
        {"created": T0_UNIX, "model": "m", "tags": {"n": 1.0, "b": True, "f": 0.5}, "usage": {"prompt_tokens": 1, "completion_tokens": 1}},
        {"timestamp": "2026-06-01T00:00:00Z", "model": "m", "input_tokens": 1, "output_tokens": 1, "tag:": "x"},
    ])
    got = read_all(log, format="openai")
    assert [str(p) for p in got.problems][0] == f"{log}:1: tags: {{'': 'x'}}: a tag needs a non-empty name"
    row = got.frame[got.frame["line"] == 2].iloc[0]
    assert (row["tag:n"], row["tag:b"], row["tag:f"]) == ("1", "true", "0.5")
    got = read_all(log, format="costcalc")
    assert [(p.line, p.message) for p in got.problems][-1] == (3, "a tag needs a non-empty name")
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"timestamp": ["2026-06-01T00:00:00Z"] * 2, "model": ["m", "m"], "input_tokens": [1, 1],
                             "output_tokens": [1, 1], "tag:n": pa.array([1, None], type=pa.int64()),
                             "tag:b": [True, False], "tag:f": [0.5, 2.0]}), path)
    got = read_all(path)
    assert list(got.frame["tag:n"]) == ["1", ""]  # int with a null: float 1.0 in pandas
    assert list(got.frame["tag:b"]) == ["true", "false"]
    assert list(got.frame["tag:f"]) == ["0.5", "2"]


@pytest.mark.parametrize("content", [b"\xef\xbb\xbf", b"\xef\xbb\xbf\n\n", b"\xef\xbb\xbf\n"])
def test_a_file_holding_only_a_bom_has_no_records(tmp_path, content):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(content)
    for format in (None, "openai"):
        got = read_all(path, format=format)
        assert got.records == 0 and got.problems == []


def test_bom_then_a_record(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"created": T0_UNIX, "model": "m", "usage": {"prompt_tokens": 1, "completion_tokens": 1}}).encode() + b"\n")
    got = read_all(path)
    assert got.records == 1 and list(got.frame["line"]) == [1]


def _fast_and_checked_agree(fast, checked, record):
    from costcalc.usage.formats.common import Bad

    def outcome(read):
        try:
            return read(record)
        except Bad as bad:
            return (bad.key, bad.message)

    assert outcome(fast) == outcome(checked)


def _values():
    from hypothesis import strategies as st
    from costcalc.usage.formats.common import MAX_TOKENS

    counts = st.one_of(st.integers(-3, 50), st.sampled_from([MAX_TOKENS - 1, MAX_TOKENS]),
                       st.sampled_from([0.0, 3.0, 1.5, -1.0]), st.booleans(), st.none(), st.just("7"))
    return st, counts


def _maybe(st, strategy):
    """A dict entry that may be absent: the key maps to a value or to the marker _ABSENT."""
    return st.one_of(st.just(_ABSENT), strategy)


_ABSENT = object()


def _dict_of(**entries):
    return {k: v for k, v in entries.items() if v is not _ABSENT}


def test_openai_fast_path_agrees_with_the_checked_path_for_generated_records():
    pytest.importorskip("hypothesis")
    from hypothesis import given, settings
    from costcalc.usage.formats.providers import _openai_checked, openai_record

    st, counts = _values()
    details = st.one_of(st.none(), st.just([1]), st.builds(lambda c: _dict_of(cached_tokens=c), _maybe(st, counts)))
    rdetails = st.one_of(st.none(), st.just([1]), st.builds(lambda c: _dict_of(reasoning_tokens=c), _maybe(st, counts)))
    usage = st.builds(lambda p, c, d, r: _dict_of(prompt_tokens=p, completion_tokens=c, prompt_tokens_details=d,
                                                  completion_tokens_details=r),
                      _maybe(st, counts), _maybe(st, counts), _maybe(st, details), _maybe(st, rdetails))
    record = st.builds(
        lambda u, t, c, m, tier, tags: _dict_of(usage=u, timestamp=t, created=c, model=m, service_tier=tier, tags=tags),
        st.one_of(usage, st.just("x")), _maybe(st, st.sampled_from(["2026-01-01", None, 5])),
        _maybe(st, st.sampled_from([T0_UNIX, None])), _maybe(st, st.sampled_from(["m", "", " ", None, 3])),
        _maybe(st, st.sampled_from(["default", "flex", "scale", "FLEX", None, 1])),
        _maybe(st, st.sampled_from([None, {"a": "b"}, "team", {"a": 1}])))

    @settings(max_examples=500, deadline=None)
    @given(record)
    def check(generated):
        _fast_and_checked_agree(openai_record, _openai_checked, generated)

    check()


def test_anthropic_fast_path_agrees_with_the_checked_path_for_generated_records():
    pytest.importorskip("hypothesis")
    from hypothesis import given, settings
    from costcalc.usage.formats.providers import _anthropic_checked, anthropic_record

    st, counts = _values()
    split = st.one_of(st.none(), st.just(3), st.builds(
        lambda a, b: _dict_of(ephemeral_5m_input_tokens=a, ephemeral_1h_input_tokens=b), _maybe(st, counts), _maybe(st, counts)))
    usage = st.builds(
        lambda i, o, r, w, s, tier, geo: _dict_of(input_tokens=i, output_tokens=o, cache_read_input_tokens=r,
                                                  cache_creation_input_tokens=w, cache_creation=s, service_tier=tier,
                                                  inference_geo=geo),
        _maybe(st, counts), _maybe(st, counts), _maybe(st, counts), _maybe(st, counts), _maybe(st, split),
        _maybe(st, st.sampled_from(["standard", "batch", "scale", "x", None])),
        _maybe(st, st.sampled_from(["us", "global", "mars", None, 1])))
    record = st.builds(lambda u, t, m, tags: _dict_of(usage=u, timestamp=t, model=m, tags=tags),
                       st.one_of(usage, st.just([])), _maybe(st, st.sampled_from(["2026-01-01T00:00:00Z", None, 7])),
                       _maybe(st, st.sampled_from(["claude", "", None])), _maybe(st, st.sampled_from([None, {"a": "b"}, "t"])))

    @settings(max_examples=500, deadline=None)
    @given(record)
    def check(generated):
        _fast_and_checked_agree(anthropic_record, _anthropic_checked, generated)

    check()
