"""One error hierarchy. Every message names where (file, line, dotted key), what (the bad value) and what
is allowed, so the CLI can print it as a single line and a notebook user can read it as is."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file: printed as `file:line: key: value: message`."""

    file: str
    line: int | None
    key: str
    value: object
    message: str

    def __str__(self) -> str:
        if self.line is None:
            where = self.file
        elif self.line == 0:  # a value given on the command line with --set
            where = f"{self.file} (--set)"
        else:
            where = f"{self.file}:{self.line}"
        parts = [where]
        if self.key:
            parts.append(_cut(_one_line(self.key), _KEY_LIMIT))
        if self.value is not _NO_VALUE:
            parts.append(_show(self.value))
        parts.append(_one_line(self.message))
        return ": ".join(parts)


class _NoValue:
    def __reduce__(self) -> str:
        # pickled by name, so an unpickled problem (partials from another process) still holds THE
        # missing-value marker that `is _NO_VALUE` checks look for
        return "_NO_VALUE"

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "<no value>"


_NO_VALUE = _NoValue()


def _one_line(text: str) -> str:
    """Control characters (a newline in a key) escaped: a problem is always one line."""
    return "".join(repr(c)[1:-1] if ord(c) < 32 or ord(c) == 127 else c for c in str(text))


# A dotted key holds names from the input (a profile, a model, a tag): a 100,000-character one is cut too.
_KEY_LIMIT = 120


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def shown(value: object, limit: int = 80) -> str:
    """A bad value as an error line quotes it: repr for text, one line, at most `limit` characters (a
    100,000-character model name must not make a 100,000-character error line)."""
    return _cut(_one_line(repr(value) if isinstance(value, str) else str(value)), limit)


def _show(value: object) -> str:
    return shown(value, 60)


class CostcalcError(Exception):
    """Base of every error costcalc raises on purpose. `lines` are what the CLI prints, one per problem."""

    exit_code = 1

    @property
    def lines(self) -> list[str]:
        return [str(self)]


class InputError(CostcalcError):
    """An input file (price table, overlay, workloads) is malformed. Holds every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class UnknownPlanError(CostcalcError):
    """A plan asked for by name that the estimate does not have (the CLI reports it as a bad --plan)."""


class UnknownProviderError(CostcalcError):
    """A provider asked for by name that the price table does not have (the CLI reports a bad --provider)."""


class UnknownModelError(CostcalcError):
    """A model id that is not in the table; the message suggests the nearest names."""


class RetiredModelError(CostcalcError):
    """A model asked for after its retirement; the message names its replacement."""


class NoPriceError(CostcalcError):
    """No price rule covers the request (before launch, an unoffered tier, an unpublished combination)."""


class NotLaunchedError(NoPriceError):
    """A model asked for before its launch instant; the message names the launch."""


class LimitError(NoPriceError):
    """A request the model cannot take: a prompt above its context window, or output (reasoning included)
    above its max output. The message names the model, the limit and the count."""


class AmbiguousPriceError(CostcalcError):
    """Two base rules match the same request; the table is wrong (lint catches this for bundled data)."""
