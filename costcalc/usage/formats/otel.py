"""OpenTelemetry GenAI spans, exported as OTLP JSON: one ExportTraceServiceRequest document per line, as
the OTLP file exporter (and the collector's `file` exporter) writes them:

    {"resourceSpans": [{"resource": {"attributes": [...]},
                        "scopeSpans": [{"spans": [{"startTimeUnixNano": "...", "attributes": [...]}]}]}]}

Attributes are `[{"key": NAME, "value": {"stringValue"|"intValue"|"doubleValue"|"boolValue": ...}}]`;
64-bit integers (intValue, startTimeUnixNano) may be strings, as the protobuf JSON mapping writes them.

Which spans are records: only spans carrying gen_ai usage (gen_ai.usage.input_tokens or
gen_ai.usage.output_tokens, or the deprecated prompt_tokens/completion_tokens). Every other span (HTTP,
tool calls, agent steps without usage) is skipped and is not a record. `line` is the line of the JSON
document; the problem key names the span, e.g. `resourceSpans[0].scopeSpans[0].spans[3]`.

Attributes read: the OpenTelemetry GenAI semantic conventions (status "development", so names still
move). Checked with the `search` tool against the published registry constants:
@opentelemetry/semantic-conventions `incubating` ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS
("gen_ai.usage.cache_read.input_tokens") and ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS
("gen_ai.usage.cache_creation.input_tokens") both say "The value SHOULD be included in
gen_ai.usage.input_tokens" (open-telemetry.github.io/opentelemetry-js). For reasoning I found
"gen_ai.usage.reasoning.output_tokens" in Sentry's mirror of the conventions (getsentry relay
conventions), where gen_ai.usage.output_tokens is "including reasoning tokens", and in several
instrumentations that treat it as a part of output_tokens; it is read the same way here. The older
underscore names (gen_ai.usage.cache_read_input_tokens, ...) are not read.

    timestamp        span startTimeUnixNano (the request's start)
    provider         gen_ai.provider.name (newer), else gen_ai.system (older); openai, anthropic, deepseek
                     as ours, the Gemini API names (gcp.gemini, gcp.gen_ai, gemini) -> google, the
                     older az.ai.openai -> azure.ai.openai; anything else (aws.bedrock,
                     azure.ai.openai, gcp.vertex_ai, ...) kept as given
    model            gen_ai.response.model (what served the request), else gen_ai.request.model
    input_tokens     gen_ai.usage.input_tokens - cache_read - cache_creation (the total INCLUDES both)
    cached_tokens    gen_ai.usage.cache_read.input_tokens
    cache_write_5m   gen_ai.usage.cache_creation.input_tokens (the conventions carry no TTL: counted as
                     5-minute writes, Anthropic's default)
    output_tokens    gen_ai.usage.output_tokens - gen_ai.usage.reasoning.output_tokens
    reasoning_tokens gen_ai.usage.reasoning.output_tokens (absent = 0)
    service_tier     openai.response.service_tier, else gen_ai.openai.response.service_tier (older)
    residency        False (no attribute says)
    tag:service      the resource's service.name, when set
    *_calls          costcalc.usage.web_search_calls, costcalc.usage.web_fetch_calls,
                     costcalc.usage.code_execution_calls (absent = 0). The GenAI conventions have no
                     attribute for calls of provider-side tools (searched: the gen_ai registry lists
                     none), so these are costcalc's own attributes, in its own namespace as OpenTelemetry
                     asks of extensions: an instrumentation that knows the counts (Anthropic's
                     usage.server_tool_use, OpenAI's web_search_call items) sets them on the model span.

An instrumentation that reports Anthropic's raw input_tokens (excluding cache) breaks the convention; it
shows as cache reads + writes exceeding gen_ai.usage.input_tokens, a bad record.
"""

from __future__ import annotations

from collections.abc import Iterator

from .common import MISSING, Bad, calls, count, model_name, optional_count, tier

