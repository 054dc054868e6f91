"""JSON-lines records of the provider APIs (openai, anthropic, deepseek) and of costcalc's own schema.

Each `*_record(obj)` takes one parsed line and returns a raw row, or raises `Bad` for a bad record:

    (timestamp as logged, provider, model, input, cached, cache_write_5m, cache_write_1h, output,
     reasoning, web_search_calls, web_fetch_calls, code_execution_calls, service_tier, residency,
     tags or None)

The timestamp stays as logged (ISO-8601 text or unix seconds) and is parsed for a whole chunk at once
by `read_jsonl.py`; everything else is final. A line may take three shapes (the *envelopes*):

  (a) a whole API response: `usage` plus `model`, `created`/`created_at`, `service_tier`, ...
  (b) a usage row: `timestamp`, `model` and `usage: {...}`, or the usage fields at the top level
  (c) a gateway wrapper: `{"timestamp": ..., "response": {whole response}, "tags": {...}}`
  (d) openai only: an OpenAI Batch API output line, `{"custom_id": ..., "response": {"status_code": 200,
      "body": {whole response}}, "error": null}`, priced at the batch tier; a failed request (error
      set, status not 200) is not a record (`_openai_batch`)

Each `*_record` returns None for a line that is not a record (only (d) has such lines).

A record's own `timestamp` wins over the response's `created`/`created_at`; a top-level `tags` object
becomes `tag:NAME` columns. Keys in problems are dotted paths into the line, e.g. `usage.prompt_tokens`
or `response.usage.prompt_tokens` in a wrapper.

Why one module of about 430 lines: the four record formats share their field readers and problem
wording, and are read side by side when a provider changes its usage block (the columnar path mirrors
them in usage/jsonl_columns.py).
"""

from __future__ import annotations

from .common import MAX_TOKENS, MISSING, TIER_OF, Bad, calls, count, model_name, optional_count, tags, tier

Row = tuple

# Speed: `openai_record` and `anthropic_record` first try a fast path for the common shape (a whole
# response or a usage row, counts as plain ints): a few dict lookups and one combined check. Any record
# the fast path does not accept whole goes through the checked path (`_openai_checked`, ...), which
# gives the same row for a good record and the precise Bad for a bad one. The fast path must never
# accept a record the checked path refuses.

_TIMESTAMP_RULE = "an ISO-8601 instant (e.g. 2026-05-31T15:58:00Z) or unix seconds"


def _envelope(obj: dict) -> tuple[dict, dict, str, str]:
    """(response body, usage object, key prefix of the body, key prefix of the usage fields)."""
    body, prefix = obj, ""
    response = obj.get("response")
    if response is not None:
        if type(response) is not dict:
            raise Bad("response", response, "must be an object (the whole API response)")
        body, prefix = response, "response."
    usage = body.get("usage")
    if usage is None:  # envelope (b) with the usage fields at the top level
        return body, body, prefix, prefix
    if type(usage) is not dict:
        raise Bad(prefix + "usage", usage, "must be an object of token counts")
    return body, usage, prefix, prefix + "usage."


def _model(obj: dict, body: dict, prefix: str) -> str:
    value = body.get("model")
    if value is None and body is not obj:
        value = obj.get("model")
    return model_name(value, prefix + "model" if value is not None else "model")


def _created_timestamp(obj: dict, body: dict) -> object:
    """The record's own `timestamp`, else the response's `created` (Chat) or `created_at` (Responses)."""
    value = obj.get("timestamp")
    if value is None:
        value = body.get("created")
        if value is None:
            value = body.get("created_at")
            if value is None:
                raise Bad("timestamp", MISSING, "missing; a record needs `timestamp` (" + _TIMESTAMP_RULE
                          + ") or the response's `created`/`created_at`")
    return value


def _tags(obj: dict) -> dict | None:
    """The `tags` object as logged; its values are checked (and made text) per chunk by read_jsonl.py."""
    value = obj.get("tags")
    if value is None or type(value) is dict:
        return value
    raise Bad("tags", value, "must be an object of NAME: text labels")


