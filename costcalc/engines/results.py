"""Engine sums back into costcalc: the rows `sql.sums_sql` returns (and `sql.problems_sql`'s first
unpriceable records) become a usage.partials.Partials keyed by outcome VALUE, so they merge with sums
from anywhere and finish into the exact report (usage.partials.finish_partials).

The sums must come from the plan given: every row carries the plan's hash and a row of another plan is
refused (its piece ids mean other prices). Pure computation: rows arrive as a DataFrame.
"""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pandas as pd

from ..errors import CostcalcError, Problem
from ..prices.model import TOOLS
from ..prices.names import LoggedNames
from ..usage.formats.common import MISSING
from ..usage.partials import Partials
from ..usage.price import OUTPUT_KEY, PROMPT_KEY
from ..usage.schema import COUNT_COLUMNS, TAG_PREFIX, TOOL_COLUMNS
from .plan import ANY_PROVIDER, DAY, NOT_IN_PLAN, Plan
from .sql import CALL_RECORDS, PROBLEM_COLUMNS, SUM_COLUMNS
from ..usage.price import Repricer


class PlanMismatch(CostcalcError):
    """Sums computed with another plan than the one given."""


_WHOLE = re.compile(r"^\d+(\.0*)?$")  # DuckDB's .df().to_csv writes an exact DECIMAL sum as 63965.0
_SIGNED = re.compile(r"^-?\d+(\.0*)?$")  # target and piece ids are negative on error rows
_EXACT_FLOAT = 2**53  # past it a float64 has lost digits (DuckDB's .df() turns DECIMAL sums into floats)


def _null(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _int(value: object, source: str, row: int, column: str, signed: bool = False) -> int:
    """A whole number as an engine or a CSV file returns it (int, numpy int, integral Decimal, text of
    digits with an all-zero fraction, a float of an integer up to 2**53); NULL is 0. Anything else (a
    fraction, a negative count, text, nan, inf, a float too big to be exact) is refused, never cut."""
    if _null(value) or (isinstance(value, str) and not value.strip()):
        return 0
    number: int | None = None
    if isinstance(value, str):
        text = value.strip()
        if (_SIGNED if signed else _WHOLE).match(text):
            number = int(text.split(".")[0])
    elif isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        number = int(value)
    elif isinstance(value, Decimal):
        number = int(value) if value.is_finite() and value == value.to_integral_value() else None
    elif isinstance(value, (float, np.floating)):
        exact = np.isfinite(value) and float(value).is_integer() and abs(value) <= _EXACT_FLOAT
        number = int(value) if exact else None
    if number is None or (number < 0 and not signed):
        allowed = "a whole number" if signed else "a whole number >= 0"
        raise CostcalcError(f"{source}: row {row}: {column}: {value!r}: must be {allowed}")
    return number


def _bool(value) -> bool:
    """A boolean as an engine or a CSV file returns it (True, 1, "true", "False", ...)."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "t", "1", "yes")
    return bool(value)


def _label(key: str, value: object, where: tuple[str, int]) -> str:
    if key == "month":
        return str(np.datetime64(_int(value, *where, key, signed=True), "M"))
    if key == "day":
        return str(np.datetime64(_int(value, *where, key, signed=True), "D"))
    return "" if _null(value) else str(value)


def _require(frame: pd.DataFrame, columns: list[str], source: str, what: str) -> None:
    """Every column the rows are read by, checked before any row is: one line naming those missing."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CostcalcError(f"{source}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}: "
                            f"{what} need {', '.join(columns)} (the columns of the SQL `costcalc sql reprice` prints)")


