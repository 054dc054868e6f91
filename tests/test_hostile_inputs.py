"""Issue 11's non-security classes fixed so far: non-ASCII digits, huge values in error lines, Markdown
injection in what-if reports and the estimate footer, a missing plot extra. Each case checks the
contract: exit status 1 or 2, nothing on stdout, one line on stderr, no traceback."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from costcalc.cli import cli
from costcalc.errors import CostcalcError, shown


def run(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def assert_one_line_error(result, *phrases: str) -> str:
    assert result.exit_code in (1, 2), result.stdout
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("count", ["１０", "١٠٠", "1٠"])
def test_non_ascii_digits_are_not_token_counts(count):
    assert_one_line_error(run("quote", "gpt-5.5", "--input", count), "is not a token count")


def test_non_ascii_digits_are_not_instants():
    assert_one_line_error(run("quote", "gpt-5.5", "--input", "10", "--at", "２０２６-11-01"),
                          "is not an ISO-8601 instant")


def test_huge_values_are_cut_in_error_lines():
    name = "x" * 100_000
    line = assert_one_line_error(run("quote", name, "--input", "10"), "unknown model")
    assert len(line) < 200
    line = assert_one_line_error(run("quote", "gpt-5.5", "--input", "9" * 5000), "more tokens than")
    assert len(line) < 300


def test_shown_is_one_line_and_bounded():
    assert shown("a\nb") == "'a\\nb'"
    assert len(shown("y" * 1000)) == 80 and shown("y" * 1000).endswith("…")
    assert shown(12) == "12"


PROFILES = """\
schema_version: 1
profiles:
  "<script>alert(1)</script>":
    requests_per_day: {low: 500, expected: 1000, high: 2000}
    input_tokens: 1000
    output_tokens: 100
    start: 2026-06-01
    models: [gpt-5.4]
  "plain | pipe":
    requests_per_day: 1000
    input_tokens: 1000
    output_tokens: 100
    start: 2026-06-01
    models: [gpt-5.4]
