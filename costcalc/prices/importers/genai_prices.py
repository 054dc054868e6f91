"""pydantic/genai-prices: `prices/data.json` (v1, or the live `prices/new_data/v2/data.json`: a list of
providers) or one provider file `prices/providers/<id>.yml`. Prices are USD per 1M tokens.

Mapped: input_mtok, cache_read_mtok, cache_write_mtok (5-minute write), cache_write_1h_mtok,
output_mtok, output_reasoning_mtok (and the *_text_* spellings of the same); TieredPrices
{base, tiers: [{start, price}]} as cliffs (a prompt above `start` pays the tier price on every token,
as genai-prices' calc_unit_price applies it); conditional prices with `constraint: start_date` as dated
rules (a price starts at 00:00 UTC of its date; the last one started wins) and with
`start_time`/`end_time` as daily UTC windows; the model id, its `equals` match names (aliases) and
context_window; web_searches_kcount as the web_search fee (USD per 1,000 calls). A non-zero
requests_kcount (a fee per request, which costcalc does not price) skips the model: its token prices
alone would understate its cost. Ignored: audio, image and video prices (named in each model's notes),
`starts_with`/`contains`/`regex` match rules (they name families, not models).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from itertools import pairwise

from .common import (
    RuleSpec,
    text_at,
    BadValue,
    Entry,
    Series,
    alias_names,
    build_rules,
    model_id,
    provider_id,
    refuse_request_fee,
    skipped,
    token_count,
    usd_per_1k_calls,
    usd_per_mtok,
)

NAME = "genai-prices"
TITLE = "genai-prices data file (prices/data.json or a providers YAML)"
URL = "https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/new_data/v2/data.json"

_KEYS = {"input_mtok": "input", "input_text_mtok": "input", "cache_read_mtok": "cache_read",
         "cache_text_read_mtok": "cache_read", "cache_write_mtok": "cache_write_5m",
         "cache_text_write_mtok": "cache_write_5m", "cache_write_1h_mtok": "cache_write_1h",
         "output_mtok": "output", "output_text_mtok": "output", "output_reasoning_mtok": "reasoning"}
_TIME = re.compile(r"(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]00:?00)?")


def matches(doc: object) -> bool:
    providers = doc if isinstance(doc, list) else [doc]
    return bool(providers) and all(isinstance(p, dict) and isinstance(p.get("models"), list) and "id" in p
                                   for p in providers[:20])


def entries(doc: object, host_of: Callable[[str], bool]) -> list[Entry]:
    out: list[Entry] = []
    for provider in doc if isinstance(doc, list) else [doc]:
        if not isinstance(provider, dict):
            out.append(skipped(str(provider)[:40], "not a provider object"))
            continue
        try:
            pid = provider_id(provider.get("id"))
        except BadValue as exc:
            out += [skipped(_model_name(m), str(exc)) for m in provider.get("models", [])]
            continue
        pname = provider["name"] if isinstance(provider.get("name"), str) else None
        for model in provider["models"]:
            out.append(_entry(pid, pname, model, host_of))
    return out


def _model_name(model: object) -> str:
    return str(model.get("id")) if isinstance(model, dict) else str(model)[:40]


def _entry(pid: str, pname: str | None, model: object, host_of: Callable[[str], bool]) -> Entry:
    source_id = f"{pid}:{_model_name(model)}"
    if not isinstance(model, dict):
        return skipped(source_id, "not an object")
    try:
        host = host_of(pid)
        mid, aliases = model_id(pid, model.get("id"), host)
        names = [n for n in _equals(model.get("match")) if n.lower() != mid]
        if host:
            names = [f"{pid}/{n}" for n in names]
        aliases = alias_names(list(aliases) + names, mid)
        notes: list[str] = []
        rules, ignored = _rules(model.get("prices"), notes)
    except BadValue as exc:
        return skipped(source_id, str(exc))
    if model.get("deprecated") is True:
        notes.append("deprecated in the source")
    if model.get("prices_checked") is not None:
        notes.append(f"prices_checked in the source: {model['prices_checked']}")
    name = text_at(model, "name") or mid
    return Entry(source_id=source_id, provider=pid, model=mid, name=name, aliases=aliases,
                 context_window=token_count(model.get("context_window"), "context_window"),
                 rules=rules, ignored=tuple(ignored), provider_name=pname, host=host, notes=tuple(notes))


def _equals(clause: object) -> list[str]:
    """Names a match clause accepts exactly: `equals`, also inside `or` (an `and` narrows, so no)."""
    if not isinstance(clause, dict):
        return []
    if isinstance(clause.get("equals"), str):
        return [clause["equals"]]
    if isinstance(clause.get("or"), list):
        return [name for sub in clause["or"] for name in _equals(sub)]
    return []


def _rules(prices: object, notes: list[str]):
    if isinstance(prices, dict):
        series, skipped_keys = _series(prices, notes)
        return build_rules({"standard": series}, fees=_fees(prices)), skipped_keys
    if not isinstance(prices, list) or not prices:
        raise BadValue("no prices")
    if not all(isinstance(c, dict) and isinstance(c.get("prices"), dict) for c in prices):
        raise BadValue("conditional prices must each hold `prices`")
    parsed = []
    ignored: set[str] = set()
    for conditional in prices:
        series, skipped_keys = _series(conditional["prices"], notes)
        ignored.update(skipped_keys)
        parsed.append((conditional.get("constraint"), series, _fees(conditional["prices"])))
    kinds = {_kind(constraint) for constraint, _, _ in parsed}
    if kinds <= {None, "date"}:
        return _dated(parsed), sorted(ignored)
    if kinds <= {None, "time"}:
        return _windows(parsed), sorted(ignored)
    raise BadValue("mixes dated and time-of-day prices, which this importer does not convert")


def _kind(constraint: object) -> str | None:
    if constraint is None:
        return None
    if isinstance(constraint, dict) and set(constraint) == {"start_date"}:
        return "date"
    if isinstance(constraint, dict) and set(constraint) == {"start_time", "end_time"}:
        return "time"
    raise BadValue(f"unknown price constraint {constraint!r}")


def _dated(parsed) -> tuple:
    """genai-prices picks the last conditional price whose start date has come (the first one when none
    has): cut time at every start date and give each piece its winner."""
    starts = []
    for constraint, _, _ in parsed:
        if constraint is not None:
            starts.append(_day(constraint["start_date"]))
    cuts = sorted(set(starts))
    pieces: list[tuple[datetime | None, datetime | None, int]] = []
    edges: list[datetime | None] = [None, *cuts]
    for i, start in enumerate(edges):
        end = edges[i + 1] if i + 1 < len(edges) else None
        winner = None
        for index, (constraint, _, _) in enumerate(parsed):
            if constraint is None or (start is not None and _day(constraint["start_date"]) <= start):
                winner = index
        if winner is None:
            winner = 0
        if pieces and pieces[-1][2] == winner:
            pieces[-1] = (pieces[-1][0], end, winner)
        else:
            pieces.append((start, end, winner))
    rules: list[RuleSpec] = []
    for start, end, winner in pieces:
        rules += build_rules({"standard": parsed[winner][1]}, start=start, end=end, fees=parsed[winner][2])
    return tuple(rules)


def _day(text: object) -> datetime:
    try:
        day = datetime.strptime(str(text), "%Y-%m-%d")
    except ValueError:
        raise BadValue(f"start_date {text!r} is not a date like 2026-03-13") from None
    if not 1970 <= day.year <= 2999:
        raise BadValue(f"start_date {text!r} is out of range")
    return day.replace(tzinfo=timezone.utc)


def _windows(parsed) -> tuple:
    """One price without a constraint and daily UTC windows for the others; the unconstrained price
    fills the hours no window covers."""
    defaults = [series for constraint, series, _ in parsed if constraint is None]
    if len(defaults) != 1:
        raise BadValue("time-of-day prices need exactly one price without a constraint")
    # A fee has no time of day in costcalc: kept only when every window charges the same.
    fee_sets = {tuple(sorted(fees.items())) for _, _, fees in parsed}
    fees = dict(fee_sets.pop()) if len(fee_sets) == 1 else {}
    windows = []
    for constraint, series, _ in parsed:
        if constraint is not None:
            start, end = _minute(constraint["start_time"]), _minute(constraint["end_time"])
            if not start < end:
                raise BadValue(f"time window {constraint['start_time']}-{constraint['end_time']} wraps "
                               f"midnight or is empty")
            windows.append((start, end, series))
    windows.sort(key=lambda w: w[0])
    for (_, end, _), (start, _, _) in pairwise(windows):
        if start < end:
            raise BadValue("time-of-day windows overlap")
    rules: list[RuleSpec] = []
    free, cursor = [], 0
    for start, end, series in windows:
        if cursor < start:
            free.append((cursor, start))
        cursor = end
        text = _hhmm(start) + "-" + _hhmm(end)
        rules += build_rules({"standard": series}, hours=(text,), window=text.replace(":", ""), fees=fees)
    if cursor < 1440:
        free.append((cursor, 1440))
    if free:
        rules += build_rules({"standard": defaults[0]},
                             hours=tuple(_hhmm(a) + "-" + _hhmm(b) for a, b in free), fees=fees)
    return tuple(rules)


def _minute(text: object) -> int:
    match = _TIME.fullmatch(str(text))
    if match is None or match.group(3) not in (None, "00"):
        raise BadValue(f"time {text!r} is not a UTC time to the minute like 00:30:00Z")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 24 or minute >= 60 or (hour == 24 and minute):
        raise BadValue(f"time {text!r} is not a time of day")
    return hour * 60 + minute


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _fees(prices: dict) -> dict:
    """genai-prices' `web_searches_kcount` is USD per 1,000 searches: costcalc's web_search fee."""
    value = prices.get("web_searches_kcount")
    if value is None:
        return {}
    return {"web_search": usd_per_1k_calls(value, "web_searches_kcount", per_call=False)}


def _series(prices: dict, notes: list[str]) -> tuple[dict[str, Series], list[str]]:
    series: dict[str, Series] = {}
    ignored = []
    for key, value in prices.items():
        if key == "requests_kcount":
            refuse_request_fee(value, key, "1,000 requests")
            continue
        component = _KEYS.get(key)
        if component is None:
            if value not in (None, 0, Decimal(0)) and key != "web_searches_kcount":
                ignored.append(key)
            continue
        if value is None:
            continue
        if component in series:
            continue  # input_mtok and input_text_mtok both given: the first wins
        if isinstance(value, dict):
            base = value.get("base")
            tiers = value.get("tiers")
            if not isinstance(tiers, list):
                raise BadValue(f"{key}: tiered prices need `base` and a list of `tiers`")
            steps = []
            for i, tier in enumerate(tiers):
                if not isinstance(tier, dict) or "start" not in tier or "price" not in tier:
                    raise BadValue(f"{key}.tiers[{i}] needs `start` and `price`")
                start = token_count(tier["start"], "start")
                if start is None:
                    raise BadValue(f"{key}.tiers[{i}].start {tier['start']!r} is not a token count")
                steps.append((start, usd_per_mtok(tier["price"], f"{key}.tiers[{i}].price", per_token=False,
                                                notes=notes)))
            if len({s for s, _ in steps}) != len(steps):
                raise BadValue(f"{key}: two tiers start at the same size")
            series[component] = Series(usd_per_mtok(base, f"{key}.base", per_token=False, notes=notes),
                                       tuple(sorted(steps)))
        else:
            series[component] = Series(usd_per_mtok(value, key, per_token=False, notes=notes))
    return series, sorted(ignored)
