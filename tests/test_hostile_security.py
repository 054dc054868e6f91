"""Issue 11's security classes, as named regression tests: CSV injection through CR/LF in every CSV
writer, `--output` onto special files and symlinks, YAML alias bombs outside files, and FIFOs/devices as
inputs. Each checks the whole contract: exit status, nothing on stdout, one error line, bounded time.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from costcalc.cli import cli

HOSTILE = "\r=2+2"  # a CR ends an unquoted row in every CSV reader; the rest would start a live formula

WORKLOAD = """\
schema_version: 1
profiles:
  "=cmd|' /C calc'!A0":
    requests_per_day: 1000
    input_tokens: 1000
    output_tokens: 100
    models: [gpt-5.4-mini]
    tags: {{team: "{name}"}}
"""


def run(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def assert_no_live_formula(text: str, expected_rows: int | None = None) -> list[list[str]]:
    """Read CSV text as a spreadsheet would: every cell that starts with a formula character is
    neutralized by a leading ', and no row begins inside someone else's cell."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r", "\n")), (cell, row)
            if cell.startswith("-"):
                float(cell)  # a negative number, never text such as -2+2
    # comment rows after the data (`# plan,...`, `# not available,...`) have their own widths; the data rows
    # returned are the rest
    rows = [row for row in rows if not (row and row[0].startswith("# "))]
    widths = {len(row) for row in rows}
    assert len(widths) == 1, widths  # a row split by a bare CR would have fewer cells
    if expected_rows is not None:
        assert len(rows) == expected_rows
    return rows


@pytest.fixture
def hostile_workload(tmp_path) -> Path:
    path = tmp_path / "w.yaml"
    path.write_text(WORKLOAD.format(name=HOSTILE.replace("\r", "\\r")), encoding="utf-8")
    return path


