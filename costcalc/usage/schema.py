"""The normalized usage schema every reader produces and every consumer (re-pricing, profiles,
variance) reads. One row per API request.

Token counts are additive and disjoint, named like the `costcalc quote` flags, so a record's bill is
simply sum(count x rate) over the columns:

    input_tokens            UNCACHED input only (cache misses): not the whole prompt
    cached_tokens           input read from a cache (cache hits)
    cache_write_5m_tokens   input written to a 5-minute cache (Anthropic's default TTL)
    cache_write_1h_tokens   input written to a 1-hour cache
    output_tokens           visible output, reasoning excluded
    reasoning_tokens        reasoning ("thinking") tokens on top of output_tokens

A log's `input_tokens` is the uncached part of the prompt, as the providers' bills count it; a workload
profile's `input_tokens` (costcalc.workloads) is the WHOLE prompt, of which `cache_hit_rate` and
`cache_write.share` are shares. The column keeps the name users write in their logs; code that needs the
whole prompt of a record sums PROMPT_COLUMNS (input + cached + cache writes).

Calls of server-side tools that bill per call (a model's `fees:` in the price table), one count each:

    web_search_calls        web searches (OpenAI `web_search_call` output items, Anthropic
                            usage.server_tool_use.web_search_requests)
    web_fetch_calls         page fetches (Anthropic usage.server_tool_use.web_fetch_requests)
    code_execution_calls    code executions (Anthropic usage.server_tool_use.code_execution_requests when
                            logged; OpenAI's code interpreter bills per container, not per call, and is
                            not counted)

A record's bill is then sum(count x rate) over the token columns plus sum(calls x fee per call) over the
tool columns, each tool at the fee of the record's model in force at its instant. Calls of a tool the
model has no fee for are not priced, and the result says so.

Dtypes (what `normalize()` guarantees):

    timestamp               datetime64[ns, UTC]
    provider                text ("" when the log does not say)
    model                   text, as logged (aliases and provider-qualified ids resolve at pricing time)
    *_tokens                int64, >= 0
    *_calls                 int64, >= 0 (0 when the log does not say)
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

from ..prices.model import COMPONENTS, TIERS, TOOLS

COUNT_COLUMNS = ("input_tokens", "cached_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens",
                 "output_tokens", "reasoning_tokens")
# usage column -> price component (prices.model.COMPONENTS, same order)
COMPONENT_OF = dict(zip(COUNT_COLUMNS, COMPONENTS))
# the parts of a record's whole prompt (a workload profile's input_tokens): uncached + cached + cache writes
PROMPT_COLUMNS = ("input_tokens", "cached_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens")
# tool call counts, one per prices.model.TOOLS entry (same order): `web_search` -> `web_search_calls`
TOOL_COLUMNS = tuple(f"{tool}_calls" for tool in TOOLS)
TOOL_OF = dict(zip(TOOL_COLUMNS, TOOLS))
COLUMNS = ("timestamp", "provider", "model") + COUNT_COLUMNS + TOOL_COLUMNS + ("service_tier", "residency")
SOURCE_COLUMNS = ("source", "line")
TAG_PREFIX = "tag:"
FRAME_SOURCE = "<DataFrame>"

__all__ = ["COUNT_COLUMNS", "COMPONENT_OF", "PROMPT_COLUMNS", "TOOL_COLUMNS", "TOOL_OF", "COLUMNS", "SOURCE_COLUMNS",
           "TAG_PREFIX", "FRAME_SOURCE", "TIERS"]
