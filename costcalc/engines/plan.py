"""The price table compiled for an engine: a segments table and a few small lookup tables, hashed.

A record's price depends on its instant and on a handful of other things: the model it is priced as,
its service tier, data residency and prompt-size class (prompts between two cliffs price alike). The
plan names each such combination a *group* and cuts every group's period into pieces of constant price
(costcalc's own resolver: promotions, peak/off-peak windows, routing, launches, retirements; and calendar
months, as the local pricer cuts). An engine finds a record's piece with an equi-join on (group, day) plus
a range filter on the second: no Python, no time-zone function, the same SQL on DuckDB, Spark and
warehouses.

The plan is compact: one `segments` row per piece, with the first and last UTC day it touches (about 2,200
rows for a year of every model: DeepSeek's daily off-peak windows are a piece a day, other groups a piece
per price period and month), and the SQL expands each piece to one row per (group, day) on the engine
(sql.py: DuckDB `generate_series`, Spark `sequence`, BigQuery `GENERATE_ARRAY`, Snowflake
`ARRAY_GENERATE_RANGE`). Shipping a row per group and day instead made a year's plan ~93,000 rows (2 MB).

A piece is an outcome id (>= 0, an index into `outcomes`) or -1 - an error id (no price then, not
launched, retired). The small tables (the names rows with their --as ratios, class cut-offs and limits,
the tiers, and the lookup of group and limit-error ids sql.py builds from `groups`) are inlined in the SQL
(engines/sql.py); only `segments` is a table of its own.

The plan's `sha256` covers every table: sums computed with one plan are refused by another (outcome ids
are the plan's own; see usage/partials.py for why ids from different builds must never be mixed).

Pure computation: the price table and the period arrive as arguments.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import numpy as np

from .. import calendar as cal
from ..errors import CostcalcError
from ..money import decimal_text
from ..prices.limits import CONTEXT, MAX_OUTPUT, above
from ..prices.model import TIERS, TOOLS, PriceTable
from ..prices.names import LoggedNames
from ..prices.resolve import Request, normalize_tier, segments
from ..tokens.tokenizers import translation_ratio
from ..usage.formats.common import (CALLS_RULE, COUNT_RULE, MAX_TOKENS, SCALE_MESSAGE, TIER_OF, TIER_RULE,
                                    TOO_MANY_CALLS, TOO_MANY_TOKENS)
from ..usage.price import OUTPUT_KEY, PROMPT_KEY, Outcome, Repricer
from ..usage.schema import COUNT_COLUMNS, TOOL_COLUMNS

SCHEMA = "costcalc.plan/3"  # /1 held a segments row per group and day; /2 keyed tiers as logged (no scale row)
# The segments table's columns: a piece of constant price of one group, over days [first_day, last_day]
# (epoch days) and seconds [start_s, end_s); `month` (epoch month) is the one the piece was cut in.
SEGMENT_COLUMNS = ("grp", "first_day", "last_day", "month", "start_s", "end_s", "piece")
DAY = 86400
ANY_PROVIDER = "*"  # a names row matching every logged provider (plans built from the table alone)
# Errors every plan knows, whatever it was built from: a record outside what the plan covers.
NOT_IN_PLAN = ("model", "not covered by this plan (model, tier or residency): build the plan from these logs, "
                       "or with --models naming the model")
OUTSIDE = ("timestamp", "instant outside the plan's period: build the plan with --from/--until covering it")
# A logged service tier the plan does not name: the readers' own rule (a usage table holds tiers as logged).
UNKNOWN_TIER = ("service_tier", "unknown service tier; " + TIER_RULE)
# Counts a table holds that no reader would have read (negative, or a required one NULL): the readers' reasons,
# found before any other (as the readers find them while reading), per column.
REQUIRED_COUNTS = ("input_tokens", "output_tokens")
COUNT_ERRORS = tuple((c, COUNT_RULE) for c in COUNT_COLUMNS) + tuple((c, CALLS_RULE) for c in TOOL_COLUMNS)
MISSING_COUNT_ERRORS = tuple((c, "missing; " + COUNT_RULE) for c in REQUIRED_COUNTS)
# A count of MAX_TOKENS (10^15) or more: the readers refuse it (usage/formats/common.py), so does the SQL.
TOO_MANY_ERRORS = tuple((c, TOO_MANY_TOKENS) for c in COUNT_COLUMNS) + tuple((c, TOO_MANY_CALLS) for c in TOOL_COLUMNS)


@dataclass
class Plan:
    """Every table an engine needs, as plain rows (lists of tuples), plus outcomes and errors."""

    price_table: dict  # PriceTable.meta()
    start_day: int  # epoch days, the period [start_day, end_day)
    end_day: int
    models: list[str]  # --as model ids
    names: list[tuple]  # (provider or ANY_PROVIDER, logged model, model_id or None, error id or None)
    tiers: list[tuple]  # (logged service_tier, tier or None, error id or None)
    classes: list[tuple]  # (model_id, class, lo, hi or None): prompt tokens in [lo, hi)
    limits: list[tuple]  # (model_id, context or None, context error id, max output or None, its error id)
    ratios: list[tuple]  # (target, own model_id, num, den): --as counts = (t x 2num + den) div 2den
    groups: list[tuple]  # (group, target, model_id, tier, residency, class, error id or None)
    segments: list[tuple]  # SEGMENT_COLUMNS: (group, first day, last day, month, start second, end second, piece)
    outcomes: list[Outcome]
    errors: list[tuple[str, str]]  # (record column at fault, message)
    sha256: str = field(default="")

    @property
    def labels(self) -> list[str]:
        return ["logged"] + self.models

    @property
    def segment_days(self) -> int:
        """The (group, day) rows the SQL expands the segments to."""
        return sum(last - first + 1 for _g, first, last, *_rest in self.segments)

    def error_id(self, error: tuple[str, str]) -> int:
        return self.errors.index(error)

    # -- serialization ----------------------------------------------------------------------------
    def segments_hash(self) -> str:
        digest = hashlib.sha256()
        for row in self.segments:
            digest.update((",".join(map(str, row)) + "\n").encode())
        return digest.hexdigest()

    def to_json(self) -> dict:
        """Everything but the segments' rows (their hash instead), as JSON: rates and fees as exact
        decimal strings. Enough to print the SQL and to finish sums; the segments travel as a table."""
        return {"schema": SCHEMA, "sha256": self.sha256, "segments_sha256": self.segments_hash(),
                "price_table": self.price_table, "start_day": self.start_day, "end_day": self.end_day,
                "models": self.models, "names": self.names, "tiers": self.tiers, "classes": self.classes,
                "limits": self.limits, "ratios": self.ratios, "groups": self.groups,
                "errors": [list(e) for e in self.errors], "outcomes": [_outcome_json(o) for o in self.outcomes]}

    @classmethod
    def from_json(cls, data: dict, segments_rows: list[tuple] | None = None, source: str = "plan") -> Plan:
        """The plan `to_json` wrote, its hash checked; without `segments_rows` the plan has none (enough
        for the SQL and for finishing sums), with them their hash is checked too."""
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            found = data.get("schema") if isinstance(data, dict) else None
            older = " (compiled by an older costcalc: compile it again with costcalc sql plan)" \
                if isinstance(found, str) and found.startswith("costcalc.plan/") else ""
            raise CostcalcError(f"{source}: not a costcalc price plan (schema {found!r}; expected {SCHEMA}){older}")
        try:
            plan = cls(data["price_table"], int(data["start_day"]), int(data["end_day"]), list(data["models"]),
                       [tuple(r) for r in data["names"]], [tuple(r) for r in data["tiers"]],
                       [tuple(r) for r in data["classes"]], [tuple(r) for r in data["limits"]],
                       [tuple(r) for r in data["ratios"]], [tuple(r) for r in data["groups"]],
                       [tuple(int(v) for v in r) for r in segments_rows or []],
                       [_outcome_of(o) for o in data["outcomes"]], [tuple(e) for e in data["errors"]])
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise CostcalcError(f"{source}: not a valid costcalc price plan ({type(exc).__name__}: {exc})") from None
        recorded = data.get("segments_sha256")
        if segments_rows is not None and plan.segments_hash() != recorded:
            raise CostcalcError(f"{source}: the segments table was altered: it hashes to {plan.segments_hash()}, "
                                f"not the {recorded} the plan records")
        plan.sha256 = plan.content_hash(recorded)
        if plan.sha256 != data.get("sha256"):
            raise CostcalcError(f"{source}: price plan altered: its content hashes to {plan.sha256}, not the "
                                f"{data.get('sha256')} it records")
        return plan

    def content_hash(self, segments_sha256: str | None = None) -> str:
        """sha256 of the canonical JSON of every table (the segments by their own hash)."""
        body = self.to_json() if segments_sha256 is None else {**self.to_json(), "segments_sha256": segments_sha256}
        body.pop("sha256")
        return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _outcome_json(o: Outcome) -> list:
    return [o.model, o.billed_model, o.provider, o.rule, [decimal_text(r) for r in o.rates],
            [None if f is None else decimal_text(f) for f in o.fees]]


def _outcome_of(row: list) -> Outcome:
    model, billed, provider, rule, rates, fees = row
    return Outcome(model, billed, provider, rule, tuple(Decimal(r) for r in rates),
                   tuple(None if f is None else Decimal(f) for f in fees))


def epoch_day(instant: datetime) -> int:
    return int(instant.replace(tzinfo=instant.tzinfo or timezone.utc).timestamp()) // DAY


SCALE = "scale"  # OpenAI's Scale Tier as logged: prepaid capacity, refused with the readers' message


def tier_key(logged: object) -> str:
    """A logged service tier as the SQL's `u` CTE keys it: LOWER(TRIM(COALESCE(tier, ''))) (TRIM strips spaces
    only, in every dialect; the readers' strip() also strips tabs and line breaks)."""
    return "" if logged is None else str(logged).strip(" ").lower()