def _detail(usage: dict, prefix: str, details: str, name: str) -> int:
    """A count inside a details object (`prompt_tokens_details.cached_tokens`); absent = 0."""
    found = usage.get(details)
    if found is None:
        return 0
    if type(found) is not dict:
        raise Bad(prefix + details, found, "must be an object of token counts")
    return optional_count(found.get(name), prefix, details + "." + name)


def _part_of(part: int, whole: int, prefix: str, part_key: str, whole_key: str) -> None:
    if part > whole:
        raise Bad(prefix + part_key, part, f"more than {whole_key} ({whole}), which includes them")


def openai_record(obj: dict) -> Row | None:
    usage = obj.get("usage")
    if type(usage) is dict and obj.get("response") is None:
        prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
        details = usage.get("prompt_tokens_details")
        cached = 0 if details is None else details.get("cached_tokens", 0) if type(details) is dict else -1
        details = usage.get("completion_tokens_details")
        reasoning = 0 if details is None else details.get("reasoning_tokens", 0) if type(details) is dict else -1
        if cached is None:
            cached = 0
        if reasoning is None:
            reasoning = 0
        timestamp = obj.get("timestamp")
        if timestamp is None:
            timestamp = obj.get("created")
        model, logged_tier = obj.get("model"), obj.get("service_tier")
        service_tier = TIER_OF.get(logged_tier) if type(logged_tier) is str or logged_tier is None else None
        if (type(prompt) is int and type(completion) is int and type(cached) is int and type(reasoning) is int
                and 0 <= cached <= prompt < MAX_TOKENS and 0 <= reasoning <= completion < MAX_TOKENS
                and timestamp is not None and service_tier is not None
                and type(model) is str and model and not model.isspace() and "output" not in obj):
            labels = obj.get("tags")
            if labels is None or type(labels) is dict:
                return (timestamp, "openai", model, prompt - cached, cached, 0, 0, completion - reasoning,
                        reasoning, 0, 0, 0, service_tier, False, labels)
    return _openai_checked(obj)


def _openai_checked(obj: dict) -> Row | None:
    """OpenAI Chat Completions and Responses.

    Chat `usage`: prompt_tokens INCLUDES prompt_tokens_details.cached_tokens, completion_tokens INCLUDES
    completion_tokens_details.reasoning_tokens. Responses `usage`: input_tokens includes
    input_tokens_details.cached_tokens, output_tokens includes output_tokens_details.reasoning_tokens.
    So input = prompt - cached, output = completion - reasoning. OpenAI caching is automatic and bills no
    cache writes (both write columns are 0). Audio and image token details are not split out: they
    count as input/output. `service_tier` (top level of the response): default/auto/absent -> standard,
    flex, priority (fast -> priority), batch; "scale" is a bad record (prepaid capacity, not per-token
    list price). Residency: not in the response, False. Timestamp: the record's `timestamp`, else the
    response's `created` (Chat, unix seconds) or `created_at` (Responses, unix seconds). Batch API
    output lines: `_openai_batch`.

    Tool calls (`_openai_searches`): a Responses object lists each hosted web search as an `output` item
    of type `web_search_call`; web_search_calls counts those whose status is "completed" (or not given),
    as gateways that bill them do (Bifrost counts completed items; LiteLLM's cost tracker counts the
    items). Chat Completions has no such item and its usage no count: the search-preview models search
    on every request without saying so, and those searches are not counted (log them as
    web_search_calls in the costcalc format). OpenAI's code interpreter bills per container, not per
    call: code_interpreter_call items are not counted.
    """
    if is_batch_line(obj):
        return _openai_batch(obj)
    body, usage, prefix, upre = _envelope(obj)
    return _openai_row(obj, body, usage, prefix, upre, "standard")


def is_batch_line(obj: dict) -> bool:
    """An OpenAI Batch API output line: `custom_id` with `response` or `error` (read.py detects by it)."""
    return "custom_id" in obj and ("response" in obj or "error" in obj)


