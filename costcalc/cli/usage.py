"""Click wiring of the commands on real usage logs: `reprice`, `variance`, `profile`. Records that cannot be
read or priced are reported on stderr and left out; the command then exits 1 after writing its result."""

from __future__ import annotations

import click

from ..errors import CostcalcError, RetiredModelError, UnknownModelError
from .app import EXIT_REPORTED
from .options import (checked_log_format, column_map, format_option, output_option, prices_option, split,
                      write_output)

FORMATS = ("table", "csv", "json", "markdown")


@click.command()
@click.argument("logs", nargs=-1)
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
@click.option("--engine", type=click.Choice(["local", "duckdb"]), default="local", show_default=True,
              help="Where the records are priced: in costcalc (local) or inside DuckDB (pip install "
                   "'costcalc[duckdb]'); the same rows, totals and problems.")
@click.option("--jobs", "jobs", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="Re-price the LOGS files in N processes (a file each at a time; --engine local): the same "
                   "output, totals and problems as one.")
@click.option("--sums", "sums", metavar="SUMS.csv", help="Instead of LOGS: the sums an engine returned for the "
              "SQL of `costcalc sql reprice` (needs --plan).")
@click.option("--plan", "plan_path", metavar="PLAN", help="The plan those sums were computed with (refused if "
              "they were not).")
@click.option("--problems", "problems", metavar="PROBLEMS.csv", help="With --sums: what the --problems SQL "
              "returned (the first records the plan cannot price, listed with their source and line).")
