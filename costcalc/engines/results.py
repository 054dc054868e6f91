"""Engine sums back into costcalc: the rows `sql.sums_sql` returns (and `sql.problems_sql`'s first
unpriceable records) become a usage.partials.Partials keyed by outcome VALUE, so they merge with sums
from anywhere and finish into the exact report (usage.partials.finish_partials).

The sums must come from the plan given: every row carries the plan's hash and a row of another plan is
refused (its piece ids mean other prices). Pure computation: rows arrive as a DataFrame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import CostcalcError, Problem
from ..prices.model import TOOLS
from ..prices.names import LoggedNames
from ..usage.partials import Partials
from ..usage.price import OUTPUT_KEY, PROMPT_KEY
from ..usage.schema import COUNT_COLUMNS, TAG_PREFIX, TOOL_COLUMNS
from .plan import ANY_PROVIDER, DAY, NOT_IN_PLAN, Plan
from .sql import CALL_RECORDS
from ..usage.price import Repricer


class PlanMismatch(CostcalcError):
    """Sums computed with another plan than the one given."""


def _int(value) -> int:
    """An integer sum as the engine returns it (int, numpy int, Decimal, float of an integer, text)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return 0
    if isinstance(value, str):
        return int(value.split(".")[0]) if value else 0
    return int(value)


def _bool(value) -> bool:
    """A boolean as an engine or a CSV file returns it (True, 1, "true", "False", ...)."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "t", "1", "yes")
    return bool(value)


def _label(key: str, value) -> str:
    if key == "month":
        return str(np.datetime64(_int(value), "M"))
    if key == "day":
        return str(np.datetime64(_int(value), "D"))
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def partials_from_sums(plan: Plan, sums: pd.DataFrame, by: list[str], problems: pd.DataFrame | None = None,
                       notes: set[str] | None = None, source: str = "sums", table=None) -> Partials:
    """Partials of the records `sums` covers (records read = priced + reported). by: the keys the sums
    were grouped by (month, day, tag:NAME, in the order given to sums_sql). problems: problems_sql's
    rows (None: the unpriceable records are counted, not listed). notes: the assumptions to carry."""
    hashes = set(sums["plan_sha256"].astype(str)) if len(sums) else set()
    if hashes - {plan.sha256}:
        raise PlanMismatch(f"{source}: computed with plan {', '.join(sorted(hashes - {plan.sha256}))}, not with "
                           f"this plan ({plan.sha256}): re-run the SQL `costcalc sql reprice` prints for this plan")
    tags = [key for key in by if key.startswith(TAG_PREFIX)]
    out = Partials([k for k in by], list(plan.models), dict(plan.price_table), notes=set(notes or ()))
    labels = plan.labels
    combos = []
    for row in sums.to_dict("records"):
        target, piece, records = _int(row["target"]), _int(row["piece"]), _int(row["records"])
        if target == -1:  # a (name, tier, residency) combination seen: for the assumptions
            if 0 <= piece < len(plan.names) and 0 <= _int(row["month"]) < len(plan.tiers):
                provider, model = plan.names[piece][:2]
                combos.append(("" if provider == ANY_PROVIDER else provider, model,
                               plan.tiers[_int(row["month"])][0], _bool(row["estimated"])))
            continue
        if not 0 <= target < len(labels) or piece >= len(plan.outcomes) or -1 - piece >= len(plan.errors):
            raise PlanMismatch(f"{source}: a row names target {target} and piece {piece}, which this plan "
                               f"does not have")
        if piece < 0:
            message = plan.errors[-1 - piece][1]
            if target == 0:
                out.reported += records
            else:
                as_key = (labels[target], message)
                out.unpriced_as[as_key] = out.unpriced_as.get(as_key, 0) + records
            continue
        if target == 0:
            out.priced += records
        outcome = plan.outcomes[piece]
        group = tuple(_label(key, row[key if key in ("month", "day") else f"tag{tags.index(key)}"]) for key in by)
        counts = [records] + [_int(row[c]) for c in COUNT_COLUMNS + TOOL_COLUMNS]
        key = (group, labels[target], outcome, _bool(row["estimated"]))
        found = out.sums.get(key)
        out.sums[key] = counts if found is None else [a + b for a, b in zip(found, counts)]
        for tool, calls_column, records_column in zip(TOOLS, TOOL_COLUMNS, CALL_RECORDS):
            calls = _int(row[calls_column])
            if calls and outcome.fees[TOOLS.index(tool)] is None:
                entry = out.unpriced_calls.setdefault((labels[target], outcome.model, tool), [0, 0])
                entry[0] += _int(row[records_column])
                entry[1] += calls
    out.records = out.priced + out.reported
    if table is not None and combos:
        instant = pd.Timestamp(plan.start_day * DAY, unit="s", tz="UTC")
        out.notes |= plan_notes(table, plan.models, pd.DataFrame(combos, columns=["provider", "model", "service_tier",
                                                                                  "residency"]), instant)
    if problems is not None:
        names = LoggedNames(table) if table is not None else None
        out.problems = [_problem(plan, row, names) for row in problems.to_dict("records")]
    return out


def _problem(plan: Plan, row: dict, names: LoggedNames | None) -> Problem:
    column, message = plan.errors[-1 - _int(row["piece"])]
    if (column, message) == NOT_IN_PLAN and names is not None:
        # a name the plan does not know: the table may not know it either, and says why as the local pricer does
        provider = "" if row.get("provider") is None or pd.isna(row.get("provider")) else str(row["provider"])
        error = names.model_of(provider, str(row["model"]))[1]
        message = error or message
    if column == PROMPT_KEY:
        value: object = _int(row["prompt_tokens"])
    elif column == OUTPUT_KEY:
        value = _int(row["output_tokens"])
    elif column == "residency":
        value = bool(row["residency"])
    elif column == "timestamp":
        value = str(pd.Timestamp(_int(row["sec"]), unit="s", tz="UTC").isoformat())
    else:
        value = str(row[column])
    line = row.get("line")
    return Problem(str(row["src"]), None if line is None or pd.isna(line) else _int(line), column, value, message)





def plan_notes(table, models: list[str], combos: pd.DataFrame, instant: pd.Timestamp) -> set[str]:
    """The assumptions costcalc's own pricer makes for records with these distinct (provider, model,
    service_tier, residency) values: names resolved through aliases or snapshots, counts translated for
    --as models, tiers an --as model does not offer. What they say depends on those values only, so a
    record of zero tokens per combination, priced by the local Repricer, says exactly the same."""

    repricer = Repricer(table, models, shared=False)
    frame = combos[["provider", "model", "service_tier", "residency"]].astype(
        {"provider": str, "model": str, "service_tier": str, "residency": bool}).reset_index(drop=True)
    frame.insert(0, "timestamp", instant)
    for column in COUNT_COLUMNS + TOOL_COLUMNS:
        frame[column] = np.zeros(len(frame), dtype=np.int64)
    if len(frame):
        repricer.price(frame)
    return set(repricer.assumptions)
__all__ = ["PlanMismatch", "partials_from_sums", "plan_notes"]