def _openai_batch(obj: dict) -> Row | None:
    """A line of an OpenAI Batch API output (or error) file:

        {"id": "batch_req_...", "custom_id": "...", "error": null,
         "response": {"status_code": 200, "request_id": "...", "body": {whole response, as above}}}

    The body is read as a Chat Completions or Responses object (its usage, model, created/created_at;
    a line's own `timestamp` and `tags` as in a gateway wrapper). The Batch API bills at batch rates, so
    the tier is batch unless the body names another (flex, priority): its default/auto/absent mean the
    batch rate here. A request that failed (`error` set, or a status_code other than 200) is not a
    record, like an OTel span without usage: OpenAI charges for completed work only (Batch API FAQ,
    help.openai.com: "Developers will be charged for any completed work"), and its line carries no usage.
    Returns None for such a line."""
    if obj.get("error") is not None:
        return None
    response = obj.get("response")
    if type(response) is not dict:
        raise Bad("response", MISSING if response is None else response,
                  "must be an object {status_code, body} (a Batch API output line) when error is null")
    status = response.get("status_code")
    if status is None:
        raise Bad("response.status_code", MISSING, "missing; a Batch API output line has the request's "
                  "HTTP status (200 = completed and billed)")
    if status != 200:
        return None
    body = response.get("body")
    if type(body) is not dict:
        raise Bad("response.body", MISSING if body is None else body,
                  "must be the whole API response (an object with usage)")
    usage = body.get("usage")
    if type(usage) is not dict:
        raise Bad("response.body.usage", MISSING if usage is None else usage,
                  "must be an object of token counts (a completed request has usage)")
    return _openai_row(obj, body, usage, "response.body.", "response.body.usage.", "batch")


def _openai_row(obj: dict, body: dict, usage: dict, prefix: str, upre: str, default_tier: str) -> Row:
    """The checked row of a Chat Completions or Responses body; `default_tier` replaces standard (what
    a response's default/auto/absent tier means) for a request made through the Batch API."""
    timestamp = _created_timestamp(obj, body)
    model = _model(obj, body, prefix)
    # Chat Completions and the Responses API name the same inclusive counts differently.
    chat = "prompt_tokens" in usage or "completion_tokens" in usage
    into, out = ("prompt", "completion") if chat else ("input", "output")
    prompt = count(usage.get(f"{into}_tokens"), upre, f"{into}_tokens")
    cached = _detail(usage, upre, f"{into}_tokens_details", "cached_tokens")
    completion = count(usage.get(f"{out}_tokens"), upre, f"{out}_tokens")
    reasoning = _detail(usage, upre, f"{out}_tokens_details", "reasoning_tokens")
    if cached > prompt:
        _part_of(cached, prompt, upre, f"{into}_tokens_details.cached_tokens", f"{into}_tokens")
    if reasoning > completion:
        _part_of(reasoning, completion, upre, f"{out}_tokens_details.reasoning_tokens", f"{out}_tokens")
    service_tier = tier(body.get("service_tier"), prefix, "service_tier")
    if service_tier == "standard":
        service_tier = default_tier
    searches = _openai_searches(body, prefix)
    return (timestamp, "openai", model, prompt - cached, cached, 0, 0, completion - reasoning, reasoning,
            searches, 0, 0, service_tier, False, _tags(obj))


def _openai_searches(body: dict, prefix: str) -> int:
    """Completed `web_search_call` items in a Responses object's `output` (0 without one)."""
    output = body.get("output")
    if output is None:
        return 0
    if type(output) is not list:
        raise Bad(prefix + "output", output, "must be a list of output items (a Responses object)")
    return sum(1 for item in output if type(item) is dict and item.get("type") == "web_search_call"
               and item.get("status", "completed") in ("completed", None))


