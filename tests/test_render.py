"""`costcalc render` on saved results that were edited by hand or cut short: one line, exit 1, no output
file; and Markdown that a profile name cannot break."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from costcalc.cli import cli


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("render")
    done = CliRunner().invoke(cli, ["estimate", "--months", "1", "--format", "json", "--output",
                                    str(folder / "r.json")])
    assert done.exit_code == 0, done.output
    return json.loads((folder / "r.json").read_text())


def spoil(document, how):
    document = copy.deepcopy(document)
    how(document)
    return document


CASES = {
    "no provider": (lambda d: d["rows"][0].pop("provider"), "rows[0]: provider is missing"),
    "bad month": (lambda d: d["rows"][0].update(month="2026-1x"), "rows[0].month: '2026-1x': must be a month"),
    "NaN tokens": (lambda d: d["rows"][0].update(tokens="NaN"), "rows[0].tokens: 'NaN': must be a finite"),
    "fx without currency": (lambda d: d["meta"].update(fx={"rate": "0.9"}), "meta.fx: {'rate': '0.9'}: needs"),
    "infinite rate": (lambda d: d["meta"].update(fx={"currency": "EUR", "symbol": "€", "rate": "Infinity"}),
                      "meta.fx.rate: 'Infinity': a rate must be a number above 0"),
    "not an estimate": (lambda d: d.clear(), "not a costcalc estimate"),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("fmt", ["table", "html", "focus"])
def test_a_spoiled_result_is_one_line(saved, tmp_path, name, fmt):
    how, message = CASES[name]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(spoil(saved, how)))
    target = tmp_path / "out"
    done = CliRunner().invoke(cli, ["render", str(path), "--format", fmt, "--output", str(target)])
    assert done.exit_code == 1 and done.stdout == "" and not target.exists()
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_truncated_json_is_one_line(saved, tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(saved)[:500])
    done = CliRunner().invoke(cli, ["render", str(path)])
    assert done.exit_code == 1 and done.stderr.startswith(f"costcalc: {path}: not JSON")


def test_markdown_escapes_profile_names_and_tags(tmp_path):
    (tmp_path / "w.yaml").write_text('schema_version: 1\nprofiles:\n  "a<!--b":\n    models: [gpt-5.4]\n'
                                     '    requests_per_day: 10\n    input_tokens: 10\n    output_tokens: 10\n'
                                     '    tags: {team: "x|y<script>"}\n')
    text = CliRunner().invoke(cli, ["estimate", str(tmp_path / "w.yaml"), "--months", "1", "--format",
                                    "markdown"]).output
    assert "## a&lt;!--b  [team=x\\|y&lt;script&gt;]" in text
    assert "<!--" not in text and "<script>" not in text


def test_a_chart_that_cannot_be_written_is_one_line(tmp_path):
    done = CliRunner().invoke(cli, ["sensitivity", "--months", "1", "--chart", str(tmp_path / "no" / "t.png")])
    assert done.exit_code == 1 and done.stdout == ""
    assert done.stderr.startswith("costcalc: cannot write") and len(done.stderr.strip().splitlines()) == 1
