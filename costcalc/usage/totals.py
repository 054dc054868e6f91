"""Grouped re-pricing totals that stream: integer token sums per (group keys, outcome) accumulate chunk
by chunk, and money is computed once at the end from those sums, so chunked and whole-file totals are
identical to the last digit."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from ..prices.model import COMPONENTS
from ..summary import dsum
from .price import Outcome, PricedSlice, outcome_cost
from .schema import COUNT_COLUMNS, TAG_PREFIX

BY_CHOICES = ("month", "day", "model", "tag:NAME")
# Partial sums are merged when this many rows have piled up (bounds memory for day x tag groupings).
_MERGE_ROWS = 200_000
_DAY_SECONDS = 86_400


def check_by(by: list[str], columns=None) -> list[str]:
    """Validate --by keys; `model` is always a key of the output and needs no mention."""
    out = []
    for key in by:
        if key in ("month", "day"):
            out.append(key)
        elif key == "model":
            continue
        elif key.startswith(TAG_PREFIX) and len(key) > len(TAG_PREFIX):
            out.append(key)
        else:
            raise ValueError(f"cannot group by {key!r}; allowed: month, day, model, tag:NAME")
    return out


class Totals:
    """Accumulates grouped token sums over priced chunks; `frame()` turns them into money."""

    def __init__(self, by: list[str], priced_as: list[str]):
        self.by = check_by(by)
        self.priced_as = priced_as  # label per target, in Repricer.targets order
        self._parts: list[pd.DataFrame] = []
        self._rows = 0

    def add(self, frame: pd.DataFrame, priced: PricedSlice) -> None:
        good = frame.loc[priced.good] if not priced.good.all() else frame
        keys = self._keys(good)
        for label, ids, tokens, estimated in zip(self.priced_as, priced.outcome, priced.tokens,
                                                 priced.estimated):
            part = pd.DataFrame(keys | {"priced_as": label, "outcome": ids, "estimated": estimated})
            for i, column in enumerate(COUNT_COLUMNS):
                part[column] = tokens[:, i]
            part["records"] = np.ones(len(part), dtype=np.int64)
            self._parts.append(_sum(part, self.by))
            self._rows += len(self._parts[-1])
        if self._rows > _MERGE_ROWS and len(self._parts) > 1:
            self._parts = [_sum(pd.concat(self._parts, ignore_index=True), self.by)]
            self._rows = len(self._parts[0])

    def _keys(self, good: pd.DataFrame) -> dict:
        keys = {}
        for key in self.by:
            if key == "month":
                keys["month"] = good["timestamp"].to_numpy(dtype="datetime64[ns]").astype("datetime64[M]")
            elif key == "day":
                keys["day"] = good["timestamp"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
            else:
                keys[key] = (good[key].astype(object).where(good[key].notna(), "").to_numpy()
                             if key in good else np.full(len(good), "", dtype=object))
        return keys

    def frame(self, outcomes: list[Outcome]) -> pd.DataFrame:
        """One row per group key, priced-as label and model: records, tokens per component and exact
        cost_usd (Decimal). Sorted by the keys, then priced_as in the order asked, then model."""
        columns = self.by + ["priced_as", "model", "estimated", "records"] + list(COUNT_COLUMNS) + ["cost_usd"]
        if not self._parts:
            return pd.DataFrame(columns=columns)
        sums = _sum(pd.concat(self._parts, ignore_index=True), self.by)
        tokens = sums[list(COUNT_COLUMNS)].to_numpy()
        sums["cost_usd"] = [outcome_cost(outcomes[int(o)], row) for o, row in zip(sums["outcome"], tokens)]
        sums["model"] = [outcomes[int(o)].model for o in sums["outcome"]]
        group = self.by + ["priced_as", "model", "estimated"]
        out = sums.groupby(group, sort=False, dropna=False).agg(
            {"records": "sum", **{c: "sum" for c in COUNT_COLUMNS}, "cost_usd": dsum}).reset_index()
        order = {label: i for i, label in enumerate(self.priced_as)}
        out["_order"] = out["priced_as"].map(order)
        out = out.sort_values(self.by + ["_order", "model", "estimated"], kind="stable").drop(columns="_order")
        for key in ("month", "day"):
            if key in out:
                out[key] = out[key].astype(str).str.slice(0, 7 if key == "month" else 10)
        return out[columns].reset_index(drop=True)


def _sum(part: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return part.groupby(by + ["priced_as", "outcome", "estimated"], sort=False, dropna=False).sum().reset_index()


def totals_by(frame: pd.DataFrame) -> dict[str, Decimal]:
    """Total cost per priced_as label (logged first), exact."""
    out: dict[str, Decimal] = {}
    for label, cost in zip(frame["priced_as"], frame["cost_usd"]):
        out[label] = out.get(label, Decimal(0)) + cost
    return out


__all__ = ["BY_CHOICES", "Totals", "check_by", "totals_by", "COMPONENTS"]
