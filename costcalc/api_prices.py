"""The part of the library API that needs only the price table (and the tokenizers): quote a request,
count tokens, list, show and check the price table. Importing it loads no pandas, so `costcalc quote`,
`costcalc tokens` and `costcalc prices` start in a fraction of a second; `import costcalc` names them.
Files, stdin and the clock are read here, at the edge; the computation is costcalc.prices and
costcalc.tokens."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import IO

from ._parse import parse_instant
from .errors import CostcalcError, Problem, UnknownProviderError
from .prices import PriceTable, TokenBundle, load_prices, lookup
from .prices import quote as _quote


def _now() -> datetime:
    """The clock, in one place for these calls (tests fix it by patching costcalc.api_prices._now)."""
    return datetime.now(timezone.utc)


def _instant(at) -> datetime:
    """`at` as an aware instant: None is now, a naive datetime is UTC, text is ISO-8601 (a date is its
    00:00 UTC); text that is no instant is a CostcalcError."""
    if at is None:
        return _now()
    if isinstance(at, datetime):
        return at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    try:
        return parse_instant(str(at))
    except ValueError as exc:
        raise CostcalcError(str(exc)) from None


def _overlays(prices) -> list:
    """--prices given as one path or several (or none)."""
    if prices is None:
        return []
    return [prices] if isinstance(prices, (str, Path)) else list(prices)


def prices_from(prices) -> PriceTable:
    """None -> the bundled table; a PriceTable as is; a path or list of paths -> overlays over it."""
    if prices is None:
        return load_prices()
    if isinstance(prices, PriceTable):
        return prices
    if isinstance(prices, (str, Path)):
        return load_prices(overlays=[prices])
    return load_prices(overlays=list(prices))


def quote(model: str, at=None, prices=None, tier: str = "standard", residency: bool = False,
          scenario: str = "actual", requests: int = 1, tool_calls: dict[str, int] | None = None,
          **tokens: int):
    """Price one request: quote('gpt-5.5', input=272_001, output=1_000, at='2026-06-01T00:00Z').

    requests=N: the token counts are totals over N equal requests (each request's prompt selects the
    cliff tier and must fit the context window; its output the max output): quote('gpt-5.5',
    input=1_000_000, output=1_000_000, requests=10) prices ten requests of 100,000 in + 100,000 out.
    A request the model cannot take raises LimitError.

    tool_calls: {tool: calls} priced at the model's per-call fees, one `tool:NAME` line each (totals,
    like the token counts): quote('deepseek-v4-pro', input=10_000, output=500, tool_calls={"web_search":
    2}); a tool the model has no fee for then is a NoPriceError naming the tools it does price."""
    table = prices_from(prices)
    return _quote(table, model, TokenBundle(**tokens), _instant(at), tier=tier, residency=residency,
                  scenario=scenario, requests=requests, tool_calls=tool_calls)


def count_tokens(text: str, model: str, prices=None):
    """Tokens of `text` for `model`, with its own tokenizer: a TokenCount (tokens, exact, low, high).
    Claude and Gemini counts are estimates with a band; GPT-5 and DeepSeek V4 counts are exact."""
    # lazy: api_prices is `costcalc quote`/`tokens`/`prices`' path: no pandas, no tokenizer until used
    from .tokens.count import count

    return count(prices_from(prices), text, model)


def count_messages(messages, model: str, prices=None):
    """Tokens of OpenAI-style chat messages [{"role", "content"}] including the provider's framing."""
    # lazy: api_prices is `costcalc quote`/`tokens`/`prices`' path: no pandas, no tokenizer until used
    from .tokens import count_chat

    return count_chat(prices_from(prices), messages, model)


def count_paths(paths, models, prices=None, stdin: IO[bytes] | None = None,
                progress: Callable[[int], AbstractContextManager | None] | None = None):
    """Token counts of files, folders (recursive), globs and `-` (the binary stream `stdin`) per model:
    (rows, problems), TokenRows and FileProblems in the order met (stdin first). Every file is counted
    as a stream, in bounded memory. progress(total_bytes of the files) may return a context manager
    yielding an object with update(bytes) (a progress bar), or None for none."""
    # lazy: api_prices is `costcalc quote`/`tokens`/`prices`' path: no pandas, no tokenizer until used
    from .tokens import FileProblem, count_files
    from .tokens.files import TextProblem, count_handle, expand

    table = prices_from(prices)
    paths = [paths] if isinstance(paths, (str, Path)) else [str(p) for p in paths]
    models = [models] if isinstance(models, str) else list(models)
    rows, problems = [], []
    if "-" in paths:
        try:
            rows += count_handle(table, "<stdin>", sys.stdin.buffer if stdin is None else stdin, models)
        except TextProblem as exc:
            problems.append(FileProblem("<stdin>", exc.message, exc.skipped))
    file_paths = [p for p in paths if p != "-"]
    if file_paths:
        bar = None
        if progress is not None:  # a bar is worth it for big inputs only: the caller decides from the size
            files, _ = expand(file_paths)
            bar = progress(sum(f.stat().st_size for f in files if f.exists()))
        with bar if bar is not None else nullcontext() as shown:
            found, failed = count_files(table, file_paths, models, progress=shown.update if shown else None)
        rows += found
        problems += failed
    return rows, problems


# -- the price table ----------------------------------------------------------------------------------

def price_list(prices=None, at=None, provider: str | None = None) -> list[dict]:
    """One plain row per model (id, provider, the standard rates in USD per 1M tokens in force at `at`,
    default now), as `costcalc prices list` shows them. provider: only that provider's models (one the
    table does not have is an UnknownProviderError naming those it has)."""
    # lazy: api_prices is `costcalc quote`/`tokens`/`prices`' path: no pandas, no tokenizer until used
    from .report.prices import price_list_rows

    table = prices_from(prices)
    if provider is not None and provider not in table.providers:
        raise UnknownProviderError(f"unknown provider {provider!r}; known: {', '.join(sorted(table.providers))}")
    return price_list_rows(table, _instant(at), provider)


def price_history(model: str, prices=None) -> str:
    """`model`'s whole dated price history, modifiers, routes and notes, as text (`costcalc prices show`)."""
    # lazy: api_prices is `costcalc quote`/`tokens`/`prices`' path: no pandas, no tokenizer until used
    from .report.prices import model_history

    table = prices_from(prices)
    return model_history(table, lookup(table, model))


@dataclass(frozen=True)
class PriceCheck:
    """What check_prices found: the table checked (its last file, version, counts) and the lint problems
    (errors make the table unusable; warnings are rules not checked against their source for 90 days)."""

    path: str
    version: str
    models: int
    rules: int
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]


def check_prices(file: str | Path | None = None, prices=None, today: date | None = None) -> PriceCheck:
    """Validate and lint a price table: `file` (default the bundled one) with the `prices` overlays over
    it, as of `today` (default: the clock's UTC date). A table that does not load raises, as load_prices."""
    # lazy: api_prices is `costcalc quote`/`tokens`/`prices`' path: no pandas, no tokenizer until used
    from .prices.lint import lint

    table = load_prices(file, overlays=_overlays(prices))
    report = lint(table, _now().date() if today is None else today)
    return PriceCheck(str(table.files[-1].path), table.version, len(table.models),
                      sum(len(m.rules) for m in table.models.values()), report.errors, report.warnings)

