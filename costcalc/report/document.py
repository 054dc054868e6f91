"""The canonical form of an estimate: one JSON document (schema `costcalc.estimate/2`) that every format
renders from. `costcalc estimate --format X` builds the document and renders it; `costcalc render
SAVED.json --format X` loads the document and renders it with the same code, so both give the same
bytes. No computation happens in a rendering: the document holds every number it shows.

    {"meta": {
        "schema": "costcalc.estimate/2",
        "currency": "EUR",                       # what money is shown in (USD unless --currency)
        "fx": {"base": "USD", "currency": "EUR", "rate": "0.92", "symbol": "€",
               "source": "--fx EUR=0.92"},       # null for USD: how shown money was converted
        "scenario", "start", "months", "price_table": {"version", "sha256"}, "assumptions": [...],
        "profiles": {name: {"summary", "tags", "models": [...], "use": model, ...}}, "costcalc_version",
        "plan": "current",                       # the chosen plan: the headline and total_usd
        "user_plans": {name: {profile: model}},  # the workloads file's plans:
        "budget_rules": [{"scope": "plan"|"profile"|"tag", "name", "profiles", "monthly", "period",
                          "currency", "source"}],  # --budget and the workloads file's budgets:
        "requests": [{"profile", "model", "month", "case", "requests"}],      # per profile-model-month
        "list_rates": [{"provider", "rule", "component", "usd_per_mtok", "list_usd_per_mtok"}],
                                                 # rate before negotiated discounts (FOCUS ListCost)
        "not_available": [{"profile", "model", "from", "until", "reason", "detail", "months", "partial"}]
                                                 # stretches without a price: before the model's launch
                                                 # (reason "not launched") or after its retirement
                                                 # ("retired"); no cost lines there. `months` it touches,
                                                 # `partial` those of them priced for the rest of the month
        "unpriced_calls": [{"profile", "model", "tool", "case", "months", "calls", "detail"}]
                                                 # tool calls no fee prices (none in the table, or one
                                                 # published only in another currency): left out of the
                                                 # totals, not free; `calls` over the period (decimal text)
        "over_limit_excluded": [{"profile", "model", "case", "share", "requests", "months", "detail"}]
                                                 # requests above a model's limits that `over_limit:
                                                 # exclude` left out: `share` of the profile's requests,
                                                 # `requests` over the period (decimal text), the limits
     },
     "rows": [{"profile", "model", "provider", "month", "rule", "component", "tokens", "usd_per_mtok",
               "cost_usd", ["case"], "period_start", "period_end", "tag:NAME"...}],
     "totals": [{"profile", ["case"], "model", "month", "cost_usd"}],   # per profile and model: never
                                                 # added across alternatives
     "plans": [...], "headline": {...}, "budgets": [...],   # report/plandoc.py: one model per profile
     "comparisons": {"months", "profiles": [...]},   # report/comparisons.py: each profile's alternatives
                                                 # side by side per case (never added together)
     "price_changes": {model: [{"month", "position", "label", "detail", "labels", "at"}]},
                                                 # where a model's price rule changes (report/chartdata.py):
                                                 # the markers of every chart, expected case
     "total_usd": "..."}                         # the chosen plan's expected total over the period

Each section's type is in report/document_types.py (TypedDicts). A profile's models are alternatives:
every figure that adds across profiles is a plan total (see costcalc/planning.py). The plan sections
and the comparisons are derived data: computed from the rows and meta when the
document is made and again when a saved one is loaded. A saved `costcalc.estimate/1` document (before
plans) still loads: its plans come from its rows (current = each profile's first model in row order).

Money, rates and token counts are exact decimal strings in USD; a renderer converts shown money with
`fx.rate` (exact Decimal multiplication) and names the currency, its symbol and the rate.

Per-call tool fees are rows of their own, component `tool:NAME` (`tool:web_search`): `tokens` holds the
number of calls and `usd_per_mtok` the fee in USD per 1,000,000 calls, so cost_usd = tokens x
usd_per_mtok / 1,000,000 holds for every row; their `rule` is `fee` (`BILLED:fee` when routed). A fee with
a native price (DeepSeek's 5 CNY per 1,000 calls) is in meta.native_rates like a token rate (per_mtok =
per 1,000,000 calls). Every format shows them as their own component (`fee_summary`).

Why one module of about 600 lines: the document's three directions live together (frame -> document,
document -> frame, and `check`, which validates a saved one key by key), because each must change with the
others; the sections derived from the rows have their own modules (plandoc, comparisons, sums, meta).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, cast

import numpy as np
import pandas as pd

from .._files import MIB, read_regular
from .._json import repeated_key, text_quotes, unique_quick
from ..errors import _NO_VALUE, CostcalcError, Problem, _one_line, shown
from ..money import EXACT, convert, decimal_places, decimal_text  # noqa: F401 (EXACT: renderers took it from here)
from .chartdata import price_changes
from .comparisons import comparisons
from .document_types import EstimateDocument
from .meta import SCHEMA, document_meta, unavailable_months
from .plandoc import horizon, plan_sections
from .shown_currency import ShownCurrency
from .sums import MonthlySums, monthly_sums
from ..frames import DecimalArray
from ..frames import REQUESTS, requests_entries
from ..frames import money_array
from ..fx import parse_rate

READABLE_SCHEMAS = ("costcalc.estimate/1", SCHEMA)  # version 1: before plans; upgraded when loaded
_MONEY = ("tokens", "usd_per_mtok", "cost_usd")
_INSTANTS = ("period_start", "period_end")
_CATEGORIES = ("profile", "model", "provider", "month", "rule", "component", "case")


# -- frame -> document ---------------------------------------------------------------------------------

def to_document(df: pd.DataFrame) -> EstimateDocument:
    """The canonical document of an estimate frame. Rows hold the cost lines (`case` only when the frame
    holds more cases than `expected`; not the `requests` column: meta.requests lists them per profile,
    model, month and case); meta the frame's attrs, numbers as exact decimal text; then the plans."""

    columns = [c for c in df.columns if c != REQUESTS and (c != "case" or _has_cases(df))]
    # column by column (a category's text once, instants in one numpy call), then zipped into rows: what a
    # cell-by-cell _json_value did in 20 s for 400,000 lines takes about 2 (benchmarks/to_document.py)
    bare = df.copy(deep=False)
    bare.attrs = {}  # pandas deep-copies attrs into every column taken below
    values = [_json_column(bare[column]) for column in columns]
    rows = [dict(zip(columns, record)) for record in zip(*values)]
    return with_plans({"meta": document_meta(df.attrs, requests_entries(df)), "rows": rows, "totals": []})


