"""Malformed price files: each gives exactly one clear error line and exit status 1, never a traceback.

Every case mutates one spot of a small valid table (BASE) and states the error it must produce: the line
(found in the mutated text, so it cannot drift), the full dotted key and a phrase of the message. The same
cases run through the CLI (`costcalc prices check FILE`) and through the library (`load_prices`, `lint`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

import costcalc.api_prices
from costcalc.cli import cli
from costcalc.errors import InputError
from costcalc.prices import TokenBundle, bundled_path, load_prices, quote
from costcalc.prices.lint import lint

M = 1_000_000
TODAY = date(2026, 11, 15)  # BASE was checked 2026-11-01: no staleness warnings on this day

BASE = """\
# A small price table for tests.
schema_version: 1
version: "2026.11.01.1"
currency: USD
unit: usd_per_mtok
providers:
  acme:
    name: Acme AI
    models:
      m1:
        name: Acme M1
        tiers: [standard, batch]
        prices:
          - label: list
            when:
              until: 2026-06-01T00:00Z
            rates:
              input: 2.00
              cache_read: 0.20
              output: 8.00
            source: https://acme.example/pricing
            checked: 2026-11-01
          - label: list
            when:
              from: 2026-06-01T00:00Z
            rates:
              input: 1.50
              cache_read: 0.15
              output: 6.00
            source: https://acme.example/pricing
            checked: 2026-11-01
          - label: promo
            promotion_of: list
            when:
              from: 2026-07-01T00:00Z
              until: 2026-08-01T00:00Z
            rates:
              input: 0.75
              output: 3.00
            source: https://acme.example/news
            checked: 2026-11-01
        modifiers:
          - label: batch
            when:
              tiers: [batch]
            multiply:
              all: 0.5
            source: https://acme.example/pricing
            checked: 2026-11-01
      m2:
        name: Acme M2
        routes:
          - billed_as: m1
            source: https://acme.example/news
            checked: 2026-11-01
  beta:
    name: Beta Labs
    models:
      b1:
        name: Beta B1
        prices:
          - label: peak
            when:
              timezone: Asia/Shanghai
              weekdays: [mon, tue, wed, thu, fri]
              hours: ["09:00-18:00"]
            rates:
              input: 1.00
              output: 2.00
            source: https://beta.example/pricing
            checked: 2026-11-01
          - label: off-peak
            when:
              timezone: Asia/Shanghai
              weekdays: [mon, tue, wed, thu, fri]
              hours: ["00:00-09:00", "18:00-24:00"]
            rates:
              input: 0.50
              output: 1.00
            source: https://beta.example/pricing
            checked: 2026-11-01
          - label: off-peak
            when:
              timezone: Asia/Shanghai
              weekdays: [sat, sun]
            rates:
              input: 0.50
              output: 1.00
            source: https://beta.example/pricing
            checked: 2026-11-01
