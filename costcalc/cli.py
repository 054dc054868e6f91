"""Click wiring only: parse arguments, call the library (the same functions a notebook calls), render,
and map errors to one line on stderr with exit status 1 (bad input) or 2 (bad usage)."""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import click

from . import __version__
from ._parse import parse_count, parse_instant, parse_requests
from .errors import CostcalcError

FORMATS_QUOTE = ("table", "json")


# -- shared plumbing --------------------------------------------------------------------------------

def _now() -> datetime:
    return datetime.now(timezone.utc)


def parse_at(text: str | None) -> datetime:
    """An ISO-8601 instant; a date means its 00:00 UTC and an instant without offset is read as UTC."""
    if text is None:
        return _now()
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--at") from None


def write_output(text: str | bytes, output: str | None) -> None:
    """Print, or write the whole file atomically: a failure never leaves a partial file behind. Bytes
    (an XLSX workbook) go to a file, or to stdout only when it is not a terminal."""
    binary = isinstance(text, bytes)
    if not binary and not text.endswith("\n"):
        text += "\n"
    if output is None or output == "-":
        if binary:
            if sys.stdout.isatty():
                raise click.UsageError("this format is binary: write it to a file with --output FILE")
            sys.stdout.buffer.write(text)
            sys.stdout.flush()
        else:
            click.echo(text, nl=False)
        return
    if output == "":
        raise click.UsageError("--output needs a file name (or - for stdout)")
    try:
        found = os.stat(output)  # follows symlinks: what a write would reach
    except FileNotFoundError:
        found = None
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise click.ClickException(f"cannot write {output}: is a directory")
    if found is not None and not stat.S_ISREG(found.st_mode):
        # /dev/null, /dev/stdout, a FIFO, a terminal: write into it. The atomic rename below would
        # replace the device or pipe itself with a regular file (as root, /dev/null included).
        _write_special(output, text if binary else text.encode("utf-8"))
        return
    # A symlink is followed deliberately: the file it points to is replaced and the link stays a link.
    target = Path(os.path.realpath(output))
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")) as handle:
            handle.write(text)
        # mkstemp makes the file private (0600); give it the mode a plain open() would have had, or
        # keep the mode of the file it replaces
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_special(output: str, data: bytes) -> None:
    try:
        fd = os.open(output, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _load_table(prices: tuple[str, ...] | str | None, base: str | None = None):
    from .prices import load_prices

    overlays = (prices,) if isinstance(prices, str) else tuple(prices or ())
    return load_prices(base, overlays=overlays)


ESTIMATE_FORMATS = ("table", "csv", "json", "markdown", "html", "xlsx", "focus")


def currency_options(func):
    func = click.option("--fx", "fx", multiple=True, metavar="CODE=RATE|FX.yaml",
                        help="Fixed budget rate(s), units per 1 USD: EUR=0.92, or an FX YAML file "
                             "(repeatable).")(func)
    return click.option("--currency", "currency", metavar="CODE",
                        help="Show money in this currency (ISO code) at the --fx rate; default USD.")(func)


def prices_option(func):
    return click.option("--prices", "prices", multiple=True, type=click.Path(dir_okay=False),
                        metavar="OVERLAY.yaml",
                        help="A price overlay layered over the bundled table (repeatable).")(func)


def count_option(name: str, help_text: str, default: str | None = "0", parse=parse_count):
    """An option holding a count written like 1M, 250k or 1_000: tokens by default, or what `parse` reads
    (with its own words in the message)."""
    def callback(ctx, param, value):
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return click.option(name, default=default, callback=callback, metavar="N", help=help_text,
                        show_default=default not in (None, "0"))


def _tool_calls_option(values: tuple[str, ...]) -> dict[str, int]:
    from ._parse import parse_tool_calls

    try:
        return parse_tool_calls(values)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--tool-calls") from None


# -- the group --------------------------------------------------------------------------------------

class CostcalcGroup(click.Group):
    """Every failure is one line per problem on stderr and a non-zero exit: 1 for bad input, 2 for bad
    usage; never a traceback, nothing on stdout. Done here (not in a wrapper around the console script)
    so CliRunner tests see exactly what users see."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            rv = super().main(args, prog_name or "costcalc", complete_var, standalone_mode=False, **extra)
        except CostcalcError as exc:
            for line in exc.lines:
                click.echo(f"costcalc: {line}", err=True)
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "costcalc"
            click.echo(f"costcalc: {exc.format_message()} (see: {command} --help)", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            click.echo(f"costcalc: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code or 1)
        except click.Abort:
            click.echo("costcalc: aborted", err=True)
            sys.exit(1)
        except BrokenPipeError:
            # `costcalc ... | head`: the reader left; nothing more to say.
            sys.stderr.close()
            sys.exit(0)
        except Exception as exc:  # a bug: one line for users, the traceback with COSTCALC_DEBUG=1
            if os.environ.get("COSTCALC_DEBUG"):
                raise
            click.echo(f"costcalc: internal error: {type(exc).__name__}: {exc} "
                       f"(rerun with COSTCALC_DEBUG=1 for details, and please report it)", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=CostcalcGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="costcalc")
def cli() -> None:
    """Project monthly LLM API spend from a dated, sourced price table.

    \b
    Examples:
      costcalc estimate                      # the bundled example workloads
      costcalc quote gpt-5.5 --input 300k --output 2k
      costcalc prices show deepseek-v4-pro
    """


@cli.command()
@click.argument("model")
@count_option("--input", "Uncached input tokens (1M, 250k, 1_000 accepted).")
@count_option("--cached", "Input tokens read from cache.")
@count_option("--cache-write-5m", "Input tokens written to a 5-minute cache.")
@count_option("--cache-write-1h", "Input tokens written to a 1-hour cache.")
@count_option("--output", "Output tokens.")
@count_option("--reasoning", "Reasoning tokens, on top of --output.")
@click.option("--at", "at", metavar="INSTANT", help="ISO-8601 instant (default: now; no offset = UTC).")
@click.option("--tier", type=click.Choice(["standard", "batch", "flex", "priority", "fast"]),
              default="standard", show_default=True)
@click.option("--residency", is_flag=True, help="Data residency / US-only inference pricing.")
@click.option("--scenario", type=click.Choice(["actual", "list"]), default="actual", show_default=True,
              help="actual: prices in force; list: promotions ignored.")
@count_option("--requests", "The counts are totals over N equal requests (cliffs and limits apply to "
              "each); a whole number >= 1.", default="1", parse=parse_requests)
@click.option("--tool-calls", "tool_calls", multiple=True, metavar="TOOL=N",
              callback=lambda ctx, param, value: _tool_calls_option(value),
              help="Calls of a server-side tool priced at the model's per-call fee, e.g. web_search=2 "
                   "(repeatable, or comma-separated: web_search=2,web_fetch=1; each tool once).")
@prices_option
@click.option("--format", "fmt", type=click.Choice(FORMATS_QUOTE), default="table", show_default=True)
def quote(model, input, cached, cache_write_5m, cache_write_1h, output, reasoning, at, tier, residency,
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
      costcalc quote gpt-5.5 --input 272001 --output 1000 --tier batch --format json
      costcalc quote deepseek-v4-pro --input 1M --output 1M --requests 10 --at 2026-05-31T15:58Z
      costcalc quote gpt-5.5 --input 20k --output 1k --tool-calls web_search=2
    """
    from .prices import TokenBundle
    from .prices import quote as price_quote
    from .report.prices import quote_table

    table = _load_table(prices)
    bundle = TokenBundle(input=input, cache_read=cached, cache_write_5m=cache_write_5m,
                         cache_write_1h=cache_write_1h, output=output, reasoning=reasoning)
    result = price_quote(table, model, bundle, parse_at(at), tier=tier, residency=residency,
                         scenario=scenario, requests=requests, tool_calls=tool_calls)
    text = json.dumps(result.to_dict(), indent=2) if fmt == "json" else quote_table(result)
    write_output(text, None)


@cli.group()
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
@click.option("--format", "fmt", type=click.Choice(FORMATS_QUOTE), default="table", show_default=True)
def prices_list(provider, at, prices, fmt):
    """List models and the standard rates in force (USD per 1M tokens).

    \b
    Example:
      costcalc prices list --provider deepseek --at 2026-09-01T02:30Z
    """
    from .report.prices import price_list, price_list_rows

    table = _load_table(prices)
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
    from .prices import lookup
    from .report.prices import model_history

    table = _load_table(prices)
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
    from .prices.lint import lint

    table = _load_table(prices, base=file)
    report = lint(table, _now().date())
    for problem in report.warnings:
        click.echo(f"costcalc: warning: {problem}", err=True)
    if report.errors:
        for problem in report.errors:
            click.echo(f"costcalc: {problem}", err=True)
        sys.exit(1)
    rules = sum(len(m.rules) for m in table.models.values())
    click.echo(f"{table.files[-1].path}: ok: version {table.version}, {len(table.models)} models, "
               f"{rules} price rules, {len(report.warnings)} warnings")


def _month_option(value: str | None) -> str | None:
    from .api import parse_month

    if value is not None:
        try:
            parse_month(value)
        except CostcalcError as exc:
            raise click.BadParameter(str(exc), param_hint="--start") from None
    return value


def _budget_option(value: str | None):
    """--budget 60000 (or 60_000, 60000.50): an amount of money above 0, to the cent."""
    from decimal import Decimal, InvalidOperation

    if value is None:
        return None
    text = value.strip().replace("_", "").replace(",", "")
    try:
        amount = Decimal(text) if text.isascii() and len(text) <= 20 else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount.adjusted() >= 15 or \
            -amount.as_tuple().exponent > 2:
        raise click.BadParameter(f"{value!r}: must be an amount of money above 0 and below 10^15, at most two "
                                 f"decimal places (e.g. 60000 or 60000.50)")
    return amount


def _parse_set(values: tuple[str, ...]) -> list[tuple[str, str, str]]:
    out = []
    for item in values:
        target, sep, value = item.partition("=")
        profile, dot, key = target.partition(".")
        if not sep or not dot or not profile or not key:
            raise click.BadParameter(f"{item!r} is not PROFILE.KEY=VALUE (PROFILE may be *), e.g. "
                                     f"support-bot.cache_hit_rate=0.8", param_hint="--set")
        out.append((profile, key, value))
    return out


@cli.command()
@click.argument("workloads", required=False, type=click.Path(dir_okay=False))
@click.option("--models", metavar="a,b", help="Compare every profile on these models instead of its own list.")
@click.option("--start", metavar="YYYY-MM", callback=lambda ctx, param, value: _month_option(value),
              help="First month (default: earliest profile start, else this month).")
@click.option("--months", type=click.IntRange(1, 600), default=12, show_default=True)
@click.option("--scenario", type=click.Choice(["actual", "list"]), default="actual", show_default=True,
              help="actual: prices in force each day; list: promotions ignored.")
@click.option("--set", "sets", multiple=True, metavar="PROFILE.KEY=VALUE",
              help="Override a profile value (repeatable; PROFILE may be *).")
@prices_option
@click.option("--format", "fmt", type=click.Choice(ESTIMATE_FORMATS), default="table", show_default=True,
              help="json is the canonical result (`costcalc render` re-renders it); html is one offline file "
                   "with charts; xlsx needs the xlsx extra; focus is FinOps FOCUS CSV.")
@currency_options
@click.option("--plan", "plan", metavar="NAME",
              help="The plan the headline and total show: current (default), cheapest, 'all on MODEL' or "
                   "a plan of the workloads file.")
@click.option("--budget", "budget", metavar="AMOUNT", callback=lambda ctx, param, value: _budget_option(value),
              help="A monthly budget for that plan's total, in the shown currency: months over it are "
                   "flagged with the overrun.")
@click.option("--output", "output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write to FILE (atomically) instead of stdout.")
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
    from .api import estimate as run_estimate
    from .report.estimate import render_estimate

    model_list = [m.strip() for m in models.split(",") if m.strip()] if models else None
    df = run_estimate(workloads, prices=prices or None, models=model_list, start=start, months=months,
                      scenario=scenario, overrides=_parse_set(sets), currency=currency, fx=fx, plan=plan,
                      budget=budget, cases=True)  # the renderings show each range's low and high
    write_output(render_estimate(df, fmt), output)


@cli.command()
@click.argument("result", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(ESTIMATE_FORMATS), default="table", show_default=True)
@currency_options
@click.option("--plan", "plan", metavar="NAME", help="Show this plan in the headline instead of the saved one.")
@click.option("--output", "output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write to FILE (atomically) instead of stdout.")
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
    from .report.document import load
    from .report.estimate import render_document

    document = load(result)
    if plan is not None:
        from .report.document import upgrade

        names = [p["name"] for p in document.get("plans") or []]
        if plan not in names:
            raise click.BadParameter(f"{plan!r}: no such plan in {result}; plans: {', '.join(names)}",
                                     param_hint="--plan")
        document = upgrade({**document, "meta": {**document["meta"], "plan": plan}})
    if currency or fx:
        from .api import with_currency
        from .report.document import to_document, to_frame

        document = to_document(with_currency(to_frame(document), currency, list(fx)))
    write_output(render_document(document, fmt), output)


@cli.command()
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
    from .schemas import shipped

    write_output(shipped(name), output)


@cli.command()
@click.argument("path", default="workloads.yaml", type=click.Path(dir_okay=False))
def init(path):
    """Write a commented example workloads file to start from (never overwrites).

    \b
    Example:
      costcalc init my-workloads.yaml && costcalc estimate my-workloads.yaml
    """
    from .api import bundled_examples

    target = Path(path)
    if target.exists():
        raise click.ClickException(f"{path} already exists; not overwriting it (choose another path)")
    write_output(bundled_examples().read_text(encoding="utf-8"), path)
    click.echo(f"wrote {path}; next: costcalc estimate {path}")


def _log_format(name: str | None) -> str | None:
    from .usage.read import FORMATS

    if name is not None and name not in FORMATS:
        raise click.BadParameter(f"{name!r} is not one of {', '.join(FORMATS)}", param_hint="--log-format")
    return name


def _map_option(text: str | None) -> dict[str, str] | None:
    """--map text as a mapping; a malformed one is a usage error (exit 2), like any bad option."""
    from .usage.read import parse_mapping

    if not text:
        return None
    try:
        return parse_mapping(text)
    except CostcalcError as exc:
        raise click.BadParameter(str(exc), param_hint="--map") from None


def _as_models(table, names: list[str]) -> list[str]:
    from .prices import lookup

    for name in names:
        try:
            lookup(table, name)
        except CostcalcError as exc:
            raise click.BadParameter(str(exc), param_hint="--as") from None
    return names


def _split(values: tuple[str, ...]) -> list[str]:
    """Repeatable options that also take comma lists: --as a --as b == --as a,b."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


@cli.command()
@click.argument("logs", nargs=-1, required=True)
@click.option("--as", "as_models", multiple=True, metavar="MODEL",
              help="Also price every record as this model (repeatable or a,b). Other tokenizer families: "
                   "counts translated by documented ratios, marked as estimates.")
@click.option("--by", "by", multiple=True, metavar="KEY", help="Group rows by month (default), day, model "
              "or tag:NAME (repeatable or a,b).")
@click.option("--log-format", "log_format", metavar="NAME",
              help="openai, anthropic, deepseek, otel, costcalc, csv or parquet (default: detected).")
@click.option("--map", "mapping", metavar="COL=SRC,...",
              help="CSV/Parquet columns: timestamp=ts,model=model_name,prompt_tokens=pt,tag:team=team ...")
@click.option("--strict", is_flag=True, help="Stop at the first bad record (default: report it and go on).")
@prices_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "markdown"]), default="table",
              show_default=True)
@click.option("--output", "output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write to FILE (atomically) instead of stdout.")
def reprice(logs, as_models, by, log_format, mapping, strict, prices, fmt, output):
    """Re-price usage LOGS at each record's own instant (promotions, peak/off-peak, routing).

    Files stream in bounded memory. Records that cannot be read or priced are reported with file and
    line and left out of every total; the run goes on and exits with status 1 and a summary line
    (--strict stops at the first).

    \b
    Examples:
      costcalc reprice responses.jsonl
      costcalc reprice logs/*.jsonl --as deepseek-v4-pro --as claude-opus-4-7 --by month
      costcalc reprice gateway.csv --map timestamp=ts,model=model_name,prompt_tokens=pt --by tag:team
      costcalc reprice usage.parquet --format json --output last-month.json
    """
    from .report.usage import render_reprice
    from .usage.read import iter_usage
    from .usage.run import reprice_chunks
    from .usage.totals import check_by

    try:
        group = check_by(_split(by) or ["month"])  # [] when only `model`: rows per model alone
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--by") from None
    table = _load_table(prices)
    models = _as_models(table, _split(as_models))
    chunks = iter_usage(list(logs), format=_log_format(log_format), mapping=_map_option(mapping), strict=strict)
    result = reprice_chunks(chunks, table, models, group, strict=strict)
    write_output(render_reprice(result, fmt), output)
    if result.reported:
        click.echo(f"costcalc: {result.summary_line()}", err=True)
        sys.exit(1)


@cli.command()
@click.option("--forecast", "forecast", required=True, type=click.Path(dir_okay=False), metavar="ESTIMATE.json",
              help="A saved estimate: costcalc estimate --format json --output ESTIMATE.json")
@click.option("--actual", "actual", multiple=True, required=True, metavar="LOG",
              help="Usage log(s) (repeatable; more may follow as arguments).")
@click.argument("more_logs", nargs=-1)
@click.option("--log-format", "log_format", metavar="NAME", help="Log format (default: detected).")
@click.option("--map", "mapping", metavar="COL=SRC,...", help="CSV/Parquet column mapping, as for reprice.")
@prices_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "markdown"]), default="table",
              show_default=True)
@click.option("--output", "output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write to FILE (atomically) instead of stdout.")
def variance(forecast, actual, more_logs, log_format, mapping, prices, fmt, output):
    """Forecast against actuals per month and model: variance split into volume, mix and price.

    Months compared are those in the logs. Reported records are left out of the actuals (exit 1).

    \b
    Example:
      costcalc estimate workloads.yaml --format json --output forecast.json
      costcalc variance --forecast forecast.json --actual logs/*.jsonl
    """
    from .api import variance as run_variance
    from .report.usage import render_variance

    df = run_variance(forecast, list(actual) + list(more_logs), prices=prices or None,
                      format=_log_format(log_format), mapping=_map_option(mapping))
    write_output(render_variance(df, fmt), output)
    if df.attrs.get("reported"):
        click.echo(f"costcalc: {df.attrs['records']:,} records: {df.attrs['priced']:,} priced, "
                   f"{df.attrs['reported']:,} reported", err=True)
        sys.exit(1)


@cli.command()
@click.argument("logs", nargs=-1, required=True)
@click.option("--by", "by", default="model", show_default=True, metavar="model|tag:NAME",
              help="One profile per logged model, or per value of a tag.")
@click.option("--timezone", "tz", default="UTC", show_default=True, metavar="ZONE",
              help="IANA zone for the hour-of-week traffic shape (e.g. Europe/Berlin).")
@click.option("--log-format", "log_format", metavar="NAME", help="Log format (default: detected).")
@click.option("--map", "mapping", metavar="COL=SRC,...", help="CSV/Parquet column mapping, as for reprice.")
@prices_option
@click.option("--output", "output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the workloads YAML to FILE (atomically) instead of stdout.")
def profile(logs, by, tz, log_format, mapping, prices, output):
    """Derive workload profiles from usage LOGS, so a projection starts from reality.

    Bad records are left out (listed on stderr, exit 1 after writing the profiles).

    \b
    Example:
      costcalc profile logs/*.jsonl --timezone Europe/Berlin --output workloads.yaml
      costcalc estimate workloads.yaml --models deepseek-v4-pro,gpt-5.5
    """
    from .api import derive_profiles, read_usage
    from .usage.profile import profiles_yaml

    if by != "model" and not (by.startswith("tag:") and len(by) > 4):
        raise click.BadParameter(f"{by!r}: use model or tag:NAME", param_hint="--by")
    usage = read_usage(list(logs), format=_log_format(log_format), mapping=_map_option(mapping))
    reported = usage.attrs["reported"]
    for problem in usage.attrs["problems"][:20]:
        click.echo(f"costcalc: {problem}", err=True)
    if not len(usage):
        raise CostcalcError(f"no usable records in {', '.join(logs)} ({usage.attrs['records']:,} read, "
                            f"{reported:,} reported)")
    document = derive_profiles(usage, by=by, timezone=tz, prices=prices or None)
    header = (f"Derived by `costcalc profile` from {', '.join(logs)}: {len(usage):,} records used, "
              f"{usage.attrs['reported']:,} left out.")
    write_output(profiles_yaml(document, header=header), output)
    if reported:
        click.echo(f"costcalc: {usage.attrs['records']:,} records: {reported:,} reported and left out", err=True)
        sys.exit(1)


DEFAULT_TOKEN_MODELS = "deepseek-v4-pro,gpt-5.5,claude-opus-4-7"
_PROGRESS_BYTES = 20_000_000  # show a progress bar above this much text (and only on a terminal)


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--models", default=DEFAULT_TOKEN_MODELS, show_default=True, metavar="a,b",
              help="Models whose tokenizers count (each model's own; Claude and Gemini are estimates).")
@prices_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
def tokens(paths, models, prices, fmt):
    """Count the tokens of files, folders (recursive), globs or stdin (-) per model, offline.

    Binary files are skipped with a note; unreadable files and bad encodings are reported per file and
    the run goes on (exit status 1 at the end if any failed).

    \b
    Examples:
      costcalc tokens prompts/ --models gpt-5.5,deepseek-v4-pro,claude-opus-4-7
      cat prompt.txt | costcalc tokens - --format json
    """
    from .report.tokens import render_tokens
    from .tokens import count_files

    table = _load_table(prices)
    model_list = [m.strip() for m in models.split(",") if m.strip()]
    if not model_list:
        raise click.BadParameter("name at least one model", param_hint="--models")
    paths = list(paths) or (["-"] if not sys.stdin.isatty() else [])
    if not paths:
        raise click.UsageError("give files, folders or globs to count, or - to read stdin")
    rows, problems = [], []
    if "-" in paths:
        import io

        from .tokens import FileProblem
        from .tokens.files import TextProblem, count_handle

        # counted as a stream, a stretch at a time (tokens/files.py): any size in bounded memory
        stdin = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else io.BytesIO(sys.stdin.read().encode())
        try:
            rows += count_handle(table, "<stdin>", stdin, model_list)
        except TextProblem as exc:
            problems.append(FileProblem("<stdin>", exc.message, exc.skipped))
    file_paths = [p for p in paths if p != "-"]
    if file_paths:
        from .tokens.files import expand

        files, _ = expand(file_paths)
        size = sum(f.stat().st_size for f in files if f.exists())
        if size > _PROGRESS_BYTES and sys.stderr.isatty():
            with click.progressbar(length=size, label="counting", file=sys.stderr) as bar:
                found, failed_files = count_files(table, file_paths, model_list, progress=bar.update)
        else:
            found, failed_files = count_files(table, file_paths, model_list)
        rows += found
        problems += failed_files
    failed = [p for p in problems if not p.skipped]
    if rows or not failed:  # nothing counted and something failed: the error lines alone, no empty table
        write_output(render_tokens(rows, problems, fmt), None)
    for problem in problems:
        click.echo(f"costcalc: {'note: ' if problem.skipped else ''}{problem.path}: {problem.message}", err=True)
    if failed:
        if rows:
            click.echo(f"costcalc: {len(failed)} failed, {len({r.path for r in rows})} counted", err=True)
        sys.exit(1)


# What-if commands (compare, sensitivity, break-even) live in their own module; they import nothing
# heavy until run.
from .cli_whatif import register as _register_whatif  # noqa: E402

_register_whatif(cli)

# Community price tables: `prices import` and `prices crosscheck` (costcalc.cli_community).
from .cli_community import register as _register_community  # noqa: E402

_register_community(prices)


# -- entry point ------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    """The console script."""
    cli.main(args=argv, prog_name="costcalc")


if __name__ == "__main__":  # pragma: no cover
    main()
