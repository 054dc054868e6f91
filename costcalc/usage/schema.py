"""The normalized usage schema every reader produces and every consumer (re-pricing, profiles,
variance) reads. One row per API request.

Token counts are additive and disjoint, named like the `costcalc quote` flags, so a record's bill is
simply sum(count x rate) over the columns:

    input_tokens            uncached input (cache misses)
    cached_tokens           input read from a cache (cache hits)
    cache_write_5m_tokens   input written to a 5-minute cache (Anthropic's default TTL)
    cache_write_1h_tokens   input written to a 1-hour cache
    output_tokens           visible output, reasoning excluded
    reasoning_tokens        reasoning ("thinking") tokens on top of output_tokens

Dtypes (what `normalize()` guarantees):

    timestamp               datetime64[ns, UTC]
    provider                text ("" when the log does not say)
    model                   text, as logged (aliases and provider-qualified ids resolve at pricing time)
    *_tokens                int64, >= 0
    service_tier            text, one of TIERS ("standard", "batch", "flex", "priority")
    residency               bool (priced with the model's data-residency multiplier)
    source                  text: the file a record came from ("<DataFrame>" for frames)
    line                    int64: 1-based line of that file (row for CSV/Parquet/frames; for JSON files
                            holding many records per line, e.g. OTLP exports, the line of the document)
    tag:NAME                text, optional, any number: grouping labels (team, product, ...); "" = none

Text columns are pandas `str` or a Categorical of `str` (never missing): readers of columnar input keep
text as categories of its distinct values, which a 10-million-row log holds in a few bytes a row.
"""

from __future__ import annotations

from ..prices.model import COMPONENTS, TIERS

COUNT_COLUMNS = ("input_tokens", "cached_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens",
                 "output_tokens", "reasoning_tokens")
# usage column -> price component (prices.model.COMPONENTS, same order)
COMPONENT_OF = dict(zip(COUNT_COLUMNS, COMPONENTS))
COLUMNS = ("timestamp", "provider", "model") + COUNT_COLUMNS + ("service_tier", "residency")
SOURCE_COLUMNS = ("source", "line")
TAG_PREFIX = "tag:"
FRAME_SOURCE = "<DataFrame>"

__all__ = ["COUNT_COLUMNS", "COMPONENT_OF", "COLUMNS", "SOURCE_COLUMNS", "TAG_PREFIX", "FRAME_SOURCE", "TIERS"]