@prices_option
@format_option(FORMATS)
@output_option
def reprice(logs, as_models, by, log_format, mapping, strict, engine, jobs, sums, plan_path, problems, prices, fmt,
            output):
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
      costcalc reprice big.parquet --engine duckdb
      costcalc reprice logs/*.jsonl --jobs 4
      costcalc reprice --sums sums.csv --plan plan.parquet
    """
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..api_usage import reprice_totals
    from ..report.usage import render_reprice
    from ..usage.totals import check_by

    try:
        group = check_by(split(by) or ["month"])  # [] when only `model`: rows per model alone
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--by") from None
    if jobs != 1 and (engine != "local" or sums or plan_path):
        raise click.UsageError("--jobs spreads LOGS files over processes for --engine local (DuckDB uses its own "
                               "threads; --sums reads no logs)")
    if sums or plan_path:
        if not (sums and plan_path) or logs or as_models:
            raise click.UsageError("--sums and --plan go together, without LOGS or --as (the plan has the --as "
                                   "models)")
        # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
        from ..api_engines import reprice_sums

        result = reprice_sums(sums, plan_path, group, problems, prices or None)
    elif not logs:
        raise click.UsageError("name the usage LOGS to re-price (or --sums SUMS.csv --plan PLAN)")
    else:
        try:
            result = reprice_totals(list(logs), prices=prices or None, models=split(as_models), by=group,
                                    format=checked_log_format(log_format), mapping=column_map(mapping),
                                    strict=strict, engine=engine, jobs=jobs)
        except (UnknownModelError, RetiredModelError) as exc:  # records' models are reported, never raised
            raise click.BadParameter(str(exc), param_hint="--as") from None
    write_output(render_reprice(result, fmt), output)
    if result.reported:
        click.echo(f"costcalc: {result.summary_line()}", err=True)
        return EXIT_REPORTED


@click.command()
@click.option("--forecast", "forecast", required=True, type=click.Path(dir_okay=False), metavar="ESTIMATE.json",
              help="A saved estimate: costcalc estimate --format json --output ESTIMATE.json")
@click.option("--actual", "actual", multiple=True, required=True, metavar="LOG",
              help="Usage log(s) (repeatable; more may follow as arguments).")
@click.argument("more_logs", nargs=-1)
@click.option("--log-format", "log_format", metavar="NAME", help="Log format (default: detected).")
@click.option("--map", "mapping", metavar="COL=SRC,...", help="CSV/Parquet column mapping, as for reprice.")
@prices_option
@format_option(FORMATS)
@output_option
def variance(forecast, actual, more_logs, log_format, mapping, prices, fmt, output):
    """Forecast against actuals per month and model: variance split into volume, mix and price.

    Months compared are those in the logs. Reported records are left out of the actuals (exit 1).

    \b
    Example:
      costcalc estimate workloads.yaml --format json --output forecast.json
      costcalc variance --forecast forecast.json --actual logs/*.jsonl
    """
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..api_usage import variance as run_variance
    from ..report.usage import render_variance

    df = run_variance(forecast, list(actual) + list(more_logs), prices=prices or None,
                      format=checked_log_format(log_format), mapping=column_map(mapping))
    write_output(render_variance(df, fmt), output)
    if df.attrs.get("reported"):
        click.echo(f"costcalc: {df.attrs['records']:,} records: {df.attrs['priced']:,} priced, "
                   f"{df.attrs['reported']:,} reported", err=True)
        return EXIT_REPORTED


@click.command()
@click.argument("logs", nargs=-1, required=True)
@click.option("--by", "by", default="model", show_default=True, metavar="model|tag:NAME",
              help="One profile per logged model, or per value of a tag.")
@click.option("--timezone", "tz", default="UTC", show_default=True, metavar="ZONE",
              help="IANA zone for the hour-of-week traffic shape (e.g. Europe/Berlin).")
@click.option("--log-format", "log_format", metavar="NAME", help="Log format (default: detected).")
@click.option("--map", "mapping", metavar="COL=SRC,...", help="CSV/Parquet column mapping, as for reprice.")
@click.option("--conversation", "conversation", metavar="tag:NAME", default=None,
              help="A tag holding a conversation or session id: profiles become conversation shapes (turns, "
                   "history growth and cache reads per turn).")
@prices_option
@output_option(help="Write the workloads YAML to FILE (atomically) instead of stdout.")
def profile(logs, by, tz, log_format, mapping, prices, output, conversation):
    """Derive workload profiles from usage LOGS, so a projection starts from reality.

    Bad records are left out (listed on stderr, exit 1 after writing the profiles).

    \b
    Example:
      costcalc profile logs/*.jsonl --timezone Europe/Berlin --output workloads.yaml
      costcalc profile logs/*.jsonl --conversation tag:session_id --output chats.yaml
      costcalc estimate workloads.yaml --models deepseek-v4-pro,gpt-5.5
    """
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..api_usage import profile_logs
    from ..usage.profile import profiles_yaml

    if by != "model" and not (by.startswith("tag:") and len(by) > 4):
        raise click.BadParameter(f"{by!r}: use model or tag:NAME", param_hint="--by")
    if conversation is not None and not (conversation.startswith("tag:") and len(conversation) > 4):
        raise click.BadParameter(f"{conversation!r}: use tag:NAME", param_hint="--conversation")

    def list_bad_records(read) -> None:  # first, before profiles are derived (which may fail)
        for problem in read.problems[:20]:
            click.echo(f"costcalc: {problem}", err=True)
        if not read.used:
            raise CostcalcError(f"no usable records in {', '.join(logs)} ({read.records:,} read, "
                                f"{read.reported:,} reported)")

    derived = profile_logs(list(logs), by=by, timezone=tz, prices=prices or None,
                           format=checked_log_format(log_format), mapping=column_map(mapping),
                           on_read=list_bad_records, conversation=conversation)
    assert derived.document is not None  # list_bad_records raised when no record was usable
    header = (f"Derived by `costcalc profile` from {', '.join(logs)}: {derived.used:,} records used, "
              f"{derived.reported:,} left out.")
    write_output(profiles_yaml(derived.document, header=header), output)
    if derived.reported:
        click.echo(f"costcalc: {derived.records:,} records: {derived.reported:,} reported and left out", err=True)
        return EXIT_REPORTED


COMMANDS = (reprice, variance, profile)


def register(group: click.Group) -> None:
    """Add these commands to `group` (the costcalc group)."""
    for command in COMMANDS:
        group.add_command(command)
