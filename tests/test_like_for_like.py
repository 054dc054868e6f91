"""An estimate's "Cheapest: X ... less than Y" verdict says when its totals do not cover the same thing:
tool calls a model has no fee for (left out of its total) and requests `over_limit: exclude` left out on
some models but not others. CSV and FOCUS carry both as `#` comment rows after the cost rows, as they do
for not-available time; JSON keeps them in meta; HTML and XLSX carry the same caution.

Expected values are computed by hand in each test. The prices are a small table written here: in June
2026 (30 days) every model costs 1 USD per 1M input and 2 per 1M output tokens.
"""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal as D

import pandas as pd
import pytest
from click.testing import CliRunner

import costcalc
from costcalc.cli import cli
from costcalc.errors import CostcalcError
from costcalc.prices import load_prices
from costcalc.report.document import check, to_document
from costcalc.report.estimate import render_document, render_estimate

from .helpers import acme_fee, acme_model, acme_table, scratch_file

TABLE = acme_table("like-test.1",
                   acme_model("acme-big", "Acme Big", "input: 1, output: 2", context_window=1_000_000,
                              extra=acme_fee("web_search", "10")),
                   acme_model("acme-small", "Acme Small", "input: 1, output: 2", context_window=200_000),
                   acme_model("acme-small2", "Acme Small 2", "input: 1, output: 2", context_window=200_000))

# rag: 30,000 June requests, 90% with 100,000-token prompts, 10% with 300,000 (above acme-small's window).
# search: 30,000 June requests of 1,000 in / 100 out, 0.5 web searches each (acme-small has no fee).
WORKLOADS = """\
schema_version: 1
profiles:
  rag:
    requests_per_day: 1000
    input_tokens: {histogram: [{tokens: 100000, share: 0.9}, {tokens: 300000, share: 0.1}]}
    output_tokens: 1000
    over_limit: exclude
    models: [acme-big, acme-small]
  search:
    requests_per_day: 1000
    input_tokens: 1000
    output_tokens: 100
    tool_calls_per_request: {web_search: 0.5}
    models: [acme-big, acme-small]
  same:
    requests_per_day: 1000
    input_tokens: {histogram: [{tokens: 100000, share: 0.9}, {tokens: 300000, share: 0.1}]}
    output_tokens: 1000
    over_limit: exclude
    models: [acme-small, acme-small2]
"""

# rag on acme-big: 27,000 x (100,000 x 1 + 1,000 x 2) / 1M = 2,754; 3,000 x (300,000 + 2,000) / 1M = 906
# -> 3,660.00. On acme-small the 3,000 are left out: 2,754.00, 906.00 less = 906 / 3,660 = 24.75...% -> 24.8%
RAG_VERDICT = ("Cheapest: acme-small at 2,754.00 USD, 906.00 USD (24.8%) less than acme-big. Not like for like: "
               "requests above a model's limits are left out (over_limit: exclude): 10% on acme-small, none on "
               "acme-big.")
# search: tokens 30,000 x (1,000 x 1 + 100 x 2) / 1M = 36.00 on both; acme-big adds 15,000 calls x 0.01 =
# 150.00 -> 186.00; 150 / 186 = 80.64...% -> 80.6%
SEARCH_VERDICT = ("Cheapest: acme-small at 36.00 USD, 150.00 USD (80.6%) less than acme-big. Not like for like: "
                  "acme-small's web_search calls are not priced (their fees are left out of its total).")
# same: both models leave out the same 10%: 2,754.00 each, a like-for-like tie
SAME_VERDICT = "Cheapest: acme-small at 2,754.00 USD, 0.00 USD (0.0%) less than acme-small2."


@pytest.fixture(scope="module")
def prices(tmp_path_factory):
    return scratch_file(tmp_path_factory, "like", "acme.yaml", TABLE)


@pytest.fixture(scope="module")
def workloads(tmp_path_factory):
    return scratch_file(tmp_path_factory, "like", "w.yaml", WORKLOADS)


@pytest.fixture(scope="module")
def df(prices, workloads):
    return costcalc.estimate(workloads, prices=load_prices(prices), start="2026-06", months=1)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def flat(text: str) -> str:
    """Wrapped text on one line (the wrapper may break a model name after a hyphen)."""
    return " ".join(re.sub(r"-\n\s+", "-", text).split())


def test_the_frame_lists_what_its_totals_leave_out(df):
    # 30,000 x 0.5 = 15,000 calls; 30,000 x 0.1 = 3,000 requests (attrs are JSON-plain: decimal text)
    assert df.attrs["unpriced_calls"] == [
        {"profile": "search", "model": "acme-small", "tool": "web_search", "case": "expected", "months": ["2026-06"],
         "calls": "15000", "detail": "acme-small has no web_search fee in the price table"}]
    excluded = {(e["profile"], e["model"]): e for e in df.attrs["over_limit_excluded"]}
    assert set(excluded) == {("rag", "acme-small"), ("same", "acme-small"), ("same", "acme-small2")}
    rag = excluded[("rag", "acme-small")]
    assert (rag["share"], rag["requests"], rag["months"]) == ("0.1", "3000", ["2026-06"])
    assert rag["detail"] == "a 300,000-token prompt is above acme-small's context window of 200,000 tokens"
    rag_total = sum(df.loc[(df["profile"] == "rag") & (df["model"] == "acme-small"), "cost_usd"])
    assert rag_total == D(2754)