def test_estimate_csv_quotes_a_cell_holding_cr(hostile_workload):
    result = run("estimate", hostile_workload, "--months", "1", "--start", "2026-12", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = assert_no_live_formula(result.stdout)
    # input and output lines of one model and one month, plus the header
    assert len(rows) == 3
    team = rows[1][rows[0].index("tag:team")]
    assert team == "'" + HOSTILE  # the value itself survives, quoted and neutralized
    assert rows[1][rows[0].index("profile")] == "'=cmd|' /C calc'!A0"


def test_focus_and_rendered_results_quote_cr_and_neutralize_metadata(hostile_workload, tmp_path):
    saved = tmp_path / "r.json"
    result = run("estimate", hostile_workload, "--months", "1", "--start", "2026-12", "--format", "json",
                 "--output", saved)
    assert result.exit_code == 0, result.stderr
    document = json.loads(saved.read_text(encoding="utf-8"))
    document["meta"]["scenario"] = "=HYPERLINK(\"x\")"  # a tampered saved result
    saved.write_text(json.dumps(document), encoding="utf-8")
    for fmt in ("csv", "focus"):
        result = run("render", saved, "--format", fmt)
        if result.exit_code != 0:  # the saved-result check may refuse the tampered scenario: fine too
            assert result.stdout == "" and len(result.stderr.splitlines()) == 1
            continue
        assert_no_live_formula(result.stdout)


def test_tokens_csv_quotes_a_file_name_with_cr(tmp_path):
    name = tmp_path / "a\r=1+1.txt"
    name.write_text("hello world", encoding="utf-8")
    result = run("tokens", name, "--models", "gpt-5.5", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert_no_live_formula(result.stdout, expected_rows=2)


def test_reprice_csv_quotes_a_model_name_with_cr(tmp_path):
    log = tmp_path / "u.csv"
    log.write_text("timestamp,provider,model,input_tokens,output_tokens\n"
                   "2026-11-02T10:00:00Z,openai,gpt-5.5,1000,10\n", encoding="utf-8")
    result = run("reprice", log, "--by", "tag:team", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert_no_live_formula(result.stdout)


# -- --output onto special files and symlinks ------------------------------------------------------------

def test_output_to_dev_null_writes_into_the_device():
    before = os.stat("/dev/null")
    result = run("estimate", "--months", "1", "--format", "csv", "--output", "/dev/null")
    assert result.exit_code == 0, result.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_output_to_a_fifo_writes_into_it(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = run("estimate", "--months", "1", "--format", "csv", "--output", fifo)
    reader.join(timeout=60)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still a pipe, not replaced by a file
    assert received and received[0].startswith(b"profile,model,")


def test_output_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(target.name)
    result = run("estimate", "--months", "1", "--format", "csv", "--output", link)
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == "real.csv"
    assert target.read_text(encoding="utf-8").startswith("profile,model,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]  # no temp file left


@pytest.mark.parametrize("output, message", [("", "--output needs a file name"), (".", "is a directory")])
def test_output_that_is_no_file_is_one_line(output, message, tmp_path):
    result = run("estimate", "--months", "1", "--output", output)
    assert result.exit_code in (1, 2)
    assert result.stdout == ""
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


# -- YAML alias bombs outside files ---------------------------------------------------------------------

def alias_bomb(levels: int = 9) -> str:
    """9 nested anchors, each a list of 9 aliases of the one before: 9^9 leaves if expanded."""
    parts = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    parts += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return "{" + ", ".join(parts) + "}"


def test_alias_bomb_in_a_set_value_is_one_line_at_once():
    started = time.monotonic()
    result = run("estimate", "--months", "1", "--set", f"support-bot.tags={alias_bomb()}")
    # expanded as a tree, 9 levels took over 60 s (7 levels 20 s); walked once per node it is instant.
    # 30 s is a generous bound on a loaded 2-core machine, and far below the bomb's time.
    assert time.monotonic() - started < 30
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "tags" in result.stderr


def test_alias_bomb_in_a_csv_cell_is_one_line_at_once(tmp_path):
    path = tmp_path / "w.csv"
    cell = alias_bomb().replace('"', '""')
    path.write_text(f"name,requests_per_day,input_tokens,output_tokens,models,tags\n"
                    f"p,100,1000,100,gpt-5.5,\"{cell}\"\n", encoding="utf-8")
    started = time.monotonic()
    result = run("estimate", path, "--months", "1")
    assert time.monotonic() - started < 30  # see the --set case
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1


def test_a_cell_starting_with_a_line_feed_is_neutralized_too(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(WORKLOAD.replace('team: "{name}"', 'team: "\\n=2+2"').format(name="x"), encoding="utf-8")
    result = run("estimate", path, "--months", "1", "--start", "2026-12", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = assert_no_live_formula(result.stdout)
    assert rows[1][rows[0].index("tag:team")] == "'\n=2+2"


# -- FIFOs and devices as inputs: refused at once -----------------------------------------------------

INPUT_COMMANDS = [
    ["estimate", "{x}"],
    ["estimate", "--prices", "{x}"],
    ["prices", "check", "{x}"],
    ["estimate", "--currency", "EUR", "--fx", "{x}"],
    ["render", "{x}"],
    ["compare", "{x}", "{x}"],
    ["variance", "--actual", "examples/usage/openai.jsonl", "--forecast", "{x}"],
    ["tokens", "{x}"],
    ["reprice", "{x}"],
    ["prices", "import", "--from", "litellm", "{x}"],
    ["prices", "crosscheck", "--from", "litellm", "{x}"],
    ["profile", "{x}"],
]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["fifo", "device"])
@pytest.mark.parametrize("args", INPUT_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_non_regular_inputs_are_refused_at_once(args, kind, tmp_path):
    if kind == "fifo":
        special = tmp_path / "pipe"
        os.mkfifo(special)
    else:
        special = Path("/dev/zero")  # reads forever if read at all
    argv = [a.replace("{x}", str(special)) for a in args]
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    # A subprocess with a timeout: a regression blocks on the FIFO, and must fail here, not hang the suite.
    done = subprocess.run([sys.executable, "-m", "costcalc", *argv], capture_output=True, text=True,
                          timeout=120, cwd=root, env=env)
    assert done.returncode in (1, 2), done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "not a regular file" in lines[0] or "Invalid value" in lines[0], lines[0]
