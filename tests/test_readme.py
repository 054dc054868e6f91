"""Every `costcalc` command in the README's shell blocks runs as written (in a scratch folder holding
the files the README names), so the README cannot drift from the code."""

from __future__ import annotations

import glob
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from costcalc.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("costcalc ") or line.startswith("cat "):
                commands.append(line)
    return commands


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "examples", folder / "examples")
    shutil.copytree(ROOT / "tests" / "fixtures", folder / "tests" / "fixtures")  # community price tables
    (folder / "prompts").mkdir()
    (folder / "prompts" / "a.txt").write_text("Summarize the ticket below in two sentences.\n")
    (folder / "prompt.txt").write_text("Hello there\n")
    (folder / "gateway.csv").write_text("ts,model_name,pt,out\n2026-09-01T00:00:00Z,gpt-5.5,1200,300\n")
    return folder


def test_readme_has_commands():
    assert len(readme_commands()) > 15


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_runs(command, scratch, monkeypatch):
    monkeypatch.chdir(scratch)
    stdin = None
    if command.startswith("cat "):  # `cat FILE | costcalc ...`
        source, command = (part.strip() for part in command[4:].split("|", 1))
        stdin = (scratch / source).read_text()
    args = []
    for word in shlex.split(command)[1:]:
        args += sorted(glob.glob(word)) if "*" in word and "=" not in word else [word]  # not --set *.k=v
    if args[:1] == ["init"]:  # init refuses to overwrite: start clean for it
        for name in args[1:]:
            Path(name).unlink(missing_ok=True)
    result = CliRunner().invoke(cli, args, input=stdin)
    assert result.exit_code == 0, f"{command}\n{result.output}"
    if "--output" in args and args[0] != "quote":  # quote --output is a token count
        assert Path(args[args.index("--output") + 1]).stat().st_size > 0
    else:
        assert result.output.strip()


def test_readme_tokenizer_table_names_each_model_under_its_tokenizer():
    """Every Claude, Gemini and tokenizer-less model id stands in the row of the tokenizer the price table
    gives it (and in no other row); the OpenAI and DeepSeek rows cover whole providers."""
    from costcalc.prices import load_prices

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Token counts", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("tokenizer", "---"):
            rows[cells[0].strip("`")] = set(re.findall(r"`([a-z0-9][a-z0-9./-]*)`", cells[1]))
    assert set(rows) == {"o200k_base", "deepseek-v4", "claude-opus-4.7-estimate", "claude-estimate",
                         "gemini-estimate", "none"}
    table = load_prices()
    for model, spec in table.models.items():
        row = spec.tokenizer or "none"
        if spec.provider in ("anthropic", "google") or spec.tokenizer is None:
            assert model in rows[row], (model, row)
            assert all(model not in ids for name, ids in rows.items() if name != row), model
        elif spec.provider == "openai":
            assert row == "o200k_base"
        else:
            assert row == "deepseek-v4" and "deepseek" in model, model  # DeepSeek's models and its hosts
    assert rows["none"] == {"kimi-k3", "grok-4.5", "qwen3.8-max", "qwen3.8-flash", "glm-5.2", "glm-5.3", "minimax-m3"}
    # What the README says those models get: one line, naming what to do instead.
    result = CliRunner().invoke(cli, ["tokens", "-", "--models", "kimi-k3"], input="hello")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (
        "costcalc: kimi-k3 names no tokenizer in the price table, so costcalc cannot count its tokens: count "
        "with a model that has one (e.g. gpt-5.5, o200k_base) or give token counts instead "
        "(input_tokens/output_tokens in a workload, --input/--output in a quote)\n")
