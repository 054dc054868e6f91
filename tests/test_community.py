"""Community price tables: `costcalc prices import` and `costcalc prices crosscheck`.

Each source format has a small fixture of our own (tests/fixtures/community/, written in the format of
the peers' public files, copying none of them). Every import is loaded back as an overlay, checked, and
quoted; the expected costs are computed here by hand from the fixture's figures (per-token figures x 10^6
= USD per 1M tokens), never read from the output.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import os
from datetime import date, datetime, timezone
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

import costcalc
from costcalc.cli import cli
from costcalc.errors import CostcalcError, InputError, NoPriceError
from costcalc.prices import TokenBundle, load_prices, quote, resolve
from costcalc.prices.importers.common import BadValue, usd_per_mtok
from costcalc.prices.lint import lint

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "community"
M = D(1_000_000)
NOV = datetime(2026, 11, 1, tzinfo=timezone.utc)
CHECKED = "2026-11-22"


def run(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def imported(tmp_path, source: str, fixture: str, *extra) -> tuple[Path, object]:
    """Import a fixture through the CLI; the overlay must pass `prices check` alone and over the table."""
    out = tmp_path / f"{fixture}.overlay.yaml"
    result = run("prices", "import", "--from", source, FIXTURES / fixture, "--output", out, "--checked", CHECKED,
                 *extra)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    alone = run("prices", "check", out)
    assert alone.exit_code == 0, alone.output
    layered = run("prices", "check", "--prices", out)
    assert layered.exit_code == 0, layered.output
    table = load_prices(overlays=[out])
    assert not lint(table, date(2026, 11, 22)).errors
    return out, table


def cost(table, model, at=NOV, tier="standard", requests=1, **tokens) -> D:
    """The quoted total; `requests` splits the token totals into equal requests (each must fit the model's
    context window and max output, which the imports carry)."""
    return quote(table, model, TokenBundle(**tokens), at, tier=tier, requests=requests).total_usd


# -- LiteLLM ---------------------------------------------------------------------------------------------

def test_litellm_fixture_quotes_equal_its_prices(tmp_path):
    out, table = imported(tmp_path, "litellm", "litellm.json")
    model = table.models["mistral-fixture-large"]  # mistral is a lab: its ids stand alone
    assert model.provider == "mistral" and model.confidence == "community"
    assert model.context_window == 1_000_000 and model.max_output_tokens == 65_536
    assert model.tiers == ("standard", "batch", "priority")
    # Standard, a 165K prompt (below the 200K cliff): 2e-06 -> 2, 2e-07 -> 0.2, 2.5e-06 -> 2.5 (5-minute
    # write), 4e-06 -> 4 (1-hour write), 6e-06 -> 6 USD per 1M tokens.
    expected = (100_000 * D("2") + 50_000 * D("0.2") + 10_000 * D("2.5") + 5_000 * D("4") + 2_000 * D("6")) / M
    assert cost(table, "mistral-fixture-large", input=100_000, cache_read=50_000, cache_write_5m=10_000,
                cache_write_1h=5_000, output=2_000) == expected == D("0.267")
    # Above the cliff every token pays the _above_200k_tokens price: 4 input, 9 output.
    assert cost(table, "mistral-fixture-large", input=250_000, output=1_000) == \
        (250_000 * D(4) + 1_000 * D(9)) / M == D("1.009")
    # Exactly 200,000 prompt tokens is not above it.
    assert cost(table, "mistral-fixture-large", input=200_000, output=0) == 200_000 * D(2) / M
    # Batch: 1e-06 / 3e-06; priority 3.6e-06, cache read 3.6e-07, output 1.08e-05.
    assert cost(table, "mistral-fixture-large", tier="batch", input=100_000, output=1_000) == \
        (100_000 * D(1) + 1_000 * D(3)) / M == D("0.103")
    assert cost(table, "mistral-fixture-large", tier="priority", input=10_000, cache_read=10_000, output=1_000) == \
        (10_000 * D("3.6") + 10_000 * D("0.36") + 1_000 * D("10.8")) / M == D("0.0504")
    # The source has no long-context batch price: a long batch prompt is refused, not priced as short.
    with pytest.raises(NoPriceError, match="up to 200,000 tokens"):
        cost(table, "mistral-fixture-large", tier="batch", input=250_000)
    # Float artefacts normalised: 3.0000000000000004e-07 -> 0.3, 1.25e-07 -> 0.125. A host's ids carry the
    # host; the source's spelling stays an alias.
    assert cost(table, "together/acme/acme-small-8b", requests=1000, input=1_000_000, output=1_000_000) == \
        D("0.3") + D("0.125") == D("0.425")
    assert cost(table, "together/acme/Acme-Small-8B", requests=10, input=1_000_000) == D("0.3")
    # A zero cache-write price is "not billed separately": written tokens bill as input (0.28), reads 0.028.
    assert cost(table, "deepseek-fixture-v9", requests=100, cache_write_5m=1_000_000, cache_read=1_000_000) == \
        D("0.28") + D("0.028")
    text = out.read_text()
    assert "confidence: community" in text and "e-0" not in text
    assert "source: \"file:" in text and "#sha256=" in text and "checked: 2026-11-22" in text


def test_litellm_frame_holds_exact_rates_and_reasons():
    frame = costcalc.import_prices(FIXTURES / "litellm.json", source="litellm", checked=CHECKED)
    assert list(frame.columns[:4]) == ["status", "provider", "model", "source_id"]
    rows = frame[(frame.model == "mistral-fixture-large") & (frame.label == "list-above-200k")]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row.input_usd_per_mtok, row.cache_read_usd_per_mtok, row.output_usd_per_mtok) == (D(4), D("0.4"), D(9))
    assert isinstance(row.input_usd_per_mtok, D) and row.prompt_tokens_above == 200_000
    skipped = dict(zip(frame[frame.status == "skipped"].source_id, frame[frame.status == "skipped"].reason))
    assert skipped == {
        "text-embedding-fixture": "mode 'embedding' is not a chat model",
        "fixture-painter": "mode 'image_generation' is not a chat model",
        "fixture-no-prices": "no token prices",
        "fixture-negative": "input_cost_per_token is a negative price (-0.000001)",
        "fixture-absurd": "input_cost_per_token is an absurd price (5.0: above 10000 USD per 1M tokens)",
        "fixture with spaces":
            "model id 'fixture with spaces' does not fit costcalc's ids (letters, digits, . _ : / -)",
        "fixture-string-cost": "output_cost_per_token is not a number ('oops')",
    }
    assert frame.attrs["counts"] == {"entries": 12, "imported": 4, "curated": 1, "skipped": 7}
    assert frame.attrs["source"] == "litellm" and len(frame.attrs["sha256"]) == 64
    notes = frame[frame.model == "mistral-fixture-large"].notes.iloc[0]
    assert any("input_cost_per_audio_token" in n for n in notes)  # ignored fields are named
    # A web search priced alike for every context size is the web_search fee: 0.01 per query -> 10 per 1,000.
    assert set(frame[frame.model == "mistral-fixture-large"].web_search_usd_per_1k_calls) == {D(10)}
    claude = frame[frame.model == "claude-fixture-1"]
    assert set(claude.web_search_usd_per_1k_calls) == {None}  # priced by context size: left out, and said so
    assert any("search_context_cost_per_query" in n for n in claude.notes.iloc[0])


def test_web_search_fees_are_imported(tmp_path):
    _, table = imported(tmp_path, "litellm", "litellm.json")
    assert resolve(table, "mistral-fixture-large", NOV).fee("web_search").usd_per_1k_calls == D(10)
    _, table = imported(tmp_path, "genai-prices", "genai-prices.json")
    assert resolve(table, "acme/acme-tiered", NOV).fee("web_search").usd_per_1k_calls == D(10)  # per 1,000
    _, table = imported(tmp_path, "openrouter", "openrouter.json")
    assert resolve(table, "openrouter/acme/acme-reasoner", NOV).fee("web_search").usd_per_1k_calls == D(4)  # 0.004


# -- genai-prices -----------------------------------------------------------------------------------------

def test_genai_prices_fixture_quotes_tiers_dates_and_windows(tmp_path):
    _out, table = imported(tmp_path, "genai-prices", "genai-prices.json")
    # Tiered prices are cliffs above `start` on the whole prompt: 120K pays the base prices...
    assert cost(table, "acme/acme-tiered", input=100_000, cache_read=20_000, output=1_000) == \
        (100_000 * D("1.5") + 20_000 * D("0.15") + 1_000 * D(6)) / M == D("0.159")
    # ... 130K every token at the tier's (3 input, 9 output).
    assert cost(table, "acme/acme-tiered", input=130_000, output=1_000) == \
        (130_000 * D(3) + 1_000 * D(9)) / M == D("0.399")
    # cache_write_mtok is the 5-minute write, cache_write_1h_mtok the 1-hour one.
    assert cost(table, "acme/acme-tiered", cache_write_5m=10_000, cache_write_1h=10_000) == \
        (10_000 * D("1.875") + 10_000 * D(3)) / M == D("0.04875")
    # An `equals` match name is an alias.
    assert cost(table, "acme/acme-tiered-2026-01-01", input=100_000) == 100_000 * D("1.5") / M
    # start_date: the new price from 00:00 UTC of its date.
    before = datetime(2026, 5, 31, 23, 59, tzinfo=timezone.utc)
    after = datetime(2026, 6, 1, 0, 0, tzinfo=timezone.utc)
    assert cost(table, "acme/acme-dated", at=before, input=1_000_000, output=1_000_000) == D(2) + D(8)
    assert cost(table, "acme/acme-dated", at=after, input=1_000_000, output=1_000_000) == D(1) + D(4)
    assert cost(table, "acme/acme-dated", at=after, cache_read=1_000_000) == D("0.1")
    # start_time/end_time: a daily UTC window; the unconstrained price fills the other hours.
    for hour, minute, expected in ((10, 0, D("0.27") + D("1.1")), (0, 30, D("0.27") + D("1.1")),
                                   (20, 0, D("0.135") + D("0.55")), (0, 15, D("0.135") + D("0.55")),
                                   (16, 30, D("0.135") + D("0.55"))):
        at = datetime(2026, 7, 1, hour, minute, tzinfo=timezone.utc)
        assert cost(table, "acme/acme-offpeak", at=at, input=1_000_000, output=1_000_000) == expected, (hour, minute)
    frame = costcalc.import_prices(FIXTURES / "genai-prices.json", source="genai-prices", checked=CHECKED)
    reasons = dict(zip(frame.source_id, frame.reason))
    assert reasons["acme:acme-embed"] == "no output price"
    assert reasons["acme:acme-per-request"].startswith("requests_kcount is a fee per request (5 USD per 1,000 ")
    assert reasons["acme:acme-negative"] == "input_mtok is a negative price (-3)"
    assert "mixes dated and time-of-day" in reasons["acme:acme-mixed"]


def test_genai_prices_provider_yaml(tmp_path):
    _out, table = imported(tmp_path, "genai-prices", "genai-prices-provider.yml")
    model = table.models["fixturelabs/fixture-one"]
    assert model.context_window == 64_000 and model.confidence == "community"
    assert cost(table, "fixturelabs/fixture-one-latest", requests=100, input=1_000_000, cache_read=1_000_000,
                output=1_000_000) \
        == D("0.25") + D("0.025") + D("1.25")


# -- OpenRouter -----------------------------------------------------------------------------------------------

def test_openrouter_fixture_quotes_equal_its_prices(tmp_path):
    _out, table = imported(tmp_path, "openrouter", "openrouter.json")
    model = table.models["openrouter/acme/acme-reasoner"]
    assert model.provider == "openrouter" and model.context_window == 262_144 and model.max_output_tokens == 32_768
    # "0.0000012" -> 1.2, cached 0.12, write 1.5, output 6, internal_reasoning 4 USD per 1M tokens.
    assert cost(table, "openrouter/acme/acme-reasoner", requests=1000, input=1_000_000, cache_read=1_000_000,
                cache_write_5m=1_000_000, output=1_000_000, reasoning=1_000_000) == \
        D("1.2") + D("0.12") + D("1.5") + D(6) + D(4) == D("12.82")
    assert cost(table, "openrouter/acme/acme-reasoner-20260901", requests=10, input=1_000_000) == D("1.2")  # slug
    assert cost(table, "openrouter/acme/acme-mini:free", requests=1000, input=1_000_000, output=1_000_000) == 0
    frame = costcalc.import_prices(FIXTURES / "openrouter.json", source="openrouter", checked=CHECKED)
    reasons = dict(zip(frame.source_id, frame.reason))
    assert "-1" in reasons["openrouter/auto"] and "varies per request" in reasons["openrouter/auto"]
    assert reasons["acme/acme-painter"] == "outputs image, not text"
    assert "does not fit" in reasons["~acme/acme-latest"]
    assert reasons["acme/acme-broken"] == "pricing.prompt is not a number ('abc')"
    assert reasons["deepseek/deepseek-v4-pro"] == "curated in the price table as openrouter/deepseek-v4-pro"


# -- fees per request ----------------------------------------------------------------------------------------------

# Each source with one model charging a fee per request and one whose per-request price is 0; the token
# prices are the same in every row: 1 USD input, 2 USD output per 1M tokens.
_PER_REQUEST = {
    "openrouter": ("or.json", {"data": [
        {"id": "acme/acme-req", "name": "Acme Req", "context_length": 100_000,
         "pricing": {"prompt": "0.000001", "completion": "0.000002", "request": "0.5"}},
        {"id": "acme/acme-free-req", "name": "Acme Free Req", "context_length": 100_000,
         "pricing": {"prompt": "0.000001", "completion": "0.000002", "request": "0"}}]},
        "acme/acme-req", "openrouter/acme/acme-free-req",
        "pricing.request is a fee per request ('0.5' USD per request)"),
    "genai-prices": ("gp.json", [{"id": "acme", "name": "Acme", "models": [
        {"id": "acme-req", "prices": {"input_mtok": 1, "output_mtok": 2, "requests_kcount": 5}},
        {"id": "acme-dated-req", "prices": [
            {"prices": {"input_mtok": 1, "output_mtok": 2}},
            {"constraint": {"start_date": "2026-06-01"},
             "prices": {"input_mtok": 1, "output_mtok": 2, "requests_kcount": "0.4"}}]},
        {"id": "acme-free-req", "prices": {"input_mtok": 1, "output_mtok": 2, "requests_kcount": 0}}]}],
        "acme:acme-req", "acme/acme-free-req", "requests_kcount is a fee per request (5 USD per 1,000 requests)"),
    "litellm": ("ll.json", {
        "acme-req": {"litellm_provider": "acme", "mode": "chat", "input_cost_per_token": 1e-06,
                     "output_cost_per_token": 2e-06, "input_cost_per_request": 0.005},
        "acme-out-req": {"litellm_provider": "acme", "mode": "chat", "input_cost_per_token": 1e-06,
                         "output_cost_per_token": 2e-06, "output_cost_per_request": 0.001},
        "acme-free-req": {"litellm_provider": "acme", "mode": "chat", "input_cost_per_token": 1e-06,
                          "output_cost_per_token": 2e-06, "input_cost_per_request": 0.0}},
        "acme-req", "acme/acme-free-req", "input_cost_per_request is a fee per request (0.005 USD per request)"),
}


@pytest.mark.parametrize("source", sorted(_PER_REQUEST))
def test_a_fee_per_request_skips_the_model_unless_it_is_zero(tmp_path, source):
    name, doc, charged, free, reason = _PER_REQUEST[source]
    path = _write(tmp_path / name, json.dumps(doc))
    out = tmp_path / "overlay.yaml"
    result = run("prices", "import", "--from", source, path, "--output", out, "--checked", CHECKED, "--verbose")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    frame = costcalc.import_prices(path, source=source, checked=CHECKED)
    skipped = frame[frame.status == "skipped"]
    # Every model charging a fee per request is skipped (a dated one too), none imported at its token prices.
    counts = frame.attrs["counts"]
    assert counts["imported"] == 1 and counts["skipped"] == counts["entries"] - 1 == len(skipped)
    assert dict(zip(skipped.source_id, skipped.reason))[charged].startswith(reason)
    assert all("fee per request" in r for r in skipped.reason)
    assert f"({len(skipped)} with per-request fees)" in result.stderr.splitlines()[-1]
    # A per-request price of 0 is no fee: imported at its token prices, 1 + 2 USD for 1M in and 1M out.
    table = load_prices(overlays=[out])
    assert [m for m in table.models if table.models[m].confidence == "community"] == [free]
    assert cost(table, free, requests=100, input=1_000_000, output=1_000_000) == D(1) + D(2)


# -- models.dev ---------------------------------------------------------------------------------------------------

def test_models_dev_fixture_quotes_equal_its_prices(tmp_path):
    _out, table = imported(tmp_path, "models.dev", "models-dev.json")
    model = table.models["acme/acme-pro"]
    assert model.context_window == 1_050_000 and model.max_output_tokens == 128_000
    assert model.tiers == ("standard", "priority")
    # A 210K prompt is below the 272K tier: base prices; cache_write is the 5-minute write.
    assert cost(table, "acme/acme-pro", input=100_000, cache_read=100_000, cache_write_5m=10_000, output=2_000) == \
        (100_000 * D("2.5") + 100_000 * D("0.25") + 10_000 * D("3.125") + 2_000 * D(15)) / M == D("0.33625")
    # cost.tiers (size 272000) wins over the legacy context_over_200k: 300K pays 5 / 22.5.
    assert cost(table, "acme/acme-pro", input=300_000, output=1_000) == \
        (300_000 * D(5) + 1_000 * D("22.5")) / M == D("1.5225")
    # Fast mode is the priority tier (costcalc also accepts --tier fast).
    assert cost(table, "acme/acme-pro", tier="fast", input=100_000, output=100_000) == \
        (100_000 * D(5) + 100_000 * D(30)) / M == D("3.5")
    with pytest.raises(NoPriceError, match="up to 272,000 tokens"):  # the source has no long fast-mode price
        cost(table, "acme/acme-pro", tier="priority", input=300_000)
    # Only context_over_200k: a cliff at 200,000.
    assert cost(table, "acme/acme-legacy", input=250_000, output=1_000) == \
        (250_000 * D(2) + 1_000 * D(6)) / M == D("0.506")
    assert cost(table, "acme/acme-legacy", input=200_000, output=1_000) == (200_000 * D(1) + 1_000 * D(4)) / M
    frame = costcalc.import_prices(FIXTURES / "models-dev.json", source="models.dev", checked=CHECKED)
    reasons = dict(zip(frame.source_id, frame.reason))
    assert reasons["acme:acme-image"] == "outputs image, not text"
    assert reasons["acme:acme-nocost"] == "no prices"
    assert reasons["acme:acme-odd"] == "cache read price 3 is above the input price 1"


# -- curated models ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source,fixture", [("litellm", "litellm.json"), ("genai-prices", "genai-prices.json"),
                                            ("models.dev", "models-dev.json")])
def test_curated_models_are_left_out_unless_asked(tmp_path, source, fixture):
    out = tmp_path / "o.yaml"
    result = run("prices", "import", "--from", source, FIXTURES / fixture, "--output", out)
    assert result.exit_code == 0, result.output
    assert "left out 1 curated model the price table already has (claude-haiku-4-5)" in result.stderr
    assert "claude-haiku-4-5" not in out.read_text()
    assert load_prices(overlays=[out]).models["claude-haiku-4-5"].confidence == "high"

    result = run("prices", "import", "--from", source, FIXTURES / fixture, "--output", out, "--include-curated")
    assert result.exit_code == 0, result.output
    assert "curated" not in result.stderr
    assert run("prices", "check", out).exit_code == 0  # alone too: the restated model keeps its name
    table = load_prices(overlays=[out])
    haiku = table.models["claude-haiku-4-5"]
    assert haiku.confidence == "community" and haiku.name == "Claude Haiku 4.5" and haiku.modifiers == ()
    assert cost(table, "claude-haiku-4-5", requests=100, input=1_000_000, cache_read=1_000_000,
                cache_write_5m=1_000_000, output=1_000_000) == D(1) + D("0.1") + D("1.25") + D(5)
    assert run("prices", "check", "--prices", out).exit_code == 0


def test_a_restated_curated_model_starts_no_earlier_than_its_launch(tmp_path):
    launch = _write(tmp_path / "launch.yaml", 'schema_version: 1\nversion: "t"\nproviders:\n  anthropic:\n'
                    '    models:\n      claude-haiku-4-5: {from: "2026-06-01T00:00Z"}\n')
    source = _write(tmp_path / "haiku.json", json.dumps([{"id": "anthropic", "name": "Anthropic", "models": [{
        "id": "claude-haiku-4-5", "match": {"equals": "claude-haiku-4-5"}, "prices": [
            {"prices": {"input_mtok": 0.8, "output_mtok": 4}},
            {"constraint": {"start_date": "2026-01-01"}, "prices": {"input_mtok": 0.9, "output_mtok": 4.5}},
            {"constraint": {"start_date": "2026-08-01"}, "prices": {"input_mtok": 1, "output_mtok": 5}}]}]}]))
    out = tmp_path / "o.yaml"
    result = run("prices", "import", "--from", "genai-prices", source, "--include-curated", "--prices", launch,
                 "--output", out)
    assert result.exit_code == 0, result.output
    table = load_prices(overlays=[launch, out])
    assert not lint(table, date(2026, 11, 22)).errors
    haiku = table.models["claude-haiku-4-5"]
    assert [r.when.start for r in haiku.rules] == [datetime(2026, 6, 1, tzinfo=timezone.utc),
                                                   datetime(2026, 8, 1, tzinfo=timezone.utc)]
    july = datetime(2026, 7, 1, tzinfo=timezone.utc)
    assert cost(table, "claude-haiku-4-5", at=july, requests=10, input=1_000_000) == D("0.9")
    assert cost(table, "claude-haiku-4-5", requests=10, input=1_000_000) == D(1)


def test_stderr_is_empty_when_nothing_is_left_out(tmp_path):
    result = run("prices", "import", "--from", "genai-prices", FIXTURES / "genai-prices-provider.yml")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith("# Community prices imported")
    assert load_prices(overlays=[_write(tmp_path / "o.yaml", result.stdout)]).models["fixturelabs/fixture-one"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_verbose_lists_every_skipped_entry():
    result = run("prices", "import", "--from", "litellm", FIXTURES / "litellm.json", "--verbose")
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert "costcalc: skipped 'fixture-negative': input_cost_per_token is a negative price (-0.000001)" in lines
    assert lines[-1].startswith("costcalc: skipped 7 entries that cannot be converted (")
    quiet = run("prices", "import", "--from", "litellm", FIXTURES / "litellm.json")
    assert quiet.stderr.splitlines()[-1].endswith("; --verbose lists each")
    assert len(quiet.stderr.splitlines()) == 2  # the curated line and the skipped count


# -- cross-check -----------------------------------------------------------------------------------------------------

def test_crosscheck_lists_exactly_the_three_disagreements():
    frame = costcalc.crosscheck([FIXTURES / "crosscheck-litellm.json"], at="2026-11-01T00:00Z")
    got = [(r.model, r.tier, r.prompt_tokens, r.component, r.table_usd_per_mtok, r.file_usd_per_mtok,
            r.difference_usd_per_mtok) for r in frame.itertuples()]
    assert got == [
        # The table: Haiku 4.5 output 5; the file 4e-06 -> 4.
        ("claude-haiku-4-5", "standard", 0, "output", D(5), D(4), D(-1)),
        # Gemini 3.1 Pro above 200K: output 12 x 1.5 = 18; the file 1.9e-05 -> 19. (Its input and cache
        # read above 200K, 4 and 0.4, agree with 2 x 2 and 0.2 x 2.)
        ("gemini-3.1-pro", "standard", 200_001, "output", D(18), D(19), D(1)),
        # GPT-5.5 batch: 5 x 0.5 = 2.5; the file 2.6e-06 -> 2.6.
        ("gpt-5.5", "batch", 0, "input", D("2.5"), D("2.6"), D("0.1")),
    ]
    summary = frame.attrs["files"][0]
    assert summary["models_compared"] == 4 and summary["disagreements"] == 3
    assert summary["file_models_not_in_table"] == 1 and summary["entries_not_converted"] == 1
    assert "gpt-fixture-nano" not in set(frame.model)


def test_crosscheck_cli_exit_codes_and_formats(tmp_path):
    args = ("prices", "crosscheck", FIXTURES / "crosscheck-litellm.json", "--at", "2026-11-01T00:00Z")
    plain = run(*args)
    assert plain.exit_code == 0 and plain.stderr == ""
    assert "3 disagreements" in plain.stdout and "claude-haiku-4-5" in plain.stdout
    strict = run(*args, "--strict")
    assert strict.exit_code == 1
    assert strict.stdout == plain.stdout
    assert strict.stderr == "costcalc: 3 disagreements with the price table (--strict)\n"
    doc = json.loads(run(*args, "--format", "json").stdout)
    assert doc["schema"] == "costcalc.crosscheck/1" and doc["at"] == "2026-11-01T00:00Z"
    assert [(d["model"], d["component"], d["table_usd_per_mtok"], d["file_usd_per_mtok"])
            for d in doc["disagreements"]] == [("claude-haiku-4-5", "output", "5", "4"),
                                               ("gemini-3.1-pro", "output", "18", "19"),
                                               ("gpt-5.5", "input", "2.5", "2.6")]
    # Before GPT-5.5's batch price... the file agrees elsewhere: a file equal to the table passes --strict.
    same = tmp_path / "same.json"
    data = json.loads((FIXTURES / "crosscheck-litellm.json").read_text())
    data["claude-haiku-4-5"]["output_cost_per_token"] = 5e-06
    data["gemini/gemini-3.1-pro-preview"]["output_cost_per_token_above_200k_tokens"] = 1.8e-05
    data["gpt-5.5"]["input_cost_per_token_batches"] = 2.5e-06
    same.write_text(json.dumps(data))
    clean = run("prices", "crosscheck", same, "--at", "2026-11-01T00:00Z", "--strict")
    assert clean.exit_code == 0, clean.output
    assert "No disagreements." in clean.stdout


def test_crosscheck_csv_is_exact_and_formula_neutral(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("=cmd.json").write_bytes((FIXTURES / "crosscheck-litellm.json").read_bytes())
    result = run("prices", "crosscheck", "=cmd.json", "--at", "2026-11-01T00:00Z", "--format", "csv",
                 "--from", "litellm")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 3
    assert all(r["file"] == "'=cmd.json" for r in rows)  # a spreadsheet shows the name, never runs it
    assert rows[0]["difference_usd_per_mtok"] == "-1" and rows[2]["file_usd_per_mtok"] == "2.6"
    assert rows[0]["price_table_version"] == load_prices().version


def test_crosscheck_reads_every_format_and_several_files():
    files = [FIXTURES / name for name in ("litellm.json", "genai-prices.json", "openrouter.json", "models-dev.json")]
    # 2026-07-01: the OpenRouter fixture's V4-Pro price (0.435 / 0.003625 / 0.87) is the one the table
    # gives OpenRouter until DeepSeek's 08-16 peak/off-peak change
    frame = costcalc.crosscheck(files, at="2026-07-01T00:00Z")
    assert [f["source"] for f in frame.attrs["files"]] == ["litellm", "genai-prices", "openrouter", "models.dev"]
    # Each fixture's curated model carries the table's own prices at that instant: no disagreement.
    assert len(frame) == 0
    assert all(f["models_compared"] == 1 for f in frame.attrs["files"])


# -- exact money ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,per_token,expected", [
    (D("3e-06"), True, D(3)), (D("3.0000000000000004e-06"), True, D(3)), (D("1.25e-07"), True, D("0.125")),
    (D("2.1875e-06"), True, D("2.1875")), ("0.000000003625", True, D("0.003625")), (D("0.30000000000000004"), False,
                                                                                     D("0.3")),
    (0, True, D(0)), (D("1E+1"), False, D(10)),
])
def test_figures_become_exact_usd_per_mtok(raw, per_token, expected):
    value = usd_per_mtok(raw, "x", per_token=per_token)
    assert value == expected and str(value) == str(expected)


def test_a_repeating_fraction_is_rounded_to_8_places_with_a_note():
    notes: list[str] = []
    assert usd_per_mtok("0.00000008333333333333334", "pricing.input_cache_write", True, notes) == D("0.08333333")
    assert notes == ["pricing.input_cache_write '0.00000008333333333333334' rounded to 0.08333333 per 1M tokens "
                     "(8 decimal places)"]
    with pytest.raises(BadValue, match="more than 8 decimal places"):
        usd_per_mtok(D("1.5e-15"), "x", per_token=True)  # 0.0000000015 per 1M: not an artefact
    for bad in (True, None, "NaN", "Infinity", D("-1e-6"), "1e400", [], {}):
        with pytest.raises(BadValue):
            usd_per_mtok(bad, "x", per_token=True)


# -- bad input: one line, no traceback, nothing on stdout, no file ---------------------------------------------------

def _bad(tmp_path, args, code=1):
    out = tmp_path / "out.yaml"
    result = run(*args, "--output", out)
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("costcalc: ")
    assert "Traceback" not in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".out.yaml.*"))
    return result.stderr


def test_not_json(tmp_path):
    path = _write(tmp_path / "prices.json", '{"gpt-5.5": {"input_cost_per_token": 5e-06,}}')
    err = _bad(tmp_path, ("prices", "import", "--from", "litellm", path))
    assert err == f"costcalc: {path}:1: not valid JSON: Expecting property name enclosed in double quotes " \
                  f"(column 44)\n"


def test_wrong_from_names_the_right_one(tmp_path):
    err = _bad(tmp_path, ("prices", "import", "--from", "openrouter", FIXTURES / "litellm.json"))
    assert err == f"costcalc: {FIXTURES / 'litellm.json'}: not an OpenRouter /api/v1/models response; it looks like " \
                  f"a LiteLLM cost map (model_prices_and_context_window.json): use --from litellm\n"
    err = _bad(tmp_path, ("prices", "import", "--from", "models.dev", FIXTURES / "genai-prices.json"))
    assert "not a models.dev api.json; it looks like a genai-prices data file" in err


def test_json_of_no_known_shape(tmp_path):
    path = _write(tmp_path / "list.json", "[1, 2, 3]")
    err = _bad(tmp_path, ("prices", "import", "--from", "litellm", path))
    assert err == f"costcalc: {path}: not a LiteLLM cost map (model_prices_and_context_window.json)\n"
    err = _bad(tmp_path, ("prices", "crosscheck", path))
    assert "not a community price table costcalc reads (litellm, genai-prices, openrouter, models.dev)" in err


def test_empty_file(tmp_path):
    path = _write(tmp_path / "empty.json", "  \n")
    assert _bad(tmp_path, ("prices", "import", "--from", "litellm", path)) == \
        f"costcalc: {path}: the file is empty\n"


def test_missing_file(tmp_path):
    err = _bad(tmp_path, ("prices", "import", "--from", "litellm", tmp_path / "nope.json"))
    assert "cannot read: No such file or directory" in err


def test_directory_is_a_usage_error(tmp_path):
    err = _bad(tmp_path, ("prices", "import", "--from", "litellm", FIXTURES), code=2)
    assert "is a directory" in err
    with pytest.raises(InputError, match="is a directory"):
        costcalc.import_prices(FIXTURES, source="litellm")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    err = _bad(tmp_path, ("prices", "import", "--from", "litellm", fifo))
    # The shared guard's words (costcalc._files), as for every other input file.
    assert err == f"costcalc: {fifo}: cannot read: not a regular file (a device, FIFO or socket)\n"
    err = _bad(tmp_path, ("prices", "crosscheck", fifo))
    assert err == f"costcalc: {fifo}: cannot read: not a regular file (a device, FIFO or socket)\n"


def test_devices_and_large_files_are_refused_by_the_shared_guard(tmp_path, monkeypatch):
    from costcalc.prices.importers import fetch

    if os.path.exists("/dev/zero"):  # would read without end if it were read
        err = _bad(tmp_path, ("prices", "import", "--from", "litellm", "/dev/zero"))
        assert err == "costcalc: /dev/zero: cannot read: not a regular file (a device, FIFO or socket)\n"
    monkeypatch.setattr(fetch, "MAX_BYTES", 1 << 20)
    big = _write(tmp_path / "big.json", "{" + " " * (1 << 20) + "}")
    err = _bad(tmp_path, ("prices", "import", "--from", "litellm", big))
    assert err == f"costcalc: {big}: cannot read: larger than 1 MiB, the most a community price table may be\n"
    exact = _write(tmp_path / "exact.json", "{" + " " * ((1 << 20) - 2) + "}")  # 1 MiB to the byte: read
    assert fetch.read_source(exact) == exact.read_bytes()


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"caf\xe9": {}}'.encode("latin-1"))
    assert "not UTF-8 text" in _bad(tmp_path, ("prices", "import", "--from", "litellm", path))


def test_usage_errors(tmp_path):
    assert "give the community price FILE" in _bad(tmp_path, ("prices", "import", "--from", "litellm"), code=2)
    assert "--url goes with --download" in _bad(
        tmp_path, ("prices", "import", "--from", "litellm", "--url", "http://127.0.0.1:9/x"), code=2)
    assert "not both" in _bad(tmp_path, ("prices", "import", "--from", "litellm", "--download",
                                         FIXTURES / "litellm.json"), code=2)
    assert "--from" in _bad(tmp_path, ("prices", "import", FIXTURES / "litellm.json"), code=2)
    assert "--checked" in _bad(tmp_path, ("prices", "import", "--from", "litellm", FIXTURES / "litellm.json",
                                          "--checked", "yesterday"), code=2)
    assert "--at" in _bad(tmp_path, ("prices", "crosscheck", FIXTURES / "litellm.json", "--at", "soon"), code=2)


# -- --download, against a server on 127.0.0.1 only --------------------------------------------------------------------

def test_download_fetches_only_when_asked(tmp_path, monkeypatch):
    import _socket
    import http.server
    import socket
    import threading

    body = (FIXTURES / "litellm.json").read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # http.server's spelling
            if self.path != "/prices.json":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]

    # conftest forbids every connection; this test allows loopback and nothing else.
    def loopback_only(sock, address):
        if address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"a test tried to reach {address}")
        return _socket.socket.connect(sock, address)

    def create_connection(address, timeout=None, source_address=None, **kwargs):
        if address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"a test tried to reach {address}")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if timeout is not None:
            sock.settimeout(timeout)
        loopback_only(sock, address)
        return sock

    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    try:
        out = tmp_path / "o.yaml"
        url = f"http://127.0.0.1:{port}/prices.json"
        result = run("prices", "import", "--from", "litellm", "--download", "--url", url, "--output", out,
                     "--checked", CHECKED)
        assert result.exit_code == 0, result.output
        text = out.read_text()
        assert f'source: "{url}#sha256=' in text and "mistral-fixture-large" in text
        table = load_prices(overlays=[out])
        assert cost(table, "mistral-fixture-large", input=100_000) == 100_000 * D(2) / M

        missing = tmp_path / "missing.yaml"
        result = run("prices", "import", "--from", "litellm", "--download", "--url",
                     f"http://127.0.0.1:{port}/nope.json", "--output", missing)
        assert result.exit_code == 1 and result.stdout == "" and not missing.exists()
        assert result.stderr == f"costcalc: cannot download http://127.0.0.1:{port}/nope.json: HTTP 404 Not Found\n"

        from costcalc.prices.importers.download import download

        with pytest.raises(CostcalcError, match="above the 100-byte limit"):
            download(url, max_bytes=100)
        with pytest.raises(CostcalcError, match="only http:// and https://"):
            download("file:///etc/passwd")
    finally:
        server.shutdown()
        server.server_close()


# -- the loader and lint ---------------------------------------------------------------------------------------------

def test_the_bundled_table_may_not_hold_community_prices(tmp_path, monkeypatch):
    import costcalc.prices.load as load

    base = tmp_path / "pricing.yaml"
    text = load.bundled_path().read_text()
    assert "      claude-haiku-4-5:\n" in text
    base.write_text(text.replace("      claude-haiku-4-5:\n", "      claude-haiku-4-5:\n"
                                 "        confidence: community\n", 1))
    monkeypatch.setattr(load, "bundled_path", lambda: base)
    problems = lint(load.load_prices(), date(2026, 11, 22)).errors
    assert [p.key for p in problems] == ["providers.anthropic.models.claude-haiku-4-5.confidence"]
    assert "community prices belong in an overlay" in problems[0].message


def test_library_names_are_public():
    for name in ("import_prices", "overlay_yaml", "crosscheck"):
        assert name in costcalc.__all__ and callable(getattr(costcalc, name))
    frame = costcalc.import_prices(FIXTURES / "models-dev.json")  # the format is recognised
    assert frame.attrs["source"] == "models.dev"
    with pytest.raises(CostcalcError, match="needs a frame from import_prices"):
        costcalc.overlay_yaml(frame.iloc[0:0].__class__())


def test_overlay_from_a_filtered_frame_loads(tmp_path):
    frame = costcalc.import_prices(FIXTURES / "litellm.json", source="litellm", checked=CHECKED)
    only = frame[frame.model == "deepseek-fixture-v9"]
    path = _write(tmp_path / "one.yaml", costcalc.overlay_yaml(only))
    table = load_prices(overlays=[path])
    assert "deepseek-fixture-v9" in table.models and "mistral-fixture-large" not in table.models
    # Dropping a model's tier rules leaves a model that offers only the tiers it still prices.
    batchless = frame[(frame.model == "mistral-fixture-large") & (frame.tier != "batch")]
    table = load_prices(overlays=[_write(tmp_path / "two.yaml", costcalc.overlay_yaml(batchless))])
    assert table.models["mistral-fixture-large"].tiers == ("standard", "priority")
    assert not lint(table, date(2026, 11, 22)).errors


def test_a_file_name_cannot_inject_yaml_into_the_overlay(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = "x\nproviders: {}\n#.yml"
    Path(name).write_bytes((FIXTURES / "genai-prices-provider.yml").read_bytes())
    frame = costcalc.import_prices(name, source="genai-prices")
    text = costcalc.overlay_yaml(frame)
    assert "\nproviders: {}\n" not in text and "x\\nproviders" in text
    table = load_prices(overlays=[_write(tmp_path / "o.yaml", text)])
    assert "fixturelabs/fixture-one" in table.models
    Path("y\nz.json").write_text("[not json")
    result = run("prices", "import", "--from", "litellm", "y\nz.json")
    assert result.exit_code == 1
    assert result.stderr == "costcalc: y\\nz.json:1: not valid JSON: Expecting value (column 2)\n"


# -- whatever a community table holds, the overlay loads and lints clean ----------------------------------------------

def _litellm_entries():
    from hypothesis import strategies as st

    price = st.one_of(st.decimals(min_value=D("-1e-6"), max_value=D("1e-3"), places=14, allow_nan=False),
                      st.sampled_from([D(0), D("3.0000000000000004e-06"), D("8.333333333333334e-08"),
                                       "2e-06", "x", None, True]))
    keys = st.sampled_from(["input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost",
                            "cache_creation_input_token_cost", "cache_creation_input_token_cost_above_1hr",
                            "input_cost_per_token_above_200k_tokens", "output_cost_per_token_above_128k_tokens",
                            "cache_read_input_token_cost_above_200k_tokens", "input_cost_per_token_batches",
                            "output_cost_per_token_flex", "input_cost_per_token_priority",
                            "output_cost_per_token_above_200k_tokens_priority", "output_cost_per_reasoning_token"])
    entry = st.fixed_dictionaries(
        {"litellm_provider": st.sampled_from(["openai", "anthropic", "gemini", "together_ai", "openrouter",
                                              "deepseek", "acme", "Bad Provider"]),
         "mode": st.sampled_from(["chat", "chat", "responses", "embedding"])},
        optional={"max_input_tokens": st.one_of(st.integers(-5, 2_000_000), st.just("big")),
                  "max_output_tokens": st.integers(0, 200_000)})
    prices = st.dictionaries(keys, price, max_size=8)
    names = st.sampled_from(["gpt-5.5", "claude-haiku-4-5", "gemini-3.1-pro-preview", "deepseek-v4-pro", "m1",
                             "M1", "acme/m2", "deepseek/deepseek-v4-pro", "x y", "~latest", "a:b", "openai/m1"])
    return st.dictionaries(names, st.tuples(entry, prices).map(lambda t: {**t[0], **t[1]}), min_size=1, max_size=8)


@pytest.mark.slow
def test_any_litellm_table_gives_an_overlay_that_loads(tmp_path):
    from hypothesis import HealthCheck, given, settings

    base = load_prices()
    seen = []

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(doc=_litellm_entries(), include=st_booleans())
    def check(doc, include):
        path = tmp_path / "in.json"
        path.write_text(json.dumps(doc, default=str))
        frame = costcalc.import_prices(path, source="litellm", prices=base, include_curated=include, checked=CHECKED)
        out = _write(tmp_path / "out.yaml", costcalc.overlay_yaml(frame))
        table = load_prices(overlays=[out])
        assert not lint(table, date(2026, 11, 22)).errors
        for row in frame[frame.status == "imported"].itertuples():
            assert row.model in table.models
            assert table.models[row.model].confidence == "community"
        seen.append(len(frame))

    check()
    assert sum(seen) > 0


def st_booleans():
    from hypothesis import strategies as st

    return st.booleans()


def test_a_reasoning_price_equal_to_output_follows_output(tmp_path):
    _, table = imported(tmp_path, "models.dev", "models-dev.json")
    # acme-pro's reasoning 15 restates its output 15: above the cliff reasoning pays the tier's 22.5 and in
    # fast mode the fast output 30, as output does.
    assert cost(table, "acme/acme-pro", input=300_000, reasoning=1_000) == (300_000 * D(5) + 1_000 * D("22.5")) / M
    assert cost(table, "acme/acme-pro", tier="priority", requests=10, reasoning=1_000_000) == D(30)


_NETWORK_MODULES = ("urllib.request", "http.client", "costcalc.prices.importers.download")


def _network_modules_after(code: str) -> list[str]:
    """The network modules loaded once `code` has run in a fresh interpreter (from the project's root)."""
    import subprocess
    import sys

    code += f"\nimport sys\nprint(sorted(m for m in {_NETWORK_MODULES!r} if m in sys.modules))\n"
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout)  # a printed list of module names


