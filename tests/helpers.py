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

import pandas as pd
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
               max_output_tokens: int | None = None, extra: tuple[str, ...] = ()) -> str:
    """One model of the acme provider as YAML (indented for acme_table): launched 2026-01-01, one `list`
    rule with `rates` (flow-style, USD per 1M tokens: "input: 1, output: 2"). `extra`: more keys of the
    model, each a YAML line as written at the model's indent (a `retired:` entry, a `fees:` block)."""
    lines = [f"      {model_id}:", f"        name: {name}", f"        from: {ACME_LAUNCH}"]
    if context_window is not None:
        lines.append(f"        context_window: {context_window}")
    if max_output_tokens is not None:
        lines.append(f"        max_output_tokens: {max_output_tokens}")
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


def fee_yaml(tool: str, usd_per_1k_calls: str, source: str, *, when: str | None = None,
             native_cny: str | None = None) -> str:
    """One entry of a model's `fees:` list (for model_yaml): `tool` billed `usd_per_1k_calls` USD per 1,000
    calls, within `when` (flow-style: "{from: 2026-10-31T16:00Z}") and with a native CNY figure if given."""
    lines = [f"- tool: {tool}"] + ([f"  when: {when}"] if when else []) + [f"  usd_per_1k_calls: {usd_per_1k_calls}"]
    lines += [f"  native: {{CNY: {native_cny}}}"] if native_cny else []
    return "\n".join(lines + [f"  source: {source}", f"  checked: {ACME_CHECKED}"])


def model_yaml(model_id: str, name: str, rates: str, source: str, *, launched: str = "2026-04-01T00:00Z",
               native_cny: str | None = None, fees: tuple[str, ...] = ()) -> str:
    """One model of any provider as YAML (indented for provider_table): launched `launched`, one `list` rule
    with `rates` (flow-style, USD per 1M tokens) and its native CNY rates if given, then `fees` (fee_yaml)."""
    lines = [f"      {model_id}:", f"        name: {name}", f"        from: {launched}", "        prices:",
             "          - label: list", f"            rates: {{{rates}}}"]
    lines += [f"            native: {{CNY: {{{native_cny}}}}}"] if native_cny else []
    lines += [f"            source: {source}", f"            checked: {ACME_CHECKED}"]
    if fees:
        lines += ["        fees:"] + [f"          {line}" for fee in fees for line in fee.split("\n")]
    return "\n".join(lines) + "\n"


def provider_table(version: str, providers: dict[str, tuple[str, tuple[str, ...]]]) -> str:
    """A whole price table: provider id -> (its name, its models as model_yaml entries), in that order."""
    return f'schema_version: 1\nversion: "{version}"\nproviders:\n' + "".join(
        f"  {provider}:\n    name: {name}\n    models:\n" + "".join(models)
        for provider, (name, models) in providers.items())


# acme-200k: a 200,000-token context window and 64,000 max output tokens; 3 input / 15 output USD per 1M
# tokens. The limits tests (test_limits, test_limit_locations) refuse, exclude and report requests past them.
ACME_200K = acme_model("acme-200k", "Acme 200K", "input: 3, output: 15", context_window=200_000,
                       max_output_tokens=64_000)

# acme-unlimited: no context window, no max output, 3 input / 15 output USD per 1M tokens: absurd counts
# reach the arithmetic under test instead of a limit (the bundled table gives limits to more and more models).
# No launch date either: priced at any instant.
UNLIMITED_TABLE = acme_table("test.1", "      acme-unlimited:\n        name: Acme Unlimited\n        prices:\n"
                             "          - label: list\n            rates: {input: 3, output: 15}\n")


def abc_table(version: str) -> str:
    """Three acme models whose order depends on the shape of the work, for plans and comparisons. USD per
    1M tokens: alpha 1 input / 2 output, beta 2 / 1, gamma 4 / 4 (no launch date: priced from any month)."""
    models = [("alpha", "Alpha", "input: 1, output: 2"), ("beta", "Beta", "input: 2, output: 1"),
              ("gamma", "Gamma", "input: 4, output: 4")]
    return (f"schema_version: 1\nversion: {version}\nproviders:\n  acme:\n    name: ACME\n    models:\n"
            + "".join(f"      {model_id}:\n        name: {name}\n        prices:\n          - label: list\n"
                      f"            rates: {{{rates}}}\n" for model_id, name, rates in models))


# A profile (indented under `profiles:`): 1,000 six-turn conversations a day on claude-opus-4-7 counted in its
# own unit, a 2,000-token system prompt, 150 user and 400 reply tokens a turn, the whole history re-sent each
# turn, read from the cache and written with 5-minute writes. test_shapes works out its turns by hand;
# test_plan_units prices it per user and per conversation.
SIX_TURN_CHAT = """\
  chat:
    models: [claude-opus-4-7]
    tokens_counted_with: claude-opus-4.7-estimate   # the model's own unit: no translation
    conversation:
      conversations_per_day: 1000
      turns: 6
      system_tokens: 2000
      user_tokens_per_turn: 150
      reply_tokens_per_turn: 400
      history: full
      cache: {reads: history, writes: 5m}
"""


# A profile (indented under `profiles:`): 100 agent tasks a day on gpt-5.5, 12 steps each (a 1,000-token
# system prompt, a 500-token task, 500 output and 2,500 tool-result tokens a step), 5% failures billed for
# their input and retried once. test_shapes works out its steps by hand; test_plan_units counts its tasks.
TWELVE_STEP_AGENT = """\
  agent:
    models: [gpt-5.5]
    agent:
      tasks_per_day: 100
      steps: 12
      system_tokens: 1000
      task_tokens: 500
      output_tokens_per_step: 500
      tool_result_tokens_per_step: 2500
    failures: {rate: 0.05, billed: input, retries: 1}
"""


def write_files(folder: Path, texts: dict[str, str]) -> Path:
    """Each text written to folder / its name (a price table, workloads); the folder."""
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def same_reprice(a, b) -> None:
    """Two re-pricing results (RepriceResult) equal in every part: rows, totals to the last digit,
    problems, assumptions, counts and unpriced calls. For the engine differentials (local, DuckDB, Spark,
    merged partials)."""
    pd.testing.assert_frame_equal(a.rows, b.rows)
    assert a.totals_usd == b.totals_usd
    assert [str(p) for p in a.problems] == [str(p) for p in b.problems]
    assert a.assumptions == b.assumptions
    assert (a.records, a.priced, a.reported) == (b.records, b.priced, b.reported)
    assert a.unpriced_calls == b.unpriced_calls


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
