"""Summaries of a projection DataFrame: month x model totals, cheapest model per profile, savings.

Flat functions in the empyrical style: take a DataFrame, return a new one, never mutate the input.
"""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_EVEN, Decimal

import pandas as pd

_CENT = Decimal("0.01")


# Cost lines carry up to 50 significant digits; 120 digits of working precision keeps their sums exact
# (no rounding at all), so a total always equals the lines it sums, in any order.
_SUM_CONTEXT = decimal.Context(prec=120)


def dsum(values) -> Decimal:
    """Exact sum of Decimals (pandas would fall back to floats for some dtypes; never for money)."""
    with decimal.localcontext(_SUM_CONTEXT):
        return sum(values, Decimal(0))


def _bare(df: pd.DataFrame) -> pd.DataFrame:
    """A shallow copy without attrs: pandas deep-copies `attrs` into every intermediate frame of a
    groupby, and a result's metadata (requests per profile-model-month, assumptions) made that cost
    more than the arithmetic."""
    bare = df.copy(deep=False)
    bare.attrs = {}
    return bare


def totals(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """cost_usd summed exactly over `by` (categoricals keep only observed combinations)."""
    grouped = _bare(df).groupby(by, observed=True, sort=True)["cost_usd"].agg(dsum)
    return grouped.reset_index()


def summarize(df: pd.DataFrame) -> pd.DataFrame:
    """One row per profile (and case) and model: a column per month, `total_usd`, `rank` within the
    profile (1 = cheapest), `cheapest`, and the savings against the profile's most expensive model."""
    attrs = df.attrs
    df = _bare(df)
    keys = ["profile"] + (["case"] if "case" in df.columns else []) + ["model", "provider"]
    monthly = totals(df, keys + ["month"])
    months = sorted(monthly["month"].astype(str).unique())
    wide = monthly.assign(month=monthly["month"].astype(str)).pivot(index=keys, columns="month",
                                                                     values="cost_usd")
    wide = wide.reindex(columns=months).map(lambda v: Decimal(0) if pd.isna(v) else v)
    wide.columns.name = None
    wide["total_usd"] = [dsum(row) for row in wide[months].itertuples(index=False)]
    out = wide.reset_index()
    group = ["profile"] + (["case"] if "case" in df.columns else [])
    out["rank"] = out.groupby(group, observed=True)["total_usd"].rank(method="min").astype(int)
    most = out.groupby(group, observed=True)["total_usd"].transform(lambda s: max(s))
    out["cheapest"] = out["rank"] == 1
    out["savings_vs_most_expensive_usd"] = [m - t for m, t in zip(most, out["total_usd"])]
    out["savings_pct"] = [((m - t) / m * 100).quantize(Decimal("0.1")) if m else Decimal(0)
                          for m, t in zip(most, out["total_usd"])]
    out = out.sort_values(group + ["rank", "model"]).reset_index(drop=True)
    for name in ("profile", "model", "provider"):
        out[name] = out[name].astype(str)
    out.attrs.update(attrs)
    return out


def cents(value: Decimal) -> Decimal:
    """To the cent, half to even; an amount that rounds to zero is 0.00, never -0.00 (a difference of
    -1e-40 between two equal totals is no saving)."""
    rounded = value.quantize(_CENT, rounding=ROUND_HALF_EVEN, context=_SUM_CONTEXT)
    return rounded if rounded else abs(rounded)
