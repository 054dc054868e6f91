"""Golden files: every text format of one fixed estimate, byte for byte, and the same bytes again when a
saved result is re-rendered with `costcalc render`.

The goldens depend on the bundled price table (its version and sha256 are in them): after a change to
pricing.yaml or to a rendering, look at the diff, then rewrite them with
`COSTCALC_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from costcalc.cli import cli

HERE = Path(__file__).parent / "golden"
ARGS = [str(HERE / "workloads.yaml"), "--start", "2026-08", "--months", "2"]
TEXT_FORMATS = ["table", "csv", "json", "markdown", "focus"]


def run(*args: str) -> bytes:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
@pytest.mark.parametrize("currency", [[], ["--currency", "EUR", "--fx", "EUR=0.92"]], ids=["usd", "eur"])
def test_golden(fmt, currency):
    got = run("estimate", *ARGS, "--format", fmt, *currency)
    name = f"estimate.{'eur.' if currency else ''}{fmt}.txt"
    path = HERE / name
    if os.environ.get("COSTCALC_UPDATE_GOLDEN"):
        path.write_bytes(got)
    assert got == path.read_bytes(), f"{name} differs; see the module docstring"


@pytest.mark.parametrize("fmt", TEXT_FORMATS + ["html", "xlsx"])
def test_rerendering_a_saved_result_gives_the_same_bytes(fmt, tmp_path):
    pytest.importorskip("openpyxl") if fmt == "xlsx" else None
    saved = tmp_path / "result.json"
    run("estimate", *ARGS, "--currency", "EUR", "--fx", "EUR=0.92", "--format", "json", "--output", str(saved))
    direct = tmp_path / f"direct.{fmt}"
    again = tmp_path / f"again.{fmt}"
    run("estimate", *ARGS, "--currency", "EUR", "--fx", "EUR=0.92", "--format", fmt, "--output", str(direct))
    run("render", str(saved), "--format", fmt, "--output", str(again))
    assert direct.read_bytes() == again.read_bytes()


def test_currency_symbol_and_rate_in_every_text_format():
    for fmt, must in {"table": ["EUR (€)", "1 USD = 0.92 EUR"], "markdown": ["EUR (€)", "1 USD = 0.92 EUR"],
                      "csv": ["cost_eur", ",EUR,0.92"], "json": ['"symbol": "€"', '"rate": "0.92"'],
                      "focus": [",EUR,", ",0.92"]}.items():
        text = run("estimate", *ARGS, "--format", fmt, "--currency", "EUR", "--fx", "EUR=0.92").decode()
        for piece in must:
            assert piece in text, (fmt, piece)


def test_hostile_tag_is_neutralized_in_csv_and_focus():
    for fmt in ("csv", "focus"):
        text = run("estimate", *ARGS, "--format", fmt).decode()
        assert "=HYPERLINK" in text
        for line in text.splitlines()[1:]:
            cells = next(__import__("csv").reader([line]))
            assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells), line