def partials_from_sums(plan: Plan, sums: pd.DataFrame, by: list[str], problems: pd.DataFrame | None = None,
                       notes: set[str] | None = None, source: str = "sums", table=None,
                       problems_source: str = "problems") -> Partials:
    """Partials of the records `sums` covers (records read = priced + reported). by: the keys the sums
    were grouped by (month, day, tag:NAME, in the order given to sums_sql). problems: problems_sql's
    rows (None: the unpriceable records are counted, not listed). notes: the assumptions to carry."""
    tags = [key for key in by if key.startswith(TAG_PREFIX)]
    _require(sums, ["plan_sha256", "grouped_by", "target", "piece", "estimated", "month", "day"] + list(SUM_COLUMNS),
             source, "the sums")
    hashes = set(sums["plan_sha256"].astype(str)) if len(sums) else set()
    if hashes - {plan.sha256}:
        raise PlanMismatch(f"{source}: computed with plan {', '.join(sorted(hashes - {plan.sha256}))}, not with "
                           f"this plan ({plan.sha256}): re-run the SQL `costcalc sql reprice` prints for this plan")
    grouped = {"" if _null(value) else str(value) for value in sums["grouped_by"]}
    if grouped - {",".join(by)}:
        shown = " or ".join(repr(g) for g in sorted(grouped - {",".join(by)}))
        raise CostcalcError(f"{source}: grouped_by: {shown}: the sums were grouped by that, not by {','.join(by)!r} "
                            f"as asked: give the same --by as the SQL's, or re-run `costcalc sql reprice` with this "
                            f"--by")
    _require(sums, [f"tag{i}" for i in range(len(tags))], source, f"sums grouped by {','.join(by)}")
    out = Partials([k for k in by], list(plan.models), dict(plan.price_table), notes=set(notes or ()))
    labels = plan.labels
    combos = []
    reported: dict[int, int] = {}  # records reported per error piece: what a problems list may name
    seen: dict[tuple, int] = {}  # each row's key -> its row number: one query gives each key once
    records_of: dict[int, int] = {}  # records per target (-1: every record of the table, once)
    key_columns = ["target", "piece", "estimated", "month", "day"] + [f"tag{i}" for i in range(len(tags))]
    for number, row in enumerate(sums.to_dict("records"), start=1):
        where = (source, number)
        target, piece = _int(row["target"], *where, "target", signed=True), _int(row["piece"], *where, "piece",
                                                                                  signed=True)
        records = _int(row["records"], *where, "records")
        row_key = tuple("" if _null(row[c]) else str(row[c]) for c in key_columns)
        if row_key in seen:
            raise CostcalcError(f"{source}: row {number}: repeats row {seen[row_key]} (the same target, piece and "
                                f"group): the SQL returns each once - were result files joined twice?")
        seen[row_key] = number
        records_of[target] = records_of.get(target, 0) + records
        if target == -1:  # a (name, tier, residency) combination seen: for the assumptions
            tier = _int(row["month"], *where, "month", signed=True)
            if 0 <= piece < len(plan.names) and 0 <= tier < len(plan.tiers):
                provider, model = plan.names[piece][:2]
                combos.append(("" if provider == ANY_PROVIDER else provider, model,
                               plan.tiers[tier][0], _bool(row["estimated"])))
            continue
        if not 0 <= target < len(labels) or piece >= len(plan.outcomes) or -1 - piece >= len(plan.errors):
            raise PlanMismatch(f"{source}: row {number}: a row names target {target} and piece {piece}, which this "
                               f"plan does not have")
        if piece < 0:
            message = plan.errors[-1 - piece][1]
            if target == 0:
                out.reported += records
                reported[piece] = reported.get(piece, 0) + records
            else:
                as_key = (labels[target], message)
                out.unpriced_as[as_key] = out.unpriced_as.get(as_key, 0) + records
            continue
        if target == 0:
            out.priced += records
        outcome = plan.outcomes[piece]
        group = tuple(_label(key, row[key if key in ("month", "day") else f"tag{tags.index(key)}"], where)
                      for key in by)
        counts = [records] + [_int(row[c], *where, c) for c in COUNT_COLUMNS + TOOL_COLUMNS]
        key = (group, labels[target], outcome, _bool(row["estimated"]))
        found = out.sums.get(key)
        out.sums[key] = counts if found is None else [a + b for a, b in zip(found, counts)]
        for tool, calls_column, records_column in zip(TOOLS, TOOL_COLUMNS, CALL_RECORDS):
            calls = _int(row[calls_column], *where, calls_column)
            if calls and outcome.fees[TOOLS.index(tool)] is None:
                entry = out.unpriced_calls.setdefault((labels[target], outcome.model, tool), [0, 0])
                entry[0] += _int(row[records_column], *where, records_column)
                entry[1] += calls
    out.records = out.priced + out.reported
    _check_complete(source, records_of, len(labels), out.priced)
    if table is not None and combos:
        instant = pd.Timestamp(plan.start_day * DAY, unit="s", tz="UTC")
        out.notes |= plan_notes(table, plan.models, pd.DataFrame(combos, columns=["provider", "model", "service_tier",
                                                                                  "residency"]), instant)
    if problems is not None:
        _check_problems(plan, problems, problems_source, reported)
        names = LoggedNames(table) if table is not None else None
        out.problems = [_problem(plan, row, names, (problems_source, number))
                        for number, row in enumerate(problems.to_dict("records"), start=1)]
    return out