def build_plan(table: PriceTable, start_day: int, end_day: int, models: list[str] | None = None,
               names: list[tuple[str, str]] | None = None, tiers: list[str] | None = None,
               residency: list[bool] | None = None, resolver: LoggedNames | None = None) -> Plan:
    """The plan for records in epoch days [start_day, end_day), priced as logged and as each of `models`.

    names: the logged (provider, model) pairs to resolve (an engine asks its data for the distinct
    pairs); None: every model id and alias of the table, for any provider. resolver: the run's, whose
    answers (which unknown names were given "did you mean") the plan takes (with names None, not used: the
    table's names are all known); None: the plan's own, which resolves `names` in sorted order. tiers: the logged
    service_tier values (None: every tier and alias). residency: the residency values seen (None: both)."""
    if end_day <= start_day:
        raise CostcalcError("the plan's period is empty: --until must come after --from")
    # its registries number outcomes and errors (a plan of its own: ids from 0, whatever ran before, so the
    # plan's content and hash depend on its inputs only); its targets resolve --as
    repricer = Repricer(table, models, shared=False)
    for column, message in (NOT_IN_PLAN, OUTSIDE, UNKNOWN_TIER) + COUNT_ERRORS + MISSING_COUNT_ERRORS + TOO_MANY_ERRORS:
        repricer._error_id(message, column)
    name_rows = _names(table, repricer, names, resolver)
    tier_rows: list[tuple[str, str | None, int | None]] = []
    if tiers is None:  # tiers as logged: what the readers accept (usage/formats/common.py), "" = standard
        tier_rows = [(raw, tier, None) for raw, tier in sorted((k, v) for k, v in TIER_OF.items() if k is not None)]
        # Scale Tier: the readers' own message (the SQL's tier is trimmed and lower-cased, as theirs)
        tier_rows.append((SCALE, None, repricer._error_id(SCALE_MESSAGE, "service_tier")))
    for raw in sorted({tier_key(t) for t in tiers or ()}):
        if raw in TIER_OF:
            tier_rows.append((raw, TIER_OF[raw], None))
        elif raw == SCALE:
            tier_rows.append((raw, None, repricer._error_id(SCALE_MESSAGE, "service_tier")))
        else:
            try:
                tier_rows.append((raw, normalize_tier(raw), None))
            except CostcalcError as exc:
                tier_rows.append((raw, None, repricer._error_id(str(exc), "service_tier")))
    valid_tiers = sorted({t for _, t, _ in tier_rows if t is not None}, key=TIERS.index)
    residencies = [False, True] if residency is None else sorted(set(residency))
    own_models = sorted({mid for _, _, mid, _ in name_rows if mid is not None})

    # classes and limits of every model a record can be priced as
    as_models = [t.model_id for t in repricer.targets[1:] if t.model_id is not None]
    priced_models = sorted(set(own_models) | set(as_models))
    classes: list[tuple] = []
    limits: list[tuple] = []
    for model_id in priced_models:
        bounds = [0] + [int(t) for t in repricer.thresholds(model_id)]
        for cls, lo in enumerate(bounds):
            classes.append((model_id, cls, lo, bounds[cls + 1] if cls + 1 < len(bounds) else None))
        model = table.models[model_id]
        context, output = model.context_window, model.max_output_tokens
        limits.append((model_id, context,
                       None if context is None else repricer._error_id(above(model_id, CONTEXT, context), PROMPT_KEY),
                       output,
                       None if output is None else repricer._error_id(above(model_id, MAX_OUTPUT, output), OUTPUT_KEY)))
    ratios: list[tuple] = []
    for k, target in enumerate(repricer.targets[1:], start=1):
        for model_id in own_models:
            ratio = translation_ratio(table.models[model_id].tokenizer, target.tokenizer)
            if ratio is not None:
                ratios.append((k, model_id, ratio[0], ratio[1]))

    start = datetime.fromtimestamp(start_day * DAY, timezone.utc)
    end = datetime.fromtimestamp(end_day * DAY, timezone.utc)
    groups: list[tuple] = []
    seg_rows: list[tuple] = []
    for k, target in enumerate(repricer.targets):
        for model_id in (own_models if target.name is None else [str(target.model_id)]):
            n_classes = len([c for c in classes if c[0] == model_id])
            for tier in valid_tiers:
                for res in residencies:
                    error = repricer._group_error(target, model_id, None, tier, res)
                    for cls in range(n_classes):
                        group = len(groups)
                        groups.append((group, k, model_id, tier, res, cls, None if error is None else -1 - error))
                        if error is None:
                            seg_rows.extend(_pieces(repricer, target, model_id, tier, res, cls, group, start, end))
    return _hashed(Plan(table.meta(), start_day, end_day, as_models, name_rows,
                        tier_rows, classes, limits, ratios, groups, seg_rows,
                        list(repricer.outcomes), list(repricer._errors)))


