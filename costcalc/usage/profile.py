"""Workload profiles derived from real usage: the projection starts from what was actually sent.

Pure computation: a normalized usage DataFrame (see `schema`) in, the workloads document out as plain
data (`yaml.safe_dump` writes it, `costcalc.load_workloads` reads it unchanged); no file I/O.

    doc = derive_profiles(usage, by="model", timezone="Europe/Berlin")
    text = profiles_yaml(doc, header="from usage/2026-10/*.jsonl")

How each profile field is derived (all vectorized with numpy/pandas; one Python step per profile):

requests_per_day   records / observed days. The observed days are whole 24-hour days counted from the
                   first record: floor((last - first) / 24h) + 1, so a log of every hour of a 30-day
                   month is 30 days and a job that ran once a day for 30 days is 30 days. Partial first
                   and last days count as whole days. It does not depend on the time zone (a UTC-month
                   export read in Asia/Shanghai touches 32 local calendar days but spans 30 x 24 hours).
input_tokens       a histogram of the whole prompt per request (the log's uncached input_tokens + cached +
                   cache writes: schema.PROMPT_COLUMNS, what the workload format calls input_tokens). Bin
                   edges are the `bins`-quantiles of the prompt sizes rounded to two significant digits,
                   plus every cliff in `cliffs` (prompt sizes where a price changes, e.g. GPT-5.5's
                   whole-request rate above 272,000 prompt tokens) that falls inside the observed range.
                   A bin is (lower edge, edge], so a prompt of exactly 272,000 sits below the cliff and
                   272,001 above: no bin ever holds prompts from both sides of a cliff. Each bin's
                   `tokens` is the mean prompt of its records (1 decimal), so the histogram's mean is the
                   log's mean and a bin's mean stays on its side of every cliff. Empty bins are left out.
                   The edges are in the comment.
output_tokens      the mean visible output per request (the format has no output histogram; prices are
                   linear in output tokens, so the mean gives the same cost). p50/p90 are in the note.
                   Approximation: every prompt-size bin gets the same mean output, so where a cliff also
                   raises the output rate (GPT-5.5: 1.5x above 272,000) and big prompts get longer
                   answers, the cost is understated; the note says so when the mean output above the
                   first cliff differs from the overall mean by more than 10%.
reasoning_tokens   the mean reasoning tokens per request (given only when some were logged), not a
                   `reasoning: high|max` mode: the measured figure replaces the format's planning
                   multiples. Approximation: the same reasoning per request in every prompt-size bin.
cache_hit_rate     sum(cached) / sum(input + cached + writes): token-weighted over the whole profile,
                   so the month's cached tokens match the log. Approximation: the projection applies
                   one rate to every prompt-size bin (a cliff bin that caches better than the rest is
                   priced with the profile-wide rate).
tool_calls_per_request  calls of each tool (web_search, web_fetch, code_execution) / records, 4
                   significant digits; given only for tools some record called.
cache_write        share = sum(writes 5m + 1h) / the same denominator; the format takes one TTL, so the
                   TTL that wrote more tokens carries all writes; the 5m/1h split is stated in the note.
tiers              share of requests per service tier. Approximation: the projection assumes every tier
                   sends the same mix of prompt sizes.
Shares (histogram, cache, tiers) keep 4 significant digits; shares that must sum to 1 do so exactly.
residency          true when most requests asked for data residency; a mixed log says so in the note.
traffic            the hour-of-week request rate in `timezone`: request counts per local (weekday,
                   hour) divided by how many of those local hours the observed window held (so a
                   30-day month with five Wednesdays does not make Wednesday busier). The format
                   factors the shape as hours x weekdays; the factors are the marginal rates (hours:
                   each hour of day over all days; weekdays: each day over all hours), the independence
                   approximation of the joint 168-hour shape (a busy Saturday morning that only
                   Saturday has is smeared). Both factors are scaled to average 1 and rounded to 2
                   decimals. A weekday the window never held weighs 1 (the average). A shape that is
                   uniform after rounding is written as just `{timezone: ...}`.
start, end         not set: the profile is a rate; `estimate --start` chooses the months.
models             by="model": [the model as logged]. by="tag:NAME": every model seen, most requests
                   first. NOTE the workload format prices the WHOLE profile on each listed model (a
                   comparison), so a tag profile's estimate shows what all of the tag's traffic would
                   cost on each of them, not its logged mix.
tags               by="tag:NAME": {NAME: value} (nothing for the untagged group); plus every other tag
                   column that has one single value throughout the profile's records.
note               where it came from (records, first and last local date, days) and the
                   approximations above that apply; `profiles_yaml` writes it as the profile's comment.

Profile names: the model or tag value with every run of characters other than letters, digits, `_` and
`-` replaced by `-` (`gpt-5.4` -> `gpt-5-4`: `--set NAME.KEY=...` splits at the first dot), `-2`, `-3`
appended on a clash. Records without the tag (missing or empty) form the profile `no-NAME`.

Why one module of about 470 lines: deriving a profile is one pipeline (group, measure, fit ranges and
histograms, write YAML with its reasons), each step short and read in order; conversation shapes from logs
are in usage/conversations.py.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import NamedTuple

import numpy as np
import pandas as pd
import yaml

from .._validate import known_tz
from ..errors import CostcalcError
from ..prices.model import TIERS, WEEKDAYS
from ..workloads.model import SCHEMA_VERSION
from .schema import COLUMNS, COUNT_COLUMNS, PROMPT_COLUMNS, TAG_PREFIX, TOOL_COLUMNS, TOOL_OF
from .conversations import conversation_shape

# Prompt sizes where a bundled price changes (`prompt_tokens_above` / `_at_most` in pricing.yaml):
# 200,000 (Gemini 3.1 Pro, Claude long context, Grok 4.5), 272,000 (OpenAI long context and priority),
# 512,000 (MiniMax M3). A test checks this covers the bundled table; pass `cliffs=` for an overlay's own
# thresholds.
PROMPT_CLIFFS = (200_000, 272_000, 512_000)
DEFAULT_BINS = 6
_DAY = pd.Timedelta(days=1)
_BLOCK = pd.Timedelta(minutes=15)  # every UTC offset is a multiple of 15 minutes
_TENTH = Decimal("0.1")
_WEIGHT = Decimal("0.01")


def derive_profiles(usage: pd.DataFrame, by: str = "model", timezone: str = "UTC", bins: int = DEFAULT_BINS,
                    cliffs: Iterable[int] = PROMPT_CLIFFS, conversation: str | None = None) -> dict:
    """The workloads document {"schema_version": 1, "profiles": {name: {...}}} derived from a normalized
    usage frame, one profile per logged model (`by="model"`) or per value of a tag (`by="tag:NAME"`).

    timezone: IANA zone of the traffic shape and of the dates. bins: at most this many prompt-size bins
    from quantiles, plus one more per cliff inside the observed range. cliffs: prompt sizes no bin may
    straddle (a prompt of exactly a cliff counts below it). conversation: a tag column (`tag:session_id`)
    naming each record's conversation: each profile is then a `conversation:` shape (usage/conversations.py)
    instead of requests and tokens per request. See the module docstring for every choice.
    """
    _check(usage, by, timezone, bins)
    if conversation is not None and conversation not in usage.columns:
        tags = ", ".join(str(c) for c in usage.columns if str(c).startswith(TAG_PREFIX)) or "none"
        raise CostcalcError(f"conversation id {conversation!r} is not a column of the usage (tag columns: {tags})")
    cliffs = sorted({int(c) for c in cliffs})
    # Every text column becomes integer codes once: per profile, everything is numpy on small ints.
    model_codes, model_names = _codes(usage["model"])
    if (model_codes < 0).any():
        raise CostcalcError(f"{int((model_codes < 0).sum())} usage records have no model: a profile "
                            "names its models")
    tag_codes = {c: _codes(usage[c]) for c in usage.columns if str(c).startswith(TAG_PREFIX)}
    if by == "model":
        keys, names, tag_name = model_codes, model_names, None
    else:
        tag_name = by[len(TAG_PREFIX):]
        keys, names = tag_codes[by]  # -1: records without the tag

    local = usage["timestamp"].dt.tz_convert(timezone)
    hour_of_week = (local.dt.day_of_week.to_numpy() * 24 + local.dt.hour.to_numpy()).astype(np.int64)
    arrays = {c: usage[c].to_numpy(dtype=np.int64) for c in COUNT_COLUMNS}
    arrays.update({c: usage[c].to_numpy(dtype=np.int64) for c in TOOL_COLUMNS if c in usage})
    # the whole prompt (a profile's input_tokens); the log's input_tokens is only its uncached part
    prompt = arrays[PROMPT_COLUMNS[0]].copy()
    for column in PROMPT_COLUMNS[1:]:
        prompt += arrays[column]
    stamps = usage["timestamp"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    tier_codes, tier_names = _codes(usage["service_tier"])
    tier_index = np.array([TIERS.index(t) if t in TIERS else -1 for t in tier_names] + [-1], dtype=np.int64)
    tiers = tier_index[tier_codes]  # codes into TIERS (-1, the last entry, for anything else)
    residency = usage["residency"].to_numpy(dtype=bool)
    columns = _Columns(prompt, arrays, stamps, hour_of_week, tiers, residency, model_codes, model_names,
                       tag_codes)

    groups = pd.Series(np.arange(len(usage))).groupby(keys).indices  # key code -> row positions
    # biggest profiles first, then by name; the untagged group last
    order = sorted(groups, key=lambda k: (k < 0, -len(groups[k]), names[k] if k >= 0 else ""))
    profiles: dict[str, dict] = {}
    for code in order:
        key = names[code] if code >= 0 else None
        name = _unique(_slug(key) or "profile" if key is not None else "no-" + (_slug(tag_name) or "tag"),
                       profiles)
        profiles[name] = _profile(groups[code], key, tag_name, timezone, bins, cliffs, columns)
        if conversation is not None:
            profiles[name] = _as_conversation(profiles[name], groups[code], tag_codes[conversation][0], columns)
    return {"schema_version": SCHEMA_VERSION, "profiles": profiles}


class _Columns(NamedTuple):
    prompt: np.ndarray
    counts: dict
    stamps: np.ndarray
    hour_of_week: np.ndarray
    tiers: np.ndarray  # codes into TIERS
    residency: np.ndarray
    models: np.ndarray  # codes into model_names
    model_names: list
    tags: dict  # column -> (codes, names); -1 = no value


def _codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes and their texts; missing and empty values are -1."""
    codes, uniques = pd.factorize(column)  # missing values: -1
    texts = [str(u) for u in uniques]
    empty = [i for i, t in enumerate(texts) if t == ""]
    if empty:
        codes = np.where(np.isin(codes, empty), -1, codes)
    return codes.astype(np.int64), texts


