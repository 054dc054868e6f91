"""`python -m costcalc.cli ...`: the same CLI as the `costcalc` command."""

from . import main

main()
