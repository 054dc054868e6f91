"""pricing.yaml (and user overlays) -> PriceTable, strictly: unknown keys, wrong types, bad zones and
missing sources are errors naming file, line, dotted key, value and what is allowed.

This and its cache of parsed tables (table_cache.py) are the only places in costcalc.prices that read files.

One module (about 550 lines) because it is one parser of one schema: `_Parser` walks the table's tree
from the top, a method per kind of entry (provider, model, rule, modifier, fee, route, conditions), all
sharing the reader (file and line of every error), the overlay flag and the table being overlaid. Split
by entry kind, each part would take and return that shared state; the schema is easier to check against
the loader read in one file, top to bottom.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from .._validate import Reader
from .._yamlnodes import Node, parse, read_input
from ..errors import _NO_VALUE, Problem
from . import table_cache
from .model import (COMPONENTS, SCENARIOS, TIERS, WEEKDAYS, Calendar, Conditions, Fee, Modifier, Model,
                    PriceTable, Provider, Retirement, Route, Rule, SourceFile, Window)

SCHEMA_VERSION = 1
RATE_KEYS = COMPONENTS  # rates may name any component; only input and output are required
_WHEN_KEYS = ("from", "until", "timezone", "hours", "weekdays", "holidays", "prompt_tokens_above",
              "prompt_tokens_at_most", "tiers", "residency")
_RULE_KEYS = ("label", "promotion_of", "when", "rates", "native", "source", "checked", "note")
_MOD_KEYS = ("label", "when", "multiply", "source", "checked", "note")
_FEE_KEYS = ("tool", "when", "usd_per_1k_calls", "native", "source", "checked", "note")
_MODEL_KEYS = ("name", "from", "aliases", "tokenizer", "context_window", "max_output_tokens", "tiers", "notes",
               "confidence", "retired", "routes", "prices", "modifiers", "fees")
_MAX_FACTOR = Decimal(100)
# `community`: imported from a community table by `costcalc prices import`; lint refuses it in the bundled
# table, which holds curated prices only.
CONFIDENCE = ("high", "medium", "low", "community")
__all__ = ["load_prices", "bundled_path", "SCHEMA_VERSION", "SCENARIOS"]


def bundled_path() -> Path:
    """The bundled pricing.yaml: package data in an installed wheel, the repo's top level in a checkout."""
    packaged = resources.files("costcalc") / "data" / "pricing.yaml"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "pricing.yaml"


def load_prices(path: str | Path | None = None, overlays: list[str | Path] | tuple = ()) -> PriceTable:
    """Load the bundled table (or `path`) and layer `overlays` over it, in order."""
    base_path = Path(path) if path is not None else bundled_path()
    table = _load_file(base_path, overlay=False, base=None)
    for overlay in overlays:
        table = _load_file(Path(overlay), overlay=True, base=table)
    return table


def _load_file(path: Path, overlay: bool, base: PriceTable | None) -> PriceTable:
    text, data = read_input(path)
    name = "bundled:pricing.yaml" if not overlay and path == bundled_path() else ""
    # A table loaded on its own (no base) is read from its checked copy in the cache folder when there is
    # one for these exact bytes, and cached after a clean parse (table_cache.py); overlays are parsed each time.
    table_key = table_cache.key(path, data, name) if base is None else None
    if table_key is not None:
        cached = table_cache.load(table_key)
        if cached is not None:
            return cached
    root = parse(text, str(path))
    reader = Reader(str(path))
    parser = _Parser(reader, overlay, base)
    table = parser.table(root, SourceFile(str(path), hashlib.sha256(data).hexdigest(), "", name))
    reader.raise_if_problems()
    assert table is not None
    if table_key is not None:
        table_cache.store(table_key, table)
    return table