def profiles_yaml(document: dict, header: str = "") -> str:
    """The document as YAML text: `header` (any lines) as a leading comment, then each profile under a
    comment made of its note (the note key itself is not repeated)."""
    lines = []
    intro = [h for h in header.splitlines()] if header else []
    intro += ["Workload profiles derived from usage logs by costcalc (costcalc.usage.profile).",
              "Edit freely: these are the observed averages, a starting point for the projection."]
    lines += [("# " + h).rstrip() for h in intro]
    lines.append(f"schema_version: {document.get('schema_version', SCHEMA_VERSION)}")
    lines.append("")
    lines.append("profiles:")
    for name, profile in document["profiles"].items():
        body = {k: v for k, v in profile.items() if k != "note"}
        if profile.get("note"):
            for paragraph in str(profile["note"]).split("\n"):
                lines += ["  # " + w for w in textwrap.wrap(paragraph, 100, break_on_hyphens=False)]
        text = yaml.safe_dump({name: body}, sort_keys=False, default_flow_style=None, allow_unicode=True,
                              width=110)
        lines += ["  " + line if line else line for line in text.rstrip("\n").split("\n")]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# -- one profile ------------------------------------------------------------------------------------

def _profile(rows: np.ndarray, key: str | None, tag_name: str | None, tz: str, bins: int, cliffs: list[int],
             c: _Columns) -> dict:
    """One profile from its records' positions. key: the model or tag value (None: untagged)."""
    prompt, arrays, stamps, hour_of_week = c.prompt, c.counts, c.stamps, c.hour_of_week
    n = len(rows)
    notes: list[str] = []
    first_ns, last_ns = int(stamps[rows].min()), int(stamps[rows].max())
    first, last = pd.Timestamp(first_ns, tz="UTC"), pd.Timestamp(last_ns, tz="UTC")
    days = (last_ns - first_ns) // _DAY.value + 1
    first_local, last_local = first.tz_convert(tz), last.tz_convert(tz)
    notes.append(f"From {n:,} usage records, {first_local.date()} to {last_local.date()} ({tz}): "
                 f"{days} observed day{'s' if days != 1 else ''} (24-hour days from the first record).")

    out: dict = {"requests_per_day": _number(Decimal(n) / Decimal(days), _WEIGHT)}

    p = prompt[rows]
    edges, counts, means = prompt_bins(p, bins, cliffs)
    shares = exact_shares(counts)
    out["input_tokens"] = {"histogram": [{"tokens": _number(m, _TENTH), "share": _plain(s)}
                                         for m, s in zip(means, shares)]}
    notes.append("Input bins (whole prompt, tokens): " + _bin_text(edges, counts) + ".")

    output = arrays["output_tokens"][rows]
    out["output_tokens"] = _number(Decimal(int(output.sum())) / n, _TENTH)
    p50, p90 = np.percentile(output, [50, 90], method="inverted_cdf") if n else (0, 0)
    notes.append(f"Output tokens: mean {out['output_tokens']:,}, p50 {int(p50):,}, p90 {int(p90):,}.")
    crossed = [c for c in cliffs if p.min() <= c < p.max()]
    if crossed and output.sum():
        above = p > crossed[0]
        mean_above, mean_all = output[above].mean(), output.mean()
        if abs(mean_above - mean_all) > 0.1 * mean_all:
            notes.append(f"Prompts above {crossed[0]:,} tokens average {mean_above:,.0f} output tokens, not "
                         f"{mean_all:,.0f}: every bin gets the overall mean, so a long-context output rate "
                         f"is {'under' if mean_above > mean_all else 'over'}stated.")
    reasoning = int(arrays["reasoning_tokens"][rows].sum())
    if reasoning:
        out["reasoning_tokens"] = _number(Decimal(reasoning) / n, _TENTH)
        share = int(np.count_nonzero(arrays["reasoning_tokens"][rows])) / n
        notes.append(f"Reasoning: the measured mean per request ({share:.0%} of requests reasoned).")

    total = int(p.sum())
    cached = int(arrays["cached_tokens"][rows].sum())
    w5, w1 = int(arrays["cache_write_5m_tokens"][rows].sum()), int(arrays["cache_write_1h_tokens"][rows].sum())
    hit = _significant(Decimal(cached) / total) if total else Decimal(0)
    out["cache_hit_rate"] = _plain(hit)
    if w5 + w1:
        write = min(_significant(Decimal(w5 + w1) / total), 1 - hit)
        ttl = "5m" if w5 >= w1 else "1h"
        out["cache_write"] = {"ttl": ttl, "share": _plain(write)}
        if w5 and w1:
            notes.append(f"Cache writes: {w5 / (w5 + w1):.1%} 5m and {w1 / (w5 + w1):.1%} 1h by tokens; "
                         f"the format takes one TTL, so all are priced as {ttl}.")

    calls = {TOOL_OF[column]: int(arrays[column][rows].sum()) for column in TOOL_COLUMNS if column in arrays}
    calls = {tool: n_calls for tool, n_calls in calls.items() if n_calls}
    if calls:
        out["tool_calls_per_request"] = {tool: _plain(_significant(Decimal(n_calls) / n))
                                         for tool, n_calls in calls.items()}
        notes.append("Tool calls per request: the logged mean (" + ", ".join(
            f"{n_calls:,} {tool} calls" for tool, n_calls in calls.items()) + ").")

    tier_codes = c.tiers[rows]
    tier_counts = np.bincount(tier_codes[tier_codes >= 0], minlength=len(TIERS))
    present = [(t, int(c)) for t, c in zip(TIERS, tier_counts) if c] or [("standard", 1)]
    out["tiers"] = {t: _plain(s) for (t, _), s in zip(present, exact_shares([c for _, c in present]))}

    resident = int(np.count_nonzero(c.residency[rows]))
    out["residency"] = resident * 2 > n
    if 0 < resident < n:
        notes.append(f"Data residency on {resident / n:.1%} of requests; the format takes one setting: "
                     f"{'on' if out['residency'] else 'off'} for all.")

    hours, weekdays, unseen = traffic_weights(hour_of_week[rows], first, days, tz)
    traffic: dict = {"timezone": tz}
    if len(set(hours)) > 1 or len(set(weekdays)) > 1:
        traffic["hours"] = [_plain(w) for w in hours]
        traffic["weekdays"] = {d: _plain(w) for d, w in zip(WEEKDAYS, weekdays)}
        notes.append("Traffic: hour-of-day x weekday factors of the observed hour-of-week rates (a "
                     "shape only some days have is spread over all).")
    if unseen:
        notes.append("Weekdays not in the log weigh as the average day: " + ", ".join(unseen) + ".")
    out["traffic"] = traffic

    # No `start`: the profile describes a rate, and `costcalc estimate --start` says from when (a start
    # after the log would make a forecast of the logged months themselves zero).

    model_counts = np.bincount(c.models[rows], minlength=len(c.model_names))
    ranked = sorted((int(-k), c.model_names[i]) for i, k in enumerate(model_counts) if k)
    seen = [key] if tag_name is None else [m for _, m in ranked]
    out["models"] = seen
    if tag_name is not None and len(seen) > 1:
        notes.append(f"Models: {len(seen)} logged (" + ", ".join(f"{m} {-k / n:.0%}" for k, m in ranked) +
                     " of requests); the estimate prices all of this traffic on each.")
    tags = {}
    if tag_name is not None and key is not None:
        tags[tag_name] = key
    for column, (codes, texts) in c.tags.items():
        name = column[len(TAG_PREFIX):]
        if name == tag_name:
            continue
        own = codes[rows]
        if own[0] >= 0 and (own == own[0]).all():
            tags[name] = texts[own[0]]
    if tags:
        out["tags"] = tags
    out["note"] = " ".join(notes)
    return out


