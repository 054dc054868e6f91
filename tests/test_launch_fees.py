"""A model's launch instant and per-call tool fees in the price schema: loading, resolution, lint.

Expected values are computed by hand in each test; the table is a small one written here.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal as D

import pytest

from costcalc.errors import InputError, NotLaunchedError
from costcalc.prices import load_prices, resolve, segments
from costcalc.prices.lint import lint

TABLE = """\
schema_version: 1
version: "2026.12.01.3"
providers:
  acme:
    name: Acme AI
    models:
      m1:
        name: Acme M1
        from: 2026-04-23T00:00Z
        prices:
          - label: list
            rates: {input: 2, output: 8}
            source: https://acme.example/pricing
            checked: 2026-11-25
        fees:
          - tool: web_search
            when: {until: 2026-10-31T16:00Z}
            usd_per_1k_calls: 10
            source: https://acme.example/pricing
            checked: 2026-11-25
          - tool: web_search
            when: {from: 2026-10-31T16:00Z}
            usd_per_1k_calls: 0.70
            native: {CNY: 5}
            source: https://acme.example/pricing
            checked: 2026-11-25
"""


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "prices.yaml"
    path.write_text(TABLE, encoding="utf-8")
    return load_prices(path)


def test_launch_is_loaded_and_a_quote_before_it_is_refused(table):
    assert table.models["m1"].launched == utc(2026, 4, 23)
    with pytest.raises(NotLaunchedError, match=r"m1 launched at 2026-04-23 00:00Z"):
        resolve(table, "m1", utc(2026, 4, 22, 23, 59))
    assert resolve(table, "m1", utc(2026, 4, 23)).rates["input"] == D(2)


def test_fees_in_force_follow_their_dates(table):
    before = resolve(table, "m1", utc(2026, 10, 31, 15, 59)).fee("web_search")
    after = resolve(table, "m1", utc(2026, 10, 31, 16, 0)).fee("web_search")
    assert before.usd_per_call == D("0.01")  # 10 USD / 1,000 calls
    assert after.usd_per_call == D("0.0007")  # 0.70 USD / 1,000 calls
    assert after.native == {"CNY": D(5)}
    assert resolve(table, "m1", utc(2026, 11, 5)).fee("web_fetch") is None


def test_a_fee_change_splits_segments(table):
    pieces = segments(table, "m1", utc(2026, 10, 1), utc(2026, 12, 1))
    assert [(a, b) for a, b, _ in pieces] == [(utc(2026, 10, 1), utc(2026, 10, 31, 16)),
                                             (utc(2026, 10, 31, 16), utc(2026, 12, 1))]


def test_lint_refuses_a_rule_before_launch_and_overlapping_fees(tmp_path):
    text = TABLE.replace("            rates: {input: 2, output: 8}",
                         "            when: {from: 2026-04-01T00:00Z}\n            rates: {input: 2, output: 8}")
    text = text.replace("when: {from: 2026-10-31T16:00Z}", "when: {from: 2026-10-01T00:00Z}")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    messages = [str(p) for p in lint(load_prices(path), date(2026, 12, 1)).errors]
    assert any("prices[0].when.from: '2026-04-01T00:00Z': starts before the model's launch" in m
               for m in messages), messages
    assert any("fees[1]: 'web_search': overlaps fees[0]" in m for m in messages), messages


@pytest.mark.parametrize("old, new, message", [
    ("tool: web_search\n            when: {until", "tool: Web Search\n            when: {until",
     "fees[0].tool: 'Web Search': must be a tool name in lower case"),
    ("usd_per_1k_calls: 10", "usd_per_1k_calls: -1", "fees[0].usd_per_1k_calls: -1"),
    ("native: {CNY: 5}", "native: {usd: 5}", "fees[1].native.usd"),
    ("when: {until: 2026-10-31T16:00Z}", "when: {until: 2026-10-31T16:00Z, tiers: [batch]}",
     "fees[0].when: a fee's when: may only give from and until"),
    ("from: 2026-04-23T00:00Z", "from: 2026-04-23", "models.m1.from: '2026-04-23': must be an instant"),
    ("            usd_per_1k_calls: 10\n", "", "fees[0].usd_per_1k_calls: is required (or native"),
])
def test_bad_fee_or_launch_is_one_clear_line(tmp_path, old, new, message):
    path = tmp_path / "bad.yaml"
    assert old in TABLE
    path.write_text(TABLE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_prices(path)
    assert len(caught.value.lines) == 1
    assert message in caught.value.lines[0], caught.value.lines[0]


def test_every_bundled_model_must_say_when_it_launched(tmp_path, monkeypatch):
    import costcalc.prices.load as load

    text = load.bundled_path().read_text(encoding="utf-8")
    line = "        from: 2026-04-23T00:00Z\n"  # gpt-5.5's launch
    assert text.count(line) >= 1
    copy = tmp_path / "pricing.yaml"
    start = text.index("      gpt-5.5:\n")
    where = text.index(line, start)
    copy.write_text(text[:where] + text[where + len(line):], encoding="utf-8")
    monkeypatch.setattr(load, "bundled_path", lambda: copy)
    errors = lint(load.load_prices(), date(2026, 12, 1)).errors
    assert [p.key for p in errors] == ["providers.openai.models.gpt-5.5.from"]
    assert "is required: the instant the model launched" in errors[0].message
    # the same file as a table of one's own (not the bundled one) may leave it out
    monkeypatch.undo()
    assert lint(load_prices(copy), date(2026, 12, 1)).errors == ()


def test_a_fee_published_only_in_another_currency_has_no_usd_price(tmp_path):
    text = TABLE.replace("            usd_per_1k_calls: 0.70\n", "")
    path = tmp_path / "native.yaml"
    path.write_text(text, encoding="utf-8")
    table = load_prices(path)
    res = resolve(table, "m1", utc(2026, 11, 5))
    assert res.fee("web_search") is None  # no USD price: not a fee a USD bill can use
    assert "only in 5 CNY per 1,000 calls" in res.no_fee_message("web_search", utc(2026, 11, 5))
    assert lint(table, date(2026, 12, 1)).errors == ()
