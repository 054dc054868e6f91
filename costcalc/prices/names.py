"""Model names as usage logs write them -> the price table's model ids.

A log names a model the way its provider's API returned it: a dated snapshot (`gpt-5.5-2026-04-23`,
`claude-...-20260416`), or a router's provider-qualified name (`openrouter` + `deepseek/deepseek-v4-pro`).
`LoggedNames` finds the table's model for each (provider, model) pair once and says, as an assumption,
when the model priced is not literally the one logged. Pure: the table arrives as an argument.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import UnknownModelError
from .model import PriceTable
from .resolve import lookup

SNAPSHOT_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8})$")  # gpt-5.5-2026-04-23, claude-...-20260416
SUGGEST_FOR = 20  # unknown names that get a "did you mean" (it compares the name with every model)


def snapshot_base(name: str) -> str:
    """The name without a snapshot date (`gpt-5.5-2026-04-23` -> `gpt-5.5`); the name if it has none."""
    return SNAPSHOT_SUFFIX.sub("", name)


class LoggedNames:
    """Resolves logged (provider, model) pairs against one table, each distinct pair once. `note` is
    called with each assumption a resolution makes (a snapshot priced as its model, a router's record
    priced at the model's own provider's prices)."""

    def __init__(self, table: PriceTable, note: Callable[[str], None] | None = None):
        self.table = table
        self._note = note or (lambda text: None)
        self._names: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        self._unknown_names = 0

    def model_of(self, provider: str, model: str) -> tuple[str | None, str | None]:
        """(model id, None) for a logged (provider, model) pair, or (None, error message).

        Tries the provider-qualified name first (`openrouter` + `deepseek/deepseek-v4-pro`), then the
        name, then the name without a snapshot date (`gpt-5.5-2026-04-23` is priced as gpt-5.5)."""
        key = (provider, model)
        found: tuple[str | None, str | None] | None = self._names.get(key)
        if found is not None:
            return found
        candidates = ([f"{provider}/{model}"] if provider else []) + [model]
        bare = snapshot_base(model)
        if bare != model:
            candidates.append(bare)
        found = None
        for name in candidates:
            try:
                found = (lookup(self.table, name, suggest=False).id, None)
            except UnknownModelError:
                continue
            if name == bare and bare != model:
                self._note(f"{model} is priced as {found[0]} (a dated snapshot of it)")
            billed = self.table.models[found[0]].provider
            if provider and name == model and provider != billed and not model.startswith(billed):
                self._note(f"{provider} records of {model} are priced at {billed}'s prices for {found[0]}")
            break
        if found is None:
            # "did you mean" compares the name with every model: worth it for the first few unknown
            # names, not for each of 50,000 in a log of made-up names (linear, bounded time)
            self._unknown_names += 1
            try:
                lookup(self.table, model, suggest=self._unknown_names <= SUGGEST_FOR)
            except UnknownModelError as exc:
                found = (None, str(exc))
        assert found is not None, "lookup raised for the name every candidate failed on"
        self._names[key] = found
        return found


__all__ = ["SNAPSHOT_SUFFIX", "SUGGEST_FOR", "LoggedNames", "snapshot_base"]