"""

M1 = "providers.acme.models.m1"
B1 = "providers.beta.models.b1"
PROMO_SOURCE = "            source: https://acme.example/news\n            checked: 2026-11-01\n"


@dataclass(frozen=True)
class Case:
    id: str
    old: str  # replaced once (its first occurrence) by `new`
    new: str
    key: str  # the full dotted key of the error line ("" when the error names none)
    at: str | tuple[str, int] | int | None  # a marker unique in the mutated text (+ a line offset), or
    # the line itself; None: the error names no line
    phrase: str  # part of the message (may include the value shown before it)
    stage: str = "load"  # "load": the loader refuses the file; "lint": it loads, lint finds the error
    raw: bytes | None = None  # write these bytes instead of text

    def text(self) -> str:
        assert self.old in BASE, f"{self.id}: {self.old!r} is not in BASE"
        return BASE.replace(self.old, self.new, 1)

    def line(self) -> int | None:
        if self.at is None or isinstance(self.at, int):
            return self.at
        marker, offset = (self.at, 0) if isinstance(self.at, str) else self.at
        text = self.text()
        assert text.count(marker) == 1, f"{self.id}: marker {marker!r} is not unique"
        return text[:text.index(marker)].count("\n") + 1 + offset


CASES = [
    # -- not YAML ------------------------------------------------------------------------------------
    Case("invalid-yaml", "        name: Acme M1\n", "        name: Acme M1: the first\n",
         "", "Acme M1: the first", "not valid YAML: mapping values are not allowed here"),
    # PyYAML notices the unclosed list on the next line, where it meets `prices:`.
    Case("unclosed-list", "tiers: [standard, batch]", "tiers: [standard, batch",
         "", ("[standard, batch\n", 1), "not valid YAML: expected ',' or ']', but got ':'"),
    Case("tab-indentation", "        tiers: [standard, batch]\n", "\ttiers: [standard, batch]\n",
         "", "\ttiers", "not valid YAML: found character '\\t' that cannot start any token"),
    Case("duplicate-key", "        name: Acme M1\n", "        name: Acme M1\n        name: Acme M1 again\n",
         f"{M1}.name", "Acme M1 again", "'name': duplicate key (first at line 11)"),
    Case("empty-file", BASE, "", "", 1, "the file is empty"),
    Case("comments-only", BASE, "# prices go here\n", "", "# prices go here", "the file is empty"),
    Case("not-utf8", BASE, BASE, "", None, "not UTF-8 text",
         raw=BASE.encode().replace(b"Acme AI", b"Acme \xff AI")),
    # -- unknown keys, wrong top level -----------------------------------------------------------------
    Case("unknown-top-level-key", "currency: USD", "curency: USD",
         "curency", "curency", "'curency': unknown key (did you mean 'currency'?); allowed: schema_version"),
    Case("unknown-rule-key", PROMO_SOURCE, PROMO_SOURCE + "            notes: ends in August\n",
         f"{M1}.prices[2].notes", "notes: ends in August",
         "unknown key (did you mean 'note'?); "
         "allowed: label, promotion_of, when, rates, native, source, checked, note"),
    Case("wrong-schema-version", "schema_version: 1", "schema_version: 2",
         "schema_version", "schema_version: 2", "2: this costcalc reads schema_version 1"),
    Case("schema-version-as-string", "schema_version: 1", 'schema_version: "1"',
         "schema_version", "schema_version", "'1': must be a whole number >= 1"),
    Case("missing-version", 'version: "2026.11.01.1"\n', "",
         "version", "schema_version", "version: is required"),
    Case("currency-not-usd", "currency: USD", "currency: EUR",
         "currency", "currency: EUR", "'EUR': not allowed; one of USD"),
    # -- wrong types and values of prices -------------------------------------------------------------
    Case("price-as-string", "              input: 1.50\n", '              input: "1.50"\n',
         f"{M1}.prices[1].rates.input", 'input: "1.50"', "'1.50': must be a price >= 0 in USD per 1M tokens"),
    Case("price-as-list", "              input: 1.50\n", "              input: [1.50]\n",
         f"{M1}.prices[1].rates.input", "input: [1.50]", "[1.50]: must be a price >= 0 in USD per 1M tokens"),
    Case("rates-not-a-mapping", "            rates:\n              input: 0.75\n              output: 3.00\n",
         "            rates: 0.75\n", f"{M1}.prices[2].rates", "rates: 0.75",
         "0.75: must be a mapping of input, cache_read, cache_write_5m, cache_write_1h, output, reasoning"),
    Case("negative-price", "              output: 6.00\n", "              output: -6.00\n",
         f"{M1}.prices[1].rates.output", "output: -6.00", "-6.00: must be a price >= 0 in USD per 1M tokens"),
    Case("missing-input-rate", "              input: 1.50\n", "",
         f"{M1}.prices[1].rates.input", "cache_read: 0.15", "input: is required"),
    Case("float-artifact", "              input: 1.50\n", "              input: 0.30000000000000004\n",
         f"{M1}.prices[1].rates.input", "0.30000000000000004",
         "0.30000000000000004: has more than 8 decimal places (a float artifact?); write the exact figure"),
    Case("infinite-price", "              output: 6.00\n", "              output: .inf\n",
         f"{M1}.prices[1].rates.output", "output: .inf", "'.inf': must be a price >= 0"),
    Case("nan-price", "              output: 6.00\n", "              output: .nan\n",
         f"{M1}.prices[1].rates.output", "output: .nan", "'.nan': must be a price >= 0"),
    Case("cache-read-above-input", "              cache_read: 0.15\n", "              cache_read: 2.50\n",
         f"{M1}.prices[1].rates.cache_read", "cache_read: 2.50",
         "2.50: a cache hit may not cost more than a miss (input is 1.50)"),
    Case("label-upper-case", "label: promo", "label: Promo",
         f"{M1}.prices[2].label", "label: Promo", "'Promo': must be a short label in lower case"),
    # -- sources ---------------------------------------------------------------------------------------
    Case("missing-source", PROMO_SOURCE, "            checked: 2026-11-01\n",
         f"{M1}.prices[2].source", "label: promo", "source: is required: say where this was seen and when"),
    Case("missing-checked", PROMO_SOURCE, "            source: https://acme.example/news\n",
         f"{M1}.prices[2].checked", "label: promo", "checked: is required: say where this was seen and when"),
    Case("source-not-a-url", PROMO_SOURCE, PROMO_SOURCE.replace("https://", ""),
         f"{M1}.prices[2].source", "source: acme.example/news",
         "'acme.example/news': must be a URL (https://...) or contract:REFERENCE"),
    Case("checked-not-a-date", PROMO_SOURCE, PROMO_SOURCE.replace("2026-11-01", "2026-11-31"),
         f"{M1}.prices[2].checked", "2026-11-31", "'2026-11-31': must be a date like 2026-11-22"),
    # -- time ------------------------------------------------------------------------------------------
    Case("unknown-time-zone", "              timezone: Asia/Shanghai\n              weekdays: [sat, sun]",
         "              timezone: Asia/Shangai\n              weekdays: [sat, sun]",
         f"{B1}.prices[2].when.timezone", "Asia/Shangai", "'Asia/Shangai': unknown time zone"),
    Case("hours-window-backwards", '["09:00-18:00"]', '["04:00-01:00"]',
         f"{B1}.prices[0].when.hours[0]", "04:00-01:00",
         "'04:00-01:00': must be a window \"HH:MM-HH:MM\" with start before end"),
    Case("bad-weekday", "weekdays: [sat, sun]", "weekdays: [sat, sunday]",
         f"{B1}.prices[2].when.weekdays[1]", "sunday", "'sunday': not allowed (did you mean 'sun'?)"),
    Case("unknown-holiday-calendar", "              weekdays: [sat, sun]\n",
         "              weekdays: [sat, sun]\n              holidays: {calendar: cn, on: false}\n",
         f"{B1}.prices[2].when.holidays.calendar", "calendar: cn",
         "'cn': unknown calendar; define it under calendars: (none defined)"),
    Case("instant-without-offset", "until: 2026-06-01T00:00Z", "until: 2026-06-01T00:00",
         f"{M1}.prices[0].when.until", "until: 2026-06-01T00:00\n",
         "'2026-06-01T00:00': must be an instant with a UTC offset, to the minute"),
    Case("instant-with-seconds", "until: 2026-06-01T00:00Z", "until: 2026-06-01T00:00:30Z",
         f"{M1}.prices[0].when.until", "00:00:30Z", "must be an instant with a UTC offset, to the minute"),
    Case("until-before-from", "until: 2026-08-01T00:00Z", "until: 2026-06-15T00:00Z",
         f"{M1}.prices[2].when.until", "2026-06-15", "'2026-06-15T00:00Z': must be after from"),
    # -- tiers and modifiers ---------------------------------------------------------------------------
    Case("unknown-tier", "tiers: [batch]", "tiers: [bacth]",
         f"{M1}.modifiers[0].when.tiers[0]", "bacth",
         "'bacth': not allowed (did you mean 'batch'?); one of standard, batch, flex, priority"),
    Case("model-tiers-without-standard", "tiers: [standard, batch]", "tiers: [batch, flex]",
         f"{M1}.tiers", "[batch, flex]", "[batch, flex]: must include standard"),
    Case("multiplier-zero", "all: 0.5", "all: 0",
         f"{M1}.modifiers[0].multiply.all", "all: 0", "0: a multiplier > 0 and <= 100"),
    Case("multiplier-too-big", "all: 0.5", "all: 250",
         f"{M1}.modifiers[0].multiply.all", "all: 250", "250: must be a multiplier > 0 and <= 100"),
    # -- models, routes, cross references --------------------------------------------------------------
    Case("model-id-upper-case", "      m2:\n", "      M2:\n",
         "providers.acme.models.M2", "M2:", "'M2': must be a model id in lower case"),
    Case("model-without-prices", "        routes:\n          - billed_as: m1\n" + PROMO_SOURCE, "",
         "providers.acme.models.m2.prices", "name: Acme M2",
         "is required (or routes, for a model billed as another)"),
    Case("provider-without-name", "    name: Beta Labs\n", "",
         "providers.beta.name", ("      b1:", -1), "name: is required"),
    Case("promotion-of-missing-label", "promotion_of: list", "promotion_of: lsit",
         f"{M1}.prices[2].promotion_of", "lsit",
         "'lsit': names no base rule of this model; base labels: list"),
    Case("route-to-unknown-model", "billed_as: m1", "billed_as: m3",
         "providers.acme.models.m2.routes[0].billed_as", "billed_as: m3", "'m3': unknown model"),
    # -- whole-table rules, found by lint ---------------------------------------------------------------
    Case("overlapping-base-rules", "from: 2026-06-01T00:00Z", "from: 2026-05-01T00:00Z",
         f"{M1}.prices[1]", ("from: 2026-05-01T00:00Z", -2),
         "'list': overlaps prices[0] (list) at 2026-05-01 00:00Z for tier standard; "
         "base rules must not overlap",
         stage="lint"),
    Case("gap-between-dated-rules", "from: 2026-06-01T00:00Z", "from: 2026-06-15T00:00Z",
         f"{M1}.prices", "      m1:",
         "'2026-06-01 00:00Z to 2026-06-15 00:00Z': no base rule covers this time for tier standard",
         stage="lint"),
    Case("models-out-of-order", "      m2:\n", "      a2:\n",
         "providers.acme.models.a2", "a2:",
         "'a2': models out of order: move 'a2' before 'm1' (alphabetical within a provider)", stage="lint"),
]
LINT_CASES = [c for c in CASES if c.stage == "lint"]


def write(tmp_path: Path, case: Case) -> Path:
    path = tmp_path / "prices.yaml"
    if case.raw is not None:
        path.write_bytes(case.raw)
    else:
        path.write_text(case.text(), encoding="utf-8")
    return path


def expected_start(path: Path, case: Case) -> str:
    where = f"{path}:{case.line()}" if case.line() is not None else str(path)
    return f"{where}: {case.key}: " if case.key else f"{where}: "


@pytest.fixture
def check(monkeypatch):
    """Run `costcalc prices check FILE` on a fixed day (no staleness warnings)."""
    monkeypatch.setattr(costcalc.api_prices, "_now", lambda: datetime(2026, 11, 15, 12, 0, tzinfo=timezone.utc))

    def run(*args: str):
        return CliRunner().invoke(cli, ["prices", "check", *args])

    return run


# -- the base table and the bundled one are valid ------------------------------------------------------

def test_base_table_is_valid(tmp_path, check):
    path = tmp_path / "prices.yaml"
    path.write_text(BASE, encoding="utf-8")
    result = check(str(path))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == f"{path}: ok: version 2026.11.01.1, 3 models, 6 price rules, 0 warnings\n"
    # Line numbers the cases rely on.
    assert BASE.splitlines()[10] == "        name: Acme M1"


def test_bundled_table_passes_check():
    result = CliRunner().invoke(cli, ["prices", "check"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"{bundled_path()}: ok: version ")
    assert all(line.startswith("costcalc: warning: ") for line in result.stderr.splitlines())
    report = lint(load_prices(), date.today())
    assert report.errors == ()


def test_there_are_enough_distinct_cases():
    assert len(CASES) >= 24
    assert len({c.id for c in CASES}) == len(CASES)
    assert len({c.text() if c.raw is None else c.raw for c in CASES}) == len(CASES)


# -- each malformed file: one line, exit 1, no traceback ---------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_cli_one_error_line(tmp_path, check, case):
    path = write(tmp_path, case)
    result = check(str(path))
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an escaped exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("costcalc: "), line
    body = line.removeprefix("costcalc: ")
    assert body.startswith(expected_start(path, case)), (body, expected_start(path, case))
    assert case.phrase in body, body
    assert "Traceback" not in body and "Decimal(" not in body


@pytest.mark.parametrize("case", LINT_CASES, ids=lambda c: c.id)
def test_lint_error_lines_carry_the_prefix(tmp_path, check, case):
    result = check(str(write(tmp_path, case)))
    assert result.exit_code == 1
    assert result.stderr.startswith("costcalc: "), result.stderr


def test_missing_file(tmp_path, check):
    path = tmp_path / "nope.yaml"
    result = check(str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"costcalc: {path}: cannot read: No such file or directory\n"


# -- the same cases through the library ------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_library_reports_one_problem(tmp_path, case):
    path = write(tmp_path, case)
    if case.stage == "load":
        with pytest.raises(InputError) as info:
            load_prices(path)
        problems = info.value.problems
    else:
        report = lint(load_prices(path), TODAY)
        assert report.warnings == ()
        problems = list(report.errors)
    assert len(problems) == 1, [str(p) for p in problems]
    (problem,) = problems
    assert (problem.file, problem.line, problem.key) == (str(path), case.line(), case.key)
    assert case.phrase in str(problem)


def test_library_error_values_are_exact(tmp_path):
    by_id = {c.id: c for c in CASES}
    for case_id, value in [("negative-price", D("-6.00")), ("float-artifact", D("0.30000000000000004")),
                           ("price-as-string", "1.50"), ("price-as-list", [D("1.50")]),
                           ("multiplier-zero", 0)]:
        with pytest.raises(InputError) as info:
            load_prices(write(tmp_path, by_id[case_id]))
        assert info.value.problems[0].value == value, case_id


def test_one_line_per_problem_and_no_cascade(tmp_path, check):
    """Two independent mistakes give two lines; a broken model does not make references to it errors."""
    text = BASE.replace("              output: 6.00\n", "              output: -6.00\n", 1) \
               .replace('["09:00-18:00"]', '["04:00-01:00"]', 1)
    path = tmp_path / "prices.yaml"
    path.write_text(text, encoding="utf-8")
    result = check(str(path))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert [line.split(": ")[2] for line in lines] == [f"{M1}.prices[1].rates.output",
                                                       f"{B1}.prices[0].when.hours[0]"]
    assert "billed_as" not in result.stderr  # m2 routes to the broken m1: not a second mistake


# -- overlays ----------------------------------------------------------------------------------------------

OVERLAY = """\
schema_version: 1
version: "acme.1"
providers:
  openai:
    models:
      gpt-5.4-mini:
        prices:
          - label: list
            rates: {input: 0.60, cache_read: 0.06, output: 3.60}
            source: contract:ACME-2026-07
  inhouse:
    name: In-house
    models:
      private-llm:
        name: Private LLM
        prices:
          - label: list
            rates: {input: 0.10, output: 0.40}