def with_plans(document: Mapping[str, Any]) -> EstimateDocument:
    """The document with its derived sections computed from its rows and meta, in the canonical key
    order: plans, headline, budgets and total_usd (report/plandoc.py), each profile's comparison of its
    alternatives (report/comparisons.py) and the price-change markers every chart draws
    (report/chartdata.py), so no renderer computes them."""
    rows, meta = document["rows"], document["meta"]
    sums = monthly_sums(rows, meta)  # one pass over the lines for the totals and both sections
    sections = plan_sections(rows, meta, sums)
    derived = ("plans", "headline", "budgets", "comparisons", "price_changes", "total_usd")
    out = {key: value for key, value in document.items() if key not in derived}
    out["totals"] = _totals(sums, bool(rows) and "case" in rows[0])
    # checked by document.check (saved ones) and described by the JSON Schema; typed from here on
    return cast(EstimateDocument, {
        **out, "plans": sections["plans"], "headline": sections["headline"], "budgets": sections["budgets"],
        "comparisons": comparisons(rows, meta, sums), "price_changes": price_changes(rows, horizon(meta, rows)),
        "total_usd": sections["total_usd"]})




def _has_cases(df: pd.DataFrame) -> bool:
    """Whether document rows carry `case`: when the frame holds low/high cases (attrs["cases"]), or,
    for a frame without that key, when it has a case column."""
    held = df.attrs.get("cases")
    if held is not None:
        return len(held) > 1
    return "case" in df.columns






def _normalized(entry: dict, numbers) -> dict:
    """A document's metadata entry with its numbers as canonical decimal text (what to_document writes
    for them, as it did when they were read back as Decimals), months as a new list."""
    return {k: (decimal_text(Decimal(str(v))) if k in numbers or (isinstance(k, str) and k.endswith("per_mtok"))
                else list(v) if k == "months" else v) for k, v in entry.items()}


def _totals(sums: MonthlySums, cases: bool) -> list[dict]:
    """Per profile, (case,) model and month, exact, in the rows' order of first appearance (`case`
    only when the rows carry it)."""
    return [{"profile": p, **({"case": c} if cases else {}), "model": m, "month": month,
             "cost_usd": decimal_text(total)} for (p, c, m, month), total in sums.usd.items()]


