"""`python -m costcalc ...`: the same CLI as the `costcalc` command."""

from .cli import main

main()
