"""Click wiring of `costcalc prices import` and `costcalc prices crosscheck` (community price tables).

`register(group)` adds them to the `prices` group (costcalc/cli/__init__.py calls it). The library
(costcalc.community) and pandas are imported inside the commands, so `costcalc --help` stays fast. Errors
are raised and mapped to exit statuses in app.py: one line, exit 1 for bad input, 2 for bad usage.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import click

from .app import EXIT_REPORTED
from .options import format_option, output_option, parse_at, prices_option, write_output
from ..errors import _one_line

SOURCES = ("litellm", "genai-prices", "openrouter", "models.dev")


@click.command("import")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--from", "source", type=click.Choice(SOURCES), metavar="FORMAT",
              help="The community table's format (required): " + ", ".join(SOURCES) + ".")
@output_option(help="Write the overlay to FILE (atomically) instead of stdout.")
@click.option("--include-curated", is_flag=True,
              help="Also import models the curated table has (their community rates replace it in the overlay).")
@click.option("--verbose", is_flag=True, help="List every entry that could not be converted, and why.")
@click.option("--checked", "checked", metavar="YYYY-MM-DD", help="The date rules are marked checked (default: today).")
@click.option("--download", is_flag=True,
              help="Fetch the source's public URL instead of reading FILE (the only network use).")
@click.option("--url", "url", metavar="URL", help="With --download: fetch this URL instead of the public one.")
@prices_option
def prices_import(file, source, output, include_curated, verbose, checked, download, url, prices):
    """Convert a community price table (FILE) into a costcalc overlay.

    Each model gets one rule per tier and prompt band the source prices (cache reads and writes; batch,
    flex and priority tiers; long-context cliffs), its context window, output limit and web-search fee,
    `confidence: community`, and a source citing FILE and its sha256. Models the curated table already
    has are left out (counted on stderr) unless --include-curated; entries that cannot be converted (no
    token prices, a fee per request, not a chat model, negative or absurd prices, ids costcalc cannot use)
    are skipped and counted.

    \b
    Examples:
      costcalc prices import --from litellm model_prices_and_context_window.json --output community.yaml
      costcalc prices check --prices community.yaml
      costcalc quote openrouter/qwen/qwen3-max --input 10k --output-tokens 1k --prices community.yaml
      costcalc prices import --from models.dev --download --output models-dev.yaml
    """
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..community import import_prices, overlay_yaml

    if source is None:  # checked here: click's own message for a missing choice spans several lines
        raise click.UsageError("missing option --from: one of " + ", ".join(SOURCES))
    if url is not None and not download:
        raise click.UsageError("--url goes with --download")
    if download and file is not None:
        raise click.UsageError("give FILE or --download, not both")
    if not download and file is None:
        raise click.UsageError("give the community price FILE to import (or --download)")
    frame = import_prices(file, source=source, prices=prices or None, include_curated=include_curated,
                          checked=_checked(checked), download=download, url=url)
    write_output(overlay_yaml(frame), output)
    _report(frame, verbose)


def _checked(value: str | None):
    if value is None:
        return None

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-22", param_hint="--checked") from None


def _report(frame, verbose: bool) -> None:
    curated = frame[frame["status"] == "curated"]
    if len(curated):
        models = list(dict.fromkeys(curated["curated_as"]))
        shown = ", ".join(models[:8]) + (f" and {len(models) - 8} more" if len(models) > 8 else "")
        click.echo(f"costcalc: left out {_count(len(models), 'curated model')} the price table already has ({shown}); "
                   f"--include-curated imports them too", err=True)
    skipped = frame[frame["status"] == "skipped"]
    if len(skipped):
        if verbose:
            for row in skipped.itertuples():
                click.echo(f"costcalc: skipped {_one_line(repr(row.source_id))}: {_one_line(row.reason)}", err=True)
        kinds = Counter(_kind(r) for r in skipped["reason"])
        parts = ", ".join(f"{n} {k}" for k, n in kinds.most_common())
        click.echo(f"costcalc: skipped {_count(len(skipped), 'entry', 'entries')} that cannot be converted ({parts})"
                   + ("" if verbose else "; --verbose lists each"), err=True)


def _count(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _kind(reason: str) -> str:
    """A short family for a skip reason, for the summary line."""
    for words, kind in (("fee per request", "with per-request fees"), ("not a chat model", "not chat models"),
                        ("not text", "not text models"),
                        ("no token prices", "without token prices"), ("no prices", "without token prices"),
                        ("no output price", "without an output price"), ("no input price", "without an input price"),
                        ("negative", "with negative prices"), ("-1", "with variable prices"),
                        ("absurd", "with absurd prices"), ("does not fit", "with unusable ids"),
                        ("listed earlier", "duplicates"), ("already names", "with ids of other providers' models"),
                        ("not a number", "with prices that are not numbers"),
                        ("above the input", "with cache reads above input"),
                        ("decimal places", "with prices finer than 8 decimals per 1M tokens")):
        if words in reason:
            return kind
    return "other"


@click.command("crosscheck")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--from", "source", type=click.Choice(SOURCES), metavar="FORMAT",
              help="The files' format: " + ", ".join(SOURCES) + " (default: recognised from each file).")
@click.option("--at", "at", metavar="INSTANT", help="Compare the rates in force at this instant (default: now).")
@click.option("--strict", is_flag=True, help="Exit 1 when there is any disagreement (for CI).")
@prices_option
@format_option(("table", "csv", "json"))
@output_option
def prices_crosscheck(files, source, at, strict, prices, fmt, output):
    """List where community price FILES disagree with the price table at an instant.

    One row per model, tier, prompt band and component the file states and the table prices: both rates
    and the difference (a likely price change, or a peer's error). Models the file lacks, or has and the
    table does not, are counted, not listed. Exit 0; with --strict, 1 when anything disagrees.

    \b
    Examples:
      costcalc prices crosscheck model_prices_and_context_window.json --at 2026-11-01
      costcalc prices crosscheck api.json data.json --strict --format json
    """
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..community import crosscheck
    from ..report.crosscheck import render_crosscheck

    frame = crosscheck(list(files), at=None if at is None else parse_at(at), table=prices or None, source=source)
    write_output(render_crosscheck(frame, fmt), output)
    if strict and len(frame):
        click.echo(f"costcalc: {_count(len(frame), 'disagreement')} with the price table (--strict)", err=True)
        return EXIT_REPORTED


COMMANDS = (prices_import, prices_crosscheck)


def register(group: click.Group) -> None:
    """Add the community commands to `group` (the `costcalc prices` group)."""
    for command in COMMANDS:
        group.add_command(command)
