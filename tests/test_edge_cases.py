"""Edge cases found in review: each once raised, mispriced or misreported."""

import json
import os
import stat
from decimal import Decimal as D

import pandas as pd
from click.testing import CliRunner

import costcalc
from costcalc.cli import cli


def run(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def workload(tmp_path, body, name="w.yaml"):
    path = tmp_path / name
    path.write_text("schema_version: 1\nprofiles:\n" + body)
    return path


def test_requests_per_month_needs_no_price_outside_the_window(tmp_path, table):
    # Opus 4.7 has no price before 2026-04-16; the profile only runs from 04-20.
    path = workload(tmp_path, "  p:\n    requests_per_month: 30000\n    input_tokens: 100\n"
                              "    output_tokens: 10\n    start: 2026-04-20\n    models: [claude-opus-4-7]\n")
    df = costcalc.estimate(path, prices=table, start="2026-04", months=1)
    # 11 of April's 30 days: 11,000 requests of 130 x 5 + 13 x 25 per 1M (o200k counts x1.3 for Opus 4.7)
    assert round(sum(df["cost_usd"], D(0)), 20) == D(11_000) * (130 * 5 + 13 * 25) / 1_000_000


def test_report_with_a_case_that_costs_nothing(tmp_path):
    path = workload(tmp_path, "  p:\n    requests_per_day: {low: 0, expected: 0, high: 10}\n"
                              "    input_tokens: 100\n    output_tokens: 10\n    models: [gpt-5.5]\n")
    result = run("estimate", path, "--start", "2026-06", "--months", "1")
    assert result.exit_code == 0, result.stderr
    # high case: 10 requests x 30 days x (100 x 5 + 10 x 30) per 1M = 0.24
    assert "No cost in the expected case." in result.stdout and "gpt-5.5 0.00 to 0.24" in result.stdout


def test_a_model_discount_follows_its_routing(tmp_path, table):
    overlay = tmp_path / "o.yaml"
    overlay.write_text("schema_version: 1\nversion: t\ndiscounts:\n  - {model: deepseek-v4-flash, multiply: 0.5}\n")
    q = costcalc.quote("deepseek-v4-flash", input=1_000_000, at="2026-09-12T12:00Z", prices=overlay)
    # Saturday: V4.1 Flash off-peak 0.15, halved
    assert q.billed_model == "deepseek-flash" and q.total_usd == D("0.075")
    assert q.lines[0].rule == "deepseek-flash:off-peak+discount"


def test_prices_show_for_an_overlay_model_without_checked(tmp_path):
    overlay = tmp_path / "o.yaml"
    overlay.write_text("schema_version: 1\nversion: t\nproviders:\n  acme:\n    name: Acme\n    models:\n"
                       "      acme-llm:\n        name: Acme\n        prices:\n          - label: list\n"
                       "            rates: {input: 0.5, output: 1.5}\n")
    result = run("prices", "show", "acme-llm", "--prices", overlay)
    assert result.exit_code == 0, result.stderr
    assert "acme-llm" in result.stdout and "0.50" in result.stdout


def test_prices_check_with_an_overlay_names_each_file(tmp_path):
    overlay = tmp_path / "o.yaml"
    overlay.write_text("schema_version: 1\nversion: t\nproviders:\n  openai:\n    models:\n"
                       "      aaa-private:\n        name: Private\n        prices:\n          - label: list\n"
                       "            rates: {input: 1, output: 2}\n")
    result = run("prices", "check", "--prices", overlay)
    assert result.exit_code == 0, result.stderr  # appending a model to a provider is not "out of order"
    warnings = result.stderr.splitlines()
    assert warnings and all("pricing.yaml:" in w and str(overlay) not in w for w in warnings)


def test_lint_sees_clashes_on_late_holidays(tmp_path):
    overlay = tmp_path / "o.yaml"
    overlay.write_text("""schema_version: 1
version: t
calendars:
  late:
    timezone: UTC
    dates: [2026-12-24]
    source: https://example.org
    checked: 2026-11-01
providers:
  acme:
    name: Acme
    models:
      m:
        name: M
        prices:
          - label: normal
            when: {from: 2026-09-01T00:00Z}
            rates: {input: 1, output: 1}
          - label: holiday
            when: {from: 2026-09-01T00:00Z, holidays: {calendar: late, on: true}}
            rates: {input: 1, output: 1}
""")
    result = run("prices", "check", "--prices", overlay)
    assert result.exit_code == 1 and "overlaps prices[0]" in result.stderr and "2026-12-24" in result.stderr


def test_csv_saved_with_a_byte_order_mark(tmp_path, table):
    path = tmp_path / "w.csv"
    path.write_bytes("\ufeffname,requests_per_day,input_tokens,output_tokens,models\n"
                     "p,1000,1000,1000,gpt-5.5\n".encode())
    df = costcalc.estimate(path, prices=table, start="2026-06", months=1)
    assert sum(df["cost_usd"], D(0)) == D(1050)


def test_dataframe_gaps_in_any_dtype(table):
    frame = pd.DataFrame({"name": ["a", "b"],
                          "requests_per_day": pd.array([1000, None], dtype="Int64"),
                          "requests_per_month": pd.array([None, 30000], dtype="Int64"),
                          "input_tokens": [1000, 1000], "output_tokens": [1000, 1000],
                          "start": [pd.Timestamp("2026-06-01"), pd.NaT], "models": ["gpt-5.5", "gpt-5.5"]})
    df = costcalc.estimate(frame, prices=table, start="2026-06", months=1)
    assert sum(df.loc[df["profile"] == "a", "cost_usd"], D(0)) == D(1050)
    assert sum(df.loc[df["profile"] == "b", "cost_usd"], D(0)) == D(1050)


def test_defaults_give_way_to_the_alternative_key(tmp_path, table):
    path = tmp_path / "w.yaml"
    path.write_text("schema_version: 1\ndefaults: {requests_per_day: 10, reasoning: high}\nprofiles:\n"
                    "  p:\n    requests_per_month: 30000\n    reasoning_tokens: 0\n    input_tokens: 1000\n"
                    "    output_tokens: 1000\n    models: [gpt-5.5]\n")
    df = costcalc.estimate(path, prices=table, start="2026-06", months=1)
    assert sum(df["cost_usd"], D(0)) == D(1050)


def test_sampled_tokens_are_exact(tmp_path, table):
    (tmp_path / "p").mkdir()
    for i, text in enumerate(["one", "two words", "three words here"]):
        (tmp_path / "p" / f"{i}.txt").write_text(text)
    path = workload(tmp_path, "  s:\n    requests_per_month: 3000\n    output_tokens: 7\n"
                              "    samples: {prompts: [\"p/*.txt\"]}\n    models: [gpt-5.5]\n")
    df = costcalc.estimate(path, prices=table, start="2026-06", months=1)
    out = df[df["component"] == "output"]
    assert list(out["tokens"]) == [D(21000)]  # 3 equal thirds of the volume add back to whole tokens


def test_output_file_gets_the_usual_mode(tmp_path):
    target = tmp_path / "o.json"
    old = os.umask(0o022)
    try:
        assert run("estimate", "--months", "1", "--format", "json", "--output", target).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_tokens_stdin_that_is_not_utf8():
    result = run("tokens", "-", "--models", "gpt-5.5", input=b"\xff\xfe")
    assert result.exit_code == 1
    assert "costcalc: <stdin>: not UTF-8 text (byte 0: invalid start byte)" in result.stderr


def test_comma_counts_must_be_grouped_in_threes():
    assert run("quote", "gpt-5.5", "--input", "1,5M").exit_code == 2
    ok = run("quote", "gpt-5.5", "--input", "1,500,000", "--requests", "2", "--at", "2026-06-01",
             "--format", "json")
    assert json.loads(ok.stdout)["lines"][0]["tokens"] == 1_500_000


def test_set_errors_say_they_come_from_set(tmp_path):
    path = workload(tmp_path, "  p:\n    requests_per_day: 1\n    input_tokens: 1\n    output_tokens: 1\n"
                              "    models: [gpt-5.5]\n")
    result = run("estimate", path, "--set", "p.cache_write.share=2")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"costcalc: {path} (--set): profiles.p.cache_write.share: 2:")


