"""JSON Schemas (draft 2020-12) of the files costcalc reads and writes: the price table (pricing.yaml and
overlays), workload profiles, and the estimate document. `costcalc schema prices|workloads|estimate`
prints one; the same text ships in the package as costcalc/data/schemas/NAME.schema.json, so an editor
(VS Code's YAML extension: `# yaml-language-server: $schema=...`) can complete and check a file as it is
typed.

The schemas are built here from the loaders' own key lists and allowed values (one home for each), so a
key added to a loader appears in its schema; tests/test_schemas.py checks the shipped files equal what is
built here and that the bundled files validate. A schema describes the shape (keys, types, allowed
words, patterns); the loaders remain the authority for what needs context (a range's low <= high, shares
that sum to 1, a price rule per instant), and say so in one line naming file, line and key.
"""

from __future__ import annotations

import json
from importlib import resources

from .prices import load
from .prices.model import COMPONENTS, TIER_ALIASES, TIERS, WEEKDAYS
from .report import document
from .tokens.tokenizers import TOKENIZERS
from .workload_plans import BUDGET_KEYS, BUDGET_SCOPES
from .workloads import model as workload_model
from .workloads import read_shapes as shape_keys
from .workloads.conversation import MAX_STEPS
from .workloads.failures import BILLED
from .workloads.model import CACHE_TTLS, CASES, REASONING_MODES
from .workloads.units import UNIT_PATTERN

NAMES = ("prices", "workloads", "estimate")
_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_BASE = "https://costcalc.dev/schemas/"  # an identifier only: nothing is fetched from it

# -- shared pieces -------------------------------------------------------------------------------------

_INSTANT = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})$",
            "description": "An exact instant with a UTC offset, to the minute: 2026-05-31T16:00Z"}
_DAY = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "A date like 2026-11-22"}
_NOTES = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
_SOURCE = {"type": "string", "pattern": r"^(https?://|file:|contract:)\S+$",
           "description": "Where the figure was read: a URL, file:PATH or contract:REFERENCE"}
