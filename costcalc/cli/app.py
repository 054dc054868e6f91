"""The `costcalc` group and its entry point: every error becomes one line on stderr and an exit status
here, in one place, so each command only raises (CostcalcError: bad input, exit 1; click.UsageError:
bad usage, exit 2), or returns EXIT_REPORTED when it wrote its result but left reported input out."""

from __future__ import annotations

import os
import sys

import click

from .. import __version__
from ..errors import CostcalcError

EXIT_REPORTED = 1  # a command's return value: the result is written, but some input was reported and left out


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
      costcalc quote gpt-5.5 --input 300k --output-tokens 2k
      costcalc prices show deepseek-v4-pro
    """


def main(argv: list[str] | None = None) -> None:
    """The console script."""
    cli.main(args=argv, prog_name="costcalc")