def _check_complete(source: str, records_of: dict[int, int], targets: int, priced: int) -> None:
    """The sums must cover every record of the table once: rows of target -1 count the table's records,
    target 0 prices or reports each, and every --as target prices again exactly the records target 0
    priced. A result cut short (a query tool's row limit, a lost part file) fails one of these instead of
    printing smaller totals."""
    table_records = records_of.get(-1, 0)
    for target in range(targets):
        expected = table_records if target == 0 else priced
        if records_of.get(target, 0) != expected:
            what = "the table's records" if target == 0 else "the records the logged model priced"
            raise CostcalcError(f"{source}: the sums are incomplete: target {target} covers "
                                f"{records_of.get(target, 0):,} records, {what} are {expected:,}: export every row "
                                f"the SQL returns (a query tool may stop at a row limit)")


def _check_problems(plan: Plan, problems: pd.DataFrame, source: str, reported: dict[int, int]) -> None:
    """The problems list must come from this plan and from the records the sums report: each row's piece
    an error of the plan, and no more rows of an error than the sums count of it (a changed id would
    otherwise give a record another record's reason; a list longer than the count invents records)."""
    _require(problems, list(PROBLEM_COLUMNS), source, "the problems")
    hashes = set(problems["plan_sha256"].astype(str)) if len(problems) else set()
    if hashes - {plan.sha256}:
        raise PlanMismatch(f"{source}: computed with plan {', '.join(sorted(hashes - {plan.sha256}))}, not with "
                           f"this plan ({plan.sha256}): re-run the SQL `costcalc sql reprice --problems` prints "
                           f"for this plan")
    listed: dict[int, int] = {}
    for number, row in enumerate(problems.to_dict("records"), start=1):
        piece = _int(row["piece"], source, number, "piece", signed=True)
        if not -len(plan.errors) <= piece < 0:
            raise PlanMismatch(f"{source}: row {number}: piece: {piece}: must be an error of this plan, "
                               f"-1 to {-len(plan.errors)}")
        listed[piece] = listed.get(piece, 0) + 1
        if listed[piece] > reported.get(piece, 0):
            raise PlanMismatch(f"{source}: row {number}: {listed[piece]} records listed with piece {piece}, the sums "
                               f"report {reported.get(piece, 0)}: the problems and the sums are of different runs")


def _problem(plan: Plan, row: dict, names: LoggedNames | None, where: tuple[str, int]) -> Problem:
    column, message = plan.errors[-1 - _int(row["piece"], *where, "piece", signed=True)]
    if (column, message) == NOT_IN_PLAN and names is not None:
        # a name the plan does not know: the table may not know it either, and says why as the local pricer does
        provider = "" if row.get("provider") is None or pd.isna(row.get("provider")) else str(row["provider"])
        error = names.model_of(provider, str(row["model"]))[1]
        message = error or message
    if column == PROMPT_KEY:
        value: object = _int(row["prompt_tokens"], *where, "prompt_tokens")
    elif column == OUTPUT_KEY:
        value = _int(row["output_tokens"], *where, "output_tokens")
    elif column in COUNT_COLUMNS + TOOL_COLUMNS:  # a count no reader would read: negative, or NULL (missing)
        raw = row[f"count_{column}"]
        value = MISSING if _null(raw) else _int(raw, *where, f"count_{column}", signed=True)
    elif column == "residency":
        value = bool(row["residency"])
    elif column == "timestamp":
        value = str(pd.Timestamp(_int(row["sec"], *where, "sec", signed=True), unit="s", tz="UTC").isoformat())
    else:
        value = str(row[column])
    line = row.get("line")
    return Problem(str(row["src"]), None if _null(line) else _int(line, *where, "line"), column, value, message)


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
