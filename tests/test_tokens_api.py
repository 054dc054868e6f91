"""Token counting as users call it: library functions, `costcalc tokens`, and workloads from samples."""

import json
import subprocess
import sys
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from click.testing import CliRunner

import costcalc
from costcalc.cli import cli
from costcalc.tokens.encodings import encoding


def o200k(text):
    return len(encoding("o200k_base").encode_ordinary(text))


def scaled(n, factor):
    return int((D(n) * D(factor)).to_integral_value(rounding=ROUND_HALF_UP))


TEXT = "The quick brown fox paid 1,234.56 USD for 价格 tokens.\n" * 20


def test_exact_counts_for_gpt_and_deepseek():
    gpt = costcalc.count_tokens(TEXT, "gpt-5.5")
    assert (gpt.tokens, gpt.exact, gpt.low, gpt.high) == (o200k(TEXT), True, o200k(TEXT), o200k(TEXT))
    ds = costcalc.count_tokens(TEXT, "deepseek-v4-pro")
    assert ds.exact and ds.tokenizer == "deepseek-v4"
    assert ds.tokens == len(encoding("deepseek_v4").encode_ordinary(TEXT))
    chinese = "我们今天计算每月的价格和成本，大语言模型的推理服务。" * 20
    # the same text is a different number of tokens per provider: DeepSeek is leaner on Chinese
    assert costcalc.count_tokens(chinese, "deepseek-v4-pro").tokens < costcalc.count_tokens(chinese, "gpt-5.5").tokens


def test_claude_is_an_estimate_with_a_band():
    n = o200k(TEXT)
    opus = costcalc.count_tokens(TEXT, "claude-opus-4-7")
    assert (opus.exact, opus.tokens, opus.low, opus.high) == (False, scaled(n, "1.30"), n, scaled(n, "1.47"))
    sonnet = costcalc.count_tokens(TEXT, "claude-sonnet-4-6")
    assert (sonnet.tokens, sonnet.low, sonnet.high) == (scaled(n, "1.05"), n, scaled(n, "1.24"))


def test_chat_framing_per_provider():
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello there"}]
    content = o200k("Be brief.") + o200k("Hello there")
    # OpenAI: 3 per message and 3 to prime the reply
    assert costcalc.count_messages(messages, "gpt-5.5").tokens == content + 2 * 3 + 3
    ds = encoding("deepseek_v4")
    ds_content = len(ds.encode_ordinary("Be brief.")) + len(ds.encode_ordinary("Hello there"))
    # DeepSeek: one role marker per message, begin-of-sentence and the assistant marker per request
    assert costcalc.count_messages(messages, "deepseek-v4-pro").tokens == ds_content + 2 * 1 + 2


def test_unknown_model_for_counting():
    with pytest.raises(costcalc.UnknownModelError):
        costcalc.count_tokens("x", "gpt-55")


