"""The fast `prices.quote` (remembered shapes, the total summed in the call, token lines made when first
read) gives the same quote as a slow reference written out from the rules (tests/reference_quote.py):
the same fields, lines, repr, JSON and total, the total the same Decimal to the last digit and exponent,
or the same error. Generated records cover every model of pricing.yaml and an overlay, on both sides of
every dated change and clock edge (DeepSeek's UTC windows; New York windows across daylight saving with a
holiday calendar in another zone), every tier and the `fast` alias, residency, both scenarios, every cache
split, both sides of every prompt cliff, several requests, and tool calls."""

from __future__ import annotations

import copy
import decimal
import dataclasses
import pickle
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import pytest

from costcalc.errors import CostcalcError
from costcalc.prices import Quote, QuoteLine, TokenBundle, load_prices, quote
from costcalc.prices.memo import Timeline, change_instants
from costcalc.prices.resolve import _utc, boundaries, lookup, memo_key, prompt_thresholds
from tests.reference_quote import reference_quote

UTC = timezone.utc
MICROSECOND = timedelta(microseconds=1)
START = datetime(2026, 1, 1, tzinfo=UTC)

# Rates with awkward written forms (trailing zeros, seven decimals, a whole number) so a cost's exponent
# depends on the tokens' trailing zeros; clock windows in a zone with daylight saving and holidays in
# another; a cliff; a route for a week; a tool fee from a date.
OVERLAY = """schema_version: 1
version: quote-equality
calendars:
  cn-eq:
    timezone: Asia/Shanghai
    dates: [2026-03-09, 2026-11-02]
    source: https://example.org/holidays
    checked: 2026-11-01
providers:
  acme:
    name: Acme
    models:
      ny-eq:
        name: New York windows, Beijing holidays, a cliff
        context_window: 400000
        max_output_tokens: 50000
        tiers: [standard, batch]
        prices:
          - label: peak
            when: {timezone: America/New_York, weekdays: [mon, tue, wed, thu, fri],
                   hours: ["01:30-02:30", "09:00-17:00"], holidays: {calendar: cn-eq, on: false}}
            rates: {input: 1.2345670, cache_read: 0.1250, cache_write_5m: 1.50, cache_write_1h: 2.5, output: 7,
                    reasoning: 0.0375}
          - label: off-peak
            when: {timezone: America/New_York, weekdays: [mon, tue, wed, thu, fri],
                   hours: ["00:00-01:30", "02:30-09:00", "17:00-24:00"], holidays: {calendar: cn-eq, on: false}}
            rates: {input: 0.6172835, cache_read: 0.0625, output: 3.50}
          - label: weekend
            when: {timezone: America/New_York, weekdays: [sat, sun], holidays: {calendar: cn-eq, on: false}}
            rates: {input: 0.3, output: 1.10}
          - label: holiday
            when: {holidays: {calendar: cn-eq, on: true}}
            rates: {input: 0.05, output: 0.1}
        modifiers:
          - label: long-context
            when: {prompt_tokens_above: 200000}
            multiply: {input: 2, cache_read: 2, output: 1.5}
          - label: batch
            when: {tiers: [batch]}
            multiply: {input: 0.5, cache_read: 0.5, output: 0.5}
      routed-eq:
        name: Billed as ny-eq for a week, with a fee from a date of its own
        prices:
          - label: own
            rates: {input: 3.000, output: 6.0}
        routes:
          - billed_as: ny-eq
            from: 2026-10-15T12:00Z
            until: 2026-10-22T12:00Z
        fees:
          - tool: web_search
            when: {from: 2026-10-25T06:00Z}
            usd_per_1k_calls: 12.5
"""


@pytest.fixture(scope="module")
def bundled():
    return load_prices()


@pytest.fixture(scope="module")
def overlaid(tmp_path_factory):
    path = tmp_path_factory.mktemp("quote-equality") / "overlay.yaml"
    path.write_text(OVERLAY)
    return load_prices(overlays=[path])


def instants(table, model_id, rng):
    """Both sides of every dated change of the model (following routes); for clock rules both sides of
    every window edge and local midnight in two days after each change (or from START); random instants."""
    model = table.models[model_id]
    dated, clocked = change_instants(table, model)
    points = set(dated)
    if clocked:
        for p in sorted(dated)[:6] or [START]:
            points.update(boundaries(table, model, p, p + timedelta(days=2)))
        points.update(boundaries(table, model, datetime(2026, 3, 6, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC)))
        points.update(boundaries(table, model, datetime(2026, 10, 30, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC)))
    found = sorted({q for p in points for q in (p - MICROSECOND, p)})
    return found + [START + timedelta(seconds=rng.randrange(400 * 86_400)) for _ in range(40)] + \
        [max(dated, default=START) + timedelta(seconds=rng.randrange(30 * 86_400)) for _ in range(40)]