class _Parser:
    def __init__(self, reader: Reader, overlay: bool, base: PriceTable | None):
        self.r = reader
        self.overlay = overlay
        self.base = base
        self.calendar_names: set[str] = set(base.calendars) if base else set()

    # -- top level -----------------------------------------------------------------------------------
    def table(self, root: Node, source: SourceFile) -> PriceTable | None:
        r = self.r
        allowed = ("schema_version", "version", "currency", "unit", "notes", "calendars", "providers",
                   "discounts")
        required = ("schema_version", "version", "providers") if not self.overlay else \
            ("schema_version", "version")
        top: dict[str, Node] = {}
        with r.item():
            top = r.mapping(root, "", allowed if self.overlay else allowed[:-1], required)
        if not top:
            return None
        with r.item():
            if "schema_version" in top:
                value = r.integer(top["schema_version"], "schema_version", minimum=1)
                if value != SCHEMA_VERSION:
                    raise r.fail(top["schema_version"], "schema_version",
                                 f"this costcalc reads schema_version {SCHEMA_VERSION}")
        version = ""
        with r.item():
            node = top.get("version")
            if node is not None:
                version = str(node.value) if node.kind == "scalar" and node.value not in (None, "") else \
                    r.string(node, "version", what="a version string like 2026.11.22.1")
        with r.item():
            if "currency" in top:
                r.string(top["currency"], "currency", allowed=("USD",))
        with r.item():
            if "unit" in top:
                r.string(top["unit"], "unit", allowed=("usd_per_mtok",))
        notes = self.notes(top.get("notes"), "notes")
        calendars = dict(self.base.calendars) if self.base else {}
        if "calendars" in top:
            calendars.update(self.calendars(top["calendars"]))
            self.calendar_names |= set(calendars)
        providers = dict(self.base.providers) if self.base else {}
        models = dict(self.base.models) if self.base else {}
        if "providers" in top:
            self.providers(top["providers"], providers, models)
        if "discounts" in top:
            self.discounts(top["discounts"], models)
        source = replace(source, version=version)
        files = (self.base.files if self.base else ()) + (source,)
        combined_version = version if not self.base else f"{self.base.version}+{version}"
        all_notes = (self.base.notes if self.base else ()) + notes
        table = PriceTable(SCHEMA_VERSION, combined_version, "USD", providers, models, calendars,
                           all_notes, files)
        self.check_references(table, top.get("providers"))
        return replace(table, aliases=self.alias_map(models, top.get("providers")))

    def notes(self, node: Node | None, key: str) -> tuple[str, ...]:
        if node is None:
            return ()
        with self.r.item():
            if node.kind == "scalar" and isinstance(node.value, str):
                return (node.value,)
            items = self.r.sequence(node, key, "a list of notes")
            return tuple(self.r.string(n, f"{key}[{i}]") for i, n in enumerate(items))
        return ()

    def calendars(self, node: Node) -> dict[str, Calendar]:
        r = self.r
        out: dict[str, Calendar] = {}
        with r.item():
            entries = r.named_entries(node, "calendars")
            for name, cal in entries.items():
                key = f"calendars.{name}"
                with r.item():
                    f = r.mapping(cal, key, ("timezone", "dates", "source", "checked", "note"),
                                  ("timezone", "dates", "source", "checked"))
                    tz = r.tz(f["timezone"], key + ".timezone")
                    dates = frozenset(r.day(d, f"{key}.dates[{i}]")
                                      for i, d in enumerate(r.sequence(f["dates"], key + ".dates")))
                    out[name] = Calendar(name, tz, dates, self.source(f, key),
                                         r.day(f["checked"], key + ".checked"))
        return out

    def providers(self, node: Node, providers: dict[str, Provider], models: dict[str, Model]) -> None:
        r = self.r
        with r.item():
            entries = r.named_entries(node, "providers")
            for pid, pnode in entries.items():
                key = f"providers.{pid}"
                with r.item():
                    r.string(Node(pid, pnode.key_line, "scalar"), key,
                             pattern=r"[a-z0-9][a-z0-9._-]*",
                             what="a provider id in lower case (letters, digits, . _ -)")
                    known = pid in providers
                    f = r.mapping(pnode, key, ("name", "notes", "models"),
                                  () if (known or self.overlay) else ("name", "models"))
                    name = r.string(f["name"], key + ".name") if "name" in f else \
                        (providers[pid].name if known else pid)
                    notes = self.notes(f.get("notes"), key + ".notes")
                    ids: list[str] = list(providers[pid].models) if known else []
                    if "models" in f:
                        mnodes = r.named_entries(f["models"], key + ".models")
                        for mid, mnode in mnodes.items():
                            mkey = f"{key}.models.{mid}"
                            with r.item():
                                existing = models.get(mid)
                                if existing is not None and existing.provider != pid:
                                    raise r.fail(mnode, mkey, f"model id already used by provider "
                                                              f"{existing.provider}", mid)
                                model = self.model(pid, mid, mnode, mkey, existing)
                                models[mid] = model
                                if mid not in ids:
                                    ids.append(mid)
                    providers[pid] = Provider(pid, name, tuple(ids),
                                              notes or (providers[pid].notes if known else ()))

    # -- one model -----------------------------------------------------------------------------------
    def model(self, pid: str, mid: str, node: Node, key: str, existing: Model | None) -> Model:
        r = self.r
        line = node.key_line  # the `model-id:` line
        r.string(Node(mid, line, "scalar"), key, pattern=r"[a-z0-9][a-z0-9._:/-]*",
                 what="a model id in lower case (letters, digits, . _ : / -)")
        required = () if existing else ("name",)
        f = r.mapping(node, key, _MODEL_KEYS, required)
        if not existing and "prices" not in f and "routes" not in f:
            raise r.fail(node, key + ".prices", "is required (or routes, for a model billed as another)",
                         _NO_VALUE)
        base = existing or Model(id=mid, provider=pid, name=mid, line=line)
        changes: dict[str, Any] = {"line": line, "file": self.r.file}  # Model field -> value of its type
        if "name" in f:
            changes["name"] = r.string(f["name"], key + ".name")
        if "from" in f:
            changes["launched"] = r.instant(f["from"], key + ".from")
        if "aliases" in f:
            changes["aliases"] = tuple(
                r.string(a, f"{key}.aliases[{i}]", pattern=r"[A-Za-z0-9][A-Za-z0-9._:/-]*",
                         what="a model alias (letters, digits, . _ : / -)")
                for i, a in enumerate(r.sequence(f["aliases"], key + ".aliases")))
        if "tokenizer" in f:
            from ..tokens.tokenizers import TOKENIZERS  # names only; loads no vocabulary

            changes["tokenizer"] = r.string(f["tokenizer"], key + ".tokenizer", allowed=tuple(TOKENIZERS))
        for name in ("context_window", "max_output_tokens"):
            if name in f:
                changes[name] = r.integer(f[name], f"{key}.{name}", minimum=1)
        if "tiers" in f:
            tiers = tuple(r.string(t, f"{key}.tiers[{i}]", allowed=TIERS)
                          for i, t in enumerate(r.sequence(f["tiers"], key + ".tiers")))
            if "standard" not in tiers and not self.overlay:
                raise r.fail(f["tiers"], key + ".tiers", "must include standard", list(tiers))
            changes["tiers"] = tiers
        if "notes" in f:
            changes["notes"] = self.notes(f["notes"], key + ".notes")
        if "confidence" in f:
            changes["confidence"] = r.string(f["confidence"], key + ".confidence",
                                             allowed=CONFIDENCE)
        if "retired" in f:
            changes["retired"] = self.retirement(f["retired"], key + ".retired")
        if "routes" in f:
            changes["routes"] = tuple(self.route(n, f"{key}.routes[{i}]")
                                      for i, n in enumerate(r.sequence(f["routes"], key + ".routes")))
        if "prices" in f:
            nodes = r.sequence(f["prices"], key + ".prices")
            changes["rules"] = tuple(self.rule(n, f"{key}.prices[{i}]", f"{mid}.prices[{i}]")
                                     for i, n in enumerate(nodes))
        if "modifiers" in f:
            nodes = r.sequence(f["modifiers"], key + ".modifiers")
            own = tuple(self.modifier(n, f"{key}.modifiers[{i}]", f"{mid}.modifiers[{i}]")
                        for i, n in enumerate(nodes))
            # Negotiated discounts from earlier overlays stay when a later file restates modifiers.
            changes["modifiers"] = own + tuple(m for m in base.modifiers if m.kind == "discount")
        if "fees" in f:
            nodes = r.sequence(f["fees"], key + ".fees")
            changes["fees"] = tuple(self.fee(n, f"{key}.fees[{i}]", f"{mid}.fees[{i}]")
                                    for i, n in enumerate(nodes))
        return replace(base, **changes)

    def source(self, f: dict[str, Node], key: str) -> str:
        return self.r.string(f["source"], key + ".source", pattern=r"(https?://|file:|contract:)\S+",
                             what="a URL (https://...) or contract:REFERENCE")

    def checked(self, f: dict[str, Node], key: str) -> date:
        return self.r.day(f["checked"], key + ".checked")

    def sourced(self, f: dict[str, Node], key: str, node: Node | None) -> tuple[str, date | None]:
        """Bundled rules must say where a figure comes from and when it was checked; overlays may rely
        on the overlay file itself as their source."""
        if self.overlay:
            src = self.source(f, key) if "source" in f else f"file:{self.r.file}"
            return src, (self.checked(f, key) if "checked" in f else None)
        for name in ("source", "checked"):
            if name not in f:
                raise self.r.fail(node, f"{key}.{name}", "is required: say where this was seen and when",
                                  _NO_VALUE)
        return self.source(f, key), self.checked(f, key)

    def retirement(self, node: Node, key: str) -> Retirement:
        r = self.r
        f = r.mapping(node, key, ("at", "replacement", "source", "checked", "note"), ("at", "replacement"))
        src, checked = self.sourced(f, key, node)
        return Retirement(r.instant(f["at"], key + ".at"), r.string(f["replacement"], key + ".replacement"),
                          src, checked)

    def route(self, node: Node, key: str) -> Route:
        r = self.r
        f = r.mapping(node, key, ("billed_as", "from", "until", "source", "checked", "note"), ("billed_as",))
        src, checked = self.sourced(f, key, node)
        start, end = self.period(f, key)
        return Route(r.string(f["billed_as"], key + ".billed_as"), Conditions(start=start, end=end), src,
                     checked)

    def rule(self, node: Node, key: str, rule_key: str) -> Rule:
        r = self.r
        f = r.mapping(node, key, _RULE_KEYS, ("label", "rates"))
        src, checked = self.sourced(f, key, node)
        label = r.string(f["label"], key + ".label", pattern=r"[a-z0-9][a-z0-9_-]*",
                         what="a short label in lower case, like list, promo, peak, off-peak")
        promotion_of = None
        if "promotion_of" in f:
            promotion_of = r.string(f["promotion_of"], key + ".promotion_of",
                                    what="the label of the base rule this promotion discounts")
        when = self.when(f.get("when"), key + ".when")
        rates_node = f["rates"]
        rates_f = r.mapping(rates_node, key + ".rates", RATE_KEYS, ("input", "output"))
        rates = {c: r.decimal(n, f"{key}.rates.{c}", "a price >= 0 in USD per 1M tokens")
                 for c, n in rates_f.items()}
        if "cache_read" in rates and rates["cache_read"] > rates["input"]:
            raise r.fail(rates_f["cache_read"], key + ".rates.cache_read",
                         f"a cache hit may not cost more than a miss (input is {rates['input']})")
        note = r.string(f["note"], key + ".note") if "note" in f else None
        native = self.native(f["native"], key + ".native") if "native" in f else {}
        return Rule(label, rates, when, src, checked, promotion_of, note, rule_key, node.line, self.r.file, native)

    def native(self, node: Node, key: str) -> dict[str, dict[str, Decimal]]:
        """`native: {CNY: {input: 2, cache_read: 0.2, output: 3}}`: the provider's own prices in another
        currency, per 1M tokens (same components and fallbacks as `rates`)."""
        r = self.r
        out = {}
        for code, rates_node in r.named_entries(node, key).items():
            if not re.fullmatch(r"[A-Z]{3}", str(code)) or code == "USD":
                raise r.fail(rates_node, f"{key}.{code}", "a three-letter ISO 4217 code other than USD "
                                                          "(rates: holds USD)", code)
            rates_f = r.mapping(rates_node, f"{key}.{code}", RATE_KEYS, ("input", "output"))
            rates = {c: r.decimal(n, f"{key}.{code}.{c}", f"a price >= 0 in {code} per 1M tokens")
                     for c, n in rates_f.items()}
            if "cache_read" in rates and rates["cache_read"] > rates["input"]:
                raise r.fail(rates_f["cache_read"], f"{key}.{code}.cache_read",
                             f"a cache hit may not cost more than a miss (input is {rates['input']})")
            out[str(code)] = rates
        return out

    def fee(self, node: Node, key: str, fee_key: str) -> Fee:
        """`{tool: web_search, usd_per_1k_calls: 10, when: {from: ...}, native: {CNY: 5}}`."""
        r = self.r
        f = r.mapping(node, key, _FEE_KEYS, ("tool",))
        src, checked = self.sourced(f, key, node)
        tool = r.string(f["tool"], key + ".tool", pattern=r"[a-z][a-z0-9_]*",
                        what="a tool name in lower case, like web_search, web_fetch, code_execution")
        when = self.when(f.get("when"), key + ".when")
        if when.has_clock or when.prompt_tokens_above is not None or when.prompt_tokens_at_most is not None \
                or when.tiers is not None or when.residency is not None:
            raise r.fail(f["when"], key + ".when", "a fee's when: may only give from and until")
        if "usd_per_1k_calls" not in f and "native" not in f:
            raise r.fail(node, key + ".usd_per_1k_calls", "is required (or native: {CNY: ...} alone, when the "
                                                          "provider publishes the fee only in another currency)",
                         _NO_VALUE)
        price = r.decimal(f["usd_per_1k_calls"], key + ".usd_per_1k_calls", "a price >= 0 in USD per 1,000 calls") \
            if "usd_per_1k_calls" in f else None
        native = {}
        if "native" in f:
            for code, value in r.named_entries(f["native"], key + ".native").items():
                if not re.fullmatch(r"[A-Z]{3}", str(code)) or code == "USD":
                    raise r.fail(value, f"{key}.native.{code}", "a three-letter ISO 4217 code other than USD "
                                                                "(usd_per_1k_calls holds USD)", code)
                native[str(code)] = r.decimal(value, f"{key}.native.{code}", f"a price >= 0 in {code} per 1,000 calls")
        note = r.string(f["note"], key + ".note") if "note" in f else None
        return Fee(tool, price, when, src, checked, note, native, fee_key, node.line, self.r.file)

    def modifier(self, node: Node, key: str, mod_key: str) -> Modifier:
        r = self.r
        f = r.mapping(node, key, _MOD_KEYS, ("label", "when", "multiply"))
        src, checked = self.sourced(f, key, node)
        label = r.string(f["label"], key + ".label", pattern=r"[a-z0-9][a-z0-9_-]*",
                         what="a short label in lower case, like batch, long-context, residency")
        when = self.when(f["when"], key + ".when")
        return Modifier(label, self.factors(f["multiply"], key + ".multiply"), when, src, checked,
                        key=mod_key, line=node.line, file=self.r.file)

    def factors(self, node: Node, key: str) -> dict[str, Decimal]:
        """`multiply: 0.8` (every component) or `{all: 0.5}` / `{input: 2, output: 1.5}`."""
        r = self.r
        if node.kind == "scalar":
            node = Node({"all": node}, node.line, "map")
            key_all = key
        else:
            key_all = key + ".all"
        f = r.mapping(node, key, ("all",) + COMPONENTS)
        if not f:
            raise r.fail(node, key, "must give at least one factor: all, or per component", node.plain())
        what = f"a multiplier > 0 and <= {_MAX_FACTOR}, like 0.5 or 1.1"
        factors = {}
        if "all" in f:
            factor = r.decimal(f["all"], key_all, what, maximum=_MAX_FACTOR)
            factors = {c: factor for c in COMPONENTS}
        for c in COMPONENTS:
            if c in f:
                factors[c] = r.decimal(f[c], f"{key}.{c}", what, maximum=_MAX_FACTOR)
        for c, factor in factors.items():
            if factor == 0:
                name = c if c in f else "all"
                raise r.fail(f[name], f"{key}.{name}" if name != "all" else key_all, what, factor)
        return factors

    def when(self, node: Node | None, key: str) -> Conditions:
        if node is None:
            return Conditions()
        r = self.r
        f = r.mapping(node, key, _WHEN_KEYS)
        start, end = self.period(f, key)
        tz = r.tz(f["timezone"], key + ".timezone") if "timezone" in f else "UTC"
        hours = None
        if "hours" in f:
            items = r.sequence(f["hours"], key + ".hours", 'a list of windows like "01:00-04:00"')
            hours = tuple(self.window(n, f"{key}.hours[{i}]") for i, n in enumerate(items))
            if not hours:
                raise r.fail(f["hours"], key + ".hours", "must list at least one window", [])
        weekdays = None
        if "weekdays" in f:
            items = r.sequence(f["weekdays"], key + ".weekdays", "a list of days like [mon, tue]")
            weekdays = frozenset(WEEKDAYS.index(r.string(n, f"{key}.weekdays[{i}]", allowed=WEEKDAYS))
                                 for i, n in enumerate(items))
            if not weekdays:
                raise r.fail(f["weekdays"], key + ".weekdays", "must list at least one day", [])
        calendar = on_holidays = None
        if "holidays" in f:
            hf = r.mapping(f["holidays"], key + ".holidays", ("calendar", "on"), ("calendar", "on"))
            calendar = r.string(hf["calendar"], key + ".holidays.calendar")
            if calendar not in self.calendar_names:
                raise r.fail(hf["calendar"], key + ".holidays.calendar",
                             "unknown calendar; define it under calendars: "
                             + (", ".join(sorted(self.calendar_names)) or "(none defined)"))
            on_holidays = r.boolean(hf["on"], key + ".holidays.on")
        above = r.integer(f["prompt_tokens_above"], key + ".prompt_tokens_above") \
            if "prompt_tokens_above" in f else None
        at_most = r.integer(f["prompt_tokens_at_most"], key + ".prompt_tokens_at_most") \
            if "prompt_tokens_at_most" in f else None
        tiers = None
        if "tiers" in f:
            items = r.sequence(f["tiers"], key + ".tiers", "a list of tiers")
            tiers = frozenset(r.string(n, f"{key}.tiers[{i}]", allowed=TIERS) for i, n in enumerate(items))
        residency = r.boolean(f["residency"], key + ".residency") if "residency" in f else None
        return Conditions(start, end, tz, hours, weekdays, calendar, on_holidays, above, at_most, tiers,
                          residency)

    def window(self, node: Node, key: str) -> Window:
        text = self.r.string(node, key, pattern=r"\d{2}:\d{2}-\d{2}:\d{2}",
                             what='a window "HH:MM-HH:MM" with start before end, like "01:00-04:00"')
        a, b = text.split("-")
        start, end = _minutes(a), _minutes(b)
        if start is None or end is None or not start < end <= 1440:
            raise self.r.fail(node, key, 'must be a window "HH:MM-HH:MM" with start before end '
                                         '(24:00 allowed as an end)')
        return Window(start, end)

    def period(self, f: dict[str, Node], key: str) -> tuple[datetime | None, datetime | None]:
        """`from` (inclusive) and `until` (exclusive) instants, either optional, until after from."""
        r = self.r
        start = r.instant(f["from"], key + ".from") if "from" in f else None
        end = r.instant(f["until"], key + ".until") if "until" in f else None
        if start is not None and end is not None and not start < end:
            raise r.fail(f["until"], key + ".until", "must be after from")
        return start, end

    # -- overlays ------------------------------------------------------------------------------------
    def discounts(self, node: Node, models: dict[str, Model]) -> None:
        r = self.r
        with r.item():
            for i, dnode in enumerate(r.sequence(node, "discounts")):
                key = f"discounts[{i}]"
                with r.item():
                    f = r.mapping(dnode, key, ("provider", "model", "multiply", "label", "from", "until",
                                               "source", "checked", "note"), ("multiply",))
                    if ("provider" in f) == ("model" in f):
                        raise r.fail(dnode, key, "name exactly one of provider or model", dnode.plain())
                    factors = self.factors(f["multiply"], key + ".multiply")
                    label = r.string(f["label"], key + ".label", pattern=r"[a-z0-9][a-z0-9_-]*",
                                     what="a short label in lower case") if "label" in f else "discount"
                    start, end = self.period(f, key)
                    src, checked = self.sourced(f, key, dnode)
                    if "provider" in f:
                        pid = r.string(f["provider"], key + ".provider")
                        targets = [m for m in models.values() if m.provider == pid]
                        if not targets:
                            raise r.fail(f["provider"], key + ".provider", "unknown provider; known: "
                                         + ", ".join(sorted({m.provider for m in models.values()})))
                    else:
                        mid = r.known_name(f["model"], key + ".model", sorted(models), "model")
                        targets = [models[mid]]
                    for model in targets:
                        mod = Modifier(label, factors, Conditions(start=start, end=end), src, checked,
                                       kind="discount", key=f"{r.file}:{key}:{model.id}")
                        models[model.id] = replace(model, modifiers=model.modifiers + (mod,))

    # -- cross references ----------------------------------------------------------------------------
    def check_references(self, table: PriceTable, providers_node: Node | None) -> None:
        r = self.r
        # Models this file defines but could not load have had their error reported already; a reference
        # to one is not a second mistake.
        broken = {mid for pnode in _children(providers_node).values()
                  for mid in _children(pnode.value.get("models") if pnode.kind == "map" else None)
                  if mid not in table.models}
        for model in table.models.values():
            where = (model.provider, "models", model.id)
            for i, route in enumerate(model.routes):
                if route.billed_as not in table.models and route.billed_as not in broken:
                    r.fail(_at(providers_node, where + ("routes", i, "billed_as")),
                           f"providers.{model.provider}.models.{model.id}.routes[{i}].billed_as",
                           "unknown model", route.billed_as)
            if model.retired and model.retired.replacement not in table.models and \
                    model.retired.replacement not in broken:
                r.fail(_at(providers_node, where + ("retired", "replacement")),
                       f"providers.{model.provider}.models.{model.id}.retired.replacement",
                       "unknown model", model.retired.replacement)
            labels = {rule.label for rule in model.rules if not rule.is_promotion}
            for i, rule in enumerate(model.rules):
                if rule.promotion_of is not None and rule.promotion_of not in labels:
                    r.fail(_at(providers_node, where + ("prices", i, "promotion_of")),
                           f"providers.{model.provider}.models.{model.id}.prices[{i}].promotion_of",
                           "names no base rule of this model; base labels: " + ", ".join(sorted(labels)),
                           rule.promotion_of)

    def alias_map(self, models: dict[str, Model], providers_node: Node | None) -> dict[str, str]:
        aliases: dict[str, str] = {}
        for model in models.values():
            # Provider-qualified ids (`deepseek/deepseek-v4-pro`) resolve too; hosts of another
            # lab's model already carry their provider in the id (`openrouter/deepseek-v4-pro`).
            qualified = () if model.id.startswith(model.provider + "/") else \
                (f"{model.provider}/{model.id}",)
            for name in model.aliases + qualified:
                key = f"providers.{model.provider}.models.{model.id}.aliases"
                if name in models and name != model.id:
                    self.r.problems.append(Problem(model.file or self.r.file, model.line, key, name,
                                                   "alias is already a model id"))
                elif name in aliases and aliases[name] != model.id:
                    self.r.problems.append(Problem(model.file or self.r.file, model.line, key, name,
                                                   f"alias already names {aliases[name]}"))
                aliases[name] = model.id
        return aliases


def _at(node: Node | None, path: tuple) -> Node | None:
    """The deepest node of this file along `path` (mapping keys and list indexes), for an error's line;
    None when the file does not define even the first step."""
    found = None
    for step in path:
        if node is None:
            break
        if node.kind == "map" and isinstance(step, str):
            node = node.value.get(step)
        elif node.kind == "seq" and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            node = None
        if node is not None:
            found = node
    return found


def _children(node: Node | None) -> dict[str, Node]:
    return node.value if node is not None and node.kind == "map" else {}


def _minutes(text: str) -> int | None:
    hh, mm = text.split(":")
    h, m = int(hh), int(mm)
    if m >= 60 or h > 24 or (h == 24 and m != 0):
        return None
    return h * 60 + m
