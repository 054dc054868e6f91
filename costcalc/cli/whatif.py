"""Click wiring of the what-if commands: `compare`, `sensitivity`, `break-even`.

`register(group)` adds them to the costcalc group (costcalc/cli/__init__.py calls it). Only click and the
shared options are imported here; the library and pandas are imported inside the commands, so
`costcalc --help` stays fast. Errors are raised and mapped to exit statuses in app.py: 1 for bad input
(CostcalcError), 2 for bad usage (click.UsageError).
"""

from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from ..errors import shown

from .options import (SCENARIOS, format_option, model_list, output_option, parse_set, prices_option,
                      scenario_option, set_option, start_option, write_output)
from ..errors import CostcalcError

FORMATS = ("table", "csv", "json", "markdown")


def _estimate_options(months_default: int, months_help: str):
    """--models, --start, --months, --set: how the workloads are estimated."""

    def decorate(func):
        func = set_option(func)
        func = click.option("--months", type=click.IntRange(1, 600), default=months_default,
                            show_default=True, help=months_help)(func)
        func = start_option()(func)
        func = click.option("--models", metavar="a,b",
                            help="Use these models for every profile instead of its own list.")(func)
        return func

    return decorate


_format_option = format_option(FORMATS)
_scenario_option = scenario_option("actual: prices in force each day; list: promotions ignored.")


# Self-hosting figures: above 0, at most 9 decimals (1e-400 tokens/s is a typo, and divides into a
# number no report can show), at most 10^12 unless an option says less.
_MAX_PLACES = 9
_MAX_FIGURE = Decimal(10) ** 12


def _decimal(value: str | None, hint: str, maximum: Decimal = _MAX_FIGURE) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value.replace("_", "").strip()) if value.isascii() else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number <= 0 or number > maximum or \
            -int(number.as_tuple().exponent) > _MAX_PLACES:
        raise click.BadParameter(f"{shown(value)}: must be a number above 0 and at most {maximum:,}, "
                                 f"with at most {_MAX_PLACES} decimals", param_hint=hint)
    return number


def _given(ctx: click.Context, name: str) -> bool:
    source = ctx.get_parameter_source(name)
    return source is not None and source != click.core.ParameterSource.DEFAULT


# -- compare ----------------------------------------------------------------------------------------

@click.command("compare")
@click.argument("estimates", nargs=-1, type=click.Path(dir_okay=False), metavar="[A.json B.json]")
@click.option("--workloads", type=click.Path(dir_okay=False), metavar="WORKLOADS",
              help="Workloads to estimate twice (YAML or CSV; default: the bundled examples).")
@click.option("--old-prices", "old_prices", multiple=True, type=click.Path(dir_okay=False),
              metavar="OVERLAY.yaml", help="Side A's price overlay (repeatable; omitted: the bundled table).")
@click.option("--new-prices", "new_prices", multiple=True, type=click.Path(dir_okay=False),
              metavar="OVERLAY.yaml", help="Side B's price overlay (repeatable; omitted: the bundled table).")
@click.option("--scenarios", metavar="A[,B]",
              help="Scenario of side A and of side B (actual or list); one name: both sides. "
                   "Default: actual.")
