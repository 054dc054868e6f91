"""The library API a notebook imports. Resolves defaults (bundled prices, current month) and file
inputs at the edge, then calls the pure computation modules. The CLI calls exactly these functions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime, timezone
from decimal import Decimal
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from . import breakeven, whatif
from ._gc import without_cyclic_gc
from .api_prices import count_messages, count_paths, count_tokens, prices_from, quote
from .calendar import parse_month
from .errors import CostcalcError, UnknownPlanError
from .frames import (
    estimate_frame,
    json_plain,
    money_array,
    plain_attrs,
    quick_copies,
    with_money,
)
from .fx import resolve_fx
from .money import per_mtok
from .prices import PriceTable, load_prices
from .prices.model import SCENARIOS, TOOLS
from .prices.resolve import lookup
from .projection import project, with_models
from .report.document import check, load, to_document, to_frame, upgrade
from .report.shown_currency import ShownCurrency
from .report.estimate import render_document
from .report.plandoc import frame_sections, plan_sections
from .summary import summarize
from .workload_plans import BudgetRule, plan_names
from .workloads import load_workloads
from .workloads.model import Workloads
from .workloads.samples import count_samples
from .shapes import turn_steps
from .token_units import translation
from .tokens import COLUMNS
from .tokens import count_files as run

# Token counting (.tokens) and the usage-log readers and re-pricer (.usage) are imported by the functions
# that use them: for speed (about 0.2 s at import), not to break a cycle.

DEFAULT_MONTHS = 12


def bundled_examples() -> Path:
    """The example workloads shipped with costcalc (examples/workloads.yaml in a checkout)."""
    packaged = resources.files("costcalc") / "data" / "examples" / "workloads.yaml"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[1] / "examples" / "workloads.yaml"


SHAPES = ("chat", "agent", "batch", "rag")


def turns(workloads=None, prices=None, models: Iterable[str] | None = None, case: str = "expected") -> pd.DataFrame:
    """Every conversation (agent) profile's turns as the estimate prices them on each of its models: one
    row per kind of request with its `weight` (requests of it per conversation or task) and tokens by part
    (prompt = input + cache_read + cache_write), in the model's own tokenizer, its context window's policy
    applied. `summary_call` marks a summarization request. Plain profiles have no rows."""

    table = prices_from(prices)
    loaded = workloads_from(workloads, table)
    if models:
        loaded = with_models(loaded, list(models), table)
    rows = []
    for profile in loaded:
        if profile.shape is None:
            continue
        at = profile.at_case(case)
        for name in at.models:
            model = table.models[lookup(table, name).id]
            found = translation(at.tokens_counted_with, model.tokenizer)
            for step in turn_steps(at, model, None if found is None else found.ratio):
                rows.append({"profile": at.name, "model": name, "turn": step.number, "summary_call": step.summary,
                             "weight": step.weight, "prompt": step.prompt, "input": step.input,
                             "cache_read": step.cache_read, "cache_write": step.cache_write, "output": step.output})
    columns = ["profile", "model", "turn", "summary_call", "weight", "prompt", "input", "cache_read", "cache_write",
               "output"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({c: "decimal" for c in columns[4:]})


def bundled_shape(name: str) -> Path:
    """A commented starting profile shipped with costcalc (examples/shapes/NAME.yaml in a checkout):
    chat (conversations), agent (tool loops), batch (offline jobs) or rag (retrieval + one answer)."""
    if name not in SHAPES:
        raise CostcalcError(f"unknown shape {name!r}; shapes: {', '.join(SHAPES)}")
    packaged = resources.files("costcalc") / "data" / "examples" / "shapes" / f"{name}.yaml"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[1] / "examples" / "shapes" / f"{name}.yaml"


def workloads_from(workloads, table: PriceTable, overrides: Iterable[tuple[str, str, str]] = ()) -> Workloads:
    if isinstance(workloads, Workloads):
        if overrides:
            raise CostcalcError("overrides apply to workloads given as a file, YAML text or DataFrame, not "
                                "to an already loaded Workloads")
        return workloads
    if workloads is None:
        workloads = bundled_examples()
    return load_workloads(workloads, known_models=list(table.models) + list(table.aliases),
                          overrides=overrides, known_tools=known_tools(table))


def known_tools(table: PriceTable) -> list[str]:
    """Tool names a profile may give calls of: those usage logs record and any the table has a fee for."""
    return sorted(set(TOOLS) | {fee.tool for model in table.models.values() for fee in model.fees})


def estimate(workloads=None, prices=None, models: Iterable[str] | None = None, start=None,
             months: int = DEFAULT_MONTHS, scenario: str = "actual",
             overrides: Iterable[tuple[str, str, str]] = (), currency: str | None = None,
             fx=(), plan: str | None = None, budget=None, cases: bool = False) -> pd.DataFrame:
    """Project monthly spend: one row per (profile, model, month, price rule, component) and case.

    workloads: a YAML/CSV path, YAML text, a DataFrame of profiles (one row each), or None for the
        bundled examples. prices: None (bundled), a PriceTable, or overlay path(s).
    models: only these models (default: each profile's own list). start: first month ('2026-12');
        default the earliest profile start, else the current month. months: how many months.
    scenario: 'actual' (prices in force) or 'list' (promotions ignored).
    currency, fx: show money in another currency at a fixed budget rate: fx is "EUR=0.92", an FX YAML
        path, or a list of them; adds an exact `cost_<code>` column and `attrs["fx"]` (cost_usd stays).
    plan: the plan the headline and total show (default "current"; see costcalc.planning and `plans(df)`).
    budget: a monthly budget for that plan's total, in the shown currency (`--budget`); the workloads
        file's `budgets:` apply too.
    cases: also the `low` and `high` cases of profiles with ranges (the `case` column is always there;
        by default it holds `expected` only, so a plain sum never adds alternatives together).

    Money (tokens, usd_per_mtok, cost_usd, requests) is in costcalc's exact "decimal" dtype: pandas
    sums, rounds, plots and saves it (see costcalc.frames). `requests` holds a profile's requests in a
    month on the first cost line of that month (0 on the others): see costcalc.requests. Instants are
    naive UTC. attrs: price_table, scenario, start, months, currency, cases, assumptions, profiles,
    not_available, unpriced_calls, over_limit_excluded, list_rates, native_rates, plan, user_plans,
    budget_rules (JSON-plain: numbers as exact decimal text).
    """
    if scenario not in SCENARIOS:
        raise CostcalcError(f"unknown scenario {scenario!r}; allowed: {', '.join(SCENARIOS)}")
    with without_cyclic_gc():
        table = prices_from(prices)
        loaded = workloads_from(workloads, table, overrides)
        if models is not None:
            loaded = with_models(loaded, list(models), table)
        if any(p.samples is not None for p in loaded):
            loaded = replace(loaded, profiles=tuple(count_samples(p, table, p.models) for p in loaded))
        if start is None:
            starts = [p.start for p in loaded if p.start is not None]
            start = min(starts) if starts else _today()

        frame = estimate_frame(project(loaded, table, parse_month(start), int(months), scenario, cases=cases),
                               cases=cases)
        frame = with_currency(frame, currency, fx)
        frame.attrs.update(quick_copies(plan_attrs(loaded, frame.attrs, plan, budget, models is not None)))
        return frame


def plan_attrs(loaded: Workloads, attrs: dict, plan: str | None, budget, models_given: bool) -> dict:
    """What a result needs to compute its plans and budgets (JSON-plain): each profile's models and
    current model, the chosen plan, the file's plans and the budget rules. Checked here: the chosen
    plan exists, and the file's plans still name listed models after --models."""
    models = {p.name: p.models for p in loaded}
    for user in loaded.plans:
        for profile, model in user.choices:
            if model not in models[profile]:
                given = " from --models" if models_given else ""
                raise CostcalcError(f"{user.where}: plans.{user.name}.{profile}: {model}: not among the models "
                                    f"compared ({', '.join(models[profile])}{given})")
    names = plan_names(models, loaded.plans)
    chosen = plan or "current"
    if chosen not in names:
        raise CostcalcError(f"--plan: {chosen!r}: no such plan; plans: {', '.join(names)}")
    rules = [r.to_dict() for r in loaded.budgets]
    for rule in rules:
        if rule["scope"] == "plan" and rule["name"] not in names:
            raise CostcalcError(f"{rule['source']}: budget for plan {rule['name']!r}: no such plan after "
                                f"--models; plans: {', '.join(names)}")
    if budget is not None:
        amount = Decimal(str(budget))
        if not amount.is_finite() or amount <= 0 or amount.adjusted() >= 15:
            raise CostcalcError(f"--budget: {budget}: must be an amount of money above 0 and below 10^15")
        rules.append(BudgetRule("plan", chosen, (), amount, None, attrs.get("currency") or "USD",
                                "--budget").to_dict())
    infos = attrs.get("profiles") or {}
    return {"plan": chosen, "user_plans": {p.name: dict(p.choices) for p in loaded.plans}, "budget_rules": rules,
            "profiles": {p.name: {**infos.get(p.name, {}), "models": list(p.models), "use": p.current_model}
                         for p in loaded}}


def plans(df: pd.DataFrame) -> pd.DataFrame:
    """Every plan of an estimate (one model per profile: current, cheapest, all on MODEL, the workloads
    file's plans), tidy: one row per plan, profile and month with the chosen `model` and exact
    `cost_usd` (expected case). `attrs`: `chosen` (the plan the estimate shows) and `plans` (name,
    kind, description, notes). A plan's total is `df[df.plan == NAME].cost_usd.sum()`; `plan_totals`
    gives them per month. A profile's models are alternatives: only a plan adds across profiles.
    `mark`: None, "n/a" (the model has no price all month: cost_usd is NA, not 0) or "partial" (priced
    only while available); a sum skips NA, so a plan total over such months leaves them out."""
    sections = frame_sections(df)
    records = [{"plan": plan["name"], "profile": p["profile"], "model": p["model"], "month": m["month"],
                "cost_usd": None if m.get("mark") == "n/a" else Decimal(m["cost_usd"]), "mark": m.get("mark")}
               for plan in sections["plans"] for p in plan["profiles"] for m in p["months"]]
    columns = ["plan", "profile", "model", "month", "cost_usd", "mark"]
    out = with_money(pd.DataFrame(records, columns=columns), ["cost_usd"])
    out.attrs.update({"chosen": sections["headline"]["plan"],
                      "plans": [{k: plan[k] for k in ("name", "kind", "description", "notes")}
                                for plan in sections["plans"]]})
    return plain_attrs(out)


def plan_totals(df: pd.DataFrame) -> pd.DataFrame:
    """Each plan's total per month, exact `cost_usd`, expected case: one row per plan and month and
    nothing else, so a plain sum never mixes things: a plan's period total is
    `plan_totals(df).groupby("plan").cost_usd.sum()` (no `total` row to count twice). `chosen` marks the
    plan the estimate shows (its period total is the document's total_usd). `mark`: None, "n/a" (no
    profile of the plan has a price that month: cost_usd is NA, not 0, and a sum skips it) or "partial"
    (some profile's model has no price for all or part of the month: the figure leaves that out)."""
    sections = frame_sections(df)
    chosen = sections["headline"]["plan"]
    records = [{"plan": plan["name"], "month": m["month"],
                "cost_usd": None if m.get("mark") == "n/a" else Decimal(m["cost_usd"]),
                "chosen": plan["name"] == chosen, "mark": m.get("mark")}
               for plan in sections["plans"] for m in plan["months"]]
    return with_money(pd.DataFrame(records, columns=["plan", "month", "cost_usd", "chosen", "mark"]), ["cost_usd"])


# -- what-if analyses: inputs loaded and checked here, computed by costcalc.whatif -----------------------

def compare(a, b, a_label: str = "A", b_label: str = "B") -> pd.DataFrame:
    """Two estimates side by side, per model and month, summed over profiles, expected case.

    a, b: estimate documents (the JSON of `costcalc estimate --format json`, as a dict) or estimate
    DataFrames. Rows: for each model (in order of first appearance, A then B) its months, then a
    `month == "total"` row (a model summed over the profiles that list it); then `model == "plan NAME"`
    rows per month and total: each side's chosen plan (one model per profile; a profile's models are
    alternatives and are never added together).
    Columns: model, month, a_usd, b_usd, diff_usd (= b - a), pct (= diff / a x 100, None when a is 0).
    A month or model on one side only counts as 0 on the other. Money is USD whatever the documents'
    display currency. attrs: `sides` {a, b} (label, scenario, price table version and sha256, start,
    months, fx, profiles) and `notes` (how the two sides differ besides the numbers).
    """
    a_side = _compare_side(a, a_label)
    return whatif.compare_sides(a_side, _compare_side(b, b_label))


def _compare_side(source, label: str):
    """An estimate document (checked here) or DataFrame as one side of `compare`."""
    if isinstance(source, pd.DataFrame):
        frame = source
        if "case" in frame.columns:
            frame = frame[frame["case"].astype(str) == "expected"]
        records: Iterable[tuple[str, str, Decimal]] = zip(frame["model"].astype(str), frame["month"].astype(str),
                                                          frame["cost_usd"])
        meta = frame.attrs
        profiles = list(meta.get("profiles", {}) or dict.fromkeys(source["profile"].astype(str)))
        sections = frame_sections(source)
    elif isinstance(source, Mapping):
        check(source, label)
        rows = [r for r in source["rows"] if r.get("case") in (None, "expected")]
        records = ((str(r["model"]), str(r["month"]), Decimal(str(r["cost_usd"]))) for r in rows)
        meta = source["meta"]
        profiles = list(meta.get("profiles") or dict.fromkeys(str(r["profile"]) for r in source["rows"]))
        sections = plan_sections(source["rows"], meta)
    else:
        raise CostcalcError(f"{label}: compare takes estimate documents (dicts) or estimate DataFrames, "
                            f"not {type(source).__name__}")
    return whatif.compare_side(records, meta, profiles, sections, label)


def compare_estimates(workloads=None, a_prices=None, b_prices=None, a_scenario: str = "actual",
                      b_scenario: str = "actual", models: Iterable[str] | None = None, start=None,
                      months: int = 12, overrides: Iterable[tuple[str, str, str]] = (),
                      a_label: str = "old", b_label: str = "new") -> pd.DataFrame:
    """The cost of a price change (or of a scenario) for a fixed workload: the same workloads estimated
    twice - with `a_prices`/`a_scenario` and with `b_prices`/`b_scenario` (None = the bundled table,
    a path or list of paths = overlays over it, or a PriceTable) - and compared (see `compare`)."""
    table_a, table_b = prices_from(a_prices), prices_from(b_prices)
    overrides = list(overrides)
    models = None if models is None else list(models)
    if start is None:
        # one start for both runs (the default start reads the clock when no profile has a start)
        loaded = workloads_from(workloads, table_a, overrides)
        starts = [p.start for p in loaded if p.start is not None]
        start = min(starts) if starts else _today()
    runs = [estimate(workloads, prices=t, models=models, start=start, months=months, scenario=s,
                     overrides=overrides) for t, s in ((table_a, a_scenario), (table_b, b_scenario))]
    return compare(runs[0], runs[1], a_label=a_label, b_label=b_label)


def sensitivity(workloads=None, models: Iterable[str] | None = None, start=None, months: int = 12,
                prices=None, scenario: str = "actual",
                overrides: Iterable[tuple[str, str, str]] = ()) -> pd.DataFrame:
    """A tornado table: for every profile with ranges, each model and each ranged input, the total over
    the whole horizon (`months` from `start`) with that one input at its low and at its high value
    while every other input stays at its expected value.

    Columns: profile, model, input (the workloads key, e.g. cache_hit_rate, cache_write.share),
    low_usd, high_usd (the total with the input at low / at high), swing_usd (|high_usd - low_usd|: the
    bar's width), expected_usd (everything at expected: the bar's centre line), low_value,
    expected_value, high_value (the input's values, for labels). high_usd is below low_usd when raising
    the input lowers the cost (a cache hit rate). Rows: profiles and models in workload order; within
    each, by swing_usd descending (ties by input name). Profiles without ranges are left out and listed
    in attrs["skipped"].
    """
    table = prices_from(prices)
    loaded = _with_samples(workloads_from(workloads, table, list(overrides)), table, models)
    return whatif.sensitivity_frame(loaded, table, models=models, start=start, months=months, scenario=scenario,
                                    today=_today())


def break_even(workloads=None, models: Iterable[str] | None = None, self_host=None, start=None,
               months: int = 1, prices=None, scenario: str = "actual",
               overrides: Iterable[tuple[str, str, str]] = ()) -> pd.DataFrame:
    """Per profile and model (expected case): the API cost per request, how it compares with the
    profile's cheapest model, and - with `self_host` - the monthly request volume above which a
    self-hosted deployment is cheaper than the API.

    The cost per request and tokens per request are the profile's, averaged over `months` from `start`
    (prices change with dates, promotions and peak hours; volume does not change them). Per-token
    pricing makes API cost proportional to volume, so between two API models there is no volume
    break-even: the cheaper one is cheaper at every volume (a negotiated overlay discount multiplies
    per-token rates too); only the ratio is reported. self_host: {"usd_per_hour", "tokens_per_second"
    or "requests_per_hour", optional "counts" ("all"|"output"), "utilization" (0-1],
    "hours_per_month" (730)} - see costcalc.breakeven.SelfHost.
    """
    table = prices_from(prices)
    loaded = _with_samples(workloads_from(workloads, table, list(overrides)), table, models)
    return breakeven.break_even_frame(loaded, table, models=models, self_host=self_host, start=start, months=months,
                                   scenario=scenario, today=_today())


def _with_samples(loaded: Workloads, table: PriceTable, models: Iterable[str] | None) -> Workloads:
    """Profiles with samples counted by each model's tokenizer (I/O: tokenizer vocabularies), for the
    models they will be priced on (`models` when given)."""
    if not any(p.samples is not None for p in loaded):
        return loaded
    chosen = None if models is None else list(dict.fromkeys(models))
    return replace(loaded, profiles=tuple(count_samples(p, table, p.models if chosen is None else chosen)
                                          for p in loaded))


def _today() -> date:
    """The clock's date in UTC: the default first month of an estimate without a start."""
    return datetime.now(timezone.utc).date()


def with_currency(frame: pd.DataFrame, currency: str | None, fx) -> pd.DataFrame:
    """The frame with its money also shown in `currency` (USD x a fixed rate; see costcalc.fx). Any
    currency it was shown in before is replaced, so a saved result can be re-shown."""
    info = resolve_fx(currency, [str(fx)] if isinstance(fx, (str, Path)) else [str(f) for f in fx or ()])
    shown_before = [c for c in frame.columns if c.startswith("cost_") and c != "cost_usd"]
    if shown_before or "fx" in frame.attrs:
        attrs = {k: v for k, v in frame.attrs.items() if k != "fx"}
        frame = frame.drop(columns=shown_before)
        frame.attrs = {**attrs, "currency": "USD"}
    if info is None:
        return frame
    shown = ShownCurrency({"fx": info})  # exact: USD x rate at 120 digits
    code = info["currency"]
    # A line whose rule publishes prices in this currency (DeepSeek in CNY) uses them, not a conversion.
    native = {(r["model"], r["rule"], r["component"], Decimal(str(r["usd_per_mtok"]))): Decimal(str(r["per_mtok"]))
              for r in frame.attrs.get("native_rates", []) if r["currency"] == code}
    costs, used = [], set()
    columns = zip(frame["model"], frame["provider"], frame["rule"], frame["component"], frame["usd_per_mtok"],
                  frame["tokens"], frame["cost_usd"])
    for model, provider, rule, component, rate, tokens, usd in columns:
        own = native.get((model, rule, component, rate)) if native else None
        if own is None:
            costs.append(shown(usd))
        else:
            costs.append(per_mtok(tokens, own))
            used.add(provider)
    frame[f"cost_{code.lower()}"] = pd.Series(money_array(np.array(costs, dtype=object)), index=frame.index)
    if used:
        info = {**info, "native": sorted(used)}
    frame.attrs["fx"] = info
    frame.attrs["currency"] = info["currency"]
    return frame


def render(document, fmt: str = "table", plan: str | None = None, currency: str | None = None, fx=()) -> str | bytes:
    """A saved estimate (its canonical JSON: a path, or the loaded dict) in format `fmt` (table, csv,
    json, markdown, html, xlsx, focus), without recomputing: the same format gives the same bytes as at
    estimate time. plan: show this plan in the headline instead of the saved one (UnknownPlanError if
    the document has none of that name). currency, fx: show it in another currency at a fixed rate."""
    if isinstance(document, (str, Path)):
        source = str(document)
        document = load(source)
    else:
        source = "document"
        check(document, source)
        document = upgrade(document)
    if plan is not None:
        names = [p["name"] for p in document.get("plans") or []]
        if plan not in names:
            raise UnknownPlanError(f"{plan!r}: no such plan in {source}; plans: {', '.join(names)}")
        document = upgrade({**document, "meta": {**document["meta"], "plan": plan}})
    if currency or fx:
        document = to_document(with_currency(to_frame(document), currency, list(fx)))
    return render_document(document, fmt)


def count_files(paths, models, prices=None) -> pd.DataFrame:
    """One row per file and model: path, model, tokenizer, tokens, bytes, exact, low, high. Folders are
    walked, globs expanded; skipped binaries and failures are listed in `attrs["problems"]`."""

    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    models = [models] if isinstance(models, str) else list(models)
    rows, problems = run(prices_from(prices), [str(p) for p in paths], models)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame.attrs["problems"] = json_plain([p._asdict() if hasattr(p, "_asdict") else dict(p.__dict__)
                                          for p in problems])
    return frame


__all__ = ["bundled_examples", "count_files", "count_messages", "count_paths", "count_tokens", "estimate",
           "plan_totals", "plans", "quote", "render", "summarize", "load_prices", "load_workloads", "compare",
           "compare_estimates", "sensitivity", "break_even"]
