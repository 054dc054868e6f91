"""Click wiring of `quote`: price one request (or N equal ones) on a model at an instant.

Token counts are --input, --cached, --cache-write-5m, --cache-write-1h, --output-tokens and --reasoning.
The count of output tokens is --output-tokens because --output names a file in every other command; the
old spelling is refused with a hint (exit 2) rather than read as a file name or a count."""

from __future__ import annotations

import json

import click

from .._parse import parse_requests
from .options import count_option, format_option, parse_at, prices_option, tool_call_counts, write_output

FORMATS = ("table", "json")
TIERS = ("standard", "batch", "flex", "priority", "fast")


def _refuse_output(ctx, param, value):
    if value is not None:
        raise click.UsageError("quote: --output is now --output-tokens (token counts); --output names a file "
                               "in the other commands", ctx=ctx)


@click.command()
@click.argument("model")
@count_option("--input", "Uncached input tokens (1M, 250k, 1_000 accepted).")
@count_option("--cached", "Input tokens read from cache.")
@count_option("--cache-write-5m", "Input tokens written to a 5-minute cache.")
@count_option("--cache-write-1h", "Input tokens written to a 1-hour cache.")
@count_option("--output-tokens", "Output tokens.")
@click.option("--output", "old_output", hidden=True, expose_value=False, is_eager=True, callback=_refuse_output)
@count_option("--reasoning", "Reasoning tokens, on top of --output-tokens.")
@click.option("--at", "at", metavar="INSTANT", help="ISO-8601 instant (default: now; no offset = UTC).")
@click.option("--tier", type=click.Choice(TIERS), default="standard", show_default=True)
@click.option("--residency", is_flag=True, help="Data residency / US-only inference pricing.")
@click.option("--scenario", type=click.Choice(["actual", "list"]), default="actual", show_default=True,
              help="actual: prices in force; list: promotions ignored.")
@count_option("--requests", "The counts are totals over N equal requests (cliffs and limits apply to "
              "each); a whole number >= 1.", default="1", parse=parse_requests)
@click.option("--tool-calls", "tool_calls", multiple=True, metavar="TOOL=N",
              callback=lambda ctx, param, value: tool_call_counts(value),
              help="Calls of a server-side tool priced at the model's per-call fee, e.g. web_search=2 "
                   "(repeatable, or comma-separated: web_search=2,web_fetch=1; each tool once).")
@prices_option
@format_option(FORMATS)
def quote(model, input, cached, cache_write_5m, cache_write_1h, output_tokens, reasoning, at, tier, residency,
          scenario, requests, tool_calls, prices, fmt):
    """Price one request on MODEL at an instant, or N equal requests with --requests N.

    Counts are additive and disjoint. The request's prompt (every input kind together) selects a
    long-context tier and must fit the model's context window; output and reasoning together must fit
    its max output. A request the model cannot take is refused (exit 1). With --requests N the counts
    are totals over N equal requests: each holds 1/N of them, and cliffs and limits apply to each.
    Tool calls (--tool-calls, totals like the token counts) are priced at the model's per-call fee, one
    line per tool; a tool the model has no fee for at that instant is an error.

    \b
    Example:
      costcalc quote gpt-5.5 --input 272001 --output-tokens 1000 --tier batch --format json
      costcalc quote deepseek-v4-pro --input 1M --output-tokens 1M --requests 10 --at 2026-05-31T15:58Z
      costcalc quote gpt-5.5 --input 20k --output-tokens 1k --tool-calls web_search=2
    """
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..api_prices import quote as price_quote
    from ..report.prices import quote_table

    result = price_quote(model, at=parse_at(at) if at is not None else None, prices=prices or None, tier=tier,
                         residency=residency, scenario=scenario, requests=requests, tool_calls=tool_calls,
                         input=input, cache_read=cached, cache_write_5m=cache_write_5m,
                         cache_write_1h=cache_write_1h, output=output_tokens, reasoning=reasoning)
    write_output(json.dumps(result.to_dict(), indent=2) if fmt == "json" else quote_table(result), None)


COMMANDS = (quote,)


def register(group: click.Group) -> None:
    """Add `quote` to `group` (the costcalc group)."""
    for command in COMMANDS:
        group.add_command(command)