# -- pieces (public for tests and other consumers) --------------------------------------------------

# what a conversation shape replaces in a derived profile (it derives them per turn)
_SHAPED = ("requests_per_day", "input_tokens", "output_tokens", "cache_hit_rate", "cache_write")


def _as_conversation(profile: dict, rows: np.ndarray, ids: np.ndarray, c: _Columns) -> dict:
    """A derived profile with its requests, tokens and caching replaced by the conversation shape of its
    records (usage/conversations.py), the shape's notes added to its note."""

    stamps = c.stamps[rows]
    days = (int(stamps.max()) - int(stamps.min())) // _DAY.value + 1
    shape, notes = conversation_shape(ids[rows], stamps, c.prompt[rows], c.counts["output_tokens"][rows],
                                      c.counts["cached_tokens"][rows], c.counts["cache_write_5m_tokens"][rows],
                                      c.counts["cache_write_1h_tokens"][rows], days, exact_shares)
    out: dict = {"conversation": shape}
    out.update((k, v) for k, v in profile.items() if k not in _SHAPED)
    out["note"] = " ".join([profile.get("note", "")] + notes).strip()
    return out


def prompt_bins(prompts: np.ndarray, bins: int = DEFAULT_BINS, cliffs: Iterable[int] = PROMPT_CLIFFS
                ) -> tuple[list[int], list[int], list[Decimal]]:
    """(upper edges, counts, mean prompt) of the non-empty bins. Bin i holds prompts in
    (edges[i-1], edges[i]] (the first has no lower edge); edges are the rounded quantiles, every cliff
    inside the observed range, and the largest prompt."""
    prompts = np.asarray(prompts, dtype=np.int64)
    low, high = int(prompts.min()), int(prompts.max())
    quantiles = np.quantile(prompts, np.arange(1, bins) / bins, method="inverted_cdf") if bins > 1 else []
    edge_set = {_nice(int(q)) for q in quantiles}
    edge_set |= {c for c in cliffs if low <= c < high}
    edges = sorted(e for e in edge_set if e < high) + [high]
    index = np.searchsorted(np.array(edges, dtype=np.int64), prompts, side="left")
    counts = np.bincount(index, minlength=len(edges))
    sums = [int(prompts[index == i].sum()) if counts[i] else 0 for i in range(len(edges))]  # exact ints
    kept = [i for i in range(len(edges)) if counts[i]]
    return ([edges[i] for i in kept], [int(counts[i]) for i in kept],
            [Decimal(sums[i]) / int(counts[i]) for i in kept])


