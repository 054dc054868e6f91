"""The result of a re-pricing run (RepriceResult) and its JSON: its own module so partials.py (which builds
one) and run.py (which builds Partials) both import it at the top, without an import cycle.

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cached_property

import numpy as np
import pandas as pd

from ..errors import _NO_VALUE, Problem
from ..money import decimal_text
from .totals import totals_by

SCHEMA = "costcalc.reprice/1"


@dataclass
class RepriceResult:
    """Grouped totals of a run with everything needed to trust them."""

    rows: pd.DataFrame  # Totals.frame(): by keys, priced_as, model, estimated, records, tokens, calls,
    #                     unpriced_calls, tool_fees_usd (of the priced calls, a part of cost_usd), cost_usd
    by: list[str]
    models: list[str]  # --as models, in the order asked
    records: int  # records read, good and bad
    priced: int
    reported: int
    problems: list[Problem]  # the first KEEP_PROBLEMS, with file and line
    assumptions: list[str]
    price_table: dict = field(default_factory=dict)
    components: pd.DataFrame | None = None  # long form per component (Totals.components), for variance
    # {priced_as: {tool: calls}}: tool calls no fee priced, left out of that label's total (not free)
    unpriced_calls: dict[str, dict[str, int]] = field(default_factory=dict)

    @cached_property
    def totals_usd(self) -> dict[str, Decimal]:
        """Total per priced_as: `logged` (what the records really cost), then each --as model."""
        found = totals_by(self.rows)
        return {label: found.get(label, Decimal(0)) for label in ["logged"] + self.models}

    @property
    def total_usd(self) -> Decimal:
        """What the priced records cost under their own (logged) models."""
        return self.totals_usd["logged"]

    def summary_line(self) -> str:
        return (f"{self.records:,} records: {self.priced:,} priced, {self.reported:,} reported"
                + (f" (first {len(self.problems):,} listed)" if self.reported > len(self.problems) else ""))

    def to_dict(self) -> dict:
        """The JSON of `costcalc reprice --format json`: money and rates as decimal strings."""
        rows = []
        for row in self.rows.to_dict("records"):
            rows.append({k: (decimal_text(v) if k in ("cost_usd", "tool_fees_usd") else _plain(v))
                         for k, v in row.items()})
        return {
            "schema": SCHEMA,
            "price_table": {"version": self.price_table.get("version"), "sha256": self.price_table.get("sha256")},
            "by": self.by,
            "as_models": self.models,
            "records": self.records,
            "priced": self.priced,
            "reported": self.reported,
            "total_usd": decimal_text(self.total_usd),
            "totals_usd": {k: decimal_text(v) for k, v in self.totals_usd.items()},
            # what each total leaves out: a total over unpriced calls is a lower bound, not the bill
            "unpriced_calls": {label: dict(self.unpriced_calls.get(label, {})) for label in self.totals_usd},
            "assumptions": self.assumptions,
            "rows": rows,
            "problems": [{"file": p.file, "line": p.line, "key": p.key, "value": _plain(p.value),
                          "message": p.message} for p in self.problems],
            "problems_not_listed": self.reported - len(self.problems),
        }


def _plain(value):
    """A JSON-ready value: numpy scalars as Python ones, instants and decimals as text, a missing value
    (errors._NO_VALUE) as null."""
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.isoformat()
    return None if value is _NO_VALUE else str(value)