def test_text_and_markdown_verdicts_say_not_like_for_like(df):
    text = flat(render_estimate(df, "table"))
    assert RAG_VERDICT in text
    assert SEARCH_VERDICT in text
    assert SAME_VERDICT + " " in text and "less than acme-small2. Not like" not in text
    assert RAG_VERDICT in flat(render_estimate(df, "markdown"))


def test_html_verdict_carries_the_same_caution(df):
    html = render_estimate(df, "html")
    assert ('<p class="verdict">Cheapest: acme-small at $36.00, $150.00 (80.6%) less than acme-big. Not like for '
            'like: acme-small&#x27;s web_search calls are not priced (their fees are left out of its total).</p>'
            in html)
    assert ('<p class="verdict">Cheapest: acme-small at $2,754.00, $906.00 (24.8%) less than acme-big. Not like '
            'for like: requests above a model&#x27;s limits are left out (over_limit: exclude): 10% on acme-small, '
            'none on acme-big.</p>' in html)
    assert '<p class="verdict">Cheapest: acme-small at $2,754.00, $0.00 (0%) less than acme-small2.</p>' in html


def test_xlsx_summary_and_notes_say_so(df):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(render_estimate(df, "xlsx")))
    summary = [r[0] for r in book["Summary"].iter_rows(values_only=True) if r and isinstance(r[0], str)]
    assert "search: " + SEARCH_VERDICT.split(". ", 1)[1] in summary
    assert "rag: " + RAG_VERDICT.split(". ", 1)[1] in summary
    notes = {r[0]: r[1] for r in book["Notes"].iter_rows(values_only=True)}
    assert notes["unpriced calls"] == ("acme-small for search: 15,000 web_search calls in 2026-06 not priced "
                                       "(acme-small has no web_search fee in the price table); left out of the "
                                       "totals, not free")


def test_csv_and_focus_carry_comment_rows(df):
    unpriced = ("# unpriced calls,profile=search,model=acme-small,tool=web_search,case=expected,calls=15000,"
                "months=2026-06,detail=acme-small has no web_search fee in the price table\n")
    rag = ('# over limit excluded,profile=rag,model=acme-small,case=expected,share=0.1,requests=3000,months=2026-06,'
           '"detail=a 300,000-token prompt is above acme-small\'s context window of 200,000 tokens"\n')
    for fmt in ("csv", "focus"):
        text = render_estimate(df, fmt)
        assert unpriced in text and rag in text, fmt
        # a reader that skips comments gets the cost rows alone
        rows = pd.read_csv(io.StringIO(text), comment="#")
        assert not rows.iloc[:, 0].astype(str).str.startswith("#").any()
    rows = list(csv.reader(io.StringIO(render_estimate(df, "csv"))))
    derived = ("# plan", "# budget", "# comparison")  # the document's derived sections, not what is left out
    comments = [r[0] for r in rows if r[0].startswith("#") and not r[0].startswith(derived)]
    # rag and same: 3 entries of requests left out (acme-small for rag, both models for same); 1 of calls
    assert sorted(comments) == ["# over limit excluded"] * 3 + ["# unpriced calls"]


def test_a_saved_result_renders_the_same_verdict(df, tmp_path):
    document = json.loads(render_estimate(df, "json"))
    assert document["meta"]["unpriced_calls"][0]["calls"] == "15000"
    assert document["meta"]["over_limit_excluded"][0]["share"] == "0.1"
    check(document)
    assert RAG_VERDICT in flat(render_document(document, "table"))
    assert render_document(document, "csv") == render_estimate(df, "csv")


def test_a_bad_saved_entry_is_named(df):
    document = to_document(df)
    document["meta"]["over_limit_excluded"][0]["share"] = "lots"
    with pytest.raises(CostcalcError, match=r"saved.json: meta.over_limit_excluded\[0\].share: 'lots': must be a "
                                            r"finite decimal"):
        check(json.loads(json.dumps(document)), "saved.json")


def test_cli_estimate_csv_says_so(prices, workloads):
    result = run("estimate", workloads, "--prices", prices, "--start", "2026-06", "--months", "1", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "\n# unpriced calls,profile=search,model=acme-small," in result.stdout
    table = run("estimate", workloads, "--prices", prices, "--start", "2026-06", "--months", "1")
    assert SEARCH_VERDICT in flat(table.stdout)
