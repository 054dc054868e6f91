"""Remembered resolutions (costcalc/prices/memo.py) are never wrong: at both sides of every instant where a
price changes in pricing.yaml, for every model, tier, residency, scenario and prompt class, `resolve` (which
remembers) gives what `resolve_afresh` (which computes from the rules) gives, or the same error. The same
over clock edges in a zone with daylight saving and a holiday calendar in another zone. The memo is bounded,
belongs to one table, and never remembers an error. Quotes built on the fast path equal the constructors'
objects and a quote priced by hand."""

from __future__ import annotations

import dataclasses
import inspect
import random
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import pytest

from costcalc.errors import CostcalcError, RetiredModelError
from costcalc.prices import PriceTable, Quote, QuoteLine, Request, TokenBundle, load_prices, quote, resolve
from costcalc.prices import memo as memo_module
from costcalc.prices.limits import check_request
from costcalc.prices.memo import change_instants
from costcalc.prices.resolve import boundaries, lookup, prompt_thresholds, resolve_afresh

UTC = timezone.utc
MICROSECOND = timedelta(microseconds=1)


def outcome(fn, table, model, at, request):
    """A Resolution, or (error type, message): what a caller sees."""
    try:
        return fn(table, model, at, request)
    except CostcalcError as exc:
        return type(exc), str(exc)


def requests_for(table, model_id):
    """Every tier (and the alias `fast`), residency or not, both scenarios, and prompts on both sides of
    each of the model's prompt thresholds."""
    model = table.models[model_id]
    prompts = {0} | {p for t in prompt_thresholds(table, model_id) for p in (t - 1, t)}
    tiers = set(model.tiers) | {"standard", "fast"}
    return [Request(p, tier, residency, scenario) for p in sorted(prompts) for tier in sorted(tiers)
            for residency in (False, True) for scenario in ("actual", "list")]


def instants_for(table, model_id):
    """Both sides of each dated change instant of the model (following routes), and for clock-based
    rules both sides of every local window edge and midnight in the two days after each of them."""
    model = table.models[model_id]
    dated, clocked = change_instants(table, model)
    points = set(dated)
    if clocked:
        for p in sorted(dated) or [datetime(2026, 9, 1, tzinfo=UTC)]:
            points.update(boundaries(table, model, p, p + timedelta(days=2)))
    return sorted({q for p in points for q in (p - MICROSECOND, p)})


def sweep(table, model_ids, seed=7):
    """Resolve every (model, instant, request) in shuffled order through the memo, so answers are reused
    across instants and requests, and compare each with a fresh computation. Returns the count."""
    cases = [(m, at, req) for m in model_ids for at in instants_for(table, m) for req in requests_for(table, m)]
    random.Random(seed).shuffle(cases)
    for model_id, at, req in cases:
        assert outcome(resolve, table, model_id, at, req) == outcome(resolve_afresh, table, model_id, at, req), \
            (model_id, at, req)
    return len(cases)


@pytest.fixture(scope="module")
def bundled():
    return load_prices()


def test_every_change_instant_of_the_bundled_table(bundled):
    models = sorted(bundled.models)
    assert sweep(bundled, models) > 10_000
    assert len(bundled.memo["resolutions"]) > 100  # the memo was used, and answered most of them
    # the clock-based DeepSeek rules are covered: their edges are among the instants swept
    assert any(len(change_instants(bundled, bundled.models[m])[1]) for m in models)


OVERLAY = """schema_version: 1
version: memo-test
calendars:
  cn-memo:
    timezone: Asia/Shanghai
    dates: [2026-03-09, 2026-11-02]
    source: https://example.org/holidays
    checked: 2026-11-01
providers:
  acme:
    name: Acme
    models:
      ny-memo:
        name: New York windows, Beijing holidays
        prices:
          - label: peak
            when: {timezone: America/New_York, weekdays: [mon, tue, wed, thu, fri],
                   hours: ["01:30-02:30", "09:00-17:00"], holidays: {calendar: cn-memo, on: false}}
            rates: {input: 2, output: 4}
          - label: off-peak
            when: {timezone: America/New_York, weekdays: [mon, tue, wed, thu, fri],
                   hours: ["00:00-01:30", "02:30-09:00", "17:00-24:00"], holidays: {calendar: cn-memo, on: false}}
            rates: {input: 1, output: 2}
          - label: weekend
            when: {timezone: America/New_York, weekdays: [sat, sun], holidays: {calendar: cn-memo, on: false}}
            rates: {input: 1, output: 1}
          - label: holiday
            when: {holidays: {calendar: cn-memo, on: true}}
            rates: {input: 0.5, output: 1}
      routed-memo:
        name: Billed as ny-memo for a week, with a fee from a date of its own
        prices:
          - label: own
            rates: {input: 3, output: 6}
        routes:
          - billed_as: ny-memo
            from: 2026-10-15T12:00Z
            until: 2026-10-22T12:00Z
        fees:
          - tool: web_search
            when: {from: 2026-10-25T06:00Z}
            usd_per_1k_calls: 10
"""