def traffic_weights(hour_of_week: np.ndarray, first: pd.Timestamp, days: int, tz: str
                    ) -> tuple[list[Decimal], list[Decimal], list[str]]:
    """(24 hour weights, 7 weekday weights Monday first, weekday names never observed) from the local
    hour of the week of each request and the observed window [first, first + days x 24h)."""
    counts = np.bincount(hour_of_week, minlength=168).astype(np.float64).reshape(7, 24)
    grid = pd.date_range(first.floor(_BLOCK), first + days * _DAY, freq=_BLOCK, inclusive="left")
    local = grid.tz_convert(tz)
    exposure = np.bincount(local.day_of_week.to_numpy() * 24 + local.hour.to_numpy(),
                           minlength=168).astype(np.float64).reshape(7, 24)
    hour_exposure, day_exposure = exposure.sum(axis=0), exposure.sum(axis=1)
    hour_rate = np.divide(counts.sum(axis=0), hour_exposure, out=np.zeros(24), where=hour_exposure > 0)
    day_rate = np.divide(counts.sum(axis=1), day_exposure, out=np.zeros(7), where=day_exposure > 0)
    hours = _scaled(hour_rate, hour_exposure > 0)
    days_ = _scaled(day_rate, day_exposure > 0)
    unseen = [WEEKDAYS[i] for i in range(7) if day_exposure[i] == 0]
    return hours, days_, unseen


