"""An estimate document's `meta` section: a result's metadata (a frame's attrs) as JSON-plain values, and
what the derived sections read from it (which months a model is not available in). Below the document and
its derived sections (report/plandoc.py, comparisons.py), so each imports it at the top."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..money import decimal_text

SCHEMA = "costcalc.estimate/2"

def document_meta(attrs: dict, requests: list[dict] | None = None) -> dict:
    """A result's metadata (a frame's attrs) as the document's JSON-plain meta. requests: meta.requests
    (costcalc.frames.requests_entries of the frame: an estimate frame holds them in its `requests`
    column); None takes attrs["requests"] (a frame read from a document keeps them there)."""
    if requests is None:
        requests = [{**r, "requests": decimal_text(Decimal(str(r["requests"])))} for r in attrs.get("requests", [])]
    fx = attrs.get("fx")
    meta = {"schema": SCHEMA, "currency": fx["currency"] if fx else "USD", "fx": fx,
            "scenario": attrs.get("scenario"), "start": attrs.get("start"), "months": attrs.get("months"),
            "price_table": attrs.get("price_table"), "assumptions": list(attrs.get("assumptions", [])),
            "profiles": attrs.get("profiles", {}), "costcalc_version": attrs.get("costcalc_version"),
            "requests": requests,
            # units per profile, model and month (a profile's units:): what cost per unit divides by
            "units": [_texts(e, ("count",)) for e in attrs.get("units", [])],
            # the file's top-level units: per month (profile null) or a profile's share: what a plan divides by
            "plan_units": [_texts(e, ("count",)) for e in attrs.get("plan_units", [])],
            "list_rates": [{k: _text(v) for k, v in r.items()} for r in attrs.get("list_rates", [])],
            "native_rates": [{k: _text(v) for k, v in r.items()} for r in attrs.get("native_rates", [])],
            "not_available": [dict(e) for e in attrs.get("not_available", [])],
            "unpriced_calls": [_texts(e, ("calls",)) for e in attrs.get("unpriced_calls", [])],
            "over_limit_excluded": [_texts(e, ("share", "requests")) for e in attrs.get("over_limit_excluded", [])],
            "plan": attrs.get("plan") or "current", "user_plans": dict(attrs.get("user_plans") or {}),
            "budget_rules": [dict(r) for r in attrs.get("budget_rules") or []]}
    return meta


def _text(value):
    """Exact decimal text for a Decimal; other values (text already) as they are."""
    return decimal_text(value) if isinstance(value, Decimal) else value


def _texts(entry: dict, numbers: tuple[str, ...]) -> dict:
    """A copy of a metadata entry with its exact numbers as decimal text (and months as a new list)."""
    return {k: (_text(v) if k in numbers else list(v) if k == "months" else v) for k, v in entry.items()}


def unavailable_months(meta_or_attrs: Mapping[str, Any]) -> dict[tuple[str, str], dict[str, str]]:
    """(profile, model) -> month -> "n/a" (not available all month) or "partial" (priced for part of
    it): how month tables mark the months of `not_available`."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for entry in meta_or_attrs.get("not_available") or []:
        marks = out.setdefault((str(entry["profile"]), str(entry["model"])), {})
        for month in entry["months"]:
            if month in entry["partial"] or marks.get(month) == "partial":
                marks[month] = "partial"
            else:
                marks[month] = "n/a"
    return out