@pytest.fixture()
def clocked(tmp_path):
    path = tmp_path / "overlay.yaml"
    path.write_text(OVERLAY)
    return load_prices(overlays=[path])


def test_clock_edges_across_daylight_saving_and_holidays(clocked):
    # Both DST changes of 2026 in New York (March 8, November 1: 01:30 and 02:30 do not exist or occur
    # twice), and Beijing holidays on the Mondays after them, which start at New York's Sunday noon.
    model = clocked.models["ny-memo"]
    cases = []
    for start in (datetime(2026, 3, 6, tzinfo=UTC), datetime(2026, 10, 30, tzinfo=UTC)):
        end = start + timedelta(days=5)
        edges = boundaries(clocked, model, start, end)
        assert len(edges) > 30
        cases += [q for p in edges for q in (p - MICROSECOND, p)]
        cases += [start + timedelta(minutes=7 * i) for i in range(5 * 24 * 60 // 7)]  # off-edge instants too
    random.Random(3).shuffle(cases)
    labels = set()
    for at in cases:
        fresh = resolve_afresh(clocked, "ny-memo", at)
        assert resolve(clocked, "ny-memo", at) == fresh, at
        labels.add(fresh.label)
    assert labels == {"peak", "off-peak", "weekend", "holiday"}


def test_route_and_fee_dates(clocked):
    # a route's dates and a fee's start are instants of their own (nothing else changes then)
    assert sweep(clocked, ["routed-memo"]) > 500
    at = datetime(2026, 10, 25, 6, tzinfo=UTC)
    assert resolve(clocked, "routed-memo", at - MICROSECOND).fees == ()
    assert [f.tool for f in resolve(clocked, "routed-memo", at).fees] == ["web_search"]
    assert resolve(clocked, "routed-memo", datetime(2026, 10, 22, 12, tzinfo=UTC)).billed_model.id == "routed-memo"


def test_the_memo_is_bounded(bundled, monkeypatch):
    table = load_prices()
    monkeypatch.setattr(memo_module, "MAX_RESOLUTIONS", 8)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    for hour in range(24 * 7):  # DeepSeek's peak/off-peak and weekend states, more than 8 keys
        at = start + timedelta(hours=hour, minutes=30)
        assert resolve(table, "deepseek-v4-pro", at) == resolve_afresh(table, "deepseek-v4-pro", at)
        assert len(table.memo["resolutions"]) <= 8


def test_the_memo_belongs_to_its_table(tmp_path):
    overlay = tmp_path / "cheaper.yaml"
    overlay.write_text(OVERLAY.replace("input: 2, output: 4", "input: 7, output: 9"))
    first = load_prices(overlays=[tmp_path / "cheaper.yaml"])
    weekday_peak = datetime(2026, 9, 3, 14, tzinfo=UTC)  # Thursday 10:00 in New York
    assert resolve(first, "ny-memo", weekday_peak).rates["input"] == D(7)
    overlay.write_text(OVERLAY)
    second = load_prices(overlays=[overlay])
    assert resolve(second, "ny-memo", weekday_peak).rates["input"] == D(2)
    assert resolve(first, "ny-memo", weekday_peak).rates["input"] == D(7)
    assert first.memo is not second.memo


def test_a_table_cannot_be_changed_in_place(bundled):
    # what makes remembering per table object safe: its mappings are read-only views
    for mapping in (bundled.models, bundled.aliases, bundled.providers, bundled.calendars):
        with pytest.raises(TypeError):
            mapping["x"] = None  # type: ignore[index]
    # equality, repr and replace leave the memo out
    memo = {f.name: f for f in dataclasses.fields(PriceTable)}["memo"]
    assert not memo.init and not memo.repr and not memo.compare
    assert dataclasses.replace(bundled).memo == {}


def test_errors_are_not_remembered(bundled):
    # deepseek-chat was retired: each refusal names its own instant
    model = bundled.models["deepseek-chat"]
    retired = model.retired.at if model.retired else None
    if retired is None:
        pytest.skip("deepseek-chat has no retirement in this table")
    first, second = retired + timedelta(days=1), retired + timedelta(days=2, hours=5)
    for at in (first, second):
        with pytest.raises(RetiredModelError) as caught:
            resolve(bundled, "deepseek-chat", at)
        assert str(caught.value) == outcome(resolve_afresh, bundled, "deepseek-chat", at, Request())[1]
    too_long = Request(prompt_tokens=10**9, tier="priority")
    assert outcome(resolve, bundled, "gpt-5.5", first, too_long) == \
        outcome(resolve_afresh, bundled, "gpt-5.5", first, too_long)


def test_quote_by_hand(bundled):
    # gpt-5.5 in September 2026, pricing.yaml's list rule: input 5.00, cached input 0.50, output 30.00 USD
    # per 1M tokens. 1,000 x 5 / 1M = 0.005; 300 x 0.50 / 1M = 0.00015; 100 x 30 / 1M = 0.003.
    q = quote(bundled, "gpt-5.5", TokenBundle(input=1000, cache_read=300, output=100),
              datetime(2026, 9, 3, tzinfo=UTC))
    assert [(ln.component, ln.tokens, ln.usd_per_mtok, ln.cost_usd) for ln in q.lines] == [
        ("input", 1000, D("5"), D("0.005")), ("cache_read", 300, D("0.5"), D("0.00015")),
        ("output", 100, D("30"), D("0.003"))]
    assert q.total_usd == D("0.005") + D("0.00015") + D("0.003") == D("0.00815")


def test_fast_objects_equal_the_constructors(bundled):
    # Quote, QuoteLine and TokenBundle are built without their generated __init__ on the hot path
    q = quote(bundled, "deepseek-v4-pro", TokenBundle(input=2000, cache_read=500, output=300, reasoning=20),
              datetime(2026, 9, 5, 3, tzinfo=UTC), requests=2)
    fields = {f.name: getattr(q, f.name) for f in dataclasses.fields(Quote)}
    assert Quote(**fields) == q and repr(Quote(**fields)) == repr(q)
    assert q.total_usd == Quote(**fields).total_usd == sum((ln.cost_usd for ln in q.lines), D(0))
    for line in q.lines:
        again = QuoteLine(**{f.name: getattr(line, f.name) for f in dataclasses.fields(QuoteLine)})
        assert again == line and hash(again) == hash(line) and repr(again) == repr(line)
    # TokenBundle's written-out __init__ takes exactly its fields, defaults 0, and still refuses bad counts
    params = list(inspect.signature(TokenBundle.__init__).parameters.values())[1:]
    assert [(p.name, p.default) for p in params] == [(f.name, 0) for f in dataclasses.fields(TokenBundle)]
    assert TokenBundle(5, 4, 3, 2, 1, 0) == dataclasses.replace(TokenBundle(), input=5, cache_read=4,
                                                                 cache_write_5m=3, cache_write_1h=2, output=1)
    for bad in (-1, True, 1.0, "3"):
        with pytest.raises(ValueError, match="output must be a whole number of tokens"):
            TokenBundle(output=bad)
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.lines[0].tokens = 1  # type: ignore[misc]


def slow_quote_total(table, model, tokens, at):
    """Reference: the rates from a fresh resolution, each component's cost by the formula, summed."""
    res = resolve_afresh(table, model, at, Request(tokens.prompt_tokens))
    check_request(lookup(table, model), tokens.prompt_tokens, tokens.output + tokens.reasoning)
    total = D(0)
    for component in ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output", "reasoning"):
        count = getattr(tokens, component)
        total += res.rates[component] * count / D(1_000_000)
    return total, res.label


def test_benchmark_records_priced_like_the_reference(bundled):
    rng = random.Random(11)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    for _ in range(3000):
        model = rng.choice(["gpt-5.5", "claude-opus-4-7", "deepseek-v4-pro", "deepseek-chat", "gemini-3.1-pro"])
        if model not in bundled.models and model not in bundled.aliases:
            continue
        prompt = rng.choice([500, 2_000, 8_000, 30_000, 250_000])
        cached = int(prompt * rng.choice([0, 0.3, 0.9]))
        tokens = TokenBundle(input=prompt - cached, cache_read=cached, output=rng.choice([100, 2_000]))
        at = start + timedelta(seconds=rng.randrange(91 * 86_400))
        try:
            q = quote(bundled, model, tokens, at)
        except CostcalcError as exc:
            with pytest.raises(type(exc)):
                slow_quote_total(bundled, model, tokens, at)
            continue
        assert (q.total_usd, q.lines[0].rule) == slow_quote_total(bundled, model, tokens, at)


def test_remembered_quotes_equal_quotes_on_a_fresh_table():
    # The quote path remembers a Resolution and the fields its quotes share per key; each quote from the
    # memo must equal (fields, lines, repr, total) a quote priced on a table that remembers nothing yet.
    table, other = load_prices(), load_prices()
    rng = random.Random(5)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    cases = []
    for _ in range(400):
        tokens = TokenBundle(input=rng.choice([0, 700, 272_001]), cache_read=rng.choice([0, 300]),
                             cache_write_5m=rng.choice([0, 50]), output=rng.choice([0, 90]),
                             reasoning=rng.choice([0, 10]))
        cases.append((rng.choice(["gpt-5.5", "claude-opus-4-7", "deepseek-v4-pro", "deepseek-chat"]), tokens,
                      start + timedelta(minutes=rng.randrange(120 * 24 * 60)), rng.choice(["standard", "batch"]),
                      rng.choice([False, True, 0, 1]), rng.choice(["actual", "list"]), rng.choice([1, 2, 3])))
    for model, tokens, at, tier, residency, scenario, requests in cases:
        args = (model, tokens, at, tier, residency, scenario, requests)
        other.memo.clear()  # nothing remembered: this quote is computed from the rules
        try:
            q = quote(table, *args)
        except CostcalcError as exc:
            with pytest.raises(type(exc), match=re.escape(str(exc))):
                quote(other, *args)
            continue
        fresh = quote(other, *args)
        assert q == fresh and repr(q) == repr(fresh) and q.to_dict() == fresh.to_dict()
        assert type(q.residency) is type(residency) and q.total_usd == fresh.total_usd
    assert len(table.memo["quotes"]) > 10  # answered from the memo, not recomputed each time
