"""Summaries of a projection DataFrame: month x model totals, cheapest model per profile, savings.

Flat functions in the empyrical style: take a DataFrame, return a new one, never mutate the input.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from .frames import with_money
from .frames.decimal import exact_ranks, money_array


def _bare(df: pd.DataFrame) -> pd.DataFrame:
    """A shallow copy without attrs: pandas deep-copies `attrs` into every intermediate frame of a
    groupby, and a result's metadata (requests per profile-model-month, assumptions) made that cost
    more than the arithmetic. Built by the constructor, which shares the columns (copy-on-write) and
    takes no attrs: df.copy(deep=False) deep-copied them once more only to drop them (20 ms of an
    estimate of 1,000 profiles)."""
    bare = pd.DataFrame(df, copy=False)
    bare.attrs = {}  # none taken; set, so a pandas that passed them on would still hand none to a groupby
    return bare


def _money(df: pd.DataFrame) -> pd.DataFrame:
    """cost_usd as the exact decimal dtype (a frame built by hand may hold Decimals in an object column)."""

    return with_money(df, ["cost_usd"])


def _as_text(column: pd.Series) -> pd.Series:
    """The column's values as text; a categorical stays one, its observed categories made text (36 months),
    not each of its rows (360,000 month totals of a summary)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        observed = column.cat.remove_unused_categories()
        names = observed.cat.categories.astype(str)
        if names.is_unique:  # else two categories read alike (1 and "1"): one text value, as astype(str) makes
            return observed.cat.rename_categories(names)
    return column.astype(str)


def totals(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """cost_usd summed exactly over `by` (categoricals keep only observed combinations)."""
    grouped = _money(_bare(df)).groupby(by, observed=True, sort=True)["cost_usd"].sum()
    return grouped.reset_index()


def summarize(df: pd.DataFrame) -> pd.DataFrame:
    """One row per profile (and case) and model: a column per month, `total_usd`, `complete`, `rank`
    within the profile (1 = cheapest), `cheapest`, and the savings against the profile's most expensive
    model. Money columns are exact decimals (costcalc's "decimal" dtype), savings_pct too (one decimal
    place). `complete` is False for a model with no price for all or part of some month (attrs
    `not_available`): its total is low for covering less, so complete models rank first and the cheapest
    and most expensive are among them (all models when none is complete), as the report's comparisons."""

    attrs = df.attrs
    df = _bare(df)
    keys = ["profile"] + (["case"] if "case" in df.columns else []) + ["model", "provider"]
    monthly = totals(df, keys + ["month"])
    month_text = _as_text(monthly["month"])
    months = sorted(month_text.unique())
    wide = monthly.assign(month=month_text).pivot(index=keys, columns="month", values="cost_usd")
    wide.columns = wide.columns.astype(str)
    wide = wide.reindex(columns=months).fillna(Decimal(0))  # a month without a cost line costs nothing
    wide.columns.name = None
    # column by column, exact decimal additions in order (0 + first month + ...) of the decimal arrays, without
    # a pandas operation per month
    total = money_array(np.full(len(wide), Decimal(0), dtype=object))
    for month in months:
        total = total + wide[month].array
    wide["total_usd"] = pd.Series(total, index=wide.index)
    out = wide.reset_index()
    group = ["profile"] + (["case"] if "case" in df.columns else [])
    missing = {(str(e["profile"]), str(e["model"])) for e in attrs.get("not_available") or []}
    out["complete"] = [(str(p), str(m)) not in missing for p, m in zip(out["profile"], out["model"])]
    # compared within a profile: its complete models, or all of them when none is complete
    any_complete = out.groupby(group, observed=True)["complete"].transform("any")
    compared = out["complete"] | ~any_complete
    ranks = pd.Series(exact_ranks(out["total_usd"].to_numpy()), index=out.index)
    # complete models first: an incomplete one ranks after every compared one (its total order kept)
    ranks = ranks + (~compared).astype(int) * (len(out) + 1)
    out["rank"] = ranks.groupby([out[g] for g in group], observed=True).rank(method="min").astype(int)
    compared_totals = out["total_usd"].where(compared)
    most = compared_totals.groupby([out[g] for g in group], observed=True).transform("max")
    out["cheapest"] = out["rank"] == 1
    out["savings_vs_most_expensive_usd"] = most - out["total_usd"]
    out["savings_pct"] = money_array(np.array(
        [((m - t) / m * 100).quantize(Decimal("0.1")) if m else Decimal(0)
         for m, t in zip(most, out["total_usd"])], dtype=object))
    out = out.sort_values(group + ["rank", "model"]).reset_index(drop=True)
    for name in ("profile", "model", "provider"):
        out[name] = out[name].astype(str)
    out.attrs.update(attrs)
    return out
