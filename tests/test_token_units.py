"""Token counts have a unit (issue 12, item 5): a profile's counts are counted with `tokens_counted_with`
(o200k_base by default) and each model gets them in its own tokenizer, with the ratios and the rounding
`costcalc reprice --as` uses, labelled as estimates with their band. Amounts by hand from pricing.yaml."""

from decimal import Decimal as D

import pytest
from click.testing import CliRunner

import costcalc
from costcalc.cli import cli
from costcalc.errors import LimitError
from costcalc.tokens.encodings import encoding
from costcalc.tokens.tokenizers import translate_count, translation_ratio


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def write(tmp_path, body, name="w.yaml"):
    path = tmp_path / name
    path.write_text("schema_version: 1\nprofiles:\n" + body)
    return path


def cost(df, **where):
    for key, value in where.items():
        df = df[df[key] == value]
    return sum(df["cost_usd"], D(0))


def tokens(df, model, component):
    part = df[(df["model"] == model) & (df["component"] == component)]
    return sum(part["tokens"], D(0))


OPUS_NOTE = ("claude-opus-4-7 (big): input and output counts translated from o200k_base x1.3 to "
             "claude-opus-4.7-estimate (estimate, band 1.00-1.47; research/tokenizers.md).")


def test_opus_is_priced_with_the_documented_factor_and_says_so(tmp_path):
    # One request a month of 700,000 input + 90,000 output o200k tokens: on Opus 4.7 that is 910,000 +
    # 117,000 of its tokens (x1.30, research/tokenizers.md), inside its 1,000,000-token window and its
    # 128,000-token max output.
    path = write(tmp_path, "  big:\n    requests_per_month: 1\n    input_tokens: 700000\n"
                           "    output_tokens: 90000\n    models: [claude-opus-4-7, gpt-5.5]\n")
    df = costcalc.estimate(path, start="2026-12", months=1)
    assert (tokens(df, "claude-opus-4-7", "input"), tokens(df, "claude-opus-4-7", "output")) == (910_000, 117_000)
    # Opus 4.7: 5 in, 25 out per 1M: 910,000 x 5 / 1e6 + 117,000 x 25 / 1e6 = 4.55 + 2.925
    assert cost(df, model="claude-opus-4-7") == D("4.55") + D("2.925") == D("7.475")
    # gpt-5.5 counts with o200k: unchanged. 700,000 is above its 272K cliff: input 5 x 2, output 30 x 1.5
    assert (tokens(df, "gpt-5.5", "input"), tokens(df, "gpt-5.5", "output")) == (700_000, 90_000)
    assert cost(df, model="gpt-5.5") == 700_000 * D(10) / 1_000_000 + 90_000 * D(45) / 1_000_000 == D("11.05")
    assert OPUS_NOTE in df.attrs["assumptions"]
    assert not any("gpt-5.5 (big)" in a for a in df.attrs["assumptions"])
    info = df.attrs["profiles"]["big"]
    assert info["tokens_counted_with"] == "o200k_base"
    assert info["token_translation"] == {"claude-opus-4-7": {
        "tokenizer": "claude-opus-4.7-estimate", "factor": "1.3", "band": "1.00-1.47",
        "translated": "input and output", "estimate": True}}
    assert "counts in o200k_base; per model: claude-opus-4-7 x1.3 (est. 1.00-1.47)" in info["summary"]
    # the report shows it in the profile's lines and in the assumptions
    result = run("estimate", path, "--start", "2026-12", "--months", "1")
    assert result.exit_code == 0, result.stderr
    flat = "".join(result.stdout.split())  # wrapped at 100 columns, also at hyphens
    assert "claude-opus-4-7x1.3(est.1.00-1.47)" in flat and "".join(OPUS_NOTE.split()) in flat


def test_a_million_o200k_tokens_do_not_fit_opus_once_translated(tmp_path):
    # 1,000,000 o200k tokens are 1,300,000 of Opus 4.7's: above its 1,000,000-token context window. The
    # same prompt fits gpt-5.5 (1,050,000, o200k: unchanged).
    body = "  big:\n    requests_per_month: 1\n    input_tokens: 1000000\n    output_tokens: 100\n"
    path = write(tmp_path, body + "    models: [gpt-5.5, claude-opus-4-7]\n")
    result = run("estimate", path, "--start", "2026-12", "--months", "1")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (
        f"costcalc: {path}:5: profiles.big.input_tokens: 1000000: model claude-opus-4-7: a 1,300,000-token prompt "
        "is above claude-opus-4-7's context window of 1,000,000 tokens (the profile's o200k_base counts x1.3 for "
        "its tokenizer claude-opus-4.7-estimate: an estimate, band 1.00-1.47); set over_limit: exclude in the "
        "profile to leave such requests out of the estimate\n")
    # gpt-5.5 alone: 1,000,000 x 10 / 1e6 + 100 x 45 / 1e6 (above its 272K cliff)
    alone = costcalc.estimate(write(tmp_path, body + "    models: [gpt-5.5]\n", "g.yaml"), start="2026-12", months=1)
    assert cost(alone) == D(10) + D("0.0045")
    # over_limit: exclude leaves the Opus request out and says so
    excluded = costcalc.estimate(write(tmp_path, body + "    over_limit: exclude\n    models: [claude-opus-4-7]\n",
                                       "x.yaml"), start="2026-12", months=1)
    assert cost(excluded) == 0
    [entry] = excluded.attrs["over_limit_excluded"]
    assert entry["detail"] == "a 1,300,000-token prompt is above claude-opus-4-7's context window of 1,000,000 tokens"


