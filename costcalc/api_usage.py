"""The notebook API for real usage logs: read them into the normalized frame, re-price them, compare them
with a forecast, derive workload profiles from them. Files are read here (the edge); the readers, the
pricer and the profile derivation are pure modules in costcalc/usage/. Split from api.py (estimates,
plans, what-if analyses, rendering): each file one half of the library's surface."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .api_prices import prices_from
from .errors import CostcalcError, InputError
from .frames import json_plain, naive_utc, plain_attrs, with_money
from .prices import PriceTable
from .prices.names import LoggedNames
from .prices.resolve import lookup, prompt_thresholds
from .report.document import check, load, to_frame
from .usage.chunk import empty_frame
from .usage.formats.columnar import _categorical
from .usage.price import _codes
from .usage.profile import derive_profiles as derive
from .usage.read import iter_usage
from .usage.read import normalize_frame
from .usage.read import parse_mapping
from .usage.run import price_records
from .usage.run import reprice_chunks
from .usage.variance import variance as split

# The usage-log readers and re-pricer (.usage) are imported by the functions that use them: for speed
# (about 0.2 s at import), not to break a cycle.


def read_usage(paths, format: str | None = None, mapping=None, strict: bool = False) -> pd.DataFrame:
    """Usage logs (JSON lines of OpenAI/Anthropic/DeepSeek responses, OTLP GenAI spans, CSV, Parquet)
    as one normalized DataFrame (costcalc.usage.schema). Bad records are not rows: `attrs` holds
    `records` (read), `reported` and `problems` (file:line strings); strict=True raises at the first.
    mapping: {schema column: source column} or "timestamp=ts,model=model_name" for CSV/Parquet."""

    mapping = _mapping(mapping)
    frames, problems, records = [], [], 0
    for chunk in iter_usage(_paths(paths), format=format, mapping=mapping, strict=strict):
        frames.append(chunk.frame)
        problems.extend(chunk.problems)
        records += chunk.records
    frame = pd.concat(frames, ignore_index=True) if frames else empty_frame()
    frame.attrs.update({"records": records, "reported": len(problems),
                        "problems": [str(p) for p in problems]})
    return frame


def reprice(usage, prices=None, models: Iterable[str] | None = None, by=None, format: str | None = None,
            mapping=None, strict: bool = False) -> pd.DataFrame:
    """Re-price real usage at each record's own instant, exactly.

    usage: a normalized DataFrame (read_usage), a raw one with `mapping`, or log path(s) (streamed in
        bounded memory). models: also price every record as each of these (`--as`), token counts
        translated between tokenizer families (marked `estimated`). by: None for one row per record
        and priced_as (`logged` = its own model, then each model asked), or a grouping - "month", "day",
        "model", "tag:NAME" or a list of them - for exact totals per group (the CLI's rows).
    """
    table = prices_from(prices)
    models = [models] if isinstance(models, str) else list(models or [])
    if by is None:
        frame = price_records(_usage_chunks(usage, format, mapping, strict), table, models, strict=strict)
        naive_utc(frame)  # the record instants, UTC (Excel has no time zones)
        frame = with_money(frame, ["cost_usd"], trusted=True)  # record_costs' Decimals: finite, none missing
        frame.attrs = json_plain(frame.attrs)
        return frame
    result = reprice_totals(usage, table, models, by, format=format, mapping=mapping, strict=strict)
    frame = with_money(result.rows, ["tool_fees_usd", "cost_usd"])
    frame.attrs.update({key: value for key, value in result.to_dict().items() if key != "rows"})
    frame.attrs["problems"] = [str(p) for p in result.problems]  # as everywhere in attrs: file:line text
    frame.attrs = json_plain(frame.attrs)
    return frame


def reprice_totals(usage, prices=None, models: Iterable[str] | None = None, by="month", format: str | None = None,
                   mapping=None, strict: bool = False, engine: str = "local", jobs: int = 1):
    """Exact totals of re-priced usage per group (`by`: "month", "day", "model", "tag:NAME" or a list;
    [] for one row per model alone) as a costcalc.usage.run.RepriceResult: the rows, the counts of
    records read, priced and reported, the problems and the price table (what `costcalc reprice`
    renders). usage and models as for `reprice` (a model the table does not know raises
    UnknownModelError before any record is read); log files are streamed in bounded memory.
    engine: "local" (costcalc's pricer) or "duckdb" (the records priced inside DuckDB, the `duckdb`
    extra: the same rows, totals and problems). jobs: log files spread over this many processes
    (engine "local"; api_jobs.py): the same result, to the last digit; in a script, call it under
    `if __name__ == "__main__":` (the workers are spawned)."""

    table = prices_from(prices)
    models = [models] if isinstance(models, str) else list(models or [])
    for name in models:
        lookup(table, name)  # raises UnknownModelError / RetiredModelError naming it
    by = [by] if isinstance(by, str) else list(by)
    if jobs != 1:
        # lazy: multiprocessing only for a run that spreads files
        from .api_jobs import check_jobs, reprice_files

        if check_jobs(jobs) > 1 and engine != "local":
            raise CostcalcError("jobs: spreads log files over processes for engine local (DuckDB uses its own "
                                "threads)")
        if not isinstance(usage, pd.DataFrame):
            return reprice_files(_paths(usage), table, models, by, format, _mapping(mapping), strict, jobs)
    if engine == "duckdb":
        # lazy: the engine route loads its plan, SQL and (when it runs) DuckDB only when asked for
        from .api_engines import reprice_engine

        return reprice_engine(usage, "duckdb", prices=table, models=models, by=by, format=format, mapping=mapping,
                              strict=strict)
    if engine != "local":
        raise CostcalcError(f"unknown engine {engine!r}; allowed: local, duckdb")
    return reprice_chunks(_usage_chunks(usage, format, mapping, strict), table, models, by, strict=strict)


def variance(forecast, actual, prices=None, format: str | None = None, mapping=None,
             strict: bool = False) -> pd.DataFrame:
    """Forecast against actuals, per month and model: forecast_usd, actual_usd, variance_usd and its
    split into volume_usd, mix_usd and price_usd (they add up exactly; see costcalc.usage.variance).

    forecast: a saved estimate (path to `costcalc estimate --format json` output, or that JSON as a
        dict) or an estimate DataFrame. actual: usage log path(s) or a usage DataFrame, re-priced with
        each record at its own instant. Months compared: those with actual usage."""

    if not isinstance(forecast, pd.DataFrame):
        if isinstance(forecast, (str, Path)):
            document = load(str(forecast))
        else:
            document = forecast
            check(document, "forecast")
        forecast = to_frame(document)
    planned = forecast
    if "case" in planned:
        planned = planned[planned["case"].astype(str) == "expected"]
    planned = planned.assign(month=planned["month"].astype(str))
    table = prices_from(prices)
    chunks = _usage_chunks(actual, format, mapping, strict)
    result = reprice_chunks(chunks, table, by=["month"], strict=strict, components=True)
    out = with_money(split(planned, result.components), ["forecast_usd", "actual_usd", "variance_usd", "volume_usd",
                                                         "mix_usd", "price_usd", "forecast_tokens", "actual_tokens"])
    out.attrs.update({"price_table": table.meta(), "records": result.records, "priced": result.priced,
                      "reported": result.reported, "problems": [str(p) for p in result.problems],
                      "assumptions": list(result.assumptions)})
    return plain_attrs(out)


def derive_profiles(usage, by: str = "model", timezone: str = "UTC", prices=None, format: str | None = None,
                    mapping=None, conversation: str | None = None) -> dict:
    """Workload profiles from real usage (one per model, or per value of `by="tag:NAME"`): requests per
    day, prompt-size histogram (split at every price cliff in the table), output, reasoning, cache hits
    and writes, tiers, residency and the hour-of-week shape in `timezone`. Returns the workloads
    document (plain data); `costcalc.usage.profile.profiles_yaml` writes it as YAML that
    `costcalc.estimate` reads. Logged model names are mapped to the table's ids (dated snapshots,
    provider-qualified names); a model the table does not know is an error. Bad records in log files
    are left out (read_usage reports them: the CLI lists them and exits 1). `conversation`: a tag column
    holding a conversation or session id (`tag:session_id`): each profile is then a `conversation:` shape
    (turns, history growth and cache reads per turn) instead of requests and tokens per request."""

    table = prices_from(prices)
    if isinstance(usage, pd.DataFrame):
        chunk = normalize_frame(usage, mapping=_mapping(mapping))  # a read_usage frame passes unchanged
        if chunk.problems:  # nowhere to report them beside a profile: refuse, as a bad file is refused
            raise InputError(chunk.problems)
        frame = chunk.frame
    else:
        frame = read_usage(usage, format=format, mapping=mapping)
    names = LoggedNames(table)
    codes, pairs = _codes(frame, ["provider", "model"])  # distinct (provider, model) pairs only
    resolved = [names.model_of(provider, model) for provider, model in pairs]
    unknown = sorted({model for (_, model), (model_id, _) in zip(pairs, resolved) if model_id is None})
    if unknown:
        # A profile of a model the table cannot price would only fail later, in estimate.
        shown = ", ".join(repr(m) for m in unknown[:3]) + (f" and {len(unknown) - 3} more" if len(unknown) > 3 else "")
        raise CostcalcError(f"usage has models the price table does not know: {shown}; add them with a price "
                            f"overlay (--prices) or leave their records out")
    frame = frame.assign(model=_categorical(codes, [model_id or "" for model_id, _ in resolved]))  # all known here
    cliffs = sorted({t - 1 for model in table.models for t in prompt_thresholds(table, model)})
    return _with_count_units(derive(frame, by=by, timezone=timezone, cliffs=cliffs, conversation=conversation),
                             table)


@dataclass(frozen=True)
class LogProfiles:
    """What profile_logs derived: the workloads document (None when no record was usable), and the
    records read, used and reported (left out; `problems` as file:line text)."""

    document: dict | None
    records: int
    used: int
    reported: int
    problems: list[str]


def profile_logs(paths, by: str = "model", timezone: str = "UTC", prices=None, format: str | None = None,
                 mapping=None, on_read: Callable[[LogProfiles], None] | None = None,
                 conversation: str | None = None) -> LogProfiles:
    """Workload profiles derived from usage log files (derive_profiles), with the count of what was read
    and what was left out: what `costcalc profile` writes and reports. Bad records are left out, not
    raised: the caller lists `problems`. on_read(the counts and problems, no document yet) is called once
    the logs are read, before the profiles are derived (which may raise): the CLI lists the bad records
    first. conversation: as derive_profiles'."""
    usage = read_usage(paths, format=format, mapping=mapping)
    if on_read is not None:
        on_read(LogProfiles(None, usage.attrs["records"], len(usage), usage.attrs["reported"],
                            usage.attrs["problems"]))
    document = derive_profiles(usage, by=by, timezone=timezone, prices=prices,
                               conversation=conversation) if len(usage) else None
    return LogProfiles(document, usage.attrs["records"], len(usage), usage.attrs["reported"],
                       usage.attrs["problems"])