@_estimate_options(12, "How many months to estimate.")
@_format_option
@output_option
@click.pass_context
def compare(ctx, estimates, workloads, old_prices, new_prices, scenarios, models, start, months, sets, fmt,
            output):
    """Compare two estimates per month and model (expected case, profiles summed): A, B, B - A and
    the change as a share of A.

    Either two saved estimates (the JSON of `costcalc estimate --format json`), or one workload
    estimated twice: with other prices (--old-prices / --new-prices overlays; an omitted side is the
    bundled table) and/or another scenario (--scenarios actual,list). The output names each side's
    scenario and price table (version and sha256).

    \b
    Examples:
      costcalc estimate w.yaml --format json --output a.json   # ... edit w.yaml, then
      costcalc estimate w.yaml --format json --output b.json
      costcalc compare a.json b.json
      costcalc compare --workloads w.yaml --new-prices discount.yaml
      costcalc compare --workloads w.yaml --old-prices 2026-q3.yaml --new-prices 2026-q4.yaml
      costcalc compare --scenarios actual,list --months 6 --format markdown
    """
    run_options = [name for name in ("workloads", "old_prices", "new_prices", "scenarios", "models", "start",
                                     "months", "sets") if _given(ctx, name)]
    if estimates:
        if len(estimates) != 2:
            raise click.UsageError(f"give two saved estimates to compare (A.json B.json), not {len(estimates)}")
        if run_options:
            flag = "--" + run_options[0].replace("_", "-").replace("sets", "set")
            raise click.UsageError(f"{flag} runs new estimates; saved estimates are compared as they are "
                                   f"(give either A.json B.json or the run options)")
        # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
        from ..report.document import load
        from ..report.whatif import render_compare
        from ..api import compare as run_compare

        df = run_compare(load(estimates[0]), load(estimates[1]), a_label=estimates[0], b_label=estimates[1])
        write_output(render_compare(df, fmt), output)
        return
    names = [s.strip() for s in (scenarios or "actual").split(",")]
    if len(names) not in (1, 2) or any(n not in SCENARIOS for n in names):
        raise click.BadParameter(f"{scenarios!r}: one or two of {', '.join(SCENARIOS)} (A,B)",
                                 param_hint="--scenarios")
    a_scenario, b_scenario = names[0], names[-1]
    if tuple(old_prices) == tuple(new_prices) and a_scenario == b_scenario:
        raise click.UsageError("nothing differs between the sides: give two saved estimates, "
                               "--old-prices/--new-prices overlays, and/or --scenarios actual,list")
    prices_differ = tuple(old_prices) != tuple(new_prices)
    labels = []
    for side, scenario in (("old", a_scenario), ("new", b_scenario)):
        parts = ([f"{side} prices"] if prices_differ else []) + ([scenario] if a_scenario != b_scenario else [])
        labels.append(", ".join(parts))
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..report.whatif import render_compare
    from ..api import compare_estimates

    df = compare_estimates(workloads, a_prices=list(old_prices) or None, b_prices=list(new_prices) or None,
                           a_scenario=a_scenario, b_scenario=b_scenario, models=model_list(models), start=start,
                           months=months, overrides=parse_set(sets), a_label=labels[0], b_label=labels[1])
    write_output(render_compare(df, fmt), output)


# -- sensitivity ------------------------------------------------------------------------------------

@click.command("sensitivity")
@click.argument("workloads", required=False, type=click.Path(dir_okay=False))
@_estimate_options(12, "The period whose total is compared.")
@_scenario_option
@prices_option
@_format_option
@output_option
@click.option("--chart", "chart", type=click.Path(dir_okay=False), metavar="FILE.png|FILE.svg",
              help="Also draw the tornado chart (needs the plot extra).")
def sensitivity(workloads, models, start, months, sets, scenario, prices, fmt, output, chart):
    """Which uncertain input moves the total most: a tornado table for every profile with ranges.

    Each input given as {low, expected, high} is set to its low and then its high value while every
    other input stays at expected; the rows give the total over the period for both, and the swing
    between them, largest first (per profile and model).

    \b
    Examples:
      costcalc sensitivity
      costcalc sensitivity workloads.yaml --months 24 --models deepseek-v4-pro,gpt-5.5
      costcalc sensitivity --set 'support-bot.requests_per_day={low: 10000, expected: 20000, high: 40000}'
      costcalc sensitivity workloads.yaml --format csv --output tornado.csv
    """
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..report.whatif import render_sensitivity
    from ..api import sensitivity as run_sensitivity

    df = run_sensitivity(workloads, models=model_list(models), start=start, months=months,
                         prices=list(prices) or None, scenario=scenario, overrides=parse_set(sets))
    if df.empty:
        raise CostcalcError(f"{workloads or 'the bundled examples'}: no profile has a range "
                            "{low, expected, high}: nothing to vary")
    text = render_sensitivity(df, fmt)  # rendered first: a failing chart then leaves nothing behind
    if chart:
        _save_chart(df, chart)
    write_output(text, output)


def _save_chart(df, path: str) -> None:
    """The tornado as PNG or SVG (by the file's extension), written atomically like every --output."""
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..plot import _matplotlib, plot

    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise click.BadParameter(f"{shown(path)}: name a .png or .svg file", param_hint="--chart")
    _matplotlib()  # one line naming the plot extra when matplotlib is missing, before any import of it
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    import matplotlib.pyplot as plt

    ax = plot(df, kind="tornado")
    buffer = io.BytesIO()
    try:
        ax.figure.savefig(buffer, format=suffix[1:], metadata={"Date": None} if suffix == ".svg" else None)
    finally:
        plt.close(ax.figure)
    write_output(buffer.getvalue(), path)


