"""`costcalc reprice --jobs N` (issue 14 item 3): log files spread over N processes give the same output,
totals (to the last digit) and problems as one process. The logs: three files given out of name order, two
of OpenAI chat completions (provider JSON lines) and one in costcalc's own JSON lines, each with lines that
are not JSON and records of a model no table knows - 1,200 problems in all, so which 1,000 are listed
depends on one order across the processes (files in the order given, then line)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from costcalc.api_jobs import check_jobs
from costcalc.api_usage import reprice_totals
from costcalc.cli import cli
from costcalc.errors import CostcalcError, InputError
from costcalc.prices import load_prices

ROOT = Path(__file__).resolve().parents[1]
LINES = 600  # per file: line n (1-based) good when n % 3 == 1, not JSON when n % 3 == 2, an unknown model else
FILES = [("z.jsonl", "openai"), ("m.jsonl", "costcalc"), ("a.jsonl", "openai")]  # given in this order
AT = "2026-06-02T10:00:00Z"


def _line(n: int, form: str) -> str:
    if n % 3 == 2:
        return "{not json"
    model = "gpt-5.5" if n % 3 == 1 else "no-such-model"
    if form == "openai":
        created = int(datetime(2026, 6, 2, 10, tzinfo=timezone.utc).timestamp())
        return json.dumps({"id": f"c{n}", "object": "chat.completion", "created": created, "model": model,
                           "usage": {"prompt_tokens": 1000, "completion_tokens": 2000}})
    return json.dumps({"timestamp": AT, "provider": "openai", "model": model, "input_tokens": 1000,
                       "output_tokens": 2000})


@pytest.fixture(scope="module")
def logs(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("jobs")
    paths = []
    for name, form in FILES:
        (folder / name).write_text("".join(_line(n, form) + "\n" for n in range(1, LINES + 1)))
        paths.append(str(folder / name))
    return paths


@pytest.fixture(scope="module")
def table():
    return load_prices()


def test_two_jobs_give_what_one_gives(table, logs):
    one = reprice_totals(logs, table, by=["month", "model"])
    two = reprice_totals(logs, table, by=["month", "model"], jobs=2)
    assert two.rows.equals(one.rows)
    assert two.totals_usd == one.totals_usd
    assert [str(p) for p in two.problems] == [str(p) for p in one.problems]
    assert two.assumptions == one.assumptions
    assert (two.records, two.priced, two.reported) == (one.records, one.priced, one.reported) == (1800, 600, 1200)
    # 600 good records of gpt-5.5 (standard tier, list rates on 2026-06-02 in pricing.yaml: input 5.00, output
    # 30.00 USD per 1M): 1000 x 5 / 1M + 2000 x 30 / 1M = 0.005 + 0.06 = 0.065 USD each
    assert two.totals_usd["logged"] == 600 * (Decimal("0.005") + Decimal("0.06")) == Decimal("39")
    # the first 1,000 problems: all 400 of z, all 400 of m, then a's first 200 (lines 2 to 300)
    shown = [(Path(p.file).name, p.line) for p in two.problems]
    bad = [n for n in range(1, LINES + 1) if n % 3 != 1]
    assert shown == [("z.jsonl", n) for n in bad] + [("m.jsonl", n) for n in bad] + [("a.jsonl", n) for n in bad[:200]]


@pytest.mark.slow
def test_strict_stops_at_the_first_bad_record_in_file_order(table, logs):
    with pytest.raises(InputError) as one:
        reprice_totals(logs, table, strict=True)
    with pytest.raises(InputError) as two:
        reprice_totals(logs, table, strict=True, jobs=2)
    assert two.value.lines == one.value.lines
    assert two.value.lines[0].startswith(f"{logs[0]}:2: ")


@pytest.mark.parametrize("jobs", [0, -1, 1.5, True])
def test_jobs_must_be_a_whole_number_of_processes(jobs):
    with pytest.raises(CostcalcError, match="must be a whole number of processes, 1 or more"):
        check_jobs(jobs)


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "costcalc", "reprice", *args], capture_output=True, text=True,
                          env=env, timeout=300)


def _runner(*args: str):
    return CliRunner().invoke(cli, ["reprice", *args])


@pytest.mark.parametrize("jobs", ["0", "-2", "two"])
def test_the_cli_refuses_jobs_below_1_in_one_line(logs, jobs):
    done = _runner(*logs, "--jobs", jobs)
    assert done.exit_code == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "--jobs" in done.stderr


@pytest.mark.slow
def test_the_cli_output_is_the_same_with_two_jobs(logs):
    """Through `python -m costcalc` (the workers are spawned from the real entry point): byte-identical JSON,
    the same problem lines on stderr and the same exit status (1: records were reported)."""
    one = _cli(*logs, "--by", "month,tag:team", "--format", "json")
    two = _cli(*logs, "--by", "month,tag:team", "--format", "json", "--jobs", "2")
    assert one.returncode == two.returncode == 1
    assert two.stdout == one.stdout and two.stderr == one.stderr
    assert Decimal(json.loads(two.stdout)["total_usd"]) == Decimal("39")


def test_the_cli_refuses_jobs_with_another_engine(logs):
    done = _runner(*logs, "--jobs", "2", "--engine", "duckdb")
    assert done.exit_code == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "--jobs spreads LOGS files" in done.stderr
