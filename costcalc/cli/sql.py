"""Click wiring of `costcalc sql plan` and `costcalc sql reprice`: the price table compiled for an engine
(a segments table and its hash) and the SQL that re-prices a usage table with it. `costcalc reprice --sums
SUMS.csv --plan PLAN` (usage.py) turns what the SQL returned into the exact report."""

from __future__ import annotations

import click

from .options import column_map, load_table, model_list, output_option, prices_option, split, write_output
from ..errors import CostcalcError

DIALECTS = ("duckdb", "spark", "bigquery", "snowflake")


@click.group()
def sql() -> None:
    """Re-price where the logs live: a compiled price plan and the SQL for DuckDB, Spark, BigQuery, Snowflake."""


@sql.command("plan")
@click.option("--from", "start", required=True, metavar="DATE", help="First day covered (YYYY-MM-DD, UTC).")
@click.option("--until", "until", required=True, metavar="DATE", help="Day after the last one covered.")
@click.option("--models", "models", metavar="M1,M2", help="Only these models as logged (default: every model).")
@click.option("--as", "as_models", multiple=True, metavar="MODEL", help="Also price every record as MODEL "
              "(repeatable or a,b), as for reprice --as.")
@prices_option
@output_option(help="Write the plan to FILE: .parquet (segments, the rest in its metadata) or .csv "
                    "(segments; FILE.json next to it holds the rest). Default: plan.parquet.")
def plan(start, until, models, as_models, prices, output):
    """Compile the price table into a segments table for an engine, and print its hash.

    \b
    Example:
      costcalc sql plan --from 2026-01-01 --until 2027-01-01 --as deepseek-v4-pro --output plan.parquet
    """
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..api_engines import check_plan_path, compile_plan, plan_bytes, plan_json

    output = output or "plan.parquet"
    if output == "-":
        raise click.BadParameter("the plan is a file: name it (.parquet or .csv)", param_hint="--output")
    try:
        check_plan_path(output)
    except CostcalcError as exc:
        raise click.BadParameter(str(exc), param_hint="--output") from None
    table = load_table(prices)
    try:
        compiled = compile_plan(start, until, model_list(models), split(as_models), table)
    except CostcalcError as exc:
        raise click.BadParameter(str(exc), param_hint="--from/--until/--models/--as") from None
    data = plan_bytes(compiled, output)  # before any file is written: a missing pyarrow leaves none
    if output.lower().endswith(".csv"):
        write_output(plan_json(compiled), output + ".json")
    write_output(data, output)
    click.echo(f"{output}: {len(compiled.segments):,} pieces of constant price ({compiled.segment_days:,} group-days "
               f"on the engine), {len(compiled.outcomes):,} prices; "
               f"plan sha256 {compiled.sha256}")


@sql.command("reprice")
@click.option("--plan", "plan_path", required=True, metavar="PLAN", help="The plan from `costcalc sql plan`.")
@click.option("--dialect", type=click.Choice(DIALECTS), default="duckdb", show_default=True)
@click.option("--table", "table", required=True, metavar="NAME", help="The usage table (or a query in parentheses).")
@click.option("--segments", "segments", default="costcalc_segments", show_default=True, metavar="NAME",
              help="Where the plan's segments table was loaded.")
@click.option("--by", "by", multiple=True, metavar="KEY", help="Group by month (default), day, tag:NAME.")
@click.option("--map", "mapping", metavar="COL=SRC,...", help="Usage columns: timestamp=ts,model=model_name,"
              "web_search_calls=0 (a literal for a column the table lacks), source=file,line=line_no ...")
@click.option("--problems", is_flag=True, help="Print the query listing the first 1,000 records the plan "
              "cannot price (with source and line) instead of the sums.")
@output_option
def reprice_sql(plan_path, dialect, table, segments, by, mapping, problems, output):
    """Print the SQL that re-prices a usage table with a compiled plan and returns integer sums.

    \b
    Example:
      costcalc sql reprice --plan plan.parquet --dialect duckdb --table usage > sums.sql
      costcalc reprice --sums sums.csv --plan plan.parquet
    """
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..api_engines import read_plan, reprice_sql as emit
    from ..engines.sql import USAGE_COLUMNS
    from ..usage.schema import TAG_PREFIX
    from ..usage.totals import check_by

    try:
        group = check_by(split(by) or ["month"])
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--by") from None
    mapped = column_map(mapping, ("source", "line"))  # the same check as `costcalc reprice --map`, and where from
    for target, column in (mapped or {}).items():
        if target not in USAGE_COLUMNS and not target.startswith(TAG_PREFIX):
            # prompt_tokens/completion_tokens are read by the file readers only: the SQL takes each count as is
            raise click.BadParameter(f"{target}={column}: the SQL maps {', '.join(USAGE_COLUMNS)} or tag:NAME",
                                     param_hint="--map")
    write_output(emit(read_plan(plan_path), table, dialect, segments, group, mapped, problems), output)


def register(group: click.Group) -> None:
    """Add `sql` to `group` (the costcalc group)."""
    group.add_command(sql)