def exact_shares(counts) -> list[Decimal]:
    """count / total to 4 significant digits (0.1668, 0.001253: a small tail bin above a cliff keeps
    its precision), the largest share taking the rounding remainder so they sum to exactly 1."""
    counts = [int(c) for c in counts]
    total = sum(counts)
    shares = [_significant(Decimal(c) / total) for c in counts]
    biggest = max(range(len(counts)), key=lambda i: counts[i])
    shares[biggest] += 1 - sum(shares, Decimal(0))
    return shares


# -- helpers ----------------------------------------------------------------------------------------

def _check(usage: pd.DataFrame, by: str, tz: str, bins: int) -> None:
    if not isinstance(usage, pd.DataFrame):
        raise CostcalcError("usage must be a normalized usage DataFrame (costcalc.usage)")
    missing = [c for c in COLUMNS if c not in usage.columns and c not in TOOL_COLUMNS]  # no calls: none made
    if missing:
        raise CostcalcError("usage is missing the columns " + ", ".join(missing) + " of the normalized schema")
    if len(usage) == 0:
        raise CostcalcError("usage has no records: nothing to derive profiles from")
    if by != "model" and not (by.startswith(TAG_PREFIX) and len(by) > len(TAG_PREFIX)):
        raise CostcalcError(f"by must be 'model' or 'tag:NAME', not {by!r}")
    if by != "model" and by not in usage.columns:
        tags = [c for c in usage.columns if str(c).startswith(TAG_PREFIX)]
        raise CostcalcError(f"usage has no column {by!r}; tag columns: {', '.join(tags) or 'none'}")
    if not isinstance(tz, str) or not known_tz(tz):
        raise CostcalcError(f"unknown time zone {tz!r}; use an IANA name like UTC or Asia/Shanghai")
    if not isinstance(bins, (int, np.integer)) or isinstance(bins, bool) or not 1 <= bins <= 50:
        raise CostcalcError(f"bins must be a whole number from 1 to 50, not {bins!r}")
    if not pd.api.types.is_datetime64_any_dtype(usage["timestamp"]) or \
            getattr(usage["timestamp"].dt, "tz", None) is None:
        raise CostcalcError("usage timestamp must be timezone-aware datetimes (UTC)")


