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
    from .prices import load
    from .prices.model import COMPONENTS, TIERS, WEEKDAYS
    from .tokens.tokenizers import TOKENIZERS

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
    from . import workload as w
    from .prices.model import TIER_ALIASES, TIERS, WEEKDAYS

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
    profile = _closed(_keys(w.PROFILE_KEYS, {
        "requests_per_day": value(), "requests_per_month": value(),
        "input_tokens": {"oneOf": [value(), histogram]}, "output_tokens": value(),
        "samples": _closed({k: {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
                            for k in ("prompts", "replies", "messages")}),
        "reasoning_tokens": value(), "reasoning": {"enum": list(w.REASONING_MODES)},
        "cache_hit_rate": share,
        "cache_write": _closed({"ttl": {"enum": list(w.CACHE_TTLS)}, "share": share}, ("share",)),
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
        "note": {"type": "string"}, "over_limit": {"enum": list(w.OVER_LIMIT)},
        "tool_calls_per_request": {"type": "object", "propertyNames": {"pattern": w.TOOL_PATTERN},
                                   "additionalProperties": value()},
    }))
    return {
        "$schema": _DRAFT, "$id": _BASE + "workloads.schema.json",
        "title": "costcalc workload profiles",
        **_closed({"schema_version": {"const": w.SCHEMA_VERSION},
                   "defaults": {**profile, "description": "Keys every profile inherits unless it sets them"},
                   "profiles": {"type": "object", "minProperties": 1, "additionalProperties": profile}},
                  ("schema_version", "profiles")),
    }


# -- the estimate document -----------------------------------------------------------------------------

def estimate_schema() -> dict:
    from .report.document import json_schema

    return {"$schema": _DRAFT, "$id": _BASE + "estimate.schema.json", **json_schema()}


_BUILDERS = {"prices": prices_schema, "workloads": workloads_schema, "estimate": estimate_schema}


def build(name: str) -> dict:
    return _BUILDERS[name]()


def text(name: str) -> str:
    """The schema as the shipped file holds it (sorted keys would scatter related ones: loader order)."""
    return json.dumps(build(name), indent=2, ensure_ascii=False) + "\n"


def shipped(name: str) -> str:
    """The packaged copy (costcalc/data/schemas/NAME.schema.json), what editors point at."""
    return (resources.files("costcalc") / "data" / "schemas" / f"{name}.schema.json").read_text("utf-8")
