"""Builders the tests share: a price table of made-up `acme` models written in the test itself (so every
expected amount is computed by hand from rates the reader sees next to it), and files in a scratch folder.

    TABLE = acme_table("frames-test.1",
                       acme_model("acme-a", "Acme A", "input: 0.5, output: 2", context_window=1_000_000))
    prices = scratch_file(tmp_path_factory, "frames", "acme.yaml", TABLE)

Workloads stay written out in each test: they are what a test is about.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from costcalc.cli import cli

ACME_SOURCE = "https://acme.example/pricing"
ACME_CHECKED = "2026-11-25"
ACME_LAUNCH = "2026-01-01T00:00Z"

# Two profiles asking for the same work on two models of the bundled table, for the per-1,000-requests
# charts (HTML and matplotlib). gpt-5.5 is 5 in / 30 out per 1M tokens, gpt-5.4-mini 0.75 / 4.50.
PER_1K_WORKLOADS = """schema_version: 1
profiles:
  short:
    requests_per_month: 10000
    input_tokens: 1000
    output_tokens: 100
    models: [gpt-5.5, gpt-5.4-mini]
  long:
    requests_per_month: 1000
    input_tokens: 100000
    output_tokens: 2000
    models: [gpt-5.5]
"""


def acme_model(model_id: str, name: str, rates: str, *, context_window: int | None = None,
               extra: tuple[str, ...] = ()) -> str:
    """One model of the acme provider as YAML (indented for acme_table): launched 2026-01-01, one `list`
    rule with `rates` (flow-style, USD per 1M tokens: "input: 1, output: 2"). `extra`: more keys of the
    model, each a YAML line as written at the model's indent (a `retired:` entry, a `fees:` block)."""
    lines = [f"      {model_id}:", f"        name: {name}", f"        from: {ACME_LAUNCH}"]
    if context_window is not None:
        lines.append(f"        context_window: {context_window}")
    lines += ["        prices:", "          - label: list", f"            rates: {{{rates}}}",
              f"            source: {ACME_SOURCE}", f"            checked: {ACME_CHECKED}"]
    lines += [f"        {line}" for line in extra]
    return "\n".join(lines) + "\n"


def acme_fee(tool: str, usd_per_1k_calls: str) -> tuple[str, ...]:
    """A `fees:` block for acme_model's `extra`: one per-call fee for `tool`."""
    return ("fees:", f"  - tool: {tool}", f"    usd_per_1k_calls: {usd_per_1k_calls}",
            f"    source: {ACME_SOURCE}", f"    checked: {ACME_CHECKED}")


def acme_retired(at: str, replacement: str) -> tuple[str, ...]:
    """A `retired:` entry for acme_model's `extra`: refused from instant `at`, `replacement` suggested."""
    return (f"retired: {{at: {at}, replacement: {replacement}, source: {ACME_SOURCE}, checked: {ACME_CHECKED}}}",)


def acme_table(version: str, *models: str) -> str:
    """A whole price table: one provider, acme, holding `models` (acme_model entries), in that order."""
    return (f'schema_version: 1\nversion: "{version}"\nproviders:\n  acme:\n    name: Acme\n    models:\n'
            + "".join(models))


def scratch_file(tmp_path_factory: pytest.TempPathFactory, folder: str, name: str, text: str) -> Path:
    """`text` written to a new scratch folder as `name` (a price table, workloads): its path."""
    path = tmp_path_factory.mktemp(folder) / name
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(*args: object, cwd: Path | str | None = None) -> Result:
    """`costcalc ARGS` in this process through click's CliRunner: exit code, stdout and stderr apart, as a
    child process would give them but without its start-up (a second or more per command on a busy
    machine). `cwd`: the folder the command runs in (relative paths resolve there). Tests of what only a
    child process shows (start-up imports, the installed script, signals) still start one."""
    previous = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, [str(a) for a in args])
    finally:
        os.chdir(previous)
