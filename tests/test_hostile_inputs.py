"""Issue 11's non-security classes fixed so far: non-ASCII digits, huge values in error lines, Markdown
injection in what-if reports and the estimate footer, a missing plot extra. Each case checks the
contract: exit status 1 or 2, nothing on stdout, one line on stderr, no traceback."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from costcalc.cli import cli
from costcalc.errors import shown


def run(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def assert_one_line_error(result, *phrases: str) -> str:
    assert result.exit_code in (1, 2), result.stdout
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("count", ["１０", "١٠٠", "1٠"])
def test_non_ascii_digits_are_not_token_counts(count):
    assert_one_line_error(run("quote", "gpt-5.5", "--input", count), "is not a token count")


def test_non_ascii_digits_are_not_instants():
    assert_one_line_error(run("quote", "gpt-5.5", "--input", "10", "--at", "２０２６-11-01"),
                          "is not an ISO-8601 instant")


def test_huge_values_are_cut_in_error_lines():
    name = "x" * 100_000
    line = assert_one_line_error(run("quote", name, "--input", "10"), "unknown model")
    assert len(line) < 200
    line = assert_one_line_error(run("quote", "gpt-5.5", "--input", "9" * 5000), "more tokens than")
    assert len(line) < 300


def test_shown_is_one_line_and_bounded():
    assert shown("a\nb") == "'a\\nb'"
    assert len(shown("y" * 1000)) == 80 and shown("y" * 1000).endswith("…")
    assert shown(12) == "12"


PROFILES = """\
schema_version: 1
profiles:
  "<script>alert(1)</script>":
    requests_per_day: {low: 500, expected: 1000, high: 2000}
    input_tokens: 1000
    output_tokens: 100
    start: 2026-06-01
    models: [gpt-5.4]
  "plain | pipe":
    requests_per_day: 1000
    input_tokens: 1000
    output_tokens: 100
    start: 2026-06-01
    models: [gpt-5.4]
"""


def test_sensitivity_markdown_escapes_profile_names(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(PROFILES, encoding="utf-8")
    result = run("sensitivity", path, "--start", "2026-06", "--months", "1", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert "<script>" not in result.stdout
    assert "&lt;script&gt;" in result.stdout
    # the profile without ranges is listed as skipped, its pipe escaped
    assert "plain \\| pipe" in result.stdout


def test_compare_markdown_escapes_profile_names(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(PROFILES, encoding="utf-8")
    result = run("compare", "--workloads", path, "--scenarios", "actual,list", "--start", "2026-06",
                 "--months", "1", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert "<script>" not in result.stdout


def test_an_overlay_version_cannot_inject_a_heading(tmp_path):
    overlay = tmp_path / "o.yaml"
    overlay.write_text('schema_version: 1\nversion: "x\\n# Injected <b>heading</b>"\n', encoding="utf-8")
    result = run("estimate", "--months", "1", "--prices", overlay, "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert "\n# Injected" not in result.stdout
    assert "<b>" not in result.stdout
    table = run("estimate", "--months", "1", "--prices", overlay)
    assert "\n# Injected" not in table.stdout


def test_a_chart_without_matplotlib_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    path = tmp_path / "w.yaml"
    path.write_text(PROFILES, encoding="utf-8")
    chart = tmp_path / "t.png"
    result = run("sensitivity", path, "--start", "2026-06", "--months", "1", "--chart", chart)
    assert_one_line_error(result, "pip install 'costcalc[plot]'")
    assert not chart.exists()


def test_a_chart_of_an_unknown_kind_is_a_usage_error(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(PROFILES, encoding="utf-8")
    result = run("sensitivity", path, "--start", "2026-06", "--months", "1", "--chart", tmp_path / "t.gif")
    assert_one_line_error(result, "name a .png or .svg file")