def deepseek_record(obj: dict) -> Row:
    """DeepSeek chat completions (OpenAI-compatible).

    usage.prompt_cache_hit_tokens -> cached, usage.prompt_cache_miss_tokens -> input; when prompt_tokens
    is also logged, hit + miss must equal it. Without hit/miss, prompt_tokens and
    prompt_tokens_details.cached_tokens are read as OpenAI. completion_tokens includes
    completion_tokens_details.reasoning_tokens (split as OpenAI). No cache writes, no residency; tier as
    OpenAI (absent = standard; DeepSeek's off-peak discount is by time and priced from the timestamp).
    Timestamp as OpenAI (`timestamp`, else `created`). DeepSeek's usage documents no count of Search/Fetch
    tool calls: none are read (log them as web_search_calls/web_fetch_calls in the costcalc format).
    """
    body, usage, prefix, upre = _envelope(obj)
    timestamp = _created_timestamp(obj, body)
    model = _model(obj, body, prefix)
    hit, miss = usage.get("prompt_cache_hit_tokens"), usage.get("prompt_cache_miss_tokens")
    if hit is not None or miss is not None:
        cached = count(hit, upre, "prompt_cache_hit_tokens")
        uncached = count(miss, upre, "prompt_cache_miss_tokens")
        prompt = usage.get("prompt_tokens")
        if prompt is not None and count(prompt, upre, "prompt_tokens") != cached + uncached:
            raise Bad(upre + "prompt_tokens", prompt, f"differs from prompt_cache_hit_tokens + "
                      f"prompt_cache_miss_tokens ({cached + uncached}); they must agree")
    else:
        prompt = count(usage.get("prompt_tokens"), upre, "prompt_tokens")
        cached = _detail(usage, upre, "prompt_tokens_details", "cached_tokens")
        _part_of(cached, prompt, upre, "prompt_tokens_details.cached_tokens", "prompt_tokens")
        uncached = prompt - cached
    completion = count(usage.get("completion_tokens"), upre, "completion_tokens")
    reasoning = _detail(usage, upre, "completion_tokens_details", "reasoning_tokens")
    _part_of(reasoning, completion, upre, "completion_tokens_details.reasoning_tokens", "completion_tokens")
    service_tier = tier(body.get("service_tier"), prefix, "service_tier")
    return (timestamp, "deepseek", model, uncached, cached, 0, 0, completion - reasoning, reasoning,
            0, 0, 0, service_tier, False, _tags(obj))


_GEO_RESIDENCY = {None: False, "global": False, "not_available": False, "us": True}


def anthropic_record(obj: dict) -> Row:
    usage, timestamp = obj.get("usage"), obj.get("timestamp")
    if type(usage) is dict and timestamp is not None and obj.get("response") is None \
            and usage.get("server_tool_use") is None:
        uncached, output = usage.get("input_tokens"), usage.get("output_tokens")
        cached, written = usage.get("cache_read_input_tokens"), usage.get("cache_creation_input_tokens")
        split = usage.get("cache_creation")
        if cached is None:
            cached = 0
        write_5m: object  # raw JSON values, checked by count() below
        write_1h: object
        if split is None:
            write_5m, write_1h = (0 if written is None else written), 0
        elif type(split) is dict:
            write_5m, write_1h = split.get("ephemeral_5m_input_tokens"), split.get("ephemeral_1h_input_tokens")
            if write_5m is None:
                write_5m = 0
            if write_1h is None:
                write_1h = 0
            if written is not None and (type(written) is not int or type(write_5m) is not int
                                        or type(write_1h) is not int or written != write_5m + write_1h):
                write_5m = -1  # let the checked path say what is wrong
        else:
            write_5m = write_1h = -1  # not an object: the checked path says so
        logged_tier, geo = usage.get("service_tier"), usage.get("inference_geo")
        service_tier = TIER_OF.get(logged_tier) if type(logged_tier) is str or logged_tier is None else None
        residency = _GEO_RESIDENCY.get(geo) if type(geo) is str or geo is None else None
        model = obj.get("model")
        if (type(uncached) is int and type(output) is int and type(cached) is int and type(write_5m) is int
                and type(write_1h) is int and 0 <= uncached < MAX_TOKENS and 0 <= output < MAX_TOKENS
                and 0 <= cached < MAX_TOKENS and 0 <= write_5m < MAX_TOKENS and 0 <= write_1h < MAX_TOKENS
                and service_tier is not None and residency is not None
                and type(model) is str and model and not model.isspace()):
            labels = obj.get("tags")
            if labels is None or type(labels) is dict:
                return (timestamp, "anthropic", model, uncached, cached, write_5m, write_1h, output, 0,
                        0, 0, 0, service_tier, residency, labels)
    return _anthropic_checked(obj)


