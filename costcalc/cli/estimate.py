"""Click wiring of `estimate`, `render`, `init` and `schema`: the projection, its saved document, and the
files a user starts from."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from ..errors import UnknownPlanError
from .options import (currency_options, format_option, output_option, parse_set, prices_option, scenario_option,
                      set_option, start_option, write_output)

ESTIMATE_FORMATS = ("table", "csv", "json", "markdown", "html", "xlsx", "focus")


def _budget_option(value: str | None) -> Decimal | None:
    """--budget 60000 (or 60_000, 60000.50): an amount of money above 0, to the cent."""
    if value is None:
        return None
    text = value.strip().replace("_", "").replace(",", "")
    try:
        amount = Decimal(text) if text.isascii() and len(text) <= 20 else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount.adjusted() >= 15 or \
            -int(amount.as_tuple().exponent) > 2:
        raise click.BadParameter(f"{value!r}: must be an amount of money above 0 and below 10^15, at most two "
                                 f"decimal places (e.g. 60000 or 60000.50)")
    return amount


@click.command()
@click.argument("workloads", required=False, type=click.Path(dir_okay=False))
@click.option("--models", metavar="a,b", help="Compare every profile on these models instead of its own list.")
@start_option(hint="--start")
@click.option("--months", type=click.IntRange(1, 600), default=12, show_default=True)
@scenario_option("actual: prices in force each day; list: promotions ignored.")
@set_option
@prices_option
@format_option(ESTIMATE_FORMATS,
               help="json is the canonical result (`costcalc render` re-renders it); html is one offline file "
                    "with charts; xlsx needs the xlsx extra; focus is FinOps FOCUS CSV.")
@currency_options
@click.option("--plan", "plan", metavar="NAME",
              help="The plan the headline and total show: current (default), cheapest, 'all on MODEL' or "
                   "a plan of the workloads file.")
@click.option("--budget", "budget", metavar="AMOUNT", callback=lambda ctx, param, value: _budget_option(value),
              help="A monthly budget for that plan's total, in the shown currency: months over it are "
                   "flagged with the overrun.")
@output_option
def estimate(workloads, models, start, months, scenario, sets, prices, fmt, currency, fx, plan, budget, output):
    """Project monthly spend of WORKLOADS (YAML or CSV; default: the bundled examples) on each model.

    \b
    Examples:
      costcalc estimate
      costcalc estimate workloads.yaml --months 6 --format markdown
      costcalc estimate --set support-bot.cache_hit_rate=0.8 --models deepseek-v4-pro,gpt-5.5
      costcalc estimate workloads.yaml --scenario list --format json --output estimate.json
      costcalc estimate --plan cheapest --budget 9000

    It opens with the answer: a plan (one model per profile; `current` by default) and its spend per
    month, the cheapest plan and what it saves, unit costs, budgets; then each profile's alternatives.
    """
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..api import estimate as run_estimate
    from ..report.estimate import render_estimate

    model_names = [m.strip() for m in models.split(",") if m.strip()] if models else None
    df = run_estimate(workloads, prices=prices or None, models=model_names, start=start, months=months,
                      scenario=scenario, overrides=parse_set(sets), currency=currency, fx=fx, plan=plan,
                      budget=budget, cases=True)  # the renderings show each range's low and high
    write_output(render_estimate(df, fmt), output)


@click.command()
@click.argument("result", type=click.Path(dir_okay=False))
@format_option(ESTIMATE_FORMATS)
@currency_options
@click.option("--plan", "plan", metavar="NAME", help="Show this plan in the headline instead of the saved one.")
@output_option
def render(result, fmt, currency, fx, plan, output):
    """Re-render a saved estimate (its canonical JSON) in another format, without recomputing.

    The same format gives the same bytes as at estimate time. --currency/--fx show it in another
    currency at a fixed rate.

    \b
    Examples:
      costcalc estimate --format json --output estimate.json
      costcalc render estimate.json --format html --output estimate.html
      costcalc render estimate.json --format markdown --currency EUR --fx EUR=0.92
      costcalc render estimate.json --plan cheapest
    """
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..api import render as run_render

    try:
        text = run_render(result, fmt, plan=plan, currency=currency, fx=fx)
    except UnknownPlanError as exc:
        raise click.BadParameter(str(exc), param_hint="--plan") from None
    write_output(text, output)


@click.command()
@click.argument("name", type=click.Choice(["estimate", "workloads", "prices"]))
@click.option("--output", "-o", default=None, help="Write to this file instead of stdout.")
def schema(name, output):
    """Print the JSON Schema of a costcalc file: an estimate document, workload profiles or a price table.

    Editors use it to complete and check a file as it is typed; the same schemas ship in the package
    (costcalc/data/schemas/NAME.schema.json).

    \b
    Examples:
      costcalc schema workloads --output workloads.schema.json
      # then, first line of workloads.yaml:  # yaml-language-server: $schema=workloads.schema.json
      costcalc schema estimate | python -m json.tool
    """
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..schemas import shipped

    write_output(shipped(name), output)


@click.command()
@click.argument("path", default="workloads.yaml", type=click.Path(dir_okay=False))
@click.option("--shape", type=click.Choice(["chat", "agent", "batch", "rag"]), default=None,
              help="Write one commented starting profile of this shape instead of the examples: chat "
                   "(multi-turn conversations), agent (tool loops), batch (offline jobs), rag (retrieval).")
def init(path, shape):
    """Write a commented example workloads file to start from (never overwrites).

    \b
    Example:
      costcalc init my-workloads.yaml && costcalc estimate my-workloads.yaml
      costcalc init --shape chat chat.yaml
    """
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..api import bundled_examples, bundled_shape

    target = Path(path)
    if target.exists():
        raise click.ClickException(f"{path} already exists; not overwriting it (choose another path)")
    source = bundled_examples() if shape is None else bundled_shape(shape)
    write_output(source.read_text(encoding="utf-8"), path)
    click.echo(f"wrote {path}; next: costcalc estimate {path}")


COMMANDS = (estimate, render, schema, init)


def register(group: click.Group) -> None:
    """Add these commands to `group` (the costcalc group)."""
    for command in COMMANDS:
        group.add_command(command)
