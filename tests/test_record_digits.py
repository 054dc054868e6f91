"""A re-priced record's cost_usd is written with its own outcome's places (its model's rates), never with
the most places of every outcome the process's price plan has met: the plan is shared per table, so a
gpt-5.5 record's digits followed a DeepSeek record in the same log, or one re-priced before it."""

from __future__ import annotations

import json

from costcalc.api_prices import prices_from
from costcalc.api_usage import reprice


def openai_line(created: int) -> str:
    usage = {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100,
             "prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 0}}
    return json.dumps({"timestamp": "2026-09-01T08:00:00Z", "response": {
        "id": "chatcmpl-1", "object": "chat.completion", "created": created, "model": "gpt-5.5",
        "service_tier": "default", "usage": usage}})


def deepseek_line(created: int) -> str:
    usage = {"prompt_tokens": 2000, "prompt_cache_hit_tokens": 300, "prompt_cache_miss_tokens": 1700,
             "completion_tokens": 200, "total_tokens": 2200, "completion_tokens_details": {"reasoning_tokens": 0}}
    return json.dumps({"id": "ds-1", "object": "chat.completion", "created": created, "model": "deepseek-v4-flash",
                       "usage": usage})


def costs(paths, table) -> dict[str, str]:
    frame = reprice([str(p) for p in paths], prices=table)
    return dict(zip(frame["model_priced"], map(str, frame["cost_usd"].tolist())))


# gpt-5.5 standard: 1,000 input tokens x 5.00 + 100 output x 30.00 = 8,000 USD per 1M tokens = 0.008 USD,
# written at its rates' 2 places + 6: 0.00800000
GPT_COST = "0.00800000"


def test_a_records_cost_digits_follow_its_own_model_not_the_log_or_earlier_runs(tmp_path):
    table = prices_from(None)
    gpt = tmp_path / "gpt.jsonl"
    gpt.write_text(openai_line(1788220800) + "\n")
    deepseek = tmp_path / "deepseek.jsonl"
    deepseek.write_text(deepseek_line(1788220800) + "\n")
    assert costs([gpt], table) == {"gpt-5.5": GPT_COST}
    mixed = costs([deepseek, gpt], table)  # DeepSeek's rates have 3 places (0.028 a cache hit)
    assert mixed["gpt-5.5"] == GPT_COST
    costs([deepseek], table)
    assert costs([gpt], table) == {"gpt-5.5": GPT_COST}
