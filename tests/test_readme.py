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
        args += sorted(glob.glob(word)) if "*" in word else [word]
    if args[:1] == ["init"]:  # init refuses to overwrite: start clean for it
        for name in args[1:]:
            Path(name).unlink(missing_ok=True)
    result = CliRunner().invoke(cli, args, input=stdin)
    assert result.exit_code == 0, f"{command}\n{result.output}"
    if "--output" in args and args[0] != "quote":  # quote --output is a token count
        assert Path(args[args.index("--output") + 1]).stat().st_size > 0
    else:
        assert result.output.strip()
