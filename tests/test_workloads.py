"""Workload files: every mistake is one clear line with exit status 1; CSV and DataFrames load like YAML."""

from decimal import Decimal as D

import pandas as pd
import pytest
from click.testing import CliRunner

import costcalc
from costcalc.cli import cli
from costcalc.errors import InputError
from costcalc.workloads.model import Histogram, Range

GOOD = """schema_version: 1
profiles:
  bot:
    requests_per_day: 1000
    input_tokens: 1000
    output_tokens: 200
    cache_hit_rate: 0.5
    tiers: {standard: 0.75, batch: 0.25}
    models: [gpt-5.5, claude-opus-4-7]
    tags: {team: support}
"""


def write(tmp_path, text, name="w.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize("value, message", [
    ("[1, gpt-5.5]", "profiles.support-bot.models[0]: 1: must be a model id of the price table as text, e.g. gpt-5.5 "
                     "(`costcalc prices list` shows them all)"),
    ("[{a: 1}]", "profiles.support-bot.models[0]: {a: 1}: must be a model id of the price table as text, e.g. "
                 "gpt-5.5 (`costcalc prices list` shows them all)"),
    ("[zzzz-unheard-of]", "profiles.support-bot.models[0]: 'zzzz-unheard-of': unknown model; `costcalc prices list` "
                          "shows them all"),
])
def test_set_models_to_a_bad_value_says_what_is_allowed(value, message):
    # the bundled example workloads (no WORKLOAD given) have a profile support-bot
    result = run("estimate", "--set", f"support-bot.models={value}")
    assert result.exit_code == 1 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("costcalc: ") and line.endswith(" (--set): " + message), line


BAD = [
    # (replace this, with that, expected line, fragment of key, fragment of message)
    ("    cache_hit_rate: 0.5", "    cache_hit_rate: 0.5\n    cache_hit: 0.5", 8, "profiles.bot.cache_hit",
     "unknown key (did you mean 'cache_hit_rate'?)"),
    ("{standard: 0.75, batch: 0.25}", "{standard: 0.75, batch: 0.2}", 8, "profiles.bot.tiers",
     "tier shares must sum to 1"),
    ("requests_per_day: 1000", "requests_per_day: -5", 4, "profiles.bot.requests_per_day", "a count >= 0"),
    ("cache_hit_rate: 0.5", "cache_hit_rate: 1.5", 7, "profiles.bot.cache_hit_rate", "between 0 and 1"),
    ("[gpt-5.5, claude-opus-4-7]", "[gpt-5.5, claude-opus-47]", 9, "profiles.bot.models[1]",
     "unknown model; did you mean claude-opus-4-7"),
    ("    tags: {team: support}", "    tags: {team: support}\n    traffic: {timezone: Mars/Base}", 11,
     "profiles.bot.traffic.timezone", "unknown time zone"),
    ("input_tokens: 1000", "input_tokens: {histogram: [{tokens: 10, share: 0.5}]}", 5,
     "profiles.bot.input_tokens.histogram", "shares must sum to 1"),
    ("cache_hit_rate: 0.5", "cache_hit_rate: {low: 0.6, expected: 0.5, high: 0.8}", 7,
     "profiles.bot.cache_hit_rate", "low <= expected <= high"),
    ("    requests_per_day: 1000\n", "", 4, "profiles.bot",
     "give exactly one of requests_per_day or requests_per_month"),
    ("output_tokens: 200", "output_tokens: lots", 6, "profiles.bot.output_tokens", "a count >= 0"),
    ("    tags: {team: support}", "    tags: {team: support}\n    start: 2026-13-01", 11, "profiles.bot.start",
     "a date like"),
    ("    tags: {team: support}", "    tags: {team: support}\n    cache_write: {share: 0.6}", 11,
     "profiles.bot.cache_write.share", "must not exceed 1"),
    ("schema_version: 1", "schema_version: 2", 1, "schema_version", "reads schema_version 1"),
    ("    tags: {team: support}", "    tags: {team: support}\n    reasoning: extreme", 11,
     "profiles.bot.reasoning", "one of none, high, max"),
]


@pytest.mark.parametrize("old,new,line,key,message", BAD, ids=[b[3] + ":" + b[4][:20] for b in BAD])
def test_bad_workloads_give_one_line_and_exit_1(tmp_path, old, new, line, key, message):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    result = run("estimate", path, "--start", "2026-06", "--months", "1")
    assert result.exit_code == 1, result.stdout
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"costcalc: {path}:{line}: {key}")
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_good_file_runs(tmp_path):
    result = run("estimate", write(tmp_path, GOOD), "--start", "2026-06", "--months", "1")
    assert result.exit_code == 0, result.stderr
    assert "bot" in result.stdout and "gpt-5.5" in result.stdout


