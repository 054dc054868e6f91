"""An estimate refused because a profile's requests do not fit a model names the file, line and dotted key
of the value at fault, as a loading error does: `W.yaml:8: profiles.rag.input_tokens.histogram[1].tokens:
300000: model ...`. The profile keeps where it was read (Profile.origin), so the projection stays pure.

The table is written here: acme-200k has a 200,000-token context window and 64,000 max output tokens.
"""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

import costcalc
from costcalc.cli import cli
from costcalc.errors import LimitError
from costcalc.prices import load_prices
from costcalc.workloads.model import Profile

from .helpers import ACME_200K, acme_table, scratch_file

# acme-200k (helpers.ACME_200K): a 200,000-token context window, 64,000 max output, 3 / 15 USD per 1M tokens
TABLE = acme_table("limits-where.1", ACME_200K)
REFUSED = ("set over_limit: exclude in the profile to leave such requests out of the estimate")
CONTEXT = "a 300,000-token prompt is above acme-200k's context window of 200,000 tokens"

# line numbers matter: the histogram's second bin is on line 8
WORKLOADS = """\
schema_version: 1
profiles:
  rag:
    requests_per_day: 1000
    input_tokens:
      histogram:
        - {tokens: 20000, share: 0.9}
        - {tokens: 300000, share: 0.1}
    output_tokens: 500
    models: [acme-200k]
"""


@pytest.fixture(scope="module")
def prices(tmp_path_factory):
    return scratch_file(tmp_path_factory, "where", "acme.yaml", TABLE)


@pytest.fixture(scope="module")
def table(prices):
    return load_prices(prices)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def refused(result) -> str:
    """The one line of a refused estimate: exit 1, nothing on stdout, no traceback."""
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_cli_names_file_line_and_histogram_bin(tmp_path, prices):
    path = tmp_path / "W.yaml"
    path.write_text(WORKLOADS, encoding="utf-8")
    line = refused(run("estimate", path, "--prices", prices, "--start", "2026-06", "--months", "1"))
    assert line == (f"costcalc: {path}:8: profiles.rag.input_tokens.histogram[1].tokens: 300000: model acme-200k: "
                    f"10% of its requests: {CONTEXT}; {REFUSED}")


def test_mean_prompt_and_output_name_their_own_lines(table):
    text = WORKLOADS.replace("""    input_tokens:
      histogram:
        - {tokens: 20000, share: 0.9}
        - {tokens: 300000, share: 0.1}
""", "    input_tokens: 300000\n")
    with pytest.raises(LimitError) as caught:
        costcalc.estimate(text, prices=table, start="2026-06", months=1)
    assert str(caught.value) == f"<text>:5: profiles.rag.input_tokens: 300000: model acme-200k: {CONTEXT}; {REFUSED}"
    # output 70,000 alone is above the 64,000 max output: output_tokens (line 6) is at fault
    text = text.replace("input_tokens: 300000", "input_tokens: 1000").replace("output_tokens: 500",
                                                                              "output_tokens: 70000")
    with pytest.raises(LimitError) as caught:
        costcalc.estimate(text, prices=table, start="2026-06", months=1)
    assert str(caught.value) == ("<text>:6: profiles.rag.output_tokens: 70000: model acme-200k: 70,000 output "
                                 "tokens (reasoning included) in one request are above acme-200k's max output of "
                                 f"64,000 tokens; {REFUSED}")
    # output 40,000 fits; 40,000 + reasoning_tokens 30,000 = 70,000 does not: reasoning_tokens (line 7)
    text = text.replace("output_tokens: 70000", "output_tokens: 40000\n    reasoning_tokens: 30000")
    with pytest.raises(LimitError, match=r"^<text>:7: profiles.rag.reasoning_tokens: 30000: model acme-200k: "
                                         "70,000 output tokens"):
        costcalc.estimate(text, prices=table, start="2026-06", months=1)


def test_a_default_points_at_the_defaults_line(table):
    text = ("schema_version: 1\ndefaults:\n  input_tokens: 300000\n  output_tokens: 10\nprofiles:\n  a:\n"
            "    requests_per_day: 10\n    models: [acme-200k]\n")
    with pytest.raises(LimitError) as caught:
        costcalc.estimate(text, prices=table, start="2026-06", months=1)
    # the key is the profile's (which one failed), the line the default's (what to edit)
    assert str(caught.value) == f"<text>:3: profiles.a.input_tokens: 300000: model acme-200k: {CONTEXT}; {REFUSED}"


def test_csv_row_and_set_override(tmp_path, prices):
    path = tmp_path / "w.csv"
    path.write_text("name,requests_per_day,input_tokens,output_tokens,models\n"
                    "ok,10,1000,10,acme-200k\n"
                    "big,10,300000,10,acme-200k\n", encoding="utf-8")
    line = refused(run("estimate", path, "--prices", prices, "--start", "2026-06", "--months", "1"))
    assert line == f"costcalc: {path}:3: profiles.big.input_tokens: 300000: model acme-200k: {CONTEXT}; {REFUSED}"
    yaml_path = tmp_path / "W.yaml"
    yaml_path.write_text(WORKLOADS.replace("""    input_tokens:
      histogram:
        - {tokens: 20000, share: 0.9}
        - {tokens: 300000, share: 0.1}
""", "    input_tokens: 1000\n"), encoding="utf-8")
    line = refused(run("estimate", yaml_path, "--prices", prices, "--start", "2026-06", "--months", "1",
                       "--set", "rag.input_tokens=300000"))
    assert line == (f"costcalc: {yaml_path} (--set): profiles.rag.input_tokens: 300000: model acme-200k: {CONTEXT}; "
                    f"{REFUSED}")


def test_a_dataframe_row(table):
    frame = pd.DataFrame([{"name": "ok", "requests_per_day": 10, "input_tokens": 1000, "output_tokens": 10,
                           "models": "acme-200k"},
                          {"name": "big", "requests_per_day": 10, "input_tokens": 300000, "output_tokens": 10,
                           "models": "acme-200k"}])
    with pytest.raises(LimitError) as caught:
        costcalc.estimate(frame, prices=table, start="2026-06", months=1)
    assert str(caught.value) == (f"<DataFrame>:2: profiles.big.input_tokens: 300000: model acme-200k: "
                                 f"{CONTEXT}; {REFUSED}")


def test_a_profile_made_in_code_names_profile_and_model(table):
    from decimal import Decimal as D

    from costcalc.projection import project

    profile = Profile(name="p", models=("acme-200k",), input_tokens=D(300000), output_tokens=D(10),
                      requests_per_day=D(10))
    with pytest.raises(LimitError) as caught:
        project([profile], table, (2026, 6), 1)
    assert str(caught.value) == f"profile p, model acme-200k: {CONTEXT}; {REFUSED}"
