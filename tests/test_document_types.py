"""The estimate document's TypedDicts (costcalc/report/document_types.py) and its JSON Schema stay in step:
every key a type names is in the schema and every key the schema names is in the type, section by
section; every object the schema describes with keys has a type; and a real document's sections hold no
key their type does not name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from costcalc import schemas
from costcalc.report import document_types
from costcalc.report.document_types import SECTIONS

ROOT = Path(__file__).resolve().parents[1]
# Objects the schema leaves open on purpose, typed dict[str, Any] in Meta: a profile's description carries
# what its loader recorded (summary, tags, token translation...), each an entry of its own key.
UNTYPED = {"meta.profiles{}", "meta.profiles{}.token_translation{}"}


def _object(schema: dict) -> dict:
    """The object a (possibly nullable: oneOf null | object) schema describes."""
    for option in schema.get("oneOf", []):
        if option.get("type") != "null":
            return _object(option)
    return schema


def _at(schema: dict, path: str) -> dict:
    """The subschema at a SECTIONS path: `a.b` keys, `[]` an array's items, `{}` an object's values."""
    node = _object(schema)
    for part in [p for p in path.replace("[]", ".[]").replace("{}", ".{}").split(".") if p]:
        if part == "[]":
            node = _object(node["items"])
        elif part == "{}":
            node = _object(node["additionalProperties"])
        else:
            node = _object(node["properties"][part])
    return node


def _described(schema: dict, path: str = ""):
    """Every path of an object the schema describes with keys of its own."""
    node = _object(schema)
    if node.get("properties"):
        yield path
        for key, sub in node["properties"].items():
            yield from _described(sub, f"{path}.{key}" if path else key)
    if isinstance(node.get("items"), dict):
        yield from _described(node["items"], path + "[]")
    if isinstance(node.get("additionalProperties"), dict):
        yield from _described(node["additionalProperties"], path + "{}")


def _keys(kind: type) -> set[str]:
    return set(kind.__annotations__)


@pytest.mark.parametrize("path", sorted(SECTIONS))
def test_every_typed_key_is_in_the_schema_and_every_schema_key_is_typed(path):
    schema = schemas.build("estimate")
    in_schema = set(_at(schema, path)["properties"])
    typed = _keys(SECTIONS[path])
    assert typed - in_schema == set(), f"{path}: typed but not in the schema"
    assert in_schema - typed == set(), f"{path}: in the schema but not typed"


def test_every_object_the_schema_describes_has_a_type():
    described = set(_described(schemas.build("estimate")))
    assert described - set(SECTIONS) - UNTYPED == set()
    assert set(SECTIONS) - described == set(), "a type for a section the schema does not describe"


def test_every_section_type_is_exported():
    exported = [getattr(document_types, name) for name in document_types.__all__]
    assert all(any(kind is e for e in exported) for kind in SECTIONS.values())


def _walk(value, path: str = ""):
    """(path, object) for every JSON object in a document, by SECTIONS-style path."""
    if isinstance(value, dict):
        yield path, value
        for key, sub in value.items():
            if path == "price_changes" or path == "meta.profiles":
                yield from _walk(sub, path + "{}")
            else:
                yield from _walk(sub, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, path + "[]")


def test_a_real_document_holds_only_typed_keys():
    """The golden estimate document (two profiles, fees, plans) and one with cases, budgets and a
    currency: each section's keys are keys of its type (tag:NAME and cost_<code> rows aside)."""
    from click.testing import CliRunner

    from costcalc.cli import cli

    documents = [json.loads((ROOT / "tests" / "golden" / "estimate.json.txt").read_text(encoding="utf-8"))]
    out = CliRunner().invoke(cli, ["estimate", str(ROOT / "examples" / "workloads.yaml"), "--months", "3",
                                   "--budget", "1000", "--currency", "EUR", "--fx", "EUR=0.92", "--format", "json"])
    assert out.exit_code == 0, out.output
    documents.append(json.loads(out.stdout))
    checked = set()
    for document in documents:
        assert document["comparisons"]["profiles"] and document["plans"]
        for path, value in _walk(document):
            kind = SECTIONS.get(path)
            if kind is None:
                continue
            extra = {k for k in value if not (path == "rows[]" and (k.startswith("tag:") or k.startswith("cost_")))}
            assert extra - _keys(kind) == set(), path
            checked.add(path)
    assert {"", "meta", "rows[]", "budgets[]", "budgets[].months[]", "comparisons.profiles[].cases[].models[]",
            "comparisons.profiles[].cases[].models[].months[]", "headline.cheapest", "meta.fx"} <= checked
