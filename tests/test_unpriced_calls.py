"""Re-pricing tool calls a model has no fee for: they are counted in every machine-readable output
(`unpriced_calls` per row and per record, per tool in the JSON totals), left out of `tool_fees_usd` and
`cost_usd`, and never shown as free calls.

Expected values are computed by hand in each test. The prices are a small table written here.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from decimal import Decimal as D

import pytest
from click.testing import CliRunner

import costcalc
from costcalc.cli import cli
from costcalc.prices import load_prices

from .helpers import fee_yaml, model_yaml, provider_table

# ts-oa: OpenAI-like, 1.25 input / 10 output, web_search 10 USD per 1,000 calls (0.01 a call).
# ts-plain: 1 input / 4 output, no fee for any tool (its calls are unpriced).
# ts-late: 2 input / 8 output, web_search 0.70 USD per 1,000 calls from 2026-11-01T00:00Z only.
AI = "https://toolai.example/pricing"
TABLE = provider_table("2026.12.01.9", {"toolai": ("ToolAI", (
    model_yaml("ts-oa", "ToolAI OA", "input: 1.25, output: 10", AI, fees=(fee_yaml("web_search", "10", AI),)),
    model_yaml("ts-plain", "ToolAI Plain", "input: 1, output: 4", AI),
    model_yaml("ts-late", "ToolAI Late", "input: 2, output: 8", AI,
               fees=(fee_yaml("web_search", "0.70", AI, when="{from: 2026-11-01T00:00Z}"),))))})

M = D(1_000_000)


def epoch(*args) -> int:
    return int(datetime(*args, tzinfo=timezone.utc).timestamp())


def search():
    return {"type": "web_search_call", "id": "ws", "status": "completed", "action": {"type": "search", "query": "q"}}


def response(rid, created_at, searches, input_tokens, output_tokens):
    return {"id": rid, "object": "response", "created_at": created_at, "model": "ts-oa",
            "output": [search() for _ in range(searches)] + [{"type": "message", "content": []}],
            "usage": {"input_tokens": input_tokens, "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens": output_tokens, "output_tokens_details": {"reasoning_tokens": 0}}}


@pytest.fixture
def prices(tmp_path):
    path = tmp_path / "tools.yaml"
    path.write_text(TABLE, encoding="utf-8")
    return path


@pytest.fixture
def log(tmp_path):
    """Two OpenAI Responses records on ts-oa in November: 2 searches, then 1."""
    path = tmp_path / "responses.jsonl"
    records = [response("r1", epoch(2026, 11, 5), 2, 1000, 100), response("r2", epoch(2026, 11, 6), 1, 2000, 200)]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_csv_rows_count_the_unpriced_calls_and_price_only_the_priced(log, prices):
    result = run("reprice", log, "--prices", prices, "--as", "ts-plain", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = {r["priced_as"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    logged, plain = rows["logged"], rows["ts-plain"]
    # logged on ts-oa: 3 searches, every one priced at 0.01 = 0.03; none unpriced
    assert (logged["web_search_calls"], logged["unpriced_calls"], logged["tool_fees_usd"]) == ("3", "0", "0.03")
    # tokens (1,000 + 2,000) x 1.25 / 1M + (100 + 200) x 10 / 1M = 0.00375 + 0.003
    assert logged["cost_usd"] == str(D("0.00375") + D("0.003") + D("0.03")) == "0.03675"
    # as ts-plain: the same 3 searches, no fee: all 3 unpriced, no fee counted, tokens only
    assert (plain["web_search_calls"], plain["unpriced_calls"], plain["tool_fees_usd"]) == ("3", "3", "0")
    # 3,000 x 1 / 1M + 300 x 4 / 1M = 0.003 + 0.0012
    assert plain["cost_usd"] == "0.0042"


def test_json_totals_say_which_calls_they_leave_out(log, prices):
    result = run("reprice", log, "--prices", prices, "--as", "ts-plain", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["totals_usd"] == {"logged": "0.03675", "ts-plain": "0.0042"}
    assert data["unpriced_calls"] == {"logged": {}, "ts-plain": {"web_search": 3}}
    plain = next(r for r in data["rows"] if r["priced_as"] == "ts-plain")
    assert (plain["unpriced_calls"], plain["tool_fees_usd"]) == (3, "0")


def test_text_total_names_the_unpriced_calls(log, prices):
    result = run("reprice", log, "--prices", prices, "--as", "ts-plain")
    assert result.exit_code == 0, result.output
    assert "unpriced calls" in result.stdout
    assert "Total USD: logged 0.04; ts-plain 0.00 (without 3 unpriced web_search calls)" in result.stdout


def test_a_row_with_priced_and_unpriced_calls_prices_only_the_priced(tmp_path, prices):
    # ts-late has a web_search fee from 2026-11-01 only: 4 calls on 10-31 are unpriced, 2 on 11-05 priced
    path = tmp_path / "late.jsonl"
    records = [response("r0", epoch(2026, 10, 31, 12), 4, 1000, 0), response("r1", epoch(2026, 11, 5), 2, 1000, 0)]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    table = load_prices(prices)
    grouped = costcalc.reprice(path, prices=table, models=["ts-late"], by="model")
    late = grouped[grouped["priced_as"] == "ts-late"].iloc[0]
    assert (late["web_search_calls"], late["unpriced_calls"]) == (6, 4)
    # 2 priced calls x 0.70 / 1,000 = 0.0014; tokens 2,000 x 2 / 1M = 0.004
    assert (late["tool_fees_usd"], late["cost_usd"]) == (D("0.0014"), D("0.004") + D("0.0014"))
    assert grouped.attrs["unpriced_calls"] == {"logged": {}, "ts-late": {"web_search": 4}}
    # per record: the same split
    records_frame = costcalc.reprice(path, prices=table, models=["ts-late"])
    late_records = records_frame[records_frame["priced_as"] == "ts-late"]
    assert list(late_records["unpriced_calls"]) == [4, 0]
    # r0: 1,000 x 2 / 1M = 0.002, its 4 calls left out; r1: 0.002 + 2 x 0.0007
    assert list(late_records["cost_usd"]) == [D("0.002"), D("0.002") + D("0.0014")]
    assert records_frame.attrs["unpriced_calls"] == {"logged": {}, "ts-late": {"web_search": 4}}