def _anthropic_checked(obj: dict) -> Row:
    """Anthropic Messages API.

    usage.input_tokens EXCLUDES cache reads and writes (all three are added to make the prompt):
    input_tokens -> input, cache_read_input_tokens -> cached. Cache writes come from
    usage.cache_creation.ephemeral_5m_input_tokens / ephemeral_1h_input_tokens when `cache_creation` is
    present; when only cache_creation_input_tokens is logged (older responses), all of it is counted as
    5-minute writes, the default TTL. When both are present the split must sum to
    cache_creation_input_tokens. output_tokens -> output: Anthropic counts thinking inside output and
    reports no split, so reasoning = 0. usage.service_tier standard/priority/batch; usage.inference_geo
    "us" -> residency True, "global"/"not_available"/absent -> False. Responses carry no time: every
    record needs its own `timestamp`. Server tools: usage.server_tool_use.web_search_requests ->
    web_search_calls, .web_fetch_requests -> web_fetch_calls, .code_execution_requests (when logged) ->
    code_execution_calls; absent = 0.
    """
    body, usage, prefix, upre = _envelope(obj)
    timestamp = obj.get("timestamp")
    if timestamp is None:
        raise Bad("timestamp", MISSING, "missing; Anthropic responses carry no time, so every record needs "
                  "a `timestamp` (" + _TIMESTAMP_RULE + ")")
    model = _model(obj, body, prefix)
    uncached = count(usage.get("input_tokens"), upre, "input_tokens")
    output = count(usage.get("output_tokens"), upre, "output_tokens")
    cached = optional_count(usage.get("cache_read_input_tokens"), upre, "cache_read_input_tokens")
    written = usage.get("cache_creation_input_tokens")
    split = usage.get("cache_creation")
    if split is None:
        write_5m, write_1h = optional_count(written, upre, "cache_creation_input_tokens"), 0
    else:
        if type(split) is not dict:
            raise Bad(upre + "cache_creation", split, "must be an object of token counts")
        write_5m = optional_count(split.get("ephemeral_5m_input_tokens"), upre,
                                  "cache_creation.ephemeral_5m_input_tokens")
        write_1h = optional_count(split.get("ephemeral_1h_input_tokens"), upre,
                                  "cache_creation.ephemeral_1h_input_tokens")
        if written is not None and optional_count(written, upre, "cache_creation_input_tokens") \
                != write_5m + write_1h:
            raise Bad(upre + "cache_creation_input_tokens", written, "differs from cache_creation's "
                      f"ephemeral_5m + ephemeral_1h input tokens ({write_5m + write_1h}); they must agree")
    service_tier = tier(usage.get("service_tier"), upre, "service_tier")
    geo = usage.get("inference_geo")
    residency = _GEO_RESIDENCY.get(geo) if type(geo) is str or geo is None else None
    if residency is None:
        raise Bad(upre + "inference_geo", geo, "unknown inference geography; one of us, global, "
                  "not_available (or absent)")
    searches, fetches, executions = _server_tools(usage, upre)
    return (timestamp, "anthropic", model, uncached, cached, write_5m, write_1h, output, 0,
            searches, fetches, executions, service_tier, residency, _tags(obj))


