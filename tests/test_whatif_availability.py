"""What-if commands and model availability: `compare` notes the months a model is not available (or only
in part) instead of dropping them silently, and `break-even` says a retired model is not available
rather than that it has no requests.

The table is written here: acme-old (2 USD per 1M input tokens) retires at 2026-07-16 00:00 UTC, half way
through July; acme-new (1 USD per 1M) is available throughout. The profile makes 1,000 requests a day of
1,000 input tokens and no output, so a request costs 0.002 USD on acme-old and 0.001 on acme-new.
Expected values are computed by hand in each test.
"""

from __future__ import annotations

import json
from decimal import Decimal as D

import pandas as pd
import pytest
from click.testing import CliRunner

from costcalc import api
from costcalc.cli import cli
from costcalc.prices import load_prices

from .helpers import acme_model, acme_retired, acme_table, scratch_file

TABLE = acme_table("whatif-availability.1",
                   acme_model("acme-old", "Acme Old", "input: 2, output: 4",
                              extra=acme_retired("2026-07-16T00:00Z", "acme-new")),
                   acme_model("acme-new", "Acme New", "input: 1, output: 2"))
WORKLOADS = """\
schema_version: 1
profiles:
  chat:
    requests_per_day: 1000
    input_tokens: 1000
    output_tokens: 0
    models: [acme-old, acme-new]
  ended:
    requests_per_day: 1000
    input_tokens: 1000
    output_tokens: 0
    end: 2026-05-31
    models: [acme-new]
"""
RETIRED = "acme-old was retired at 2026-07-16 00:00Z; use acme-new instead"


@pytest.fixture(scope="module")
def prices(tmp_path_factory):
    return scratch_file(tmp_path_factory, "avail", "acme.yaml", TABLE)


@pytest.fixture(scope="module")
def workloads(tmp_path_factory):
    return scratch_file(tmp_path_factory, "avail", "w.yaml", WORKLOADS)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_compare_notes_months_not_available_and_partial(workloads, prices):
    df = api.compare_estimates(workloads, a_prices=prices, b_prices=prices, a_scenario="actual",
                                  b_scenario="list", start="2026-06", months=3, a_label="actual", b_label="list")
    old = df[df["model"] == "acme-old"].set_index("month")["a_usd"]
    # June 30,000 x 0.002 = 60; July 1-15: 15,000 x 0.002 = 30; August: no price, no row
    assert dict(old) == {"2026-06": D(60), "2026-07": D(30), "total": D(90)}
    note = ("acme-old is not available in 2026-08 and available only in part of 2026-07 on both sides "
            f"({RETIRED}): those months count its cost as 0 or for part of the month, so its totals and the "
            "plan totals are not like for like over the whole period.")
    assert note in df.attrs["notes"]
    assert df.attrs["sides"]["a"]["not_available"] == {
        "acme-old": {"months": ["2026-08"], "partial": ["2026-07"], "detail": [RETIRED]}}


def test_cli_compare_shows_the_note_in_text_and_json(workloads, prices):
    args = ["compare", "--workloads", workloads, "--old-prices", prices, "--new-prices", prices, "--scenarios",
            "actual,list", "--start", "2026-06", "--months", "3"]
    result = run(*args)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "Note: acme-old is not available in 2026-08 and available only in part of 2026-07 on both sides" in text
    data = json.loads(run(*args, "--format", "json").stdout)
    assert any(n.startswith("acme-old is not available in 2026-08") for n in data["meta"]["notes"])


def test_compare_saved_documents_notes_one_side_only(workloads, prices, tmp_path):
    # A ends in June (acme-old available all month), B runs to August: only B has the gap
    for name, months in (("a", 1), ("b", 3)):
        result = run("estimate", workloads, "--prices", prices, "--start", "2026-06", "--months", months,
                     "--format", "json", "--output", tmp_path / f"{name}.json")
        assert result.exit_code == 0, result.output
    data = json.loads(run("compare", tmp_path / "a.json", tmp_path / "b.json", "--format", "json").stdout)
    label = data["meta"]["sides"]["b"]["label"]
    note = (f"acme-old is not available in 2026-08 and available only in part of 2026-07 on {label} ({RETIRED}): "
            "those months count its cost as 0 or for part of the month, so its totals and the plan totals "
            "are not like for like over the whole period.")
    assert [n for n in data["meta"]["notes"] if "acme-old is not available" in n] == [note]


def test_break_even_says_not_available_not_no_requests(workloads, prices):
    df = api.break_even(workloads, models=["acme-new", "acme-old"], prices=load_prices(prices),
                           start="2026-08", months=1)
    chat = df[df["profile"] == "chat"].set_index("model")
    # acme-new: 31,000 August requests at 0.001 each; acme-old has no price in August
    assert (chat.loc["acme-new", "requests_per_month"], chat.loc["acme-new", "api_usd_per_request"]) == \
        (D(31000), D("0.001"))
    assert chat.loc["acme-old", "api_usd_per_request"] is pd.NA
    notes = df.attrs["notes"]
    assert f"Not available in these months (no price, so no cost per request): acme-old for chat ({RETIRED})." \
        in notes
    # `ended` stopped in May: it really has no requests, on either model
    assert "No requests in these months (no cost per request): ended on acme-new, ended on acme-old." in notes
    assert not any("chat on acme-old" in n for n in notes)


def test_break_even_partial_month_is_noted_and_the_header_shows_the_profile_volume(workloads, prices):
    result = run("break-even", workloads, "--prices", prices, "--models", "acme-new,acme-old", "--start", "2026-07",
                 "--months", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = {(r["profile"], r["model"]): r for r in data["rows"]}
    # July: acme-new 31,000 requests; acme-old only July 1-15: 15,000 at 0.002
    assert rows[("chat", "acme-old")]["requests_per_month"] == "15000"
    assert rows[("chat", "acme-old")]["api_usd_per_request"] == "0.002"
    assert (f"acme-old is not available in part of these months for chat ({RETIRED}): its cost per request is "
            "over the time it is available, and requests_per_month and API/month count only that time.") \
        in data["meta"]["notes"]
    text = run("break-even", workloads, "--prices", prices, "--models", "acme-old,acme-new", "--start", "2026-07",
               "--months", "1").stdout
    assert "chat: 31,000 requests/month" in text