def test_priority_above_the_cliff_says_what_to_do(table):
    import pytest

    with pytest.raises(costcalc.NoPriceError, match="priced only for prompts up to 272,000 tokens"):
        costcalc.quote("gpt-5.5", input=300_000, tier="priority", at="2026-09-01T00:00Z", prices=table)


# -- found by fuzzing: every one of these once ended in "internal error", a hang or two lines -------------

BASE_PROFILE = ("  p:\n    requests_per_day: 100\n    input_tokens: 1000\n    output_tokens: 100\n"
                "    models: [gpt-5.5]\n")


def one_clean_line(result, code=1):
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == code and result.stdout == "" and len(lines) == 1, result.stderr
    assert "internal error" not in result.stderr
    return lines[0]


def test_huge_numbers_are_refused(tmp_path):
    for value in ("1.0e+9999999", "99999999999999999999999999999999999", "1.0e+400"):
        line = one_clean_line(run("estimate", workload(tmp_path, BASE_PROFILE.replace("100\n", value + "\n", 1))))
        assert "below 10^15" in line


def test_recursive_and_exploding_aliases(tmp_path):
    cyc = tmp_path / "cyc.yaml"
    cyc.write_text("schema_version: 1\nprofiles: &a\n  p: *a\n")
    assert "an alias refers to its own anchor" in one_clean_line(run("estimate", cyc))
    lines = ["schema_version: 1", "x0: &x0 [a]"] + \
        [f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 10) + "]" for i in range(1, 10)] + ["profiles: {}"]
    laughs = tmp_path / "laughs.yaml"
    laughs.write_text("\n".join(lines) + "\n")
    assert "unknown key" in one_clean_line(run("estimate", laughs))  # and promptly: aliases are not expanded