def test_library_error_has_one_problem(tmp_path):
    with pytest.raises(InputError) as info:
        costcalc.load_workloads(write(tmp_path, GOOD.replace("cache_hit_rate: 0.5", "cache_hit_rate: -1")))
    assert len(info.value.problems) == 1 and info.value.problems[0].line == 7


def test_yaml_values_are_exact_decimals(tmp_path):
    text = GOOD.replace("input_tokens: 1000",
                        "input_tokens: {histogram: [{tokens: 100000, share: 0.9}, {tokens: 400000, share: 0.1}]}")
    text = text.replace("cache_hit_rate: 0.5", "cache_hit_rate: {low: 0.1, expected: 0.2, high: 0.3}")
    profile = costcalc.load_workloads(write(tmp_path, text)).profiles[0]
    assert profile.input_tokens == Histogram(((D(100000), D("0.9")), (D(400000), D("0.1"))))
    assert profile.cache_hit_rate == Range(D("0.1"), D("0.2"), D("0.3"))
    assert profile.tiers == (("standard", D("0.75")), ("batch", D("0.25")))


def test_defaults_apply_to_every_profile(tmp_path):
    text = GOOD.replace("profiles:", "defaults: {growth_per_month: 0.02}\nprofiles:")
    assert costcalc.load_workloads(write(tmp_path, text)).profiles[0].growth_per_month == D("0.02")


CSV = """name,requests_per_day,input_tokens,output_tokens,cache_hit_rate,tiers.standard,tiers.batch,models,tags.team
bot,1000,1000,200,0.5,0.75,0.25,gpt-5.5;claude-opus-4-7,support
"""


def test_csv_equals_yaml(tmp_path, table):
    from_yaml = costcalc.estimate(write(tmp_path, GOOD), prices=table, start="2026-06", months=2)
    from_csv = costcalc.estimate(write(tmp_path, CSV, "w.csv"), prices=table, start="2026-06", months=2)
    pd.testing.assert_frame_equal(from_yaml, from_csv)


def test_dataframe_equals_yaml(tmp_path, table):
    frame = pd.DataFrame([{"name": "bot", "requests_per_day": 1000, "input_tokens": 1000, "output_tokens": 200,
                           "cache_hit_rate": 0.5, "tiers.standard": 0.75, "tiers.batch": 0.25,
                           "models": ["gpt-5.5", "claude-opus-4-7"], "tags.team": "support"}])
    from_yaml = costcalc.estimate(write(tmp_path, GOOD), prices=table, start="2026-06", months=2)
    from_frame = costcalc.estimate(frame, prices=table, start="2026-06", months=2)
    pd.testing.assert_frame_equal(from_yaml, from_frame)
    # floats from the DataFrame became the exact decimals they were written as
    assert costcalc.load_workloads(frame).profiles[0].cache_hit_rate == D("0.5")


def test_csv_error_names_row_line(tmp_path):
    path = write(tmp_path, CSV + "bad,1000,1000,200,2,1,0,gpt-5.5,x\n", "w.csv")
    result = run("estimate", path)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(f"costcalc: {path}:3: profiles.bad.cache_hit_rate: 2:")


def test_set_overrides_a_value(tmp_path, table):
    path = write(tmp_path, GOOD)
    base = run("estimate", path, "--start", "2026-06", "--months", "1", "--format", "json")
    changed = run("estimate", path, "--start", "2026-06", "--months", "1", "--format", "json",
                  "--set", "bot.requests_per_day=2000")
    import json

    a, b = json.loads(base.stdout)["total_usd"], json.loads(changed.stdout)["total_usd"]
    assert D(b) == 2 * D(a)


def test_set_unknown_profile_is_one_line(tmp_path):
    result = run("estimate", write(tmp_path, GOOD), "--set", "bots.requests_per_day=2")
    assert result.exit_code == 1 and "no profile named 'bots' (did you mean 'bot'?)" in result.stderr


def test_set_bad_value_points_at_the_key(tmp_path):
    result = run("estimate", write(tmp_path, GOOD), "--set", "*.cache_hit_rate=2")
    assert result.exit_code == 1 and "profiles.bot.cache_hit_rate: 2: must be a share between 0 and 1" in \
        result.stderr


def test_missing_file_is_one_line(tmp_path):
    result = run("estimate", tmp_path / "nope.yaml")
    assert result.exit_code == 1 and result.stdout == "" and "cannot read" in result.stderr
