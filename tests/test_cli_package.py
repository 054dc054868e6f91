"""The CLI package (costcalc/cli/): quote's --output-tokens and the refused old spelling, commands that are
one library call plus rendering, no import cycle, and quick commands that load no pandas."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import costcalc
from costcalc.cli import cli

from .helpers import acme_model, acme_table

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / "costcalc" / "cli"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_quote_output_tokens_counts_output_tokens():
    # gpt-5.5 on 2026-06-01, pricing.yaml: input 5.00 and output 30.00 USD per 1M tokens
    result = run("quote", "gpt-5.5", "--input", "10k", "--output-tokens", "1k", "--at", "2026-06-01",
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["per_request"] == {"input": "10000", "output": "1000"}
    assert Decimal(data["total_usd"]) == Decimal(10_000) * 5 / 10**6 + Decimal(1_000) * 30 / 10**6  # 0.08


def test_quote_refuses_the_old_output_spelling_with_a_hint(tmp_path):
    for args in (["--output", "1k"], ["--output=1k"], ["--input", "10", "--output", "out.txt"]):
        result = CliRunner().invoke(cli, ["quote", "gpt-5.5", *args])
        assert result.exit_code == 2, args
        assert result.stdout == ""
        assert result.stderr.startswith("costcalc: quote: --output is now --output-tokens (token counts); --output "
                                        "names a file in the other commands (see: ")
        assert result.stderr.endswith(" quote --help)\n") and result.stderr.count("\n") == 1
    assert not (tmp_path / "out.txt").exists() and not Path("out.txt").exists()


def test_quote_help_names_output_tokens_only():
    result = run("quote", "--help")
    assert "--output-tokens" in result.stdout
    assert "--output " not in result.stdout and "--output\n" not in result.stdout


def test_render_is_the_library_render(tmp_path):
    saved = tmp_path / "e.json"
    assert run("estimate", "--months", "1", "--start", "2026-12", "--format", "json", "--output", saved).exit_code == 0
    for fmt in ("table", "markdown", "csv"):
        shown = run("render", saved, "--format", fmt, "--plan", "cheapest")
        assert shown.exit_code == 0, shown.stderr
        assert shown.stdout.rstrip("\n") == costcalc.render(str(saved), fmt, plan="cheapest").rstrip("\n")
    # a plan the document does not have is a bad --plan (usage, exit 2), naming the plans it has
    result = run("render", saved, "--plan", "nope")
    assert result.exit_code == 2 and result.stdout == ""
    assert "--plan" in result.stderr and "'nope': no such plan in" in result.stderr and "cheapest" in result.stderr


def test_reprice_is_the_library_reprice_totals(tmp_path):
    log = tmp_path / "r.jsonl"
    log.write_text(json.dumps({"id": "r1", "object": "response", "model": "gpt-5.5",
                               "created_at": 1780272000,  # 2026-06-01T00:00Z
                               "usage": {"input_tokens": 10_000, "output_tokens": 1_000}}) + "\n")
    result = run("reprice", log, "--log-format", "openai", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == costcalc.reprice_totals(str(log), by="month", format="openai").to_dict()
    assert Decimal(data["total_usd"]) == Decimal("0.08")  # 10,000 x 5 + 1,000 x 30 per 1M, as above


def test_reprice_makes_one_library_call_with_the_table_overlays_and_engine(tmp_path, monkeypatch):
    # the command hands the --prices overlays, --as models and --engine to reprice_totals as they are: the
    # table is loaded and the models checked in the library, not in the CLI
    import costcalc.api_usage as api_usage

    calls = []
    real = api_usage.reprice_totals

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(api_usage, "reprice_totals", spy)
    log = tmp_path / "r.jsonl"
    log.write_text(json.dumps({"id": "r1", "object": "response", "model": "gpt-5.5", "created_at": 1780272000,
                               "usage": {"input_tokens": 10_000, "output_tokens": 1_000}}) + "\n")
    overlay = tmp_path / "acme.yaml"
    overlay.write_text(acme_table("cli-package.1", acme_model("acme-a", "Acme A", "input: 1, output: 2")))
    result = run("reprice", log, "--log-format", "openai", "--prices", overlay, "--as", "acme-a", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert len(calls) == 1
    assert calls[0]["prices"] == (str(overlay),) and calls[0]["models"] == ["acme-a"]
    assert calls[0]["engine"] == "local"
    costs = {row["priced_as"]: Decimal(row["cost_usd"]) for row in json.loads(result.stdout)["rows"]}
    assert costs["logged"] == Decimal("0.08")  # 10,000 x 5 + 1,000 x 30 per 1M on gpt-5.5
    assert costs["acme-a"] == Decimal("0.012")  # the overlay's model: 10,000 x 1 + 1,000 x 2 per 1M


def test_reprice_totals_checks_as_models_and_engine_before_reading(tmp_path):
    missing = str(tmp_path / "not-read.jsonl")  # never opened: the arguments are refused first
    with pytest.raises(costcalc.UnknownModelError, match="unknown model 'gpt-9'"):
        costcalc.reprice_totals(missing, models=["gpt-9"])
    with pytest.raises(costcalc.CostcalcError, match="unknown engine 'spark'; allowed: local, duckdb"):
        costcalc.reprice_totals(missing, engine="spark")


def _imports(path: Path) -> list[str]:
    """The modules `path` imports, at any depth, as absolute names."""
    names = []
    package = "costcalc.cli"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            names += [module] if node.module else [f"{module}.{a.name}" for a in node.names]
    return names


def test_command_modules_never_import_the_cli_package():
    # imports go one way: __init__ -> command modules -> options/app; a command module importing the package
    # (or another command module) would be the cycle cli.py and cli_whatif.py had
    shared = {"costcalc.cli.options", "costcalc.cli.app"}
    for path in sorted(CLI.glob("*.py")):
        if path.name in ("__init__.py", "__main__.py"):
            continue
        inside = [name for name in _imports(path) if name.startswith("costcalc.cli")]
        assert all(name in shared for name in inside), (path.name, inside)
    assert _imports(CLI / "options.py") and not any(n.startswith("costcalc.cli.") and n != "costcalc.cli.app"
                                                   for n in _imports(CLI / "options.py"))


def test_quote_prices_tokens_and_help_start_without_pandas_or_numpy(tmp_path):
    """Issue 15 item 5: a command imports what it uses. Quoting, the price table commands and counting a
    small file with the three default models use neither pandas nor NumPy (NumPy only counts texts of
    more than 256k characters: costcalc/tokens/count.py).

    The commands run one after another in one child process (a module once imported stays in sys.modules,
    so none of them imported pandas, NumPy or pyarrow when the list is still empty after the last; the
    list after each names the first that did); a second child runs the token counts again on the
    vocabulary cache the first one wrote (reading the cache from disk imports no NumPy either)."""
    prompt = tmp_path / "p.txt"
    prompt.write_text("hello world\n")
    probe = ("import json, sys\nfrom costcalc.cli import main\nfor args in json.loads(sys.argv[1]):\n"
             "    code = 0\n    try:\n        main(args)\n    except SystemExit as exc:\n        code = exc.code\n"
             "    heavy = sorted(m for m in ('pandas', 'numpy', 'pyarrow') if m in sys.modules)\n"
             "    print('probe', json.dumps([args, code, heavy]), file=sys.__stderr__)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COSTCALC_CACHE_DIR": str(tmp_path / "cache")}
    at = ["--at", "2026-09-01T00:00Z"]
    counts = [["tokens", str(prompt), "--models", "gpt-5.5"], ["tokens", str(prompt)],
              ["tokens", str(prompt), "--format", "json"]]
    commands = [["--help"], ["quote", "gpt-5.5", "--input", "1k", "--output-tokens", "1k"],
                ["quote", "deepseek-v4-pro", "--input", "1k", "--output-tokens", "1k", "--format", "json", *at],
                ["prices", "list", *at], ["prices", "list", "--provider", "openai", *at],
                ["prices", "show", "deepseek-v4-pro"], ["prices", "check"], *counts]
    for batch in (commands, counts):  # cold vocabulary cache, then warm
        done = subprocess.run([sys.executable, "-c", probe, json.dumps(batch)], capture_output=True, text=True,
                              env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        probes = [json.loads(line[len("probe "):]) for line in done.stderr.splitlines() if line.startswith("probe ")]
        assert [args for args, _, _ in probes] == batch, done.stderr
        for args, code, heavy in probes:
            assert code == 0 and heavy == [], (args, code, heavy, done.stderr)


def test_reprice_totals_takes_a_frame_on_either_engine():
    pytest.importorskip("duckdb")
    frame = costcalc.read_usage(str(ROOT / "examples" / "usage" / "openai.jsonl"))
    local = costcalc.reprice_totals(frame)
    duck = costcalc.reprice_totals(frame, engine="duckdb")
    assert duck.to_dict() == local.to_dict() and local.records == len(frame) > 0