def test_a_cliff_crossed_once_translated(tmp_path):
    # Sonnet 4.5 prices a prompt above 200,000 of ITS tokens at the long-context rates (input 3 x 2, output
    # 15 x 1.5). 195,000 o200k tokens are 204,750 of its tokens (x1.05): above the cliff; 1,000 output
    # tokens are 1,050.
    body = "  p:\n    requests_per_month: 1\n    input_tokens: 195000\n    output_tokens: 1000\n" \
           "    models: [claude-sonnet-4-5]\n"
    df = costcalc.estimate(write(tmp_path, body), start="2026-12", months=1)
    assert set(df["rule"]) == {"list+long-context"}
    assert cost(df) == 204_750 * D(6) / 1_000_000 + 1050 * D("22.5") / 1_000_000 == D("1.252125")
    # counted with Claude's (estimated) tokenizer already: priced as given, below the cliff
    own = costcalc.estimate(write(tmp_path, body.replace("    models:", "    tokens_counted_with: claude-estimate\n"
                                                                       "    models:"), "own.yaml"),
                            start="2026-12", months=1)
    assert set(own["rule"]) == {"list"}
    assert cost(own) == 195_000 * D(3) / 1_000_000 + 1000 * D(15) / 1_000_000 == D("0.6")


def test_histogram_bins_and_reasoning(tmp_path):
    # Opus 4.7, June 2026 (30 days x 100 requests): each bin translated (10,000 -> 13,000; 50,000 -> 65,000),
    # output 1,000 -> 1,300; reasoning: max is 4 x the translated output (5,200); reasoning_tokens given
    # as a number are the model's own (500, not translated).
    body = ("  p:\n    requests_per_day: 100\n    input_tokens: {histogram: [{tokens: 10000, share: 0.5}, "
            "{tokens: 50000, share: 0.5}]}\n    output_tokens: 1000\n    reasoning: max\n"
            "    models: [claude-opus-4-7]\n")
    df = costcalc.estimate(write(tmp_path, body), start="2026-06", months=1)
    assert tokens(df, "claude-opus-4-7", "input") == 1500 * 13_000 + 1500 * 65_000
    assert tokens(df, "claude-opus-4-7", "output") == 3000 * 1300
    assert tokens(df, "claude-opus-4-7", "reasoning") == 3000 * 5200
    assert cost(df) == (1500 * 13_000 + 1500 * 65_000) * D(5) / 1_000_000 + 3000 * (1300 + 5200) * D(25) / 1_000_000
    given = costcalc.estimate(write(tmp_path, body.replace("reasoning: max", "reasoning_tokens: 500"), "r.yaml"),
                              start="2026-06", months=1)
    assert tokens(given, "claude-opus-4-7", "reasoning") == 3000 * 500


def test_counted_with_another_tokenizer_and_a_model_without_one(tmp_path):
    # counted with DeepSeek V4 (1.04x o200k): gpt-5.5 gets 1,000 x 1/1.04 = 961.54 -> 962 tokens (half
    # up, as reprice --as rounds); deepseek-v4-pro gets them unchanged; kimi-k3 names no tokenizer.
    body = ("  p:\n    requests_per_month: 1\n    input_tokens: 1000\n    output_tokens: 1000\n"
            "    tokens_counted_with: deepseek-v4\n    models: [gpt-5.5, deepseek-v4-pro, kimi-k3]\n")
    df = costcalc.estimate(write(tmp_path, body), start="2026-12", months=1)
    assert (tokens(df, "gpt-5.5", "input"), tokens(df, "gpt-5.5", "output")) == (962, 962)
    assert cost(df, model="gpt-5.5") == 962 * D(5) / 1_000_000 + 962 * D(30) / 1_000_000
    assert tokens(df, "deepseek-v4-pro", "input") + tokens(df, "deepseek-v4-pro", "cache_read") == 1000
    assert tokens(df, "kimi-k3", "input") == 1000
    notes = df.attrs["assumptions"]
    assert ("gpt-5.5 (p): input and output counts translated from deepseek-v4 x25/26 (about 0.9615) to o200k_base "
            "(estimate, band 0.876-1.17; research/tokenizers.md).") in notes
    assert "kimi-k3 (p): no tokenizer in the price table: the input and output counts apply as given." in notes


