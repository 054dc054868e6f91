"""Forecast against actuals: per month and model, the forecast, the actual and the variance split into
volume, token-mix and price effects. Pure computation on two long tables.

Both sides are long rows (month, model, component, tokens, cost_usd): the forecast from an estimate's
rows (summed over profiles and rules), the actual from re-priced usage (Totals.components). With
T = tokens and r = cost / tokens per component, V = total tokens, F and A the two costs:

    volume = (V_actual - V_forecast) x F / V_forecast        more or fewer tokens at the forecast's mix
                                                              and prices
    mix    = sum_c T_actual,c x r_forecast,c - V_actual x F / V_forecast
                                                              another split between input, cache reads,
                                                              writes, output and reasoning
    price  = A - F - volume - mix                             = sum_c T_actual,c x (r_actual,c -
                                                              r_forecast,c): other rates than forecast
                                                              (peak hours, a promotion's end, cliffs)

so volume + mix + price = A - F exactly. Volume is measured in tokens, not requests: an estimate's rows
carry tokens, and tokens are what a bill multiplies. A component the forecast never priced takes its
actual rate (its cost shows up as mix, not price); a model-month with no forecast is all volume, one
with no actual usage is all (negative) volume.

Per-call tool fees (`tool:web_search` rows, calls in `tokens`) are not tokens: they stay out of V and of
the mix; each tool's volume is (calls_actual - calls_forecast) x the forecast's fee per call (the
actual fee for a tool the forecast never priced), and a different fee shows as price. The token
columns (forecast_tokens, actual_tokens) count tokens only.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

import pandas as pd

from ..money import DIVIDE, EXACT, exact_sum
from ..prices.model import is_tool_component

COLUMNS = ["month", "model", "forecast_usd", "actual_usd", "variance_usd", "volume_usd", "mix_usd",
           "price_usd", "forecast_tokens", "actual_tokens"]


def variance(forecast: pd.DataFrame, actual: pd.DataFrame, months: list[str] | None = None) -> pd.DataFrame:
    """forecast, actual: rows of month ('2026-09'), model, component, tokens, cost_usd (Decimal or int
    tokens). months: which months to compare (default: those with actual usage, since a forecast
    usually runs past the log). One row per month and model, sorted."""
    f = _by_component(forecast)
    a = _by_component(actual)
    months = sorted(set(months) if months is not None else {m for m, _ in a})
    rows = []
    for month in months:
        models = sorted({model for m, model in f if m == month} | {model for m, model in a if m == month})
        for model in models:
            rows.append(_split(month, model, f.get((month, model), {}), a.get((month, model), {})))
    return pd.DataFrame(rows, columns=COLUMNS)


def _by_component(rows: pd.DataFrame) -> dict[tuple[str, str], dict[str, tuple[Decimal, Decimal]]]:
    """(month, model) -> component -> (tokens, cost), summed exactly."""
    out: dict[tuple[str, str], dict[str, list]] = {}
    for month, model, component, tokens, cost in zip(rows["month"], rows["model"], rows["component"],
                                                     rows["tokens"], rows["cost_usd"]):
        entry = out.setdefault((str(month), str(model)), {}).setdefault(str(component), [[], []])
        entry[0].append(Decimal(tokens))
        entry[1].append(Decimal(cost))
    return {key: {c: (exact_sum(t), exact_sum(k)) for c, (t, k) in parts.items()} for key, parts in out.items()}


def _split(month: str, model: str, forecast: dict, actual: dict) -> list:
    # Tool fee components (tool:web_search) count calls, not tokens: they stay out of the token volume
    # and mix, and their volume is calls at the forecast's fee; any other fee shows as price.
    f_calls = {c: v for c, v in forecast.items() if is_tool_component(c)}
    a_calls = {c: v for c, v in actual.items() if is_tool_component(c)}
    forecast = {c: v for c, v in forecast.items() if c not in f_calls}
    actual = {c: v for c, v in actual.items() if c not in a_calls}
    # + - x exact (money.EXACT); the per-token rates are the only division, at money.DIVIDE's 50 digits
    with decimal.localcontext(EXACT):
        f_fees = exact_sum(cost for _, cost in f_calls.values())
        a_fees = exact_sum(cost for _, cost in a_calls.values())
        f_cost = exact_sum(cost for _, cost in forecast.values())
        a_cost = exact_sum(cost for _, cost in actual.values())
        f_tokens = exact_sum(tokens for tokens, _ in forecast.values())
        a_tokens = exact_sum(tokens for tokens, _ in actual.values())
        if not f_tokens:  # nothing forecast: all of it is volume
            volume, mix = exact_sum((a_cost, -f_cost)), Decimal(0)
        else:
            per_token = DIVIDE.divide(f_cost, f_tokens)
            volume = (a_tokens - f_tokens) * per_token
            at_forecast_rates = exact_sum(tokens * _forecast_rate(component, forecast, actual)
                                     for component, (tokens, _) in actual.items())
            mix = at_forecast_rates - a_tokens * per_token
        for tool in set(f_calls) | set(a_calls):
            f_n = f_calls.get(tool, (Decimal(0), Decimal(0)))[0]
            a_n = a_calls.get(tool, (Decimal(0), Decimal(0)))[0]
            volume += (a_n - f_n) * _forecast_rate(tool, f_calls, a_calls)
        f_cost = exact_sum((f_cost, f_fees))
        a_cost = exact_sum((a_cost, a_fees))
        # the difference exactly (exact_sum works at 120 digits): actual - forecast to the last digit, and
        # volume + mix + price add up to it
        difference = exact_sum((a_cost, -f_cost))
        price = exact_sum((difference, -volume, -mix))
    return [month, model, f_cost, a_cost, difference, volume, mix, price, f_tokens, a_tokens]


def _forecast_rate(component: str, forecast: dict, actual: dict) -> Decimal:
    tokens, cost = forecast.get(component, (Decimal(0), Decimal(0)))
    if tokens:
        return DIVIDE.divide(cost, tokens)
    tokens, cost = actual.get(component, (Decimal(0), Decimal(0)))
    return DIVIDE.divide(cost, tokens) if tokens else Decimal(0)