def bundles(table, model_id, rng, count):
    """Token bundles whose prompts lie on both sides of each cliff, split every way between fresh input,
    cache reads and both cache writes (each part 0 or not), with and without reasoning."""
    thresholds = prompt_thresholds(table, model_id)
    prompts = [0, 1, 999, 2_000, 30_000, 123_457] + [p for t in thresholds for p in (t - 1, t, t + 1)]
    out = []
    for _ in range(count):
        prompt = rng.choice(prompts)
        cuts = sorted(rng.randint(0, prompt) for _ in range(3))
        split = [cuts[0], cuts[1] - cuts[0], cuts[2] - cuts[1], prompt - cuts[2]]
        split = [part if rng.random() < 0.7 else 0 for part in split]  # some kinds absent
        if rng.random() < 0.3:
            split = [sum(split), 0, 0, 0]  # no cache at all
        rng.shuffle(split)
        out.append(TokenBundle(input=split[0], cache_read=split[1], cache_write_5m=split[2], cache_write_1h=split[3],
                               output=rng.choice([0, 1, 100, 777, 2_000, 65_536]),
                               reasoning=rng.choice([0, 0, 10, 4_096])))
    return out


def cases(table, rng):
    found = []
    for model_id in sorted(table.models):
        model = table.models[model_id]
        names = [model_id, *model.aliases[:1]]
        tiers = [*model.tiers, *model.tiers, "fast", "flex"]  # the alias, and a tier some models lack
        tools = sorted({f.tool for f in model.fees}) or ["web_search"]
        moments = instants(table, model_id, rng)
        for tokens in bundles(table, model_id, rng, 80):
            tool_calls = {rng.choice(tools): rng.choice([0, 1, 3])} if rng.random() < 0.15 else None
            found.append((rng.choice(names), tokens, rng.choice(moments), rng.choice(tiers),
                          rng.choice([False, False, False, True, 0, 1]), rng.choice(["actual", "actual", "list"]),
                          rng.choice([1, 1, 1, 2, 3, 7]), tool_calls))
    rng.shuffle(found)  # answers remembered for one model and instant are reused across the others
    return found


def outcome(fn, table, case):
    try:
        return fn(table, *case)
    except (CostcalcError, ValueError) as exc:
        return type(exc), str(exc)