def test_defaults_set_the_unit_and_a_bad_name_is_one_error_line(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("schema_version: 1\ndefaults:\n  tokens_counted_with: deepseek-v4\nprofiles:\n  p:\n"
                    "    requests_per_month: 1\n    input_tokens: 1000\n    output_tokens: 0\n    models: [gpt-5.5]\n")
    [profile] = costcalc.load_workloads(path)
    assert profile.tokens_counted_with == "deepseek-v4"
    path.write_text(path.read_text().replace("deepseek-v4", "cl100k_base"))
    result = run("estimate", path)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (f"costcalc: {path}:3: profiles.p.tokens_counted_with: 'cl100k_base': not allowed (did "
                             "you mean 'o200k_base'?); one of o200k_base, deepseek-v4, claude-estimate, "
                             "claude-opus-4.7-estimate, gemini-estimate\n")


def test_samples_stay_exact_and_output_given_as_a_number_is_translated(tmp_path):
    (tmp_path / "p.txt").write_text("Summarize this contract clause about payment terms. " * 40)
    body = ('  s:\n    requests_per_month: 1\n    samples: {prompts: ["p.txt"]}\n    output_tokens: 1000\n'
            "    models: [claude-opus-4-7, gpt-5.5]\n")
    df = costcalc.estimate(write(tmp_path, body), start="2026-12", months=1)
    base = len(encoding("o200k_base").encode_ordinary((tmp_path / "p.txt").read_text()))
    # the sample is counted per model: gpt-5.5 exactly, Opus 4.7 as its own estimate (o200k x 1.30, once)
    assert tokens(df, "gpt-5.5", "input") == base
    assert tokens(df, "claude-opus-4-7", "input") == translate_count(D(base), (13, 10))
    # the output is a number in o200k: translated for Opus, unchanged for gpt-5.5
    assert (tokens(df, "claude-opus-4-7", "output"), tokens(df, "gpt-5.5", "output")) == (1300, 1000)
    assert ("claude-opus-4-7 (s): output counts translated from o200k_base x1.3 to claude-opus-4.7-estimate "
            "(estimate, band 1.00-1.47; research/tokenizers.md).") in df.attrs["assumptions"]


@pytest.mark.parametrize("source,target", [("o200k_base", "claude-opus-4.7-estimate"),
                                           ("o200k_base", "deepseek-v4"), ("deepseek-v4", "o200k_base"),
                                           ("claude-estimate", "deepseek-v4")])
def test_the_rounding_is_reprice_as(source, target):
    # costcalc.usage.price rounds each logged count with integers: (n x 2num + den) // 2den
    num, den = translation_ratio(source, target)
    for n in list(range(0, 400)) + [999_999, 1_000_000, 123_456_789]:
        assert translate_count(D(n), (num, den)) == (n * 2 * num + den) // (2 * den)


def test_limit_error_without_a_file_names_the_translation():
    from costcalc.workloads.model import Profile, Workloads

    profile = Profile(name="p", models=("claude-opus-4-7",), input_tokens=D(800_000), output_tokens=D(0),
                      requests_per_month=D(1))
    with pytest.raises(LimitError, match=r"a 1,040,000-token prompt .* o200k_base counts x1.3"):
        costcalc.estimate(Workloads((profile,), "<code>"), start="2026-12", months=1)


def test_profiles_derived_from_logs_keep_the_logging_models_unit(tmp_path):
    # A log of Opus 4.7 holds Opus 4.7's own counts: the derived profile says so, and an estimate on
    # Opus 4.7 prices them as logged (not x1.3 again); on gpt-5.5 they become o200k counts (/1.3).
    import json

    log = tmp_path / "u.jsonl"
    log.write_text("".join(json.dumps({"timestamp": f"2026-11-{d:02d}T12:00:00Z", "provider": "anthropic",
                                       "model": "claude-opus-4-7", "input_tokens": 1300, "output_tokens": 130})
                           + "\n" for d in range(1, 31)))
    document = costcalc.derive_profiles(log)
    [profile] = document["profiles"].values()
    assert profile["tokens_counted_with"] == "claude-opus-4.7-estimate"
    profile["models"] = ["claude-opus-4-7", "gpt-5.5"]
    profile["traffic"] = {"timezone": "UTC"}  # uniform: exactly 30 requests in November
    import yaml

    path = tmp_path / "derived.yaml"
    path.write_text(yaml.safe_dump(document))
    df = costcalc.estimate(path, start="2026-11", months=1)
    # 1 request a day, 30 days: 1,300 in + 130 out on Opus (5 / 25 per 1M); 1,000 + 100 on gpt-5.5 (5 / 30)
    assert (tokens(df, "claude-opus-4-7", "input"), tokens(df, "claude-opus-4-7", "output")) == (30 * 1300, 30 * 130)
    assert cost(df, model="claude-opus-4-7") == 30 * (1300 * D(5) + 130 * D(25)) / 1_000_000
    assert (tokens(df, "gpt-5.5", "input"), tokens(df, "gpt-5.5", "output")) == (30 * 1000, 30 * 100)
