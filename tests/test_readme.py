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


def _run_readme_command(command: str, scratch: Path) -> tuple[str, int, str, int | None]:
    """(command, exit code, output, size of the --output file or None) of one README command run in `scratch`."""
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
    # a file (quote counts output tokens with --output-tokens)
    size = Path(args[args.index("--output") + 1]).stat().st_size if "--output" in args and not result.exit_code \
        else None
    return command, result.exit_code, result.output, size


@pytest.fixture(scope="module")
def readme_runs(scratch):
    """Every README command run once, in the README's order (later commands read files earlier ones wrote,
    as a reader following the README would), so selecting one command (`-k variance`) still runs its
    predecessors first."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(scratch)
        return [_run_readme_command(command, scratch) for command in readme_commands()]


@pytest.mark.parametrize("index", range(len(readme_commands())), ids=readme_commands())
def test_readme_command_runs(index, readme_runs):
    command, exit_code, output, size = readme_runs[index]
    assert exit_code == 0, f"{command}\n{output}"
    if size is not None:
        assert size > 0
    else:
        assert output.strip()


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
        "(input_tokens/output_tokens in a workload, --input/--output-tokens in a quote)\n")


def setup_commands() -> list[str]:
    """The shell lines of the README's set-up section, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Set-up (two commands)", 1)[1].split("\n## ", 1)[0]
    return [line for block in re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
            for line in block.splitlines() if line.strip()]


def test_setup_is_two_commands_and_ci_runs_exactly_them():
    install, tests = setup_commands()
    assert "pip install -e '.[test]'" in install and install.endswith("&& costcalc estimate")
    assert tests.endswith('python -m pytest -m "slow or not slow"')  # every test: the slow ones too
    ci = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if line and not line.startswith("#")]
    assert install in ci and tests in ci and ci.index(install) < ci.index(tests)


def test_readme_names_the_checks_ci_runs():
    """The static checks the README says CI runs after the tests (ruff, mypy) are the ones .ci/run runs."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    said = re.search(r"runs exactly these two commands, then the checks (.*?):\n", text, flags=re.DOTALL)
    assert said, "README's set-up no longer names the checks CI runs"
    named = re.findall(r"`([^`]+)`", said.group(1).replace("\n", " "))
    ci = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if line and not line.startswith("#")]
    checks = [line.split("&& ", 1)[1] for line in ci if line.startswith(". .venv/bin/activate && ")
              and not line.split("&& ", 1)[1].startswith("python -m pytest")]
    assert named == checks == ["ruff check costcalc tests tools benchmarks", "mypy costcalc"]


def test_install_lines_user_extras_and_editable_with_their_cost():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Install", 1)[1].split("\n## ", 1)[0]
    for line in ("`pip install .`", "`pip install '.[xlsx,plot,parquet]'`", "`pip install -e '.[test]'`"):
        row = next(r for r in section.splitlines() if line in r)
        assert re.search(r"\| \d+: .* \| \d+ MB \|$", row), row   # packages and venv size, measured
    extras = re.search(r"^\[project\.optional-dependencies\]\n(.*?)\n\[", (ROOT / "pyproject.toml").read_text(),
                       flags=re.DOTALL | re.MULTILINE).group(1)
    assert all(f"\n{name} = " in "\n" + extras for name in ("xlsx", "plot", "parquet", "test"))


def test_a_checkout_reads_its_own_price_table():
    """What the editable install promises: `prices check` on a checkout checks the pricing.yaml being edited
    (an installed wheel reads the copy in costcalc/data instead)."""
    from costcalc.prices.load import bundled_path

    assert bundled_path() == ROOT / "pricing.yaml"
    assert not (ROOT / "costcalc" / "data" / "pricing.yaml").exists()


@pytest.mark.slow
def test_list_scenario_examples_show_a_difference(scratch, monkeypatch):
    """The README's --scenario list and --scenarios actual,list lines are over periods where a promotion
    applies: list prices give other figures than actual ones."""
    monkeypatch.chdir(scratch)
    lines = [c for c in readme_commands() if "--scenario list" in c or "--scenarios actual,list" in c]
    assert any(c.startswith("costcalc estimate ") for c in lines) and any(" compare " in f" {c}" for c in lines)
    for command in lines:
        args = shlex.split(command)[1:]
        if "--output" in args or (args[0] != "estimate" and args[0] != "compare"):
            continue
        if args[0] == "estimate":
            listed = CliRunner().invoke(cli, args).stdout
            actual = CliRunner().invoke(cli, [a if a != "list" else "actual" for a in args]).stdout
            assert listed and listed != actual.replace("scenario actual", "scenario list"), command
        else:
            out = CliRunner().invoke(cli, args).stdout
            total = next(line for line in out.splitlines() if line.strip().startswith("plan current"))
            # June has no promotion: A and B agree there, shown as 0.00, never -0.00 or -0.0%
            assert "-0.00" not in out and "-0.0%" not in out, out
            difference = total.split()[-2]   # B - A
            assert difference.startswith("+") and difference != "+0.00", (command, total)