def test_unreadable_characters_and_newlines_in_keys(tmp_path):
    nul = tmp_path / "nul.yaml"
    nul.write_bytes(b"schema_version: 1\nprofiles:\n  p: \x00\n")
    assert "not valid YAML" in one_clean_line(run("estimate", nul))
    key = workload(tmp_path, '  p:\n    "in\\nput": 1\n', "k.yaml")
    assert "profiles.p.in\\nput" in one_clean_line(run("estimate", key))


def test_dates_outside_the_supported_years(tmp_path):
    assert "years 1970-2900" in one_clean_line(run("estimate", "--start", "0000-01"), code=2)
    assert "years 1970-2999" in one_clean_line(run("quote", "gpt-5.5", "--input", "1", "--at",
                                                    "0001-01-01T00:00+01:00"), code=2)
    far = workload(tmp_path, BASE_PROFILE + "    start: 9999-12-31\n")
    assert "between 1970 and 2999" in one_clean_line(run("estimate", far))


def test_tokens_skips_fifos_in_folders_and_refuses_devices(tmp_path):
    (tmp_path / "a.txt").write_text("hello")
    os.mkfifo(tmp_path / "pipe")
    result = run("tokens", tmp_path, "--models", "gpt-5.5", "--format", "json")
    assert result.exit_code == 0 and [r["path"] for r in json.loads(result.stdout)["rows"]] == [
        str(tmp_path / "a.txt")]
    device = run("tokens", "/dev/zero", "--models", "gpt-5.5")
    assert device.exit_code == 1 and "not a regular file" in device.stderr
