"""Click wiring of the `prices` group: `prices list`, `prices show`, `prices check` (the community commands
`prices import` and `prices crosscheck` are in community.py)."""

from __future__ import annotations

import json

import click

from . import options
from .app import EXIT_REPORTED
from .options import format_option, load_table, parse_at, prices_option, write_output

FORMATS = ("table", "json")


@click.group()
def prices() -> None:
    """Inspect and check the price table.

    \b
    Examples:
      costcalc prices list --provider deepseek
      costcalc prices show gpt-5.5
      costcalc prices check --prices my-overlay.yaml
    """


@prices.command("list")
@click.option("--provider", help="Only this provider's models.")
@click.option("--at", "at", metavar="INSTANT", help="Rates in force at this instant (default: now).")
@prices_option
@format_option(FORMATS)
def prices_list(provider, at, prices, fmt):
    """List models and the standard rates in force (USD per 1M tokens).

    \b
    Example:
      costcalc prices list --provider deepseek --at 2026-09-01T02:30Z
    """
    from ..report.prices import price_list, price_list_rows

    table = load_table(prices)
    if provider is not None and provider not in table.providers:
        raise click.BadParameter(f"unknown provider {provider!r}; known: {', '.join(sorted(table.providers))}",
                                 param_hint="--provider")
    rows = price_list_rows(table, parse_at(at), provider)
    text = json.dumps(rows, indent=2) if fmt == "json" else price_list(rows)
    write_output(text, None)


@prices.command("show")
@click.argument("model")
@prices_option
def prices_show(model, prices):
    """Show MODEL's whole dated price history, modifiers, routes and notes.

    \b
    Example:
      costcalc prices show deepseek-v4-pro
    """
    from ..prices import lookup
    from ..report.prices import model_history

    table = load_table(prices)
    write_output(model_history(table, lookup(table, model)), None)


@prices.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@prices_option
def prices_check(file, prices):
    """Validate and lint a price table (default: the bundled one). Exit 1 on errors; rules not checked
    for more than 90 days are warnings.

    \b
    Example:
      costcalc prices check pricing.yaml
    """
    from ..prices.lint import lint

    table = load_table(prices, base=file)
    report = lint(table, options._now().date())
    for problem in report.warnings:
        click.echo(f"costcalc: warning: {problem}", err=True)
    if report.errors:
        for problem in report.errors:
            click.echo(f"costcalc: {problem}", err=True)
        return EXIT_REPORTED
    rules = sum(len(m.rules) for m in table.models.values())
    click.echo(f"{table.files[-1].path}: ok: version {table.version}, {len(table.models)} models, "
               f"{rules} price rules, {len(report.warnings)} warnings")


def register(group: click.Group) -> None:
    """Add the `prices` group to `group` (the costcalc group)."""
    group.add_command(prices)
