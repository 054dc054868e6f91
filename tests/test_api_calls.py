"""The library calls behind `costcalc prices list/show/check` and `costcalc profile` (each command is one
call plus rendering): what they return, and that the clock and the log problems are read where they say."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

import costcalc
import costcalc.api_prices
from costcalc.errors import InputError, UnknownProviderError

SEP_1 = int(datetime(2026, 9, 1, tzinfo=timezone.utc).timestamp())  # unix seconds


def test_price_list_gives_the_rates_in_force_from_the_table():
    rows = costcalc.price_list(at="2026-12-01T00:00Z", provider="openai")
    assert {row["provider"] for row in rows} == {"openai"}
    row = next(r for r in rows if r["model"] == "gpt-5.5")
    # pricing.yaml, gpt-5.5 `list`: {input: 5.00, cache_read: 0.50, output: 30.00}, as decimal text
    assert (row["rule"], row["input"], row["cache_read"], row["output"]) == ("list", "5", "0.5", "30")


def test_price_list_of_an_unknown_provider_names_the_known_ones():
    with pytest.raises(UnknownProviderError, match=r"unknown provider 'nope'; known: .*openai"):
        costcalc.price_list(provider="nope")


def test_price_list_without_an_instant_reads_the_clock_of_api_prices(monkeypatch):
    # before gpt-5.5 launched (2026-04-23) it has no rate: the row says so instead of listing one
    monkeypatch.setattr(costcalc.api_prices, "_now", lambda: datetime(2026, 1, 1, tzinfo=timezone.utc))
    early = {r["model"]: r for r in costcalc.price_list(provider="openai")}
    late = {r["model"]: r for r in costcalc.price_list(at="2026-12-01", provider="openai")}
    assert late["gpt-5.5"]["input"] == "5" and early.get("gpt-5.5", {}).get("input") != "5"


def test_price_history_names_the_model_and_its_rules():
    text = costcalc.price_history("gpt-5.5")
    assert text.splitlines()[0] == "gpt-5.5 — GPT-5.5 (OpenAI)"
    assert "launched 2026-04-23 00:00Z" in text


def test_check_prices_counts_the_table_and_ages_its_rules():
    table = costcalc.load_prices()
    fresh = costcalc.check_prices(today=date(2026, 4, 1))
    assert (fresh.models, fresh.rules) == (len(table.models), sum(len(m.rules) for m in table.models.values()))
    assert fresh.version == table.version and fresh.errors == ()
    later = costcalc.check_prices(today=date(2030, 1, 1))  # every rule is then unchecked for years
    assert len(later.warnings) > len(fresh.warnings)
    assert all("checked more than 90 days ago" in str(w) for w in later.warnings)


def test_check_prices_of_a_broken_overlay_raises_the_load_error(tmp_path):
    overlay = tmp_path / "o.yaml"
    overlay.write_text("nonsense: 1\n", encoding="utf-8")
    with pytest.raises(InputError, match="nonsense"):
        costcalc.check_prices(prices=[str(overlay)])


def test_profile_logs_reports_what_it_read_before_deriving(tmp_path):
    log = tmp_path / "p.jsonl"
    records = [{"created": SEP_1, "model": "gpt-5.5", "usage": {"prompt_tokens": 100, "completion_tokens": 10}},
               {"created": SEP_1, "model": "gpt-5.5", "usage": {"prompt_tokens": -1, "completion_tokens": 1}}]
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    seen = []
    derived = costcalc.profile_logs(str(log), on_read=seen.append)
    assert len(seen) == 1 and seen[0].document is None
    assert (seen[0].records, seen[0].used, seen[0].reported) == (2, 1, 1)
    assert (derived.records, derived.used, derived.reported) == (2, 1, 1)
    assert derived.problems == [f"{log}:2: usage.prompt_tokens: -1: must be a whole number of tokens >= 0"]
    # one good record: a prompt of 100 tokens and 10 out, on one day
    profile = derived.document["profiles"]["gpt-5-5"]
    assert profile["input_tokens"] == {"histogram": [{"tokens": 100, "share": 1}]}
    assert profile["output_tokens"] == 10 and profile["models"] == ["gpt-5.5"]