def _server_tools(usage: dict, upre: str) -> tuple[int, int, int]:
    """(web searches, web fetches, code executions) from Anthropic's usage.server_tool_use."""
    found = usage.get("server_tool_use")
    if found is None:
        return 0, 0, 0
    if type(found) is not dict:
        raise Bad(upre + "server_tool_use", found, "must be an object of request counts")
    key = upre + "server_tool_use."
    return (calls(found.get("web_search_requests"), key, "web_search_requests"),
            calls(found.get("web_fetch_requests"), key, "web_fetch_requests"),
            calls(found.get("code_execution_requests"), key, "code_execution_requests"))


def costcalc_record(obj: dict) -> Row:
    """costcalc's own schema as JSON lines (schema.py): one flat object per record with `timestamp`,
    `provider`, `model`, the six additive counts (input_tokens and output_tokens required, the others
    absent = 0), the tool call counts (web_search_calls, web_fetch_calls, code_execution_calls; absent =
    0), `service_tier` (absent = standard), `residency` (true/false, absent = false), and tags
    as `tag:NAME` keys or a `tags` object. `source` and `line`, if present, are replaced by where the
    record is read now. A record carrying a provider's usage keys (usage, prompt_tokens,
    input_tokens_details, cache_read_input_tokens, ...) is refused: it is a provider log detected as
    costcalc from a first record too plain to tell, and read as costcalc its counts would be wrong."""
    if not _PROVIDER_KEYS.isdisjoint(obj):
        key = next(k for k in obj if k in _PROVIDER_KEYS)
        raise Bad(key, obj[key], "a provider's usage field, not one of the costcalc schema; name the log's "
                  "format with --log-format (format= in Python): openai, anthropic or deepseek")
    timestamp = obj.get("timestamp")
    if timestamp is None:
        raise Bad("timestamp", MISSING, "missing; every record needs a `timestamp` (" + _TIMESTAMP_RULE + ")")
    provider = obj.get("provider")
    if provider is None:
        provider = ""
    elif type(provider) is not str:
        raise Bad("provider", provider, "must be text (a provider id such as openai)")
    model = model_name(obj.get("model"))
    counts = (count(obj.get("input_tokens"), "", "input_tokens"),
              optional_count(obj.get("cached_tokens"), "", "cached_tokens"),
              optional_count(obj.get("cache_write_5m_tokens"), "", "cache_write_5m_tokens"),
              optional_count(obj.get("cache_write_1h_tokens"), "", "cache_write_1h_tokens"),
              count(obj.get("output_tokens"), "", "output_tokens"),
              optional_count(obj.get("reasoning_tokens"), "", "reasoning_tokens"),
              calls(obj.get("web_search_calls"), "", "web_search_calls"),
              calls(obj.get("web_fetch_calls"), "", "web_fetch_calls"),
              calls(obj.get("code_execution_calls"), "", "code_execution_calls"))
    service_tier = tier(obj.get("service_tier"), "", "service_tier")
    residency = obj.get("residency")
    if residency is None:
        residency = False
    elif type(residency) is not bool:
        raise Bad("residency", residency, "must be true or false")
    labels = _tags(obj)
    flat = {key[4:]: value for key, value in obj.items() if key.startswith("tag:")}
    if flat:
        if labels:
            both = next((name for name in flat if name in labels), None)
            if both is not None:
                raise Bad("tag:" + str(both), obj["tag:" + str(both)], "this tag is also in `tags`; which value "
                          "holds would be arbitrary: give each tag once")
        labels = {**(labels or {}), **(tags(flat, "tag:") or {})}
    return (timestamp, provider, model, *counts, service_tier, residency, labels)


_PROVIDER_KEYS = frozenset((
    "usage", "response", "prompt_tokens", "completion_tokens", "prompt_tokens_details",
    "completion_tokens_details", "input_tokens_details", "output_tokens_details", "cache_read_input_tokens",
    "cache_creation_input_tokens", "cache_creation", "prompt_cache_hit_tokens", "prompt_cache_miss_tokens"))

RECORD_READERS = {"openai": openai_record, "anthropic": anthropic_record, "deepseek": deepseek_record,
                  "costcalc": costcalc_record}
