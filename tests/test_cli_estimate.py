"""`costcalc estimate` and `costcalc init` as a user runs them: stdout, stderr and exit codes apart."""

import csv
import io
import json
import os
import shutil
import subprocess
from decimal import Decimal as D
from fractions import Fraction

import pytest
from click.testing import CliRunner

from costcalc.cli import cli

EXAMPLE_PROFILES = ["support-bot", "coding-agent", "nightly-summarizer", "rag-service", "doc-analyzer"]


def run(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def test_estimate_with_no_arguments_prints_a_real_report():
    result = run("estimate")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for name in EXAMPLE_PROFILES:
        assert name in out
    assert "Cheapest:" in out and "Price table 2026.12.01.4" in out
    assert "deepseek-flash offers no batch tier" in out
    assert "\x1b[" not in out  # no colours when not a terminal
    assert max(len(line) for line in out.splitlines()) <= 100
    assert result.stderr == ""


def test_a_month_shows_the_same_cents_whatever_the_horizon():
    """Each amount is rounded on its own: December in a 1-, 6- and 12-month report is the same text, and
    equals the exact JSON value rounded to the cent."""
    def month_rows(months: int) -> list[list[str]]:
        lines = run("estimate", "--start", "2026-12", "--months", str(months)).stdout.splitlines()
        return [line.split() for line in lines if line.strip().startswith("2026-12")]

    one, six, twelve = month_rows(1), month_rows(6), month_rows(12)
    assert six and one == six == twelve
    data = json.loads(run("estimate", "--start", "2026-12", "--months", "1", "--format", "json").stdout)
    exact = {}
    for r in data["rows"]:
        if r.get("case", "expected") == "expected":
            key = (r["profile"], r["model"])
            exact[key] = exact.get(key, D(0)) + D(r["cost_usd"])
    # the headline's plan table: each profile on its plan's model (one of the amounts above) and the
    # plan's total for the month
    plan_month = {D(p["months"][0]["cost_usd"]) for p in data["plans"]}
    shown = {f"{v.quantize(D('0.01')):,.2f}" for v in list(exact.values()) + list(plan_month)}
    cells = {cell for line in six for cell in line[1:]}
    assert cells <= shown | {"n/a"}, cells - shown
    assert "Each amount is rounded to the cent on its own" in run("estimate", "--months", "1").stdout


def test_json_shape_and_exact_totals():
    result = run("estimate", "--start", "2026-12", "--months", "2", "--format", "json")
    data = json.loads(result.stdout)
    assert set(data) == {"meta", "rows", "totals", "plans", "headline", "budgets", "comparisons", "price_changes",
                         "total_usd"}
    assert data["meta"]["schema"] == "costcalc.estimate/2" and data["meta"]["plan"] == "current"
    meta = data["meta"]
    assert meta["scenario"] == "actual" and meta["start"] == "2026-12" and meta["months"] == 2
    assert len(meta["price_table"]["sha256"]) == 64 and meta["assumptions"]
    row = data["rows"][0]
    for key in ("profile", "model", "provider", "month", "rule", "component", "tokens", "usd_per_mtok",
                "cost_usd", "tag:team"):
        assert key in row
    assert isinstance(row["cost_usd"], str)
    # exact rational sums: the totals are the rows' sums, with no rounding anywhere
    total = sum(Fraction(t["cost_usd"]) for t in data["totals"])
    assert total == sum(Fraction(r["cost_usd"]) for r in data["rows"])
    assert set(data["totals"][0]) == {"profile", "case", "model", "month", "cost_usd"}
    # the headline total is the current plan's: each profile's first model, expected case (neither
    # the low/high cases nor a profile's alternative models added to it)
    first = {}
    for name, info in data["meta"]["profiles"].items():
        first[name] = info["models"][0]
    expected = sum(Fraction(r["cost_usd"]) for r in data["rows"]
                   if r["case"] == "expected" and r["model"] == first[r["profile"]])
    assert Fraction(data["total_usd"]) == expected < total


def test_csv_is_tidy_and_neutralizes_formulas(tmp_path):
    workloads = tmp_path / "w.yaml"
    workloads.write_text("""schema_version: 1
profiles:
  "=HYPERLINK(\\"http://x\\")":
    requests_per_day: 10
    input_tokens: 100
    output_tokens: 10
    models: [gpt-5.5]
    tags: {team: "+cmd|' /C calc'!A0", owner: "@evil"}
""")
    result = run("estimate", workloads, "--start", "2026-06", "--months", "1", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = [r for r in csv.DictReader(io.StringIO(result.stdout)) if not r["profile"].startswith("#")]
    assert rows and all(r["profile"].startswith("'=") for r in rows)
    assert all(r["tag:team"].startswith("'+") and r["tag:owner"].startswith("'@") for r in rows)
    # exact money, and the price table travels with every row
    assert sum(D(r["cost_usd"]) for r in rows) == 300 * (100 * D(5) + 10 * D(30)) / 1_000_000
    assert rows[0]["price_table_version"] == "2026.12.01.4" and rows[0]["scenario"] == "actual"


def test_markdown_has_tables_and_metadata():
    result = run("estimate", "--months", "2", "--format", "markdown")
    assert "| month | deepseek-flash | gpt-5.6-terra | claude-sonnet-5 | gemini-3.6-flash |" in result.stdout
    assert result.stdout.startswith("# costcalc estimate") and "Price table" in result.stdout


def test_output_file_written_whole(tmp_path):
    target = tmp_path / "out.json"
    result = run("estimate", "--months", "1", "--format", "json", "--output", target)
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["meta"]["months"] == 1


def test_failed_run_leaves_no_output_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nprofiles:\n  p:\n    requests_per_day: 1\n")
    target = tmp_path / "out.csv"
    result = run("estimate", bad, "--output", target)
    assert result.exit_code == 1 and not target.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_models_option_compares_on_given_models():
    result = run("estimate", "--months", "1", "--models", "gpt-5.4-nano,deepseek-v4-flash", "--format", "json")
    assert {r["model"] for r in json.loads(result.stdout)["rows"]} == {"gpt-5.4-nano", "deepseek-v4-flash"}


def test_unknown_model_option_is_one_line():
    result = run("estimate", "--models", "gpt5")
    assert result.exit_code == 1 and result.stdout == "" and "did you mean" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_start_is_one_line():
    result = run("estimate", "--start", "2026-13")
    assert result.exit_code == 2 and "not a month like 2026-12" in result.stderr and result.stdout == ""


def test_list_scenario_costs_more_in_may():
    args = ["estimate", "--start", "2026-05", "--months", "1", "--models", "deepseek-v4-pro",
            "--set", "*.start=2026-05-01", "--format", "json"]
    actual = json.loads(run(*args).stdout)
    listed = json.loads(run(*args, "--scenario", "list").stdout)
    assert D(listed["total_usd"]) > D(actual["total_usd"]) and listed["meta"]["scenario"] == "list"


def test_init_writes_example_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "workloads.yaml"
    first = run("init", target)
    assert first.exit_code == 0 and "support-bot" in target.read_text()
    again = run("init", target)
    assert again.exit_code == 1 and "already exists" in again.stderr
    assert run("estimate", target, "--months", "1").exit_code == 0


@pytest.mark.skipif(shutil.which("costcalc") is None, reason="console script not installed")
def test_installed_console_script_runs_outside_the_repo(tmp_path):
    """The installed package finds its bundled pricing.yaml and examples from any directory."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(["costcalc", "estimate", "--months", "1"], cwd=tmp_path, capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "support-bot" in done.stdout
    check = subprocess.run(["costcalc", "prices", "check"], cwd=tmp_path, capture_output=True, text=True,
                           env=env, timeout=120)
    assert check.returncode == 0 and "ok: version" in check.stdout


def test_help_has_examples():
    for command in (["estimate"], ["quote"], ["prices", "check"], ["init"]):
        result = run(*command, "--help")
        assert result.exit_code == 0 and "Example" in result.stdout


def test_output_into_a_missing_folder_is_one_line(tmp_path):
    target = tmp_path / "missing" / "out.json"
    result = run("estimate", "--months", "1", "--output", target)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == f"costcalc: cannot write {target}: No such file or directory\n"
