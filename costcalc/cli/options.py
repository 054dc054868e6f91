"""Options and plumbing every command group shares: --format, --output (and write_output, the one way a
command writes its result), --prices, --currency/--fx, --set, --models, --start, counts and instants.

Only click and the standard library are imported here; the library is imported inside the callbacks
that need it, so `costcalc --help` and `costcalc quote` start without loading pandas.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import click

from .._parse import parse_count, parse_instant
from ..errors import CostcalcError
from .._parse import parse_tool_calls

SCENARIOS = ("actual", "list")


# -- instants ---------------------------------------------------------------------------------------

def _now() -> datetime:
    """The clock, in one place (tests fix it by patching costcalc.cli.options._now)."""
    return datetime.now(timezone.utc)


def parse_at(text: str | None) -> datetime:
    """An ISO-8601 instant; a date means its 00:00 UTC and an instant without offset is read as UTC."""
    if text is None:
        return _now()
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--at") from None


# -- output -----------------------------------------------------------------------------------------

def write_output(text: str | bytes, output: str | None) -> None:
    """Print, or write the whole file atomically: a failure never leaves a partial file behind. Bytes
    (an XLSX workbook) go to a file, or to stdout only when it is not a terminal."""
    if isinstance(text, str):
        if not text.endswith("\n"):
            text += "\n"
        if output is None or output == "-":
            click.echo(text, nl=False)
            return
        data = text.encode("utf-8")  # as a text file would be written: UTF-8, newlines untranslated
    else:
        if output is None or output == "-":
            if sys.stdout.isatty():
                raise click.UsageError("this format is binary: write it to a file with --output FILE")
            sys.stdout.buffer.write(text)
            sys.stdout.flush()
            return
        data = text
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
        _write_special(output, data)
        return
    # A symlink is followed deliberately: the file it points to is replaced and the link stays a link.
    target = Path(os.path.realpath(output))
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
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


def output_option(func=None, *, help: str = "Write to FILE (atomically) instead of stdout."):
    """--output FILE: where a command's result goes (a file written atomically; default stdout)."""
    def decorate(f):
        return click.option("--output", "output", type=click.Path(dir_okay=False), metavar="FILE", help=help)(f)

    return decorate(func) if func is not None else decorate


def format_option(choices: tuple[str, ...], help: str | None = None):
    """--format: one of `choices`, the first the default."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True,
                        help=help)


# -- prices, currency -------------------------------------------------------------------------------

def prices_option(func):
    return click.option("--prices", "prices", multiple=True, type=click.Path(dir_okay=False),
                        metavar="OVERLAY.yaml",
                        help="A price overlay layered over the bundled table (repeatable).")(func)


def load_table(prices: tuple[str, ...] | str | None, base: str | None = None):
    """The bundled price table (or `base`) with the --prices overlays over it."""
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..prices import load_prices

    overlays = (prices,) if isinstance(prices, str) else tuple(prices or ())
    return load_prices(base, overlays=overlays)


def currency_options(func):
    func = click.option("--fx", "fx", multiple=True, metavar="CODE=RATE|FX.yaml",
                        help="Fixed budget rate(s), units per 1 USD: EUR=0.92, or an FX YAML file "
                             "(repeatable).")(func)
    return click.option("--currency", "currency", metavar="CODE",
                        help="Show money in this currency (ISO code) at the --fx rate; default USD.")(func)


def scenario_option(help: str):
    return click.option("--scenario", type=click.Choice(SCENARIOS), default="actual", show_default=True, help=help)


# -- counts -----------------------------------------------------------------------------------------

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


def tool_call_counts(values: tuple[str, ...]) -> dict[str, int]:
    """--tool-calls web_search=2,web_fetch=1 as {tool: calls}."""

    try:
        return parse_tool_calls(values)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--tool-calls") from None


# -- how workloads are estimated --------------------------------------------------------------------

def check_month(value: str | None, hint: str | None = None) -> str | None:
    """--start YYYY-MM, checked as the library reads it (the value itself is passed on)."""
    if value is None:
        return None
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..api import parse_month

    try:
        parse_month(value)
    except CostcalcError as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None
    return value


def start_option(hint: str | None = None):
    """--start YYYY-MM. `hint`: how the error names the option (estimate's says --start, unquoted)."""
    return click.option("--start", metavar="YYYY-MM", callback=lambda ctx, param, value: check_month(value, hint),
                        help="First month (default: earliest profile start, else this month).")


def set_option(func):
    return click.option("--set", "sets", multiple=True, metavar="PROFILE.KEY=VALUE",
                        help="Override a profile value (repeatable; PROFILE may be *).")(func)


def parse_set(values: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """--set PROFILE.KEY=VALUE (repeatable) as (profile, key, value) overrides."""
    out = []
    for item in values:
        target, sep, value = item.partition("=")
        profile, dot, key = target.partition(".")
        if not sep or not dot or not profile or not key:
            raise click.BadParameter(f"{item!r} is not PROFILE.KEY=VALUE (PROFILE may be *), e.g. "
                                     f"support-bot.cache_hit_rate=0.8", param_hint="--set")
        out.append((profile, key, value))
    return out


def model_list(text: str | None) -> list[str] | None:
    """--models a,b as a list; None when not given."""
    if not text:
        return None
    models = [m.strip() for m in text.split(",") if m.strip()]
    if not models:
        raise click.BadParameter("name at least one model", param_hint="--models")
    return models


def split(values: tuple[str, ...]) -> list[str]:
    """Repeatable options that also take comma lists: --as a --as b == --as a,b."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


# -- usage logs -------------------------------------------------------------------------------------

def checked_log_format(name: str | None) -> str | None:
    """--log-format NAME, one the readers know (None: detected)."""
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..usage.read import FORMATS

    if name is not None and name not in FORMATS:
        raise click.BadParameter(f"{name!r} is not one of {', '.join(FORMATS)}", param_hint="--log-format")
    return name


def column_map(text: str | None) -> dict[str, str] | None:
    """--map text as a mapping; a malformed one is a usage error (exit 2), like any bad option."""
    # lazy: a command loads its library code only when it runs (quick --help; quote, tokens, prices: no pandas)
    from ..usage.read import parse_mapping

    if not text:
        return None
    try:
        return parse_mapping(text)
    except CostcalcError as exc:
        raise click.BadParameter(str(exc), param_hint="--map") from None