INPUT = "gen_ai.usage.input_tokens"
OUTPUT = "gen_ai.usage.output_tokens"
CACHE_READ = "gen_ai.usage.cache_read.input_tokens"
CACHE_WRITE = "gen_ai.usage.cache_creation.input_tokens"
REASONING = "gen_ai.usage.reasoning.output_tokens"
_OLD_INPUT, _OLD_OUTPUT = "gen_ai.usage.prompt_tokens", "gen_ai.usage.completion_tokens"
USAGE_KEYS = (INPUT, OUTPUT, _OLD_INPUT, _OLD_OUTPUT)
TOOL_CALLS = ("costcalc.usage.web_search_calls", "costcalc.usage.web_fetch_calls",
              "costcalc.usage.code_execution_calls")
PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "deepseek": "deepseek", "gcp.gemini": "google",
             "gcp.gen_ai": "google", "gemini": "google", "az.ai.openai": "azure.ai.openai"}


_OBJECT = "must be an object (OTLP JSON)"
_LIST = "must be a list (OTLP JSON)"


class Nanos(int):
    """Unix nanoseconds (startTimeUnixNano), told apart from unix seconds when timestamps are parsed."""


def _is_int_text(text: str) -> bool:
    """OTLP JSON writes 64-bit ints as decimal strings: ASCII digits ("1²".isdigit() is True, and int()
    then fails), at most 20 of them (a 5,000-digit string is no int64 and trips int()'s digit limit)."""
    digits = text[1:] if text.startswith("-") else text
    return 0 < len(digits) <= 20 and digits.isascii() and digits.isdigit()


def attributes(items: object) -> tuple[dict[object, object], object]:
    """OTLP key/value list -> ({key: plain value}, the first key given twice or None). intValue strings
    become ints when they are digits. A key twice is the OTLP form of a JSON key twice: which value
    holds would be arbitrary, so the caller refuses the span (or resource) that reads it."""
    out: dict[object, object] = {}  # keys as given: a key that is not text is refused by the caller
    if type(items) is not list:
        return out, None
    given = 0
    for item in items:
        if type(item) is not dict or type(item.get("value")) is not dict:
            continue
        value = item["value"]
        for kind in ("intValue", "stringValue", "doubleValue", "boolValue"):
            if kind in value:
                plain = value[kind]
                if kind == "intValue" and type(plain) is str and _is_int_text(plain):
                    plain = int(plain)
                out[item.get("key")] = plain
                given += 1
                break
    return out, (None if given == len(out) else _first_repeated(items))


def _keys(items: list) -> Iterator[object]:
    """The key of each attribute of a list: each {key, value: {...}} item (attributes() skips others)."""
    return (item.get("key") for item in items if type(item) is dict and type(item.get("value")) is dict)


def _first_repeated(items: list) -> object:
    seen: set = set()
    for key in _keys(items):
        if key in seen:
            return key
        seen.add(key)
    return None  # not reached: attributes() counted a repeat


def _given(items: list, key: str) -> int:
    return sum(1 for given in _keys(items) if given == key)


REPEATED_RULE = "appears twice in this attribute list; which value holds would be arbitrary: give each key once"