def compare(table, case):
    """The fast quote equals the reference (or raises the same error); the key it remembered under is
    resolve.memo_key's. Returns the lines' rule labels (None for an error)."""
    fast = outcome(quote, table, case)
    reference = outcome(reference_quote, table, case)
    if not isinstance(fast, Quote):
        assert fast == reference, case
        return None
    assert isinstance(reference, Quote), (case, reference)
    total = fast.total_usd  # read first, as a usage loop does: lines not made yet
    assert total.as_tuple() == reference.total_usd.as_tuple(), case  # digits and exponent
    assert fast == reference and repr(fast) == repr(reference), case
    assert fast.to_dict() == reference.to_dict(), case
    for line, expected in zip(fast.lines, reference.lines):
        assert line.cost_usd.as_tuple() == expected.cost_usd.as_tuple(), (case, line)
    model, tokens, at, tier, residency, scenario, requests, _tools = case
    prompt = -(-tokens.prompt_tokens // requests)
    key = memo_key(table, lookup(table, model), _utc(at), prompt, tier, residency, scenario)
    assert key in table.memo["quotes"], case
    return {line.rule for line in fast.lines}


def test_bundled_table_quotes_equal_the_reference(bundled):
    rng = random.Random(15)
    found = cases(bundled, rng)
    labels, errors = set(), 0
    for case in found:
        rules = compare(bundled, case)
        if rules is None:
            errors += 1
        else:
            labels |= rules
    assert len(found) - errors > 1_500 and errors > 500  # both priced quotes and refusals, compared
    joined = "+".join(sorted(labels))
    # what the records reached: tiers, cliffs, residency, DeepSeek's windows, routes and tool fees
    for part in ("batch", "long-context", "residency", "off-peak", "fee", "priority"):
        assert part in joined, part
    assert len(bundled.memo["quotes"]) < len(found) - errors  # answered from the memo, not only afresh


def test_overlay_clock_edges_and_odd_rates_equal_the_reference(overlaid):
    rng = random.Random(16)
    found = [case for case in cases(overlaid, rng) if case[0] in ("ny-eq", "routed-eq")]
    # more records on the clocked model: every edge of its windows across both daylight-saving changes
    model = overlaid.models["ny-eq"]
    edges = boundaries(overlaid, model, datetime(2026, 3, 6, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC)) + \
        boundaries(overlaid, model, datetime(2026, 10, 30, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC))
    for at in edges:
        for tokens in bundles(overlaid, "ny-eq", rng, 3):
            found.append(("ny-eq", tokens, at - MICROSECOND * rng.choice([0, 1]), rng.choice(["standard", "batch"]),
                          False, "actual", rng.choice([1, 2]), None))
    labels = set()
    for case in found:
        labels |= compare(overlaid, case) or set()
    joined = "+".join(sorted(labels))
    for part in ("peak", "off-peak", "weekend", "holiday", "long-context", "batch", "own", "ny-eq:", "fee"):
        assert part in joined, part


def test_cost_exponents_follow_the_division_by_hand(bundled):
    # gpt-5.5 list, pricing.yaml: input 5.00, cache_read 0.50, output 30.00 USD per 1M tokens.
    # 2,000 x 5.00 = 10000.00; / 1,000,000 = 0.01 exactly, written with the dividend's 2 places: 0.01.
    # 300 x 0.50 = 150.00; / 1M = 0.00015 (5 places: the fewest that hold it, more than 2).
    # 0 output: 0 x 30.00 / 1M = 0.00. Total 0 + 0.01 + 0.00015 + 0.00 = 0.01015.
    q = quote(bundled, "gpt-5.5", TokenBundle(input=2_000, cache_read=300), datetime(2026, 9, 3, tzinfo=UTC))
    assert str(q.total_usd) == "0.01015"
    assert [str(line.cost_usd) for line in q.lines] == ["0.01", "0.00015", "0.00"]
    # 200,000 x 5.00 = 1000000.00; / 1M = 1.00 (no fewer places than the dividend's 2); 0 + 1.00 + 0.00 = 1.00
    at = datetime(2026, 9, 3, tzinfo=UTC)
    assert str(quote(bundled, "gpt-5.5", TokenBundle(input=200_000), at).total_usd) == "1.00"


def test_deferred_lines_behave_like_constructed_ones(bundled):
    at = datetime(2026, 9, 3, tzinfo=UTC)
    made = quote(bundled, "gpt-5.5", TokenBundle(input=1_000, cache_read=300, output=100), at)
    assert "lines" not in vars(made)  # not made by the call
    fields = {f.name: getattr(made, f.name) for f in dataclasses.fields(Quote)}  # reads (makes) the lines
    constructed = Quote(**fields)
    assert "lines" in vars(made) and made.lines is made.lines  # made once, then kept
    assert constructed == made and repr(constructed) == repr(made) and constructed.total_usd == made.total_usd
    # 1,000 x 5.00 / 1M = 0.005; 300 x 0.50 / 1M = 0.00015; 100 x 30.00 / 1M = 0.003
    assert made.lines == (QuoteLine("input", 1_000, D("5.00"), D("0.005"), "list"),
                          QuoteLine("cache_read", 300, D("0.50"), D("0.00015"), "list"),
                          QuoteLine("output", 100, D("30.00"), D("0.003"), "list"))
    def fresh():  # a quote whose lines are not made yet
        return quote(bundled, "gpt-5.5", TokenBundle(input=1_000, cache_read=300, output=100), at)

    plain = {f.name for f in dataclasses.fields(Quote)} | {"total_usd"}
    for clone in (pickle.loads(pickle.dumps(fresh())), copy.copy(fresh()), copy.deepcopy(fresh()),
                  dataclasses.replace(fresh(), requests=1)):
        assert clone == made and repr(clone) == repr(made)
        assert set(vars(clone)) <= plain  # the fields and the total; nothing the deferral used
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.lines = ()  # type: ignore[misc]
    # with tool calls the lines are made in the call (their errors belong to it)
    web = quote(bundled, "gpt-5.5", TokenBundle(input=10), at, tool_calls={"web_search": 2})
    assert "lines" in vars(web) and web.lines[-1].component == "tool:web_search"


def test_deferred_lines_are_exact_whatever_precision_is_current_when_read(bundled):
    # gpt-5.5 list: input 5.00, cache_read 0.50, output 30.00 USD per 1M tokens.
    # 123,457 x 5.00 / 1M = 0.617285; 77,777 x 0.50 / 1M = 0.0388885; 98,765 x 30.00 / 1M = 2.96295;
    # total 0.617285 + 0.0388885 + 2.96295 = 3.6191235 (made in the call, at the default 28 digits)
    made = quote(bundled, "gpt-5.5", TokenBundle(input=123_457, cache_read=77_777, output=98_765),
                 datetime(2026, 6, 1, tzinfo=UTC))
    with decimal.localcontext() as context:
        context.prec = 4  # a caller's own low precision, set after the quote and before the lines are read
        lines = made.lines
    assert [line.cost_usd for line in lines] == [D("0.617285"), D("0.0388885"), D("2.96295")]
    assert made.total_usd == D("3.6191235") == sum(line.cost_usd for line in lines)


def test_utc_window_state_equals_the_general_reading(bundled):
    # DeepSeek's windows are read in UTC: Timeline.state's direct tuple equals the general loop's
    model_id = next(m for m in sorted(bundled.models) if change_instants(bundled, bundled.models[m])[1])
    line = Timeline(bundled, bundled.models[model_id], prompt_thresholds(bundled, model_id))
    assert line.utc_minutes is not None
    general = Timeline(bundled, bundled.models[model_id], prompt_thresholds(bundled, model_id))
    general.utc_minutes = None
    rng = random.Random(4)
    for _ in range(3_000):
        at = START + timedelta(seconds=rng.randrange(400 * 86_400), microseconds=rng.randrange(10**6))
        assert line.state(at) == general.state(at), at
