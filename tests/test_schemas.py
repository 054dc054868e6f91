"""The shipped JSON Schemas: equal to what the loaders' key lists build, valid draft 2020-12, and true of
the bundled files (a schema that rejected pricing.yaml would mislead every editor that uses it)."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from costcalc import schemas

from .helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]


class _Loader(yaml.SafeLoader):
    """YAML as an editor's language server sees it: dates and instants stay text (costcalc reads them
    as text too, and checks them itself)."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _errors(name: str, document) -> list[str]:
    validator = jsonschema.Draft202012Validator(schemas.build(name))
    return [f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(document)]


@pytest.mark.parametrize("name", schemas.NAMES)
def test_shipped_schema_is_the_built_one_and_valid(name):
    assert schemas.shipped(name) == schemas.text(name), "run: python tools/build_schemas.py"
    jsonschema.Draft202012Validator.check_schema(json.loads(schemas.shipped(name)))


@pytest.mark.parametrize("name, path", [("prices", "pricing.yaml"), ("workloads", "examples/workloads.yaml")]
                         + [("workloads", f"examples/shapes/{s}.yaml") for s in ("chat", "agent", "batch", "rag")])
def test_bundled_files_validate(name, path):
    document = yaml.load((ROOT / path).read_text(encoding="utf-8"), Loader=_Loader)
    assert _errors(name, document) == []


def test_unknown_and_misspelt_keys_are_refused_as_the_loader_refuses_them():
    workloads = {"schema_version": 1, "profiles": {"bot": {
        "requests_per_day": 10, "input_tokens": 100, "output_tokens": 10, "models": ["gpt-5.5"],
        "cache_hit_rat": 0.5}}}
    assert any("cache_hit_rat" in e for e in _errors("workloads", workloads))
    del workloads["profiles"]["bot"]["cache_hit_rat"]
    assert _errors("workloads", workloads) == []
    workloads["profiles"]["bot"]["cache_hit_rate"] = {"low": 0.5, "high": 0.8}  # expected missing
    assert _errors("workloads", workloads)


def test_a_price_rule_without_output_or_with_an_unknown_tier_is_refused():
    overlay = {"schema_version": 1, "version": "mine.1", "providers": {"acme": {"name": "Acme", "models": {
        "acme-1": {"name": "Acme 1", "from": "2026-01-01T00:00Z", "prices": [
            {"label": "list", "rates": {"input": 1, "output": 2}, "when": {"tiers": ["standard"]}}]}}}}}
    assert _errors("prices", overlay) == []
    rule = overlay["providers"]["acme"]["models"]["acme-1"]["prices"][0]
    rule["when"]["tiers"] = ["turbo"]
    del rule["rates"]["output"]
    errors = _errors("prices", overlay)
    assert any("turbo" in e for e in errors) and any("'output' is a required property" in e for e in errors)


@pytest.mark.parametrize("name", schemas.NAMES)
def test_cli_prints_the_shipped_schema(name):
    out = run_cli("schema", name)
    assert out.exit_code == 0 and out.stdout == schemas.shipped(name), out.stderr


def _properties(schema, path=""):
    """Every (path, subschema) of `properties` anywhere in a schema."""
    if isinstance(schema, dict):
        for key, sub in schema.get("properties", {}).items():
            yield f"{path}.{key}", sub
        for key, sub in schema.items():
            yield from _properties(sub, f"{path}.{key}" if key != "properties" else path)
    elif isinstance(schema, list):
        for sub in schema:
            yield from _properties(sub, path)


@pytest.mark.parametrize("name", schemas.NAMES)
def test_every_key_a_loader_accepts_is_described(name):
    """A key added to a loader's key list appears in its schema as `{}` until someone describes it."""
    assert [path for path, sub in _properties(schemas.build(name)) if sub == {}] == []


def test_an_estimate_document_validates_and_a_broken_one_does_not(tmp_path):
    workloads = tmp_path / "w.yaml"
    workloads.write_text("""schema_version: 1
profiles:
  bot: {requests_per_day: 100, input_tokens: 1000, output_tokens: 100, models: [gpt-5.5, deepseek-v4-pro],
        use: deepseek-v4-pro, cache_hit_rate: {low: 0.2, expected: 0.5, high: 0.6}}
plans:
  mine: {bot: gpt-5.5}
budgets:
  - {plan: current, monthly: 100}
""", encoding="utf-8")
    assert _errors("workloads", yaml.load(workloads.read_text(), Loader=_Loader)) == []
    out = run_cli("estimate", workloads, "--start", "2026-12", "--months", "2", "--format", "json", cwd=ROOT)
    assert out.exit_code == 0, out.stderr
    document = json.loads(out.stdout)
    assert _errors("estimate", document) == []
    document["rows"][0]["cost_usd"] = 1.5  # a float: money is exact decimal text
    document["meta"]["schema"] = "costcalc.estimate/9"
    errors = _errors("estimate", document)
    assert any(e.startswith("rows.0.cost_usd") for e in errors) and any(e.startswith("meta.schema") for e in errors)