_LABEL = {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$"}
_PRICE = {"type": "number", "minimum": 0}


def _closed(properties: dict, required: tuple[str, ...] = (), description: str | None = None) -> dict:
    """An object with exactly these keys (unknown keys are errors in every costcalc file)."""
    out: dict = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    if description:
        out["description"] = description
    return out


def _keys(keys: tuple[str, ...], known: dict) -> dict:
    """`known` restricted to `keys`, in the loader's order; a key without a description is any value
    (the loader checks it), so a key list change never drops a key from the schema."""
    return {key: known.get(key, {}) for key in keys}


# -- the price table -----------------------------------------------------------------------------------

def prices_schema() -> dict:
    rates = _closed({c: _PRICE for c in load.RATE_KEYS}, ("input", "output"),
                    "USD per 1M tokens; cache reads and writes bill as input and reasoning as output when "
                    "left out")
    native = {"type": "object", "propertyNames": {"pattern": "^[A-Z]{3}$", "not": {"const": "USD"}},
              "additionalProperties": _closed({c: _PRICE for c in load.RATE_KEYS}, ("input", "output")),
              "description": "The provider's own list prices in another currency, per 1M tokens"}
    when = _closed(_keys(load._WHEN_KEYS, {
        "from": _INSTANT, "until": _INSTANT,
        "timezone": {"type": "string", "description": "An IANA time zone, like Asia/Shanghai"},
        "hours": {"type": "array", "minItems": 1,
                  "items": {"type": "string", "pattern": r"^\d{2}:\d{2}-\d{2}:\d{2}$"}},
        "weekdays": {"type": "array", "minItems": 1, "items": {"enum": list(WEEKDAYS)}},
        "holidays": _closed({"calendar": {"type": "string"}, "on": {"type": "boolean"}}, ("calendar", "on")),
        "prompt_tokens_above": {"type": "integer", "minimum": 0},
        "prompt_tokens_at_most": {"type": "integer", "minimum": 0},
        "tiers": {"type": "array", "items": {"enum": list(TIERS)}},
        "residency": {"type": "boolean"}}), description="Conditions, all of which must hold (AND)")
    sourced = {"source": _SOURCE, "checked": _DAY, "note": {"type": "string"}}
    factor = {"type": "number", "exclusiveMinimum": 0, "maximum": float(load._MAX_FACTOR)}
    multiply = {"oneOf": [factor, _closed({k: factor for k in ("all",) + COMPONENTS}, ())]}
    rule = _closed(_keys(load._RULE_KEYS, {
        "label": _LABEL, "promotion_of": {"type": "string"}, "when": when, "rates": rates, "native": native,
        **sourced}), ("label", "rates"))
    modifier = _closed(_keys(load._MOD_KEYS, {"label": _LABEL, "when": when, "multiply": multiply, **sourced}),
                       ("label", "when", "multiply"))
    fee = _closed(_keys(load._FEE_KEYS, {
        "tool": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
        "when": _closed({"from": _INSTANT, "until": _INSTANT}),
        "usd_per_1k_calls": _PRICE,
        "native": {"type": "object", "propertyNames": {"pattern": "^[A-Z]{3}$"}, "additionalProperties": _PRICE},
        **sourced}), ("tool",))
    model = _closed(_keys(load._MODEL_KEYS, {
        "name": {"type": "string"}, "from": _INSTANT,
        "aliases": {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._:/-]*$"}},
        "tokenizer": {"enum": sorted(TOKENIZERS)},
        "context_window": {"type": "integer", "minimum": 1},
        "max_output_tokens": {"type": "integer", "minimum": 1},
        "tiers": {"type": "array", "items": {"enum": list(TIERS)}},
        "notes": _NOTES, "confidence": {"enum": list(load.CONFIDENCE)},
        "retired": _closed({"at": _INSTANT, "replacement": {"type": "string"}, **sourced}, ("at", "replacement")),
        "routes": {"type": "array", "items": _closed({"billed_as": {"type": "string"}, "from": _INSTANT,
                                                      "until": _INSTANT, **sourced}, ("billed_as",))},
        "prices": {"type": "array", "items": rule},
        "modifiers": {"type": "array", "items": modifier},
        "fees": {"type": "array", "items": fee}}))
    provider = _closed({"name": {"type": "string"}, "notes": _NOTES,
                        "models": {"type": "object",
                                   "propertyNames": {"pattern": "^[a-z0-9][a-z0-9._:/-]*$"},
                                   "additionalProperties": model}})
    calendar = _closed({"timezone": {"type": "string"}, "dates": {"type": "array", "items": _DAY}, **sourced},
                       ("timezone", "dates", "source", "checked"))
    discount = _closed({"provider": {"type": "string"}, "model": {"type": "string"}, "multiply": multiply,
                        "label": _LABEL, "from": _INSTANT, "until": _INSTANT, **sourced}, ("multiply",))
    return {
        "$schema": _DRAFT, "$id": _BASE + "prices.schema.json",
        "title": "costcalc price table (pricing.yaml or an overlay)",
        "description": "Provider -> model -> dated price rules, USD per 1M tokens; `costcalc prices check "
                       "FILE` checks what a schema cannot (one base rule per instant, no gaps, sources).",
        **_closed({
            "schema_version": {"const": load.SCHEMA_VERSION},
            "version": {"type": ["string", "number"], "description": "Bumped on every change: YYYY.MM.DD.N"},
            "currency": {"const": "USD"}, "unit": {"const": "usd_per_mtok"}, "notes": _NOTES,
            "calendars": {"type": "object", "additionalProperties": calendar},
            "providers": {"type": "object", "propertyNames": {"pattern": "^[a-z0-9][a-z0-9._-]*$"},
                          "additionalProperties": provider},
            "discounts": {"type": "array", "items": discount,
                          "description": "Overlays only: negotiated discounts on a provider or a model"},
        }, ("schema_version", "version")),
    }


# -- workload profiles ---------------------------------------------------------------------------------

def workloads_schema() -> dict:
    def value(maximum: float | None = None, minimum: float = 0) -> dict:
        number: dict = {"type": "number", "minimum": minimum}
        if maximum is not None:
            number["maximum"] = maximum
        rng = _closed({k: number for k in ("low", "expected", "high")}, ("low", "expected", "high"),
                      "An uncertain value: low <= expected <= high")
        return {"oneOf": [number, rng]}

    share = value(1)
    histogram = _closed({"histogram": {"type": "array", "minItems": 1, "items": _closed(
        {"tokens": {"type": "number", "minimum": 0}, "share": {"type": "number", "minimum": 0, "maximum": 1}},
        ("tokens", "share"))}}, ("histogram",), "Prompt sizes and their shares (summing to 1): cliffs need it")
    weights = lambda names: {"oneOf": [  # noqa: E731 - a list of len(names) weights, or some named
        {"type": "array", "minItems": len(names), "maxItems": len(names),
         "items": {"type": "number", "minimum": 0}},
        _closed({n: {"type": "number", "minimum": 0} for n in names})]}
    profile = _closed(_keys(workload_model.PROFILE_KEYS, {
        "requests_per_day": value(), "requests_per_month": value(),
        "input_tokens": {"oneOf": [value(), histogram]}, "output_tokens": value(),
        "samples": _closed({k: {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
                            for k in ("prompts", "replies", "messages")}),
        "reasoning_tokens": value(), "reasoning": {"enum": list(workload_model.REASONING_MODES)},
        "cache_hit_rate": share,
        "cache_write": _closed({"ttl": {"enum": list(workload_model.CACHE_TTLS)}, "share": share}, ("share",)),
        "tiers": _closed({t: {"type": "number", "minimum": 0, "maximum": 1} for t in TIERS + tuple(TIER_ALIASES)}),
        "residency": {"type": "boolean"},
        "traffic": {"oneOf": [{"const": "uniform"}, _closed({
            "timezone": {"type": "string"}, "hours": weights([str(h) for h in range(24)]),
            "weekdays": weights(list(WEEKDAYS))})]},
        "growth_per_month": value(1, -0.99), "start": _DAY, "end": _DAY,
        "models": {"oneOf": [{"type": "string"}, {"type": "array", "minItems": 1, "uniqueItems": True,
                                                  "items": {"type": "string"}}],
                   "description": "Alternative models to compare (ids or aliases of the price table)"},
        "tags": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
        "note": {"type": "string"}, "over_limit": {"enum": list(workload_model.OVER_LIMIT)},
        "tool_calls_per_request": {"type": "object", "propertyNames": {"pattern": workload_model.TOOL_PATTERN},
                                   "additionalProperties": value()},
        "use": {"type": "string", "description": "The model the current plan puts this profile on (one of "
                                                 "its models; default the first)"},
        "tokens_counted_with": {"enum": list(TOKENIZERS), "description": (
            "The tokenizer the profile's token counts were counted with (default o200k_base); each model gets "
            "them translated to its own tokenizer (an estimate, stated)")},
        **_shape_schemas(value),
    }))
    budget = {**_closed({**{s: {"type": "string"} for s in BUDGET_SCOPES},
                         "monthly": {"type": "number", "exclusiveMinimum": 0},
                         "period": {"type": "number", "exclusiveMinimum": 0},
                         "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}}),
              "oneOf": [{"required": [s]} for s in BUDGET_SCOPES], "anyOf": [{"required": ["monthly"]},
                                                                             {"required": ["period"]}]}
    assert set(budget["properties"]) == set(BUDGET_KEYS)
    top = {"schema_version": {"const": workload_model.SCHEMA_VERSION},
           "defaults": {**profile, "description": "Keys every profile inherits unless it sets them"},
           "profiles": {"type": "object", "minProperties": 1, "additionalProperties": profile},
           "plans": {"type": "object", "description": "Plans of your own: {plan: {profile: model}}",
                     "additionalProperties": {"type": "object", "minProperties": 1,
                                              "additionalProperties": {"type": "string"}}},
           "budgets": {"type": "array", "items": budget,
                       "description": "Monthly and/or period budgets of a plan, a profile or a tag (KEY=VALUE)"},
           "units": {**_shape_schemas(value)["units"],
                     "description": "Units of the whole product (user: 10000, conversation: derived): what every "
                                    "plan's total divides by"}}
    return {
        "$schema": _DRAFT, "$id": _BASE + "workloads.schema.json",
        "title": "costcalc workload profiles",
        **_closed(_keys(workload_model.TOP_KEYS, top), ("schema_version", "profiles")),
    }


def _shape_schemas(value) -> dict:
    """conversation:, agent:, failures: and units: of a profile (costcalc.workloads.read_shapes)."""

    tokens = {"type": "number", "minimum": 0}
    whole = {"type": "integer", "minimum": 1, "maximum": MAX_STEPS}

    def counts(name: str) -> dict:
        ranged = _closed({k: whole for k in ("low", "expected", "high")}, ("low", "expected", "high"))
        histogram = _closed({"histogram": {"type": "array", "minItems": 1, "items": _closed(
            {name: whole, "share": {"type": "number", "minimum": 0, "maximum": 1}}, (name, "share"))}},
            ("histogram",))
        return {"oneOf": [whole, ranged, histogram]}

    common = {
        "reasoning": {"oneOf": [{"enum": list(REASONING_MODES)}, value()]},
        "history": {"type": "string", "pattern": r"^(full|window \d+( tokens)?|summarize every \d+( turns| steps)? "
                                                 r"at \d+( tokens)?)$",
                    "description": "full, window N (tokens of history kept), or summarize every K at S"},
        "cache": _closed({"reads": {"enum": ["history", "none"]}, "writes": {"enum": list(CACHE_TTLS) + ["none"]}}),
        "context": {"oneOf": [{"enum": ["stop", "truncate"]}, _closed({"summarize": tokens}, ("summarize",))],
                    "description": "At a model's context window: stop the conversation, truncate the history, "
                                   "or summarize it to N tokens"}}
    conversation = _closed(_keys(shape_keys.CONVERSATION_KEYS, {
        "conversations_per_day": value(), "turns": counts("turns"), "system_tokens": tokens,
        "user_tokens_per_turn": tokens, "reply_tokens_per_turn": tokens, **common}),
        ("conversations_per_day", "turns", "user_tokens_per_turn", "reply_tokens_per_turn"),
        "Multi-turn conversations: every turn resends the history (requests = conversations x turns)")
    agent = _closed(_keys(shape_keys.AGENT_KEYS, {
        "tasks_per_day": value(), "steps": counts("steps"), "system_tokens": tokens, "task_tokens": tokens,
        "tool_result_tokens_per_step": tokens, "output_tokens_per_step": tokens, **common}),
        ("tasks_per_day", "steps", "tool_result_tokens_per_step", "output_tokens_per_step"),
        "Agent loops: every step resends the transcript (output and tool results so far)")
    failures = _closed({"rate": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
                        "billed": {"enum": list(BILLED)},
                        "retries": {"type": "integer", "minimum": 0, "maximum": 100}}, ("rate",),
                       "Failed attempts (billed as said) and retries: lines of their own")
    unit = {"oneOf": [{"type": "number", "exclusiveMinimum": 0, "description": "units per month"},
                      {"const": "derived"},
                      _closed({"per_request": {"type": "number", "exclusiveMinimum": 0}}, ("per_request",))]}
    units = {"type": "object", "minProperties": 1, "propertyNames": {"pattern": "^" + UNIT_PATTERN + "$"},
             "additionalProperties": unit, "description": "What cost per unit divides by (user: 12000, "
                                                          "conversation: derived, ticket: {per_request: 0.25})"}
    return {"conversation": conversation, "agent": agent, "failures": failures, "units": units}


# -- the estimate document -----------------------------------------------------------------------------

_DEC = {"type": "string", "pattern": r"^-?\d+(\.\d+)?(E[+-]?\d+)?$",
        "description": "An exact decimal as text (money in USD unless the key says otherwise)"}
_MONTH = {"type": "string", "pattern": r"^\d{4}-\d{2}$"}


def _amounts() -> dict:
    return _closed({"cost": {**_DEC, "description": "In the shown currency (meta.currency)"}, "cost_usd": _DEC},
                   ("cost", "cost_usd"))


def _open(properties: dict, required: tuple[str, ...] = (), description: str | None = None) -> dict:
    """An object whose listed keys are checked; others are allowed (a newer costcalc may add keys to a
    section without changing its schema version)."""
    out = {**_closed(properties, required, description), "additionalProperties": True}
    return out


def estimate_schema() -> dict:
    nullable = lambda schema: {"oneOf": [{"type": "null"}, schema]}  # noqa: E731
    row = _open({
        "profile": {"type": "string"}, "model": {"type": "string"}, "provider": {"type": "string"},
        "month": _MONTH, "rule": {"type": "string"}, "component": {"type": "string"},
        "tokens": {**_DEC, "description": "Tokens; for a tool:NAME component, calls"},
        "usd_per_mtok": {**_DEC, "description": "USD per 1M tokens; for tool:NAME, USD per 1M calls"},
        "cost_usd": _DEC, "case": {"enum": list(CASES)}, "period_start": _INSTANT, "period_end": _INSTANT},
        ("profile", "model", "provider", "month", "rule", "component", "tokens", "usd_per_mtok", "cost_usd",
         "period_start", "period_end"),
        "One cost line: cost_usd = tokens x usd_per_mtok / 1,000,000; tag:NAME keys hold the profile's tags")
    plan = _open({
        "name": {"type": "string"}, "kind": {"enum": ["current", "cheapest", "all-on", "user"]},
        "description": {"type": "string"}, "notes": {"type": "array", "items": {"type": "string"}},
        "months": {"type": "array", "items": _open({
            "month": _MONTH, "cost": _DEC, "cost_usd": _DEC,
            "mark": {**nullable({"enum": ["n/a", "partial"]}),
                     "description": "n/a: no profile of the plan has a price that month; partial: some has none "
                                    "for all or part of it (the cost leaves that out)"}},
            ("month", "cost", "cost_usd"))}, "total": _amounts(),
        "profiles": {"type": "array", "items": _open({
            "profile": {"type": "string"}, "model": {"type": "string"}, "requests": _DEC,
            "requests_per_month": _DEC, "total": _amounts(),
            "cost_per_request": nullable(_amounts()), "cost_per_1k": nullable(_amounts()),
            "months": {"type": "array", "items": _open({"month": _MONTH, "cost": _DEC, "cost_usd": _DEC,
                                                        "requests": _DEC,
                                                        "mark": nullable({"enum": ["n/a", "partial"]})})},
            "units": {"type": "array", "description": "Cost per unit (the profile's units:)", "items": _open({
                "unit": {"type": "string"}, "count": _DEC, "per_unit": nullable(_amounts()),
                "stock": {"type": "boolean", "description": "a count per month (users, seats): count is the "
                          "average a month and per_unit the period's cost over it"},
                "months": {"type": "array", "items": _open({"month": _MONTH, "count": _DEC,
                                                            "per_unit": nullable(_amounts())})}},
                ("unit", "count", "per_unit", "months"))}},
            ("profile", "model", "total"))},
        "units": {"type": "array", "description": "The plan's total per unit (the file's top-level units:); "
                  "null where the plan leaves a month out", "items": _open({
                      "unit": {"type": "string"}, "count": _DEC, "per_unit": nullable(_amounts()),
                      "stock": {"type": "boolean", "description": "a count per month (users, seats): count is "
                                "the average a month and per_unit the period's cost over it"},
                      "months": {"type": "array", "items": _open({
                          "month": _MONTH, "count": _DEC, "per_unit": nullable(_amounts()),
                          "mark": nullable({"enum": ["n/a"]})}, ("month", "count", "per_unit"))}},
                      ("unit", "count", "per_unit", "months"))}},
        ("name", "kind", "months", "total", "profiles"),
        "One model per profile; every figure that adds across profiles is a plan's")
    budget = _open({
        "name": {"type": "string"}, "scope": {"enum": ["plan", "profile", "tag"]}, "plan": {"type": "string"},
        "profiles": {"type": "array", "items": {"type": "string"}}, "currency": {"type": "string"},
        "monthly": nullable(_DEC), "period": nullable(_DEC), "period_spend": _DEC, "source": {"type": "string"},
        "months": {"type": "array", "items": _open({"month": _MONTH, "spend": nullable(_DEC), "cumulative": _DEC,
                                                    "headroom": _DEC, "over": {"type": "boolean"},
                                                    "period_left": _DEC,
                                                    "mark": nullable({"enum": ["n/a", "partial"]})},
                                                   ("month", "spend", "cumulative"))},
        "over_months": {"type": "array", "items": _open({"month": _MONTH, "overrun": _DEC})},
        "least_headroom": nullable(_open({"month": _MONTH, "headroom": _DEC}, ("month", "headroom"))),
        "runs_out": nullable(_MONTH), "period_left": _DEC},
        ("name", "scope", "months"), "A budget in the shown currency: months over it, headroom, exhaustion")
    headline = _open({
        "plan": nullable({"type": "string"}),
        "cheapest": nullable(_open({"plan": {"type": "string"}, "total": _amounts(), "saves": nullable(_amounts()),
                                    "saves_pct": nullable(_DEC)}, ("plan", "total", "saves"))),
        "left_out": {"type": "array", "items": _MONTH},
        "not_compared": {"type": "array", "items": {"type": "string"}}},
        ("plan", "cheapest"), "The chosen plan (meta.plan) and the cheapest plan covering every month with what it "
                              "saves against it (null when the chosen plan leaves months out: left_out)")
    compared_model = _open({
        "model": {"type": "string"}, "provider": {"type": "string"},
        "months": {"type": "array", "items": _open({
            "month": _MONTH, "cost": _DEC, "cost_usd": _DEC, "requests": _DEC,
            "cost_per_1k": nullable(_amounts()), "mark": nullable({"enum": ["n/a", "partial"]})},
            ("month", "cost", "cost_usd"))},
        "total": _amounts(), "rank": {"type": "integer", "minimum": 1}, "cheapest": {"type": "boolean"},
        "complete": {"type": "boolean", "description": "Priced every month (no month n/a or partial): complete "
                                                       "models rank first; cheapest is among them"},
        "savings_vs_most_expensive": _amounts(),
        "savings_pct": {**_DEC, "description": "Savings against the most expensive model, % of its total"},
        "savings_vs_current": {**nullable(_amounts()), "description": "The current model's total minus this "
                               "one's (positive: cheaper than the current model)"},
        "fees": {"type": "array", "items": _open({"tool": {"type": "string"}, "calls": _DEC, "cost": _DEC,
                                                  "cost_usd": _DEC}, ("tool", "calls", "cost", "cost_usd"))}},
        ("model", "months", "total", "rank", "cheapest"))
    comparisons = _open({
        "months": {"type": "array", "items": _MONTH},
        "profiles": {"type": "array", "items": _open({
            "profile": {"type": "string"}, "current": nullable({"type": "string"}),
            "cases": {"type": "array", "items": _open({
                "case": {"enum": list(CASES)}, "cheapest": nullable({"type": "string"}),
                "most_expensive": nullable({"type": "string"}), "models": {"type": "array", "items": compared_model}},
                ("case", "models"))}},
            ("profile", "cases"))}},
        ("months", "profiles"), "Per profile and case, its alternative models side by side: month x model, "
                                "totals, rank, savings; never added together")
    meta = _open({
        "schema": {"const": document.SCHEMA}, "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "fx": nullable(_open({"base": {"const": "USD"}, "currency": {"type": "string"}, "rate": _DEC,
                              "symbol": {"type": "string"}, "source": nullable({"type": "string"}),
                              "native": {"type": "array", "items": {"type": "string"},
                                         "description": "Providers billed at their own published prices "
                                                        "in this currency (not converted)"}},
                             ("currency", "rate"))),
        "scenario": {"enum": ["actual", "list"]}, "start": _MONTH, "months": {"type": "integer", "minimum": 1},
        "price_table": _open({"version": {"type": "string"}, "sha256": {"type": "string"},
                              "files": {"type": "array"}}, ("version", "sha256")),
        "assumptions": {"type": "array", "items": {"type": "string"}},
        "profiles": {"type": "object", "additionalProperties": _open({
            "summary": {"type": "string"}, "tags": {"type": "string"},
            "models": {"type": "array", "items": {"type": "string"}}, "use": {"type": "string"},
            "tokens_counted_with": {"type": "string", "description": "The unit of the profile's token counts"},
            "turns": {"type": "array", "description": "A conversation's (agent's) turns at the expected case: "
                      "weight (requests per conversation) and tokens by part", "items": {"type": "object"}},
            "token_translation": {"type": "object", "description": "Per model: its counts translated from "
                                  "tokens_counted_with to its own tokenizer (an estimate with a band)",
                                  "additionalProperties": _open({
                                      "tokenizer": {"type": "string"}, "factor": {"type": "string"},
                                      "band": {"type": "string"}, "translated": {"type": "string"},
                                      "estimate": {"type": "boolean"}})}})},
        "costcalc_version": {"type": "string"}, "plan": {"type": "string"},
        "user_plans": {"type": "object", "additionalProperties": {"type": "object",
                                                                   "additionalProperties": {"type": "string"}}},
        "budget_rules": {"type": "array", "items": {"type": "object"}},
        "requests": {"type": "array", "items": _open({
            "profile": {"type": "string"}, "model": {"type": "string"}, "month": _MONTH,
            "case": {"enum": list(CASES)}, "requests": _DEC}, ("profile", "model", "month", "requests"))},
        "units": {"type": "array", "items": _open({
            "profile": {"type": "string"}, "model": {"type": "string"}, "month": _MONTH,
            "case": {"enum": list(CASES)}, "unit": {"type": "string"}, "count": _DEC,
            "stock": {"type": "boolean", "description": "a count per month (users, seats), not added over months"}},
            ("profile", "model", "month", "unit", "count"))},
        "plan_units": {"type": "array", "description": "The file's top-level units: a count per month "
                       "(profile and model null) or a profile's share on a model (derived, per_request)",
                       "items": _open({"profile": nullable({"type": "string"}), "model": nullable({"type": "string"}),
                                       "month": _MONTH, "case": {"enum": list(CASES)}, "unit": {"type": "string"},
                                       "count": _DEC}, ("month", "unit", "count"))},
        "list_rates": {"type": "array", "items": {"type": "object"}},
        "native_rates": {"type": "array", "items": {"type": "object"}},
        "not_available": {"type": "array", "items": {"type": "object"}},
        "unpriced_calls": {"type": "array", "items": {"type": "object"}},
        "over_limit_excluded": {"type": "array", "items": {"type": "object"}}},
        ("schema", "currency", "scenario", "start", "months", "price_table", "assumptions", "profiles"))
    return {
        "$schema": _DRAFT, "$id": _BASE + "estimate.schema.json",
        "title": f"costcalc estimate document ({document.SCHEMA})",
        "description": "`costcalc estimate --format json`: the canonical result every format renders from. "
                       "Money, rates and counts are exact decimal text. A profile's models are alternatives: "
                       "totals across profiles are plan totals (plans, headline, total_usd).",
        **_open({
            "meta": meta, "rows": {"type": "array", "items": row},
            "totals": {"type": "array", "items": _open({"profile": {"type": "string"}, "model": {"type": "string"},
                                                        "month": _MONTH, "case": {"enum": list(CASES)},
                                                        "cost_usd": _DEC}, ("profile", "model", "month", "cost_usd"))},
            "plans": {"type": "array", "items": plan},
            "headline": headline,
            "budgets": {"type": "array", "items": budget},
            "comparisons": comparisons,
            "price_changes": {"type": "object", "description": "Per model, where its price rule changes (the "
                                                               "markers every chart draws), expected case",
                              "additionalProperties": {"type": "array", "items": _open({
                                  "month": _MONTH, "position": {"type": "number", "minimum": 0},
                                  "label": {"type": "string"}, "detail": {"type": "string"},
                                  "labels": {"type": "array", "items": {"type": "string"}}, "at": _INSTANT},
                                  ("month", "position", "label", "at"))}},
            "total_usd": {**_DEC, "description": "The chosen plan's (meta.plan) expected total over the period"}},
            ("meta", "rows", "totals", "plans", "price_changes", "total_usd")),
    }


_BUILDERS = {"prices": prices_schema, "workloads": workloads_schema, "estimate": estimate_schema}


def build(name: str) -> dict:
    return _BUILDERS[name]()


def text(name: str) -> str:
    """The schema as the shipped file holds it (sorted keys would scatter related ones: loader order)."""
    return json.dumps(build(name), indent=2, ensure_ascii=False) + "\n"


def shipped(name: str) -> str:
    """The packaged copy (costcalc/data/schemas/NAME.schema.json), what editors point at."""
    return (resources.files("costcalc") / "data" / "schemas" / f"{name}.schema.json").read_text("utf-8")