def test_estimates_re_pricing_and_quotes_load_no_network_code():
    """The everyday paths (an estimate and what a notebook does with it, re-pricing a log, a quote) load no
    network module: only `prices import --download` reaches importers/download.py."""
    assert _network_modules_after(
        "import datetime, costcalc\n"
        "df = costcalc.estimate(open('examples/workloads.yaml').read(), start='2026-12', months=3)\n"
        "df['cost_usd'].sum(); df.groupby('month', observed=True)['cost_usd'].sum(); costcalc.summarize(df)\n"
        "import glob; costcalc.reprice(sorted(glob.glob('examples/usage/*'))[:1])\n"
        "from costcalc.prices import TokenBundle, load_prices, quote\n"
        "quote(load_prices(), 'gpt-5.5', TokenBundle(input=1000, output=100),"
        " datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc))") == []


def test_no_network_code_is_loaded_unless_a_download_is_asked_for():
    # the network code lives in importers/download.py and is imported only at a download's call site
    assert _network_modules_after(
        "import costcalc, costcalc.cli, costcalc.community, costcalc.prices.importers.fetch\n"
        "costcalc.import_prices('tests/fixtures/community/litellm.json', source='litellm')") == []
    # asked for, it is loaded (so the two checks above look for the right module)
    assert _network_modules_after("from costcalc.prices.importers.download import download") == \
        ["costcalc.prices.importers.download", "http.client", "urllib.request"]
