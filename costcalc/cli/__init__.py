"""The `costcalc` command line: click wiring only. Each command parses its options, makes one call to the
library (costcalc.api and the costcalc.* functions a notebook calls), renders the result and writes it.

    app.py        the group, its entry point `main`, and the one place errors become exit statuses
    options.py    options shared by every group (--format, --output/write_output, --prices,
                  --currency/--fx, --set, --models, --start, counts, instants, log options)
    estimate.py   estimate, render, init, schema
    quote.py      quote
    prices.py     prices list, show, check
    community.py  prices import, prices crosscheck (community price tables)
    usage.py      reprice, variance, profile (real usage logs)
    sql.py        sql plan, sql reprice (re-pricing on an engine: a compiled plan and its SQL)
    tokens.py     tokens
    whatif.py     compare, sensitivity, break-even

Command modules import only click, options.py and the standard library at import time (the library is
imported inside each command), so `costcalc --help` and `costcalc quote` start without pandas. Imports
go one way: this file -> command modules -> options.py / app.py; none of them imports this package.
"""

from __future__ import annotations

from . import community, estimate, prices, quote, sql, tokens, usage, whatif
from .app import cli, main

for _group in (estimate, quote, prices, usage, sql, tokens, whatif):
    _group.register(cli)
community.register(prices.prices)  # `costcalc prices import` and `costcalc prices crosscheck`

__all__ = ["cli", "main"]
