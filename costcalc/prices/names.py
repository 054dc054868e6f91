"""Model names as usage logs write them -> the price table's model ids.

A log names a model the way its provider's API returned it: a dated snapshot (`gpt-5.5-2026-04-23`,
`claude-...-20260416`), or a router's provider-qualified name (`openrouter` + `deepseek/deepseek-v4-pro`).
`LoggedNames` finds the table's model for each (provider, model) pair once and says, as an assumption,
when the model priced is not literally the one logged. Pure: the table arrives as an argument.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..errors import UnknownModelError
from .model import PriceTable
from .resolve import lookup

SNAPSHOT_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8})$")  # gpt-5.5-2026-04-23, claude-...-20260416
SUGGEST_FOR = 20  # unknown names that get a "did you mean" (it compares the name with every model)


def snapshot_base(name: str) -> str:
    """The name without a snapshot date (`gpt-5.5-2026-04-23` -> `gpt-5.5`); the name if it has none."""
    return SNAPSHOT_SUFFIX.sub("", name)


@dataclass(frozen=True, slots=True)  # one per (provider, model) pair a slice meets
class Found:
    """What a logged (provider, model) pair names before its effects are had (`LoggedNames.find`): the
    model id or the error (an unknown name's without "did you mean": whether it gets one depends on how
    many unknown names the run met before it), and the assumptions pricing it makes."""

    model_id: str | None
    error: str | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Hint:
    """An unknown (provider, model) pair a run gave "did you mean": its error without the hint and with it."""

    provider: str
    model: str
    plain: str
    hinted: str


def hinted_over(parts: Iterable[Sequence[Hint]]) -> set[tuple[str, str]]:
    """The pairs one run over several parts gives "did you mean" (its first SUGGEST_FOR unknown pairs), from
    the hints each part's own run gave (`LoggedNames.hints`, parts in the run's order, each whole files).
    A part's own hints are its first SUGGEST_FOR unknown pairs in the order it met them, which is enough:
    while the run has S < SUGGEST_FOR pairs hinted, they are all the unknown pairs it has met, so at most S
    of a part's first SUGGEST_FOR are not new to the run and the rest fill the SUGGEST_FOR - S left."""
    hinted: set[tuple[str, str]] = set()
    for hints in parts:
        for hint in hints:
            if len(hinted) == SUGGEST_FOR:
                return hinted
            hinted.add((hint.provider, hint.model))
    return hinted


class LoggedNames:
    """Resolves logged (provider, model) pairs against one table, each distinct pair once. `note` is
    called with each assumption a resolution makes (a snapshot priced as its model, a router's record
    priced at the model's own provider's prices).

    Resolving has effects in the order pairs are resolved (the notes; "did you mean" for the first
    SUGGEST_FOR unknown names only): `model_of` has them at once; a caller that meets pairs in another
    order than the one it must answer in (blocked re-pricing) asks `find` first and `settle`s the pairs
    in that order later."""

    def __init__(self, table: PriceTable, note: Callable[[str], None] | None = None):
        self.table = table
        self._note = note or (lambda text: None)
        self._names: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        self.hints: list[Hint] = []  # the unknown names given "did you mean" (the run's first SUGGEST_FOR), in order

    def model_of(self, provider: str, model: str) -> tuple[str | None, str | None]:
        """(model id, None) for a logged (provider, model) pair, or (None, error message)."""
        found = self._names.get((provider, model))
        return found if found is not None else self.settle(provider, model, self.find(provider, model))

    def settled(self, provider: str, model: str) -> tuple[str | None, str | None] | None:
        """model_of's answer for a pair this run has settled, else None."""
        return self._names.get((provider, model))

    def find(self, provider: str, model: str) -> Found:
        """What the pair names, without effects.

        Tries the provider-qualified name first (`openrouter` + `deepseek/deepseek-v4-pro`), then the
        name, then the name without a snapshot date (`gpt-5.5-2026-04-23` is priced as gpt-5.5)."""
        candidates = ([f"{provider}/{model}"] if provider else []) + [model]
        bare = snapshot_base(model)
        if bare != model:
            candidates.append(bare)
        error = None
        for name in candidates:
            try:
                model_id = lookup(self.table, name, suggest=False).id
            except UnknownModelError as exc:
                if name == model:
                    error = str(exc)
                continue
            notes = []
            if name == bare and bare != model:
                notes.append(f"{model} is priced as {model_id} (a dated snapshot of it)")
            billed = self.table.models[model_id].provider
            if provider and name == model and provider != billed and not model.startswith(billed):
                notes.append(f"{provider} records of {model} are priced at {billed}'s prices for {model_id}")
            return Found(model_id, None, tuple(notes))
        assert error is not None, "the name itself is a candidate"
        return Found(None, error)

    def hints_left(self) -> int:
        """How many more unknown names settled get "did you mean" (the run's first SUGGEST_FOR do)."""
        return max(SUGGEST_FOR - len(self.hints), 0)

    def settle(self, provider: str, model: str, found: Found) -> tuple[str | None, str | None]:
        """The pair's answer, its effects had now if it is new to the run: its notes said, and an unknown
        name among the run's first SUGGEST_FOR given "did you mean"."""
        key = (provider, model)
        settled = self._names.get(key)
        if settled is not None:  # settled already (by another code of a slice whose values read the same)
            return settled
        for text in found.notes:
            self._note(text)
        error = found.error
        # "did you mean" compares the name with every model: worth it for the first few unknown names,
        # not for each of 50,000 in a log of made-up names (linear, bounded time)
        if error is not None and self.hints_left():
            plain = error
            try:
                lookup(self.table, model)
            except UnknownModelError as exc:
                error = str(exc)
            self.hints.append(Hint(provider, model, plain, error))
        settled = self._names[key] = (found.model_id, error)
        return settled


__all__ = ["SNAPSHOT_SUFFIX", "SUGGEST_FOR", "Found", "Hint", "LoggedNames", "hinted_over", "snapshot_base"]