def _json_column(series: pd.Series) -> list:
    """A frame column as JSON values, the same as _json_value of each cell."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        lookup = [_json_value(c) for c in dtype.categories] + [None]  # code -1 (missing): the last, None
        return [lookup[code] for code in series.cat.codes.to_numpy().tolist()]
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if getattr(dtype, "tz", None) is not None:
            series = series.dt.tz_localize(None)  # its wall time, as strftime of each cell wrote it
        array = series.to_numpy(dtype="datetime64[s]")
        texts = np.datetime_as_string(array, unit="s").tolist()
        missing = np.isnat(array).tolist()
        return [None if gone else text + "Z" for text, gone in zip(texts, missing)]

    array = series.array
    # the exact dtype's own Decimals (to_numpy would wrap each one for printing first)
    cells = array._data.tolist() if isinstance(array, DecimalArray) else series.to_numpy(dtype=object).tolist()
    return [_decimal_text(v) if type(v) is Decimal else _json_value(v) for v in cells]


def _decimal_text(value: Decimal) -> str:
    """money.decimal_text, faster for the usual amount: str() writes the same digits as format(.., "f")
    unless it chooses an exponent (a large exponent or under 1E-6), twice as fast; 400,000 cost lines
    hold 1.2 million amounts."""
    text = str(value)
    if "E" in text:
        return decimal_text(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _json_value(value):
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, pd.Timestamp) or hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return value if isinstance(value, (int, bool)) else str(value)


def dumps(document: EstimateDocument) -> str:
    """The JSON text of a document (what --format json prints and `render` reads)."""
    return json.dumps(document, indent=2, ensure_ascii=False)


# -- document -> frame ---------------------------------------------------------------------------------

def to_frame(document: EstimateDocument) -> pd.DataFrame:
    """The frame a document describes, for renderers: its rows as columns (money in the exact decimal
    dtype, instants as naive UTC, categoricals in the document's order; `case` when the rows have it),
    its meta in attrs as the document holds it (numbers as decimal text, meta.requests included, so
    to_document gives the same document back)."""

    rows = document["rows"]
    columns = list(rows[0]) if rows else ["profile", "model", "provider", "month", "rule", "component",
                                          "tokens", "usd_per_mtok", "cost_usd", "period_start", "period_end"]
    data = {}
    for column in columns:
        values = [row.get(column) for row in rows]
        if column in _MONEY or column.startswith("cost_"):  # cost_eur: the same money shown in EUR
            data[column] = pd.Series(money_array(np.array([Decimal(str(v)) for v in values], dtype=object)))
        elif column in _INSTANTS:
            instants = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")
            data[column] = instants.dt.tz_localize(None)  # naive UTC: Excel has no time zones
        elif column in _CATEGORIES or column.startswith("tag:"):
            categories = list(dict.fromkeys(v for v in values if v is not None))
            data[column] = pd.Categorical(values, categories=categories)
        else:
            data[column] = values
    frame = pd.DataFrame(data, columns=columns)
    meta = document["meta"]
    frame.attrs.update({
        "price_table": meta.get("price_table"), "scenario": meta.get("scenario"), "start": meta.get("start"),
        "months": meta.get("months"), "currency": meta.get("currency", "USD"), "fx": meta.get("fx"),
        "cases": ["low", "expected", "high"] if rows and "case" in rows[0] else ["expected"],
        "assumptions": list(meta.get("assumptions", [])), "profiles": meta.get("profiles", {}),
        "costcalc_version": meta.get("costcalc_version"),
        "requests": [{**r, "requests": decimal_text(Decimal(str(r["requests"])))} for r in meta.get("requests", [])],
        "list_rates": [_normalized(r, ()) for r in meta.get("list_rates", [])],
        "native_rates": [_normalized(r, ()) for r in meta.get("native_rates", [])],
        "not_available": [dict(e) for e in meta.get("not_available", [])],
        "unpriced_calls": [_normalized(e, ("calls",)) for e in meta.get("unpriced_calls") or []],
        "over_limit_excluded": [_normalized(e, ("share", "requests")) for e in meta.get("over_limit_excluded") or []],
        "plan": meta.get("plan") or "current", "user_plans": dict(meta.get("user_plans") or {}),
        "budget_rules": [dict(r) for r in meta.get("budget_rules") or []],
        "units": [_normalized(dict(e), ("count",)) for e in meta.get("units") or []],
        "plan_units": [_normalized(dict(e), ("count",)) for e in meta.get("plan_units") or []],
    })
    return frame


# A saved estimate of 1,000 profiles x 10 models x 36 months is a few hundred MiB of JSON; parsing one
# takes several times its size in memory, so a bigger file is refused before it is read.
MAX_SAVED_BYTES = 1024 * MIB


def load(path: str) -> EstimateDocument:
    """A saved estimate document, checked enough that rendering cannot fail half-way."""
    try:
        data = read_regular(path, MAX_SAVED_BYTES, "saved result")
        read_quotes = text_quotes(data)  # counted before parsing: the bytes are not kept through it
        text = data.decode("utf-8")
        del data
        document = json.loads(text)
    except OSError as exc:
        raise CostcalcError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise CostcalcError(f"{path}: not JSON ({shown(str(exc))})") from None
    except RecursionError:
        raise CostcalcError(f"{path}: nested too deeply to be a costcalc estimate") from None
    if not unique_quick(read_quotes, document):  # a key twice: json kept the last without a word
        found = repeated_key(text)
        if found is not None:
            key, message = found
            raise CostcalcError(str(Problem(str(path), None, key, _NO_VALUE, message)))
    del text  # up to 1 GiB: not kept through the checks
    check(document, path)
    return upgrade(document)


def upgrade(document: Mapping[str, Any]) -> EstimateDocument:
    """A checked document in the current schema: plan sections computed again from its rows and meta
    (they are derived data; a version-1 document has none: its plans come from its rows). A version-1
    document named its cases by the input values (low inputs, high inputs), so a low case can cost more
    than the high one (a lower cache-hit rate, say): its cases are relabelled by cost (_cases_by_cost)."""
    if document["meta"].get("schema") == "costcalc.estimate/1":
        document = _cases_by_cost(document)
    return with_plans({**document, "meta": {**document["meta"], "schema": SCHEMA}})


def _cases_by_cost(document: Mapping[str, Any]) -> dict:
    """A version-1 document with low and high relabelled per (profile, model) by whole-period cost:
    swapped where low costs more than high (schema 2 names cases by cost), and an assumption saying so."""
    period: dict[tuple[str, str, str], Decimal] = {}
    for row in document["rows"]:
        if row.get("case") in ("low", "high"):
            key = (str(row["profile"]), str(row["model"]), str(row["case"]))
            period[key] = period.get(key, Decimal(0)) + Decimal(str(row["cost_usd"]))
    swapped = {(p, m) for p, m, c in period
               if c == "low" and (p, m, "high") in period and period[(p, m, "low")] > period[(p, m, "high")]}
    if not swapped:
        return dict(document)
    other = {"low": "high", "high": "low"}

    def relabel(entries: list) -> list:
        return [{**e, "case": other[e["case"]]}
                if isinstance(e, dict) and e.get("case") in other and (str(e.get("profile")), str(e.get("model")))
                in swapped else e for e in entries]

    meta = dict(document["meta"])
    if isinstance(meta.get("requests"), list):
        meta["requests"] = relabel(meta["requests"])
    pairs = ", ".join(f"{p} on {m}" for p, m in sorted(swapped))
    meta["assumptions"] = [*(meta.get("assumptions") or []),
                           f"Cases relabelled by cost (a version-1 document named them by input values): low and "
                           f"high swapped for {pairs}, whose low inputs cost more over the period."]
    out = {**document, "meta": meta, "rows": relabel(document["rows"])}
    if isinstance(document.get("totals"), list):
        out["totals"] = relabel(document["totals"])
    return out


def check(document, source: str = "document") -> None:
    """Enough of the schema that no rendering can fail half-way on a hand-edited or truncated file:
    one CostcalcError naming the first bad place."""
    if not isinstance(document, dict) or not isinstance(document.get("meta"), dict):
        raise CostcalcError(f"{source}: not a costcalc estimate (the JSON of `costcalc estimate --format json`)")
    meta = document["meta"]
    if meta.get("schema") not in READABLE_SCHEMAS:
        raise CostcalcError(f"{source}: meta.schema: {shown(meta.get('schema'))}: this costcalc reads "
                            f"{' and '.join(READABLE_SCHEMAS)}")
    rows = document.get("rows")
    if not isinstance(rows, list):
        raise CostcalcError(f"{source}: rows: must be a list of cost lines")
    providers: dict[str, tuple[str, int]] = {}
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise CostcalcError(f"{source}: rows[{i}]: must be an object (a cost line)")
        for key in _TEXT_KEYS + _MONEY:
            if row.get(key) is None:
                raise CostcalcError(f"{source}: rows[{i}]: {key} is missing")
        _check_texts(row, _TEXT_KEYS + ("case",), f"{source}: rows[{i}]")
        if row.get("case") is not None and row["case"] not in _CASES:
            raise CostcalcError(f"{source}: rows[{i}].case: {shown(row['case'])}: must be one of {', '.join(_CASES)}")
        # a document has cases on every line or on none (totals are keyed by them)
        if ("case" in row) != ("case" in rows[0]):
            raise CostcalcError(f"{source}: rows[{i}]: case is {'missing' if 'case' in rows[0] else 'given'}; "
                                f"rows[0] {'has' if 'case' in rows[0] else 'has none'}: every cost line has a case "
                                f"or none does")
        # every summary keys a model's lines by (profile, model): one provider per model, as estimates write
        first = providers.setdefault(row["model"], (row["provider"], i))
        if first[0] != row["provider"]:
            raise CostcalcError(f"{source}: rows[{i}].provider: {shown(row['provider'])}: model "
                                f"{shown(row['model'], 40)} is from {shown(first[0], 40)} in rows[{first[1]}]; "
                                f"a model has one provider")
        if not _MONTH.fullmatch(str(row["month"])):
            raise CostcalcError(f"{source}: rows[{i}].month: {row['month']!r}: must be a month like 2026-12")
        for key in list(_MONEY) + [k for k in row if k.startswith("cost_")]:
            _finite(row[key], f"{source}: rows[{i}].{key}")
        for key in _INSTANTS:
            if row.get(key) is not None and not _INSTANT.fullmatch(str(row[key])):
                raise CostcalcError(f"{source}: rows[{i}].{key}: {row[key]!r}: must be an instant like "
                                    f"2026-12-01T00:00:00Z")
    fx = meta.get("fx")
    if fx is not None:
        if not isinstance(fx, dict) or not all(isinstance(fx.get(k), str) and fx.get(k) for k in
                                               ("currency", "symbol", "rate")):
            raise CostcalcError(f"{source}: meta.fx: {shown(fx)}: needs currency, symbol and rate (text)")

        parse_rate(fx["rate"], f"{source}: meta.fx.rate")  # the limits of --fx and FX files
    if "price_table" not in meta:  # every result says which table priced it; renderers print it
        raise CostcalcError(f"{source}: meta.price_table is missing (version, sha256, files)")
    for name, kind, what in _META_TYPES:
        # null stands for "not given" in a text or number field only: renderers iterate lists and objects
        if name in meta and (meta[name] is not None or kind in (list, dict)) and \
                (not isinstance(meta[name], kind) or isinstance(meta[name], bool)):
            raise CostcalcError(f"{source}: meta.{name}: {shown(meta[name])}: must be {what}")
    if meta.get("currency") is not None and not _CURRENCY.fullmatch(meta["currency"]):
        raise CostcalcError(f"{source}: meta.currency: {shown(meta['currency'])}: must be a three-letter code "
                            f"such as USD")
    if meta.get("months") is not None and not 1 <= meta["months"] <= 600:
        raise CostcalcError(f"{source}: meta.months: {shown(meta['months'])}: must be from 1 to 600")
    if meta.get("start") is not None and not _MONTH.fullmatch(meta["start"]):
        raise CostcalcError(f"{source}: meta.start: {shown(meta['start'])}: must be a month like 2026-12")
    _check_texts(meta.get("price_table") or {}, ("version", "sha256"), f"{source}: meta.price_table")
    for i, entry in enumerate((meta.get("price_table") or {}).get("files") or []):
        if not isinstance(entry, dict):
            raise CostcalcError(f"{source}: meta.price_table.files[{i}]: {shown(entry)}: must be an object")
        _check_texts(entry, ("path", "sha256", "version"), f"{source}: meta.price_table.files[{i}]")
    for name, info in (meta.get("profiles") or {}).items():
        if not isinstance(info, dict):
            raise CostcalcError(f"{source}: meta.profiles.{shown(name, 40)}: {shown(info)}: must be an object "
                                f"(summary, tags, ...)")
        _check_texts(info, ("summary", "tags"), f"{source}: meta.profiles.{shown(name, 40)}")
    for name in ("requests", "list_rates", "native_rates"):
        for i, entry in enumerate(meta.get(name) or []):
            if not isinstance(entry, dict):
                raise CostcalcError(f"{source}: meta.{name}[{i}]: {shown(entry)}: must be an object")
    for i, entry in enumerate(meta.get("requests") or []):
        _finite(entry.get("requests"), f"{source}: meta.requests[{i}]")
        _check_texts(entry, ("profile", "model", "month", "case"), f"{source}: meta.requests[{i}]")
        for key in ("profile", "model", "month"):
            if entry.get(key) is None:
                raise CostcalcError(f"{source}: meta.requests[{i}]: {key} is missing")
    for name in ("units", "plan_units"):  # what cost per unit divides by: a bad count would divide wrongly
        for i, entry in enumerate(meta.get(name) or []):
            where = f"{source}: meta.{name}[{i}]"
            if not isinstance(entry, dict):
                raise CostcalcError(f"{where}: {shown(entry)}: must be an object")
            _finite(entry.get("count"), f"{where}.count")
            _check_texts(entry, ("profile", "model", "month", "case", "unit"), where)
            for key in ("month", "unit") + (("profile", "model") if name == "units" else ()):
                if entry.get(key) is None:
                    raise CostcalcError(f"{where}: {key} is missing")
    texts: tuple[str, ...]  # an entry's text keys and number keys, per kind of entry (two loops below)
    numbers: tuple[str, ...]
    for name, texts, numbers in (("list_rates", ("model", "rule", "component"), ("usd_per_mtok", "list_usd_per_mtok")),
                                 ("native_rates", ("model", "rule", "component", "currency"),
                                  ("usd_per_mtok", "per_mtok", "list_per_mtok"))):
        for i, entry in enumerate(meta.get(name) or []):
            where = f"{source}: meta.{name}[{i}]"
            for key in texts:
                if not isinstance(entry.get(key), str):
                    raise CostcalcError(f"{where}.{key}: {shown(entry.get(key))}: must be text")
            for key in numbers + tuple(k for k in entry if isinstance(k, str) and k.endswith("per_mtok")):
                _finite(entry.get(key), f"{where}.{key}")
    for i, note in enumerate(meta.get("assumptions") or []):
        if not isinstance(note, str):
            raise CostcalcError(f"{source}: meta.assumptions[{i}]: {shown(note)}: must be text")
    for i, entry in enumerate(meta.get("not_available") or []):
        where = f"{source}: meta.not_available[{i}]"
        if not isinstance(entry, dict):
            raise CostcalcError(f"{where}: {shown(entry)}: must be an object (profile, model, from, until, ...)")
        for key in ("profile", "model", "from", "until", "reason", "detail"):
            if not isinstance(entry.get(key), str):
                raise CostcalcError(f"{where}.{key}: {shown(entry.get(key))}: must be text")
        for key in ("from", "until"):
            if not _INSTANT.fullmatch(entry[key]):
                raise CostcalcError(f"{where}.{key}: {shown(entry[key])}: must be an instant like "
                                    f"2026-12-01T00:00:00Z")
        for key in ("months", "partial"):
            _check_months(entry.get(key), f"{where}.{key}")
    for name, texts, numbers in _LEFT_OUT:
        for i, entry in enumerate(meta.get(name) or []):
            where = f"{source}: meta.{name}[{i}]"
            if not isinstance(entry, dict):
                raise CostcalcError(f"{where}: {shown(entry)}: must be an object ({', '.join(texts + numbers)}, "
                                    f"months)")
            for key in texts:
                if not isinstance(entry.get(key), str):
                    raise CostcalcError(f"{where}.{key}: {shown(entry.get(key))}: must be text")
            for key in numbers:
                _finite(entry.get(key), f"{where}.{key}")
            _check_months(entry.get("months"), f"{where}.months")
    totals = document.get("totals")
    if totals is not None and not isinstance(totals, list):
        raise CostcalcError(f"{source}: totals: {shown(totals)}: must be a list of objects")
    for i, entry in enumerate(totals or []):
        if not isinstance(entry, dict):
            raise CostcalcError(f"{source}: totals[{i}]: {shown(entry)}: must be an object")
        _check_texts(entry, ("profile", "model", "month", "case"), f"{source}: totals[{i}]")
        _finite(entry.get("cost_usd"), f"{source}: totals[{i}].cost_usd")
    if document.get("total_usd") is not None:
        _finite(document["total_usd"], f"{source}: total_usd")
    _check_plan_meta(meta, source)


def _check_plan_meta(meta: dict, source: str) -> None:
    """What the plan sections are computed from: profiles' models and use, the chosen plan, the user's
    plans and the budget rules (the sections themselves are computed again on loading)."""
    listed: dict[str, list] = {}
    for name, info in (meta.get("profiles") or {}).items():
        where = f"{source}: meta.profiles.{shown(name, 40)}"
        models = info.get("models")
        if models is not None:
            if not isinstance(models, list) or not models or not all(isinstance(m, str) for m in models):
                raise CostcalcError(f"{where}.models: {shown(models)}: must be a list of model ids (text)")
            listed[name] = models
        use = info.get("use")
        if use is not None and (not isinstance(use, str) or use not in (models or [])):
            raise CostcalcError(f"{where}.use: {shown(use)}: must be one of the profile's models")
    if meta.get("plan") is not None and not isinstance(meta["plan"], str):
        raise CostcalcError(f"{source}: meta.plan: {shown(meta['plan'])}: must be a plan name (text)")
    plans = meta.get("user_plans")
    if plans is not None and not isinstance(plans, dict):
        raise CostcalcError(f"{source}: meta.user_plans: {shown(plans)}: must be an object of plans")
    for name, choices in (plans or {}).items():
        where = f"{source}: meta.user_plans.{shown(name, 40)}"
        if not isinstance(choices, dict):
            raise CostcalcError(f"{where}: {shown(choices)}: must be an object of profile: model")
        for profile, model in choices.items():
            if model not in listed.get(profile, ()):
                raise CostcalcError(f"{where}.{shown(profile, 40)}: {shown(model)}: must be one of that "
                                    f"profile's models (meta.profiles.PROFILE.models)")
    rules = meta.get("budget_rules")
    if rules is not None and not isinstance(rules, list):
        raise CostcalcError(f"{source}: meta.budget_rules: {shown(rules)}: must be a list of objects")
    for i, rule in enumerate(rules or []):
        where = f"{source}: meta.budget_rules[{i}]"
        if not isinstance(rule, dict) or rule.get("scope") not in ("plan", "profile", "tag"):
            raise CostcalcError(f"{where}: {shown(rule)}: must be an object with scope plan, profile or tag")
        for key in ("name", "currency", "source"):
            if not isinstance(rule.get(key), str):
                raise CostcalcError(f"{where}.{key}: {shown(rule.get(key))}: must be text")
        if not _CURRENCY.fullmatch(rule["currency"]):
            raise CostcalcError(f"{where}.currency: {shown(rule['currency'])}: must be a three-letter code")
        profiles = rule.get("profiles")
        if not isinstance(profiles, list) or not all(isinstance(p, str) for p in profiles):
            raise CostcalcError(f"{where}.profiles: {shown(profiles)}: must be a list of profile names")
        if rule.get("monthly") is None and rule.get("period") is None:
            raise CostcalcError(f"{where}: needs monthly and/or period")
        for key in ("monthly", "period"):
            if rule.get(key) is not None:
                _finite(rule[key], f"{where}.{key}")


def _check_months(months, where: str) -> None:
    if not isinstance(months, list) or not all(isinstance(m, str) and _MONTH.fullmatch(m) for m in months):
        raise CostcalcError(f"{where}: {shown(months)}: must be a list of months like 2026-12")


# What the totals leave out besides not-available time: (meta key, text keys, exact number keys).
_LEFT_OUT = (("unpriced_calls", ("profile", "model", "tool", "case", "detail"), ("calls",)),
             ("over_limit_excluded", ("profile", "model", "case", "detail"), ("share", "requests")))




def _check_texts(entry: dict, keys: tuple, where: str) -> None:
    """The keys of `entry` that are present (not null) hold text; tag:NAME keys too."""
    for key in list(keys) + [k for k in entry if isinstance(k, str) and k.startswith("tag:")]:
        value = entry.get(key)
        if value is not None and not isinstance(value, str):
            name = key if key in keys else _one_line(key[:60])  # a tag:NAME key, cut
            raise CostcalcError(f"{where}.{name}: {shown(value)}: must be text")


_TEXT_KEYS = ("profile", "model", "provider", "month", "rule", "component")
_CURRENCY = re.compile(r"[A-Z]{3}")
_CASES = ("low", "expected", "high")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])", re.ASCII)  # re.ASCII: \d alone takes ２０２６ too
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", re.ASCII)


# What a saved result's metadata fields must be, when present.
_META_TYPES = (("scenario", str, "text"), ("currency", str, "text"), ("start", str, "text"),
               ("months", int, "a whole number"), ("costcalc_version", str, "text"),
               ("price_table", dict, "an object (version, sha256, files)"),
               ("profiles", dict, "an object of profile descriptions"),
               ("assumptions", list, "a list of texts"), ("requests", list, "a list of objects"),
               ("list_rates", list, "a list of objects"), ("native_rates", list, "a list of objects"),
               ("not_available", list, "a list of objects"), ("unpriced_calls", list, "a list of objects"),
               ("over_limit_excluded", list, "a list of objects"), ("plan", str, "text"),
               ("units", list, "a list of objects"), ("plan_units", list, "a list of objects"),
               ("user_plans", dict, "an object of plans"), ("budget_rules", list, "a list of objects"))
# No amount costcalc writes comes near this: a bigger one is a hand-edit, and 1E+999999 would make a
# renderer write a million digits.
_MAX_AMOUNT = Decimal(10) ** 30
_MAX_TEXT = 80  # characters of a number's text: 50 significant digits and a few more


def _finite(value, where: str) -> Decimal:
    text = str(value)
    try:
        number = Decimal(text) if len(text) <= _MAX_TEXT and text.isascii() else None
    except InvalidOperation:
        number = None
    if number is None or value is None or isinstance(value, bool) or not number.is_finite() or \
            abs(number) >= _MAX_AMOUNT:
        raise CostcalcError(f"{where}: {shown(value)}: must be a finite decimal number below 10^30 "
                            f"(at most {_MAX_TEXT} characters)")
    return number


def fee_summary(document: EstimateDocument) -> list[dict]:
    """Per profile, model and tool: the calls and the fees they cost in the shown currency (expected
    case; low and high are alternatives), as Decimals: the tool fee component of a total, read from the
    document's comparisons (report/comparisons.py), where they are summed once."""
    out = []
    for profile in (document.get("comparisons") or {}).get("profiles", []):
        cases = {c["case"]: c for c in profile["cases"]}
        expected = cases.get("expected") or profile["cases"][0]
        for model in expected["models"]:
            out += [{"profile": profile["profile"], "model": model["model"], "tool": fee["tool"],
                     "calls": Decimal(fee["calls"]), "cost": Decimal(fee["cost"])} for fee in model["fees"]]
    return out




def verdict_caution(meta_or_attrs: Mapping[str, Any], profile: str, models: list[str]) -> str:
    """What a "Cheapest: X ... less than Y" verdict over `models` of a profile must add when its totals
    do not cover the same thing (expected case, as the verdict): a model not available in part of the
    period, tool calls a model's total leaves out (no fee), or requests `over_limit: exclude` left out
    on some models and not others (or in other shares). "" when the comparison is like for like."""
    if len(models) < 2:
        return ""
    chosen = set(models)
    out = ""
    marks = unavailable_months(meta_or_attrs)
    marked = [m for m in models if (profile, m) in marks]
    if marked:
        out += (f" Not comparable over the whole period: {', '.join(marked)} "
                f"{'is' if len(marked) == 1 else 'are'} not available in part of it.")
    reasons = []
    tools: dict[str, list[str]] = {}
    for e in meta_or_attrs.get("unpriced_calls") or []:
        if e["profile"] == profile and e["model"] in chosen and e.get("case", "expected") == "expected":
            tools.setdefault(e["model"], [])
            if e["tool"] not in tools[e["model"]]:
                tools[e["model"]].append(e["tool"])
    if tools:
        whose = " and ".join(f"{m}'s {'/'.join(t)}" for m, t in tools.items())
        reasons.append(f"{whose} calls are not priced (their fees are left out of "
                       f"{'its total' if len(tools) == 1 else 'those totals'})")
    shares = {m: Decimal(0) for m in models}
    for e in meta_or_attrs.get("over_limit_excluded") or []:
        if e["profile"] == profile and e["model"] in chosen and e.get("case", "expected") == "expected":
            shares[e["model"]] += Decimal(str(e["share"]))
    if any(shares.values()) and len(set(shares.values())) > 1:
        some = [f"{share_percent(v)} on {m}" for m, v in shares.items() if v]
        none = [m for m, v in shares.items() if not v]
        reasons.append("requests above a model's limits are left out (over_limit: exclude): " + ", ".join(some)
                       + (f", none on {', '.join(none)}" if none else ""))
    if reasons:
        out += " Not like for like: " + "; ".join(reasons) + "."
    return out


def share_percent(share: Decimal) -> str:
    """10%, 12.5%; a long share to two places (33.33%)."""
    percent = (share * 100).normalize()
    if decimal_places(percent) > 2:
        percent = percent.quantize(Decimal("0.01"))
    return f"{percent:f}%"


NOT_AVAILABLE_KEY = ("n/a: not available (before the model's launch or after its retirement), no cost; "
                     "*: partial month, priced only while the model is available.")


def shown_rows(document: Mapping[str, Any]) -> list[dict]:
    """The document's cost lines, each with `cost`: its cost in the shown currency (meta.currency: a
    provider's own published prices where the result used them, else cost_usd x fx.rate), for renderers
    that add shown amounts up (the matplotlib charts). `cost_usd` stays in USD: a converted amount never
    sits in a `_usd` field. The document itself is not changed."""
    shown = ShownCurrency(document["meta"])
    return [{**row, "cost": decimal_text(shown.cost(row))} for row in document["rows"]]
