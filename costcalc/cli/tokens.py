"""Click wiring of `tokens`: count the tokens of files, folders, globs or stdin per model, offline."""

from __future__ import annotations

import io
import sys

import click

from .app import EXIT_REPORTED
from .options import format_option, prices_option, write_output

FORMATS = ("table", "csv", "json")
DEFAULT_TOKEN_MODELS = "deepseek-v4-pro,gpt-5.5,claude-opus-4-7"
_PROGRESS_BYTES = 20_000_000  # show a progress bar above this much text (and only on a terminal)


def _progress_bar(total_bytes: int):
    """A progress bar on stderr for a big count in a terminal; None otherwise."""
    if total_bytes > _PROGRESS_BYTES and sys.stderr.isatty():
        return click.progressbar(length=total_bytes, label="counting", file=sys.stderr)
    return None


@click.command()
@click.argument("paths", nargs=-1)
@click.option("--models", default=DEFAULT_TOKEN_MODELS, show_default=True, metavar="a,b",
              help="Models whose tokenizers count (each model's own; Claude and Gemini are estimates).")
@prices_option
@format_option(FORMATS)
def tokens(paths, models, prices, fmt):
    """Count the tokens of files, folders (recursive), globs or stdin (-) per model, offline.

    Binary files are skipped with a note; unreadable files and bad encodings are reported per file and
    the run goes on (exit status 1 at the end if any failed).

    \b
    Examples:
      costcalc tokens prompts/ --models gpt-5.5,deepseek-v4-pro,claude-opus-4-7
      cat prompt.txt | costcalc tokens - --format json
    """
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..api_prices import count_paths, prices_from
    from ..report.tokens import render_tokens

    table = prices_from(prices or None)  # a bad overlay is reported before anything else
    model_list = [m.strip() for m in models.split(",") if m.strip()]
    if not model_list:
        raise click.BadParameter("name at least one model", param_hint="--models")
    paths = list(paths) or (["-"] if not sys.stdin.isatty() else [])
    if not paths:
        raise click.UsageError("give files, folders or globs to count, or - to read stdin")
    # stdin is counted as a stream, a stretch at a time (tokens/files.py): any size in bounded memory
    stdin = None
    if "-" in paths:
        stdin = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else io.BytesIO(sys.stdin.read().encode())
    rows, problems = count_paths(paths, model_list, prices=table, stdin=stdin, progress=_progress_bar)
    failed = [p for p in problems if not p.skipped]
    if rows or not failed:  # nothing counted and something failed: the error lines alone, no empty table
        write_output(render_tokens(rows, problems, fmt), None)
    for problem in problems:
        click.echo(f"costcalc: {'note: ' if problem.skipped else ''}{problem.path}: {problem.message}", err=True)
    if failed:
        if rows:
            click.echo(f"costcalc: {len(failed)} failed, {len({r.path for r in rows})} counted", err=True)
        return EXIT_REPORTED


COMMANDS = (tokens,)


def register(group: click.Group) -> None:
    """Add `tokens` to `group` (the costcalc group)."""
    for command in COMMANDS:
        group.add_command(command)