discounts:
  - provider: openai
    multiply: 0.8
"""
WHEN = datetime(2026, 10, 1, 12, 0, tzinfo=timezone.utc)


def total(table, model, **tokens):
    return quote(table, model, TokenBundle(**tokens), WHEN).total_usd


def test_overlay_discount_correction_and_private_model(tmp_path):
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(OVERLAY, encoding="utf-8")
    bundled = load_prices()
    table = load_prices(overlays=[overlay])

    # gpt-5.5 list: 5 in / 30 out per 1M, times the 0.8 discount. 200k input: 0.2 * 5 = 1.00 -> 0.80.
    assert total(bundled, "gpt-5.5", input=200_000) == D("1")
    assert total(table, "gpt-5.5", input=200_000) == D("0.8")
    # 200k in + 100k out: (1.00 + 0.1 * 30) * 0.8 = 4.00 * 0.8.
    assert total(table, "gpt-5.5", input=200_000, output=100_000) == D("3.2")
    # A 1M-token prompt is above 272,000: long context doubles input (5 -> 10), then 0.8: 8, not 4.
    assert total(bundled, "gpt-5.5", input=M) == D("10")
    assert total(table, "gpt-5.5", input=M) == D("8")
    # Corrected gpt-5.4-mini (bundled 0.75 / 4.50 -> 0.60 / 3.60). 200k in + 100k out:
    # bundled 0.2 * 0.75 + 0.1 * 4.50 = 0.15 + 0.45; overlay (0.2 * 0.60 + 0.1 * 3.60) * 0.8 = 0.48 * 0.8.
    assert total(bundled, "gpt-5.4-mini", input=200_000, output=100_000) == D("0.60")
    assert total(table, "gpt-5.4-mini", input=200_000, output=100_000) == D("0.384")
    # Batch still halves the corrected price: 0.2 * 0.60 * 0.5 * 0.8 = 0.048.
    assert quote(table, "gpt-5.4-mini", TokenBundle(input=200_000), WHEN, tier="batch").total_usd == \
        D("0.048")
    # The private model is not OpenAI's: no discount. 0.2 * 0.10 + 0.05 * 0.40 = 0.02 + 0.02.
    assert total(table, "private-llm", input=200_000, output=50_000) == D("0.04")
    assert table.models["private-llm"].rules[0].source == f"file:{overlay}"
    assert "private-llm" not in bundled.models
    # Other providers are untouched: Claude Haiku 4.5 is 1 in / 5 out: 0.1 * 1 + 0.05 * 5.
    assert total(table, "claude-haiku-4-5", input=100_000, output=50_000) == D("0.35")

    assert table.version == f"{bundled.version}+acme.1"
    assert table.sha256 != bundled.sha256
    joined = hashlib.sha256(bundled_path().read_bytes()).hexdigest() + "\n" + \
        hashlib.sha256(overlay.read_bytes()).hexdigest()
    assert table.sha256 == hashlib.sha256(joined.encode()).hexdigest()
    assert quote(table, "gpt-5.5", TokenBundle(input=M), WHEN).price_table["version"] == table.version


def test_overlay_through_the_cli(tmp_path):
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(OVERLAY, encoding="utf-8")
    result = CliRunner().invoke(cli, ["quote", "gpt-5.5", "--input", "200k", "--at", "2026-10-01T12:00Z",
                                      "--prices", str(overlay), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["total_usd"] == "0.8"
    assert data["price_table"]["version"].endswith("+acme.1")


@pytest.mark.parametrize("mutation, key, at, phrase", [
    (("discounts:", "discount:"), "discount", "discount:",
     "'discount': unknown key (did you mean 'discounts'?)"),
    (("    multiply: 0.8", "    multiply: 0.8\n    provder: openai"), "discounts[0].provder", "provder",
     "unknown key (did you mean 'provider'?)"),
    (("    multiply: 0.8", "    multiply: -0.8"), "discounts[0].multiply", "-0.8",
     "-0.8: must be a multiplier > 0 and <= 100"),
    # A zero discount would make every OpenAI model free.
    (("    multiply: 0.8", "    multiply: 0"), "discounts[0].multiply", "multiply: 0",
     "0: a multiplier > 0 and <= 100"),
    (("    multiply: 0.8", "    multiply: {input: 0}"), "discounts[0].multiply.input", "{input: 0}",
     "0: a multiplier > 0 and <= 100"),
    (("provider: openai", "provider: openia"), "discounts[0].provider", "openia",
     "'openia': unknown provider; known: "),
], ids=["unknown-top-key", "unknown-discount-key", "negative-discount", "zero-discount",
        "zero-discount-per-component", "unknown-provider"])
def test_bad_overlay_gives_one_line(tmp_path, check, mutation, key, at, phrase):
    overlay = tmp_path / "overlay.yaml"
    text = OVERLAY.replace(*mutation)
    assert text != OVERLAY and text.count(at) == 1
    overlay.write_text(text, encoding="utf-8")
    line = text[:text.index(at)].count("\n") + 1
    result = check("--prices", str(overlay))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"costcalc: {overlay}:{line}: {key}: "), result.stderr
    assert phrase in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