def test_importing_costcalc_loads_no_vocabulary():
    code = ("import costcalc, costcalc.tokens.encodings as e; "
            "print(e.encoding.cache_info().currsize)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "0", done.stderr


def test_count_files_walks_folders_and_skips_binaries(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("hello world")
    (tmp_path / "sub" / "b.md").write_text("价格 " * 10)
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02")
    df = costcalc.count_files(tmp_path, ["gpt-5.5", "claude-opus-4-7"])
    assert sorted(set(df["path"])) == [str(tmp_path / "a.txt"), str(tmp_path / "sub" / "b.md")]
    row = df[(df["path"] == str(tmp_path / "a.txt")) & (df["model"] == "gpt-5.5")].iloc[0]
    assert (row["tokens"], row["bytes"], bool(row["exact"])) == (o200k("hello world"), 11, True)
    assert [p["message"] for p in df.attrs["problems"]] == ["binary file, skipped"]


def run(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def test_cli_tokens_json_shape_and_totals(tmp_path):
    for name, text in (("a.txt", TEXT), ("b.txt", "short one")):
        (tmp_path / name).write_text(text)
    result = run("tokens", tmp_path / "*.txt", "--models", "gpt-5.5,claude-opus-4-7", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data["rows"][0]) >= {"path", "model", "tokenizer", "tokens", "exact", "low", "high"}
    gpt_total = next(t for t in data["totals"] if t["model"] == "gpt-5.5")
    assert gpt_total["tokens"] == o200k(TEXT) + o200k("short one") == gpt_total["low"] == gpt_total["high"]
    opus_total = next(t for t in data["totals"] if t["model"] == "claude-opus-4-7")
    assert opus_total["exact"] is False and opus_total["low"] < opus_total["tokens"] < opus_total["high"]


def test_cli_tokens_table_and_csv_label_estimates(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT)
    table = run("tokens", tmp_path / "a.txt", "--models", "claude-opus-4-7,gpt-5.5")
    assert "estimate" in table.stdout and "band 1.00-1.47" in table.stdout
    csv_out = run("tokens", tmp_path / "a.txt", "--models", "claude-opus-4-7", "--format", "csv")
    header, row = csv_out.stdout.strip().splitlines()
    assert header == "path,model,tokenizer,tokens,bytes,exact,low,high,kind"
    n = o200k(TEXT)
    assert row.endswith(f",{scaled(n, '1.30')},{len(TEXT.encode())},false,{n},{scaled(n, '1.47')},estimate")


def test_cli_tokens_stdin():
    result = run("tokens", "-", "--models", "gpt-5.5", "--format", "json", input="hello world")
    assert json.loads(result.stdout)["rows"][0]["tokens"] == o200k("hello world")


def test_cli_tokens_reports_bad_files_and_goes_on(tmp_path):
    (tmp_path / "good.txt").write_text("fine")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe not utf-8")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x00")
    result = run("tokens", tmp_path, tmp_path / "missing.txt", "--models", "gpt-5.5", "--format", "json")
    assert result.exit_code == 1
    assert [r["path"] for r in json.loads(result.stdout)["rows"]] == [str(tmp_path / "good.txt")]
    err = result.stderr.splitlines()
    assert f"costcalc: {tmp_path / 'bad.txt'}: not UTF-8 text (byte 0: invalid start byte)" in err
    assert f"costcalc: note: {tmp_path / 'blob.bin'}: binary file, skipped" in err
    assert f"costcalc: {tmp_path / 'missing.txt'}: no such file or folder" in err
    assert err[-1] == "costcalc: 2 failed, 1 counted"


# -- workloads from samples ---------------------------------------------------------------------------

def sample_workload(tmp_path, prompts, replies, models):
    (tmp_path / "p").mkdir()
    (tmp_path / "r").mkdir()
    for i, text in enumerate(prompts):
        (tmp_path / "p" / f"{i}.txt").write_text(text)
    for i, text in enumerate(replies):
        (tmp_path / "r" / f"{i}.txt").write_text(text)
    path = tmp_path / "w.yaml"
    path.write_text(f"""schema_version: 1
profiles:
  s:
    requests_per_day: 1000
    samples: {{prompts: ["p/*.txt"], replies: ["r/*.txt"]}}
    models: [{', '.join(models)}]
""")
    return path


PROMPTS = ["Summarize this contract clause about payment terms. " * 40, "def f(x):\n    return x * 2\n" * 30,
           "An average prompt with some numbers 12345 and words. " * 25]
REPLIES = ["The clause says invoices are due in 30 days. " * 5, "Done."]


def test_samples_price_opus_above_o200k_by_the_documented_factor(tmp_path):
    path = sample_workload(tmp_path, PROMPTS, REPLIES, ["claude-opus-4-7", "gpt-5.5"])
    df = costcalc.estimate(path, start="2026-06", months=1)
    opus = sum(df.loc[df["model"] == "claude-opus-4-7", "cost_usd"], D(0))
    # The same workload given as o200k counts: input = each prompt's o200k count (a histogram), output =
    # the mean o200k count of the replies.
    counts = [o200k(p) for p in PROMPTS]
    out_o200k = D(sum(o200k(r) for r in REPLIES)) / len(REPLIES)
    plain_in = sum(D(n) * 5 for n in counts) / len(counts)
    opus_as_o200k = 30_000 * (plain_in + out_o200k * 25) / 1_000_000
    # Opus 4.7 counts each sample as o200k x 1.30, rounded per sample
    est_in = sum(D(scaled(n, "1.30")) * 5 for n in counts) / len(counts)
    est_out = D(sum(scaled(o200k(r), "1.30") for r in REPLIES)) / len(REPLIES)
    assert abs(opus - 30_000 * (est_in + est_out * 25) / 1_000_000) < D("1e-18")
    assert opus > opus_as_o200k
    assert abs(opus / opus_as_o200k - D("1.30")) < D("0.01")


def test_samples_show_tokens_per_request_in_the_report(tmp_path):
    path = sample_workload(tmp_path, PROMPTS, REPLIES, ["deepseek-v4-pro", "gpt-5.5", "claude-opus-4-7"])
    result = run("estimate", path, "--start", "2026-06", "--months", "1")
    assert result.exit_code == 0, result.stderr
    flat = " ".join(result.stdout.split())
    assert "Tokens per request from the samples" in flat
    mean = D(sum(o200k(p) for p in PROMPTS)) / len(PROMPTS)
    assert f"gpt-5.5 {mean.quantize(D('0.1'))} in" in flat
    assert "claude-opus-4-7" in flat and "(estimate," in flat


def test_samples_from_jsonl_chats(tmp_path):
    chats = tmp_path / "chats.jsonl"
    lines = [{"messages": [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4"}]},
             {"messages": [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue"}]}]
    chats.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    path = tmp_path / "w.yaml"
    path.write_text("""schema_version: 1
profiles:
  chat:
    requests_per_month: 1000
    samples: {messages: chats.jsonl}
    models: [gpt-5.5]
""")
    df = costcalc.estimate(path, start="2026-06", months=1)
    inputs = [o200k("What is 2+2?") + 3 + 3, o200k("Name a colour.") + 3 + 3]
    outputs = [o200k("4"), o200k("Blue")]
    expected = 1000 * (D(sum(inputs)) / 2 * 5 + D(sum(outputs)) / 2 * 30) / 1_000_000
    assert sum(df["cost_usd"], D(0)) == expected


def test_bad_jsonl_sample_is_one_line(tmp_path):
    (tmp_path / "chats.jsonl").write_text('{"messages": [{"role": "user", "content": "hi"}]}\nnot json\n')
    path = tmp_path / "w.yaml"
    path.write_text("schema_version: 1\nprofiles:\n  c:\n    requests_per_day: 1\n    output_tokens: 10\n"
                    "    samples: {messages: chats.jsonl}\n    models: [gpt-5.5]\n")
    result = run("estimate", path)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(f"costcalc: {tmp_path / 'chats.jsonl'}:2: messages:")