def _hashed(plan: Plan) -> Plan:
    plan.sha256 = plan.content_hash()
    return plan


def _names(table: PriceTable, repricer: Repricer, names: list[tuple[str, str]] | None,
           resolver: LoggedNames | None) -> list[tuple]:
    rows = []
    if names is None:  # every name of the table, for any provider: resolved on their own (no run's resolver)
        every = LoggedNames(table)
        for name in sorted(set(table.models) | set(table.aliases)):
            model_id, error = every.model_of("", name)
            rows.append((ANY_PROVIDER, name, model_id, None if error is None else repricer._error_id(error, "model")))
        return rows
    model_of = repricer.model_of if resolver is None else resolver.model_of
    for provider, model in sorted(set(names)):
        model_id, error = model_of(provider, model)
        rows.append((provider, model, model_id, None if error is None else repricer._error_id(error, "model")))
    return rows


def _pieces(repricer: Repricer, target, model_id: str, tier: str, residency: bool, cls: int, group: int,
            start: datetime, end: datetime) -> list[tuple]:
    """Rows (group, first day, last day, month, start second, end second, piece) of one group over
    [start, end): one per piece of constant price within a calendar month."""
    tier, residency = repricer._request_for(target, model_id, tier, residency)
    thresholds = repricer.thresholds(model_id)
    prompt = int(thresholds[cls - 1]) if cls else 0
    label = target.model_id or model_id
    rows: list[tuple[int, int, int, int, int, int, int]] = []
    # cut month by month, as the local pricer does (usage/price.py month_cuts): an error names the month
    # asked for, and the pieces must be the same to give the same problems
    month = int(np.datetime64(int(start.timestamp()) // DAY, "D").astype("datetime64[M]").view(np.int64))
    while True:
        m_start, m_end = cal.epoch_month_bounds(month)
        if m_start >= end:
            break
        lo_month, hi_month = max(m_start, start), min(m_end, end)
        for a, b, res in segments(repricer.table, model_id, m_start, m_end, Request(prompt, tier, residency),
                                  errors="return"):
            piece = (-1 - repricer._error_id(str(res)) if isinstance(res, CostcalcError)
                     else repricer._outcome_id(label, res))
            lo, hi = int(max(a, lo_month).timestamp()), int(min(b, hi_month).timestamp())
            if lo >= hi:
                continue
            if rows and rows[-1][3] == month and rows[-1][6] == piece and rows[-1][5] == lo:
                # a cut that changes nothing billed (a rule's label, an equal-rate window): one piece
                rows[-1] = (group, rows[-1][1], (hi - 1) // DAY, month, rows[-1][4], hi, piece)
            else:
                rows.append((group, lo // DAY, (hi - 1) // DAY, month, lo, hi, piece))
        month += 1
    return rows


def day_range(first: datetime, last: datetime) -> tuple[int, int]:
    """[start_day, end_day) covering both instants."""
    return epoch_day(first), epoch_day(last + timedelta(days=1))


__all__ = ["ANY_PROVIDER", "MAX_TOKENS", "NOT_IN_PLAN", "OUTSIDE", "SEGMENT_COLUMNS", "TOO_MANY_ERRORS", "UNKNOWN_TIER",
           "Plan", "SCHEMA", "TOOLS", "build_plan", "day_range", "epoch_day"]