"""


def test_sensitivity_markdown_escapes_profile_names(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(PROFILES, encoding="utf-8")
    result = run("sensitivity", path, "--start", "2026-06", "--months", "1", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert "<script>" not in result.stdout
    assert "&lt;script&gt;" in result.stdout
    # the profile without ranges is listed as skipped, its pipe escaped
    assert "plain \\| pipe" in result.stdout


def test_compare_markdown_escapes_profile_names(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(PROFILES, encoding="utf-8")
    result = run("compare", "--workloads", path, "--scenarios", "actual,list", "--start", "2026-06",
                 "--months", "1", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert "<script>" not in result.stdout


def test_an_overlay_version_cannot_inject_a_heading(tmp_path):
    overlay = tmp_path / "o.yaml"
    overlay.write_text('schema_version: 1\nversion: "x\\n# Injected <b>heading</b>"\n', encoding="utf-8")
    result = run("estimate", "--months", "1", "--prices", overlay, "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert "\n# Injected" not in result.stdout
    assert "<b>" not in result.stdout
    table = run("estimate", "--months", "1", "--prices", overlay)
    assert "\n# Injected" not in table.stdout


def test_a_chart_without_matplotlib_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    path = tmp_path / "w.yaml"
    path.write_text(PROFILES, encoding="utf-8")
    chart = tmp_path / "t.png"
    result = run("sensitivity", path, "--start", "2026-06", "--months", "1", "--chart", chart)
    assert_one_line_error(result, "pip install 'costcalc[plot]'")
    assert not chart.exists()


def test_a_chart_of_an_unknown_kind_is_a_usage_error(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(PROFILES, encoding="utf-8")
    result = run("sensitivity", path, "--start", "2026-06", "--months", "1", "--chart", tmp_path / "t.gif")
    assert_one_line_error(result, "name a .png or .svg file")


# -- numbers at and past their limits ------------------------------------------------------------------

def test_growth_that_compounds_past_a_million_fold_is_refused():
    # 2x a month for 599 months is 2^599 ~ 10^180: no plan, and past what cents can render
    assert_one_line_error(run("estimate", "--months", "600", "--set", "support-bot.growth_per_month=1"),
                          "workloads.yaml (--set): profiles.support-bot.growth_per_month: 1: compounds to more than "
                          "1,000,000x")
    assert_one_line_error(run("estimate", "--months", "1", "--set", "support-bot.growth_per_month=1.5"),
                          "must be a monthly growth rate from -0.99 to 1")


def test_values_just_under_their_maximum_render_in_every_format(tmp_path):
    path = tmp_path / "max.yaml"
    path.write_text("schema_version: 1\nprofiles:\n  p:\n"
                    "    requests_per_day: 999999999999999\n    input_tokens: 999999999999999\n"
                    "    output_tokens: 999999999999999\n    reasoning_tokens: 999999999999999\n"
                    "    cache_hit_rate: 0.5\n    growth_per_month: 0.5\n"
                    # private models with no context window or max output: a model with limits refuses
                    # a 10^15-token request (LimitError), which is not the point here
                    "    models: [acme-unlimited, acme-pricey]\n", encoding="utf-8")
    overlay = tmp_path / "unlimited.yaml"
    overlay.write_text('schema_version: 1\nversion: "test.1"\nproviders:\n  acme:\n    name: Acme\n    models:\n'
                       "      acme-pricey:\n        name: Acme Pricey\n        prices:\n          - label: list\n"
                       "            rates: {input: 999, cache_read: 99.9, output: 9999}\n"
                       "      acme-unlimited:\n        name: Acme Unlimited\n        prices:\n"
                       "          - label: list\n            rates: {input: 0.1, output: 0.2}\n", encoding="utf-8")
    for fmt in ("table", "csv", "json", "markdown", "html", "focus"):
        result = run("estimate", path, "--months", "24", "--format", fmt, "--prices", overlay)
        assert result.exit_code == 0, (fmt, result.stderr)


@pytest.mark.parametrize("args, phrase", [
    (["--self-host-tokens-per-second", "1e-400", "--self-host-usd-per-hour", "10"], "at most 9 decimals"),
    (["--self-host-tokens-per-second", "1e400", "--self-host-usd-per-hour", "10"], "at most 1,000,000,000,000"),
    (["--self-host-tokens-per-second", "2500", "--self-host-usd-per-hour", "NaN"], "must be a number above 0"),
])
def test_break_even_figures_have_a_range(args, phrase):
    assert_one_line_error(run("break-even", *args), phrase)


@pytest.mark.parametrize("rate", ["1E-999999", "1E+999999", "0.000000001", "０.９"])
def test_fx_on_the_command_line_has_the_limits_of_an_fx_file(rate):
    assert_one_line_error(run("estimate", "--months", "1", "--currency", "EUR", "--fx", f"EUR={rate}"),
                          "a rate must be a number above 0 and below 10^9 with at most 8 decimals")


SAVED_CASES = {
    "huge-cost": (lambda d: d["rows"][0].update(cost_usd="1E+999999"), "rows[0].cost_usd"),
    "long-cost": (lambda d: d["rows"][0].update(cost_usd="1" * 201), "rows[0].cost_usd"),
    "huge-fx": (lambda d: d["meta"].update(fx={"currency": "EUR", "symbol": "€", "rate": "1E+999999"}),
                "meta.fx.rate"),
    "list-rates-type": (lambda d: d["meta"].update(list_rates=5), "meta.list_rates: 5: must be a list"),
    "profiles-type": (lambda d: d["meta"].update(profiles=[]), "meta.profiles"),
    "assumption-type": (lambda d: d["meta"].update(assumptions=[1]), "meta.assumptions[0]"),
    "price-table-type": (lambda d: d["meta"].update(price_table="x"), "meta.price_table"),
    "requests-entry-type": (lambda d: d["meta"].update(requests=["x"]), "meta.requests[0]"),
}


@pytest.fixture(scope="module")
def saved_result(tmp_path_factory) -> dict:
    import json

    path = tmp_path_factory.mktemp("saved") / "r.json"
    result = run("estimate", "--months", "1", "--format", "json", "--output", path)
    assert result.exit_code == 0, result.stderr
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", sorted(SAVED_CASES))
@pytest.mark.parametrize("fmt", ["table", "csv", "html"])
def test_bad_saved_results_are_one_line(case, fmt, saved_result, tmp_path):
    import copy
    import json

    document = copy.deepcopy(saved_result)
    mutate, phrase = SAVED_CASES[case]
    mutate(document)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    out = tmp_path / "out.txt"
    line = assert_one_line_error(run("render", path, "--format", fmt, "--output", out), phrase)
    assert len(line) < 400
    assert not out.exists()


def test_a_deeply_nested_saved_result_is_one_line(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert_one_line_error(run("render", path), "nested too deeply")


# -- logs: corrupt compression, numbers that are no counts, nested columns -----------------------------

def _corrupt_gzip(path, text: str) -> None:
    import gzip

    data = gzip.compress(text.encode() * 50)
    path.write_bytes(data[:40] + b"garbage!" * 20 + data[200:])


@pytest.mark.parametrize("name", ["u.jsonl.gz", "u.csv.gz"])
def test_a_corrupt_compressed_log_is_one_line(tmp_path, name):
    path = tmp_path / name
    if name.endswith(".csv.gz"):
        _corrupt_gzip(path, "timestamp,provider,model,input_tokens,output_tokens\n"
                            + "2026-11-02T10:00:00Z,openai,gpt-5.5,1000,10\n" * 20)
    else:
        _corrupt_gzip(path, '{"timestamp": "2026-11-02T10:00:00Z", "model": "gpt-5.5", "usage": '
                            '{"prompt_tokens": 10, "completion_tokens": 1}}\n' * 20)
    assert_one_line_error(run("reprice", path, "--log-format", "csv" if ".csv" in name else "openai"),
                          str(path), "cannot read")


@pytest.mark.parametrize("cell", ["1e3", "1.0000000000000001", "0x10", " 1_000", "١٠"])
def test_csv_log_counts_are_plain_whole_numbers(tmp_path, cell):
    import json

    path = tmp_path / "u.csv"
    path.write_text("timestamp,provider,model,input_tokens,output_tokens\n"
                    f"2026-11-02T10:00:00Z,openai,gpt-5.5,{cell},10\n"
                    "2026-11-02T10:00:00Z,openai,gpt-5.5,1000.0,10\n", encoding="utf-8")
    result = run("reprice", path, "--format", "json")
    assert result.exit_code == 1  # a reported record
    data = json.loads(result.stdout)
    assert [p["line"] for p in data["problems"]] == [2]
    assert data["problems"][0]["key"] == "input_tokens"
    # the good row, 1000.0 as a spreadsheet writes 1000: 1,000 x 5 + 10 x 30 per 1M = 0.0053
    assert data["rows"][0]["records"] == 1 and data["rows"][0]["cost_usd"] == "0.0053"


@pytest.mark.parametrize("value", ["1²", "9" * 5000, "٣"])
def test_otel_counts_that_are_no_int64_are_reported(tmp_path, value):
    import json

    span = {"name": "chat", "startTimeUnixNano": "1793000000000000000", "attributes": [
        {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-5.5"}},
        {"key": "gen_ai.usage.input_tokens", "value": {"intValue": value}},
        {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "10"}}]}
    path = tmp_path / "o.json"
    path.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}), encoding="utf-8")
    result = run("reprice", path, "--log-format", "otel", "--format", "json")
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    problems = json.loads(result.stdout)["problems"]
    assert len(problems) == 1 and problems[0]["line"] == 1


def test_a_parquet_log_with_nested_columns_is_one_line(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "n.parquet"
    pq.write_table(pa.table({"timestamp": ["2026-11-02T10:00:00Z"], "provider": ["openai"],
                             "model": [["gpt-5.5"]], "input_tokens": [10], "output_tokens": [1]}), path)
    assert_one_line_error(run("reprice", path), "column 'model'", "list<")


# -- workload CSV: repeated columns and control characters in names -------------------------------------

def test_a_workload_csv_with_a_repeated_column_is_one_line(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("name,requests_per_day,input_tokens,output_tokens,models,input_tokens\n"
                    "p,100,1000,100,gpt-5.5,2000\n", encoding="utf-8")
    assert_one_line_error(run("estimate", path), f"{path}:1: input_tokens: this column appears more than once")


@pytest.mark.parametrize("name", ["a\x00b", "a\x1b[31mb", "   "])
def test_a_profile_name_with_control_characters_is_one_line(tmp_path, name):
    import csv as csv_module
    import io as io_module

    out = io_module.StringIO()
    writer = csv_module.writer(out, lineterminator="\n")
    writer.writerow(["name", "requests_per_day", "input_tokens", "output_tokens", "models"])
    writer.writerow([name, 100, 1000, 100, "gpt-5.5"])
    path = tmp_path / "w.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    result = run("estimate", path)
    assert result.exit_code == 1 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


# -- size bounds ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["prices", "check", "{x}"], ["estimate", "{x}"],
                                     ["estimate", "--prices", "{x}"]])
def test_a_hand_written_file_past_64_mib_is_refused_unread(tmp_path, command):
    path = tmp_path / "big.yaml"
    with path.open("w", encoding="utf-8") as handle:  # one 65 MiB line, generated (never committed)
        handle.write('schema_version: 1\nversion: "')
        handle.write("x" * (65 << 20))
        handle.write('"\n')
    line = assert_one_line_error(run(*[str(path) if a == "{x}" else a for a in command]),
                                 "larger than 64 MiB")
    assert len(line) < 300


# -- logs with very many distinct names: linear time and memory ----------------------------------------

def _run_bounded(args: list[str], tmp_path) -> tuple[int, str, int]:
    """Run costcalc in a child process; (exit status, stdout, the child's peak RSS in MiB)."""
    import os
    import resource
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run([sys.executable, "-m", "costcalc", *args], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux: the largest child so far
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    return done.returncode, done.stdout, max(after, before) // 1024


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss units differ by platform")
def test_twenty_thousand_distinct_provider_model_pairs_stay_small(tmp_path):
    import json

    log = tmp_path / "pairs.jsonl"
    with log.open("w", encoding="utf-8") as handle:
        for i in range(20_000):  # generated, never committed
            handle.write(json.dumps({"timestamp": "2026-11-02T10:00:00Z", "provider": f"p{i}", "model": f"m{i}",
                                     "input_tokens": 10, "output_tokens": 1}) + "\n")
    status, stdout, peak_mib = _run_bounded(["reprice", str(log), "--log-format", "costcalc", "--format", "json"],
                                            tmp_path)
    assert status == 1  # every record reported (unknown models)
    result = json.loads(stdout)
    assert (result["records"], result["reported"], result["problems_not_listed"]) == (20_000, 20_000, 19_000)
    # a bincount over 20,000 x 20,000 provider/model codes took 3.2 GB; the pairs themselves need little
    assert peak_mib < 1500, peak_mib


def test_fifty_thousand_unknown_model_names_are_reported_without_a_suggestion_each(tmp_path):
    import json

    log = tmp_path / "unknown.jsonl"
    with log.open("w", encoding="utf-8") as handle:
        for i in range(50_000):
            handle.write(json.dumps({"timestamp": "2026-11-02T10:00:00Z", "provider": "openai",
                                     "model": f"gpt-5.5x-{i}", "input_tokens": 10, "output_tokens": 1}) + "\n")
    status, stdout, _ = _run_bounded(["reprice", str(log), "--log-format", "costcalc", "--format", "json"],
                                     tmp_path)
    assert status == 1
    problems = json.loads(stdout)["problems"]
    suggested = [p for p in problems if "did you mean" in p["message"]]
    # the first 20 unknown names get "did you mean"; the other 49,980 are named unknown, no search each
    assert len(suggested) == 20 and suggested[0]["value"] == "gpt-5.5x-0"
    assert problems[20]["message"] == "unknown model 'gpt-5.5x-20'; `costcalc prices list` shows them all"


# -- found by tests/badinput and the reader fuzz tests (issue 11) ---------------------------------------------

def _read_all(path, **kwargs):
    from costcalc.usage.read import iter_usage

    chunks = list(iter_usage(path, **kwargs))
    frames = [c.frame for c in chunks]
    return sum(len(f) for f in frames), [p for c in chunks for p in c.problems]


def test_a_json_lines_line_past_the_cap_is_a_bad_record_and_the_next_line_is_read(tmp_path, monkeypatch):
    import costcalc.usage.read_jsonl as read

    monkeypatch.setattr(read, "LINE_CAP", 200)
    monkeypatch.setattr(read, "MIB", 7)  # the rest of a long line is skipped in blocks: several here
    good = ('{"timestamp": "2026-09-01T00:00:00Z", "model": "gpt-5.5", "input_tokens": 1, "output_tokens": 2, '
            '"cached_tokens": 0}\n')
    at_cap = good[:-2] + ", " + '"tag:x": "' + "a" * (200 - len(good) - 13) + '"}\n'
    assert len(at_cap) == 200
    path = tmp_path / "log.jsonl"
    path.write_text(good + '{"model": "' + "m" * 1000 + '"}\n' + " " * 300 + "\n" + at_cap + good)
    records, problems = _read_all(path)
    assert records == 3  # lines 1, 4 and 5: the line at the cap is read
    assert [p.line for p in problems] == [2, 3]
    assert all("a line longer than" in p.message for p in problems)
    assert len(str(problems[0])) < 300


def test_a_json_lines_first_line_past_the_cap_is_one_line(tmp_path, monkeypatch):
    import costcalc.usage.read_jsonl as read

    monkeypatch.setattr(read, "LINE_CAP", 100)
    path = tmp_path / "log.jsonl"
    path.write_text('{"model": "' + "m" * 500 + '"}\n')
    with pytest.raises(CostcalcError, match=r"log.jsonl:1: a line longer than"):
        _read_all(path)


@pytest.mark.parametrize("text,line", [("timestamp,model,input_tokens,output_tokens" + ",x" * 100 + "\n", 1),
                                       ("timestamp,model,input_tokens,output_tokens\n"
                                        "2026-09-01T00:00:00Z,gpt-5.5,1,1\n"
                                        "2026-09-01T00:00:00Z," + "m" * 300 + ",1,1\n", 3)])
def test_a_csv_log_line_past_the_cap_is_one_line(tmp_path, monkeypatch, text, line):
    import costcalc.usage.read_csv as read

    monkeypatch.setattr(read, "CSV_LINE_CAP", 150)
    path = tmp_path / "log.csv"
    path.write_text(text)
    with pytest.raises(CostcalcError, match=rf"log.csv:{line}: a line longer than"):
        _read_all(path)


def test_a_csv_log_at_the_cap_and_gzipped_reads_as_before(tmp_path, monkeypatch):
    import gzip

    import costcalc.usage.read_csv as read

    monkeypatch.setattr(read, "CSV_LINE_CAP", 64)
    rows = "timestamp,model,input_tokens,output_tokens\n" + "2026-09-01T00:00:00Z,gpt-5.5,1,1\n" * 1000
    path = tmp_path / "log.csv.gz"
    path.write_bytes(gzip.compress(rows.encode()))
    assert _read_all(path, chunk_records=7) == (1000, [])


def test_a_csv_log_with_a_repeated_column_is_refused(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("timestamp,model,input_tokens,input_tokens,output_tokens\n2026-09-01T00:00:00Z,gpt-5.5,1,2,3\n")
    with pytest.raises(CostcalcError, match="log.csv:1: 'input_tokens': this column appears more than once"):
        _read_all(path)


def test_otlp_parts_of_the_wrong_type_are_bad_records(tmp_path):
    path = tmp_path / "otel.jsonl"
    path.write_text('{"resourceSpans": [1, {"scopeSpans": {"a": 1}}, {"scopeSpans": [2, {"spans": {"b": 1}}, '
                    '{"spans": [3, {"attributes": {"c": 1}}]}]}]}\n')
    records, problems = _read_all(path, format="otel")
    assert records == 0
    assert [p.key for p in problems] == ["resourceSpans[0]", "resourceSpans[1].scopeSpans",
                                         "resourceSpans[2].scopeSpans[0]", "resourceSpans[2].scopeSpans[1].spans",
                                         "resourceSpans[2].scopeSpans[2].spans[0]",
                                         "resourceSpans[2].scopeSpans[2].spans[1].attributes"]


def test_a_corrupt_parquet_page_is_one_line(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "usage.parquet"
    pq.write_table(pa.table({"timestamp": ["2026-09-01T00:00:00Z"] * 50, "model": ["gpt-5.5"] * 50,
                             "input_tokens": list(range(50)), "output_tokens": [1] * 50}), path)
    data = bytearray(path.read_bytes())
    data[4:40] = b"\xff" * 36  # the first page header; the footer (schema) stays readable
    path.write_bytes(bytes(data))
    with pytest.raises(CostcalcError, match="usage.parquet: cannot read as Parquet"):
        _read_all(path)


def test_a_file_past_its_cap_is_refused_before_it_is_read(tmp_path):
    import resource
    import time

    from costcalc.report.document import load

    path = tmp_path / "big.json"
    with open(path, "wb") as handle:
        handle.truncate(1024 * 1024 * 1024 + 1)  # sparse
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(CostcalcError, match="larger than 1024 MiB"):
        load(str(path))
    assert time.monotonic() - started < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB: nothing was read


@pytest.mark.parametrize("field,value,phrase", [
    ("profile", ["a"], "rows[0].profile: ['a']: must be text"),
    ("tag:team", {"a": 1}, "rows[0].tag:team"),
])
def test_a_saved_result_with_a_field_of_the_wrong_type_is_one_line(tmp_path, field, value, phrase):
    saved = tmp_path / "r.json"
    assert run("estimate", "--months", "1", "--format", "json", "--output", saved).exit_code == 0
    document = json.loads(saved.read_text())
    document["rows"][0][field] = value
    saved.write_text(json.dumps(document))
    assert_one_line_error(run("render", saved), "r.json", phrase)


@pytest.mark.parametrize("meta,phrase", [({"months": "many"}, "meta.months"),
                                         ({"currency": "dollars"}, "meta.currency"),
                                         ({"profiles": {"p": [1]}}, "meta.profiles"),
                                         ({"price_table": {"version": [1]}}, "meta.price_table.version")])
def test_a_saved_result_with_bad_metadata_is_one_line(tmp_path, meta, phrase):
    saved = tmp_path / "r.json"
    assert run("estimate", "--months", "1", "--format", "json", "--output", saved).exit_code == 0
    document = json.loads(saved.read_text())
    document["meta"].update(meta)
    saved.write_text(json.dumps(document))
    assert_one_line_error(run("render", saved), "r.json", phrase)


def test_a_workload_csv_with_a_bare_carriage_return_is_one_line(tmp_path):
    path = tmp_path / "w.csv"
    path.write_bytes(b"name,requests_per_day,input_tokens,output_tokens,models\np,1\r0,1,1,gpt-5.5\n")
    assert_one_line_error(run("estimate", path, "--months", "1"), "w.csv:", "not valid CSV")


def test_an_fx_file_rate_of_a_billion_is_refused_like_fx(tmp_path):
    path = tmp_path / "fx.yaml"
    path.write_text("schema_version: 1\nrates: {EUR: 1000000000}\n")
    assert_one_line_error(run("estimate", "--months", "1", "--fx", path), "fx.yaml:2: rates.EUR", "below 10^9")


def test_a_community_table_with_a_key_twice_is_refused(tmp_path):
    path = tmp_path / "litellm.json"
    path.write_text('{"acme/x": {"mode": "chat"}, "acme/x": {"mode": "chat"}}')
    assert_one_line_error(run("prices", "import", "--from", "litellm", path), "litellm.json",
                          "'acme/x' appears twice")


def test_overlapping_overlay_rules_name_the_file_and_line(tmp_path):
    overlay = tmp_path / "o.yaml"
    overlay.write_text('schema_version: 1\nversion: "t"\nproviders:\n  acme:\n    name: Acme\n    models:\n'
                       "      acme-1:\n        name: Acme One\n        prices:\n"
                       "          - label: list\n            rates: {input: 1, output: 2}\n"
                       "          - label: other\n            rates: {input: 1, output: 2}\n")
    assert_one_line_error(run("quote", "acme-1", "--input", "10", "--at", "2026-12-01", "--prices", overlay),
                          "o.yaml:12: acme-1: rules")


def test_keys_are_cut_in_error_lines(tmp_path):
    line = assert_one_line_error(run("estimate", "--months", "1", "--set", "support-bot." + "k" * 100_000 + "=1"),
                                 "unknown key")
    assert len(line) < 700 and "k" * 200 not in line