def _with_count_units(document: dict, table: PriceTable) -> dict:
    """Logged counts are in the logging model's tokenizer: each derived profile says which
    (`tokens_counted_with`), so an estimate translates them once, not again from o200k. A profile of
    several models (by tag) takes the most-requested model's, and its note says the log mixes units."""
    for name, profile in document["profiles"].items():
        units = list(dict.fromkeys(table.models[m].tokenizer for m in profile["models"]))
        if units[0] is None:  # a model without a tokenizer: nothing to say the counts are in
            continue
        fields = {}
        for key, value in profile.items():
            if key == "models":
                fields["tokens_counted_with"] = units[0]
            fields[key] = value
        if len(units) > 1:
            mixed = ", ".join(str(u) for u in units)
            fields["note"] = (fields.get("note", "") + f" Token counts are logged in several tokenizers ({mixed}); "
                              f"taken as {units[0]}, the most-requested model's.").strip()
        document["profiles"][name] = fields
    return document


def _usage_chunks(usage, format, mapping, strict):
    """A usage DataFrame (normalized, or raw with `mapping`) as one chunk; log paths streamed."""

    mapping = _mapping(mapping)
    if isinstance(usage, pd.DataFrame):
        # Counts are of this frame's rows; records read_usage dropped were reported by read_usage.
        return [normalize_frame(usage, mapping=mapping)]
    return iter_usage(_paths(usage), format=format, mapping=mapping, strict=strict)


def _mapping(mapping):
    """A column mapping given as text ("timestamp=ts,model=m") or as a dict."""

    return parse_mapping(mapping) if isinstance(mapping, str) else mapping


def _paths(paths) -> list[str]:
    return [str(paths)] if isinstance(paths, (str, Path)) else [str(p) for p in paths]


__all__ = ["LogProfiles", "derive_profiles", "profile_logs", "read_usage", "reprice", "reprice_totals", "variance"]