def span_records(doc: dict) -> Iterator[tuple[str, tuple | Bad]]:
    """(span key, raw row or Bad) for each span with gen_ai usage in one export document."""
    resource_spans = doc.get("resourceSpans")
    if type(resource_spans) is not list:
        yield "resourceSpans", Bad("resourceSpans", resource_spans, "must be a list (an OTLP JSON export)")
        return
    # A part of the document of the wrong type (spans as an object, attributes as a map) is a bad record
    # at its key, never skipped: it may hold model calls. Absent or null parts are empty.
    for i, resource_span in enumerate(resource_spans):
        where = f"resourceSpans[{i}]"
        if type(resource_span) is not dict:
            yield where, Bad("", resource_span, _OBJECT)
            continue
        resource = resource_span.get("resource")
        service = None
        if type(resource) is dict:
            found, repeated = attributes(resource.get("attributes"))
            # the only resource attribute read is service.name (a tag): only its repeat matters
            if repeated is not None and _given(resource["attributes"], "service.name") > 1:
                yield where, Bad("resource.attributes", "service.name", REPEATED_RULE)
                continue
            service = found.get("service.name")
        scope_spans = resource_span.get("scopeSpans") or resource_span.get("instrumentationLibrarySpans") or []
        if type(scope_spans) is not list:
            yield where, Bad("scopeSpans", scope_spans, _LIST)
            continue
        for j, scope_span in enumerate(scope_spans):
            where = f"resourceSpans[{i}].scopeSpans[{j}]"
            if type(scope_span) is not dict:
                yield where, Bad("", scope_span, _OBJECT)
                continue
            spans = scope_span.get("spans")
            if spans is not None and type(spans) is not list:
                yield where, Bad("spans", spans, _LIST)
                continue
            for k, span in enumerate(spans or []):
                key = f"{where}.spans[{k}]"
                if type(span) is not dict:
                    yield key, Bad("", span, _OBJECT)
                    continue
                listed = span.get("attributes")
                if listed is not None and type(listed) is not list:
                    yield key, Bad("attributes", listed, "must be a list of {key, value} (OTLP JSON)")
                    continue
                attrs, repeated = attributes(listed)
                if not any(name in attrs for name in USAGE_KEYS):
                    continue  # not a model call with usage: not a record
                if repeated is not None:
                    yield key, Bad("attributes", repeated, REPEATED_RULE)
                    continue
                try:
                    yield key, _span_row(span, attrs, service)
                except Bad as bad:
                    yield key, bad


def _span_row(span: dict, attrs: dict, service: object) -> tuple:
    start = span.get("startTimeUnixNano")
    if type(start) is str and _is_int_text(start) and not start.startswith("-"):
        start = int(start)
    if type(start) is not int or start <= 0:
        raise Bad("startTimeUnixNano", MISSING if start is None else start,
                  "missing; a span needs its start as unix nanoseconds" if start is None
                  else "must be unix nanoseconds (a whole number > 0)")
    model = attrs.get("gen_ai.response.model") or attrs.get("gen_ai.request.model")
    model = model_name(model, "attributes.gen_ai.response.model" if model is not None
                       else "attributes.gen_ai.request.model")
    pre = "attributes."
    total_in = count(attrs[INPUT] if INPUT in attrs else attrs.get(_OLD_INPUT), pre,
                     INPUT if INPUT in attrs or _OLD_INPUT not in attrs else _OLD_INPUT)
    total_out = count(attrs[OUTPUT] if OUTPUT in attrs else attrs.get(_OLD_OUTPUT), pre,
                      OUTPUT if OUTPUT in attrs or _OLD_OUTPUT not in attrs else _OLD_OUTPUT)
    cached = optional_count(attrs.get(CACHE_READ), pre, CACHE_READ)
    written = optional_count(attrs.get(CACHE_WRITE), pre, CACHE_WRITE)
    reasoning = optional_count(attrs.get(REASONING), pre, REASONING)
    if cached + written > total_in:
        raise Bad(pre + INPUT, total_in, f"less than cache reads + writes ({cached + written}); the "
                  "OpenTelemetry GenAI conventions include both in gen_ai.usage.input_tokens")
    if reasoning > total_out:
        raise Bad(pre + REASONING, reasoning, f"more than gen_ai.usage.output_tokens ({total_out}), "
                  "which includes them")
    logged = attrs.get("gen_ai.provider.name") or attrs.get("gen_ai.system")
    provider = PROVIDERS.get(logged, logged) if type(logged) is str else ""
    tier_key = ("openai.response.service_tier" if "openai.response.service_tier" in attrs
                else "gen_ai.openai.response.service_tier")
    service_tier = tier(attrs.get(tier_key), pre, tier_key)
    labels = {"service": service} if type(service) is str else None
    tools = tuple(calls(attrs.get(key), pre, key) for key in TOOL_CALLS)
    return (Nanos(start), provider, model, total_in - cached - written, cached, written, 0,
            total_out - reasoning, reasoning, *tools, service_tier, False, labels)