def _scaled(rate: np.ndarray, seen: np.ndarray) -> list[Decimal]:
    """Rates scaled so the observed ones average 1, rounded to 2 decimals; unobserved ones weigh 1."""
    mean = rate[seen].mean() if seen.any() else 0.0
    if not mean:
        return [Decimal(1)] * len(rate)
    return [_round(Decimal(repr(float(r / mean))), _WEIGHT) if s else Decimal(1) for r, s in zip(rate, seen)]


def _nice(value: int) -> int:
    """Two significant digits: 3456 -> 3500, 87 -> 87, 272345 -> 270000."""
    if value < 100:
        return value
    step = 10 ** (int(math.log10(value)) - 1)
    return int(round(value / step)) * step  # noqa: RUF046 (with numpy < 2, round(np.float64) is a float)


def _bin_text(edges: list[int], counts: list[int]) -> str:
    total = sum(counts)
    parts, previous = [], None
    for edge, count in zip(edges, counts):
        where = f"<= {edge:,}" if previous is None else f"{previous + 1:,}-{edge:,}"
        parts.append(f"{where} {count / total:.1%}")
        previous = edge
    return " | ".join(parts)


def _slug(text: object) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", str(text)).strip("-")


def _unique(name: str, taken: dict) -> str:
    if name not in taken:
        return name
    k = 2
    while f"{name}-{k}" in taken:
        k += 1
    return f"{name}-{k}"


def _significant(value: Decimal, digits: int = 4) -> Decimal:
    """`digits` significant digits, at most 12 decimal places (what the workload format reads)."""
    if not value:
        return Decimal(0)
    return _round(value, Decimal(1).scaleb(max(value.adjusted() - digits + 1, -12)))


def _round(value: Decimal, step: Decimal) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_EVEN)


def _plain(value: Decimal):
    """An int for whole numbers, else a float whose shortest repr is the decimal text (0.1234)."""
    value = value.normalize()
    if value == value.to_integral_value():
        return int(value)
    return float(f"{value:f}")


def _number(value: Decimal, step: Decimal):
    return _plain(_round(value, step))


__all__ = ["derive_profiles", "profiles_yaml", "prompt_bins", "traffic_weights", "exact_shares",
           "PROMPT_CLIFFS", "DEFAULT_BINS"]