# -- break-even -------------------------------------------------------------------------------------

@click.command("break-even")
@click.argument("workloads", required=False, type=click.Path(dir_okay=False))
@click.option("--self-host-usd-per-hour", "usd_per_hour", metavar="USD",
              help="What one self-hosted node costs per hour. Examples from GPU-cloud list prices in the "
                   "DeepSeek V4 launch coverage: 2x H200 (V4-Flash) about 7.18; an 8x B300 node (V4-Pro) "
                   "about 55.50. Use your own quote.")
@click.option("--self-host-tokens-per-second", "tokens_per_second", metavar="N",
              help="One node's sustained throughput in tokens/second (see --self-host-counts). Measure it for "
                   "your model, hardware, serving stack and prompt sizes; no default.")
@click.option("--self-host-requests-per-hour", "requests_per_hour", metavar="N",
              help="One node's throughput as requests/hour (instead of tokens/second).")
@click.option("--self-host-counts", "counts", type=click.Choice(["all", "output"]), default="all",
              show_default=True,
              help="Which tokens the tokens/second figure counts: all (input, cached, output, reasoning) or "
                   "output (output + reasoning: decode throughput).")
@click.option("--utilization", metavar="SHARE", default="1", show_default=True,
              help="Share of the throughput really usable (peaks, headroom), above 0 and at most 1.")
@click.option("--hours-per-month", "hours_per_month", metavar="H", default="730", show_default=True,
              help="Hours a node is paid for each month.")
@click.option("--models", metavar="a,b", help="Use these models for every profile instead of its own list.")
@start_option()
@click.option("--months", type=click.IntRange(1, 600), default=1, show_default=True,
              help="Months the cost per request is averaged over.")
@set_option
@_scenario_option
@prices_option
@_format_option
@output_option
def break_even(workloads, usd_per_hour, tokens_per_second, requests_per_hour, counts, utilization,
               hours_per_month, models, start, months, sets, scenario, prices, fmt, output):
    """API cost per request per model, and the monthly volume above which self-hosting is cheaper.

    Per-token API pricing is proportional to volume: between two API models there is no volume
    break-even (the cheaper one is cheaper at every volume; a negotiated discount is per-token too),
    so models are compared by cost per request. Self-hosting is whole nodes paid by the hour
    (730 hours a month by default): ceil(volume / one node's capacity) nodes; break-even is where the
    API bill reaches one node's monthly cost.

    \b
    Examples:
      costcalc break-even --models deepseek-v4-pro,gpt-5.5
      costcalc break-even workloads.yaml --models deepseek-v4-flash \\
          --self-host-usd-per-hour 7.18 --self-host-tokens-per-second 2500 --utilization 0.6
    """
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..report.whatif import render_break_even
    from ..api import break_even as run_break_even

    self_host = None
    throughput = [name for name, value in (("--self-host-tokens-per-second", tokens_per_second),
                                           ("--self-host-requests-per-hour", requests_per_hour)) if value]
    if len(throughput) == 2:
        raise click.UsageError("give --self-host-tokens-per-second or --self-host-requests-per-hour, not both")
    if usd_per_hour is not None or throughput:
        if usd_per_hour is None:
            raise click.UsageError(f"{throughput[0]} needs --self-host-usd-per-hour (one node's hourly cost)")
        if not throughput:
            raise click.UsageError("--self-host-usd-per-hour needs one node's throughput: "
                                   "--self-host-tokens-per-second or --self-host-requests-per-hour")
        self_host = {"usd_per_hour": _decimal(usd_per_hour, "--self-host-usd-per-hour"),
                     "tokens_per_second": _decimal(tokens_per_second, "--self-host-tokens-per-second"),
                     "requests_per_hour": _decimal(requests_per_hour, "--self-host-requests-per-hour"),
                     "counts": counts, "utilization": _decimal(utilization, "--utilization", Decimal(1)),
                     "hours_per_month": _decimal(hours_per_month, "--hours-per-month", Decimal(744))}
    df = run_break_even(workloads, models=model_list(models), self_host=self_host, start=start, months=months,
                        prices=list(prices) or None, scenario=scenario, overrides=parse_set(sets))
    write_output(render_break_even(df, fmt), output)


# -- registration -----------------------------------------------------------------------------------

COMMANDS = (compare, sensitivity, break_even)


def register(group: click.Group) -> None:
    """Add the what-if commands to `group` (the costcalc CLI group)."""
    for command in COMMANDS:
        group.add_command(command)
