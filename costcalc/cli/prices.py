"""Click wiring of the `prices` group: `prices list`, `prices show`, `prices check` (the community commands
`prices import` and `prices crosscheck` are in community.py). Each command is one call of costcalc.api_prices
(which loads no pandas) plus its rendering."""

from __future__ import annotations

import json

import click

from .app import EXIT_REPORTED
from .options import format_option, parse_at, prices_option, write_output
from ..errors import UnknownProviderError

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
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..api_prices import price_list as list_prices
    from ..report.prices import price_list

    try:
        rows = list_prices(prices, None if at is None else parse_at(at), provider)
    except UnknownProviderError as exc:
        raise click.BadParameter(str(exc), param_hint="--provider") from None
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
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..api_prices import price_history

    write_output(price_history(model, prices), None)


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
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..api_prices import check_prices

    checked = check_prices(file, prices)
    for problem in checked.warnings:
        click.echo(f"costcalc: warning: {problem}", err=True)
    if checked.errors:
        for problem in checked.errors:
            click.echo(f"costcalc: {problem}", err=True)
        return EXIT_REPORTED
    click.echo(f"{checked.path}: ok: version {checked.version}, {checked.models} models, "
               f"{checked.rules} price rules, {len(checked.warnings)} warnings")


def register(group: click.Group) -> None:
    """Add the `prices` group to `group` (the costcalc group)."""
    group.add_command(prices)
